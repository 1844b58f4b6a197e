//! Speed and memory at corpus scale, against a Python baseline.
//!
//! Generates `OGI_BENCH_REPORTS` (default 20,000) distinct, consistent
//! reports with the test renderer, each of its own agency but one in ten
//! (the next year of the agency before it), spread over every input format (text,
//! HTML UTF-8 and GBK, DOCX as Word/WPS/LibreOffice write it, XLSX, ODS,
//! CSV), runs the library pipeline (`run_extract`, default thread count) on
//! the folder, and prints reports/s overall and per format and the peak RSS
//! of this process.
//!
//! Unless `OGI_BENCH_BASELINE=0`, it then runs `scripts/baseline.py` in a
//! virtual environment it creates under `target/bench-venv` (pandas,
//! lxml, python-docx, openpyxl from PyPI) on a sample of the same HTML,
//! DOCX and XLSX files — the Python way of getting the same cells out — and
//! prints the ratio. The baseline only reads the tables' cells; ogi also
//! maps, checks and writes every report, so the ratio is conservative.
//!
//! ```text
//! cargo bench --bench corpus
//! OGI_BENCH_REPORTS=2000 OGI_BENCH_BASELINE=0 cargo bench --bench corpus
//! OGI_BENCH_EARLY=0 cargo bench --bench corpus   # no rendering in the workers
//! OGI_BENCH_REVIEW=0 cargo bench --bench corpus  # --no-review
//! OGI_BENCH_KEEP=1 cargo bench --bench corpus    # keep the corpus, to profile `ogi extract` on it
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

use ogi::pipeline::{run_extract, ExtractOptions};
use ogi::schema::Template;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use support::render::{self, DocxStyle, Variants};

// The allocator of the `ogi` binary (src/main.rs), so that the bench
// measures what the binary runs.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The formats, with the share of the corpus each gets.
const FORMATS: &[(&str, &str)] = &[
    ("text", "txt"),
    ("html", "html"),
    ("html-gbk", "html"),
    ("docx-word", "docx"),
    ("docx-wps", "docx"),
    ("docx-libreoffice", "docx"),
    ("xlsx", "xlsx"),
    ("ods", "ods"),
    ("csv", "csv"),
];

