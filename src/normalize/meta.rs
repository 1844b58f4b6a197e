//! Report metadata, and whether a document is a report at all.
//!
//! - **Title**: the first line (among the first lines of the document, also
//!   when wrapped over two lines) shaped like `{主体}{YYYY}年度?政府信息公开
//!   工作年度报告` or `{YYYY}年{主体}…`; a crawl's `标题:` line otherwise.
//! - **Agency**: from the title (the page's 发布机构 can be the site operator).
//! - **Year**: the statistics period's year, else the title's (Arabic or
//!   Chinese numerals).
//! - **Published**: a labelled date (发布时间, 发布日期, 发表日期, 生成日期,
//!   成文日期), or a line holding only a date just under the title or at the
//!   sign-off.
//! - **Scope**: `government` for a people's government's aggregate report,
//!   `agency` for a single body's.

use super::labels::canon;
use crate::grid::Document;
use crate::schema::{Period, Report};
use regex::Regex;
use std::sync::LazyLock;

static TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<pre>.*?)(?P<year>(?:19|20)\d{2}|[〇零一二三四五六七八九]{4})年度?(?P<post>.*?)(?:政府|政务)?信息公开(?:工作)?年度?(?:工作)?报告$")
        .expect("title regex")
});
static PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<y1>(?:19|20)\d{2})年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日(?:起)?(?:至|到|-|—|－|~)(?:(?P<y2>(?:19|20)\d{2})年)?(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日")
        .expect("period regex")
});
static LABELLED_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:发布时间|发布日期|发表日期|生成日期|成文日期|发文日期|日期)\s*[:：]\s*(?P<y>(?:19|20)\d{2})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})")
        .expect("date regex")
});
static BARE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[（(]?\s*(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?\s*[）)]?$")
        .expect("bare date regex")
});

/// Fills `report.meta`.
pub fn extract(doc: &Document, report: &mut Report) {
    let owned = meta_lines(doc);
    let lines: Vec<&str> = owned.iter().map(String::as_str).collect();
    let (title, title_idx) = find_title(&lines);
    let meta = &mut report.meta;
    if let Some(t) = &title {
        if let Some(c) = TITLE.captures(t) {
            let agency = format!("{}{}", &c["pre"], &c["post"]);
            let agency = clean_agency(&agency);
            if !agency.is_empty() {
                meta.agency = Some(agency);
            }
            meta.year = parse_year(&c["year"]);
        }
    }
    let head: String = lines
        .iter()
        .take(200)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    if let Some(c) = PERIOD.captures(&head) {
        let y1: i32 = c["y1"].parse().unwrap_or(0);
        let y2: i32 = c
            .name("y2")
            .and_then(|m| m.as_str().parse().ok())
            .unwrap_or(y1);
        let (m1, d1): (u32, u32) = (c["m1"].parse().unwrap_or(1), c["d1"].parse().unwrap_or(1));
        let (m2, d2): (u32, u32) = (c["m2"].parse().unwrap_or(12), c["d2"].parse().unwrap_or(31));
        if (1..=12).contains(&m1) && (1..=12).contains(&m2) && d1 <= 31 && d2 <= 31 {
            meta.period = Some(Period {
                start: format!("{y1:04}-{m1:02}-{d1:02}"),
                end: format!("{y2:04}-{m2:02}-{d2:02}"),
            });
            if meta.year.is_none() || (m1 == 1 && d1 == 1) {
                meta.year = Some(y1);
            }
        }
    }
    if meta.year.is_none() {
        if let Some(t) = &title {
            meta.year = first_year(t);
        }
    }
    meta.published = published(&lines, title_idx);
    meta.title = title;
    meta.scope = scope(meta.agency.as_deref(), &lines).to_string();
}

/// The document's lines in reading order: its text, and the rows of its
/// tables that hold a single text (a workbook keeps a page's title and
/// paragraphs in cells).
fn meta_lines(doc: &Document) -> Vec<String> {
    let mut out = Vec::new();
    for b in &doc.blocks {
        match b {
            crate::grid::Block::Text(t) => out.push(t.text.clone()),
            crate::grid::Block::Table(g) => {
                for (r, row) in g.rows.iter().enumerate() {
                    let mut texts = (0..row.len())
                        .filter(|c| !row[*c].is_covered())
                        .map(|c| g.origin_text(r, c))
                        .filter(|t| !t.is_empty());
                    if let (Some(t), None) = (texts.next(), texts.next()) {
                        out.push(t.to_string());
                    }
                }
            }
        }
    }
    out
}

