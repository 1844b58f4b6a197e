//! OpenDocument spreadsheets, read from `content.xml` in one streaming pass.
//!
//! calamine reads ODS values but not merges, and it expands repeated rows
//! and columns eagerly (LibreOffice writes the empty rest of a sheet as one
//! row repeated a million times). Here a run of repeated cells or rows costs
//! nothing unless it holds content, and content is counted against
//! [`MAX_GRID_SLOTS`] before it is expanded.
//!
//! What a cell reads as: the number in `office:value` for numeric types
//! (not the formatted display text, so `1,234` reads `1234`), ISO dates,
//! `TRUE`/`FALSE`, otherwise the paragraphs of the cell joined by a space.
//! Comments (`office:annotation`), notes, drawings and nested tables are
//! skipped.
//! A formula with no result gets `=FORMULA`. Covered cells are read as
//! covered: any hidden content they keep is dropped.

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;

use super::{attr, float_text, push_entity, Region, SparseSheet, MAX_PART_BYTES};
use crate::error::IngestError;
use crate::grid::collapse_whitespace;
use crate::ingest::MAX_GRID_SLOTS;

fn corrupt(detail: impl std::fmt::Display) -> IngestError {
    IngestError::corrupt("ods", detail)
}

/// Reads every table of the workbook.
pub(super) fn read(bytes: &[u8]) -> Result<Vec<SparseSheet>, IngestError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    if let Ok(manifest) = zip.by_name("META-INF/manifest.xml") {
        let mut text = Vec::new();
        manifest
            .take(MAX_PART_BYTES)
            .read_to_end(&mut text)
            .map_err(corrupt)?;
        if text.windows(15).any(|w| w == b"encryption-data") {
            return Err(IngestError::Encrypted(
                "the document's parts are encrypted (manifest:encryption-data)".into(),
            ));
        }
    }
    let content = zip
        .by_name("content.xml")
        .map_err(|_| corrupt("no content.xml"))?;
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(content));
    let mut parser = Parser::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).map_err(corrupt)? {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                match name.as_str() {
                    "table:table" if parser.sheet.is_none() => parser.start_sheet(&e),
                    "table:table-row" if parser.sheet.is_some() => parser.start_row(&e),
                    "table:table-cell" | "table:covered-table-cell" if parser.row.is_some() => {
                        let text = cell_text(&mut reader, &name)?;
                        parser.cell(&e, name == "table:covered-table-cell", text)?;
                    }
                    // Skip a table outside the one being read (nested or
                    // malformed) and things drawn over the sheet.
                    "table:table" | "table:shapes" | "office:annotation" => {
                        skip(&mut reader, &name)?;
                    }
                    _ => {}
                }
            }
            Event::Empty(e) => match e.name().as_ref() {
                "table:table-row" if parser.sheet.is_some() => {
                    parser.start_row(&e);
                    parser.end_row()?;
                }
                name @ ("table:table-cell" | "table:covered-table-cell")
                    if parser.row.is_some() =>
                {
                    let covered = name == "table:covered-table-cell";
                    parser.cell(&e, covered, String::new())?;
                }
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "table:table-row" if parser.row.is_some() => parser.end_row()?,
                "table:table" => parser.end_sheet(),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if parser.sheet.is_some() {
        return Err(corrupt("content.xml ends inside a table"));
    }
    Ok(parser.sheets)
}

fn skip<R: std::io::BufRead>(
    reader: &mut quick_xml::Reader<R>,
    name: &str,
) -> Result<(), IngestError> {
    let mut scratch = Vec::new();
    reader
        .read_to_end_into(QName(name), &mut scratch)
        .map(|_| ())
        .map_err(corrupt)
}

/// The text of a cell whose start tag was just read: paragraphs joined by
/// one space, `text:s`/`text:tab`/`text:line-break` as spaces, comments and
/// drawings skipped. Consumes the cell's end tag.
fn cell_text<R: std::io::BufRead>(
    reader: &mut quick_xml::Reader<R>,
    cell: &str,
) -> Result<String, IngestError> {
    let mut text = String::new();
    let mut paragraphs = 0usize;
    let mut depth = 0usize;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).map_err(corrupt)? {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                if matches!(
                    name.as_str(),
                    "office:annotation" | "text:note" | "table:table"
                ) || name.starts_with("draw:")
                {
                    skip(reader, &name)?;
                    continue;
                }
                if name == "text:p" || name == "text:h" {
                    if paragraphs > 0 {
                        text.push(' ');
                    }
                    paragraphs += 1;
                }
                depth += 1;
            }
            Event::Empty(e) => match e.name().as_ref() {
                "text:s" | "text:tab" | "text:line-break" => text.push(' '),
                "text:p" | "text:h" => {
                    if paragraphs > 0 {
                        text.push(' ');
                    }
                    paragraphs += 1;
                }
                _ => {}
            },
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => push_entity(&mut text, &r),
            Event::End(_) if depth == 0 => break,
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(corrupt(format!("content.xml ends inside a {cell}"))),
            _ => {}
        }
    }
    Ok(text)
}

