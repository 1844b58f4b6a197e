//! The fast route through an XLSX workbook: its parts read here, in one
//! pass each, where calamine would answer the same.
//!
//! calamine was most of reading a workbook: setting it up (relationships,
//! shared strings, and every font, fill and border of the styles) and its
//! cell reader, on top of which the worksheet part was inflated a second
//! time for its merged regions. This route inflates each part once and
//! reads the few things a report needs with a tokenizer of its own, which
//! ends tags, splits text and resolves references as quick-xml does. Each
//! part is read with the logic calamine applies to quick-xml's events (the
//! same loops, the same names matched, the same stopping points), so that
//! the sheets, positions and values are calamine's.
//!
//! Where this route is not sure of that, it gives up (`None`) and the
//! workbook goes to calamine, which reads it or reports what is wrong:
//! - markup quick-xml would read differently or refuse: a comment, CDATA
//!   or DOCTYPE (`<!`), a processing instruction inside an element, an end
//!   tag that does not close the open element, a reference quick-xml does
//!   not resolve or not closed by `;`, a malformed or repeated attribute,
//!   a part that is not UTF-8 or ends inside a tag;
//! - anything calamine fails on: a missing part or relationship, an
//!   unknown sheet type or state, an element out of place in a cell, a
//!   value that does not parse;
//! - what this route does not read: dates and times (a number whose style
//!   may be a date format), error cells, `t="d"`, Excel's `_xHHHH_`
//!   escapes, a cell reference or style index in any but the plain form,
//!   zip names that differ only in case or use `\`, sheets sharing a name,
//!   a worksheet part over the size limit or whose merged regions the scan
//!   leaves to calamine.
//!
//! The tests and the `sheet_route` fuzz target compare the two routes:
//! where this one answers, the sheets are those of the calamine route.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use memchr::{memchr, memchr2};
use quick_xml::events::BytesRef;

use super::{
    bool_text, fill_formulas, float_text, formula_candidate, merges, resolve_target, split_empties,
    SparseSheet, MAX_PART_BYTES, MAX_RAW_CELLS, MAX_SHARED_STRINGS, MAX_SHEET_BYTES,
};
use crate::grid::collapse_whitespace;
use crate::ingest::xml::{local, name_len, pi_end, tag_end, trim_end};

