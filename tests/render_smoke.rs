//! Smoke tests of the test-support renderer (`tests/support/render.rs`):
//! every format renders, `consistent()` is consistent, the containers hold
//! the parts and the merge structure the official template has, the text
//! layout is the seed's, and the committed samples are current.

mod support;

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader};
use ogi::schema::{self, CellState, Num, Template};
use regex::Regex;
use support::render::{self, DocxStyle, ReportSpec, Variants};

const TEMPLATES: [Template; 2] = [Template::Y2021, Template::Y2019];

fn variant_set(seed: u64) -> Vec<Variants> {
    let mut dropped = Variants::all(seed);
    dropped.drop_cell = Some(if seed.is_multiple_of(2) {
        "t3.results_total.total".into()
    } else {
        "t3.disclosed.commercial_enterprise".into()
    });
    vec![Variants::plain(), dropped]
}

fn zip_names(bytes: &[u8]) -> Vec<String> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("a valid zip");
    (0..z.len())
        .map(|i| {
            z.by_index(i)
                .expect("entry")
                .name()
                .expect("entry name")
                .to_string()
        })
        .collect()
}

fn zip_text(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("a valid zip");
    let mut f = z.by_name(name).expect("part present");
    let mut s = String::new();
    f.read_to_string(&mut s).expect("utf-8 part");
    s
}

/// Parses the whole XML text, failing on any error (mismatched tags, bad
/// entities, truncation).
fn assert_well_formed(xml: &str) {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut depth: i64 = 0;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("XML error at {}: {e}", r.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "unbalanced XML");
}

#[test]
fn every_format_renders_for_several_seeds() {
    for seed in 0..4u64 {
        for tpl in TEMPLATES {
            let spec = render::consistent(seed, tpl);
            for v in variant_set(seed) {
                let text = render::to_text(&spec, &v);
                assert!(text.starts_with(&spec.title()), "title first");
                assert!(text.contains(&format!(
                    "统计期限自{y}年1月1日至{y}年12月31日止",
                    y = spec.year
                )));
                let html = render::to_html(&spec, &v, false);
                let page = String::from_utf8(html).expect("utf-8 page");
                assert!(page.contains("申请人情况") && page.contains("rowspan="));
                let gbk = render::to_html(&spec, &v, true);
                let (decoded, _, bad) = encoding_rs::GBK.decode(&gbk);
                assert!(!bad, "GBK page decodes cleanly");
                assert_eq!(
                    decoded.replace("<meta charset=\"gb2312\">", "<meta charset=\"utf-8\">"),
                    page,
                    "GBK page = UTF-8 page"
                );
                // One style per case (debug-build deflate is slow); the
                // docx test below covers every style in depth.
                let styles = [DocxStyle::Word, DocxStyle::Wps, DocxStyle::LibreOffice];
                let style = styles[(seed as usize + v.t2_split as usize) % 3];
                let d = render::to_docx(&spec, &v, style);
                assert_well_formed(&zip_text(&d, "word/document.xml"));
                assert!(!render::to_xlsx(&spec, &v).is_empty());
                assert_well_formed(&zip_text(&render::to_ods(&spec, &v), "content.xml"));
                let csv = render::to_csv(&spec, &v, false);
                assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
                let csv_gbk = render::to_csv(&spec, &v, true);
                let (decoded, _, bad) = encoding_rs::GBK.decode(&csv_gbk);
                assert!(!bad);
                assert_eq!(decoded.as_bytes(), &csv[3..]);
            }
        }
    }
}

