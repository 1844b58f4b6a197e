//! Tests of the workbook reader. Inputs are written here, from Rust:
//! xlsx with rust_xlsxwriter or by hand as a zip, ods and xls by hand.

use std::io::{Cursor, Write};

use super::*;
use crate::grid::{Grid, Span};

const NOTE: &str = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";

fn only_grid(doc: &Document) -> &Grid {
    let grids: Vec<&Grid> = doc.tables().collect();
    assert_eq!(grids.len(), 1, "one table per sheet");
    grids[0]
}

/// A compact picture of a grid: `<` covered from the left, `^` from above.
fn show(g: &Grid) -> String {
    let mut out = String::new();
    for (r, row) in g.rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c.span {
                Span::Covered { row, .. } if row == r => "<".to_string(),
                Span::Covered { .. } => "^".to_string(),
                Span::Origin { .. } => c.text.clone(),
            })
            .collect();
        out.push_str(&cells.join(" | "));
        out.push('\n');
    }
    out
}

fn zip_parts(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

// ---------------------------------------------------------------------------
// xlsx

/// The official Table 三 header of the 2021 template plus a few value rows.
fn table3_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime as XlDate, Format as XlFormat, Formula, Workbook};
    let mut wb = Workbook::new();
    let f = XlFormat::new();
    let ws = wb.add_worksheet();
    ws.set_name("表三").unwrap();
    ws.merge_range(0, 0, 2, 2, NOTE, &f).unwrap();
    ws.merge_range(0, 3, 0, 9, "申请人情况", &f).unwrap();
    ws.merge_range(1, 3, 2, 3, "自然人", &f).unwrap();
    ws.merge_range(1, 4, 1, 8, "法人或其他组织", &f).unwrap();
    ws.merge_range(1, 9, 2, 9, "总计", &f).unwrap();
    for (i, label) in [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(2, 4 + i as u16, *label).unwrap();
    }
    ws.merge_range(3, 0, 3, 2, "一、本年新收政府信息公开申请数量", &f)
        .unwrap();
    ws.write_number(3, 3, 110.0).unwrap();
    ws.write_string(3, 4, "１２").unwrap();
    ws.write_number(3, 5, 12.5).unwrap();
    ws.write_number(3, 6, 0.1 + 0.2).unwrap();
    ws.write_string(3, 7, " 34 ").unwrap();
    ws.write_formula(3, 9, "=SUM(D4:H4)").unwrap();
    ws.merge_range(4, 0, 4, 2, "二、上年结转政府信息公开申请数量", &f)
        .unwrap();
    ws.merge_range(5, 0, 26, 0, "三、本年度办理结果", &f)
        .unwrap();
    ws.merge_range(5, 1, 5, 2, "（一）予以公开", &f).unwrap();
    ws.write_string(6, 1, "（二）部分公开\n（区分处理的）")
        .unwrap();
    ws.merge_range(27, 0, 27, 2, "四、结转下年度继续办理", &f)
        .unwrap();
    ws.write_boolean(27, 3, true).unwrap();
    let date = XlFormat::new().set_num_format("yyyy-mm-dd");
    ws.write_datetime_with_format(27, 4, XlDate::from_ymd(2019, 12, 31).unwrap(), &date)
        .unwrap();
    ws.write_formula(27, 5, Formula::new("=1/0").set_result("#DIV/0!"))
        .unwrap();
    ws.write_number(27, 6, -0.0).unwrap();
    wb.add_worksheet().set_name("空").unwrap();
    wb.add_worksheet()
        .set_name("说明")
        .unwrap()
        .write_string(1, 1, "附注")
        .unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_table3_header_merges_and_values() {
    let docs = read_workbook(&table3_xlsx(), Format::Xlsx).unwrap();
    let names: Vec<_> = docs.iter().map(|d| d.sheet.as_deref().unwrap()).collect();
    assert_eq!(names, ["表三", "说明"], "the empty sheet is left out");
    let g = only_grid(&docs[0]);
    println!("{}", show(g));
    assert!(g.expanded);
    assert_eq!((g.height(), g.width()), (28, 10));
    assert!(g.rows.iter().all(|r| r.len() == 10));

    assert_eq!(g.rows[0][0].text, NOTE);
    assert_eq!(g.rows[0][0].span, Span::Origin { rows: 3, cols: 3 });
    assert_eq!(g.rows[2][2].span, Span::Covered { row: 0, col: 0 });
    assert_eq!(g.rows[0][3].span, Span::Origin { rows: 1, cols: 7 });
    assert_eq!(g.rows[0][9].span, Span::Covered { row: 0, col: 3 });
    assert_eq!(g.rows[1][3].text, "自然人");
    assert_eq!(g.rows[1][3].span, Span::Origin { rows: 2, cols: 1 });
    assert_eq!(g.rows[2][3].span, Span::Covered { row: 1, col: 3 });
    assert_eq!(g.rows[1][4].span, Span::Origin { rows: 1, cols: 5 });
    assert_eq!(g.origin_text(1, 8), "法人或其他组织");
    assert_eq!(g.rows[1][9].span, Span::Origin { rows: 2, cols: 1 });
    assert_eq!(g.origin_text(2, 9), "总计");
    assert_eq!(g.rows[2][4].text, "商业企业");
    assert_eq!(g.rows[5][0].span, Span::Origin { rows: 22, cols: 1 });
    assert_eq!(g.rows[26][0].span, Span::Covered { row: 5, col: 0 });
    assert_eq!(g.origin_text(26, 0), "三、本年度办理结果");
    assert_eq!(g.rows[27][0].span, Span::Origin { rows: 1, cols: 3 });

    let row3: Vec<&str> = g.rows[3][3..].iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        row3,
        ["110", "１２", "12.5", "0.3", "34", "", "=SUM(D4:H4)"]
    );
    assert_eq!(g.rows[6][1].text, "（二）部分公开 （区分处理的）");
    let row27: Vec<&str> = g.rows[27][3..7].iter().map(|c| c.text.as_str()).collect();
    assert_eq!(row27, ["TRUE", "2019-12-31", "#DIV/0!", "0"]);

    // The second document is the used range of its sheet only.
    let g2 = only_grid(&docs[1]);
    assert_eq!((g2.height(), g2.width()), (1, 1));
    assert_eq!(g2.rows[0][0].text, "附注");
}