/// The sheets of the workbook `bytes`, or `None` when calamine must read
/// it. Where this answers, `XlsxPackage::inspect` would have found no
/// fault, and the worksheet paths and `fullCalcOnLoad` this route finds
/// are the ones it would have found.
pub(super) fn read(bytes: &[u8]) -> Option<Vec<SparseSheet>> {
    let mut zip = Zip::open(bytes)?;
    // Xlsx::new: the package relationships, shared strings, styles, the
    // workbook's relationships and the workbook.
    let target = office_document(&zip.part("_rels/.rels")?)?;
    let (dir, file) = match target.rfind('/') {
        Some(i) => target.split_at(i + 1),
        None => ("", target.as_str()),
    };
    let xl_path = dir.strip_prefix('/').unwrap_or(dir);
    let workbook_name = if file.is_empty() {
        "workbook.xml"
    } else {
        file
    };
    let workbook_path = format!("{xl_path}{workbook_name}");
    // inspect resolves the target its own way.
    if resolve_target("", &target) != workbook_path {
        return None;
    }
    let strings_path = format!("{xl_path}sharedStrings.xml");
    // inspect checks the declared size of every shared-string part.
    let strings_key = strings_path.to_ascii_lowercase();
    if zip
        .names
        .keys()
        .any(|n| n.ends_with("sharedstrings.xml") && *n != strings_key)
    {
        return None;
    }
    let strings = match zip.optional(&strings_path)? {
        Some(xml) => shared_strings(&xml)?,
        None => Vec::new(),
    };
    let formats = match zip.optional(&format!("{xl_path}styles.xml"))? {
        Some(xml) => cell_formats(&xml)?,
        None => Vec::new(),
    };
    let rels = relationships(&zip.part(&format!("{xl_path}_rels/{workbook_name}.rels"))?)?;
    // A workbook part calamine does not find is a workbook of no sheets
    // there; too odd to follow.
    let workbook = worksheets(&zip.part(&workbook_path)?, &rels, xl_path)?;
    let sheets = workbook.sheets;
    let full_calc_on_load = workbook.full_calc_on_load;

    let mut out = Vec::with_capacity(sheets.len());
    for (name, path) in &sheets {
        let xml = zip.sheet(path)?;
        let read = cells(&xml, &strings, &formats)?;
        let mut texts = Vec::with_capacity(read.len());
        let mut candidates = Vec::new();
        for (row, col, value) in read {
            let zero = matches!(value, Value::Number(n) if n == 0.0);
            if formula_candidate(matches!(value, Value::Empty), zero, full_calc_on_load) {
                candidates.push(texts.len());
            }
            texts.push((u64::from(row), u64::from(col), value.text()));
        }
        let merges = merges::scan(xml.as_bytes())?;
        fill_formulas(&mut texts, &candidates, Some(xml.as_bytes()));
        let (cells, empties) = split_empties(texts);
        out.push(SparseSheet {
            name: name.clone(),
            cells,
            merges,
            empties,
        });
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// The package

/// The workbook's zip, with the part lookup calamine uses (ASCII case
/// ignored), on names where that lookup has one answer.
struct Zip<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Lower-cased name → name.
    names: HashMap<String, String>,
}

impl<'a> Zip<'a> {
    fn open(bytes: &'a [u8]) -> Option<Zip<'a>> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let mut names = HashMap::with_capacity(zip.len());
        for name in zip.file_names() {
            let name = name.ok()?;
            if name.contains('\\') {
                return None;
            }
            if names
                .insert(name.to_ascii_lowercase(), name.to_string())
                .is_some()
            {
                return None;
            }
        }
        Some(Zip { zip, names })
    }

    /// A part that must be there.
    fn part(&mut self, path: &str) -> Option<String> {
        self.optional(path)?
    }

    /// `Some(None)` when there is no such part; `None` when it cannot be
    /// read whole (calamine may then fail, or read less of it).
    fn optional(&mut self, path: &str) -> Option<Option<String>> {
        self.read(path, MAX_PART_BYTES)
    }

    /// A worksheet part, up to the size the formula and merge reads take.
    fn sheet(&mut self, path: &str) -> Option<String> {
        self.read(path, MAX_SHEET_BYTES)?
    }

    fn read(&mut self, path: &str, cap: u64) -> Option<Option<String>> {
        let Some(name) = self.names.get(&path.to_ascii_lowercase()) else {
            return Some(None);
        };
        let file = self.zip.by_name(name).ok()?;
        if file.size() > cap {
            return None;
        }
        let mut out = Vec::with_capacity(file.size() as usize);
        file.take(cap + 1).read_to_end(&mut out).ok()?;
        if out.len() as u64 > cap {
            return None;
        }
        String::from_utf8(out).ok().map(Some)
    }
}

// ---------------------------------------------------------------------------
// Tokens

/// What quick-xml reports, as calamine's reader is set up: an empty tag is
/// a start and an end; text comes between tags, references still in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Start(Tag<'a>),
    End(&'a str),
    Text(&'a str),
}

/// A start tag: its qualified name and the text of its attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tag<'a> {
    name: &'a str,
    attrs: &'a str,
}

impl<'a> Tag<'a> {
    fn local(&self) -> &'a str {
        local(self.name)
    }

    /// The raw value of the attribute named `key` (as written, references
    /// and all); the attributes were checked when the tag was read.
    fn attr(&self, key: &str) -> Option<&'a str> {
        Attrs(self.attrs)
            .flatten()
            .find_map(|(k, v)| (k == key).then_some(v))
    }
}

/// The attributes of a tag as calamine reads them (its `RawAttrIter`):
/// `key = "value"` pairs; `Err` for a key without `=` or a value without
/// quotes.
struct Attrs<'a>(&'a str);

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<(&'a str, &'a str), ()>;

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.0.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if s.is_empty() {
            self.0 = s;
            return None;
        }
        let Some(eq) = memchr(b'=', s.as_bytes()) else {
            self.0 = "";
            return Some(Err(()));
        };
        let key = s[..eq].trim_end_matches(|c: char| c.is_ascii_whitespace());
        let rest = s[eq + 1..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        let quote = match rest.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                self.0 = "";
                return Some(Err(()));
            }
        };
        let body = &rest[1..];
        let (value, after) = match memchr(quote, body.as_bytes()) {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (body, ""),
        };
        self.0 = after;
        Some(Ok((key, value)))
    }
}

