//! Every sample under `samples/` gives its golden values, whatever format
//! it came in: the same report as text, HTML (UTF-8 and GBK), DOCX (Word,
//! WPS, LibreOffice), XLSX, ODS and CSV must read identically.

mod support;

use ogi::schema::Source;
use serde_json::Value;
use std::path::Path;
use support::expect::compare;
use support::render;

#[test]
fn every_sample_gives_its_golden_values() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    let mut n = 0;
    for s in render::sample_set() {
        let path = root.join("samples").join(&s.path);
        let bytes = std::fs::read(&path).expect("sample present");
        let report = ogi::process_bytes(
            &bytes,
            Source {
                path: s.path.clone(),
                ..Source::default()
            },
        );
        let golden = root.join(format!("tests/fixtures/samples/{}.json", s.spec));
        let expected: Value =
            serde_json::from_slice(&std::fs::read(&golden).expect("golden file")).expect("json");
        compare(
            Path::new(&s.path),
            &expected,
            &report.to_json(),
            &mut problems,
        );
        n += 1;
    }
    assert!(n >= 18, "only {n} samples");
    assert!(
        problems.is_empty(),
        "{} problems over {n} samples:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
