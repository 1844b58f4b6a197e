//! The zip-based writers: DOCX (as Word, WPS or LibreOffice write it),
//! XLSX (rust_xlsxwriter) and ODS (hand-written `content.xml`).
//!
//! They render the models of [`super::render`]; see `to_docx`, `to_xlsx`
//! and `to_ods` there for what each output looks like.

use std::io::{Cursor, Write};

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, XlsxError,
};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::render::{
    mix, Block, DocModel, DocxStyle, ReportSpec, SheetModel, Slot, TRow, TableModel,
};

/// A zip of `(name, bytes, stored)` entries in order, dated 1980-01-01 so
/// the bytes are reproducible.
pub fn zip_entries(entries: &[(&str, Vec<u8>, bool)]) -> Vec<u8> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes, stored) in entries {
        let method = if *stored {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let opts = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(DateTime::default());
        // Writing to a Vec cannot fail; a failure here is a bug in the writer.
        z.start_file(*name, opts).expect("zip entry");
        z.write_all(bytes).expect("zip write");
    }
    z.finish().expect("zip finish").into_inner()
}

fn xml_esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            _ => o.push(c),
        }
    }
    o
}

// ---------------------------------------------------------------------------
// DOCX
// ---------------------------------------------------------------------------

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// The grid of a table as a producer writes it: column widths in twips and,
/// for LibreOffice, the model boundary where a 1-twip sliver column sits.
struct DocxGrid {
    widths: Vec<u32>,
    sliver: Option<usize>,
}

fn docx_grid(t: &TableModel, style: DocxStyle) -> DocxGrid {
    let lo = style == DocxStyle::LibreOffice;
    let key = t.key.as_str();
    let (mut widths, sliver) = match (key, lo) {
        ("t3", false) => (
            vec![754, 921, 3271, 685, 685, 685, 685, 685, 685, 685],
            None,
        ),
        ("t3", true) => (
            vec![1007, 819, 1588, 1037, 1357, 788, 788, 1357, 722, 742],
            Some(3),
        ),
        ("t4", false) => {
            let mut w = vec![649; 7];
            w.extend([650; 8]);
            (w, None)
        }
        ("t4", true) => {
            let mut w = vec![731];
            w.extend([717; 13]);
            w.push(732);
            (w, Some(5))
        }
        (_, false) => (vec![2435; 4], None),
        (_, true) => (vec![2756, 2216, 1541, 2081], None),
    };
    if let Some(s) = sliver {
        widths.insert(s, 1);
    }
    DocxGrid { widths, sliver }
}

/// Whether the sliver column belongs to the cell on its left in this row
/// (LibreOffice is not consistent: in table 三 the header rows give it to
/// the right-hand cell, the body rows to the left; in table 四 the first
/// header row gives it to 行政诉讼, the others to the 行政复议 总计 column).
fn sliver_left(key: &str, ri: usize, row: &TRow) -> bool {
    match key {
        "t3" => !row.header,
        "t4" => ri != 0,
        _ => true,
    }
}

/// Model columns `[a, b)` → docx grid columns `[start, end)`.
fn map_span(g: &DocxGrid, left: bool, a: usize, b: usize) -> (usize, usize) {
    let Some(s) = g.sliver else {
        return (a, b);
    };
    let start = if a < s || (a == s && !left) { a } else { a + 1 };
    let end = if b < s || (b == s && !left) { b } else { b + 1 };
    (start, end)
}

struct DocxWriter {
    style: DocxStyle,
    out: String,
    next: u64,
}

#[derive(Clone, Copy, PartialEq)]
enum ParaKind {
    Title,
    Heading,
    Body,
    Cell,
}

impl DocxWriter {
    fn para_id(&mut self) -> String {
        self.next += 1;
        format!("{:08X}", mix(self.next, "paraId") & 0x7FFF_FFFF)
    }

