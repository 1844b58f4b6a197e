//! Workbook reader: xlsx, xls and ods → one [`Document`] per sheet.
//!
//! Each sheet that holds anything becomes a document with one expanded
//! [`Grid`] covering the sheet's used range (the bounding box of its
//! non-empty cells), merged regions turned into [`Span::Origin`] /
//! [`Span::Covered`] slots.
//!
//! - **xlsx**: read by the fast route (module `fast`: each part inflated
//!   once and tokenized here, calamine's reading mirrored) wherever it is
//!   sure to answer as calamine does; otherwise values from calamine's
//!   streaming cell reader (so a sheet whose cells lie far apart is refused
//!   before anything is allocated for it), merges from a scan of the part
//!   (module `merges`) or `merge_cells_by_sheet_name`. A formula cell without a cached
//!   value (written by a library that does not calculate, or a placeholder 0
//!   in a workbook marked `fullCalcOnLoad`) gets the text `=FORMULA`, never a
//!   made-up 0. The formulas are read once per sheet, and only when the
//!   sheet's part holds a formula element.
//! - **xls**: calamine parses the whole workbook eagerly and allocates each
//!   sheet's bounding box, so the `ole` module first walks the BIFF records
//!   and refuses sizes that would exhaust memory; merges from
//!   `merge_cells_by_sheet_name`.
//! - **ods**: read here from `content.xml` (module `ods`), values and spans
//!   in one pass, because calamine has no merge API for ODS and expands
//!   repeated rows and columns eagerly.
//!
//! Cell text is normalised the same way for every format: `110.0` → `110`,
//! `0.30000000000000004` → `0.3`, booleans `TRUE`/`FALSE`, dates ISO 8601,
//! error cells their error text (`#DIV/0!`), strings whitespace-collapsed and
//! otherwise untouched (full-width digits stay for the normaliser).

mod fast;
mod merges;
mod ods;
mod ole;

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{Data, DataRef, ExcelDateTime, Reader, SheetType, Xls, XlsError, Xlsx, XlsxError};
use quick_xml::events::{BytesStart, Event};

use super::{xml, Format, MAX_GRID_SLOTS};
use crate::error::IngestError;
use crate::grid::{collapse_whitespace, Block, Cell, Document, Grid, Span};

/// Upper bound on the cell records of one sheet as the file stores them
/// (empty strings and blank formulas included), checked before calamine
/// allocates the sheet's bounding box.
const MAX_RAW_CELLS: u64 = 4 * MAX_GRID_SLOTS as u64;

/// Largest `DIMENSIONS` a BIFF sheet may declare: the BIFF8 maximum sheet.
const MAX_XLS_DECLARED: u64 = 65_536 * 256;

/// Upper bound on an xlsx shared-string table's declared size (calamine
/// reserves that many entries up front).
const MAX_SHARED_STRINGS: u64 = 4_000_000;

/// Bytes read from a small package part (workbook, relationships, manifest).
const MAX_PART_BYTES: u64 = 16 << 20;

/// Bytes of a worksheet part read for its formulas.
const MAX_SHEET_BYTES: u64 = 256 << 20;

/// Reads every sheet of a workbook: one document per sheet that holds
/// anything, in workbook order, each with `sheet` set and one table.
///
/// An OLE file is read as `.xls` whatever `format` says (an encrypted `.xlsx`
/// is an OLE file too, and is reported as [`IngestError::Encrypted`]).
pub fn read_workbook(bytes: &[u8], format: Format) -> Result<Vec<Document>, IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Empty);
    }
    let name = if ole::is_ole(bytes) {
        "xls"
    } else {
        format.as_str()
    };
    let sheets = match catch_unwind(AssertUnwindSafe(|| read_sheets(bytes, format))) {
        Ok(result) => result?,
        Err(_) => {
            return Err(IngestError::corrupt(
                format_name(name),
                "the spreadsheet reader failed on this file",
            ))
        }
    };
    let mut docs = Vec::new();
    for sheet in sheets {
        if let Some(grid) = build_grid(&sheet)? {
            docs.push(Document {
                blocks: vec![Block::Table(grid)],
                encoding: None,
                sheet: Some(sheet.name),
            });
        }
    }
    Ok(docs)
}

/// Reads a workbook as one document: the sheets' tables in order. `sheet`
/// names the sheet when there is exactly one.
pub fn read_merged(bytes: &[u8], format: Format) -> Result<Document, IngestError> {
    read_workbook(bytes, format).map(merge)
}

