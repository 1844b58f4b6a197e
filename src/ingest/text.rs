//! Plain-text reader (placeholder).

use crate::error::IngestError;
use crate::grid::Document;

/// Reads a text document.
pub fn read(_bytes: &[u8]) -> Result<Document, IngestError> {
    Err(IngestError::Unsupported("text reading is not built yet".into()))
}
