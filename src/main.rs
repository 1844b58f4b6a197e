//! The `ogi` binary: parse the command line, run it, map the outcome to an
//! exit code. Exit codes: 0 the run completed (for `check`: no report
//! failed), 1 `check` found an error finding or an unreadable file, 2 the
//! run could not proceed (bad arguments, no inputs, unwritable output).

use clap::Parser;
use std::process::ExitCode;

// mimalloc: the pipeline allocates many small strings and maps per
// report, from every worker at once; glibc's allocator spent a quarter of
// the run in malloc/free. The benches use the binary's allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = ogi::cli::Cli::parse();
    match ogi::pipeline::run(cli) {
        Ok(status) => ExitCode::from(status as u8),
        // The reader of our stdout went away (`ogi check … | head`): done.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ogi: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