#[test]
fn read_merges_sheets_and_read_all_splits_them() {
    let bytes = table3_xlsx();
    let merged = crate::ingest::read(Format::Xlsx, &bytes).unwrap();
    assert_eq!(merged.tables().count(), 2);
    assert_eq!(merged.sheet, None);
    let all = crate::ingest::read_all(Format::Xlsx, &bytes).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].sheet.as_deref(), Some("说明"));
}

/// A minimal xlsx package around one worksheet part.
fn hand_xlsx(sheet: &str, shared_strings: Option<&str>, calc_pr: &str) -> Vec<u8> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/s1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId7"/></sheets>{calc_pr}</workbook>"#
    );
    let mut wb_rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/s1.xml"/>"#,
    );
    if shared_strings.is_some() {
        wb_rels.push_str(r#"<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
    }
    wb_rels.push_str("</Relationships>");
    let sheet_xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sheet}</worksheet>"#
    );
    let mut parts: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", content_types.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
        ("xl/worksheets/s1.xml", sheet_xml.as_bytes()),
    ];
    if let Some(sst) = shared_strings {
        parts.push(("xl/sharedStrings.xml", sst.as_bytes()));
    }
    zip_parts(&parts)
}

#[test]
fn xlsx_formula_without_cached_value_reads_as_formula() {
    // As openpyxl writes them: formulas without <v>, one of them shared.
    let sheet = r#"<sheetData>
        <row r="1"><c r="A1"><v>3</v></c><c r="B1"><v>4</v></c><c r="C1"><v>5</v></c></row>
        <row r="2"><c r="A2"><v>6</v></c><c r="B2"><v>7</v></c><c r="C2"><v>8</v></c></row>
        <row r="3"><c r="A3"><f t="shared" ref="A3:C3" si="0">SUM(A1:A2)</f></c><c r="B3"><f t="shared" si="0"/></c><c r="C3"><f>C1+C2</f><v>13</v></c></row>
        <row r="4"><c r="A4"><f>A1*0</f><v>0</v></c><c r="B4" t="inlineStr"><is><t>合计 &amp; 备注</t></is></c></row>
        </sheetData>"#;
    let docs = read_workbook(&hand_xlsx(sheet, None, ""), Format::Xlsx).unwrap();
    let g = only_grid(&docs[0]);
    println!("{}", show(g));
    assert_eq!(g.rows[2][0].text, "=SUM(A1:A2)");
    assert_eq!(
        g.rows[2][1].text, "=SUM(B1:B2)",
        "shared formula moved to B3"
    );
    assert_eq!(g.rows[2][2].text, "13", "a cached value is kept");
    assert_eq!(
        g.rows[3][0].text, "0",
        "a cached 0 is trusted without fullCalcOnLoad"
    );
    assert_eq!(g.rows[3][1].text, "合计 & 备注");

    // With fullCalcOnLoad the cached 0 is a placeholder: show the formula.
    let calc = r#"<calcPr calcId="124519" fullCalcOnLoad="1"/>"#;
    let docs = read_workbook(&hand_xlsx(sheet, None, calc), Format::Xlsx).unwrap();
    assert_eq!(only_grid(&docs[0]).rows[3][0].text, "=A1*0");
}

