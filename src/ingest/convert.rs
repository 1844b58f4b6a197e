//! Legacy office files through LibreOffice: a `.doc` / `.wps` becomes a
//! `.docx`, a spreadsheet the built-in reader cannot read (a Kingsoft `.et`
//! that is not plain BIFF, a damaged `.xls`) becomes an `.xlsx`, and the
//! result is read like any other file of that format.
//!
//! LibreOffice is optional and found at run time ([`Converter::system`]): the
//! `soffice` on `PATH`, or the program named by the environment variable
//! `OGI_SOFFICE` (empty or `none` turns conversion off). Without it, such a
//! file is an `unsupported` error report that says what to install
//! ([`without_converter`]); the run goes on.
//!
//! A [`Session`] is one worker's LibreOffice: a private profile in a
//! temporary folder (so that parallel workers never hand their files to each
//! other's running instance), removed when the session ends. Files are
//! converted in batches of at most [`MAX_BATCH`] per `soffice` call, because
//! starting LibreOffice costs about three seconds and converting a report a
//! quarter of one. A batch that runs longer than its timeout
//! ([`BATCH_TIMEOUT`], plus [`FILE_TIMEOUT`] per file) is killed with its
//! whole process group; the files it had finished are kept, the one it was
//! on is converted alone (and fails alone if it hangs again), and the rest
//! go on as a batch.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::Format;
use crate::error::IngestError;

/// How long one `soffice` call may run before it is killed, plus
/// [`FILE_TIMEOUT`] for every file of the batch after the first.
pub const BATCH_TIMEOUT: Duration = Duration::from_secs(60);

/// The time a batch's timeout grows by per file (a report converts in a
/// quarter of a second; starting LibreOffice takes about three).
pub const FILE_TIMEOUT: Duration = Duration::from_secs(2);

/// Files converted by one `soffice` call at most.
pub const MAX_BATCH: usize = 32;

/// Largest converted file read back.
const MAX_OUTPUT_BYTES: u64 = 256 << 20;

/// How long `soffice --version` may take.
const VERSION_TIMEOUT: Duration = Duration::from_secs(20);

/// The environment variable naming the LibreOffice program (`none` or empty:
/// no conversion).
pub const ENV_PROGRAM: &str = "OGI_SOFFICE";

/// What a file is converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// A word-processing document, for `.doc` / `.wps`.
    Docx,
    /// A workbook, for spreadsheets calamine cannot read.
    Xlsx,
}

impl Target {
    /// The extension of the converted file, as written in `source.converted`.
    pub fn ext(self) -> &'static str {
        match self {
            Target::Docx => "docx",
            Target::Xlsx => "xlsx",
        }
    }

    /// The format the converted file is read as.
    pub fn format(self) -> Format {
        match self {
            Target::Docx => Format::Docx,
            Target::Xlsx => Format::Xlsx,
        }
    }

    /// The `--convert-to` argument (extension and export filter).
    fn filter(self) -> &'static str {
        match self {
            Target::Docx => "docx:MS Word 2007 XML",
            Target::Xlsx => "xlsx:Calc MS Excel 2007 XML",
        }
    }

    /// The extension the input copy gets (LibreOffice looks at the content
    /// too, but the extension picks the first filter it tries).
    fn input_ext(self) -> &'static str {
        match self {
            Target::Docx => "doc",
            Target::Xlsx => "xls",
        }
    }

    /// The format name of an error about the input.
    fn source_format(self) -> &'static str {
        match self {
            Target::Docx => "doc",
            Target::Xlsx => "xls",
        }
    }
}

/// The conversion that would let ogi read a file that [`super::read_all`]
/// refused, if there is one: a legacy Word/WPS document (always refused, as
/// the built-in readers do not read it) to `.docx`, a spreadsheet in an OLE
/// container that calamine could not read to `.xlsx`.
pub fn target_for(format: Format, err: &IngestError) -> Option<Target> {
    match (format, err) {
        (Format::Doc, IngestError::Unsupported(_)) => Some(Target::Docx),
        (Format::Xls, IngestError::Corrupt { .. }) => Some(Target::Xlsx),
        _ => None,
    }
}

/// What [`super::read`] says of a legacy Word/WPS document: it is read only
/// through LibreOffice, and how to install it.
pub fn legacy_word_message() -> String {
    "this is a legacy Word/WPS document (the binary .doc/.wps format, not .docx); \
     ogi reads it by converting it with LibreOffice, and LibreOffice (`soffice`) was not found. \
     Installing LibreOffice (`apt-get install libreoffice-writer-nogui`) lets ogi read it; \
     saving the file as .docx does too"
        .into()
}

