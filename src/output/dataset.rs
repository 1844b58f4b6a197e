//! The dataset exports: `dataset.jsonl`, `dataset.csv` and `findings.csv`.
//!
//! They are written in one pass over the report files, in source-path
//! order, re-reading each report from disk: a run never holds more than one
//! report in memory here, whatever the size of the batch.

use super::{write_atomic, Entry, REPORTS_DIR};
use crate::schema::all_value_ids;
use anyhow::Context as _;
use rayon::prelude::*;
use serde_json::Value as Json;
use std::fs;
use std::io::Write;
use std::path::Path;

/// The first columns of `dataset.csv`, before the value columns.
pub const DATASET_FIXED_COLUMNS: &[&str] = &[
    "source.path",
    "source.format",
    "status",
    "meta.title",
    "meta.agency",
    "meta.year",
    "meta.period.start",
    "meta.period.end",
    "meta.published",
    "meta.scope",
    "template.t2",
    "template.t3",
    "template.t4",
    "source.sheet",
];

/// The last columns of `dataset.csv`, after the value columns.
pub const DATASET_COUNT_COLUMNS: &[&str] = &["findings.errors", "findings.warnings"];

/// The columns of `findings.csv`.
pub const FINDINGS_COLUMNS: &[&str] = &[
    "source.path",
    "meta.agency",
    "meta.year",
    "rule",
    "severity",
    "cells",
    "expected",
    "actual",
    "message",
    "message_en",
    "source.sheet",
];

const BOM: &[u8] = "\u{feff}".as_bytes();

/// The header of `dataset.csv`.
pub fn dataset_header() -> Vec<String> {
    DATASET_FIXED_COLUMNS
        .iter()
        .map(|s| s.to_string())
        .chain(all_value_ids())
        .chain(DATASET_COUNT_COLUMNS.iter().map(|s| s.to_string()))
        .collect()
}

/// Writes the three exports into `out` from the report files the entries
/// name (`out/reports/<file>`), in the entries' order.
pub fn write_exports(out: &Path, entries: &[Entry]) -> anyhow::Result<()> {
    let reports = out.join(REPORTS_DIR);
    let header = dataset_header();
    let pointers: Vec<String> = header
        .iter()
        .take(header.len() - DATASET_COUNT_COLUMNS.len())
        .map(|col| format!("/{}", col.replace('.', "/")))
        .collect();

    let jsonl_path = out.join("dataset.jsonl");
    let csv_path = out.join("dataset.csv");
    let findings_path = out.join("findings.csv");
    // Three temporary files filled in one pass, renamed at the end.
    write_atomic(&jsonl_path, |jsonl| {
        write_atomic(&csv_path, |csv_file| {
            write_atomic(&findings_path, |findings_file| {
                csv_file.write_all(BOM)?;
                findings_file.write_all(BOM)?;
                let mut rows = csv::Writer::from_writer(&mut *csv_file);
                let mut frows = csv::Writer::from_writer(&mut *findings_file);
                rows.write_record(&header)?;
                frows.write_record(FINDINGS_COLUMNS)?;
                rows.flush()?;
                frows.flush()?;
                drop((rows, frows));
                // Each report is read and turned into its lines in parallel
                // (on the current rayon pool), a chunk at a time; the lines
                // are written in entry order.
                for chunk in entries.chunks(super::CHUNK) {
                    let parts: Vec<std::io::Result<Lines>> = chunk
                        .par_iter()
                        .map(|entry| lines(&reports, &entry.file, &pointers))
                        .collect();
                    for part in parts {
                        let part = part?;
                        jsonl.write_all(&part.jsonl)?;
                        csv_file.write_all(&part.csv)?;
                        findings_file.write_all(&part.findings)?;
                    }
                }
                Ok(())
            })
        })
    })
    .with_context(|| format!("could not write the dataset exports in {}", out.display()))
}

/// What one report adds to each export.
struct Lines {
    jsonl: Vec<u8>,
    csv: Vec<u8>,
    findings: Vec<u8>,
}

fn lines(reports: &Path, file: &str, pointers: &[String]) -> std::io::Result<Lines> {
    let report = read_report(reports, file)?;
    let mut jsonl = serde_json::to_vec(&report)?;
    jsonl.push(b'\n');
    let mut rows = csv::Writer::from_writer(Vec::new());
    write_dataset_row(&mut rows, &report, pointers)?;
    let mut frows = csv::Writer::from_writer(Vec::new());
    write_finding_rows(&mut frows, &report)?;
    let done = |w: csv::Writer<Vec<u8>>| {
        w.into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    };
    Ok(Lines {
        jsonl,
        csv: done(rows)?,
        findings: done(frows)?,
    })
}

pub(super) fn read_report(reports: &Path, file: &str) -> std::io::Result<Json> {
    let path = reports.join(file);
    let bytes = fs::read(&path)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} is not a report: {e}", path.display()),
        )
    })
}

fn write_dataset_row(
    rows: &mut csv::Writer<Vec<u8>>,
    report: &Json,
    pointers: &[String],
) -> std::io::Result<()> {
    let mut record: Vec<String> = pointers.iter().map(|p| field(report.pointer(p))).collect();
    let (errors, warnings) = severity_counts(report);
    record.push(errors.to_string());
    record.push(warnings.to_string());
    rows.write_record(&record)?;
    Ok(())
}