#[test]
fn xlsx_far_apart_cells_are_refused_before_allocation() {
    let sheet = r#"<sheetData><row r="1"><c r="A1"><v>1</v></c></row>
        <row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData>"#;
    let err = read_workbook(&hand_xlsx(sheet, None, ""), Format::Xlsx).unwrap_err();
    assert_eq!(err.kind(), "too_large", "{err}");
}

#[test]
fn xlsx_huge_declared_shared_strings_are_refused() {
    let sst = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="9000000000000"><si><t>x</t></si></sst>"#;
    let sheet = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#;
    let err = read_workbook(&hand_xlsx(sheet, Some(sst), ""), Format::Xlsx).unwrap_err();
    assert_eq!(err.kind(), "too_large", "{err}");
    // The same with an honest count reads.
    let sst_ok = sst.replace("9000000000000", "1");
    let docs = read_workbook(&hand_xlsx(sheet, Some(&sst_ok), ""), Format::Xlsx).unwrap();
    assert_eq!(only_grid(&docs[0]).rows[0][0].text, "x");
}

#[test]
fn broken_workbooks_are_errors_not_panics() {
    let mut bytes = table3_xlsx();
    bytes.truncate(bytes.len() / 2);
    let err = read_workbook(&bytes, Format::Xlsx).unwrap_err();
    assert_eq!(err.kind(), "corrupt", "{err}");
    let err = read_workbook(b"PK\x03\x04 not really a zip", Format::Ods).unwrap_err();
    assert_eq!(err.kind(), "corrupt", "{err}");
    let err = read_workbook(b"", Format::Xlsx).unwrap_err();
    assert_eq!(err.kind(), "empty");
}

proptest::proptest! {
    #[test]
    fn whole_numbers_read_as_the_long_way_reads_them(
        n in -999_999_999_999_999i64..=999_999_999_999_999,
        scale in 0u32..16,
    ) {
        let v = (n / 10i64.pow(scale)) as f64;
        proptest::prop_assert_eq!(float_text(v), float_text_rounded(v));
        proptest::prop_assert_eq!(float_text(n as f64), float_text_rounded(n as f64));
    }
}

