//! The normaliser: [`Document`] → canonical [`Report`].
//!
//! It finds the report's tables among page noise, recognises the template of
//! each table from its labels, maps rows and columns to canonical keys by
//! their labels, and repairs what real reports do (short rows, glued digits,
//! units in cells). Every decision the source did not state is recorded in
//! `repairs`, and what it observed about the structure goes into
//! `observations` for the checker to report. When the source does not decide
//! a value, the cell is null and says why.
//!
//! Stages, each in its own file:
//! - [`rows`]: grid rows → labelled rows with value cells and column heads;
//! - [`scan`]: tables flattened into running text → the same rows;
//! - [`t2`], [`t3`], [`t4`]: rows → canonical cells of each table;
//! - [`glued`]: splitting digit runs whose cell borders were lost;
//! - [`meta`]: title, agency, year, period, publication date, scope, and
//!   whether the document is a report at all.

pub mod cells;
pub mod glued;
pub mod labels;
pub mod meta;
pub mod numbers;
pub mod rows;
pub mod scan;
pub mod t2;
pub mod t3;
pub mod t4;

use crate::grid::Document;
use crate::schema::{
    t2_ids, t3_ids, t4_ids, CellRecord, Observation, Report, Source, Status, Template,
};

/// Normalises one document.
pub fn normalize(doc: &Document, source: Source) -> Report {
    let mut report = Report::new(source);
    if report.source.encoding.is_none() {
        report.source.encoding = doc.encoding.clone();
    }
    report.narrative = doc.lines().map(|l| l.text.clone()).collect();
    meta::extract(doc, &mut report);

    let mut grid_rows = rows::collect(doc);
    // Tables found in grids win; a table only found in running text comes
    // from the scanner, which is not run when the grids hold all three.
    let in_grids = |pred: &dyn Fn(&rows::Row) -> bool| grid_rows.iter().any(pred);
    let has_t3 = in_grids(&|r| matches!(r.kind, rows::RowKind::T3(_)) && !r.values.is_empty());
    let has_t2 = in_grids(&|r| matches!(r.kind, rows::RowKind::T2(_)));
    let has_t4 = in_grids(&|r| r.kind == rows::RowKind::T4);
    let scanned = if has_t2 && has_t3 && has_t4 {
        Vec::new()
    } else {
        scan::collect(doc)
    };
    grid_rows.extend(scanned.into_iter().filter(|r| match r.kind {
        rows::RowKind::T3(_) => !has_t3,
        rows::RowKind::T2(_) => !has_t2,
        rows::RowKind::T4 => !has_t4,
        _ => false,
    }));
    let rows = grid_rows;

    let t2_template = t2::assemble(&rows, &mut report);
    let t3_template = t3::assemble(&rows, t2_template, &mut report);
    let t4_found = t4::assemble(&rows, &mut report);
    report.template.t2 = t2_template;
    report.template.t3 = t3_template;
    report.template.t4 = t4_found.then_some(Template::Common);

    classify(doc, &mut report);
    report
}

/// Whether a document holds a report on its own, by a cheap test: its grids
/// name both rows that frame table 三 (本年新收… and 结转下年度继续办理). A
/// sheet holding only table 二 or 四, a cover or a notes sheet does not.
/// The pipeline uses it to tell a workbook with a report on each sheet from
/// one report whose tables are spread over several sheets.
pub fn holds_report(doc: &Document) -> bool {
    let (mut received, mut forward) = (false, false);
    for grid in doc.tables() {
        for cell in grid.rows.iter().flatten() {
            let text = cell.text.as_str();
            // Labels are short and not numbers.
            if text.is_empty() || text.len() > 300 || cell.is_covered() {
                continue;
            }
            if crate::grid::looks_like_value(text) {
                continue;
            }
            match labels::t3_label(text) {
                Some(labels::T3Label::Row("new_received")) => received = true,
                Some(labels::T3Label::Row("carried_forward")) => forward = true,
                _ => {}
            }
            if received && forward {
                return true;
            }
        }
    }
    false
}

/// Decides the status, and records missing tables.
fn classify(doc: &Document, report: &mut Report) {
    let found = [
        report.template.t2.is_some(),
        report.template.t3.is_some(),
        report.template.t4.is_some(),
    ];
    let any = found.iter().any(|f| *f);
    if !any {
        if let Some(evidence) = meta::legacy_evidence(doc, report) {
            report.status = Status::Legacy;
            report.observations.push(Observation::Legacy { evidence });
        } else {
            report.status = Status::NotAReport;
            let reason = meta::not_a_report_reason(doc, report);
            report.observations.push(Observation::NotAReport { reason });
        }
        return;
    }
    // The template of the report as a whole, for missing tables' keys.
    let template = report
        .template
        .t3
        .or(report.template.t2)
        .unwrap_or(Template::Y2021);
    if !found[0] {
        let ids = match template {
            Template::Y2019 => crate::schema::t2_2019_ids(),
            _ => t2_ids(),
        };
        missing_table(report, "t2", ids);
    }
    if !found[1] {
        missing_table(report, "t3", t3_ids(template));
    }
    if !found[2] {
        missing_table(report, "t4", t4_ids());
    }
    template_fit(report);
    let rows_missing = report.observations.iter().any(|o| {
        matches!(
            o,
            Observation::RowMissing { .. } | Observation::TableMissing { .. }
        )
    });
    report.status = if rows_missing {
        Status::Partial
    } else {
        Status::Ok
    };
}

fn missing_table(report: &mut Report, table: &'static str, ids: Vec<String>) {
    for id in &ids {
        report
            .cells
            .entry(id.clone())
            .or_insert_with(CellRecord::missing);
    }
    report
        .observations
        .push(Observation::TableMissing { table, cells: ids });
}

/// Tables of different templates in one report, or a template that does not
/// fit the statistics year (the 2021 format applies from the 2021 reports on).
fn template_fit(report: &mut Report) {
    let t = &report.template;
    let tables: Vec<(&str, Template)> = [("表二", t.t2), ("表三", t.t3)]
        .into_iter()
        .filter_map(|(n, t)| t.map(|t| (n, t)))
        .collect();
    if let [(_, a), (_, b)] = tables.as_slice() {
        if a != b {
            report.observations.push(Observation::TemplateMixed {
                detail: format!("表二为{}年格式，表三为{}年格式", a.as_str(), b.as_str()),
                detail_en: format!(
                    "table 二 uses the {} format, table 三 the {} format",
                    a.as_str(),
                    b.as_str()
                ),
            });
        }
    }
    let Some(year) = report.meta.year else {
        return;
    };
    for (name, tpl) in tables {
        let misfit = match tpl {
            Template::Y2019 => year >= 2021,
            Template::Y2021 => year <= 2020,
            Template::Common => false,
        };
        if misfit {
            report.observations.push(Observation::TemplateMixed {
                detail: format!("{name}为{}年格式，与统计年度{year}年不符", tpl.as_str()),
                detail_en: format!(
                    "{} uses the {} format, which does not fit the statistics year {year}",
                    if name == "表二" {
                        "table 二"
                    } else {
                        "table 三"
                    },
                    tpl.as_str()
                ),
            });
        }
    }
}
