//! The per-report pieces of the batch-wide outputs: a report's line of
//! `dataset.jsonl`, its row of `dataset.csv`, its rows of `findings.csv`
//! and its row of `index.html`, plus its review page.
//!
//! A report is rendered as its file is finished, through a [`View`]: by
//! the worker that wrote it, from the report still in memory, when it
//! looks unrelated to the rest of the batch ([`Renderer::put_report`]);
//! otherwise, once every report is written, by the finishing pass that
//! gives each report its cross-report findings, from the report kept in
//! the ledger, from the JSON of a file read back (a rerun, `merge`), or
//! from the file's bytes when they did not change
//! ([`Renderer::put_bytes`]). The
//! page is written, and the four pieces are parked in the *spool*, one
//! hidden temporary file in the output folder (`.spool.tmp`), remembering
//! where ([`Spooled`]). [`Renderer::finish`] then writes each export by
//! copying the pieces in entry order: the exports hold no report in memory
//! and parse no JSON, whatever the size of the batch. The `jsonl` line is
//! printed with the report file ([`super::Printed`]), or, for a file read
//! back, is the file minified ([`minify_into`]): never serialised again.

use super::review::{self, Links};
use super::view::View;
use super::{write_atomic, Entry, Totals, REPORTS_DIR};
use anyhow::Context as _;
use serde_json::Value as Json;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The spool's file name inside the output folder (a temporary file: a
/// killed run's is removed by the next run, see [`super::remove_temp_files`]).
const SPOOL_FILE: &str = ".spool.tmp";

/// Where the four pieces of one report are in the spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spooled {
    offset: u64,
    /// jsonl line, csv row, findings rows, index row.
    lens: [u32; 4],
}

impl Spooled {
    fn total(&self) -> usize {
        self.lens.iter().map(|&n| n as usize).sum()
    }
}

/// Renders and spools the pieces of each report, writes its review page,
/// and at the end assembles the exports and `index.html`. Shared by the
/// workers (`&self`). Without review pages (`ogi extract --no-review`) it
/// renders and assembles the exports only.
pub struct Renderer {
    out: PathBuf,
    /// The review folder; `None` when no review pages are written.
    review: Option<PathBuf>,
    /// The review folder, canonical (for the links to the sources).
    page_dir: Option<PathBuf>,
    cwd: Option<PathBuf>,
    /// The `dataset.csv` columns a report's fields fill.
    columns: Vec<String>,
    spool_path: PathBuf,
    /// The spool and its length.
    spool: Mutex<(File, u64)>,
}

impl Renderer {
    /// Prepares `out/review/` (when `pages`) and an empty spool in `out`.
    pub fn new(out: &Path, pages: bool) -> io::Result<Renderer> {
        let review = out.join(review::REVIEW_DIR);
        if pages {
            fs::create_dir_all(&review)?;
        }
        let spool_path = out.join(SPOOL_FILE);
        let file = super::scratch_file(&spool_path)?;
        Ok(Renderer {
            out: out.to_path_buf(),
            page_dir: fs::canonicalize(&review).ok().filter(|_| pages),
            review: pages.then_some(review),
            cwd: std::env::current_dir()
                .ok()
                .map(|d| fs::canonicalize(&d).unwrap_or(d)),
            columns: super::dataset::value_columns(),
            spool_path,
            spool: Mutex::new((file, 0)),
        })
    }

    /// The output folder.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Whether review pages are written.
    pub fn review(&self) -> bool {
        self.review.is_some()
    }

    /// Renders the report seen through `report`, printed as `printed` (its
    /// file, as written to `reports/<entry.file>`, and its line): writes
    /// its review page and spools its pieces. `entry` must count every
    /// finding the report holds.
    pub fn put_report(
        &self,
        report: &View<'_>,
        printed: &super::Printed,
        entry: &Entry,
    ) -> io::Result<Spooled> {
        self.put(report, &printed.file, Some(&printed.line), entry)
    }

    /// [`Self::put_report`] for a report file read back: `written` is the
    /// file and `report` the view of its JSON; its line is the file
    /// minified.
    pub fn put_json(
        &self,
        report: &View<'_>,
        written: &[u8],
        entry: &Entry,
    ) -> io::Result<Spooled> {
        self.put(report, written, None, entry)
    }