/// The relations of FORMAT.md §1.6, computed here from the schema
/// constants (independently of the renderer's own `broken_relations`).
fn check_consistent(spec: &ReportSpec) -> Result<(), String> {
    let tpl = spec.tpl();
    let get = |id: &str| -> Result<i64, String> {
        match spec.values.get(id) {
            Some(Some(n)) => Ok(*n),
            _ => Err(format!("{id} has no value")),
        }
    };
    for id in render::template_ids(tpl) {
        if id == spec.amount_id() {
            continue;
        }
        let n = get(&id)?;
        if n < 0 && !id.ends_with(".change") {
            return Err(format!("{id} = {n} < 0"));
        }
    }
    let rows: &[&str] = if tpl == Template::Y2019 {
        schema::T3_ROWS_2019
    } else {
        schema::T3_ROWS_2021
    };
    for col in schema::T3_COLS {
        let c = |row: &str| get(&format!("t3.{row}.{col}"));
        let mut sum = 0;
        for row in schema::t3_result_rows(tpl) {
            sum += c(row)?;
        }
        if sum != c("results_total")? {
            return Err(format!("results sum {col}"));
        }
        if c("new_received")? + c("carried_over")? != c("results_total")? + c("carried_forward")? {
            return Err(format!("balance {col}"));
        }
    }
    for row in rows {
        let mut sum = 0;
        for col in schema::T3_APPLICANT_COLS {
            sum += get(&format!("t3.{row}.{col}"))?;
        }
        if sum != get(&format!("t3.{row}.total"))? {
            return Err(format!("row total {row}"));
        }
    }
    for g in schema::T4_GROUPS {
        let mut sum = 0;
        for c in &schema::T4_COLS[..4] {
            sum += get(&format!("t4.{g}.{c}"))?;
        }
        if sum != get(&format!("t4.{g}.total"))? {
            return Err(format!("t4 {g}"));
        }
    }
    if tpl == Template::Y2021 {
        for row in ["regulations", "normative_docs"] {
            let (i, r, f) = (
                get(&format!("t2.{row}.issued"))?,
                get(&format!("t2.{row}.repealed"))?,
                get(&format!("t2.{row}.in_force"))?,
            );
            if f < i - r {
                return Err(format!("stock {row}"));
            }
        }
        let fee: f64 = spec
            .fee
            .parse()
            .map_err(|_| format!("fee {:?}", spec.fee))?;
        if fee < 0.0 {
            return Err("fee < 0".into());
        }
    }
    Ok(())
}

#[test]
fn consistent_reports_satisfy_every_relation() {
    let mut large = 0;
    let mut small = 0;
    let mut decimal_fees = 0;
    for seed in 0..400u64 {
        for tpl in TEMPLATES {
            let spec = render::consistent(seed, tpl);
            assert_eq!(spec.tpl(), tpl);
            check_consistent(&spec).unwrap_or_else(|e| panic!("seed {seed} {tpl:?}: {e}"));
            assert!(render::broken_relations(&spec).is_empty(), "seed {seed}");
            let total = spec.v("t3.new_received.total");
            if total > 10_000 {
                large += 1;
            }
            if total < 100 {
                small += 1;
            }
            if tpl == Template::Y2021 && spec.fee.contains('.') {
                decimal_fees += 1;
            }
        }
    }
    assert!(small > 500, "mostly small reports ({small}/800)");
    assert!(large > 5, "some large reports ({large}/800)");
    assert!(decimal_fees > 200, "fees are decimals ({decimal_fees}/400)");

    // The checks can fail: break one relation of each kind.
    let base = render::consistent(1, Template::Y2021);
    for (id, delta) in [
        ("t3.carried_over.natural_person", 1),
        ("t3.disclosed.total", 1),
        ("t4.review.pending", 1),
    ] {
        let mut bad = base.clone();
        bad.values.insert(id.into(), Some(base.v(id) + delta));
        assert!(check_consistent(&bad).is_err(), "{id}");
        assert!(!render::broken_relations(&bad).is_empty(), "{id}");
    }
}

fn num_eq(a: Option<Num>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a.as_f64() - b).abs() < 1e-9,
        _ => false,
    }
}

