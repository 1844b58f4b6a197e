//! The `ogi` binary end to end: exports, accounting, broken inputs, exit
//! codes. The normaliser and checker may be stand-ins here, so these tests
//! assert structure and accounting, not report values.

mod support;
use support::run::{ogi, stderr};

use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::outputs::csv_rows;

fn put(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, bytes).expect("write");
}

fn read_json(path: &Path) -> Json {
    serde_json::from_slice(&fs::read(path).expect("read")).expect("json")
}

/// A small tree of inputs: a page with a table, one without, text, and a
/// nested folder.
fn inputs(root: &Path) {
    put(
        &root.join("html/report.html"),
        "<html><body><h1>某区2024年政府信息公开工作年度报告</h1>\
         <table><tr><td>规章</td><td>0</td></tr></table></body></html>"
            .as_bytes(),
    );
    put(
        &root.join("html/notice.html"),
        "<html><body><p>关于召开会议的通知</p></body></html>".as_bytes(),
    );
    put(
        &root.join("text/report.txt"),
        "某县2023年政府信息公开工作年度报告\n一、总体情况\n".as_bytes(),
    );
    put(&root.join("text/nested/deeper/x.txt"), b"plain words\n");
}

/// The relative paths of every file under `dir`.
fn tree(dir: &Path) -> BTreeSet<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).expect("prefix").to_path_buf())
        .collect()
}

/// Checks that `out` holds a complete, consistent run over `expected`
/// source paths; returns `summary.json`.
fn assert_complete_run(out: &Path, expected: &BTreeSet<String>) -> Json {
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["inputs"].as_u64(), Some(expected.len() as u64));
    assert_eq!(summary["schema"], "ogi-report/1");
    let by_status: u64 = summary["by_status"]
        .as_object()
        .expect("by_status")
        .values()
        .map(|v| v.as_u64().expect("count"))
        .sum();
    assert_eq!(by_status, expected.len() as u64);

    // Every input is listed once, with a report file that exists and says so.
    let files = summary["files"].as_array().expect("files");
    let listed: BTreeSet<String> = files
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect();
    assert_eq!(&listed, expected);
    let mut report_files = BTreeSet::new();
    for f in files {
        let rel = f["report"].as_str().expect("report");
        let report = read_json(&out.join(rel));
        assert_eq!(report["source"]["path"], f["path"]);
        assert_eq!(report["status"], f["status"]);
        assert_eq!(report["schema"], "ogi-report/1");
        assert!(report_files.insert(rel.to_string()), "{rel} listed twice");
    }
    let on_disk: BTreeSet<String> = tree(&out.join("reports"))
        .into_iter()
        .map(|p| format!("reports/{}", p.display()))
        .collect();
    assert_eq!(
        on_disk, report_files,
        "reports/ holds exactly one file per input"
    );

    // review/: one page per report, and the index.
    let pages: BTreeSet<String> = tree(&out.join("review"))
        .into_iter()
        .map(|p| {
            let page = p.display().to_string();
            let stem = page.strip_suffix(".html").expect("an .html page");
            format!("reports/{stem}.json")
        })
        .collect();
    assert_eq!(pages, report_files, "review/ holds one page per report");
    assert!(out.join("index.html").is_file());

    // dataset.jsonl: one line per report, sorted by source path.
    let jsonl = fs::read_to_string(out.join("dataset.jsonl")).expect("jsonl");
    let paths: Vec<String> = jsonl
        .lines()
        .map(|l| {
            let v: Json = serde_json::from_str(l).expect("jsonl line");
            v["source"]["path"].as_str().expect("path").to_string()
        })
        .collect();
    assert_eq!(paths, expected.iter().cloned().collect::<Vec<_>>());

    // dataset.csv: BOM, the fixed columns, every value column, the counts.
    let (header, rows) = csv_rows(&out.join("dataset.csv"));
    assert_eq!(header[0], "source.path");
    assert!(header.contains(&"t3.new_received.natural_person".to_string()));
    assert!(header.contains(&"t4.review.total".to_string()));
    let values = ogi::schema::all_value_ids();
    assert_eq!(
        header.len(),
        ogi::output::DATASET_FIXED_COLUMNS.len() + values.len() + 2
    );
    assert_eq!(header.last().map(String::as_str), Some("findings.warnings"));
    assert_eq!(rows.len(), expected.len());
    for (row, path) in rows.iter().zip(expected) {
        assert_eq!(&row[0], path);
    }

    let (fheader, _) = csv_rows(&out.join("findings.csv"));
    assert_eq!(fheader, ogi::output::FINDINGS_COLUMNS);
    assert!(
        !tree(out)
            .iter()
            .any(|p| p.to_string_lossy().contains(".tmp")),
        "temporary files left behind"
    );
    summary
}

fn paths_under(dir: &str, rels: &[&str]) -> BTreeSet<String> {
    rels.iter().map(|r| format!("{dir}/{r}")).collect()
}

