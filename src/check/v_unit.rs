//! `V-UNIT`: a unit written in a cell or header differs from the template's
//! and was converted.
//!
//! ## What it checks
//!
//! The normaliser's `UnitConverted` observation: one finding per converted
//! cell, quoting what was written, the unit found and the template's unit.
//! Severity warning.
//!
//! ## Why
//!
//! The 2021 fee is in 万元 and the 2019 procurement amount in 元; a report
//! that writes "3.5元" in the fee cell, or "25.1万元" in the procurement cell,
//! has been converted, and a reader comparing with the source must know.
//!
//! ## Example
//!
//! ```text
//! 表二 行政事业性收费·本年收费金额（单位：万元） 写作“35000元”，已由元换算为万元
//! ```

use super::labels::{cell_full_en, cell_full_zh};
use super::{Context, Rule};
use crate::schema::{Finding, Observation, Report, Severity};

/// The rule id.
pub const ID: &str = "V-UNIT";

/// `V-UNIT`.
pub struct VUnit;

impl Rule for VUnit {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "a unit in a cell or header differs from the template's and was converted"
    }

    fn summary_zh(&self) -> &'static str {
        "单元格或表头中的单位与模板不同，已换算"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for o in &report.observations {
            let Observation::UnitConverted {
                cell,
                raw,
                from,
                to,
            } = o
            else {
                continue;
            };
            cx.report(Finding::new(
                ID,
                self.severity(),
                vec![cell.clone()],
                format!(
                    "{} 写作“{}”，已由{}换算为{}",
                    cell_full_zh(cell),
                    raw,
                    from,
                    to
                ),
                format!(
                    "{} is written '{}': converted from {} to {}",
                    cell_full_en(cell),
                    raw,
                    from,
                    to
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one};

    #[test]
    fn fail_fixture_names_cell_and_units() {
        let cx = run_one(&VUnit, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1);
        let f = &cx.findings[0];
        assert_eq!(f.cells, ["t2.fees.amount_wan_yuan"]);
        assert_eq!(
            f.message,
            "表二 行政事业性收费·本年收费金额（单位：万元） 写作“35000元”，已由元换算为万元"
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&VUnit, &load(ID, "pass")).findings.is_empty());
    }
}