/// The documents of a workbook's sheets as one document: their blocks in
/// order; `sheet` names the sheet when there is exactly one.
pub fn merge(docs: Vec<Document>) -> Document {
    let sheet = match docs.as_slice() {
        [only] => only.sheet.clone(),
        _ => None,
    };
    Document {
        blocks: docs.into_iter().flat_map(|d| d.blocks).collect(),
        encoding: None,
        sheet,
    }
}

/// What an OLE compound file holds, as far as telling formats apart goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OleContent {
    /// A password-protected Office Open XML package (`EncryptionInfo` /
    /// `EncryptedPackage`): an encrypted `.docx` or `.xlsx`.
    EncryptedPackage,
    /// A legacy Word (or Kingsoft WPS) document: a `WordDocument` stream.
    Word,
    /// A legacy Excel (or Kingsoft ET) workbook: a `Workbook` or `Book` stream.
    Workbook,
    /// Something else, or a directory that cannot be read.
    Other,
}

/// Looks into an OLE compound file's directory; `None` when `bytes` is no
/// OLE file. Costs one parse of the container's tables (bounded by the
/// input size), nothing of the streams' contents.
pub fn ole_content(bytes: &[u8]) -> Option<OleContent> {
    if !ole::is_ole(bytes) {
        return None;
    }
    let Ok(container) = ole::Ole::parse(bytes) else {
        return Some(OleContent::Other);
    };
    Some(if ole::is_encrypted_package(&container) {
        OleContent::EncryptedPackage
    } else if container.has("WordDocument") {
        OleContent::Word
    } else if container.has("Workbook") || container.has("Book") {
        OleContent::Workbook
    } else {
        OleContent::Other
    })
}

/// Whether the XLSX merged-region scan, where it answers for the worksheet
/// part `sheet_xml`, answers as calamine's `merge_cells_by_sheet_name` does
/// for the part as the one sheet of a workbook: for the fuzz target that
/// compares them. `Err` says how they differ. A calamine failure is no
/// difference in a part without a list (the scan's deliberate one); in a
/// part with one, calamine must read the part from the list on as the scan
/// reads it.
#[doc(hidden)]
pub fn merges_scan_agrees(sheet_xml: &[u8]) -> Result<(), String> {
    merges::agrees_with_calamine(sheet_xml)
}

fn format_name(name: &str) -> &'static str {
    match name {
        "xls" => "xls",
        "ods" => "ods",
        _ => "xlsx",
    }
}

fn read_sheets(bytes: &[u8], format: Format) -> Result<Vec<SparseSheet>, IngestError> {
    if ole::is_ole(bytes) {
        return read_xls(bytes);
    }
    match format {
        Format::Xlsx => read_xlsx(bytes),
        Format::Ods => ods::read(bytes),
        Format::Xls => Err(IngestError::corrupt("xls", "not an OLE compound file")),
        other => Err(IngestError::Unsupported(format!(
            "{} is not a spreadsheet format",
            other.as_str()
        ))),
    }
}

/// A sheet as its file stores it: non-empty cells at absolute positions and
/// merged regions (inclusive bounds). Positions are `u64` because ODS
/// repetition counts can run past `u32`.
#[derive(Debug, PartialEq)]
struct SparseSheet {
    name: String,
    cells: Vec<(u64, u64, String)>,
    merges: Vec<Region>,
    /// Cells the file stores with no value (bordered, styled): the rows of a
    /// blank table. They extend the grid downwards where they continue it.
    empties: Vec<(u64, u64)>,
}

/// A merged region, inclusive bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Region {
    r0: u64,
    c0: u64,
    r1: u64,
    c1: u64,
}

impl From<calamine::Dimensions> for Region {
    fn from(d: calamine::Dimensions) -> Region {
        Region {
            r0: d.start.0.into(),
            c0: d.start.1.into(),
            r1: d.end.0.into(),
            c1: d.end.1.into(),
        }
    }
}

