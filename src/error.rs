//! Errors of the library stages.
//!
//! A per-document failure never stops a run: the pipeline turns an
//! [`IngestError`] into that document's `status: error` report, with
//! [`IngestError::kind`] as `error.kind`.

use thiserror::Error;

/// Why a document could not be read into a grid.
#[derive(Debug, Error)]
pub enum IngestError {
    /// The file has no content.
    #[error("the file is empty")]
    Empty,
    /// The file is damaged or is not what its format says.
    #[error("the file is damaged or not a valid {format} file: {detail}")]
    Corrupt {
        /// The format it was read as.
        format: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// The file is password-protected.
    #[error("the file is encrypted (password-protected): {0}")]
    Encrypted(String),
    /// A format ogi cannot read here.
    #[error("{0}")]
    Unsupported(String),
    /// A limit was exceeded (size, cells, entries, nesting).
    #[error("the file exceeds a safety limit: {0}")]
    TooLarge(String),
    /// Reading the file failed.
    #[error("could not read the file: {0}")]
    Io(#[from] std::io::Error),
}

impl IngestError {
    /// The stable kind written as `error.kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            IngestError::Empty => "empty",
            IngestError::Corrupt { .. } => "corrupt",
            IngestError::Encrypted(_) => "encrypted",
            IngestError::Unsupported(_) => "unsupported",
            IngestError::TooLarge(_) => "too_large",
            IngestError::Io(_) => "io",
        }
    }

    /// A corrupt-file error.
    pub fn corrupt(format: &'static str, detail: impl std::fmt::Display) -> IngestError {
        IngestError::Corrupt {
            format,
            detail: detail.to_string(),
        }
    }
}