/// Whether every attribute of a tag reads, with no key twice (and at
/// most sixteen: more is left to calamine).
fn attrs_ok(attrs: &str) -> bool {
    attrs.is_empty() || attrs_of(&Tag { name: "", attrs }, []).is_some()
}

/// The values of the attributes `keys` of a tag whose attributes read,
/// in one pass; `None` when one does not read, does not decode, or a key
/// comes twice.
fn attrs_of<'a, const N: usize>(tag: &Tag<'a>, keys: [&str; N]) -> Option<[Option<&'a str>; N]> {
    let mut out = [None; N];
    let mut seen: [&str; 16] = [""; 16];
    for (n, item) in Attrs(tag.attrs).enumerate() {
        let (key, value) = item.ok()?;
        if key.is_empty() || n >= seen.len() || seen[..n].contains(&key) {
            return None;
        }
        // calamine decodes some values (a font's name, a format code):
        // each must decode.
        if value.contains('&') && decode_attr(value).is_none() {
            return None;
        }
        seen[n] = key;
        if let Some(i) = keys.iter().position(|k| *k == key) {
            out[i] = Some(value);
        }
    }
    Some(out)
}

/// The tokens of one part, checked as they are read: an error is giving
/// up.
struct Tokens<'a> {
    s: &'a str,
    pos: usize,
    /// Whether every start tag's attributes are checked; otherwise the
    /// reader checks those of the tags calamine reads attributes of.
    strict: bool,
    /// Names of the open elements.
    open: Vec<&'a str>,
    /// The end of an empty tag, due next.
    pending: Option<&'a str>,
}

impl<'a> Tokens<'a> {
    /// Tokens whose start tags all have readable attributes.
    fn new(s: &'a str) -> Tokens<'a> {
        Tokens {
            s,
            // quick-xml drops a byte-order mark.
            pos: if s.starts_with('\u{feff}') { 3 } else { 0 },
            strict: true,
            open: Vec::new(),
            pending: None,
        }
    }

    /// Tokens whose attributes the reader checks itself ([`attrs_of`]).
    fn lenient(s: &'a str) -> Tokens<'a> {
        Tokens {
            strict: false,
            ..Tokens::new(s)
        }
    }

    /// The next token; `Ok(None)` at the end of the part.
    fn next(&mut self) -> Result<Option<Tok<'a>>, ()> {
        if let Some(name) = self.pending.take() {
            return Ok(Some(Tok::End(name)));
        }
        let b = self.s.as_bytes();
        loop {
            if self.pos >= b.len() {
                return Ok(None);
            }
            let lt = memchr(b'<', &b[self.pos..]).map_or(b.len(), |i| self.pos + i);
            if lt > self.pos {
                let text = &self.s[self.pos..lt];
                check_refs(text)?;
                self.pos = lt;
                return Ok(Some(Tok::Text(text)));
            }
            let after = lt + 1;
            match *b.get(after).ok_or(())? {
                b'!' => return Err(()),
                b'?' => {
                    // Only before the root: inside an element it would
                    // split the text calamine takes the first piece of.
                    if !self.open.is_empty() {
                        return Err(());
                    }
                    let end = pi_end(b, after).ok_or(())?;
                    if end + 1 - lt <= 3 {
                        return Err(());
                    }
                    self.pos = end + 1;
                }
                b'/' => {
                    let gt = tag_end(b, after).ok_or(())?;
                    let name = trim_end(&self.s[after + 1..gt]);
                    if self.open.pop() != Some(name) {
                        return Err(());
                    }
                    self.pos = gt + 1;
                    return Ok(Some(Tok::End(name)));
                }
                _ => {
                    let gt = tag_end(b, after).ok_or(())?;
                    let inner = &self.s[after..gt];
                    self.pos = gt + 1;
                    let (content, empty) = match inner.strip_suffix('/') {
                        Some(c) => (c, true),
                        None => (inner, false),
                    };
                    let n = name_len(content);
                    if n == 0 {
                        return Err(());
                    }
                    let tag = Tag {
                        name: &content[..n],
                        attrs: &content[n..],
                    };
                    if self.strict && !attrs_ok(tag.attrs) {
                        return Err(());
                    }
                    if empty {
                        self.pending = Some(tag.name);
                    } else {
                        self.open.push(tag.name);
                    }
                    return Ok(Some(Tok::Start(tag)));
                }
            }
        }
    }

    /// Steps over the content of the element just started, to its end
    /// (quick-xml's `read_to_end`).
    fn skip(&mut self) -> Result<(), ()> {
        let depth = self.open.len() + usize::from(self.pending.is_some());
        loop {
            match self.next()? {
                Some(Tok::End(_)) if self.open.len() < depth => return Ok(()),
                Some(_) => {}
                None => return Err(()),
            }
        }
    }
}

/// Checks the references of a piece of text as quick-xml reads them: each
/// `&` closed by `;` before the next `&`, and resolvable (calamine fails on
/// an unknown entity).
fn check_refs(text: &str) -> Result<(), ()> {
    let mut rest = text;
    while let Some(amp) = memchr(b'&', rest.as_bytes()) {
        let after = &rest[amp + 1..];
        let semi = memchr2(b';', b'&', after.as_bytes()).ok_or(())?;
        if after.as_bytes()[semi] != b';' {
            return Err(());
        }
        resolve(&after[..semi]).ok_or(())?;
        rest = &after[semi + 1..];
    }
    Ok(())
}

/// The text of a reference (between `&` and `;`) as calamine resolves it.
fn resolve(name: &str) -> Option<std::borrow::Cow<'static, str>> {
    if let Some(s) = quick_xml::escape::resolve_xml_entity(name) {
        return Some(s.into());
    }
    match BytesRef::new(name).resolve_char_ref() {
        Ok(Some(c)) => Some(String::from(c).into()),
        _ => None,
    }
}

