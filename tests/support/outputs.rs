//! Reading back what a run wrote.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The UTF-8 byte-order mark the CSV exports start with.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Every file under `out` but `summary.json` (which holds timings), by
/// path relative to `out`, with its bytes.
pub fn snapshot(out: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(out).expect("prefix").to_path_buf())
        .filter(|p| p != Path::new("summary.json"))
        .map(|p| {
            let bytes = fs::read(out.join(&p)).expect("read");
            (p, bytes)
        })
        .collect()
}

/// The header and rows of a CSV export, which must start with a BOM.
pub fn csv_rows(path: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let bytes = fs::read(path).expect("read csv");
    assert!(bytes.starts_with(BOM), "{} has no BOM", path.display());
    let mut rdr = csv::Reader::from_reader(&bytes[BOM.len()..]);
    let header = rdr
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = rdr.records().map(|r| r.expect("row")).collect();
    (header, rows)
}