    /// `w:r` elements for a line of text, split at script changes for Word
    /// and WPS (as they write digits and Latin in their own runs).
    fn runs(&self, text: &str, kind: ParaKind) -> String {
        let (size, font) = match kind {
            ParaKind::Title => (44, "方正小标宋简体"),
            ParaKind::Heading => (32, "黑体"),
            ParaKind::Body => (32, "仿宋_GB2312"),
            ParaKind::Cell => (20, "宋体"),
        };
        let bold = if kind == ParaKind::Title {
            "<w:b/><w:bCs/>"
        } else {
            ""
        };
        let mut pieces: Vec<(bool, String)> = Vec::new();
        if self.style == DocxStyle::LibreOffice {
            pieces.push((false, text.to_string()));
        } else {
            for ch in text.chars() {
                let a = ch.is_ascii();
                match pieces.last_mut() {
                    Some((pa, s)) if *pa == a => s.push(ch),
                    _ => pieces.push((a, ch.to_string())),
                }
            }
        }
        let mut out = String::new();
        for (ascii, piece) in pieces {
            let rpr = match self.style {
                DocxStyle::Word => {
                    if ascii {
                        format!("<w:rPr><w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"{font}\"/>{bold}<w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/></w:rPr>")
                    } else {
                        format!("<w:rPr><w:rFonts w:ascii=\"{font}\" w:hAnsi=\"{font}\" w:eastAsia=\"{font}\" w:hint=\"eastAsia\"/>{bold}<w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/></w:rPr>")
                    }
                }
                DocxStyle::Wps => format!(
                    "<w:rPr><w:rFonts w:hint=\"eastAsia\" w:ascii=\"{font}\" w:hAnsi=\"{font}\" w:eastAsia=\"{font}\" w:cs=\"{font}\"/>{bold}<w:kern w:val=\"0\"/><w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/><w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar\"/></w:rPr>"
                ),
                DocxStyle::LibreOffice => format!(
                    "<w:rPr><w:rFonts w:eastAsia=\"{font}\"/>{bold}<w:sz w:val=\"{size}\"/></w:rPr>"
                ),
            };
            let space = if piece.starts_with(' ') || piece.ends_with(' ') {
                " xml:space=\"preserve\""
            } else {
                ""
            };
            out.push_str(&format!(
                "<w:r>{rpr}<w:t{space}>{}</w:t></w:r>",
                xml_esc(&piece)
            ));
        }
        out
    }

    fn ppr(&self, kind: ParaKind, align: &str) -> String {
        let indent = if kind == ParaKind::Body || kind == ParaKind::Heading {
            "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>"
        } else {
            ""
        };
        let line = match kind {
            ParaKind::Cell => "",
            _ => "<w:spacing w:line=\"560\" w:lineRule=\"exact\"/>",
        };
        match self.style {
            DocxStyle::Word => format!("<w:pPr>{line}{indent}<w:jc w:val=\"{align}\"/></w:pPr>"),
            DocxStyle::Wps => format!(
                "<w:pPr><w:keepNext w:val=\"0\"/><w:keepLines w:val=\"0\"/><w:widowControl/><w:suppressLineNumbers w:val=\"0\"/><w:spacing w:before=\"0\" w:beforeAutospacing=\"0\" w:after=\"0\" w:afterAutospacing=\"0\"/>{indent}<w:jc w:val=\"{align}\"/></w:pPr>"
            ),
            DocxStyle::LibreOffice => {
                let ps = if kind == ParaKind::Cell { "TableContents" } else { "TextBody" };
                format!("<w:pPr><w:pStyle w:val=\"{ps}\"/><w:bidi w:val=\"0\"/><w:spacing w:before=\"0\" w:after=\"0\"/>{indent}<w:jc w:val=\"{align}\"/><w:rPr></w:rPr></w:pPr>")
            }
        }
    }

    fn p_open(&mut self) -> String {
        match self.style {
            DocxStyle::LibreOffice => "<w:p>".to_string(),
            DocxStyle::Word => {
                let id = self.para_id();
                format!("<w:p w14:paraId=\"{id}\" w14:textId=\"77777777\" w:rsidR=\"00C41F2A\" w:rsidRDefault=\"00C41F2A\">")
            }
            DocxStyle::Wps => {
                let id = self.para_id();
                format!("<w:p w14:paraId=\"{id}\">")
            }
        }
    }