/// Text with its references resolved (checked already).
fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = memchr(b';', after.as_bytes()).unwrap_or(after.len());
        if let Some(s) = resolve(&after[..semi]) {
            out.push_str(&s);
        }
        rest = after.get(semi + 1..).unwrap_or("");
    }
    out.push_str(rest);
}

/// An attribute value as calamine's `decode_attr` gives it.
fn decode_attr(raw: &str) -> Option<String> {
    quick_xml::escape::unescape(raw)
        .ok()
        .map(|s| s.into_owned())
}

// ---------------------------------------------------------------------------
// Relationships and the workbook

/// The target of the package's office-document relationship, decoded.
/// calamine takes the last relationship whose type ends in
/// `/relationships/officeDocument`, inspect the first whose type ends in
/// `/officeDocument` and has an id: there must be one, and only one.
fn office_document(xml: &str) -> Option<String> {
    let mut t = Tokens::new(xml);
    loop {
        match t.next().ok()?? {
            Tok::Start(e) if e.local() == "Relationships" => break,
            // calamine does not read it there; inspect does.
            Tok::Start(e) if e.local() == "Relationship" => return None,
            _ => {}
        }
    }
    let mut target = None;
    loop {
        match t.next().ok()?? {
            Tok::Start(e) if e.local() == "Relationship" => {
                let [id, ty, raw] = attrs_of(&e, ["Id", "Type", "Target"])?;
                if !ty.is_some_and(|ty| ty.ends_with("/officeDocument")) {
                    continue;
                }
                let plain = [id, ty, raw].iter().all(|v| v.is_some_and(plain_value));
                if target.is_some()
                    || !plain
                    || !ty.is_some_and(|ty| ty.ends_with("/relationships/officeDocument"))
                {
                    return None;
                }
                target = Some(decode_attr(raw?)?);
            }
            Tok::End(name) if local(name) == "Relationships" => break,
            _ => {}
        }
    }
    ends_at_root(&mut t)?;
    target
}

/// An attribute key calamine and inspect take for a relationship id.
fn is_id(key: &str) -> bool {
    key == "id" || key.ends_with(":id")
}

/// Whether an attribute value reads the same raw, unescaped (calamine) and
/// normalised (inspect, quick-xml's `normalized_value`): no reference, no
/// tab or line break.
fn plain_value(v: &str) -> bool {
    !v.contains(['&', '\t', '\n', '\r'])
}

/// Checks that nothing but text follows the root element: inspect reads
/// past its end, calamine stops there.
fn ends_at_root(t: &mut Tokens<'_>) -> Option<()> {
    loop {
        match t.next().ok()? {
            None => return Some(()),
            Some(Tok::Text(_)) => {}
            Some(_) => return None,
        }
    }
}

