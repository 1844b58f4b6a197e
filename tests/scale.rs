//! Corpus-scale runs through the binary: `--resume`, `--shard` + `ogi
//! merge`, a run killed half-way. The inputs are generated reports
//! (`support::render`), many of the same agencies in consecutive years and
//! a few duplicates, so that the cross-report (X) rules have findings and
//! the tests see that they are replaced, never accumulated.

mod support;
use support::run::{ogi, stderr};

use ogi::schema::Template;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::outputs::snapshot;
use support::render::{consistent, to_text, Variants};

/// Runs ogi and asserts that it exits 0.
fn ok(dir: &Path, args: &[&str]) -> Output {
    let o = ogi(dir, args);
    assert!(
        o.status.success(),
        "ogi {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// `n` generated text reports under `dir/in` (2021 and 2019 layouts, ten
/// agencies over a few years), two copies of earlier ones (X-DUPLICATE)
/// and one file that is not a report.
fn corpus(dir: &Path, n: u64) {
    let input = dir.join("in");
    fs::create_dir_all(input.join("copies")).expect("mkdir");
    for i in 0..n {
        let template = if i % 4 == 3 {
            Template::Y2019
        } else {
            Template::Y2021
        };
        let spec = consistent(i, template);
        let text = to_text(&spec, &Variants::plain());
        fs::write(input.join(format!("r{i:04}.txt")), &text).expect("write");
        if i == 1 || i == 2 {
            fs::write(input.join(format!("copies/r{i:04}-copy.txt")), &text).expect("write");
        }
    }
    fs::write(input.join("notice.txt"), "关于召开会议的通知\n".as_bytes()).expect("write");
}

/// Every file of an output directory but `summary.json`, by relative path.
/// `summary.json` without what depends on timing and threads.
fn summary(out: &Path) -> Json {
    let mut s: Json = serde_json::from_slice(&fs::read(out.join("summary.json")).expect("summary"))
        .expect("json");
    let o = s.as_object_mut().expect("object");
    for key in ["elapsed_seconds", "jobs", "format_seconds"] {
        assert!(o.remove(key).is_some(), "summary.json has {key}");
    }
    s
}

/// Asserts that two output directories hold the same files, byte for byte,
/// and the same summary apart from timing.
fn assert_same_output(a: &Path, b: &Path) {
    let (sa, sb) = (snapshot(a), snapshot(b));
    let names = |s: &BTreeMap<PathBuf, Vec<u8>>| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&sa), names(&sb), "{} vs {}", a.display(), b.display());
    for (path, bytes) in &sa {
        assert!(
            &sb[path] == bytes,
            "{} differs between {} and {}",
            path.display(),
            a.display(),
            b.display()
        );
    }
    assert_eq!(summary(a), summary(b));
}

fn read_json(path: &Path) -> Json {
    serde_json::from_slice(&fs::read(path).expect("read")).expect("json")
}

/// The report file of an input, from `summary.json`.
fn report_of(out: &Path, input: &str) -> PathBuf {
    let s = read_json(&out.join("summary.json"));
    let file = s["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == input)
        .unwrap_or_else(|| panic!("{input} not in the summary"))["report"]
        .as_str()
        .expect("report")
        .to_string();
    out.join(file)
}

/// How many findings of the X rules the reports under `out` hold.
fn x_findings(out: &Path) -> usize {
    let jsonl = fs::read_to_string(out.join("dataset.jsonl")).expect("jsonl");
    jsonl
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).expect("line"))
        .map(|r| {
            r["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .filter(|f| f["rule"].as_str().is_some_and(|s| s.starts_with("X-")))
                .count()
        })
        .sum()
}