    /// One paragraph per line for Word/WPS; one paragraph with `<w:br/>`
    /// for LibreOffice.
    fn paragraphs(&mut self, text: &str, kind: ParaKind, align: &str) -> String {
        let mut out = String::new();
        let lines: Vec<&str> = text.split('\n').collect();
        if self.style == DocxStyle::LibreOffice {
            let open = self.p_open();
            out.push_str(&open);
            out.push_str(&self.ppr(kind, align));
            for (i, line) in lines.iter().enumerate() {
                if i > 0 {
                    out.push_str("<w:r><w:rPr></w:rPr><w:br/></w:r>");
                }
                if !line.is_empty() {
                    out.push_str(&self.runs(line, kind));
                }
            }
            out.push_str("</w:p>");
        } else {
            for line in lines {
                let open = self.p_open();
                out.push_str(&open);
                out.push_str(&self.ppr(kind, align));
                if !line.is_empty() {
                    out.push_str(&self.runs(line, kind));
                }
                out.push_str("</w:p>");
            }
        }
        out
    }

    fn tcw(&self, w: u32) -> String {
        match self.style {
            // WPS writes fractional widths, which some readers fail on.
            DocxStyle::Wps => format!("<w:tcW w:w=\"{:.2}\" w:type=\"dxa\"/>", f64::from(w) - 0.35),
            _ => format!("<w:tcW w:w=\"{w}\" w:type=\"dxa\"/>"),
        }
    }

