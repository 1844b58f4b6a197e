//! Small helpers for the quick-xml readers of DOCX and XLSX parts.

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
}