#[test]
fn cell_text_normalisation() {
    for v in [
        0.0,
        -0.0,
        1.0,
        -1.0,
        999_999_999_999_999.0,
        1e15,
        -1e15,
        2f64.powi(53),
    ] {
        assert_eq!(float_text(v), float_text_rounded(v), "{v}");
    }
    assert_eq!(float_text(110.0), "110");
    assert_eq!(float_text(12.5), "12.5");
    assert_eq!(float_text(0.1 + 0.2), "0.3");
    assert_eq!(float_text(-0.0), "0");
    assert_eq!(float_text(1e20), "100000000000000000000");
    assert_eq!(float_text(0.000123), "0.000123");
    assert_eq!(float_text(f64::NAN), "#NUM!");
    let dt = |v| ExcelDateTime::new(v, calamine::ExcelDateTimeType::DateTime, false);
    assert_eq!(datetime_text(&dt(43830.0)), "2019-12-31");
    assert_eq!(datetime_text(&dt(43830.5)), "2019-12-31T12:00:00");
    assert_eq!(datetime_text(&dt(0.25)), "06:00:00");
    assert_eq!(cell_ref("B6"), Some((5, 1)));
    assert_eq!(cell_ref("XFD1048576"), Some((1_048_575, 16_383)));
    assert_eq!(cell_ref("XFE1"), None);
    assert_eq!(
        resolve_target("xl/", "../customXml/a.xml"),
        "customXml/a.xml"
    );
    assert_eq!(
        resolve_target("xl/", "/xl/worksheets/s.xml"),
        "xl/worksheets/s.xml"
    );
}

// ---------------------------------------------------------------------------
// ods

const ODS_NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3""#;

fn hand_ods(tables: &str, manifest_extra: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS}><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{manifest_extra}</manifest:file-entry></manifest:manifest>"#
    );
    zip_parts(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content.as_bytes()),
        ("META-INF/manifest.xml", manifest.as_bytes()),
    ])
}

const ODS_TABLES: &str = r#"
<table:table table:name="表三">
  <table:table-column table:number-columns-repeated="16384"/>
  <table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
  <table:table-row>
    <table:table-cell/>
    <table:table-cell table:number-columns-spanned="3" table:number-rows-spanned="1" office:value-type="string"><text:p>申请人情况</text:p></table:table-cell>
    <table:covered-table-cell table:number-columns-repeated="2"><text:p>hidden</text:p></table:covered-table-cell>
    <table:table-cell office:value-type="float" office:value="1234" calcext:value-type="float"><text:p>1,234</text:p></table:table-cell>
    <table:table-cell table:number-columns-repeated="16379"/>
  </table:table-row>
  <table:table-row>
    <table:table-cell/>
    <table:table-cell table:number-rows-spanned="2" office:value-type="string"><text:p>自然人</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>法人<text:s text:c="3"/>或<text:line-break/>其他</text:p><text:p>组织</text:p><office:annotation><dc:creator>x</dc:creator><text:p>批注</text:p></office:annotation></table:table-cell>
    <table:table-cell office:value-type="float" office:value="0.30000000000000004"><text:p>0.3</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>A &amp; B &#x4E2D;</text:p></table:table-cell>
    <table:table-cell table:number-columns-repeated="16379"/>
  </table:table-row>
  <table:table-row>
    <table:table-cell/>
    <table:covered-table-cell/>
    <table:table-cell office:value-type="string"><text:p>１２</text:p></table:table-cell>
    <table:table-cell office:value-type="date" office:date-value="2019-12-31T00:00:00"><text:p>12/31/19</text:p></table:table-cell>
    <table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell>
    <table:table-cell table:formula="of:=SUM([.B3:.B4])"/>
    <table:table-cell table:formula="of:=1/0" office:value-type="string" office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>
  </table:table-row>
  <table:table-row table:number-rows-repeated="2">
    <table:table-cell/>
    <table:table-cell office:value-type="float" office:value="0" table:number-columns-repeated="2"><text:p>0</text:p></table:table-cell>
  </table:table-row>
  <table:table-row table:number-rows-repeated="1048569"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
</table:table>
<table:table table:name="空"><table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>
"#;

