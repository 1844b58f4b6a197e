use super::*;
use crate::ingest::sheet::xlsx_routes_agree;
use proptest::prelude::*;
use std::io::Write;
use std::path::Path;

/// A workbook of one sheet called `S`, its parts written as given.
struct Book<'a> {
    sheet: String,
    strings: Option<&'a str>,
    styles: Option<&'a str>,
}

impl<'a> Book<'a> {
    fn new(sheet_data: &str) -> Book<'a> {
        Book {
            sheet: format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/><sheetData>{sheet_data}</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>"#
            ),
            strings: None,
            styles: None,
        }
    }

    fn strings(mut self, sst: &'a str) -> Self {
        self.strings = Some(sst);
        self
    }

    fn styles(mut self, styles: &'a str) -> Self {
        self.styles = Some(styles);
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
        let workbook = r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr/><sheets><sheet name="S" sheetId="1" r:id="rId7"/></sheets><definedNames><definedName name="_xlnm.Print_Area" localSheetId="0">S!$A$1:$C$3</definedName></definedNames></workbook>"#;
        let wb_rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
        let mut parts: Vec<(&str, &[u8])> = vec![
            ("_rels/.rels", rels.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", self.sheet.as_bytes()),
        ];
        if let Some(s) = self.strings {
            parts.push(("xl/sharedStrings.xml", s.as_bytes()));
        }
        if let Some(s) = self.styles {
            parts.push(("xl/styles.xml", s.as_bytes()));
        }
        zip_parts(&parts)
    }
}

fn zip_parts(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn sst(items: &[&str]) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="9">"#,
    );
    for i in items {
        s.push_str(i);
    }
    s.push_str("</sst>");
    s
}

/// Styles with these number formats for cell styles 0, 1, 2, …
fn styles(formats: &[&str]) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="0.00_ "/><numFmt numFmtId="165" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/></numFmts><fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border><left style="thin"><color indexed="64"/></left><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs>"#,
    );
    for f in formats {
        s.push_str(&format!(
            r#"<xf numFmtId="{f}" fontId="0"><alignment horizontal="center"/></xf>"#
        ));
    }
    s.push_str("</cellXfs></styleSheet>");
    s
}

/// Whether the fast route answered for `bytes` (and agreed with calamine).
fn answered(bytes: &[u8]) -> bool {
    match xlsx_routes_agree(bytes) {
        Ok(answered) => answered,
        Err(e) => panic!("the routes differ: {e}"),
    }
}

#[test]
fn the_sample_workbooks_are_read_by_the_fast_route() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sheet");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) == Some("xlsx") {
            let bytes = std::fs::read(&path).unwrap();
            assert!(answered(&bytes), "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 2);
}

#[test]
fn every_xlsx_fixture_reads_the_same_either_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/fixtures", "samples", "/work/shared/corpus"] {
        let dir = root.join(dir);
        for entry in walkdir::WalkDir::new(&dir).into_iter().flatten() {
            let name = entry.file_name().to_string_lossy().to_lowercase();
            if name.ends_with(".xlsx") || name.ends_with(".docx") || name.ends_with(".ods") {
                files.push(entry.into_path());
            }
        }
    }
    assert!(!files.is_empty());
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        match xlsx_routes_agree(&bytes) {
            Ok(answered) => eprintln!("{}: fast route {answered}", path.display()),
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
}

