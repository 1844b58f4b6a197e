//! The review pages for oversight offices (政务公开办): `index.html` and
//! `review/<name>.html`, static HTML in Chinese that open from `file://`
//! with no server and nothing fetched from the network.
//!
//! ```text
//! DIR/index.html            every report: status, agency, year, template,
//!                           error and warning counts, filters, run totals
//! DIR/review/<name>.html    one report: header, the three tables drawn in
//!                           the official layout with every problem cell
//!                           marked, the repairs and every finding
//! ```
//!
//! `<name>` is the stem of the report file (`reports/<name>.json`). A page
//! is drawn from a [`View`] of the report (the report itself, or its file's
//! JSON), by whichever worker finishes the report file, and
//! `index.html` is assembled from the rows rendered with it
//! ([`super::parts`]). The CSS and JS are inlined from `review/*.css|js`.
//!
//! # What a page shows
//!
//! Every value cell is a `<td data-cell="t3.row.col">` with the class
//! `c st-<state>` (`st-absent` when the report has no record of the cell),
//! plus `bad` when an error finding names it, `warn` when only warning
//! findings do, and `hint` when an `H-LIKELY-CELL` finding names it. Its
//! text is the value, or the raw text (markers, text), nothing (blank),
//! `缺` (missing or absent) or `？` (ambiguous); its `title` gives the label,
//! the state, the raw text and the position in the source. Cells named by a
//! finding but not drawn in the layout (a subtotal the layout has no place
//! for) are listed in a table of their own, so every named cell is on the
//! page.
//!
//! Reports are hostile input: every interpolated string goes through
//! [`escape`], and the classes come from fixed lists, never from the data.

use super::human::HINT_RULE;
use super::view::{CellInfo, FindingView, Val, View};
use super::{Entry, Totals};
use crate::check::labels::cell_full_zh;
use crate::schema::cell_id;
use crate::schema::{Severity, Status};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

/// The folder of the per-report pages, inside the output directory.
pub const REVIEW_DIR: &str = "review";

/// The overview page, inside the output directory.
pub const INDEX_FILE: &str = "index.html";

const CSS: &str = include_str!("review/style.css");
const PAGE_JS: &str = include_str!("review/page.js");
const INDEX_JS: &str = include_str!("review/index.js");

/// The official note printed in table 三's top-left header cell.
const T3_NOTE: &str = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";

/// The Chinese name of a status.
pub fn status_zh(status: &str) -> &'static str {
    match status {
        "ok" => "完整",
        "partial" => "部分识别",
        "legacy" => "2019年前旧格式",
        "not_a_report" => "非年度报告",
        "error" => "无法读取",
        _ => "未知",
    }
}

/// The CSS class of a status (from a fixed list).
fn status_class(status: &str) -> &'static str {
    match status {
        "ok" => "s-ok",
        "partial" => "s-partial",
        "legacy" => "s-legacy",
        "not_a_report" => "s-not_a_report",
        "error" => "s-error",
        _ => "s-unknown",
    }
}

fn severity_zh(severity: &str) -> &'static str {
    match severity {
        "error" => "错误",
        "warning" => "警告",
        "info" => "提示",
        _ => "其他",
    }
}

fn severity_class(severity: &str) -> &'static str {
    match severity {
        "error" => "sev-error",
        "warning" => "sev-warning",
        _ => "sev-info",
    }
}

/// `(class suffix, Chinese)` of a cell state; unknown states read as such.
fn state_info(state: &str) -> (&'static str, &'static str) {
    match state {
        "ok" => ("ok", "已填数字"),
        "blank" => ("blank", "空白"),
        "marker" => ("marker", "无数据标记"),
        "text" => ("text", "非数字文字"),
        "missing" => ("missing", "缺失（源文件无此单元格）"),
        "derived" => ("derived", "推算"),
        "ambiguous" => ("ambiguous", "有歧义（多种读法）"),
        "mapped" => ("mapped", "由2019年格式映射"),
        "not_in_template" => ("not_in_template", "所用模板无此项"),
        _ => ("unknown", "未知状态"),
    }
}

fn template_zh(template: Option<&str>) -> &'static str {
    match template {
        Some("2021") => "2021版",
        Some("2019") => "2019版",
        Some("common") => "通用",
        Some(_) => "其他",
        None => "未找到",
    }
}

fn repair_zh(action: &str) -> &'static str {
    match action {
        "align_short_row" => "短行对齐",
        "split_glued_digits" => "拆分粘连数字",
        "convert_unit" => "单位换算",
        "rejoin_split_table" => "拼接拆分的表格",
        "transpose" => "行列转置",
        "fullwidth_digits" => "全角数字",
        _ => "其他修正",
    }
}

/// HTML-escapes text for element content and quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// [`escape`], appended to `out`.
pub fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut last = 0;
    // The next of the five characters: two vectorised searches (most of a
    // page's text, Chinese labels and numbers, has none of them).
    while let Some(i) = next_special(&bytes[last..]).map(|i| last + i) {
        let with = match bytes[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        };
        out.push_str(&s[last..i]);
        out.push_str(with);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Where the first `&`, `<`, `>`, `"` or `'` of `b` is.
fn next_special(b: &[u8]) -> Option<usize> {
    let markup = memchr::memchr3(b'&', b'<', b'>', b);
    let quote = memchr::memchr2(b'"', b'\'', &b[..markup.unwrap_or(b.len())]);
    quote.or(markup)
}

/// Percent-encodes a path for a URL: everything but unreserved characters
/// and `/` (so `#`, `?`, `%`, spaces and non-ASCII are safe in an `href`).
pub fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The page file of a report file: `x.txt.json` → `x.txt.html`.
pub fn page_file(report_file: &str) -> String {
    let stem = report_file.strip_suffix(".json").unwrap_or(report_file);
    format!("{stem}.html")
}

/// A `file://` URL for an absolute path.
fn file_url(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    if s.starts_with('/') {
        format!("file://{}", url_path(&s))
    } else {
        format!("file:///{}", url_path(&s))
    }
}

/// `.` and `..` resolved without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The relative path from folder `base` to `target`, both absolute and
/// normalised; `None` when they share no root (another drive).
fn relative_to(target: &Path, base: &Path) -> Option<String> {
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    if t.first() != b.first() {
        return None;
    }
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        return Some(".".into());
    }
    Some(parts.join("/"))
}

/// The link from a page in `page_dir` to the source file `source` (the
/// path as the run was given it): relative when `source` is relative to the
/// working directory `cwd`, a `file://` URL when it is absolute (or when no
/// relative link exists). `page_dir` and `cwd` are absolute; when either is
/// unknown the path is linked as written.
pub fn source_href(source: &str, page_dir: Option<&Path>, cwd: Option<&Path>) -> String {
    let path = Path::new(source);
    if path.is_absolute() {
        return file_url(path);
    }
    let (Some(page_dir), Some(cwd)) = (page_dir, cwd) else {
        return url_path(source);
    };
    let joined = cwd.join(path);
    let abs = fs::canonicalize(&joined).unwrap_or_else(|_| lexical(&joined));
    match relative_to(&abs, &lexical(page_dir)) {
        Some(rel) => url_path(&rel),
        None => file_url(&abs),
    }
}

/// Links of one page.
#[derive(Debug, Clone)]
pub struct Links {
    /// To the source file (see [`source_href`]).
    pub source: String,
    /// To the report JSON.
    pub report: String,
    /// Its text (`reports/<name>.json`).
    pub report_label: String,
    /// Back to `index.html`.
    pub index: String,
}

// ---------------------------------------------------------------------------
// index.html

fn rule_summary_zh(rule: &str) -> &'static str {
    crate::check::RULES
        .iter()
        .find(|r| r.id() == rule)
        .map_or("", |r| r.summary_zh())
}