#[test]
fn expected_values_record_the_variants() {
    let mut markers = 0;
    let mut fullwidth = 0;
    let mut separators = 0;
    for seed in 0..40u64 {
        for tpl in TEMPLATES {
            let spec = render::consistent(seed, tpl);
            let mut v = Variants::all(seed);
            v.drop_cell = Some("t3.partially_disclosed.total".into());
            let p = render::prepare(&spec, &v);
            assert_eq!(render::prepare(&p, &v), p, "prepare is idempotent");
            let states = render::expected_states(&p);
            let values = render::expected_values(&p);
            assert_eq!(render::expected(&spec, &v), values);
            for id in spec.ids() {
                let state = states[&id];
                let want = if id == spec.amount_id() {
                    let f: f64 = spec.fee.trim_end_matches('元').parse().expect("amount");
                    Some(f)
                } else {
                    spec.values[&id].map(|n| n as f64)
                };
                match p.cell_text.get(&id).map(String::as_str) {
                    _ if id == "t3.partially_disclosed.total" => {
                        // The dropped total is derived from its row.
                        assert_eq!(state, CellState::Derived);
                        assert_eq!(values[&id].map(|n| n.as_f64()), want);
                    }
                    Some("") | Some("/") | Some("-") | Some("—") if want == Some(0.0) => {
                        markers += 1;
                        assert!(
                            matches!(state, CellState::Blank | CellState::Marker),
                            "{id}"
                        );
                        assert_eq!(values[&id], None);
                    }
                    other => {
                        if let Some(t) = other {
                            if t.chars().any(|c| ('０'..='９').contains(&c)) {
                                fullwidth += 1;
                            }
                            if t.contains(',') {
                                separators += 1;
                            }
                        }
                        assert_eq!(state, CellState::Ok, "{id} {other:?}");
                        assert!(
                            num_eq(values[&id], want),
                            "{id}: {:?} vs {want:?}",
                            values[&id]
                        );
                    }
                }
            }
            if tpl == Template::Y2019 {
                assert_eq!(states["t2.penalty.decisions"], CellState::Mapped);
                assert!(num_eq(
                    values["t2.penalty.decisions"],
                    Some(spec.v("t2_2019.penalty.decisions") as f64)
                ));
            }
        }
    }
    assert!(
        markers > 100 && fullwidth > 100 && separators > 5,
        "{markers} {fullwidth} {separators}"
    );
}

#[test]
fn read_cell_reads_what_reports_write() {
    let fee = "t2.fees.amount_wan_yuan";
    let amount = "t2_2019.procurement.total_amount";
    let count = "t3.disclosed.total";
    assert_eq!(
        render::read_cell(count, "１２"),
        (CellState::Ok, Some(Num::Int(12)))
    );
    assert_eq!(
        render::read_cell(count, "1,234"),
        (CellState::Ok, Some(Num::Int(1234)))
    );
    assert_eq!(
        render::read_cell(count, "\u{3000}"),
        (CellState::Blank, None)
    );
    assert_eq!(render::read_cell(count, "—"), (CellState::Marker, None));
    assert_eq!(render::read_cell(count, "见附件"), (CellState::Text, None));
    assert_eq!(
        render::read_cell("t2_2019.fees.change", "+12"),
        (CellState::Ok, Some(Num::Int(12)))
    );
    assert_eq!(
        render::read_cell(amount, "251000元"),
        (CellState::Ok, Some(Num::Int(251_000)))
    );
    assert_eq!(
        render::read_cell(amount, "25.1万元"),
        (CellState::Ok, Some(Num::Dec(251_000.0)))
    );
    assert_eq!(
        render::read_cell(fee, "12.60"),
        (CellState::Ok, Some(Num::Dec(12.6)))
    );
    assert_eq!(
        render::read_cell(fee, "126000元"),
        (CellState::Ok, Some(Num::Dec(12.6)))
    );
}

// ---------------------------------------------------------------------------
// DOCX structure
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum VMerge {
    None,
    Restart,
    Continue,
}

#[derive(Debug, Clone)]
struct DocxCell {
    start: usize,
    span: usize,
    vmerge: VMerge,
    text: String,
}

struct DocxTable {
    grid: Vec<String>,
    rows: Vec<Vec<DocxCell>>,
}

