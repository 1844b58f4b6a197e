//! Any bytes through the spreadsheet readers alone (xlsx, xls, ods, csv;
//! the first byte chooses). The `sheet` target goes on into the
//! normaliser and checker, at a tenth of the speed; this one reaches many
//! more inputs of the readers themselves.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ogi::ingest::Format;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let format = match which % 4 {
        0 => Format::Xlsx,
        1 => Format::Xls,
        2 => Format::Ods,
        _ => Format::Csv,
    };
    let _ = ogi::ingest::read_all(format, rest);
});
