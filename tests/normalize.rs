//! The normaliser on small reports written for one phenomenon each.

use ogi::schema::{CellState, Num, Observation, Report, Source, Status, T3_COLS};

/// Official labels of the 2021 table 三 rows, in order, with their keys.
const T3_LABELS: &[(&str, &str)] = &[
    ("new_received", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "二、上年结转政府信息公开申请数量"),
    ("disclosed", "（一）予以公开"),
    (
        "partially_disclosed",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ),
    ("withheld_state_secret", "1.属于国家秘密"),
    ("withheld_law_prohibited", "2.其他法律行政法规禁止公开"),
    ("withheld_security_stability", "3.危及“三安全一稳定”"),
    ("withheld_third_party", "4.保护第三方合法权益"),
    ("withheld_internal_affairs", "5.属于三类内部事务信息"),
    ("withheld_process_info", "6.属于四类过程性信息"),
    ("withheld_enforcement_file", "7.属于行政执法案卷"),
    ("withheld_admin_inquiry", "8.属于行政查询事项"),
    ("unavailable_not_held", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", "3.补正后申请内容仍不明确"),
    ("not_processed_petition", "1.信访举报投诉类申请"),
    ("not_processed_repeat", "2.重复申请"),
    ("not_processed_publication", "3.要求提供公开出版物"),
    ("not_processed_excessive", "4.无正当理由大量反复申请"),
    (
        "not_processed_reconfirm",
        "5.要求行政机关确认或重新出具已获取信息",
    ),
    (
        "other_no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    (
        "other_fee_unpaid",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("other_other", "3.其他"),
    ("results_total", "（七）总计"),
    ("carried_forward", "四、结转下年度继续办理"),
];

/// A consistent table 三: 5 applications by natural persons (3 disclosed,
/// 1 partly, 1 not held), 2 by enterprises (both disclosed), 1 carried
/// forward from the natural persons' row... kept simple: the row values.
fn t3_values() -> Vec<(&'static str, [i64; 7])> {
    let mut rows = Vec::new();
    for (key, _) in T3_LABELS {
        let v = match *key {
            "new_received" => [5, 2, 0, 0, 0, 0, 7],
            "carried_over" => [1, 0, 0, 0, 0, 0, 1],
            "disclosed" => [3, 2, 0, 0, 0, 0, 5],
            "partially_disclosed" => [1, 0, 0, 0, 0, 0, 1],
            "unavailable_not_held" => [1, 0, 0, 0, 0, 0, 1],
            "results_total" => [5, 2, 0, 0, 0, 0, 7],
            "carried_forward" => [1, 0, 0, 0, 0, 0, 1],
            _ => [0; 7],
        };
        rows.push((*key, v));
    }
    rows
}

fn t4_block() -> &'static str {
    "四、政府信息公开行政复议、行政诉讼情况\n| 行政复议 | | | | | 行政诉讼 | | | | | | | | | |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | | | | | 复议后起诉 | | | | |\n| | | | | | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n| 1 | 0 | 0 | 1 | 2 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n"
}

fn t2_block() -> &'static str {
    "二、主动公开政府信息情况\n| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n|---|---|---|---|\n| 规章 | 0 | 0 | 0 |\n| 行政规范性文件 | 3 | 1 | 20 |\n| 信息内容 | 本年处理决定数量 | | |\n| 行政许可 | 15 | | |\n| 行政处罚 | 4 | | |\n| 行政强制 | 0 | | |\n| 信息内容 | 本年收费金额（单位：万元） | | |\n| 行政事业性收费 | 1.25 | | |\n"
}

fn normalize_text(text: &str) -> Report {
    ogi::process_bytes(
        text.as_bytes(),
        Source {
            path: "test.txt".into(),
            ..Source::default()
        },
    )
}

fn value(r: &Report, id: &str) -> Option<i64> {
    r.value(id).and_then(Num::as_i64)
}

