//! `T4-GROUP-TOTAL`: each group of table 四 adds up to its 总计.
//!
//! ## What it checks
//!
//! For each of 行政复议, 行政诉讼（未经复议直接起诉） and 行政诉讼（复议后起诉）:
//!
//! ```text
//! upheld + corrected + other + pending = total
//! 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计
//! ```
//!
//! One finding per failing group, severity error; `expected` is the sum of
//! the four results, `actual` the written 总计. A blank 总计 is "not reported"
//! (not assessable); blank results count as 0.
//!
//! ## Why
//!
//! Every case is upheld, corrected, closed otherwise or still pending: the
//! four columns partition the total by construction.
//!
//! ## Example
//!
//! ```text
//! 表四 行政复议：结果维持(0) + 结果纠正(1) + 其他结果(0) + 尚未审结(4) = 5，但 总计 写作 6
//! ```

use super::labels::{row_en, row_zh};
use super::relation::{check_relations, has_table, Cmp, Failure, Operand, Relation};
use super::{Context, Rule};
use crate::schema::cell_id;
use crate::schema::{Report, Severity, T4_GROUPS};

/// The rule id.
pub const ID: &str = "T4-GROUP-TOTAL";

/// `T4-GROUP-TOTAL`.
pub struct T4GroupTotal;

impl Rule for T4GroupTotal {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "table 4, per group: upheld + corrected + other + pending = total"
    }

    fn summary_zh(&self) -> &'static str {
        "表四每组：结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        let relations = relations(report);
        check_relations(self.severity(), &relations, report, cx);
        cx.keep_relations(ID, relations);
    }
}

/// One instance per group of table 四.
pub(crate) fn relations(report: &Report) -> Vec<Relation> {
    if report.template.t4.is_none() || !has_table(report, "t4") {
        return Vec::new();
    }
    T4_GROUPS
        .iter()
        .map(|g| Relation {
            rule: ID,
            lhs: ["upheld", "corrected", "other", "pending"]
                .iter()
                .map(|c| Operand::addend(cell_id("t4", g, c)))
                .collect(),
            rhs: vec![Operand::total(cell_id("t4", g, "total"))],
            cmp: Cmp::Eq,
            scope_zh: row_zh("t4", g).to_string(),
            scope_en: row_en("t4", g).to_string(),
            describe,
        })
        .collect()
}

fn describe(rel: &Relation, f: &Failure) -> (String, String) {
    let l = &f.lhs;
    let zh = format!(
        "表四 {}：结果维持({}) + 结果纠正({}) + 其他结果({}) + 尚未审结({}) = {}，但 总计 写作 {}",
        rel.scope_zh,
        l[0].zh(),
        l[1].zh(),
        l[2].zh(),
        l[3].zh(),
        f.expected,
        f.actual
    );
    let en = format!(
        "Table 4, {}: upheld ({}) + corrected ({}) + other ({}) + pending ({}) = {}, but total is {}",
        rel.scope_en,
        l[0].en(),
        l[1].en(),
        l[2].en(),
        l[3].en(),
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
    fn fail_fixture_reports_the_group() {
        let cx = run_one(&T4GroupTotal, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1, "{:#?}", cx.findings);
        let f = &cx.findings[0];
        assert_eq!(
            f.cells,
            [
                "t4.review.upheld",
                "t4.review.corrected",
                "t4.review.other",
                "t4.review.pending",
                "t4.review.total"
            ]
        );
        assert_eq!(
            (f.expected, f.actual),
            (Some(Num::Int(5)), Some(Num::Int(6)))
        );
        assert_eq!(
            f.message,
            "表四 行政复议：结果维持(0) + 结果纠正(1) + 其他结果(0) + 尚未审结(4) = 5，但 总计 写作 6"
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        let cx = run_one(&T4GroupTotal, &load(ID, "pass"));
        assert!(cx.findings.is_empty());
        assert!(cx.not_assessable.is_empty());
    }

    #[test]
    fn blank_total_is_not_assessable() {
        let mut r = load(ID, "fail");
        set(&mut r, "t4.review.total", None, CellState::Blank);
        let cx = run_one(&T4GroupTotal, &r);
        assert!(cx.findings.is_empty());
        assert_eq!(cx.not_assessable.get(ID), Some(&1));
    }
}
