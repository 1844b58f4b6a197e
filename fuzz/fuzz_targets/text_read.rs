//! Any bytes through the text reader alone. The `text` target goes on
//! into the normaliser and checker, at a tenth of the speed; this one
//! reaches many more inputs of the reader itself.
#![no_main]
use libfuzzer_sys::fuzz_target;

// The binary's allocator (src/main.rs): the targets run as `ogi` does.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fuzz_target!(|data: &[u8]| {
    let _ = ogi::ingest::text::read(data);
});
