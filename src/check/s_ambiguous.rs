//! `S-AMBIGUOUS`: two or more readings of the source fit equally.
//!
//! ## What it checks
//!
//! The normaliser's `Ambiguous` observation: a run of glued digits (crawled
//! text that lost its cell borders) that several splits fit, every one
//! consistent with the identities. The cells are left null (state
//! `ambiguous`); the finding lists them, and `detail` holds
//! `{"raw": …, "readings": [[…], …], "n_readings": n}` (the readings may be
//! truncated, `n_readings` is the full count). Severity warning.
//!
//! ## Why
//!
//! A value is never a guess: when the source allows two readings, ogi says
//! so and shows them instead of picking one.
//!
//! ## Example
//!
//! ```text
//! 表二 行政规范性文件·本年制发件数等3个单元格：“693665”有10种读法，均与核对关系相符，值置空
//! ```

use serde_json::json;

use super::labels::{cell_en, cell_zh, table_en, table_of, table_zh};
use super::{Context, Rule};
use crate::schema::{Finding, Num, Observation, Report, Severity};

/// The rule id.
pub const ID: &str = "S-AMBIGUOUS";

/// `S-AMBIGUOUS`.
pub struct SAmbiguous;

impl Rule for SAmbiguous {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "two readings of the source fit equally; the cells are left null"
    }

    fn summary_zh(&self) -> &'static str {
        "原文有两种以上同样成立的读法，相关单元格置空"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for o in &report.observations {
            let Observation::Ambiguous {
                cells,
                raw,
                readings,
                count,
            } = o
            else {
                continue;
            };
            let (where_zh, where_en) = match cells.first() {
                Some(first) => {
                    let t = table_of(first);
                    if cells.len() > 1 {
                        (
                            format!(
                                "{} {}等{}个单元格",
                                table_zh(t),
                                cell_zh(first),
                                cells.len()
                            ),
                            format!(
                                "{}, {} and {} more cells",
                                table_en(t),
                                cell_en(first),
                                cells.len() - 1
                            ),
                        )
                    } else {
                        (
                            format!("{} {}", table_zh(t), cell_zh(first)),
                            format!("{}, {}", table_en(t), cell_en(first)),
                        )
                    }
                }
                None => ("原文".to_string(), "The source".to_string()),
            };
            let n = (*count).max(readings.len());
            let readings_json: Vec<Vec<serde_json::Value>> = readings
                .iter()
                .map(|r| r.iter().map(|v| Num::to_json(*v)).collect())
                .collect();
            cx.report(
                Finding::new(
                    ID,
                    self.severity(),
                    cells.clone(),
                    format!("{where_zh}：“{raw}”有{n}种读法，均与核对关系相符，值置空"),
                    format!(
                        "{where_en}: '{raw}' has {n} readings that all fit the identities; the values are left null"
                    ),
                )
                .with_detail(json!({"raw": raw, "readings": readings_json, "n_readings": n})),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one};

    #[test]
    fn fail_fixture_lists_the_readings() {
        let cx = run_one(&SAmbiguous, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1);
        let f = &cx.findings[0];
        assert_eq!(f.cells.len(), 3);
        assert_eq!(
            f.message,
            "表二 行政规范性文件·本年制发件数等3个单元格：“693665”有10种读法，均与核对关系相符，值置空"
        );
        assert_eq!(
            f.detail,
            Some(
                json!({"raw": "693665", "readings": [[6, 9, 3665], [69, 3, 665]], "n_readings": 10})
            )
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&SAmbiguous, &load(ID, "pass")).findings.is_empty());
    }
}
