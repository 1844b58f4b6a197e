//! `X-CARRY-OVER`: what one year carries forward, the next year carries
//! over.
//!
//! ## What it checks
//!
//! For every pair of reports of the same agency (by
//! [`agency_key`](super::batch::agency_key)) for consecutive years Y−1 and Y
//! in the batch, per column of table 三 (the six applicant columns and
//! 总计):
//!
//! ```text
//! t3.carried_over(Y) = t3.carried_forward(Y−1)
//! 二、上年结转政府信息公开申请数量(Y) = 四、结转下年度继续办理(Y−1)
//! ```
//!
//! One finding per failing column, severity warning, written into **both**
//! reports: in the year-Y report its cell is `t3.carried_over.<col>`, in the
//! year-(Y−1) report `t3.carried_forward.<col>`; in each, `actual` is the
//! report's own value and `expected` the other report's. The message (the
//! same in both) names both years, both files and both numbers; `detail`
//! holds the other report's path, year and cell. A blank or marker counts
//! as 0, except in the 总计 column, where it means "not reported" and the
//! column is skipped; text, missing and ambiguous cells are skipped.
//!
//! ## Why
//!
//! The applications still open at the end of a year are, by definition, the
//! ones carried over into the next: the two cells count the same
//! applications. A difference means one of the two reports has a wrong cell
//! (or the two reports count different bodies under one name).
//!
//! ## Example
//!
//! 四方台区 writes 结转下年度继续办理 2 for 自然人 in its 2024 report and
//! 上年结转 3 in its 2025 report:
//!
//! ```text
//! 表三 自然人列：2025年报告（in/2025.txt）上年结转为3，但2024年报告（in/2024.txt）结转下年度继续办理为2
//! ```

use serde_json::json;
use std::ops::Range;

use super::batch::{keep_only, pairs_touching, same, BatchFacts};
use super::labels::{col_en, col_zh};
use super::BatchRule;
use crate::schema::{Finding, Severity, T3_COLS};

/// The rule id.
pub const ID: &str = "X-CARRY-OVER";

/// `X-CARRY-OVER`.
pub struct XCarryOver;

