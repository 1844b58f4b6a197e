//! The merged regions of an XLSX worksheet part, read by a byte scan.
//!
//! calamine's `merge_cells_by_sheet_name` parses the whole sheet part a
//! second time (after the cells) to reach its `<mergeCells>` list at the
//! end: a twentieth of reading a workbook. The reader already holds the
//! part's bytes for its formula check, so the list is found with a search
//! instead. The scan covers the plain case only, and answers as calamine
//! does there:
//! - one unprefixed `<mergeCells>…</mergeCells>` list (calamine reads the
//!   first), or none (no merges);
//! - `<mergeCell …>` tags whose `ref` is a plain reference, `A1` or
//!   `A1:B2` in upper case with the end not before the start (a tag
//!   without `ref` is skipped, as calamine skips it).
//!
//! Anything else returns `None` and calamine reads the part: comments,
//! CDATA or a DOCTYPE anywhere, prefixed names, entity references in the
//! list, a second list, an unclosed one, an unusual reference, a repeated
//! attribute, a tag the scan cannot follow. One difference is deliberate:
//! a part without any list has no merges here, where calamine, parsing to
//! its end, fails on malformed XML after the cells (which it read).
//!
//! [`agrees_with_calamine`] compares the two for the `sheet_merges` fuzz
//! target.