/// The tables of a document.xml written by the renderer (no nested tables),
/// with each cell's grid position, span and vMerge.
fn docx_tables(xml: &str) -> Vec<DocxTable> {
    let grid_re = Regex::new(r#"<w:gridCol w:w="([0-9.]+)"/>"#).unwrap();
    let span_re = Regex::new(r#"<w:gridSpan w:val="(\d+)"/>"#).unwrap();
    let after_re = Regex::new(r#"<w:gridAfter w:val="(\d+)"/>"#).unwrap();
    let text_re = Regex::new(r"<w:t(?: [^>]*)?>([^<]*)</w:t>").unwrap();
    let tr_re = Regex::new(r"<w:tr[ >]").unwrap();
    let mut out = Vec::new();
    for tbl in xml.split("<w:tbl>").skip(1) {
        let tbl = tbl.split("</w:tbl>").next().unwrap();
        let grid = grid_re
            .captures_iter(tbl)
            .map(|c| c[1].to_string())
            .collect::<Vec<_>>();
        let mut rows = Vec::new();
        for tr in tr_re.split(tbl).skip(1) {
            let mut col = 0;
            let mut cells = Vec::new();
            for tc in tr.split("<w:tc>").skip(1) {
                let span = span_re.captures(tc).map_or(1, |c| c[1].parse().unwrap());
                let vmerge = if tc.contains("<w:vMerge w:val=\"restart\"/>") {
                    VMerge::Restart
                } else if tc.contains("<w:vMerge/>")
                    || tc.contains("<w:vMerge w:val=\"continue\"/>")
                {
                    VMerge::Continue
                } else {
                    VMerge::None
                };
                let text = text_re
                    .captures_iter(tc)
                    .map(|c| c[1].to_string())
                    .collect::<String>();
                cells.push(DocxCell {
                    start: col,
                    span,
                    vmerge,
                    text,
                });
                col += span;
            }
            let after = after_re.captures(tr).map_or(0, |c| c[1].parse().unwrap());
            assert_eq!(
                col + after,
                grid.len(),
                "row spans + gridAfter = grid width"
            );
            rows.push(cells);
        }
        out.push(DocxTable { grid, rows });
    }
    out
}

/// Every continuation sits under a restart or continuation of the same
/// start and span; returns (rows spanned) for each restart cell, by text.
fn vmerge_runs(t: &DocxTable) -> BTreeMap<String, usize> {
    let mut runs = BTreeMap::new();
    for (ri, row) in t.rows.iter().enumerate() {
        for c in row {
            match c.vmerge {
                VMerge::Continue => {
                    let above = t.rows[ri - 1]
                        .iter()
                        .find(|a| a.start == c.start)
                        .expect("a cell above a continuation");
                    assert_eq!(above.span, c.span, "continuation keeps the span");
                    assert_ne!(above.vmerge, VMerge::None, "continuation under a merge");
                }
                VMerge::Restart => {
                    let mut n = 1;
                    while ri + n < t.rows.len()
                        && t.rows[ri + n]
                            .iter()
                            .any(|b| b.start == c.start && b.vmerge == VMerge::Continue)
                    {
                        n += 1;
                    }
                    runs.insert(c.text.clone(), n);
                }
                VMerge::None => {}
            }
        }
    }
    runs
}

#[test]
fn docx_has_the_official_merges_in_every_style() {
    let float_width = Regex::new(r#"<w:tcW w:w="\d+\.\d+""#).unwrap();
    for tpl in TEMPLATES {
        let spec = render::consistent(3, tpl);
        for style in [DocxStyle::Word, DocxStyle::Wps, DocxStyle::LibreOffice] {
            let d = render::to_docx(&spec, &Variants::plain(), style);
            let names = zip_names(&d);
            for part in [
                "[Content_Types].xml",
                "_rels/.rels",
                "word/document.xml",
                "word/_rels/document.xml.rels",
                "word/styles.xml",
                "docProps/core.xml",
            ] {
                assert!(names.iter().any(|n| n == part), "{style:?} lacks {part}");
            }
            let xml = zip_text(&d, "word/document.xml");
            let tables = docx_tables(&xml);
            assert_eq!(tables.len(), 3);
            let lo = style == DocxStyle::LibreOffice;
            // Table 三: 10 columns (+ the LibreOffice sliver).
            let t3 = &tables[1];
            assert_eq!(t3.grid.len(), if lo { 11 } else { 10 });
            let runs = vmerge_runs(t3);
            let block = if tpl == Template::Y2019 { 20 } else { 22 };
            assert_eq!(runs["三、本年度办理结果"], block, "{style:?} {tpl:?}");
            assert_eq!(runs[render::T3_NOTE], 3);
            assert_eq!(runs["自然人"], 2);
            assert_eq!(runs["（三）不予公开"], 8);
            let note = &t3.rows[0][0];
            assert_eq!((note.start, note.span), (0, 3));
            assert_eq!(
                t3.rows.len(),
                3 + if tpl == Template::Y2019 { 23 } else { 25 }
            );
            // Table 四: header 3 rows deep, 15 columns (+ sliver).
            let t4 = &tables[2];
            assert_eq!(t4.grid.len(), if lo { 16 } else { 15 });
            assert_eq!(t4.rows.len(), 4);
            let runs = vmerge_runs(t4);
            assert_eq!(runs["结果维持"], 2);
            assert_eq!(t4.rows[3].len(), 15);
            if lo {
                assert!(t3.grid.contains(&"1".to_string()) && t4.grid.contains(&"1".to_string()));
                // The sliver starts 行政诉讼 in the first row and is inside
                // the 行政复议 总计 cell below it.
                assert_eq!(t4.rows[0][1].span, 11);
                assert_eq!(t4.rows[3][4].span, 2);
            }
            match style {
                DocxStyle::Word => assert!(xml.contains("<w:vMerge/>")),
                DocxStyle::Wps => assert!(float_width.is_match(&xml)),
                DocxStyle::LibreOffice => assert!(xml.contains("TableContents")),
            }
            // Table 二 values sit after their labels.
            let t2 = &tables[0];
            assert_eq!(t2.grid.len(), 4);
            let label = if tpl == Template::Y2019 {
                "政府集中采购"
            } else {
                "行政许可"
            };
            assert!(t2.rows.iter().any(|r| r[0].text == label));
        }
    }
    // A dropped cell gives a short row ending in gridAfter.
    let spec = render::consistent(5, Template::Y2021);
    let mut v = Variants::plain();
    v.drop_cell = Some("t3.results_total.total".into());
    let xml = zip_text(
        &render::to_docx(&spec, &v, DocxStyle::Word),
        "word/document.xml",
    );
    assert_eq!(xml.matches("<w:gridAfter w:val=\"1\"/>").count(), 1);
    // Split table 二: four tables instead of one.
    let mut v = Variants::plain();
    v.t2_split = true;
    let xml = zip_text(
        &render::to_docx(&spec, &v, DocxStyle::Wps),
        "word/document.xml",
    );
    assert_eq!(docx_tables(&xml).len(), 6);
}

// ---------------------------------------------------------------------------
// Workbooks and CSV, read back
// ---------------------------------------------------------------------------

fn cell_f64(d: &Data) -> Option<f64> {
    match d {
        Data::Int(i) => Some(*i as f64),
        Data::Float(f) => Some(*f),
        _ => None,
    }
}

/// The numbers right of a row label, read from a calamine range: the label
/// is found by text, the values are the numeric cells in grid columns
/// `cols`.
fn row_values(
    range: &calamine::Range<Data>,
    label: &str,
    cols: std::ops::Range<u32>,
) -> Vec<Option<f64>> {
    let (r0, _) = range.start().unwrap_or((0, 0));
    let row = range
        .used_cells()
        .find(|(_, _, d)| matches!(d, Data::String(s) if s == label))
        .map(|(r, _, _)| r as u32 + r0)
        .unwrap_or_else(|| panic!("label {label} in the sheet"));
    cols.map(|c| range.get_value((row, c)).and_then(cell_f64))
        .collect()
}

fn t3_row_expected(spec: &ReportSpec, row: &str) -> Vec<Option<f64>> {
    schema::T3_COLS
        .iter()
        .map(|c| spec.values[&format!("t3.{row}.{c}")].map(|n| n as f64))
        .collect()
}

#[test]
fn workbooks_hold_the_figures_and_merges() {
    for tpl in TEMPLATES {
        let spec = render::consistent(9, tpl);
        let v = Variants::plain();
        let xlsx = render::to_xlsx(&spec, &v);
        let names = zip_names(&xlsx);
        assert!(names.iter().any(|n| n == "xl/workbook.xml"));
        assert!(names.iter().any(|n| n == "xl/worksheets/sheet1.xml"));
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(xlsx)).expect("xlsx opens");
        let sheet = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&sheet).expect("sheet");
        for row in ["new_received", "results_total", "carried_forward"] {
            assert_eq!(
                row_values(&range, render::t3_label(row), 3..10),
                t3_row_expected(&spec, row),
                "xlsx {tpl:?} {row}"
            );
        }
        let merges = wb.merge_cells_by_sheet_name(&sheet).expect("merges");
        let sizes: Vec<(u32, u32)> = merges
            .iter()
            .map(|d| (d.end.0 - d.start.0 + 1, d.end.1 - d.start.1 + 1))
            .collect();
        assert!(sizes.contains(&(3, 3)), "note cell 3×3");
        let block = if tpl == Template::Y2019 { 20 } else { 22 };
        assert!(sizes.contains(&(block, 1)), "三、本年度办理结果 × {block}");
        assert_eq!(
            sizes.iter().filter(|s| **s == (2, 1)).count(),
            2 + 5,
            "自然人, 总计, T4 labels"
        );

        let ods = render::to_ods(&spec, &v);
        let mut z = zip::ZipArchive::new(Cursor::new(ods.clone())).expect("ods zip");
        {
            let mut first = z.by_index(0).expect("first entry");
            assert_eq!(first.name().expect("name"), "mimetype");
            assert_eq!(first.compression(), zip::CompressionMethod::Stored);
            let mut s = String::new();
            first.read_to_string(&mut s).unwrap();
            assert_eq!(s, "application/vnd.oasis.opendocument.spreadsheet");
        }
        assert!(zip_names(&ods).iter().any(|n| n == "META-INF/manifest.xml"));
        let content = zip_text(&ods, "content.xml");
        assert_eq!(
            content
                .matches(&format!("table:number-rows-spanned=\"{block}\""))
                .count(),
            1
        );
        assert!(content.contains("table:covered-table-cell"));
        let mut wb: calamine::Ods<_> =
            calamine::open_workbook_from_rs(Cursor::new(ods)).expect("ods opens");
        let sheet = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&sheet).expect("sheet");
        for row in ["new_received", "disclosed", "carried_forward"] {
            assert_eq!(
                row_values(&range, render::t3_label(row), 3..10),
                t3_row_expected(&spec, row),
                "ods {tpl:?} {row}"
            );
        }

        let csv = render::to_csv(&spec, &v, false);
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&csv[3..]);
        let records: Vec<csv::StringRecord> =
            rd.records().map(|r| r.expect("csv record")).collect();
        assert!(records.iter().all(|r| r.len() == 15));
        let nr = records
            .iter()
            .find(|r| &r[0] == render::t3_label("new_received"))
            .expect("row 一 in the csv");
        let got: Vec<Option<f64>> = (3..10).map(|c| nr[c].parse().ok()).collect();
        assert_eq!(got, t3_row_expected(&spec, "new_received"));
        assert!(records
            .iter()
            .any(|r| &r[0] == "三、收到和处理政府信息公开申请情况"));
    }
}

