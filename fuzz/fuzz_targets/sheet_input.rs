//! How the spreadsheet targets read their input: the first byte chooses
//! the format (xlsx, xls, ods, csv), the rest is the file.
use ogi::ingest::Format;

/// The format and the file's bytes; `None` for an empty input.
pub fn split(data: &[u8]) -> Option<(Format, &[u8])> {
    let (&which, rest) = data.split_first()?;
    let format = match which % 4 {
        0 => Format::Xlsx,
        1 => Format::Xls,
        2 => Format::Ods,
        _ => Format::Csv,
    };
    Some((format, rest))
}
