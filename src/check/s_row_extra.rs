//! `S-ROW-EXTRA`: a row that is not in the template.
//!
//! ## What it checks
//!
//! The normaliser's `RowExtra` observation: a 小计 row, a number on a group
//! row, an annotation row. When it is a subtotal it was stored under its
//! subtotal key (and T3-SUBTOTAL checks it); otherwise it is kept in the
//! source only. Severity info; the cells are the subtotal's cells, if any.
//!
//! ## Why
//!
//! Nothing is wrong with an extra row, but the reader of the data should
//! know that `withheld_subtotal` and friends come from the report, not from
//! the template.
//!
//! ## Example
//!
//! ```text
//! 表三 有模板外的行“小计”，已作为（三）不予公开（小计）保留并核对
//! ```

use super::labels::{row_en, row_zh, table_en, table_zh};
use super::{Context, Rule};
use crate::schema::{Finding, Observation, Report, Severity};

/// The rule id.
pub const ID: &str = "S-ROW-EXTRA";

/// `S-ROW-EXTRA`.
pub struct SRowExtra;

impl Rule for SRowExtra {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Info
    }

    fn summary(&self) -> &'static str {
        "a row not in the template (a subtotal, an annotation row): kept, and checked if a subtotal"
    }

    fn summary_zh(&self) -> &'static str {
        "模板外的行（小计、附注行）：予以保留，小计行参与核对"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for o in &report.observations {
            let Observation::RowExtra {
                table,
                label,
                subtotal,
            } = o
            else {
                continue;
            };
            let (zh, en, cells) = match subtotal {
                Some(key) => {
                    let prefix = format!("{table}.{key}.");
                    let cells: Vec<String> = report
                        .cells
                        .keys()
                        .filter(|id| id.starts_with(&prefix))
                        .cloned()
                        .collect();
                    (
                        format!(
                            "{} 有模板外的行“{}”，已作为{}保留并核对",
                            table_zh(table),
                            label,
                            row_zh(table, key)
                        ),
                        format!(
                            "{}: row '{}' is not in the template; kept as {} and checked",
                            table_en(table),
                            label,
                            row_en(table, key)
                        ),
                        cells,
                    )
                }
                None => (
                    format!(
                        "{} 有模板外的行“{}”，已保留，不参与核对",
                        table_zh(table),
                        label
                    ),
                    format!(
                        "{}: row '{}' is not in the template; kept, not checked",
                        table_en(table),
                        label
                    ),
                    Vec::new(),
                ),
            };
            cx.report(Finding::new(ID, self.severity(), cells, zh, en));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one};

    #[test]
    fn fail_fixture_reports_subtotal_and_annotation_rows() {
        let cx = run_one(&SRowExtra, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 2);
        assert_eq!(
            cx.findings[0].message,
            "表三 有模板外的行“小计”，已作为（三）不予公开（小计）保留并核对"
        );
        assert_eq!(cx.findings[0].cells.len(), 7);
        assert_eq!(
            cx.findings[1].message,
            "表三 有模板外的行“注：含网上申请”，已保留，不参与核对"
        );
        assert!(cx.findings[1].cells.is_empty());
        assert!(cx.findings.iter().all(|f| f.severity == Severity::Info));
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&SRowExtra, &load(ID, "pass")).findings.is_empty());
    }
}
