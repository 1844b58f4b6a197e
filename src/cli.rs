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
    /// findings.csv, summary.json) and the review pages (index.html, review/).
    Extract(ExtractArgs),
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
}
