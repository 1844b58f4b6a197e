//! `S-LEGACY`: a pre-2019 report.
//!
//! ## What it checks
//!
//! The normaliser's `Legacy` observation: the report predates the 2019
//! format (provincial 统计指标 forms, 指标名称|计量单位 tables). The evidence
//! strings go into the message. A report with status `legacy` and no such
//! observation still gets one finding. Severity info.
//!
//! ## Why
//!
//! Before 2019 there was no national table format: only the metadata can be
//! read reliably, and the arithmetic rules do not apply. Users must see why
//! such a report has no values.
//!
//! ## Example
//!
//! ```text
//! 2019年以前格式的年度报告，仅提取元数据；依据：政府信息公开情况统计表；指标名称|计量单位|2018年度|历年累计
//! ```

use super::{Context, Rule};
use crate::schema::{Finding, Observation, Report, Severity, Status};

/// The rule id.
pub const ID: &str = "S-LEGACY";

/// `S-LEGACY`.
pub struct SLegacy;

impl Rule for SLegacy {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Info
    }

    fn summary(&self) -> &'static str {
        "a pre-2019 report is recognised: metadata only"
    }

    fn summary_zh(&self) -> &'static str {
        "识别为2019年以前格式的年度报告，仅提取元数据"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        let mut seen = false;
        for o in &report.observations {
            if let Observation::Legacy { evidence } = o {
                seen = true;
                let zh = if evidence.is_empty() {
                    "2019年以前格式的年度报告，仅提取元数据".to_string()
                } else {
                    format!(
                        "2019年以前格式的年度报告，仅提取元数据；依据：{}",
                        evidence.join("；")
                    )
                };
                let en = if evidence.is_empty() {
                    "A pre-2019 report: metadata only".to_string()
                } else {
                    format!(
                        "A pre-2019 report: metadata only; evidence: {}",
                        evidence.join("; ")
                    )
                };
                cx.report(Finding::new(ID, self.severity(), Vec::new(), zh, en));
            }
        }
        if !seen && report.status == Status::Legacy {
            cx.report(Finding::new(
                ID,
                self.severity(),
                Vec::new(),
                "2019年以前格式的年度报告，仅提取元数据",
                "A pre-2019 report: metadata only",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one};

    #[test]
    fn fail_fixture_lists_the_evidence() {
        let cx = run_one(&SLegacy, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1);
        let m = &cx.findings[0].message;
        assert!(
            m.contains("依据：政府信息公开情况统计表；指标名称|计量单位"),
            "{m}"
        );
    }

    #[test]
    fn pass_fixture_has_no_finding() {
        assert!(run_one(&SLegacy, &load(ID, "pass")).findings.is_empty());
    }
}