/// The `k`-th distinct agency name: a two-character place name (35 × 36
/// of them) and one of 12 kinds of body, 15,120 names before they repeat
/// with a numbered district. No two fold to the same agency key.
fn agency_name(k: usize) -> String {
    const FIRST: &str = "青临云南白江西东松北安永平长金华宁新高清河山阳石桥龙凤兴德福泰和嘉丰春";
    const SECOND: &str = "山河溪湖沙岭港涛塘田源川林峰州城阳水泉口坪湾岗原台庄桥浦洲渡阜坡陵亭堡岩";
    const KINDS: &[&str] = &[
        "县人民政府",
        "区人民政府",
        "市生态环境局",
        "街道办事处",
        "镇人民政府",
        "区财政局",
        "县交通运输局",
        "市人民政府办公室",
        "县水利局",
        "区市场监督管理局",
        "县教育局",
        "市自然资源局",
    ];
    let first: Vec<char> = FIRST.chars().collect();
    let second: Vec<char> = SECOND.chars().collect();
    let per_kind = first.len() * second.len();
    let kind = KINDS[(k / per_kind) % KINDS.len()];
    let round = k / (per_kind * KINDS.len());
    let place = format!(
        "{}{}",
        first[k % first.len()],
        second[(k / first.len()) % second.len()]
    );
    if round == 0 {
        format!("{place}{kind}")
    } else {
        format!("{place}第{round}区{kind}")
    }
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::var("OGI_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let tmp = tempfile::tempdir()?;
    let corpus = tmp.path().join("corpus");
    let t = Instant::now();
    let mut by_kind: BTreeMap<&str, Vec<PathBuf>> = BTreeMap::new();
    // Each file is its own agency's report, as in a scrape of a region:
    // the values come from a pool of 50 consistent reports per format (a
    // fifth of them in the 2019 template, half with every variant), the
    // agency is the file's own, and every tenth file is the next year's
    // report of the agency before it (so that the cross-report rules have
    // pairs to compare, and find the carry-over breaks random values give).
    let pool = 50usize;
    let mut agencies = 0usize;
    for (i, (kind, ext)) in FORMATS.iter().enumerate() {
        let dir = corpus.join(kind);
        fs::create_dir_all(&dir)?;
        let count = n / FORMATS.len() + usize::from(i < n % FORMATS.len());
        let mut specs = Vec::with_capacity(pool);
        for p in 0..pool.min(count) {
            let seed = (i * 1_000_003 + p) as u64;
            let tpl = if p % 5 == 4 {
                Template::Y2019
            } else {
                Template::Y2021
            };
            let v = if p % 2 == 0 {
                Variants::plain()
            } else {
                Variants::all(seed)
            };
            specs.push((render::consistent(seed, tpl), v));
        }
        let files = by_kind.entry(kind).or_default();
        let mut previous: Option<(String, i32)> = None;
        for f in 0..count {
            let (base, v) = &specs[f % specs.len()];
            let mut spec = base.clone();
            match previous.take() {
                Some((agency, year)) if f % 10 == 9 => {
                    spec.agency = agency;
                    spec.year = year + 1;
                }
                _ => {
                    spec.agency = agency_name(agencies);
                    agencies += 1;
                }
            }
            previous = Some((spec.agency.clone(), spec.year));
            let bytes = match *kind {
                "text" => render::to_text(&spec, v).into_bytes(),
                "html" => render::to_html(&spec, v, false),
                "html-gbk" => render::to_html(&spec, v, true),
                "docx-word" => render::to_docx(&spec, v, DocxStyle::Word),
                "docx-wps" => render::to_docx(&spec, v, DocxStyle::Wps),
                "docx-libreoffice" => render::to_docx(&spec, v, DocxStyle::LibreOffice),
                "xlsx" => render::to_xlsx(&spec, v),
                "ods" => render::to_ods(&spec, v),
                _ => render::to_csv(&spec, v, f % 3 == 0),
            };
            let path = dir.join(format!("r{f:06}.{ext}"));
            fs::write(&path, bytes)?;
            files.push(path);
        }
    }
    println!(
        "corpus: {n} reports in {} formats written in {:.1} s",
        FORMATS.len(),
        t.elapsed().as_secs_f64()
    );

    let mut opts = ExtractOptions::new(vec![corpus.clone()], tmp.path().join("out"));
    opts.quiet = true;
    // OGI_BENCH_EARLY=0: every report rendered by the finishing pass, to
    // measure what rendering in the workers saves.
    opts.early_render = std::env::var("OGI_BENCH_EARLY").as_deref() != Ok("0");
    // OGI_BENCH_REVIEW=0: `--no-review`, the reports and exports only.
    opts.review = std::env::var("OGI_BENCH_REVIEW").as_deref() != Ok("0");
    // The peak RSS is the run's, not the generator's: Linux resets it on
    // a write of 5 to clear_refs.
    let reset = fs::write("/proc/self/clear_refs", "5").is_ok();
    let run = run_extract(&opts)?;
    if std::env::var("OGI_BENCH_KEEP").as_deref() == Ok("1") {
        let kept = tmp.keep();
        println!("corpus and outputs kept in {}", kept.display());
    }
    let secs = run.elapsed.as_secs_f64();
    let rate = run.totals.inputs as f64 / secs;
    println!(
        "ogi: {} reports in {secs:.2} s = {rate:.0} reports/s end to end ({} threads)",
        run.totals.inputs, run.jobs
    );
    let finishing = run.finishing.as_secs_f64();
    println!(
        "  reading the inputs {:.2} s, finishing pass (cross-report findings, exports) {finishing:.2} s",
        secs - finishing
    );
    println!("  per format (one worker thread's time per document, then × threads):");
    for (format, tally) in &run.totals.by_format {
        let per_thread = if tally.seconds > 0.0 {
            tally.count as f64 / tally.seconds
        } else {
            f64::INFINITY
        };
        println!(
            "    {format:6} {:6} reports  {:9.0} reports/s per thread  ~{:9.0} reports/s on {} threads",
            tally.count,
            per_thread,
            per_thread * run.jobs as f64,
            run.jobs
        );
    }
    for (status, count) in &run.totals.by_status {
        println!("  status {:13} {count}", status.as_str());
    }
    let rss = peak_rss_kib().map_or(-1.0, |k| k as f64 / 1024.0);
    if reset {
        println!("  peak RSS of the run: {rss:.1} MiB");
    } else {
        println!("  peak RSS (generating the corpus included): {rss:.1} MiB");
    }

    if std::env::var("OGI_BENCH_BASELINE").as_deref() == Ok("0") {
        return Ok(());
    }
    baseline(&by_kind, &run.totals.by_format)?;
    Ok(())
}

/// Runs the Python baseline on up to 200 files of each of HTML, DOCX and
/// XLSX, and prints both rates and the ratio.
fn baseline(
    by_kind: &BTreeMap<&str, Vec<PathBuf>>,
    ours: &BTreeMap<String, ogi::output::summary::FormatTally>,
) -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join("target/bench-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        println!(
            "baseline: creating {} (pandas, lxml, python-docx, openpyxl)",
            venv.display()
        );
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()?
            .success()
            && Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "pandas",
                    "lxml",
                    "python-docx",
                    "openpyxl",
                ])
                .status()?
                .success();
        if !ok {
            println!("baseline: could not set up the Python environment; skipped");
            return Ok(());
        }
    }
    for (label, kinds, ours_key) in [
        ("html", &["html"][..], "html"),
        (
            "docx",
            &["docx-word", "docx-wps", "docx-libreoffice"][..],
            "docx",
        ),
        ("xlsx", &["xlsx"][..], "xlsx"),
    ] {
        let files: Vec<&PathBuf> = kinds
            .iter()
            .flat_map(|k| by_kind.get(k).into_iter().flatten().take(200 / kinds.len()))
            .collect();
        let out = Command::new(&python)
            .arg(root.join("scripts/baseline.py"))
            .arg(label)
            .args(files.iter().map(|p| p.as_os_str()))
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(py_rate) = text
            .lines()
            .find_map(|l| l.strip_prefix("rate "))
            .and_then(|r| r.trim().parse::<f64>().ok())
        else {
            println!(
                "baseline {label}: failed: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            continue;
        };
        let our_rate = ours
            .get(ours_key)
            .filter(|t| t.seconds > 0.0)
            .map_or(0.0, |t| t.count as f64 / t.seconds);
        println!(
            "baseline {label}: Python {py_rate:.1} files/s (one process) vs ogi {our_rate:.0} reports/s per thread: {:.0}×",
            our_rate / py_rate
        );
    }
    Ok(())
}

/// `VmHWM` (peak resident set size) of this process, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
