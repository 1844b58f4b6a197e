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
//!    The report names are derived from every input found; with
//!    `--shard I/N` only the inputs of that shard ([`in_shard`]) are kept.
//! 2. `DIR/reports` is created and probed for writing (exit 2 if it can't);
//!    temporary files a killed run left in `DIR` are removed.
//! 3. A pool of `--jobs` threads reads every input (ingest → normalize →
//!    check) and writes its report at once: `reports/<name>.json`, or
//!    `reports/<name>#<sheet>.json` for each sheet of a workbook that holds
//!    a report on each of several sheets ([`reports_of`]). With `--resume`,
//!    an input whose reports this version already wrote from the same bytes
//!    is read back instead. Only a small [`Entry`] and a [`BatchFacts`] per
//!    report stay in memory.
//! 4. Legacy Word/WPS files (and spreadsheets the built-in reader refuses)
//!    were set aside in step 3; when LibreOffice is installed they are
//!    converted now, in batches, one LibreOffice per worker
//!    ([`ingest::convert`]), then read like the rest. Without it they are
//!    `unsupported` error reports from step 3 on.
//! 5. The finishing pass (`cross_report_phase`): the batch rules compare
//!    the reports through their facts; every report whose cross-report (X)
//!    findings changed is re-written with its previous X findings replaced
//!    by the new ones, and every report's review page and export rows are
//!    rendered once, from its file as finished ([`output::parts`]).
//! 6. The exports and `index.html` are assembled from the rendered rows in
//!    path order; reports and pages of inputs that are not part of the run
//!    are removed; `summary.json` is written last, and the files the run
//!    replaced are freed ([`output::empty_trash`]).
//!
//! # `ogi merge`
//!
//! [`run_merge`] reads the shards' `summary.json` and reports back, then
//! runs steps 5 and 6 over their union into a new output directory.

use crate::check::{self, BatchFacts};
use crate::cli::{CheckArgs, Cli, Command, Shard};
use crate::error::IngestError;
use crate::grid::Document;
use crate::ingest::{self, convert};
use crate::normalize;
use crate::output::ledger::{Ledger, Mark};
use crate::output::parts::Spooled;
use crate::output::view::View;
use crate::output::{self, human, summary, Entry, Totals};
use crate::schema::{Finding, Report, Severity, Source};
use anyhow::{bail, Context as _};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, IsTerminal, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::sync::{Arc, Once};
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
                resume: args.resume,
                shard: args.shard,
                early_render: true,
                review: !args.no_review,
            };
            let run = run_extract(&opts)?;
            if !opts.quiet {
                eprintln!("{}", closing_paragraph(&run));
            }
            Ok(ExitStatus::Success)
        }
        Command::Merge(args) => {
            let opts = MergeOptions {
                shards: args.shards,
                out: args.out,
                jobs: args.jobs.map(usize::from),
                review: !args.no_review,
            };
            let run = run_merge(&opts)?;
            if !args.quiet {
                for warning in &run.warnings {
                    eprintln!("ogi: warning: {warning}");
                }
                eprintln!("{}", closing_paragraph(&run));
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
    /// Reuse the reports already in `out/reports` that this version wrote
    /// from the same input bytes (see [`run_extract`]).
    pub resume: bool,
    /// Process only this shard of the inputs (see [`in_shard`]).
    pub shard: Option<Shard>,
    /// Let the workers render the reports that look unrelated to the rest
    /// of the batch (see `EarlyRender`). Only a matter of speed: the
    /// outputs are the same either way.
    pub early_render: bool,
    /// Write the review pages and `index.html` (`--no-review` clears it).
    pub review: bool,
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
            resume: false,
            shard: None,
            early_render: true,
            review: true,
        }
    }
}

/// The default `--max-bytes`: 64 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// What an extract run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The counts (`summary.json` lists every report).
    pub totals: Totals,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
    /// Threads used.
    pub jobs: usize,
    /// The output directory.
    pub out: PathBuf,
    /// Reports taken over without reading their input again (`--resume`,
    /// or every report of `ogi merge`).
    pub reused: usize,
    /// What the user should know about the run (`ogi merge`: a shard seems
    /// to be missing).
    pub warnings: Vec<String>,
    /// Reports whose review page and export rows their worker rendered,
    /// and which the finishing pass left as they were.
    pub rendered_early: usize,
    /// Whether the run wrote review pages.
    pub review: bool,
    /// Wall-clock time of the finishing pass (the cross-report findings,
    /// the reports they change or that waited for it, the exports, the
    /// stale-file sweep): the part of `elapsed` after every input was read.
    pub finishing: Duration,
}

/// The closing paragraph on stderr.
fn closing_paragraph(run: &RunSummary) -> String {
    let mut text = summary::paragraph(&run.totals, &run.out, run.elapsed, run.jobs, run.review);
    if run.reused > 0 {
        text.push_str(&format!(
            " {} report{} taken over as written (input unchanged, or from a shard).",
            run.reused,
            if run.reused == 1 { "" } else { "s" },
        ));
    }
    text
}

