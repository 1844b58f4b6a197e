//! `X-STOCK`: this year's stock of documents in force is last year's plus
//! what was issued, less what was repealed.
//!
//! ## What it checks
//!
//! For every pair of reports of the same agency for consecutive years Y−1
//! and Y (as [`X-CARRY-OVER`](super::x_carry_over) pairs them) whose table
//! 二 is in the 2021 layout, for the rows 规章 and 行政规范性文件:
//!
//! ```text
//! in_force(Y) = in_force(Y−1) + issued(Y) − repealed(Y)
//! 现行有效件数(Y) = 现行有效件数(Y−1) + 本年制发件数(Y) − 本年废止件数(Y)
//! ```
//!
//! One finding per failing row, severity info, written into both reports:
//! the year-Y report names its `in_force`, `issued` and `repealed` cells,
//! with `expected` the right side and `actual` its 现行有效件数; the
//! year-(Y−1) report names its `in_force`, with `expected` the stock the
//! year-Y report implies (`in_force(Y) − issued(Y) + repealed(Y)`) and
//! `actual` its own. A blank or marker 制发/废止 counts as 0; a 现行有效件数
//! that is not a number (blank, text, missing) skips the row.
//!
//! ## Why
//!
//! The stock moves by what is issued and repealed, so the two reports should
//! chain. It is only informational: documents also expire, are re-counted
//! after a 清理 (a clean-up of the stock), or are counted for a different set
//! of issuing bodies from one year to the next.
//!
//! ## Example
//!
//! ```text
//! 表二 规章：2025年报告（in/2025.txt）现行有效件数为12，但2024年报告（in/2024.txt）现行有效件数(10) + 2025年本年制发件数(3) − 本年废止件数(0) = 13
//! ```

use serde_json::json;
use std::ops::Range;

use super::batch::{keep_only, pairs_touching, BatchFacts, CellFact, STOCK_ROWS};
use super::labels::{row_en, row_zh};
use super::relation::equal;
use super::BatchRule;
use crate::schema::cell_id;
use crate::schema::{Finding, Num, Severity};

/// The rule id.
pub const ID: &str = "X-STOCK";

/// `X-STOCK`.
pub struct XStock;

impl BatchRule for XStock {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Info
    }

    fn summary(&self) -> &'static str {
        "same agency, consecutive years: in force (Y) = in force (Y-1) + issued (Y) - repealed (Y), table 2"
    }

    fn summary_zh(&self) -> &'static str {
        "同一机关相邻两年：表二 现行有效件数(Y) = 现行有效件数(Y−1) + 本年制发(Y) − 本年废止(Y)"
    }

    fn check(&self, batch: &[BatchFacts], only: Range<usize>, out: &mut Vec<(usize, Finding)>) {
        let start = out.len();
        for (p, n) in pairs_touching(batch, &only) {
            let (prev, next) = (&batch[p], &batch[n]);
            let (Some(ps), Some(ns)) = (prev.stock, next.stock) else {
                continue;
            };
            for (r, row) in STOCK_ROWS.iter().enumerate() {
                let read = |c: Option<CellFact>, zero| c.and_then(|c| c.read(zero));
                let (Some(before), Some(issued), Some(repealed), Some(after)) = (
                    read(ps[r][2], false),
                    read(ns[r][0], true),
                    read(ns[r][1], true),
                    read(ns[r][2], false),
                ) else {
                    continue;
                };
                let Some(expected) = combine(before.num(), issued.num(), repealed.num(), 1) else {
                    continue;
                };
                if equal(expected, after.num()) {
                    continue;
                }
                let Some(implied) = combine(after.num(), issued.num(), repealed.num(), -1) else {
                    continue;
                };
                let (py, ny) = (prev.year.unwrap_or_default(), next.year.unwrap_or_default());
                let zh = format!(
                    "表二 {}：{ny}年报告（{}）现行有效件数为{}，但{py}年报告（{}）现行有效件数({}) + {ny}年本年制发件数({}) − 本年废止件数({}) = {expected}",
                    row_zh("t2", row),
                    next.label(),
                    after.zh(),
                    prev.label(),
                    before.zh(),
                    issued.zh(),
                    repealed.zh(),
                );
                let en = format!(
                    "Table 2, {}: in force in the {ny} report ({}) is {}, but in force in the {py} report ({}) ({}) + issued in {ny} ({}) - repealed ({}) = {expected}",
                    row_en("t2", row),
                    next.label(),
                    after.en(),
                    prev.label(),
                    before.en(),
                    issued.en(),
                    repealed.en(),
                );
                let id = |col: &str| cell_id("t2", row, col);
                out.push((
                    n,
                    Finding::new(
                        ID,
                        self.severity(),
                        vec![id("in_force"), id("issued"), id("repealed")],
                        &zh,
                        &en,
                    )
                    .with_numbers(expected, after.num())
                    .with_detail(prev.add_sheet(
                        json!({
                            "other": prev.path,
                            "other_year": py,
                            "other_cell": id("in_force"),
                        }),
                        "other_sheet",
                    )),
                ));
                out.push((
                    p,
                    Finding::new(ID, self.severity(), vec![id("in_force")], zh, en)
                        .with_numbers(implied, before.num())
                        .with_detail(next.add_sheet(
                            json!({
                                "other": next.path,
                                "other_year": ny,
                                "other_cell": id("in_force"),
                            }),
                            "other_sheet",
                        )),
                ));
            }
        }
        keep_only(out, start, &only);
    }
}