#[test]
fn ods_spans_covered_cells_and_repeats() {
    let docs = read_workbook(&hand_ods(ODS_TABLES, ""), Format::Ods).unwrap();
    assert_eq!(docs.len(), 1, "the empty sheet is left out");
    assert_eq!(docs[0].sheet.as_deref(), Some("表三"));
    let g = only_grid(&docs[0]);
    println!("{}", show(g));
    // Used range: rows 3..=7, columns B..=G; the million empty rows and
    // columns around it cost nothing.
    assert_eq!((g.height(), g.width()), (5, 6));
    assert_eq!(g.rows[0][0].text, "申请人情况");
    assert_eq!(g.rows[0][0].span, Span::Origin { rows: 1, cols: 3 });
    assert_eq!(g.rows[0][2].span, Span::Covered { row: 0, col: 0 });
    assert_eq!(g.rows[0][2].text, "", "covered content is hidden");
    assert_eq!(g.rows[0][3].text, "1234");
    assert_eq!(g.rows[1][0].span, Span::Origin { rows: 2, cols: 1 });
    assert_eq!(g.rows[2][0].span, Span::Covered { row: 1, col: 0 });
    assert_eq!(g.rows[1][1].text, "法人 或 其他 组织", "comment skipped");
    assert_eq!(g.rows[1][2].text, "0.3");
    assert_eq!(g.rows[1][3].text, "A & B 中");
    let row2: Vec<&str> = g.rows[2][1..].iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        row2,
        ["１２", "2019-12-31", "TRUE", "=SUM([.B3:.B4])", "#DIV/0!"]
    );
    for r in 3..5 {
        assert_eq!(g.rows[r][0].text, "0");
        assert_eq!(g.rows[r][1].text, "0");
    }
}

#[test]
fn ods_repeated_content_beyond_the_limit_is_too_large() {
    let table = r#"<table:table table:name="T"><table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="1000"/></table:table-row></table:table>"#;
    let err = read_workbook(&hand_ods(table, ""), Format::Ods).unwrap_err();
    assert_eq!(err.kind(), "too_large", "{err}");
}

#[test]
fn ods_encrypted_and_truncated() {
    let extra =
        r#"<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>"#;
    let err = read_workbook(&hand_ods(ODS_TABLES, extra), Format::Ods).unwrap_err();
    assert_eq!(err.kind(), "encrypted", "{err}");
    let cut = r#"<table:table table:name="T"><table:table-row><table:table-cell office:value-type="string"><text:p>x"#;
    let err = read_workbook(&hand_ods(cut, ""), Format::Ods).unwrap_err();
    assert_eq!(err.kind(), "corrupt", "{err}");
}

// ---------------------------------------------------------------------------
// xls: a BIFF8 workbook in a hand-built compound file

fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = typ.to_le_bytes().to_vec();
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
    out
}

fn bof(dt: u16) -> Vec<u8> {
    let mut d = vec![0u8; 16];
    d[0..2].copy_from_slice(&0x0600u16.to_le_bytes());
    d[2..4].copy_from_slice(&dt.to_le_bytes());
    record(0x0809, &d)
}

fn label(row: u16, col: u16, s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut d = Vec::new();
    for v in [row, col, 0, units.len() as u16] {
        d.extend_from_slice(&v.to_le_bytes());
    }
    d.push(1); // UTF-16
    for u in units {
        d.extend_from_slice(&u.to_le_bytes());
    }
    record(0x0204, &d)
}

fn number(row: u16, col: u16, v: f64) -> Vec<u8> {
    let mut d = Vec::new();
    for x in [row, col, 0] {
        d.extend_from_slice(&x.to_le_bytes());
    }
    d.extend_from_slice(&v.to_le_bytes());
    record(0x0203, &d)
}

fn dimensions(rf: u32, rl: u32, cf: u16, cl: u16) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(&rf.to_le_bytes());
    d.extend_from_slice(&rl.to_le_bytes());
    d.extend_from_slice(&cf.to_le_bytes());
    d.extend_from_slice(&cl.to_le_bytes());
    d.extend_from_slice(&[0, 0]);
    record(0x0200, &d)
}