/// The error to report for a file [`target_for`] would convert, when no
/// converter is available: a legacy Word/WPS document and an `.et` sheet
/// calamine cannot read become `unsupported` with what to install; other
/// errors are returned as they are (a damaged `.xls` stays corrupt).
pub fn without_converter(format: Format, name: &str, err: IngestError) -> IngestError {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match (target_for(format, &err), &err) {
        (Some(Target::Docx), _) => IngestError::Unsupported(legacy_word_message()),
        (Some(Target::Xlsx), IngestError::Corrupt { detail, .. }) if ext == "et" => {
            IngestError::Unsupported(format!(
                "this is a WPS spreadsheet (.et) that the built-in spreadsheet reader cannot read \
                 ({detail}); ogi reads such files by converting them with LibreOffice, and \
                 LibreOffice (`soffice`) was not found. Installing LibreOffice \
                 (`apt-get install libreoffice-calc-nogui`) lets ogi read it; saving the file as \
                 .xlsx does too"
            ))
        }
        _ => err,
    }
}

/// A file to convert: on disk, or in memory.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// A file, copied into the session's folder.
    File(&'a Path),
    /// Bytes, written into the session's folder.
    Bytes(&'a [u8]),
}

/// The LibreOffice program and what it says of itself.
#[derive(Debug)]
pub struct Converter {
    program: PathBuf,
    timeout: Duration,
    per_file: Duration,
    version: OnceLock<String>,
}

impl Converter {
    /// A converter running `program` (a path, or a name looked up on `PATH`
    /// by the operating system).
    pub fn new(program: impl Into<PathBuf>) -> Converter {
        Converter {
            program: program.into(),
            timeout: BATCH_TIMEOUT,
            per_file: FILE_TIMEOUT,
            version: OnceLock::new(),
        }
    }

    /// The same converter with other timeouts: `base` for a call, plus
    /// `per_file` for each file after the first.
    pub fn with_timeout(mut self, base: Duration, per_file: Duration) -> Converter {
        self.timeout = base;
        self.per_file = per_file;
        self
    }

    /// The converter of this environment: `$OGI_SOFFICE` when set (none when
    /// it is empty or `none`), else `soffice` when it is on `PATH`.
    pub fn find() -> Option<Converter> {
        match std::env::var_os(ENV_PROGRAM) {
            Some(v) if v.is_empty() || v == "none" => None,
            Some(v) => {
                let path = PathBuf::from(&v);
                if path.components().count() > 1 {
                    is_executable(&path).then(|| Converter::new(path))
                } else {
                    on_path(&v).map(Converter::new)
                }
            }
            None => on_path(&OsString::from("soffice")).map(Converter::new),
        }
    }

    /// [`Converter::find`], looked up once per process.
    pub fn system() -> Option<&'static Converter> {
        static SYSTEM: OnceLock<Option<Converter>> = OnceLock::new();
        SYSTEM.get_or_init(Converter::find).as_ref()
    }

    /// The program run.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The LibreOffice version, major and minor (`7.4`); empty when
    /// `soffice --version` does not say. Asked once, on first use.
    pub fn version(&self) -> &str {
        self.version.get_or_init(|| query_version(&self.program))
    }

    /// What `source.converted` records: `libreoffice 7.4 → docx`.
    pub fn label(&self, target: Target) -> String {
        let v = self.version();
        if v.is_empty() {
            format!("libreoffice → {}", target.ext())
        } else {
            format!("libreoffice {v} → {}", target.ext())
        }
    }

    /// Starts a session: a private temporary folder for the profile and the
    /// files, removed when the session is dropped.
    pub fn session(&self) -> io::Result<Session<'_>> {
        Ok(Session {
            converter: self,
            dir: TempDir::new("ogi-soffice")?,
            runs: 0,
        })
    }
}

/// One worker's LibreOffice: a private profile and working folder.
#[derive(Debug)]
pub struct Session<'a> {
    converter: &'a Converter,
    dir: TempDir,
    runs: usize,
}

/// A converted file, or why there is none.
pub type Converted = Result<Vec<u8>, IngestError>;

/// What one `soffice` call gave: results for the first files, in order; the
/// rest are unknown because the call was stopped.
struct Run {
    done: Vec<Converted>,
    stopped: bool,
}

