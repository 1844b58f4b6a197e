//! Tables flattened into running text.
//!
//! Text extracted from PDFs, OCR output and crawled pages often keeps a
//! table's words and numbers but not its cells: labels wrap over several
//! lines (or stand one character per line), page markers (`- 4 -`) sit in the
//! middle, and numbers lose their borders (`（一）予以公开6000017`). The
//! scanner reads the running text of a section in the template's own row
//! order: it finds each row's label (whitespace, quotes and full-width
//! forms ignored), and takes the numbers between that label and the next as
//! the row's cells. Spaces between numbers are borders; digits without
//! spaces are a glued run that the table assemblers split against the
//! arithmetic.

use super::labels::{self, Section, T3Label};
use super::numbers::halfwidth_char;
use super::rows::{Heads, Row, RowKind, ValCell};
use crate::grid::Document;
use crate::schema::At;
use regex::Regex;
use std::sync::LazyLock;

/// The running text with a whitespace-free, canonical twin for matching.
struct Stream {
    text: String,
    /// Byte offset in `text` where each source line starts, with its number.
    lines: Vec<(usize, Option<usize>)>,
    /// Canonical text (no whitespace, half-width, no quotes).
    compact: String,
    /// For each byte of `compact`, the byte offset in `text`.
    map: Vec<usize>,
}

impl Stream {
    fn new(doc: &Document) -> Stream {
        let mut text = String::new();
        let mut lines = Vec::new();
        for l in doc.lines() {
            if is_page_marker(&l.text) {
                continue;
            }
            lines.push((text.len(), l.line));
            text.push_str(&l.text);
            text.push('\n');
        }
        let mut compact = String::with_capacity(text.len());
        let mut map = Vec::with_capacity(text.len());
        for (pos, ch) in text.char_indices() {
            if ch.is_whitespace() || matches!(ch, '“' | '”' | '"' | '\'' | '‘' | '’' | '\u{a0}')
            {
                continue;
            }
            let half = halfwidth_char(ch);
            map.extend(std::iter::repeat_n(pos, half.len_utf8()));
            compact.push(half);
        }
        Stream {
            text,
            lines,
            compact,
            map,
        }
    }

    /// Byte offset in `text` of compact byte offset `c`.
    fn at(&self, c: usize) -> usize {
        self.map.get(c).copied().unwrap_or(self.text.len())
    }

    fn line_of(&self, pos: usize) -> Option<usize> {
        let i = self.lines.partition_point(|(start, _)| *start <= pos);
        i.checked_sub(1).and_then(|i| self.lines[i].1)
    }
}

fn is_page_marker(line: &str) -> bool {
    static PAGE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*$")
            .expect("page regex")
    });
    PAGE.is_match(line)
}

/// A row label pattern of the scanner.
struct RowPat {
    key: &'static str,
    re: Regex,
}

