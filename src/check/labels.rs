//! Official labels of the canonical keys, for messages.
//!
//! Findings name tables, rows and columns the way the report itself prints
//! them (国办公开办函〔2021〕30号 and 〔2019〕60号), so a reader can find the
//! cell in the source without knowing the canonical ids. Each key has a
//! Chinese label (the official wording, shortened only where the official
//! label is a whole sentence such as 一、本年新收政府信息公开申请数量) and an
//! English one. An unknown key falls back to the key itself: a label is never
//! a reason to fail.

/// `(key, Chinese, English)`.
type Label = (&'static str, &'static str, &'static str);

const TABLES: &[Label] = &[
    ("t2", "表二", "Table 2"),
    ("t2_2019", "表二（2019年格式）", "Table 2 (2019 layout)"),
    ("t3", "表三", "Table 3"),
    ("t4", "表四", "Table 4"),
];

const T2_ROWS: &[Label] = &[
    ("regulations", "规章", "regulations"),
    ("normative_docs", "行政规范性文件", "normative documents"),
    ("licensing", "行政许可", "licensing"),
    ("penalty", "行政处罚", "penalties"),
    ("coercion", "行政强制", "coercive measures"),
    ("fees", "行政事业性收费", "administrative fees"),
];

const T2_COLS: &[Label] = &[
    ("issued", "本年制发件数", "issued this year"),
    ("repealed", "本年废止件数", "repealed this year"),
    ("in_force", "现行有效件数", "in force"),
    ("decisions", "本年处理决定数量", "decisions this year"),
    (
        "amount_wan_yuan",
        "本年收费金额（单位：万元）",
        "amount collected (10,000 yuan)",
    ),
];

const T2_2019_ROWS: &[Label] = &[
    ("regulations", "规章", "regulations"),
    ("normative_docs", "规范性文件", "normative documents"),
    ("licensing", "行政许可", "licensing"),
    (
        "other_services",
        "其他对外管理服务事项",
        "other external services",
    ),
    ("penalty", "行政处罚", "penalties"),
    ("coercion", "行政强制", "coercive measures"),
    ("fees", "行政事业性收费", "administrative fees"),
    ("procurement", "政府集中采购", "government procurement"),
];

const T2_2019_COLS: &[Label] = &[
    ("made", "本年新制作数量", "made this year"),
    ("published", "本年新公开数量", "published this year"),
    ("total_published", "对外公开总数量", "published in all"),
    ("prev_year_items", "上一年项目数量", "items last year"),
    ("change", "本年增/减", "change this year"),
    ("decisions", "处理决定数量", "decisions"),
    ("project_count", "采购项目数量", "projects"),
    ("total_amount", "采购总金额", "total amount"),
];

const T3_ROWS: &[Label] = &[
    ("new_received", "本年新收", "new applications"),
    ("carried_over", "上年结转", "carried over from last year"),
    ("disclosed", "（一）予以公开", "(1) disclosed"),
    (
        "partially_disclosed",
        "（二）部分公开",
        "(2) partially disclosed",
    ),
    (
        "withheld_state_secret",
        "（三）不予公开 1.属于国家秘密",
        "(3) withheld: 1. state secret",
    ),
    (
        "withheld_law_prohibited",
        "（三）不予公开 2.其他法律行政法规禁止公开",
        "(3) withheld: 2. prohibited by other laws",
    ),
    (
        "withheld_security_stability",
        "（三）不予公开 3.危及“三安全一稳定”",
        "(3) withheld: 3. endangers security or stability",
    ),
    (
        "withheld_third_party",
        "（三）不予公开 4.保护第三方合法权益",
        "(3) withheld: 4. third-party rights",
    ),
    (
        "withheld_internal_affairs",
        "（三）不予公开 5.属于三类内部事务信息",
        "(3) withheld: 5. internal affairs",
    ),
    (
        "withheld_process_info",
        "（三）不予公开 6.属于四类过程性信息",
        "(3) withheld: 6. process information",
    ),
    (
        "withheld_enforcement_file",
        "（三）不予公开 7.属于行政执法案卷",
        "(3) withheld: 7. enforcement file",
    ),
    (
        "withheld_admin_inquiry",
        "（三）不予公开 8.属于行政查询事项",
        "(3) withheld: 8. administrative inquiry",
    ),
    (
        "unavailable_not_held",
        "（四）无法提供 1.本机关不掌握相关政府信息",
        "(4) unavailable: 1. not held",
    ),
    (
        "unavailable_needs_creation",
        "（四）无法提供 2.没有现成信息需要另行制作",
        "(4) unavailable: 2. would need to be created",
    ),
    (
        "unavailable_unclear",
        "（四）无法提供 3.补正后申请内容仍不明确",
        "(4) unavailable: 3. still unclear after correction",
    ),
    (
        "not_processed_petition",
        "（五）不予处理 1.信访举报投诉类申请",
        "(5) not processed: 1. petition or complaint",
    ),
    (
        "not_processed_repeat",
        "（五）不予处理 2.重复申请",
        "(5) not processed: 2. repeat application",
    ),
    (
        "not_processed_publication",
        "（五）不予处理 3.要求提供公开出版物",
        "(5) not processed: 3. asks for a publication",
    ),
    (
        "not_processed_excessive",
        "（五）不予处理 4.无正当理由大量反复申请",
        "(5) not processed: 4. excessive repeated applications",
    ),
    (
        "not_processed_reconfirm",
        "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
        "(5) not processed: 5. asks to reconfirm information held",
    ),
    (
        "other_no_correction",
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "(6) other: 1. no correction by the deadline",
    ),
    (
        "other_fee_unpaid",
        "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "(6) other: 2. fee not paid",
    ),
    (
        "other_other",
        "（六）其他处理 3.其他",
        "(6) other: 3. other",
    ),
    ("results_total", "（七）总计", "(7) results total"),
    (
        "carried_forward",
        "结转下年度继续办理",
        "carried forward to next year",
    ),
    (
        "withheld_subtotal",
        "（三）不予公开（小计）",
        "(3) withheld (subtotal)",
    ),
    (
        "unavailable_subtotal",
        "（四）无法提供（小计）",
        "(4) unavailable (subtotal)",
    ),
    (
        "not_processed_subtotal",
        "（五）不予处理（小计）",
        "(5) not processed (subtotal)",
    ),
    ("other_subtotal", "（六）其他处理", "(6) other"),
];

const T3_COLS: &[Label] = &[
    ("natural_person", "自然人", "natural person"),
    ("commercial_enterprise", "商业企业", "commercial enterprise"),
    ("research_institution", "科研机构", "research institution"),
    (
        "public_welfare_org",
        "社会公益组织",
        "public-welfare organisation",
    ),
    (
        "legal_service_org",
        "法律服务机构",
        "legal-service organisation",
    ),
    ("other_org", "其他", "other organisation"),
    ("total", "总计", "total"),
    (
        "org_subtotal",
        "法人或其他组织（小计）",
        "legal persons and other organisations (subtotal)",
    ),
];

const T4_GROUPS: &[Label] = &[
    ("review", "行政复议", "administrative review"),
    (
        "litigation_direct",
        "行政诉讼（未经复议直接起诉）",
        "litigation (filed directly)",
    ),
    (
        "litigation_after_review",
        "行政诉讼（复议后起诉）",
        "litigation (after review)",
    ),
];

const T4_COLS: &[Label] = &[
    ("upheld", "结果维持", "upheld"),
    ("corrected", "结果纠正", "corrected"),
    ("other", "其他结果", "other result"),
    ("pending", "尚未审结", "pending"),
    ("total", "总计", "total"),
];

fn lookup<'a>(list: &[Label], key: &'a str, zh: bool) -> &'a str {
    list.iter()
        .find(|(k, _, _)| *k == key)
        .map_or(key, |(_, z, e)| if zh { z } else { e })
}

