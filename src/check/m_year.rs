//! `M-YEAR`: the title's year and the statistics period disagree.
//!
//! ## What it checks
//!
//! The year written in the title (`meta.title`: Arabic `2023年` or Chinese
//! numerals `二〇二三年`) against the statistics period the report states
//! (`meta.period`, e.g. "本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止").
//! It fires, severity warning, when
//!
//! - the period starts and ends in different years (it does not describe
//!   one report year), or
//! - the period lies in one year, but not the title's.
//!
//! A period shorter than the year (an agency founded in May) is fine as long
//! as it lies in the title's year. Nothing is reported when the title or the
//! period is absent; a title with no year or with several years, or a period
//! that is not a date, is counted as not assessable. Whether the tables'
//! template fits the year is `S-TEMPLATE-MIXED`'s business, not this rule's.
//!
//! ## Why
//!
//! The year is the key of every comparison across reports (`X-CARRY-OVER`
//! pairs year Y with Y−1). A report titled 2023 whose figures cover 2022 is
//! either misfiled or carries last year's text: the dataset must not file it
//! under a year silently.
//!
//! ## Example
//!
//! A report titled "某区2023年政府信息公开工作年度报告" stating the period
//! 2022年1月1日至2022年12月31日:
//!
//! ```text
//! 标题年份为2023年，但统计期限为2022-01-01至2022-12-31
//! ```

use std::sync::LazyLock;

use regex::Regex;

use super::{Context, Rule};
use crate::schema::{Finding, Num, Report, Severity, Status};

/// The rule id.
pub const ID: &str = "M-YEAR";

/// `M-YEAR`.
pub struct MYear;

impl Rule for MYear {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "the title's year and the statistics period disagree"
    }

    fn summary_zh(&self) -> &'static str {
        "标题年份与统计期限不一致"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        if matches!(report.status, Status::NotAReport | Status::Error) {
            return;
        }
        let (Some(title), Some(period)) = (&report.meta.title, &report.meta.period) else {
            return;
        };
        let years = title_years(title);
        let (Some(start), Some(end)) = (date(&period.start), date(&period.end)) else {
            cx.skip(ID);
            return;
        };
        let [year] = years[..] else {
            cx.skip(ID);
            return;
        };
        let (s, e) = (&period.start, &period.end);
        if start.0 != end.0 {
            cx.report(
                Finding::new(
                    ID,
                    self.severity(),
                    Vec::new(),
                    format!("统计期限为{s}至{e}，跨越两个年度（标题年份为{year}年）"),
                    format!(
                        "The statistics period {s} to {e} spans two years (the title says {year})"
                    ),
                )
                .with_numbers(Num::Int(year.into()), Num::Int(start.0.into())),
            );
        } else if start.0 != year {
            cx.report(
                Finding::new(
                    ID,
                    self.severity(),
                    Vec::new(),
                    format!("标题年份为{year}年，但统计期限为{s}至{e}"),
                    format!("The title says {year}, but the statistics period is {s} to {e}"),
                )
                .with_numbers(Num::Int(year.into()), Num::Int(start.0.into())),
            );
        }
    }
}

/// The distinct years a title writes (`2023年`, `二〇二三年度`), in order.
pub(crate) fn title_years(title: &str) -> Vec<i32> {
    static YEAR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"((?:19|20)[0-9]{2}|[〇零一二三四五六七八九]{4})\s*年").expect("year regex")
    });
    let mut out = Vec::new();
    for c in YEAR.captures_iter(title) {
        let Some(y) = c.get(1).and_then(|m| parse_year(m.as_str())) else {
            continue;
        };
        if !out.contains(&y) {
            out.push(y);
        }
    }
    out
}

/// `2023` or `二〇二三` as a number.
fn parse_year(s: &str) -> Option<i32> {
    if let Ok(y) = s.parse() {
        return Some(y);
    }
    let mut y = 0i32;
    for c in s.chars() {
        let d = match c {
            '〇' | '零' => 0,
            _ => "一二三四五六七八九".chars().position(|x| x == c)? as i32 + 1,
        };
        y = y * 10 + d;
    }
    (1900..2100).contains(&y).then_some(y)
}

