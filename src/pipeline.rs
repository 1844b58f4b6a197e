//! The run: find the inputs, put each through ingest → normalize → check in
//! parallel, write the reports, then the exports.
//!
//! This is the only module that knows every stage. It parses nothing and
//! holds no rule logic: it moves documents between the stages and turns
//! every per-document failure (unreadable, too large, a panic) into that
//! document's `status: error` report, so one bad file never stops a run.
//!
//! # `ogi extract`, step by step
//!
//! 1. [`discover`] walks the paths (symlinks are not followed into folders;
//!    hidden entries and the output directory are skipped) and sorts the
//!    inputs by path. A path that does not exist stops the run (exit 2).
//! 2. `DIR/reports` is created and probed for writing (exit 2 if it can't).
//! 3. A pool of `--jobs` threads runs [`process`] on every input and writes
//!    `reports/<name>.json` at once; only a small [`Entry`] and a
//!    [`BatchFacts`] per input stay in memory.
//! 4. [`cross_report_phase`]: the batch rules compare the reports through
//!    their facts; the reports they have findings for are re-written with
//!    those findings appended.
//! 5. The exports are streamed from the report files in path order, then
//!    the review pages (`index.html`, `review/`), then `summary.json` is
//!    written.

use crate::check::{self, BatchFacts};
use crate::cli::{CheckArgs, Cli, Command};
use crate::error::IngestError;
use crate::ingest;
use crate::normalize;
use crate::output::{self, human, summary, Entry, Totals};
use crate::schema::{Finding, Report, Source};
use anyhow::{bail, Context as _};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::cell::{Cell, RefCell};
use std::fs::{self, File};
use std::io::{self, IsTerminal, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};
use walkdir::WalkDir;

/// What a finished command asks the process to exit with (errors that stop
/// a run are the `Err` of [`run`] and exit 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: the run completed (`extract`), or no report failed (`check`).
    Success = 0,
    /// 1: `check` found an error finding or an unreadable file.
    Failure = 1,
}

/// Runs one command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Extract(args) => {
            let opts = ExtractOptions {
                inputs: args.paths,
                out: args.out,
                jobs: args.jobs.map(usize::from),
                quiet: args.quiet,
                max_bytes: args.max_bytes,
            };
            let run = run_extract(&opts)?;
            if !opts.quiet {
                eprintln!(
                    "{}",
                    summary::paragraph(&run.totals, &run.out, run.elapsed, run.jobs)
                );
            }
            Ok(ExitStatus::Success)
        }
        Command::Check(args) => {
            let stdout = io::stdout();
            let mut w = io::BufWriter::new(stdout.lock());
            let status = run_check(&args, &mut w)?;
            w.flush()?;
            Ok(status)
        }
        Command::Rules => {
            let stdout = io::stdout();
            let mut w = io::BufWriter::new(stdout.lock());
            human::write_rules(&mut w, check::RULES, check::BATCH_RULES)?;
            w.flush()?;
            Ok(ExitStatus::Success)
        }
        Command::Schema => {
            let stdout = io::stdout();
            let mut w = io::BufWriter::new(stdout.lock());
            // Through io::Error, so that a broken pipe stays recognisable.
            serde_json::to_writer_pretty(&mut w, &output::json_schema::report_schema())
                .map_err(io::Error::from)?;
            writeln!(w)?;
            w.flush()?;
            Ok(ExitStatus::Success)
        }
    }
}

/// The options of an extract run.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Files and folders to read.
    pub inputs: Vec<PathBuf>,
    /// The output directory.
    pub out: PathBuf,
    /// Worker threads; `None` = the number of cores.
    pub jobs: Option<usize>,
    /// No progress bar.
    pub quiet: bool,
    /// Inputs larger than this become `too_large` error reports.
    pub max_bytes: u64,
}