/// Runs `ogi extract`: every input to `out/reports/`, then the exports.
/// Fails (exit 2) only when the run cannot proceed: a path that does not
/// exist, no inputs, an output directory that cannot be written.
///
/// With `resume`, an input whose `reports/<name>.json` exists, parses, was
/// written by this version of ogi (`tool.version`) for the same path, and
/// records the SHA-256 of the input's current bytes is not processed again:
/// the report is read back ([`output::stored`]) and takes part in the
/// cross-report rules, the exports and the summary as if just computed.
/// The outputs are byte for byte those of a run without `resume`.
///
/// With `shard`, only the inputs of that shard ([`in_shard`]) are
/// processed; report names are still derived from every input found, so
/// that the shards' names are those of a single run and `ogi merge` can
/// join them.
///
/// Temporary files a killed run left in the output directory are removed
/// first; reports and review pages of inputs that are not part of this run
/// are removed at the end, so that the directory describes this run only.
pub fn run_extract(opts: &ExtractOptions) -> anyhow::Result<RunSummary> {
    let start = Instant::now();
    let skip = fs::canonicalize(&opts.out).ok();
    let mut inputs = discover(&opts.inputs, skip.as_deref())?;
    if inputs.is_empty() {
        bail!("no input files found in {}", list_paths(&opts.inputs));
    }
    let rels: Vec<(&str, &Path)> = inputs.iter().map(|i| (i.display(), i.rel())).collect();
    let mut names = output::report_file_names(&rels);
    if let Some(shard) = opts.shard {
        let keep: Vec<bool> = inputs.iter().map(|i| in_shard(i.rel(), shard)).collect();
        let mut k = keep.iter();
        inputs.retain(|_| k.next().copied().unwrap_or(false));
        let mut k = keep.iter();
        names.retain(|_| k.next().copied().unwrap_or(false));
    }
    let reports_dir = prepare_out(&opts.out)?;
    let renderer = new_renderer(&opts.out, opts.review)?;
    let ledger = new_ledger(&opts.out)?;
    let early = opts.early_render.then(|| EarlyRender::new(&renderer));
    let jobs = opts.jobs.unwrap_or_else(default_jobs).max(1);
    let pool = thread_pool(jobs)?;

    let sheet_files = if opts.resume {
        sheet_report_files(&reports_dir)
    } else {
        HashMap::new()
    };
    let bar = progress_bar(inputs.len() as u64, opts.quiet);
    let reused = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let converter = convert::Converter::system();
    let write = |i: usize, reports: Vec<Report>, seconds: f64| -> Slot {
        if failed.load(Ordering::Relaxed) {
            return Slot::Failed(None);
        }
        let written = write_reports(
            &reports_dir,
            &names[i],
            &reports,
            seconds,
            early.as_ref(),
            &ledger,
        );
        bar.inc(1);
        match written {
            Ok(done) => Slot::Done(done),
            Err((what, e)) => {
                failed.store(true, Ordering::Relaxed);
                Slot::Failed(Some(anyhow::Error::new(e).context(what)))
            }
        }
    };
    // Collected in input order straight into place, then turned into the
    // items in place: one record per report in memory, never two.
    let mut slots: Vec<Slot> = pool.install(|| {
        inputs
            .par_iter()
            .enumerate()
            .map(|(i, input)| {
                if failed.load(Ordering::Relaxed) {
                    return Slot::Failed(None);
                }
                let t = Instant::now();
                let stage = if opts.resume {
                    match reuse(
                        &reports_dir,
                        &names[i],
                        sheet_files.get(&names[i]).map(Vec::as_slice),
                        input,
                        opts.max_bytes,
                        converter.is_some(),
                    ) {
                        Ok(mut stored) => {
                            bar.inc(1);
                            reused.fetch_add(1, Ordering::Relaxed);
                            if let Some(first) = stored.first_mut() {
                                first.entry.seconds = t.elapsed().as_secs_f64();
                            }
                            let kept: io::Result<Vec<Item>> = stored
                                .iter()
                                .map(|s| Item::stored(&ledger, s, None))
                                .collect();
                            return match kept {
                                Ok(items) => Slot::Done(items),
                                Err(e) => {
                                    failed.store(true, Ordering::Relaxed);
                                    let file = stored.first().map_or("", |s| &s.entry.file);
                                    Slot::Failed(Some(
                                        anyhow::Error::new(e)
                                            .context(could_not_record(&reports_dir, file)),
                                    ))
                                }
                            };
                        }
                        Err(stage) => *stage,
                    }
                } else {
                    stage_input(input, opts.max_bytes, converter.is_some())
                };
                match stage {
                    Stage::Done(reports) => write(i, reports, t.elapsed().as_secs_f64()),
                    Stage::Convert(pending) => {
                        Slot::Pending(Box::new(pending), t.elapsed().as_secs_f64())
                    }
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
                    work.push((i, *pending, seconds));
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
    if failed.load(Ordering::Relaxed) {
        let first = slots.into_iter().find_map(|s| match s {
            Slot::Failed(e) => e,
            _ => None,
        });
        return Err(first.unwrap_or_else(|| anyhow::anyhow!("a report could not be written")));
    }
    let mut items: Vec<Item> = Vec::with_capacity(slots.len());
    for slot in slots {
        match slot {
            Slot::Done(done) => items.extend(done),
            Slot::Failed(Some(e)) => return Err(e),
            Slot::Failed(None) => {}
            Slot::Pending(..) => bail!("internal error: a file was left unconverted"),
        }
    }
    drop((inputs, names));
    let shard = opts.shard.map(|s| (s.index, s.count));
    let written = Written {
        renderer,
        ledger,
        items,
    };
    let mut run = finish(written, &pool, jobs, start, shard, None)?;
    run.reused = reused.into_inner();
    Ok(run)
}

/// Whether an input (by its path relative to its root, `/`-separated) is
/// in `shard`: the first 8 bytes of the SHA-256 of that path, as a
/// big-endian number, modulo the shard count, are `index − 1`. The choice
/// depends on the input's own path only, so that adding or removing files
/// never moves the others between shards.
pub fn in_shard(rel: &Path, shard: Shard) -> bool {
    let key: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let digest = Sha256::digest(key.join("/").as_bytes());
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    let n = u64::from(shard.count.max(1));
    u64::from_be_bytes(head) % n == u64::from(shard.index.saturating_sub(1))
}

/// The report of `input` already in `reports_dir/name`, when `--resume` may
/// reuse it (see [`run_extract`]); otherwise how far reading the input got
/// (its bytes are read once either way).
///
/// An input is its report file `name`, or, for a workbook written as one
/// report per sheet, the files `sheets` (`<name>#<sheet>.json`, in name
/// order): taken over only when each was written by this version from
/// these bytes and, for sheets, when all of them are there (each says how
/// many there are: a killed run may have written only some).
fn reuse(
    reports_dir: &Path,
    name: &str,
    sheets: Option<&[String]>,
    input: &Input,
    max_bytes: u64,
    can_convert: bool,
) -> Result<Vec<output::stored::Stored>, Box<Stage>> {
    let again = || Box::new(stage_input(input, max_bytes, can_convert));
    let files: Vec<String> = if reports_dir.join(name).is_file() {
        vec![name.to_string()]
    } else {
        sheets.map(<[String]>::to_vec).unwrap_or_default()
    };
    let mut stored = Vec::with_capacity(files.len());
    for file in files {
        match output::stored::read(&reports_dir.join(&file), file, 0.0) {
            Ok(s)
                if s.tool_version.as_deref() == Some(output::TOOL_VERSION)
                    && s.entry.path == input.display()
                    && !s.entry.sha256.is_empty() =>
            {
                stored.push(s)
            }
            _ => return Err(again()),
        }
    }
    let Some(first) = stored.first() else {
        return Err(again());
    };
    let sha256 = first.entry.sha256.clone();
    let whole = if stored.len() == 1 && first.sheet_reports.is_none() {
        true
    } else {
        let n = u32::try_from(stored.len()).ok();
        stored
            .iter()
            .all(|s| s.sheet_reports == n && s.entry.sha256 == sha256)
    };
    if !whole {
        return Err(again());
    }
    let bytes =
        read_input(input, max_bytes).map_err(|report| Box::new(Stage::Done(vec![*report])))?;
    if output::hex_sha256(&bytes) == sha256 {
        Ok(stored)
    } else {
        Err(Box::new(stage_read(input, bytes, can_convert)))
    }
}

/// The per-sheet report files in `reports_dir` (`<name>#<sheet>.json`), by
/// the `<name>.json` of their input, each list in name order.
fn sheet_report_files(reports_dir: &Path) -> HashMap<String, Vec<String>> {
    let mut by_input: HashMap<String, Vec<String>> = HashMap::new();
    for entry in fs::read_dir(reports_dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !name.ends_with(".json") {
            continue;
        }
        if let Some((stem, _)) = name.split_once('#') {
            by_input
                .entry(format!("{stem}.json"))
                .or_default()
                .push(name);
        }
    }
    for files in by_input.values_mut() {
        files.sort();
    }
    by_input
}

/// What a run keeps in memory of one report until the exports are
/// written: where its record is in the run's ledger, and the little the
/// finishing pass needs before it reads the record back.
struct Item {
    /// Its entry, facts and the cross-report findings its file holds.
    mark: Mark,
    /// How it may be related to the other reports.
    keys: GroupKeys,
    /// Whether its file holds cross-report findings.
    held: bool,
    /// The `reports/` folder holding the file when it is not the output's
    /// own (`ogi merge`: a shard's).
    from: Option<Arc<Path>>,
    /// Where the worker that wrote the report spooled its pieces, when it
    /// rendered it right away ([`EarlyRender`]): the report as written,
    /// without cross-report findings.
    rendered: Option<Spooled>,
    /// The cross-report findings it gets (by rule and severity), once the
    /// finishing pass has made them.
    batch_rules: Vec<(&'static str, Severity)>,
    /// Where the report waits in the ledger when its worker did not write
    /// it ([`write_reports`]): the finishing pass writes it once.
    deferred: Option<Mark>,
}

impl Item {
    /// Records a report in the ledger.
    fn new(
        ledger: &Ledger,
        entry: &Entry,
        facts: &BatchFacts,
        batch: Option<&output::stored::BatchKey>,
    ) -> io::Result<Item> {
        Ok(Item {
            mark: ledger.push(entry, facts, batch)?,
            keys: GroupKeys::of(facts),
            held: batch.is_some(),
            from: None,
            rendered: None,
            batch_rules: Vec::new(),
            deferred: None,
        })
    }

    fn stored(
        ledger: &Ledger,
        stored: &output::stored::Stored,
        from: Option<Arc<Path>>,
    ) -> io::Result<Item> {
        let mut item = Item::new(ledger, &stored.entry, &stored.facts, stored.batch.as_ref())?;
        item.from = from;
        Ok(item)
    }

    /// Its entry as finished: with the cross-report findings it gets.
    fn final_entry(&self, ledger: &Ledger) -> io::Result<Entry> {
        let mut entry = ledger.get(self.mark)?.entry;
        entry.add_rule_counts(self.batch_rules.iter().copied());
        Ok(entry)
    }
}

/// The finished entries of a run's items, in order, read back from its
/// ledger one at a time.
struct FinalEntries<'a> {
    items: &'a [Item],
    ledger: &'a Ledger,
}

impl output::EachEntry for FinalEntries<'_> {
    fn each_entry(&self, f: &mut dyn FnMut(&Entry) -> io::Result<()>) -> io::Result<()> {
        for item in self.items {
            f(&item.final_entry(self.ledger)?)?;
        }
        Ok(())
    }
}

/// What relates a report to others for the batch rules: a hash of its
/// agency key and one of its bytes with its sheet (see [`related_groups`];
/// X-DUPLICATE never pairs the sheets of one workbook). Two reports with an
/// equal key may be related; two with different keys are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupKeys {
    agency: Option<u64>,
    content: Option<u64>,
}

impl GroupKeys {
    /// The keys of a report.
    pub fn of(facts: &BatchFacts) -> GroupKeys {
        use std::hash::BuildHasher as _;
        // Fixed, so that a run's groups do not depend on chance.
        let hasher = foldhash::quality::FixedState::with_seed(0x6f67_6900);
        GroupKeys {
            agency: facts
                .agency_key
                .as_deref()
                .map(|k| hasher.hash_one(("agency", k))),
            content: (!facts.sha256.is_empty())
                .then(|| hasher.hash_one(("bytes", facts.sha256.as_str(), facts.sheet.as_deref()))),
        }
    }
}

/// Every report of a batch, written (or found), before the finishing pass.
struct Written {
    /// The run's renderer, holding what the workers rendered already.
    renderer: output::parts::Renderer,
    /// The records of the reports.
    ledger: Ledger,
    /// The reports, sorted by path.
    items: Vec<Item>,
}

/// The common end of `extract` and `merge`, once every report of the batch
/// is `written`: the cross-report phase, the exports, the review pages,
/// the removal of stale files, then `summary.json`. The renderer's folder
/// is the output folder. `format_seconds` replaces the worker seconds per
/// format (`merge`: the shards' own).
fn finish(
    written: Written,
    pool: &rayon::ThreadPool,
    jobs: usize,
    start: Instant,
    shard: Option<(u32, u32)>,
    format_seconds: Option<&BTreeMap<String, f64>>,
) -> anyhow::Result<RunSummary> {
    let Written {
        renderer,
        ledger,
        mut items,
    } = written;
    let out = &renderer.out().to_path_buf();
    let finishing = Instant::now();
    let spooled = pool.install(|| cross_report_phase(out, &mut items, &ledger, &renderer))?;
    let rendered_early = items
        .iter()
        .zip(&spooled)
        .filter(|(item, s)| item.rendered.as_ref() == Some(*s))
        .count();
    let entries = FinalEntries {
        items: &items,
        ledger: &ledger,
    };
    let mut totals = Totals::from_each(&entries)
        .with_context(|| format!("could not read the run's records in {}", out.display()))?;
    if let Some(seconds) = format_seconds {
        for (format, tally) in &mut totals.by_format {
            tally.seconds = seconds.get(format).copied().unwrap_or(0.0);
        }
    }
    let review = renderer.review();
    renderer.finish(&spooled, &totals)?;
    drop(spooled);
    remove_stale(out, &entries, totals.reports, review)?;
    let elapsed = start.elapsed();
    let finishing = finishing.elapsed();
    summary::write(out, &totals, &entries, elapsed, jobs, shard)
        .with_context(|| format!("could not write {}", out.join("summary.json").display()))?;
    // The files this run replaced, freed now that it creates no more.
    for dir in [
        out.to_path_buf(),
        out.join(output::REPORTS_DIR),
        out.join(output::review::REVIEW_DIR),
    ] {
        output::empty_trash(&dir).with_context(|| {
            format!(
                "could not remove the files this run replaced in {}",
                dir.display()
            )
        })?;
    }
    drop((items, ledger));
    Ok(RunSummary {
        totals,
        elapsed,
        jobs,
        out: out.to_path_buf(),
        reused: 0,
        warnings: Vec::new(),
        rendered_early,
        review,
        finishing,
    })
}

/// Removes the reports and review pages of inputs that are not part of
/// the run (left by an earlier run over other inputs into the same folder),
/// and every review page and `index.html` when the run wrote none.
///
/// Every one of the run's `reports` has its file (and its page) in place,
/// so a folder holding exactly as many has none of another run, and the
/// names of the run's files are only gathered when it holds more.
fn remove_stale(
    out: &Path,
    entries: &dyn output::EachEntry,
    reports: usize,
    review: bool,
) -> anyhow::Result<()> {
    // Each folder, its files' suffix, whether the run wrote one per report,
    // and the name of a report's file in it.
    type FileOf = fn(&str) -> String;
    let folders = [
        (
            out.join(output::REPORTS_DIR),
            ".json",
            true,
            str::to_string as FileOf,
        ),
        (
            out.join(output::review::REVIEW_DIR),
            ".html",
            review,
            output::review::page_file,
        ),
    ];
    for (dir, suffix, written, file_of) in folders {
        let held = output::count_files(&dir, suffix).with_context(|| {
            format!(
                "could not list the files of earlier runs in {}",
                dir.display()
            )
        })?;
        if written && held == reports {
            continue;
        }
        let mut keep: HashSet<String> = HashSet::new();
        if written {
            entries
                .each_entry(&mut |e| {
                    keep.insert(file_of(&e.file));
                    Ok(())
                })
                .with_context(|| {
                    format!("could not read the run's records in {}", out.display())
                })?;
        }
        output::remove_stale_files(&dir, suffix, &keep).with_context(|| {
            format!(
                "could not remove the files of earlier runs from {}",
                dir.display()
            )
        })?;
    }
    if !review {
        let index = out.join(output::review::INDEX_FILE);
        match fs::remove_file(&index) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(
                    anyhow::Error::new(e).context(format!("could not remove {}", index.display()))
                );
            }
            _ => {}
        }
        // The folder too, when nothing of the user's is in it.
        let _ = fs::remove_dir(out.join(output::review::REVIEW_DIR));
    }
    Ok(())
}

/// Reports of one related group whose cross-report findings are made and
/// finished together (the findings of two slices are in memory at a time:
/// the one being finished and the next).
const BATCH_SLICE: usize = 256;

/// Applies the rules that compare reports with each other (the same
/// agency's consecutive years, the same report twice: [`check::BATCH_RULES`])
/// and finishes every report: its file gets its cross-report findings, and
/// its review page and export rows are rendered (from the final file) into
/// `renderer`, which gives where they are, by item, unless its worker
/// rendered it already and it gets none. It runs after every report is
/// written (or found).
///
/// 1. The reports are split into [`related_groups`]: the batch rules only
///    ever relate reports of the same agency or with the same bytes, so
///    running them over each group apart gives the findings of one run
///    over the whole batch, while only a few groups' findings are in
///    memory at a time (a large batch can have several findings per
///    report).
/// 2. In each group the batch rules run over the facts (a few hundred bytes
///    per report; no report is in memory). Then each report of the group
///    is finished ([`finish_report`]), in parallel: a file whose
///    cross-report findings differ from those it holds gets its previous
///    cross-report findings dropped and the new ones appended after its
///    own, written to `out/reports/<file>` atomically
///    ([`output::set_batch_findings`]); a report of another folder
///    (`merge`) whose findings are unchanged is copied as it is.
/// 3. Each [`Entry`] counts its new findings, so that `summary.json`, the
///    exports and the review index include them.
///
/// Deterministic and idempotent: the findings depend only on the facts in
/// path order, each file is written by one worker, and a file finished
/// twice is the same file.
fn cross_report_phase(
    out: &Path,
    items: &mut [Item],
    ledger: &Ledger,
    renderer: &output::parts::Renderer,
) -> anyhow::Result<Vec<Spooled>> {
    let groups = {
        let keys: Vec<GroupKeys> = items.iter().map(|i| i.keys).collect();
        related_groups(&keys)
    };
    let reports_dir = out.join(output::REPORTS_DIR);
    let shared: &[Item] = items;
    let records = |what: &str| format!("could not read the run's records of {what}");
    type Done = Vec<(usize, Vec<(&'static str, Severity)>, Spooled)>;
    let done: Vec<anyhow::Result<Done>> = groups
        .par_iter()
        .map(|group| {
            if let [i] = group[..] {
                // Alone in its group, a report gets no cross-report
                // findings (the batch rules relate two reports or more).
                let spooled = finish_report(&reports_dir, &shared[i], ledger, &[], &[], renderer)?;
                return Ok(vec![(i, Vec::new(), spooled)]);
            }
            let facts: Vec<BatchFacts> = group
                .iter()
                .map(|&i| ledger.get(shared[i].mark).map(|r| r.facts))
                .collect::<io::Result<_>>()
                .with_context(|| records(&format!("{} related reports", group.len())))?;
            // A slice of the group at a time: a group can be most of the
            // batch (one agency's years, many copies of one file), and each
            // report can have a long X-DUPLICATE finding. The findings of
            // the next slice are made while this one is finished, so that
            // one large group keeps every worker busy.
            let slice = |lo: usize| {
                let hi = (lo + BATCH_SLICE).min(group.len());
                (lo, hi, check::run_batch_for(&facts, lo..hi))
            };
            let mut done = Vec::with_capacity(group.len());
            let mut next = Some(slice(0));
            while let Some((lo, hi, found)) = next.take() {
                let (part, after) = rayon::join(
                    || -> anyhow::Result<Done> {
                        let mut new: Vec<Vec<&Finding>> = vec![Vec::new(); hi - lo];
                        for (k, f) in &found {
                            match k.checked_sub(lo).and_then(|k| new.get_mut(k)) {
                                Some(list) => list.push(f),
                                None => bail!(
                                    "internal error: a batch finding for a report that does not exist"
                                ),
                            }
                        }
                        group[lo..hi]
                            .par_iter()
                            .zip(new.par_iter())
                            .map(|(&i, new)| {
                                let rules: Vec<_> =
                                    new.iter().map(|f| (f.rule, f.severity)).collect();
                                let spooled = finish_report(
                                    &reports_dir,
                                    &shared[i],
                                    ledger,
                                    new,
                                    &rules,
                                    renderer,
                                )?;
                                Ok((i, rules, spooled))
                            })
                            .collect()
                    },
                    || (hi < group.len()).then(|| slice(hi)),
                );
                done.extend(part?);
                next = after;
            }
            Ok(done)
        })
        .collect();
    let mut spooled: Vec<Option<Spooled>> = vec![None; items.len()];
    for done in done {
        for (i, rules, s) in done? {
            items[i].batch_rules = rules;
            spooled[i] = Some(s);
        }
    }
    spooled
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            s.ok_or_else(|| anyhow::anyhow!("internal error: report {i} was not finished"))
        })
        .collect()
}

/// Gives the report file of `item` exactly the cross-report findings
/// `new` (see [`cross_report_phase`]; `rules` are theirs), then renders its
/// review page and export rows from the file as it now is (the entry
/// counting the new findings).
fn finish_report(
    reports_dir: &Path,
    item: &Item,
    ledger: &Ledger,
    new: &[&Finding],
    rules: &[(&'static str, Severity)],
    renderer: &output::parts::Renderer,
) -> anyhow::Result<Spooled> {
    if let (true, false, Some(rendered)) = (new.is_empty(), item.held, item.rendered) {
        // Rendered by its worker, and still as it was.
        return Ok(rendered);
    }
    let record = ledger.get(item.mark).with_context(|| {
        format!(
            "could not read the run's record of a report in {}",
            reports_dir.display()
        )
    })?;
    let file = &record.entry.file;
    let to = reports_dir.join(file);
    let mut entry = record.entry.clone();
    entry.add_rule_counts(rules.iter().copied());
    if let Some(waiting) = item.deferred {
        // Waiting in the ledger: rendered once, with its cross-report
        // findings, as `set_batch_findings_of` would give them.
        let result = ledger.report(waiting).and_then(|mut report| {
            report.findings.retain(|f| !output::is_batch_rule(f.rule));
            report.findings.extend(new.iter().map(|&f| f.clone()));
            let printed = output::Printed::of(&report)?;
            output::write_bytes(&to, &printed.file)?;
            renderer.put_report(&View::of_report(&report), &printed, &entry)
        });
        return result.with_context(|| format!("could not finish the report {}", to.display()));
    }
    // The report as it stands in its file (in another folder for `merge`).
    let from = item
        .from
        .as_deref()
        .map_or_else(|| to.clone(), |d| d.join(file));
    let key = output::stored::batch_key(new.iter().copied());
    let elsewhere = item.from.is_some();
    let result = fs::read(&from).and_then(|bytes| {
        if key == record.batch {
            if elsewhere {
                output::write_bytes(&to, &bytes)?;
            }
            renderer.put_bytes(&bytes, &to, &entry)
        } else {
            output::set_batch_findings_of(bytes, &from, &to, new.iter().copied()).and_then(
                |written| renderer.put_json(&View::of_json(&written.json), &written.bytes, &entry),
            )
        }
    });
    result.with_context(|| format!("could not finish the report {}", to.display()))
}

/// Splits a batch into the groups the batch rules may relate: two reports
/// are in one group when they have the same agency (by
/// [`check::agency_key`]) or the same SHA-256 and sheet, directly or
/// through other reports. These are the only ways the X rules of RULES.md
/// match reports (X-CARRY-OVER and X-STOCK: the same agency in consecutive
/// years; X-DUPLICATE: the same bytes, or the same agency and year), so the
/// findings of [`check::run_batch`] over each group, mapped back, are those
/// over the whole batch (`tests::groups_give_the_findings_of_the_whole_batch`).
///
/// The reports are compared by their [`GroupKeys`], hashes of the agency
/// key and of the SHA-256 and sheet: two keys with the same hash put unrelated
/// reports in one group, which changes no finding (the rules compare the
/// facts themselves), only which reports are read together.
///
/// Every report is in exactly one group; groups are listed in the order of
/// their first report, and each lists its reports in batch order.
pub fn related_groups(keys: &[GroupKeys]) -> Vec<Vec<usize>> {
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..keys.len()).collect();
    let mut first_agency: HashMap<u64, usize> = HashMap::new();
    let mut first_hash: HashMap<u64, usize> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        let keys = [
            k.agency.map(|k| (&mut first_agency, k)),
            k.content.map(|k| (&mut first_hash, k)),
        ];
        for (first, key) in keys.into_iter().flatten() {
            let j = *first.entry(key).or_insert(i);
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            // The smaller index is the root: groups keep batch order.
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut slot: HashMap<usize, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..keys.len() {
        let r = root(&mut parent, i);
        let k = *slot.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[k].push(i);
    }
    groups
}

/// The options of `ogi merge`.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    /// The shards' output directories.
    pub shards: Vec<PathBuf>,
    /// The output directory.
    pub out: PathBuf,
    /// Worker threads; `None` = the number of cores.
    pub jobs: Option<usize>,
    /// Write the review pages and `index.html`.
    pub review: bool,
}

/// One input as a shard's `summary.json` lists it.
struct Listed {
    path: String,
    file: String,
    shard: usize,
}

/// Runs `ogi merge`: joins the outputs of `extract --shard` runs into
/// `out`, as one run over all their inputs would have written it.
///
/// Each shard must be a finished run of this version (its `summary.json`
/// lists its inputs). The reports are read back ([`output::stored`]), the
/// cross-report rules run over their union (each shard's own cross-report
/// findings are dropped first), the reports are copied into
/// `out/reports/` with their new cross-report findings, and the exports,
/// review pages and summary are written as `extract` writes them. Fails
/// (exit 2) when a shard is not a finished run, was written by another
/// version, or lists an input or a report name another shard lists too.
pub fn run_merge(opts: &MergeOptions) -> anyhow::Result<RunSummary> {
    let start = Instant::now();
    if opts.shards.is_empty() {
        bail!("no shard output directories to merge");
    }
    let out_canon = fs::canonicalize(&opts.out).ok();
    let mut listed: Vec<Listed> = Vec::new();
    let mut format_seconds: BTreeMap<String, f64> = BTreeMap::new();
    let mut shard_ids: Vec<(u32, u32)> = Vec::new();
    let mut warnings = Vec::new();
    for (k, dir) in opts.shards.iter().enumerate() {
        if out_canon.is_some() && fs::canonicalize(dir).ok() == out_canon {
            bail!(
                "the merge output {} is one of the shards; write it to a new folder",
                opts.out.display()
            );
        }
        let shard = read_shard_summary(dir)?;
        for (format, secs) in shard.format_seconds {
            *format_seconds.entry(format).or_default() += secs;
        }
        if let Some(id) = shard.shard {
            shard_ids.push(id);
        }
        listed.extend(shard.files.into_iter().map(|(path, file)| Listed {
            path,
            file,
            shard: k,
        }));
    }
    if let Some(w) = missing_shards(&shard_ids, opts.shards.len()) {
        warnings.push(w);
    }
    // One input may have several reports (one per sheet of a workbook),
    // all in the same shard; by report file within an input.
    listed.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.file.cmp(&b.file)));
    for pair in listed.windows(2) {
        if pair[0].path == pair[1].path && pair[0].shard != pair[1].shard {
            bail!(
                "{} is in two shards ({} and {}): were they run over different inputs, or is a shard given twice?",
                pair[0].path,
                opts.shards[pair[0].shard].display(),
                opts.shards[pair[1].shard].display()
            );
        }
    }
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for (i, l) in listed.iter().enumerate() {
        if let Some(&j) = names.get(&l.file.to_lowercase()) {
            bail!(
                "{} and {} both have the report file name {} (in {} and {}): the shards were not run over the same inputs",
                listed[j].path,
                l.path,
                l.file,
                opts.shards[listed[j].shard].display(),
                opts.shards[l.shard].display()
            );
        }
        names.insert(l.file.to_lowercase(), i);
    }
    drop(names);

    prepare_out(&opts.out)?;
    let ledger = new_ledger(&opts.out)?;
    let jobs = opts.jobs.unwrap_or_else(default_jobs).max(1);
    let pool = thread_pool(jobs)?;
    let dirs: Vec<Arc<Path>> = opts
        .shards
        .iter()
        .map(|d| Arc::from(d.join(output::REPORTS_DIR).as_path()))
        .collect();
    let items: Vec<anyhow::Result<Item>> = pool.install(|| {
        listed
            .par_iter()
            .map(|l| {
                let dir = &dirs[l.shard];
                let path = dir.join(&l.file);
                let stored = output::stored::read(&path, l.file.clone(), 0.0)
                    .with_context(|| format!("cannot merge {}", path.display()))?;
                if stored.entry.path != l.path {
                    bail!(
                        "cannot merge {}: it is the report of {}, but the shard's summary.json lists it for {}",
                        path.display(),
                        stored.entry.path,
                        l.path
                    );
                }
                if stored.tool_version.as_deref() != Some(output::TOOL_VERSION) {
                    bail!(
                        "cannot merge {}: it was not written by ogi {} (run the shard again)",
                        path.display(),
                        output::TOOL_VERSION
                    );
                }
                Item::stored(&ledger, &stored, Some(Arc::clone(dir)))
                    .map_err(|e| anyhow::Error::new(e).context(could_not_record(dir, &l.file)))
            })
            .collect()
    });
    let items = items.into_iter().collect::<anyhow::Result<Vec<Item>>>()?;
    let reused = items.len();
    let renderer = new_renderer(&opts.out, opts.review)?;
    let written = Written {
        renderer,
        ledger,
        items,
    };
    let mut run = finish(written, &pool, jobs, start, None, Some(&format_seconds))?;
    run.reused = reused;
    run.warnings = warnings;
    Ok(run)
}