// ---------------------------------------------------------------------------
// HTML structure
// ---------------------------------------------------------------------------

/// For each table of the page: (grid width reached by each row).
fn html_row_widths(page: &str) -> Vec<Vec<usize>> {
    let doc = scraper::Html::parse_document(page);
    let tables = scraper::Selector::parse("table").unwrap();
    let trs = scraper::Selector::parse("tr").unwrap();
    let tds = scraper::Selector::parse("td").unwrap();
    let mut out = Vec::new();
    for t in doc.select(&tables) {
        let mut busy: Vec<usize> = Vec::new();
        let mut widths = Vec::new();
        for tr in t.select(&trs) {
            let covered: Vec<bool> = busy.iter().map(|b| *b > 0).collect();
            for b in busy.iter_mut().filter(|b| **b > 0) {
                *b -= 1;
            }
            let mut col = 0;
            for td in tr.select(&tds) {
                while col < covered.len() && covered[col] {
                    col += 1;
                }
                let attr = |n: &str| {
                    td.value()
                        .attr(n)
                        .map_or(1, |v| v.parse::<usize>().unwrap())
                };
                let (cs, rs) = (attr("colspan"), attr("rowspan"));
                if busy.len() < col + cs {
                    busy.resize(col + cs, 0);
                }
                for b in &mut busy[col..col + cs] {
                    *b = rs - 1;
                }
                col += cs;
            }
            while col < covered.len() && covered[col] {
                col += 1;
            }
            widths.push(col);
        }
        out.push(widths);
    }
    out
}

