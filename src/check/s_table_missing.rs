//! `S-TABLE-MISSING`: a table of the template was not found.
//!
//! ## What it checks
//!
//! The normaliser's `TableMissing` observation, one finding per table with
//! the cells it would have held. The severity depends on the table: **error
//! for table 三** (the applications table, which every rule of substance
//! needs), **warning for tables 二 and 四** (shorter tables that reports more
//! often fold into the text). [`Rule::severity`] gives error, the highest.
//!
//! ## Why
//!
//! A report without its tables cannot be checked; a missing table is also
//! the most common sign that the document is cut off or that the tables are
//! images.
//!
//! ## Example
//!
//! ```text
//! 未找到表四（政府信息公开行政复议、行政诉讼情况）
//! ```

use super::labels::{table_en, table_zh};
use super::{Context, Rule};
use crate::schema::{Finding, Observation, Report, Severity};

/// The rule id.
pub const ID: &str = "S-TABLE-MISSING";

/// `S-TABLE-MISSING`.
pub struct STableMissing;

impl Rule for STableMissing {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "a table of the template is not found (error for table 3, warning for tables 2 and 4)"
    }

    fn summary_zh(&self) -> &'static str {
        "未找到模板中的某张表格（表三为错误，表二、表四为警告）"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for o in &report.observations {
            let Observation::TableMissing { table, cells } = o else {
                continue;
            };
            let severity = if *table == "t3" {
                Severity::Error
            } else {
                Severity::Warning
            };
            let (what_zh, what_en) = match *table {
                "t2" | "t2_2019" => ("主动公开政府信息情况", "proactive disclosure"),
                "t3" => (
                    "收到和处理政府信息公开申请情况",
                    "applications received and handled",
                ),
                "t4" => (
                    "政府信息公开行政复议、行政诉讼情况",
                    "administrative review and litigation",
                ),
                _ => ("", ""),
            };
            cx.report(Finding::new(
                ID,
                severity,
                cells.clone(),
                format!("未找到{}（{}）", table_zh(table), what_zh),
                format!("{} ({}) not found", table_en(table), what_en),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one};

    #[test]
    fn fail_fixture_grades_the_tables() {
        let cx = run_one(&STableMissing, &load(ID, "fail"));
        let got: Vec<(Severity, &str, usize)> = cx
            .findings
            .iter()
            .map(|f| (f.severity, f.message.as_str(), f.cells.len()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Severity::Error,
                    "未找到表三（收到和处理政府信息公开申请情况）",
                    2
                ),
                (
                    Severity::Warning,
                    "未找到表四（政府信息公开行政复议、行政诉讼情况）",
                    0
                ),
            ]
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&STableMissing, &load(ID, "pass"))
            .findings
            .is_empty());
    }
}
