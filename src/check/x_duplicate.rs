//! `X-DUPLICATE`: two inputs hold the same report.
//!
//! ## What it checks
//!
//! Two inputs are the same report when
//!
//! - their bytes are identical (same SHA-256), both being reports (status
//!   ok, partial or legacy: two copies of the same notice page are not a
//!   duplicate report); or
//! - they are the same agency (by [`agency_key`](super::batch::agency_key))
//!   and the same year, both with their tables read (status ok or partial).
//!
//! Every such input gets one finding, severity info, naming the other
//! inputs (up to five in the message; up to [`MAX_LISTED`] in `detail.others`,
//! each with its `path` and `reason`: `same_content` or
//! `same_agency_year`; `detail.count` is how many there are in all). Its
//! `cells` is empty: the whole report is concerned.
//!
//! ## Why
//!
//! Sites republish their reports (a column page and an attachment, a
//! re-upload after a correction, the same file under two names). A dataset
//! that counts both copies counts the agency twice; when the two differ, at
//! most one of them is the report as finally published.
//!
//! ## Example
//!
//! ```text
//! 本报告与另外1份输入是同一份报告：in/copy.txt（内容完全相同）
//! ```

use std::collections::HashMap;
use std::ops::Range;

use serde_json::json;

use super::batch::BatchFacts;
use super::BatchRule;
use crate::schema::{Finding, Severity, Status};

/// The rule id.
pub const ID: &str = "X-DUPLICATE";

/// How many of the other inputs `detail.others` lists at most.
pub const MAX_LISTED: usize = 50;

/// How many the message names at most.
const MAX_NAMED: usize = 5;

/// `X-DUPLICATE`.
pub struct XDuplicate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    SameContent,
    SameAgencyYear,
}

impl BatchRule for XDuplicate {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Info
    }

    fn summary(&self) -> &'static str {
        "two inputs hold the same report (same content, or same agency and year)"
    }

    fn summary_zh(&self) -> &'static str {
        "两份输入是同一份报告（内容相同，或同一机关同一年度）"
    }

    fn check(&self, batch: &[BatchFacts], only: Range<usize>, out: &mut Vec<(usize, Finding)>) {
        let mut by_hash: HashMap<(&str, Option<&str>), Vec<usize>> = HashMap::new();
        let mut by_agency_year: HashMap<(&str, i32), Vec<usize>> = HashMap::new();
        for (i, f) in batch.iter().enumerate() {
            if let Some(h) = hash_key(f) {
                by_hash.entry(h).or_default().push(i);
            }
            if let Some(k) = agency_year_key(f) {
                by_agency_year.entry(k).or_default().push(i);
            }
        }
        const NONE: &[usize] = &[];
        for (i, f) in batch.iter().enumerate().take(only.end).skip(only.start) {
            let same_hash = hash_key(f)
                .and_then(|h| by_hash.get(&h))
                .map_or(NONE, Vec::as_slice);
            let same_ay = agency_year_key(f)
                .and_then(|k| by_agency_year.get(&k))
                .map_or(NONE, Vec::as_slice);
            let others = merge(same_hash, same_ay, i);
            if others.is_empty() {
                continue;
            }
            out.push((i, self.finding(batch, &others)));
        }
    }
}