fn write_finding_rows(rows: &mut csv::Writer<Vec<u8>>, report: &Json) -> std::io::Result<()> {
    let path = field(report.pointer("/source/path"));
    let sheet = field(report.pointer("/source/sheet"));
    let agency = field(report.pointer("/meta/agency"));
    let year = field(report.pointer("/meta/year"));
    for f in findings(report) {
        let cells: Vec<String> = f
            .get("cells")
            .and_then(Json::as_array)
            .map(|a| a.iter().map(|c| field(Some(c))).collect())
            .unwrap_or_default();
        rows.write_record([
            path.as_str(),
            agency.as_str(),
            year.as_str(),
            &field(f.get("rule")),
            &field(f.get("severity")),
            &cells.join(";"),
            &field(f.get("expected")),
            &field(f.get("actual")),
            &field(f.get("message")),
            &field(f.get("message_en")),
            sheet.as_str(),
        ])?;
    }
    Ok(())
}

fn findings(report: &Json) -> impl Iterator<Item = &Json> {
    report
        .get("findings")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
}

/// (errors, warnings) among a report's findings.
fn severity_counts(report: &Json) -> (usize, usize) {
    let mut n = (0, 0);
    for f in findings(report) {
        match f.get("severity").and_then(Json::as_str) {
            Some("error") => n.0 += 1,
            Some("warning") => n.1 += 1,
            _ => {}
        }
    }
    n
}

/// A JSON value as a CSV field: null and absent are empty, strings bare,
/// numbers as JSON writes them.
fn field(v: Option<&Json>) -> String {
    match v {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{report_json, write_report, Entry};
    use crate::schema::{CellRecord, CellState, Finding, Num, Report, Severity, Source, Status};

    fn sample(path: &str) -> Report {
        let mut r = Report::new(Source {
            path: path.into(),
            format: "text".into(),
            ..Source::default()
        });
        r.meta.agency = Some("某区".into());
        r.meta.year = Some(2024);
        r.cells.insert(
            "t3.new_received.natural_person".into(),
            CellRecord {
                value: Some(Num::Int(7)),
                state: CellState::Ok,
                raw: Some("7".into()),
                at: None,
                rule: None,
            },
        );
        r.findings.push(
            Finding::new(
                "T3-BALANCE",
                Severity::Error,
                vec!["t3.a.b".into(), "t3.c.d".into()],
                "表三：不平衡",
                "table 3: off, by one",
            )
            .with_numbers(Num::Int(2), Num::Int(3)),
        );
        r
    }

    #[test]
    fn exports_follow_the_reports_on_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let reports = dir.path().join(REPORTS_DIR);
        fs::create_dir_all(&reports).expect("mkdir");
        let mut a = sample("in/a.txt");
        a.source.sheet = Some("甲县".into());
        let mut b = Report::error(Source::default(), "empty", "the file is empty");
        b.source.path = "in/b.txt".into();
        b.status = Status::Error;
        write_report(&reports, "a.json", &a).expect("write");
        write_report(&reports, "b.json", &b).expect("write");
        let entries = [
            Entry::new(&a, "a.json".into(), 0.0),
            Entry::new(&b, "b.json".into(), 0.0),
        ];
        write_exports(dir.path(), &entries).expect("exports");

        let jsonl = fs::read_to_string(dir.path().join("dataset.jsonl")).expect("jsonl");
        let lines: Vec<Json> = jsonl
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines, vec![report_json(&a), report_json(&b)]);

        let csv_bytes = fs::read(dir.path().join("dataset.csv")).expect("csv");
        assert!(csv_bytes.starts_with(BOM));
        let mut rdr = csv::Reader::from_reader(&csv_bytes[BOM.len()..]);
        let header: Vec<String> = rdr
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(header, dataset_header());
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
        assert_eq!(rows.len(), 2);
        let col = |name: &str| header.iter().position(|h| h == name).expect(name);
        assert_eq!(&rows[0][col("t3.new_received.natural_person")], "7");
        assert_eq!(&rows[0][col("meta.agency")], "某区");
        assert_eq!(&rows[0][col("findings.errors")], "1");
        assert_eq!(&rows[0][col("source.sheet")], "甲县");
        assert_eq!(&rows[1][col("source.sheet")], "");
        assert_eq!(&rows[1][col("status")], "error");
        assert_eq!(&rows[1][col("t3.new_received.natural_person")], "");

        let f_bytes = fs::read(dir.path().join("findings.csv")).expect("findings");
        let mut rdr = csv::Reader::from_reader(&f_bytes[BOM.len()..]);
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][0], "in/a.txt");
        assert_eq!(&rows[0][2], "2024");
        assert_eq!(&rows[0][5], "t3.a.b;t3.c.d");
        assert_eq!((&rows[0][6], &rows[0][7]), ("2", "3"));
        assert_eq!(&rows[0][9], "table 3: off, by one");
        assert_eq!(&rows[0][10], "甲县");
    }

    #[test]
    fn a_missing_report_file_fails_the_export() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = sample("a");
        let err = write_exports(dir.path(), &[Entry::new(&a, "nope.json".into(), 0.0)]);
        assert!(err.is_err());
        assert!(!dir.path().join("dataset.csv").exists());
    }
}