/// A repetition or span count: at least 1, saturating on nonsense.
fn count(e: &BytesStart<'_>, name: &str) -> u64 {
    attr(e, name)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

#[derive(Default)]
struct Parser {
    sheets: Vec<SparseSheet>,
    sheet: Option<SparseSheet>,
    row: Option<Row>,
    /// Index of the next row.
    r: u64,
    /// Placements (cells plus merges) so far in this sheet.
    placed: u64,
}

/// The row being read; emitted `repeat` times at its end.
struct Row {
    repeat: u64,
    /// Index of the next column.
    c: u64,
    cells: Vec<(u64, String)>,
    /// `(col, rows, cols)` of cells spanning more than one slot.
    spans: Vec<(u64, u64, u64)>,
}

impl Parser {
    fn start_sheet(&mut self, e: &BytesStart<'_>) {
        self.sheet = Some(SparseSheet {
            name: attr(e, "table:name").unwrap_or_default(),
            cells: Vec::new(),
            merges: Vec::new(),
            empties: Vec::new(),
        });
        self.row = None;
        self.r = 0;
        self.placed = 0;
    }

    fn end_sheet(&mut self) {
        if let Some(sheet) = self.sheet.take() {
            self.sheets.push(sheet);
        }
        self.row = None;
    }

    fn start_row(&mut self, e: &BytesStart<'_>) {
        self.row = Some(Row {
            repeat: count(e, "table:number-rows-repeated"),
            c: 0,
            cells: Vec::new(),
            spans: Vec::new(),
        });
    }

    fn budget(&mut self, more: u64) -> Result<(), IngestError> {
        self.placed = self.placed.saturating_add(more);
        if self.placed > MAX_GRID_SLOTS as u64 {
            let name = self.sheet.as_ref().map_or("", |s| s.name.as_str());
            return Err(IngestError::TooLarge(format!(
                "sheet \"{name}\" has more than {MAX_GRID_SLOTS} cells with content"
            )));
        }
        Ok(())
    }

    fn cell(&mut self, e: &BytesStart<'_>, covered: bool, text: String) -> Result<(), IngestError> {
        let repeat = count(e, "table:number-columns-repeated");
        let value = if covered {
            String::new()
        } else {
            cell_value(e, text)
        };
        let rows = count(e, "table:number-rows-spanned");
        let cols = count(e, "table:number-columns-spanned");
        let spans = !covered && (rows > 1 || cols > 1);
        if value.is_empty() && !spans {
            if let Some(row) = self.row.as_mut() {
                row.c = row.c.saturating_add(repeat);
            }
            return Ok(());
        }
        // Content repeated across columns is expanded, within the budget.
        let per_cell = u64::from(!value.is_empty()) + u64::from(spans);
        self.budget(repeat.saturating_mul(per_cell))?;
        let Some(row) = self.row.as_mut() else {
            return Ok(());
        };
        for _ in 0..repeat {
            if !value.is_empty() {
                row.cells.push((row.c, value.clone()));
            }
            if spans {
                row.spans.push((row.c, rows, cols));
            }
            row.c = row.c.saturating_add(1);
        }
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), IngestError> {
        let Some(row) = self.row.take() else {
            return Ok(());
        };
        let per_row = (row.cells.len() + row.spans.len()) as u64;
        if per_row > 0 {
            // The row was counted once as it was read.
            self.budget((row.repeat - 1).saturating_mul(per_row))?;
            if let Some(sheet) = self.sheet.as_mut() {
                for k in 0..row.repeat {
                    let r = self.r.saturating_add(k);
                    for (c, text) in &row.cells {
                        sheet.cells.push((r, *c, text.clone()));
                    }
                    for &(c, rows, cols) in &row.spans {
                        sheet.merges.push(Region {
                            r0: r,
                            c0: c,
                            r1: r.saturating_add(rows - 1),
                            c1: c.saturating_add(cols - 1),
                        });
                    }
                }
            }
        }
        self.r = self.r.saturating_add(row.repeat);
        Ok(())
    }
}

/// What a (non-covered) cell reads as, from its value attributes and text.
fn cell_value(e: &BytesStart<'_>, text: String) -> String {
    let text = collapse_whitespace(&text);
    let is_error = attr(e, "calcext:value-type").as_deref() == Some("error");
    let typed = match attr(e, "office:value-type").as_deref() {
        _ if is_error => None,
        Some("float" | "percentage" | "currency") => attr(e, "office:value")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(float_text),
        Some("date") => attr(e, "office:date-value").map(|v| date_text(v.trim())),
        Some("time") => attr(e, "office:time-value").and_then(|v| time_text(v.trim())),
        Some("boolean") => attr(e, "office:boolean-value").map(|v| {
            if matches!(v.trim(), "true" | "1") {
                "TRUE".to_string()
            } else {
                "FALSE".to_string()
            }
        }),
        Some("string") if text.is_empty() => {
            attr(e, "office:string-value").map(|v| collapse_whitespace(&v))
        }
        _ => None,
    };
    let value = typed.unwrap_or(text);
    if value.is_empty() {
        if let Some(formula) = attr(e, "table:formula") {
            let f = formula.trim();
            let f = f.strip_prefix("of:").unwrap_or(f);
            let f = f.strip_prefix('=').unwrap_or(f);
            if !f.is_empty() {
                return format!("={}", collapse_whitespace(f));
            }
        }
    }
    value
}

/// `2019-12-31T00:00:00` → `2019-12-31`; other date-times as written.
fn date_text(v: &str) -> String {
    match v.split_once('T') {
        Some((date, time)) if time.trim_start_matches(['0', ':', '.']).is_empty() => {
            date.to_string()
        }
        _ => v.to_string(),
    }
}

/// `PT13H05M00S` → `13:05:00`.
fn time_text(v: &str) -> Option<String> {
    let rest = v.strip_prefix("PT")?;
    let (h, rest) = rest.split_once('H')?;
    let (m, rest) = rest.split_once('M')?;
    let s = rest.strip_suffix('S')?;
    let h: u64 = h.parse().ok()?;
    let m: u64 = m.parse().ok()?;
    let s: f64 = s.parse().ok()?;
    Some(format!("{h:02}:{m:02}:{:02}", s.round() as u64))
}