pub(super) fn write_index_head(w: &mut dyn Write, totals: &Totals) -> io::Result<()> {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<title>政府信息公开工作年度报告 审核总览</title>\n<style>\n");
    h.push_str(CSS);
    h.push_str("</style>\n</head>\n<body>\n<h1>政府信息公开工作年度报告 审核总览</h1>\n");
    let _ = writeln!(
        h,
        "<p class=\"muted\">由 ogi {} 生成。数据文件：<a href=\"dataset.csv\">dataset.csv</a> · \
         <a href=\"dataset.jsonl\">dataset.jsonl</a> · <a href=\"findings.csv\">findings.csv</a> · \
         <a href=\"summary.json\">summary.json</a></p>",
        escape(env!("CARGO_PKG_VERSION"))
    );

    // Totals.
    h.push_str("<section class=\"totals\" id=\"totals\">\n");
    let _ = writeln!(
        h,
        "<div><div class=\"big\" id=\"total-files\">{}</div>份文件</div>",
        totals.inputs
    );
    if totals.reports != totals.inputs {
        let _ = writeln!(
            h,
            "<div><div class=\"big\" id=\"total-reports\">{}</div>份报告</div>",
            totals.reports
        );
    }
    h.push_str("<table id=\"by-status\"><caption>按状态</caption><tbody>\n");
    for s in Status::ALL {
        let _ = writeln!(
            h,
            "<tr><th><span class=\"status {}\">{}</span></th><td class=\"n\">{}</td></tr>",
            status_class(s.as_str()),
            status_zh(s.as_str()),
            totals.status(s)
        );
    }
    h.push_str("</tbody></table>\n");
    h.push_str(
        "<table id=\"by-rule\"><caption>错误与警告（按规则）</caption>\n\
         <thead><tr><th>规则</th><th>说明</th><th>错误</th><th>警告</th></tr></thead><tbody>\n",
    );
    let mut any = false;
    for (rule, sev) in &totals.by_rule {
        let e = sev.get(&Severity::Error).copied().unwrap_or(0);
        let wn = sev.get(&Severity::Warning).copied().unwrap_or(0);
        if e + wn == 0 {
            continue;
        }
        any = true;
        let _ = writeln!(
            h,
            "<tr data-rule=\"{r}\"><td><a href=\"#rule={u}\" class=\"rule\">{r}</a></td><td>{s}</td>\
             <td class=\"n{ec}\">{e}</td><td class=\"n{wc}\">{wn}</td></tr>",
            r = escape(rule),
            u = url_path(rule),
            s = escape(rule_summary_zh(rule)),
            ec = if e > 0 { " has-err" } else { "" },
            wc = if wn > 0 { " has-warn" } else { "" },
        );
    }
    if !any {
        h.push_str("<tr><td colspan=\"4\">无错误或警告</td></tr>\n");
    }
    let _ = writeln!(
        h,
        "</tbody><tfoot><tr><th colspan=\"2\">合计</th><td class=\"n\">{}</td><td class=\"n\">{}</td></tr></tfoot></table>",
        totals.severity(Severity::Error),
        totals.severity(Severity::Warning)
    );
    h.push_str("</section>\n");

    // Filters.
    h.push_str("<div class=\"filters\" id=\"filters\">\n");
    h.push_str(
        "<label>机关 <input id=\"f-agency\" type=\"search\" placeholder=\"输入机关名称\"></label>\n",
    );
    h.push_str("<label>年度 <select id=\"f-year\"><option value=\"\">全部</option>");
    for y in totals.years.iter().rev() {
        let _ = write!(h, "<option value=\"{y}\">{y}</option>");
    }
    if totals.undated > 0 {
        h.push_str("<option value=\"none\">未识别</option>");
    }
    h.push_str("</select></label>\n");
    h.push_str("<label>规则 <select id=\"f-rule\"><option value=\"\">全部</option>");
    for rule in totals.by_rule.keys() {
        let s = rule_summary_zh(rule);
        let _ = write!(
            h,
            "<option value=\"{r}\">{r}{sep}{s}</option>",
            r = escape(rule),
            sep = if s.is_empty() { "" } else { " " },
            s = escape(s)
        );
    }
    h.push_str("</select></label>\n");
    h.push_str(
        "<label>级别 <select id=\"f-sev\"><option value=\"\">全部</option>\
         <option value=\"error\">错误</option><option value=\"warning\">警告</option>\
         <option value=\"info\">提示</option></select></label>\n",
    );
    h.push_str("<label>状态 <select id=\"f-status\"><option value=\"\">全部</option>");
    for s in Status::ALL {
        let _ = write!(
            h,
            "<option value=\"{}\">{}</option>",
            s.as_str(),
            status_zh(s.as_str())
        );
    }
    h.push_str("</select></label>\n");
    let _ = writeln!(
        h,
        "<button type=\"button\" id=\"f-reset\">清除筛选</button>\
         <span>显示 <b id=\"shown\">{n}</b> / {n} 份</span>\n</div>",
        n = totals.reports
    );

    h.push_str(
        "<table class=\"list\" id=\"reports\">\n<thead><tr><th>文件</th><th>状态</th><th>机关</th>\
         <th>年度</th><th>模板（表二/表三/表四）</th><th>错误</th><th>警告</th><th>审核页</th></tr></thead>\n<tbody>\n",
    );
    w.write_all(h.as_bytes())
}

pub(super) fn write_index_row(
    w: &mut dyn Write,
    view: &View<'_>,
    entry: &Entry,
    page: &str,
) -> io::Result<()> {
    let status = entry.status.as_str();
    let agency = entry.agency.as_deref().unwrap_or("");
    let year = entry.year.map(|y| y.to_string());
    let rs: Vec<String> = entry
        .rules
        .iter()
        .map(|(r, s, _)| format!("{r}:{}", s.as_str()))
        .collect();
    let template = |k: usize| template_zh(view.templates[k].as_str());
    let errors = entry.count(Severity::Error);
    let warnings = entry.count(Severity::Warning);
    let href = format!("{REVIEW_DIR}/{}", url_path(page));
    let title = view.title.as_str().unwrap_or("");
    let row = format!(
        "<tr data-file=\"{file}\" data-agency=\"{agency}\" data-year=\"{year}\" data-status=\"{status}\" data-rs=\"{rs}\">\
         <td class=\"file\"><a href=\"{href}\" title=\"{title}\">{path}</a></td>\
         <td><span class=\"status {sc}\">{sz}</span></td><td>{agency_text}</td><td>{year_text}</td>\
         <td>{t2} / {t3} / {t4}</td><td class=\"n{ec}\">{errors}</td><td class=\"n{wc}\">{warnings}</td>\
         <td><a href=\"{href}\">查看</a></td></tr>\n",
        file = escape(page),
        agency = escape(agency),
        year = escape(year.as_deref().unwrap_or("none")),
        status = escape(status),
        rs = escape(&rs.join(" ")),
        href = escape(&href),
        title = escape(title),
        path = match &entry.sheet {
            Some(sheet) => format!(
                "{}<span class=\"muted\">（工作表 {}）</span>",
                escape(&entry.path),
                escape(sheet)
            ),
            None => escape(&entry.path),
        },
        sc = status_class(status),
        sz = status_zh(status),
        agency_text = if agency.is_empty() {
            "<span class=\"muted\">未识别</span>".to_string()
        } else {
            escape(agency)
        },
        year_text = escape(year.as_deref().unwrap_or("—")),
        t2 = template(0),
        t3 = template(1),
        t4 = template(2),
        ec = if errors > 0 { " has-err" } else { "" },
        wc = if warnings > 0 { " has-warn" } else { "" },
    );
    w.write_all(row.as_bytes())
}

pub(super) fn write_index_tail(w: &mut dyn Write) -> io::Result<()> {
    let mut t = String::from("</tbody>\n</table>\n<script>\n");
    t.push_str(INDEX_JS);
    t.push_str("</script>\n</body>\n</html>\n");
    w.write_all(t.as_bytes())
}

// ---------------------------------------------------------------------------
// review/<name>.html

/// Findings that mark cells and are listed beside the tables.
fn marks_cells(f: &FindingView<'_>) -> bool {
    is_hint(f) || matches!(f.severity_str(), "error" | "warning")
}

fn is_hint(f: &FindingView<'_>) -> bool {
    f.rule_str() == HINT_RULE
}

/// What the findings say about one cell.
#[derive(Default)]
struct Mark {
    error: bool,
    warning: bool,
    hint: Option<String>,
    refs: Vec<usize>,
}

/// A page being drawn.
struct Page<'a> {
    view: &'a View<'a>,
    /// Every cell record, by id.
    info: foldhash::HashMap<&'a str, CellInfo<'a>>,
    findings: &'a [FindingView<'a>],
    marks: foldhash::HashMap<&'a str, Mark>,
    /// Every cell drawn so far, with the section it was drawn in.
    drawn: foldhash::HashMap<String, &'static str>,
    html: String,
}

/// The first two lines of a value cell's title, escaped: the cell's label
/// with its table, and its id. Those of the canonical cells are made once.
fn title_head(id: &str) -> std::borrow::Cow<'static, str> {
    fn make(id: &str) -> String {
        escape(&format!("{}\n{id}", cell_full_zh(id)))
    }
    static HEADS: OnceLock<foldhash::HashMap<String, String>> = OnceLock::new();
    let heads = HEADS.get_or_init(|| {
        let mut ids = crate::schema::all_value_ids();
        ids.extend(crate::schema::t3_ids(crate::schema::Template::Y2019));
        ids.into_iter()
            .map(|id| (make(&id), id))
            .map(|(h, id)| (id, h))
            .collect()
    });
    match heads.get(id) {
        Some(head) => std::borrow::Cow::Borrowed(head.as_str()),
        None => std::borrow::Cow::Owned(make(id)),
    }
}

