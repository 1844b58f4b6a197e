//! The XLSX fast route against calamine: fails when the fast route reads
//! a workbook and calamine reads it differently (or fails on it). See
//! `ogi::ingest::sheet::xlsx_routes_agree`.
//!
//! Mutating whole zip files mostly breaks the zip, so the input is the
//! text of the parts, written into a fresh workbook: the worksheet part,
//! then optionally the shared strings and the styles, separated by `0xFF`
//! bytes (which UTF-8 text never holds). Seeds: the parts of
//! `samples/sheet/*.xlsx` joined that way, and small hand-written ones.
#![no_main]
use libfuzzer_sys::fuzz_target;

// The binary's allocator (src/main.rs): the targets run as `ogi` does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0xFF);
    let sheet = parts.next().unwrap_or_default();
    let strings = parts.next();
    let styles = parts.next();
    if let Err(e) = ogi::ingest::sheet::xlsx_parts_agree(sheet, strings, styles) {
        panic!(
            "{e}\nsheet: {}\nstrings: {:?}\nstyles: {:?}",
            String::from_utf8_lossy(sheet),
            strings.map(String::from_utf8_lossy),
            styles.map(String::from_utf8_lossy)
        );
    }
});
