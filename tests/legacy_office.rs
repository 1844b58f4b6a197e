//! Legacy office files and misnamed files.
//!
//! - Without LibreOffice, a `.doc` / `.wps` / unreadable `.et` and a PDF are
//!   `unsupported` error reports that say what to do, and the run goes on.
//! - With a converter, legacy files are converted in batches and read like
//!   the DOCX/XLSX they become, `source.converted` saying how. A stand-in
//!   `soffice` (a shell script) drives the whole path on any Unix; the real
//!   LibreOffice round trip runs when `soffice` is installed (skipped
//!   otherwise).
//! - A misnamed file is read by what it is.

mod support;

use ogi::ingest::convert::{Converter, Payload, Target};
use ogi::schema::Source;
use serde_json::Value as Json;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;
use support::expect::compare;

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sample(rel: &str) -> Vec<u8> {
    fs::read(root().join("samples").join(rel)).expect("sample")
}

fn golden() -> Json {
    let path = root().join("tests/fixtures/samples/report-2021.json");
    serde_json::from_slice(&fs::read(path).expect("golden")).expect("json")
}

/// Compares a report with the golden values of `report-2021`.
fn assert_golden(label: &str, report: &Json) {
    let mut problems = Vec::new();
    compare(Path::new(label), &golden(), report, &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn read_json(path: &Path) -> Json {
    serde_json::from_slice(&fs::read(path).expect("read")).expect("json")
}

/// An OLE container whose directory cannot be read: a legacy file by its
/// name only (what a damaged or exotic `.doc` looks like to ogi).
fn opaque_ole(tag: &[u8]) -> Vec<u8> {
    let mut bytes = OLE_MAGIC.to_vec();
    bytes.resize(1024, 0);
    bytes.extend_from_slice(tag);
    bytes
}

fn ogi(args: &[&str], soffice: &str, cwd: &Path) -> Output {
    support::run::command(cwd)
        .env("OGI_SOFFICE", soffice)
        .args(args)
        .output()
        .expect("run ogi")
}

fn report_of(out: &Path, name: &str) -> Json {
    read_json(&out.join("reports").join(format!("{name}.json")))
}

fn error_of(report: &Json) -> (&str, &str) {
    assert_eq!(report["status"], "error", "{report}");
    (
        report["error"]["kind"].as_str().expect("kind"),
        report["error"]["message"].as_str().expect("message"),
    )
}

#[test]
fn misnamed_files_are_read_by_what_they_are() {
    for (rel, name, format) in [
        ("sheet/report-2021.xlsx", "report.docx", "xlsx"),
        ("docx/report-2021-word.docx", "report.xlsx", "docx"),
        ("html/report-2021.html", "report.doc", "html"),
        ("text/report-2021.txt", "report.xls", "text"),
        ("sheet/report-2021.ods", "report.et", "ods"),
    ] {
        let report = ogi::process_bytes(
            &sample(rel),
            Source {
                path: format!("in/{name}"),
                ..Source::default()
            },
        );
        assert_eq!(report.source.format, format, "{rel} as {name}");
        assert_eq!(report.source.converted, None);
        assert_golden(name, &report.to_json());
    }
}

#[test]
fn without_libreoffice_legacy_files_and_pdf_say_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    fs::create_dir_all(&input).expect("mkdir");
    fs::write(input.join("a.doc"), opaque_ole(b"a")).expect("write");
    fs::write(input.join("b.wps"), opaque_ole(b"b")).expect("write");
    fs::write(input.join("c.et"), opaque_ole(b"c")).expect("write");
    fs::write(
        input.join("d.pdf"),
        b"%PDF-1.5\n%\xE2\xE3\xCF\xD3\n1 0 obj\n",
    )
    .expect("write");
    fs::write(input.join("e.txt"), sample("text/report-2021.txt")).expect("write");
    let o = ogi(&["extract", "in", "--out", "out", "-q"], "none", dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("out");

    for name in ["a.doc", "b.wps"] {
        let r = report_of(&out, name);
        assert_eq!(r["source"]["format"], "doc");
        let (kind, message) = error_of(&r);
        assert_eq!(kind, "unsupported");
        assert!(message.contains("legacy Word/WPS document"), "{message}");
        assert!(
            message.contains("apt-get install libreoffice-writer-nogui"),
            "{message}"
        );
    }
    let r = report_of(&out, "c.et");
    let (kind, message) = error_of(&r);
    assert_eq!(kind, "unsupported");
    assert!(message.contains("WPS spreadsheet"), "{message}");
    assert!(message.contains("libreoffice-calc-nogui"), "{message}");
    let r = report_of(&out, "d.pdf");
    assert_eq!(r["source"]["format"], "pdf");
    let (kind, message) = error_of(&r);
    assert_eq!(kind, "unsupported");
    assert!(message.contains("pdftotext -layout"), "{message}");

    // The run went on.
    assert_golden("e.txt", &report_of(&out, "e.txt"));
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["inputs"], 5);
    assert_eq!(summary["error_kinds"]["unsupported"], 4);
}

/// A stand-in for `soffice`: answers `--version`, logs every call, and
/// "converts" each input by copying a known DOCX or XLSX (by the target
/// asked for) to `<outdir>/<stem>.<ext>`, except inputs holding `BROKEN`.
#[cfg(unix)]
fn stand_in_soffice(dir: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt as _;
    let log = dir.join("calls.log");
    let docx = root().join("samples/docx/report-2021-word.docx");
    let xlsx = root().join("samples/sheet/report-2021.xlsx");
    let script = dir.join("soffice");
    let text = format!(
        r#"#!/bin/sh
echo "$*" >> '{log}'
if [ "$1" = "--version" ]; then echo "LibreOffice 9.1.2.3 00(Build:3)"; exit 0; fi
out=''; to=''
while [ $# -gt 0 ]; do
  case "$1" in
    --outdir) out="$2"; shift ;;
    --convert-to) to="$2"; shift ;;
    -*) ;;
    *) if ! grep -q BROKEN "$1"; then
         stem=$(basename "$1"); stem="${{stem%.*}}"
         case "$to" in
           docx*) cp '{docx}' "$out/$stem.docx" ;;
           xlsx*) cp '{xlsx}' "$out/$stem.xlsx" ;;
         esac
       fi ;;
  esac
  shift