impl<'a> Page<'a> {
    fn new(view: &'a View<'a>) -> Page<'a> {
        let mut marks: foldhash::HashMap<&'a str, Mark> = foldhash::HashMap::default();
        for f in &view.findings {
            if !marks_cells(f) {
                continue;
            }
            for &id in &f.cells {
                let m = marks.entry(id).or_default();
                if !m.refs.contains(&f.n) {
                    m.refs.push(f.n);
                }
                if is_hint(f) {
                    let fits = f
                        .detail
                        .and_then(|d| d.get("fits"))
                        .map(|v| Val::of(Some(v)))
                        .or(Some(f.expected).filter(|v| !v.is_null()))
                        .map(|v| v.text().into_owned());
                    m.hint = Some(fits.unwrap_or_default());
                } else if f.severity_str() == "error" {
                    m.error = true;
                } else {
                    m.warning = true;
                }
            }
        }
        Page {
            view,
            info: view.cells.iter().copied().collect(),
            findings: &view.findings,
            marks,
            // Every canonical cell, and a few more.
            drawn: foldhash::HashMap::with_capacity_and_hasher(256, Default::default()),
            html: String::with_capacity(64 * 1024),
        }
    }

    /// The template of table 二 (0), 三 (1) or 四 (2).
    fn template(&self, k: usize) -> Option<&'a str> {
        self.view.templates[k].as_str()
    }

    fn has_cells(&self, prefix: &str) -> bool {
        self.info
            .iter()
            .any(|(id, info)| id.starts_with(prefix) && info.state != "not_in_template")
            || self
                .findings
                .iter()
                .any(|f| f.cells.iter().any(|c| c.starts_with(prefix)))
    }

    /// One value cell.
    fn cell(&mut self, id: String, colspan: usize, section: &'static str) {
        self.draw(&id, colspan, section);
        self.drawn.insert(id, section);
    }

    /// The markup of value cell `id`.
    fn draw(&mut self, id: &str, colspan: usize, section: &'static str) {
        let record = self.info.get(id).copied();
        let (class, state_zh) = match record {
            Some(info) => state_info(info.state),
            None => ("absent", "报告中没有此单元格"),
        };
        let info = record.unwrap_or_default();
        let raw = info.raw;
        let value = || self.view.values.get(id).copied().filter(|v| !v.is_null());
        let mut digits = itoa::Buffer::new();
        let number;
        let shown: &str = match class {
            "ok" | "derived" | "mapped" => match value() {
                Some(Val::Str(s)) => s,
                Some(Val::Int(i)) => digits.format(i),
                Some(v) => {
                    number = v.text();
                    &number
                }
                None => raw.unwrap_or(""),
            },
            "marker" | "text" | "unknown" => raw.unwrap_or(""),
            "missing" | "absent" => "缺",
            "ambiguous" => "？",
            "not_in_template" => "—",
            _ => "",
        };

        // The title: one line per fact, escaped at the end (its first two
        // lines, the same on every page, come escaped from `title_head`).
        // Pieces are pushed, not formatted: this runs for every cell.
        let mut title = String::with_capacity(160);
        title.push_str("\n状态：");
        title.push_str(state_zh);
        if let Some(raw) = raw {
            title.push_str("\n原文：");
            title.push_str(raw);
        }
        if let Some(at) = info.at {
            let mut digits = itoa::Buffer::new();
            title.push_str("\n位置：");
            if let (Some(t), Some(r), Some(c)) = (at.table, at.row, at.col) {
                title.push_str("源文件第");
                title.push_str(digits.format(t.saturating_add(1)));
                title.push_str("个表格 第");
                title.push_str(digits.format(r.saturating_add(1)));
                title.push_str("行 第");
                title.push_str(digits.format(c.saturating_add(1)));
                title.push('列');
            }
            if let Some(line) = at.line {
                title.push_str("（文本第");
                title.push_str(digits.format(line));
                title.push_str("行）");
            }
        }
        if let Some(rule) = info.rule {
            match class {
                "derived" => {
                    title.push_str("\n由 ");
                    title.push_str(rule);
                    title.push_str(" 推算");
                }
                _ => {
                    title.push_str("\n来源：");
                    title.push_str(rule);
                }
            }
        }

        let html = &mut self.html;
        html.push_str("<td");
        if colspan > 1 {
            let _ = write!(html, " colspan=\"{colspan}\"");
        }
        html.push_str(" class=\"c st-");
        html.push_str(class);
        let mark = self.marks.get(id);
        if let Some(m) = mark {
            if m.error {
                html.push_str(" bad");
            } else if m.warning {
                html.push_str(" warn");
            }
            if let Some(fits) = &m.hint {
                html.push_str(" hint");
                let _ = write!(title, "\n建议核对：若为 {fits}，相关校验均成立");
            }
            title.push_str("\n问题：");
            for (k, n) in m.refs.iter().enumerate() {
                if k > 0 {
                    title.push('、');
                }
                let _ = write!(title, "#{n}");
            }
        }
        html.push_str("\" data-cell=\"");
        escape_into(html, id);
        html.push_str("\" title=\"");
        html.push_str(&title_head(id));
        escape_into(html, &title);
        html.push_str("\"><span class=\"v\">");
        escape_into(html, shown);
        html.push_str("</span>");
        if let Some(m) = mark {
            if let Some(fits) = &m.hint {
                html.push_str("<span class=\"sug\">建议→");
                escape_into(html, fits);
                html.push_str("</span>");
            }
            html.push_str("<span class=\"refs\">");
            for n in &m.refs {
                let _ = write!(html, "<a href=\"#{section}-f{n}\">{}</a>", circled(*n));
            }
            html.push_str("</span>");
        }
        html.push_str("</td>");
    }

    /// Findings that mark cells drawn in `section`, as a list beside the table.
    fn notes(&mut self, section: &'static str) {
        let mut items = String::new();
        for f in self.findings.iter().filter(|f| marks_cells(f)) {
            if !f
                .cells
                .iter()
                .any(|c| self.drawn.get(*c).copied() == Some(section))
            {
                continue;
            }
            let (class, text) = if is_hint(f) {
                (
                    "hint",
                    format!(
                        "<span class=\"hinttext\">建议核对：{}</span>",
                        escape(f.message_str())
                    ),
                )
            } else {
                (severity_class(f.severity_str()), escape(f.message_str()))
            };
            let _ = writeln!(
                items,
                "<li id=\"{section}-f{n}\" value=\"{n}\" class=\"{class}\" data-cells=\"{cells}\">\
                 <span class=\"sev\">{sev}</span><span class=\"rule\">{rule}</span> {text} <a href=\"#f{n}\">详情</a></li>",
                n = f.n,
                cells = escape(&f.cells.join(" ")),
                sev = if is_hint(f) { "提示" } else { severity_zh(f.severity_str()) },
                rule = escape(f.rule_str()),
            );
        }
        if items.is_empty() {
            self.html.push_str(
                "<aside class=\"notes\"><p class=\"muted\">本表无错误或警告。</p></aside>\n",
            );
        } else {
            let _ = write!(
                self.html,
                "<aside class=\"notes\"><h3>本表问题</h3><ol>\n{items}</ol></aside>\n"
            );
        }
    }

    fn begin_table(&mut self, section: &'static str, heading: &str, template: Option<&str>) {
        let _ = writeln!(
            self.html,
            "<section id=\"{section}\"><h2>{}</h2>",
            escape(heading)
        );
        if template.is_none() {
            self.html.push_str(
                "<p class=\"missing-table\">未找到此表：以下为官方格式，单元格均缺。</p>\n",
            );
        }
        self.html.push_str("<div class=\"pair\">\n");
    }

    fn end_table(&mut self, section: &'static str) {
        self.notes(section);
        self.html.push_str("</div></section>\n");
    }

    fn table2(&mut self) {
        let template = self.template(0);
        let y2019 = template == Some("2019");
        self.begin_table("t2", "二、主动公开政府信息情况", template);
        let (key, sections) = if y2019 {
            ("t2_2019", T2_2019_LAYOUT)
        } else {
            ("t2", T2_LAYOUT)
        };
        let _ = writeln!(
            self.html,
            "<table class=\"official t2\" data-table=\"{key}\"><tbody>"
        );
        for sec in sections {
            let _ = writeln!(
                self.html,
                "<tr><th colspan=\"4\" class=\"sec\">{}</th></tr>",
                sec.title
            );
            self.html.push_str("<tr><th class=\"lab\">信息内容</th>");
            for (label, span) in sec.header {
                let _ = write!(self.html, "<th colspan=\"{span}\">{label}</th>");
            }
            self.html.push_str("</tr>\n");
            for (row, label, cols) in sec.rows {
                let _ = write!(self.html, "<tr><th class=\"lab\">{label}</th>");
                for (col, span) in *cols {
                    self.cell(format!("{key}.{row}.{col}"), *span, "t2");
                }
                self.html.push_str("</tr>\n");
            }
        }
        self.html.push_str("</tbody></table>\n");
        self.end_table("t2");
    }

    fn table3(&mut self) {
        let template = self.template(1);
        let y2019 = template == Some("2019");
        self.begin_table("t3", "三、收到和处理政府信息公开申请情况", template);

        let org_subtotal =
            self.has_cells_matching(|id| id.starts_with("t3.") && id.ends_with(".org_subtotal"));
        let mut cols: Vec<&str> = vec!["natural_person"];
        cols.extend(crate::schema::T3_ORG_COLS);
        if org_subtotal {
            cols.push("org_subtotal");
        }
        cols.push("total");
        let org_span = if org_subtotal { 6 } else { 5 };

        let _ = writeln!(
            self.html,
            "<table class=\"official t3\" data-table=\"t3\">\n<thead>\n\
             <tr><th class=\"note\" rowspan=\"3\" colspan=\"3\">{T3_NOTE}</th><th colspan=\"{}\">申请人情况</th></tr>\n\
             <tr><th rowspan=\"2\">自然人</th><th colspan=\"{org_span}\">法人或其他组织</th><th rowspan=\"2\">总计</th></tr>\n\
             <tr><th>商业企业</th><th>科研机构</th><th>社会公益组织</th><th>法律服务机构</th><th>其他</th>{}</tr>\n\
             </thead>\n<tbody>",
            cols.len(),
            if org_subtotal { "<th>小计</th>" } else { "" }
        );

        // The result rows, grouped as the format prints them.
        enum Block {
            Item(&'static str, &'static str),
            Group(
                &'static str,
                &'static str,
                &'static [(&'static str, &'static str)],
            ),
        }
        let mut blocks = vec![
            Block::Item("disclosed", "（一）予以公开"),
            Block::Item(
                "partially_disclosed",
                "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            ),
            Block::Group("withheld_subtotal", "（三）不予公开", T3_WITHHELD),
            Block::Group("unavailable_subtotal", "（四）无法提供", T3_UNAVAILABLE),
            Block::Group("not_processed_subtotal", "（五）不予处理", T3_NOT_PROCESSED),
        ];
        if y2019 {
            blocks.push(Block::Item("other_subtotal", "（六）其他处理"));
        } else {
            blocks.push(Block::Group("other_subtotal", "（六）其他处理", T3_OTHER));
        }
        blocks.push(Block::Item("results_total", "（七）总计"));
        // A subtotal row the report added goes first in its group.
        let subtotals: HashSet<&str> = crate::schema::T3_SUBTOTAL_ROWS
            .iter()
            .copied()
            .filter(|r| self.has_cells(&format!("t3.{r}.")))
            .collect();
        let group_len = |sub: &str, members: &[(&str, &str)]| {
            members.len() + usize::from(subtotals.contains(sub))
        };
        let results_rows: usize = blocks
            .iter()
            .map(|b| match b {
                Block::Item(..) => 1,
                Block::Group(sub, _, members) => group_len(sub, members),
            })
            .sum();

        let row_cells = |page: &mut Page, row: &str| {
            for c in &cols {
                page.cell(cell_id("t3", row, c), 1, "t3");
            }
            page.html.push_str("</tr>\n");
        };
        for (row, label) in [
            ("new_received", "一、本年新收政府信息公开申请数量"),
            ("carried_over", "二、上年结转政府信息公开申请数量"),
        ] {
            let _ = write!(
                self.html,
                "<tr data-row=\"{row}\"><th class=\"lab\" colspan=\"3\">{label}</th>"
            );
            row_cells(self, row);
        }
        let mut first = true;
        for block in &blocks {
            let lead = |first: &mut bool| {
                if std::mem::take(first) {
                    format!("<th class=\"l1\" rowspan=\"{results_rows}\">三、本年度办理结果</th>")
                } else {
                    String::new()
                }
            };
            match block {
                Block::Item(row, label) => {
                    let _ = write!(
                        self.html,
                        "<tr data-row=\"{row}\">{}<th class=\"lab\" colspan=\"2\">{label}</th>",
                        lead(&mut first)
                    );
                    row_cells(self, row);
                }
                Block::Group(sub, label, members) => {
                    let n = group_len(sub, members);
                    let mut rows: Vec<(&str, &str)> = Vec::with_capacity(n);
                    if subtotals.contains(sub) {
                        rows.push((sub, "小计（报告自行增加）"));
                    }
                    rows.extend(members.iter().copied());
                    for (i, (row, item)) in rows.iter().enumerate() {
                        let group = if i == 0 {
                            format!("<th class=\"l2 lab\" rowspan=\"{n}\">{label}</th>")
                        } else {
                            String::new()
                        };
                        let _ = write!(
                            self.html,
                            "<tr data-row=\"{row}\">{}{group}<th class=\"l3 lab\">{item}</th>",
                            lead(&mut first)
                        );
                        row_cells(self, row);
                    }
                }
            }
        }
        self.html.push_str(
            "<tr data-row=\"carried_forward\"><th class=\"lab\" colspan=\"3\">四、结转下年度继续办理</th>",
        );
        row_cells(self, "carried_forward");
        self.html.push_str("</tbody></table>\n");
        self.end_table("t3");
    }

    fn has_cells_matching(&self, pred: impl Fn(&str) -> bool) -> bool {
        self.info
            .iter()
            .any(|(id, info)| pred(id) && info.state != "not_in_template")
            || self
                .findings
                .iter()
                .any(|f| f.cells.iter().any(|c| pred(c)))
    }

    fn table4(&mut self) {
        let template = self.template(2);
        self.begin_table("t4", "四、政府信息公开行政复议、行政诉讼情况", template);
        self.html.push_str(
            "<table class=\"official t4\" data-table=\"t4\">\n<thead>\n\
             <tr><th colspan=\"5\">行政复议</th><th colspan=\"10\">行政诉讼</th></tr>\n<tr>",
        );
        for label in T4_LABELS {
            let _ = write!(self.html, "<th rowspan=\"2\">{label}</th>");
        }
        self.html.push_str(
            "<th colspan=\"5\">未经复议直接起诉</th><th colspan=\"5\">复议后起诉</th></tr>\n<tr>",
        );
        for _ in 0..2 {
            for label in T4_LABELS {
                let _ = write!(self.html, "<th>{label}</th>");
            }
        }
        self.html.push_str("</tr>\n</thead>\n<tbody><tr>");
        for g in crate::schema::T4_GROUPS {
            for c in crate::schema::T4_COLS {
                self.cell(cell_id("t4", g, c), 1, "t4");
            }
        }
        self.html.push_str("</tr></tbody></table>\n");
        self.end_table("t4");
    }

    /// Cells the findings name that no table above has a place for.
    fn leftovers(&mut self) {
        let mut ids: Vec<&'a str> = Vec::new();
        for f in self.findings.iter().filter(|f| marks_cells(f)) {
            for &c in &f.cells {
                if !self.drawn.contains_key(c) && !ids.contains(&c) {
                    ids.push(c);
                }
            }
        }
        if ids.is_empty() {
            return;
        }
        self.html.push_str(
            "<section id=\"x\"><h2>其他单元格</h2>\n<p class=\"muted\">问题涉及、但官方表格中没有位置的单元格。</p>\n\
             <div class=\"pair\">\n<table class=\"official extra\"><thead><tr><th>单元格</th><th>值</th></tr></thead><tbody>\n",
        );
        for id in ids {
            let _ = write!(
                self.html,
                "<tr><th class=\"lab\">{}<br><code>{}</code></th>",
                escape(&cell_full_zh(id)),
                escape(id)
            );
            self.cell(id.to_string(), 1, "x");
            self.html.push_str("</tr>\n");
        }
        self.html.push_str("</tbody></table>\n");
        self.end_table("x");
    }

    fn header(&mut self, links: &Links) {
        let v = self.view;
        let title = v.title.as_str();
        let status = v.status.as_str().unwrap_or("");
        let path = v.path.as_str().unwrap_or("");
        let year = Some(v.year).filter(|y| !y.is_null()).map(Val::text);
        let period = match (v.period_start.as_str(), v.period_end.as_str()) {
            (Some(s), Some(e)) => format!("{} 至 {}", escape(s), escape(e)),
            _ => "<span class=\"muted\">未注明</span>".into(),
        };
        let unknown = "<span class=\"muted\">未识别</span>";
        let opt = |v: Option<&str>| v.map_or_else(|| unknown.to_string(), escape);
        let _ = writeln!(
            self.html,
            "<nav class=\"top\"><a href=\"{}\">← 返回审核总览</a></nav>\n<header>\n<h1>{}</h1>",
            escape(&links.index),
            escape(title.unwrap_or(path))
        );
        let (e, wn, i) = self
            .findings
            .iter()
            .fold((0, 0, 0), |n, f| match f.severity_str() {
                "error" => (n.0 + 1, n.1, n.2),
                "warning" => (n.0, n.1 + 1, n.2),
                _ => (n.0, n.1, n.2 + 1),
            });
        let format = v.format.as_str().unwrap_or("");
        let encoding = v.encoding.as_str();
        let sheet = v.sheet.as_str();
        let mut source_note = escape(format);
        if let Some(enc) = encoding {
            let _ = write!(source_note, "，{}", escape(enc));
        }
        if let Some(sheet) = sheet {
            let _ = write!(source_note, "，工作表 {}", escape(sheet));
        }
        if let Some(converted) = v.converted.as_str() {
            let _ = write!(source_note, "，经转换读取（{}）", escape(converted));
        }
        let templates = format!(
            "表二 {} · 表三 {} · 表四 {}",
            template_zh(self.template(0)),
            template_zh(self.template(1)),
            template_zh(self.template(2))
        );
        let _ = writeln!(
            self.html,
            "<dl class=\"meta\">\n\
             <dt>机关</dt><dd id=\"agency\">{agency}</dd>\n\
             <dt>年度</dt><dd id=\"year\">{year}</dd>\n\
             <dt>统计期限</dt><dd>{period}</dd>\n\
             <dt>发布日期</dt><dd>{published}</dd>\n\
             <dt>状态</dt><dd><span class=\"status {sc}\" id=\"status\" data-status=\"{status}\">{sz}</span></dd>\n\
             <dt>模板</dt><dd>{templates}</dd>\n\
             <dt>源文件</dt><dd><a id=\"source-link\" href=\"{src_href}\">{path}</a> <span class=\"muted\">（{source_note}）</span></dd>\n\
             <dt>报告 JSON</dt><dd><a id=\"report-link\" href=\"{rep_href}\">{rep_label}</a></dd>\n\
             <dt>问题</dt><dd>错误 {e} · 警告 {wn} · 提示 {i}</dd>\n</dl>",
            agency = opt(v.agency.as_str()),
            year = year.as_deref().map_or_else(|| unknown.to_string(), escape),
            published = v.published.as_str().map_or_else(|| "<span class=\"muted\">未注明</span>".to_string(), escape),
            sc = status_class(status),
            status = escape(status),
            sz = status_zh(status),
            src_href = escape(&links.source),
            path = escape(path),
            rep_href = escape(&links.report),
            rep_label = escape(&links.report_label),
        );
        self.html.push_str(
            "<div class=\"legend\">图例：\
             <span><span class=\"sw\" style=\"background:var(--bad-bg);outline:2px solid var(--bad);outline-offset:-2px\">1</span>错误涉及</span>\
             <span><span class=\"sw\" style=\"background:var(--warn-bg);outline:2px solid #e09b00;outline-offset:-2px\">1</span>警告涉及</span>\
             <span><span class=\"sw\" style=\"box-shadow:inset 0 0 0 4px var(--hint)\">1</span>建议核对</span>\
             <span><span class=\"sw\" style=\"font-style:italic;color:var(--ok)\">2</span>推算值</span>\
             <span><span class=\"sw\" style=\"background:repeating-linear-gradient(135deg,#fff 0 5px,#ececec 5px 6px)\">&nbsp;</span>空白</span>\
             <span><span class=\"sw\" style=\"color:var(--bad);font-weight:bold\">缺</span>缺失</span>\
             <span><span class=\"sw\" style=\"color:var(--bad);font-weight:bold\">？</span>有歧义</span>\
             <span>鼠标悬停单元格可见原文与位置；单元格角上的圈码链接到对应问题。</span></div>\n</header>\n",
        );
        if let Some((kind, message)) = self.view.error {
            let kind = kind.as_str().unwrap_or("");
            let message = message.as_str().unwrap_or("");
            let _ = writeln!(
                self.html,
                "<div class=\"errorbox\" id=\"error\">无法读取（{}）：{}</div>",
                escape(kind),
                escape(message)
            );
        }
    }

    fn repairs(&mut self) {
        self.html
            .push_str("<section id=\"repairs\"><h2>修正记录</h2>\n");
        let repairs = &self.view.repairs;
        if repairs.is_empty() {
            self.html
                .push_str("<p class=\"muted\">无：所有数值均按源文件原样读取。</p>\n");
        } else {
            self.html.push_str("<ol class=\"repairs\">\n");
            for r in repairs {
                let action = r.action.as_str().unwrap_or("");
                let detail = r.detail.as_str().unwrap_or("");
                let cells = &r.cells;
                let _ = writeln!(
                    self.html,
                    "<li data-cells=\"{}\"><b>{}</b> <code>{}</code>：{}<div class=\"cells\">{}</div></li>",
                    escape(&cells.join(" ")),
                    repair_zh(action),
                    escape(action),
                    escape(detail),
                    cell_list(cells)
                );
            }
            self.html.push_str("</ol>\n");
        }
        self.html.push_str("</section>\n");
    }

    fn findings_list(&mut self) {
        self.html
            .push_str("<section id=\"findings\"><h2>全部问题</h2>\n");
        if self.findings.is_empty() {
            self.html
                .push_str("<p class=\"muted\">无。</p>\n</section>\n");
            return;
        }
        let mut items = String::new();
        for f in self.findings {
            let numbers = match (f.expected, f.actual) {
                (e, a) if !e.is_null() && !a.is_null() => format!(
                    "<span class=\"muted\">（应为 {}，实为 {}）</span>",
                    escape(&e.text()),
                    escape(&a.text())
                ),
                _ => String::new(),
            };
            let class = if is_hint(f) {
                format!("{} hint", severity_class(f.severity_str()))
            } else {
                severity_class(f.severity_str()).to_string()
            };
            let _ = writeln!(
                items,
                "<li id=\"f{n}\" value=\"{n}\" class=\"{class}\" data-rule=\"{rule}\" data-severity=\"{sev_attr}\" data-cells=\"{cells}\">\
                 <span class=\"sev\">{sev}</span><span class=\"rule\">{rule}</span> {msg}{numbers}<div class=\"cells\">{list}</div></li>",
                n = f.n,
                rule = escape(f.rule_str()),
                sev_attr = escape(f.severity_str()),
                cells = escape(&f.cells.join(" ")),
                sev = severity_zh(f.severity_str()),
                msg = escape(f.message_str()),
                list = cell_list(&f.cells),
            );
        }
        let _ = write!(
            self.html,
            "<ol class=\"findings\">\n{items}</ol>\n</section>\n"
        );
    }
}

