//! Label text → canonical keys.
//!
//! Labels are compared in a canonical form ([`canon`]): full-width ASCII
//! folded to half-width, all whitespace removed, quotes removed. Matching is
//! by the distinctive words of each official label, so the variants real
//! reports write — `(七)合计`, `结转下一年度继续办理`, `危及三安全一稳定`,
//! `总 计`, annotations appended in brackets — map to the same key.

use std::cell::RefCell;
use std::thread::LocalKey;

/// Canonical form for comparison: half-width, no whitespace, no quotes,
/// `、．` unified to `.` after an enumerator digit.
pub fn canon(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if c.is_whitespace()
            || matches!(
                c,
                '“' | '”' | '"' | '\'' | '‘' | '’' | '「' | '」' | '\u{a0}' | '*'
            )
        {
            continue;
        }
        out.push(match c {
            '〔' | '【' | '[' => '(',
            '〕' | '】' | ']' => ')',
            _ => c,
        });
    }
    out
}

/// Labels longer than this (bytes) are read afresh each time: the memo is
/// for the short labels every report repeats, not for running text.
const MEMO_MAX_LEN: usize = 240;

/// Labels remembered per thread and function before the memo starts over.
const MEMO_MAX_ENTRIES: usize = 4096;

type Cache<T> = RefCell<foldhash::HashMap<Box<str>, T>>;

/// `read(label)`, remembered per thread: a batch reads the same official
/// labels in every report, and each reading runs dozens of substring
/// searches over the canonical form.
fn memo<T: Copy + 'static>(
    cache: &'static LocalKey<Cache<T>>,
    label: &str,
    read: fn(&str) -> T,
) -> T {
    if label.len() > MEMO_MAX_LEN || never_a_label(label) {
        return read(label);
    }
    if let Some(v) = cache.with(|c| c.borrow().get(label).copied()) {
        return v;
    }
    let v = read(label);
    cache.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= MEMO_MAX_ENTRIES {
            c.clear();
        }
        c.insert(label.into(), v);
    });
    v
}

/// Text that cannot be a label: empty, or only digits, signs and
/// separators. Checked before the (allocating) canonical form.
fn never_a_label(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'.' | b',' | b'-' | b'+' | b'/'))
}

/// What a label of table 三 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T3Label {
    /// A canonical data row.
    Row(&'static str),
    /// A group row: （三）不予公开, （四）无法提供, （五）不予处理, （六）其他处理.
    /// The value is the subtotal key the row would carry.
    Group(&'static str),
    /// 三、本年度办理结果.
    ResultsHeader,
    /// A 小计 / 合计 row inside a group.
    Subtotal,
}

/// Matches one label cell of table 三.
pub fn t3_label(label: &str) -> Option<T3Label> {
    thread_local!(static CACHE: Cache<Option<T3Label>> = RefCell::new(foldhash::HashMap::default()));
    memo(&CACHE, label, read_t3_label)
}

fn read_t3_label(label: &str) -> Option<T3Label> {
    if never_a_label(label) {
        return None;
    }
    let c = canon(label);
    if c.is_empty() {
        return None;
    }
    let has = |k: &str| c.contains(k);
    use T3Label::*;
    let row = if has("本年新收") || (has("新收") && has("申请")) {
        Row("new_received")
    } else if has("上年结转") || has("上一年结转") || has("上年度结转") {
        Row("carried_over")
    } else if has("结转下") || has("转下年") || has("结转至下") {
        Row("carried_forward")
    } else if has("部分公开") {
        Row("partially_disclosed")
    } else if has("予以公开") && !has("不予公开") {
        Row("disclosed")
    } else if has("国家秘密") {
        Row("withheld_state_secret")
    } else if has("禁止公开") {
        Row("withheld_law_prohibited")
    } else if has("三安全一稳定") || has("危及") {
        Row("withheld_security_stability")
    } else if has("第三方") {
        Row("withheld_third_party")
    } else if has("内部事务") {
        Row("withheld_internal_affairs")
    } else if has("过程性") {
        Row("withheld_process_info")
    } else if has("执法案卷") {
        Row("withheld_enforcement_file")
    } else if has("行政查询") {
        Row("withheld_admin_inquiry")
    } else if has("不掌握") {
        Row("unavailable_not_held")
    } else if has("另行制作") || has("没有现成") {
        Row("unavailable_needs_creation")
    } else if has("仍不明确") || has("补正后") {
        Row("unavailable_unclear")
    } else if has("信访") || has("举报投诉") {
        Row("not_processed_petition")
    } else if has("重复申请") {
        Row("not_processed_repeat")
    } else if has("出版物") {
        Row("not_processed_publication")
    } else if has("大量反复") {
        Row("not_processed_excessive")
    } else if has("重新出具") || has("确认或") {
        Row("not_processed_reconfirm")
    } else if has("不补正") {
        Row("other_no_correction")
    } else if has("收费通知") || has("缴纳费用") {
        Row("other_fee_unpaid")
    } else if is_other_other(&c) {
        Row("other_other")
    } else if (has("总计") || has("合计")) && !has("小计") && !has("申请人") {
        Row("results_total")
    } else if has("小计") {
        Subtotal
    } else if has("本年度办理结果") || has("办理结果") {
        ResultsHeader
    } else if has("不予公开") {
        Group("withheld_subtotal")
    } else if has("无法提供") {
        Group("unavailable_subtotal")
    } else if has("不予处理") {
        Group("not_processed_subtotal")
    } else if has("其他处理") {
        Group("other_subtotal")
    } else {
        return None;
    };
    Some(row)
}

/// `3.其他`, `（六）3.其他`, `其他处理3.其他`.
fn is_other_other(c: &str) -> bool {
    let rest = c
        .trim_start_matches("(六)")
        .trim_start_matches("其他处理")
        .trim_start_matches("6.");
    matches!(
        rest,
        "3.其他" | "3其他" | "3、其他" | "(3)其他" | "3.其它" | "3、其它"
    )
}

/// Matches a column header of table 三: one of `T3_COLS`, or `org_subtotal`
/// for 法人或其他组织, or `group` for 申请人情况.
pub fn t3_column(label: &str) -> Option<&'static str> {
    thread_local!(static CACHE: Cache<Option<&'static str>> = RefCell::new(foldhash::HashMap::default()));
    memo(&CACHE, label, read_t3_column)
}

fn read_t3_column(label: &str) -> Option<&'static str> {
    if never_a_label(label) {
        return None;
    }
    let c = canon(label);
    let col = if c.contains("自然人") {
        "natural_person"
    } else if c.contains("商业企业") || c == "企业" {
        "commercial_enterprise"
    } else if c.contains("科研机构") {
        "research_institution"
    } else if c.contains("社会公益") || c.contains("公益组织") {
        "public_welfare_org"
    } else if c.contains("法律服务") {
        "legal_service_org"
    } else if c.contains("法人或") {
        "org_subtotal"
    } else if c == "其他" || c == "其它" || c == "其他组织" {
        "other_org"
    } else if c == "总计" || c == "合计" || c == "总数" {
        "total"
    } else {
        return None;
    };
    Some(col)
}