    fn table(&mut self, t: &TableModel) {
        let g = docx_grid(t, self.style);
        let total: u32 = g.widths.iter().sum();
        let ncols = g.widths.len();
        let tblpr = match self.style {
            DocxStyle::Word => format!("<w:tblPr><w:tblStyle w:val=\"a3\"/><w:tblW w:w=\"{total}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" w:firstColumn=\"1\" w:lastColumn=\"0\" w:noHBand=\"0\" w:noVBand=\"1\"/></w:tblPr>"),
            DocxStyle::Wps => format!("<w:tblPr><w:tblStyle w:val=\"3\"/><w:tblW w:w=\"{total}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders><w:top w:val=\"single\" w:color=\"auto\" w:sz=\"4\" w:space=\"0\"/><w:left w:val=\"single\" w:color=\"auto\" w:sz=\"4\" w:space=\"0\"/><w:bottom w:val=\"single\" w:color=\"auto\" w:sz=\"4\" w:space=\"0\"/><w:right w:val=\"single\" w:color=\"auto\" w:sz=\"4\" w:space=\"0\"/><w:insideH w:val=\"single\" w:color=\"auto\" w:sz=\"4\" w:space=\"0\"/><w:insideV w:val=\"single\" w:color=\"auto\" w:sz=\"4\" w:space=\"0\"/></w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"57\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"57\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr>"),
            DocxStyle::LibreOffice => format!("<w:tblPr><w:tblW w:w=\"{total}\" w:type=\"dxa\"/><w:jc w:val=\"left\"/><w:tblInd w:w=\"-10\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:top w:w=\"28\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"28\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr>"),
        };
        self.out.push_str("<w:tbl>");
        self.out.push_str(&tblpr);
        self.out.push_str("<w:tblGrid>");
        for w in &g.widths {
            self.out.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
        }
        self.out.push_str("</w:tblGrid>");
        for (ri, row) in t.rows.iter().enumerate() {
            let left = sliver_left(&t.key, ri, row);
            let slots = t.slots(ri);
            let mut end = 0;
            let mut cells = String::new();
            for slot in &slots {
                let c = match slot {
                    Slot::Cell(c) | Slot::Cont(c) => *c,
                };
                let (s, e) = map_span(&g, left, c.col, c.col + c.colspan);
                end = end.max(e);
                let w: u32 = g.widths[s..e.min(ncols)].iter().sum();
                let mut tcpr = self.tcw(w);
                if e - s > 1 {
                    tcpr.push_str(&format!("<w:gridSpan w:val=\"{}\"/>", e - s));
                }
                let cont = matches!(slot, Slot::Cont(_));
                if cont {
                    tcpr.push_str(match self.style {
                        DocxStyle::Word => "<w:vMerge/>",
                        _ => "<w:vMerge w:val=\"continue\"/>",
                    });
                } else if c.rowspan > 1 {
                    tcpr.push_str("<w:vMerge w:val=\"restart\"/>");
                }
                if self.style == DocxStyle::Wps {
                    tcpr.push_str("<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"auto\"/>");
                }
                tcpr.push_str("<w:vAlign w:val=\"center\"/>");
                let align = if c.header || c.id.is_some() {
                    "center"
                } else {
                    "left"
                };
                let mut text = if cont { String::new() } else { c.text.clone() };
                if self.style == DocxStyle::LibreOffice && !cont && !text.is_empty() {
                    if let Some(id) = &c.id {
                        match mix(0, id) % 7 {
                            0 => text = format!(" {text}"),
                            1 => text = format!("{text}  "),
                            _ => {}
                        }
                    }
                }
                let paras = self.paragraphs(&text, ParaKind::Cell, align);
                cells.push_str(&format!("<w:tc><w:tcPr>{tcpr}</w:tcPr>{paras}</w:tc>"));
            }
            let mut trpr = String::new();
            if end < ncols {
                let w: u32 = g.widths[end..].iter().sum();
                trpr.push_str(&format!(
                    "<w:gridAfter w:val=\"{}\"/><w:wAfter w:w=\"{w}\" w:type=\"dxa\"/>",
                    ncols - end
                ));
            }
            if row.header && ri == 0 {
                trpr.push_str("<w:tblHeader/>");
            }
            if self.style != DocxStyle::LibreOffice {
                trpr.push_str("<w:jc w:val=\"center\"/>");
            }
            let tr_open = match self.style {
                DocxStyle::Word => {
                    let id = self.para_id();
                    format!(
                        "<w:tr w:rsidR=\"00C41F2A\" w14:paraId=\"{id}\" w14:textId=\"77777777\">"
                    )
                }
                DocxStyle::Wps => {
                    let id = self.para_id();
                    format!("<w:tr w14:paraId=\"{id}\">")
                }
                DocxStyle::LibreOffice => "<w:tr>".to_string(),
            };
            self.out.push_str(&tr_open);
            self.out.push_str(&format!("<w:trPr>{trpr}</w:trPr>"));
            self.out.push_str(&cells);
            self.out.push_str("</w:tr>");
        }
        self.out.push_str("</w:tbl>");
    }
}

fn docx_document(doc: &DocModel, style: DocxStyle) -> String {
    let mut w = DocxWriter {
        style,
        out: String::new(),
        next: 0,
    };
    w.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
    match style {
        DocxStyle::Word => w.out.push_str(&format!("<w:document xmlns:wpc=\"http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas\" xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:m=\"http://schemas.openxmlformats.org/officeDocument/2006/math\" xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:w10=\"urn:schemas-microsoft-com:office:word\" xmlns:w=\"{W_NS}\" xmlns:w14=\"http://schemas.microsoft.com/office/word/2010/wordml\" xmlns:w15=\"http://schemas.microsoft.com/office/word/2012/wordml\" xmlns:wp14=\"http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing\" mc:Ignorable=\"w14 w15 wp14\">")),
        DocxStyle::Wps => w.out.push_str(&format!("<w:document xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:w=\"{W_NS}\" xmlns:w14=\"http://schemas.microsoft.com/office/word/2010/wordml\" xmlns:w10=\"urn:schemas-microsoft-com:office:word\" xmlns:wp14=\"http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing\" xmlns:wpsCustomData=\"http://www.wps.cn/officeDocument/2013/wpsCustomData\" mc:Ignorable=\"w14 wp14\">")),
        DocxStyle::LibreOffice => w.out.push_str(&format!("<w:document xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:w=\"{W_NS}\" xmlns:w10=\"urn:schemas-microsoft-com:office:word\" xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" xmlns:w14=\"http://schemas.microsoft.com/office/word/2010/wordml\" mc:Ignorable=\"w14\">")),
    }
    w.out.push_str("<w:body>");
    for block in &doc.blocks {
        let (text, kind, align) = match block {
            Block::Title(t) => (t.as_str(), ParaKind::Title, "center"),
            Block::Heading(t) => (t.as_str(), ParaKind::Heading, "both"),
            Block::Para(t) => (t.as_str(), ParaKind::Body, "both"),
            Block::Table(t) => {
                w.table(t);
                // Word needs a paragraph after a table (two tables in a row
                // would join).
                let p = w.paragraphs("", ParaKind::Body, "both");
                w.out.push_str(&p);
                continue;
            }
        };
        let p = w.paragraphs(text, kind, align);
        w.out.push_str(&p);
    }
    w.out.push_str("<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"2098\" w:right=\"1134\" w:bottom=\"1984\" w:left=\"1134\" w:header=\"851\" w:footer=\"1417\" w:gutter=\"0\"/><w:cols w:space=\"425\"/><w:docGrid w:type=\"lines\" w:linePitch=\"312\"/></w:sectPr>");
    w.out.push_str("</w:body></w:document>");
    w.out
}

fn docx_styles(style: DocxStyle) -> String {
    let (normal, table_normal, grid) = match style {
        DocxStyle::Word => ("a", "a1", "a3"),
        DocxStyle::Wps => ("1", "2", "3"),
        DocxStyle::LibreOffice => ("Normal", "TableNormal", "TableGrid"),
    };
    let mut s = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:styles xmlns:w=\"{W_NS}\"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Times New Roman\" w:eastAsia=\"宋体\" w:hAnsi=\"Times New Roman\" w:cs=\"Times New Roman\"/><w:kern w:val=\"2\"/><w:sz w:val=\"21\"/><w:szCs w:val=\"22\"/><w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault><w:pPrDefault/></w:docDefaults>");
    s.push_str(&format!("<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"{normal}\"><w:name w:val=\"Normal\"/><w:qFormat/><w:pPr><w:widowControl w:val=\"0\"/><w:jc w:val=\"both\"/></w:pPr></w:style>"));
    s.push_str(&format!("<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"{table_normal}\"><w:name w:val=\"Normal Table\"/><w:semiHidden/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>"));
    s.push_str(&format!("<w:style w:type=\"table\" w:styleId=\"{grid}\"><w:name w:val=\"Table Grid\"/><w:basedOn w:val=\"{table_normal}\"/><w:tblPr><w:tblBorders><w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/></w:tblBorders></w:tblPr></w:style>"));
    if style == DocxStyle::LibreOffice {
        s.push_str(&format!("<w:style w:type=\"paragraph\" w:styleId=\"TextBody\"><w:name w:val=\"Body Text\"/><w:basedOn w:val=\"{normal}\"/><w:pPr><w:spacing w:before=\"0\" w:after=\"140\" w:line=\"276\" w:lineRule=\"auto\"/></w:pPr></w:style><w:style w:type=\"paragraph\" w:styleId=\"TableContents\"><w:name w:val=\"Table Contents\"/><w:basedOn w:val=\"{normal}\"/><w:qFormat/><w:pPr><w:suppressLineNumbers/></w:pPr></w:style>"));
    }
    s.push_str("</w:styles>");
    s
}