/// A finding number as a circled digit (①…⑳), `[n]` beyond.
fn circled(n: usize) -> String {
    match u32::try_from(n) {
        Ok(k @ 1..=20) => char::from_u32(0x245F + k).map_or_else(|| format!("[{n}]"), String::from),
        _ => format!("[{n}]"),
    }
}

/// Up to eight cells by their labels, then how many more.
fn cell_list(cells: &[&str]) -> String {
    if cells.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = cells
        .iter()
        .take(8)
        .map(|c| escape(&cell_full_zh(c)))
        .collect();
    let mut s = format!("单元格：{}", shown.join("；"));
    if cells.len() > 8 {
        let _ = write!(s, " 等{}个", cells.len());
    }
    s
}

/// The whole review page of one report.
pub fn render_page(view: &View<'_>, links: &Links) -> String {
    let mut page = Page::new(view);
    let title = view
        .title
        .as_str()
        .or_else(|| view.path.as_str())
        .unwrap_or("");
    let _ = write!(
        page.html,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} · 审核</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        escape(title)
    );
    page.header(links);
    let status = view.status.as_str().unwrap_or("");
    let is_report = matches!(status, "ok" | "partial");
    let mut drew = false;
    if is_report
        || page.template(0).is_some()
        || page.has_cells("t2.")
        || page.has_cells("t2_2019.")
    {
        page.table2();
        drew = true;
    }
    if is_report || page.template(1).is_some() || page.has_cells("t3.") {
        page.table3();
        drew = true;
    }
    if is_report || page.template(2).is_some() || page.has_cells("t4.") {
        page.table4();
        drew = true;
    }
    if !drew {
        let why = match status {
            "legacy" => "此为2019年前旧格式报告，只提取元数据，不绘制表格。",
            "not_a_report" => "此文件不是政府信息公开工作年度报告，未绘制表格。",
            "error" => "文件无法读取，未绘制表格。",
            _ => "未找到表格。",
        };
        let _ = writeln!(page.html, "<p class=\"muted\" id=\"no-tables\">{why}</p>");
    }
    page.leftovers();
    page.repairs();
    page.findings_list();
    let _ = write!(
        page.html,
        "<script>\n{PAGE_JS}</script>\n</body>\n</html>\n"
    );
    page.html
}