/// What `merge` reads of a shard's `summary.json`.
struct ShardSummary {
    /// (source path, report file name) per input.
    files: Vec<(String, String)>,
    format_seconds: BTreeMap<String, f64>,
    shard: Option<(u32, u32)>,
}

fn read_shard_summary(dir: &Path) -> anyhow::Result<ShardSummary> {
    let path = dir.join("summary.json");
    let bytes = fs::read(&path).with_context(|| {
        format!(
            "{} is not the output of a finished `ogi extract` (cannot read {})",
            dir.display(),
            path.display()
        )
    })?;
    let summary: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a summary of ogi", path.display()))?;
    let text = |key: &str| summary.get(key).and_then(serde_json::Value::as_str);
    if text("tool") != Some(output::TOOL_NAME) {
        bail!("{} is not a summary of ogi", path.display());
    }
    let version = text("version").unwrap_or("?");
    if version != output::TOOL_VERSION {
        bail!(
            "{} was written by ogi {version}, this is ogi {}: run the shard again with this version",
            dir.display(),
            output::TOOL_VERSION
        );
    }
    let files = summary
        .get("files")
        .and_then(serde_json::Value::as_array)
        .with_context(|| format!("{} lists no files", path.display()))?;
    let prefix = format!("{}/", output::REPORTS_DIR);
    let mut list = Vec::with_capacity(files.len());
    for f in files {
        let input = f.get("path").and_then(serde_json::Value::as_str);
        let report = f
            .get("report")
            .and_then(serde_json::Value::as_str)
            .and_then(|r| r.strip_prefix(&prefix))
            .filter(|r| !r.is_empty() && !r.contains(['/', '\\']) && !r.starts_with('.'));
        match (input, report) {
            (Some(input), Some(report)) => list.push((input.to_string(), report.to_string())),
            _ => bail!("{} has a malformed entry in files: {f}", path.display()),
        }
    }
    let format_seconds = summary
        .get("format_seconds")
        .and_then(serde_json::Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_f64().map(|s| (k.clone(), s)))
                .collect()
        })
        .unwrap_or_default();
    let shard = text("shard").and_then(|s| s.parse::<Shard>().ok());
    Ok(ShardSummary {
        files: list,
        format_seconds,
        shard: shard.map(|s| (s.index, s.count)),
    })
}