    /// Renders a report: its line is `line` when it is printed already,
    /// else the file `written` minified.
    fn put(
        &self,
        report: &View<'_>,
        written: &[u8],
        line: Option<&[u8]>,
        entry: &Entry,
    ) -> io::Result<Spooled> {
        let page = review::page_file(&entry.file);
        if let Some(dir) = &self.review {
            let links = Links {
                source: review::source_href(
                    &entry.path,
                    self.page_dir.as_deref(),
                    self.cwd.as_deref(),
                ),
                report: format!("../{REPORTS_DIR}/{}", review::url_path(&entry.file)),
                report_label: format!("{REPORTS_DIR}/{}", entry.file),
                index: format!("../{}", review::INDEX_FILE),
            };
            let html = review::render_page(report, &links);
            super::write_bytes(&dir.join(&page), html.as_bytes())?;
        }

        let mut buf = Vec::with_capacity(written.len());
        match line {
            Some(line) => buf.extend_from_slice(line),
            None => {
                minify_into(written, &mut buf);
                buf.push(b'\n');
            }
        }
        let mut lens = [0u32; 4];
        lens[0] = len32(buf.len())?;
        let start = buf.len();
        super::dataset::write_csv_row(&mut buf, report, &self.columns)?;
        lens[1] = len32(buf.len() - start)?;
        let start = buf.len();
        super::dataset::write_finding_rows(&mut buf, report)?;
        lens[2] = len32(buf.len() - start)?;
        if self.review.is_some() {
            let start = buf.len();
            review::write_index_row(&mut buf, report, entry, &page)?;
            lens[3] = len32(buf.len() - start)?;
        }

        let mut spool = self
            .spool
            .lock()
            .map_err(|_| io::Error::other("the spool lock was poisoned"))?;
        let offset = spool.1;
        spool.0.write_all(&buf)?;
        spool.1 += buf.len() as u64;
        Ok(Spooled { offset, lens })
    }

    /// Renders the report in `reports/<entry.file>` (see [`Self::put_report`]).
    #[cfg(test)]
    pub fn put_file(&self, entry: &Entry) -> io::Result<Spooled> {
        let path = self.out.join(REPORTS_DIR).join(&entry.file);
        let bytes = fs::read(&path)?;
        self.put_bytes(&bytes, &path, entry)
    }

    /// Renders the report file `path` whose bytes are `bytes` (see
    /// [`Self::put_report`]).
    pub fn put_bytes(&self, bytes: &[u8], path: &Path, entry: &Entry) -> io::Result<Spooled> {
        let report: Json = serde_json::from_slice(bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not a report: {e}", path.display()),
            )
        })?;
        self.put_json(&View::of_json(&report), bytes, entry)
    }

    /// Writes `dataset.jsonl`, `dataset.csv`, `findings.csv` and
    /// `index.html` from the spooled pieces, in the reports' order
    /// (`spooled[i]` is the `i`-th report's, `totals` count them all), then
    /// removes the spool.
    pub fn finish(self, spooled: &[Spooled], totals: &Totals) -> anyhow::Result<()> {
        anyhow::ensure!(
            totals.reports == spooled.len(),
            "internal error: {} reports but {} rendered",
            totals.reports,
            spooled.len()
        );
        let out = &self.out;
        let mut guard = self
            .spool
            .lock()
            .map_err(|_| anyhow::anyhow!("the spool lock was poisoned"))?;
        let file = &mut guard.0;
        let header = super::dataset::dataset_header();
        let mut buf = Vec::new();
        // The jsonl line, most of a report's bytes, is copied file to file
        // (`io::copy` of a `File` into a `File` is `copy_file_range`): never
        // read into this process. The small pieces go through `buf`.
        let mut gather =
            |jsonl: &mut io::BufWriter<File>, mut w: [&mut dyn Write; 3]| -> io::Result<()> {
                for s in spooled {
                    file.seek(SeekFrom::Start(s.offset))?;
                    let line = u64::from(s.lens[0]);
                    if io::copy(&mut Read::by_ref(file).take(line), jsonl)? != line {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                    buf.resize(s.total() - s.lens[0] as usize, 0);
                    file.read_exact(&mut buf)?;
                    let mut at = 0;
                    for (k, sink) in w.iter_mut().enumerate() {
                        let n = s.lens[k + 1] as usize;
                        sink.write_all(&buf[at..at + n])?;
                        at += n;
                    }
                }
                Ok(())
            };
        let pages = self.review.is_some();
        let written = write_atomic(&out.join("dataset.jsonl"), |jsonl| {
            write_atomic(&out.join("dataset.csv"), |csv_file| {
                write_atomic(&out.join("findings.csv"), |findings| {
                    super::dataset::write_heads(csv_file, findings, &header)?;
                    if !pages {
                        // No index rows were spooled.
                        return gather(jsonl, [csv_file, findings, &mut io::sink()]);
                    }
                    write_atomic(&out.join(review::INDEX_FILE), |index| {
                        review::write_index_head(index, totals)?;
                        gather(jsonl, [csv_file, findings, index])?;
                        review::write_index_tail(index)
                    })
                })
            })
        });
        drop(guard);
        let _ = fs::remove_file(&self.spool_path);
        written.with_context(|| {
            format!(
                "could not write the dataset exports and the review index in {}",
                out.display()
            )
        })
    }
}