done
"#,
        log = log.display(),
        docx = docx.display(),
        xlsx = xlsx.display(),
    );
    fs::write(&script, text).expect("script");
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
    (script, log)
}

#[cfg(unix)]
#[test]
fn legacy_files_are_converted_in_batches_and_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (script, log) = stand_in_soffice(dir.path());
    let input = dir.path().join("in");
    fs::create_dir_all(&input).expect("mkdir");
    for (i, name) in ["a.doc", "b.doc", "c.wps", "d.doc"].iter().enumerate() {
        fs::write(input.join(name), opaque_ole(&[b'0' + i as u8])).expect("write");
    }
    fs::write(input.join("e.doc"), opaque_ole(b"BROKEN")).expect("write");
    fs::write(input.join("f.et"), opaque_ole(b"f")).expect("write");
    let program = script.to_string_lossy().into_owned();
    let o = ogi(
        &["extract", "in", "--out", "out", "-q", "-j", "1"],
        &program,
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("out");

    for name in ["a.doc", "b.doc", "c.wps", "d.doc"] {
        let r = report_of(&out, name);
        assert_eq!(r["source"]["format"], "doc");
        assert_eq!(r["source"]["converted"], "libreoffice 9.1 → docx");
        assert_golden(name, &r);
    }
    let r = report_of(&out, "f.et");
    assert_eq!(r["source"]["format"], "xls");
    assert_eq!(r["source"]["converted"], "libreoffice 9.1 → xlsx");
    assert_golden("f.et", &r);
    // A file LibreOffice could not convert is an error of its own.
    let r = report_of(&out, "e.doc");
    assert!(r["source"].get("converted").is_none());
    let (kind, message) = error_of(&r);
    assert_eq!(kind, "corrupt");
    assert!(
        message.contains("LibreOffice could not convert it"),
        "{message}"
    );

    // One call for the version, one per target: the five documents went in
    // one batch, each call with a private profile.
    let calls = fs::read_to_string(&log).expect("log");
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert_eq!(calls.iter().filter(|c| **c == "--version").count(), 1);
    let docx = calls
        .iter()
        .find(|c| c.contains("--convert-to docx"))
        .expect("docx call");
    assert_eq!(docx.matches(".doc").count(), 5, "{docx}");
    assert!(docx.contains("-env:UserInstallation=file:///"), "{docx}");
    assert!(docx.contains("--headless"), "{docx}");
    let xlsx = calls
        .iter()
        .find(|c| c.contains("--convert-to xlsx"))
        .expect("xlsx call");
    assert_eq!(xlsx.matches(".xls").count(), 1, "{xlsx}");

    // The review page says the file was converted.
    let page = fs::read_to_string(out.join("review/a.doc.html")).expect("page");
    assert!(page.contains("libreoffice 9.1 → docx"));
}