/// A workbook stream with one sheet named `name` holding `cells`.
fn biff_workbook(name: &str, cells: &[Vec<u8>], globals_extra: &[u8]) -> Vec<u8> {
    let units: Vec<u16> = name.encode_utf16().collect();
    let bound = |pos: u32| {
        let mut d = pos.to_le_bytes().to_vec();
        d.extend_from_slice(&[0, 0, units.len() as u8, 1]);
        for u in &units {
            d.extend_from_slice(&u.to_le_bytes());
        }
        record(0x0085, &d)
    };
    let mut globals = bof(0x0005);
    globals.extend_from_slice(globals_extra);
    let placeholder = bound(0);
    let sheet_pos = (globals.len() + placeholder.len() + 4) as u32;
    globals.extend(bound(sheet_pos));
    globals.extend(record(0x000A, &[]));
    assert_eq!(globals.len() as u32, sheet_pos);
    globals.extend(bof(0x0010));
    for c in cells {
        globals.extend_from_slice(c);
    }
    globals.extend(record(0x000A, &[]));
    globals
}

/// A version-3 compound file holding the given streams (each padded to
/// 4096 bytes so that it lives in regular sectors).
pub(crate) fn compound_file(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let mut fat: Vec<u32> = vec![0xFFFF_FFFD, END]; // the FAT itself, the directory
    let mut data = Vec::new();
    let mut entries = Vec::new();
    for (name, bytes) in streams {
        let mut bytes = bytes.clone();
        let size = bytes.len().max(4096);
        bytes.resize(size.div_ceil(512) * 512, 0);
        let start = fat.len() as u32;
        let n = bytes.len() / 512;
        for i in 0..n {
            fat.push(if i + 1 == n {
                END
            } else {
                start + i as u32 + 1
            });
        }
        data.extend_from_slice(&bytes);
        entries.push((name.to_string(), 2u8, start, size as u32));
    }
    assert!(fat.len() <= 128, "one FAT sector is enough for tests");
    fat.resize(128, FREE);

    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put16 =
        |h: &mut Vec<u8>, at: usize, v: u16| h[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 =
        |h: &mut Vec<u8>, at: usize, v: u32| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut header, 0x18, 0x003E);
    put16(&mut header, 0x1A, 3);
    put16(&mut header, 0x1C, 0xFFFE);
    put16(&mut header, 0x1E, 9);
    put16(&mut header, 0x20, 6);
    put32(&mut header, 0x2C, 1);
    put32(&mut header, 0x30, 1);
    put32(&mut header, 0x38, 4096);
    put32(&mut header, 0x3C, END);
    put32(&mut header, 0x44, END);
    put32(&mut header, 0x4C, 0);
    for i in 1..109 {
        put32(&mut header, 0x4C + 4 * i, FREE);
    }

    let mut dir = Vec::new();
    let mut all = vec![("Root Entry".to_string(), 5u8, END, 0u32)];
    all.extend(entries);
    for (i, (name, kind, start, size)) in all.iter().enumerate() {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().collect();
        for (j, u) in units.iter().enumerate() {
            e[2 * j..2 * j + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[0x40..0x42].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
        e[0x42] = *kind;
        e[0x43] = 1;
        let left = FREE;
        let right = if i >= 1 && i + 1 < all.len() {
            i as u32 + 1
        } else {
            FREE
        };
        let child = if i == 0 && all.len() > 1 { 1 } else { FREE };
        e[0x44..0x48].copy_from_slice(&left.to_le_bytes());
        e[0x48..0x4C].copy_from_slice(&right.to_le_bytes());
        e[0x4C..0x50].copy_from_slice(&child.to_le_bytes());
        e[0x74..0x78].copy_from_slice(&start.to_le_bytes());
        e[0x78..0x7C].copy_from_slice(&size.to_le_bytes());
        dir.extend(e);
    }
    assert!(dir.len() <= 512);
    dir.resize(512, 0);

    let mut out = header;
    out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    out.extend(dir);
    out.extend(data);
    out
}

fn merged_cells(regions: &[(u16, u16, u16, u16)]) -> Vec<u8> {
    let mut d = (regions.len() as u16).to_le_bytes().to_vec();
    for (rf, rl, cf, cl) in regions {
        for v in [rf, rl, cf, cl] {
            d.extend_from_slice(&v.to_le_bytes());
        }
    }
    record(0x00E5, &d)
}

#[test]
fn xls_values_and_merges() {
    let cells = vec![
        dimensions(1, 4, 1, 4),
        label(1, 1, "申请人情况"),
        label(2, 1, "自然人"),
        label(2, 2, "法人或其他组织"),
        number(3, 2, 110.0),
        number(3, 3, 12.5),
        merged_cells(&[(1, 1, 1, 3), (2, 3, 1, 1)]),
    ];
    let wb = biff_workbook("表三", &cells, &[]);
    let bytes = compound_file(&[("Workbook", wb)]);
    let docs = read_workbook(&bytes, Format::Xls).unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].sheet.as_deref(), Some("表三"));
    let g = only_grid(&docs[0]);
    println!("{}", show(g));
    assert_eq!((g.height(), g.width()), (3, 3));
    assert_eq!(g.rows[0][0].text, "申请人情况");
    assert_eq!(g.rows[0][0].span, Span::Origin { rows: 1, cols: 3 });
    assert_eq!(g.rows[0][2].span, Span::Covered { row: 0, col: 0 });
    assert_eq!(g.rows[1][0].span, Span::Origin { rows: 2, cols: 1 });
    assert_eq!(g.rows[2][0].span, Span::Covered { row: 1, col: 0 });
    assert_eq!(g.rows[2][1].text, "110");
    assert_eq!(g.rows[2][2].text, "12.5");
    // Routed by content: an OLE file is xls whatever the caller says.
    assert_eq!(read_workbook(&bytes, Format::Xlsx).unwrap(), docs);
}