#[test]
fn transposed_table_three_is_read_by_its_labels() {
    // Applicant types as rows, result rows as columns.
    let vals = t3_values();
    let mut text = String::from("某区2024年政府信息公开工作年度报告\n");
    text.push_str(t2_block());
    text.push_str("三、收到和处理政府信息公开申请情况\n");
    let header: Vec<&str> = T3_LABELS.iter().map(|(_, l)| *l).collect();
    text.push_str(&format!("| 申请人情况 | {} |\n", header.join(" | ")));
    text.push_str(&format!("|{}\n", "---|".repeat(header.len() + 1)));
    let names = [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ];
    for (c, name) in names.iter().enumerate() {
        let cells: Vec<String> = vals.iter().map(|(_, v)| v[c].to_string()).collect();
        text.push_str(&format!("| {name} | {} |\n", cells.join(" | ")));
    }
    text.push_str(t4_block());
    let r = normalize_text(&text);
    assert_eq!(r.status, Status::Ok, "{:?}", r.observations);
    for (key, v) in &vals {
        for (c, col) in T3_COLS.iter().enumerate() {
            assert_eq!(
                value(&r, &format!("t3.{key}.{col}")),
                Some(v[c]),
                "{key}.{col}"
            );
        }
    }
    assert!(
        r.repairs.iter().any(|x| x.action == "transpose"),
        "{:?}",
        r.repairs
    );
}

fn official_t3_markdown(vals: &[(&str, [i64; 7])], skip: &[&str]) -> String {
    let mut text = String::from("三、收到和处理政府信息公开申请情况\n| （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |\n|---|---|---|---|---|---|---|---|\n");
    for ((key, label), (_, v)) in T3_LABELS.iter().zip(vals) {
        if skip.contains(key) {
            continue;
        }
        let cells: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        text.push_str(&format!("| {label} | {} |\n", cells.join(" | ")));
        if *key == "withheld_admin_inquiry" {
            text.push_str("| 小计 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n");
        }
    }
    text
}

#[test]
fn subtotal_rows_are_kept_under_their_keys() {
    let vals = t3_values();
    let text = format!(
        "某区2024年政府信息公开工作年度报告\n{}{}{}",
        t2_block(),
        official_t3_markdown(&vals, &[]),
        t4_block()
    );
    let r = normalize_text(&text);
    assert_eq!(r.status, Status::Ok, "{:?}", r.observations);
    assert_eq!(value(&r, "t3.withheld_subtotal.total"), Some(0));
    assert!(r.observations.iter().any(|o| matches!(
        o,
        Observation::RowExtra { subtotal: Some(s), .. } if s == "withheld_subtotal"
    )));
    assert_eq!(
        value(&r, "t2.fees.amount_wan_yuan"),
        None,
        "fee is a decimal"
    );
    assert_eq!(r.value("t2.fees.amount_wan_yuan"), Some(Num::Dec(1.25)));
    assert_eq!(value(&r, "t4.review.total"), Some(2));
}

#[test]
fn a_missing_row_is_reported_and_partial() {
    let vals = t3_values();
    let text = format!(
        "某区2024年政府信息公开工作年度报告\n{}{}{}",
        t2_block(),
        official_t3_markdown(&vals, &["not_processed_repeat"]),
        t4_block()
    );
    let r = normalize_text(&text);
    assert_eq!(r.status, Status::Partial);
    assert_eq!(
        r.state("t3.not_processed_repeat.total"),
        Some(CellState::Missing)
    );
    assert!(r.observations.iter().any(|o| matches!(
        o,
        Observation::RowMissing { row, .. } if row == "not_processed_repeat"
    )));
}

#[test]
fn vertical_table_four_is_read_by_its_labels() {
    let vals = t3_values();
    let t4 = "四、政府信息公开行政复议、行政诉讼情况\n| 行政复议 | 结果维持 | 2 |\n|---|---|---|\n| | 结果纠正 | 1 |\n| | 其他结果 | 0 |\n| | 尚未审结 | 0 |\n| | 总计 | 3 |\n| 未经复议直接起诉 | 结果维持 | 0 |\n| | 结果纠正 | 0 |\n| | 其他结果 | 0 |\n| | 尚未审结 | 1 |\n| | 总计 | 1 |\n| 复议后起诉 | 结果维持 | 0 |\n| | 结果纠正 | 0 |\n| | 其他结果 | 0 |\n| | 尚未审结 | 0 |\n| | 总计 | 0 |\n";
    let text = format!(
        "某区2024年政府信息公开工作年度报告\n{}{}{}",
        t2_block(),
        official_t3_markdown(&vals, &[]),
        t4
    );
    let r = normalize_text(&text);
    assert_eq!(value(&r, "t4.review.upheld"), Some(2));
    assert_eq!(value(&r, "t4.review.total"), Some(3));
    assert_eq!(value(&r, "t4.litigation_direct.pending"), Some(1));
    assert_eq!(value(&r, "t4.litigation_after_review.total"), Some(0));
}