fn rows_of(table: &str) -> &'static [Label] {
    match table {
        "t2" => T2_ROWS,
        "t2_2019" => T2_2019_ROWS,
        "t3" => T3_ROWS,
        "t4" => T4_GROUPS,
        _ => &[],
    }
}

fn cols_of(table: &str) -> &'static [Label] {
    match table {
        "t2" => T2_COLS,
        "t2_2019" => T2_2019_COLS,
        "t3" => T3_COLS,
        "t4" => T4_COLS,
        _ => &[],
    }
}

/// The table's name: 表三.
pub fn table_zh(table: &str) -> &str {
    lookup(TABLES, table, true)
}

/// The table's name in English: Table 3.
pub fn table_en(table: &str) -> &str {
    lookup(TABLES, table, false)
}

/// A row (a t4 group) by its canonical key: 结转下年度继续办理.
pub fn row_zh<'a>(table: &str, row: &'a str) -> &'a str {
    lookup(rows_of(table), row, true)
}

/// A row in English.
pub fn row_en<'a>(table: &str, row: &'a str) -> &'a str {
    lookup(rows_of(table), row, false)
}

/// A column by its canonical key: 自然人.
pub fn col_zh<'a>(table: &str, col: &'a str) -> &'a str {
    lookup(cols_of(table), col, true)
}