#[test]
fn extract_writes_every_export_and_accounts_for_every_input() {
    let tmp = tempfile::tempdir().expect("tempdir");
    inputs(&tmp.path().join("in"));
    put(&tmp.path().join("in/.hidden.html"), b"<html></html>");
    let o = ogi(tmp.path(), &["extract", "in", "--out", "out", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "extract prints nothing on stdout");
    assert!(o.stderr.is_empty(), "--quiet: {}", stderr(&o));
    let expected = paths_under(
        "in",
        &[
            "html/notice.html",
            "html/report.html",
            "text/nested/deeper/x.txt",
            "text/report.txt",
        ],
    );
    let summary = assert_complete_run(&tmp.path().join("out"), &expected);
    let names: BTreeSet<&str> = summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["report"].as_str().expect("report"))
        .collect();
    assert!(
        names.contains("reports/text__nested__deeper__x.txt.json"),
        "{names:?}"
    );
    assert_eq!(summary["by_format"]["html"], 2);

    // Without --quiet, a closing paragraph on stderr.
    let o = ogi(tmp.path(), &["extract", "in", "--out", "out2"]);
    assert!(o.status.success());
    let err = stderr(&o);
    assert!(err.contains("4 files") && err.contains("out2"), "{err}");
}

// Broken and hostile inputs (empty, junk, bad encodings, symlink loops,
// pipes, unreadable files, size limits) and an unwritable output folder:
// tests/hostile.rs, the one list of them.

#[test]
fn no_inputs_or_a_missing_path_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(tmp.path().join("empty")).expect("mkdir");
    put(&tmp.path().join("hidden-only/.x.html"), b"<html></html>");
    for args in [
        &["extract", "empty", "--out", "out"][..],
        &["extract", "hidden-only", "--out", "out"],
        &["extract", "nope", "--out", "out"],
        &["extract"],
        &["extract", "empty", "--jobs", "0"],
        &["check", "nope"],
        &["frobnicate"],
    ] {
        let o = ogi(tmp.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!o.stderr.is_empty(), "{args:?} says why");
    }
    assert!(stderr(&ogi(tmp.path(), &["extract", "nope"])).contains("nope"));
}

