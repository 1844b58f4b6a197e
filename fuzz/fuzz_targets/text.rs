//! Any bytes through the text reader, then the rest of the pipeline.
#![no_main]
use libfuzzer_sys::fuzz_target;

// The binary's allocator (src/main.rs): the targets run as `ogi` does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = ogi::ingest::text::read(data) {
        let mut r = ogi::normalize::normalize(&doc, ogi::schema::Source::default());
        ogi::check::run(&mut r);
    }
});
