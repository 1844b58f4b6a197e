//! The merged regions of an XLSX worksheet part, read by a byte scan.
//!
//! calamine's `merge_cells_by_sheet_name` parses the whole sheet part a
//! second time (after the cells) to reach its `<mergeCells>` list at the
//! end: a twentieth of reading a workbook. The reader already holds the
//! part's bytes for its formula check, so the list is found with a search
//! instead. The scan covers the plain case only, and answers as calamine
//! does there:
//! - one unprefixed `<mergeCells>…</mergeCells>` list (calamine reads the
//!   first), or none (no merges); `<mergeCells/>` is an empty list;
//! - the list's tag where quick-xml sees a tag: after the XML declaration,
//!   outside every tag before it (a `<` inside a quoted value, which XML
//!   forbids and quick-xml reads on, could hide it in another tag);
//! - `<mergeCell …>` tags whose `ref` is a plain reference, `A1` or
//!   `A1:B2` in upper case with the end not before the start (a tag
//!   without `ref` is skipped, as calamine skips it), up to the end tag
//!   calamine stops at (`</mergeCells>`, perhaps with spaces before `>`);
//!   the other tags in the list are passed over as quick-xml reads them.
//!
//! Anything else returns `None` and calamine reads the part: comments,
//! CDATA, a DOCTYPE or a processing instruction anywhere, prefixed names,
//! entity references or bytes that are not UTF-8 in the list, a second
//! list, an unclosed one, an unusual reference, a repeated attribute, a tag
//! the scan cannot follow, an end tag in the list that closes the list's
//! element before its own end tag. One difference is deliberate: calamine
//! fails on malformed XML (not UTF-8, an end tag that closes no element)
//! before the list, where the scan reads the list, and on malformed XML
//! anywhere in a part without a list, where the scan finds no merges. Where
//! that lies after the cells (which calamine has read by then), calamine
//! parsing the part again for its list would refuse the whole workbook.
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
    // The list's tag must be one to quick-xml: after the declaration (the
    // only processing instruction) and outside every tag before it.
    let start = declaration_end(xml)?;
    if open < start
        || memmem::find(&xml[start..], b"<?").is_some()
        || !ends_in_text(&xml[start..open])
    {
        return None;
    }
    let mut p = open + b"<mergeCells".len();
    p += tag_end(&xml[p..])?;
    let mut regions = Vec::new();
    if !xml[..p].ends_with(b"/>") {
        // Each tag in the list, up to the end tag calamine stops at. An end
        // tag that would close the list's element first is left to calamine.
        let mut depth = 0usize;
        loop {
            p += memchr::memchr(b'<', &xml[p..])? + 1;
            let tag = &xml[p..];
            if let Some(attrs) = tag.strip_prefix(b"mergeCell") {
                let end = tag_end(attrs)?;
                if let Some(r) = ref_attribute(&attrs[..end])? {
                    regions.push(region(r)?);
                }
                if !attrs[..end].ends_with(b"/>") {
                    depth += 1;
                }
                p += b"mergeCell".len() + end;
                continue;
            }
            let end = element_end(tag)?;
            p += end;
            match tag[..end - 1].strip_prefix(b"/") {
                Some(name) if is_list_end(name) => break,
                Some(_) => depth = depth.checked_sub(1)?,
                None if tag[..end].ends_with(b"/>") => {}
                None => depth += 1,
            }
        }
    }
    // What calamine read of the list is text to it: UTF-8, and no entity
    // references (a malformed one fails).
    let list = &xml[open..p];
    (!list.contains(&b'&') && std::str::from_utf8(list).is_ok()).then_some(regions)
}

/// Where the leading XML declaration (or other processing instruction) of
/// a part ends, after any UTF-8 byte order mark: the part's start without
/// one, `None` when it is not closed.
fn declaration_end(xml: &[u8]) -> Option<usize> {
    let start = if xml.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    if !xml[start..].starts_with(b"<?") {
        return Some(start);
    }
    memmem::find(&xml[start + 2..], b"?>").map(|at| start + 2 + at + 2)
}

