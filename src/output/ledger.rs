//! The run's ledger: what a run knows of each report it wrote (its
//! [`Entry`], its [`BatchFacts`] and the cross-report findings its file
//! holds), kept on disk instead of in memory until the finishing pass.
//!
//! A record is a few hundred bytes, and a batch can be hundreds of
//! thousands of files. Held in memory, the records alone made a run's
//! memory grow by about 3 KB per input; in the ledger the run keeps only
//! a [`Mark`] (12 bytes) per report, and reads a record back when it needs
//! it: the batch rules read the records of one group of related reports at
//! a time, and the summary and the exports read them one at a time, in
//! path order.
//!
//! It also holds the reports whose writing waits for the finishing pass
//! ([`Ledger::put_report`]): a report related to an earlier one of the batch
//! is written once, with its cross-report findings, instead of twice.
//!
//! The ledger is one hidden temporary file in the output folder
//! (`.ledger.tmp`; a killed run's is removed by the next run, see
//! [`super::remove_temp_files`]), appended to by the workers under a lock,
//! and removed when the run ends. Its encoding is private to one run: a
//! compact binary form, with the fields `Entry` and `BatchFacts` share
//! written once.

use super::stored::{all_cell_states, rule_id, BatchKey};
use super::Entry;
use crate::check::batch::CellFact;
use crate::check::BatchFacts;
use crate::schema::{Num, Report, Severity, Status};
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

mod report;

/// The ledger's file name inside the output folder.
const LEDGER_FILE: &str = ".ledger.tmp";

/// Where one record is in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    offset: u64,
    len: u32,
}

/// One report's record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The report's entry.
    pub entry: Entry,
    /// What the cross-report rules know of it.
    pub facts: BatchFacts,
    /// The cross-report findings its file holds ([`super::stored::batch_key`]).
    pub batch: Option<BatchKey>,
}

/// The ledger of a run, shared by its workers (`&self`).
pub struct Ledger {
    path: PathBuf,
    /// The file and its length.
    file: Mutex<(File, u64)>,
}

impl Ledger {
    /// An empty ledger in the output folder `out`.
    pub fn new(out: &Path) -> io::Result<Ledger> {
        let path = out.join(LEDGER_FILE);
        let file = super::scratch_file(&path)?;
        Ok(Ledger {
            path,
            file: Mutex::new((file, 0)),
        })
    }

    /// Appends a record; `entry` and `facts` must be of the same report
    /// (the fields they share are written once, from `entry`).
    pub fn push(
        &self,
        entry: &Entry,
        facts: &BatchFacts,
        batch: Option<&BatchKey>,
    ) -> io::Result<Mark> {
        self.put(&encode(entry, facts, batch)?)
    }