fn find_title(lines: &[&str]) -> (Option<String>, Option<usize>) {
    let window = lines.len().min(40);
    for i in 0..window {
        let t = title_candidate(lines[i]);
        if TITLE.is_match(&t) && t.chars().count() <= 80 {
            return (Some(t), Some(i));
        }
        // A page header: the title, then 来源/时间/发布… on the same line.
        if let Some(head) = lines[i].split_whitespace().next() {
            let head = title_candidate(head);
            if head != t && TITLE.is_match(&head) && head.chars().count() <= 80 {
                return (Some(head), Some(i));
            }
        }
        if i + 1 < lines.len() {
            let next = title_candidate(lines[i + 1]);
            let joined = format!("{t}{next}");
            if !TITLE.is_match(&next) && TITLE.is_match(&joined) && joined.chars().count() <= 80 {
                return (Some(joined), Some(i + 1));
            }
        }
    }
    // A title without a year (a template, an undated draft).
    for (i, l) in lines.iter().enumerate().take(window) {
        let t = title_candidate(l);
        if t.contains("信息公开")
            && t.contains("报告")
            && t.chars().count() <= 40
            && !t.contains("关于")
        {
            return (Some(t), Some(i));
        }
    }
    // A crawl header names the page's title even when it is no report.
    for (i, l) in lines.iter().enumerate().take(window) {
        if let Some(rest) = l.strip_prefix("标题:").or_else(|| l.strip_prefix("标题：")) {
            let t = rest.trim();
            if !t.is_empty() {
                return (Some(t.to_string()), Some(i));
            }
        }
    }
    (None, None)
}

/// A line as a title: crawl prefixes removed, spaces dropped (titles are
/// Chinese; OCR adds spaces around numbers).
fn title_candidate(line: &str) -> String {
    let l = line
        .strip_prefix("标题:")
        .or_else(|| line.strip_prefix("标题："))
        .unwrap_or(line);
    l.chars().filter(|c| !c.is_whitespace()).collect()
}

fn clean_agency(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || "《》“”\"'：:，,。".contains(c))
        .to_string()
}

fn parse_year(s: &str) -> Option<i32> {
    if let Ok(y) = s.parse() {
        return Some(y);
    }
    let digits: Option<String> = s
        .chars()
        .map(|c| {
            "〇一二三四五六七八九"
                .chars()
                .position(|d| d == c)
                .or_else(|| (c == '零').then_some(0))
                .and_then(|d| char::from_digit(d as u32, 10))
        })
        .collect();
    digits.and_then(|d| d.parse().ok())
}

fn first_year(s: &str) -> Option<i32> {
    static Y: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})年").expect("year regex"));
    Y.captures(s).and_then(|c| c[1].parse().ok())
}

fn published(lines: &[&str], title_idx: Option<usize>) -> Option<String> {
    let fmt = |c: &regex::Captures| -> Option<String> {
        let y: i32 = c["y"].parse().ok()?;
        let m: u32 = c["m"].parse().ok()?;
        let d: u32 = c["d"].parse().ok()?;
        ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
    };
    for l in lines.iter().take(60) {
        if let Some(c) = LABELLED_DATE.captures(l) {
            if let Some(d) = fmt(&c) {
                return Some(d);
            }
        }
    }
    if let Some(t) = title_idx {
        for l in lines.iter().skip(t + 1).take(4) {
            if let Some(c) = BARE_DATE.captures(l.trim()) {
                return fmt(&c);
            }
        }
    }
    for l in lines.iter().rev().take(4) {
        if let Some(c) = BARE_DATE.captures(l.trim()) {
            return fmt(&c);
        }
    }
    None
}

fn scope(agency: Option<&str>, lines: &[&str]) -> &'static str {
    let Some(a) = agency else {
        return "unknown";
    };
    let a = canon(a);
    let agency_suffixes = [
        "办公厅",
        "办公室",
        "局",
        "厅",
        "委员会",
        "委",
        "中心",
        "院",
        "所",
        "站",
        "队",
        "办事处",
        "管理处",
        "公司",
        "协会",
        "部",
    ];
    if a.ends_with("人民政府") {
        return "government";
    }
    if agency_suffixes.iter().any(|s| a.ends_with(s)) {
        return "agency";
    }
    let gov_suffixes = [
        "省",
        "市",
        "区",
        "县",
        "旗",
        "镇",
        "乡",
        "州",
        "盟",
        "实验区",
        "新区",
        "政府",
    ];
    if gov_suffixes.iter().any(|s| a.ends_with(s)) {
        return "government";
    }
    let aggregate = lines.iter().take(80).any(|l| {
        l.contains("各级行政机关")
            || l.contains("全区各")
            || l.contains("全市各")
            || l.contains("全县各")
    });
    if aggregate {
        "government"
    } else {
        "unknown"
    }
}