impl ExtractOptions {
    /// Options with the command line's defaults.
    pub fn new(inputs: Vec<PathBuf>, out: PathBuf) -> ExtractOptions {
        ExtractOptions {
            inputs,
            out,
            jobs: None,
            quiet: false,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// The default `--max-bytes`: 64 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// What an extract run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// One entry per input, sorted by path.
    pub entries: Vec<Entry>,
    /// The counts.
    pub totals: Totals,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
    /// Threads used.
    pub jobs: usize,
    /// The output directory.
    pub out: PathBuf,
}

/// Runs `ogi extract`: every input to `out/reports/`, then the exports.
/// Fails (exit 2) only when the run cannot proceed: a path that does not
/// exist, no inputs, an output directory that cannot be written.
pub fn run_extract(opts: &ExtractOptions) -> anyhow::Result<RunSummary> {
    let start = Instant::now();
    let skip = fs::canonicalize(&opts.out).ok();
    let inputs = discover(&opts.inputs, skip.as_deref())?;
    if inputs.is_empty() {
        bail!("no input files found in {}", list_paths(&opts.inputs));
    }
    let reports_dir = prepare_out(&opts.out)?;
    let rels: Vec<(&str, &Path)> = inputs
        .iter()
        .map(|i| (i.display.as_str(), i.rel.as_path()))
        .collect();
    let names = output::report_file_names(&rels);
    let jobs = opts.jobs.unwrap_or_else(default_jobs).max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .context("could not start the worker threads")?;

    let bar = progress_bar(inputs.len() as u64, opts.quiet);
    let failed = AtomicBool::new(false);
    // Err(None): skipped because an earlier write failed.
    type Done = Result<(Entry, BatchFacts), Option<anyhow::Error>>;
    let results: Vec<Done> = pool.install(|| {
        inputs
            .par_iter()
            .zip(names.par_iter())
            .map(|(input, name)| {
                if failed.load(Ordering::Relaxed) {
                    return Err(None);
                }
                let t = Instant::now();
                let report = process(input, opts.max_bytes);
                let seconds = t.elapsed().as_secs_f64();
                let written = output::write_report(&reports_dir, name, &report);
                bar.inc(1);
                written
                    .map(|()| {
                        (
                            Entry::new(&report, name.clone(), seconds),
                            BatchFacts::from_report(&report),
                        )
                    })
                    .map_err(|e| {
                        failed.store(true, Ordering::Relaxed);
                        let path = reports_dir.join(name);
                        Some(
                            anyhow::Error::new(e)
                                .context(format!("could not write {}", path.display())),
                        )
                    })
            })
            .collect()
    });
    bar.finish_and_clear();
    let mut entries = Vec::with_capacity(results.len());
    let mut facts = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok((entry, fact)) => {
                entries.push(entry);
                facts.push(fact);
            }
            Err(Some(e)) => return Err(e),
            Err(None) => {}
        }
    }

    pool.install(|| cross_report_phase(&opts.out, &mut entries, &facts))?;
    drop(facts);
    output::dataset::write_exports(&opts.out, &entries)?;
    let totals = Totals::from_entries(&entries);
    output::review::write_review(&opts.out, &entries, &totals)?;
    let elapsed = start.elapsed();
    summary::write(&opts.out, &totals, &entries, elapsed, jobs).with_context(|| {
        format!(
            "could not write {}",
            opts.out.join("summary.json").display()
        )
    })?;
    Ok(RunSummary {
        entries,
        totals,
        elapsed,
        jobs,
        out: opts.out.clone(),
    })
}

/// Applies the rules that compare reports with each other (the same
/// agency's consecutive years, the same report twice: [`check::BATCH_RULES`]).
/// It runs after every report is written and before the exports are read
/// back; `facts[i]` must describe `entries[i]`.
///
/// 1. The batch rules run over `facts` (a few hundred bytes per report; no
///    report is in memory).
/// 2. Each report that got findings is read back from
///    `out/reports/<entry.file>`, the findings are appended to its
///    `findings` (after its own), and the file is re-written atomically
///    (in parallel on the current rayon pool; one report in memory per
///    worker).
/// 3. Its [`Entry`] counts the new findings, so that `summary.json` and the
///    exports (read from the files) include them.
///
/// Deterministic: the findings depend only on the facts in entry (path)
/// order, and each file is written by one worker.
pub fn cross_report_phase(
    out: &Path,
    entries: &mut [Entry],
    facts: &[BatchFacts],
) -> anyhow::Result<()> {
    if entries.len() != facts.len() {
        bail!(
            "internal error: {} reports but {} batch records",
            entries.len(),
            facts.len()
        );
    }
    let found = check::run_batch(facts);
    if found.iter().any(|(i, _)| *i >= entries.len()) {
        bail!("internal error: a batch finding for a report that does not exist");
    }
    // One group per report (run_batch sorts by report index).
    let groups: Vec<&[(usize, Finding)]> = found.chunk_by(|a, b| a.0 == b.0).collect();
    let reports_dir = out.join(output::REPORTS_DIR);
    let shared: &[Entry] = entries;
    let written: Vec<anyhow::Result<()>> = groups
        .par_iter()
        .map(|group| {
            let file = &shared[group[0].0].file;
            output::append_findings(&reports_dir, file, group.iter().map(|(_, f)| f)).with_context(
                || {
                    format!(
                        "could not add the cross-report findings to {}",
                        reports_dir.join(file).display()
                    )
                },
            )
        })
        .collect();
    for result in written {
        result?;
    }
    for group in groups {
        entries[group[0].0].add_findings(group.iter().map(|(_, f)| f));
    }
    Ok(())
}

