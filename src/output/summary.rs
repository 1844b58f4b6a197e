//! The run summary: `summary.json` and the closing paragraph on stderr.

use super::{write_atomic, EachEntry, Entry};
use crate::schema::{Severity, Status, SCHEMA_VERSION};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// Inputs and seconds of work for one format.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FormatTally {
    /// Inputs of this format (a workbook giving a report per sheet counts
    /// once).
    pub count: usize,
    /// Worker seconds spent on them (summed over threads).
    pub seconds: f64,
}

/// The counts of a run, derived from its entries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// Inputs (files).
    pub inputs: usize,
    /// Reports: more than the inputs when a workbook holds a report on each
    /// of several sheets.
    pub reports: usize,
    /// Reports by status.
    pub by_status: BTreeMap<Status, usize>,
    /// Inputs by detected format.
    pub by_format: BTreeMap<String, FormatTally>,
    /// Findings by rule, then by severity.
    pub by_rule: BTreeMap<&'static str, BTreeMap<Severity, usize>>,
    /// Findings by severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Error reports by `error.kind`.
    pub error_kinds: BTreeMap<String, usize>,
    /// Checks not assessable, summed by rule.
    pub not_assessable: BTreeMap<&'static str, usize>,
    /// The years of the reports (`meta.year`).
    pub years: BTreeSet<i32>,
    /// Reports whose year is not known.
    pub undated: usize,
}

impl Totals {
    /// Adds up the entries (the reports of one input are consecutive, as
    /// the pipeline writes them).
    pub fn from_entries(entries: &[Entry]) -> Totals {
        let mut adder = Adder::default();
        for e in entries {
            adder.add(e);
        }
        adder.totals
    }

    /// Adds up the entries `each` visits, in order (see [`from_entries`]).
    ///
    /// [`from_entries`]: Totals::from_entries
    pub fn from_each(each: &dyn EachEntry) -> std::io::Result<Totals> {
        let mut adder = Adder::default();
        each.each_entry(&mut |e| {
            adder.add(e);
            Ok(())
        })?;
        Ok(adder.totals)
    }

    /// Reports of a status.
    pub fn status(&self, status: Status) -> usize {
        self.by_status.get(&status).copied().unwrap_or(0)
    }

    /// Findings of a severity.
    pub fn severity(&self, severity: Severity) -> usize {
        self.by_severity.get(&severity).copied().unwrap_or(0)
    }
}

/// [`Totals`] being added up, one entry at a time.
#[derive(Default)]
struct Adder {
    totals: Totals,
    /// The path of the entry before.
    previous: Option<String>,
}

impl Adder {
    fn add(&mut self, e: &Entry) {
        let t = &mut self.totals;
        t.reports += 1;
        *t.by_status.entry(e.status).or_default() += 1;
        let f = t.by_format.entry(e.format.clone()).or_default();
        if self.previous.as_deref() != Some(e.path.as_str()) {
            t.inputs += 1;
            f.count += 1;
            self.previous = Some(e.path.clone());
        }
        f.seconds += e.seconds;
        for &(rule, severity, n) in &e.rules {
            *t.by_rule
                .entry(rule)
                .or_default()
                .entry(severity)
                .or_default() += n;
            *t.by_severity.entry(severity).or_default() += n;
        }
        if let Some(kind) = &e.error_kind {
            *t.error_kinds.entry(kind.clone()).or_default() += 1;
        }
        for &(rule, n) in &e.not_assessable {
            *t.not_assessable.entry(rule).or_default() += n;
        }
        match e.year {
            Some(y) => {
                t.years.insert(y);
            }
            None => t.undated += 1,
        }
    }
}