#[test]
fn xls_hostile_sizes_are_refused_before_calamine() {
    // Reversed DIMENSIONS: calamine's arithmetic would wrap and reserve
    // billions of cells.
    let wb = biff_workbook("S", &[dimensions(9, 3, 0, 2), label(0, 0, "x")], &[]);
    let err = read_workbook(&compound_file(&[("Workbook", wb)]), Format::Xls).unwrap_err();
    assert_eq!(err.kind(), "too_large", "{err}");
    // Two cells far apart: calamine would fill their whole bounding box.
    let wb = biff_workbook("S", &[label(0, 0, "x"), label(65_535, 255, "y")], &[]);
    let err = read_workbook(&compound_file(&[("Workbook", wb)]), Format::Xls).unwrap_err();
    assert_eq!(err.kind(), "too_large", "{err}");
}

#[test]
fn xls_looping_sector_chain_is_corrupt_not_a_hang() {
    let wb = biff_workbook("S", &[label(0, 0, "x")], &[]);
    let mut bytes = compound_file(&[("Workbook", wb)]);
    assert!(read_workbook(&bytes, Format::Xls).is_ok());
    // The directory sector (1) now points back at itself: calamine would
    // follow the chain forever.
    bytes[512 + 4..512 + 8].copy_from_slice(&1u32.to_le_bytes());
    let err = read_workbook(&bytes, Format::Xls).unwrap_err();
    assert_eq!(err.kind(), "corrupt", "{err}");
}

#[test]
fn encrypted_office_files_are_reported_as_encrypted() {
    // An encrypted xlsx is an OLE file with these streams.
    let bytes = compound_file(&[
        ("EncryptionInfo", vec![4, 0, 4, 0]),
        ("EncryptedPackage", vec![0; 16]),
    ]);
    for format in [Format::Xls, Format::Xlsx] {
        let err = read_workbook(&bytes, format).unwrap_err();
        assert_eq!(err.kind(), "encrypted", "{err}");
    }
    // An xls with a FilePass record (password to open).
    let wb = biff_workbook("S", &[label(0, 0, "x")], &record(0x002F, &[1, 0, 0, 0]));
    let err = read_workbook(&compound_file(&[("Workbook", wb)]), Format::Xls).unwrap_err();
    assert_eq!(err.kind(), "encrypted", "{err}");
}