/// Runs `ogi check`: the per-file pipeline, printed for a person (or as
/// JSON with `--json`) on `w`. Writes no files.
pub fn run_check(args: &CheckArgs, w: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let inputs = discover(&args.paths, None)?;
    if inputs.is_empty() {
        bail!("no input files found in {}", list_paths(&args.paths));
    }
    let mut status = ExitStatus::Success;
    // A few at a time, so that a large folder is never held in memory whole.
    for chunk in inputs.chunks(64) {
        let reports: Vec<Report> = chunk
            .par_iter()
            .map(|i| process(i, args.max_bytes))
            .collect();
        for report in &reports {
            if human::fails_check(report) {
                status = ExitStatus::Failure;
            }
            if args.json {
                // Through io::Error, so that a broken pipe stays recognisable.
                serde_json::to_writer_pretty(&mut *w, &report.to_json())
                    .map_err(io::Error::from)?;
                writeln!(w)?;
            } else {
                human::write_check(w, report)?;
            }
        }
    }
    Ok(status)
}

/// One input found by [`discover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The path to open.
    pub path: PathBuf,
    /// The path as written into `source.path`.
    pub display: String,
    /// The path relative to the root it was found under (the file name for
    /// a file given directly); report names derive from it.
    pub rel: PathBuf,
    /// Why the walk could not hand over this entry, if it could not.
    pub problem: Option<IngestProblem>,
}

/// An entry the walk found but that cannot be read as a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestProblem {
    /// The walk failed here (an unreadable folder, …).
    Walk(String),
    /// Not a regular file (a pipe, socket or device).
    NotAFile,
}

/// Walks the given paths (folders recursively, symlinked folders not
/// followed, hidden entries and `skip` — the canonical output directory —
/// left out) and returns the inputs sorted by path, duplicates removed.
/// A path that does not exist is an error.
pub fn discover(paths: &[PathBuf], skip: Option<&Path>) -> anyhow::Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for root in paths {
        fs::symlink_metadata(root)
            .with_context(|| format!("cannot read the input path {}", root.display()))?;
        if skip.is_some() && fs::canonicalize(root).ok().as_deref() == skip {
            continue;
        }
        let walk = WalkDir::new(root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| keep_entry(e, skip));
        for item in walk {
            match item {
                Ok(entry) => {
                    let ft = entry.file_type();
                    if ft.is_dir() {
                        continue;
                    }
                    let problem = if ft.is_file() || ft.is_symlink() {
                        None
                    } else {
                        Some(IngestProblem::NotAFile)
                    };
                    inputs.push(input_at(root, entry.path(), problem));
                }
                Err(err) => {
                    let path = err.path().unwrap_or(root).to_path_buf();
                    let message = match err.io_error() {
                        Some(io) => format!("could not read {}: {io}", path.display()),
                        None => err.to_string(),
                    };
                    inputs.push(input_at(root, &path, Some(IngestProblem::Walk(message))));
                }
            }
        }
    }
    inputs.sort_by(|a, b| a.display.cmp(&b.display));
    inputs.dedup_by(|a, b| a.display == b.display);
    Ok(inputs)
}