#[test]
fn html_tables_have_real_spans_on_their_grid() {
    let spec = render::consistent(12, Template::Y2021);
    let page = String::from_utf8(render::to_html(&spec, &Variants::plain(), false)).unwrap();
    let widths = html_row_widths(&page);
    // The site's 索引号 table, then 二, 三, 四 (the script's '<table>' is text).
    assert_eq!(widths.len(), 4);
    assert!(page.contains("索引号") && page.contains("发布机构"));
    for (rows, width) in widths[1..].iter().zip([4usize, 10, 15]) {
        assert!(
            rows.iter().all(|w| *w == width),
            "every row fills the grid: {rows:?}"
        );
    }
    assert_eq!(widths[2].len(), 28);
    assert!(page.contains("rowspan=22"));
    assert!(page.contains("<TD"), "table 四 in uppercase tags");

    // Split table 二 and a short row.
    let mut v = Variants::plain();
    v.t2_split = true;
    v.drop_cell = Some("t3.not_processed_repeat.total".into());
    let page = String::from_utf8(render::to_html(&spec, &v, false)).unwrap();
    let widths = html_row_widths(&page);
    assert_eq!(widths.len(), 1 + 4 + 2);
    assert!(widths[1..5].iter().flatten().all(|w| *w == 4));
    let t3 = &widths[5];
    assert_eq!(
        t3.iter().filter(|w| **w == 9).count(),
        1,
        "one short row: {t3:?}"
    );
    assert_eq!(t3.iter().filter(|w| **w == 10).count(), 27);
}

