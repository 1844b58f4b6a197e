//! HTML reader (placeholder until the HTML ingestor lands).

use crate::error::IngestError;
use crate::grid::Document;

/// Reads an HTML page into a document.
pub fn read(_bytes: &[u8]) -> Result<Document, IngestError> {
    Err(IngestError::Unsupported("HTML reading is not built yet".into()))
}