fn keep_entry(entry: &walkdir::DirEntry, skip: Option<&Path>) -> bool {
    if entry.depth() == 0 {
        return true;
    }
    let name = entry.file_name().to_string_lossy();
    if name.starts_with('.') {
        return false;
    }
    // JSON is no report format: in a folder it is answers or ogi's own
    // output (a file named on the command line is still read).
    if entry.file_type().is_file() && (name.ends_with(".json") || name.ends_with(".jsonl")) {
        return false;
    }
    match skip {
        Some(skip) if entry.file_type().is_dir() => {
            fs::canonicalize(entry.path()).ok().as_deref() != Some(skip)
        }
        _ => true,
    }
}

fn input_at(root: &Path, path: &Path, problem: Option<IngestProblem>) -> Input {
    let rel = match path.strip_prefix(root) {
        Ok(r) if !r.as_os_str().is_empty() => r.to_path_buf(),
        _ => path
            .file_name()
            .map_or_else(|| path.to_path_buf(), PathBuf::from),
    };
    Input {
        path: path.to_path_buf(),
        display: path.to_string_lossy().into_owned(),
        rel,
        problem,
    }
}

/// Puts one input through ingest → normalize → check. Never fails: a
/// problem becomes the report's `error` (`io`, `too_large`, the reader's
/// kind, or `internal` for a panic).
pub fn process(input: &Input, max_bytes: u64) -> Report {
    let mut source = Source {
        path: input.display.clone(),
        format: ingest::Format::Unknown.as_str().into(),
        ..Source::default()
    };
    let name = input
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = match &input.problem {
        Some(IngestProblem::Walk(message)) => return Report::error(source, "io", message.clone()),
        Some(IngestProblem::NotAFile) => {
            let err =
                IngestError::Unsupported("not a regular file (a pipe, socket or device)".into());
            return Report::error(source, err.kind(), err.to_string());
        }
        None => match read_limited(&input.path, max_bytes) {
            Ok(bytes) => bytes,
            Err(Unread::Ingest(err)) => return Report::error(source, err.kind(), err.to_string()),
            Err(Unread::TooLarge { size, head }) => {
                source.format = ingest::detect(&head, &name).as_str().into();
                source.bytes = size;
                let err = IngestError::TooLarge(format!(
                    "{size} bytes, more than the limit of {max_bytes} (--max-bytes)"
                ));
                return Report::error(source, err.kind(), err.to_string());
            }
        },
    };
    let fallback = Source {
        sha256: output::hex_sha256(&bytes),
        bytes: bytes.len() as u64,
        format: ingest::detect(&bytes, &name).as_str().into(),
        ..source.clone()
    };
    let result = guarded(move || process_bytes(&bytes, source));
    result.unwrap_or_else(|message| Report::error(fallback, "internal", message))
}

/// Runs one document's bytes through every per-document stage: detect the
/// format (by content; the file name in `source.path` only breaks ties),
/// read, normalise, check. An unreadable document gives a report with
/// `status: error`. Panics are not caught here (see [`guarded`]).
pub fn process_bytes(bytes: &[u8], mut source: Source) -> Report {
    let name = Path::new(&source.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let format = ingest::detect(bytes, &name);
    source.format = format.as_str().into();
    source.bytes = bytes.len() as u64;
    source.sha256 = output::hex_sha256(bytes);
    match ingest::read(format, bytes) {
        Ok(doc) => {
            source.encoding = doc.encoding.clone();
            source.sheet = doc.sheet.clone();
            let mut report = normalize::normalize(&doc, source);
            check::run(&mut report);
            report
        }
        Err(err) => Report::error(source, err.kind(), err.to_string()),
    }
}

enum Unread {
    Ingest(IngestError),
    TooLarge { size: u64, head: Vec<u8> },
}

/// Reads a whole file, unless it is larger than `max` bytes: then only its
/// first 8 KiB (enough to tell the format).
fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>, Unread> {
    let io = |e: io::Error| Unread::Ingest(IngestError::Io(e));
    let meta = fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(Unread::Ingest(IngestError::Unsupported(
            "a symbolic link to a folder (links to folders are not followed)".into(),
        )));
    }
    if !meta.is_file() {
        return Err(Unread::Ingest(IngestError::Unsupported(
            "not a regular file (a pipe, socket or device)".into(),
        )));
    }
    let file = File::open(path).map_err(io)?;
    if meta.len() > max {
        let mut head = Vec::new();
        let _ = (&file).take(8192).read_to_end(&mut head);
        return Err(Unread::TooLarge {
            size: meta.len(),
            head,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    (&file)
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max {
        // It grew while we read it.
        bytes.truncate(8192);
        return Err(Unread::TooLarge {
            size: file.metadata().map_or(max + 1, |m| m.len()),
            head: bytes,
        });
    }
    Ok(bytes)
}

thread_local! {
    static QUIET_PANICS: Cell<bool> = const { Cell::new(false) };
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, turning a panic into `Err(message)`. While `f` runs, a panic
/// on this thread is not printed (it would tear the progress bar); its
/// location is kept for the message. Panics elsewhere print as usual.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET_PANICS.with(Cell::get) {
                PANIC_AT.with(|at| *at.borrow_mut() = info.location().map(|l| l.to_string()));
            } else {
                previous(info);
            }
        }));
    });
    let was_quiet = QUIET_PANICS.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET_PANICS.with(|q| q.set(was_quiet));
    result.map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = PANIC_AT
            .with(|at| at.borrow_mut().take())
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        format!("internal error (a bug in ogi; please report it): {what}{at}")
    })
}