/// Expands a sparse sheet into the grid of its used range; `None` when the
/// sheet holds nothing. The size is checked before anything is allocated.
fn build_grid(sheet: &SparseSheet) -> Result<Option<Grid>, IngestError> {
    let Some(&(r, c, _)) = sheet.cells.first() else {
        return Ok(None);
    };
    let (mut r0, mut r1, mut c0, mut c1) = (r, r, c, c);
    for &(r, c, _) in &sheet.cells {
        r0 = r0.min(r);
        r1 = r1.max(r);
        c0 = c0.min(c);
        c1 = c1.max(c);
    }
    // Stored empty cells right below the content continue the table (the
    // value row of a blank template): take those rows in, a few at most.
    for _ in 0..8 {
        let next = r1 + 1;
        let continues = sheet
            .empties
            .iter()
            .filter(|(r, c)| *r == next && (c0..=c1).contains(c))
            .count()
            >= 2;
        if !continues {
            break;
        }
        r1 = next;
    }
    let (h, w) = (r1 - r0 + 1, c1 - c0 + 1);
    let area = h.saturating_mul(w);
    if area > MAX_GRID_SLOTS as u64 {
        return Err(IngestError::TooLarge(format!(
            "sheet \"{}\" uses {h} rows × {w} columns = {area} cells (limit {MAX_GRID_SLOTS})",
            sheet.name
        )));
    }
    let (h, w) = (h as usize, w as usize);
    let mut rows = vec![vec![Cell::default(); w]; h];
    for (r, c, text) in &sheet.cells {
        let slot = &mut rows[(r - r0) as usize][(c - c0) as usize];
        if slot.text.is_empty() {
            slot.text.clone_from(text); // duplicate positions: the first wins
        }
    }

    let mut merges = sheet.merges.clone();
    merges.sort_unstable();
    let mut scanned = 0usize;
    for m in merges {
        if m.r1 < m.r0 || m.c1 < m.c0 {
            continue;
        }
        // Clip to the used range; the merge's part outside holds nothing.
        let (mr0, mr1) = (m.r0.max(r0), m.r1.min(r1));
        let (mc0, mc1) = (m.c0.max(c0), m.c1.min(c1));
        if mr1 < mr0 || mc1 < mc0 || (mr0 == mr1 && mc0 == mc1) {
            continue;
        }
        let (top, bottom) = ((mr0 - r0) as usize, (mr1 - r0) as usize);
        let (left, right) = ((mc0 - c0) as usize, (mc1 - c0) as usize);
        // Overlapping regions (malformed files): the first one wins.
        let mut free = true;
        'check: for row in &rows[top..=bottom] {
            for cell in &row[left..=right] {
                scanned += 1;
                if cell.span != Span::default() {
                    free = false;
                    break 'check;
                }
            }
        }
        if scanned > 4 * MAX_GRID_SLOTS {
            return Err(IngestError::TooLarge(format!(
                "sheet \"{}\" has too many overlapping merged regions",
                sheet.name
            )));
        }
        if !free {
            continue;
        }
        for (i, row) in rows[top..=bottom].iter_mut().enumerate() {
            for (j, cell) in row[left..=right].iter_mut().enumerate() {
                if i == 0 && j == 0 {
                    cell.span = Span::Origin {
                        rows: bottom - top + 1,
                        cols: right - left + 1,
                    };
                } else {
                    // A covered cell's own content is hidden by the merge.
                    cell.text.clear();
                    cell.span = Span::Covered {
                        row: top,
                        col: left,
                    };
                }
            }
        }
    }
    Ok(Some(Grid {
        rows,
        widths: Vec::new(),
        expanded: true,
    }))
}

// ---------------------------------------------------------------------------
// Cell text

/// A number as text: integers without `.0`, others in the shortest form
/// that round-trips after rounding to Excel's 15 significant digits (so
/// binary noise like `0.30000000000000004` reads `0.3`).
fn float_text(v: f64) -> String {
    if !v.is_finite() {
        return "#NUM!".into();
    }
    // A whole number below 10^15 has at most 15 digits: the rounding
    // keeps it as it is (most cells of a report).
    if v == v.trunc() && v.abs() < 1e15 {
        return itoa::Buffer::new().format(v as i64).to_string();
    }
    float_text_rounded(v)
}

