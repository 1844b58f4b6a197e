//! Everything ogi writes: the per-input report files, the dataset exports,
//! the run summary, and the text printed for a person.
//!
//! # Output directory
//!
//! ```text
//! DIR/reports/<name>.json   one pretty-printed report (SCHEMA.md) per input
//!                           (<name>#<sheet>.json: one per sheet of a workbook
//!                           that holds a report on each of several sheets)
//! DIR/dataset.jsonl         every report, compact, one per line, sorted by source.path
//! DIR/dataset.csv           one row per report (UTF-8 with BOM)
//! DIR/findings.csv          one row per finding (UTF-8 with BOM)
//! DIR/summary.json          counts, timings and every input with its status and file
//! DIR/index.html            the review overview (static HTML, Chinese)
//! DIR/review/<name>.html    one review page per input
//! ```
//!
//! Every file is written to a hidden temporary file beside it and renamed
//! into place, so a reader never sees half a file. Nothing in `reports/`,
//! `dataset.*` or `findings.csv` depends on timing or on the number of
//! threads: two runs over the same inputs give byte-identical files. Only
//! `summary.json` carries the elapsed time and the thread count.
//!
//! ## `<name>`
//!
//! The input's path relative to the root it was found under, its components
//! joined by `__` (`samples/html/a.html` under root `samples` →
//! `html__a.html.json`), with every character other than a letter, a digit,
//! `.`, `-` or `_` replaced by `_`. When two inputs would get the same name
//! (ignoring case: some file systems do), or a name would be too long, each
//! of them gets `~` and the first 8 hex digits of the SHA-256 of its full
//! path appended. Names depend only on the set of input paths.
//!
//! A workbook that holds a report on each of several sheets gives one report
//! per sheet: `<name>#<sheet>.json`, the sheet name made safe the same way
//! (and shortened; see [`sheet_file_names`]). `#` never occurs in `<name>`
//! itself, so these names cannot meet another input's.
//!
//! ## `dataset.csv` columns
//!
//! [`DATASET_FIXED_COLUMNS`] (the last, `source.sheet`, tells the reports
//! of one workbook apart), then one column per value id of
//! [`crate::schema::all_value_ids`] in that order (the same columns whatever
//! the batch), then `findings.errors`, `findings.warnings`. A null is an
//! empty field; numbers are written as in the JSON.
//!
//! ## `findings.csv` columns
//!
//! [`FINDINGS_COLUMNS`]: one row per finding, reports in source-path order,
//! findings in report order; `cells` are joined with `;`; the last column,
//! `source.sheet`, names the sheet of a report read from a workbook.
//!
//! ## `summary.json`
//!
//! See [`summary::to_json`].
//!
//! ## `index.html` and `review/`
//!
//! See [`review`]: pages for a person, with no contract beyond the
//! `data-cell` names of the value cells.

pub mod dataset;
pub mod human;
pub mod json_schema;
pub mod review;
pub mod summary;

use crate::schema::{Finding, Report, Severity, Status};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path};

pub use dataset::{DATASET_FIXED_COLUMNS, FINDINGS_COLUMNS};
pub use summary::Totals;

/// The folder of the per-input reports, inside the output directory.
pub const REPORTS_DIR: &str = "reports";

/// Longest `<name>` kept before a name is shortened (bytes, without the
/// hash and `.json`), well under the 255-byte limit of common file systems.
const MAX_NAME_BYTES: usize = 150;

/// Longest sheet part of a `<name>#<sheet>.json` (bytes).
const MAX_SHEET_BYTES: usize = 60;

