//! Table 三 (收到和处理政府信息公开申请情况): rows → canonical cells.
//!
//! Rows are mapped by their labels; columns by the header when the grid's
//! positions are meaningful and the header names all seven applicant
//! columns, otherwise in the official order. Three repairs happen here:
//!
//! - **Short rows** (fewer cells than columns): every placement of the
//!   missing cells is tried against the column relations (results sum and
//!   balance); the unique best one is kept and recorded (`align_short_row`),
//!   a tie leaves the row null (`S-AMBIGUOUS`). A missing cell that one
//!   relation determines (the row total) is then derived.
//! - **Glued rows** (digit runs without borders): all rows' readings are
//!   solved jointly against the row totals, the results sum and the balance;
//!   a unique solution is kept (`split_glued_digits`), otherwise the rows
//!   that differ between solutions stay null (`S-AMBIGUOUS`).
//! - **Subtotal rows and columns** a report adds are kept under their
//!   `*_subtotal` / `org_subtotal` keys for `T3-SUBTOTAL`.

use super::cells::{self, derived, operand, Kind};
use super::glued;
use super::labels::T3Label;
use super::rows::{Row, RowKind, ValCell};
use crate::schema::cell_id;
use crate::schema::{
    t3_ids, t3_result_rows, CellRecord, Num, Observation, Repair, Report, Template,
    T3_APPLICANT_COLS, T3_COLS, T3_ROWS_2019, T3_ROWS_2021,
};
use indexmap::IndexMap;

/// Stands for the missing cell when placements of a short row are compared
/// by their text: a missing cell is not the same reading as a blank one.
const MISSING: &str = "\u{0}missing";

/// Cap on the joint combinations of glued rows.
const MAX_COMBINATIONS: usize = 2_000_000;

