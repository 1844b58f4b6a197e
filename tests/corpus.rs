//! The real published reports of `../shared/corpus` (and the seed), each
//! against the values a correct reading gives (`<file>.expected.json`).
//!
//! The folder is not part of this repository; when it is absent the test
//! says so and passes. Every mismatch of status, template, metadata, value,
//! cell state or required finding is listed before the test fails.

mod support;

use ogi::schema::Source;
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::expect::compare;

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    p.is_dir().then_some(p)
}

fn run(path: &Path) -> Value {
    let bytes = std::fs::read(path).expect("read corpus file");
    let name = path.to_string_lossy().to_string();
    let report = ogi::process_bytes(
        &bytes,
        Source {
            path: name,
            ..Source::default()
        },
    );
    report.to_json()
}

fn check_folder(dir: &Path, problems: &mut Vec<String>) -> usize {
    let mut n = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    for exp_path in entries {
        let Some(name) = exp_path.to_str() else {
            continue;
        };
        let Some(input) = name.strip_suffix(".expected.json") else {
            continue;
        };
        let expected: Value =
            serde_json::from_slice(&std::fs::read(&exp_path).expect("read expected"))
                .expect("parse expected");
        let got = run(Path::new(input));
        compare(Path::new(input), &expected, &got, problems);
        n += 1;
    }
    n
}

#[test]
fn real_reports_give_their_expected_values() {
    let Some(shared) = shared() else {
        eprintln!("../shared is absent: the real-report corpus was not run");
        return;
    };
    let mut problems = Vec::new();
    let n = check_folder(&shared.join("seeds"), &mut problems)
        + check_folder(&shared.join("corpus"), &mut problems);
    assert!(n > 0, "no expected files found");
    assert!(
        problems.is_empty(),
        "{} problems over {n} reports:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
