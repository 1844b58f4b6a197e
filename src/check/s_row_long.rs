//! `S-ROW-LONG`: a row has more value cells than its template row.
//!
//! ## What it checks
//!
//! The normaliser's `RowLong` observation: the row, as the report labels it,
//! and the cells that did not fit, quoted in the message. Severity warning.
//!
//! ## Why
//!
//! Extra cells are usually a note typed into the table, a split number
//! ("1 2" for 12) or a column the report added. The values kept may be
//! right, but the reader should see what was left out.
//!
//! ## Example
//!
//! ```text
//! 表四 “行政复议”行多出1个单元格：“（含撤回2件）”
//! ```

use super::labels::{row_zh, table_en, table_zh};
use super::{Context, Rule};
use crate::schema::{Finding, Observation, Report, Severity};

/// The rule id.
pub const ID: &str = "S-ROW-LONG";

/// `S-ROW-LONG`.
pub struct SRowLong;

impl Rule for SRowLong {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "a row has more value cells than its template row; the extra text is in the message"
    }

    fn summary_zh(&self) -> &'static str {
        "某行的数值单元格多于模板（多出的内容见消息）"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for o in &report.observations {
            let Observation::RowLong {
                table,
                row,
                label,
                extra,
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
            let quoted_zh: Vec<String> = extra.iter().map(|e| format!("“{e}”")).collect();
            let quoted_en: Vec<String> = extra.iter().map(|e| format!("'{e}'")).collect();
            cx.report(Finding::new(
                ID,
                self.severity(),
                cells.clone(),
                format!(
                    "{} “{}”行多出{}个单元格：{}",
                    table_zh(table),
                    name,
                    extra.len(),
                    quoted_zh.join("、")
                ),
                format!(
                    "{}: row '{}' has {} extra cells: {}",
                    table_en(table),
                    name,
                    extra.len(),
                    quoted_en.join(", ")
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
    fn fail_fixture_quotes_the_extra_text() {
        let cx = run_one(&SRowLong, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1);
        let f = &cx.findings[0];
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.message, "表四 “行政复议”行多出1个单元格：“（含撤回2件）”");
        assert_eq!(f.cells.len(), 5);
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&SRowLong, &load(ID, "pass")).findings.is_empty());
    }
}