#[test]
fn reruns_with_or_without_resume_give_identical_outputs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    corpus(dir, 40);
    ok(dir, &["extract", "in", "--out", "out", "-q", "-j", "2"]);
    let first = snapshot(&dir.join("out"));
    let first_summary = summary(&dir.join("out"));
    assert!(
        x_findings(&dir.join("out")) >= 4,
        "the corpus has X findings"
    );
    let dup = read_json(&report_of(&dir.join("out"), "in/r0001.txt"));
    assert!(
        dup["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "X-DUPLICATE"),
        "a copy is a duplicate"
    );
    assert_eq!(dup["tool"]["name"], "ogi");
    assert_eq!(dup["tool"]["version"], env!("CARGO_PKG_VERSION"));

    // The same run twice, then resumed twice: the same files each time
    // (the X findings are replaced, not appended again).
    ok(dir, &["extract", "in", "--out", "out2", "-q", "-j", "1"]);
    // A rerun leaves the reports and pages that did not change alone (the
    // same inode, not a copy with the same bytes), X findings and all.
    let modified = |sub: &str| -> Vec<(String, std::time::SystemTime)> {
        let mut v: Vec<_> = fs::read_dir(dir.join("out").join(sub))
            .expect("dir")
            .map(|e| {
                let e = e.expect("entry");
                let name = e.file_name().to_string_lossy().into_owned();
                (name, e.metadata().expect("meta").modified().expect("mtime"))
            })
            .collect();
        v.sort();
        v
    };
    let before = (modified("reports"), modified("review"));
    std::thread::sleep(Duration::from_millis(20));
    for args in [
        &["extract", "in", "--out", "out", "-q"][..],
        &["extract", "in", "--out", "out", "-q", "--resume"],
        &["extract", "in", "--out", "out", "-q", "--resume", "-j", "1"],
    ] {
        ok(dir, args);
        assert!(
            snapshot(&dir.join("out")) == first,
            "{args:?} changed files"
        );
        assert!(
            (modified("reports"), modified("review")) == before,
            "{args:?} rewrote unchanged files"
        );
        assert_eq!(summary(&dir.join("out")), first_summary, "{args:?}");
    }
    assert_same_output(&dir.join("out"), &dir.join("out2"));
}

/// A worker renders the reports that look unrelated to the others as soon
/// as it has written them; the finishing pass renders the rest, and again
/// any early one that gets cross-report findings after all. Either way
/// gives the same files.
#[test]
fn rendering_in_the_workers_changes_no_output() {
    use ogi::pipeline::{run_extract, ExtractOptions};
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    corpus(dir, 40);
    let run = |out: &str, early: bool| {
        let mut opts = ExtractOptions::new(vec![dir.join("in")], dir.join(out));
        opts.quiet = true;
        opts.jobs = Some(2);
        opts.early_render = early;
        run_extract(&opts).expect("run")
    };
    let early = run("early", true);
    let late = run("late", false);
    assert_eq!(late.rendered_early, 0);
    // Ten agencies and a file that is not a report: the first report read
    // of each is rendered early, and kept unless it gets X findings.
    assert!(
        (1..=11).contains(&early.rendered_early),
        "{} of {} rendered early",
        early.rendered_early,
        early.totals.reports
    );
    assert!(
        x_findings(&dir.join("early")) >= 4,
        "the corpus has X findings"
    );
    assert_same_output(&dir.join("early"), &dir.join("late"));

    // A batch of unrelated reports is rendered by the workers alone.
    let lone = tempfile::tempdir().expect("tempdir");
    for i in 0..3u64 {
        let mut spec = consistent(i, Template::Y2021);
        spec.agency = ["甲县", "乙区", "丙市民政局"][i as usize].to_string();
        let text = to_text(&spec, &Variants::plain());
        fs::write(lone.path().join(format!("r{i}.txt")), text).expect("write");
    }
    let mut opts = ExtractOptions::new(vec![lone.path().to_path_buf()], dir.join("lone"));
    opts.quiet = true;
    let run = run_extract(&opts).expect("run");
    assert_eq!(run.rendered_early, 3);
    assert_eq!(x_findings(&dir.join("lone")), 0);
}