/// Converts `src` with the installed LibreOffice into `dir` (private
/// profile), returning the output path.
fn soffice_convert(src: &Path, to: &str, dir: &Path) -> PathBuf {
    let program = Converter::find().expect("soffice").program().to_path_buf();
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.join("profile").display()
    );
    let status = Command::new(program)
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            to,
            "--outdir",
        ])
        .arg(dir)
        .arg(src)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("soffice runs");
    assert!(status.success());
    let stem = src
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let ext = to.split(':').next().unwrap_or(to);
    let out = dir.join(format!("{stem}.{ext}"));
    assert!(out.is_file(), "soffice wrote {}", out.display());
    out
}

#[test]
fn a_real_doc_reads_like_the_docx_it_was_saved_from() {
    if Converter::find().is_none() {
        eprintln!("skipped: LibreOffice (soffice) is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().join("work");
    fs::create_dir_all(&work).expect("mkdir");
    let doc = soffice_convert(
        &root().join("samples/docx/report-2021-word.docx"),
        "doc",
        &work,
    );
    let xls = soffice_convert(&root().join("samples/sheet/report-2021.xlsx"), "xls", &work);
    let doc_bytes = fs::read(&doc).expect("doc");
    assert!(doc_bytes.starts_with(&OLE_MAGIC));

    // The library entry point converts on its own.
    let report = ogi::process_bytes(
        &doc_bytes,
        Source {
            path: "in/report.doc".into(),
            ..Source::default()
        },
    );
    assert_eq!(report.source.format, "doc");
    let converted = report.source.converted.clone().unwrap_or_default();
    assert!(
        converted.starts_with("libreoffice ") && converted.ends_with(" → docx"),
        "{converted}"
    );
    assert_golden("report.doc", &report.to_json());

    // A run: the .doc and a copy named .wps converted in one batch, the
    // BIFF workbook named .et read directly by the sheet reader.
    let input = dir.path().join("in");
    fs::create_dir_all(&input).expect("mkdir");
    fs::copy(&doc, input.join("a.doc")).expect("copy");
    fs::copy(&doc, input.join("b.wps")).expect("copy");
    fs::copy(&xls, input.join("c.et")).expect("copy");
    let o = Command::new(env!("CARGO_BIN_EXE_ogi"))
        .current_dir(dir.path())
        .env_remove("OGI_SOFFICE")
        .args(["extract", "in", "--out", "out", "-q"])
        .output()
        .expect("run ogi");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("out");
    for name in ["a.doc", "b.wps"] {
        let r = report_of(&out, name);
        assert_eq!(r["source"]["converted"], converted.as_str());
        assert_golden(name, &r);
    }
    let r = report_of(&out, "c.et");
    assert_eq!(r["source"]["format"], "xls");
    assert!(r["source"].get("converted").is_none());
    assert_golden("c.et", &r);

    // Stopped at its timeout, LibreOffice leaves no process behind.
    let quick = Converter::find()
        .expect("soffice")
        .with_timeout(Duration::from_millis(200), Duration::ZERO);
    let mut session = quick.session().expect("session");
    let result = session
        .convert(&[Payload::Bytes(&doc_bytes)], Target::Docx)
        .pop()
        .expect("one result");
    drop(session);
    let err = result.expect_err("stopped");
    assert_eq!(err.kind(), "too_large", "{err}");
    std::thread::sleep(Duration::from_millis(500));
    let ours = format!("ogi-soffice-{}-", std::process::id());
    let left: Vec<String> = fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| fs::read(e.ok()?.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&ours))
        .collect();
    assert!(left.is_empty(), "{left:#?}");
}