// ---------------------------------------------------------------------------
// The seed's text layout
// ---------------------------------------------------------------------------

/// A spec holding the seed report's figures (000_c4248d9b40c3335c.txt):
/// its （七）总计 row lacks the last cell.
fn seed_spec() -> ReportSpec {
    let mut spec = render::blank("四方台区", 2024, Template::Y2021);
    spec.cell_text.clear();
    for id in spec.ids() {
        if id != spec.amount_id() {
            spec.values.insert(id, Some(0));
        }
    }
    for (id, n) in [
        ("t2.normative_docs.issued", 6),
        ("t2.normative_docs.repealed", 2),
        ("t2.normative_docs.in_force", 17),
        ("t2.licensing.decisions", 91),
        ("t2.penalty.decisions", 12),
        ("t3.new_received.natural_person", 2),
        ("t3.new_received.total", 2),
        ("t3.disclosed.natural_person", 2),
        ("t3.disclosed.total", 2),
        ("t3.results_total.natural_person", 2),
        ("t3.carried_forward.natural_person", 1),
        ("t4.review.corrected", 1),
        ("t4.review.pending", 4),
        ("t4.review.total", 5),
    ] {
        spec.values.insert(id.into(), Some(n));
    }
    spec.fee = "0".into();
    spec.dropped.insert("t3.results_total.total".into());
    spec
}

/// The lines of a section: after the heading line, up to the next heading
/// (a line without a leading tab or space).
fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| *l == heading).expect("heading") + 1;
    let end = lines[start..]
        .iter()
        .position(|l| {
            !l.is_empty()
                && !l.starts_with('\t')
                && !l.starts_with(' ')
                && !l.starts_with("企业")
                && !l.starts_with("机构")
                && !is_continuation(l)
        })
        .map_or(lines.len(), |p| start + p);
    lines[start..end].to_vec()
}

/// Second lines of header cells (商业⏎企业, 结果⏎纠正).
fn is_continuation(l: &str) -> bool {
    ["企业", "机构", "纠正", "结果", "审结", "维持"].contains(&l)
}

/// Rows of a table block: the number of tab-led lines in each. A blank
/// line ends a row; so does a line starting with " \t" (the seed's glued
/// row after a short one), which starts the next.
fn row_shape(block: &[&str]) -> Vec<usize> {
    let mut rows = Vec::new();
    let mut n = 0;
    for l in block {
        if l.is_empty() {
            if n > 0 {
                rows.push(n);
            }
            n = 0;
        } else if l.starts_with(" \t") {
            if n > 0 {
                rows.push(n);
            }
            n = 1;
        } else if l.starts_with('\t') {
            n += 1;
        }
    }
    if n > 0 {
        rows.push(n);
    }
    rows
}