/// Evidence that the document is a pre-2019 report (provincial statistics
/// forms, 2008–2018 headings), when it is one.
pub fn legacy_evidence(doc: &Document, report: &Report) -> Option<Vec<String>> {
    const STRONG: &[&str] = &[
        "政府信息公开情况统计表",
        "统计指标",
        "计量单位",
        "指标名称",
        "收到申请数",
        "同意公开答复数",
        "不同意公开答复数",
        "否决公开",
        "受理依申请公开信息总数",
        "收费及减免",
        "回应解读情况",
        "举报投诉数量",
        "全文电子化",
    ];
    let mut text = String::new();
    for l in doc.lines() {
        text.push_str(&l.text);
        text.push('\n');
    }
    for g in doc.tables() {
        for r in &g.rows {
            for c in r {
                text.push_str(&c.text);
                text.push(' ');
            }
        }
    }
    let reportish = report
        .meta
        .title
        .as_deref()
        .is_some_and(|t| t.contains("年度报告") || t.contains("年报"));
    let mut evidence: Vec<String> = STRONG
        .iter()
        .filter(|s| text.contains(**s))
        .map(|s| (*s).to_string())
        .collect();
    let year_old = report.meta.year.is_some_and(|y| y <= 2018);
    if reportish && year_old {
        evidence.insert(0, format!("year {} <= 2018", report.meta.year.unwrap_or(0)));
        evidence.push("no 表三 header (申请人情况 / 本年新收政府信息公开申请数量)".into());
    }
    if (reportish && !evidence.is_empty()) || evidence.len() >= 3 {
        Some(evidence)
    } else {
        None
    }
}

/// Why a readable document is not a report (Chinese).
pub fn not_a_report_reason(doc: &Document, report: &Report) -> String {
    let title = report.meta.title.clone();
    let tables = doc.tables().count();
    match title {
        Some(t) if t.ends_with('函') => {
            format!("标题“{t}”是一份函件，不是年度报告；无年度报告表格")
        }
        Some(t) if t.contains("解读") || t.contains("图解") => {
            format!("标题“{t}”是对年度报告的解读，不是报告本身")
        }
        Some(t) => format!("标题“{t}”不是年度报告，且未找到年度报告的表格（共{tables}个表格）"),
        None => format!("未找到年度报告的标题和表格（共{tables}个表格）"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Source;

    fn meta_of(text: &str) -> crate::schema::Meta {
        let doc = crate::ingest::text::parse(text);
        let mut r = Report::new(Source::default());
        extract(&doc, &mut r);
        r.meta
    }

    #[test]
    fn title_agency_year_period() {
        let m = meta_of("四方台区2024年政府信息公开工作年度报告\n本报告中所列数据的统计期限自2024年1月1日至2024年12月31日止。\n");
        assert_eq!(
            m.title.as_deref(),
            Some("四方台区2024年政府信息公开工作年度报告")
        );
        assert_eq!(m.agency.as_deref(), Some("四方台区"));
        assert_eq!(m.year, Some(2024));
        assert_eq!(
            m.period.as_ref().map(|p| p.end.as_str()),
            Some("2024-12-31")
        );
        assert_eq!(m.published, None);
        assert_eq!(m.scope, "government");
    }

    #[test]
    fn year_first_wrapped_and_chinese_numerals() {
        let m = meta_of("2019年上海市人民政府办公厅政府信息公开工作年度报告\n");
        assert_eq!(m.agency.as_deref(), Some("上海市人民政府办公厅"));
        assert_eq!(m.scope, "agency");
        let m = meta_of(
            "西咸新区底张街道办事处2023年度政府\n信息公开工作年度报告\n（2024年1月20日）\n",
        );
        assert_eq!(
            m.title.as_deref(),
            Some("西咸新区底张街道办事处2023年度政府信息公开工作年度报告")
        );
        assert_eq!(m.year, Some(2023));
        assert_eq!(m.published.as_deref(), Some("2024-01-20"));
        let m = meta_of("某县二〇二三年政府信息公开工作年度报告\n");
        assert_eq!(m.year, Some(2023));
        assert_eq!(m.agency.as_deref(), Some("某县"));
    }
}