/// A column in English.
pub fn col_en<'a>(table: &str, col: &'a str) -> &'a str {
    lookup(cols_of(table), col, false)
}

/// Splits a dotted id `t3.row.col` into its three keys.
pub fn split_id(id: &str) -> Option<(&str, &str, &str)> {
    let mut it = id.splitn(3, '.');
    Some((it.next()?, it.next()?, it.next()?))
}

/// The table key of a dotted id (`t3` for `t3.new_received.total`).
pub fn table_of(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// A cell without its table: 结转下年度继续办理·自然人.
pub fn cell_zh(id: &str) -> String {
    match split_id(id) {
        Some((t, r, c)) => format!("{}·{}", row_zh(t, r), col_zh(t, c)),
        None => id.to_string(),
    }
}

/// A cell without its table, in English.
pub fn cell_en(id: &str) -> String {
    match split_id(id) {
        Some((t, r, c)) => format!("{} · {}", row_en(t, r), col_en(t, c)),
        None => id.to_string(),
    }
}

/// A cell with its table: 表三 结转下年度继续办理·自然人.
pub fn cell_full_zh(id: &str) -> String {
    format!("{} {}", table_zh(table_of(id)), cell_zh(id))
}

/// A cell with its table, in English.
pub fn cell_full_en(id: &str) -> String {
    format!("{}, {}", table_en(table_of(id)), cell_en(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{self, Template};

    #[test]
    fn every_canonical_key_has_a_label() {
        let mut ids = schema::all_value_ids();
        ids.extend(schema::t3_ids(Template::Y2019));
        for id in ids {
            let (t, r, c) = split_id(&id).expect("dotted id");
            assert_ne!(table_zh(t), t, "table {t}");
            assert_ne!(row_zh(t, r), r, "row of {id}");
            assert_ne!(col_zh(t, c), c, "column of {id}");
            assert!(rows_of(t).iter().any(|(k, _, e)| *k == r && !e.is_empty()));
            assert!(cols_of(t).iter().any(|(k, _, e)| *k == c && !e.is_empty()));
        }
    }

    #[test]
    fn cells_read_as_the_report_prints_them() {
        assert_eq!(
            cell_full_zh("t3.carried_forward.natural_person"),
            "表三 结转下年度继续办理·自然人"
        );
        assert_eq!(cell_zh("t4.review.total"), "行政复议·总计");
        assert_eq!(cell_zh("t2.regulations.issued"), "规章·本年制发件数");
        // Unknown keys fall back to the key, never panic.
        assert_eq!(cell_zh("t9.x.y"), "x·y");
        assert_eq!(cell_zh("nodots"), "nodots");
    }
}
