//! The fast route through the main part: a tokenizer for the XML Word
//! writes, feeding the same [`Parser`] as quick-xml does.
//!
//! quick-xml was half of reading a DOCX: for every tag it builds an event,
//! checks the bytes of the event are UTF-8 (the part is a `str` already),
//! and keeps the names of open elements in a buffer of its own. Word's main
//! part is a few kinds of markup, so this route reads them directly:
//! start, end and empty tags (their end found as quick-xml finds it,
//! skipping quoted `>`), text with entity and character references, the
//! XML declaration and processing instructions. The attributes the parser
//! asks for (widths, spans, merges: a few per table cell) are read by
//! quick-xml itself from the tag's text, so their reading is quick-xml's.
//!
//! Everything else gives up (`None`, and the caller parses the part with
//! quick-xml, which meets and reports whatever is wrong): a comment, CDATA
//! section or DOCTYPE (`<!`), an end tag that does not close the element
//! open (quick-xml's mismatched or unmatched end tag), a reference not
//! closed by `;` before the next `&` or `<`, a `<` or a tag left open at
//! the end of the part, and `<?>`. The tests and the `docx_route` fuzz
//! target compare both routes: where this one answers, the answer is
//! quick-xml's.

use memchr::{memchr, memchr2};
use quick_xml::events::{BytesStart, BytesText};

use super::{attr, finish, resolve_ref, Limits, Parser, StartTag};
use crate::error::IngestError;
use crate::grid::Document;
use crate::ingest::xml::{self, name_len, pi_end, tag_end, trim_end};

/// A start or empty tag: its text between `<` and `>` (without the `/` of
/// an empty tag) and the length of its name, as quick-xml's `BytesStart`.
struct Tag<'a> {
    content: &'a str,
    name_len: usize,
}

impl StartTag for Tag<'_> {
    fn local_name(&self) -> &str {
        xml::local(&self.content[..self.name_len])
    }

    fn attr(&self, local: &str) -> Option<String> {
        attr(
            &BytesStart::from_content(self.content, self.name_len),
            local,
        )
    }
}

/// The document of the main part `xml`, as [`super::parse_document_with`]
/// gives it (stepping over properties), or `None` when the part holds
/// markup this route leaves to quick-xml.
pub(super) fn parse(xml: &str, limits: Limits) -> Option<Result<Document, IngestError>> {
    let b = xml.as_bytes();
    // quick-xml drops a byte-order mark before anything else.
    let mut pos = if xml.starts_with('\u{feff}') { 3 } else { 0 };
    let mut p = Parser::new(limits);
    // The qualified names of the open elements, as byte ranges of `xml`.
    let mut open: Vec<(usize, usize)> = Vec::new();
    loop {
        let lt = memchr(b'<', &b[pos..]).map_or(b.len(), |i| pos + i);
        if lt > pos {
            text(&mut p, &xml[pos..lt])?;
        }
        if lt == b.len() {
            break;
        }
        let after = lt + 1;
        match *b.get(after)? {
            b'!' => return None,
            b'?' => {
                // A declaration or processing instruction: ignored, as the
                // quick-xml route ignores its event. Its end is the first
                // `>` after a `?`, the `?` of `<?` included.
                let end = pi_end(b, after)?;
                if end + 1 - lt <= 3 {
                    return None;
                }
                pos = end + 1;
            }
            b'/' => {
                let gt = tag_end(b, after)?;
                let name = trim_end(&xml[after + 1..gt]);
                let (s, e) = open.pop()?;
                if &xml[s..e] != name {
                    return None;
                }
                pos = gt + 1;
                if let Err(e) = p.end(xml::local(name)) {
                    return Some(Err(e));
                }
            }
            _ => {
                let gt = tag_end(b, after)?;
                let inner = &xml[after..gt];
                pos = gt + 1;
                if let Some(content) = inner.strip_suffix('/') {
                    let tag = Tag {
                        content,
                        name_len: name_len(content),
                    };
                    if let Err(e) = p.empty(&tag) {
                        return Some(Err(e));
                    }
                    continue;
                }
                let tag = Tag {
                    content: inner,
                    name_len: name_len(inner),
                };
                open.push((after, after + tag.name_len));
                match p.start(&tag) {
                    Err(e) => return Some(Err(e)),
                    Ok(true) => {
                        let qname = &b[after..after + tag.name_len];
                        if let Some(end) = xml::content_end(&b[pos..], qname) {
                            pos += end;
                        }
                    }
                    Ok(false) => {}
                }
            }
        }
    }
    Some(finish(p))
}

/// Text up to the next `<`: its pieces and references go to the parser
/// when it is reading text. `None` for a reference quick-xml refuses.
fn text(p: &mut Parser, raw: &str) -> Option<()> {
    let used = p.reads_text();
    let mut rest = raw;
    loop {
        let Some(amp) = memchr(b'&', rest.as_bytes()) else {
            if used && !rest.is_empty() {
                p.text(&BytesText::from_escaped(rest).xml10_content());
            }
            return Some(());
        };
        if used && amp > 0 {
            p.text(&BytesText::from_escaped(&rest[..amp]).xml10_content());
        }
        let after = &rest[amp + 1..];
        // quick-xml's reference ends at `;`; an `&` first, or the end of
        // the text (a `<` or the end of the part), is an error there.
        let semi = memchr2(b';', b'&', after.as_bytes())?;
        if after.as_bytes()[semi] != b';' {
            return None;
        }
        if used {
            if let Some(s) = resolve_ref(&after[..semi]) {
                p.text(&s);
            }
        }
        rest = &after[semi + 1..];
    }
}