/// What the run keeps in memory of one report once its file is written:
/// enough to write the summary and find the file again (the cross-report
/// rules keep their own small record, `check::BatchFacts`, beside it).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// `source.path`.
    pub path: String,
    /// `source.sheet`: the sheet of a workbook the report was read from.
    pub sheet: Option<String>,
    /// The report's file name inside `reports/` (`<name>.json`).
    pub file: String,
    /// The report status.
    pub status: Status,
    /// `source.format`.
    pub format: String,
    /// `source.sha256` (empty when the file was not read).
    pub sha256: String,
    /// `meta.agency`.
    pub agency: Option<String>,
    /// `meta.year`.
    pub year: Option<i32>,
    /// `error.kind` when the status is error.
    pub error_kind: Option<String>,
    /// Findings by rule and severity, sorted.
    pub rules: Vec<(&'static str, Severity, usize)>,
    /// Checks that could not be assessed, by rule id, sorted.
    pub not_assessable: Vec<(&'static str, usize)>,
    /// Wall-clock seconds the worker spent on this input (read to check;
    /// for an input giving several reports, counted on the first of them).
    pub seconds: f64,
}

impl Entry {
    /// The compact record of a report written as `file`.
    pub fn new(report: &Report, file: String, seconds: f64) -> Entry {
        let mut rules: Vec<(&'static str, Severity, usize)> = Vec::new();
        for f in &report.findings {
            match rules
                .iter_mut()
                .find(|(r, s, _)| *r == f.rule && *s == f.severity)
            {
                Some(slot) => slot.2 += 1,
                None => rules.push((f.rule, f.severity, 1)),
            }
        }
        rules.sort();
        let mut not_assessable: Vec<(&'static str, usize)> = report
            .not_assessable
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(r, n)| (*r, *n))
            .collect();
        not_assessable.sort();
        Entry {
            path: report.source.path.clone(),
            sheet: report.source.sheet.clone(),
            file,
            status: report.status,
            format: report.source.format.clone(),
            sha256: report.source.sha256.clone(),
            agency: report.meta.agency.clone(),
            year: report.meta.year,
            error_kind: report.error.as_ref().map(|e| e.kind.clone()),
            rules,
            not_assessable,
            seconds,
        }
    }

    /// Counts findings added to the report after this entry was made (the
    /// cross-report findings).
    pub fn add_findings<'a>(&mut self, findings: impl IntoIterator<Item = &'a Finding>) {
        for f in findings {
            match self
                .rules
                .iter_mut()
                .find(|(r, s, _)| *r == f.rule && *s == f.severity)
            {
                Some(slot) => slot.2 += 1,
                None => self.rules.push((f.rule, f.severity, 1)),
            }
        }
        self.rules.sort();
    }

    /// The report as a person names it: the path, with `#sheet` for a
    /// sheet of a workbook.
    pub fn label(&self) -> String {
        match &self.sheet {
            Some(sheet) => format!("{}#{sheet}", self.path),
            None => self.path.clone(),
        }
    }

    /// Findings of one severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.rules
            .iter()
            .filter(|(_, s, _)| *s == severity)
            .map(|(_, _, n)| n)
            .sum()
    }
}

/// The report file names (`<name>.json`) of a batch of inputs, in the order
/// given. Each input is `(full path, path relative to its root)`. Two inputs
/// never get the same name, even ignoring case.
pub fn report_file_names(inputs: &[(&str, &Path)]) -> Vec<String> {
    let bases: Vec<String> = inputs.iter().map(|(_, rel)| base_name(rel)).collect();
    let mut hashed: Vec<bool> = bases.iter().map(|b| b.len() > MAX_NAME_BYTES).collect();
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for (i, b) in bases.iter().enumerate() {
        if let Some(&first) = seen.get(&b.to_lowercase()) {
            hashed[first] = true;
            hashed[i] = true;
        } else {
            seen.insert(b.to_lowercase(), i);
        }
    }
    let mut names: Vec<String> = Vec::with_capacity(inputs.len());
    for (i, ((full, _), base)) in inputs.iter().zip(&bases).enumerate() {
        names.push(if hashed[i] {
            format!(
                "{}~{}",
                truncate(base, MAX_NAME_BYTES),
                &hex_sha256(full.as_bytes())[..8]
            )
        } else {
            base.clone()
        });
    }
    // A hashed name can still meet another input's name (a file literally
    // called `x~1234abcd`, or the same path given twice): number the later
    // ones so that names stay unique whatever happens.
    let mut taken = std::collections::HashSet::<String>::new();
    for name in &mut names {
        if !taken.insert(name.to_lowercase()) {
            let mut n = 2;
            while !taken.insert(format!("{name}~{n}").to_lowercase()) {
                n += 1;
            }
            *name = format!("{name}~{n}");
        }
    }
    names.into_iter().map(|n| n + ".json").collect()
}