impl XDuplicate {
    fn finding(&self, batch: &[BatchFacts], others: &[(usize, Reason)]) -> Finding {
        let n = others.len();
        let describe = |&(j, reason): &(usize, Reason)| {
            let o = &batch[j];
            match reason {
                Reason::SameContent => (
                    format!("{}（内容完全相同）", o.label()),
                    format!("{} (identical content)", o.label()),
                ),
                Reason::SameAgencyYear => {
                    let year = o.year.unwrap_or_default();
                    (
                        format!("{}（同为{}{year}年度报告）", o.label(), o.agency_or_path()),
                        format!(
                            "{} (same agency and year: {}, {year})",
                            o.label(),
                            o.agency_or_path()
                        ),
                    )
                }
            }
        };
        let (named_zh, named_en): (Vec<String>, Vec<String>) =
            others.iter().take(MAX_NAMED).map(describe).unzip();
        let more = n > MAX_NAMED;
        let zh = format!(
            "本报告与另外{n}份输入是同一份报告：{}{}",
            named_zh.join("、"),
            if more { "等" } else { "" }
        );
        let en = format!(
            "This report and {n} other input{} are the same report: {}{}",
            if n == 1 { "" } else { "s" },
            named_en.join(", "),
            if more { ", …" } else { "" }
        );
        let listed: Vec<serde_json::Value> = others
            .iter()
            .take(MAX_LISTED)
            .map(|&(j, reason)| {
                batch[j].add_sheet(
                    json!({
                        "path": batch[j].path,
                        "reason": match reason {
                            Reason::SameContent => "same_content",
                            Reason::SameAgencyYear => "same_agency_year",
                        },
                    }),
                    "sheet",
                )
            })
            .collect();
        Finding::new(ID, self.severity(), Vec::new(), zh, en)
            .with_detail(json!({"others": listed, "count": n}))
    }
}

/// The content a report is matched on, when it is a report that was read:
/// its file's hash, and its sheet (the sheets of one workbook share the
/// file's hash but are different reports).
fn hash_key(f: &BatchFacts) -> Option<(&str, Option<&str>)> {
    let is_report = matches!(f.status, Status::Ok | Status::Partial | Status::Legacy);
    (is_report && !f.sha256.is_empty()).then_some((f.sha256.as_str(), f.sheet.as_deref()))
}

/// The agency and year a report is matched on, when its tables were read.
fn agency_year_key(f: &BatchFacts) -> Option<(&str, i32)> {
    if !f.has_tables() {
        return None;
    }
    Some((f.agency_key.as_deref()?, f.year?))
}

