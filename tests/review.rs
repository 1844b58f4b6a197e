//! The review pages end to end: `ogi extract` writes `index.html` and one
//! page per report, and the page marks exactly the cells the report's
//! findings name. Then the same in a real browser (headless Chromium),
//! after the pages' JavaScript has run; skipped when no Chromium is
//! installed, unless `OGI_REQUIRE_BROWSER=1`.
//!
//! `OGI_REVIEW_SCREENSHOT=<path>` copies the browser test's screenshot of
//! the seed's page there. `docs/review-seed.png` is the same page taken
//! smaller for the README (`--window-size=1300,1750
//! --force-device-scale-factor=0.8`, about 250 KB).

use scraper::{ElementRef, Html, Selector};
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SEED: &str = "sifangtai-2024-seed-figures.txt";

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/text")
}

/// A temp folder with `in/<files>` copied from samples/text, after
/// `ogi extract in --out out` run inside it (relative paths, as a person
/// would type them).
fn extract(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir_all(&input).expect("mkdir");
    for f in files {
        fs::copy(samples().join(f), input.join(f)).expect("copy sample");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_ogi"))
        .current_dir(dir.path())
        .args(["extract", "in", "--out", "out", "--quiet"])
        .output()
        .expect("run ogi");
    assert!(
        out.status.success(),
        "ogi extract failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn sel(css: &str) -> Selector {
    Selector::parse(css).expect("selector")
}

fn all<'a>(doc: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    doc.select(&sel(css)).collect()
}

fn text(e: ElementRef) -> String {
    e.text().collect()
}

fn read_json(path: &Path) -> Json {
    serde_json::from_slice(&fs::read(path).expect("read")).expect("json")
}

fn page(path: &Path) -> Html {
    Html::parse_document(&fs::read_to_string(path).expect("read page"))
}

/// The cells named by the findings of `report` that match `pick`.
fn named(report: &Json, pick: impl Fn(&Json) -> bool) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| pick(f))
        .flat_map(|f| f["cells"].as_array().expect("cells").iter())
        .map(|c| c.as_str().expect("cell id").to_string())
        .collect()
}

fn severity_is(s: &'static str) -> impl Fn(&Json) -> bool {
    move |f: &Json| f["severity"] == s
}

fn is_hint(f: &Json) -> bool {
    f["rule"] == "H-LIKELY-CELL"
}

/// `data-cell` of every value cell with `class`.
fn marked(doc: &Html, class: &str) -> BTreeSet<String> {
    all(doc, &format!("td[data-cell].{class}"))
        .iter()
        .map(|e| e.value().attr("data-cell").expect("data-cell").to_string())
        .collect()
}

/// Checks a review page against its report: error cells `bad`, cells only
/// warnings name `warn`, hint cells `hint`, every cell drawn once.
fn assert_marks_match(doc: &Html, report: &Json, what: &str) {
    let errors = named(report, severity_is("error"));
    let warnings: BTreeSet<String> = named(report, severity_is("warning"))
        .difference(&errors)
        .cloned()
        .collect();
    assert_eq!(marked(doc, "bad"), errors, "{what}: bad cells");
    assert_eq!(marked(doc, "warn"), warnings, "{what}: warn cells");
    assert_eq!(
        marked(doc, "hint"),
        named(report, is_hint),
        "{what}: hint cells"
    );
    let ids: Vec<&str> = all(doc, "td[data-cell]")
        .iter()
        .filter_map(|e| e.value().attr("data-cell"))
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "{what}: a cell drawn twice");
}

