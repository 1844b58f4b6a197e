//! `S-ALIGN-GUESS`: the normaliser placed values by inference.
//!
//! ## What it checks
//!
//! The normaliser's `Guess` observation: a short row aligned to one side, a
//! run of glued digits split, a table transposed — a decision the source
//! did not state (the matching `repairs` entry says how). The message is the
//! normaliser's own explanation; the cells are those whose values depend on
//! the guess. Severity warning.
//!
//! ## Why
//!
//! A guessed placement can be wrong even when every identity passes; the
//! reader must be able to tell read values from inferred ones.
//!
//! ## Example
//!
//! ```text
//! 表三 推断：短行左对齐（自然人=2 … 其他=0），总计按T3-ROW-TOTAL推得2
//! ```

use super::labels::{table_en, table_of, table_zh};
use super::{Context, Rule};
use crate::schema::{Finding, Observation, Report, Severity};

/// The rule id.
pub const ID: &str = "S-ALIGN-GUESS";

/// `S-ALIGN-GUESS`.
pub struct SAlignGuess;

impl Rule for SAlignGuess {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "the normaliser chose an alignment, a digit split or a transposition by inference"
    }

    fn summary_zh(&self) -> &'static str {
        "规范化时通过推断确定了对齐方式、粘连数字的拆分或表格转置"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for o in &report.observations {
            let Observation::Guess {
                cells,
                detail,
                detail_zh,
            } = o
            else {
                continue;
            };
            let (zh, en) = match cells.first().map(|c| table_of(c)) {
                Some(t) => (
                    format!("{} 推断：{}", table_zh(t), detail_zh),
                    format!("{}, inferred: {}", table_en(t), detail),
                ),
                None => (format!("推断：{detail_zh}"), format!("Inferred: {detail}")),
            };
            cx.report(Finding::new(ID, self.severity(), cells.clone(), zh, en));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one};

    #[test]
    fn fail_fixture_carries_the_explanation() {
        let cx = run_one(&SAlignGuess, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1);
        let f = &cx.findings[0];
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.cells.len(), 7);
        assert_eq!(
            f.message,
            "表三 推断：短行左对齐（自然人=2 … 其他=0），总计按T3-ROW-TOTAL推得2"
        );
        assert!(f
            .message_en
            .starts_with("Table 3, inferred: short row aligned left"));
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&SAlignGuess, &load(ID, "pass")).findings.is_empty());
    }
}
