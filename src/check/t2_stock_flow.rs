//! `T2-STOCK-FLOW`: documents in force cannot be fewer than this year's net
//! issue.
//!
//! ## What it checks
//!
//! For the rows 规章 and 行政规范性文件 of table 二 in the 2021 layout:
//!
//! ```text
//! in_force ≥ issued − repealed
//! 现行有效件数 ≥ 本年制发件数 − 本年废止件数
//! ```
//!
//! One finding per failing row, severity warning; `expected` is
//! `issued − repealed` (the least the stock can be), `actual` the written
//! 现行有效件数. A blank 现行有效件数 is "not reported" (not assessable); a
//! blank 制发 or 废止 counts as 0. The 2019 layout (对外公开总数量) has no such
//! identity and is not checked.
//!
//! ## Why
//!
//! What was issued this year and not repealed is still in force, and the
//! repealed documents may include older ones, so the stock is at least the
//! net issue. It is a warning, not an error: reports sometimes count 现行有效
//! for the issuing body only while 制发 counts co-issued documents.
//!
//! ## Example
//!
//! ```text
//! 表二 行政规范性文件：现行有效件数 3 少于 本年制发件数(6) − 本年废止件数(2) = 4
//! ```

use super::labels::{row_en, row_zh};
use super::relation::{check_relations, has_table, Cmp, Failure, Operand, Relation};
use super::{Context, Rule};
use crate::schema::cell_id;
use crate::schema::{Report, Severity, Template};

/// The rule id.
pub const ID: &str = "T2-STOCK-FLOW";

/// `T2-STOCK-FLOW`.
pub struct T2StockFlow;

impl Rule for T2StockFlow {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "table 2 (2021), regulations and normative documents: in force >= issued - repealed"
    }

    fn summary_zh(&self) -> &'static str {
        "表二（2021）规章、行政规范性文件：现行有效件数 ≥ 本年制发件数 − 本年废止件数"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        check_relations(self.severity(), &relations(report), report, cx);
    }
}

/// One instance per stock row of table 二.
pub(crate) fn relations(report: &Report) -> Vec<Relation> {
    if report.template.t2 != Some(Template::Y2021) || !has_table(report, "t2") {
        return Vec::new();
    }
    ["regulations", "normative_docs"]
        .iter()
        .map(|r| Relation {
            rule: ID,
            lhs: vec![
                Operand::addend(cell_id("t2", r, "issued")),
                Operand::minus(cell_id("t2", r, "repealed")),
            ],
            rhs: vec![Operand::total(cell_id("t2", r, "in_force"))],
            cmp: Cmp::AtLeast,
            scope_zh: row_zh("t2", r).to_string(),
            scope_en: row_en("t2", r).to_string(),
            describe,
        })
        .collect()
}

fn describe(rel: &Relation, f: &Failure) -> (String, String) {
    let zh = format!(
        "表二 {}：现行有效件数 {} 少于 本年制发件数({}) − 本年废止件数({}) = {}",
        rel.scope_zh,
        f.actual,
        f.lhs[0].zh(),
        f.lhs[1].zh(),
        f.expected
    );
    let en = format!(
        "Table 2, {}: {} in force is fewer than issued ({}) - repealed ({}) = {}",
        rel.scope_en,
        f.actual,
        f.lhs[0].en(),
        f.lhs[1].en(),
        f.expected
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
        let cx = run_one(&T2StockFlow, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1, "{:#?}", cx.findings);
        let f = &cx.findings[0];
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(
            f.cells,
            [
                "t2.normative_docs.issued",
                "t2.normative_docs.repealed",
                "t2.normative_docs.in_force"
            ]
        );
        assert_eq!(
            (f.expected, f.actual),
            (Some(Num::Int(4)), Some(Num::Int(3)))
        );
        assert_eq!(
            f.message,
            "表二 行政规范性文件：现行有效件数 3 少于 本年制发件数(6) − 本年废止件数(2) = 4"
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        let cx = run_one(&T2StockFlow, &load(ID, "pass"));
        assert!(cx.findings.is_empty());
        assert!(cx.not_assessable.is_empty());
    }

    #[test]
    fn equality_passes_and_blank_stock_is_not_assessable() {
        let mut r = load(ID, "fail");
        set(&mut r, "t2.normative_docs.in_force", Some(4), CellState::Ok);
        assert!(run_one(&T2StockFlow, &r).findings.is_empty());
        set(&mut r, "t2.normative_docs.in_force", None, CellState::Blank);
        let cx = run_one(&T2StockFlow, &r);
        assert!(cx.findings.is_empty());
        assert_eq!(cx.not_assessable.get(ID), Some(&1));
    }

    #[test]
    fn the_2019_layout_is_not_checked() {
        let mut r = load(ID, "fail");
        r.template.t2 = Some(Template::Y2019);
        assert!(relations(&r).is_empty());
    }
}