/// `summary.json`:
///
/// ```jsonc
/// {
///   "tool": "ogi", "version": "0.1.0", "schema": "ogi-report/1",
///   "inputs": 3, "reports": 3,   // reports > inputs when a workbook holds one per sheet
///   "by_status": {"ok": 1, "partial": 0, "legacy": 0, "not_a_report": 1, "error": 1},
///   "by_format": {"html": 2, "unknown": 1},
///   "by_severity": {"error": 2, "warning": 0, "info": 1},
///   "by_rule": {"T3-BALANCE": {"error": 2}, "H-LIKELY-CELL": {"info": 1}},
///   "error_kinds": {"corrupt": 1},
///   "not_assessable": {"T3-ROW-TOTAL": 4},
///   "elapsed_seconds": 0.12, "jobs": 2,
///   "format_seconds": {"html": 0.08, "unknown": 0.001},   // worker time per format
///   "files": [{"path": "in/a.html", "status": "ok", "format": "html",
///              "report": "reports/a.html.json", "errors": 2, "warnings": 0}, …]
/// }
/// ```
///
/// Every report of the run is in `files`, in source-path order: one per
/// input, or one per sheet (with a `sheet` key) for a workbook that holds a
/// report on each of several sheets. A run of
/// one shard (`extract --shard I/N`) also says which: `"shard": "I/N"`
/// (after `schema`).
pub fn to_json(
    totals: &Totals,
    entries: &[Entry],
    elapsed: Duration,
    jobs: usize,
    shard: Option<(u32, u32)>,
) -> Json {
    let mut o = head(totals, elapsed, jobs, shard);
    o.insert(
        "files".into(),
        Json::Array(entries.iter().map(file_json).collect()),
    );
    Json::Object(o)
}

/// Everything of `summary.json` but `files`.
fn head(
    totals: &Totals,
    elapsed: Duration,
    jobs: usize,
    shard: Option<(u32, u32)>,
) -> Map<String, Json> {
    let mut by_status = Map::new();
    for s in Status::ALL {
        by_status.insert(s.as_str().into(), json!(totals.status(s)));
    }
    let mut by_severity = Map::new();
    for s in Severity::ALL {
        by_severity.insert(s.as_str().into(), json!(totals.severity(s)));
    }
    let by_rule: Map<String, Json> = totals
        .by_rule
        .iter()
        .map(|(rule, sev)| {
            let counts: Map<String, Json> = sev
                .iter()
                .map(|(s, n)| (s.as_str().to_string(), json!(n)))
                .collect();
            (rule.to_string(), Json::Object(counts))
        })
        .collect();
    let mut o = Map::new();
    o.insert("tool".into(), json!(super::TOOL_NAME));
    o.insert("version".into(), json!(super::TOOL_VERSION));
    o.insert("schema".into(), json!(SCHEMA_VERSION));
    if let Some((i, n)) = shard {
        o.insert("shard".into(), json!(format!("{i}/{n}")));
    }
    let body = json!({
        "inputs": totals.inputs,
        "reports": totals.reports,
        "by_status": by_status,
        "by_format": totals.by_format.iter().map(|(f, t)| (f.clone(), json!(t.count))).collect::<Map<_, _>>(),
        "by_severity": by_severity,
        "by_rule": by_rule,
        "error_kinds": totals.error_kinds,
        "not_assessable": totals.not_assessable,
        "elapsed_seconds": round3(elapsed.as_secs_f64()),
        "jobs": jobs,
        "format_seconds": totals.by_format.iter().map(|(f, t)| (f.clone(), json!(round3(t.seconds)))).collect::<Map<_, _>>(),
    });
    if let Json::Object(b) = body {
        o.extend(b);
    }
    o
}

/// One report in `files`.
fn file_json(e: &Entry) -> Json {
    let mut file = json!({
        "path": e.path,
        "status": e.status,
        "format": e.format,
        "report": format!("{}/{}", super::REPORTS_DIR, e.file),
        "errors": e.count(Severity::Error),
        "warnings": e.count(Severity::Warning),
    });
    if let (Some(sheet), Some(map)) = (&e.sheet, file.as_object_mut()) {
        map.insert("sheet".into(), json!(sheet));
    }
    file
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// [`to_json`] as it is serialised, with `files` made one entry at a time
/// (a batch of any size is written without its list in memory).
struct Streamed<'a> {
    head: Map<String, Json>,
    entries: &'a dyn EachEntry,
    reports: usize,
}

