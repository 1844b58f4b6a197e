//! Tables flattened into running text (to be built).

use super::rows::Row;
use crate::grid::Document;

/// Rows found in running text.
pub fn collect(_doc: &Document) -> Vec<Row> {
    Vec::new()
}
