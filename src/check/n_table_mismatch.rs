//! `N-TABLE-MISMATCH`: a figure the narrative states disagrees with the
//! table cell it describes.
//!
//! ## What it checks
//!
//! The running text (`report.narrative`) often restates the tables: "全年共
//! 收到政府信息公开申请154件，共办结148件，结转至2026年6件". The rule reads a
//! few unambiguous statements and compares each with its cell:
//!
//! | statement | cell |
//! |---|---|
//! | 收到/受理/新收 + 政府信息公开申请 (依申请公开, 信息公开申请) + N件 | `t3.new_received.total`, or `new_received.total + carried_over.total` (reports say 受理/收到 for both scopes) |
//! | 上年结转 N件 | `t3.carried_over.total` |
//! | 办结 / 办理完毕 N件 | `t3.results_total.total` |
//! | 结转下年度 / 结转下一年度 / 结转至{year+1}年 N件, N件结转下年度 | `t3.carried_forward.total` |
//! | (信息公开…) 行政复议 N件/起/宗 | `t4.review.total` |
//! | (信息公开…) 行政诉讼 N件/起/宗 | `t4.litigation_direct.total + t4.litigation_after_review.total` |
//! | 制发(行政)规范性文件 N件 | `t2.normative_docs.issued` (2021 layout) |
//!
//! One finding per disagreeing statement (a statement repeated with the same
//! figure counts once), severity warning; the message quotes the sentence up
//! to the figure's clause (only that clause when this runs over 60
//! characters), and so does `detail.quote`. `expected` is the narrative's
//! figure, `actual` the table's. A statement whose cell holds no
//! number (blank, marker, missing, ambiguous) is counted as not assessable.
//!
//! A false alarm here costs more trust than a miss, so a statement is read
//! only when its meaning is plain. The text is cut into sentences (。！？)
//! and clauses (；，：and brackets), and a clause is used only when
//! - the figure follows its keyword directly (`申请 749 件`, `申请共计154件`;
//!   `N件结转下年度` and `N件已办结` also read);
//! - what comes before the keyword is only a time (全年, 本年度, the report's
//!   year), the whole scope (我局, 本机关, the report's agency; 全区, 我市
//!   only in a government's report — in a bureau's they are more than its
//!   tables) and adverbs (共, 及时, 依法依规): a clause naming a department,
//!   a channel, an applicant type or a list (`行政复议、行政诉讼案件`) is a
//!   part, not the table's total;
//! - it holds no 其中 (nor follows one before a semicolon or a clause with
//!   共), no percentage, no comparison or other period (较, 同比, 去年,
//!   累计, 截至, 月, another year than the report's — `结转至2026年` in a 2025
//!   report names the next year and is part of the keyword);
//! - the applications' object is explicit in the clause: "共受理审批事项117
//!   件", "共受理申请121510件", "共收到15564件咨询投诉件" are not read;
//! - 上年结转, 办结 and 结转下年度 are read only in a sentence whose earlier
//!   (or own) clause stated the applications that way, and that does not talk
//!   about anything else (审批, 咨询, 投诉, 信访, 案件, 复议, …);
//! - 行政复议 and 行政诉讼 are read only when the clause or an earlier one of
//!   the sentence says 信息公开 (or the section heading is the one of table
//!   四): a justice bureau's own reconsideration caseload is not table 四.
//!   A bare 诉讼 N件 right after such a 行政复议 clause reads as 行政诉讼.
//!
//! Reports whose status is legacy, not a report or error are not read.
//!
//! ## Why
//!
//! Readers quote the narrative ("全年共收到申请154件") more than the tables.
//! When the two disagree, one of them is wrong — often a table cell typed in
//! the wrong row, or a narrative kept from last year's report.
//!
//! ## Example
//!
//! A 2025 report writes "2025年，全区共收到政府信息公开申请154件" while its
//! table 三 has 本年新收·总计 150 and 上年结转·总计 0:
//!
//! ```text
//! 正文称“2025年，全区共收到政府信息公开申请154件”，但表三 本年新收·总计为150
//! ```

use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::json;

use super::labels::{cell_full_en, cell_full_zh};
use super::{Context, Rule};
use crate::schema::{Finding, Num, Report, Severity, Status, Template};

/// The rule id.
pub const ID: &str = "N-TABLE-MISMATCH";

/// `N-TABLE-MISMATCH`.
pub struct NTableMismatch;

impl Rule for NTableMismatch {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "a figure stated in the narrative disagrees with the table cell it describes"
    }

    fn summary_zh(&self) -> &'static str {
        "正文所述数字与其对应的表格单元格不一致"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        if matches!(
            report.status,
            Status::Legacy | Status::NotAReport | Status::Error
        ) || report.narrative.is_empty()
        {
            return;
        }
        let found = statements(
            &report.narrative,
            report.meta.year,
            report.meta.agency.as_deref(),
            report.meta.scope != "agency",
        );
        let mut seen: Vec<(Kind, i64)> = Vec::new();
        for s in found {
            if seen.contains(&(s.kind, s.figure)) {
                continue;
            }
            seen.push((s.kind, s.figure));
            compare(self.severity(), &s, report, cx);
        }
    }
}