/// The file names of the several reports of one input whose single report
/// would be `file` (`<name>.json`): `<name>#<sheet>.json` each, the sheet
/// name made safe like a path component and cut to a few dozen bytes (a
/// report without a sheet gets its position, from 1). Unique among
/// themselves, ignoring case.
pub fn sheet_file_names(file: &str, sheets: &[Option<&str>]) -> Vec<String> {
    let stem = file.strip_suffix(".json").unwrap_or(file);
    let mut taken = std::collections::HashSet::<String>::new();
    let mut names = Vec::with_capacity(sheets.len());
    for (i, sheet) in sheets.iter().enumerate() {
        let part = match sheet {
            Some(s) if !s.trim().is_empty() => {
                let safe = safe_component(s.trim());
                truncate(&safe, MAX_SHEET_BYTES).to_string()
            }
            _ => (i + 1).to_string(),
        };
        let mut name = format!("{stem}#{part}");
        if !taken.insert(name.to_lowercase()) {
            let mut n = 2;
            while !taken.insert(format!("{name}~{n}").to_lowercase()) {
                n += 1;
            }
            name = format!("{name}~{n}");
        }
        names.push(name + ".json");
    }
    names
}

/// The relative path as one file-system-safe name.
fn base_name(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(safe_component(&s.to_string_lossy())),
            _ => None,
        })
        .collect();
    let name = parts.join("__");
    if name.is_empty() {
        "_".into()
    } else {
        name
    }
}