/// A warning when the shards given do not look like a whole set (1/N …
/// N/N, each once); `None` when they do or say nothing about it.
fn missing_shards(ids: &[(u32, u32)], given: usize) -> Option<String> {
    if ids.is_empty() {
        return None;
    }
    let count = ids[0].1;
    if ids.len() != given || ids.iter().any(|&(_, n)| n != count) {
        return Some(
            "the shards were not all cut the same way (different --shard counts); the merged dataset may be incomplete"
                .into(),
        );
    }
    let have: std::collections::BTreeSet<u32> = ids.iter().map(|&(i, _)| i).collect();
    let missing: Vec<String> = (1..=count)
        .filter(|i| !have.contains(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "shard{} {} {} not among the merged folders; the merged dataset holds only the shards given",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        )
    })
}

fn thread_pool(jobs: usize) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .context("could not start the worker threads")
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
                // As io::Error, so that a broken pipe stays recognisable;
                // in the layout of a report file.
                output::layout::write(&mut *w, &report.to_json(), output::layout::Layout::new())?;
                writeln!(w)?;
            } else {
                human::write_check(w, report)?;
            }
        }
    }
    Ok(status)
}

/// One input found by [`discover`].
///
/// A run holds one per input until it ends, so it is kept small: the path
/// once, as text, with the relative path a suffix of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The path as written into `source.path` (lossy for a path that is
    /// not UTF-8).
    display: Box<str>,
    /// Where the relative path starts in `display`.
    rel_at: u32,
    /// The paths themselves when `display` cannot give them (a path that
    /// is not UTF-8; a relative path that is not a suffix of the path).
    exotic: Option<Box<(PathBuf, PathBuf)>>,
    /// Why the walk could not hand over this entry, if it could not.
    problem: Option<Box<IngestProblem>>,
}