/// [`float_text`] of a finite number, the long way.
fn float_text_rounded(v: f64) -> String {
    let rounded: f64 = format!("{v:.14e}").parse().unwrap_or(v);
    if rounded == rounded.trunc() && rounded.abs() < 1e15 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

/// An Excel serial date/time as ISO 8601: `2019-12-31`, `2019-12-31T08:30:00`,
/// `08:30:00` for a time of day; a duration as `h:mm:ss`.
fn datetime_text(dt: &ExcelDateTime) -> String {
    let v = dt.as_f64();
    if dt.is_duration() {
        let secs = (v * 86_400.0).round();
        if !secs.is_finite() {
            return "#NUM!".into();
        }
        let sign = if secs < 0.0 { "-" } else { "" };
        let secs = secs.abs() as u64;
        return format!(
            "{sign}{}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
    }
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let time = if ms > 0 {
        format!("{h:02}:{mi:02}:{s:02}.{ms:03}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}")
    };
    if (0.0..1.0).contains(&v) {
        time
    } else if (h, mi, s, ms) == (0, 0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{time}")
    }
}

fn data_text(d: &Data) -> String {
    match d {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::String(s) => collapse_whitespace(s),
        Data::Bool(b) => bool_text(*b),
        Data::DateTime(dt) => datetime_text(dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => collapse_whitespace(s),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

fn data_ref_text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float_text(*f),
        DataRef::String(s) => collapse_whitespace(s),
        DataRef::SharedString(s) => collapse_whitespace(s),
        DataRef::Bool(b) => bool_text(*b),
        DataRef::DateTime(dt) => datetime_text(dt),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => collapse_whitespace(s),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

fn bool_text(b: bool) -> String {
    if b { "TRUE" } else { "FALSE" }.into()
}

// ---------------------------------------------------------------------------
// xls

fn xls_error(e: XlsError) -> IngestError {
    match e {
        XlsError::Password => IngestError::Encrypted("the workbook is password-protected".into()),
        other => IngestError::corrupt("xls", other),
    }
}

fn read_xls(bytes: &[u8]) -> Result<Vec<SparseSheet>, IngestError> {
    let container = ole::Ole::parse(bytes)?;
    if ole::is_encrypted_package(&container) {
        return Err(super::encrypted_package());
    }
    let stream = match container.stream("Workbook")? {
        Some(s) => s,
        None => container
            .stream("Book")?
            .ok_or_else(|| IngestError::corrupt("xls", "no Workbook stream"))?,
    };
    let limits = ole::BiffLimits {
        max_declared: MAX_XLS_DECLARED,
        max_cells: MAX_RAW_CELLS,
    };
    ole::prescan_biff(&stream, &limits)?;
    drop(stream);

    let mut wb: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(xls_error)?;
    let names = worksheet_names(&wb);
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let range = wb.worksheet_range(&name).map_err(xls_error)?;
        let mut cells = Vec::new();
        if let Some((sr, sc)) = range.start() {
            for (r, c, v) in range.used_cells() {
                let text = data_text(v);
                if !text.is_empty() {
                    cells.push((u64::from(sr) + r as u64, u64::from(sc) + c as u64, text));
                }
            }
        }
        // A formula cell with no value at all shows its formula. BIFF stores
        // results, so this is rare; the formulas are in memory already (the
        // prescan bounded their range), so one pass per sheet is cheap.
        let formulas = wb.worksheet_formula(&name).map_err(xls_error)?;
        if let Some((fr, fc)) = formulas.start() {
            for (r, c, f) in formulas.used_cells() {
                let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
                    continue;
                };
                let pos = (fr.saturating_add(r), fc.saturating_add(c));
                let has_value = range.get_value(pos).is_some_and(|v| *v != Data::Empty);
                if !has_value && !f.trim().is_empty() {
                    cells.push((
                        pos.0.into(),
                        pos.1.into(),
                        format!("={}", collapse_whitespace(f)),
                    ));
                }
            }
        }
        drop((range, formulas));
        let merges = wb
            .merge_cells_by_sheet_name(&name)
            .map_err(xls_error)?
            .into_iter()
            .map(Region::from)
            .collect();
        sheets.push(SparseSheet {
            name,
            cells,
            merges,
            empties: Vec::new(),
        });
    }
    Ok(sheets)
}

fn worksheet_names<RS: std::io::Read + std::io::Seek, R: Reader<RS>>(wb: &R) -> Vec<String> {
    wb.sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect()
}

// ---------------------------------------------------------------------------
// xlsx

fn xlsx_error(e: XlsxError) -> IngestError {
    match e {
        XlsxError::Password => IngestError::Encrypted("the workbook is password-protected".into()),
        other => IngestError::corrupt("xlsx", other),
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<SparseSheet>, IngestError> {
    if let Some(sheets) = fast::read(bytes) {
        return Ok(sheets);
    }
    read_xlsx_calamine(bytes, &XlsxPackage::inspect(bytes)?)
}

/// Whether the fast XLSX route, where it answers for `bytes`, answers as
/// calamine does: for the tests and the fuzz target that compare them.
/// `Ok(true)` when it answered, `Ok(false)` when it left the workbook to
/// calamine; `Err` says how they differ.
#[doc(hidden)]
pub fn xlsx_routes_agree(bytes: &[u8]) -> Result<bool, String> {
    let Some(fast) = fast::read(bytes) else {
        return Ok(false);
    };
    let slow = || XlsxPackage::inspect(bytes).and_then(|p| read_xlsx_calamine(bytes, &p));
    match catch_unwind(AssertUnwindSafe(slow)) {
        Ok(Ok(slow)) if slow == fast => Ok(true),
        Ok(Ok(slow)) => Err(format!("fast route {fast:?}\ncalamine {slow:?}")),
        Ok(Err(e)) => Err(format!("fast route {fast:?}\ncalamine failed: {e}")),
        Err(_) => Err(format!("fast route {fast:?}\ncalamine panicked")),
    }
}

/// [`xlsx_routes_agree`] for a workbook of one worksheet part `sheet`,
/// with these shared strings and styles parts: for the `sheet_route` fuzz
/// target.
#[doc(hidden)]
pub fn xlsx_parts_agree(
    sheet: &[u8],
    strings: Option<&[u8]>,
    styles: Option<&[u8]>,
) -> Result<bool, String> {
    let mut extra: Vec<(&str, &[u8])> = Vec::new();
    if let Some(s) = strings {
        extra.push(("xl/sharedStrings.xml", s));
    }
    if let Some(s) = styles {
        extra.push(("xl/styles.xml", s));
    }
    let bytes =
        merges::package(sheet, &extra).map_err(|e| format!("the workbook was not written: {e}"))?;
    xlsx_routes_agree(&bytes)
}

fn read_xlsx_calamine(
    bytes: &[u8],
    package: &XlsxPackage,
) -> Result<Vec<SparseSheet>, IngestError> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(xlsx_error)?;
    let mut parts = Parts::default();
    let names = worksheet_names(&wb);
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let mut cells: Vec<(u64, u64, String)> = Vec::new();
        // Cells that may be formulas without a cached value.
        let mut candidates: Vec<usize> = Vec::new();
        {
            let mut reader = wb.worksheet_cells_reader(&name).map_err(xlsx_error)?;
            let mut raw = 0u64;
            while let Some(cell) = reader.next_cell().map_err(xlsx_error)? {
                raw += 1;
                if raw > MAX_RAW_CELLS {
                    return Err(IngestError::TooLarge(format!(
                        "sheet \"{name}\" has more than {MAX_RAW_CELLS} cells"
                    )));
                }
                let (r, c) = cell.get_position();
                let value = cell.get_value();
                let text = data_ref_text(value);
                let zero = match value {
                    DataRef::Float(f) => *f == 0.0,
                    DataRef::Int(i) => *i == 0,
                    _ => false,
                };
                let empty = matches!(value, DataRef::Empty);
                if formula_candidate(empty, zero, package.full_calc_on_load) {
                    candidates.push(cells.len());
                }
                cells.push((r.into(), c.into(), text));
            }
        }
        // The part itself, for the formulas and the merges (read once).
        let part = package
            .sheet_paths
            .get(&name)
            .and_then(|path| parts.read(bytes, path));
        fill_formulas(&mut cells, &candidates, part.as_deref());
        let (cells, empties) = split_empties(cells);
        let merges = match part.as_deref().and_then(merges::scan) {
            Some(merges) => merges,
            None => wb
                .merge_cells_by_sheet_name(&name)
                .map_err(xlsx_error)?
                .into_iter()
                .map(Region::from)
                .collect(),
        };
        sheets.push(SparseSheet {
            name,
            cells,
            merges,
            empties,
        });
    }
    Ok(sheets)
}

/// Whether a cell read as `empty` or `zero` may be a formula whose result
/// the file does not hold: no value at all (a formula written without its
/// result), or a placeholder 0 in a workbook that asks to be recalculated.
/// Empty strings are results, not candidates. Both XLSX routes ask this.
fn formula_candidate(empty: bool, zero: bool, full_calc_on_load: bool) -> bool {
    empty || (zero && full_calc_on_load)
}

/// Gives the `candidates` (indices into `cells`: cells read without a
/// value, or with a placeholder 0) the text `=FORMULA` of their formula in
/// the worksheet part `xml`, where they have one.
fn fill_formulas(cells: &mut [(u64, u64, String)], candidates: &[usize], xml: Option<&[u8]>) {
    let Some(xml) = xml.filter(|_| !candidates.is_empty()) else {
        return;
    };
    let wanted: Vec<(u64, u64)> = candidates
        .iter()
        .map(|&i| (cells[i].0, cells[i].1))
        .collect();
    let formulas = xlsx_formulas(xml, &wanted);
    for &i in candidates {
        if let Some(f) = formulas.get(&(cells[i].0, cells[i].1)) {
            cells[i].2 = format!("={}", collapse_whitespace(f));
        }
    }
}

/// The cells with text, and the positions of those without.
#[allow(clippy::type_complexity)]
fn split_empties(mut cells: Vec<(u64, u64, String)>) -> (Vec<(u64, u64, String)>, Vec<(u64, u64)>) {
    let empties = cells
        .iter()
        .filter(|(_, _, text)| text.is_empty())
        .map(|(r, c, _)| (*r, *c))
        .collect();
    cells.retain(|(_, _, text)| !text.is_empty());
    (cells, empties)
}

/// What ogi reads from an xlsx package itself, before calamine opens it.
struct XlsxPackage {
    /// Worksheet name → part path in the zip.
    sheet_paths: HashMap<String, String>,
    /// `calcPr fullCalcOnLoad`: the cached formula results are placeholders.
    full_calc_on_load: bool,
}

impl XlsxPackage {
    /// Opens the zip, refuses a shared-string table whose declared size would
    /// make calamine reserve gigabytes, and maps sheet names to parts. The
    /// sheet map is best effort (calamine is the judge of validity).
    fn inspect(bytes: &[u8]) -> Result<XlsxPackage, IngestError> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| IngestError::corrupt("xlsx", e))?;
        let names: Vec<String> = zip
            .file_names()
            .filter_map(Result::ok)
            .map(|n| n.into_owned())
            .collect();
        for name in &names {
            if name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
                // Streamed: only the bytes up to the `sst` start tag are read.
                let declared = zip
                    .by_name(name)
                    .ok()
                    .and_then(|part| {
                        let part = std::io::BufReader::new(part.take(MAX_PART_BYTES));
                        xml_start_attr(part, "sst", "uniqueCount")
                    })
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(0);
                if declared > MAX_SHARED_STRINGS {
                    return Err(IngestError::TooLarge(format!(
                        "the workbook declares {declared} shared strings (limit {MAX_SHARED_STRINGS})"
                    )));
                }
            }
        }
        let mut package = XlsxPackage {
            sheet_paths: HashMap::new(),
            full_calc_on_load: false,
        };
        let workbook_path = read_part(&mut zip, "_rels/.rels", MAX_PART_BYTES)
            .and_then(|rels| {
                relationships(&rels)
                    .into_iter()
                    .find(|(_, ty, _)| ty.ends_with("/officeDocument"))
                    .map(|(_, _, target)| resolve_target("", &target))
            })
            .unwrap_or_else(|| "xl/workbook.xml".to_string());
        let Some(workbook) = read_part(&mut zip, &workbook_path, MAX_PART_BYTES) else {
            return Ok(package);
        };
        let (dir, file) = match workbook_path.rsplit_once('/') {
            Some((d, f)) => (format!("{d}/"), f.to_string()),
            None => (String::new(), workbook_path.clone()),
        };
        let rels = read_part(&mut zip, &format!("{dir}_rels/{file}.rels"), MAX_PART_BYTES)
            .map(|r| relationships(&r))
            .unwrap_or_default();
        let mut reader = quick_xml::Reader::from_reader(workbook.as_slice());
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(e) | Event::Empty(e)) => match xml::start_name(&e) {
                    "sheet" => {
                        let name = attr(&e, "name");
                        let id = attr_by(&e, |k| k == "id" || k.ends_with(":id"));
                        if let (Some(name), Some(id)) = (name, id) {
                            if let Some((_, _, target)) = rels.iter().find(|(i, _, _)| *i == id) {
                                package
                                    .sheet_paths
                                    .insert(name, resolve_target(&dir, target));
                            }
                        }
                    }
                    "calcPr" => {
                        package.full_calc_on_load =
                            matches!(attr(&e, "fullCalcOnLoad").as_deref(), Some("1" | "true"));
                    }
                    _ => {}
                },
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => {}
            }
            buf.clear();
        }
        Ok(package)
    }
}

