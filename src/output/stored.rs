//! A report file read back: what a run keeps in memory of a report (its
//! [`Entry`] and its [`BatchFacts`]) rebuilt from the report's JSON alone.
//!
//! `ogi extract --resume` uses it for the inputs whose report is already
//! written, and `ogi merge` for every report of the shards it joins: such a
//! report takes part in the exports, the summary and the cross-report rules
//! exactly as if it had just been computed. The cross-report findings a
//! file holds are set apart (they are recomputed over the new batch); the
//! rest reads back to the same `Entry` and `BatchFacts` as the `Report` the
//! file was written from.

use super::{is_batch_rule, read_report_file, Entry};
use crate::check::{self, agency_key, batch::CellFact, BatchFacts};
use crate::schema::cell_id;
use crate::schema::{CellState, Finding, Num, Severity, Status, Template, T3_COLS};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::io;
use std::path::Path;

/// A report file read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The report's entry, without its cross-report findings.
    pub entry: Entry,
    /// What the cross-report rules know of it.
    pub facts: BatchFacts,
    /// The cross-report findings the file holds ([`batch_key`]).
    pub batch: Option<BatchKey>,
    /// `tool.version`: the ogi version that wrote the file.
    pub tool_version: Option<String>,
    /// `source.sheet_reports`: how many reports its workbook gave, for the
    /// report of one of several sheets.
    pub sheet_reports: Option<u32>,
}

/// Reads the report file at `path` (named `file` inside `reports/`).
/// A file that cannot be read is the `io::Error`; one that is not a report
/// of this ogi (not JSON, fields missing, a rule id this version does not
/// know) is `InvalidData`, saying why.
pub fn read(path: &Path, file: String, seconds: f64) -> io::Result<Stored> {
    let json = read_report_file(path)?;
    from_json(&json, file, seconds).map_err(|why| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not a report of this ogi: {why}", path.display()),
        )
    })
}

/// A digest of a report's cross-report findings: the SHA-256 of their
/// compact JSON. Equal keys mean equal findings, whether they come from a
/// file or from the rules; 32 bytes per report whatever the findings.
pub type BatchKey = [u8; 32];

/// The [`BatchKey`] of findings; `None` when there are none.
pub fn batch_key<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Option<BatchKey> {
    let list: Vec<Json> = findings
        .into_iter()
        .filter_map(|f| serde_json::to_value(f).ok())
        .collect();
    key_of(list)
}

/// The [`BatchKey`] of findings as JSON values.
pub fn key_of(list: Vec<Json>) -> Option<BatchKey> {
    if list.is_empty() {
        return None;
    }
    let bytes = serde_json::to_vec(&Json::Array(list)).ok()?;
    Some(Sha256::digest(&bytes).into())
}