impl Input {
    /// The input at `path`, found under `root` (see [`Input::rel`]).
    pub fn new(root: &Path, path: &Path, problem: Option<IngestProblem>) -> Input {
        let rel = match path.strip_prefix(root) {
            Ok(r) if !r.as_os_str().is_empty() => r,
            _ => path.file_name().map_or(path, Path::new),
        };
        let display = path.to_string_lossy();
        let exact = matches!(display, std::borrow::Cow::Borrowed(_));
        let rel_at = match rel.to_str() {
            Some(r) if exact && display.ends_with(r) => u32::try_from(display.len() - r.len()).ok(),
            _ => None,
        };
        Input {
            exotic: match rel_at {
                Some(_) => None,
                None => Some(Box::new((path.to_path_buf(), rel.to_path_buf()))),
            },
            display: display.into(),
            rel_at: rel_at.unwrap_or(0),
            problem: problem.map(Box::new),
        }
    }

    /// The path to open.
    pub fn path(&self) -> &Path {
        match &self.exotic {
            Some(paths) => &paths.0,
            None => Path::new(&*self.display),
        }
    }

    /// The path as written into `source.path`.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The path relative to the root it was found under (the file name for
    /// a file given directly); report names derive from it.
    pub fn rel(&self) -> &Path {
        match &self.exotic {
            Some(paths) => &paths.1,
            None => Path::new(&self.display[self.rel_at as usize..]),
        }
    }

