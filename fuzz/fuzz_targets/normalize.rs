//! Arbitrary grids and text through the normaliser and the checker. The
//! input's lines become text lines or grid rows (cells split at '|'), so
//! the fuzzer can reach label matching, alignment and glued-digit solving
//! without going through a reader.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ogi::grid::Document;

// The binary's allocator (src/main.rs): the targets run as `ogi` does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fuzz_target!(|data: &[u8]| {
    let Some(doc) = Document::from_fuzz_input(data) else {
        return;
    };
    let mut r = ogi::normalize::normalize(&doc, ogi::schema::Source::default());
    ogi::check::run(&mut r);
    let _ = r.to_json();
});