#[test]
fn seed_review_page_marks_exactly_the_error_cells() {
    let dir = extract(&[SEED]);
    let out = dir.path().join("out");
    let report = read_json(&out.join(format!("reports/{SEED}.json")));

    // The seed's figures: the balance on 自然人, the row total of 结转下年度,
    // one hint at their crossing.
    let errors = named(&report, severity_is("error"));
    assert!(
        errors.contains("t3.new_received.natural_person"),
        "{errors:?}"
    );
    assert!(errors.contains("t3.carried_forward.total"), "{errors:?}");
    assert_eq!(
        named(&report, is_hint),
        BTreeSet::from(["t3.carried_forward.natural_person".to_string()])
    );

    // (1) index.html lists it.
    let index = page(&out.join("index.html"));
    let rows = all(&index, "#reports tbody tr");
    assert_eq!(rows.len(), 1);
    let row = text(rows[0]);
    assert!(row.contains(&format!("in/{SEED}")), "{row}");
    assert!(row.contains("四方台区") && row.contains("2024"), "{row}");
    let href = format!("review/{SEED}.html");
    let link = all(&index, "#reports tbody tr td.file a")[0];
    assert_eq!(link.value().attr("href"), Some(href.as_str()));
    let n_errors = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .count();
    let counts: Vec<String> = all(&index, "#reports tbody tr td.n")
        .iter()
        .map(|e| text(*e))
        .collect();
    assert_eq!(counts[0], n_errors.to_string());
    assert_eq!(text(all(&index, "#total-files")[0]), "1");

    // (2) its page marks the cells the findings name.
    let review_dir = out.join("review");
    let doc = page(&review_dir.join(format!("{SEED}.html")));
    assert_marks_match(&doc, &report, SEED);
    let hinted = all(&doc, "td[data-cell=\"t3.carried_forward.natural_person\"]");
    let class = hinted[0].value().attr("class").unwrap_or("");
    assert!(class.contains("hint") && class.contains("bad"), "{class}");
    assert_eq!(
        text(
            all(
                &doc,
                "td[data-cell=\"t3.carried_forward.natural_person\"] .v"
            )[0]
        ),
        "1"
    );
    let hint_note: Vec<String> = all(&doc, "aside.notes li.hint")
        .iter()
        .map(|e| text(*e))
        .collect();
    assert!(
        hint_note
            .iter()
            .any(|t| t.contains("建议核对：") && t.contains("写作1") && t.contains("若为0")),
        "{hint_note:?}"
    );
    // Every finding is listed with its Chinese severity.
    let listed = all(&doc, "#findings li");
    assert_eq!(
        listed.len(),
        report["findings"].as_array().map_or(0, Vec::len)
    );
    assert!(text(listed[0]).contains("警告") || text(listed[0]).contains("错误"));
    // The repair of the short row is recorded.
    assert!(text(all(&doc, "#repairs")[0]).contains("align_short_row"));

    // The links reach the source file and the report JSON.
    let source = all(&doc, "#source-link")[0]
        .value()
        .attr("href")
        .expect("href");
    assert_eq!(source, format!("../../in/{SEED}"));
    assert_eq!(
        fs::canonicalize(review_dir.join(source)).expect("source reachable"),
        fs::canonicalize(dir.path().join("in").join(SEED)).expect("source")
    );
    let json = all(&doc, "#report-link")[0]
        .value()
        .attr("href")
        .expect("href");
    assert!(review_dir.join(json).is_file(), "{json}");
}

#[test]
fn every_text_sample_page_marks_its_findings() {
    let names: Vec<String> = fs::read_dir(samples())
        .expect("samples/text")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let dir = extract(&refs);
    let out = dir.path().join("out");
    let index = page(&out.join("index.html"));
    assert_eq!(all(&index, "#reports tbody tr").len(), names.len());
    let mut with_errors = 0;
    for name in &names {
        let report = read_json(&out.join(format!("reports/{name}.json")));
        let doc = page(&out.join(format!("review/{name}.html")));
        assert_marks_match(&doc, &report, name);
        if !named(&report, severity_is("error")).is_empty() {
            with_errors += 1;
        }
        // Every value the report has is drawn, with its value (a 2019
        // table 二 is drawn in its own layout; the `mapped` copies in `t2`
        // repeat its 处理决定数量).
        for table in ["t2", "t2_2019", "t3", "t4"] {
            let Some(rows) = report[table].as_object() else {
                continue;
            };
            if table == "t2" && report["template"]["t2"] == "2019" {
                continue;
            }
            for (row, cols) in rows {
                for (col, value) in cols.as_object().expect("cols") {
                    let id = format!("{table}.{row}.{col}");
                    let cell = all(&doc, &format!("td[data-cell=\"{id}\"] .v"));
                    assert_eq!(cell.len(), 1, "{name}: {id} not drawn");
                    if let Some(n) = value.as_i64() {
                        assert_eq!(text(cell[0]), n.to_string(), "{name}: {id}");
                    }
                }
            }
        }
    }
    assert!(with_errors >= 2, "the error samples lost their errors");
}