/// Which table-二 row a label names, in either template. The second value
/// is true when the label is the 2019 wording (规范性文件 without 行政).
pub fn t2_row(label: &str) -> Option<&'static str> {
    thread_local!(static CACHE: Cache<Option<&'static str>> = RefCell::new(foldhash::HashMap::default()));
    memo(&CACHE, label, read_t2_row)
}

fn read_t2_row(label: &str) -> Option<&'static str> {
    if never_a_label(label) {
        return None;
    }
    let c = canon(label);
    let row = if c.starts_with("规章") {
        "regulations"
    } else if c.contains("规范性文件") {
        "normative_docs"
    } else if c.starts_with("行政许可") {
        "licensing"
    } else if c.contains("对外管理服务") {
        "other_services"
    } else if c.starts_with("行政处罚") {
        "penalty"
    } else if c.starts_with("行政强制") {
        "coercion"
    } else if c.contains("事业性收费") {
        "fees"
    } else if c.contains("集中采购") {
        "procurement"
    } else {
        return None;
    };
    Some(row)
}

/// A table-二 column header: the canonical column key and its template.
pub fn t2_column(label: &str) -> Option<(&'static str, crate::schema::Template)> {
    thread_local!(static CACHE: Cache<Option<(&'static str, crate::schema::Template)>> = RefCell::new(foldhash::HashMap::default()));
    memo(&CACHE, label, read_t2_column)
}

fn read_t2_column(label: &str) -> Option<(&'static str, crate::schema::Template)> {
    if never_a_label(label) {
        return None;
    }
    use crate::schema::Template::{Y2019, Y2021};
    let c = canon(label);
    let col = if c.contains("制发") {
        ("issued", Y2021)
    } else if c.contains("废止") {
        ("repealed", Y2021)
    } else if c.contains("现行有效") {
        ("in_force", Y2021)
    } else if c.contains("收费金额") {
        ("amount_wan_yuan", Y2021)
    } else if c.contains("本年处理决定") {
        ("decisions", Y2021)
    } else if c.contains("新制作") {
        ("made", Y2019)
    } else if c.contains("新公开") {
        ("published", Y2019)
    } else if c.contains("对外公开总") || c.contains("公开总数") {
        ("total_published", Y2019)
    } else if c.contains("上一年项目") || c.contains("上年项目") {
        ("prev_year_items", Y2019)
    } else if c.contains("增/减") || c.contains("增减") || c.contains("增(减)") {
        ("change", Y2019)
    } else if c.contains("处理决定") {
        ("decisions", Y2019)
    } else if c.contains("采购项目") {
        ("project_count", Y2019)
    } else if c.contains("采购总金额") || c.contains("采购金额") {
        ("total_amount", Y2019)
    } else {
        return None;
    };
    Some(col)
}

/// A table-四 leaf column header.
pub fn t4_column(label: &str) -> Option<&'static str> {
    thread_local!(static CACHE: Cache<Option<&'static str>> = RefCell::new(foldhash::HashMap::default()));
    memo(&CACHE, label, read_t4_column)
}

fn read_t4_column(label: &str) -> Option<&'static str> {
    if never_a_label(label) {
        return None;
    }
    let c = canon(label);
    let col = if c.contains("维持") {
        "upheld"
    } else if c.contains("纠正") {
        "corrected"
    } else if c.contains("其他结果") || c == "其他" {
        "other"
    } else if c.contains("未审结") || c.contains("尚未") {
        "pending"
    } else if c == "总计" || c == "合计" || c == "小计" {
        "total"
    } else {
        return None;
    };
    Some(col)
}

/// A table-四 group header (行政复议 / 未经复议直接起诉 / 复议后起诉).
pub fn t4_group(label: &str) -> Option<&'static str> {
    thread_local!(static CACHE: Cache<Option<&'static str>> = RefCell::new(foldhash::HashMap::default()));
    memo(&CACHE, label, read_t4_group)
}

fn read_t4_group(label: &str) -> Option<&'static str> {
    if never_a_label(label) {
        return None;
    }
    let c = canon(label);
    if c.contains("未经复议") || c.contains("直接起诉") {
        Some("litigation_direct")
    } else if c.contains("复议后起诉") || c.contains("复议后") {
        Some("litigation_after_review")
    } else if c.contains("行政复议") && !c.contains("行政诉讼") {
        Some("review")
    } else {
        None
    }
}