/// Reads up to `cap` bytes of a zip part, matching the name exactly or else
/// ASCII case-insensitively.
fn read_part<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    cap: u64,
) -> Option<Vec<u8>> {
    let actual = if zip.index_for_name(name).is_some() {
        name.to_string()
    } else {
        zip.file_names()
            .filter_map(Result::ok)
            .find(|n| n.eq_ignore_ascii_case(name))?
            .into_owned()
    };
    let file = zip.by_name(&actual).ok()?;
    let mut out = Vec::new();
    file.take(cap).read_to_end(&mut out).ok()?;
    Some(out)
}

/// The workbook's zip, opened once when a worksheet part is first wanted.
#[derive(Default)]
struct Parts<'a> {
    zip: Option<zip::ZipArchive<Cursor<&'a [u8]>>>,
}

impl<'a> Parts<'a> {
    /// A worksheet part's bytes, whole; `None` when it cannot be read or
    /// is over [`MAX_SHEET_BYTES`] (what needs it then does without, or
    /// asks calamine).
    fn read(&mut self, bytes: &'a [u8], path: &str) -> Option<Vec<u8>> {
        if self.zip.is_none() {
            self.zip = zip::ZipArchive::new(Cursor::new(bytes)).ok();
        }
        let xml = read_part(self.zip.as_mut()?, path, MAX_SHEET_BYTES + 1)?;
        (xml.len() as u64 <= MAX_SHEET_BYTES).then_some(xml)
    }
}

