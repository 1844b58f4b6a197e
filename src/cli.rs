//! The command line, as clap derive types. No logic lives here: the
//! pipeline turns these values into work.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Turns China's government information-disclosure annual reports
/// (政府信息公开工作年度报告) into clean, checked data.
#[derive(Debug, Parser)]
#[command(name = "ogi", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read every report under the given paths and write one JSON report per
    /// input plus the dataset exports (dataset.jsonl, dataset.csv,
    /// findings.csv, summary.json) and, unless --no-review, the review pages
    /// (index.html, review/).
    Extract(ExtractArgs),
    /// Join the outputs of `extract --shard` runs into one output directory,
    /// as one run over all the inputs would have written it.
    Merge(MergeArgs),
    /// Check the given reports and print the findings for a person; writes
    /// nothing. Exits 1 when a report has an error finding or cannot be read.
    Check(CheckArgs),
    /// List every rule with its id, severity and summary.
    Rules,
    /// Print the JSON Schema (draft 2020-12) of the report object
    /// (`ogi-report/1`) that `extract` writes per input.
    Schema,
}

/// Arguments of `ogi extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Files and folders to read (folders are walked; hidden entries are
    /// skipped).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Where to write the reports and exports.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Worker threads (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// No progress bar and no closing summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Inputs larger than this many bytes become `too_large` error reports.
    #[arg(long, value_name = "N", default_value_t = 64 * 1024 * 1024)]
    pub max_bytes: u64,
    /// Reuse the report of every input whose `DIR/reports/<name>.json`
    /// was written by this version of ogi from the same bytes (same
    /// SHA-256); the other inputs are read again.
    #[arg(long)]
    pub resume: bool,
    /// Process only shard I of N (1-based): a fixed share of the inputs,
    /// chosen by a hash of each input's path relative to its root. Join the
    /// N output directories with `ogi merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Write no review pages (`DIR/review/`, `DIR/index.html`), only the
    /// reports and the dataset exports: for bulk research runs, which it
    /// makes faster and smaller. Review pages of an earlier run into DIR
    /// are removed, as they would no longer match the reports.
    #[arg(long)]
    pub no_review: bool,
}

/// One shard of a run: `index` of `count`, 1-based (`--shard 2/4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 1 to `count`.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard: write I/N with 1 <= I <= N, e.g. 2/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Arguments of `ogi merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The output directories of the shards (each written by `ogi extract
    /// --shard I/N` over the same inputs).
    #[arg(required = true, value_name = "OUT")]
    pub shards: Vec<PathBuf>,
    /// Where to write the joined reports and exports.
    #[arg(long, value_name = "DIR", required = true)]
    pub out: PathBuf,
    /// Worker threads (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// No closing summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Write no review pages, as `extract --no-review`.
    #[arg(long)]
    pub no_review: bool,
}

/// Arguments of `ogi check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Reports to check (folders are walked).
    #[arg(required = true, value_name = "FILE")]
    pub paths: Vec<PathBuf>,
    /// Print each report's JSON instead of the findings.
    #[arg(long)]
    pub json: bool,
    /// Inputs larger than this many bytes are not read.
    #[arg(long, value_name = "N", default_value_t = 64 * 1024 * 1024)]
    pub max_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn jobs_must_be_positive() {
        assert!(Cli::try_parse_from(["ogi", "extract", "x", "--jobs", "0"]).is_err());
        let cli = Cli::try_parse_from(["ogi", "extract", "x", "-j", "3"]).expect("valid");
        match cli.command {
            Command::Extract(a) => {
                assert_eq!(a.jobs, Some(3));
                assert_eq!(a.out, PathBuf::from("out"));
                assert_eq!(a.max_bytes, 64 << 20);
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn shards_are_i_of_n() {
        let shard = |s: &str| s.parse::<Shard>();
        assert_eq!(shard("2/4"), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(shard("1/1"), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/3", "4/3", "1", "a/b", "1/0", "-1/3", ""] {
            let err = shard(bad).expect_err(bad);
            assert!(err.contains("I/N"), "{err}");
        }
        assert_eq!(Shard { index: 3, count: 8 }.to_string(), "3/8");
        let cli = Cli::try_parse_from(["ogi", "extract", "x", "--shard", "2/3", "--resume"])
            .expect("valid");
        match cli.command {
            Command::Extract(a) => {
                assert_eq!(a.shard, Some(Shard { index: 2, count: 3 }));
                assert!(a.resume);
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(Cli::try_parse_from(["ogi", "extract", "x", "--shard", "4/3"]).is_err());
        assert!(
            Cli::try_parse_from(["ogi", "merge", "a", "b"]).is_err(),
            "--out is required"
        );
        assert!(Cli::try_parse_from(["ogi", "merge", "a", "b", "--out", "c"]).is_ok());
    }
}