/// Whether quick-xml, reading `xml` (which holds no `<!` or `<?` markup)
/// from its start, is outside every tag at its end: `<` opens a tag, the
/// first `>` outside its quoted values ends it. (A byte loop: over twice as
/// fast as memchr calls here, where tags and values are a few bytes long.)
fn ends_in_text(xml: &[u8]) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum At {
        Text,
        Tag,
        Quoted(u8),
    }
    let mut at = At::Text;
    for &b in xml {
        at = match (at, b) {
            (At::Text, b'<') => At::Tag,
            (At::Tag, b'>') => At::Text,
            (At::Tag, b'"' | b'\'') => At::Quoted(b),
            (At::Quoted(q), b) if b == q => At::Tag,
            (at, _) => at,
        };
    }
    at == At::Text
}

/// The index after the `>` that ends a tag, `tag` being what follows its
/// `<`: the first `>` outside quoted values, as quick-xml finds it.
fn element_end(tag: &[u8]) -> Option<usize> {
    let mut quote = None;
    for i in memchr::memchr3_iter(b'>', b'"', b'\'', tag) {
        match (quote, tag[i]) {
            (None, b'>') => return Some(i + 1),
            (None, q) => quote = Some(q),
            (Some(q), b) if b == q => quote = None,
            _ => {}
        }
    }
    None
}

/// Whether an end tag's name (what follows its `</`) is the list's:
/// `mergeCells` and nothing but whitespace, which quick-xml trims.
fn is_list_end(name: &[u8]) -> bool {
    name.strip_prefix(b"mergeCells").is_some_and(|rest| {
        rest.iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    })
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
    package(sheet, &[])
}