/// `YYYY-MM-DD` as (year, month, day).
fn date(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.trim().splitn(3, '-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one};
    use crate::schema::Period;

    fn with(title: Option<&str>, start: &str, end: &str) -> Report {
        let mut r = load(ID, "pass");
        r.meta.title = title.map(String::from);
        r.meta.period = Some(Period {
            start: start.into(),
            end: end.into(),
        });
        r
    }

    #[test]
    fn fail_fixture_names_both_years() {
        let cx = run_one(&MYear, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1, "{:#?}", cx.findings);
        let f = &cx.findings[0];
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.cells.is_empty());
        assert_eq!(
            f.message,
            "标题年份为2023年，但统计期限为2022-01-01至2022-12-31"
        );
        assert_eq!(
            f.message_en,
            "The title says 2023, but the statistics period is 2022-01-01 to 2022-12-31"
        );
        assert_eq!(
            (f.expected, f.actual),
            (Some(Num::Int(2023)), Some(Num::Int(2022)))
        );
    }

    #[test]
    fn pass_fixture_is_assessed_and_quiet() {
        let cx = run_one(&MYear, &load(ID, "pass"));
        assert!(cx.findings.is_empty());
        assert!(cx.not_assessable.is_empty());
    }

    #[test]
    fn chinese_numeral_titles_are_read() {
        assert_eq!(
            title_years("某县人民政府二〇二三年政府信息公开工作年度报告"),
            [2023]
        );
        assert_eq!(
            title_years("二零一九年度某局政府信息公开工作年度报告"),
            [2019]
        );
        let r = with(
            Some("某县人民政府二〇二三年政府信息公开工作年度报告"),
            "2024-01-01",
            "2024-12-31",
        );
        let cx = run_one(&MYear, &r);
        assert_eq!(cx.findings.len(), 1);
        assert_eq!(cx.findings[0].expected, Some(Num::Int(2023)));
        let r = with(
            Some("某县人民政府二〇二三年政府信息公开工作年度报告"),
            "2023-01-01",
            "2023-12-31",
        );
        assert!(run_one(&MYear, &r).findings.is_empty());
    }

    #[test]
    fn a_partial_period_within_the_year_is_fine() {
        let r = with(
            Some("某局2023年政府信息公开工作年度报告"),
            "2023-05-10",
            "2023-12-31",
        );
        let cx = run_one(&MYear, &r);
        assert!(cx.findings.is_empty());
        assert!(cx.not_assessable.is_empty());
    }

    #[test]
    fn a_period_across_two_years_fires_even_when_one_matches() {
        let r = with(
            Some("某局2023年政府信息公开工作年度报告"),
            "2022-12-01",
            "2023-11-30",
        );
        let cx = run_one(&MYear, &r);
        assert_eq!(cx.findings.len(), 1);
        assert_eq!(
            cx.findings[0].message,
            "统计期限为2022-12-01至2023-11-30，跨越两个年度（标题年份为2023年）"
        );
    }

    #[test]
    fn absent_title_or_period_is_silent_and_odd_ones_are_not_assessable() {
        let mut r = with(None, "2022-01-01", "2022-12-31");
        let cx = run_one(&MYear, &r);
        assert!(cx.findings.is_empty() && cx.not_assessable.is_empty());
        r.meta.title = Some("某局2023年政府信息公开工作年度报告".into());
        r.meta.period = None;
        let cx = run_one(&MYear, &r);
        assert!(cx.findings.is_empty() && cx.not_assessable.is_empty());

        // A title without a year (a template), or with two.
        for title in [
            "政府信息公开工作年度报告格式模板",
            "某局2022年至2023年政府信息公开工作报告",
        ] {
            let cx = run_one(&MYear, &with(Some(title), "2022-01-01", "2022-12-31"));
            assert!(cx.findings.is_empty(), "{title}");
            assert_eq!(cx.not_assessable.get(ID), Some(&1), "{title}");
        }
        let cx = run_one(
            &MYear,
            &with(Some("某局2023年政府信息公开工作年度报告"), "2023年", "?"),
        );
        assert!(cx.findings.is_empty());
        assert_eq!(cx.not_assessable.get(ID), Some(&1));
    }

    #[test]
    fn a_letter_is_not_checked() {
        let mut r = load(ID, "fail");
        r.status = Status::NotAReport;
        assert!(run_one(&MYear, &r).findings.is_empty());
    }
}