// ---------------------------------------------------------------------------
// In a browser.

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("OGI_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let names = ["chromium", "chromium-browser"];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .find(|p| p.is_file())
}

/// Runs Chromium headless on `url` with `extra` arguments; returns stdout.
fn run_chromium(bin: &Path, profile: &Path, extra: &[&str], url: &str) -> String {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait") {
            Some(_) => break,
            None if start.elapsed() > Duration::from_secs(90) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish in 90 s");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    reader.join().expect("reader")
}

fn file_url(path: &Path) -> String {
    let abs = fs::canonicalize(path).expect("canonical");
    format!("file://{}", abs.display())
}

#[test]
fn browser_shows_the_highlights_after_javascript() {
    let Some(bin) = chromium() else {
        if std::env::var("OGI_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("OGI_REQUIRE_BROWSER=1 but no chromium was found on PATH");
        }
        eprintln!("SKIP browser_shows_the_highlights_after_javascript: chromium not installed");
        return;
    };
    let dir = extract(&[SEED]);
    let out = dir.path().join("out");
    let profile = dir.path().join("chromium-profile");
    let report = read_json(&out.join(format!("reports/{SEED}.json")));
    let page_path = out.join(format!("review/{SEED}.html"));

    let dom = run_chromium(&bin, &profile, &["--dump-dom"], &file_url(&page_path));
    let doc = Html::parse_document(&dom);
    assert_eq!(
        all(&doc, "html[data-js=\"ready\"]").len(),
        1,
        "the page's script did not run:\n{}",
        &dom[..dom.len().min(400)]
    );
    assert_marks_match(&doc, &report, "after JavaScript");
    assert!(!marked(&doc, "bad").is_empty());

    // The index filters rows by the address: status error hides the seed,
    // its own rule keeps it.
    let index = file_url(&out.join("index.html"));
    let hidden = |hash: &str| -> (bool, String) {
        let dom = run_chromium(&bin, &profile, &["--dump-dom"], &format!("{index}{hash}"));
        let doc = Html::parse_document(&dom);
        assert_eq!(
            all(&doc, "html[data-js=\"ready\"]").len(),
            1,
            "index script"
        );
        let rows = all(&doc, "#reports tbody tr");
        assert_eq!(rows.len(), 1);
        (
            rows[0].value().attr("hidden").is_some(),
            text(all(&doc, "#shown")[0]),
        )
    };
    assert_eq!(hidden("#status=error"), (true, "0".to_string()));
    assert_eq!(
        hidden("#rule=T3-BALANCE&sev=error"),
        (false, "1".to_string())
    );
    assert_eq!(hidden("#rule=T3-BALANCE&sev=info"), (true, "0".to_string()));
    assert_eq!(
        hidden("#agency=%E5%9B%9B%E6%96%B9"),
        (false, "1".to_string())
    );

    // A screenshot a person can look at.
    let png = dir.path().join("seed.png");
    run_chromium(
        &bin,
        &profile,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1400,1800",
        ],
        &file_url(&page_path),
    );
    let bytes = fs::read(&png).expect("screenshot written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        bytes.len() > 20_000,
        "an empty-looking screenshot: {} bytes",
        bytes.len()
    );
    if let Some(keep) = std::env::var_os("OGI_REVIEW_SCREENSHOT") {
        fs::copy(&png, &keep).expect("copy screenshot");
        eprintln!("screenshot saved to {}", PathBuf::from(keep).display());
    }
}
