//! The dataset exports: `dataset.jsonl`, `dataset.csv` and `findings.csv`.
//!
//! Each report's rows are rendered by [`super::parts`] from the report's
//! JSON when it is written, and the files assembled from them in
//! source-path order once the batch is complete.

use super::view::View;
use crate::schema::all_value_ids;
use std::io::Write;

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

/// The columns of `dataset.csv` a report's fields fill ([`View::field`]):
/// every column but the finding counts.
pub(super) fn value_columns() -> Vec<String> {
    let mut header = dataset_header();
    header.truncate(header.len() - DATASET_COUNT_COLUMNS.len());
    header
}

/// The start of `dataset.csv` and `findings.csv`: a BOM (for Excel) and
/// the header row.
pub(super) fn write_heads(
    csv_file: &mut dyn Write,
    findings_file: &mut dyn Write,
    header: &[String],
) -> std::io::Result<()> {
    csv_file.write_all(BOM)?;
    findings_file.write_all(BOM)?;
    let mut rows = csv::Writer::from_writer(csv_file);
    rows.write_record(header)?;
    rows.flush()?;
    let mut frows = csv::Writer::from_writer(findings_file);
    frows.write_record(FINDINGS_COLUMNS)?;
    frows.flush()
}

/// Appends the `dataset.csv` row of a report to `buf`; `columns` are
/// [`value_columns`].
pub(super) fn write_csv_row(
    buf: &mut Vec<u8>,
    view: &View<'_>,
    columns: &[String],
) -> std::io::Result<()> {
    let mut rows = csv::Writer::from_writer(buf);
    for column in columns {
        rows.write_field(view.field(column).text().as_bytes())?;
    }
    let (errors, warnings) = severity_counts(view);
    rows.write_field(itoa::Buffer::new().format(errors))?;
    rows.write_field(itoa::Buffer::new().format(warnings))?;
    rows.write_record(None::<&[u8]>)?;
    rows.flush()
}

/// Appends the `findings.csv` rows of a report to `buf`.
pub(super) fn write_finding_rows(buf: &mut Vec<u8>, view: &View<'_>) -> std::io::Result<()> {
    let mut rows = csv::Writer::from_writer(buf);
    let path = view.path.text();
    let sheet = view.sheet.text();
    let agency = view.agency.text();
    let year = view.year.text();
    for f in &view.findings {
        let cells: Vec<std::borrow::Cow<'_, str>> = f.cell_vals.iter().map(|c| c.text()).collect();
        rows.write_record([
            &*path,
            &*agency,
            &*year,
            &f.rule.text(),
            &f.severity.text(),
            &cells.join(";"),
            &f.expected.text(),
            &f.actual.text(),
            &f.message.text(),
            &f.message_en.text(),
            &*sheet,
        ])?;
    }
    rows.flush()
}

fn severity_counts(view: &View<'_>) -> (usize, usize) {
    let mut n = (0, 0);
    for f in &view.findings {
        match f.severity.as_str() {
            Some("error") => n.0 += 1,
            Some("warning") => n.1 += 1,
            _ => {}
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::parts::write_from_files;
    use crate::output::{report_json, write_report, Entry, Totals, REPORTS_DIR};
    use crate::schema::{CellRecord, CellState, Finding, Num, Report, Severity, Source, Status};
    use std::fs;

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
        write_from_files(dir.path(), &entries, &Totals::from_entries(&entries)).expect("exports");

        let jsonl = fs::read_to_string(dir.path().join("dataset.jsonl")).expect("jsonl");
        let lines: Vec<serde_json::Value> = jsonl
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
        let entries = [Entry::new(&a, "nope.json".into(), 0.0)];
        let err = write_from_files(dir.path(), &entries, &Totals::from_entries(&entries));
        assert!(err.is_err());
        assert!(!dir.path().join("dataset.csv").exists());
    }
}
