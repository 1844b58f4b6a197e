//! `V-NOT-NUMBER`: a value cell holds text that is not a number.
//!
//! ## What it checks
//!
//! Every cell in state `text` (neither a number nor a none-marker), one
//! finding per table listing the cells and quoting what they hold (the
//! first ten). Severity warning.
//!
//! ## Why
//!
//! Text in a value cell ("见附件", "详见说明", a stray label) leaves the value
//! null and every identity that needs it not assessable; the reader must see
//! what was written instead of a number.
//!
//! ## Example
//!
//! ```text
//! 表三 有1个单元格不是数字：（一）予以公开·总计“见附件”
//! ```

use super::labels::{cell_en, cell_zh, table_en, table_zh};
use super::{Context, Rule};
use crate::schema::{CellState, Finding, Report, Severity};

/// The rule id.
pub const ID: &str = "V-NOT-NUMBER";

/// How many cells a message quotes.
const QUOTED: usize = 10;

/// `V-NOT-NUMBER`.
pub struct VNotNumber;

impl Rule for VNotNumber {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "a value cell holds text that is not a number or a none-marker"
    }

    fn summary_zh(&self) -> &'static str {
        "数值单元格中的文字既不是数字也不是无数据标记"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for table in crate::schema::VALUE_TABLES {
            let hits: Vec<(&String, &str)> = report
                .cells
                .iter()
                .filter(|(id, c)| c.state == CellState::Text && id.split('.').next() == Some(table))
                .map(|(id, c)| (id, c.raw.as_deref().unwrap_or("")))
                .collect();
            if hits.is_empty() {
                continue;
            }
            let mut zh: Vec<String> = hits
                .iter()
                .take(QUOTED)
                .map(|(id, raw)| format!("{}“{}”", cell_zh(id), raw))
                .collect();
            let mut en: Vec<String> = hits
                .iter()
                .take(QUOTED)
                .map(|(id, raw)| format!("{} '{}'", cell_en(id), raw))
                .collect();
            if hits.len() > QUOTED {
                zh.push("…".into());
                en.push("…".into());
            }
            cx.report(Finding::new(
                ID,
                self.severity(),
                hits.iter().map(|(id, _)| (*id).clone()).collect(),
                format!(
                    "{} 有{}个单元格不是数字：{}",
                    table_zh(table),
                    hits.len(),
                    zh.join("、")
                ),
                format!(
                    "{} has {} cells that are not numbers: {}",
                    table_en(table),
                    hits.len(),
                    en.join(", ")
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
    fn fail_fixture_quotes_the_text() {
        let cx = run_one(&VNotNumber, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1);
        let f = &cx.findings[0];
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.cells, ["t3.disclosed.total"]);
        assert_eq!(
            f.message,
            "表三 有1个单元格不是数字：（一）予以公开·总计“见附件”"
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&VNotNumber, &load(ID, "pass")).findings.is_empty());
    }
}
