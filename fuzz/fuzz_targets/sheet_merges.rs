//! The XLSX merged-region scan against calamine, on worksheet parts made
//! of any bytes: fails when the scan answers and calamine reads the part
//! differently (see `ogi::ingest::sheet::merges_scan_agrees` for what
//! counts). The `sheet_read` target mutates whole zip files and rarely
//! changes a sheet part into another valid one; this one writes the part
//! into a fresh workbook for every input.
//!
//! An input starting with `<` is the part as it is (so a worksheet part
//! unzipped from a sample is a seed). Otherwise its first byte chooses
//! how the rest is used: as it is, or put into a worksheet after an empty
//! `sheetData`, or into a `mergeCells` list in such a worksheet.
//!
//! Seeds: the worksheet parts of `samples/sheet/*.xlsx` (one also with its
//! rows cut to the first, to fit `-max_len=8192`), and a few written by
//! hand: a plain list, attributes in odd order and quotes, prefixed names,
//! `<mergeCells/>`, entity references, two lists, an unclosed list,
//! comments and CDATA, unusual references, no list, and `\x01` / `\x02`
//! followed by `mergeCell` tags.
#![no_main]
use libfuzzer_sys::fuzz_target;

// The binary's allocator (src/main.rs): the targets run as `ogi` does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HEAD: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/>"#;

fn part(data: &[u8]) -> Vec<u8> {
    let (mode, rest) = match data.split_first() {
        Some((b'<', _)) | None => return data.to_vec(),
        Some((&mode, rest)) => (mode % 3, rest),
    };
    let (before, after): (&[u8], &[u8]) = match mode {
        0 => return rest.to_vec(),
        1 => (b"", b"</worksheet>"),
        _ => (b"<mergeCells>", b"</mergeCells></worksheet>"),
    };
    [HEAD, before, rest, after].concat()
}

fuzz_target!(|data: &[u8]| {
    let xml = part(data);
    if let Err(e) = ogi::ingest::sheet::merges_scan_agrees(&xml) {
        panic!("{e}\npart: {}", String::from_utf8_lossy(&xml));
    }
});