/// Id → (target, type) of a part's relationships, as written.
/// calamine keeps the last of an id, inspect the first with a target and
/// its values normalised: ids must be unique, their values plain.
fn relationships(xml: &str) -> Option<HashMap<String, (String, String)>> {
    let mut t = Tokens::new(xml);
    let mut out = HashMap::new();
    loop {
        match t.next().ok()?? {
            Tok::Start(e) if e.local() == "Relationship" => {
                let [id, ty, target] = attrs_of(&e, ["Id", "Type", "Target"])?;
                if let Some(id) = id {
                    let (ty, target) = (ty.unwrap_or_default(), target.unwrap_or_default());
                    if ![id, ty, target].into_iter().all(plain_value) {
                        return None;
                    }
                    let rel = (target.to_string(), ty.to_string());
                    if out.insert(id.to_string(), rel).is_some() {
                        return None;
                    }
                }
            }
            Tok::End(name) if local(name) == "Relationships" => break,
            _ => {}
        }
    }
    ends_at_root(&mut t)?;
    Some(out)
}

/// What the route reads of the workbook part.
struct Workbook {
    /// The worksheets in order: name and part path.
    sheets: Vec<(String, String)>,
    /// `calcPr fullCalcOnLoad`: cached formula results are placeholders.
    full_calc_on_load: bool,
}

/// The workbook part read as calamine reads it, and as inspect does: the
/// sheet paths must be the ones inspect finds (it resolves `..`, and reads
/// values normalised), `calcPr` read as it reads it.
fn worksheets(
    xml: &str,
    rels: &HashMap<String, (String, String)>,
    xl_path: &str,
) -> Option<Workbook> {
    let mut t = Tokens::new(xml);
    let mut sheets = Vec::new();
    let mut full_calc_on_load = false;
    let mut seen: Vec<String> = Vec::new();
    loop {
        match t.next().ok()?? {
            Tok::Start(e) if e.local() == "sheet" => {
                let mut name = None;
                let mut rel_id = None;
                for (key, value) in Attrs(e.attrs).flatten() {
                    match key {
                        "name" if value.contains(['\t', '\n', '\r']) => return None,
                        "name" => name = Some(decode_attr(value)?),
                        "state" if !matches!(value, "visible" | "hidden" | "veryHidden") => {
                            return None;
                        }
                        // calamine takes the last id, inspect the first.
                        k if is_id(k) && (rel_id.is_some() || !plain_value(value)) => {
                            return None;
                        }
                        k if is_id(k) => rel_id = Some(value),
                        _ => {}
                    }
                }
                // calamine refuses a sheet without a relationship; inspect
                // skips a sheet without a name.
                let (name, rel_id) = (name?, rel_id?);
                let (target, ty) = rels.get(rel_id)?;
                let path = match target.strip_prefix('/') {
                    Some(abs) => abs.to_string(),
                    None => format!("{xl_path}{target}"),
                };
                // calamine finds a sheet by name among all kinds.
                if seen.contains(&name) {
                    return None;
                }
                match ty.rsplit('/').next() {
                    Some("worksheet") => {
                        if resolve_target(xl_path, target) != path {
                            return None;
                        }
                        sheets.push((name.clone(), path));
                    }
                    Some("chartsheet" | "dialogsheet") => {}
                    _ => return None,
                }
                seen.push(name);
            }
            Tok::Start(e) if e.local() == "calcPr" => {
                if let Some(v) = e.attr("fullCalcOnLoad") {
                    if !plain_value(v) {
                        return None;
                    }
                    full_calc_on_load = matches!(v, "1" | "true");
                } else {
                    full_calc_on_load = false;
                }
            }
            Tok::Start(e) if e.local() == "definedName" => {
                if let Some(raw) = e.attr("name") {
                    decode_attr(raw)?;
                    // Its text, up to its end tag (references checked).
                    // calamine passes over elements in it, inspect does
                    // not: there must be none.
                    loop {
                        match t.next().ok()?? {
                            Tok::Text(_) => {}
                            Tok::End(end) if end == e.name => break,
                            _ => return None,
                        }
                    }
                }
            }
            Tok::End(name) if local(name) == "workbook" => break,
            _ => {}
        }
    }
    ends_at_root(&mut t)?;
    Some(Workbook {
        sheets,
        full_calc_on_load,
    })
}

// ---------------------------------------------------------------------------
// Shared strings and styles