/// Rebuilds a report's [`Stored`] record from its JSON (as
/// [`super::report_json`] writes it).
pub fn from_json(json: &Json, file: String, seconds: f64) -> Result<Stored, String> {
    let text = |pointer: &str| -> Result<Option<String>, String> {
        match json.pointer(pointer) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{pointer} is not a string")),
        }
    };
    let required = |pointer: &str| -> Result<String, String> {
        text(pointer)?.ok_or_else(|| format!("no {pointer}"))
    };
    let path = required("/source/path")?;
    let status = status(&required("/status")?)?;
    let year = match json.pointer("/meta/year") {
        None | Some(Json::Null) => None,
        Some(y) => Some(
            y.as_i64()
                .and_then(|y| i32::try_from(y).ok())
                .ok_or("meta.year is not a year")?,
        ),
    };
    let agency = text("/meta/agency")?;

    let findings = json
        .get("findings")
        .and_then(Json::as_array)
        .ok_or("no findings array")?;
    let mut rules: Vec<(&'static str, Severity, usize)> = Vec::new();
    let mut batch = Vec::new();
    for f in findings {
        let id = f
            .get("rule")
            .and_then(Json::as_str)
            .ok_or("a finding has no rule")?;
        if is_batch_rule(id) {
            batch.push(f.clone());
            continue;
        }
        let rule = rule_id(id)?;
        let severity = f
            .get("severity")
            .and_then(Json::as_str)
            .and_then(severity)
            .ok_or_else(|| format!("a {id} finding has no valid severity"))?;
        match rules
            .iter_mut()
            .find(|(r, s, _)| *r == rule && *s == severity)
        {
            Some(slot) => slot.2 += 1,
            None => rules.push((rule, severity, 1)),
        }
    }
    rules.sort();
    let mut not_assessable: Vec<(&'static str, usize)> = Vec::new();
    let counts = json
        .get("not_assessable")
        .and_then(Json::as_object)
        .ok_or("no not_assessable object")?;
    for (id, n) in counts {
        let n = n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("not_assessable.{id} is not a count"))?;
        if n > 0 {
            not_assessable.push((rule_id(id)?, n));
        }
    }
    not_assessable.sort();

    let sha256 = text("/source/sha256")?.unwrap_or_default();
    let sheet = text("/source/sheet")?;
    let entry = Entry {
        path: path.clone(),
        file,
        status,
        format: text("/source/format")?.unwrap_or_default(),
        sha256: sha256.clone(),
        agency: agency.clone(),
        year,
        error_kind: text("/error/kind")?,
        rules,
        not_assessable,
        seconds,
        sheet: sheet.clone(),
    };

    let cells = json.get("cells").and_then(Json::as_object);
    let fact = |id: &str| -> Result<Option<CellFact>, String> {
        let Some(cell) = cells.and_then(|c| c.get(id)) else {
            return Ok(None);
        };
        let state = cell
            .get("state")
            .and_then(Json::as_str)
            .and_then(cell_state)
            .ok_or_else(|| format!("cells.{id} has no valid state"))?;
        // The value is in the nested table: `t3.a.b` → `/t3/a/b`.
        let pointer = format!("/{}", id.replace('.', "/"));
        let value = match json.pointer(&pointer) {
            None | Some(Json::Null) => None,
            Some(v) => Some(num(v).ok_or_else(|| format!("{id} is not a number"))?),
        };
        Ok(Some(CellFact { state, value }))
    };
    let template = |table: &str| text(&format!("/template/{table}"));
    let has_t3 = template("t3")?.is_some();
    let t3_row = |row: &str| -> Result<[Option<CellFact>; 7], String> {
        let mut out = [None; 7];
        if has_t3 {
            for (slot, col) in out.iter_mut().zip(T3_COLS) {
                *slot = fact(&cell_id("t3", row, col))?;
            }
        }
        Ok(out)
    };
    let stock = if template("t2")?.as_deref() == Some(Template::Y2021.as_str()) {
        let mut stock = [[None; 3]; 2];
        for (r, row) in check::batch::STOCK_ROWS.iter().enumerate() {
            for (c, col) in check::batch::STOCK_COLS.iter().enumerate() {
                stock[r][c] = fact(&cell_id("t2", row, col))?;
            }
        }
        Some(stock)
    } else {
        None
    };
    let facts = BatchFacts {
        path,
        sheet,
        sha256,
        status,
        agency_key: agency.as_deref().map(agency_key).filter(|k| !k.is_empty()),
        agency,
        year,
        carried_over: t3_row("carried_over")?,
        carried_forward: t3_row("carried_forward")?,
        stock,
    };
    let sheet_reports = match json.pointer("/source/sheet_reports") {
        None | Some(Json::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or("source.sheet_reports is not a count")?,
        ),
    };
    Ok(Stored {
        entry,
        facts,
        batch: key_of(batch),
        sheet_reports,
        tool_version: text("/tool/version")?.filter(|_| {
            json.pointer("/tool/name").and_then(Json::as_str) == Some(super::TOOL_NAME)
        }),
    })
}

/// The `&'static` id of a rule this version implements.
pub(super) fn rule_id(id: &str) -> Result<&'static str, String> {
    check::rule(id)
        .map(|r| r.id())
        .or_else(|| check::batch_rule(id).map(|r| r.id()))
        .ok_or_else(|| format!("unknown rule {id}"))
}

fn status(s: &str) -> Result<Status, String> {
    Status::ALL
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| format!("unknown status {s}"))
}

fn severity(s: &str) -> Option<Severity> {
    Severity::ALL.into_iter().find(|sev| sev.as_str() == s)
}

/// Every cell state. The `match` makes this fail to compile when a state is
/// added, so that no state can be missing here.
pub(super) fn all_cell_states() -> [CellState; 9] {
    use CellState::*;
    let all = [
        Ok,
        Blank,
        Marker,
        Text,
        Missing,
        Derived,
        Ambiguous,
        Mapped,
        NotInTemplate,
    ];
    for s in all {
        match s {
            Ok | Blank | Marker | Text | Missing | Derived | Ambiguous | Mapped | NotInTemplate => {
            }
        }
    }
    all
}

fn cell_state(s: &str) -> Option<CellState> {
    all_cell_states().into_iter().find(|st| {
        serde_json::to_value(st)
            .ok()
            .as_ref()
            .and_then(Json::as_str)
            == Some(s)
    })
}

