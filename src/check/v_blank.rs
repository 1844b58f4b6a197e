//! `V-BLANK`: value cells left blank or holding a none-marker.
//!
//! ## What it checks
//!
//! Every cell in state `blank` (an empty cell) or `marker` (`/`, `-`, `无`,
//! …), one finding per table listing them all. Severity info.
//!
//! ## Why
//!
//! The format has no rule on writing 0 versus leaving a cell blank, and
//! real reports do both. The arithmetic rules count a blank addend as 0 and
//! treat a blank 总计 (and a blank （七）总计 or 表四 总计) as "not reported",
//! which makes its check not assessable. This finding says how many cells
//! were read that way, so that a clean result on a half-empty table is not
//! mistaken for a fully checked one.
//!
//! ## Example
//!
//! ```text
//! 表三 有126个空白或无数据标记的单元格，作为加数按0计；总计为空白的检查不予评估
//! ```

use super::labels::{table_en, table_zh};
use super::{Context, Rule};
use crate::schema::{Finding, Report, Severity};

/// The rule id.
pub const ID: &str = "V-BLANK";

/// `V-BLANK`.
pub struct VBlank;

impl Rule for VBlank {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Info
    }

    fn summary(&self) -> &'static str {
        "value cells left blank or holding a none-marker (one finding per table)"
    }

    fn summary_zh(&self) -> &'static str {
        "数值单元格为空白或无数据标记（每张表一条）"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for table in crate::schema::VALUE_TABLES {
            let cells: Vec<String> = report
                .cells
                .iter()
                .filter(|(id, c)| c.state.is_blankish() && id.split('.').next() == Some(table))
                .map(|(id, _)| id.clone())
                .collect();
            if cells.is_empty() {
                continue;
            }
            let n = cells.len();
            cx.report(Finding::new(
                ID,
                self.severity(),
                cells,
                format!(
                    "{} 有{}个空白或无数据标记的单元格，作为加数按0计；总计为空白的检查不予评估",
                    table_zh(table),
                    n
                ),
                format!(
                    "{} has {} blank or none-marker cells: they count as 0 as addends; checks whose total is blank are not assessed",
                    table_en(table),
                    n
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
    fn fail_fixture_gives_one_finding_per_table() {
        let cx = run_one(&VBlank, &load(ID, "fail"));
        let got: Vec<(&str, Vec<&str>)> = cx
            .findings
            .iter()
            .map(|f| {
                (
                    f.message.as_str(),
                    f.cells.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "表三 有2个空白或无数据标记的单元格，作为加数按0计；总计为空白的检查不予评估",
                    vec!["t3.disclosed.other_org", "t3.withheld_state_secret.total"]
                ),
                (
                    "表四 有1个空白或无数据标记的单元格，作为加数按0计；总计为空白的检查不予评估",
                    vec!["t4.review.other"]
                ),
            ]
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&VBlank, &load(ID, "pass")).findings.is_empty());
    }
}
