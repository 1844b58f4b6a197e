//! `T3-SUBTOTAL`: a subtotal the report added equals the sum of its members.
//!
//! ## What it checks
//!
//! Subtotals are not part of the official table, but many reports add them:
//! a number on a group row (（三）不予公开, （四）无法提供, （五）不予处理,
//! （六）其他处理 in the 2021 layout), or a 小计 row, stored as
//! `withheld_subtotal`, `unavailable_subtotal`, `not_processed_subtotal`,
//! `other_subtotal`; and a 法人或其他组织 column stored as `org_subtotal`.
//! Where the report has one:
//!
//! ```text
//! per column:  withheld_subtotal = Σ withheld_*   (and likewise for the other groups)
//! per row:     org_subtotal = commercial_enterprise + research_institution
//!                           + public_welfare_org + legal_service_org + other_org
//! ```
//!
//! The 2019 （六）其他处理 row is a template row with no members and is not
//! checked here. One finding per failing subtotal cell, severity error; a
//! blank subtotal cell is "not reported" (not assessable).
//!
//! ## Why
//!
//! A report that prints a subtotal asserts it; when it disagrees with its
//! members, either the subtotal or a member is wrong, and the normaliser may
//! have read the group row as data.
//!
//! ## Example
//!
//! ```text
//! 表三 （三）不予公开（小计）·总计：各分项之和 = 3，但 小计 写作 4
//! ```

use super::labels::{col_en, col_zh, row_en, row_zh};
use super::relation::{
    check_relations, join_en, join_zh, t3_added_subtotals, t3_columns, t3_template, Cmp, Failure,
    Operand, Relation,
};
use super::{Context, Rule};
use crate::schema::cell_id;
use crate::schema::{t3_subtotal_members, Report, Severity, T3_ORG_COLS};

/// The rule id.
pub const ID: &str = "T3-SUBTOTAL";

/// `T3-SUBTOTAL`.
pub struct T3Subtotal;

impl Rule for T3Subtotal {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "table 3: a subtotal row or column the report added equals the sum of its members"
    }

    fn summary_zh(&self) -> &'static str {
        "表三：报告自行增加的小计行或小计列等于其各分项之和"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        let relations = relations(report);
        check_relations(self.severity(), &relations, report, cx);
        cx.keep_relations(ID, relations);
    }
}

/// One instance per subtotal cell: subtotal rows per column, then the
/// `org_subtotal` column per row.
pub(crate) fn relations(report: &Report) -> Vec<Relation> {
    let Some(template) = t3_template(report) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for sub in t3_added_subtotals(report, template) {
        let members = t3_subtotal_members(sub);
        for c in t3_columns(report) {
            let id = cell_id("t3", sub, c);
            if !report.cells.contains_key(&id) {
                continue;
            }
            out.push(Relation {
                rule: ID,
                lhs: members
                    .iter()
                    .map(|m| Operand::addend(cell_id("t3", m, c)))
                    .collect(),
                rhs: vec![Operand::total(id)],
                cmp: Cmp::Eq,
                scope_zh: format!("{}·{}", row_zh("t3", sub), col_zh("t3", c)),
                scope_en: format!("{} · {}", row_en("t3", sub), col_en("t3", c)),
                describe: describe_rows,
            });
        }
    }
    for id in report.cells.keys() {
        let Some(row) = id
            .strip_prefix("t3.")
            .and_then(|rest| rest.strip_suffix(".org_subtotal"))
        else {
            continue;
        };
        out.push(Relation {
            rule: ID,
            lhs: T3_ORG_COLS
                .iter()
                .map(|c| Operand::addend(cell_id("t3", row, c)))
                .collect(),
            rhs: vec![Operand::total(id.clone())],
            cmp: Cmp::Eq,
            scope_zh: format!("{}·{}", row_zh("t3", row), col_zh("t3", "org_subtotal")),
            scope_en: format!("{} · {}", row_en("t3", row), col_en("t3", "org_subtotal")),
            describe: describe_column,
        });
    }
    out
}

fn describe_rows(rel: &Relation, f: &Failure) -> (String, String) {
    let zh = format!(
        "表三 {}：各分项之和 {} = {}，但 小计 写作 {}",
        rel.scope_zh,
        join_zh(&f.lhs),
        f.expected,
        f.actual
    );
    let en = format!(
        "Table 3, {}: the member rows add up to {} = {}, but the subtotal is {}",
        rel.scope_en,
        join_en(&f.lhs),
        f.expected,
        f.actual
    );
    (zh, en)
}

fn describe_column(rel: &Relation, f: &Failure) -> (String, String) {
    let zh = format!(
        "表三 {}：商业企业至其他之和 {} = {}，但 小计 写作 {}",
        rel.scope_zh,
        join_zh(&f.lhs),
        f.expected,
        f.actual
    );
    let en = format!(
        "Table 3, {}: the five organisation columns add up to {} = {}, but the subtotal is {}",
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
    use crate::schema::{CellState, Num, Template};

    #[test]
    fn fail_fixture_reports_a_row_and_a_column_subtotal() {
        let cx = run_one(&T3Subtotal, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 2, "{:#?}", cx.findings);
        let row = &cx.findings[0];
        assert_eq!(row.cells.len(), 9);
        assert_eq!(
            row.cells.last().map(String::as_str),
            Some("t3.withheld_subtotal.total")
        );
        assert_eq!(
            (row.expected, row.actual),
            (Some(Num::Int(3)), Some(Num::Int(4)))
        );
        assert!(row
            .message
            .starts_with("表三 （三）不予公开（小计）·总计："));
        let col = &cx.findings[1];
        assert_eq!(
            col.cells,
            [
                "t3.new_received.commercial_enterprise",
                "t3.new_received.research_institution",
                "t3.new_received.public_welfare_org",
                "t3.new_received.legal_service_org",
                "t3.new_received.other_org",
                "t3.new_received.org_subtotal"
            ]
        );
        assert_eq!(
            (col.expected, col.actual),
            (Some(Num::Int(2)), Some(Num::Int(3)))
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        let r = load(ID, "pass");
        let cx = run_one(&T3Subtotal, &r);
        assert!(cx.findings.is_empty(), "{:#?}", cx.findings);
        assert!(cx.not_assessable.is_empty());
        assert!(
            !relations(&r).is_empty(),
            "the pass fixture has subtotals to check"
        );
    }

    #[test]
    fn no_subtotals_nothing_to_check() {
        let r = load("T3-ROW-TOTAL", "pass");
        assert!(relations(&r).is_empty());
    }

    #[test]
    fn the_2019_other_row_is_not_a_subtotal() {
        let mut r = load("T3-ROW-TOTAL", "pass");
        r.template.t3 = Some(Template::Y2019);
        set(
            &mut r,
            "t3.other_subtotal.natural_person",
            Some(3),
            CellState::Ok,
        );
        assert!(relations(&r).is_empty());
    }
}