/// `stock + sign·(issued − repealed)`, exact for whole numbers; `None` on
/// overflow.
fn combine(stock: Num, issued: Num, repealed: Num, sign: i64) -> Option<Num> {
    match (stock.as_i64(), issued.as_i64(), repealed.as_i64()) {
        (Some(s), Some(i), Some(r)) => {
            let flow = i.checked_sub(r)?.checked_mul(sign)?;
            s.checked_add(flow).map(Num::Int)
        }
        _ => {
            let v = stock.as_f64() + sign as f64 * (issued.as_f64() - repealed.as_f64());
            v.is_finite().then_some(Num::Dec(v))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::batch::tests::report;
    use crate::schema::{Report, Template};

    fn run(reports: &[Report]) -> Vec<(usize, Finding)> {
        let facts: Vec<BatchFacts> = reports.iter().map(BatchFacts::from_report).collect();
        let mut out = Vec::new();
        XStock.check(&facts, 0..facts.len(), &mut out);
        out
    }

    fn pair(in_force_25: i64) -> [Report; 2] {
        [
            report("四方台区", 2024, &[("t2.regulations.in_force", Some(10))]),
            report(
                "四方台区人民政府",
                2025,
                &[
                    ("t2.regulations.issued", Some(3)),
                    ("t2.regulations.repealed", Some(0)),
                    ("t2.regulations.in_force", Some(in_force_25)),
                ],
            ),
        ]
    }

    #[test]
    fn a_stock_that_does_not_chain_is_reported_in_both_reports() {
        let out = run(&pair(12));
        assert_eq!(out.len(), 2, "{out:#?}");
        let (n, f) = &out[0];
        assert_eq!(*n, 1);
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(
            f.cells,
            [
                "t2.regulations.in_force",
                "t2.regulations.issued",
                "t2.regulations.repealed"
            ]
        );
        assert_eq!(
            (f.expected, f.actual),
            (Some(Num::Int(13)), Some(Num::Int(12)))
        );
        assert_eq!(
            f.message,
            "表二 规章：2025年报告（in/四方台区人民政府-2025.txt）现行有效件数为12，但2024年报告（in/四方台区-2024.txt）现行有效件数(10) + 2025年本年制发件数(3) − 本年废止件数(0) = 13"
        );
        let (p, g) = &out[1];
        assert_eq!(*p, 0);
        assert_eq!(g.cells, ["t2.regulations.in_force"]);
        assert_eq!(
            (g.expected, g.actual),
            (Some(Num::Int(9)), Some(Num::Int(10)))
        );
    }

    #[test]
    fn a_chaining_stock_passes_and_non_numbers_skip() {
        assert!(run(&pair(13)).is_empty());
        // A blank 现行有效件数 is not reported: skipped.
        let [a, mut b] = pair(12);
        crate::check::fixture::set(
            &mut b,
            "t2.regulations.in_force",
            None,
            crate::schema::CellState::Blank,
        );
        assert!(run(&[a.clone(), b]).is_empty());
        // A blank 废止 counts as 0: 10 + 3 − 0 = 13 ≠ 12 still fails.
        let [_, mut b] = pair(12);
        crate::check::fixture::set(
            &mut b,
            "t2.regulations.repealed",
            None,
            crate::schema::CellState::Marker,
        );
        assert_eq!(run(&[a.clone(), b]).len(), 2);
        // The 2019 layout has no such stock.
        let [_, mut b] = pair(12);
        b.template.t2 = Some(Template::Y2019);
        assert!(run(&[a, b]).is_empty());
    }
}
