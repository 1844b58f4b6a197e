//! The fast route through a DOCX main part against quick-xml, on parts
//! made of any bytes: fails when the fast route answers and its document
//! (or error) is not quick-xml's (`ogi::ingest::docx::routes_agree`). The
//! `docx` target mutates whole packages, whose deflated parts mutations
//! rarely keep readable; this one hands the part to the parser directly.
//!
//! An input starting with `<` is the part as it is (the main part unzipped
//! from a sample is a seed). Otherwise its first byte chooses how the rest
//! is used: as it is, inside a document body, or inside a table cell's
//! text run.
//!
//! Seeds: the main parts of `samples/docx/*.docx` and a few written by
//! hand: references of every kind, quoted brackets, end tags with spaces,
//! declarations and processing instructions, comments and CDATA,
//! mismatched and unclosed tags.
#![no_main]
use libfuzzer_sys::fuzz_target;

// The binary's allocator (src/main.rs): the targets run as `ogi` does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;

fn part(data: &[u8]) -> String {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (mode, rest) = match data.split_first() {
        Some((b'<', _)) | None => return text(data),
        Some((&mode, rest)) => (mode % 3, rest),
    };
    let rest = text(rest);
    match mode {
        0 => rest,
        1 => format!("{HEAD}{rest}</w:body></w:document>"),
        _ => format!(
            "{HEAD}<w:tbl><w:tr><w:tc><w:p><w:r><w:t>{rest}</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    let xml = part(data);
    assert!(
        ogi::ingest::docx::routes_agree(&xml),
        "the routes differ on {xml:?}"
    );
});
