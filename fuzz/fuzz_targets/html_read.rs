//! Any bytes through the HTML reader alone. The `html` target goes on
//! into the normaliser and checker, at a tenth of the speed; this one
//! reaches many more inputs of the reader itself.
//!
//! It also reads each input both ways, with the fast path and with
//! html5ever alone, and fails when the fast path answers differently.
#![no_main]
use libfuzzer_sys::fuzz_target;

// The binary's allocator (src/main.rs): the targets run as `ogi` does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fuzz_target!(|data: &[u8]| {
    let _ = ogi::ingest::html::read(data);
    assert!(
        ogi::ingest::html::fast_path_agrees(data),
        "the fast path and html5ever disagree"
    );
});
