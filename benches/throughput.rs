//! Throughput of the whole extract pipeline, through the library (no
//! subprocess), with the default thread count.
//!
//! Every file under `OGI_BENCH_INPUT` (default `samples/`) is copied
//! `OGI_BENCH_COPIES` times (default: enough copies for at least 2,000
//! files) into a temporary folder, then `run_extract` reads them all.
//! Prints the file count, docs/s overall and per format, and the peak RSS.
//! The copies are duplicates of each other, so every report gets an
//! X-DUPLICATE finding and is rendered by the finishing pass: the worst
//! case for it (`benches/corpus.rs` measures a batch of distinct reports).
//!
//! ```text
//! cargo bench --bench throughput
//! OGI_BENCH_INPUT=/path/to/reports OGI_BENCH_COPIES=10 cargo bench --bench throughput
//! ```

use ogi::pipeline::{run_extract, ExtractOptions};
use std::fs;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

// The allocator of the `ogi` binary (src/main.rs), so that the bench
// measures what the binary runs.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TARGET_FILES: usize = 2_000;

fn main() -> anyhow::Result<()> {
    let input =
        PathBuf::from(std::env::var("OGI_BENCH_INPUT").unwrap_or_else(|_| "samples".into()));
    let files = files_under(&input);
    if files.is_empty() {
        eprintln!(
            "throughput: no input files under {} (set OGI_BENCH_INPUT); nothing measured",
            input.display()
        );
        return Ok(());
    }
    let copies = match std::env::var("OGI_BENCH_COPIES") {
        Ok(v) => v.parse::<usize>()?.max(1),
        Err(_) => TARGET_FILES.div_ceil(files.len()),
    };

    let tmp = tempfile::tempdir()?;
    let corpus = tmp.path().join("in");
    for copy in 0..copies {
        for rel in &files {
            let dest = corpus.join(format!("copy{copy:05}")).join(rel);
            if let Some(dir) = dest.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::copy(input.join(rel), &dest)?;
        }
    }

    let mut opts = ExtractOptions::new(vec![corpus], tmp.path().join("out"));
    opts.quiet = true;
    let run = run_extract(&opts)?;

    let secs = run.elapsed.as_secs_f64();
    println!(
        "throughput: {} files ({} distinct × {copies}) from {}",
        run.totals.inputs,
        files.len(),
        input.display()
    );
    println!(
        "  overall: {:.2} s, {:.1} docs/s with {} threads",
        secs,
        run.totals.inputs as f64 / secs,
        run.jobs
    );
    let finishing = run.finishing.as_secs_f64();
    println!(
        "  reading the inputs {:.2} s, finishing pass {finishing:.2} s (every copy is a duplicate: \
         each gets an X-DUPLICATE finding, so its file is written there)",
        secs - finishing
    );
    println!("  per format (worker time, one thread):");
    for (format, tally) in &run.totals.by_format {
        let rate = if tally.seconds > 0.0 {
            tally.count as f64 / tally.seconds
        } else {
            f64::INFINITY
        };
        println!(
            "    {format:8} {:6} files  {:8.3} s  {:10.1} docs/s",
            tally.count, tally.seconds, rate
        );
    }
    for (status, n) in &run.totals.by_status {
        println!("  {:13} {n}", status.as_str());
    }
    match peak_rss_kib() {
        Some(kib) => println!("  peak RSS: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("  peak RSS: unavailable (no /proc/self/status)"),
    }
    Ok(())
}

/// Regular files under `root`, relative to it, hidden entries skipped.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_path_buf))
        .collect();
    out.sort();
    out
}

/// `VmHWM` (peak resident set size) of this process, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
