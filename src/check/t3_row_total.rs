//! `T3-ROW-TOTAL`: each row's 总计 is the sum of the six applicant columns.
//!
//! ## What it checks
//!
//! For every row of table 三 (and every subtotal row the report added):
//!
//! ```text
//! total = natural_person + commercial_enterprise + research_institution
//!       + public_welfare_org + legal_service_org + other_org
//! ```
//!
//! One finding per failing row, severity error; `expected` is the sum of the
//! six columns, `actual` the written 总计. A blank or marker 总计 means "not
//! reported" (some reports fill 总计 only in rows 一, 二, （七） and 四) and
//! makes the row not assessable. A 总计 the normaliser derived from this very
//! rule (a short row) is never counted as a pass.
//!
//! ## Why
//!
//! 总计 is the total over the applicant columns 自然人 and the five 法人或其他组织
//! columns; a row whose 总计 disagrees has a wrong cell or a shifted row.
//!
//! ## Example
//!
//! The seed's 结转下年度继续办理 row writes 自然人 1 and 总计 0:
//!
//! ```text
//! 表三 结转下年度继续办理行：自然人至其他之和 1+0+0+0+0+0 = 1，但 总计 写作 0
//! ```

use super::labels::{row_en, row_zh};
use super::relation::{
    check_relations, join_en, join_zh, t3_added_subtotals, t3_template, Cmp, Failure, Operand,
    Relation,
};
use super::{Context, Rule};
use crate::schema::cell_id;
use crate::schema::{Report, Severity, Template, T3_APPLICANT_COLS, T3_ROWS_2019, T3_ROWS_2021};

/// The rule id.
pub const ID: &str = "T3-ROW-TOTAL";

/// `T3-ROW-TOTAL`.
pub struct T3RowTotal;

impl Rule for T3RowTotal {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "table 3, per row: total = the sum of the six applicant columns"
    }

    fn summary_zh(&self) -> &'static str {
        "表三每行：总计 = 自然人至其他六列之和"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        let relations = relations(report);
        check_relations(self.severity(), &relations, report, cx);
        cx.keep_relations(ID, relations);
    }
}

/// One instance per row of table 三.
pub(crate) fn relations(report: &Report) -> Vec<Relation> {
    let Some(template) = t3_template(report) else {
        return Vec::new();
    };
    let rows = match template {
        Template::Y2019 => T3_ROWS_2019,
        _ => T3_ROWS_2021,
    };
    rows.iter()
        .copied()
        .chain(t3_added_subtotals(report, template))
        .map(|r| Relation {
            rule: ID,
            lhs: T3_APPLICANT_COLS
                .iter()
                .map(|c| Operand::addend(cell_id("t3", r, c)))
                .collect(),
            rhs: vec![Operand::total(cell_id("t3", r, "total"))],
            cmp: Cmp::Eq,
            scope_zh: row_zh("t3", r).to_string(),
            scope_en: row_en("t3", r).to_string(),
            describe,
        })
        .collect()
}

fn describe(rel: &Relation, f: &Failure) -> (String, String) {
    let zh = format!(
        "表三 {}行：自然人至其他之和 {} = {}，但 总计 写作 {}",
        rel.scope_zh,
        join_zh(&f.lhs),
        f.expected,
        f.actual
    );
    let en = format!(
        "Table 3, row {}: the six applicant columns add up to {} = {}, but total is {}",
        rel.scope_en,
        join_en(&f.lhs),
        f.expected,
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
    fn fail_fixture_reports_the_row() {
        let cx = run_one(&T3RowTotal, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1, "{:#?}", cx.findings);
        let f = &cx.findings[0];
        assert_eq!(
            f.cells,
            [
                "t3.carried_forward.natural_person",
                "t3.carried_forward.commercial_enterprise",
                "t3.carried_forward.research_institution",
                "t3.carried_forward.public_welfare_org",
                "t3.carried_forward.legal_service_org",
                "t3.carried_forward.other_org",
                "t3.carried_forward.total"
            ]
        );
        assert_eq!(
            (f.expected, f.actual),
            (Some(Num::Int(1)), Some(Num::Int(0)))
        );
        assert_eq!(
            f.message,
            "表三 结转下年度继续办理行：自然人至其他之和 1+0+0+0+0+0 = 1，但 总计 写作 0"
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        let cx = run_one(&T3RowTotal, &load(ID, "pass"));
        assert!(cx.findings.is_empty());
        assert!(cx.not_assessable.is_empty());
    }

    #[test]
    fn a_total_derived_by_this_rule_is_not_assessable() {
        let mut r = load(ID, "fail");
        let cell = r.cells.get_mut("t3.carried_forward.total").expect("cell");
        cell.state = CellState::Derived;
        cell.rule = Some(ID.into());
        let cx = run_one(&T3RowTotal, &r);
        assert!(cx.findings.is_empty());
        assert_eq!(cx.not_assessable.get(ID), Some(&1));
    }

    #[test]
    fn added_subtotal_rows_are_checked_too() {
        let mut r = load(ID, "pass");
        for c in crate::schema::T3_COLS {
            set(
                &mut r,
                &format!("t3.withheld_subtotal.{c}"),
                Some(0),
                CellState::Ok,
            );
        }
        set(&mut r, "t3.withheld_subtotal.total", Some(2), CellState::Ok);
        let cx = run_one(&T3RowTotal, &r);
        assert_eq!(cx.findings.len(), 1);
        assert!(cx.findings[0]
            .message
            .starts_with("表三 （三）不予公开（小计）行"));
    }
}