    /// Why the walk could not hand over this entry, if it could not.
    pub fn problem(&self) -> Option<&IngestProblem> {
        self.problem.as_deref()
    }
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
                    inputs.push(Input::new(root, entry.path(), problem));
                }
                Err(err) => {
                    let path = err.path().unwrap_or(root).to_path_buf();
                    let message = match err.io_error() {
                        Some(io) => format!("could not read {}: {io}", path.display()),
                        None => err.to_string(),
                    };
                    inputs.push(Input::new(root, &path, Some(IngestProblem::Walk(message))));
                }
            }
        }
    }
    inputs.sort_by(|a, b| a.display.cmp(&b.display));
    inputs.shrink_to_fit();
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
    /// Written (or, with `--resume`, found): one item per report.
    Done(Vec<Item>),
    /// Waiting for LibreOffice; the seconds spent so far. Boxed: a slot is
    /// kept per input until every input is read, and few wait.
    Pending(Box<Pending>, f64),
    /// Not written: the error that stops the run, or `None` when skipped
    /// because another write failed.
    Failed(Option<anyhow::Error>),
}

/// Reads one input up to its reports, or up to the point where it needs
/// LibreOffice (only when `can_convert`; otherwise such a file is an
/// `unsupported` error report saying what to install).
fn stage_input(input: &Input, max_bytes: u64, can_convert: bool) -> Stage {
    match read_input(input, max_bytes) {
        Ok(bytes) => stage_read(input, bytes, can_convert),
        Err(report) => Stage::Done(vec![*report]),
    }
}

