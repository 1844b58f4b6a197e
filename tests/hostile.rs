//! Hostile inputs, end to end through the binary: every case of the issue
//! "Hardening and speed at corpus scale" is listed here.
//!
//! One folder holds all of them plus two good reports; one run over it
//! must complete with exit 0, list every input in `summary.json` and
//! `dataset.jsonl`, give each hostile input a report whose `error.kind`
//! and message a person understands, and read the good reports as usual.
//!
//! | case | expected | deeper tests of the reader |
//! | --- | --- | --- |
//! | zip bomb `.docx` (300 MB part, ~300 KB file) | `too_large`, names the part | `ingest::docx` `zip_bomb_is_too_large_quickly` (lying headers) |
//! | zip of 20,000 entries | `too_large`, counts the entries | `ingest::docx` `too_many_zip_entries` |
//! | "billion laughs" DOCTYPE in `word/document.xml` | read, not expanded | — |
//! | HTML nested 100,000 deep | `too_large`, quickly | `ingest::html` `deep_nesting_is_refused_quickly` |
//! | a file over `--max-bytes` | `too_large`, with both sizes | `pipeline` `too_large_inputs_are_not_read` |
//! | binary junk named `.html` / `.docx` / `.xlsx` | `unsupported` or `corrupt` | `ingest::docx` and `ingest::html` `arbitrary_bytes_never_panic`, `ingest::sheet` `mutated_*_never_panic*` |
//! | invalid UTF-8, mixed encodings in `.txt` | read, no error | `ingest::text` `reads_gbk_bytes` |
//! | encrypted OOXML (OLE + `EncryptionInfo`) named `.docx` and `.xlsx` | `encrypted` | `ingest::sheet` `encrypted_office_files_are_reported_as_encrypted` |
//! | an empty file | `empty` | — |
//! | symlink loops, a link to a folder, a pipe, an unreadable file | `io` / `unsupported` | — |
//! | an output folder that cannot be written | exit 2, names the folder | — |

mod support;
use support::run::{ogi, stderr};

use ogi::schema::Template;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::render::{consistent, to_text, Variants};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

fn read_json(path: &Path) -> Json {
    serde_json::from_slice(&fs::read(path).expect("read")).expect("json")
}

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// A docx package whose `word/document.xml` is written by `body`, with
/// `extra` empty entries after it.
fn docx_with(
    path: &Path,
    extra: usize,
    body: impl FnOnce(&mut ZipWriter<File>) -> std::io::Result<()>,
) {
    let mut z = ZipWriter::new(File::create(path).expect("create"));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    z.start_file("[Content_Types].xml", stored).expect("entry");
    z.write_all(CONTENT_TYPES.as_bytes()).expect("write");
    z.start_file("_rels/.rels", stored).expect("entry");
    z.write_all(RELS.as_bytes()).expect("write");
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    z.start_file("word/document.xml", deflated).expect("entry");
    body(&mut z).expect("document");
    for i in 0..extra {
        z.start_file(format!("{i:x}"), stored).expect("entry");
    }
    z.finish().expect("finish");
}

fn paragraph_doc(text: &str) -> String {
    format!(
        r#"<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"#
    )
}

/// The zip bomb: `word/document.xml` inflates to 300 MB of spaces, written
/// through the zip writer a megabyte at a time.
fn zip_bomb(path: &Path) {
    docx_with(path, 0, |z| {
        write!(
            z,
            r#"<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body>"#
        )?;
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..300 {
            z.write_all(&chunk)?;
        }
        z.write_all(b"</w:body></w:document>")
    });
}

/// "Billion laughs": ten levels of entities each ten times the one below.
fn billion_laughs() -> String {
    let mut dtd = String::from("<!ENTITY lol0 \"lol\">");
    for i in 1..10 {
        let refs = format!("&lol{};", i - 1).repeat(10);
        dtd.push_str(&format!("<!ENTITY lol{i} \"{refs}\">"));
    }
    format!(
        "<?xml version=\"1.0\"?><!DOCTYPE w:document [{dtd}]>{}",
        paragraph_doc("某区2024年政府信息公开工作年度报告 &lol9;")
    )
}