use std::io::{Cursor, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::Region;
use memchr::memmem;

/// The merged regions of the worksheet part `xml`, or `None` when the part
/// is not the plain case (see the module documentation).
pub(super) fn scan(xml: &[u8]) -> Option<Vec<Region>> {
    if memmem::find(xml, b"<!").is_some() || memmem::find(xml, b":mergeCell").is_some() {
        return None;
    }
    let mut lists = memmem::find_iter(xml, b"<mergeCells");
    let Some(open) = lists.next() else {
        return Some(Vec::new());
    };
    if lists.next().is_some() {
        return None;
    }
    let body = &xml[open..];
    let close = memmem::find(body, b"</mergeCells>")?;
    let body = &body[..close];
    if body.contains(&b'&') {
        return None;
    }
    // The list's own tag, then each `<mergeCell` tag in it.
    let mut regions = Vec::new();
    let mut rest = &body[b"<mergeCells".len()..];
    rest = &rest[tag_end(rest)?..];
    while let Some(at) = memmem::find(rest, b"<mergeCell") {
        let tag = &rest[at + b"<mergeCell".len()..];
        let attrs_end = tag_end(tag)?;
        if let Some(r) = ref_attribute(&tag[..attrs_end])? {
            regions.push(region(r)?);
        }
        rest = &tag[attrs_end..];
    }
    Some(regions)
}

/// Where the attributes of a tag whose name has been read end (the index
/// after its `>`), checking that the name ends there (`<mergeCell` then a
/// space, `/` or `>`, not `<mergeCellX`) and that they are `name="value"`
/// pairs; `None` otherwise.
fn tag_end(tag: &[u8]) -> Option<usize> {
    let mut p = 0;
    if !matches!(
        tag.first(),
        Some(b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>')
    ) {
        return None;
    }
    loop {
        while tag.get(p).is_some_and(|b| b.is_ascii_whitespace()) {
            p += 1;
        }
        match tag.get(p)? {
            b'>' => return Some(p + 1),
            b'/' => return (tag.get(p + 1) == Some(&b'>')).then_some(p + 2),
            _ => {}
        }
        let name = p;
        while tag
            .get(p)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.'))
        {
            p += 1;
        }
        if p == name || tag.get(p) != Some(&b'=') {
            return None;
        }
        p += 1;
        let quote = *tag.get(p)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        p += 1 + memchr::memchr(quote, tag.get(p + 1..)?)? + 1;
    }
}

/// The value of the one `ref` attribute of a tag's attributes (well formed,
/// see [`tag_end`]): `Some(None)` without one, `None` when it is repeated.
fn ref_attribute(attrs: &[u8]) -> Option<Option<&[u8]>> {
    let mut found = None;
    let mut p = 0;
    while let Some(eq) = memchr::memchr(b'=', &attrs[p..]) {
        let name = attrs[p..p + eq].trim_ascii();
        let quote = attrs[p + eq + 1];
        let start = p + eq + 2;
        let len = memchr::memchr(quote, &attrs[start..])?;
        if name == b"ref" {
            if found.is_some() {
                return None;
            }
            found = Some(&attrs[start..start + len]);
        }
        p = start + len + 1;
    }
    Some(found)
}

/// A plain reference (`A1`, `A1:B2`) as a region; `None` for any other.
fn region(r: &[u8]) -> Option<Region> {
    let (start, end) = match memchr::memchr(b':', r) {
        Some(colon) => (cell(&r[..colon])?, cell(&r[colon + 1..])?),
        None => {
            let c = cell(r)?;
            (c, c)
        }
    };
    (end.0 >= start.0 && end.1 >= start.1).then_some(Region {
        r0: start.0,
        c0: start.1,
        r1: end.0,
        c1: end.1,
    })
}

/// `(row, column)`, 0-based, of `A1` … `XFD1048576`; `None` for anything
/// else.
fn cell(r: &[u8]) -> Option<(u64, u64)> {
    let letters = r.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let digits = &r[letters..];
    if !(1..=3).contains(&letters)
        || !(1..=7).contains(&digits.len())
        || !digits.iter().all(u8::is_ascii_digit)
        || digits[0] == b'0'
    {
        return None;
    }
    let col = r[..letters]
        .iter()
        .fold(0u64, |acc, b| acc * 26 + u64::from(b - b'A') + 1);
    let row = digits
        .iter()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    Some((row - 1, col - 1))
}

/// Whether the scan, where it answers for the worksheet part `xml`, gives
/// what calamine's `merge_cells_by_sheet_name` gives for the part in a
/// one-sheet workbook; `Err` says how they differ. What counts:
/// - the scan says `None`: nothing (calamine reads such a part);
/// - calamine reads the part: its regions, in order, must be the scan's;
/// - calamine fails on a part without `<mergeCells`: nothing (the
///   deliberate difference, see the module documentation);
/// - calamine fails on a part with the list: the failure must lie before
///   the list, so calamine must read the part from `<mergeCells` on and
///   give the scan's regions.
///
/// A calamine panic counts as a failure.
pub(super) fn agrees_with_calamine(xml: &[u8]) -> Result<(), String> {
    let Some(ours) = scan(xml) else {
        return Ok(());
    };
    let whole = calamine_merges(xml)?;
    let list_alone = match (&whole, memmem::find(xml, b"<mergeCells")) {
        (Err(_), Some(open)) => Some(calamine_merges(&xml[open..])?),
        _ => None,
    };
    verdict(&ours, whole, list_alone)
}

/// The judgement of [`agrees_with_calamine`] on calamine's readings: of the
/// whole part, and (`list_alone`, only when that failed and the part has a
/// list) of the part from its list on.
fn verdict(
    ours: &[Region],
    whole: Result<Vec<Region>, String>,
    list_alone: Option<Result<Vec<Region>, String>>,
) -> Result<(), String> {
    match (whole, list_alone) {
        (Ok(theirs), _) if theirs == ours => Ok(()),
        (Ok(theirs), _) => Err(format!("the scan read {ours:?}, calamine {theirs:?}")),
        (Err(_), None) => Ok(()),
        (Err(_), Some(Ok(theirs))) if theirs == ours => Ok(()),
        (Err(e), Some(Ok(theirs))) => Err(format!(
            "the scan read {ours:?}; calamine failed ({e}), and read the list alone as {theirs:?}"
        )),
        (Err(e), Some(Err(alone))) => Err(format!(
            "the scan read {ours:?}; calamine failed ({e}), and on the list alone ({alone})"
        )),
    }
}

/// calamine's merged regions of `sheet` as the one worksheet of a
/// workbook: `Ok(Err(…))` when calamine fails (or panics), `Err` when the
/// workbook could not be written.
fn calamine_merges(sheet: &[u8]) -> Result<Result<Vec<Region>, String>, String> {
    use calamine::Reader as _;
    let package =
        one_sheet_package(sheet).map_err(|e| format!("the workbook was not written: {e}"))?;
    let read = catch_unwind(AssertUnwindSafe(|| {
        let mut book: calamine::Xlsx<_> =
            calamine::Xlsx::new(Cursor::new(package)).map_err(|e| format!("open: {e}"))?;
        book.merge_cells_by_sheet_name("S")
            .map(|regions| regions.into_iter().map(Region::from).collect())
            .map_err(|e| e.to_string())
    }));
    Ok(read.unwrap_or_else(|_| Err("calamine panicked".into())))
}

/// The parts of a minimal workbook around its one worksheet part, the
/// sheet `S`.
const PACKAGE: [(&str, &str); 4] = [
    (
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
    ),
    (
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    ),
    (
        "xl/workbook.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    ),
    (
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
    ),
];

/// A workbook (stored, uncompressed) whose one worksheet part is `sheet`.
fn one_sheet_package(sheet: &[u8]) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let parts = PACKAGE
        .iter()
        .map(|&(name, text)| (name, text.as_bytes()))
        .chain([("xl/worksheets/sheet1.xml", sheet)]);
    for (name, bytes) in parts {
        zip.start_file(name, options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A region as (first row, first column, last row, last column).
    type Bounds = (u64, u64, u64, u64);

    fn regions(xml: &str) -> Option<Vec<Bounds>> {
        scan(xml.as_bytes()).map(|v| v.into_iter().map(|r| (r.r0, r.c0, r.r1, r.c1)).collect())
    }

    #[test]
    fn the_plain_list_is_read() {
        let xml = r#"<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1"/></row></sheetData>
            <mergeCells count="3"><mergeCell ref="A1:C3"/><mergeCell ref='D5'/>
            <mergeCell ref="AA10:AB12" ></mergeCell><mergeCell/></mergeCells><pageMargins/></worksheet>"#;
        assert_eq!(
            regions(xml),
            Some(vec![(0, 0, 2, 2), (4, 3, 4, 3), (9, 26, 11, 27)])
        );
        assert_eq!(regions("<worksheet><sheetData/></worksheet>"), Some(vec![]));
    }

    #[test]
    fn anything_unusual_is_left_to_calamine() {
        for xml in [
            r#"<mergeCells><mergeCell ref="A1:B2"/></mergeCells><mergeCells></mergeCells>"#,
            r#"<mergeCells><mergeCell ref="A1:B2"/>"#,
            r#"<x:mergeCells><x:mergeCell ref="A1:B2"/></x:mergeCells>"#,
            r#"<mergeCells><!-- <mergeCell ref="A1:B2"/> --></mergeCells>"#,
            r#"<mergeCells><mergeCell ref="a1:b2"/></mergeCells>"#,
            r#"<mergeCells><mergeCell ref="B2:A1"/></mergeCells>"#,
            r#"<mergeCells><mergeCell ref="A0"/></mergeCells>"#,
            r#"<mergeCells><mergeCell ref="A1:B2:C3"/></mergeCells>"#,
            r#"<mergeCells><mergeCell ref="$A$1"/></mergeCells>"#,
            r#"<mergeCells><mergeCell ref="A1" ref="B2"/></mergeCells>"#,
            r#"<mergeCells><mergeCell ref="A&#49;"/></mergeCells>"#,
            r#"<mergeCells><mergeCell ref=A1/></mergeCells>"#,
            r#"<mergeCells><mergeCellX ref="A1"/></mergeCells>"#,
            r#"<mergeCellsX><mergeCell ref="A1"/></mergeCellsX>"#,
            r#"<mergeCells><mergeCell ref="AAAA1"/></mergeCells>"#,
        ] {
            assert_eq!(regions(xml), None, "{xml}");
        }
    }

    /// Each worksheet of an XLSX file: (its part's bytes, calamine's
    /// merged regions), by the package's own sheet map.
    fn parts_and_calamine(bytes: &[u8]) -> Vec<(Vec<u8>, Vec<Bounds>)> {
        use calamine::Reader as _;
        let package = super::super::XlsxPackage::inspect(bytes).expect("package");
        let mut wb: calamine::Xlsx<_> =
            calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("workbook");
        let mut parts = super::super::Parts::default();
        let names = wb.sheet_names();
        names
            .into_iter()
            .map(|name| {
                let path = &package.sheet_paths[&name];
                let xml = parts.read(bytes, path).expect("part");
                let theirs = wb
                    .merge_cells_by_sheet_name(&name)
                    .expect("merges")
                    .into_iter()
                    .map(Region::from)
                    .map(|r| (r.r0, r.c0, r.r1, r.c1))
                    .collect();
                (xml, theirs)
            })
            .collect()
    }

    #[test]
    fn the_samples_give_what_calamine_gives() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sheet");
        let mut sheets = 0;
        for entry in std::fs::read_dir(dir).expect("samples") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("xlsx") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read");
            for (xml, theirs) in parts_and_calamine(&bytes) {
                let ours = scan(&xml).map(|v| {
                    v.into_iter()
                        .map(|r| (r.r0, r.c0, r.r1, r.c1))
                        .collect::<Vec<_>>()
                });
                assert_eq!(ours.as_ref(), Some(&theirs), "{}", path.display());
                assert!(!theirs.is_empty(), "{} has merges", path.display());
                sheets += 1;
            }
        }
        assert!(sheets >= 2);
    }

    /// A worksheet part: the declaration, then `body` after the cells.
    fn part(body: &[u8]) -> Vec<u8> {
        [
            &b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row></sheetData>"[..],
            body,
            b"</worksheet>",
        ]
        .concat()
    }

    #[test]
    fn each_kind_of_difference_is_reported() {
        let a1b2 = Region {
            r0: 0,
            c0: 0,
            r1: 1,
            c1: 1,
        };
        let c3 = Region {
            r0: 2,
            c0: 2,
            r1: 2,
            c1: 2,
        };
        let failed = || Err("failed".to_string());
        assert_eq!(verdict(&[a1b2], Ok(vec![a1b2]), None), Ok(()));
        assert_eq!(verdict(&[a1b2], failed(), None), Ok(()));
        assert_eq!(verdict(&[a1b2], failed(), Some(Ok(vec![a1b2]))), Ok(()));
        assert!(verdict(&[a1b2], Ok(vec![c3]), None).is_err());
        assert!(verdict(&[a1b2], Ok(vec![]), None).is_err());
        assert!(verdict(&[], Ok(vec![a1b2]), None).is_err());
        assert!(verdict(&[a1b2, c3], Ok(vec![c3, a1b2]), None).is_err());
        assert!(verdict(&[a1b2], failed(), Some(Ok(vec![c3]))).is_err());
        assert!(verdict(&[a1b2], failed(), Some(failed())).is_err());
        // calamine's own reading against a deliberately wrong answer.
        let xml = part(br#"<mergeCells><mergeCell ref="A1:B2"/></mergeCells>"#);
        let theirs = calamine_merges(&xml).expect("written");
        assert_eq!(theirs, Ok(vec![a1b2]));
        assert!(verdict(&[c3], theirs, None).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Workbooks written by rust_xlsxwriter with random merged ranges
        /// (one per band of rows, so that they never overlap): the scan
        /// reads them, and reads them as calamine does.
        #[test]
        fn written_merges_read_as_calamine_reads_them(
            ranges in proptest::collection::vec((0u16..40, 0u16..30, 0u32..4, 0u16..6), 1..8),
        ) {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            let format = rust_xlsxwriter::Format::new();
            for (k, &(col, width, height, _)) in ranges.iter().enumerate() {
                let row = k as u32 * 5;
                let (last_row, last_col) = (row + height, col + width);
                if (last_row, last_col) == (row, col) {
                    sheet.write(row, col, "单元格").expect("write");
                } else {
                    sheet
                        .merge_range(row, col, last_row, last_col, "合并", &format)
                        .expect("merge");
                }
            }
            let bytes = book.save_to_buffer().expect("save");
            for (xml, theirs) in parts_and_calamine(&bytes) {
                let ours = scan(&xml).map(|v| {
                    v.into_iter()
                        .map(|r| (r.r0, r.c0, r.r1, r.c1))
                        .collect::<Vec<_>>()
                });
                prop_assert_eq!(ours, Some(theirs));
            }
        }

        /// Any bytes: an answer or `None`, never a panic.
        #[test]
        fn any_part_is_scanned_without_panic(
            head in "[ -~]{0,40}",
            body in proptest::collection::vec("<mergeCell|ref=\"|A1|:|B2|\"|/>|>| |'|=|</mergeCells>|&|<!", 0..16),
        ) {
            let xml = format!("{head}<mergeCells>{}", body.concat());
            let _ = scan(xml.as_bytes());
        }
    }
}