/// `(Id, Type, Target)` of each relationship in a `.rels` part.
fn relationships(xml: &[u8]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if xml::start_name(&e) == "Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                    out.push((id, attr(&e, "Type").unwrap_or_default(), target));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        buf.clear();
    }
    out
}

/// Resolves a relationship target against the folder of its source part.
fn resolve_target(dir: &str, target: &str) -> String {
    let joined = match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("{dir}{target}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Reads the formulas of the wanted cells from a worksheet part, expanding
/// shared formulas. Best effort: a parse error ends the scan with what was
/// found so far (the values were already read by calamine).
///
/// Empty styled cells (`<c r="B1" s="1"/>`) also come back from calamine as
/// empty values, so most sheets have candidates; the part is searched for a
/// formula element first, and parsed only when there is one.
fn xlsx_formulas(xml: &[u8], wanted: &[(u64, u64)]) -> HashMap<(u64, u64), String> {
    let mut found = HashMap::new();
    if !has_formula_element(xml) {
        return found;
    }
    let wanted: HashSet<(u64, u64)> = wanted.iter().copied().collect();
    let mut reader = quick_xml::Reader::from_reader(xml);
    // As calamine reads the part: `<c/>` counts as a cell for positions.
    reader.config_mut().expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut inner = Vec::new();
    // Shared formula index → (template, anchor position).
    let mut shared: HashMap<String, (String, (u32, u32))> = HashMap::new();
    let (mut row, mut col) = (0u32, 0u32);
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(_) => break,
        };
        match event {
            Event::Start(e) if xml::start_name(&e) == "row" => {
                if let Some(r) = attr(&e, "r").and_then(|r| r.parse::<u32>().ok()) {
                    row = r.saturating_sub(1);
                }
            }
            Event::End(e) if xml::end_name(&e) == "row" => {
                row = row.saturating_add(1);
                col = 0;
            }
            Event::Start(e) if xml::start_name(&e) == "c" => {
                let pos = match attr(&e, "r").and_then(|r| cell_ref(&r)) {
                    Some(p) => {
                        col = p.1;
                        p
                    }
                    None => (row, col),
                };
                col = col.saturating_add(1);
                // Read the cell's children; keep the formula if there is one.
                let mut formula: Option<String> = None;
                loop {
                    inner.clear();
                    match reader.read_event_into(&mut inner) {
                        Ok(Event::Start(f)) if xml::start_name(&f) == "f" => {
                            let (t, si) = (attr(&f, "t"), attr(&f, "si"));
                            let mut text = String::new();
                            let mut fbuf = Vec::new();
                            loop {
                                fbuf.clear();
                                match reader.read_event_into(&mut fbuf) {
                                    Ok(Event::Text(t)) => text.push_str(&t.xml10_content()),
                                    Ok(Event::GeneralRef(r)) => push_entity(&mut text, &r),
                                    Ok(Event::CData(c)) => text.push_str(&c.xml10_content()),
                                    Ok(Event::End(_)) | Ok(Event::Eof) | Err(_) => break,
                                    Ok(_) => {}
                                }
                            }
                            formula = shared_formula(&mut shared, t, si, text, pos);
                        }
                        Ok(Event::Start(other)) => {
                            let name = other.name().as_ref().to_string();
                            let mut skip = Vec::new();
                            if reader
                                .read_to_end_into(quick_xml::name::QName(&name), &mut skip)
                                .is_err()
                            {
                                return found;
                            }
                        }
                        Ok(Event::End(_)) => break,
                        Ok(Event::Eof) | Err(_) => return found,
                        Ok(_) => {}
                    }
                }
                let key = (u64::from(pos.0), u64::from(pos.1));
                if let Some(f) = formula.filter(|f| !f.trim().is_empty()) {
                    if wanted.contains(&key) {
                        found.insert(key, f);
                        if found.len() == wanted.len() {
                            break;
                        }
                    }
                }
            }
            Event::End(e) if xml::end_name(&e) == "sheetData" => break,
            Event::Eof => break,
            _ => {}
        }
    }
    found
}