#[test]
fn text_follows_the_seed_layout() {
    let text = render::to_text(&seed_spec(), &Variants::plain());
    let t3 = section(&text, "三、收到和处理政府信息公开申请情况");
    let mut want = vec![2, 4, 8, 8, 8, 9, 9];
    want.extend([10; 8 + 3 + 5 + 3]);
    want.extend([8, 8]); // （七） short by one, then 四、
    assert_eq!(row_shape(&t3), want);
    assert!(
        t3.contains(&" \t四、结转下年度继续办理"),
        "glued row after the short one"
    );
    let t4 = section(&text, "四、政府信息公开行政复议、行政诉讼情况");
    assert_eq!(row_shape(&t4), vec![2, 7, 15, 15]);
    let t2 = section(&text, "二、主动公开政府信息情况");
    assert_eq!(
        row_shape(&t2),
        vec![1, 4, 4, 4, 1, 2, 2, 1, 2, 2, 2, 1, 2, 2]
    );

    // With the seed itself at hand, the table blocks are identical.
    let path = std::path::Path::new("/work/shared/seeds/000_c4248d9b40c3335c.txt");
    let Ok(seed) = std::fs::read_to_string(path) else {
        eprintln!("seed not present; compared the layout only");
        return;
    };
    for heading in [
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ] {
        assert_eq!(
            section(&text, heading),
            section(&seed, heading),
            "{heading}"
        );
    }
    assert_eq!(text.lines().next(), seed.lines().next(), "title line");
}

// ---------------------------------------------------------------------------
// The committed samples
// ---------------------------------------------------------------------------

#[test]
fn committed_samples_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    if !dir.exists() {
        eprintln!("no samples/ folder; nothing to compare");
        return;
    }
    for s in render::sample_set() {
        let on_disk = std::fs::read(dir.join(&s.path)).unwrap_or_else(|_| {
            panic!(
                "samples/{} missing: run `cargo run --example gen_samples`",
                s.path
            )
        });
        assert!(
            on_disk == s.bytes,
            "samples/{} is out of date: run `cargo run --example gen_samples`",
            s.path
        );
    }
    for (name, spec, _) in render::sample_specs() {
        let json =
            std::fs::read_to_string(dir.join(format!("../tests/fixtures/samples/{name}.json")))
                .expect("expected file");
        let on_disk: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(
            on_disk,
            render::expected_json(&spec),
            "tests/fixtures/samples/{name}.json"
        );
    }
}

#[test]
fn sample_reports_are_what_the_readme_says() {
    let specs: BTreeMap<&str, (ReportSpec, Variants)> = render::sample_specs()
        .into_iter()
        .map(|(n, s, v)| (n, (s, v)))
        .collect();
    assert!(render::broken_relations(&specs["report-2021"].0).is_empty());
    assert!(render::broken_relations(&specs["report-2019"].0).is_empty());
    let errors = render::broken_relations(&specs["errors-2021"].0);
    assert!(errors
        .iter()
        .any(|e| e.starts_with("T3-BALANCE natural_person")));
    assert!(errors
        .iter()
        .any(|e| e.starts_with("T3-ROW-TOTAL withheld_third_party")));
    assert!(specs["errors-2021"]
        .0
        .dropped
        .contains("t3.not_processed_repeat.total"));
    // The variants sample holds the report's figures.
    let (report, _) = &specs["report-2021"];
    let (var, v) = &specs["report-2021-variants"];
    assert_eq!(report.values, var.values);
    assert!(v.label_variants && v.markers_for_zero && v.t2_split);
    let blank = render::expected_states(&specs["template-blank-2021"].0);
    assert!(blank.values().all(|s| *s == CellState::Blank));
    // Every sample file is small.
    for s in render::sample_set() {
        assert!(
            s.bytes.len() < 70_000,
            "{} is {} bytes",
            s.path,
            s.bytes.len()
        );
    }
}