    /// Reads a record back.
    pub fn get(&self, mark: Mark) -> io::Result<Record> {
        decode(&self.bytes(mark)?).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} holds a damaged record", self.path.display()),
            )
        })
    }

    /// Appends bytes as they are (an encoded record or report).
    fn put(&self, bytes: &[u8]) -> io::Result<Mark> {
        let len = u32::try_from(bytes.len())
            .map_err(|_| io::Error::other("a report's record exceeds 4 GiB"))?;
        let mut guard = self.lock()?;
        let (file, end) = &mut *guard;
        let offset = *end;
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(bytes)?;
        *end += u64::from(len);
        Ok(Mark { offset, len })
    }

    /// Appends a whole report whose file waits for the finishing pass, in
    /// a form [`report`](Ledger::report) reads back faster than its JSON
    /// could be parsed.
    pub fn put_report(&self, report: &Report) -> io::Result<Mark> {
        self.put(&report::encode(report))
    }

    /// Reads back a report kept by [`put_report`](Ledger::put_report)
    /// (without its narrative and observations, which only the checker
    /// reads).
    pub fn report(&self, mark: Mark) -> io::Result<Report> {
        report::decode(&self.bytes(mark)?).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} holds a damaged report", self.path.display()),
            )
        })
    }

    /// Reads back the bytes at `mark` ([`put`](Ledger::put)).
    fn bytes(&self, mark: Mark) -> io::Result<Vec<u8>> {
        let mut bytes = vec![0; mark.len as usize];
        let mut guard = self.lock()?;
        let file = &mut guard.0;
        file.seek(SeekFrom::Start(mark.offset))?;
        file.read_exact(&mut bytes)?;
        Ok(bytes)
    }

    fn lock(&self) -> io::Result<std::sync::MutexGuard<'_, (File, u64)>> {
        self.file
            .lock()
            .map_err(|_| io::Error::other("the ledger lock was poisoned"))
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn encode(entry: &Entry, facts: &BatchFacts, batch: Option<&BatchKey>) -> io::Result<Vec<u8>> {
    let shared_agrees = facts.path == entry.path
        && facts.sheet == entry.sheet
        && facts.sha256 == entry.sha256
        && facts.status == entry.status
        && facts.agency == entry.agency
        && facts.year == entry.year;
    if !shared_agrees {
        return Err(io::Error::other(format!(
            "internal error: the entry and the facts of {} are of different reports",
            entry.label()
        )));
    }
    let mut w = Writer(Vec::with_capacity(256));
    w.str(&entry.path);
    w.opt_str(entry.sheet.as_deref());
    w.str(&entry.file);
    w.u8(index_of(&Status::ALL, entry.status));
    w.str(&entry.format);
    w.str(&entry.sha256);
    w.opt_str(entry.agency.as_deref());
    match entry.year {
        Some(y) => {
            w.u8(1);
            w.0.extend_from_slice(&y.to_le_bytes());
        }
        None => w.u8(0),
    }
    w.opt_str(entry.error_kind.as_deref());
    w.u64(entry.rules.len() as u64);
    for (rule, severity, n) in &entry.rules {
        w.str(rule);
        w.u8(index_of(&Severity::ALL, *severity));
        w.u64(*n as u64);
    }
    w.u64(entry.not_assessable.len() as u64);
    for (rule, n) in &entry.not_assessable {
        w.str(rule);
        w.u64(*n as u64);
    }
    w.u64(entry.seconds.to_bits());
    w.opt_str(facts.agency_key.as_deref());
    for fact in facts.carried_over.iter().chain(&facts.carried_forward) {
        w.fact(fact);
    }
    match &facts.stock {
        Some(rows) => {
            w.u8(1);
            for fact in rows.iter().flatten() {
                w.fact(fact);
            }
        }
        None => w.u8(0),
    }
    match batch {
        Some(key) => {
            w.u8(1);
            w.0.extend_from_slice(key);
        }
        None => w.u8(0),
    }
    Ok(w.0)
}

fn decode(bytes: &[u8]) -> Option<Record> {
    let mut r = Reader(bytes);
    let path = r.string()?;
    let sheet = r.opt_string()?;
    let file = r.string()?;
    let status = *Status::ALL.get(usize::from(r.u8()?))?;
    let format = r.string()?;
    let sha256 = r.string()?;
    let agency = r.opt_string()?;
    let year = match r.u8()? {
        0 => None,
        1 => Some(i32::from_le_bytes(r.take(4)?.try_into().ok()?)),
        _ => return None,
    };
    let error_kind = r.opt_string()?;
    let n = r.u64()?;
    let mut rules = Vec::new();
    for _ in 0..n {
        let rule = rule_id(r.str()?).ok()?;
        let severity = *Severity::ALL.get(usize::from(r.u8()?))?;
        rules.push((rule, severity, usize::try_from(r.u64()?).ok()?));
    }
    let n = r.u64()?;
    let mut not_assessable = Vec::new();
    for _ in 0..n {
        let rule = rule_id(r.str()?).ok()?;
        not_assessable.push((rule, usize::try_from(r.u64()?).ok()?));
    }
    let seconds = f64::from_bits(r.u64()?);
    let agency_key = r.opt_string()?;
    let mut t3 = [None; 14];
    for slot in &mut t3 {
        *slot = r.fact()?;
    }
    let stock = match r.u8()? {
        0 => None,
        1 => {
            let mut rows = [[None; 3]; 2];
            for slot in rows.iter_mut().flatten() {
                *slot = r.fact()?;
            }
            Some(rows)
        }
        _ => return None,
    };
    let batch = match r.u8()? {
        0 => None,
        1 => Some(r.take(32)?.try_into().ok()?),
        _ => return None,
    };
    if !r.0.is_empty() {
        return None;
    }
    let facts = BatchFacts {
        path: path.clone(),
        sheet: sheet.clone(),
        sha256: sha256.clone(),
        status,
        agency: agency.clone(),
        agency_key,
        year,
        carried_over: t3[..7].try_into().ok()?,
        carried_forward: t3[7..].try_into().ok()?,
        stock,
    };
    let entry = Entry {
        path,
        sheet,
        file,
        status,
        format,
        sha256,
        agency,
        year,
        error_kind,
        rules,
        not_assessable,
        seconds,
    };
    Some(Record {
        entry,
        facts,
        batch,
    })
}

