//! Any bytes through the spreadsheet readers alone (xlsx, xls, ods, csv).
//! The `sheet` target goes on into the normaliser and checker, at a tenth
//! of the speed; this one reaches many more inputs of the readers
//! themselves.
#![no_main]
use libfuzzer_sys::fuzz_target;

// The binary's allocator (src/main.rs): the targets run as `ogi` does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod sheet_input;

fuzz_target!(|data: &[u8]| {
    if let Some((format, rest)) = sheet_input::split(data) {
        let _ = ogi::ingest::read_all(format, rest);
    }
});