#[test]
fn plain_cells_of_every_kind_are_answered() {
    let strings = sst(&[
        "<si><t>本年新收</t></si>",
        r#"<si><t xml:space="preserve">  a &amp; b&#x4E00;  </t></si>"#,
        "<si><r><rPr><b/></rPr><t>富</t></r><r><t> 文本 </t></r><rPh sb=\"0\" eb=\"1\"><t>ふ</t></rPh><phoneticPr fontId=\"1\"/></si>",
        "<si/>",
        "<si><t>\r\n  两行\r\n文字 </t></si>",
    ]);
    let formats = styles(&["0", "164", "3", "49"]);
    let data = r#"<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>
<row r="2"><c r="A2" s="1"><v>12.50</v></c><c s="2"><v>-3E2</v></c><c t="b"><v>1</v></c></row>
<row><c t="inlineStr"><is><t> 内联 </t></is></c><c t="str"><f>A1&amp;B1</f><v>x&lt;y &#65;</v></c><c s="9"><v>0.30000000000000004</v></c></row>
<row r="5"><c r="A5" s="3"/><c r="B5"><f>SUM(A2:B2)</f></c><c r="C5" t="s"><v>3</v></c><c r="D5" t="s"><v>4</v></c></row>"#;
    let book = Book::new(data).strings(&strings).styles(&formats).bytes();
    assert!(answered(&book));
    let sheets = fast_sheets(&book);
    let texts: Vec<(u64, u64, &str)> = sheets[0]
        .cells
        .iter()
        .map(|(r, c, t)| (*r, *c, t.as_str()))
        .collect();
    assert_eq!(
        texts,
        vec![
            (0, 0, "本年新收"),
            (0, 1, "a & b一"),
            (0, 2, "富文本"),
            (1, 0, "12.5"),
            (1, 1, "-300"),
            (1, 2, "TRUE"),
            (2, 0, "内联"),
            (2, 1, "x<y A"),
            (2, 2, "0.3"),
            (4, 1, "=SUM(A2:B2)"),
            (4, 3, "两行 文字"),
        ]
    );
    assert_eq!(sheets[0].empties, vec![(4, 0), (4, 2)]);
}

fn fast_sheets(bytes: &[u8]) -> Vec<SparseSheet> {
    read(bytes).expect("the fast route answers")
}

