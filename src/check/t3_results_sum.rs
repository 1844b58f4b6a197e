//! `T3-RESULTS-SUM`: （七）总计 is the sum of the result rows.
//!
//! ## What it checks
//!
//! For every column of table 三:
//!
//! ```text
//! results_total = disclosed + partially_disclosed + Σ withheld_* + Σ unavailable_*
//!               + Σ not_processed_* + Σ other_*
//! ```
//!
//! In the 2019 layout （六）其他处理 is one row (`other_subtotal`) and takes the
//! place of the three `other_*` rows. Subtotal rows a report added on its own
//! are not summed (T3-SUBTOTAL checks them). One finding per failing column,
//! severity error; `expected` is the sum of the result rows, `actual` the
//! written （七）总计. A blank （七）总计 makes the column not assessable.
//!
//! ## Why
//!
//! （七）总计 is defined as the total of the handling results （一）…（六）:
//! every application handled gets exactly one result ("区分处理的，只计这一情
//! 形，不计其他情形"). A mismatch means a result row or the total is wrong.
//!
//! ## Example
//!
//! ```text
//! 表三 自然人列：各项办理结果之和 = 3（（一）予以公开 2，（二）部分公开 1），但 （七）总计 写作 2
//! ```

use super::labels::{col_en, col_zh, row_en, row_zh};
use super::relation::{check_relations, t3_columns, t3_template, Cmp, Failure, Operand, Relation};
use super::{Context, Rule};
use crate::schema::cell_id;
use crate::schema::{t3_result_rows, Report, Severity};

/// The rule id.
pub const ID: &str = "T3-RESULTS-SUM";

/// `T3-RESULTS-SUM`.
pub struct T3ResultsSum;

impl Rule for T3ResultsSum {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "table 3, per column: (7) total = the sum of the result rows (1)-(6)"
    }

    fn summary_zh(&self) -> &'static str {
        "表三每列：（七）总计 = （一）至（六）各项办理结果之和"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        let relations = relations(report);
        check_relations(self.severity(), &relations, report, cx);
        cx.keep_relations(ID, relations);
    }
}

/// One instance per column of table 三.
pub(crate) fn relations(report: &Report) -> Vec<Relation> {
    let Some(template) = t3_template(report) else {
        return Vec::new();
    };
    let rows = t3_result_rows(template);
    t3_columns(report)
        .into_iter()
        .map(|c| Relation {
            rule: ID,
            lhs: rows
                .iter()
                .map(|r| Operand::addend(cell_id("t3", r, c)))
                .collect(),
            rhs: vec![Operand::total(format!("t3.results_total.{c}"))],
            cmp: Cmp::Eq,
            scope_zh: col_zh("t3", c).to_string(),
            scope_en: col_en("t3", c).to_string(),
            describe,
        })
        .collect()
}

/// The non-zero result rows, `label value` each (at most six, then …).
fn parts(rel: &Relation, f: &Failure, zh: bool) -> String {
    let mut out: Vec<String> = rel
        .lhs
        .iter()
        .zip(&f.lhs)
        .filter(|(_, s)| !s.is_zero())
        .map(|(op, s)| {
            let row = op.id.split('.').nth(1).unwrap_or("");
            if zh {
                format!("{} {}", row_zh("t3", row), s.zh())
            } else {
                format!("{} {}", row_en("t3", row), s.en())
            }
        })
        .collect();
    if out.len() > 6 {
        out.truncate(6);
        out.push("…".into());
    }
    out.join(if zh { "，" } else { ", " })
}

fn describe(rel: &Relation, f: &Failure) -> (String, String) {
    let p_zh = parts(rel, f, true);
    let p_en = parts(rel, f, false);
    let zh = if p_zh.is_empty() {
        format!(
            "表三 {}列：各项办理结果之和 = {}，但 （七）总计 写作 {}",
            rel.scope_zh, f.expected, f.actual
        )
    } else {
        format!(
            "表三 {}列：各项办理结果之和 = {}（{}），但 （七）总计 写作 {}",
            rel.scope_zh, f.expected, p_zh, f.actual
        )
    };
    let en = if p_en.is_empty() {
        format!(
            "Table 3, column {}: the result rows add up to {}, but (7) total is {}",
            rel.scope_en, f.expected, f.actual
        )
    } else {
        format!(
            "Table 3, column {}: the result rows add up to {} ({}), but (7) total is {}",
            rel.scope_en, f.expected, p_en, f.actual
        )
    };
    (zh, en)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one, set};
    use crate::schema::{CellState, Num, Template};

    #[test]
    fn fail_fixture_reports_the_column() {
        let cx = run_one(&T3ResultsSum, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1, "{:#?}", cx.findings);
        let f = &cx.findings[0];
        assert_eq!(f.cells.len(), 22);
        assert_eq!(
            f.cells.last().map(String::as_str),
            Some("t3.results_total.natural_person")
        );
        assert_eq!(
            (f.expected, f.actual),
            (Some(Num::Int(3)), Some(Num::Int(2)))
        );
        assert_eq!(
            f.message,
            "表三 自然人列：各项办理结果之和 = 3（（一）予以公开 2，（二）部分公开 1），但 （七）总计 写作 2"
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        let cx = run_one(&T3ResultsSum, &load(ID, "pass"));
        assert!(cx.findings.is_empty());
        assert!(cx.not_assessable.is_empty());
    }

    #[test]
    fn the_2019_layout_sums_other_subtotal() {
        let mut r = load(ID, "pass");
        r.template.t3 = Some(Template::Y2019);
        for c in crate::schema::T3_COLS {
            for row in ["other_no_correction", "other_fee_unpaid", "other_other"] {
                set(
                    &mut r,
                    &cell_id("t3", row, c),
                    None,
                    CellState::NotInTemplate,
                );
            }
            set(
                &mut r,
                &format!("t3.other_subtotal.{c}"),
                Some(0),
                CellState::Ok,
            );
        }
        assert!(run_one(&T3ResultsSum, &r).findings.is_empty());
        set(
            &mut r,
            "t3.other_subtotal.natural_person",
            Some(4),
            CellState::Ok,
        );
        let cx = run_one(&T3ResultsSum, &r);
        assert_eq!(cx.findings.len(), 1);
        assert_eq!(cx.findings[0].cells.len(), 20);
    }

    #[test]
    fn blank_total_column_cells_are_not_reported_not_zero() {
        // Shanghai 2019: 总计 filled in （七） but blank in the result rows.
        let mut r = load(ID, "pass");
        for row in t3_result_rows(Template::Y2021) {
            set(&mut r, &cell_id("t3", row, "total"), None, CellState::Blank);
        }
        let cx = run_one(&T3ResultsSum, &r);
        assert!(cx.findings.is_empty(), "{:#?}", cx.findings);
        assert_eq!(cx.not_assessable.get(ID), Some(&1));
    }
}