fn pats(list: &[(&'static str, &str)]) -> Vec<RowPat> {
    list.iter()
        .map(|(key, re)| RowPat {
            key,
            re: Regex::new(re).expect("row pattern"),
        })
        .collect()
}

/// Table-三 rows in order (both templates; `other_subtotal` is the 2019
/// single row, matched only when no 2021 sub-row follows).
static T3_PATS: LazyLock<Vec<RowPat>> = LazyLock::new(|| {
    pats(&[
        (
            "new_received",
            r"(?:一[、.,]?)?本年新收(?:政府信息公开)?申请(?:数量)?",
        ),
        (
            "carried_over",
            r"(?:二[、.,]?)?上年结转(?:政府信息公开)?申请(?:数量)?",
        ),
        (
            "disclosed",
            r"(?:三[、.,]?本年度办理结果)?(?:\(一\))?予以公开",
        ),
        (
            "partially_disclosed",
            r"(?:\(二\))?部分公开(?:\(区分处理的,?只计这一情形,?不计其他情形\))?",
        ),
        (
            "withheld_state_secret",
            r"(?:\(三\)不予公开)?(?:1\.?)?属于国家秘密",
        ),
        (
            "withheld_law_prohibited",
            r"(?:2\.?)?其他法律行政法规禁止公开",
        ),
        ("withheld_security_stability", r"(?:3\.?)?危及三安全一稳定"),
        ("withheld_third_party", r"(?:4\.?)?保护第三方合法权益"),
        (
            "withheld_internal_affairs",
            r"(?:5\.?)?属于三类内部事务信息",
        ),
        ("withheld_process_info", r"(?:6\.?)?属于四类过程性信息"),
        ("withheld_enforcement_file", r"(?:7\.?)?属于行政执法案卷"),
        ("withheld_admin_inquiry", r"(?:8\.?)?属于行政查询事项"),
        (
            "unavailable_not_held",
            r"(?:\(四\)无法提供)?(?:1\.?)?本机关不掌握相关政府信息",
        ),
        (
            "unavailable_needs_creation",
            r"(?:2\.?)?没有现成信息需要另行制作",
        ),
        ("unavailable_unclear", r"(?:3\.?)?补正后申请内容仍不明确"),
        (
            "not_processed_petition",
            r"(?:\(五\)不予处理)?(?:1\.?)?信访举报投诉类申请",
        ),
        ("not_processed_repeat", r"(?:2\.?)?重复申请"),
        ("not_processed_publication", r"(?:3\.?)?要求提供公开出版物"),
        (
            "not_processed_excessive",
            r"(?:4\.?)?无正当理由大量反复申请",
        ),
        (
            "not_processed_reconfirm",
            r"(?:5\.?)?要求行政机关确认或重新出具已获取信息",
        ),
        (
            "other_no_correction",
            r"(?:\(六\)其他处理)?(?:1\.?)?申请人无正当理由逾期不补正.{0,3}行政机关不再处理其政府信息公开申请",
        ),
        (
            "other_fee_unpaid",
            r"(?:2\.?)?申请人逾期未按收费通知要求缴纳费用.{0,3}行政机关不再处理其政府信息公开申请",
        ),
        ("other_other", r"3\.?其他"),
        ("other_subtotal", r"\(六\)其他处理"),
        ("results_total", r"\(七\)(?:总计|合计)"),
        (
            "carried_forward",
            r"(?:四[、.,]?)?结转下一?年度(?:继续办理)?",
        ),
    ])
});

static T2_PATS: LazyLock<Vec<RowPat>> = LazyLock::new(|| {
    pats(&[
        ("regulations", r"规章"),
        ("normative_docs", r"(?:行政)?规范性文件"),
        ("licensing", r"行政许可"),
        ("other_services", r"其他对外管理服务事项"),
        ("penalty", r"行政处罚"),
        ("coercion", r"行政强制"),
        ("fees", r"行政事业性收费"),
        ("procurement", r"政府集中采购"),
    ])
});

/// Rows of tables flattened into the document's running text.
pub fn collect(doc: &Document) -> Vec<Row> {
    let s = Stream::new(doc);
    if s.compact.is_empty() {
        return Vec::new();
    }
    let table = doc.tables().count();
    let mut out = Vec::new();
    let c = &s.compact;
    // Section starts are found by words that only the tables print (an
    // introduction names every section heading, so headings alone mislead).
    let t3_head = find_any(c, &["勾稽关系", "申请人情况"], 0)
        .or_else(|| first_row_with_numbers(&s, &T3_PATS[0].re));
    let t4_head = find_t4_heading(c, t3_head.unwrap_or(0));
    let t2_head = find_any(c, &["第二十条第(一)项", "第二十条第(五)项", "信息内容"], 0)
        .filter(|p| t3_head.is_none_or(|t| *p < t));
    let after = find_any(
        c,
        &["存在的主要问题", "其他需要报告的事项"],
        t4_head.or(t3_head).unwrap_or(0),
    );
    // Table 二: from its heading to table 三.
    if let Some(start) = t2_head {
        let end = t3_head.filter(|e| *e > start).unwrap_or(c.len());
        let heads = t2_heads(&c[start..end]);
        scan_rows(
            &s,
            start,
            end,
            &T2_PATS,
            table,
            &mut out,
            RowKind::T2,
            &heads,
            Section::T2,
        );
    }
    // Table 三.
    if let Some(start) = t3_head {
        let end = t4_head.or(after).filter(|e| *e > start).unwrap_or(c.len());
        let mut rows = Vec::new();
        scan_rows(
            &s,
            start,
            end,
            &T3_PATS,
            table,
            &mut rows,
            |key| RowKind::T3(T3Label::Row(key)),
            &Heads::default(),
            Section::T3,
        );
        // The 2019 single （六） row is a group row in 2021 reports.
        let has_2021 = rows.iter().any(|r| {
            matches!(
                r.kind,
                RowKind::T3(T3Label::Row(
                    "other_no_correction" | "other_fee_unpaid" | "other_other"
                ))
            )
        });
        for mut r in rows {
            if r.kind == RowKind::T3(T3Label::Row("other_subtotal")) {
                if has_2021 && r.values.is_empty() {
                    continue;
                }
                r.kind = RowKind::T3(T3Label::Group("other_subtotal"));
            }
            out.push(r);
        }
    }
    // Table 四: the numbers after its last header word.
    if let Some(start) = t4_head {
        let end = after.filter(|e| *e > start).unwrap_or(c.len());
        if let Some(row) = t4_row(&s, start, end, table) {
            out.push(row);
        }
    }
    out
}

fn find_any(c: &str, needles: &[&str], from: usize) -> Option<usize> {
    needles
        .iter()
        .filter_map(|n| c.get(from..).and_then(|h| h.find(n)).map(|i| i + from))
        .min()
}

/// Where table 四 starts: 行政复议 … 行政诉讼 followed by its header words.
fn find_t4_heading(c: &str, from: usize) -> Option<usize> {
    static T4: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"行政复议.{0,12}行政诉讼").expect("t4 regex"));
    let hay = c.get(from..)?;
    T4.find_iter(hay).map(|m| m.start() + from).find(|p| {
        c.get(*p..)
            .is_some_and(|rest| rest.chars().take(60).collect::<String>().contains("维持"))
    })
}