#[test]
fn what_the_route_does_not_read_is_left_to_calamine() {
    let dates = styles(&["0", "14", "165"]);
    let strings = sst(&["<si><t>a_x000D_b</t></si>"]);
    let left = [
        // A number in a date style, built in or custom.
        Book::new(r#"<row><c s="1"><v>44000</v></c></row>"#).styles(&dates),
        Book::new(r#"<row><c s="2"><v>44000</v></c></row>"#).styles(&dates),
        // Excel's escapes, error cells, ISO dates.
        Book::new(r#"<row><c t="s"><v>0</v></c></row>"#).strings(&strings),
        Book::new(r#"<row><c t="e"><v>#DIV/0!</v></c></row>"#),
        Book::new(r#"<row><c t="d"><v>2021-01-01</v></c></row>"#),
        // A type calamine refuses, even on an empty value (found by the
        // property test below).
        Book::new(r#"<row><c t="q"><v></v><f>A1</f></c></row>"#),
        // Markup quick-xml reads otherwise, or that calamine refuses.
        Book::new(r#"<row><!-- x --><c><v>1</v></c></row>"#),
        Book::new(r#"<row><c><v>1&amp;</v></c></row>"#),
        Book::new(r#"<row><c><x/></c></row>"#),
        Book::new(r#"<row><c r="a1"><v>1</v></c></row>"#),
        Book::new(r#"<row r="0"><c><v>1</v></c></row>"#),
        Book::new(r#"<row><c><v> 1</v></c></row>"#),
        Book::new(r#"<row><c t="s"><v>5</v></c></row>"#),
        Book::new(r#"<row><c t="b"><v>2</v></c></row>"#),
        Book::new(r#"<row><c x="1" x="2"><v>1</v></c></row>"#),
        Book::new(r#"<row><c><v>1</v></c></rows>"#),
        Book::new(r#"<row><c><v>1<?pi?></v></c></row>"#),
        Book::new(r#"<row><c><v>&unknown;</v></c></row>"#),
    ];
    for (i, book) in left.iter().enumerate() {
        assert!(!answered(&book.bytes()), "case {i}");
    }
    // An attribute calamine decodes that does not decode (found by the
    // sheet_route fuzz target: a raw `&` in a font's name).
    let bad_font = styles(&["0"]).replace(r#"<name val="宋体"/>"#, r#"<name val="方正小&标宋"/>"#);
    assert!(bad_font.contains("小&标"));
    assert!(!answered(
        &Book::new(r#"<row><c><v>1</v></c></row>"#)
            .styles(&bad_font)
            .bytes()
    ));
    // A custom format without date letters keeps numbers numbers.
    let plain = styles(&["164"]);
    assert!(answered(
        &Book::new(r#"<row><c s="0"><v>44000</v></c></row>"#)
            .styles(&plain)
            .bytes()
    ));
}

#[test]
fn odd_packages_are_left_to_calamine() {
    let sheet = Book::new(r#"<row><c><v>1</v></c></row>"#).sheet;
    let rels = r#"<Relationships><Relationship Id="rId1" Type="x/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let wb =
        |sheets: &str| format!(r#"<workbook xmlns:r="r"><sheets>{sheets}</sheets></workbook>"#);
    let wb_rels = r#"<Relationships><Relationship Id="rId7" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId8" Type="x/chartsheet" Target="chartsheets/c.xml"/><Relationship Id="rId9" Type="x/pivot" Target="p.xml"/></Relationships>"#;
    let book = |workbook: &str, extra: &[(&str, &[u8])]| {
        let mut parts: Vec<(&str, &[u8])> = vec![
            ("_rels/.rels", rels.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ];
        parts.extend_from_slice(extra);
        zip_parts(&parts)
    };
    // The plain package answers; a chart sheet is no worksheet.
    assert!(answered(&book(
        &wb(r#"<sheet name="S" r:id="rId7"/><sheet name="C" r:id="rId8"/>"#),
        &[]
    )));
    for (i, workbook) in [
        // Two sheets of one name, an unknown relationship or type, a bad state.
        wb(r#"<sheet name="S" r:id="rId7"/><sheet name="S" r:id="rId8"/>"#),
        wb(r#"<sheet name="S" r:id="rId6"/>"#),
        wb(r#"<sheet name="S" r:id="rId9"/>"#),
        wb(r#"<sheet name="S" state="gone" r:id="rId7"/>"#),
        // No end of the workbook element.
        r#"<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId7"/></sheets></other>"#.into(),
    ]
    .iter()
    .enumerate()
    {
        assert!(!answered(&book(workbook, &[])), "case {i}");
    }
    // Names that differ only in case: calamine's lookup would pick one.
    assert!(!answered(&book(
        &wb(r#"<sheet name="S" r:id="rId7"/>"#),
        &[("XL/Workbook.xml", b"<workbook/>")]
    )));
    // What the package inspection reads otherwise than calamine: a second
    // shared-string part, a sheet after the workbook element or inside a
    // defined name, two ids, a tab in a name.
    let plain = wb(r#"<sheet name="S" r:id="rId7"/>"#);
    assert!(!answered(&book(
        &plain,
        &[("other/sharedStrings.xml", b"<sst/>")]
    )));
    for (i, workbook) in [
        format!("{plain}<sheet name=\"T\" r:id=\"rId7\"/>"),
        wb(r#"<sheet name="S" r:id="rId7"/></sheets><definedNames><definedName name="x"><sheet name="S" r:id="rId8"/></definedName></definedNames><sheets>"#),
        wb(r#"<sheet name="S" id="rId7" r:id="rId7"/>"#),
        wb("<sheet name=\"S\tT\" r:id=\"rId7\"/>"),
    ]
    .iter()
    .enumerate()
    {
        assert!(!answered(&book(workbook, &[])), "inspect case {i}");
    }
}

#[test]
fn a_declared_size_beyond_the_limit_is_left_to_inspection() {
    let huge = format!(
        r#"<sst uniqueCount="{}"><si><t>a</t></si></sst>"#,
        MAX_SHARED_STRINGS + 1
    );
    let bytes = Book::new("<row><c><v>1</v></c></row>")
        .strings(&huge)
        .bytes();
    assert!(!answered(&bytes));
    assert!(matches!(
        crate::ingest::sheet::read_workbook(&bytes, crate::ingest::Format::Xlsx),
        Err(crate::error::IngestError::TooLarge(_))
    ));
}

#[test]
fn placeholder_zeros_of_a_workbook_to_recalculate_read_as_formulas() {
    let sheet = Book::new(r#"<row><c><f>B1*2</f><v>0</v></c><c><v>0</v></c></row>"#).sheet;
    let rels = r#"<Relationships><Relationship Id="rId1" Type="x/relationships/officeDocument" Target="/xl/workbook.xml"/></Relationships>"#;
    let wb_rels = r#"<Relationships><Relationship Id="rId7" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    for (calc, first) in [
        (r#"<calcPr fullCalcOnLoad="1"/>"#, "=B1*2"),
        ("<calcPr/>", "0"),
    ] {
        let workbook = format!(
            r#"<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId7"/></sheets>{calc}</workbook>"#
        );
        let bytes = zip_parts(&[
            ("_rels/.rels", rels.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ]);
        assert!(answered(&bytes), "{calc}");
        let sheets = fast_sheets(&bytes);
        assert_eq!(sheets[0].cells[0].2, first, "{calc}");
        assert_eq!(sheets[0].cells[1].2, "0", "{calc}");
    }
}

#[test]
fn generated_workbooks_read_the_same_either_way() {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("表三").unwrap();
    let bold = XFormat::new().set_bold();
    let money = XFormat::new().set_num_format("#,##0.00");
    ws.write_string_with_format(0, 0, "申请人情况", &bold)
        .unwrap();
    ws.merge_range(0, 1, 0, 7, "自然人 & 法人", &bold).unwrap();
    ws.write_number(1, 1, 12.0).unwrap();
    ws.write_number_with_format(1, 2, 2.85, &money).unwrap();
    ws.write_boolean(1, 3, true).unwrap();
    ws.write_formula(1, 4, "=B2+C2").unwrap();
    ws.write_string(2, 0, "  多  空格\n换行 ").unwrap();
    let ws2 = wb.add_worksheet().set_name("二").unwrap();
    ws2.write_number(3, 3, -0.5).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert!(answered(&bytes));

    let mut wb = Workbook::new();
    let date = XFormat::new().set_num_format("yyyy-mm-dd");
    wb.add_worksheet()
        .write_number_with_format(0, 0, 44000.0, &date)
        .unwrap();
    assert!(!answered(&wb.save_to_buffer().unwrap()));
}

// ---------------------------------------------------------------------------
// Random sheets: never a difference

fn value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("0".to_string()),
        Just("-2.5".to_string()),
        Just("1e3".to_string()),
        Just("1.".to_string()),
        Just(" 7".to_string()),
        Just("+3".to_string()),
        Just("true".to_string()),
        Just("2".to_string()),
        Just("01".to_string()),
        Just("abc".to_string()),
        Just("a&amp;b".to_string()),
        Just("&#x41;_x0041_".to_string()),
        Just("".to_string()),
    ]
}

fn cell() -> impl Strategy<Value = String> {
    let r = prop_oneof![
        Just(String::new()),
        Just(r#" r="B2""#.to_string()),
        Just(r#" r="A1""#.to_string()),
        Just(r#" r="C7""#.to_string()),
        Just(r#" r="b2""#.to_string()),
    ];
    let t = prop_oneof![
        Just(String::new()),
        Just(r#" t="n""#.to_string()),
        Just(r#" t="s""#.to_string()),
        Just(r#" t="str""#.to_string()),
        Just(r#" t="b""#.to_string()),
        Just(r#" t="inlineStr""#.to_string()),
        Just(r#" t="e""#.to_string()),
        Just(r#" t="q""#.to_string()),
    ];
    let s = prop_oneof![
        Just(String::new()),
        Just(r#" s="0""#.to_string()),
        Just(r#" s="1""#.to_string()),
        Just(r#" s="2""#.to_string()),
        Just(r#" s="9""#.to_string()),
    ];
    let body = prop_oneof![
        value_text().prop_map(|v| format!("<v>{v}</v>")),
        value_text().prop_map(|v| format!("<f>A1</f><v>{v}</v>")),
        value_text().prop_map(|v| format!("<v>{v}</v><f>A1</f>")),
        value_text().prop_map(|v| format!("<is><t>{v}</t></is>")),
        value_text().prop_map(|v| format!(
            "<is><r><t xml:space=\"preserve\"> {v} </t></r><rPh><t>x</t></rPh></is>"
        )),
        Just(String::new()),
        Just("<v></v>".to_string()),
        Just("<x/>".to_string()),
    ];
    (r, t, s, body, any::<bool>()).prop_map(|(r, t, s, body, empty)| {
        if empty && body.is_empty() {
            format!("<c{r}{t}{s}/>")
        } else {
            format!("<c{r}{t}{s}>{body}</c>")
        }
    })
}

fn rows() -> impl Strategy<Value = String> {
    let row = (
        prop_oneof![
            Just(String::new()),
            Just(r#" r="3""#.to_string()),
            Just(r#" r="1""#.to_string())
        ],
        proptest::collection::vec(cell(), 0..4),
    )
        .prop_map(|(r, cells)| format!("<row{r}>{}</row>", cells.concat()));
    proptest::collection::vec(row, 0..4).prop_map(|rows| rows.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_sheets_never_differ(data in rows(), dated in any::<bool>()) {
        let strings = sst(&["<si><t>甲</t></si>", "<si><t> 乙 </t></si>", "<si><r><t>丙</t></r></si>"]);
        let formats = styles(if dated { &["0", "14", "164"] } else { &["0", "164", "3"] });
        let bytes = Book::new(&data).strings(&strings).styles(&formats).bytes();
        if let Err(e) = xlsx_routes_agree(&bytes) {
            prop_assert!(false, "{data}\n{e}");
        }
    }
}

fn plain_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..100_000).prop_map(|n| format!("<c><v>{n}</v></c>")),
        (-1e6f64..1e6).prop_map(|x| format!(r#"<c s="1"><v>{x}</v></c>"#)),
        (0usize..3).prop_map(|i| format!(r#"<c t="s"><v>{i}</v></c>"#)),
        "[a-z 表三&<>]{0,8}".prop_map(|s| {
            let s = s
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!(r#"<c t="inlineStr"><is><t>{s}</t></is></c>"#)
        }),
        Just(r#"<c s="2"/>"#.to_string()),
        Just("<c><f>SUM(A1:A2)</f></c>".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_plain_sheets_are_answered(
        rows in proptest::collection::vec(proptest::collection::vec(plain_cell(), 0..6), 0..6)
    ) {
        let data: String = rows.iter().map(|r| format!("<row>{}</row>", r.concat())).collect();
        let strings = sst(&["<si><t>甲</t></si>", "<si><t> 乙 </t></si>", "<si><r><t>丙</t></r></si>"]);
        let formats = styles(&["0", "164", "3"]);
        let bytes = Book::new(&data).strings(&strings).styles(&formats).bytes();
        prop_assert!(answered(&bytes), "{}", data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Where the route reads a number in a custom format, calamine does not
    /// take that format for a date.
    #[test]
    fn custom_formats_are_never_taken_for_numbers_wrongly(
        code in "[0#,.;\\[\\]\"_\\\\*dDmMyYhHsSaApP/eE R$-年]{0,10}"
    ) {
        let escaped = code.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
        let styles = format!(
            r#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="{escaped}"/></numFmts><cellXfs><xf numFmtId="164"/></cellXfs></styleSheet>"#
        );
        let bytes = Book::new(r#"<row><c s="0"><v>44000.5</v></c></row>"#).styles(&styles).bytes();
        if let Err(e) = xlsx_routes_agree(&bytes) {
            prop_assert!(false, "{code}: {e}");
        }
    }
}

// ---------------------------------------------------------------------------
// Tokens against quick-xml

/// quick-xml's events as calamine's reader is set up, in the form of
/// [`Tok`]: start names with their attribute text, end names, text with
/// its references (consecutive pieces joined).
fn quick_xml_tokens(xml: &str) -> Option<Vec<(char, String, String)>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.expand_empty_elements = true;
    let mut out: Vec<(char, String, String)> = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                let attrs = e.attributes_raw().to_string();
                out.push(('s', name, attrs));
            }
            Event::End(e) => {
                let name = e.name().as_ref().to_string();
                out.push(('e', name, String::new()));
            }
            Event::Text(t) => {
                let raw = t.as_ref().to_string();
                match out.last_mut() {
                    Some(('t', _, text)) => text.push_str(&raw),
                    _ => out.push(('t', String::new(), raw)),
                }
            }
            Event::GeneralRef(r) => {
                let raw = format!("&{};", r.as_ref());
                match out.last_mut() {
                    Some(('t', _, text)) => text.push_str(&raw),
                    _ => out.push(('t', String::new(), raw)),
                }
            }
            Event::Eof => return Some(out),
            _ => {}
        }
    }
}

fn our_tokens(xml: &str) -> Option<Vec<(char, String, String)>> {
    let mut t = Tokens::new(xml);
    let mut out: Vec<(char, String, String)> = Vec::new();
    while let Some(tok) = t.next().ok()? {
        let item = match tok {
            Tok::Start(tag) => ('s', tag.name.to_string(), tag.attrs.to_string()),
            Tok::End(name) => ('e', name.to_string(), String::new()),
            Tok::Text(text) => {
                if let Some(('t', _, joined)) = out.last_mut() {
                    joined.push_str(text);
                    continue;
                }
                ('t', String::new(), text.to_string())
            }
        };
        out.push(item);
    }
    Some(out)
}

#[test]
fn tokens_are_quick_xmls() {
    for xml in [
        r#"<?xml version="1.0"?><a x="1" y='>'><b/>t&amp;u<c z="/"  /></a >"#,
        "\u{feff}<a>\r\n<b>&#x4E00;&lt;</b></a>",
        r#"<s:a xmlns:s="u"><s:b k = "v" /></s:a>"#,
    ] {
        let ours = our_tokens(xml).expect("answered");
        assert_eq!(Some(ours), quick_xml_tokens(xml), "{xml}");
    }
    for xml in [
        "<a><!-- c --></a>",
        "<a></b>",
        "<a>&x</a>",
        "<a x='1'",
        "<a>&unknown;</a>",
        "<a x></a>",
    ] {
        assert!(our_tokens(xml).is_none(), "{xml}");
    }
}

proptest! {
    #[test]
    fn tokens_agree_with_quick_xml_where_answered(
        pieces in proptest::collection::vec(
            prop_oneof![
                Just("<a>"), Just("</a>"), Just("<b x=\"1\">"), Just("</b>"), Just("<c/>"),
                Just("<a y='>'/>"), Just("text"), Just("&amp;"), Just("&#65;"), Just(" \r\n"),
                Just("<?p?>"), Just("</a >"), Just("<b\tx='\"'>"), Just("&"), Just(">"),
                Just("\""), Just("<x:a>"), Just("</x:a>"), Just("<a k=v>"),
            ],
            0..12,
        )
    ) {
        let xml = pieces.concat();
        if let Some(ours) = our_tokens(&xml) {
            prop_assert_eq!(Some(ours), quick_xml_tokens(&xml), "{}", xml);
        }
    }
}

#[test]
fn attributes_read_as_calamine_reads_them() {
    fn all(s: &str) -> Vec<Result<(&str, &str), ()>> {
        Attrs(s).collect()
    }
    assert_eq!(
        all(r#" a="1" b = '2'"#),
        vec![Ok(("a", "1")), Ok(("b", "2"))]
    );
    assert_eq!(
        all(r#" a="x>y"c="3""#),
        vec![Ok(("a", "x>y")), Ok(("c", "3"))]
    );
    assert_eq!(all(" a"), vec![Err(())]);
    assert_eq!(all(" a=1"), vec![Err(())]);
    assert!(!attrs_ok(r#" a="1" a="2""#));
    assert!(attrs_ok(""));
}

#[test]
fn numbers_and_references_in_their_plain_forms_only() {
    assert_eq!(plain_number("-12.50"), Some(-12.5));
    assert_eq!(plain_number("1E-3"), Some(0.001));
    for odd in [
        "", "-", "1.", ".5", "+1", " 1", "1e", "inf", "NaN", "0x1", "1_0", "1e999",
    ] {
        assert_eq!(plain_number(odd), None, "{odd}");
    }
    assert_eq!(reference("B6"), Some((5, 1)));
    assert_eq!(reference("XFD1048576"), Some((1_048_575, 16_383)));
    for odd in ["b6", "B06", "B0", "XFE1", "B", "6", "AAAA1", "B6:C7"] {
        assert_eq!(reference(odd), None, "{odd}");
    }
    assert_eq!(number("0"), Some(0));
    assert_eq!(number("007"), None);
    assert_eq!(builtin_format("14"), Format::MaybeDate);
    assert_eq!(builtin_format("014"), Format::Number);
    assert_eq!(builtin_format("3"), Format::Number);
    for number in [
        "General",
        "#,##0.00_ ",
        "0.00\"万元\"",
        "#,##0;[Red]-#,##0",
        "[$-804]0",
        "@",
    ] {
        assert_eq!(custom_format(number), Format::Number, "{number}");
    }
    for date in [
        "yyyy-mm-dd",
        "[h]:mm",
        "h:mm AM/PM",
        "[$-804]yyyy\"年\"m\"月\"",
        "\"[\"yyyy",
        "0_);[Red]d",
        "a/p",
    ] {
        assert_eq!(custom_format(date), Format::MaybeDate, "{date}");
    }
}