/// A minimal OLE compound file (CFB, version 3, 512-byte sectors) whose
/// directory holds the streams of an encrypted Office package:
/// `EncryptionInfo` and `EncryptedPackage` (empty here; only the names
/// matter to the reader). Sector 0 is the FAT, sector 1 the directory.
fn encrypted_ooxml() -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    const FAT: u32 = 0xFFFF_FFFD;
    let mut f = vec![0u8; 512 * 3];
    let put16 =
        |f: &mut Vec<u8>, at: usize, v: u16| f[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 =
        |f: &mut Vec<u8>, at: usize, v: u32| f[at..at + 4].copy_from_slice(&v.to_le_bytes());
    f[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    put16(&mut f, 0x18, 0x3E); // minor version
    put16(&mut f, 0x1A, 3); // major version
    put16(&mut f, 0x1C, 0xFFFE); // little-endian
    put16(&mut f, 0x1E, 9); // 512-byte sectors
    put16(&mut f, 0x20, 6); // 64-byte mini sectors
    put32(&mut f, 0x2C, 1); // one FAT sector
    put32(&mut f, 0x30, 1); // the directory starts at sector 1
    put32(&mut f, 0x38, 4096); // mini stream cutoff
    put32(&mut f, 0x3C, END); // no mini FAT
    put32(&mut f, 0x40, 0);
    put32(&mut f, 0x44, END); // no DIFAT sectors
    put32(&mut f, 0x48, 0);
    put32(&mut f, 0x4C, 0); // the FAT is sector 0
    for i in 1..109 {
        put32(&mut f, 0x4C + 4 * i, FREE);
    }
    // The FAT: sector 0 is the FAT, sector 1 a one-sector chain.
    let fat = 512;
    put32(&mut f, fat, FAT);
    put32(&mut f, fat + 4, END);
    for i in 2..128 {
        put32(&mut f, fat + 4 * i, FREE);
    }
    // The directory: root, then the two streams (siblings).
    let dir = 1024;
    for (i, (name, kind, child, right)) in [
        ("Root Entry", 5u8, 1u32, FREE),
        ("EncryptionInfo", 2, FREE, 2),
        ("EncryptedPackage", 2, FREE, FREE),
    ]
    .into_iter()
    .enumerate()
    {
        let e = dir + 128 * i;
        let units: Vec<u16> = name.encode_utf16().collect();
        for (k, u) in units.iter().enumerate() {
            put16(&mut f, e + 2 * k, *u);
        }
        put16(&mut f, e + 0x40, (units.len() as u16 + 1) * 2);
        f[e + 0x42] = kind;
        f[e + 0x43] = 1; // black
        put32(&mut f, e + 0x44, FREE);
        put32(&mut f, e + 0x48, right);
        put32(&mut f, e + 0x4C, child);
        put32(&mut f, e + 0x74, END);
        put32(&mut f, e + 0x78, 0);
    }
    // The fourth slot of the sector is unused (no siblings, no child).
    let e = dir + 128 * 3;
    for at in [0x44, 0x48, 0x4C] {
        put32(&mut f, e + at, FREE);
    }
    f
}

/// Deterministic junk bytes (zeros included, so it is not text).
fn junk(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 56) as u8
        })
        .collect()
}