/// What a statement is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// 收到/受理政府信息公开申请 N件.
    Applications,
    /// 上年结转 N件.
    CarriedOver,
    /// 办结 N件.
    Concluded,
    /// 结转下年度 N件.
    CarriedForward,
    /// 行政复议 N件.
    Review,
    /// 行政诉讼 N件.
    Litigation,
    /// 制发行政规范性文件 N件.
    NormativeDocs,
}

/// A figure the narrative states.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    /// What it counts.
    pub kind: Kind,
    /// The figure.
    pub figure: i64,
    /// The sentence (or clause) to quote.
    pub quote: String,
}

// ---------------------------------------------------------------------------
// Reading the narrative

/// A figure: digits (ASCII or full width), thousands separated by commas.
const NUM: &str = r"(?P<n>[0-9]{1,3}(?:,[0-9]{3})+|[0-9０-９]+)\s*件";
/// A number of cases: 件, 起 or 宗.
const CASES: &str = r"(?P<n>[0-9]{1,3}(?:,[0-9]{3})+|[0-9０-９]+)\s*(?:件|起|宗)";
/// Between a keyword and its figure.
const GAP: &str = r"\s*(?:共计|总计|合计|共|计)?\s*(?:数量|总数|数)?\s*(?:为|达到|达)?\s*";
/// The applications, named explicitly.
const APP_OBJ: &str =
    r"(?:政府信息公开类?申请件?|信息公开申请件?|依申请公开申请|依申请公开类?(?:事项|件)?)";
const APP_VERB: &str = r"(?:新收|收到|受理|接收|接到|收悉)(?:各类)?的?";
/// 结转下年度, 结转至2026年 (the year in group `y`).
const NEXT_YEAR: &str = r"(?:下一?年度?|(?P<y>(?:19|20)[0-9]{2})\s*年度?)";

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static N-TABLE-MISMATCH pattern")
}

/// The patterns, each with its kind. Tried in order; one statement per kind
/// and clause.
static PATTERNS: LazyLock<Vec<(Kind, Regex)>> = LazyLock::new(|| {
    vec![
        (Kind::Applications, re(&format!("{APP_VERB}{APP_OBJ}{GAP}{NUM}"))),
        (
            Kind::Applications,
            re(&format!("{APP_VERB}\\s*{NUM}(?:各类)?的?{APP_OBJ}")),
        ),
        (
            Kind::CarriedOver,
            re(&format!(
                "上一?年度?结转的?(?:政府信息公开申请|信息公开申请|申请)?{GAP}{NUM}"
            )),
        ),
        (
            Kind::Concluded,
            re(&format!(
                "(?:办结|办理完毕)(?:政府信息公开申请|信息公开申请|依申请公开(?:申请|件|事项)?|申请)?{GAP}{NUM}"
            )),
        ),
        (
            Kind::Concluded,
            re(&format!("{NUM}(?:申请)?(?:已|均|全部)?(?:办结|办理完毕)")),
        ),
        (
            Kind::CarriedForward,
            re(&format!(
                "结转(?:至|到)?{NEXT_YEAR}(?:继续办理|办理)?的?(?:申请)?{GAP}{NUM}"
            )),
        ),
        (
            Kind::CarriedForward,
            re(&format!(
                "{NUM}(?:申请)?(?:需|将|已|均)?结转(?:至|到)?{NEXT_YEAR}(?:继续办理|办理)?"
            )),
        ),
        (
            Kind::Review,
            re(&format!("行政复议(?:案件|申请)?{GAP}{CASES}")),
        ),
        (
            Kind::Litigation,
            re(&format!("(?P<adm>行政)?诉讼(?:案件)?{GAP}{CASES}")),
        ),
        (
            Kind::NormativeDocs,
            re(&format!("新?制发了?(?:行政)?规范性文件{GAP}{NUM}")),
        ),
        (
            Kind::NormativeDocs,
            re(&format!("新?制发了?\\s*{NUM}(?:行政)?规范性文件")),
        ),
    ]
});

/// What may stand before a keyword: a time, the reporting body itself,
/// adverbs. (The whole area, 全区 or 我市, is removed beforehand when the
/// report is a government's.)
static PRE_OK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:\s|(?:19|20)[0-9]{2}\s*年度?|全年度?|本年度?|本年内|今年|年内|当年|年度内|报告期内|统计期内|一年来|[我本](?:单位|机关|部门|中心|公司|局|委|办|厅|署|院|会|部|站|所|馆|处)|共计|总共|一共|合计|总计|共|依法依规|依法|依规|及时|按时|按期|已经|已|均|全部|先后)*$",
    )
});

/// The whole area a government reports on: 全区, 全市, 我县, 本市.
static AREA: LazyLock<Regex> =
    LazyLock::new(|| re(r"全(?:区|县|市|省|州|盟|旗|镇|乡|街道)|[我本](?:区|县|市|镇|乡|街道)"));

