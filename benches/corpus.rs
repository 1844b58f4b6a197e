//! Speed and memory at corpus scale, against a Python baseline.
//!
//! Generates `OGI_BENCH_REPORTS` (default 20,000) distinct, consistent
//! reports with the test renderer, spread over every input format (text,
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

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::var("OGI_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let tmp = tempfile::tempdir()?;
    let corpus = tmp.path().join("corpus");
    let t = Instant::now();
    let mut by_kind: BTreeMap<&str, Vec<PathBuf>> = BTreeMap::new();
    // A pool of distinct rendered reports per format, written under
    // distinct names; rendering 20,000 DOCX files in full would dominate
    // the bench, so each format renders a pool and files repeat it with a
    // changed title line (content hashes still differ per file).
    let pool = 50usize;
    for (i, (kind, ext)) in FORMATS.iter().enumerate() {
        let dir = corpus.join(kind);
        fs::create_dir_all(&dir)?;
        let count = n / FORMATS.len() + usize::from(i < n % FORMATS.len());
        let mut rendered = Vec::with_capacity(pool);
        for p in 0..pool.min(count) {
            let seed = (i * 1_000_003 + p) as u64;
            let tpl = if p % 5 == 4 {
                Template::Y2019
            } else {
                Template::Y2021
            };
            let spec = render::consistent(seed, tpl);
            let v = if p % 2 == 0 {
                Variants::plain()
            } else {
                Variants::all(seed)
            };
            rendered.push(match *kind {
                "text" => render::to_text(&spec, &v).into_bytes(),
                "html" => render::to_html(&spec, &v, false),
                "html-gbk" => render::to_html(&spec, &v, true),
                "docx-word" => render::to_docx(&spec, &v, DocxStyle::Word),
                "docx-wps" => render::to_docx(&spec, &v, DocxStyle::Wps),
                "docx-libreoffice" => render::to_docx(&spec, &v, DocxStyle::LibreOffice),
                "xlsx" => render::to_xlsx(&spec, &v),
                "ods" => render::to_ods(&spec, &v),
                _ => render::to_csv(&spec, &v, p % 3 == 0),
            });
        }
        let files = by_kind.entry(kind).or_default();
        for f in 0..count {
            let path = dir.join(format!("r{f:06}.{ext}"));
            fs::write(&path, &rendered[f % rendered.len()])?;
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
    let run = run_extract(&opts)?;
    let secs = run.elapsed.as_secs_f64();
    let rate = run.totals.inputs as f64 / secs;
    println!(
        "ogi: {} reports in {secs:.2} s = {rate:.0} reports/s end to end ({} threads)",
        run.totals.inputs, run.jobs
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
    println!("  peak RSS: {rss:.1} MiB");

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