#[test]
fn resume_reuses_only_what_this_version_wrote_from_the_same_bytes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    corpus(dir, 12);
    let out = dir.join("out");
    ok(dir, &["extract", "in", "--out", "out", "-q"]);

    // Mark three reports so that we can tell reuse from a new reading.
    let mark = |input: &str, f: &dyn Fn(&mut Json)| {
        let path = report_of(&out, input);
        let mut r = read_json(&path);
        r["meta"]["title"] = Json::from("MARKED");
        f(&mut r);
        fs::write(&path, serde_json::to_vec_pretty(&r).expect("json")).expect("write");
    };
    mark("in/r0003.txt", &|_| {});
    mark("in/r0004.txt", &|r| {
        r["tool"]["version"] = Json::from("0.0.0")
    });
    mark("in/r0005.txt", &|_| {});
    // r0005 changes on disk; r0006's report is cut short (a crash before
    // atomic writes); a stray temporary file looks like a report.
    fs::write(
        dir.join("in/r0005.txt"),
        "某县2023年政府信息公开工作年度报告\n",
    )
    .expect("write");
    let r6 = report_of(&out, "in/r0006.txt");
    let bytes = fs::read(&r6).expect("read");
    fs::write(&r6, &bytes[..bytes.len() / 2]).expect("write");
    fs::write(out.join("reports/.r0007.txt.json.tmp"), &bytes[..10]).expect("write");
    fs::write(out.join(".dataset.csv.tmp"), b"half").expect("write");

    ok(dir, &["extract", "in", "--out", "out", "-q", "--resume"]);
    let title = |input: &str| read_json(&report_of(&out, input))["meta"]["title"].clone();
    assert_eq!(
        title("in/r0003.txt"),
        "MARKED",
        "same bytes, same version: reused"
    );
    assert_ne!(
        title("in/r0004.txt"),
        "MARKED",
        "another version: read again"
    );
    assert_ne!(title("in/r0005.txt"), "MARKED", "new bytes: read again");
    assert!(
        read_json(&r6)["status"].is_string(),
        "a broken report is redone"
    );
    assert!(!out.join("reports/.r0007.txt.json.tmp").exists());
    assert!(!out.join(".dataset.csv.tmp").exists());

    // The reused report takes part in the exports as it is on disk.
    let jsonl = fs::read_to_string(out.join("dataset.jsonl")).expect("jsonl");
    assert_eq!(jsonl.matches("\"MARKED\"").count(), 1);
    // Without --resume everything is read again.
    ok(dir, &["extract", "in", "--out", "out", "-q"]);
    assert_ne!(title("in/r0003.txt"), "MARKED");
}

#[test]
fn resume_after_inputs_change_equals_a_clean_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    corpus(dir, 30);
    ok(dir, &["extract", "in", "--out", "out", "-q"]);
    // Remove a copy (its original loses its X-DUPLICATE), add a report, and
    // turn one into another year of another agency (the chains change).
    fs::remove_file(dir.join("in/copies/r0001-copy.txt")).expect("rm");
    let spec = consistent(999, Template::Y2021);
    fs::write(dir.join("in/new.txt"), to_text(&spec, &Variants::plain())).expect("write");
    let spec = consistent(1234, Template::Y2021);
    fs::write(dir.join("in/r0010.txt"), to_text(&spec, &Variants::plain())).expect("write");

    ok(dir, &["extract", "in", "--out", "out", "-q", "--resume"]);
    ok(dir, &["extract", "in", "--out", "clean", "-q"]);
    assert_same_output(&dir.join("out"), &dir.join("clean"));
    assert_ne!(x_findings(&dir.join("out")), 0);
    assert!(
        !dir.join("out/reports/copies__r0001-copy.txt.json").exists(),
        "the report of a removed input is removed"
    );
}

/// The inputs a shard's summary lists.
fn listed(out: &Path) -> BTreeSet<String> {
    read_json(&out.join("summary.json"))["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect()
}

#[test]
fn three_shards_merged_equal_one_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    corpus(dir, 45);
    ok(dir, &["extract", "in", "--out", "single", "-q", "-j", "2"]);
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let out = format!("s{i}");
        ok(
            dir,
            &["extract", "in", "--out", &out, "-q", "--shard", &shard],
        );
        assert_eq!(
            read_json(&dir.join(&out).join("summary.json"))["shard"],
            shard
        );
    }
    let parts: Vec<BTreeSet<String>> = (1..=3)
        .map(|i| listed(&dir.join(format!("s{i}"))))
        .collect();
    let all = listed(&dir.join("single"));
    assert_eq!(all.len(), 48);
    for p in &parts {
        assert!(p.len() >= 5, "a shard of {} inputs: {p:?}", p.len());
    }
    let union: BTreeSet<String> = parts.iter().flatten().cloned().collect();
    assert_eq!(union, all);
    assert_eq!(
        parts.iter().map(BTreeSet::len).sum::<usize>(),
        all.len(),
        "disjoint"
    );

    let o = ok(
        dir,
        &["merge", "s1", "s2", "s3", "--out", "merged", "-j", "3"],
    );
    assert!(stderr(&o).contains("48 files"), "{}", stderr(&o));
    assert_same_output(&dir.join("single"), &dir.join("merged"));
    // The shards' own X findings were only those within each shard.
    let within: usize = (1..=3)
        .map(|i| x_findings(&dir.join(format!("s{i}"))))
        .sum();
    assert!(within < x_findings(&dir.join("merged")));
    // Merging again into the same folder (the shards in another order)
    // gives the same files.
    ok(dir, &["merge", "s3", "s1", "s2", "--out", "merged", "-q"]);
    assert_same_output(&dir.join("single"), &dir.join("merged"));
    // Without review pages: the same data, no page.
    ok(
        dir,
        &[
            "merge",
            "s1",
            "s2",
            "s3",
            "--out",
            "bare",
            "-q",
            "--no-review",
        ],
    );
    let (merged, bare) = (snapshot(&dir.join("merged")), snapshot(&dir.join("bare")));
    assert!(!dir.join("bare/review").exists() && !dir.join("bare/index.html").exists());
    let data: BTreeMap<_, _> = merged
        .into_iter()
        .filter(|(p, _)| !p.starts_with("review") && p != Path::new("index.html"))
        .collect();
    assert!(data == bare, "merge --no-review changed the data");

    // A shard's members depend on their own paths only: more files do not
    // move the others.
    for i in 0..10 {
        fs::write(dir.join(format!("in/extra{i}.txt")), format!("x{i}\n")).expect("write");
    }
    ok(
        dir,
        &["extract", "in", "--out", "s1b", "-q", "--shard", "1/3"],
    );
    let grown = listed(&dir.join("s1b"));
    assert!(grown.is_superset(&parts[0]), "{grown:?}");
    assert!(grown.len() < parts[0].len() + 10);
}