/// Creates `out/reports` and checks that it can be written.
fn prepare_out(out: &Path) -> anyhow::Result<PathBuf> {
    let reports = out.join(output::REPORTS_DIR);
    fs::create_dir_all(&reports)
        .with_context(|| format!("cannot create the output directory {}", reports.display()))?;
    let probe = reports.join(".ogi-write-probe");
    File::create(&probe)
        .with_context(|| format!("cannot write in the output directory {}", reports.display()))?;
    let _ = fs::remove_file(&probe);
    Ok(reports)
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{wide_bar} {pos}/{len} files ({per_sec}, {eta} left)")
    {
        bar.set_style(style);
    }
    bar
}

fn list_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Status;

    fn write(path: &Path, bytes: &[u8]) {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).expect("mkdir");
        }
        fs::write(path, bytes).expect("write");
    }

    #[test]
    fn a_panic_becomes_an_internal_message() {
        let r: Result<(), String> = guarded(|| panic!("boom {}", 42));
        let msg = r.expect_err("panicked");
        assert!(msg.contains("boom 42"), "{msg}");
        assert!(msg.contains("pipeline.rs"), "{msg}");
        assert_eq!(guarded(|| 7), Ok(7));
    }

    #[test]
    fn discovery_sorts_skips_hidden_and_the_output_dir() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("in");
        write(&root.join("b.txt"), b"b");
        write(&root.join("a/z.txt"), b"z");
        write(&root.join(".hidden"), b"h");
        write(&root.join(".git/config"), b"h");
        write(&root.join("out/reports/x.json"), b"{}");
        let skip = fs::canonicalize(root.join("out")).expect("canon");
        let found = discover(std::slice::from_ref(&root), Some(&skip)).expect("walk");
        let rels: Vec<_> = found.iter().map(|i| i.rel.clone()).collect();
        assert_eq!(rels, [PathBuf::from("a/z.txt"), PathBuf::from("b.txt")]);
        assert!(found[0].display < found[1].display);

        // A file given directly: its name is the relative path; a path given
        // twice is one input.
        let file = root.join("a/z.txt");
        let found = discover(&[file.clone(), file], None).expect("walk");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rel, PathBuf::from("z.txt"));

        assert!(discover(&[root.join("nope")], None).is_err());
    }

    #[test]
    fn too_large_inputs_are_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.html");
        write(&path, &[b'<'; 100]);
        let found = discover(&[path], None).expect("walk");
        let report = process(&found[0], 10);
        assert_eq!(report.status, Status::Error);
        assert_eq!(
            report.error.as_ref().map(|e| e.kind.as_str()),
            Some("too_large")
        );
        assert_eq!(report.source.bytes, 100);
        assert!(report.source.sha256.is_empty());
    }

    #[test]
    fn readable_inputs_carry_their_hash_and_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.bin");
        write(&path, &[0, 1, 2, 0, 0, 9]);
        let found = discover(&[path], None).expect("walk");
        let report = process(&found[0], 1 << 20);
        assert_eq!(report.source.bytes, 6);
        assert_eq!(
            report.source.sha256,
            output::hex_sha256(&[0, 1, 2, 0, 0, 9])
        );
        assert_eq!(report.source.format, "unknown");
        assert_eq!(report.status, Status::Error);
    }
}
