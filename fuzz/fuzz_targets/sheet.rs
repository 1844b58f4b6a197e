//! Any bytes through the spreadsheet readers (xlsx, xls, ods, csv).
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
    if let Ok(docs) = ogi::ingest::read_all(format, rest) {
        for doc in docs {
            let mut r = ogi::normalize::normalize(&doc, ogi::schema::Source::default());
            ogi::check::run(&mut r);
        }
    }
});
