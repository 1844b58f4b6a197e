//! `S-NOT-REPORT`: the document is readable but is not an annual report.
//!
//! ## What it checks
//!
//! The normaliser's `NotAReport` observation (the reason is in the
//! message); a report with status `not_a_report` and no such observation
//! still gets one finding. Severity info.
//!
//! ## Why
//!
//! Sites file letters, notices and explainers under their 年报 column. Saying
//! so keeps them out of the statistics without treating them as failures.
//!
//! ## Example
//!
//! ```text
//! 不是政府信息公开工作年度报告：标题为“关于2014年政府信息公开工作要点落实情况的函”，无年度报告表格
//! ```

use super::{Context, Rule};
use crate::schema::{Finding, Observation, Report, Severity, Status};

/// The rule id.
pub const ID: &str = "S-NOT-REPORT";

/// `S-NOT-REPORT`.
pub struct SNotReport;

impl Rule for SNotReport {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Info
    }

    fn summary(&self) -> &'static str {
        "the document is readable but is not an annual report"
    }

    fn summary_zh(&self) -> &'static str {
        "文档可读，但不是政府信息公开工作年度报告"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        let mut seen = false;
        for o in &report.observations {
            if let Observation::NotAReport { reason } = o {
                seen = true;
                cx.report(Finding::new(
                    ID,
                    self.severity(),
                    Vec::new(),
                    format!("不是政府信息公开工作年度报告：{reason}"),
                    format!("Not a government information-disclosure annual report: {reason}"),
                ));
            }
        }
        if !seen && report.status == Status::NotAReport {
            cx.report(Finding::new(
                ID,
                self.severity(),
                Vec::new(),
                "不是政府信息公开工作年度报告",
                "Not a government information-disclosure annual report",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one};

    #[test]
    fn fail_fixture_quotes_the_reason() {
        let cx = run_one(&SNotReport, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1);
        assert_eq!(cx.findings[0].severity, Severity::Info);
        assert!(
            cx.findings[0].message.contains("的函"),
            "{}",
            cx.findings[0].message
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&SNotReport, &load(ID, "pass")).findings.is_empty());
    }

    #[test]
    fn status_alone_is_enough() {
        let mut r = load(ID, "pass");
        r.status = Status::NotAReport;
        assert_eq!(run_one(&SNotReport, &r).findings.len(), 1);
    }
}