#[test]
fn exports_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("in");
    for i in 0..24 {
        inputs(&dir.join(format!("batch{i:02}")));
        put(&dir.join(format!("junk{i}.html")), &[0u8, 1, 2, i as u8, 0]);
    }
    for (jobs, out) in [("1", "out1"), ("3", "out3")] {
        let o = ogi(
            tmp.path(),
            &["extract", "in", "--out", out, "--quiet", "--jobs", jobs],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (a, b) = (tmp.path().join("out1"), tmp.path().join("out3"));
    let files = tree(&a);
    assert_eq!(files, tree(&b));
    // A report and a review page per input; the three exports, the
    // summary and index.html.
    assert_eq!(files.len(), 24 * 5 * 2 + 5);
    for f in &files {
        if f == Path::new("summary.json") {
            continue;
        }
        assert!(
            fs::read(a.join(f)).expect("a") == fs::read(b.join(f)).expect("b"),
            "{} differs between --jobs 1 and --jobs 3",
            f.display()
        );
    }
    assert_eq!(read_json(&a.join("summary.json"))["jobs"], 1);
    assert_eq!(read_json(&b.join("summary.json"))["jobs"], 3);
}

#[test]
fn colliding_names_give_distinct_report_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    put(&tmp.path().join("in/a/x.txt"), b"first");
    put(&tmp.path().join("in/b/x.txt"), b"second");
    put(&tmp.path().join("in/a b.txt"), b"third");
    put(&tmp.path().join("in/a_b.txt"), b"fourth");

    // One root: the folder names keep them apart, except where sanitising
    // merges two names.
    let o = ogi(tmp.path(), &["extract", "in", "--out", "one", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all = paths_under("in", &["a b.txt", "a/x.txt", "a_b.txt", "b/x.txt"]);
    assert_complete_run(&tmp.path().join("one"), &all);
    let names = tree(&tmp.path().join("one/reports"));
    assert!(names.contains(Path::new("a__x.txt.json")), "{names:?}");
    assert!(names.contains(Path::new("b__x.txt.json")), "{names:?}");

    // Two roots: both files are `x.txt` relative to their root.
    let o = ogi(
        tmp.path(),
        &["extract", "in/a", "in/b", "--out", "two", "--quiet"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = assert_complete_run(
        &tmp.path().join("two"),
        &paths_under("in", &["a/x.txt", "b/x.txt"]),
    );
    let sha: BTreeSet<String> = summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let r = read_json(
                &tmp.path()
                    .join("two")
                    .join(f["report"].as_str().expect("r")),
            );
            r["source"]["sha256"].as_str().expect("sha").to_string()
        })
        .collect();
    assert_eq!(sha.len(), 2, "each report is its own input's");
}

#[test]
fn an_output_folder_inside_the_input_is_not_read_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    inputs(&tmp.path().join("in"));
    for _ in 0..2 {
        let o = ogi(tmp.path(), &["extract", "in", "--out", "in/out", "--quiet"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let summary = read_json(&tmp.path().join("in/out/summary.json"));
        assert_eq!(summary["inputs"], 4);
    }
}

#[test]
fn rules_lists_every_rule() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = ogi(tmp.path(), &["rules"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    let rules: Vec<(&str, &str)> = ogi::check::RULES
        .iter()
        .map(|r| (r.id(), r.summary()))
        .chain(
            ogi::check::BATCH_RULES
                .iter()
                .map(|r| (r.id(), r.summary())),
        )
        .collect();
    assert_eq!(lines.len(), rules.len());
    for (line, (id, summary)) in lines.iter().zip(&rules) {
        assert!(line.starts_with(id), "{line}");
        assert!(line.contains(summary), "{line}");
    }
    assert!(text.contains("X-CARRY-OVER"));
}

#[test]
fn check_exit_codes_follow_the_findings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    put(&tmp.path().join("junk.html"), &[0u8, 1, 2, 0, 0, 0, 9]);
    inputs(&tmp.path().join("in"));

    // Unreadable: exit 1, and the header names the file.
    let o = ogi(tmp.path(), &["check", "junk.html"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).expect("utf-8");
    assert!(text.starts_with("junk.html  [error]"), "{text}");

    // For every input, the exit code is what its report says it should be.
    for file in tree(&tmp.path().join("in")) {
        let path = format!("in/{}", file.display());
        let o = ogi(tmp.path(), &["check", "--json", &path]);
        let report: Json = serde_json::from_slice(&o.stdout).expect("report json");
        assert_eq!(report["source"]["path"], path.as_str());
        let fails = report["status"] == "error"
            || report["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .any(|f| f["severity"] == "error");
        let want = if fails { 1 } else { 0 };
        assert_eq!(o.status.code(), Some(want), "check --json {path}");
        let o = ogi(tmp.path(), &["check", &path]);
        assert_eq!(o.status.code(), Some(want), "check {path}");
        let text = String::from_utf8(o.stdout).expect("utf-8");
        let status = report["status"].as_str().expect("status");
        assert!(text.starts_with(&format!("{path}  [{status}]")), "{text}");
        for f in report["findings"].as_array().expect("findings") {
            assert!(text.contains(f["message"].as_str().expect("message")));
        }
    }
    // check writes nothing.
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn version_is_printed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = ogi(tmp.path(), &["--version"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).expect("utf-8");
    assert_eq!(text.trim(), format!("ogi {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    use std::process::Stdio;
    let tmp = tempfile::tempdir().expect("tempdir");
    // Far more output than a pipe buffers (64 KiB), so that ogi must meet
    // the closed pipe whatever the timing.
    for i in 0..400 {
        put(&tmp.path().join(format!("in/f{i:03}.txt")), b"x");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_ogi"))
        .current_dir(tmp.path())
        .args(["check", "--json", "in"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

/// `--no-review`: the reports and exports of a run with review pages, and
/// no page; the pages an earlier run left in the folder are removed.
#[test]
fn no_review_writes_the_same_data_without_pages() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    inputs(&dir.join("in"));
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/text");
    for e in fs::read_dir(&samples).expect("samples") {
        let path = e.expect("entry").path();
        let name = path.file_name().expect("name").to_owned();
        put(
            &dir.join("in/samples").join(name),
            &fs::read(&path).expect("read"),
        );
    }
    let run = |args: &[&str]| {
        let o = ogi(dir, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        o
    };
    run(&["extract", "in", "--out", "with", "-q"]);
    let o = run(&["extract", "in", "--out", "without", "--no-review"]);
    assert!(
        stderr(&o).trim_end().ends_with("(no review pages)."),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("without/review").exists());
    assert!(!dir.join("without/index.html").exists());
    let data = |out: &str| -> BTreeSet<PathBuf> {
        tree(&dir.join(out))
            .into_iter()
            .filter(|p| !p.starts_with("review") && p != Path::new("index.html"))
            .collect()
    };
    let files = data("with");
    assert!(files.len() >= 9 + 4, "{files:?}");
    assert_eq!(files, tree(&dir.join("without")));
    for f in files.iter().filter(|f| *f != Path::new("summary.json")) {
        assert!(
            fs::read(dir.join("with").join(f)).expect("with")
                == fs::read(dir.join("without").join(f)).expect("without"),
            "{} differs",
            f.display()
        );
    }

    // Into the folder of the run with pages: they go, as they would no
    // longer match the reports.
    assert!(dir.join("with/index.html").is_file());
    run(&["extract", "in", "--out", "with", "-q", "--no-review"]);
    assert!(!dir.join("with/review").exists());
    assert!(!dir.join("with/index.html").exists());
    assert_eq!(data("with"), tree(&dir.join("with")));
}