fn shared_strings(xml: &str) -> Option<Vec<String>> {
    // calamine reads the attributes of `sst` and `t` only.
    let mut t = Tokens::lenient(xml);
    loop {
        match t.next().ok()?? {
            Tok::Start(e) if e.local() == "sst" => {
                // inspect refuses a table declared too large.
                let [declared] = attrs_of(&e, ["uniqueCount"])?;
                if let Some(v) = declared {
                    let n = v.trim().parse::<u64>().unwrap_or(0);
                    if !plain_value(v) || n > MAX_SHARED_STRINGS {
                        return None;
                    }
                }
                break;
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    loop {
        match t.next().ok()?? {
            Tok::Start(e) if e.local() == "si" => out.push(rich_string(&mut t, e.name)?),
            Tok::End(name) if local(name) == "sst" => return Some(out),
            _ => {}
        }
    }
}

/// A string item (`si`, or a cell's `is`) up to the end tag `closing`:
/// its `t` texts outside phonetic runs, each trimmed unless it preserves
/// space, joined; empty when it has none.
fn rich_string(t: &mut Tokens<'_>, closing: &str) -> Option<String> {
    let mut out: Option<String> = None;
    let mut phonetic = false;
    loop {
        match t.next().ok()?? {
            Tok::Start(e) if e.local() == "r" && out.is_none() => out = Some(String::new()),
            Tok::Start(e) if e.local() == "rPh" => phonetic = true,
            Tok::End(name) if name == closing => return Some(out.unwrap_or_default()),
            Tok::End(name) if local(name) == "rPh" => phonetic = false,
            Tok::Start(e) if e.local() == "t" && !phonetic => {
                let [space] = attrs_of(&e, ["xml:space"])?;
                let preserve = space == Some("preserve");
                let value = element_text(t, e.name)?;
                let value = if preserve {
                    value.as_str()
                } else {
                    value.trim_matches([' ', '\t', '\r', '\n'])
                };
                out.get_or_insert_with(String::new).push_str(value);
            }
            _ => {}
        }
    }
}

/// The text of the element `name` just started, references resolved, up
/// to its end tag; `None` for an element inside it, or Excel's `_xHHHH_`
/// escapes (calamine's to decode).
fn element_text(t: &mut Tokens<'_>, name: &str) -> Option<String> {
    let mut text = String::new();
    loop {
        match t.next().ok()?? {
            Tok::Text(s) => push_text(&mut text, s),
            Tok::End(end) if end == name => break,
            _ => return None,
        }
    }
    (!text.contains("_x")).then_some(text)
}

/// What the route knows of a cell style's number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// Not a date or time format: numbers stay numbers.
    Number,
    /// Perhaps a date or time: left to calamine.
    MaybeDate,
}

/// The number format of each cell style (`cellXfs`), in order. The
/// loops are calamine's: each block is read to the first end tag of its
/// name, and what it holds is not looked at from outside.
fn cell_formats(xml: &str) -> Option<Vec<Format>> {
    let mut t = Tokens::new(xml);
    let mut custom: HashMap<&str, String> = HashMap::new();
    let mut out = Vec::new();
    loop {
        match t.next().ok()?? {
            Tok::Start(e) if e.local() == "numFmts" => loop {
                match t.next().ok()?? {
                    Tok::Start(f) if f.local() == "numFmt" => {
                        if let (Some(id), Some(code)) = (f.attr("numFmtId"), f.attr("formatCode")) {
                            custom.insert(id, decode_attr(code)?);
                        }
                    }
                    Tok::End(name) if local(name) == "numFmts" => break,
                    _ => {}
                }
            },
            Tok::Start(e) if matches!(e.local(), "fonts" | "fills") => {
                let item = &e.local()[..e.local().len() - 1];
                block(&mut t, e.local(), |t, tag| {
                    if tag.local() == item {
                        until_end(t, item)?;
                    }
                    Some(())
                })?;
            }
            Tok::Start(e) if e.local() == "borders" => block(&mut t, "borders", |t, tag| {
                if tag.local() == "border" {
                    block(t, "border", |t, side| {
                        let side = side.local();
                        if matches!(side, "left" | "right" | "top" | "bottom" | "diagonal") {
                            until_end(t, side)?;
                        }
                        Some(())
                    })?;
                }
                Some(())
            })?,
            Tok::Start(e) if e.local() == "cellXfs" => block(&mut t, "cellXfs", |t, x| {
                if x.local() == "xf" {
                    out.push(match x.attr("numFmtId") {
                        None => Format::Number,
                        Some(id) => match custom.get(id) {
                            Some(code) => custom_format(code),
                            None => builtin_format(id),
                        },
                    });
                    until_end(t, "xf")?;
                }
                Some(())
            })?,
            Tok::End(name) if local(name) == "styleSheet" => return Some(out),
            _ => {}
        }
    }
}

/// Reads up to the first end tag named `name` (local name), handing every
/// start tag on the way to `start`.
fn block<'a>(
    t: &mut Tokens<'a>,
    name: &str,
    mut start: impl FnMut(&mut Tokens<'a>, Tag<'a>) -> Option<()>,
) -> Option<()> {
    loop {
        match t.next().ok()?? {
            Tok::Start(e) => start(t, e)?,
            Tok::End(end) if local(end) == name => return Some(()),
            _ => {}
        }
    }
}

/// Reads up to the first end tag named `name` (local name).
fn until_end(t: &mut Tokens<'_>, name: &str) -> Option<()> {
    block(t, name, |_, _| Some(()))
}

/// A built-in number format by its id as written: Excel's date and time
/// formats (14–22, 27–36, 45–47, 50–58) may be dates.
fn builtin_format(id: &str) -> Format {
    let date = id.len() <= 2
        && !id.starts_with('0')
        && id
            .parse::<u8>()
            .is_ok_and(|n| matches!(n, 14..=22 | 27..=36 | 45..=47 | 50..=58));
    if date {
        Format::MaybeDate
    } else {
        Format::Number
    }
}

/// A custom format code. Its date and time parts are letters (`d m h y
/// s`, `am/pm`, elapsed `[h]`); a code without them is a number format
/// (`General`, `0.00_ `, `#,##0"元"`). Where no quote or escape can hide
/// a bracket or a `;`, colours and locales in brackets (`[Red]`, `[$-804]`)
/// are passed over, and only the first section (for positive numbers)
/// counts, as calamine reads it; otherwise every letter counts.
fn custom_format(code: &str) -> Format {
    let plain_syntax = !code.contains(['"', '\\', '_', '*']);
    let mut letters = String::new();
    let mut depth = 0usize;
    for c in code.chars() {
        match c {
            ';' if plain_syntax => break,
            '[' if plain_syntax => depth += 1,
            ']' if plain_syntax && depth > 0 => depth -= 1,
            _ if depth > 0 => {
                if matches!(c, 'h' | 'm' | 's' | 'H' | 'M' | 'S') {
                    return Format::MaybeDate;
                }
            }
            _ => letters.push(c),
        }
    }
    let date_part = letters.contains(['d', 'm', 'h', 'y', 's', 'D', 'M', 'H', 'Y', 'S']);
    let am_pm = letters
        .find(['a', 'A'])
        .is_some_and(|i| letters[i..].contains(['p', 'P', 'm', 'M', '/']));
    if date_part || am_pm {
        Format::MaybeDate
    } else {
        Format::Number
    }
}

// ---------------------------------------------------------------------------
// Cells

/// A cell's value, as far as this route reads them.
#[derive(Debug, Clone, PartialEq)]
enum Value<'s> {
    Empty,
    Number(f64),
    Shared(&'s str),
    Text(String),
    Bool(bool),
}

impl Value<'_> {
    /// The cell text, as the calamine route makes it.
    fn text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Number(n) => float_text(*n),
            Value::Shared(s) => collapse_whitespace(s),
            Value::Text(s) => collapse_whitespace(s),
            Value::Bool(b) => bool_text(*b),
        }
    }
}