/// Whether a worksheet part holds an `f` element (any namespace prefix).
/// A false positive only costs a parse.
fn has_formula_element(xml: &[u8]) -> bool {
    memchr::memchr_iter(b'f', xml).any(|i| {
        i > 0
            && matches!(xml[i - 1], b'<' | b':')
            && matches!(
                xml.get(i + 1),
                Some(b'>' | b' ' | b'/' | b'\t' | b'\r' | b'\n')
            )
    })
}

/// The formula text of a cell: its own text, or for a cell that shares a
/// formula, the anchor's template moved to this cell.
fn shared_formula(
    shared: &mut HashMap<String, (String, (u32, u32))>,
    t: Option<String>,
    si: Option<String>,
    text: String,
    pos: (u32, u32),
) -> Option<String> {
    if t.as_deref() != Some("shared") {
        return Some(text);
    }
    let si = si?;
    if !text.trim().is_empty() {
        shared.insert(si, (text.clone(), pos));
        return Some(text);
    }
    let (template, anchor) = shared.get(&si)?;
    calamine::expand_shared_formula(template, *anchor, pos).ok()
}

/// `B6` → `(5, 1)`; `None` beyond Excel's grid.
fn cell_ref(s: &str) -> Option<(u32, u32)> {
    let split = s.find(|ch: char| ch.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let col = letters.bytes().fold(0u32, |acc, b| {
        acc * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
    }) - 1;
    let row: u32 = digits.parse().ok()?;
    if row == 0 || row > 1_048_576 || col >= 16_384 {
        return None;
    }
    Some((row - 1, col))
}

// ---------------------------------------------------------------------------
// XML helpers (also used by the ODS reader)

/// The value of the attribute with this qualified name, entities resolved.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    attr_by(e, |k| k == name)
}

fn attr_by(e: &BytesStart<'_>, mut matches: impl FnMut(&str) -> bool) -> Option<String> {
    e.attributes().with_checks(false).flatten().find_map(|a| {
        if matches(a.key.as_ref()) {
            Some(
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .unwrap_or_else(|_| a.value.clone().into_owned()),
            )
        } else {
            None
        }
    })
}

/// Appends the text an entity or character reference stands for.
fn push_entity(out: &mut String, r: &quick_xml::events::BytesRef<'_>) {
    if let Ok(Some(ch)) = r.resolve_char_ref() {
        out.push(ch);
    } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r.xml10_content()) {
        out.push_str(s);
    }
}

/// The value of `attr` on the first `element` start tag in `xml`, reading
/// no further than that tag.
fn xml_start_attr<R: std::io::BufRead>(xml: R, element: &str, attr_name: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if xml::start_name(&e) == element => {
                return attr(&e, attr_name);
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
pub(crate) mod tests;
