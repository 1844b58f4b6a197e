//! Ingestors: bytes of one input file → [`Document`].
//!
//! The format is decided by content, not by extension ([`detect`]); one
//! function, [`read`], maps a format to its reader. Each reader lives in its
//! own file and knows nothing of report templates. Legacy Word/WPS files
//! are read through LibreOffice when it is installed ([`convert`]); the
//! pipeline decides when to convert.

pub mod convert;
pub mod csv;
pub mod docx;
pub mod html;
pub mod sheet;
pub mod text;
pub mod xml;

use crate::error::IngestError;
use crate::grid::Document;

/// Upper bound on the slots of one grid (hostile spans).
pub const MAX_GRID_SLOTS: usize = 200_000;

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// HTML page.
    Html,
    /// Plain text (a paste of a page, Markdown, OCR output).
    Text,
    /// Office Open XML word-processing document.
    Docx,
    /// Office Open XML workbook.
    Xlsx,
    /// Legacy Excel (BIFF, in an OLE compound file).
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Comma- or tab-separated values.
    Csv,
    /// PDF.
    Pdf,
    /// Legacy Word (OLE compound file).
    Doc,
    /// Not recognised.
    Unknown,
}

impl Format {
    /// The name written in `source.format`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Text => "text",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Csv => "csv",
            Format::Pdf => "pdf",
            Format::Doc => "doc",
            Format::Unknown => "unknown",
        }
    }
}

/// Decides the format of `bytes` by content, using the file name's
/// extension only to break ties between text-like formats.
pub fn detect(bytes: &[u8], name: &str) -> Format {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.starts_with(b"%PDF") {
        return Format::Pdf;
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return zip_kind(bytes);
    }
    if let Some(content) = sheet::ole_content(bytes) {
        // An OLE compound file: its streams say what it is; the name only
        // when they do not.
        let wordish = matches!(
            ext.as_str(),
            "doc" | "wps" | "dot" | "wpt" | "docx" | "docm" | "dotx" | "dotm"
        );
        return match content {
            sheet::OleContent::Word => Format::Doc,
            sheet::OleContent::Workbook => Format::Xls,
            sheet::OleContent::EncryptedPackage if wordish => Format::Docx,
            sheet::OleContent::EncryptedPackage => Format::Xlsx,
            sheet::OleContent::Other if wordish => Format::Doc,
            sheet::OleContent::Other => Format::Xls,
        };
    }
    if looks_like_html(bytes) {
        return Format::Html;
    }
    if looks_binary(bytes) {
        return Format::Unknown;
    }
    match ext.as_str() {
        "csv" | "tsv" => Format::Csv,
        _ => Format::Text,
    }
}

/// What [`read`] says of a PDF.
pub const PDF_MESSAGE: &str = "this is a PDF file, and ogi does not read PDF; \
     convert it to text first with `pdftotext -layout report.pdf report.txt` (package poppler-utils) \
     and run ogi on the .txt file, which it reads like any pasted text \
     (a scanned PDF needs OCR instead)";

/// The error for an encrypted Office package.
pub fn encrypted_package() -> IngestError {
    IngestError::Encrypted(
        "this is an Office document saved with a password (an encrypted package: \
         EncryptionInfo / EncryptedPackage); open it with the password and save a copy \
         without one for ogi to read"
            .into(),
    )
}

/// Reads a document of the given format. A workbook comes back as one
/// document holding every sheet's table in order ([`read_all`] gives one
/// document per sheet).
///
/// A legacy Word/WPS document ([`Format::Doc`]) is not read here: the
/// error says that LibreOffice is needed ([`convert`]); a PDF's error says
/// how to turn it into text. An encrypted Office package is
/// [`IngestError::Encrypted`] whatever `format` says.
pub fn read(format: Format, bytes: &[u8]) -> Result<Document, IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Empty);
    }
    if sheet::ole_content(bytes) == Some(sheet::OleContent::EncryptedPackage) {
        return Err(encrypted_package());
    }
    match format {
        Format::Html => html::read(bytes),
        Format::Text => text::read(bytes),
        Format::Docx => docx::read(bytes),
        Format::Csv => csv::read_csv(bytes),
        Format::Xlsx | Format::Xls | Format::Ods => sheet::read_merged(bytes, format),
        Format::Doc => Err(IngestError::Unsupported(convert::legacy_word_message())),
        Format::Pdf => Err(IngestError::Unsupported(PDF_MESSAGE.into())),
        Format::Unknown => Err(IngestError::Unsupported(
            "the file is neither text nor a known document format (binary content)".into(),
        )),
    }
}

/// Reads a file as the documents it holds: one per sheet for workbooks
/// (see [`sheet::read_workbook`]; an empty workbook gives none), the one
/// document [`read`] gives for every other format.
pub fn read_all(format: Format, bytes: &[u8]) -> Result<Vec<Document>, IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Empty);
    }
    if sheet::ole_content(bytes) == Some(sheet::OleContent::EncryptedPackage) {
        return Err(encrypted_package());
    }
    match format {
        Format::Xlsx | Format::Xls | Format::Ods => sheet::read_workbook(bytes, format),
        _ => read(format, bytes).map(|doc| vec![doc]),
    }
}

fn zip_kind(bytes: &[u8]) -> Format {
    // Look for the telltale part names in the local headers / central
    // directory without inflating anything.
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if has(b"word/") {
        Format::Docx
    } else if has(b"xl/") {
        Format::Xlsx
    } else if has(b"application/vnd.oasis.opendocument.spreadsheet") || has(b"content.xml") {
        Format::Ods
    } else {
        Format::Unknown
    }
}

fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    if has(b"<!doctype html") || has(b"<html") || has(b"<body") || has(b"<table") {
        return true;
    }
    // A CMS fragment starts with a tag (`<p style=…>`); text that merely
    // mentions one does not, so count tags as well.
    let start = lower
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    let starts_with_tag = start.is_some_and(|i| {
        lower[i] == b'<'
            && lower
                .get(i + 1)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'!')
    });
    let tags = lower
        .windows(2)
        .filter(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/'))
        .count();
    (starts_with_tag && tags >= 2) || tags >= 12
}

/// Text has no NUL bytes and few control characters in its first 8 KiB.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return false; // UTF-16 with BOM
    }
    if head.contains(&0) {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    control * 20 > head.len()
}

/// Decodes text bytes: BOM, then strict UTF-8, then GB18030 when it decodes
/// cleanly, then chardetng's guess. Returns the text and the encoding name.
pub fn decode_text(
    bytes: &[u8],
    declared: Option<&'static encoding_rs::Encoding>,
) -> (String, String) {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return (text.into_owned(), enc.name().to_ascii_lowercase());
    }
    if let Some(enc) = declared {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors {
            return (text.into_owned(), enc.name().to_ascii_lowercase());
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return (s.to_string(), "utf-8".into());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if !had_errors {
        return (text.into_owned(), "gb18030".into());
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(
        &bytes[..bytes.len().min(16 * 1024)],
        bytes.len() <= 16 * 1024,
    );
    let enc = det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    let (text, _) = enc.decode_without_bom_handling(bytes);
    (text.into_owned(), enc.name().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content_not_extension() {
        assert_eq!(
            detect(b"<html><body>x</body></html>", "a.txt"),
            Format::Html
        );
        assert_eq!(detect(b"%PDF-1.4", "a.html"), Format::Pdf);
        assert_eq!(detect("一、总体情况".as_bytes(), "a.html"), Format::Text);
        assert_eq!(detect(&[0u8, 1, 2, 3, 0, 0, 7], "a.html"), Format::Unknown);
        assert_eq!(detect(b"a,b\n1,2\n", "x.csv"), Format::Csv);
    }

    fn ole(streams: &[&str]) -> Vec<u8> {
        let streams: Vec<(&str, Vec<u8>)> = streams.iter().map(|s| (*s, vec![1; 64])).collect();
        sheet::tests::compound_file(&streams)
    }

    #[test]
    fn ole_files_are_told_apart_by_their_streams() {
        let word = ole(&["WordDocument", "1Table"]);
        let book = ole(&["Workbook"]);
        let locked = ole(&["EncryptionInfo", "EncryptedPackage"]);
        let other = ole(&["Something"]);
        // The streams decide, whatever the name says.
        assert_eq!(detect(&word, "a.doc"), Format::Doc);
        assert_eq!(detect(&word, "a.wps"), Format::Doc);
        assert_eq!(detect(&word, "a.xls"), Format::Doc);
        assert_eq!(detect(&book, "a.doc"), Format::Xls);
        assert_eq!(detect(&book, "a.et"), Format::Xls);
        // An encrypted package is a docx or an xlsx by its name.
        assert_eq!(detect(&locked, "a.docx"), Format::Docx);
        assert_eq!(detect(&locked, "a.doc"), Format::Docx);
        assert_eq!(detect(&locked, "a.xlsx"), Format::Xlsx);
        assert_eq!(detect(&locked, "a"), Format::Xlsx);
        // Nothing known inside: the name, as before.
        assert_eq!(detect(&other, "a.wps"), Format::Doc);
        assert_eq!(detect(&other, "a.et"), Format::Xls);
        let mut broken = word.clone();
        broken.truncate(600);
        assert_eq!(detect(&broken, "a.doc"), Format::Doc);
    }

    #[test]
    fn encrypted_packages_are_encrypted_whatever_the_format() {
        let locked = ole(&["EncryptionInfo", "EncryptedPackage"]);
        for name in ["a.docx", "a.doc", "a.xlsx", "a.xls"] {
            let format = detect(&locked, name);
            for err in [
                read(format, &locked).map(|_| ()).unwrap_err(),
                read_all(format, &locked).map(|_| ()).unwrap_err(),
            ] {
                assert_eq!(err.kind(), "encrypted", "{name}: {err}");
                assert!(err.to_string().contains("password"), "{err}");
            }
        }
    }

    #[test]
    fn legacy_word_and_pdf_say_what_to_do() {
        let word = ole(&["WordDocument"]);
        let err = read_all(Format::Doc, &word).unwrap_err();
        assert_eq!(err.kind(), "unsupported");
        let msg = err.to_string();
        assert!(msg.contains("legacy Word/WPS document"), "{msg}");
        assert!(
            msg.contains("apt-get install libreoffice-writer-nogui"),
            "{msg}"
        );

        let err = read(Format::Pdf, b"%PDF-1.7\n").unwrap_err();
        assert_eq!(err.kind(), "unsupported");
        assert!(err.to_string().contains("pdftotext -layout"), "{err}");
    }

    #[test]
    fn decodes_gbk_without_declaration() {
        let (bytes, _, _) = encoding_rs::GBK.encode("政府信息公开工作年度报告");
        let (text, enc) = decode_text(&bytes, None);
        assert_eq!(text, "政府信息公开工作年度报告");
        assert_eq!(enc, "gb18030");
    }
}
