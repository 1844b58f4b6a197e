//! Text for a person: the output of `ogi check` and `ogi rules`.

use crate::check::{BatchRule, Rule};
use crate::schema::{Finding, Report, Severity, Status};
use std::io::{self, Write};

/// The rule whose findings are hints on how to fix the others; printed last.
pub const HINT_RULE: &str = "H-LIKELY-CELL";

/// The Chinese tag of a severity.
pub fn severity_zh(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "错误",
        Severity::Warning => "警告",
        Severity::Info => "提示",
    }
}

/// One report as `ogi check` prints it: a header line (path, `#sheet` for
/// a report read from a workbook, status, agency, year), then one line per finding (severity tag, rule id, Chinese
/// message), hints (`H-LIKELY-CELL`) after the other findings.
pub fn write_check(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let agency = report.meta.agency.as_deref().unwrap_or("?");
    let year = report
        .meta
        .year
        .map_or_else(|| "?".to_string(), |y| y.to_string());
    let sheet = report
        .source
        .sheet
        .as_deref()
        .map_or_else(String::new, |s| format!("#{s}"));
    writeln!(
        w,
        "{}{sheet}  [{}]  {}  {}",
        report.source.path,
        report.status.as_str(),
        agency,
        year
    )?;
    if let Some(err) = &report.error {
        writeln!(w, "  错误  无法读取（{}）：{}", err.kind, err.message)?;
    }
    let (hints, findings): (Vec<&Finding>, Vec<&Finding>) =
        report.findings.iter().partition(|f| f.rule == HINT_RULE);
    let width = findings
        .iter()
        .chain(&hints)
        .map(|f| f.rule.len())
        .max()
        .unwrap_or(0);
    for f in findings.iter().chain(&hints) {
        writeln!(
            w,
            "  {}  {:width$}  {}",
            severity_zh(f.severity),
            f.rule,
            f.message
        )?;
    }
    if report.findings.is_empty() && report.status != Status::Error {
        writeln!(w, "  （无发现）")?;
    }
    Ok(())
}

/// Whether a report fails `ogi check`: an error finding, or unreadable.
pub fn fails_check(report: &Report) -> bool {
    report.status == Status::Error
        || report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error)
}

/// Every rule, one per line: id, severity, Chinese summary, English summary,
/// in aligned columns; the per-report rules first, then the batch rules.
pub fn write_rules(
    w: &mut dyn Write,
    rules: &[&dyn Rule],
    batch: &[&dyn BatchRule],
) -> io::Result<()> {
    let rows: Vec<(&str, Severity, &str, &str)> = rules
        .iter()
        .map(|r| (r.id(), r.severity(), r.summary_zh(), r.summary()))
        .chain(
            batch
                .iter()
                .map(|r| (r.id(), r.severity(), r.summary_zh(), r.summary())),
        )
        .collect();
    let id_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let zh_w = rows.iter().map(|r| display_width(r.2)).max().unwrap_or(0);
    for (id, severity, zh, en) in rows {
        let pad = " ".repeat(zh_w - display_width(zh));
        writeln!(w, "{id:id_w$}  {:7}  {zh}{pad}  {en}", severity.as_str())?;
    }
    Ok(())
}

/// Terminal columns of a string: East Asian wide and full-width characters
/// take two.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let c = c as u32;
            let wide = matches!(c,
                0x1100..=0x115F
                | 0x2E80..=0x303E
                | 0x3041..=0x33FF
                | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF
                | 0xA000..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6
                | 0x20000..=0x3FFFD);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Context;
    use crate::schema::Source;

    fn report() -> Report {
        let mut r = Report::new(Source {
            path: "in/a.txt".into(),
            ..Source::default()
        });
        r.meta.agency = Some("某区".into());
        r.meta.year = Some(2024);
        r.findings.push(Finding::new(
            HINT_RULE,
            Severity::Info,
            vec![],
            "改为0",
            "to 0",
        ));
        r.findings.push(Finding::new(
            "T3-BALANCE",
            Severity::Error,
            vec![],
            "不平衡",
            "off",
        ));
        r.findings.push(Finding::new(
            "S-ROW-SHORT",
            Severity::Warning,
            vec![],
            "短行",
            "short",
        ));
        r
    }

    #[test]
    fn check_output_puts_hints_last() {
        let mut out = Vec::new();
        write_check(&mut out, &report()).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "in/a.txt  [ok]  某区  2024");
        assert!(lines[1].starts_with("  错误  T3-BALANCE") && lines[1].ends_with("不平衡"));
        assert!(lines[2].starts_with("  警告  S-ROW-SHORT"));
        assert!(lines[3].starts_with("  提示  H-LIKELY-CELL") && lines[3].ends_with("改为0"));
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn check_fails_on_error_findings_and_unreadable_files() {
        let mut r = report();
        assert!(fails_check(&r));
        r.findings.retain(|f| f.severity != Severity::Error);
        assert!(!fails_check(&r));
        let e = Report::error(Source::default(), "empty", "the file is empty");
        assert!(fails_check(&e));
        let mut out = Vec::new();
        write_check(&mut out, &e).expect("write");
        assert!(String::from_utf8_lossy(&out).contains("无法读取（empty）"));
    }

    struct Fake(&'static str, &'static str);
    impl Rule for Fake {
        fn id(&self) -> &'static str {
            self.0
        }
        fn severity(&self) -> Severity {
            Severity::Warning
        }
        fn summary(&self) -> &'static str {
            "english"
        }
        fn summary_zh(&self) -> &'static str {
            self.1
        }
        fn check(&self, _: &Report, _: &mut Context) {}
    }

    #[test]
    fn rules_are_aligned_by_display_width() {
        let a = Fake("T3-BALANCE", "表三平衡");
        let b = Fake("S-X", "短ab");
        let mut out = Vec::new();
        write_rules(&mut out, &[&a, &b], crate::check::BATCH_RULES).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        let english: Vec<&str> = ["english", "english"]
            .into_iter()
            .chain(crate::check::BATCH_RULES.iter().map(|r| r.summary()))
            .collect();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), english.len(), "{text}");
        let cols: Vec<usize> = lines
            .iter()
            .zip(&english)
            .map(|(l, en)| display_width(&l[..l.find(en).expect("en")]))
            .collect();
        assert!(cols.iter().all(|c| *c == cols[0]), "{text}");
        assert!(lines[2].starts_with("X-CARRY-OVER"), "{text}");
    }
}
