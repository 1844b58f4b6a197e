//! Everything ogi writes: the per-input report files, the dataset exports,
//! the run summary, and the text printed for a person.
//!
//! # Output directory
//!
//! ```text
//! DIR/reports/<name>.json   one report (SCHEMA.md) per input, in the layout of [`layout`]
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
//! Every file is written to a hidden temporary file beside it
//! (`.<name>.tmp`) and renamed into place, so a reader never sees half a
//! file; a run removes the temporary files a killed run left
//! ([`remove_temp_files`]) and never reads them. Nothing in `reports/`,
//! `dataset.*`, `findings.csv` or the review pages depends on timing, on
//! the number of threads, on `--resume` or on `--shard` + `ogi merge`: two
//! runs over the same inputs give byte-identical files. Only `summary.json`
//! carries the elapsed time, the thread count and the worker seconds per
//! format (and `shard` for a shard's run).
//!
//! ## Report files
//!
//! [`report_json`]: the report object of SCHEMA.md plus `tool` (`{"name":
//! "ogi", "version": …}`, which `--resume` checks) and `not_assessable`
//! (the checks that could not be assessed, by rule id), so that a report
//! file alone accounts for its report ([`stored`]). The cross-report (X)
//! findings come after the report's own; they are replaced, never
//! accumulated, whenever the batch changes ([`set_batch_findings`]).
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
//! itself, so these names cannot meet another input's. The reports of one
//! workbook come in file-name order in every output (as `--resume` and
//! `ogi merge` find them), and each says how many there are
//! (`source.sheet_reports`), so that `--resume` takes over a workbook only
//! when all of them are there.
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
pub mod layout;
pub mod ledger;
pub mod parts;
pub mod report_file;
pub mod review;
pub mod stored;
pub mod summary;
pub mod view;