#[test]
fn glued_table_four_with_two_readings_is_left_null() {
    // Two readings of this run fit all three group totals:
    // 直接起诉 [1,2,0,10,13] and [12,0,1,0,13].
    let flat = "四、政府信息公开行政复议、行政诉讼情况 行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计0312122712010132122218\n五、存在的主要问题及改进情况\n";
    let vals = t3_values();
    let text = format!(
        "某区2024年政府信息公开工作年度报告\n{}{}{}",
        t2_block(),
        official_t3_markdown(&vals, &[]),
        flat
    );
    let r = normalize_text(&text);
    let amb = r
        .observations
        .iter()
        .find_map(|o| match o {
            Observation::Ambiguous { cells, count, .. } if cells[0].starts_with("t4.") => {
                Some(*count)
            }
            _ => None,
        })
        .expect("ambiguous t4");
    assert_eq!(amb, 2);
    assert_eq!(r.state("t4.review.upheld"), Some(CellState::Ambiguous));
    assert_eq!(r.value("t4.review.upheld"), None);
}

#[test]
fn the_2019_table_two_maps_decisions_and_keeps_signed_changes() {
    let t2 = "二、主动公开政府信息情况\n| 信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |\n|---|---|---|---|\n| 规章 | 0 | 0 | 5 |\n| 规范性文件 | 2 | 2 | 30 |\n| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |\n| 行政许可 | 100 | -8 | 400 |\n| 其他对外管理服务事项 | 3 | +1 | 9 |\n| 行政处罚 | 50 | 0 | 7 |\n| 行政强制 | 4 | 0 | 1 |\n| 信息内容 | 上一年项目数量 | 本年增/减 | |\n| 行政事业性收费 | 6 | 0 | |\n| 信息内容 | 采购项目数量 | 采购总金额 | |\n| 政府集中采购 | 6 | 12.5万元 | |\n";
    let mut vals = t3_values();
    // 2019 layout: the three （六） rows are one.
    vals.retain(|(k, _)| !k.starts_with("other_"));
    let mut t3 = String::from("三、收到和处理政府信息公开申请情况\n| 申请人情况 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |\n|---|---|---|---|---|---|---|---|\n");
    for (key, v) in &vals {
        let label = T3_LABELS
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, l)| *l)
            .unwrap_or("");
        let cells: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        if *key == "results_total" {
            t3.push_str("| （六）其他处理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n");
        }
        t3.push_str(&format!("| {label} | {} |\n", cells.join(" | ")));
    }
    let text = format!(
        "某区2019年政府信息公开工作年度报告\n统计期限自2019年1月1日至2019年12月31日。\n{t2}{t3}{}",
        t4_block()
    );
    let r = normalize_text(&text);
    assert_eq!(r.status, Status::Ok, "{:?}", r.observations);
    assert_eq!(r.template.t2, Some(ogi::schema::Template::Y2019));
    assert_eq!(r.template.t3, Some(ogi::schema::Template::Y2019));
    assert_eq!(value(&r, "t2_2019.licensing.change"), Some(-8));
    assert_eq!(value(&r, "t2_2019.other_services.change"), Some(1));
    assert_eq!(value(&r, "t2.licensing.decisions"), Some(400));
    assert_eq!(r.state("t2.licensing.decisions"), Some(CellState::Mapped));
    assert_eq!(
        r.state("t2.regulations.issued"),
        Some(CellState::NotInTemplate)
    );
    assert_eq!(value(&r, "t2_2019.procurement.total_amount"), Some(125_000));
    assert!(r.repairs.iter().any(|x| x.action == "convert_unit"));
    assert_eq!(value(&r, "t3.other_subtotal.total"), Some(0));
    assert!(!r
        .observations
        .iter()
        .any(|o| matches!(o, Observation::TemplateMixed { .. })));
}