// ---------------------------------------------------------------------------
// The official layouts.

/// Cells of a row or headers of a section: (key or label, colspan).
type Spans = &'static [(&'static str, usize)];

/// One 第二十条 section of table 二: its title, its column headers after
/// 信息内容, its rows (key, label, columns).
struct T2Section {
    title: &'static str,
    header: Spans,
    rows: &'static [(&'static str, &'static str, Spans)],
}

const T2_LAYOUT: &[T2Section] = &[
    T2Section {
        title: "第二十条第（一）项",
        header: &[
            ("本年制发件数", 1),
            ("本年废止件数", 1),
            ("现行有效件数", 1),
        ],
        rows: &[
            (
                "regulations",
                "规章",
                &[("issued", 1), ("repealed", 1), ("in_force", 1)],
            ),
            (
                "normative_docs",
                "行政规范性文件",
                &[("issued", 1), ("repealed", 1), ("in_force", 1)],
            ),
        ],
    },
    T2Section {
        title: "第二十条第（五）项",
        header: &[("本年处理决定数量", 3)],
        rows: &[("licensing", "行政许可", &[("decisions", 3)])],
    },
    T2Section {
        title: "第二十条第（六）项",
        header: &[("本年处理决定数量", 3)],
        rows: &[
            ("penalty", "行政处罚", &[("decisions", 3)]),
            ("coercion", "行政强制", &[("decisions", 3)]),
        ],
    },
    T2Section {
        title: "第二十条第（八）项",
        header: &[("本年收费金额（单位：万元）", 3)],
        rows: &[("fees", "行政事业性收费", &[("amount_wan_yuan", 3)])],
    },
];