/// Which report section a heading or marker line opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// 二、主动公开政府信息情况.
    T2,
    /// 三、收到和处理政府信息公开申请情况.
    T3,
    /// 四、…行政复议、行政诉讼情况.
    T4,
    /// 五、存在的主要问题… and later sections.
    After,
}

/// Recognises a section heading (a short line).
pub fn section_heading(text: &str) -> Option<Section> {
    // Every heading word below holds one of these characters.
    if never_a_label(text) || !text.contains(['情', '勾', '问', '事', '诉', '申']) {
        return None;
    }
    let c = canon(text);
    if c.chars().count() > 60 {
        return None;
    }
    if c.contains("主动公开政府信息情况") || c.contains("主动公开政府信息的情况")
    {
        Some(Section::T2)
    } else if c.contains("收到和处理政府信息公开申请") || c.contains("勾稽关系") {
        Some(Section::T3)
    } else if c.contains("行政复议") && c.contains("行政诉讼") {
        Some(Section::T4)
    } else if c.contains("存在的主要问题") || c.contains("其他需要报告") {
        Some(Section::After)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t3_labels_and_variants() {
        use T3Label::*;
        assert_eq!(
            t3_label("一、本年新收政府信息公开申请数量"),
            Some(Row("new_received"))
        );
        assert_eq!(t3_label("本年新收申请数量"), Some(Row("new_received")));
        assert_eq!(
            t3_label("四、结转下一年度继续办理"),
            Some(Row("carried_forward"))
        );
        assert_eq!(
            t3_label("3.危及\"三安全一稳定\""),
            Some(Row("withheld_security_stability"))
        );
        assert_eq!(
            t3_label("3. 危及三安全一稳定"),
            Some(Row("withheld_security_stability"))
        );
        assert_eq!(t3_label("(七)合计"), Some(Row("results_total")));
        assert_eq!(t3_label("（七）总 计"), Some(Row("results_total")));
        assert_eq!(t3_label("3.其他"), Some(Row("other_other")));
        assert_eq!(t3_label("（六）其他处理"), Some(Group("other_subtotal")));
        assert_eq!(t3_label("（三）不予公开"), Some(Group("withheld_subtotal")));
        assert_eq!(t3_label("三、本年度办理结果"), Some(ResultsHeader));
        assert_eq!(t3_label("（一）予以公开"), Some(Row("disclosed")));
        assert_eq!(
            t3_label("（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
            Some(Row("partially_disclosed"))
        );
        assert_eq!(t3_label("自然人"), None);
    }

    #[test]
    fn columns() {
        assert_eq!(
            t3_column("商业\n企业"),
            None.or(Some("commercial_enterprise"))
        );
        assert_eq!(t3_column("商业 企业"), Some("commercial_enterprise"));
        assert_eq!(t3_column("总 计"), Some("total"));
        assert_eq!(t3_column("法人或者其他组织"), Some("org_subtotal"));
        assert_eq!(t4_column("结果\n纠正"), Some("corrected"));
        assert_eq!(
            t4_group("行政诉讼（未经复议直接起诉）"),
            Some("litigation_direct")
        );
        assert_eq!(
            t2_column("本年收费金额（单位：万元）"),
            Some(("amount_wan_yuan", crate::schema::Template::Y2021))
        );
        assert_eq!(t2_row("行政规范性文件"), Some("normative_docs"));
        assert_eq!(
            t2_row("规章（设区的市、自治州人民政府应提供相关数据）"),
            Some("regulations")
        );
    }
}
