//! Workbooks with several sheets: a report on each sheet gives a report per
//! sheet (`reports/<name>#<sheet>.json`), a report whose tables are spread
//! over the sheets gives one report, and every output of a run (reports,
//! summary, dataset, findings, review pages, cross-report findings) keeps
//! the reports of one workbook apart.

mod support;

use ogi::pipeline::{process_bytes_all, run_extract, ExtractOptions};
use ogi::schema::{Source, Status, Template};
use rust_xlsxwriter::{Format, FormatBorder, Workbook};
use serde_json::Value as Json;
use std::fs;
use std::path::Path;
use support::expect::compare;
use support::outputs::{csv_rows, snapshot};
use support::render::{self, ReportSpec, SCell, Variants};

/// A workbook of named sheets, each a list of cells (merges, numbers,
/// strings and bordered blanks written as a spreadsheet program stores
/// them).
fn workbook(sheets: &[(String, Vec<SCell>)]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let boxed = Format::new().set_border(FormatBorder::Thin);
    let plain = Format::new();
    for (name, cells) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name).expect("sheet name");
        for c in cells {
            let fmt = if c.boxed { &boxed } else { &plain };
            let (r, col) = (c.row as u32, c.col as u16);
            if c.rowspan > 1 || c.colspan > 1 {
                let (r2, c2) = (
                    (c.row + c.rowspan - 1) as u32,
                    (c.col + c.colspan - 1) as u16,
                );
                let text = if c.number.is_some() { "" } else { &c.text };
                ws.merge_range(r, col, r2, c2, text, fmt).expect("merge");
                if let Some(n) = c.number {
                    ws.write_number_with_format(r, col, n, fmt).expect("number");
                }
            } else if let Some(n) = c.number {
                ws.write_number_with_format(r, col, n, fmt).expect("number");
            } else if c.text.is_empty() {
                ws.write_blank(r, col, fmt).expect("blank");
            } else {
                ws.write_string_with_format(r, col, &c.text, fmt)
                    .expect("string");
            }
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

/// Three agencies' reports of one year, prepared (the expected values are
/// exact).
fn three_agencies() -> Vec<ReportSpec> {
    ["青山区", "临河县人民政府", "云溪市生态环境局"]
        .iter()
        .enumerate()
        .map(|(i, agency)| {
            let mut spec = render::consistent(100 + i as u64, Template::Y2021);
            spec.agency = agency.to_string();
            spec.year = 2024;
            render::prepare(&spec, &Variants::plain())
        })
        .collect()
}

/// Sheet names as offices write them: the agency, one with a space.
fn sheet_name(i: usize, spec: &ReportSpec) -> String {
    if i == 1 {
        format!("{} 2024", spec.agency)
    } else {
        spec.agency.clone()
    }
}

fn book_per_agency(specs: &[ReportSpec]) -> Vec<u8> {
    let sheets: Vec<(String, Vec<SCell>)> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let model = render::sheet_model(spec, &Variants::plain());
            (sheet_name(i, spec), model.cells)
        })
        .collect();
    workbook(&sheets)
}

fn check_values(label: &str, spec: &ReportSpec, got: &Json, problems: &mut Vec<String>) {
    compare(
        Path::new(label),
        &render::expected_json(spec),
        got,
        problems,
    );
}