struct Files<'a>(&'a dyn EachEntry, usize);

impl Serialize for Streamed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.head.len() + 1))?;
        for (k, v) in &self.head {
            m.serialize_entry(k, v)?;
        }
        m.serialize_entry("files", &Files(self.entries, self.reports))?;
        m.end()
    }
}

impl Serialize for Files<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let mut seq = s.serialize_seq(Some(self.1))?;
        let mut failed = None;
        let visited = self.0.each_entry(&mut |e| {
            seq.serialize_element(&file_json(e)).map_err(|e| {
                let message = e.to_string();
                failed = Some(e);
                std::io::Error::other(message)
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        visited.map_err(S::Error::custom)?;
        seq.end()
    }
}

/// Writes `summary.json` into `out`: [`to_json`], pretty.
pub fn write(
    out: &Path,
    totals: &Totals,
    entries: &dyn EachEntry,
    elapsed: Duration,
    jobs: usize,
    shard: Option<(u32, u32)>,
) -> std::io::Result<()> {
    let value = Streamed {
        head: head(totals, elapsed, jobs, shard),
        entries,
        reports: totals.reports,
    };
    write_atomic(&out.join("summary.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &value)?;
        w.write_all(b"\n")
    })
}

/// The closing paragraph of `ogi extract`, for stderr.
pub fn paragraph(
    totals: &Totals,
    out: &Path,
    elapsed: Duration,
    jobs: usize,
    review: bool,
) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        totals.inputs as f64 / secs
    } else {
        0.0
    };
    let statuses: Vec<String> = Status::ALL
        .iter()
        .filter(|s| totals.status(**s) > 0)
        .map(|s| format!("{} {}", totals.status(*s), s.as_str()))
        .collect();
    let reports = if totals.reports == totals.inputs {
        String::new()
    } else {
        format!(", {} reports", totals.reports)
    };
    let mut text = format!(
        "ogi: {} file{}{reports} in {:.2} s ({:.1} docs/s, {} job{}): {}.",
        totals.inputs,
        plural(totals.inputs),
        secs,
        rate,
        jobs,
        plural(jobs),
        if statuses.is_empty() {
            "nothing".to_string()
        } else {
            statuses.join(", ")
        }
    );
    if !totals.error_kinds.is_empty() {
        let kinds: Vec<String> = totals
            .error_kinds
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        text.push_str(&format!(" Unreadable: {}.", kinds.join(", ")));
    }
    for severity in [Severity::Error, Severity::Warning] {
        let n = totals.severity(severity);
        if n == 0 {
            continue;
        }
        let mut rules: Vec<(&str, usize)> = totals
            .by_rule
            .iter()
            .filter_map(|(r, s)| s.get(&severity).map(|n| (*r, *n)))
            .collect();
        rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let list: Vec<String> = rules.iter().map(|(r, n)| format!("{r} {n}")).collect();
        text.push_str(&format!(
            " {} {}{}: {}.",
            n,
            severity.as_str(),
            plural(n),
            list.join(", ")
        ));
    }
    if totals.severity(Severity::Error) + totals.severity(Severity::Warning) == 0 {
        text.push_str(" No error or warning findings.");
    }
    text.push_str(&format!(
        " Output in {}: {}/, dataset.jsonl, dataset.csv, findings.csv, summary.json",
        out.display(),
        super::REPORTS_DIR,
    ));
    if review {
        text.push_str(&format!(
            "; review pages in {}.",
            out.join(super::review::INDEX_FILE).display()
        ));
    } else {
        text.push_str(" (no review pages).");
    }
    text
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Finding, Report, Source};

    fn entry(path: &str, status: Status, rules: &[(&'static str, Severity)]) -> Entry {
        let mut r = Report::new(Source {
            path: path.into(),
            format: "html".into(),
            ..Source::default()
        });
        r.status = status;
        for (rule, sev) in rules {
            r.findings.push(Finding::new(rule, *sev, vec![], "", ""));
        }
        r.not_assessable.insert("T3-ROW-TOTAL", 2);
        Entry::new(&r, format!("{path}.json"), 0.5)
    }

    #[test]
    fn totals_and_summary_account_for_every_input() {
        let entries = vec![
            entry(
                "a",
                Status::Ok,
                &[
                    ("T3-BALANCE", Severity::Error),
                    ("T3-BALANCE", Severity::Error),
                ],
            ),
            entry("b", Status::Error, &[]),
            entry("c", Status::Ok, &[("S-ROW-SHORT", Severity::Warning)]),
        ];
        let t = Totals::from_entries(&entries);
        assert_eq!(t.inputs, 3);
        assert_eq!(t.status(Status::Ok), 2);
        assert_eq!(t.severity(Severity::Error), 2);
        assert_eq!(t.not_assessable.get("T3-ROW-TOTAL"), Some(&6));
        assert_eq!(t.by_format["html"].count, 3);

        let j = to_json(&t, &entries, Duration::from_millis(1500), 2, None);
        assert!(j.get("shard").is_none());
        let keys: Vec<&String> = j.as_object().expect("o").keys().collect();
        assert_eq!(keys[..4], ["tool", "version", "schema", "inputs"]);
        let shard = to_json(&t, &entries, Duration::from_millis(1500), 2, Some((2, 3)));
        assert_eq!(shard["shard"], "2/3");
        // Written as to_json says, byte for byte.
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            &t,
            &entries,
            Duration::from_millis(1500),
            2,
            Some((2, 3)),
        )
        .expect("write");
        let mut pretty = serde_json::to_vec_pretty(&shard).expect("json");
        pretty.push(b'\n');
        assert_eq!(
            std::fs::read(dir.path().join("summary.json")).expect("read"),
            pretty
        );
        assert_eq!(j["inputs"], json!(3));
        assert_eq!(j["by_status"]["ok"], json!(2));
        assert_eq!(j["by_status"]["legacy"], json!(0));
        assert_eq!(j["by_rule"]["T3-BALANCE"]["error"], json!(2));
        assert_eq!(j["by_severity"]["warning"], json!(1));
        assert_eq!(j["elapsed_seconds"], json!(1.5));
        let files = j["files"].as_array().expect("files");
        assert_eq!(files.len(), 3);
        assert_eq!(files[1]["report"], json!("reports/b.json"));
        assert_eq!(files[0]["errors"], json!(2));

        assert_eq!(j["reports"], json!(3));
        assert!(files[0].get("sheet").is_none());

        let p = paragraph(&t, Path::new("out"), Duration::from_secs(2), 2, true);
        assert!(p.contains("3 files"), "{p}");
        assert!(p.contains("2 ok, 1 error"), "{p}");
        assert!(p.contains("2 errors: T3-BALANCE 2"), "{p}");
        assert!(p.contains("1.5 docs/s"), "{p}");
        assert!(p.contains("review pages in out/index.html"), "{p}");
        assert!(!p.contains("3 reports"), "{p}");
    }

    #[test]
    fn a_workbook_with_a_report_per_sheet_is_one_input() {
        let sheet = |path: &str, name: &str| {
            let mut e = entry(path, Status::Ok, &[]);
            e.sheet = Some(name.into());
            e
        };
        let entries = vec![
            sheet("book.xlsx", "甲"),
            sheet("book.xlsx", "乙"),
            entry("c", Status::Ok, &[]),
        ];
        let t = Totals::from_entries(&entries);
        assert_eq!((t.inputs, t.reports), (2, 3));
        assert_eq!(t.status(Status::Ok), 3);
        assert_eq!(t.by_format["html"].count, 2);
        let j = to_json(&t, &entries, Duration::from_secs(1), 1, None);
        assert_eq!(j["inputs"], json!(2));
        assert_eq!(j["reports"], json!(3));
        assert_eq!(j["files"][1]["sheet"], json!("乙"));
        let p = paragraph(&t, Path::new("out"), Duration::from_secs(1), 1, false);
        assert!(p.contains("2 files, 3 reports"), "{p}");
        assert!(p.ends_with("summary.json (no review pages)."), "{p}");
        assert!(!p.contains("index.html"), "{p}");
    }
}