/// A workbook (stored, uncompressed) whose one worksheet part is `sheet`,
/// with the `extra` parts (shared strings, styles) by name.
pub(super) fn package(sheet: &[u8], extra: &[(&str, &[u8])]) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let parts = PACKAGE
        .iter()
        .map(|&(name, text)| (name, text.as_bytes()))
        .chain([("xl/worksheets/sheet1.xml", sheet)])
        .chain(extra.iter().copied());
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

    fn bounds(regions: Vec<Region>) -> Vec<Bounds> {
        regions
            .into_iter()
            .map(|r| (r.r0, r.c0, r.r1, r.c1))
            .collect()
    }

    #[test]
    fn the_scan_reads_as_calamine_where_it_answers() {
        // (what follows the cells, the scan's answer)
        let cases: [(&[u8], Option<Vec<Bounds>>); 9] = [
            (
                br#"<mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="A2:A3"/></mergeCells>"#,
                Some(vec![(0, 0, 0, 2), (1, 0, 2, 0)]),
            ),
            (
                b"<mergeCells\n count='1' ><mergeCell x=\"'\"\tref='B2:D4' y=\">\"></mergeCell><mergeCell/><x/><x>t</x></mergeCells>",
                Some(vec![(1, 1, 3, 3)]),
            ),
            (b"<pageMargins/>", Some(vec![])),
            // Read wrong before: `<mergeCells/>` is an empty list,
            // whatever follows; calamine stops at the first end tag of the
            // list, spaces and all.
            (
                br#"<mergeCells/><mergeCell ref="A1:B2"/></mergeCells>"#,
                Some(vec![]),
            ),
            (
                br#"<mergeCells><mergeCell ref="A1"/></mergeCells ><mergeCell ref="B2"/></mergeCells>"#,
                Some(vec![(0, 0, 0, 0)]),
            ),
            // A value with `>` in a tag before the list, and quotes in text.
            (
                br#"<x a="1>2" b='"'/>"it's"<mergeCells><mergeCell ref="C3"/></mergeCells>"#,
                Some(vec![(2, 2, 2, 2)]),
            ),
            // Tags in the list are read as quick-xml reads them: these
            // values hide a `mergeCell` tag and the list's end tag.
            (
                br#"<mergeCells><x a="<mergeCell ref='A1'/>"/><mergeCell ref="B2"/><y b='</mergeCells>'/></mergeCells>"#,
                Some(vec![(1, 1, 1, 1)]),
            ),
            // An end tag closing no element before the list: calamine fails
            // there (the deliberate difference), and reads the list alone
            // as the scan does.
            (
                br#"</a></b></c><mergeCells><mergeCell ref="A1:B2"/></mergeCells>"#,
                Some(vec![(0, 0, 1, 1)]),
            ),
            // Malformed XML in a part without a list: no merges here.
            (b"</a></b></c>", Some(vec![])),
        ];
        for (body, expected) in cases {
            let xml = part(body);
            let shown = String::from_utf8_lossy(body);
            assert_eq!(scan(&xml).map(bounds), expected, "{shown}");
            assert_eq!(agrees_with_calamine(&xml), Ok(()), "{shown}");
        }
        // The last two are the excused failures.
        for body in [
            &b"</a></b></c>"[..],
            b"</a></b></c><mergeCells></mergeCells>",
        ] {
            let xml = part(body);
            assert!(calamine_merges(&xml).expect("written").is_err());
        }
    }

    #[test]
    fn where_calamine_reads_otherwise_the_scan_does_not_answer() {
        // The scan answered for each of these before, and differed.
        for body in [
            // Found by the fuzz target: a byte that is not UTF-8 in the list
            // (calamine fails on the list).
            &b"<mergeCells><x\xcf/><mergeCell ref=\"C3\"/></mergeCells>"[..],
            // A list that quick-xml reads as a processing instruction, the
            // XML declaration or an attribute value: not a list to calamine.
            br#"<?pi <mergeCells><mergeCell ref="A1:B2"/></mergeCells>?>"#,
            br#"<x a="<mergeCells><mergeCell ref='A1:B2'/></mergeCells>"/>"#,
            br#"<x a="1>2" b="<mergeCells><mergeCell ref='A1:B2'/></mergeCells>"/>"#,
            br#"<x <mergeCells><mergeCell ref="A1:B2"/></mergeCells>"#,
            // An end tag that closes the list's element early, an end tag
            // that is not the list's, entity references in the list.
            br#"<mergeCells></x><mergeCell ref="B2"/></mergeCells>"#,
            br#"<mergeCells><mergeCell ref="B2"/></mergeCellsX></mergeCells>"#,
            br#"<mergeCells>&amp;<mergeCell ref="B2"/></mergeCells>"#,
            // Found by the property test below: a tag in the list whose
            // value runs over the list's end tag to the end of the part.
            br#"<mergeCells><x a="</mergeCells>"#,
        ] {
            let xml = part(body);
            assert_eq!(scan(&xml), None, "{}", String::from_utf8_lossy(body));
            assert_eq!(agrees_with_calamine(&xml), Ok(()));
        }
        let declared = br#"<?xml <mergeCells><mergeCell ref="A1:B2"/></mergeCells>?><worksheet/>"#;
        assert_eq!(scan(declared), None);
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

    /// Pieces of parts for the property test: outside the list, its start tag,
    /// inside it, its end tag.
    const AROUND: [&[u8]; 13] = [
        b"<x a=\"1>2\"/>",
        b"<x>",
        b"</x>",
        b"</a></b>",
        b"text",
        b"\"",
        b"'",
        b"<x a=\"",
        b"\">",
        b"<?p ?>",
        b"\xff",
        b"<",
        b">",
    ];
    const OPEN: [&[u8]; 4] = [
        b"<mergeCells>",
        b"<mergeCells count=\"2\">",
        b"<mergeCells/>",
        b"<mergeCells\n>",
    ];
    const INSIDE: [&[u8]; 16] = [
        b"<mergeCell ref=\"A1:B2\"/>",
        b"<mergeCell ref='C3'>",
        b"</mergeCell>",
        b"<mergeCell/>",
        b"<mergeCell ref=\"B2:A1\"/>",
        b"<x a=\"",
        b"\">",
        b"'",
        b"<x>",
        b"</x>",
        b"<x/>",
        b"&amp;",
        b"\xff",
        b"text",
        b"</mergeCells >",
        b"</mergeCellsX>",
    ];
    const CLOSE: [&[u8]; 3] = [b"</mergeCells>", b"</mergeCells >", b""];

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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Parts made of pieces of lists, tags and markup: where the scan
        /// answers, calamine reads the same.
        #[test]
        fn pieced_parts_read_as_calamine_reads_them(
            before in proptest::collection::vec(0..AROUND.len(), 0..4),
            open in 0..OPEN.len(),
            inside in proptest::collection::vec(0..INSIDE.len(), 0..8),
            close in 0..CLOSE.len(),
            after in proptest::collection::vec(0..AROUND.len(), 0..3),
        ) {
            let mut body = Vec::new();
            before.iter().for_each(|&i| body.extend_from_slice(AROUND[i]));
            body.extend_from_slice(OPEN[open]);
            inside.iter().for_each(|&i| body.extend_from_slice(INSIDE[i]));
            body.extend_from_slice(CLOSE[close]);
            after.iter().for_each(|&i| body.extend_from_slice(AROUND[i]));
            let xml = part(&body);
            prop_assert_eq!(agrees_with_calamine(&xml), Ok(()), "{}", String::from_utf8_lossy(&body));
        }
    }
}