#[test]
fn a_report_per_sheet_gives_a_report_per_sheet() {
    let specs = three_agencies();
    let bytes = book_per_agency(&specs);
    let reports = process_bytes_all(
        &bytes,
        Source {
            path: "in/book.xlsx".into(),
            ..Source::default()
        },
    );
    assert_eq!(reports.len(), 3);
    let mut problems = Vec::new();
    for (i, (spec, report)) in specs.iter().zip(&reports).enumerate() {
        assert_eq!(report.source.sheet.as_deref(), Some(&*sheet_name(i, spec)));
        assert_eq!(report.source.path, "in/book.xlsx");
        assert_eq!(report.source.format, "xlsx");
        assert_eq!(report.status, Status::Ok, "{}", spec.agency);
        check_values(&sheet_name(i, spec), spec, &report.to_json(), &mut problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The sheets' figures differ, so no report took another sheet's table.
    assert_ne!(reports[0].to_json()["t3"], reports[1].to_json()["t3"]);
}

#[test]
fn a_report_spread_over_sheets_is_one_report() {
    let spec = &three_agencies()[0];
    let model = render::sheet_model(spec, &Variants::plain());
    // Cut the sheet at the headings before each table: the title and table
    // 二 on the first sheet, 三 on the second, 四 on the third.
    let headings: Vec<usize> = model
        .cells
        .iter()
        .filter(|c| c.bold && !c.boxed && c.colspan == 1)
        .map(|c| c.row)
        .collect();
    assert_eq!(headings.len(), 3, "one heading per table");
    let part = |k: usize| -> Vec<SCell> {
        let from = if k == 0 { 0 } else { headings[k] };
        let to = headings.get(k + 1).copied().unwrap_or(usize::MAX);
        model
            .cells
            .iter()
            .filter(|c| c.row >= from && c.row < to)
            .cloned()
            .collect()
    };
    let bytes = workbook(&[
        ("表二".to_string(), part(0)),
        ("表三".to_string(), part(1)),
        ("表四".to_string(), part(2)),
    ]);
    let reports = process_bytes_all(
        &bytes,
        Source {
            path: "in/tables.xlsx".into(),
            ..Source::default()
        },
    );
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_eq!(report.status, Status::Ok);
    assert_eq!(report.source.sheet, None);
    let mut problems = Vec::new();
    check_values("tables.xlsx", spec, &report.to_json(), &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // A report on one sheet and notes on another: one report too.
    let mut sheets = vec![(
        "报告".to_string(),
        render::sheet_model(spec, &Variants::plain()).cells,
    )];
    let mut note = part(0);
    note.truncate(1);
    note[0].text = "填表说明：本表由办公室填写。".into();
    sheets.push(("说明".to_string(), note));
    let reports = process_bytes_all(
        &workbook(&sheets),
        Source {
            path: "in/notes.xlsx".into(),
            ..Source::default()
        },
    );
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].status, Status::Ok);
}

fn read_json(path: &Path) -> Json {
    serde_json::from_slice(&fs::read(path).expect("read")).expect("json")
}

#[test]
fn a_run_keeps_the_reports_of_a_workbook_apart() {
    let specs = three_agencies();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir_all(&input).expect("mkdir");
    let bytes = book_per_agency(&specs);
    fs::write(input.join("book.xlsx"), &bytes).expect("write");
    // The same workbook again: each sheet is a copy of its namesake only.
    fs::write(input.join("copy.xlsx"), &bytes).expect("write");
    let out = dir.path().join("out");
    let mut opts = ExtractOptions::new(vec![input.clone()], out.clone());
    opts.quiet = true;
    opts.jobs = Some(2);
    let run = run_extract(&opts).expect("run");
    assert_eq!(run.totals.reports, 6);
    assert_eq!((run.totals.inputs, run.totals.reports), (2, 6));

    let names = [
        "book.xlsx#青山区.json",
        "book.xlsx#临河县人民政府_2024.json",
        "book.xlsx#云溪市生态环境局.json",
    ];
    let mut problems = Vec::new();
    for (i, (spec, name)) in specs.iter().zip(names).enumerate() {
        let report = read_json(&out.join("reports").join(name));
        assert_eq!(report["source"]["sheet"], sheet_name(i, spec).as_str());
        check_values(name, spec, &report, &mut problems);
        // X-DUPLICATE names the copy's sheet of the same name, and only it.
        let dups: Vec<&Json> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == "X-DUPLICATE")
            .collect();
        assert_eq!(dups.len(), 1, "{name}: {dups:#?}");
        assert_eq!(dups[0]["detail"]["count"], 1);
        let other = &dups[0]["detail"]["others"][0];
        assert!(
            other["path"].as_str().expect("path").ends_with("copy.xlsx"),
            "{other}"
        );
        assert_eq!(other["sheet"], sheet_name(i, spec).as_str());
        assert_eq!(other["reason"], "same_content");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // summary.json: two inputs, six reports, each file with its sheet.
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["inputs"], 2);
    assert_eq!(summary["reports"], 6);
    assert_eq!(summary["by_format"]["xlsx"], 2);
    assert_eq!(summary["by_status"]["ok"], 6);
    let files = summary["files"].as_array().expect("files");
    assert_eq!(files.len(), 6);
    // A workbook's reports in file-name order (as `--resume` and `merge`
    // find them).
    assert_eq!(
        files[0]["report"],
        "reports/book.xlsx#临河县人民政府_2024.json"
    );
    assert_eq!(files[0]["sheet"], "临河县人民政府 2024");

    // dataset.csv: a row per report, told apart by source.sheet.
    let (header, rows) = csv_rows(&out.join("dataset.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert_eq!(rows.len(), 6);
    let sheets: Vec<&str> = rows.iter().map(|r| &r[col("source.sheet")]).collect();
    assert_eq!(
        &sheets[..3],
        ["临河县人民政府 2024", "云溪市生态环境局", "青山区"]
    );
    assert_eq!(&rows[2][col("meta.agency")], "青山区");
    assert_eq!(
        &rows[1][col("t3.new_received.natural_person")],
        specs[2]
            .v("t3.new_received.natural_person")
            .to_string()
            .as_str()
    );
    // findings.csv: the X-DUPLICATE rows name their sheet.
    let (fheader, frows) = csv_rows(&out.join("findings.csv"));
    let fcol = |name: &str| fheader.iter().position(|h| h == name).expect(name);
    let dup_sheets: Vec<&str> = frows
        .iter()
        .filter(|r| &r[fcol("rule")] == "X-DUPLICATE")
        .map(|r| &r[fcol("source.sheet")])
        .collect();
    assert_eq!(dup_sheets.len(), 6);
    assert!(dup_sheets.iter().all(|s| !s.is_empty()));

    // Review pages: one per report, the index lists each with its sheet.
    for name in names {
        let page = out.join("review").join(name.replace(".json", ".html"));
        let html = fs::read_to_string(&page).expect("review page");
        assert!(html.contains("工作表"), "{}", page.display());
    }
    let index = fs::read_to_string(out.join("index.html")).expect("index");
    assert!(index.contains("（工作表 临河县人民政府 2024）"));
    assert!(index.contains("review/book.xlsx%23"), "links escape the #");
    assert!(index.contains("id=\"total-reports\">6<"));

    // ogi check prints each sheet's report under its own header.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ogi"))
        .current_dir(dir.path())
        .args(["check", "in/book.xlsx"])
        .output()
        .expect("run ogi");
    let text = String::from_utf8(o.stdout).expect("utf-8");
    let headers: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("in/book.xlsx#"))
        .collect();
    assert_eq!(headers.len(), 3, "{text}");
    assert!(
        headers[1].starts_with("in/book.xlsx#临河县人民政府 2024  [ok]"),
        "{text}"
    );
}

#[test]
fn resume_takes_over_a_workbook_only_with_all_its_sheet_reports() {
    let specs = three_agencies();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir_all(&input).expect("mkdir");
    fs::write(input.join("book.xlsx"), book_per_agency(&specs)).expect("write");
    fs::write(
        input.join("one.txt"),
        render::to_text(&specs[0], &Variants::plain()),
    )
    .expect("write");
    let out = dir.path().join("out");
    let run = |resume: bool| {
        let mut opts = ExtractOptions::new(vec![input.clone()], out.clone());
        opts.quiet = true;
        opts.resume = resume;
        run_extract(&opts).expect("run")
    };
    let first = run(false);
    assert_eq!((first.totals.inputs, first.totals.reports), (2, 4));
    let written = snapshot(&out);
    let sheets: Vec<&std::path::PathBuf> = written
        .keys()
        .filter(|k| k.to_string_lossy().starts_with("reports/book.xlsx#"))
        .collect();
    assert_eq!(sheets.len(), 3, "{sheets:?}");
    for name in &sheets {
        let report: Json = serde_json::from_slice(&written[*name]).expect("json");
        assert_eq!(report["source"]["sheet_reports"], 3, "{}", name.display());
    }

    // All there: both inputs taken over, the same files.
    let again = run(true);
    assert_eq!(again.reused, 2);
    assert!(snapshot(&out) == written, "a resumed run changed files");

    // A killed run may leave only some of a workbook's sheets: the
    // workbook is read again, the text report still taken over.
    fs::remove_file(out.join(sheets[1])).expect("remove");
    let partial = run(true);
    assert_eq!(partial.reused, 1);
    assert!(
        snapshot(&out) == written,
        "the workbook was not written again"
    );

    // Another run's sheet file of another version is not taken over.
    let path = out.join(sheets[0]);
    let mut report: Json = serde_json::from_slice(&written[sheets[0]]).expect("json");
    report["tool"]["version"] = Json::from("0.0.0");
    fs::write(&path, serde_json::to_vec_pretty(&report).expect("json")).expect("write");
    assert_eq!(run(true).reused, 1);
    assert!(snapshot(&out) == written);
}
