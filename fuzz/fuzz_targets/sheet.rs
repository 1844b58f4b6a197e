//! Any bytes through the spreadsheet readers (xlsx, xls, ods, csv), then
//! the rest of the pipeline.
#![no_main]
use libfuzzer_sys::fuzz_target;

// The binary's allocator (src/main.rs): the targets run as `ogi` does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod sheet_input;

fuzz_target!(|data: &[u8]| {
    let Some((format, rest)) = sheet_input::split(data) else {
        return;
    };
    if let Ok(docs) = ogi::ingest::read_all(format, rest) {
        for doc in docs {
            let mut r = ogi::normalize::normalize(&doc, ogi::schema::Source::default());
            ogi::check::run(&mut r);
        }
    }
});
