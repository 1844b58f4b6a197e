//! Comma- or tab-separated values → one grid.
//!
//! The bytes are decoded like any text ([`super::decode_text`]: BOM, UTF-8,
//! GB18030, then a guess), the separator is sniffed from the first lines
//! (tabs against commas, counted outside quotes), and quoted fields may hold
//! separators and line breaks. CSV has no merges: every slot is a 1×1 cell,
//! rows are padded to the widest so the grid is rectangular, and trailing
//! empty rows and columns are dropped (the used range, as for sheets).

use super::{decode_text, MAX_GRID_SLOTS};
use crate::error::IngestError;
use crate::grid::{collapse_whitespace, Block, Cell, Document, Grid};

/// Lines looked at to choose the separator.
const SNIFF_LINES: usize = 20;

/// Reads a CSV/TSV file into a document with one table.
pub fn read_csv(bytes: &[u8]) -> Result<Document, IngestError> {
    let (text, encoding) = decode_text(bytes, None);
    let delimiter = sniff_delimiter(&text);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());

    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut fields = 0usize;
    let mut record = ::csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(IngestError::corrupt("csv", e)),
        }
        let line = record.position().map(|p| p.line() as usize);
        fields += record.len();
        if fields > MAX_GRID_SLOTS {
            return Err(IngestError::TooLarge(format!(
                "more than {MAX_GRID_SLOTS} fields"
            )));
        }
        rows.push(
            record
                .iter()
                .map(|f| Cell {
                    text: collapse_whitespace(f),
                    line,
                    ..Cell::default()
                })
                .collect(),
        );
    }

    // The used range: drop trailing empty cells, then trailing empty rows.
    for row in &mut rows {
        while row.last().is_some_and(|c| c.text.is_empty()) {
            row.pop();
        }
    }
    while rows.last().is_some_and(Vec::is_empty) {
        rows.pop();
    }
    let mut doc = Document {
        blocks: Vec::new(),
        encoding: Some(encoding),
        sheet: None,
    };
    if rows.is_empty() {
        return Ok(doc);
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let area = rows.len().saturating_mul(width);
    if area > MAX_GRID_SLOTS {
        return Err(IngestError::TooLarge(format!(
            "{} rows × {width} columns = {area} cells (limit {MAX_GRID_SLOTS})",
            rows.len()
        )));
    }
    for row in &mut rows {
        let line = row.first().and_then(|c| c.line);
        row.resize_with(width, || Cell {
            line,
            ..Cell::default()
        });
    }
    doc.blocks.push(Block::Table(Grid {
        rows,
        widths: Vec::new(),
        expanded: true,
    }));
    Ok(doc)
}

/// Tab when the first lines hold more tabs than commas outside quotes,
/// comma otherwise.
fn sniff_delimiter(text: &str) -> u8 {
    let (mut tabs, mut commas) = (0usize, 0usize);
    let mut quoted = false;
    let mut lines = 0usize;
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            '\t' if !quoted => tabs += 1,
            ',' if !quoted => commas += 1,
            '\n' if !quoted => {
                lines += 1;
                if lines >= SNIFF_LINES {
                    break;
                }
            }
            _ => {}
        }
    }
    if tabs > commas {
        b'\t'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(doc: &Document) -> &Grid {
        let tables: Vec<&Grid> = doc.tables().collect();
        assert_eq!(tables.len(), 1);
        tables[0]
    }

    fn texts(g: &Grid) -> Vec<Vec<&str>> {
        g.rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect()
    }

    const SAMPLE: &str = "项目,自然人,总计\n\"一、本年新收政府信息公开申请数量\",23,\"1,234\"\n\"（一）予以\n公开\",7\n,,\n";

    #[test]
    fn utf8_comma_quoted_fields_and_ragged_rows() {
        let doc = read_csv(SAMPLE.as_bytes()).unwrap();
        assert_eq!(doc.encoding.as_deref(), Some("utf-8"));
        let g = grid(&doc);
        assert!(g.expanded);
        assert_eq!(
            texts(g),
            [
                vec!["项目", "自然人", "总计"],
                vec!["一、本年新收政府信息公开申请数量", "23", "1,234"],
                vec!["（一）予以 公开", "7", ""],
            ],
            "quoted separators and line breaks kept, short row padded, empty tail dropped"
        );
        assert_eq!(g.rows[2][0].line, Some(3));
        assert_eq!(g.rows[2][2].line, Some(3), "padding carries the row's line");
    }

    #[test]
    fn bom_gbk_and_tabs() {
        let mut with_bom = vec![0xEF, 0xBB, 0xBF];
        with_bom.extend_from_slice(SAMPLE.as_bytes());
        let doc = read_csv(&with_bom).unwrap();
        assert_eq!(doc.encoding.as_deref(), Some("utf-8"));
        assert_eq!(
            grid(&doc).rows[0][0].text,
            "项目",
            "BOM not in the first cell"
        );

        let (gbk, _, _) = encoding_rs::GBK.encode(SAMPLE);
        let doc = read_csv(&gbk).unwrap();
        assert_eq!(doc.encoding.as_deref(), Some("gb18030"));
        assert_eq!(texts(grid(&doc))[1][0], "一、本年新收政府信息公开申请数量");

        let tsv = "项目\t自然人\t总计\n本年新收\t1,234\t\"a\tb\"\n";
        let doc = read_csv(tsv.as_bytes()).unwrap();
        assert_eq!(
            texts(grid(&doc)),
            [
                vec!["项目", "自然人", "总计"],
                vec!["本年新收", "1,234", "a b"]
            ]
        );
    }

    #[test]
    fn empty_and_oversized() {
        let doc = read_csv(b"\n,,\n").unwrap();
        assert_eq!(doc.tables().count(), 0);
        // One wide row and many short ones: the padded grid would be huge.
        let mut s = ",".repeat(1000);
        s.push('\n');
        s.push_str(&"x\n".repeat(1000));
        let err = read_csv(s.replace(",", ",y").as_bytes()).unwrap_err();
        assert_eq!(err.kind(), "too_large", "{err}");
    }

    #[test]
    fn read_routes_csv() {
        let doc = crate::ingest::read(crate::ingest::Format::Csv, SAMPLE.as_bytes()).unwrap();
        assert_eq!(grid(&doc).height(), 3);
    }
}