/// What may also stand before 行政复议 / 行政诉讼: what the case is about.
static PRE_LAW_OK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:\s|(?:19|20)[0-9]{2}\s*年度?|全年度?|本年度?|今年|年内|[我本](?:单位|机关|部门|局|委|办|厅|署|院|会|部)|共计|共有|共|涉及|因|关于|有关|对|政府|信息公开|依申请公开|类|方面|工作|的|引发|引起|被|申请|提起|发生|收到|办理|受理|有|产生)*$",
    )
});

/// What may stand before 上年结转: "（含上年结转5件）".
static PRE_CARRIED_OK: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:\s|含|包含|包括)*$"));

/// Years written in a clause.
static YEAR: LazyLock<Regex> =
    LazyLock::new(|| re(r"((?:19|20)[0-9]{2}|[〇零一二三四五六七八九]{4})\s*年"));

/// A heading: 四、… or （四）….
static HEADING: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])"));

/// Words that put a figure in another period, make it a part, an
/// approximation or a comparison.
const FORBIDDEN: &[&str] = &[
    "去年",
    "上年",
    "上一年",
    "前年",
    "同比",
    "环比",
    "同期",
    "较",
    "比上",
    "累计",
    "截至",
    "截止",
    "以来",
    "历年",
    "月",
    "季度",
    "半年",
    "%",
    "％",
    "百分",
    "其中",
    "平均",
    "占",
    "约",
    "近",
    "超过",
    "以上",
    "以下",
    "不足",
    "左右",
    "余",
];

/// Words that make a sentence about something else than the applications.
const FOREIGN: &[&str] = &[
    "审批",
    "咨询",
    "投诉",
    "信访",
    "建议",
    "提案",
    "来电",
    "来信",
    "留言",
    "热线",
    "12345",
    "工单",
    "诉求",
    "复议",
    "诉讼",
    "案件",
    "政务服务",
    "办件",
];

/// How a report names itself and its year.
struct Reader<'a> {
    /// The statistics year.
    year: Option<i32>,
    /// The reporting body's names: they stand for the whole scope.
    names: Vec<&'a str>,
    /// Whether 全区, 我市… are the report's scope (a government's report;
    /// in a bureau's report they are a larger scope than its tables).
    area: bool,
}

/// The statements the narrative makes, in order. `government` is false for
/// a single body's report (`meta.scope` = `agency`).
pub(crate) fn statements(
    narrative: &[String],
    year: Option<i32>,
    agency: Option<&str>,
    government: bool,
) -> Vec<Statement> {
    // The report's own name stands for its whole scope.
    let mut names: Vec<&str> = Vec::new();
    if let Some(a) = agency.map(str::trim).filter(|a| !a.is_empty()) {
        names.push(a);
        if let Some(short) = a
            .strip_suffix("人民政府")
            .filter(|s| s.chars().count() >= 2)
        {
            names.push(short);
        }
    }
    let reader = Reader {
        year,
        names,
        area: government,
    };
    let mut out = Vec::new();
    let mut law_heading = false;
    for line in narrative {
        if HEADING.is_match(line) && line.chars().count() <= 40 {
            law_heading = line.contains("行政复议") || line.contains("行政诉讼");
        }
        for sentence in line.split(['。', '！', '!', '？', '?']) {
            read_sentence(&reader, sentence, law_heading, &mut out);
        }
    }
    out
}