impl Session<'_> {
    /// Converts the files, in batches of at most [`MAX_BATCH`]; one result
    /// per file, in order.
    ///
    /// When a batch is stopped at its timeout, what it finished is kept, the
    /// file it was on (and the next, in case it had just finished that one)
    /// are converted alone, and the rest go on as a batch: a file that hangs
    /// LibreOffice costs one timeout and fails alone.
    pub fn convert(&mut self, files: &[Payload<'_>], target: Target) -> Vec<Converted> {
        let mut results = Vec::with_capacity(files.len());
        for chunk in files.chunks(MAX_BATCH) {
            let mut rest = chunk;
            while !rest.is_empty() {
                let run = self.run(rest, target);
                let finished = run.done.len();
                results.extend(run.done);
                if !run.stopped {
                    break;
                }
                if rest.len() == 1 {
                    results.push(Err(self.timeout_error(target, 1)));
                    break;
                }
                let suspects = (rest.len() - finished).min(2);
                for file in &rest[finished..finished + suspects] {
                    let mut alone = self.run(std::slice::from_ref(file), target);
                    results.push(
                        alone
                            .done
                            .pop()
                            .unwrap_or_else(|| Err(self.timeout_error(target, 1))),
                    );
                }
                rest = &rest[finished + suspects..];
            }
        }
        results
    }

    /// The timeout of a call converting `files` files.
    fn timeout(&self, files: usize) -> Duration {
        let extra = u32::try_from(files.saturating_sub(1)).unwrap_or(u32::MAX);
        self.converter
            .timeout
            .saturating_add(self.converter.per_file.saturating_mul(extra))
    }

    fn timeout_error(&self, target: Target, files: usize) -> IngestError {
        IngestError::TooLarge(format!(
            "converting the {} file with LibreOffice took longer than {} s and was stopped",
            target.source_format(),
            self.timeout(files).as_secs()
        ))
    }

    /// One `soffice` call over `files`.
    fn run(&mut self, files: &[Payload<'_>], target: Target) -> Run {
        self.runs += 1;
        let run_dir = self.dir.path().join(format!("run{}", self.runs));
        let (in_dir, out_dir) = (run_dir.join("in"), run_dir.join("out"));
        let run = self.run_in(files, target, &in_dir, &out_dir, &run_dir);
        let _ = fs::remove_dir_all(&run_dir);
        run
    }

    fn run_in(
        &mut self,
        files: &[Payload<'_>],
        target: Target,
        in_dir: &Path,
        out_dir: &Path,
        run_dir: &Path,
    ) -> Run {
        let format = target.source_format();
        let all = |msg: String| Run {
            done: files
                .iter()
                .map(|_| Err(IngestError::Io(io::Error::other(msg.clone()))))
                .collect(),
            stopped: false,
        };
        if let Err(e) = fs::create_dir_all(in_dir).and_then(|()| fs::create_dir_all(out_dir)) {
            return all(format!("could not prepare the conversion folder: {e}"));
        }
        let stem = |i: usize| format!("f{i:03}");
        // A file that cannot be copied in fails alone.
        let mut early: Vec<Option<IngestError>> = Vec::with_capacity(files.len());
        let mut args: Vec<PathBuf> = Vec::new();
        for (i, file) in files.iter().enumerate() {
            let path = in_dir.join(format!("{}.{}", stem(i), target.input_ext()));
            let copied = match file {
                Payload::File(src) => fs::copy(src, &path).map(|_| ()),
                Payload::Bytes(bytes) => fs::write(&path, bytes),
            };
            match copied {
                Ok(()) => {
                    args.push(path);
                    early.push(None);
                }
                Err(e) => early.push(Some(IngestError::Io(e))),
            }
        }
        let mut stopped = false;
        if !args.is_empty() {
            let profile = self.dir.path().join("profile");
            let log = run_dir.join("soffice.log");
            let timeout = self.timeout(args.len());
            let outcome = fs::File::create(&log).and_then(|log| {
                let mut cmd = Command::new(&self.converter.program);
                cmd.arg(format!("-env:UserInstallation={}", file_url(&profile)))
                    .args([
                        "--headless",
                        "--invisible",
                        "--nologo",
                        "--norestore",
                        "--nolockcheck",
                        "--nodefault",
                        "--convert-to",
                        target.filter(),
                        "--outdir",
                    ])
                    .arg(out_dir)
                    .args(&args)
                    .stdin(Stdio::null())
                    .stdout(log.try_clone()?)
                    .stderr(log);
                own_process_group(&mut cmd);
                let child = cmd.spawn()?;
                wait_or_kill(child, timeout)
            });
            match outcome {
                Ok(finished) => stopped = !finished,
                Err(e) => {
                    return all(format!(
                        "could not run LibreOffice ({}): {e}",
                        self.converter.program.display()
                    ))
                }
            }
            if stopped {
                // A killed instance may leave its profile locked: start afresh.
                let _ = fs::remove_dir_all(&profile);
            }
        }
        let outputs: Vec<Option<PathBuf>> = (0..files.len())
            .map(|i| {
                let p = out_dir.join(format!("{}.{}", stem(i), target.ext()));
                p.is_file().then_some(p)
            })
            .collect();
        // LibreOffice converts in order: when it was stopped, the files
        // before the last one it wrote are complete (that one may not be).
        let finished = if stopped {
            outputs.iter().rposition(Option::is_some).unwrap_or(0)
        } else {
            files.len()
        };
        let said = read_log(&run_dir.join("soffice.log"));
        let done = early
            .into_iter()
            .zip(outputs)
            .take(finished)
            .map(|(early, output)| match (early, output) {
                (Some(err), _) => Err(err),
                (None, Some(out)) => read_output(&out, format),
                (None, None) => Err(IngestError::corrupt(
                    format,
                    format!("LibreOffice could not convert it{said}"),
                )),
            })
            .collect();
        Run { done, stopped }
    }
}

/// Reads a converted file (up to [`MAX_OUTPUT_BYTES`]).
fn read_output(path: &Path, format: &'static str) -> Converted {
    let file = fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_OUTPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_OUTPUT_BYTES {
        return Err(IngestError::TooLarge(format!(
            "the {format} file converted by LibreOffice is larger than {MAX_OUTPUT_BYTES} bytes"
        )));
    }
    Ok(bytes)
}

/// What LibreOffice printed, as a short suffix for an error message (its
/// last meaningful line).
fn read_log(path: &Path) -> String {
    let text = fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let line = text
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.contains("javaldx") && !l.starts_with("convert "));
    match line {
        Some(l) => {
            let short: String = l.chars().take(200).collect();
            format!(" (LibreOffice said: {short})")
        }
        None => String::new(),
    }
}

/// Waits for the child; kills its process group after `timeout`. `true`
/// when it finished by itself.
fn wait_or_kill(mut child: Child, timeout: Duration) -> io::Result<bool> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(10);
    loop {
        if child.try_wait()?.is_some() {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            kill_group(&mut child);
            let _ = child.wait();
            return Ok(false);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

/// Runs the command in a process group of its own, so that the office
/// process `soffice` starts can be stopped with it.
#[cfg(unix)]
fn own_process_group(cmd: &mut Command) {
    use std::os::unix::process::CommandExt as _;
    cmd.process_group(0);
}

#[cfg(not(unix))]
fn own_process_group(_cmd: &mut Command) {}

/// Kills the child's process group (it leads one: [`own_process_group`]),
/// then the child itself in case that failed.
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        // The shell's own `kill` (no procps needed); a negative id names
        // the process group.
        let _ = Command::new("sh")
            .args(["-c", &format!("kill -9 -{}", child.id())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

/// `soffice --version` → `7.4` (from `LibreOffice 7.4.7.2 40(Build:2)`).
fn query_version(program: &Path) -> String {
    let Ok(dir) = TempDir::new("ogi-soffice-version") else {
        return String::new();
    };
    let out = dir.path().join("version.txt");
    let ran = fs::File::create(&out).and_then(|file| {
        let mut cmd = Command::new(program);
        cmd.arg("--version")
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(Stdio::null());
        own_process_group(&mut cmd);
        wait_or_kill(cmd.spawn()?, VERSION_TIMEOUT)
    });
    if !matches!(ran, Ok(true)) {
        return String::new();
    }
    let text = fs::read_to_string(&out).unwrap_or_default();
    parse_version(&text)
}

fn parse_version(text: &str) -> String {
    text.split_whitespace()
        .skip_while(|w| !w.eq_ignore_ascii_case("libreoffice"))
        .nth(1)
        .map(|v| {
            v.split('.')
                .take(2)
                .take_while(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
                .collect::<Vec<_>>()
                .join(".")
        })
        .unwrap_or_default()
}

/// A `file://` URL for a local path, for `-env:UserInstallation`.
fn file_url(path: &Path) -> String {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let s = abs.to_string_lossy().replace('\\', "/");
    let mut url = String::from("file://");
    if !s.starts_with('/') {
        url.push('/');
    }
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~' | b':') {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

fn on_path(name: &std::ffi::OsStr) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// A folder under the system's temporary folder, removed on drop.
#[derive(Debug)]
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> io::Result<TempDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        for _ in 0..16 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir = base.join(format!("{prefix}-{}-{n}-{nanos:08x}", std::process::id()));
            match fs::create_dir(&dir) {
                Ok(()) => return Ok(TempDir(dir)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("could not create a temporary folder")))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_the_banner() {
        assert_eq!(parse_version("LibreOffice 7.4.7.2 40(Build:2)\n"), "7.4");
        assert_eq!(parse_version("LibreOffice 24.8.1.2 abc"), "24.8");
        assert_eq!(parse_version("something else"), "");
    }

    #[test]
    fn profile_urls_are_absolute_and_escaped() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/年")),
            "file:///tmp/a%20b/%E5%B9%B4"
        );
    }

    #[test]
    fn only_legacy_documents_and_unreadable_sheets_are_converted() {
        let corrupt = || IngestError::corrupt("xls", "no Workbook stream");
        let word = IngestError::Unsupported(legacy_word_message());
        assert_eq!(target_for(Format::Doc, &word), Some(Target::Docx));
        assert_eq!(target_for(Format::Xls, &corrupt()), Some(Target::Xlsx));
        assert_eq!(target_for(Format::Xlsx, &corrupt()), None);
        let locked = IngestError::Encrypted("x".into());
        assert_eq!(target_for(Format::Xls, &locked), None);

        let et = without_converter(Format::Xls, "报表.ET", corrupt());
        assert_eq!(et.kind(), "unsupported");
        assert!(et.to_string().contains("libreoffice-calc-nogui"), "{et}");
        assert!(et.to_string().contains("no Workbook stream"), "{et}");
        // A damaged .xls stays what it is.
        assert_eq!(
            without_converter(Format::Xls, "a.xls", corrupt()).kind(),
            "corrupt"
        );
        let doc = without_converter(Format::Doc, "a.wps", word);
        assert!(
            doc.to_string().contains("libreoffice-writer-nogui"),
            "{doc}"
        );
    }

    #[test]
    fn a_missing_program_fails_each_file_without_blocking() {
        let conv = Converter::new("/nonexistent/ogi-test-soffice");
        assert_eq!(conv.version(), "");
        assert_eq!(conv.label(Target::Docx), "libreoffice → docx");
        let mut session = conv.session().expect("session");
        let dir = session.dir.path().to_path_buf();
        let out = session.convert(&[Payload::Bytes(b"x"), Payload::Bytes(b"y")], Target::Docx);
        assert_eq!(out.len(), 2);
        for r in &out {
            let e = r.as_ref().expect_err("no program");
            assert_eq!(e.kind(), "io");
            assert!(e.to_string().contains("could not run LibreOffice"), "{e}");
        }
        drop(session);
        assert!(!dir.exists(), "the session folder is removed");
    }

    #[cfg(unix)]
    #[test]
    fn a_hanging_converter_is_stopped_and_each_file_fails_alone() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let script = dir.path().join("fake-soffice");
        // Converts files whose content is "ok" by copying them, hangs on
        // "hang" (with a child process, as soffice has one).
        fs::write(
            &script,
            "#!/bin/sh\nout=''\nwhile [ $# -gt 0 ]; do\n  case \"$1\" in\n    --outdir) out=\"$2\"; shift;;\n    *.doc) \
             if grep -q hang \"$1\"; then sleep 30 & wait; fi; b=$(basename \"$1\" .doc); cp \"$1\" \"$out/$b.docx\";;\n  esac\n  shift\ndone\n",
        )
        .expect("script");
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
        let conv = Converter::new(&script)
            .with_timeout(Duration::from_millis(1000), Duration::from_millis(200));
        let mut session = conv.session().expect("session");
        let t = Instant::now();
        let out = session.convert(
            &[
                Payload::Bytes(b"ok 1"),
                Payload::Bytes(b"hang"),
                Payload::Bytes(b"ok 3"),
            ],
            Target::Docx,
        );
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
        assert_eq!(out[0].as_deref().ok(), Some(&b"ok 1"[..]));
        let e = out[1].as_ref().expect_err("hung");
        assert_eq!(e.kind(), "too_large");
        assert!(e.to_string().contains("took longer than"), "{e}");
        assert_eq!(out[2].as_deref().ok(), Some(&b"ok 3"[..]));
    }
}
