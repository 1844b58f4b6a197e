//! Table 四 (行政复议、行政诉讼): rows → canonical cells.
//!
//! The official table is one row of 15 counts under a three-level header.
//! Reports also write it as three small tables of 5 (one per group, named by
//! a caption or header), or flattened into one digit run. Columns are mapped
//! by the header when grid positions are meaningful, else in the official
//! order; a glued run is split against the three group totals.

use super::cells::{self, Kind};
use super::glued;
use super::labels;
use super::rows::{Row, RowKind};
use crate::schema::cell_id;
use crate::schema::{
    t4_ids, CellRecord, CellState, Num, Observation, Repair, Report, T4_COLS, T4_GROUPS,
};

/// Maps table 四; returns whether it was found.
pub fn assemble(rows: &[Row], report: &mut Report) -> bool {
    let t4rows: Vec<&Row> = rows.iter().filter(|r| r.kind == RowKind::T4).collect();
    if t4rows.is_empty() {
        return false;
    }
    let mut placed: Vec<(String, &Row, usize)> = Vec::new(); // (id, row, value index)
    let mut groups_done: Vec<&'static str> = Vec::new();
    let mut glued_row: Option<&Row> = None;
    let mut seq = 0usize;
    let mut vertical_group: Option<&'static str> = None;
    for row in &t4rows {
        if row.values.len() == 1 && row.labels.iter().any(|l| labels::t4_column(l).is_some()) {
            // A vertical table: one (group, column) per row.
            if let Some(g) = row.labels.iter().rev().find_map(|l| labels::t4_group(l)) {
                vertical_group = Some(g);
            }
            let leaf = row.labels.iter().rev().find_map(|l| labels::t4_column(l));
            if let (Some(g), Some(leaf)) = (vertical_group, leaf) {
                let id = cell_id("t4", g, leaf);
                if !placed.iter().any(|(i, _, _)| *i == id) {
                    placed.push((id, row, 0));
                }
            }
            continue;
        }
        let n = row.values.len();
        if n == 15 && groups_done.is_empty() {
            let by_head = header_ids(row);
            for (i, id) in by_head.unwrap_or_else(t4_ids).into_iter().enumerate() {
                placed.push((id, row, i));
            }
            groups_done.extend(T4_GROUPS);
        } else if n == 5 && !(row.scanned && row.is_glued(15)) {
            // (Five pieces of running text holding 15 or more digits are
            // the whole table with ten borders lost, not one group.)
            let group = group_of(row).or_else(|| T4_GROUPS.get(seq).copied());
            seq += 1;
            let Some(group) = group else { continue };
            if groups_done.contains(&group) {
                continue;
            }
            groups_done.push(group);
            for (i, c) in T4_COLS.iter().enumerate() {
                placed.push((cell_id("t4", group, c), row, i));
            }
        } else if groups_done.is_empty() && glued_row.is_none() && row.is_glued(15) {
            glued_row = Some(row);
            groups_done.extend(T4_GROUPS);
        }
    }
    if placed.is_empty() && glued_row.is_none() {
        return false;
    }
    for id in t4_ids() {
        report.cells.insert(id, CellRecord::missing());
    }
    for (id, row, i) in placed {
        let rec = cells::record(report, &id, &row.values[i], Kind::Count);
        report.cells.insert(id, rec);
    }
    if let Some(row) = glued_row {
        solve_glued(report, row);
    }
    for g in T4_GROUPS {
        let prefix = format!("t4.{g}.");
        let placed_any = report
            .cells
            .iter()
            .any(|(id, c)| id.starts_with(&prefix) && c.state != CellState::Missing);
        if !groups_done.contains(g) && !placed_any {
            report.observations.push(Observation::RowMissing {
                table: "t4",
                row: (*g).to_string(),
                cells: T4_COLS.iter().map(|c| cell_id("t4", g, c)).collect(),
            });
        }
    }
    true
}

/// The group a 5-value row belongs to: from the header above its columns,
/// its own label, or the caption before its table.
fn group_of(row: &Row) -> Option<&'static str> {
    if row.expanded {
        if let Some(c) = row.cols.first() {
            if let (Some(g), _) = row.heads.t4_at(*c) {
                return Some(g);
            }
        }
    }
    for l in row.labels.iter().rev() {
        if let Some(g) = labels::t4_group(l) {
            return Some(g);
        }
    }
    row.caption.as_deref().and_then(labels::t4_group)
}

/// Ids by header for a 15-value row in an expanded grid, when the header
/// names a distinct (group, column) for every cell.
fn header_ids(row: &Row) -> Option<Vec<String>> {
    if !row.expanded {
        return None;
    }
    let mut ids = Vec::new();
    for c in &row.cols {
        match row.heads.t4_at(*c) {
            (Some(g), Some(l)) => ids.push(cell_id("t4", g, l)),
            _ => return None,
        }
    }
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    (sorted.len() == 15).then_some(ids)
}

fn solve_glued(report: &mut Report, row: &Row) {
    let texts: Vec<&str> = row.values.iter().map(|v| v.text.as_str()).collect();
    let raw = texts.join(" ");
    let toks = glued::tokens(&texts);
    let all_count = glued::count(&toks, 15);
    let group_ok = |s: &[i64]| {
        let k = s.len();
        !k.is_multiple_of(5) || s[k - 5..k - 1].iter().sum::<i64>() == s[k - 1]
    };
    let fitting = glued::splits_where(&toks, 15, glued::MAX_READINGS, group_ok).unwrap_or_default();
    let fit: Vec<&Vec<i64>> = fitting.iter().collect();
    let ids = t4_ids();
    let at = row.values.first().map(|v| v.at);
    if fit.len() == 1 {
        let values: Vec<Num> = fit[0].iter().map(|v| Num::Int(*v)).collect();
        cells::write_reading(report, &ids, &values, &raw, at);
        let detail = format!(
            "表四: glued run '{raw}' ({} digit splits) resolved to {:?} by the three group totals",
            all_count, fit[0]
        );
        report.repairs.push(Repair {
            action: "split_glued_digits".into(),
            cells: ids.clone(),
            detail: detail.clone(),
        });
        if all_count > 1 {
            report.observations.push(Observation::Guess {
                cells: ids,
                detail,
                detail_zh: format!("表四数字粘连“{raw}”，按三组总计唯一拆分为 {:?}", fit[0]),
            });
        }
    } else {
        report.repairs.push(Repair {
            action: "split_glued_digits".into(),
            cells: ids.clone(),
            detail: format!(
                "表四: glued run '{raw}' has {} readings fitting the group totals; left null",
                fit.len()
            ),
        });
        cells::write_ambiguous(
            report,
            &ids,
            &raw,
            at,
            cells::int_readings(fit.iter().copied()),
            fit.len(),
        );
    }
}