/// The report as a DOCX package.
pub fn docx(spec: &ReportSpec, doc: &DocModel, style: DocxStyle) -> Vec<u8> {
    let wps = style == DocxStyle::Wps;
    let mut types = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/><Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/><Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/><Override PartName=\"/word/fontTable.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/><Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>");
    if wps {
        types.push_str("<Override PartName=\"/docProps/custom.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.custom-properties+xml\"/>");
    }
    types.push_str("</Types>");
    let mut rels = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>");
    if wps {
        rels.push_str("<Relationship Id=\"rId4\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties\" Target=\"docProps/custom.xml\"/>");
    }
    rels.push_str("</Relationships>");
    let doc_rels = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" Target=\"settings.xml\"/><Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable\" Target=\"fontTable.xml\"/></Relationships>";
    let settings = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:settings xmlns:w=\"{W_NS}\"><w:zoom w:percent=\"100\"/><w:bordersDoNotSurroundHeader/><w:bordersDoNotSurroundFooter/><w:defaultTabStop w:val=\"420\"/><w:drawingGridVerticalSpacing w:val=\"156\"/><w:characterSpacingControl w:val=\"compressPunctuation\"/><w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/><w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/></w:compat></w:settings>");
    let fonts = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:fonts xmlns:w=\"{W_NS}\"><w:font w:name=\"Times New Roman\"><w:panose1 w:val=\"02020603050405020304\"/><w:charset w:val=\"00\"/><w:family w:val=\"roman\"/><w:pitch w:val=\"variable\"/></w:font><w:font w:name=\"宋体\"><w:altName w:val=\"SimSun\"/><w:panose1 w:val=\"02010600030101010101\"/><w:charset w:val=\"86\"/><w:family w:val=\"auto\"/><w:pitch w:val=\"variable\"/></w:font><w:font w:name=\"黑体\"><w:altName w:val=\"SimHei\"/><w:charset w:val=\"86\"/><w:family w:val=\"modern\"/><w:pitch w:val=\"fixed\"/></w:font><w:font w:name=\"仿宋_GB2312\"><w:charset w:val=\"86\"/><w:family w:val=\"modern\"/><w:pitch w:val=\"fixed\"/></w:font></w:fonts>");
    let created = format!("{}-01-15T01:00:00Z", spec.year + 1);
    let core = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>{}</dc:title><dc:creator>{}</dc:creator><cp:lastModifiedBy>Administrator</cp:lastModifiedBy><cp:revision>3</cp:revision><dcterms:created xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:modified></cp:coreProperties>", xml_esc(&spec.title()), xml_esc(&spec.agency));
    let application = match style {
        DocxStyle::Word => "Microsoft Office Word",
        DocxStyle::Wps => "WPS Office_11.1.0.12980_F1E327BC-269C-435d-A152-05C5408002CA",
        DocxStyle::LibreOffice => "LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2",
    };
    let app = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"><Template>Normal.dotm</Template><TotalTime>12</TotalTime><Pages>5</Pages><Application>{application}</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop></Properties>");
    let mut entries: Vec<(&str, Vec<u8>, bool)> = vec![
        ("[Content_Types].xml", types.into_bytes(), false),
        ("_rels/.rels", rels.into_bytes(), false),
        (
            "word/document.xml",
            docx_document(doc, style).into_bytes(),
            false,
        ),
        (
            "word/_rels/document.xml.rels",
            doc_rels.as_bytes().to_vec(),
            false,
        ),
        ("word/styles.xml", docx_styles(style).into_bytes(), false),
        ("word/settings.xml", settings.into_bytes(), false),
        ("word/fontTable.xml", fonts.into_bytes(), false),
        ("docProps/core.xml", core.into_bytes(), false),
        ("docProps/app.xml", app.into_bytes(), false),
    ];
    if wps {
        entries.push(("docProps/custom.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"><property fmtid=\"{D5CDD505-2E9C-101B-9397-08002B2CF9AE}\" pid=\"2\" name=\"KSOProductBuildVer\"><vt:lpwstr>2052-11.1.0.12980</vt:lpwstr></property></Properties>".as_bytes().to_vec(), false));
    }
    zip_entries(&entries)
}

