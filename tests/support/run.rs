//! Running the `ogi` binary from the integration tests.

use std::path::Path;
use std::process::{Command, Output};

/// A command running the `ogi` binary in `dir`. Cargo gives its path to
/// integration tests only; the benches and the sample generator, which
/// compile this module too, never run it (they would run `ogi` from the
/// `PATH`).
pub fn command(dir: &Path) -> Command {
    let mut c = Command::new(option_env!("CARGO_BIN_EXE_ogi").unwrap_or("ogi"));
    c.current_dir(dir);
    c
}

/// Runs `ogi args…` in `dir`.
pub fn ogi(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().expect("run ogi")
}

/// A run's standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