use crate::schema::{Finding, Report, Severity, Status};
use serde_json::Value as Json;
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
        self.add_rule_counts(findings.into_iter().map(|f| (f.rule, f.severity)));
    }

    /// Counts findings added to the report, given by rule and severity.
    pub fn add_rule_counts(
        &mut self,
        findings: impl IntoIterator<Item = (&'static str, Severity)>,
    ) {
        for (rule, severity) in findings {
            match self
                .rules
                .iter_mut()
                .find(|(r, s, _)| *r == rule && *s == severity)
            {
                Some(slot) => slot.2 += 1,
                None => self.rules.push((rule, severity, 1)),
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

/// A run's entries in path order, visited one at a time: read back from
/// the run's [`ledger`] one after the other, or from memory.
pub trait EachEntry {
    /// Calls `f` with each entry in order; stops at the first error.
    fn each_entry(&self, f: &mut dyn FnMut(&Entry) -> io::Result<()>) -> io::Result<()>;
}

impl EachEntry for Vec<Entry> {
    fn each_entry(&self, f: &mut dyn FnMut(&Entry) -> io::Result<()>) -> io::Result<()> {
        self.iter().try_for_each(f)
    }
}

/// The report file names (`<name>.json`) of a batch of inputs, in the order
/// given. Each input is `(full path, path relative to its root)`. Two inputs
/// never get the same name, even ignoring case.
pub fn report_file_names(inputs: &[(&str, &Path)]) -> Vec<String> {
    let bases: Vec<String> = inputs.iter().map(|(_, rel)| base_name(rel)).collect();
    let mut hashed: Vec<bool> = bases.iter().map(|b| b.len() > MAX_NAME_BYTES).collect();
    // Names are compared without case (a case-insensitive file system
    // would merge them); a name that lower-casing leaves alone is its own
    // key, not a copy.
    let mut seen = foldhash::HashMap::<std::borrow::Cow<'_, str>, usize>::default();
    for (i, b) in bases.iter().enumerate() {
        match seen.entry(lowercase(b)) {
            std::collections::hash_map::Entry::Occupied(first) => {
                hashed[*first.get()] = true;
                hashed[i] = true;
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }
    drop(seen);
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

/// `s` in lower case, borrowed when lower-casing changes nothing.
fn lowercase(s: &str) -> std::borrow::Cow<'_, str> {
    let changes = |c: char| {
        let mut lower = c.to_lowercase();
        lower.next() != Some(c) || lower.next().is_some()
    };
    if s.chars().any(changes) {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
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
    write_atomic_over(path, true, write)
}

/// [`write_atomic`], told whether `path` may exist already: a file the
/// caller has just seen absent has nothing to keep ([`keep_replaced`]).
fn write_atomic_over(
    path: &Path,
    may_exist: bool,
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
    if result.is_ok() && may_exist {
        keep_replaced(path);
    }
    match result.and_then(|()| fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes `bytes` to `path` as [`write_atomic`] does, unless `path`
/// already holds exactly these bytes (a rerun over unchanged inputs): then
/// it is left alone, and no file is created or replaced.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let found = fs::metadata(path);
    if let Ok(meta) = &found {
        if meta.is_file() && meta.len() == bytes.len() as u64 && fs::read(path)? == bytes {
            return Ok(());
        }
    }
    // Absent a moment ago (the usual case of a fresh folder): no file to
    // keep before the rename.
    let may_exist = !matches!(&found, Err(e) if e.kind() == io::ErrorKind::NotFound);
    write_atomic_over(path, may_exist, |w| w.write_all(bytes))
}

/// The `tool` object of every report file: which program wrote it.
/// `--resume` reuses a report only when it was written by this version.
pub fn tool_json() -> Json {
    serde_json::json!({"name": TOOL_NAME, "version": TOOL_VERSION})
}

/// The program name written in `tool.name`.
pub const TOOL_NAME: &str = "ogi";

/// The program version written in `tool.version`.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The JSON of a report file: [`Report::to_json`] with two fields the
/// contract lets us add: `tool` ([`tool_json`], after `schema`) and
/// `not_assessable` (the checks that could not be assessed, by rule id, in
/// the order the rules ran; after `findings`), so that a report file alone
/// is enough to account for the report again (`--resume`, `ogi merge`).
///
/// A run does not build this `Value`: it prints the same object straight
/// from the report ([`report_file::ReportFile`]), and the tests compare
/// the two.
pub fn report_json(report: &Report) -> Json {
    let not_assessable: serde_json::Map<String, Json> = report
        .not_assessable
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(r, n)| ((*r).to_string(), Json::from(*n)))
        .collect();
    let Json::Object(fields) = report.to_json() else {
        return report.to_json();
    };
    let mut o = serde_json::Map::new();
    let mut not_assessable = Some(not_assessable);
    for (k, v) in fields {
        let after = k.clone();
        o.insert(k, v);
        if after == "schema" {
            o.insert("tool".into(), tool_json());
        } else if after == "findings" {
            if let Some(na) = not_assessable.take() {
                o.insert("not_assessable".into(), Json::Object(na));
            }
        }
    }
    if let Some(na) = not_assessable {
        o.insert("not_assessable".into(), Json::Object(na));
    }
    Json::Object(o)
}

/// Writes one report as `reports_dir/file` ([`report_json`]): JSON in the
/// report layout ([`layout`]), UTF-8, newline at the end.
pub fn write_report(reports_dir: &Path, file: &str, report: &Report) -> io::Result<()> {
    write_bytes(&reports_dir.join(file), &report_file_bytes(report)?)
}

/// Writes one report for a run whose cross-report findings come later
/// ([`set_batch_findings`]). When `reports_dir/file` already holds this
/// report with cross-report findings appended (a rerun over the same
/// input), the file is left as it is and the key of the findings it holds
/// is returned: the cross-report phase then rewrites it only if they
/// changed. Otherwise the report is written ([`write_report`]) and the key
/// is `None`. Also gives the report printed without cross-report
/// findings, so that it can be rendered without reading the file back.
pub fn write_fresh_report(
    reports_dir: &Path,
    file: &str,
    report: &Report,
) -> io::Result<(Printed, Option<stored::BatchKey>)> {
    let path = reports_dir.join(file);
    let printed = Printed::of(report)?;
    let bytes = &printed.file;
    let mut kept = None;
    if let Ok(existing) = fs::read(&path) {
        if existing == *bytes {
            kept = Some(None);
        } else if let Some(key) = appended_batch_findings(&existing, bytes) {
            kept = Some(Some(key));
        }
    }
    let key = match kept {
        Some(key) => key,
        None => {
            write_atomic(&path, |w| w.write_all(bytes))?;
            None
        }
    };
    Ok((printed, key))
}

/// When `existing` is `new` with findings appended to its top-level
/// `findings` array, all of cross-report rules, as [`set_batch_findings`]
/// splices them: the key of those findings.
fn appended_batch_findings(existing: &[u8], new: &[u8]) -> Option<stored::BatchKey> {
    const KEY: &[u8] = b"\n  \"findings\": [";
    let start = find(new, KEY)? + KEY.len();
    let (prefix, suffix, items) = if new.get(start) == Some(&b']') {
        let (prefix, suffix) = (&new[..start], &new[start + 1..]);
        let middle = existing
            .strip_prefix(prefix)?
            .strip_suffix(suffix)?
            .strip_suffix(b"\n  ]")?;
        (prefix, suffix, middle)
    } else {
        let close = start + find(&new[start..], b"\n  ]")?;
        let (prefix, suffix) = (&new[..close], &new[close..]);
        let middle = existing
            .strip_prefix(prefix)?
            .strip_suffix(suffix)?
            .strip_prefix(b",")?;
        (prefix, suffix, middle)
    };
    if existing.len() < prefix.len() + suffix.len() + items.len() {
        return None;
    }
    let mut array = Vec::with_capacity(items.len() + 2);
    array.push(b'[');
    array.extend_from_slice(items);
    array.push(b']');
    let list: Vec<Json> = serde_json::from_slice(&array).ok()?;
    let all_batch = !list.is_empty()
        && list.iter().all(|f| {
            f.get("rule")
                .and_then(Json::as_str)
                .is_some_and(is_batch_rule)
        });
    if !all_batch {
        return None;
    }
    stored::key_of(list)
}

/// A report file as written: its JSON and its bytes.
pub struct Written {
    /// The report object ([`report_json`]).
    pub json: Json,
    /// The file's bytes (the report layout and a newline).
    pub bytes: Vec<u8>,
}

/// A report printed: its file and its `dataset.jsonl` line.
pub struct Printed {
    /// The file's bytes ([`report_file_bytes`]).
    pub file: Vec<u8>,
    /// The line (the file's JSON compact, and a newline).
    pub line: Vec<u8>,
}

impl Printed {
    /// Prints both in one pass ([`report_file::file_and_line`]).
    pub fn of(report: &Report) -> io::Result<Printed> {
        let (file, line) = report_file::file_and_line(report)?;
        Ok(Printed { file, line })
    }
}

/// The bytes of a report file as [`write_report`] writes them: the
/// JSON of [`report_json`] in the report layout and a newline, printed
/// straight from the report ([`report_file::ReportFile`]).
pub fn report_file_bytes(report: &Report) -> io::Result<Vec<u8>> {
    report_bytes(&report_file::ReportFile(report))
}

/// Writes a JSON value as a report file is written: the report layout,
/// newline at the end, atomically. Returns the bytes written.
fn write_json(path: &Path, value: &Json) -> io::Result<Vec<u8>> {
    let bytes = report_bytes(value)?;
    write_bytes(path, &bytes)?;
    Ok(bytes)
}

/// A report file's bytes: the report layout and a newline.
fn report_bytes<T: ?Sized + serde::Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut bytes = layout::to_vec(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Whether a rule id is a cross-report rule's (the X family): those
/// findings are recomputed over every batch, so they are replaced, never
/// kept, when a report file is finished again.
pub fn is_batch_rule(rule: &str) -> bool {
    rule.starts_with("X-")
}

/// Reads a report file and parses it; a file that is not a JSON object
/// with a `findings` array is `InvalidData`.
pub fn read_report_file(path: &Path) -> io::Result<Json> {
    let bytes = fs::read(path)?;
    let report: Json = serde_json::from_slice(&bytes).map_err(|e| not_a_report(path, e))?;
    if !report.get("findings").is_some_and(Json::is_array) {
        return Err(not_a_report(path, "no findings array"));
    }
    Ok(report)
}

fn not_a_report(path: &Path, why: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{} is not a report: {why}", path.display()),
    )
}

/// Replaces the cross-report findings of a report file: reads `from`,
/// drops every finding of a batch rule ([`is_batch_rule`]) it holds,
/// appends `findings` after the report's own, and writes the result to
/// `to` atomically (`from` and `to` may be the same file). The rest of the
/// file is kept as it is, in the same layout, so that the result is the
/// file a run writing the report with these findings would have written,
/// and finishing a file twice gives the same bytes.
pub fn set_batch_findings<'a>(
    from: &Path,
    to: &Path,
    findings: impl IntoIterator<Item = &'a Finding>,
) -> io::Result<Written> {
    set_batch_findings_of(fs::read(from)?, from, to, findings)
}

/// [`set_batch_findings`] of a report file's bytes `old` (read from
/// `from`, or kept elsewhere until now: `from` then only names them in an
/// error).
pub fn set_batch_findings_of<'a>(
    old: Vec<u8>,
    from: &Path,
    to: &Path,
    findings: impl IntoIterator<Item = &'a Finding>,
) -> io::Result<Written> {
    let mut report: Json = serde_json::from_slice(&old).map_err(|e| not_a_report(from, e))?;
    let list = report
        .get_mut("findings")
        .and_then(Json::as_array_mut)
        .ok_or_else(|| not_a_report(from, "no findings array"))?;
    let before = list.len();
    list.retain(|f| {
        !f.get("rule")
            .and_then(Json::as_str)
            .is_some_and(is_batch_rule)
    });
    let unchanged = list.len() == before;
    let mut added = Vec::new();
    for f in findings {
        added.push(serde_json::to_value(f)?);
    }
    // When only findings are added, they are spliced into the bytes as
    // written (the same bytes a full rewrite gives, without serialising
    // the whole report again).
    let spliced = if unchanged {
        splice_findings(&old, &added)
    } else {
        None
    };
    list.extend(added);
    let bytes = match spliced {
        Some(bytes) => {
            write_bytes(to, &bytes)?;
            bytes
        }
        None => write_json(to, &report)?,
    };
    Ok(Written {
        json: report,
        bytes,
    })
}

/// The report `bytes` (as [`write_json`] writes it) with
/// `added` appended to its top-level `findings` array; `None` when the
/// array is not where that layout puts it.
fn splice_findings(bytes: &[u8], added: &[Json]) -> Option<Vec<u8>> {
    const KEY: &[u8] = b"\n  \"findings\": [";
    let start = find(bytes, KEY)? + KEY.len();
    let mut items = Vec::new();
    for f in added {
        // Each finding on its own line, one level deeper than the array.
        items.extend_from_slice(b"\n    ");
        layout::write(&mut items, f, layout::Layout::nested(2)).ok()?;
        items.push(b',');
    }
    items.pop(); // the last comma
    let mut out = Vec::with_capacity(bytes.len() + items.len() + 8);
    if bytes.get(start) == Some(&b']') {
        if added.is_empty() {
            return Some(bytes.to_vec());
        }
        // `[]` → `[ …items… \n  ]`.
        out.extend_from_slice(&bytes[..start]);
        out.extend_from_slice(&items);
        out.extend_from_slice(b"\n  ");
        out.extend_from_slice(&bytes[start..]);
    } else {
        // The array's close is the first line that is `  ]` after it.
        let close = start + find(&bytes[start..], b"\n  ]")?;
        out.extend_from_slice(&bytes[..close]);
        if !added.is_empty() {
            out.push(b',');
            out.extend_from_slice(&items);
        }
        out.extend_from_slice(&bytes[close..]);
    }
    Some(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// The folder, beside the files a run replaces, that keeps the replaced
/// files until the run ends (`keep_replaced`, [`empty_trash`]).
pub const TRASH_DIR: &str = ".replaced.tmp";

/// Before `path` is replaced by a rename, links the file it holds into
/// [`TRASH_DIR`] beside it, so that its inode is not freed until the run
/// ends. On ext4 every new file skips over the recently freed inodes of
/// its folder's group: a run that replaced files as it went (a rerun, the
/// reports that get cross-report findings) made each later file slower to
/// create, a quarter of the run's time on 20,000 reports. Best effort: a
/// file that cannot be linked is replaced all the same.
fn keep_replaced(path: &Path) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let Some(dir) = path.parent() else {
        return;
    };
    let trash = dir.join(TRASH_DIR);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let kept = trash.join(format!("{}-{n}", std::process::id()));
    match fs::hard_link(path, &kept) {
        Err(e) if e.kind() == io::ErrorKind::NotFound && path.exists() => {
            // The first replaced file of this folder: make the trash.
            let _ = fs::create_dir(&trash);
            let _ = fs::hard_link(path, &kept);
        }
        _ => {}
    }
}

/// Removes the files a run replaced (the [`TRASH_DIR`] of `dir`), once no
/// more files will be created: their inodes are freed all at once.
pub fn empty_trash(dir: &Path) -> io::Result<()> {
    match fs::remove_dir_all(dir.join(TRASH_DIR)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Whether a file name is one of [`write_atomic`]'s temporary files
/// (`.<name>.tmp`).
pub fn is_temp_file(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Creates (or empties) a scratch file of the run, open for reading and
/// writing: a hidden `.tmp` file of the output folder, which the next run
/// removes if this one is killed ([`remove_temp_files`]).
pub(crate) fn scratch_file(path: &Path) -> io::Result<File> {
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}

/// Calls `each` with the path of every regular file of `dir` whose name
/// `pick` accepts (not recursive; a missing folder has none), and returns
/// how many there were.
fn each_file(
    dir: &Path,
    pick: impl Fn(&str) -> bool,
    mut each: impl FnMut(&Path) -> io::Result<()>,
) -> io::Result<usize> {
    let list = match fs::read_dir(dir) {
        Ok(list) => list,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut n = 0;
    for item in list {
        let item = item?;
        if pick(&item.file_name().to_string_lossy()) && item.file_type()?.is_file() {
            each(&item.path())?;
            n += 1;
        }
    }
    Ok(n)
}

/// Removes the temporary files a killed run may have left in `dir` (not
/// recursive, but with the files it kept in [`TRASH_DIR`]; a missing folder
/// is fine). Returns how many temporary files were removed.
pub fn remove_temp_files(dir: &Path) -> io::Result<usize> {
    let n = each_file(dir, is_temp_file, |path| fs::remove_file(path))?;
    empty_trash(dir)?;
    Ok(n)
}

/// How many files `dir` holds whose name ends with `suffix`, hidden ones
/// aside (those [`remove_stale_files`] considers); a missing folder holds
/// none.
pub fn count_files(dir: &Path, suffix: &str) -> io::Result<usize> {
    each_file(
        dir,
        |name| !name.starts_with('.') && name.ends_with(suffix),
        |_| Ok(()),
    )
}

/// Removes the files of `dir` whose name ends with `suffix` and is not in
/// `keep` (the reports and pages of inputs that are no longer part of the
/// run). Hidden files and folders are left alone.
pub fn remove_stale_files(
    dir: &Path,
    suffix: &str,
    keep: &std::collections::HashSet<String>,
) -> io::Result<usize> {
    each_file(
        dir,
        |name| !name.starts_with('.') && name.ends_with(suffix) && !keep.contains(name),
        |path| fs::remove_file(path),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    proptest::proptest! {
        /// The borrowed shortcut gives what `to_lowercase` gives.
        #[test]
        fn lowercase_is_to_lowercase(s in "\\PC{0,12}") {
            proptest::prop_assert_eq!(lowercase(&s), s.to_lowercase());
        }
    }

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
    fn batch_findings_are_replaced_not_accumulated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut r = Report::new(crate::schema::Source {
            path: "in/a.txt".into(),
            ..Default::default()
        });
        r.meta.year = Some(2024);
        r.not_assessable.insert("T3-ROW-TOTAL", 2);
        r.findings.push(Finding::new(
            "T3-BALANCE",
            Severity::Error,
            vec!["t3.a.b".into()],
            "甲",
            "a",
        ));
        let a = dir.path().join("a.json");
        write_report(dir.path(), "a.json", &r).expect("write");
        let original = fs::read(&a).expect("read");
        let json: Json = serde_json::from_slice(&original).expect("json");
        assert_eq!(json["tool"]["name"], "ogi");
        assert_eq!(json["tool"]["version"], TOOL_VERSION);
        assert_eq!(json["not_assessable"]["T3-ROW-TOTAL"], 2);
        let keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(&keys[..3], ["schema", "tool", "source"]);
        let at = keys
            .iter()
            .position(|k| *k == "findings")
            .expect("findings");
        assert_eq!(keys[at + 1], "not_assessable");

        let mut entry = Entry::new(&r, "a.json".into(), 0.0);
        let added = [
            Finding::new("X-DUPLICATE", Severity::Info, vec![], "乙", "b")
                .with_detail(serde_json::json!({"count": 1})),
            Finding::new("X-STOCK", Severity::Warning, vec![], "丙", "c")
                .with_numbers(crate::schema::Num::Int(1), crate::schema::Num::Dec(2.5)),
        ];
        set_batch_findings(&a, &a, &added).expect("set");
        entry.add_findings(&added);

        // The same bytes as a report written with the findings.
        let mut whole_report = r.clone();
        whole_report.findings.extend(added.iter().cloned());
        let mut whole = layout::to_vec(&report_json(&whole_report)).expect("json");
        whole.push(b'\n');
        assert_eq!(fs::read(&a).expect("read"), whole);
        assert_eq!(entry, Entry::new(&whole_report, "a.json".into(), 0.0));
        assert_eq!(entry.count(Severity::Error), 1);

        // Again: replaced, not appended twice.
        set_batch_findings(&a, &a, &added).expect("set");
        assert_eq!(fs::read(&a).expect("read"), whole);
        // Into another file, leaving the source alone.
        let b = dir.path().join("b.json");
        set_batch_findings(&a, &b, &[]).expect("set");
        assert_eq!(fs::read(&b).expect("read"), original);
        assert_eq!(fs::read(&a).expect("read"), whole);
        // With none: the report as first written.
        set_batch_findings(&a, &a, &[]).expect("set");
        assert_eq!(fs::read(&a).expect("read"), original);

        fs::write(dir.path().join("bad.json"), b"[]").expect("write");
        let bad = dir.path().join("bad.json");
        assert!(set_batch_findings(&bad, &bad, &r.findings).is_err());
        let none = dir.path().join("none.json");
        assert!(set_batch_findings(&none, &none, &r.findings).is_err());
        assert!(!none.exists());
    }

    /// Report `k` of a test batch (`in/<k>.txt`) holding `findings`, and
    /// its file name.
    fn numbered(k: usize, findings: Vec<Finding>) -> (Report, String) {
        let mut r = Report::new(crate::schema::Source {
            path: format!("in/{k}.txt"),
            ..Default::default()
        });
        r.findings = findings;
        (r, format!("{k}.json"))
    }

    #[test]
    fn splicing_gives_the_bytes_of_a_full_rewrite() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tricky = Finding::new(
            "X-CARRY-OVER",
            Severity::Warning,
            vec![
                "t3.carried_over.total".into(),
                "t3.carried_forward.total".into(),
            ],
            "表三：上年结转\n  ]\n  \"findings\": [ 不符",
            "text with a newline and \"quotes\"",
        )
        .with_detail(serde_json::json!({"others": [{"path": "a/b.html", "reason": "x"}], "n": []}));
        let plain = Finding::new("X-DUPLICATE", Severity::Info, vec![], "乙", "b");
        let own = Finding::new(
            "T3-BALANCE",
            Severity::Error,
            vec!["t3.a.b".into()],
            "甲",
            "a",
        );
        for (k, (mine, added)) in [
            (vec![], vec![plain.clone()]),
            (vec![], vec![tricky.clone(), plain.clone()]),
            (vec![own.clone()], vec![tricky.clone()]),
            (
                vec![own.clone(), own.clone()],
                vec![plain.clone(), tricky.clone()],
            ),
            (vec![own.clone()], vec![]),
        ]
        .into_iter()
        .enumerate()
        {
            let (mut r, file) = numbered(k, mine);
            let path = dir.path().join(&file);
            write_report(dir.path(), &file, &r).expect("write");
            let written = set_batch_findings(&path, &path, &added).expect("set");
            r.findings.extend(added);
            let mut whole = layout::to_vec(&report_json(&r)).expect("json");
            whole.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&written.bytes),
                String::from_utf8_lossy(&whole),
                "case {k}"
            );
            assert_eq!(fs::read(&path).expect("read"), whole, "case {k}");
            assert_eq!(written.json, report_json(&r), "case {k}");
        }
    }

    #[test]
    fn a_rerun_keeps_a_report_that_only_gained_batch_findings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let own = Finding::new(
            "T3-BALANCE",
            Severity::Error,
            vec!["t3.a.b".into()],
            "甲",
            "a",
        );
        let dup = Finding::new("X-DUPLICATE", Severity::Info, vec![], "乙", "b")
            .with_detail(serde_json::json!({"others": [{"path": "x", "reason": "same_content"}]}));
        let carry = Finding::new(
            "X-CARRY-OVER",
            Severity::Warning,
            vec!["t3.carried_over.total".into()],
            "丙",
            "c",
        );
        for (k, mine) in [vec![], vec![own.clone()], vec![own.clone(), own.clone()]]
            .into_iter()
            .enumerate()
        {
            let (r, file) = numbered(k, mine);
            let path = dir.path().join(&file);
            // First run: written, then given its batch findings.
            assert_eq!(
                write_fresh_report(dir.path(), &file, &r).expect("write").1,
                None
            );
            let added = [dup.clone(), carry.clone()];
            set_batch_findings(&path, &path, &added).expect("set");
            let finished = fs::read(&path).expect("read");
            // Rerun: the file is kept, with the key of what it holds.
            let key = write_fresh_report(dir.path(), &file, &r).expect("rerun").1;
            assert_eq!(key, stored::batch_key(&added), "case {k}");
            assert_eq!(fs::read(&path).expect("read"), finished, "case {k}");
            // Another report under that name: written afresh.
            let mut other = r.clone();
            other.meta.year = Some(1999);
            assert_eq!(
                write_fresh_report(dir.path(), &file, &other).expect("w").1,
                None
            );
            let json: Json = serde_json::from_slice(&fs::read(&path).expect("read")).expect("json");
            assert_eq!(json, report_json(&other), "case {k}");
        }
        // A file whose extra finding is not a batch rule's is rewritten.
        let mut r = Report::new(crate::schema::Source::default());
        r.findings = vec![own.clone()];
        write_fresh_report(dir.path(), "o.json", &r).expect("write");
        let mut more = r.clone();
        more.findings.push(own.clone());
        write_report(dir.path(), "o.json", &more).expect("write");
        assert_eq!(
            write_fresh_report(dir.path(), "o.json", &r).expect("w").1,
            None
        );
        let json: Json =
            serde_json::from_slice(&fs::read(dir.path().join("o.json")).expect("read"))
                .expect("json");
        assert_eq!(json, report_json(&r));
    }

    #[test]
    fn replaced_files_are_kept_until_the_trash_is_emptied() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.json");
        write_atomic(&path, |w| w.write_all(b"first")).expect("write");
        assert!(!dir.path().join(TRASH_DIR).exists(), "nothing replaced yet");
        write_atomic(&path, |w| w.write_all(b"second")).expect("write");
        write_atomic(&path, |w| w.write_all(b"third")).expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"third");
        let mut kept: Vec<Vec<u8>> = fs::read_dir(dir.path().join(TRASH_DIR))
            .expect("trash")
            .map(|e| fs::read(e.expect("entry").path()).expect("read"))
            .collect();
        kept.sort();
        assert_eq!(kept, [b"first".to_vec(), b"second".to_vec()]);
        empty_trash(dir.path()).expect("empty");
        assert!(!dir.path().join(TRASH_DIR).exists());
        empty_trash(dir.path()).expect("twice is fine");
        // A killed run's trash goes with its temporary files.
        write_atomic(&path, |w| w.write_all(b"fourth")).expect("write");
        assert!(dir.path().join(TRASH_DIR).exists());
        remove_temp_files(dir.path()).expect("clean");
        assert!(!dir.path().join(TRASH_DIR).exists());
        assert_eq!(fs::read(&path).expect("read"), b"fourth");

        // write_bytes: a new file has nothing to keep, a replaced one is kept.
        let other = dir.path().join("b.json");
        write_bytes(&other, b"one").expect("write");
        assert!(!dir.path().join(TRASH_DIR).exists(), "nothing replaced yet");
        write_bytes(&other, b"one").expect("unchanged");
        assert!(
            !dir.path().join(TRASH_DIR).exists(),
            "same bytes: not rewritten"
        );
        write_bytes(&other, b"two").expect("write");
        let kept: Vec<Vec<u8>> = fs::read_dir(dir.path().join(TRASH_DIR))
            .expect("trash")
            .map(|e| fs::read(e.expect("entry").path()).expect("read"))
            .collect();
        assert_eq!(kept, [b"one".to_vec()]);
        assert_eq!(fs::read(&other).expect("read"), b"two");
    }

    #[test]
    fn temporary_and_stale_files_are_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in [
            ".a.json.tmp",
            "a.json",
            "b.json",
            ".hidden",
            "c.html",
            ".d.json",
        ] {
            fs::write(dir.path().join(name), b"x").expect("write");
        }
        fs::create_dir(dir.path().join(".e.tmp")).expect("mkdir");
        assert_eq!(remove_temp_files(dir.path()).expect("rm"), 1);
        let keep = ["a.json".to_string()].into_iter().collect();
        assert_eq!(
            remove_stale_files(dir.path(), ".json", &keep).expect("rm"),
            1
        );
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".d.json", ".e.tmp", ".hidden", "a.json", "c.html"]);
        assert_eq!(
            remove_temp_files(&dir.path().join("nope")).expect("missing"),
            0
        );
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
