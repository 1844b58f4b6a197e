//! Any bytes through the text reader alone. The `text` target goes on
//! into the normaliser and checker, at a tenth of the speed; this one
//! reaches many more inputs of the reader itself.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ogi::ingest::text::read(data);
});
