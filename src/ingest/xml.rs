//! Small helpers for the quick-xml readers of DOCX and XLSX parts.

use memchr::{memchr, memchr3};
use quick_xml::events::{BytesEnd, BytesStart};

/// The local part of an element name (`tc` of `w:tc`).
///
/// quick-xml's own `local_name` looks for the colon with `str::find`,
/// whose per-call set-up was a seventh of reading a DOCX; names are a few
/// bytes long, so a plain scan is enough.
pub fn local(name: &str) -> &str {
    match name.bytes().position(|b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The local name of a start or empty tag.
pub fn start_name<'a>(e: &'a BytesStart<'_>) -> &'a str {
    local(e.name().0)
}

/// The local name of an end tag.
pub fn end_name<'a>(e: &'a BytesEnd<'_>) -> &'a str {
    local(e.name().0)
}

/// Where the content of an element ends: the index in `rest` (the input
/// right after the element's start tag `<qname …>`) of the `<` of its
/// matching end tag `</qname>`, counting nested elements of the same name.
///
/// A reader hands the content to the XML parser only when it needs it; this
/// lets it step over content it ignores (run and paragraph properties are
/// most of a Word document's markup) with a byte search instead of parsing
/// every tag. The answer is `None` whenever the search cannot be sure of it:
/// a comment, CDATA section, processing instruction or DOCTYPE in the
/// content, a same-name start tag whose end cannot be found, or no matching
/// end tag at all (a truncated part). The caller then parses the content as
/// usual, so the parser still meets, and reports, whatever is wrong there.
/// Markup inside skipped content is not checked.
pub fn content_end(rest: &[u8], qname: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut p = 0;
    loop {
        let lt = p + memchr(b'<', rest.get(p..)?)?;
        let tag = &rest[lt + 1..];
        match *tag.first()? {
            b'!' | b'?' => return None,
            b'/' => {
                if names_element(&tag[1..], qname) {
                    if depth == 0 {
                        return Some(lt);
                    }
                    depth -= 1;
                }
            }
            _ => {
                if names_element(tag, qname) && !self_closing(&tag[qname.len()..])? {
                    depth += 1;
                }
            }
        }
        p = lt + 1;
    }
}

/// Whether a tag's text (after `<` or `</`) starts with the name `qname`,
/// the whole name.
fn names_element(tag: &[u8], qname: &[u8]) -> bool {
    tag.starts_with(qname)
        && matches!(
            tag.get(qname.len()),
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>')
        )
}

/// Whether the start tag whose attributes are `attrs` (up to its `>`) ends
/// with `/>`; `None` when its `>` is not found before the next `<`.
fn self_closing(attrs: &[u8]) -> Option<bool> {
    let mut quote = None;
    for (i, &b) in attrs.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'<') => return None,
            (None, b'>') => return Some(i > 0 && attrs[i - 1] == b'/'),
            _ => {}
        }
    }
    None
}

/// For readers that tokenize a part themselves (the DOCX and XLSX fast
/// routes), as quick-xml does:
///
/// the index of the `>` ending the tag whose text starts at `from` (right
/// after its `<`): the first one outside quotes, as quick-xml's element
/// parser finds it. `None` at the end of the part.
pub fn tag_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        let at = i + memchr3(b'>', b'"', b'\'', b.get(i..)?)?;
        match b[at] {
            b'>' => return Some(at),
            quote => i = at + 1 + memchr(quote, b.get(at + 1..)?)? + 1,
        }
    }
}

/// The index of the `>` ending a processing instruction whose `?` is at
/// `from`: the first `>` right after a `?` (that `?` may be the first).
pub fn pi_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from + 1;
    loop {
        let at = i + memchr(b'>', b.get(i..)?)?;
        if b[at - 1] == b'?' {
            return Some(at);
        }
        i = at + 1;
    }
}

/// The length of a tag's name: up to its first XML whitespace.
pub fn name_len(content: &str) -> usize {
    content
        .bytes()
        .position(is_xml_space)
        .unwrap_or(content.len())
}

/// `s` without the XML whitespace at its end, as quick-xml trims end tag
/// names: a name that is only whitespace is kept whole.
pub fn trim_end(s: &str) -> &str {
    match s.bytes().rposition(|b| !is_xml_space(b)) {
        Some(i) => &s[..=i],
        None => s,
    }
}