impl BatchRule for XCarryOver {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "same agency, consecutive years: carried over (Y) = carried forward (Y-1), per table 3 column"
    }

    fn summary_zh(&self) -> &'static str {
        "同一机关相邻两年：表三各列 上年结转(Y) = 结转下年度继续办理(Y−1)"
    }

    fn check(&self, batch: &[BatchFacts], only: Range<usize>, out: &mut Vec<(usize, Finding)>) {
        let start = out.len();
        for (p, n) in pairs_touching(batch, &only) {
            let (prev, next) = (&batch[p], &batch[n]);
            for (i, col) in T3_COLS.iter().enumerate() {
                let blank_is_zero = *col != "total";
                let (Some(over), Some(fwd)) = (
                    next.carried_over[i].and_then(|c| c.read(blank_is_zero)),
                    prev.carried_forward[i].and_then(|c| c.read(blank_is_zero)),
                ) else {
                    continue;
                };
                if same(over, fwd) {
                    continue;
                }
                let (py, ny) = (prev.year.unwrap_or_default(), next.year.unwrap_or_default());
                let zh = format!(
                    "表三 {}列：{ny}年报告（{}）上年结转为{}，但{py}年报告（{}）结转下年度继续办理为{}",
                    col_zh("t3", col),
                    next.label(),
                    over.zh(),
                    prev.label(),
                    fwd.zh(),
                );
                let en = format!(
                    "Table 3, column {}: carried over in the {ny} report ({}) is {}, but carried forward in the {py} report ({}) is {}",
                    col_en("t3", col),
                    next.label(),
                    over.en(),
                    prev.label(),
                    fwd.en(),
                );
                let over_id = format!("t3.carried_over.{col}");
                let fwd_id = format!("t3.carried_forward.{col}");
                out.push((
                    n,
                    Finding::new(ID, self.severity(), vec![over_id.clone()], &zh, &en)
                        .with_numbers(fwd.num(), over.num())
                        .with_detail(prev.add_sheet(
                            json!({
                                "other": prev.path,
                                "other_year": py,
                                "other_cell": fwd_id,
                            }),
                            "other_sheet",
                        )),
                ));
                out.push((
                    p,
                    Finding::new(ID, self.severity(), vec![fwd_id], zh, en)
                        .with_numbers(over.num(), fwd.num())
                        .with_detail(next.add_sheet(
                            json!({
                                "other": next.path,
                                "other_year": ny,
                                "other_cell": over_id,
                            }),
                            "other_sheet",
                        )),
                ));
            }
        }
        keep_only(out, start, &only);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::batch::tests::report;
    use crate::schema::{Num, Report};

    fn run(reports: &[Report]) -> Vec<(usize, Finding)> {
        let facts: Vec<BatchFacts> = reports.iter().map(BatchFacts::from_report).collect();
        let mut out = Vec::new();
        XCarryOver.check(&facts, 0..facts.len(), &mut out);
        out
    }

    #[test]
    fn a_mismatch_is_reported_in_both_reports() {
        let y24 = report(
            "四方台区人民政府",
            2024,
            &[
                ("t3.carried_forward.natural_person", Some(2)),
                ("t3.carried_forward.total", Some(2)),
            ],
        );
        let y25 = report(
            "四方台区",
            2025,
            &[
                ("t3.carried_over.natural_person", Some(3)),
                ("t3.carried_over.total", Some(2)),
            ],
        );
        let out = run(&[y24, y25]);
        assert_eq!(out.len(), 2, "{out:#?}");
        let (i, this) = &out[0];
        assert_eq!(*i, 1);
        assert_eq!(this.rule, ID);
        assert_eq!(this.severity, Severity::Warning);
        assert_eq!(this.cells, ["t3.carried_over.natural_person"]);
        assert_eq!(
            (this.expected, this.actual),
            (Some(Num::Int(2)), Some(Num::Int(3)))
        );
        assert_eq!(
            this.message,
            "表三 自然人列：2025年报告（in/四方台区-2025.txt）上年结转为3，但2024年报告（in/四方台区人民政府-2024.txt）结转下年度继续办理为2"
        );
        assert!(this.message_en.contains("2024 report"));
        let d = this.detail.as_ref().expect("detail");
        assert_eq!(d["other"], "in/四方台区人民政府-2024.txt");
        assert_eq!(d["other_cell"], "t3.carried_forward.natural_person");

        let (j, that) = &out[1];
        assert_eq!(*j, 0);
        assert_eq!(that.cells, ["t3.carried_forward.natural_person"]);
        assert_eq!(
            (that.expected, that.actual),
            (Some(Num::Int(3)), Some(Num::Int(2)))
        );
        assert_eq!(that.message, this.message);
    }

    #[test]
    fn equal_carries_pass_and_unrelated_reports_are_not_compared() {
        let cells = [("t3.carried_forward.research_institution", Some(4))];
        let y24 = report("某县", 2024, &cells);
        let y25 = report(
            "某县人民政府",
            2025,
            &[("t3.carried_over.research_institution", Some(4))],
        );
        assert!(run(&[y24.clone(), y25.clone()]).is_empty());
        // Another agency, or a gap year: no comparison.
        let other = report("某县人民政府办公室", 2025, &[]);
        assert!(run(&[y24.clone(), other]).is_empty());
        let y26 = report("某县", 2026, &[]);
        assert!(run(&[y24, y26]).is_empty());
    }

    #[test]
    fn blanks_are_zero_except_in_the_total_column() {
        let y24 = report(
            "某县",
            2024,
            &[
                ("t3.carried_forward.natural_person", None),
                ("t3.carried_forward.total", Some(5)),
            ],
        );
        let y25 = report(
            "某县",
            2025,
            &[
                ("t3.carried_over.natural_person", Some(0)),
                ("t3.carried_over.total", None),
            ],
        );
        // natural_person: blank reads 0 = 0; total: blank is "not reported".
        assert!(run(&[y24.clone(), y25.clone()]).is_empty());
        let mut y25 = y25;
        crate::check::fixture::set(
            &mut y25,
            "t3.carried_over.natural_person",
            Some(1),
            crate::schema::CellState::Ok,
        );
        let out = run(&[y24, y25]);
        assert_eq!(out.len(), 2);
        assert!(out[0].1.message.contains("结转下年度继续办理为空"));
    }
}