const T2_2019_ITEMS: Spans = &[("prev_year_items", 1), ("change", 1), ("decisions", 1)];
const T2_2019_ITEM_HEADER: Spans = &[("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 1)];

const T2_2019_LAYOUT: &[T2Section] = &[
    T2Section {
        title: "第二十条第（一）项",
        header: &[
            ("本年新制作数量", 1),
            ("本年新公开数量", 1),
            ("对外公开总数量", 1),
        ],
        rows: &[
            (
                "regulations",
                "规章",
                &[("made", 1), ("published", 1), ("total_published", 1)],
            ),
            (
                "normative_docs",
                "规范性文件",
                &[("made", 1), ("published", 1), ("total_published", 1)],
            ),
        ],
    },
    T2Section {
        title: "第二十条第（五）项",
        header: T2_2019_ITEM_HEADER,
        rows: &[
            ("licensing", "行政许可", T2_2019_ITEMS),
            ("other_services", "其他对外管理服务事项", T2_2019_ITEMS),
        ],
    },
    T2Section {
        title: "第二十条第（六）项",
        header: T2_2019_ITEM_HEADER,
        rows: &[
            ("penalty", "行政处罚", T2_2019_ITEMS),
            ("coercion", "行政强制", T2_2019_ITEMS),
        ],
    },
    T2Section {
        title: "第二十条第（八）项",
        header: &[("上一年项目数量", 1), ("本年增/减", 2)],
        rows: &[(
            "fees",
            "行政事业性收费",
            &[("prev_year_items", 1), ("change", 2)],
        )],
    },
    T2Section {
        title: "第二十条第（九）项",
        header: &[("采购项目数量", 1), ("采购总金额", 2)],
        rows: &[(
            "procurement",
            "政府集中采购",
            &[("project_count", 1), ("total_amount", 2)],
        )],
    },
];

const T3_WITHHELD: &[(&str, &str)] = &[
    ("withheld_state_secret", "1.属于国家秘密"),
    ("withheld_law_prohibited", "2.其他法律行政法规禁止公开"),
    ("withheld_security_stability", "3.危及“三安全一稳定”"),
    ("withheld_third_party", "4.保护第三方合法权益"),
    ("withheld_internal_affairs", "5.属于三类内部事务信息"),
    ("withheld_process_info", "6.属于四类过程性信息"),
    ("withheld_enforcement_file", "7.属于行政执法案卷"),
    ("withheld_admin_inquiry", "8.属于行政查询事项"),
];

const T3_UNAVAILABLE: &[(&str, &str)] = &[
    ("unavailable_not_held", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", "3.补正后申请内容仍不明确"),
];

const T3_NOT_PROCESSED: &[(&str, &str)] = &[
    ("not_processed_petition", "1.信访举报投诉类申请"),
    ("not_processed_repeat", "2.重复申请"),
    ("not_processed_publication", "3.要求提供公开出版物"),
    ("not_processed_excessive", "4.无正当理由大量反复申请"),
    (
        "not_processed_reconfirm",
        "5.要求行政机关确认或重新出具已获取信息",
    ),
];

const T3_OTHER: &[(&str, &str)] = &[
    (
        "other_no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    (
        "other_fee_unpaid",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("other_other", "3.其他"),
];

const T4_LABELS: [&str; 5] = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::write_report;
    use crate::schema::{
        At, CellRecord, CellState, Finding, Num, Repair, Report, Source, Template,
    };
    use scraper::{Html, Selector};
    use serde_json::json;
    use std::collections::BTreeSet;

    const HOSTILE: &str = "<script>alert(\"x\")</script>&'\"><img src=x onerror=alert(1)>";

    /// The page of a report, rendered from the report and from its file's
    /// JSON, which must give the same page.
    fn page_of(r: &Report, links: &Links) -> String {
        let json = crate::output::report_json(r);
        let page = render_page(&View::of_report(r), links);
        assert_eq!(page, render_page(&View::of_json(&json), links));
        page
    }

    fn links() -> Links {
        Links {
            source: "../../in/a.txt".into(),
            report: "../reports/a.txt.json".into(),
            report_label: "reports/a.txt.json".into(),
            index: "../index.html".into(),
        }
    }

    fn record(state: CellState, value: Option<Num>, raw: Option<&str>) -> CellRecord {
        CellRecord {
            value,
            state,
            raw: raw.map(String::from),
            at: Some(At {
                table: 1,
                row: 4,
                col: 3,
                line: Some(40),
            }),
            rule: None,
        }
    }

    /// A 2021 report with every t3/t2/t4 cell `ok` = 0, then the changes
    /// the test needs.
    fn report() -> Report {
        let mut r = Report::new(Source {
            path: "in/a.txt".into(),
            format: "text".into(),
            ..Source::default()
        });
        r.template.t2 = Some(Template::Y2021);
        r.template.t3 = Some(Template::Y2021);
        r.template.t4 = Some(Template::Common);
        for id in crate::schema::t2_ids()
            .into_iter()
            .chain(crate::schema::t3_ids(Template::Y2021))
            .chain(crate::schema::t4_ids())
        {
            r.cells
                .insert(id, record(CellState::Ok, Some(Num::Int(0)), Some("0")));
        }
        r
    }

    fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
        let sel = Selector::parse(css).expect("selector");
        doc.select(&sel).collect()
    }

    fn cells_with(doc: &Html, class: &str) -> BTreeSet<String> {
        select(doc, &format!("td[data-cell].{class}"))
            .iter()
            .filter_map(|e| e.value().attr("data-cell").map(String::from))
            .collect()
    }

    fn cell<'a>(doc: &'a Html, id: &str) -> scraper::ElementRef<'a> {
        let found: Vec<_> = select(doc, "td[data-cell]")
            .into_iter()
            .filter(|e| e.value().attr("data-cell") == Some(id))
            .collect();
        assert_eq!(found.len(), 1, "{id} drawn {} times", found.len());
        found[0]
    }

    fn text(e: scraper::ElementRef) -> String {
        e.text().collect::<String>()
    }

    #[test]
    fn escaping_covers_the_five_characters() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("四方台区"), "四方台区");
    }

    proptest::proptest! {
        #[test]
        fn escaping_matches_a_character_by_character_reading(
            s in "[a&<>\"'四 ]{0,40}",
        ) {
            let mut naive = String::new();
            for c in s.chars() {
                match c {
                    '&' => naive.push_str("&amp;"),
                    '<' => naive.push_str("&lt;"),
                    '>' => naive.push_str("&gt;"),
                    '"' => naive.push_str("&quot;"),
                    '\'' => naive.push_str("&#39;"),
                    c => naive.push(c),
                }
            }
            proptest::prop_assert_eq!(escape(&s), naive);
        }
    }

    #[test]
    fn hostile_strings_stay_text() {
        let mut r = report();
        r.source.path = format!("in/{HOSTILE}.txt");
        r.meta.title = Some(HOSTILE.into());
        r.meta.agency = Some(HOSTILE.into());
        r.cells.insert(
            "t3.disclosed.natural_person".into(),
            record(CellState::Text, None, Some(HOSTILE)),
        );
        r.repairs.push(Repair {
            action: HOSTILE.into(),
            cells: vec![HOSTILE.into()],
            detail: HOSTILE.into(),
        });
        r.findings.push(Finding::new(
            "T3-BALANCE",
            Severity::Error,
            vec!["t3.disclosed.natural_person".into(), HOSTILE.into()],
            HOSTILE,
            HOSTILE,
        ));
        let l = Links {
            source: HOSTILE.into(),
            report: HOSTILE.into(),
            report_label: HOSTILE.into(),
            index: HOSTILE.into(),
        };
        let html = page_of(&r, &l);
        assert!(!html.contains("<script>alert"), "unescaped script");
        assert!(!html.contains("<img"), "unescaped tag");
        let doc = Html::parse_document(&html);
        assert_eq!(
            select(&doc, "script").len(),
            1,
            "only the page's own script"
        );
        assert_eq!(select(&doc, "img").len(), 0);
        let agency = select(&doc, "#agency");
        assert_eq!(text(agency[0]), HOSTILE);
        assert_eq!(text(select(&doc, "h1")[0]), HOSTILE);
        let c = cell(&doc, "t3.disclosed.natural_person");
        assert_eq!(text(select_in(c, ".v")), HOSTILE);
        assert!(c.value().attr("title").unwrap_or("").contains(HOSTILE));
        // The odd cell id is drawn as a leftover cell, still as text.
        assert_eq!(cell(&doc, HOSTILE).value().attr("data-cell"), Some(HOSTILE));
        assert_eq!(
            select(&doc, "#source-link")[0].value().attr("href"),
            Some(HOSTILE)
        );
    }

    fn select_in<'a>(e: scraper::ElementRef<'a>, css: &str) -> scraper::ElementRef<'a> {
        let sel = Selector::parse(css).expect("selector");
        e.select(&sel).next().expect("child")
    }

    #[test]
    fn cells_show_their_state_and_findings() {
        let mut r = report();
        let set = |r: &mut Report, id: &str, rec: CellRecord| {
            r.cells.insert(id.into(), rec);
        };
        set(
            &mut r,
            "t3.new_received.total",
            record(CellState::Missing, None, None),
        );
        set(
            &mut r,
            "t3.carried_over.total",
            record(CellState::Ambiguous, None, Some("12")),
        );
        set(
            &mut r,
            "t3.disclosed.total",
            record(CellState::Blank, None, Some("")),
        );
        set(
            &mut r,
            "t3.disclosed.other_org",
            record(CellState::Marker, None, Some("／")),
        );
        set(
            &mut r,
            "t2.fees.amount_wan_yuan",
            record(CellState::Ok, Some(Num::Dec(36.19)), Some("36.19")),
        );
        let mut derived = record(CellState::Derived, Some(Num::Int(7)), None);
        derived.rule = Some("T3-ROW-TOTAL".into());
        derived.at = None;
        set(&mut r, "t3.results_total.total", derived);
        r.cells.shift_remove("t4.review.total");
        r.findings.push(Finding::new(
            "T3-BALANCE",
            Severity::Error,
            vec![
                "t3.new_received.natural_person".into(),
                "t3.carried_forward.natural_person".into(),
            ],
            "错",
            "bad",
        ));
        r.findings.push(Finding::new(
            "S-ALIGN-GUESS",
            Severity::Warning,
            vec![
                "t3.carried_forward.natural_person".into(),
                "t3.carried_forward.total".into(),
            ],
            "猜",
            "guess",
        ));
        r.findings.push(Finding::new(
            "V-BLANK",
            Severity::Info,
            vec!["t3.disclosed.total".into()],
            "空",
            "blank",
        ));
        r.findings.push(
            Finding::new(
                HINT_RULE,
                Severity::Info,
                vec!["t3.carried_forward.natural_person".into()],
                "表三 结转下年度继续办理·自然人 写作0；若为1，则…均成立",
                "hint",
            )
            .with_numbers(Num::Int(1), Num::Int(0))
            .with_detail(json!({"written": 0, "fits": 1, "clears": ["T3-BALANCE"]})),
        );
        let doc = Html::parse_document(&page_of(&r, &links()));

        let set_of = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            cells_with(&doc, "bad"),
            set_of(&[
                "t3.carried_forward.natural_person",
                "t3.new_received.natural_person"
            ])
        );
        assert_eq!(
            cells_with(&doc, "warn"),
            set_of(&["t3.carried_forward.total"])
        );
        assert_eq!(
            cells_with(&doc, "hint"),
            set_of(&["t3.carried_forward.natural_person"])
        );
        let hinted = cell(&doc, "t3.carried_forward.natural_person");
        assert!(text(hinted).contains("建议→1"), "{}", text(hinted));
        assert!(hinted.html().contains("href=\"#t3-f1\""));
        assert!(hinted.html().contains("href=\"#t3-f4\""));
        // The hint is listed beside the table, in words.
        let note = select(&doc, "#t3-f4");
        assert!(text(note[0]).contains("建议核对：表三 结转下年度继续办理·自然人 写作0"));
        // V-BLANK is info: listed, not marked, not beside the table.
        assert!(select(&doc, "#t3-f3").is_empty());
        assert_eq!(
            select(&doc, "#f3")[0].value().attr("data-rule"),
            Some("V-BLANK")
        );
        assert!(text(select(&doc, "#f3")[0]).contains("提示"));
        assert!(text(select(&doc, "#f1")[0]).contains("错误"));
        assert!(text(select(&doc, "#f2")[0]).contains("警告"));

        let shown = |id: &str| text(select_in(cell(&doc, id), ".v"));
        assert_eq!(shown("t3.new_received.total"), "缺");
        assert_eq!(shown("t3.carried_over.total"), "？");
        assert_eq!(shown("t3.disclosed.total"), "");
        assert_eq!(shown("t3.disclosed.other_org"), "／");
        assert_eq!(shown("t2.fees.amount_wan_yuan"), "36.19");
        assert_eq!(shown("t3.results_total.total"), "7");
        assert_eq!(shown("t4.review.total"), "缺");
        let class = |id: &str| {
            cell(&doc, id)
                .value()
                .attr("class")
                .unwrap_or("")
                .to_string()
        };
        assert!(class("t3.new_received.total").contains("st-missing"));
        assert!(class("t3.carried_over.total").contains("st-ambiguous"));
        assert!(class("t3.disclosed.total").contains("st-blank"));
        assert!(class("t3.results_total.total").contains("st-derived"));
        assert!(class("t4.review.total").contains("st-absent"));
        let title = cell(&doc, "t3.disclosed.other_org")
            .value()
            .attr("title")
            .unwrap_or("")
            .to_string();
        assert!(title.contains("原文：／"), "{title}");
        assert!(title.contains("第2个表格 第5行 第4列"), "{title}");
        assert!(title.contains("文本第40行"), "{title}");
        assert!(cell(&doc, "t3.results_total.total")
            .value()
            .attr("title")
            .unwrap_or("")
            .contains("由 T3-ROW-TOTAL 推算"));
    }

    #[test]
    fn every_canonical_cell_is_drawn_once_in_the_official_layout() {
        let doc = Html::parse_document(&page_of(&report(), &links()));
        let drawn: Vec<String> = select(&doc, "td[data-cell]")
            .iter()
            .filter_map(|e| e.value().attr("data-cell").map(String::from))
            .collect();
        let expected: Vec<String> = crate::schema::t2_ids()
            .into_iter()
            .chain(crate::schema::t3_ids(Template::Y2021))
            .chain(crate::schema::t4_ids())
            .collect();
        assert_eq!(drawn, expected, "cells in official order");
        // Table 三: 3 header rows, 25 body rows; 三、本年度办理结果 spans 22.
        assert_eq!(select(&doc, "table.t3 thead tr").len(), 3);
        assert_eq!(select(&doc, "table.t3 tbody tr").len(), 25);
        let results = select(&doc, "table.t3 th.l1");
        assert_eq!(results[0].value().attr("rowspan"), Some("22"));
        assert_eq!(text(results[0]), "三、本年度办理结果");
        let groups: Vec<(String, Option<&str>)> = select(&doc, "table.t3 th.l2")
            .iter()
            .map(|e| (text(*e), e.value().attr("rowspan")))
            .collect();
        assert_eq!(groups[0], ("（三）不予公开".to_string(), Some("8")));
        assert_eq!(groups[3], ("（六）其他处理".to_string(), Some("3")));
        // Table 二: the four 第二十条 sections; table 四: a 3-level header.
        let sections: Vec<String> = select(&doc, "table.t2 th.sec")
            .iter()
            .map(|e| text(*e))
            .collect();
        assert_eq!(sections.len(), 4);
        assert_eq!(sections[3], "第二十条第（八）项");
        assert_eq!(select(&doc, "table.t4 thead tr").len(), 3);
        assert!(select(&doc, "#x").is_empty(), "no leftover cells");
    }

    #[test]
    fn the_2019_layout_and_added_subtotals() {
        let mut r = report();
        r.cells.clear();
        r.template.t2 = Some(Template::Y2019);
        r.template.t3 = Some(Template::Y2019);
        for id in crate::schema::t2_2019_ids()
            .into_iter()
            .chain(crate::schema::t3_ids(Template::Y2019))
        {
            r.cells
                .insert(id, record(CellState::Ok, Some(Num::Int(1)), Some("1")));
        }
        for c in crate::schema::T3_COLS {
            r.cells.insert(
                format!("t3.withheld_subtotal.{c}"),
                record(CellState::Ok, Some(Num::Int(2)), Some("2")),
            );
        }
        r.cells.insert(
            "t3.new_received.org_subtotal".into(),
            record(CellState::Ok, Some(Num::Int(3)), Some("3")),
        );
        let doc = Html::parse_document(&page_of(&r, &links()));
        assert_eq!(
            select(&doc, "table.t2")[0].value().attr("data-table"),
            Some("t2_2019")
        );
        assert_eq!(select(&doc, "table.t2 th.sec").len(), 5);
        assert_eq!(
            text(select_in(
                cell(&doc, "t2_2019.procurement.total_amount"),
                ".v"
            )),
            "1"
        );
        assert_eq!(
            cell(&doc, "t2_2019.fees.change").value().attr("colspan"),
            Some("2")
        );
        assert!(select(&doc, "td[data-cell^=\"t2.\"]").is_empty());
        // 2019: （六）其他处理 is one row; 23 rows + the added subtotal.
        assert_eq!(select(&doc, "tr[data-row=\"other_subtotal\"]").len(), 1);
        assert!(select(&doc, "tr[data-row=\"other_other\"]").is_empty());
        assert_eq!(select(&doc, "table.t3 tbody tr").len(), 24);
        assert_eq!(
            select(&doc, "table.t3 th.l1")[0].value().attr("rowspan"),
            Some("21")
        );
        assert_eq!(
            select(&doc, "table.t3 th.l2")[0].value().attr("rowspan"),
            Some("9")
        );
        assert_eq!(
            text(select_in(cell(&doc, "t3.withheld_subtotal.total"), ".v")),
            "2"
        );
        // The org_subtotal column: 8 value columns in every row.
        assert_eq!(
            text(select_in(cell(&doc, "t3.new_received.org_subtotal"), ".v")),
            "3"
        );
        assert_eq!(
            select(&doc, "tr[data-row=\"carried_forward\"] td[data-cell]").len(),
            8
        );
    }

    #[test]
    fn unreadable_reports_get_a_page_without_tables() {
        let r = Report::error(
            Source {
                path: "in/x.bin".into(),
                ..Source::default()
            },
            "corrupt",
            "not a zip <file>",
        );
        let doc = Html::parse_document(&page_of(&r, &links()));
        assert!(select(&doc, "td[data-cell]").is_empty());
        assert!(text(select(&doc, "#error")[0]).contains("not a zip <file>"));
        assert!(text(select(&doc, "#no-tables")[0]).contains("无法读取"));
        assert_eq!(
            select(&doc, "#status")[0].value().attr("data-status"),
            Some("error")
        );
    }

    #[test]
    fn relative_links_climb_out_of_the_review_folder() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            relative_to(&p("/w/in/a.txt"), &p("/w/out/review")).as_deref(),
            Some("../../in/a.txt")
        );
        assert_eq!(
            relative_to(&p("/w/out/review/a.txt"), &p("/w/out/review")).as_deref(),
            Some("a.txt")
        );
        assert_eq!(lexical(&p("/w/./in/../x")), p("/w/x"));
        assert_eq!(url_path("a b/年#?%.txt"), "a%20b/%E5%B9%B4%23%3F%25.txt");
        assert_eq!(
            source_href("/abs/年 1.txt", None, None),
            "file:///abs/%E5%B9%B4%201.txt"
        );
        assert_eq!(source_href("rel/a.txt", None, None), "rel/a.txt");

        let dir = tempfile::tempdir().expect("tempdir");
        let root = fs::canonicalize(dir.path()).expect("canon");
        fs::create_dir_all(root.join("in/sub")).expect("mkdir");
        fs::create_dir_all(root.join("out/review")).expect("mkdir");
        fs::write(root.join("in/sub/a b.txt"), b"x").expect("write");
        let href = source_href(
            "in/sub/a b.txt",
            Some(&root.join("out/review")),
            Some(&root),
        );
        assert_eq!(href, "../../in/sub/a%20b.txt");
        let href = source_href(
            "./in/../in/sub/a b.txt",
            Some(&root.join("out/review")),
            Some(&root),
        );
        assert_eq!(href, "../../in/sub/a%20b.txt");
    }

    #[test]
    fn index_lists_every_report_with_escaped_attributes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path();
        let reports = out.join(crate::output::REPORTS_DIR);
        fs::create_dir_all(&reports).expect("mkdir");
        let mut a = report();
        a.meta.agency = Some(HOSTILE.into());
        a.meta.year = Some(2024);
        a.findings.push(Finding::new(
            "T3-BALANCE",
            Severity::Error,
            vec![],
            "x",
            "x",
        ));
        let mut b = Report::error(Source::default(), "empty", "the file is empty");
        b.source.path = "in/b.txt".into();
        write_report(&reports, "a.txt.json", &a).expect("write");
        write_report(&reports, "b.txt.json", &b).expect("write");
        let entries = [
            Entry::new(&a, "a.txt.json".into(), 0.0),
            Entry::new(&b, "b.txt.json".into(), 0.0),
        ];
        let totals = Totals::from_entries(&entries);
        crate::output::parts::write_from_files(out, &entries, &totals).expect("review");
        assert!(out.join("review/a.txt.html").is_file());
        assert!(out.join("review/b.txt.html").is_file());

        let html = fs::read_to_string(out.join(INDEX_FILE)).expect("index");
        assert!(!html.contains("<script>alert"));
        let doc = Html::parse_document(&html);
        let rows = select(&doc, "#reports tbody tr");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].value().attr("data-agency"), Some(HOSTILE));
        assert_eq!(rows[0].value().attr("data-year"), Some("2024"));
        assert_eq!(rows[0].value().attr("data-rs"), Some("T3-BALANCE:error"));
        assert_eq!(rows[1].value().attr("data-status"), Some("error"));
        assert_eq!(rows[1].value().attr("data-year"), Some("none"));
        assert!(text(rows[1]).contains("无法读取"));
        let links: Vec<&str> = select(&doc, "#reports tbody tr td.file a")
            .iter()
            .filter_map(|a| a.value().attr("href"))
            .collect();
        assert_eq!(links, ["review/a.txt.html", "review/b.txt.html"]);
        assert_eq!(text(select(&doc, "#total-files")[0]), "2");
        let years: Vec<String> = select(&doc, "#f-year option")
            .iter()
            .map(|o| text(*o))
            .collect();
        assert_eq!(years, ["全部", "2024", "未识别"]);
        let rule_rows = select(&doc, "#by-rule tbody tr");
        assert_eq!(rule_rows[0].value().attr("data-rule"), Some("T3-BALANCE"));
    }
}