/// Maps table 三; returns its template, or `None` when the table is absent.
pub fn assemble(
    rows: &[Row],
    t2_template: Option<Template>,
    report: &mut Report,
) -> Option<Template> {
    let mut hits: IndexMap<&'static str, &Row> = IndexMap::new();
    let mut group: Option<&'static str> = None;
    let mut extras: Vec<(&Row, Option<&'static str>)> = Vec::new();
    for row in rows {
        let RowKind::T3(label) = row.kind else {
            continue;
        };
        match label {
            T3Label::Row(key) => {
                group = group_of(key);
                if hits.contains_key(key) {
                    if !same_values(hits[key], row) {
                        extras.push((row, None));
                    }
                } else {
                    hits.insert(key, row);
                }
            }
            T3Label::Group(sub) => {
                group = Some(sub);
                if !row.values.is_empty() && !hits.contains_key(sub) {
                    hits.insert(sub, row);
                }
            }
            T3Label::Subtotal => match group {
                Some(sub) if !hits.contains_key(sub) => {
                    hits.insert(sub, row);
                }
                _ => extras.push((row, None)),
            },
            T3Label::ResultsHeader => {}
        }
    }
    if !hits.values().any(|r| !r.values.is_empty()) {
        return None;
    }
    let has_2021_rows = ["other_no_correction", "other_fee_unpaid", "other_other"]
        .iter()
        .any(|k| hits.contains_key(k));
    let template = if has_2021_rows {
        Template::Y2021
    } else if hits.contains_key("other_subtotal") {
        Template::Y2019
    } else if let Some(t) = t2_template {
        t
    } else if report.meta.year.is_some_and(|y| y <= 2020) {
        Template::Y2019
    } else {
        Template::Y2021
    };
    // In the 2021 layout a group label on a row of its own with only empty
    // cells is a label, not a subtotal the report added.
    if template == Template::Y2021 {
        hits.retain(|key, row| {
            crate::schema::T3_ROWS_2021.contains(key)
                || row.values.iter().any(|v| !v.text.trim().is_empty())
        });
    }
    let canonical: &[&str] = match template {
        Template::Y2019 => T3_ROWS_2019,
        _ => T3_ROWS_2021,
    };
    for id in t3_ids(template) {
        report.cells.insert(id, CellRecord::missing());
    }
    // Subtotal rows the report added.
    for (key, row) in &hits {
        if !canonical.contains(key) {
            report.observations.push(Observation::RowExtra {
                table: "t3",
                label: row.label_text(),
                subtotal: Some((*key).to_string()),
            });
        }
    }
    for (row, _) in &extras {
        report.observations.push(Observation::RowExtra {
            table: "t3",
            label: row.label_text(),
            subtotal: None,
        });
    }
    if hits.values().any(|r| r.transposed) {
        report.repairs.push(Repair {
            action: "transpose".into(),
            cells: t3_ids(template),
            detail: "table 三 is written with the applicant types as rows; read transposed".into(),
        });
        report.observations.push(Observation::Guess {
            cells: t3_ids(template),
            detail: "table 三 transposed: applicant types as rows, result rows as columns".into(),
            detail_zh: "表三行列互换（申请人类型为行），已按转置读取".into(),
        });
    }
    let org_col = hits
        .values()
        .any(|r| column_map(r).is_some_and(|m| m.iter().any(|(_, k)| *k == "org_subtotal")));

    let mut short: Vec<(&'static str, &Row)> = Vec::new();
    let mut glued_rows: Vec<(&'static str, &Row)> = Vec::new();
    for (key, row) in &hits {
        let key: &'static str = key;
        if let Some(map) = column_map(row) {
            for (i, col) in map {
                set(report, key, col, &row.values[i]);
            }
            continue;
        }
        let n = T3_COLS.len();
        if row.values.len() == n {
            for (v, col) in row.values.iter().zip(T3_COLS) {
                set(report, key, col, v);
            }
        } else if row.values.len() > n {
            let extra: Vec<String> = row.values[n..]
                .iter()
                .map(|v| v.text.clone())
                .filter(|t| !t.trim().is_empty())
                .collect();
            for (v, col) in row.values.iter().zip(T3_COLS) {
                set(report, key, col, v);
            }
            if !extra.is_empty() {
                report.observations.push(Observation::RowLong {
                    table: "t3",
                    row: key.to_string(),
                    label: row.label_text(),
                    extra,
                    cells: row_ids(key),
                });
            }
        } else if row.is_glued(n) {
            glued_rows.push((key, row));
        } else {
            short.push((key, row));
        }
    }
    if org_col {
        for key in hits.keys() {
            let id = cell_id("t3", key, "org_subtotal");
            report.cells.entry(id).or_insert_with(CellRecord::missing);
        }
    }
    if !glued_rows.is_empty() {
        solve_glued(report, template, &glued_rows);
    }
    for (key, row) in short {
        align_short(report, template, key, row);
    }
    // Rows of the template that were not found.
    for key in canonical {
        if !hits.contains_key(key) {
            report.observations.push(Observation::RowMissing {
                table: "t3",
                row: (*key).to_string(),
                cells: row_ids(key),
            });
        }
    }
    Some(template)
}

fn group_of(key: &str) -> Option<&'static str> {
    if key.starts_with("withheld_") {
        Some("withheld_subtotal")
    } else if key.starts_with("unavailable_") {
        Some("unavailable_subtotal")
    } else if key.starts_with("not_processed_") {
        Some("not_processed_subtotal")
    } else if key.starts_with("other_") {
        Some("other_subtotal")
    } else {
        None
    }
}

fn same_values(a: &Row, b: &Row) -> bool {
    a.values.len() == b.values.len()
        && a.values
            .iter()
            .zip(&b.values)
            .all(|(x, y)| x.text == y.text)
}

/// The row's cells, as canonical ids.
pub fn row_ids(key: &str) -> Vec<String> {
    T3_COLS.iter().map(|c| cell_id("t3", key, c)).collect()
}

/// Columns by header, when the grid's positions are meaningful and the
/// header names every applicant column and the total, each once. Cells
/// under no header must be blank (the rest of a merged label flattened into
/// empty cells, as CSV does); they are skipped. Returns (value index, key).
fn column_map(row: &Row) -> Option<Vec<(usize, &'static str)>> {
    if !row.expanded || row.values.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for (i, (v, c)) in row.values.iter().zip(&row.cols).enumerate() {
        match row.heads.t3_at(*c) {
            Some(k) => out.push((i, k)),
            None if v.text.trim().is_empty() => {}
            None => return None,
        }
    }
    // Each column once, every official column there (a handful: no set).
    let mut seen: Vec<&str> = Vec::with_capacity(out.len());
    for (_, k) in &out {
        if seen.contains(k) {
            return None;
        }
        seen.push(k);
    }
    T3_COLS.iter().all(|c| seen.contains(c)).then_some(out)
}

fn set(report: &mut Report, key: &str, col: &str, v: &ValCell) {
    let id = cell_id("t3", key, col);
    let rec = cells::record(report, &id, v, Kind::Count);
    report.cells.insert(id, rec);
}

/// The column relations a value in (`key`, `col`) takes part in, evaluated
/// with the candidate value: returns (passing, failing) counts among those
/// that can be assessed.
fn column_score(
    report: &Report,
    template: Template,
    key: &str,
    col: &str,
    value: i64,
) -> (i32, i32) {
    let get = |row: &str| -> Option<i64> {
        if row == key {
            Some(value)
        } else {
            operand(report, &cell_id("t3", row, col))
        }
    };
    let mut pass = 0;
    let mut fail = 0;
    let mut tally = |ok: Option<bool>| match ok {
        Some(true) => pass += 1,
        Some(false) => fail += 1,
        None => {}
    };
    // Results sum.
    let members = t3_result_rows(template);
    if key == "results_total" || members.contains(&key) {
        let sum: Option<i64> = members.iter().map(|r| get(r)).sum();
        tally(sum.zip(get("results_total")).map(|(s, t)| s == t));
    }
    // Balance.
    if [
        "new_received",
        "carried_over",
        "results_total",
        "carried_forward",
    ]
    .contains(&key)
    {
        let l = get("new_received")
            .zip(get("carried_over"))
            .map(|(a, b)| a + b);
        let r = get("results_total")
            .zip(get("carried_forward"))
            .map(|(a, b)| a + b);
        tally(l.zip(r).map(|(a, b)| a == b));
    }
    (pass, fail)
}

/// Aligns a row with fewer cells than columns.
fn align_short(report: &mut Report, template: Template, key: &'static str, row: &Row) {
    let n = T3_COLS.len();
    let k = row.values.len();
    let ids = row_ids(key);
    report.observations.push(Observation::RowShort {
        table: "t3",
        row: key.to_string(),
        label: row.label_text(),
        found: k,
        expected: n,
        cells: ids.clone(),
    });
    if k == 0 {
        return; // nothing to place: the cells stay missing
    }
    // Every choice of the k columns that hold the written cells, in order.
    let mut best: Vec<(i32, Vec<usize>)> = Vec::new();
    let reading = |p: &Vec<usize>| -> Vec<Option<i64>> {
        let mut r: Vec<Option<i64>> = (0..n)
            .map(|c| {
                p.iter()
                    .position(|&x| x == c)
                    .and_then(|i| numbers_value(&row.values[i].text))
            })
            .collect();
        // With one cell missing, the row total decides it.
        if let [missing] = (0..n).filter(|c| !p.contains(c)).collect::<Vec<_>>()[..] {
            let sum_parts: Option<i64> = (0..n - 1).filter(|c| *c != missing).map(|c| r[c]).sum();
            r[missing] = if missing == n - 1 {
                sum_parts
            } else {
                r[n - 1].zip(sum_parts).map(|(t, o)| t - o)
            };
        }
        r
    };
    // Each placement is scored on the whole row it implies, the missing
    // cell derived from the row total where it can be: scoring only the
    // written cells would favour leaving out a column whose relations pass.
    for placement in combinations(n, k) {
        let mut score = 0;
        for (c, value) in reading(&placement).into_iter().enumerate() {
            let Some(value) = value else {
                continue;
            };
            let (p, f) = column_score(report, template, key, T3_COLS[c], value);
            score += p - f;
        }
        best.push((score, placement));
    }
    best.sort_by_key(|b| std::cmp::Reverse(b.0));
    let top = best[0].0;
    let mut winners: Vec<&Vec<usize>> = best
        .iter()
        .filter(|(s, _)| *s == top)
        .map(|(_, p)| p)
        .collect();
    // Placements that put the same values in the same columns (a row of
    // zeros, say) are one reading, not several.
    // The same reading means the same text in every column (a marker and a
    // 0 are different readings) and the same derived value.
    let reading_key = |p: &Vec<usize>| -> (Vec<String>, Vec<Option<i64>>) {
        let texts = (0..n)
            .map(|c| {
                p.iter()
                    .position(|&x| x == c)
                    .map_or_else(|| MISSING.to_string(), |i| row.values[i].text.clone())
            })
            .collect();
        (texts, reading(p))
    };
    let mut seen_readings: Vec<(Vec<String>, Vec<Option<i64>>)> = Vec::new();
    winners.retain(|p| {
        let r = reading_key(p);
        if seen_readings.contains(&r) {
            false
        } else {
            seen_readings.push(r);
            true
        }
    });
    if winners.len() > 1 {
        let readings: Vec<Vec<Num>> = winners
            .iter()
            .take(20)
            .map(|p| {
                (0..n)
                    .map(|c| {
                        p.iter()
                            .position(|&x| x == c)
                            .and_then(|i| numbers_value(&row.values[i].text))
                            .map_or(Num::Int(-1), Num::Int)
                    })
                    .collect()
            })
            .collect();
        let raw = row
            .values
            .iter()
            .map(|v| v.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let count = winners.len();
        cells::write_ambiguous(report, &ids, &raw, None, readings, count);
        report.repairs.push(Repair {
            action: "align_short_row".into(),
            cells: ids,
            detail: format!(
                "{} has {k} of {n} cells; {} placements fit equally; left null",
                row.label_text(),
                winners.len()
            ),
        });
        return;
    }
    let placement = winners[0].clone();
    for (v, &c) in row.values.iter().zip(&placement) {
        set(report, key, T3_COLS[c], v);
    }
    let missing_cols: Vec<&str> = (0..n)
        .filter(|c| !placement.contains(c))
        .map(|c| T3_COLS[c])
        .collect();
    let side = if placement == (0..k).collect::<Vec<_>>() {
        "left"
    } else if placement == (n - k..n).collect::<Vec<_>>() {
        "right"
    } else {
        "inside"
    };
    let mut detail = format!(
        "{} has {k} of {n} cells; aligned {side} (missing: {}) because that placement fits the results sum and balance best (score {top} vs {})",
        row.label_text(),
        missing_cols.join(", "),
        best.get(1).map_or(0, |b| b.0)
    );
    let mut detail_zh = format!(
        "表三“{}”只有{k}个数值（应为{n}个），按{}对齐（缺：{}），该对齐最符合办理结果合计与勾稽关系",
        row.label_text(),
        match side {
            "left" => "左",
            "right" => "右",
            _ => "中间缺格",
        },
        missing_cols.iter().map(|c| col_zh(c)).collect::<Vec<_>>().join("、")
    );
    // Derive a missing cell that the row total determines.
    if missing_cols.len() == 1 {
        let col = missing_cols[0];
        let get = |c: &str| operand(report, &cell_id("t3", key, c));
        let value = if col == "total" {
            T3_APPLICANT_COLS
                .iter()
                .map(|c| get(c))
                .sum::<Option<i64>>()
        } else {
            let others: Option<i64> = T3_APPLICANT_COLS
                .iter()
                .filter(|c| **c != col)
                .map(|c| get(c))
                .sum();
            get("total")
                .zip(others)
                .map(|(t, o)| t - o)
                .filter(|v| *v >= 0)
        };
        if let Some(v) = value {
            let id = cell_id("t3", key, col);
            report.cells.insert(id, derived(v, "T3-ROW-TOTAL"));
            detail.push_str(&format!("; {col} derived = {v} by T3-ROW-TOTAL"));
            detail_zh.push_str(&format!("；{}按行合计推得 {v}", col_zh(col)));
        }
    }
    report.repairs.push(Repair {
        action: "align_short_row".into(),
        cells: ids.clone(),
        detail: detail.clone(),
    });
    report.observations.push(Observation::Guess {
        cells: ids,
        detail,
        detail_zh,
    });
}

fn col_zh(col: &str) -> &'static str {
    match col {
        "natural_person" => "自然人",
        "commercial_enterprise" => "商业企业",
        "research_institution" => "科研机构",
        "public_welfare_org" => "社会公益组织",
        "legal_service_org" => "法律服务机构",
        "other_org" => "其他",
        "total" => "总计",
        _ => "小计",
    }
}

fn numbers_value(text: &str) -> Option<i64> {
    match super::numbers::parse_cell(text) {
        super::numbers::Parsed::Number { value, .. } => value.as_i64(),
        super::numbers::Parsed::Blank | super::numbers::Parsed::Marker => Some(0),
        super::numbers::Parsed::Text => None,
    }
}

/// All increasing k-subsets of 0..n.
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    fn rec(start: usize, n: usize, k: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for i in start..n {
            if n - i < k - cur.len() {
                break;
            }
            cur.push(i);
            rec(i + 1, n, k, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    rec(0, n, k, &mut Vec::new(), &mut out);
    out
}

/// Solves all glued rows of the table at once.
fn solve_glued(report: &mut Report, template: Template, rows: &[(&'static str, &Row)]) {
    let n = T3_COLS.len();
    // Candidate readings per row, filtered by the row total.
    let mut cands: Vec<Vec<Vec<i64>>> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    for (_, row) in rows {
        let texts: Vec<&str> = row.values.iter().map(|v| v.text.as_str()).collect();
        let toks = glued::tokens(&texts);
        let count = glued::count(&toks, n);
        counts.push(count);
        // More readings than the search may visit: a run that long is
        // noise (a row of seven 4-digit counts has at most 296,010).
        if count > glued::MAX_STEPS {
            cands.push(Vec::new());
            continue;
        }
        let fit = glued::splits_with_total(&toks, n, glued::MAX_READINGS).unwrap_or_default();
        cands.push(fit);
    }
    // Joint enumeration against the column relations.
    let combos: usize = cands
        .iter()
        .map(|c| c.len().max(1))
        .fold(1usize, |a, b| a.saturating_mul(b));
    let mut solutions: Vec<Vec<usize>> = Vec::new();
    if combos <= MAX_COMBINATIONS && cands.iter().all(|c| !c.is_empty()) {
        let mut idx = vec![0usize; cands.len()];
        loop {
            if joint_ok(report, template, rows, &cands, &idx) {
                solutions.push(idx.clone());
                if solutions.len() > 1000 {
                    break;
                }
            }
            // next index
            let mut i = 0;
            loop {
                if i == idx.len() {
                    break;
                }
                idx[i] += 1;
                if idx[i] < cands[i].len() {
                    break;
                }
                idx[i] = 0;
                i += 1;
            }
            if i == idx.len() {
                break;
            }
        }
    }
    // With no joint solution (the report's own arithmetic is broken), fall
    // back to the row total alone: a row it decides is still decided.
    if solutions.is_empty() {
        let idx: Vec<usize> = vec![0; cands.len()];
        let decided: Vec<bool> = cands.iter().map(|c| c.len() == 1).collect();
        if decided.iter().any(|d| *d) {
            solutions.push(idx);
            for (i, d) in decided.iter().enumerate() {
                if !d {
                    // Mark undecided rows by giving them every candidate.
                    for j in 1..cands[i].len() {
                        let mut alt = vec![0; cands.len()];
                        alt[i] = j;
                        solutions.push(alt);
                    }
                }
            }
        }
    }
    for (ri, (key, row)) in rows.iter().enumerate() {
        let ids = row_ids(key);
        let raw: String = row
            .values
            .iter()
            .map(|v| v.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let readings: Vec<&Vec<i64>> = {
            let mut r: Vec<&Vec<i64>> = solutions
                .iter()
                .filter_map(|s| cands[ri].get(s[ri]))
                .collect();
            r.sort();
            r.dedup();
            r
        };
        let at = row.values.first().map(|v| v.at);
        if readings.len() == 1 {
            let reading = readings[0];
            let values: Vec<Num> = reading.iter().map(|v| Num::Int(*v)).collect();
            cells::write_reading(report, &ids, &values, &raw, at);
            let detail = format!(
                "glued run '{raw}' ({} digit splits) resolved to {reading:?} by row totals + per-column results sum + balance",
                counts[ri]
            );
            report.repairs.push(Repair {
                action: "split_glued_digits".into(),
                cells: ids.clone(),
                detail: detail.clone(),
            });
            if counts[ri] > 1 {
                report.observations.push(Observation::Guess {
                    cells: ids,
                    detail_zh: format!(
                        "表三“{}”数字粘连“{raw}”，按行合计、办理结果合计与勾稽关系唯一拆分为 {reading:?}",
                        row.label_text()
                    ),
                    detail,
                });
            }
        } else {
            let all: Vec<Vec<i64>> = if readings.is_empty() {
                cands[ri].clone()
            } else {
                readings.iter().map(|r| (*r).clone()).collect()
            };
            report.repairs.push(Repair {
                action: "split_glued_digits".into(),
                cells: ids.clone(),
                detail: format!(
                    "glued run '{raw}' has {} readings consistent with the table's constraints; left null",
                    all.len()
                ),
            });
            cells::write_ambiguous(report, &ids, &raw, at, cells::int_readings(&all), all.len());
        }
    }
}

fn joint_ok(
    report: &Report,
    template: Template,
    rows: &[(&'static str, &Row)],
    cands: &[Vec<Vec<i64>>],
    idx: &[usize],
) -> bool {
    for (c, col) in T3_COLS.iter().enumerate() {
        let get = |row: &str| -> Option<i64> {
            if let Some(i) = rows.iter().position(|(k, _)| *k == row) {
                return Some(cands[i][idx[i]][c]);
            }
            operand(report, &cell_id("t3", row, col))
        };
        let members = t3_result_rows(template);
        let sum: Option<i64> = members.iter().map(|r| get(r)).sum();
        if let (Some(s), Some(t)) = (sum, get("results_total")) {
            if s != t {
                return false;
            }
        }
        let l = get("new_received")
            .zip(get("carried_over"))
            .map(|(a, b)| a + b);
        let r = get("results_total")
            .zip(get("carried_forward"))
            .map(|(a, b)| a + b);
        if let (Some(a), Some(b)) = (l, r) {
            if a != b {
                return false;
            }
        }
    }
    true
}
