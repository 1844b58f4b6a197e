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
//! 3. A pool of `--jobs` threads reads every input (ingest → normalize →
//!    check) and writes its report at once: `reports/<name>.json`, or
//!    `reports/<name>#<sheet>.json` for each sheet of a workbook that holds
//!    a report on each of several sheets ([`reports_of`]). Only a small
//!    [`Entry`] and a [`BatchFacts`] per report stay in memory.
//! 4. Legacy Word/WPS files (and spreadsheets the built-in reader refuses)
//!    were set aside in step 3; when LibreOffice is installed they are
//!    converted now, in batches, one LibreOffice per worker
//!    ([`ingest::convert`]), then read like the rest. Without it they are
//!    `unsupported` error reports from step 3 on.
//! 5. [`cross_report_phase`]: the batch rules compare the reports through
//!    their facts; the reports they have findings for are re-written with
//!    those findings appended.
//! 6. The exports are streamed from the report files in path order, then
//!    the review pages (`index.html`, `review/`), then `summary.json` is
//!    written.

use crate::check::{self, BatchFacts};
use crate::cli::{CheckArgs, Cli, Command};
use crate::error::IngestError;
use crate::grid::Document;
use crate::ingest::{self, convert};
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
    /// One entry per report (per input, or per sheet of a workbook holding
    /// several reports), sorted by path.
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
    let converter = convert::Converter::system();
    let write = |i: usize, reports: Vec<Report>, seconds: f64| -> Slot {
        if failed.load(Ordering::Relaxed) {
            return Slot::Failed(None);
        }
        let written = write_reports(&reports_dir, &names[i], &reports, seconds);
        bar.inc(1);
        match written {
            Ok(done) => Slot::Done(done),
            Err((file, e)) => {
                failed.store(true, Ordering::Relaxed);
                let path = reports_dir.join(file);
                Slot::Failed(Some(
                    anyhow::Error::new(e).context(format!("could not write {}", path.display())),
                ))
            }
        }
    };
    let mut slots: Vec<Slot> = pool.install(|| {
        inputs
            .par_iter()
            .enumerate()
            .map(|(i, input)| {
                if failed.load(Ordering::Relaxed) {
                    return Slot::Failed(None);
                }
                let t = Instant::now();
                match stage_input(input, opts.max_bytes, converter.is_some()) {
                    Stage::Done(reports) => write(i, reports, t.elapsed().as_secs_f64()),
                    Stage::Convert(pending) => Slot::Pending(pending, t.elapsed().as_secs_f64()),
                }
            })
            .collect()
    });
    // The files that need LibreOffice, in batches, one instance per worker.
    if let Some(converter) = converter {
        let waiting: Vec<usize> = (0..slots.len())
            .filter(|&i| matches!(slots[i], Slot::Pending(..)))
            .collect();
        if !waiting.is_empty() && !failed.load(Ordering::Relaxed) {
            let mut work = Vec::with_capacity(waiting.len());
            for &i in &waiting {
                if let Slot::Pending(pending, seconds) =
                    std::mem::replace(&mut slots[i], Slot::Failed(None))
                {
                    work.push((i, pending, seconds));
                }
            }
            let done = pool.install(|| convert_pending(work, converter, jobs, &inputs, true));
            let written: Vec<(usize, Slot)> = pool.install(|| {
                done.into_par_iter()
                    .map(|(i, reports, seconds)| (i, write(i, reports, seconds)))
                    .collect()
            });
            for (i, slot) in written {
                slots[i] = slot;
            }
        }
    }
    bar.finish_and_clear();
    let mut entries = Vec::with_capacity(slots.len());
    let mut facts = Vec::with_capacity(slots.len());
    for slot in slots {
        match slot {
            Slot::Done(done) => {
                for (entry, fact) in done {
                    entries.push(entry);
                    facts.push(fact);
                }
            }
            Slot::Failed(Some(e)) => return Err(e),
            Slot::Failed(None) => {}
            Slot::Pending(..) => bail!("internal error: a file was left unconverted"),
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
    let converter = convert::Converter::system();
    // A few at a time, so that a large folder is never held in memory whole.
    for chunk in inputs.chunks(64) {
        let stages: Vec<Stage> = chunk
            .par_iter()
            .map(|i| stage_input(i, args.max_bytes, converter.is_some()))
            .collect();
        let mut per_input: Vec<Vec<Report>> = Vec::with_capacity(stages.len());
        let mut work = Vec::new();
        for (i, stage) in stages.into_iter().enumerate() {
            match stage {
                Stage::Done(reports) => per_input.push(reports),
                Stage::Convert(pending) => {
                    per_input.push(Vec::new());
                    work.push((i, pending, 0.0));
                }
            }
        }
        if let (Some(converter), false) = (converter, work.is_empty()) {
            let jobs = rayon::current_num_threads();
            for (i, reports, _) in convert_pending(work, converter, jobs, chunk, true) {
                per_input[i] = reports;
            }
        }
        for report in per_input.iter().flatten() {
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

/// Puts one input through ingest → normalize → check: its reports (one,
/// or one per sheet for a workbook that holds a report on each of several
/// sheets, see [`reports_of`]). A legacy Word/WPS file is converted with
/// LibreOffice when it is installed ([`convert::Converter::system`]). Never
/// fails: a problem becomes the report's `error` (`io`, `too_large`, the
/// reader's kind, or `internal` for a panic).
pub fn process(input: &Input, max_bytes: u64) -> Vec<Report> {
    let converter = convert::Converter::system();
    match stage_input(input, max_bytes, converter.is_some()) {
        Stage::Done(reports) => reports,
        Stage::Convert(pending) => {
            let fallback = pending.source.clone();
            converter
                .map(|c| {
                    convert_pending(
                        vec![(0, pending, 0.0)],
                        c,
                        1,
                        std::slice::from_ref(input),
                        true,
                    )
                })
                .and_then(|mut done| done.pop())
                .map(|(_, reports, _)| reports)
                .unwrap_or_else(|| {
                    vec![Report::error(
                        fallback,
                        "internal",
                        "internal error: the conversion did not run",
                    )]
                })
        }
    }
}

/// What reading one input gave before any conversion.
enum Stage {
    /// Its reports.
    Done(Vec<Report>),
    /// It needs LibreOffice first.
    Convert(Pending),
}

/// An input set aside for LibreOffice.
struct Pending {
    /// Its source, filled in (format, size, hash).
    source: Source,
    /// What it becomes.
    target: convert::Target,
}

/// How far one input of a run got.
enum Slot {
    /// Written: its entries and facts.
    Done(Vec<(Entry, BatchFacts)>),
    /// Waiting for LibreOffice; the seconds spent so far.
    Pending(Pending, f64),
    /// Not written: the error that stops the run, or `None` when skipped
    /// because another write failed.
    Failed(Option<anyhow::Error>),
}

/// Reads one input up to its reports, or up to the point where it needs
/// LibreOffice (only when `can_convert`; otherwise such a file is an
/// `unsupported` error report saying what to install).
fn stage_input(input: &Input, max_bytes: u64, can_convert: bool) -> Stage {
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
    let error = |source: Source, err: IngestError| {
        Stage::Done(vec![Report::error(source, err.kind(), err.to_string())])
    };
    let bytes = match &input.problem {
        Some(IngestProblem::Walk(message)) => {
            return Stage::Done(vec![Report::error(source, "io", message.clone())])
        }
        Some(IngestProblem::NotAFile) => {
            let err =
                IngestError::Unsupported("not a regular file (a pipe, socket or device)".into());
            return error(source, err);
        }
        None => match read_limited(&input.path, max_bytes) {
            Ok(bytes) => bytes,
            Err(Unread::Ingest(err)) => return error(source, err),
            Err(Unread::TooLarge { size, head }) => {
                source.format = ingest::detect(&head, &name).as_str().into();
                source.bytes = size;
                let err = IngestError::TooLarge(format!(
                    "{size} bytes, more than the limit of {max_bytes} (--max-bytes)"
                ));
                return error(source, err);
            }
        },
    };
    let fallback = Source {
        sha256: output::hex_sha256(&bytes),
        bytes: bytes.len() as u64,
        format: ingest::detect(&bytes, &name).as_str().into(),
        ..source.clone()
    };
    let result = guarded(move || first_pass(&bytes, source, true, can_convert));
    result.unwrap_or_else(|message| Stage::Done(vec![Report::error(fallback, "internal", message)]))
}

/// Runs one document's bytes through every per-document stage: detect the
/// format (by content; the file name in `source.path` only breaks ties),
/// read, normalise, check; a legacy Word/WPS document is converted with
/// LibreOffice first when it is installed. An unreadable document gives a
/// report with `status: error`. Panics are not caught here (see
/// [`guarded`]).
///
/// The file is one report: a workbook's sheets are read as one document.
/// [`process_bytes_all`] gives one report per sheet when a workbook holds
/// several reports, as `ogi extract` does.
pub fn process_bytes(bytes: &[u8], source: Source) -> Report {
    let fallback = source.clone();
    process_bytes_with(bytes, source, false)
        .into_iter()
        .next()
        .unwrap_or_else(|| Report::error(fallback, "internal", "internal error: no report"))
}

/// [`process_bytes`], with a workbook that holds a report on each of
/// several sheets giving one report per such sheet (`source.sheet` set),
/// as [`reports_of`] decides. Always at least one report.
pub fn process_bytes_all(bytes: &[u8], source: Source) -> Vec<Report> {
    process_bytes_with(bytes, source, true)
}

fn process_bytes_with(bytes: &[u8], source: Source, split: bool) -> Vec<Report> {
    let converter = convert::Converter::system();
    match first_pass(bytes, source, split, converter.is_some()) {
        Stage::Done(reports) => reports,
        Stage::Convert(pending) => match converter {
            Some(c) => {
                let converted = match c.session() {
                    Ok(mut session) => session
                        .convert(&[convert::Payload::Bytes(bytes)], pending.target)
                        .pop()
                        .unwrap_or_else(|| Err(io::Error::other("no conversion result").into())),
                    Err(e) => Err(IngestError::Io(e)),
                };
                finish(pending, converted, c, split)
            }
            None => vec![Report::error(
                pending.source,
                "internal",
                "internal error: a conversion without a converter",
            )],
        },
    }
}

/// Detects, reads and (when it can) turns the document into its reports;
/// a file LibreOffice could read comes back as [`Stage::Convert`] when
/// `can_convert`.
fn first_pass(bytes: &[u8], mut source: Source, split: bool, can_convert: bool) -> Stage {
    let name = Path::new(&source.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let format = ingest::detect(bytes, &name);
    source.format = format.as_str().into();
    source.bytes = bytes.len() as u64;
    source.sha256 = output::hex_sha256(bytes);
    match ingest::read_all(format, bytes) {
        Ok(docs) => Stage::Done(reports_of(docs, source, split)),
        Err(err) => match convert::target_for(format, &err) {
            Some(target) if can_convert => Stage::Convert(Pending { source, target }),
            _ => {
                let err = convert::without_converter(format, &name, err);
                Stage::Done(vec![Report::error(source, err.kind(), err.to_string())])
            }
        },
    }
}

/// The reports of a file converted by LibreOffice (or the error of its
/// conversion), with `source.converted` recording the conversion.
fn finish(
    pending: Pending,
    converted: convert::Converted,
    converter: &convert::Converter,
    split: bool,
) -> Vec<Report> {
    let Pending { mut source, target } = pending;
    let bytes = match converted {
        Ok(bytes) => bytes,
        Err(err) => return vec![Report::error(source, err.kind(), err.to_string())],
    };
    source.converted = Some(converter.label(target));
    match ingest::read_all(target.format(), &bytes) {
        Ok(docs) => reports_of(docs, source, split),
        Err(err) => vec![Report::error(
            source,
            err.kind(),
            format!("the file LibreOffice converted could not be read: {err}"),
        )],
    }
}

/// Converts the pending inputs (`(index, pending, seconds so far)`, the
/// index into `inputs`) on up to `jobs` LibreOffice sessions in parallel on
/// the current rayon pool, each session a worker with its own profile
/// taking a contiguous share, and reads the results: `(index, reports,
/// seconds)` in the order given.
///
/// A session gets at least a full batch ([`convert::MAX_BATCH`]) before a
/// second one starts: starting LibreOffice costs far more than converting
/// a report, and on a small machine two instances mostly wait for each
/// other (measured: two single-file conversions in parallel take as long
/// as two in a row).
fn convert_pending(
    work: Vec<(usize, Pending, f64)>,
    converter: &convert::Converter,
    jobs: usize,
    inputs: &[Input],
    split: bool,
) -> Vec<(usize, Vec<Report>, f64)> {
    let sessions = work
        .len()
        .div_ceil(convert::MAX_BATCH)
        .clamp(1, jobs.max(1));
    let share = work.len().div_ceil(sessions).max(1);
    let mut groups: Vec<Vec<(usize, Pending, f64)>> = Vec::new();
    let mut rest = work.into_iter();
    loop {
        let group: Vec<_> = rest.by_ref().take(share).collect();
        if group.is_empty() {
            break;
        }
        groups.push(group);
    }
    let done: Vec<Vec<(usize, Vec<Report>, f64)>> = groups
        .into_par_iter()
        .map(|group| convert_group(group, converter, inputs, split))
        .collect();
    done.into_iter().flatten().collect()
}

/// One worker's share of [`convert_pending`]: one session, a batch per
/// target.
fn convert_group(
    group: Vec<(usize, Pending, f64)>,
    converter: &convert::Converter,
    inputs: &[Input],
    split: bool,
) -> Vec<(usize, Vec<Report>, f64)> {
    let t = Instant::now();
    let mut session = converter.session();
    let mut converted: Vec<Option<convert::Converted>> = (0..group.len()).map(|_| None).collect();
    for target in [convert::Target::Docx, convert::Target::Xlsx] {
        let which: Vec<usize> = (0..group.len())
            .filter(|&k| group[k].1.target == target)
            .collect();
        if which.is_empty() {
            continue;
        }
        let results: Vec<convert::Converted> = match &mut session {
            Ok(session) => {
                let files: Vec<convert::Payload<'_>> = which
                    .iter()
                    .map(|&k| convert::Payload::File(&inputs[group[k].0].path))
                    .collect();
                session.convert(&files, target)
            }
            Err(e) => which
                .iter()
                .map(|_| {
                    Err(IngestError::Io(io::Error::other(format!(
                        "could not prepare LibreOffice's temporary folder: {e}"
                    ))))
                })
                .collect(),
        };
        for (k, result) in which.into_iter().zip(results) {
            converted[k] = Some(result);
        }
    }
    drop(session);
    let share = t.elapsed().as_secs_f64() / group.len().max(1) as f64;
    group
        .into_iter()
        .zip(converted)
        .map(|((i, pending, seconds), result)| {
            let t = Instant::now();
            let fallback = pending.source.clone();
            let result = result.unwrap_or_else(|| {
                Err(io::Error::other("internal error: the file was not converted").into())
            });
            let reports = guarded(|| finish(pending, result, converter, split))
                .unwrap_or_else(|message| vec![Report::error(fallback, "internal", message)]);
            (i, reports, seconds + share + t.elapsed().as_secs_f64())
        })
        .collect()
}

/// The reports of a file's documents. A workbook (several sheet documents)
/// gives one report per sheet when `split` and at least two of its sheets
/// each hold a report on their own ([`normalize::holds_report`]): the
/// sheets that do are read apart, `source.sheet` naming each, and the
/// others are left out. Otherwise (one table per sheet, all the tables on
/// one sheet, a single sheet) the sheets are read as one document, one
/// report.
pub fn reports_of(mut docs: Vec<Document>, source: Source, split: bool) -> Vec<Report> {
    if docs.len() > 1 && split {
        let holding: Vec<bool> = docs.iter().map(normalize::holds_report).collect();
        if holding.iter().filter(|h| **h).count() >= 2 {
            return docs
                .iter()
                .zip(holding)
                .filter(|(_, h)| *h)
                .map(|(doc, _)| report_of(doc, source.clone()))
                .collect();
        }
    }
    let doc = if docs.len() == 1 {
        docs.pop().unwrap_or_default()
    } else {
        ingest::sheet::merge(docs)
    };
    vec![report_of(&doc, source)]
}

/// Normalises and checks one document.
fn report_of(doc: &Document, mut source: Source) -> Report {
    source.encoding = doc.encoding.clone();
    source.sheet = doc.sheet.clone();
    let mut report = normalize::normalize(doc, source);
    check::run(&mut report);
    report
}

/// Writes an input's reports: `name` for one, `<name>#<sheet>.json` each
/// for several. The input's seconds go to its first entry. On failure, the
/// file that could not be written and why.
fn write_reports(
    reports_dir: &Path,
    name: &str,
    reports: &[Report],
    seconds: f64,
) -> Result<Vec<(Entry, BatchFacts)>, (String, io::Error)> {
    let files = if reports.len() == 1 {
        vec![name.to_string()]
    } else {
        let sheets: Vec<Option<&str>> = reports.iter().map(|r| r.source.sheet.as_deref()).collect();
        output::sheet_file_names(name, &sheets)
    };
    let mut done = Vec::with_capacity(reports.len());
    for (k, (report, file)) in reports.iter().zip(files).enumerate() {
        output::write_report(reports_dir, &file, report).map_err(|e| (file.clone(), e))?;
        let secs = if k == 0 { seconds } else { 0.0 };
        done.push((
            Entry::new(report, file, secs),
            BatchFacts::from_report(report),
        ));
    }
    Ok(done)
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

    fn first(bytes: &[u8], name: &str, can_convert: bool) -> Stage {
        let source = Source {
            path: format!("in/{name}"),
            ..Source::default()
        };
        first_pass(bytes, source, true, can_convert)
    }

    fn error_of(stage: Stage) -> (String, String, String) {
        let Stage::Done(reports) = stage else {
            panic!("set aside for conversion")
        };
        assert_eq!(reports.len(), 1);
        let r = &reports[0];
        assert_eq!(r.status, Status::Error);
        let e = r.error.as_ref().expect("error");
        (r.source.format.clone(), e.kind.clone(), e.message.clone())
    }

    #[test]
    fn without_libreoffice_legacy_files_say_what_to_install() {
        let word = crate::ingest::sheet::tests::compound_file(&[("WordDocument", vec![7; 99])]);
        for name in ["a.doc", "a.wps", "a.DOC"] {
            let (format, kind, message) = error_of(first(&word, name, false));
            assert_eq!((format.as_str(), kind.as_str()), ("doc", "unsupported"));
            assert!(message.contains("legacy Word/WPS document"), "{message}");
            assert!(message.contains("libreoffice-writer-nogui"), "{message}");
        }
        // With a converter, the same file waits for it.
        let Stage::Convert(p) = first(&word, "a.doc", true) else {
            panic!("not set aside")
        };
        assert_eq!(p.target, convert::Target::Docx);
        assert_eq!(p.source.format, "doc");
        assert_eq!(p.source.bytes, word.len() as u64);

        // A spreadsheet calamine cannot read: .et says what to install, a
        // damaged .xls stays corrupt; both wait for a converter.
        let sheet = crate::ingest::sheet::tests::compound_file(&[("ETData", vec![0; 64])]);
        let (_, kind, message) = error_of(first(&sheet, "b.et", false));
        assert_eq!(kind, "unsupported");
        assert!(message.contains("libreoffice-calc-nogui"), "{message}");
        assert_eq!(error_of(first(&sheet, "b.xls", false)).1, "corrupt");
        assert!(
            matches!(first(&sheet, "b.et", true), Stage::Convert(p) if p.target == convert::Target::Xlsx)
        );
    }

    #[test]
    fn pdf_and_encrypted_files_are_error_reports() {
        let (format, kind, message) = error_of(first(b"%PDF-1.4\n%...", "r.pdf", true));
        assert_eq!((format.as_str(), kind.as_str()), ("pdf", "unsupported"));
        assert!(message.contains("pdftotext -layout"), "{message}");

        let locked = crate::ingest::sheet::tests::compound_file(&[
            ("EncryptionInfo", vec![4, 0, 4, 0]),
            ("EncryptedPackage", vec![0; 16]),
        ]);
        for (name, want) in [("a.docx", "docx"), ("a.doc", "docx"), ("a.xlsx", "xlsx")] {
            // Never sent to LibreOffice: it needs the password too.
            let (format, kind, message) = error_of(first(&locked, name, true));
            assert_eq!(
                (format.as_str(), kind.as_str()),
                (want, "encrypted"),
                "{name}"
            );
            assert!(message.contains("password"), "{message}");
        }
    }

    #[test]
    fn too_large_inputs_are_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.html");
        write(&path, &[b'<'; 100]);
        let found = discover(&[path], None).expect("walk");
        let report = process(&found[0], 10).remove(0);
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
        let report = process(&found[0], 1 << 20).remove(0);
        assert_eq!(report.source.bytes, 6);
        assert_eq!(
            report.source.sha256,
            output::hex_sha256(&[0, 1, 2, 0, 0, 9])
        );
        assert_eq!(report.source.format, "unknown");
        assert_eq!(report.status, Status::Error);
    }
}