/// The first match of a row pattern that is followed by a number.
fn first_row_with_numbers(s: &Stream, re: &Regex) -> Option<usize> {
    re.find_iter(&s.compact)
        .find(|m| {
            s.compact[m.end()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
        .map(|m| m.start())
}

fn t2_heads(region: &str) -> Heads {
    let mut heads = Heads::default();
    let words = [
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
        "本年处理决定数量",
        "本年收费金额",
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "上一年项目数量",
        "本年增/减",
        "采购项目数量",
        "采购总金额",
    ];
    for w in words {
        if region.contains(w) {
            if let Some(k) = labels::t2_column(w) {
                heads.t2.push(Some(k));
            }
        }
    }
    heads
}

#[allow(clippy::too_many_arguments)]
fn scan_rows(
    s: &Stream,
    start: usize,
    end: usize,
    pats: &[RowPat],
    table: usize,
    out: &mut Vec<Row>,
    kind: impl Fn(&'static str) -> RowKind,
    heads: &Heads,
    section: Section,
) {
    // Find each label in order; a label not found is skipped.
    let mut found: Vec<(&'static str, usize, usize, String)> = Vec::new(); // key, label start, label end (compact), label text
    let mut pos = start;
    for p in pats {
        let Some(hay) = s.compact.get(pos..end) else {
            break;
        };
        if let Some(m) = p.re.find(hay) {
            found.push((
                p.key,
                m.start() + pos,
                m.end() + pos,
                m.as_str().to_string(),
            ));
            pos += m.end();
        }
    }
    for (i, (key, _, lend, label)) in found.iter().enumerate() {
        let vend = found.get(i + 1).map_or(end, |f| f.1);
        let from = s.at(*lend);
        let to = s.at(vend).max(from);
        let values = value_tokens(&s.text[from..to]);
        let row_idx = out.len();
        let cells: Vec<ValCell> = values
            .iter()
            .enumerate()
            .map(|(col, (text, off))| ValCell {
                text: text.clone(),
                at: At {
                    table,
                    row: row_idx,
                    col,
                    line: s.line_of(from + off),
                },
            })
            .collect();
        let cols = (0..cells.len()).collect();
        out.push(Row {
            table,
            row: row_idx,
            labels: vec![label.clone()],
            values: cells,
            cols,
            kind: kind(key),
            section: Some(section),
            expanded: false,
            heads: heads.clone(),
            caption: None,
            transposed: false,
            scanned: true,
        });
    }
}

/// The number tokens at the start of a value region: runs of digits (with a
/// decimal part, a sign, or a unit right after) separated by whitespace.
/// Collection stops at the first other text after a number.
fn value_tokens(region: &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut cur = String::new();
    let mut cur_start = 0usize;
    let flush = |cur: &mut String, start: usize, out: &mut Vec<(String, usize)>| {
        if !cur.is_empty() {
            out.push((std::mem::take(cur), start));
        }
    };
    let chars: Vec<(usize, char)> = region.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (pos, ch) = chars[i];
        let hc = halfwidth_char(ch);
        if hc.is_ascii_digit() {
            if cur.is_empty() {
                cur_start = pos;
            }
            cur.push(hc);
        } else if hc == '.'
            && !cur.is_empty()
            && chars.get(i + 1).is_some_and(|(_, n)| is_digit(*n))
        {
            cur.push('.');
        } else if (hc == '+' || hc == '-') && chars.get(i + 1).is_some_and(|(_, n)| is_digit(*n)) {
            // A sign starts a number, also right after another one: the
            // border before a signed cell was lost (`35-3`).
            flush(&mut cur, cur_start, &mut out);
            cur_start = pos;
            cur.push(hc);
        } else if hc.is_whitespace() || ch == '\u{3000}' {
            flush(&mut cur, cur_start, &mut out);
        } else if !cur.is_empty() && (ch == '元' || ch == '万') {
            cur.push(ch);
        } else if ch == '/' || ch == '—' || ch == '－' {
            // none-markers stand for a cell
            if cur.is_empty() {
                out.push((ch.to_string(), pos));
            } else {
                flush(&mut cur, cur_start, &mut out);
                out.push((ch.to_string(), pos));
            }
        } else {
            flush(&mut cur, cur_start, &mut out);
            if !out.is_empty() {
                break;
            }
        }
        i += 1;
    }
    flush(&mut cur, cur_start, &mut out);
    out
}

/// An ASCII or full-width digit.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn t4_row(s: &Stream, start: usize, end: usize, table: usize) -> Option<Row> {
    let region = s.compact.get(start..end)?;
    // The value run follows the last header word (总计, 尚未审结, …).
    let last_head = ["总计", "合计", "尚未审结", "其他结果"]
        .iter()
        .filter_map(|w| region.rfind(w).map(|i| i + w.len()))
        .max()?;
    let from = s.at(start + last_head);
    let to = s.at(end).max(from);
    let values = value_tokens(&s.text[from..to]);
    if values.is_empty() {
        return None;
    }
    let cells: Vec<ValCell> = values
        .iter()
        .enumerate()
        .map(|(col, (text, off))| ValCell {
            text: text.clone(),
            at: At {
                table,
                row: 0,
                col,
                line: s.line_of(from + off),
            },
        })
        .collect();
    Some(Row {
        table,
        row: 0,
        labels: Vec::new(),
        cols: (0..cells.len()).collect(),
        values: cells,
        kind: RowKind::T4,
        section: Some(Section::T4),
        expanded: false,
        heads: Heads::default(),
        caption: None,
        transposed: false,
        scanned: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_stop_at_text_and_keep_borders() {
        let t: Vec<String> = value_tokens("746 12 0 0 10 1 769\n法提供\n")
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(t, vec!["746", "12", "0", "0", "10", "1", "769"]);
        let t: Vec<String> = value_tokens("0000000三、本年度办理结果")
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(t, vec!["0000000"]);
        let t: Vec<String> = value_tokens("396-10181第二十条")
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(t, vec!["396", "-10181"]);
        // Full-width digits after a sign or a decimal point.
        let t: Vec<String> = value_tokens("６２ -７ ３２３９８９７.３９三、")
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(t, vec!["62", "-7", "3239897.39"]);
        let t: Vec<String> = value_tokens("13575394432.52元三、")
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(t, vec!["13575394432.52元"]);
    }

    #[test]
    fn flattened_t3_rows_are_found_in_order() {
        let text = "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 3 0 0 0 0 0 3\n二、上年结转政府信息公开申请数量0000000\n- 4 -\n三、\n本\n年\n度\n（一）予以公开 1 0 0 0 0 0 1\n";
        let doc = crate::ingest::text::parse(text);
        let rows = collect(&doc);
        let keys: Vec<_> = rows.iter().map(|r| r.kind).collect();
        assert_eq!(
            keys,
            vec![
                RowKind::T3(T3Label::Row("new_received")),
                RowKind::T3(T3Label::Row("carried_over")),
                RowKind::T3(T3Label::Row("disclosed")),
            ]
        );
        assert_eq!(rows[0].values.len(), 7);
        assert_eq!(rows[1].values[0].text, "0000000");
        assert_eq!(rows[2].values.len(), 7);
    }
}