/// The cells of a worksheet part in stream order, as calamine's cell
/// reader gives them.
fn cells<'s>(
    xml: &str,
    strings: &'s [String],
    formats: &[Format],
) -> Option<Vec<(u32, u32, Value<'s>)>> {
    // calamine reads the attributes of `dimension`, `row`, `c` and `t`
    // only: those are checked where they are read.
    let mut t = Tokens::lenient(xml);
    // Up to the sheet data; a dimension must read.
    loop {
        match t.next().ok()?? {
            Tok::Start(e) if e.local() == "dimension" => {
                let range = attrs_of(&e, ["ref"])?[0]?;
                let (a, b) = range.split_once(':').unwrap_or((range, range));
                let (start, end) = (reference(a)?, reference(b)?);
                if end.0 < start.0 || end.1 < start.1 {
                    return None;
                }
            }
            Tok::Start(e) if e.local() == "sheetData" => break,
            _ => {}
        }
    }
    let mut out = Vec::new();
    let (mut row, mut col) = (0u32, 0u32);
    loop {
        match t.next().ok()?? {
            Tok::Start(e) if e.local() == "row" => {
                if let [Some(r)] = attrs_of(&e, ["r"])? {
                    row = number(r).filter(|r| (1..=1_048_576).contains(r))? - 1;
                }
            }
            Tok::End(name) if local(name) == "row" => {
                row = row.checked_add(1)?;
                col = 0;
            }
            Tok::Start(c) if c.local() == "c" => {
                let [r, style, ty] = attrs_of(&c, ["r", "s", "t"])?;
                let pos = match r {
                    Some(r) => {
                        let p = reference(r)?;
                        col = p.1;
                        p
                    }
                    None => (row, col),
                };
                let mut value = Value::Empty;
                loop {
                    match t.next().ok()?? {
                        Tok::Start(e) => {
                            value = cell_value(&mut t, e, style, ty, strings, formats)?
                        }
                        Tok::End(name) if local(name) == "c" => break,
                        _ => {}
                    }
                }
                col = col.checked_add(1)?;
                out.push((pos.0, pos.1, value));
                if out.len() as u64 > MAX_RAW_CELLS {
                    return None;
                }
            }
            Tok::End(name) if local(name) == "sheetData" => return Some(out),
            _ => {}
        }
    }
}