// ---------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------

/// The sheet model as an `.xlsx`.
pub fn xlsx(spec: &ReportSpec, sheet: &SheetModel) -> Vec<u8> {
    // rust_xlsxwriter only fails on out-of-range or overlapping merges,
    // which the model never has: a failure here is a bug in the model.
    build_xlsx(spec, sheet).expect("rust_xlsxwriter accepts the sheet model")
}

fn build_xlsx(spec: &ReportSpec, sheet: &SheetModel) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let year = u16::try_from(spec.year + 1).unwrap_or(2025);
    let created = ExcelDateTime::from_ymd(year, 1, 15)?.and_hms(9, 0, 0)?;
    let props = DocProperties::new()
        .set_title(spec.title())
        .set_author(&spec.agency)
        .set_creation_datetime(&created);
    wb.set_properties(&props);
    let ws = wb.add_worksheet();
    ws.set_name(&sheet.name)?;
    for (i, w) in sheet.widths.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    let boxed = Format::new()
        .set_font_name("宋体")
        .set_font_size(10)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let label = boxed.clone().set_align(FormatAlign::Left);
    let title = Format::new()
        .set_font_name("方正小标宋简体")
        .set_font_size(16)
        .set_bold()
        .set_align(FormatAlign::Center);
    let heading = Format::new()
        .set_font_name("黑体")
        .set_font_size(12)
        .set_bold();
    let plain = Format::new();
    for c in &sheet.cells {
        let mut fmt = if c.boxed {
            if c.label {
                label.clone()
            } else {
                boxed.clone()
            }
        } else if c.bold && c.colspan > 1 {
            title.clone()
        } else if c.bold {
            heading.clone()
        } else {
            plain.clone()
        };
        if c.number.is_some() && c.decimals > 0 {
            fmt = fmt.set_num_format(format!("0.{}", "0".repeat(c.decimals)));
        }
        let (r, col) = (c.row as u32, c.col as u16);
        if c.rowspan > 1 || c.colspan > 1 {
            let (r2, c2) = (
                (c.row + c.rowspan - 1) as u32,
                (c.col + c.colspan - 1) as u16,
            );
            let text = if c.number.is_some() {
                ""
            } else {
                c.text.as_str()
            };
            ws.merge_range(r, col, r2, c2, text, &fmt)?;
            if let Some(n) = c.number {
                ws.write_number_with_format(r, col, n, &fmt)?;
            }
        } else if let Some(n) = c.number {
            ws.write_number_with_format(r, col, n, &fmt)?;
        } else if c.text.is_empty() {
            ws.write_blank(r, col, &fmt)?;
        } else {
            ws.write_string_with_format(r, col, &c.text, &fmt)?;
        }
    }
    wb.save_to_buffer()
}