// ---------------------------------------------------------------------------
// A real file (skipped when the shared corpus is absent)

#[test]
fn real_pingtan_xlsx() {
    let path = "/work/shared/corpus/pingtan_2019_80576.lo.xlsx";
    let Ok(bytes) = std::fs::read(path) else {
        eprintln!("skipped: {path} is absent");
        return;
    };
    let docs = read_workbook(&bytes, Format::Xlsx).unwrap();
    assert_eq!(docs.len(), 1);
    let g = only_grid(&docs[0]);
    println!("{}", show(g));
    assert_eq!(g.width(), 29);
    let origins = g
        .rows
        .iter()
        .flatten()
        .filter(|c| matches!(c.span, Span::Origin { rows, cols } if rows * cols > 1))
        .count();
    assert_eq!(origins, 167, "every merged region of the file is kept");
    let all: Vec<&str> = g.rows.iter().flatten().map(|c| c.text.as_str()).collect();
    assert!(all
        .iter()
        .any(|t| t.contains("本年新收政府信息公开申请数量")));
}

// ---------------------------------------------------------------------------
// Damaged inputs: errors, never a panic, a hang or a huge allocation

/// A small deterministic generator (no dependency needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

#[test]
fn mutated_ods_content_never_panics() {
    let mut rng = Lcg(7);
    let alphabet = b"<>/\"= 0123456789:-abt";
    for _ in 0..300 {
        let mut text = ODS_TABLES.as_bytes().to_vec();
        for _ in 0..1 + rng.next(4) {
            let at = rng.next(text.len());
            text[at] = alphabet[rng.next(alphabet.len())];
        }
        let text = String::from_utf8_lossy(&text).into_owned();
        // Called directly, outside the catch_unwind of read_workbook.
        if let Ok(sheets) = ods::read(&hand_ods(&text, "")) {
            for sheet in &sheets {
                let _ = build_grid(sheet);
            }
        }
    }
}

#[test]
fn mutated_xls_never_panics() {
    let cells = vec![
        dimensions(1, 4, 1, 4),
        label(1, 1, "申请人情况"),
        number(3, 2, 110.0),
        merged_cells(&[(1, 1, 1, 3)]),
    ];
    let original = compound_file(&[("Workbook", biff_workbook("S", &cells, &[]))]);
    let mut rng = Lcg(11);
    for _ in 0..300 {
        let mut bytes = original.clone();
        for _ in 0..1 + rng.next(4) {
            // Mostly the header, FAT, directory and BIFF records.
            let at = rng.next(1024 + 200);
            bytes[at] = rng.next(256) as u8;
        }
        // The OLE and BIFF walk is ours: it must not panic by itself.
        if let Ok(ole) = ole::Ole::parse(&bytes) {
            if let Ok(Some(stream)) = ole.stream("Workbook") {
                let limits = ole::BiffLimits {
                    max_declared: MAX_XLS_DECLARED,
                    max_cells: MAX_RAW_CELLS,
                };
                let _ = ole::prescan_biff(&stream, &limits);
            }
        }
        let _ = read_workbook(&bytes, Format::Xls);
    }
}

proptest::proptest! {
    #[test]
    fn formula_element_search_matches_a_window_scan(s in "[<:f> /\t\nax]{0,24}") {
        let b = s.as_bytes();
        let windows = b.windows(3).any(|w| {
            (w[0] == b'<' || w[0] == b':')
                && w[1] == b'f'
                && matches!(w[2], b'>' | b' ' | b'/' | b'\t' | b'\r' | b'\n')
        });
        proptest::prop_assert_eq!(has_formula_element(b), windows);
    }
}