#[test]
fn merge_refuses_what_is_not_a_set_of_shards() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    corpus(dir, 10);
    ok(
        dir,
        &["extract", "in", "--out", "s1", "-q", "--shard", "1/2"],
    );
    ok(
        dir,
        &["extract", "in", "--out", "s2", "-q", "--shard", "2/2"],
    );
    fs::create_dir_all(dir.join("empty")).expect("mkdir");
    let refused = |args: &[&str], says: &str| {
        let o = ogi(dir, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains(says), "{args:?}: {err}");
    };
    refused(&["merge", "s1", "s1", "--out", "m"], "is in two shards");
    refused(
        &["merge", "s1", "empty", "--out", "m"],
        "not the output of a finished",
    );
    refused(&["merge", "s1", "nope", "--out", "m"], "nope");
    refused(
        &["merge", "s1", "s2", "--out", "s2"],
        "is one of the shards",
    );
    // One shard missing: merged, with a warning.
    let o = ok(dir, &["merge", "s1", "--out", "m"]);
    assert!(
        stderr(&o).contains("shard 2/2 is not among"),
        "{}",
        stderr(&o)
    );
    // A shard written by another version is refused.
    let path = dir.join("s2/summary.json");
    let mut s = read_json(&path);
    s["version"] = Json::from("0.0.0");
    fs::write(&path, serde_json::to_vec(&s).expect("json")).expect("write");
    refused(&["merge", "s1", "s2", "--out", "m2"], "ogi 0.0.0");
}

#[test]
fn a_killed_run_leaves_whole_reports_and_resume_finishes_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    corpus(dir, 300);
    let out = dir.join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ogi"))
        .current_dir(dir)
        .args(["extract", "in", "--out", "out", "-q", "-j", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Kill it once a few reports are written (or after a while).
    let started = Instant::now();
    let count = |d: &Path| fs::read_dir(d).map_or(0, |l| l.count());
    while count(&out.join("reports")) < 20 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(
        !out.join("summary.json").exists(),
        "the run was killed before it finished"
    );
    // Every report there is whole JSON; a temporary file may be left over.
    let mut whole = 0;
    for e in fs::read_dir(out.join("reports")).expect("reports") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            assert!(name.ends_with(".tmp"), "{name}");
            continue;
        }
        let r: Json = serde_json::from_slice(&fs::read(e.path()).expect("read"))
            .unwrap_or_else(|err| panic!("{name} is not whole JSON: {err}"));
        assert_eq!(r["schema"], "ogi-report/1");
        whole += 1;
    }
    assert!(
        (10..303).contains(&whole),
        "{whole} reports written before the kill"
    );
    // A write cut by the kill, as it would be left.
    fs::write(
        out.join("reports/.r0299.txt.json.tmp"),
        b"{\"schema\": \"ogi-re",
    )
    .expect("write");

    ok(dir, &["extract", "in", "--out", "out", "-q", "--resume"]);
    ok(dir, &["extract", "in", "--out", "clean", "-q"]);
    assert_same_output(&out, &dir.join("clean"));
    assert_eq!(read_json(&out.join("summary.json"))["inputs"], 303);
}