/// What a hostile input's report must say.
#[derive(Debug)]
enum Want {
    /// `status: error`, this `error.kind`, and a message containing every
    /// one of these phrases.
    Error(&'static str, &'static [&'static str]),
    /// Read without an error (any other status).
    Read,
}

const MAX_BYTES: u64 = 3 << 20;

/// Writes every hostile input (and two good reports) into `dir`; returns
/// what each must give, by file name.
fn hostile_folder(dir: &Path) -> BTreeMap<String, Want> {
    use Want::{Error, Read};
    fs::create_dir_all(dir).expect("mkdir");
    let mut want = BTreeMap::new();
    macro_rules! put {
        ($name:expr, $bytes:expr, $w:expr $(,)?) => {{
            fs::write(dir.join($name), $bytes).expect("write");
            want.insert($name.to_string(), $w);
        }};
    }

    for (name, year) in [("good-2023.txt", 2023), ("good-2024.txt", 2024)] {
        let mut spec = consistent(year as u64, Template::Y2021);
        spec.year = year;
        let text = to_text(&spec, &Variants::plain());
        put!(name, text.as_bytes(), Read);
    }

    let mut laughs = Vec::new();
    {
        let path = dir.join("laughs.docx");
        docx_with(&path, 0, |z| z.write_all(billion_laughs().as_bytes()));
        laughs.extend(fs::read(&path).expect("read"));
    }
    put!("laughs.docx", &laughs, Read);

    zip_bomb(&dir.join("bomb.docx"));
    want.insert(
        "bomb.docx".into(),
        Error(
            "too_large",
            &["safety limit", "word/document.xml", "314572"],
        ),
    );
    docx_with(&dir.join("entries.docx"), 20_000, |z| {
        z.write_all(paragraph_doc("正文").as_bytes())
    });
    want.insert(
        "entries.docx".into(),
        Error("too_large", &["safety limit", "20003 zip entries"]),
    );

    let deep = format!("<html><body>{}深</body></html>", "<div>".repeat(100_000));
    put!(
        "deep.html",
        deep.as_bytes(),
        Error("too_large", &["safety limit", "nest deeper than"]),
    );
    put!(
        "huge.txt",
        &vec![b'x'; (MAX_BYTES + (1 << 20)) as usize],
        Error(
            "too_large",
            &["4194304 bytes", "limit of 3145728", "--max-bytes"]
        ),
    );
    let binary = &["binary content"][..];
    put!("junk.html", &junk(4096, 1), Error("unsupported", binary));
    put!("junk.docx", &junk(4096, 2), Error("unsupported", binary));
    put!("junk.xlsx", &junk(4096, 3), Error("unsupported", binary));
    let mut zip_junk = b"PK\x03\x04word/document.xml".to_vec();
    zip_junk.extend(junk(2048, 4));
    put!(
        "zip-junk.docx",
        &zip_junk,
        Error("corrupt", &["damaged or not a valid docx file"]),
    );
    let mut xl_junk = b"PK\x03\x04xl/workbook.xml".to_vec();
    xl_junk.extend(junk(2048, 5));
    put!(
        "zip-junk.xlsx",
        &xl_junk,
        Error("corrupt", &["damaged or not a valid xlsx file"]),
    );

    let mut mixed = "某区2024年政府信息公开工作年度报告\n".as_bytes().to_vec();
    let (gbk, _, _) = encoding_rs::GBK.encode("一、总体情况\n本机关依法公开政府信息。\n");
    mixed.extend_from_slice(&gbk);
    mixed.extend_from_slice(b"caf\xe9 \xff\xfe\xfd invalid \x80\x81 utf-8\n\xe4\xb8");
    put!("mixed.txt", &mixed, Read);
    put!(
        "no-tables.html",
        "<html><body><p>没有表格的页面</p></body></html>".as_bytes(),
        Read
    );

    let encrypted = &["encrypted (password-protected)", "EncryptionInfo"][..];
    put!(
        "locked.docx",
        &encrypted_ooxml(),
        Error("encrypted", encrypted)
    );
    put!(
        "locked.xlsx",
        &encrypted_ooxml(),
        Error("encrypted", encrypted)
    );
    put!("empty.txt", b"", Error("empty", &["the file is empty"]));
    put!("empty.html", b"", Error("empty", &["the file is empty"]));

    #[cfg(unix)]
    {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let looping = &["could not read the file", "symbolic links"][..];
        symlink("loop", dir.join("loop")).expect("symlink");
        symlink("b-link", dir.join("a-link")).expect("symlink");
        symlink("a-link", dir.join("b-link")).expect("symlink");
        want.insert("loop".into(), Error("io", looping));
        want.insert("a-link".into(), Error("io", looping));
        want.insert("b-link".into(), Error("io", looping));
        symlink(".", dir.join("self-dir")).expect("symlink");
        want.insert(
            "self-dir".into(),
            Error(
                "unsupported",
                &["symbolic link to a folder", "not followed"],
            ),
        );
        let locked = dir.join("unreadable.html");
        fs::write(&locked, b"<html></html>").expect("write");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
        if fs::read(&locked).is_err() {
            want.insert(
                "unreadable.html".into(),
                Error("io", &["could not read the file", "ermission denied"]),
            );
        } else {
            // Running as root: permissions do not stop us; leave it out.
            fs::remove_file(&locked).expect("rm");
        }
        // A named pipe must not hang the run.
        if Command::new("mkfifo")
            .arg(dir.join("pipe"))
            .status()
            .is_ok_and(|s| s.success())
        {
            want.insert("pipe".into(), Error("unsupported", &["not a regular file"]));
        }
    }
    want
}

#[test]
fn one_run_over_every_hostile_input_completes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let want = hostile_folder(&tmp.path().join("in"));
    let bomb_size = fs::metadata(tmp.path().join("in/bomb.docx"))
        .expect("bomb")
        .len();
    assert!(bomb_size < 2 << 20, "the bomb is small: {bomb_size} bytes");

    let start = Instant::now();
    let max = MAX_BYTES.to_string();
    let o = ogi(
        tmp.path(),
        &[
            "extract",
            "in",
            "--out",
            "out",
            "--quiet",
            "--max-bytes",
            &max,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "took {:?}",
        start.elapsed()
    );
    let out = tmp.path().join("out");
    let expected: BTreeSet<String> = want.keys().map(|n| format!("in/{n}")).collect();

    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["inputs"], want.len());
    let files = summary["files"].as_array().expect("files");
    let listed: BTreeSet<String> = files
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect();
    assert_eq!(listed, expected, "summary.json lists every input");
    let jsonl = fs::read_to_string(out.join("dataset.jsonl")).expect("jsonl");
    let lines: BTreeMap<String, Json> = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).expect("line"))
        .map(|r| (r["source"]["path"].as_str().expect("path").to_string(), r))
        .collect();
    assert_eq!(
        lines.keys().cloned().collect::<BTreeSet<_>>(),
        expected,
        "dataset.jsonl holds every input"
    );

    for f in files {
        let path = f["path"].as_str().expect("path");
        let name = path.strip_prefix("in/").expect("in/");
        let report = read_json(&out.join(f["report"].as_str().expect("report")));
        assert_eq!(
            &report, &lines[path],
            "{path}: the report file is the dataset line"
        );
        let status = report["status"].as_str().expect("status");
        match &want[name] {
            Want::Error(kind, phrases) => {
                assert_eq!(status, "error", "{path}");
                assert_eq!(
                    report["error"]["kind"], *kind,
                    "{path}: {}",
                    report["error"]
                );
                let message = report["error"]["message"].as_str().expect("message");
                for phrase in *phrases {
                    assert!(
                        message.contains(phrase),
                        "{path}: {message:?} lacks {phrase:?}"
                    );
                }
            }
            Want::Read => {
                assert_ne!(status, "error", "{path}: {}", report["error"]);
                if name.starts_with("good-") {
                    assert_eq!(status, "ok", "{path}");
                } else {
                    // Not a report: a finding says so, in words.
                    let findings = report["findings"].as_array().expect("findings");
                    assert!(
                        findings
                            .iter()
                            .any(|x| x["message_en"].as_str().is_some_and(|m| m.len() > 10)),
                        "{path}: {findings:?}"
                    );
                }
            }
        }
    }
    // The entities were not expanded anywhere.
    let laughs = read_json(&out.join("reports/laughs.docx.json"));
    let text = laughs.to_string();
    assert!(
        !text.contains("lollol") && text.len() < 200_000,
        "{}",
        text.len()
    );
    // The good reports chain (2023 → 2024 of one agency) or not, but the
    // cross-report phase ran over them without being thrown by the rest.
    assert_eq!(summary["by_status"]["ok"], 2);
}