fn read_sentence(reader: &Reader, sentence: &str, law_heading: bool, out: &mut Vec<Statement>) {
    let year = reader.year;
    let sentence = sentence.trim();
    if sentence.is_empty() || !sentence.contains(['件', '起', '宗']) {
        return;
    }
    let foreign = FOREIGN.iter().any(|w| sentence.contains(w));
    let mut apps_stated = false;
    let mut law_ctx = law_heading;
    let mut in_part = false;
    let mut after_review = false;
    let mut other_time = false;
    for (start, end, new_part) in clauses(sentence) {
        let original = &sentence[start..end];
        if new_part {
            // A 其中 does not reach over a semicolon.
            in_part = false;
        }
        let mut text = original.to_string();
        for n in &reader.names {
            text = text.replace(n, " ");
        }
        if reader.area {
            text = AREA.replace_all(&text, " ").into_owned();
        }
        let was_after_review = std::mem::take(&mut after_review);
        let elsewhen = other_time;
        other_time = time_of(&text, year).unwrap_or(other_time);
        if text.contains("其中") {
            in_part = true;
            continue;
        }
        if in_part {
            // Back to totals only with a clause that says 共 before its figure.
            let head = text
                .split(|c: char| c.is_ascii_digit())
                .next()
                .unwrap_or("");
            if !(head.contains('共') || head.contains("合计") || head.contains("总计")) {
                continue;
            }
            in_part = false;
        }
        let mut kinds_done: Vec<Kind> = Vec::new();
        for (kind, pattern) in PATTERNS.iter() {
            if kinds_done.contains(kind) {
                continue;
            }
            let Some(c) = pattern.captures(&text) else {
                continue;
            };
            let Some(m) = c.get(0) else {
                continue;
            };
            let pre = &text[..m.start()];
            let post = &text[m.end()..];
            let clean = match kind {
                Kind::Review | Kind::Litigation => PRE_LAW_OK.is_match(pre),
                Kind::CarriedOver => PRE_OK.is_match(pre) || PRE_CARRIED_OK.is_match(pre),
                _ => PRE_OK.is_match(pre),
            };
            if !clean || !plain(pre, post, year) || !next_year_ok(&c, year) {
                continue;
            }
            // "2023年，全区共收到…": an earlier clause set another period,
            // and this one does not return to the report's.
            if elsewhen && time_of(pre, year) != Some(false) {
                continue;
            }
            let in_context = match kind {
                Kind::Applications | Kind::NormativeDocs => true,
                Kind::CarriedOver | Kind::Concluded | Kind::CarriedForward => {
                    !foreign && (apps_stated || explicit_apps(m.as_str()))
                }
                Kind::Review => law_ctx || pre.contains("信息公开") || pre.contains("依申请"),
                Kind::Litigation => {
                    let elliptic = c.name("adm").is_none();
                    if elliptic {
                        was_after_review && pre.trim().is_empty()
                    } else {
                        law_ctx
                            || was_after_review
                            || pre.contains("信息公开")
                            || pre.contains("依申请")
                    }
                }
            };
            if !in_context {
                continue;
            }
            let Some(figure) = c.name("n").and_then(|n| parse_figure(n.as_str())) else {
                continue;
            };
            kinds_done.push(*kind);
            match kind {
                Kind::Applications => apps_stated = true,
                Kind::Review => after_review = true,
                _ => {}
            }
            // The sentence up to this clause, unless that is long.
            let upto = sentence[..end].trim();
            let quote = if upto.chars().count() <= 60 {
                upto
            } else {
                original.trim()
            };
            out.push(Statement {
                kind: *kind,
                figure,
                quote: quote.to_string(),
            });
        }
        if text.contains("信息公开") || text.contains("依申请") {
            law_ctx = true;
        }
    }
}

/// The period a text speaks of last: `Some(false)` for the report's year
/// (全年, 今年, 本年度, the year itself), `Some(true)` for another (another
/// year, 去年, 前年, 同期), `None` when it names none. `上年结转` and
/// `结转至{year}年` are keywords, not periods.
fn time_of(text: &str, year: Option<i32>) -> Option<bool> {
    static KEYWORDS: LazyLock<Regex> =
        LazyLock::new(|| re(r"上一?年度?结转|结转(?:至|到)?(?:19|20)[0-9]{2}\s*年度?"));
    static TIMES: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?P<year>(?:19|20)[0-9]{2}|[〇零一二三四五六七八九]{4})\s*年|(?P<this>全年|今年|本年|年内|当年)|(?P<other>去年|上一?年|前年|同期)",
        )
    });
    let text = KEYWORDS.replace_all(text, "|");
    let last = TIMES.captures_iter(&text).last()?;
    if last.name("this").is_some() {
        return Some(false);
    }
    if last.name("other").is_some() {
        return Some(true);
    }
    let y = last.name("year").and_then(|m| parse_year(m.as_str()));
    Some(y.is_none() || y != year)
}

/// Whether a 办结/结转 keyword names the applications itself.
fn explicit_apps(keyword: &str) -> bool {
    keyword.contains("信息公开申请") || keyword.contains("依申请公开")
}

/// No other period, part, comparison or percentage around the figure: the
/// clause outside the match holds no forbidden word and no year but the
/// report's.
fn plain(pre: &str, post: &str, year: Option<i32>) -> bool {
    let outside = format!("{pre}|{post}");
    if FORBIDDEN.iter().any(|w| outside.contains(w)) {
        return false;
    }
    YEAR.captures_iter(&outside).all(|c| {
        let y = c.get(1).and_then(|m| parse_year(m.as_str()));
        y.is_some() && y == year
    })
}

/// `结转至2026年`: the year must be the one after the report's.
fn next_year_ok(c: &Captures, year: Option<i32>) -> bool {
    match c.name("y") {
        None => true,
        Some(y) => match (y.as_str().parse::<i32>(), year) {
            (Ok(y), Some(report)) => y == report + 1,
            _ => false,
        },
    }
}

/// Cuts a sentence into clauses at ；，：brackets, at `,` unless it
/// separates thousands, and at 、 after 件 (a list of counts): their byte
/// ranges, and whether a semicolon opened the clause.
fn clauses(sentence: &str) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut semicolon = false;
    let mut prev: Option<char> = None;
    let mut iter = sentence.char_indices().peekable();
    while let Some((i, ch)) = iter.next() {
        let next = iter.peek().map(|(_, c)| *c);
        let cut = match ch {
            '；' | ';' | '，' | '：' | ':' | '（' | '）' | '(' | ')' | '【' | '】' => true,
            ',' => {
                !(prev.is_some_and(|p| p.is_ascii_digit())
                    && next.is_some_and(|n| n.is_ascii_digit()))
            }
            '、' => sentence[..i].trim_end().ends_with('件'),
            _ => false,
        };
        if cut {
            out.push((start, i, semicolon));
            start = i + ch.len_utf8();
            semicolon = matches!(ch, '；' | ';');
        }
        prev = Some(ch);
    }
    out.push((start, sentence.len(), semicolon));
    out
}