fn safe_component(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // A leading dot would hide the file (and our temporary files start so).
    if out.starts_with('.') {
        out.replace_range(..1, "_");
    }
    out
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Lowercase hex SHA-256.
pub fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Writes `path` through a temporary file in the same folder, renamed into
/// place once complete. On error the temporary file is removed.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let result = File::create(&tmp).and_then(|file| {
        let mut w = BufWriter::new(file);
        write(&mut w)?;
        w.flush()
    });
    match result.and_then(|()| fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes one report as `reports_dir/file`: pretty JSON, UTF-8, newline at
/// the end.
pub fn write_report(reports_dir: &Path, file: &str, report: &Report) -> io::Result<()> {
    write_atomic(&reports_dir.join(file), |w| {
        serde_json::to_writer_pretty(&mut *w, &report.to_json())?;
        w.write_all(b"\n")
    })
}

/// Appends findings to the `findings` of the report file
/// `reports_dir/file` (as [`write_report`] wrote it) and re-writes it
/// atomically, in the same layout. The rest of the file is kept as it is.
pub fn append_findings<'a>(
    reports_dir: &Path,
    file: &str,
    findings: impl IntoIterator<Item = &'a Finding>,
) -> io::Result<()> {
    let path = reports_dir.join(file);
    let invalid = |why: String| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not a report: {why}", path.display()),
        )
    };
    let bytes = fs::read(&path)?;
    let mut report: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
    let list = report
        .get_mut("findings")
        .and_then(serde_json::Value::as_array_mut)
        .ok_or_else(|| invalid("no findings array".into()))?;
    for f in findings {
        list.push(serde_json::to_value(f)?);
    }
    write_atomic(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, &report)?;
        w.write_all(b"\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn names(inputs: &[(&str, &str)]) -> Vec<String> {
        let rels: Vec<PathBuf> = inputs.iter().map(|(_, r)| PathBuf::from(r)).collect();
        let pairs: Vec<(&str, &Path)> = inputs
            .iter()
            .zip(&rels)
            .map(|((f, _), r)| (*f, r.as_path()))
            .collect();
        report_file_names(&pairs)
    }

    #[test]
    fn names_follow_the_relative_path() {
        assert_eq!(
            names(&[("samples/html/a.html", "html/a.html")]),
            ["html__a.html.json"]
        );
        assert_eq!(
            names(&[("x/年度 报告#1.txt", "年度 报告#1.txt")]),
            ["年度_报告_1.txt.json"]
        );
        assert_eq!(names(&[(".a", ".a")]), ["_a.json"]);
    }

    #[test]
    fn colliding_names_get_a_path_hash() {
        let n = names(&[
            ("a/x.txt", "x.txt"),
            ("b/x.txt", "x.txt"),
            ("c/y.txt", "y.txt"),
        ]);
        assert_ne!(n[0], n[1]);
        assert!(
            n[0].starts_with("x.txt~") && n[1].starts_with("x.txt~"),
            "{n:?}"
        );
        assert_eq!(n[2], "y.txt.json");
        // Case-insensitive file systems: X.txt and x.txt collide too.
        let n = names(&[("X.txt", "X.txt"), ("x.txt", "x.txt")]);
        assert_ne!(n[0].to_lowercase(), n[1].to_lowercase());
        // `a b` and `a_b` sanitise to the same name.
        let n = names(&[("a b", "a b"), ("a_b", "a_b")]);
        assert_ne!(n[0], n[1]);
    }

    #[test]
    fn names_stay_unique_when_a_hash_meets_a_real_name() {
        let h = &hex_sha256(b"a/x")[..8];
        let literal = format!("x~{h}");
        let n = names(&[("a/x", "x"), ("b/x", "x"), ("c", &literal), ("c", &literal)]);
        let set: std::collections::HashSet<_> = n.iter().collect();
        assert_eq!(set.len(), 4, "{n:?}");
    }

    #[test]
    fn sheet_names_extend_the_input_name() {
        let n = sheet_file_names(
            "sheet__book.xlsx.json",
            &[Some("甲县 2024"), Some("乙/县"), Some("甲县_2024"), None],
        );
        assert_eq!(
            n,
            [
                "sheet__book.xlsx#甲县_2024.json",
                "sheet__book.xlsx#乙_县.json",
                "sheet__book.xlsx#甲县_2024~2.json",
                "sheet__book.xlsx#4.json",
            ]
        );
        let long = sheet_file_names("a.json", &[Some(&"长".repeat(100))]);
        assert!(long[0].len() < 80, "{}", long[0]);
        // A sheet named like a hidden file does not hide the report.
        assert_eq!(sheet_file_names("a.json", &[Some(".x")]), ["a#_x.json"]);
    }

    #[test]
    fn long_names_are_shortened() {
        let long = "长".repeat(200);
        let n = names(&[(&long, &long)]);
        assert!(n[0].len() < 200, "{}", n[0].len());
        assert!(n[0].ends_with(".json"));
    }

    #[test]
    fn appended_findings_read_as_if_written_with_the_report() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut r = Report::new(crate::schema::Source {
            path: "in/a.txt".into(),
            ..Default::default()
        });
        r.meta.year = Some(2024);
        r.findings.push(Finding::new(
            "T3-BALANCE",
            Severity::Error,
            vec!["t3.a.b".into()],
            "甲",
            "a",
        ));
        write_report(dir.path(), "a.json", &r).expect("write");
        let mut entry = Entry::new(&r, "a.json".into(), 0.0);
        let added = [
            Finding::new("X-DUPLICATE", Severity::Info, vec![], "乙", "b")
                .with_detail(serde_json::json!({"count": 1})),
            Finding::new("T3-BALANCE", Severity::Error, vec![], "丙", "c")
                .with_numbers(crate::schema::Num::Int(1), crate::schema::Num::Dec(2.5)),
        ];
        append_findings(dir.path(), "a.json", &added).expect("append");
        entry.add_findings(&added);

        r.findings.extend(added);
        let mut whole = serde_json::to_vec_pretty(&r.to_json()).expect("json");
        whole.push(b'\n');
        assert_eq!(fs::read(dir.path().join("a.json")).expect("read"), whole);
        assert_eq!(entry, Entry::new(&r, "a.json".into(), 0.0));
        assert_eq!(entry.count(Severity::Error), 2);

        fs::write(dir.path().join("bad.json"), b"[]").expect("write");
        assert!(append_findings(dir.path(), "bad.json", &r.findings).is_err());
        assert!(append_findings(dir.path(), "none.json", &r.findings).is_err());
    }

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f.txt");
        write_atomic(&path, |w| w.write_all(b"hello")).expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"hello");
        let err = write_atomic(&path, |_| Err(io::Error::other("boom")));
        assert!(err.is_err());
        assert_eq!(fs::read(&path).expect("read"), b"hello");
        let left: Vec<_> = fs::read_dir(dir.path()).expect("ls").collect();
        assert_eq!(left.len(), 1);
    }
}