#[test]
fn an_output_folder_that_cannot_be_written_exits_2_with_a_clear_message() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    fs::create_dir_all(dir.join("in")).expect("mkdir");
    fs::write(dir.join("in/a.txt"), "某区2024年政府信息公开工作年度报告\n").expect("write");
    fs::write(dir.join("file"), b"not a folder").expect("write");
    fs::create_dir_all(dir.join("has-reports-file")).expect("mkdir");
    fs::write(dir.join("has-reports-file/reports"), b"x").expect("write");

    let refused = |out: &str, says: &str| {
        let o = ogi(dir, &["extract", "in", "--out", out]);
        assert_eq!(o.status.code(), Some(2), "--out {out}");
        let err = stderr(&o);
        assert!(err.starts_with("ogi: "), "{err}");
        assert!(
            err.contains(says) && err.contains(out),
            "--out {out}: {err}"
        );
    };
    // Under a file; where the reports folder is a file.
    refused("file/out", "cannot create the output directory");
    refused("has-reports-file", "cannot create the output directory");
    assert!(!dir.join("file/out").exists());
    // A read-only folder (permissions do not stop root; then skipped).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.join("read-only");
        fs::create_dir_all(ro.join("reports")).expect("mkdir");
        for d in [ro.join("reports"), ro.clone()] {
            fs::set_permissions(&d, fs::Permissions::from_mode(0o555)).expect("chmod");
        }
        if File::create(ro.join("reports/probe")).is_err() {
            refused("read-only", "cannot write in the output directory");
        }
        for d in [ro.clone(), ro.join("reports")] {
            fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    }
    // Where nobody may create folders, root included.
    #[cfg(target_os = "linux")]
    {
        let o = ogi(dir, &["extract", "in", "--out", "/proc/ogi-test-out"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("cannot create the output directory /proc/ogi-test-out"),
            "{}",
            stderr(&o)
        );
    }
    // ogi merge, likewise.
    let o = ogi(dir, &["extract", "in", "--out", "shard", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ogi(dir, &["merge", "shard", "--out", "file/merged"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot create the output directory"),
        "{}",
        stderr(&o)
    );
}

/// Inputs the normaliser fuzz target found slow (seconds each, in the
/// glued-digit search of a mangled table-三 row), in the target's input
/// format ([`ogi::grid::Document::from_fuzz_input`]). They must go through
/// the normaliser and the checker like any other text; the search now
/// gives up at a bound and leaves such cells to the ambiguity findings.
#[test]
fn fuzzer_found_slow_inputs_finish() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        let data = fs::read(&path).expect("read");
        let doc = ogi::grid::Document::from_fuzz_input(&data).expect("not empty");
        assert!(doc.tables().count() > 0, "{}", path.display());
        let mut report = ogi::normalize::normalize(&doc, ogi::schema::Source::default());
        ogi::check::run(&mut report);
        let json = report.to_json();
        assert!(json["status"].is_string(), "{}", path.display());
        seen += 1;
    }
    assert_eq!(seen, 3);
}
