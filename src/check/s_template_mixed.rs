//! `S-TEMPLATE-MIXED`: tables of different templates, or a template that
//! does not fit the year.
//!
//! ## What it checks
//!
//! The normaliser's `TemplateMixed` observation (it detects the template per
//! table from the labels): a 2019 table 二 beside a 2021 table 三, or a 2019
//! layout in a 2021-or-later report, or the reverse. The message is the
//! normaliser's explanation. Severity warning.
//!
//! ## Why
//!
//! Values of the two layouts do not mean the same (2019 对外公开总数量 is not
//! 2021 现行有效件数; 2019 收费 counts items, 2021 counts money). A dataset
//! that compares years must know which layout each table used.
//!
//! ## Example
//!
//! ```text
//! 2023年度报告的表二使用2019年格式（本年新制作数量、其他对外管理服务事项），表三使用2021年格式
//! ```

use super::{Context, Rule};
use crate::schema::{Finding, Observation, Report, Severity};

/// The rule id.
pub const ID: &str = "S-TEMPLATE-MIXED";

/// `S-TEMPLATE-MIXED`.
pub struct STemplateMixed;

impl Rule for STemplateMixed {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "tables of different templates in one report, or a template that does not fit the year"
    }

    fn summary_zh(&self) -> &'static str {
        "同一报告中的表格模板不一致，或模板与年度不符"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for o in &report.observations {
            if let Observation::TemplateMixed { detail, detail_en } = o {
                cx.report(Finding::new(
                    ID,
                    self.severity(),
                    Vec::new(),
                    detail.clone(),
                    detail_en.clone(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one};

    #[test]
    fn fail_fixture_carries_the_explanation() {
        let cx = run_one(&STemplateMixed, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1);
        assert!(cx.findings[0].message.contains("2019年格式"));
        assert_eq!(cx.findings[0].severity, Severity::Warning);
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&STemplateMixed, &load(ID, "pass"))
            .findings
            .is_empty());
    }
}