// ---------------------------------------------------------------------------
// ODS
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Occ {
    Empty,
    Origin(usize),
    Covered,
}

/// The sheet model as an `.ods`.
pub fn ods(spec: &ReportSpec, sheet: &SheetModel) -> Vec<u8> {
    let mut grid = vec![vec![Occ::Empty; sheet.ncols]; sheet.nrows];
    for (i, c) in sheet.cells.iter().enumerate() {
        for row in grid.iter_mut().skip(c.row).take(c.rowspan) {
            for slot in row.iter_mut().skip(c.col).take(c.colspan) {
                *slot = Occ::Covered;
            }
        }
        grid[c.row][c.col] = Occ::Origin(i);
    }
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" xmlns:number=\"urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0\" xmlns:calcext=\"urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0\" office:version=\"1.3\"><office:scripts/><office:font-face-decls><style:font-face style:name=\"宋体\" svg:font-family=\"宋体\" xmlns:svg=\"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0\"/></office:font-face-decls><office:automatic-styles>");
    let mut widths: Vec<String> = Vec::new();
    for w in &sheet.widths {
        let cm = format!("{:.3}cm", w * 0.2258);
        if !widths.contains(&cm) {
            widths.push(cm);
        }
    }
    for (i, cm) in widths.iter().enumerate() {
        x.push_str(&format!("<style:style style:name=\"co{}\" style:family=\"table-column\"><style:table-column-properties fo:break-before=\"auto\" style:column-width=\"{cm}\"/></style:style>", i + 1));
    }
    x.push_str("<style:style style:name=\"ro1\" style:family=\"table-row\"><style:table-row-properties style:use-optimal-row-height=\"true\"/></style:style><style:style style:name=\"ta1\" style:family=\"table\" style:master-page-name=\"Default\"><style:table-properties table:display=\"true\" style:writing-mode=\"lr-tb\"/></style:style>");
    x.push_str("<style:style style:name=\"ce1\" style:family=\"table-cell\" style:parent-style-name=\"Default\"><style:table-cell-properties fo:border=\"0.06pt solid #000000\" fo:wrap-option=\"wrap\" style:vertical-align=\"middle\"/><style:paragraph-properties fo:text-align=\"center\"/></style:style>");
    x.push_str("<style:style style:name=\"ce2\" style:family=\"table-cell\" style:parent-style-name=\"Default\"><style:table-cell-properties fo:border=\"0.06pt solid #000000\" fo:wrap-option=\"wrap\" style:vertical-align=\"middle\"/><style:paragraph-properties fo:text-align=\"start\"/></style:style>");
    x.push_str("<style:style style:name=\"ce3\" style:family=\"table-cell\" style:parent-style-name=\"Default\"><style:paragraph-properties fo:text-align=\"center\"/><style:text-properties fo:font-size=\"16pt\" fo:font-weight=\"bold\"/></style:style>");
    x.push_str("<style:style style:name=\"ce4\" style:family=\"table-cell\" style:parent-style-name=\"Default\"><style:text-properties fo:font-weight=\"bold\"/></style:style>");
    x.push_str("</office:automatic-styles><office:body><office:spreadsheet><table:calculation-settings table:automatic-find-labels=\"false\"/>");
    x.push_str(&format!(
        "<table:table table:name=\"{}\" table:style-name=\"ta1\">",
        xml_esc(&sheet.name)
    ));
    for w in &sheet.widths {
        let cm = format!("{:.3}cm", w * 0.2258);
        let i = widths.iter().position(|c| *c == cm).unwrap_or(0);
        x.push_str(&format!("<table:table-column table:style-name=\"co{}\" table:default-cell-style-name=\"Default\"/>", i + 1));
    }
    for row in &grid {
        x.push_str("<table:table-row table:style-name=\"ro1\">");
        let mut c = 0;
        while c < row.len() {
            match row[c] {
                Occ::Origin(i) => {
                    x.push_str(&ods_cell(&sheet.cells[i]));
                    c += 1;
                }
                occ => {
                    let mut n = 1;
                    while c + n < row.len() && row[c + n] == occ {
                        n += 1;
                    }
                    let tag = if occ == Occ::Covered {
                        "table:covered-table-cell"
                    } else {
                        "table:table-cell"
                    };
                    if n > 1 {
                        x.push_str(&format!("<{tag} table:number-columns-repeated=\"{n}\"/>"));
                    } else {
                        x.push_str(&format!("<{tag}/>"));
                    }
                    c += n;
                }
            }
        }
        x.push_str("</table:table-row>");
    }
    x.push_str("</table:table><table:named-expressions/></office:spreadsheet></office:body></office:document-content>");

    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">\n <manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.3\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\n <manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>\n <manifest:file-entry manifest:full-path=\"styles.xml\" manifest:media-type=\"text/xml\"/>\n <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\n</manifest:manifest>\n";
    let meta = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" office:version=\"1.3\"><office:meta><meta:creation-date>{}-01-15T09:00:00</meta:creation-date><dc:title>{}</dc:title><meta:generator>LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2</meta:generator></office:meta></office:document-meta>", spec.year + 1, xml_esc(&spec.title()));
    let styles = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" office:version=\"1.3\"><office:styles><style:default-style style:family=\"table-cell\"><style:text-properties style:font-name-asian=\"宋体\" fo:language=\"zh\" fo:country=\"CN\"/></style:default-style><style:style style:name=\"Default\" style:family=\"table-cell\"/></office:styles><office:automatic-styles><style:page-layout style:name=\"pm1\"/></office:automatic-styles><office:master-styles><style:master-page style:name=\"Default\" style:page-layout-name=\"pm1\"/></office:master-styles></office:document-styles>";
    zip_entries(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
            true,
        ),
        ("content.xml", x.into_bytes(), false),
        ("styles.xml", styles.as_bytes().to_vec(), false),
        ("meta.xml", meta.into_bytes(), false),
        ("META-INF/manifest.xml", manifest.as_bytes().to_vec(), false),
    ])
}

fn ods_cell(c: &super::render::SCell) -> String {
    let style = if c.boxed {
        if c.label {
            "ce2"
        } else {
            "ce1"
        }
    } else if c.bold && c.colspan > 1 {
        "ce3"
    } else {
        "ce4"
    };
    let mut attrs = format!(" table:style-name=\"{style}\"");
    if c.colspan > 1 || c.rowspan > 1 {
        attrs.push_str(&format!(
            " table:number-columns-spanned=\"{}\" table:number-rows-spanned=\"{}\"",
            c.colspan, c.rowspan
        ));
    }
    if let Some(n) = c.number {
        attrs.push_str(&format!(
            " office:value-type=\"float\" office:value=\"{n}\" calcext:value-type=\"float\""
        ));
    } else if !c.text.is_empty() {
        attrs.push_str(" office:value-type=\"string\" calcext:value-type=\"string\"");
    }
    if c.text.is_empty() {
        return format!("<table:table-cell{attrs}/>");
    }
    let paras: String = c
        .text
        .split('\n')
        .map(|l| format!("<text:p>{}</text:p>", xml_esc(l)))
        .collect();
    format!("<table:table-cell{attrs}>{paras}</table:table-cell>")
}