/// A number as [`Num`] serialises: an integer is `Int`, anything else `Dec`.
fn num(v: &Json) -> Option<Num> {
    if let Some(i) = v.as_i64() {
        return Some(Num::Int(i));
    }
    v.as_f64().map(Num::Dec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::batch::tests::report;
    use crate::output::report_json;
    use crate::schema::{Report, Source};

    fn round_trip(r: &Report) -> Stored {
        from_json(&report_json(r), "x.json".into(), 0.25).expect("stored")
    }

    #[test]
    fn a_report_reads_back_to_its_entry_and_facts() {
        let mut r = report(
            "四方台区人民政府",
            2024,
            &[
                ("t3.carried_over.natural_person", Some(3)),
                ("t3.carried_forward.total", None),
                ("t2.normative_docs.in_force", Some(17)),
            ],
        );
        if let Some(c) = r.cells.get_mut(&format!("t3.carried_over.{}", T3_COLS[1])) {
            c.value = Some(Num::Dec(2.0));
        }
        crate::check::run(&mut r);
        assert!(!r.not_assessable.is_empty() || !r.findings.is_empty());
        let s = round_trip(&r);
        assert_eq!(s.entry, Entry::new(&r, "x.json".into(), 0.25));
        assert_eq!(s.facts, BatchFacts::from_report(&r));
        assert_eq!(s.batch, None);
        assert_eq!(s.tool_version.as_deref(), Some(super::super::TOOL_VERSION));

        // Another layout, a decimal, no table 三.
        let mut r = report("某区", 2019, &[("t2.regulations.issued", Some(2))]);
        r.template.t3 = None;
        r.template.t2 = Some(Template::Y2019);
        let s = round_trip(&r);
        assert_eq!(s.facts, BatchFacts::from_report(&r));
        assert_eq!(s.entry, Entry::new(&r, "x.json".into(), 0.25));
    }

    #[test]
    fn real_pipeline_reports_read_back() {
        let seed = "某县2023年政府信息公开工作年度报告\n一、总体情况\n本县依法公开。\n";
        let source = Source {
            path: "in/a.txt".into(),
            ..Source::default()
        };
        for bytes in [seed.as_bytes(), b"", &[0u8, 1, 2, 3, 0][..]] {
            let r = crate::process_bytes(bytes, source.clone());
            let s = round_trip(&r);
            assert_eq!(s.entry, Entry::new(&r, "x.json".into(), 0.25));
            assert_eq!(s.facts, BatchFacts::from_report(&r));
        }
    }

    #[test]
    fn batch_findings_are_set_apart() {
        let mut r = report("某区", 2024, &[]);
        let own = Finding::new("T3-BALANCE", Severity::Error, vec![], "甲", "a");
        let x = Finding::new(
            "X-DUPLICATE",
            Severity::Info,
            vec!["t3.a.b".into()],
            "乙",
            "b",
        )
        .with_numbers(Num::Int(-1), Num::Dec(2.5));
        r.findings.push(own.clone());
        let before = round_trip(&r);
        r.findings.push(x.clone());
        let s = round_trip(&r);
        assert_eq!(s.entry, before.entry, "the X finding is not counted");
        assert_eq!(s.batch, batch_key([&x]));
        assert_eq!(batch_key(std::iter::empty()), None);
        assert_ne!(batch_key([&x]), batch_key([&own]));
    }

    #[test]
    fn every_cell_state_reads_back() {
        for st in all_cell_states() {
            let name = serde_json::to_value(st).expect("json");
            assert_eq!(cell_state(name.as_str().expect("str")), Some(st));
        }
        assert_eq!(cell_state("fine"), None);
    }

    #[test]
    fn what_is_not_a_report_says_why() {
        let r = report("某区", 2024, &[]);
        let good = report_json(&r);
        let broken = |f: &dyn Fn(&mut Json)| {
            let mut j = good.clone();
            f(&mut j);
            from_json(&j, "x.json".into(), 0.0).expect_err("broken")
        };
        assert!(broken(&|j| j["status"] = "fine".into()).contains("status"));
        assert!(broken(&|j| j["findings"] = Json::Null).contains("findings"));
        assert!(broken(&|j| {
            j.as_object_mut().expect("o").remove("not_assessable");
        })
        .contains("not_assessable"));
        assert!(broken(
            &|j| j["findings"] = serde_json::json!([{"rule": "Q-NOPE", "severity": "error"}])
        )
        .contains("Q-NOPE"));
        assert!(broken(&|j| j["meta"]["year"] = "2024".into()).contains("year"));
        let mut j = good.clone();
        j["tool"]["name"] = "other".into();
        let s = from_json(&j, "x.json".into(), 0.0).expect("readable");
        assert_eq!(s.tool_version, None, "not written by ogi");
    }
}