/// The position of `v` in `all` (a closed list of a type's values), as the
/// byte the ledger writes for it.
fn index_of<T: PartialEq>(all: &[T], v: T) -> u8 {
    all.iter().position(|x| *x == v).unwrap_or(0) as u8
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }

    fn fact(&mut self, fact: &Option<CellFact>) {
        let Some(fact) = fact else {
            self.u8(0);
            return;
        };
        self.u8(1 + index_of(&all_cell_states(), fact.state));
        self.num(fact.value);
    }

    fn num(&mut self, v: Option<Num>) {
        match v {
            None => self.u8(0),
            Some(Num::Int(i)) => {
                self.u8(1);
                self.u64(i as u64);
            }
            Some(Num::Dec(d)) => {
                self.u8(2);
                self.u64(d.to_bits());
            }
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = usize::try_from(self.u64()?).ok()?;
        std::str::from_utf8(self.take(n)?).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_string)
    }

    fn opt_string(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.string()?)),
            _ => None,
        }
    }

    /// `Some(fact)`, or `None` when the bytes are not a fact.
    fn fact(&mut self) -> Option<Option<CellFact>> {
        let tag = self.u8()?;
        if tag == 0 {
            return Some(None);
        }
        let state = *all_cell_states().get(usize::from(tag - 1))?;
        let value = self.num()?;
        Some(Some(CellFact { state, value }))
    }

    /// `Some(number)`, or `None` when the bytes are not one.
    fn num(&mut self) -> Option<Option<Num>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(Num::Int(self.u64()? as i64))),
            2 => Some(Some(Num::Dec(f64::from_bits(self.u64()?)))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::batch::tests::report;
    use crate::schema::{Report, Source};
    use proptest::prelude::*;

    fn record_of(report: &Report, file: &str, batch: Option<BatchKey>) -> Record {
        Record {
            entry: Entry::new(report, file.into(), 0.25),
            facts: BatchFacts::from_report(report),
            batch,
        }
    }

    #[test]
    fn records_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path()).unwrap();
        let samples: [&[u8]; 4] = [
            include_bytes!("../../samples/text/errors-2021.txt"),
            include_bytes!("../../samples/html/report-2019.html"),
            include_bytes!("../../samples/sheet/report-2021.xlsx"),
            b"\x00\x01 not a report",
        ];
        let mut reports: Vec<Report> = samples
            .iter()
            .map(|b| crate::process_bytes(b, Source::default()))
            .collect();
        reports.push(report(
            "某县人民政府",
            2024,
            &[("t3.carried_over.natural_person", Some(3))],
        ));
        let mut written = Vec::new();
        for (k, r) in reports.iter().enumerate() {
            let batch = (k % 2 == 1).then_some([k as u8; 32]);
            let rec = record_of(r, &format!("f{k}.json"), batch);
            let mark = ledger
                .push(&rec.entry, &rec.facts, rec.batch.as_ref())
                .unwrap();
            written.push((mark, rec));
        }
        assert!(written.len() > 3);
        let blob = ledger.put("原样的字节\n".as_bytes()).unwrap();
        // Read back in another order than written.
        for (mark, rec) in written.iter().rev() {
            assert_eq!(&ledger.get(*mark).unwrap(), rec);
        }
        assert_eq!(ledger.bytes(blob).unwrap(), "原样的字节\n".as_bytes());
    }

    #[test]
    fn the_file_goes_with_the_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LEDGER_FILE);
        let ledger = Ledger::new(dir.path()).unwrap();
        assert!(path.exists());
        assert!(super::super::is_temp_file(LEDGER_FILE));
        drop(ledger);
        assert!(!path.exists());
    }

    #[test]
    fn an_entry_of_another_report_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path()).unwrap();
        let a = report("甲局", 2023, &[("t3.carried_over.total", Some(1))]);
        let mut b = a.clone();
        b.source.path = "in/other.txt".into();
        let entry = Entry::new(&a, "a.json".into(), 0.0);
        assert!(ledger
            .push(&entry, &BatchFacts::from_report(&b), None)
            .is_err());
    }

    #[test]
    fn damaged_bytes_are_no_record() {
        let a = report("甲局", 2023, &[("t3.carried_over.total", Some(1))]);
        let rec = record_of(&a, "a.json", Some([7; 32]));
        let bytes = encode(&rec.entry, &rec.facts, rec.batch.as_ref()).unwrap();
        assert_eq!(decode(&bytes).as_ref(), Some(&rec));
        for cut in 0..bytes.len() {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), None);
    }

    fn arb_fact() -> impl Strategy<Value = Option<CellFact>> {
        let state = proptest::sample::select(all_cell_states().to_vec());
        let value = prop_oneof![
            Just(None),
            any::<i64>().prop_map(|i| Some(Num::Int(i))),
            any::<f64>()
                .prop_filter("NaN is not equal to itself", |d| !d.is_nan())
                .prop_map(|d| Some(Num::Dec(d))),
        ];
        proptest::option::of((state, value).prop_map(|(state, value)| CellFact { state, value }))
    }

    proptest! {
        #[test]
        fn any_record_reads_back(
            path in "\\PC{0,40}",
            sheet in proptest::option::of("\\PC{0,12}"),
            agency in proptest::option::of("\\PC{0,20}"),
            agency_key in proptest::option::of("\\PC{0,20}"),
            year in proptest::option::of(any::<i32>()),
            status in proptest::sample::select(Status::ALL.to_vec()),
            counts in proptest::collection::vec((0usize..3, 0usize..3, any::<u32>()), 0..6),
            facts in proptest::collection::vec(arb_fact(), 20),
            stock in any::<bool>(),
            seconds in any::<f64>().prop_filter("NaN", |d| !d.is_nan()),
            batch in proptest::option::of(any::<[u8; 32]>()),
        ) {
            let ids = ["T3-BALANCE", "V-BLANK", "X-DUPLICATE"];
            let entry = Entry {
                path: path.clone(),
                sheet: sheet.clone(),
                file: format!("{path}.json"),
                status,
                format: "html".into(),
                sha256: "ab".repeat(32),
                agency: agency.clone(),
                year,
                error_kind: Some("corrupt".into()),
                rules: counts
                    .iter()
                    .map(|&(r, s, n)| (ids[r], Severity::ALL[s], n as usize))
                    .collect(),
                not_assessable: counts.iter().map(|&(r, _, n)| (ids[r], n as usize)).collect(),
                seconds,
            };
            let bf = BatchFacts {
                path,
                sheet,
                sha256: entry.sha256.clone(),
                status,
                agency,
                agency_key,
                year,
                carried_over: facts[..7].try_into().unwrap(),
                carried_forward: facts[7..14].try_into().unwrap(),
                stock: stock.then(|| [
                    [facts[14], facts[15], facts[16]],
                    [facts[17], facts[18], facts[19]],
                ]),
            };
            let bytes = encode(&entry, &bf, batch.as_ref()).unwrap();
            let back = decode(&bytes).unwrap();
            prop_assert_eq!(back, Record { entry, facts: bf, batch });
        }
    }
}