/// XML whitespace: space, tab, carriage return, line feed.
pub fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use quick_xml::Reader;

    #[test]
    fn local_names_agree_with_quick_xml() {
        let xml = r#"<w:document xmlns:w="u"><w:tc/><p a:b="1"></p><x:y:z/><:q/></w:document>"#;
        let mut reader = Reader::from_str(xml);
        let mut seen = 0;
        loop {
            match reader.read_event().expect("well-formed") {
                Event::Start(e) | Event::Empty(e) => {
                    assert_eq!(start_name(&e), e.local_name().as_ref());
                    seen += 1;
                }
                Event::End(e) => {
                    assert_eq!(end_name(&e), e.local_name().as_ref());
                    seen += 1;
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(seen, 7);
    }

    /// The content end found by a full parse: the `<` of the end tag that
    /// closes the first element.
    fn parsed_end(xml: &str) -> Option<usize> {
        let mut reader = Reader::from_str(xml);
        let mut depth = 0usize;
        loop {
            let before = reader.buffer_position() as usize;
            match reader.read_event().ok()? {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(before);
                    }
                }
                Event::Eof => return None,
                _ => {}
            }
        }
    }

    fn skipped(xml: &str) -> Option<usize> {
        let open = xml.find('>')? + 1;
        let name_end = xml[1..].find([' ', '>'])? + 1;
        content_end(&xml.as_bytes()[open..], &xml.as_bytes()[1..name_end]).map(|n| n + open)
    }

    #[test]
    fn content_end_finds_the_matching_end_tag() {
        for xml in [
            r#"<w:rPr><w:b/><w:sz w:val="21"/></w:rPr>"#,
            "<w:rPr></w:rPr>",
            r#"<w:rPr><w:rPrChange w:id="1"><w:rPr><w:i/></w:rPr></w:rPrChange></w:rPr>"#,
            r#"<w:pPr><w:rPr/><w:rPr a=">/"><w:rPr x='/>'/></w:rPr ></w:pPr>"#,
            "<w:pPr><w:pPrX></w:pPrX><w:pPr\n/></w:pPr\t>",
            "<a>text &amp; more<b>x</b></a>",
        ] {
            let end = skipped(xml);
            assert!(end.is_some(), "{xml}");
            assert_eq!(end, parsed_end(xml), "{xml}");
        }
    }

    #[test]
    fn content_end_gives_up_when_unsure() {
        for xml in [
            "<w:rPr><!-- </w:rPr> --></w:rPr>",
            "<w:rPr><![CDATA[</w:rPr>]]></w:rPr>",
            "<w:rPr><?pi x?></w:rPr>",
            "<w:rPr><w:b/>",
            "<w:rPr><w:rPr></w:rPr>",
            r#"<w:rPr><w:rPr a="x</w:rPr>"#,
            "<w:rPr></w:rPr",
        ] {
            assert_eq!(skipped(xml), None, "{xml}");
        }
    }

    proptest::proptest! {
        #[test]
        fn content_end_agrees_with_a_parse(kids in proptest::collection::vec(0usize..6, 0..12)) {
            // Nested and sibling same-name elements, other elements, text.
            let mut xml = String::from("<w:rPr>");
            let mut open = 0;
            for k in kids {
                match k {
                    0 => { xml.push_str("<w:rPr a=\"/>\">"); open += 1; }
                    1 if open > 0 => { xml.push_str("</w:rPr>"); open -= 1; }
                    2 => xml.push_str("<w:rPr/>"),
                    3 => xml.push_str("<w:rPrX>t</w:rPrX>"),
                    4 => xml.push_str("a &lt; b"),
                    _ => xml.push_str("<w:b w:val='1'/>"),
                }
            }
            xml.push_str(&"</w:rPr>".repeat(open + 1));
            proptest::prop_assert_eq!(skipped(&xml), parsed_end(&xml), "{}", xml);
        }
    }

    #[test]
    fn tag_ends_skip_quoted_brackets() {
        let b = br#"<a x=">" y='">'>rest"#;
        assert_eq!(tag_end(b, 1), Some(15));
        assert_eq!(tag_end(b"<a x='>", 1), None);
        assert_eq!(tag_end(b"<a", 1), None);
    }

    #[test]
    fn processing_instructions_end_at_question_mark_bracket() {
        let b = b"<?xml version='1.0'?><a/>";
        assert_eq!(pi_end(b, 1), Some(20));
        assert_eq!(pi_end(b"<?>", 1), Some(2));
        assert_eq!(pi_end(b"<?a > b?>", 1), Some(8));
        assert_eq!(pi_end(b"<?a", 1), None);
    }

    #[test]
    fn names_end_at_whitespace_and_end_tags_are_trimmed() {
        assert_eq!(name_len("w:tc"), 4);
        assert_eq!(name_len("w:gridSpan w:val=\"2\""), 10);
        assert_eq!(name_len("w:p\n"), 3);
        assert_eq!(trim_end("w:p \t\r\n"), "w:p");
        assert_eq!(trim_end(""), "");
        // quick-xml keeps a name of whitespace only as it is.
        assert_eq!(trim_end(" \n "), " \n ");
    }
}
