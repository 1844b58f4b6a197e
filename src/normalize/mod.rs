//! STAND-IN for the normaliser (branch `pipeline` only).
//!
//! The real normaliser is written on its own branch; the integrator replaces
//! this file. It exists so that the pipeline compiles and runs: every
//! readable document becomes a `not_a_report` report with no values.

use crate::grid::Document;
use crate::schema::{Report, Source, Status};

/// Stand-in: returns an empty report with status `not_a_report`.
pub fn normalize(_doc: &Document, source: Source) -> Report {
    let mut report = Report::new(source);
    report.status = Status::NotAReport;
    report
}