impl Drop for Renderer {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.spool_path);
    }
}

/// Renders every entry from its report file and writes the exports (the
/// tests' way of making the exports of reports they wrote).
#[cfg(test)]
pub fn write_from_files(out: &Path, entries: &[Entry], totals: &Totals) -> anyhow::Result<()> {
    use rayon::prelude::*;
    let renderer = Renderer::new(out, true)
        .with_context(|| format!("could not prepare the exports in {}", out.display()))?;
    let spooled: Vec<Spooled> = entries
        .par_iter()
        .map(|e| {
            renderer
                .put_file(e)
                .with_context(|| format!("could not render {}", e.file))
        })
        .collect::<anyhow::Result<_>>()?;
    renderer.finish(&spooled, totals)
}

fn len32(n: usize) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| io::Error::other("a report's export rows exceed 4 GiB"))
}

/// Appends `json` to `out` without the whitespace between tokens: the
/// compact form of a pretty-printed document (`serde_json::to_vec` of the
/// same value), without parsing it. Strings, most of a report's bytes, are
/// copied whole, their ends found with `memchr`.
pub fn minify_into(json: &[u8], out: &mut Vec<u8>) {
    let is_space = |b: u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    out.reserve(json.len());
    let n = json.len();
    let mut i = 0;
    while i < n {
        let start = i;
        if json[i] == b'"' {
            // A string, up to its closing quote (or the end of a cut file).
            i += 1;
            loop {
                match memchr::memchr2(b'"', b'\\', &json[i..]) {
                    None => {
                        i = n;
                        break;
                    }
                    Some(k) if json[i + k] == b'"' => {
                        i += k + 1;
                        break;
                    }
                    // A backslash and the byte it escapes.
                    Some(k) => i = (i + k + 2).min(n),
                }
            }
            out.extend_from_slice(&json[start..i]);
        } else if is_space(json[i]) {
            i += 1;
        } else {
            while i < n && json[i] != b'"' && !is_space(json[i]) {
                i += 1;
            }
            out.extend_from_slice(&json[start..i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn minify(s: &str) -> String {
        let mut out = Vec::new();
        minify_into(s.as_bytes(), &mut out);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn minify_gives_the_compact_form() {
        let value = serde_json::json!({
            "a": [1, 2.5, -3, null, true],
            "s": "with spaces, \"quotes\" and \\ backslash \\\" tricky: {} [ ]\n",
            "empty": {}, "none": [],
            "中文": "表三 第 1 行",
            "nested": {"x": {"y": [{"z": " "}]}}
        });
        let pretty = serde_json::to_string_pretty(&value).expect("pretty") + "\n";
        assert_eq!(
            minify(&pretty),
            serde_json::to_string(&value).expect("compact")
        );
    }

    #[test]
    fn minify_keeps_every_byte_inside_strings() {
        assert_eq!(minify("[ \"a b\\\\\" , \" \" ]"), "[\"a b\\\\\",\" \"]");
        // A cut file: an unterminated string, a trailing backslash.
        assert_eq!(minify("[ 1, \"a b"), "[1,\"a b");
        assert_eq!(minify("[ \"a \\"), "[\"a \\");
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            // Quotes, backslashes, whitespace and controls inside strings.
            "[ a\"\\\\\n\t\r\u{1}表{}:,\\[\\]]{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                prop::collection::vec(("[a \"\\\\表]{0,6}", inner), 0..6)
                    .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn minify_of_pretty_is_compact(value in json_value()) {
            let pretty = serde_json::to_string_pretty(&value).expect("pretty") + "\n";
            prop_assert_eq!(minify(&pretty), serde_json::to_string(&value).expect("compact"));
        }
    }
}
