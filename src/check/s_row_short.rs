//! `S-ROW-SHORT`: a row has fewer value cells than its template row.
//!
//! ## What it checks
//!
//! The normaliser's `RowShort` observation: the row, as the report labels
//! it, how many value cells it has and how many the template has. Severity
//! error; the cells are the row's canonical cells. How the normaliser placed
//! the cells it found is reported separately (S-ALIGN-GUESS).
//!
//! ## Why
//!
//! A short row means a cell was lost (merged away, cut off, or never typed):
//! whichever way the remaining numbers are placed, one column of the row is
//! not what the report meant to print.
//!
//! ## Example
//!
//! The seed's （七）总计 row has 6 numbers for 7 columns:
//!
//! ```text
//! 表三 “（七）总计”行只有6个数值单元格，模板为7个
//! ```

use super::labels::{row_zh, table_en, table_zh};
use super::{Context, Rule};
use crate::schema::{Finding, Observation, Report, Severity};

/// The rule id.
pub const ID: &str = "S-ROW-SHORT";

/// `S-ROW-SHORT`.
pub struct SRowShort;

impl Rule for SRowShort {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "a row has fewer value cells than its template row"
    }

    fn summary_zh(&self) -> &'static str {
        "某行的数值单元格少于模板"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for o in &report.observations {
            let Observation::RowShort {
                table,
                row,
                label,
                found,
                expected,
                cells,
            } = o
            else {
                continue;
            };
            let name = if label.trim().is_empty() {
                row_zh(table, row)
            } else {
                label.trim()
            };
            cx.report(Finding::new(
                ID,
                self.severity(),
                cells.clone(),
                format!(
                    "{} “{}”行只有{}个数值单元格，模板为{}个",
                    table_zh(table),
                    name,
                    found,
                    expected
                ),
                format!(
                    "{}: row '{}' has {} value cells, the template has {}",
                    table_en(table),
                    name,
                    found,
                    expected
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
    fn fail_fixture_counts_the_cells() {
        let cx = run_one(&SRowShort, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1);
        let f = &cx.findings[0];
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.message, "表三 “（七）总计”行只有6个数值单元格，模板为7个");
        assert_eq!(f.cells.len(), 7);
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&SRowShort, &load(ID, "pass")).findings.is_empty());
    }
}
