//! `T3-BALANCE`: the balance printed in table 三 itself.
//!
//! ## What it checks
//!
//! For every column of table 三 (the six applicant columns, 总计, and a
//! 法人或其他组织 subtotal column when the report added one):
//!
//! ```text
//! new_received + carried_over = results_total + carried_forward
//! 一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理
//! ```
//!
//! One finding per failing column, severity error. `expected` is the left
//! side, `actual` the right side. A blank or marker （七）总计 cell means "not
//! reported" and makes the column not assessable; the other three count a
//! blank as 0.
//!
//! ## Why
//!
//! The table prints the identity above its first column: "本列数据的勾稽关系为：
//! 第一项加第二项之和，等于第三项加第四项之和". Every application received or
//! carried over is either handled this year or carried forward, so a column
//! that does not balance has a wrong cell.
//!
//! ## Example
//!
//! The seed report writes 本年新收 2, 上年结转 0, （七）总计 2 and 结转下年度 1 for
//! 自然人:
//!
//! ```text
//! 表三 自然人列：本年新收(2) + 上年结转(0) = 2，但 办理结果总计(2) + 结转下年度(1) = 3
//! ```

use super::labels::{col_en, col_zh};
use super::relation::{check_relations, t3_columns, t3_template, Cmp, Failure, Operand, Relation};
use super::{Context, Rule};
use crate::schema::{Report, Severity};

/// The rule id.
pub const ID: &str = "T3-BALANCE";

/// `T3-BALANCE`.
pub struct T3Balance;

impl Rule for T3Balance {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "table 3, per column: new + carried over = results total + carried forward"
    }

    fn summary_zh(&self) -> &'static str {
        "表三每列：本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        let relations = relations(report);
        check_relations(self.severity(), &relations, report, cx);
        cx.keep_relations(ID, relations);
    }
}

/// One instance per column of table 三.
pub(crate) fn relations(report: &Report) -> Vec<Relation> {
    if t3_template(report).is_none() {
        return Vec::new();
    }
    t3_columns(report)
        .into_iter()
        .map(|c| Relation {
            rule: ID,
            lhs: vec![
                Operand::addend(format!("t3.new_received.{c}")),
                Operand::addend(format!("t3.carried_over.{c}")),
            ],
            rhs: vec![
                Operand::total(format!("t3.results_total.{c}")),
                Operand::addend(format!("t3.carried_forward.{c}")),
            ],
            cmp: Cmp::Eq,
            scope_zh: col_zh("t3", c).to_string(),
            scope_en: col_en("t3", c).to_string(),
            describe,
        })
        .collect()
}

fn describe(rel: &Relation, f: &Failure) -> (String, String) {
    let (l, r) = (&f.lhs, &f.rhs);
    let zh = format!(
        "表三 {}列：本年新收({}) + 上年结转({}) = {}，但 办理结果总计({}) + 结转下年度({}) = {}",
        rel.scope_zh,
        l[0].zh(),
        l[1].zh(),
        f.expected,
        r[0].zh(),
        r[1].zh(),
        f.actual
    );
    let en = format!(
        "Table 3, column {}: new applications ({}) + carried over ({}) = {}, but results total ({}) + carried forward ({}) = {}",
        rel.scope_en,
        l[0].en(),
        l[1].en(),
        f.expected,
        r[0].en(),
        r[1].en(),
        f.actual
    );
    (zh, en)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one, set};
    use crate::schema::{CellState, Num};

    #[test]
    fn fail_fixture_names_the_column_and_numbers() {
        let cx = run_one(&T3Balance, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1, "{:#?}", cx.findings);
        let f = &cx.findings[0];
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(
            f.cells,
            [
                "t3.new_received.natural_person",
                "t3.carried_over.natural_person",
                "t3.results_total.natural_person",
                "t3.carried_forward.natural_person"
            ]
        );
        assert_eq!(
            (f.expected, f.actual),
            (Some(Num::Int(4)), Some(Num::Int(3)))
        );
        assert_eq!(
            f.message,
            "表三 自然人列：本年新收(3) + 上年结转(1) = 4，但 办理结果总计(2) + 结转下年度(1) = 3"
        );
    }

    #[test]
    fn pass_fixture_has_no_finding_and_every_column_assessed() {
        let cx = run_one(&T3Balance, &load(ID, "pass"));
        assert!(cx.findings.is_empty());
        assert!(cx.not_assessable.is_empty());
    }

    #[test]
    fn blank_results_total_is_not_assessable_and_blank_addends_are_zero() {
        let mut r = load(ID, "fail");
        set(
            &mut r,
            "t3.results_total.natural_person",
            None,
            CellState::Blank,
        );
        let cx = run_one(&T3Balance, &r);
        assert!(cx.findings.is_empty());
        assert_eq!(cx.not_assessable.get(ID), Some(&1));

        // A blank carried_over reads 0: 3 + 0 = 2 + 1 now holds, and is assessed.
        let mut r = load(ID, "fail");
        set(
            &mut r,
            "t3.carried_over.natural_person",
            None,
            CellState::Marker,
        );
        let cx = run_one(&T3Balance, &r);
        assert!(cx.findings.is_empty());
        assert!(cx.not_assessable.is_empty());

        let mut r = load(ID, "fail");
        set(
            &mut r,
            "t3.carried_forward.natural_person",
            None,
            CellState::Blank,
        );
        let cx = run_one(&T3Balance, &r);
        assert_eq!(cx.findings.len(), 1);
        assert_eq!(cx.findings[0].actual, Some(Num::Int(2)));
        assert!(cx.findings[0].message.contains("结转下年度(空) = 2"));
    }

    #[test]
    fn org_subtotal_column_is_checked_when_present() {
        let mut r = load(ID, "pass");
        for (row, v) in [
            ("new_received", 1),
            ("carried_over", 0),
            ("results_total", 1),
            ("carried_forward", 1),
        ] {
            set(
                &mut r,
                &crate::schema::cell_id("t3", row, "org_subtotal"),
                Some(v),
                CellState::Ok,
            );
        }
        let cx = run_one(&T3Balance, &r);
        assert_eq!(cx.findings.len(), 1);
        assert!(cx.findings[0]
            .message
            .starts_with("表三 法人或其他组织（小计）列"));
    }
}
