//! `S-ROW-MISSING`: a row of a found table was not found.
//!
//! ## What it checks
//!
//! The normaliser's `RowMissing` observation: one finding per row (a t4
//! group counts as a row), naming it with its official label, listing its
//! cells. Severity error.
//!
//! ## Why
//!
//! A missing row leaves its cells `missing`, and every identity that needs
//! them becomes not assessable: the reader must know that the silence of
//! the arithmetic rules is not a pass. It is also the sign of a truncated
//! table (a PDF page break, a cut-off fragment).
//!
//! ## Example
//!
//! ```text
//! 表三 未找到“结转下年度继续办理”行
//! ```

use super::labels::{row_en, row_zh, table_en, table_zh};
use super::{Context, Rule};
use crate::schema::{Finding, Observation, Report, Severity};

/// The rule id.
pub const ID: &str = "S-ROW-MISSING";

/// `S-ROW-MISSING`.
pub struct SRowMissing;

impl Rule for SRowMissing {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "a row of a found table is not found"
    }

    fn summary_zh(&self) -> &'static str {
        "已找到的表格中缺少某一行"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for o in &report.observations {
            let Observation::RowMissing { table, row, cells } = o else {
                continue;
            };
            cx.report(Finding::new(
                ID,
                self.severity(),
                cells.clone(),
                format!("{} 未找到“{}”行", table_zh(table), row_zh(table, row)),
                format!(
                    "{}: row '{}' not found",
                    table_en(table),
                    row_en(table, row)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one};

    #[test]
    fn fail_fixture_names_the_row() {
        let cx = run_one(&SRowMissing, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1);
        let f = &cx.findings[0];
        assert_eq!(f.message, "表三 未找到“结转下年度继续办理”行");
        assert_eq!(f.cells.len(), 7, "cells default to the row's cells");
        assert!(f.cells.iter().all(|c| c.starts_with("t3.carried_forward.")));
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&SRowMissing, &load(ID, "pass")).findings.is_empty());
    }
}