fn parse_figure(s: &str) -> Option<i64> {
    let digits: String = s
        .chars()
        .filter(|c| *c != ',')
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    digits.parse().ok()
}

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
    Some(y)
}

// ---------------------------------------------------------------------------
// Comparing with the tables

/// A cell's whole value.
fn int(report: &Report, id: &str) -> Option<i64> {
    report.value(id).and_then(Num::as_i64)
}

fn compare(severity: Severity, s: &Statement, report: &Report, cx: &mut Context) {
    let figure = s.figure;
    // (cells compared, table value, Chinese and English description of it)
    let (cells, actual, zh, en): (Vec<&str>, i64, String, String) = match s.kind {
        Kind::Applications => {
            let new_id = "t3.new_received.total";
            let over_id = "t3.carried_over.total";
            let Some(new) = int(report, new_id) else {
                cx.skip(ID);
                return;
            };
            if figure == new {
                return;
            }
            let over = match report.state(over_id) {
                Some(st) if st.is_blankish() => Some(0),
                _ => int(report, over_id),
            };
            let Some(over) = over else {
                // It may count the carried-over ones too: cannot tell.
                cx.skip(ID);
                return;
            };
            if figure == new + over {
                return;
            }
            let (mut zh, mut en) = (
                format!("{}为{new}", cell_full_zh(new_id)),
                format!("{} is {new}", cell_full_en(new_id)),
            );
            if over != 0 {
                zh.push_str(&format!("（加上年结转{over}为{}）", new + over));
                en.push_str(&format!(" ({} with the {over} carried over)", new + over));
            }
            (vec![new_id, over_id], new, zh, en)
        }
        Kind::Litigation => {
            let a_id = "t4.litigation_direct.total";
            let b_id = "t4.litigation_after_review.total";
            let (Some(a), Some(b)) = (int(report, a_id), int(report, b_id)) else {
                cx.skip(ID);
                return;
            };
            if figure == a + b {
                return;
            }
            (
                vec![a_id, b_id],
                a + b,
                format!(
                    "{}({a}) + {}({b}) = {}",
                    cell_full_zh(a_id),
                    super::labels::cell_zh(b_id),
                    a + b
                ),
                format!(
                    "{} ({a}) + {} ({b}) = {}",
                    cell_full_en(a_id),
                    super::labels::cell_en(b_id),
                    a + b
                ),
            )
        }
        kind => {
            let id = match kind {
                Kind::CarriedOver => "t3.carried_over.total",
                Kind::Concluded => "t3.results_total.total",
                Kind::CarriedForward => "t3.carried_forward.total",
                Kind::Review => "t4.review.total",
                _ => {
                    if report.template.t2 == Some(Template::Y2019) {
                        return; // the 2019 layout has no 本年制发件数
                    }
                    "t2.normative_docs.issued"
                }
            };
            let Some(v) = int(report, id) else {
                cx.skip(ID);
                return;
            };
            if figure == v {
                return;
            }
            (
                vec![id],
                v,
                format!("{}为{v}", cell_full_zh(id)),
                format!("{} is {v}", cell_full_en(id)),
            )
        }
    };
    let quote = &s.quote;
    cx.report(
        Finding::new(
            ID,
            severity,
            cells.into_iter().map(String::from).collect(),
            format!("正文称“{quote}”，但{zh}"),
            format!("The text says \"{quote}\", but {en}"),
        )
        .with_numbers(Num::Int(figure), Num::Int(actual))
        .with_detail(json!({ "quote": quote })),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one, set};
    use crate::schema::CellState;

    /// What the narrative says, as (kind, figure).
    fn read(lines: &[&str], year: i32) -> Vec<(Kind, i64)> {
        read_as(lines, year, None, true)
    }

    fn read_as(
        lines: &[&str],
        year: i32,
        agency: Option<&str>,
        government: bool,
    ) -> Vec<(Kind, i64)> {
        let narrative: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        statements(&narrative, Some(year), agency, government)
            .into_iter()
            .map(|s| (s.kind, s.figure))
            .collect()
    }

    /// A 2021 report with these totals (each column only in 总计 and 自然人).
    fn report(year: i32, cells: &[(&str, i64)], narrative: &[&str]) -> Report {
        let mut r = load(ID, "pass");
        r.meta.year = Some(year);
        for (id, v) in cells {
            set(&mut r, id, Some(*v), CellState::Ok);
        }
        r.narrative = narrative.iter().map(|l| l.to_string()).collect();
        r
    }

    use Kind::*;

    #[test]
    fn fail_fixture_quotes_the_sentence() {
        let cx = run_one(&NTableMismatch, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1, "{:#?}", cx.findings);
        let f = &cx.findings[0];
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.cells, ["t3.new_received.total", "t3.carried_over.total"]);
        assert_eq!(
            (f.expected, f.actual),
            (Some(Num::Int(154)), Some(Num::Int(150)))
        );
        assert_eq!(
            f.message,
            "正文称“全年共收到政府信息公开申请154件”，但表三 本年新收·总计为150"
        );
        assert_eq!(
            f.message_en,
            "The text says \"全年共收到政府信息公开申请154件\", but Table 3, new applications · total is 150"
        );
        assert!(cx.not_assessable.is_empty());
    }

    #[test]
    fn pass_fixture_reads_every_agreeing_figure() {
        let r = load(ID, "pass");
        let cx = run_one(&NTableMismatch, &r);
        assert!(cx.findings.is_empty(), "{:#?}", cx.findings);
        assert!(cx.not_assessable.is_empty());
        let got = read_as(
            &r.narrative.iter().map(String::as_str).collect::<Vec<_>>(),
            2025,
            r.meta.agency.as_deref(),
            true,
        );
        assert_eq!(
            got,
            [
                (NormativeDocs, 6),
                (Applications, 154),
                (CarriedOver, 4),
                (Concluded, 148),
                (CarriedForward, 6),
                (Review, 3),
                (Litigation, 3)
            ]
        );
    }

    #[test]
    fn real_sentences_that_agree_with_their_tables() {
        // 四方台区 2024 (the seed): table 三 本年新收 2.
        assert_eq!(
            read(&["全年共收到依申请公开2件。"], 2024),
            [(Applications, 2)]
        );
        // 平潭 2021: "70件申请" does not name the applications explicitly,
        // so neither it nor the 办结/结转 that follow are read.
        assert_eq!(
            read(
                &["本年度全区共收到70件申请，及时依法依规办结69件，1件结转下年度继续办理。"],
                2021
            ),
            []
        );
        assert_eq!(
            read(
                &["本年度全区共收到政府信息公开申请70件，及时依法依规办结69件，1件结转下年度继续办理。"],
                2021
            ),
            [(Applications, 70), (Concluded, 69), (CarriedForward, 1)]
        );
        // 平潭 2025: 结转至2026年 names the next year, not a figure.
        let pingtan = ["2025年，全区共收到政府信息公开申请154件，共办结148件，结转至2026年6件。"];
        assert_eq!(
            read(&pingtan, 2025),
            [(Applications, 154), (Concluded, 148), (CarriedForward, 6)]
        );
        let r = report(
            2025,
            &[
                ("t3.new_received.total", 154),
                ("t3.results_total.total", 148),
                ("t3.carried_forward.total", 6),
            ],
            &pingtan,
        );
        let cx = run_one(&NTableMismatch, &r);
        assert!(cx.findings.is_empty(), "{:#?}", cx.findings);
        assert!(cx.not_assessable.is_empty());
        // 沭阳 2025: 749 = 本年新收 713 + 上年结转 36; the semicolon keeps the
        // sentence's subject, the 其中 part is not read.
        let shuyang = ["全县全年共受理政府信息公开申请 749 件，其中自然人申请 741 件，法人或其他组织申请 8 件；共办理 718 件，结转下一年 31 件。"];
        assert_eq!(
            read(&shuyang, 2025),
            [(Applications, 749), (CarriedForward, 31)]
        );
        assert_eq!(read(&["共办理 718 件，结转下一年 31 件。"], 2025), []);
        let mut r = report(
            2025,
            &[
                ("t3.new_received.total", 713),
                ("t3.carried_over.total", 36),
                ("t3.results_total.total", 718),
                ("t3.carried_forward.total", 31),
            ],
            &shuyang,
        );
        assert!(run_one(&NTableMismatch, &r).findings.is_empty());
        // Without the carried-over 36 the 749 is off by it.
        set(&mut r, "t3.carried_over.total", Some(0), CellState::Ok);
        let cx = run_one(&NTableMismatch, &r);
        assert_eq!(cx.findings.len(), 1);
        assert_eq!(
            (cx.findings[0].expected, cx.findings[0].actual),
            (Some(Num::Int(749)), Some(Num::Int(713)))
        );
        // 上海市政府办公厅 2019: the body that receives is named (a part of
        // the scope, as far as a pattern can tell): not read.
        assert_eq!(
            read(
                &["市政府办公厅代表市政府共受理政府信息公开申请859件，申请数量较去年回落12.3%。"],
                2019
            ),
            []
        );
        // …and 复议 7, 诉讼 9 (直接起诉 9, 复议后起诉 0).
        let shanghai = ["信息公开类行政复议7件，诉讼9件，均获维持。"];
        assert_eq!(read(&shanghai, 2019), [(Review, 7), (Litigation, 9)]);
        let r = report(
            2019,
            &[
                ("t4.review.total", 7),
                ("t4.litigation_direct.total", 9),
                ("t4.litigation_after_review.total", 0),
            ],
            &shanghai,
        );
        assert!(run_one(&NTableMismatch, &r).findings.is_empty());
    }

    #[test]
    fn real_sentences_that_must_not_be_read() {
        for (text, year) in [
            ("依法做好相关行政复议、行政诉讼案件的应诉工作，全县共办理相关案件 74 件，有力维护了群众合法权益与政府公信力。", 2025),
            ("依托“平潭12345便民服务平台”，对网民的咨询投诉件及时处理并反馈，截至目前共收到15564件咨询投诉件，已办结15042件。", 2018),
            ("今年我局共受理审批事项117件，办结171件，办结率100%。", 2013),
            ("目前，区县已入驻审批服务部门和单位13个，开设窗口26个，共受理申请121510件。", 2014),
            ("予以公开及部分公开258件，占33.9%。", 2019),
            ("答复政府信息公开申请805件（含上年度结转申请18件，另有72件申请按照《条例》顺延到下年度答复）。", 2019),
            ("通过“中国上海”门户网站主动公开规章13件，行政规范性文件60件。", 2019),
            ("全县行政机关在办理2025年度信息公开申请中收取信息处理费共计380元，其中民政局1件，收取380元。", 2025),
        ] {
            assert_eq!(read(&[text], year), [], "{text}");
        }
    }

    #[test]
    fn other_periods_parts_and_approximations_are_not_read() {
        for text in [
            // another year, in the clause or set by an earlier one
            "2023年共收到政府信息公开申请120件。",
            "2023年，全区共收到政府信息公开申请120件。",
            "去年，全区共收到政府信息公开申请120件。",
            "较2023年同期收到政府信息公开申请增加34件。",
            "累计收到政府信息公开申请1200件。",
            "截至12月底共收到政府信息公开申请154件。",
            "1-6月共收到政府信息公开申请60件。",
            // a part: a department, a channel, an applicant type, 其中
            "区教育局收到政府信息公开申请5件。",
            "通过网上平台收到政府信息公开申请50件。",
            "共收到申请200件，其中政府信息公开申请154件。",
            "共收到申请200件，其中：收到政府信息公开申请154件，咨询46件。",
            "自然人收到政府信息公开申请150件。",
            // a percentage, an approximation
            "全年共收到政府信息公开申请154件占20%。",
            "全年共收到政府信息公开申请约154件。",
            // a justice bureau's own caseload is not table 四
            "全年受理行政复议申请120件，其中涉及政府信息公开的3件。",
            "办理行政复议案件120件。",
            // 办结 in a sentence about something else too
            "全年共收到政府信息公开申请10件，咨询120件，办结118件。",
            // 结转至 a year that is not the next
            "全年共收到政府信息公开申请10件，结转至2026年2件。",
        ] {
            let got = read(&[text], 2024);
            assert!(
                got.iter().all(|(k, _)| *k == Applications) && got.len() <= 1,
                "{text}: {got:?}"
            );
            if !text.contains("10件") {
                assert_eq!(got, [], "{text}");
            }
        }
        // The clause after 较2023年… still reads; one returning to the year too.
        assert_eq!(
            read(
                &["2024年共收到政府信息公开申请154件，较2023年的120件有所增加。"],
                2024
            ),
            [(Applications, 154)]
        );
        assert_eq!(
            read(&["与去年相比，今年共收到政府信息公开申请154件。"], 2024),
            [(Applications, 154)]
        );
    }

    #[test]
    fn figures_are_read_in_their_written_forms() {
        assert_eq!(
            read(&["全年共受理政府信息公开申请 1,234 件。"], 2024),
            [(Applications, 1234)]
        );
        assert_eq!(
            read(&["全年共收到政府信息公开申请１５４件。"], 2024),
            [(Applications, 154)]
        );
        assert_eq!(
            read(
                &["本年度收到政府信息公开申请共计154件，上年结转政府信息公开申请5件。"],
                2024
            ),
            [(Applications, 154), (CarriedOver, 5)]
        );
        assert_eq!(
            read(
                &["我局全年共收到120件政府信息公开申请，120件已办结。"],
                2024
            ),
            [(Applications, 120), (Concluded, 120)]
        );
        assert_eq!(
            read(
                &[
                    "全年新制发规范性文件3件。",
                    "本年度制发12件行政规范性文件。"
                ],
                2024
            ),
            [(NormativeDocs, 3), (NormativeDocs, 12)]
        );
        // The agency's own name is the whole scope.
        assert_eq!(
            read_as(
                &["沐阳县人民政府2025年共收到政府信息公开申请749件。"],
                2025,
                Some("沐阳县人民政府"),
                true
            ),
            [(Applications, 749)]
        );
        // In a bureau's report, 全市/我市 is more than its tables.
        let bureau = |text: &str| read_as(&[text], 2024, Some("某市财政局"), false);
        assert_eq!(bureau("全市共收到政府信息公开申请154件。"), []);
        assert_eq!(bureau("我市共收到政府信息公开申请154件。"), []);
        assert_eq!(
            bureau("2024年，我局共收到政府信息公开申请15件。"),
            [(Applications, 15)]
        );
        assert_eq!(
            bureau("某市财政局全年共收到政府信息公开申请15件。"),
            [(Applications, 15)]
        );
        // Table 四's heading gives 复议/诉讼 their subject.
        assert_eq!(
            read(
                &[
                    "四、政府信息公开行政复议、行政诉讼情况",
                    "本年度发生行政复议3件、行政诉讼2件。"
                ],
                2024
            ),
            [(Review, 3), (Litigation, 2)]
        );
        assert_eq!(read(&["本年度发生行政复议3件、行政诉讼2件。"], 2024), []);
        // 平潭 2025 counts cases in 起 (table 四: 36, 6 + 3).
        assert_eq!(
            read(
                &["全年办理因政府信息公开申请引发的行政复议36起，行政诉讼9起。"],
                2025
            ),
            [(Review, 36), (Litigation, 9)]
        );
    }

    #[test]
    fn each_figure_against_its_cell() {
        let narrative = [
            "全年共收到政府信息公开申请154件，上年结转5件，办结150件，结转下年度9件。",
            "因政府信息公开被申请行政复议4件，被提起行政诉讼6件。",
            "全年制发行政规范性文件7件。",
        ];
        let r = report(
            2024,
            &[
                ("t3.new_received.total", 150),
                ("t3.carried_over.total", 3),
                ("t3.results_total.total", 148),
                ("t3.carried_forward.total", 6),
                ("t4.review.total", 3),
                ("t4.litigation_direct.total", 2),
                ("t4.litigation_after_review.total", 3),
                ("t2.normative_docs.issued", 5),
            ],
            &narrative,
        );
        let cx = run_one(&NTableMismatch, &r);
        let got: Vec<(Vec<String>, Option<Num>, Option<Num>)> = cx
            .findings
            .iter()
            .map(|f| (f.cells.clone(), f.expected, f.actual))
            .collect();
        let cells = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let n = |v| Some(Num::Int(v));
        assert_eq!(
            got,
            [
                (
                    cells(&["t3.new_received.total", "t3.carried_over.total"]),
                    n(154),
                    n(150)
                ),
                (cells(&["t3.carried_over.total"]), n(5), n(3)),
                (cells(&["t3.results_total.total"]), n(150), n(148)),
                (cells(&["t3.carried_forward.total"]), n(9), n(6)),
                (cells(&["t4.review.total"]), n(4), n(3)),
                (
                    cells(&[
                        "t4.litigation_direct.total",
                        "t4.litigation_after_review.total"
                    ]),
                    n(6),
                    n(5)
                ),
                (cells(&["t2.normative_docs.issued"]), n(7), n(5)),
            ]
        );
        assert_eq!(
            cx.findings[0].message,
            "正文称“全年共收到政府信息公开申请154件”，但表三 本年新收·总计为150（加上年结转3为153）"
        );
        assert_eq!(
            cx.findings[5].message,
            "正文称“因政府信息公开被申请行政复议4件，被提起行政诉讼6件”，但表四 行政诉讼（未经复议直接起诉）·总计(2) + 行政诉讼（复议后起诉）·总计(3) = 5"
        );
        assert_eq!(
            cx.findings[6].message,
            "正文称“全年制发行政规范性文件7件”，但表二 行政规范性文件·本年制发件数为5"
        );
        assert!(cx.findings.iter().all(|f| !f.message.contains('\n')));
    }

    #[test]
    fn cells_without_a_number_are_not_assessable() {
        let mut r = load(ID, "fail");
        set(&mut r, "t3.new_received.total", None, CellState::Blank);
        let cx = run_one(&NTableMismatch, &r);
        assert!(cx.findings.is_empty());
        assert_eq!(cx.not_assessable.get(ID), Some(&1));

        // 154 ≠ 150, and the carried-over cell is text: it may be the other scope.
        let mut r = load(ID, "fail");
        set(&mut r, "t3.carried_over.total", None, CellState::Text);
        let cx = run_one(&NTableMismatch, &r);
        assert!(cx.findings.is_empty());
        assert_eq!(cx.not_assessable.get(ID), Some(&1));

        // A blank 复议后起诉 total: table 四 does not report it.
        let mut r = report(
            2019,
            &[("t4.litigation_direct.total", 9)],
            &["信息公开类行政复议3件，诉讼9件。"],
        );
        set(
            &mut r,
            "t4.litigation_after_review.total",
            None,
            CellState::Blank,
        );
        let cx = run_one(&NTableMismatch, &r);
        assert!(cx.findings.is_empty());
        assert_eq!(cx.not_assessable.get(ID), Some(&1));
    }

    #[test]
    fn the_2019_layout_has_no_issued_cell_and_legacy_reports_are_not_read() {
        let mut r = load(ID, "fail");
        r.template.t2 = Some(Template::Y2019);
        r.narrative = vec!["全年制发行政规范性文件7件。".into()];
        let cx = run_one(&NTableMismatch, &r);
        assert!(cx.findings.is_empty() && cx.not_assessable.is_empty());

        let mut r = load(ID, "fail");
        r.status = Status::Legacy;
        let cx = run_one(&NTableMismatch, &r);
        assert!(cx.findings.is_empty() && cx.not_assessable.is_empty());
    }

    #[test]
    fn a_repeated_statement_is_reported_once() {
        let mut r = load(ID, "fail");
        let line = r.narrative[2].clone();
        r.narrative.push(line);
        assert_eq!(run_one(&NTableMismatch, &r).findings.len(), 1);
    }
}