/// The value of a cell's child element `e` (just started): `v`, `is` or
/// `f`, as calamine's `read_value` reads it.
fn cell_value<'s>(
    t: &mut Tokens<'_>,
    e: Tag<'_>,
    style: Option<&str>,
    ty: Option<&str>,
    strings: &'s [String],
    formats: &[Format],
) -> Option<Value<'s>> {
    match e.local() {
        "is" => rich_string(t, e.name).map(Value::Text),
        "f" => {
            t.skip().ok()?;
            Some(Value::Empty)
        }
        "v" if matches!(ty, Some("inlineStr" | "is")) => {
            t.skip().ok()?;
            Some(Value::Empty)
        }
        "v" if matches!(ty, Some("str")) => element_text(t, e.name).map(Value::Text),
        "v" if matches!(ty, None | Some("n" | "s" | "b" | "e")) => {
            // The text, alone and without references, then the end tag.
            let raw = match t.next().ok()?? {
                Tok::End(name) if name == e.name => return Some(Value::Empty),
                Tok::Text(s) if !s.contains('&') => s,
                _ => return None,
            };
            match t.next().ok()?? {
                Tok::End(name) if name == e.name => {}
                _ => return None,
            }
            match ty {
                Some("s") => strings
                    .get(number(raw)? as usize)
                    .map(|s| Value::Shared(s.as_str())),
                Some("b") => match raw {
                    "1" | "true" => Some(Value::Bool(true)),
                    "0" | "false" => Some(Value::Bool(false)),
                    _ => None,
                },
                Some("n") | None => {
                    let n = plain_number(raw)?;
                    let format = match style {
                        Some(s) => formats.get(number(s)? as usize).copied(),
                        None => Some(Format::Number),
                    };
                    match format {
                        Some(Format::MaybeDate) => None,
                        _ => Some(Value::Number(n)),
                    }
                }
                _ => None,
            }
        }
        // `t="d"` (ISO dates) or a type calamine refuses.
        _ => None,
    }
}

/// A number written plainly (`-12`, `3.5`, `1E-3`): what every float parser
/// reads the same way.
fn plain_number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > from
    };
    if !digits(&mut i) {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse().ok().filter(|n: &f64| n.is_finite())
}

/// A whole number written plainly: digits, no sign, no leading zero, at
/// most nine.
fn number(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 9 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    if !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.parse().ok()
}

/// `B6` → `(5, 1)`: upper-case letters (at most `XFD`) and a row number
/// (at most 1,048,576) written plainly.
fn reference(s: &str) -> Option<(u32, u32)> {
    let split = s.find(|c: char| !c.is_ascii_uppercase())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let col = letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A') + 1);
    let row = number(digits)?;
    if !(1..=1_048_576).contains(&row) || col > 16_384 {
        return None;
    }
    Some((row - 1, col - 1))
}

#[cfg(test)]
mod tests;
