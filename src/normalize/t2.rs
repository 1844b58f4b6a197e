//! Table 二 (主动公开政府信息情况): rows → canonical cells, either template.
//!
//! The template is decided from the table's own column headers (本年制发件数
//! … is 2021; 本年新制作数量, 上一年项目数量 … is 2019) and its rows (其他对外
//! 管理服务事项 and 政府集中采购 exist only in 2019), never from the report's
//! year: a 2023 report may still use the 2019 table. With the 2019 table,
//! the 处理决定数量 of 许可/处罚/强制 are copied into the 2021 keys (`mapped`).

use super::cells::{self, Kind};
use super::glued;
use super::rows::{Row, RowKind, ValCell};
use crate::schema::cell_id;
use crate::schema::{
    t2_2019_ids, t2_ids, CellRecord, CellState, Num, Observation, Repair, Report, Template,
    T2_2019_ROWS, T2_ROWS,
};

/// Rows of a table-二 layout with their columns.
type Layout = &'static [(&'static str, &'static [&'static str])];

/// Maps table 二; returns its template, or `None` when absent.
pub fn assemble(rows: &[Row], report: &mut Report) -> Option<Template> {
    let t2rows: Vec<(&'static str, &Row)> = rows
        .iter()
        .filter_map(|r| match r.kind {
            RowKind::T2(k) => Some((k, r)),
            _ => None,
        })
        .collect();
    if t2rows.is_empty() {
        return None;
    }
    let (mut v2019, mut v2021) = (0, 0);
    for (key, row) in &t2rows {
        if matches!(*key, "other_services" | "procurement") {
            v2019 += 2;
        }
        for c in &row.cols {
            match row.heads.t2_at(*c) {
                Some((_, Template::Y2019)) => v2019 += 1,
                Some((_, Template::Y2021)) => v2021 += 1,
                _ => {}
            }
        }
        if !row.expanded {
            for (_, t) in row.heads.t2.iter().flatten() {
                match t {
                    Template::Y2019 => v2019 += 1,
                    _ => v2021 += 1,
                }
            }
        }
    }
    let template = if v2019 > v2021 {
        Template::Y2019
    } else {
        Template::Y2021
    };
    if v2019 > 0 && v2021 > 0 {
        report.observations.push(Observation::TemplateMixed {
            detail: "表二的栏目同时含有2019年格式与2021年格式的标签".into(),
            detail_en: "table 二 mixes column labels of the 2019 and 2021 formats".into(),
        });
    }
    let (table, layout, ids): (&'static str, Layout, Vec<String>) = match template {
        Template::Y2019 => ("t2_2019", T2_2019_ROWS, t2_2019_ids()),
        _ => ("t2", T2_ROWS, t2_ids()),
    };
    if template == Template::Y2019 {
        // The 2021 keys come first in the canonical order.
        for id in t2_ids() {
            report.cells.insert(id, CellRecord::not_in_template());
        }
    }
    for id in &ids {
        report.cells.insert(id.clone(), CellRecord::missing());
    }
    let mut seen: Vec<&str> = Vec::new();
    for (key, row) in &t2rows {
        let Some((_, cols)) = layout.iter().find(|(k, _)| k == key) else {
            report.observations.push(Observation::RowExtra {
                table,
                label: row.label_text(),
                subtotal: None,
            });
            continue;
        };
        if seen.contains(key) {
            continue;
        }
        seen.push(key);
        let n = cols.len();
        let kind_of = |col: &str| match (template, col) {
            (Template::Y2021, "amount_wan_yuan") => Kind::WanYuan,
            (_, "total_amount") => Kind::Yuan,
            _ => Kind::Count,
        };
        let ids: Vec<String> = cols.iter().map(|c| cell_id(table, key, c)).collect();
        let vals: Vec<&ValCell> = row.values.iter().collect();
        let non_blank_extra: Vec<String> = vals
            .iter()
            .skip(n)
            .map(|v| v.text.clone())
            .filter(|t| !t.trim().is_empty())
            .collect();
        if vals.len() >= n {
            for (i, id) in ids.iter().enumerate() {
                let rec = cells::record(report, id, vals[i], kind_of(cols[i]));
                report.cells.insert(id.clone(), rec);
            }
            if !non_blank_extra.is_empty() {
                report.observations.push(Observation::RowLong {
                    table,
                    row: (*key).to_string(),
                    label: row.label_text(),
                    extra: non_blank_extra,
                    cells: ids,
                });
            }
        } else if let Some(split) = split_run(&vals, n) {
            apply_split(report, row, &ids, split);
        } else {
            report.observations.push(Observation::RowShort {
                table,
                row: (*key).to_string(),
                label: row.label_text(),
                found: vals.len(),
                expected: n,
                cells: ids.clone(),
            });
            // Left-aligned: the written cells are the first ones.
            for (i, v) in vals.iter().enumerate() {
                let rec = cells::record(report, &ids[i], v, kind_of(cols[i]));
                report.cells.insert(ids[i].clone(), rec);
            }
            if !vals.is_empty() {
                report.repairs.push(Repair {
                    action: "align_short_row".into(),
                    cells: ids.clone(),
                    detail: format!(
                        "{} has {} of {n} cells; aligned left (table 二 has no arithmetic to decide)",
                        row.label_text(),
                        vals.len()
                    ),
                });
                report.observations.push(Observation::Guess {
                    cells: ids,
                    detail: "short row aligned left".into(),
                    detail_zh: format!("表二“{}”数值不足，按左对齐", row.label_text()),
                });
            }
        }
    }
    for (key, cols) in layout {
        if !seen.contains(key) {
            report.observations.push(Observation::RowMissing {
                table,
                row: (*key).to_string(),
                cells: cols.iter().map(|c| cell_id(table, key, c)).collect(),
            });
        }
    }
    if template == Template::Y2019 {
        map_2019(report);
    }
    Some(template)
}

/// Readings of a glued run for `n` cells. The last cell may carry a decimal
/// part and a unit (the 2019 procurement amount, `13575394432.52元`).
struct Split {
    raw: String,
    readings: Vec<Vec<Num>>,
}

fn split_run(vals: &[&ValCell], n: usize) -> Option<Split> {
    let raw: String = vals
        .iter()
        .map(|v| v.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let body = raw.trim_end_matches(['元', '万']).trim();
    let (int_part, frac) = match body.rsplit_once('.') {
        Some((i, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => (i, Some(f)),
        _ => (body, None),
    };
    let toks = glued::tokens(&[int_part]);
    if toks.is_empty() || !glued::is_glued(&[int_part], n) {
        return None;
    }
    let splits = glued::splits(&toks, n, glued::MAX_READINGS)?;
    let readings = splits
        .into_iter()
        .map(|s| {
            s.iter()
                .enumerate()
                .map(|(i, v)| match (i == n - 1, frac) {
                    (true, Some(f)) => format!("{v}.{f}").parse().map_or(Num::Int(*v), Num::Dec),
                    _ => Num::Int(*v),
                })
                .collect()
        })
        .collect();
    Some(Split { raw, readings })
}

fn apply_split(report: &mut Report, row: &Row, ids: &[String], split: Split) {
    let at = row.values.first().map(|v| v.at);
    if split.readings.len() == 1 {
        cells::write_reading(report, ids, &split.readings[0], &split.raw, at);
        report.repairs.push(Repair {
            action: "split_glued_digits".into(),
            cells: ids.to_vec(),
            detail: format!("glued run '{}' has a single reading", split.raw),
        });
        return;
    }
    report.repairs.push(Repair {
        action: "split_glued_digits".into(),
        cells: ids.to_vec(),
        detail: format!(
            "{}: glued run '{}' has {} readings and table 二 has no arithmetic to choose; left null",
            row.label_text(),
            split.raw,
            split.readings.len()
        ),
    });
    let count = split.readings.len();
    cells::write_ambiguous(report, ids, &split.raw, at, split.readings, count);
}

/// Copies 2019 处理决定数量 into the 2021 keys; the rest of `t2` does not
/// exist in the 2019 template.
fn map_2019(report: &mut Report) {
    for id in t2_ids() {
        let rec = match id.as_str() {
            "t2.licensing.decisions" | "t2.penalty.decisions" | "t2.coercion.decisions" => {
                let from = id.replacen("t2.", "t2_2019.", 1);
                match report.cells.get(&from) {
                    Some(src) => CellRecord {
                        value: src.value,
                        state: if src.value.is_some() {
                            CellState::Mapped
                        } else {
                            src.state
                        },
                        raw: src.raw.clone(),
                        at: src.at,
                        rule: Some(from),
                    },
                    None => CellRecord::missing(),
                }
            }
            _ => CellRecord::not_in_template(),
        };
        report.cells.insert(id, rec);
    }
}