fn file_name(input: &Input) -> String {
    input
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn bare_source(input: &Input) -> Source {
    Source {
        path: input.display().to_string(),
        format: ingest::Format::Unknown.as_str().into(),
        ..Source::default()
    }
}

/// The bytes of an input, or the error report of an input that cannot be
/// read (or is over `max_bytes`).
fn read_input(input: &Input, max_bytes: u64) -> Result<Vec<u8>, Box<Report>> {
    let mut source = bare_source(input);
    match input.problem() {
        Some(IngestProblem::Walk(message)) => {
            Err(Box::new(Report::error(source, "io", message.clone())))
        }
        Some(IngestProblem::NotAFile) => {
            let err =
                IngestError::Unsupported("not a regular file (a pipe, socket or device)".into());
            Err(Box::new(Report::error(source, err.kind(), err.to_string())))
        }
        None => match read_limited(input.path(), max_bytes) {
            Ok(bytes) => Ok(bytes),
            Err(Unread::Ingest(err)) => {
                Err(Box::new(Report::error(source, err.kind(), err.to_string())))
            }
            Err(Unread::TooLarge { size, head }) => {
                source.format = ingest::detect(&head, &file_name(input)).as_str().into();
                source.bytes = size;
                let err = IngestError::TooLarge(format!(
                    "{size} bytes, more than the limit of {max_bytes} (--max-bytes)"
                ));
                Err(Box::new(Report::error(source, err.kind(), err.to_string())))
            }
        },
    }
}

/// [`first_pass`] on an input's bytes, a panic becoming an `internal`
/// error report.
fn stage_read(input: &Input, bytes: Vec<u8>, can_convert: bool) -> Stage {
    let source = bare_source(input);
    let result = guarded(|| first_pass(&bytes, source.clone(), true, can_convert));
    result.unwrap_or_else(|message| {
        // Described afresh (hash, size, format), not by the panicked pass.
        let fallback = Source {
            sha256: output::hex_sha256(&bytes),
            bytes: bytes.len() as u64,
            format: ingest::detect(&bytes, &file_name(input)).as_str().into(),
            ..source
        };
        Stage::Done(vec![Report::error(fallback, "internal", message)])
    })
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
                finish_converted(pending, converted, c, split)
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
fn finish_converted(
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
                    .map(|&k| convert::Payload::File(inputs[group[k].0].path()))
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
            let reports = guarded(|| finish_converted(pending, result, converter, split))
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
        let n = holding.iter().filter(|h| **h).count();
        if n >= 2 {
            let mut source = source;
            source.sheet_reports = u32::try_from(n).ok();
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
/// for several. The input's seconds go to its first entry. On failure,
/// what could not be written (a sentence naming the file) and why.
fn write_reports(
    reports_dir: &Path,
    name: &str,
    reports: &[Report],
    seconds: f64,
    early: Option<&EarlyRender<'_>>,
    ledger: &Ledger,
) -> Result<Vec<Item>, (String, io::Error)> {
    let files = if reports.len() == 1 {
        vec![name.to_string()]
    } else {
        let sheets: Vec<Option<&str>> = reports.iter().map(|r| r.source.sheet.as_deref()).collect();
        output::sheet_file_names(name, &sheets)
    };
    // The reports of one input in file-name order, as `--resume` and
    // `ogi merge` find them.
    let mut pairs: Vec<(&Report, String)> = reports.iter().zip(files).collect();
    pairs.sort_by(|a, b| a.1.cmp(&b.1));
    let mut done = Vec::with_capacity(reports.len());
    for (k, (report, file)) in pairs.into_iter().enumerate() {
        let could_not_write = |e| {
            let path = reports_dir.join(&file);
            (format!("could not write {}", path.display()), e)
        };
        let secs = if k == 0 { seconds } else { 0.0 };
        let facts = BatchFacts::from_report(report);
        let first = early.map(|early| early.first_of_its_kind(&facts));
        if first == Some(false) && !reports_dir.join(&file).exists() {
            // Related to a report before it, it will most likely get
            // cross-report findings, and its file be written again: its
            // bytes wait in the ledger, and the finishing pass writes the
            // file once.
            let entry = Entry::new(report, file, secs);
            let record = |e| (could_not_record(reports_dir, &entry.file), e);
            let waiting = ledger.put_report(report).map_err(record)?;
            let mut item = Item::new(ledger, &entry, &facts, None).map_err(record)?;
            item.deferred = Some(waiting);
            done.push(item);
            continue;
        }
        let (printed, batch) =
            output::write_fresh_report(reports_dir, &file, report).map_err(could_not_write)?;
        let entry = Entry::new(report, file, secs);
        let rendered = match early {
            Some(early) if batch.is_none() && first == Some(true) => Some(
                early
                    .renderer
                    .put_report(&View::of_report(report), &printed, &entry)
                    .map_err(|e| (could_not_render(reports_dir, &entry.file), e))?,
            ),
            _ => None,
        };
        let mut item = Item::new(ledger, &entry, &facts, batch.as_ref())
            .map_err(|e| (could_not_record(reports_dir, &entry.file), e))?;
        item.rendered = rendered;
        done.push(item);
    }
    Ok(done)
}

/// The error context of a report whose review page or export rows could
/// not be written.
fn could_not_render(reports_dir: &Path, file: &str) -> String {
    format!(
        "could not write the review page and export rows of {}",
        reports_dir.join(file).display()
    )
}

/// The error context of a report whose record could not be kept.
fn could_not_record(reports_dir: &Path, file: &str) -> String {
    format!(
        "could not keep the run's record of {} (in a temporary file beside reports/)",
        reports_dir.join(file).display()
    )
}

/// The run's ledger, in its output folder.
fn new_ledger(out: &Path) -> anyhow::Result<Ledger> {
    Ledger::new(out).with_context(|| {
        format!(
            "could not create a temporary file in {} (the run's records)",
            out.display()
        )
    })
}

/// The renderer of a run's review pages and export pieces.
fn new_renderer(out: &Path, review: bool) -> anyhow::Result<output::parts::Renderer> {
    output::parts::Renderer::new(out, review)
        .with_context(|| format!("could not prepare the review pages in {}", out.display()))
}

/// Lets a worker render a report it has just written, while the report is
/// still in memory, instead of the finishing pass reading it back.
///
/// That render is only of use when the report gets no cross-report
/// findings, which the worker cannot know: they depend on the rest of the
/// batch. It guesses: a report is rendered early when no report read
/// before it has the same agency or the same bytes — the only ways the X
/// rules relate reports (see [`related_groups`]). So a batch of distinct
/// reports is rendered once, in the workers, while of one agency's years
/// or of many copies of a file only the first is, and only it may be
/// rendered twice (when it too gets findings). The guess never changes
/// the outputs: [`finish_report`] renders again any report whose early
/// render lacks the findings it gets.
struct EarlyRender<'a> {
    renderer: &'a output::parts::Renderer,
    /// The [`GroupKeys`] of the reports written so far (a collision only
    /// costs an early render).
    seen: Mutex<HashSet<u64>>,
}

impl<'a> EarlyRender<'a> {
    fn new(renderer: &'a output::parts::Renderer) -> EarlyRender<'a> {
        EarlyRender {
            renderer,
            seen: Mutex::new(HashSet::new()),
        }
    }

    /// Whether no report seen before `facts` shares its agency or its
    /// bytes; `facts` is seen from now on.
    fn first_of_its_kind(&self, facts: &BatchFacts) -> bool {
        let keys = GroupKeys::of(facts);
        let keys = [keys.agency, keys.content];
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        let mut first = true;
        for key in keys.into_iter().flatten() {
            first &= seen.insert(key);
        }
        first
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
    // What a killed run left half-written: never read, removed now.
    for dir in [
        out.to_path_buf(),
        reports.clone(),
        out.join(output::review::REVIEW_DIR),
    ] {
        output::remove_temp_files(&dir).with_context(|| {
            format!(
                "cannot remove the temporary files of an earlier run from {}",
                dir.display()
            )
        })?;
    }
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
    fn groups_give_the_findings_of_the_whole_batch() {
        use crate::check::batch::tests::report;
        let over = "t3.carried_over.natural_person";
        let fwd = "t3.carried_forward.natural_person";
        let stock = "t2.regulations.in_force";
        let mut reports = vec![
            report(
                "四方台区人民政府",
                2023,
                &[(fwd, Some(4)), (stock, Some(9))],
            ),
            report("某县", 2024, &[(over, Some(1))]),
            report("四方台区", 2024, &[(over, Some(5)), (fwd, Some(2))]),
            report("某市教育局", 2020, &[]),
            report("四方台区政府", 2024, &[(over, Some(4))]),
            report("某县", 2025, &[(over, Some(3))]),
            report("四方台区", 2025, &[(over, Some(7))]),
            report("另一区", 2024, &[]),
            report("某市教育局", 2021, &[(stock, Some(1))]),
        ];
        // The same bytes as 某县 2024, under another agency; and a report
        // with no agency at all.
        reports[7].source.sha256 = reports[1].source.sha256.clone();
        reports[3].meta.agency = None;
        let facts: Vec<BatchFacts> = reports.iter().map(BatchFacts::from_report).collect();
        let whole = check::run_batch(&facts);
        assert!(whole.len() >= 6, "{whole:#?}");
        assert!(whole.iter().any(|(_, f)| f.rule == "X-DUPLICATE"));
        assert!(whole.iter().any(|(_, f)| f.rule == "X-CARRY-OVER"));

        let keys: Vec<GroupKeys> = facts.iter().map(GroupKeys::of).collect();
        let groups = related_groups(&keys);
        let mut members: Vec<usize> = groups.iter().flatten().copied().collect();
        members.sort_unstable();
        assert_eq!(members, (0..facts.len()).collect::<Vec<_>>());
        assert_eq!(groups[0], [0, 2, 4, 6], "四方台区 in all its spellings");
        assert!(
            groups.contains(&vec![1, 5, 7]),
            "某县 and its copy: {groups:?}"
        );
        assert!(groups.contains(&vec![3]), "no agency: alone");

        let mut grouped: Vec<(usize, Finding)> = Vec::new();
        for g in &groups {
            let sub: Vec<BatchFacts> = g.iter().map(|&i| facts[i].clone()).collect();
            grouped.extend(check::run_batch(&sub).into_iter().map(|(k, f)| (g[k], f)));
        }
        grouped.sort_by_key(|(i, _)| *i);
        assert_eq!(grouped, whole);
        // The cross-report phase does not run the rules for a report
        // alone in its group.
        for g in groups.iter().filter(|g| g.len() == 1) {
            assert!(whole.iter().all(|(i, _)| *i != g[0]), "{g:?}");
        }

        // Unrelated reports put in one group (as a hash collision would):
        // the same findings.
        let merged: Vec<BatchFacts> = [&groups[0], &vec![3, 8]]
            .iter()
            .flat_map(|g| g.iter().map(|&i| facts[i].clone()))
            .collect();
        let order: Vec<usize> = groups[0].iter().chain(&[3, 8]).copied().collect();
        let mut from_merged: Vec<(usize, Finding)> = check::run_batch(&merged)
            .into_iter()
            .map(|(k, f)| (order[k], f))
            .collect();
        from_merged.sort_by_key(|(i, _)| *i);
        let expected: Vec<(usize, Finding)> = whole
            .iter()
            .filter(|(i, _)| order.contains(i))
            .cloned()
            .collect();
        assert_eq!(from_merged, expected);

        // A slice at a time, as the cross-report phase makes them.
        for size in 1..=facts.len() {
            let mut sliced: Vec<(usize, Finding)> = Vec::new();
            for lo in (0..facts.len()).step_by(size) {
                let hi = (lo + size).min(facts.len());
                let part = check::run_batch_for(&facts, lo..hi);
                assert!(part.iter().all(|(i, _)| (lo..hi).contains(i)));
                sliced.extend(part);
            }
            assert_eq!(sliced, whole, "slices of {size}");
        }
    }

    #[test]
    fn shards_split_by_relative_path() {
        let paths: Vec<PathBuf> = (0..300)
            .map(|i| PathBuf::from(format!("d{}/f{i}.txt", i % 7)))
            .collect();
        for n in [1, 2, 3, 7] {
            let mut sizes = vec![0usize; n as usize];
            for p in &paths {
                let owners: Vec<u32> = (1..=n)
                    .filter(|&i| in_shard(p, Shard { index: i, count: n }))
                    .collect();
                assert_eq!(owners.len(), 1, "{} in {owners:?} of {n}", p.display());
                sizes[(owners[0] - 1) as usize] += 1;
            }
            let even = paths.len() / n as usize;
            assert!(
                sizes.iter().all(|&s| s > even / 2 && s < even * 2),
                "{sizes:?}"
            );
        }
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
        let rels: Vec<_> = found.iter().map(|i| i.rel().to_path_buf()).collect();
        assert_eq!(rels, [PathBuf::from("a/z.txt"), PathBuf::from("b.txt")]);
        assert!(found[0].display < found[1].display);

        // A file given directly: its name is the relative path; a path given
        // twice is one input.
        let file = root.join("a/z.txt");
        let found = discover(&[file.clone(), file], None).expect("walk");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rel(), Path::new("z.txt"));

        assert!(discover(&[root.join("nope")], None).is_err());
    }

    #[test]
    fn an_input_keeps_its_paths_exactly() {
        let input = Input::new(Path::new("in/"), Path::new("in/a/报告.html"), None);
        assert_eq!(input.path(), Path::new("in/a/报告.html"));
        assert_eq!(input.display(), "in/a/报告.html");
        assert_eq!(input.rel(), Path::new("a/报告.html"));
        assert!(input.exotic.is_none() && input.problem().is_none());

        // A file given directly: its name.
        let input = Input::new(Path::new("x.txt"), Path::new("x.txt"), None);
        assert_eq!(input.rel(), Path::new("x.txt"));

        // A path that is not UTF-8 is opened as it is, shown lossily.
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let odd = Path::new(std::ffi::OsStr::from_bytes(b"in/b\xff.txt"));
            let input = Input::new(Path::new("in"), odd, Some(IngestProblem::NotAFile));
            assert_eq!(input.path(), odd);
            assert_eq!(input.display(), "in/b\u{fffd}.txt");
            assert_eq!(
                input.rel(),
                Path::new(std::ffi::OsStr::from_bytes(b"b\xff.txt"))
            );
            assert_eq!(input.problem(), Some(&IngestProblem::NotAFile));
        }
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