/// The union of two sorted index lists without `me`, each with why it is
/// there (identical content wins when both hold).
fn merge(same_hash: &[usize], same_ay: &[usize], me: usize) -> Vec<(usize, Reason)> {
    let mut out = Vec::new();
    let (mut a, mut b) = (0, 0);
    while a < same_hash.len() || b < same_ay.len() {
        let (x, y) = (same_hash.get(a), same_ay.get(b));
        let (j, reason) = match (x, y) {
            (Some(&x), Some(&y)) if x == y => {
                a += 1;
                b += 1;
                (x, Reason::SameContent)
            }
            (Some(&x), Some(&y)) if x < y => {
                a += 1;
                (x, Reason::SameContent)
            }
            (Some(&x), None) => {
                a += 1;
                (x, Reason::SameContent)
            }
            (_, Some(&y)) => {
                b += 1;
                (y, Reason::SameAgencyYear)
            }
            (None, None) => break,
        };
        if j != me {
            out.push((j, reason));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::batch::tests::report;
    use crate::schema::Report;

    fn run(reports: &[Report]) -> Vec<(usize, Finding)> {
        let facts: Vec<BatchFacts> = reports.iter().map(BatchFacts::from_report).collect();
        let mut out = Vec::new();
        XDuplicate.check(&facts, 0..facts.len(), &mut out);
        out
    }

    #[test]
    fn a_copy_names_the_other_file_both_ways() {
        let a = report("四方台区", 2024, &[]);
        let mut b = a.clone();
        b.source.path = "in/copy.txt".into();
        let c = report("四方台区", 2023, &[]);
        let out = run(&[a, b, c]);
        assert_eq!(out.len(), 2, "{out:#?}");
        assert_eq!(out[0].0, 0);
        assert_eq!(
            out[0].1.message,
            "本报告与另外1份输入是同一份报告：in/copy.txt（内容完全相同）"
        );
        assert_eq!(out[0].1.severity, Severity::Info);
        assert!(out[0].1.cells.is_empty());
        assert_eq!(out[1].0, 1);
        assert!(out[1]
            .1
            .message
            .contains("in/四方台区-2024.txt（内容完全相同）"));
        let d = out[1].1.detail.as_ref().expect("detail");
        assert_eq!(d["count"], 1);
        assert_eq!(d["others"][0]["reason"], "same_content");
    }

    #[test]
    fn same_agency_and_year_is_a_duplicate_with_different_bytes() {
        let a = report("四方台区人民政府", 2024, &[]);
        let b = report("四方台区", 2024, &[]);
        assert_ne!(a.source.sha256, b.source.sha256);
        let out = run(&[a, b]);
        assert_eq!(out.len(), 2);
        assert!(
            out[0]
                .1
                .message
                .ends_with("in/四方台区-2024.txt（同为四方台区2024年度报告）"),
            "{}",
            out[0].1.message
        );
        assert_eq!(
            out[0].1.detail.as_ref().expect("d")["others"][0]["reason"],
            "same_agency_year"
        );
    }

    #[test]
    fn non_reports_and_different_years_are_not_duplicates() {
        let a = report("四方台区", 2024, &[]);
        let mut b = a.clone();
        b.source.path = "in/b.txt".into();
        b.status = Status::NotAReport;
        let mut c = a.clone();
        c.source.path = "in/c.txt".into();
        c.status = Status::Error;
        c.source.sha256.clear();
        let d = report("四方台区", 2025, &[]);
        assert!(run(&[a, b, c, d]).is_empty());

        // Two legacy copies are the same report (by content only).
        let mut l = report("某县", 2015, &[]);
        l.status = Status::Legacy;
        let mut m = l.clone();
        m.source.path = "in/m.txt".into();
        assert_eq!(run(&[l.clone(), m]).len(), 2);
        let mut m = report("某县", 2015, &[]);
        m.status = Status::Legacy;
        m.source.path = "in/other.txt".into();
        m.source.sha256 = "f".repeat(64);
        assert!(run(&[l, m]).is_empty());
    }

    #[test]
    fn a_large_group_is_one_finding_per_report() {
        let a = report("某县", 2024, &[]);
        let copies: Vec<Report> = (0..8)
            .map(|i| {
                let mut r = a.clone();
                r.source.path = format!("in/{i}.txt");
                r
            })
            .collect();
        let out = run(&copies);
        assert_eq!(out.len(), 8);
        let f = &out[3].1;
        assert!(f
            .message
            .starts_with("本报告与另外7份输入是同一份报告：in/0.txt"));
        assert!(f.message.ends_with("等"), "{}", f.message);
        assert!(!f.message.contains("in/3.txt"));
        assert_eq!(f.detail.as_ref().expect("d")["count"], 7);
    }

    #[test]
    fn sheets_of_one_workbook_are_not_copies_of_each_other() {
        let sheet = |agency: &str, name: &str, path: &str| {
            let mut r = report(agency, 2024, &[]);
            r.source.path = path.into();
            r.source.sha256 = "a".repeat(64);
            r.source.sheet = Some(name.into());
            r
        };
        let book = [
            sheet("甲县", "甲县", "in/book.xlsx"),
            sheet("乙县", "乙县", "in/book.xlsx"),
        ];
        assert!(run(&book).is_empty());
        // The same workbook twice: each sheet meets its copy, by name.
        let mut copies = book.to_vec();
        copies.push(sheet("甲县", "甲县", "in/copy.xlsx"));
        let out = run(&copies);
        assert_eq!(out.len(), 2, "{out:#?}");
        assert_eq!((out[0].0, out[1].0), (0, 2));
        assert!(
            out[0]
                .1
                .message
                .contains("in/copy.xlsx#甲县（内容完全相同）"),
            "{}",
            out[0].1.message
        );
        let d = out[1].1.detail.as_ref().expect("detail");
        assert_eq!(d["others"][0]["path"], "in/book.xlsx");
        assert_eq!(d["others"][0]["sheet"], "甲县");
    }

    #[test]
    fn merge_unions_sorted_lists() {
        let m = merge(&[0, 2, 5], &[1, 2, 3], 2);
        assert_eq!(
            m,
            [
                (0, Reason::SameContent),
                (1, Reason::SameAgencyYear),
                (3, Reason::SameAgencyYear),
                (5, Reason::SameContent)
            ]
        );
        assert!(merge(&[4], &[4], 4).is_empty());
    }
}
