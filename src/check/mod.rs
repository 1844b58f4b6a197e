//! The checker: rules over a canonical [`Report`], one rule per file.
//!
//! Every rule of `spec/RULES.md` that looks at one report lives in its own
//! module, named after its id (`t3_balance.rs` for `T3-BALANCE`), with its
//! documentation (what it checks, why, an example) at the top, the code, and
//! its tests (a failing and a passing fixture from
//! `tests/fixtures/check/<ID>/`) at the bottom. [`RULES`] lists them, sorted
//! by id; an id is never reused, and a rule that is removed keeps its id in
//! [`RETIRED`].
//!
//! The checker reads only `crate::schema`: the cells and their states, the
//! templates, and the normaliser's [`Observation`](crate::schema::Observation)s,
//! which the S- rules and V-UNIT turn into findings. It does no I/O and keeps
//! no state between reports.
//!
//! Families:
//! - **S** (structure) and **V** (values): report what the normaliser saw.
//! - **T** (arithmetic): the identities of the format. They share one
//!   evaluation of the operand policy (`relation.rs`).
//! - **H** (hints): `H-LIKELY-CELL` runs last and reasons over the failed
//!   T3/T4 identities.
//! - **N** (narrative against tables) and **M** (metadata): per-report rules
//!   over `report.narrative` and `report.meta`; they implement [`Rule`] like
//!   the others.
//! - **X** (across reports) run over a whole batch. They do not fit
//!   [`Rule::check`], which sees one report: they implement the sibling
//!   trait [`BatchRule`], whose `check` sees one small [`BatchFacts`] per
//!   report (never the reports themselves, so that a batch of any size fits
//!   in memory) and returns findings tagged with the index of the report
//!   they belong to. [`BATCH_RULES`] lists them, with the same id
//!   conventions and [`RETIRED`] list as [`RULES`].
//!
//! [`run`] applies every per-report rule to a report; [`run_batch`] every
//! batch rule to a batch.

use indexmap::IndexMap;
use std::ops::Range;

use crate::schema::{Finding, Report, Severity};

pub mod batch;
pub mod h_likely_cell;
pub mod labels;
pub mod m_year;
pub mod n_table_mismatch;
pub(crate) mod relation;
pub mod s_align_guess;
pub mod s_ambiguous;
pub mod s_legacy;
pub mod s_not_report;
pub mod s_row_extra;
pub mod s_row_long;
pub mod s_row_missing;
pub mod s_row_short;
pub mod s_table_missing;
pub mod s_template_mixed;
pub mod t2_stock_flow;
pub mod t3_balance;
pub mod t3_results_sum;
pub mod t3_row_total;
pub mod t3_subtotal;
pub mod t4_group_total;
pub mod v_blank;
pub mod v_domain;
pub mod v_not_number;
pub mod v_unit;
pub mod x_carry_over;
pub mod x_duplicate;
pub mod x_stock;

pub use batch::{agency_key, BatchFacts};

/// One check rule.
pub trait Rule: Sync {
    /// The stable id of RULES.md: `T3-BALANCE`.
    fn id(&self) -> &'static str;
    /// The default severity. A rule may vary it per finding when RULES.md
    /// says so (S-TABLE-MISSING: error for t3, warning for t2 and t4).
    fn severity(&self) -> Severity;
    /// What the rule checks, in one English line.
    fn summary(&self) -> &'static str;
    /// The same in Chinese.
    fn summary_zh(&self) -> &'static str;
    /// Checks one report: pushes findings and counts the instances it could
    /// not assess.
    fn check(&self, report: &Report, cx: &mut Context);
}

/// What the rules produce for one report.
#[derive(Debug, Default)]
pub struct Context {
    /// Findings, in the order the rules produced them.
    pub findings: Vec<Finding>,
    /// Check instances that could not be assessed, by rule id.
    pub not_assessable: IndexMap<&'static str, usize>,
    /// The instances the arithmetic rules built on this report, kept for
    /// H-LIKELY-CELL, which reasons over them all and runs last.
    kept: KeptRelations,
}

/// The instances of the arithmetic rules, by rule id.
#[derive(Default)]
struct KeptRelations(Vec<(&'static str, Vec<relation::Relation>)>);

impl std::fmt::Debug for KeptRelations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(rule, r)| (rule, r.len())))
            .finish()
    }
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Keeps the instances `rule` built, for H-LIKELY-CELL.
    pub(crate) fn keep_relations(
        &mut self,
        rule: &'static str,
        relations: Vec<relation::Relation>,
    ) {
        self.kept.0.push((rule, relations));
    }

    /// The instances `rule` built on this report and kept, taken out; `None`
    /// when it did not run on this context.
    pub(crate) fn take_relations(&mut self, rule: &str) -> Option<Vec<relation::Relation>> {
        let at = self.kept.0.iter().position(|(r, _)| *r == rule)?;
        Some(self.kept.0.swap_remove(at).1)
    }

    /// Records a finding.
    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Counts one instance of `rule` that could not be assessed.
    pub fn skip(&mut self, rule: &'static str) {
        *self.not_assessable.entry(rule).or_insert(0) += 1;
    }
}

/// Every implemented per-report rule, sorted by id.
pub static RULES: &[&dyn Rule] = &[
    &h_likely_cell::HLikelyCell,
    &m_year::MYear,
    &n_table_mismatch::NTableMismatch,
    &s_align_guess::SAlignGuess,
    &s_ambiguous::SAmbiguous,
    &s_legacy::SLegacy,
    &s_not_report::SNotReport,
    &s_row_extra::SRowExtra,
    &s_row_long::SRowLong,
    &s_row_missing::SRowMissing,
    &s_row_short::SRowShort,
    &s_table_missing::STableMissing,
    &s_template_mixed::STemplateMixed,
    &t2_stock_flow::T2StockFlow,
    &t3_balance::T3Balance,
    &t3_results_sum::T3ResultsSum,
    &t3_row_total::T3RowTotal,
    &t3_subtotal::T3Subtotal,
    &t4_group_total::T4GroupTotal,
    &v_blank::VBlank,
    &v_domain::VDomain,
    &v_not_number::VNotNumber,
    &v_unit::VUnit,
];

/// A rule over a whole batch of reports (the X family of RULES.md).
pub trait BatchRule: Sync {
    /// The stable id of RULES.md: `X-CARRY-OVER`.
    fn id(&self) -> &'static str;
    /// The default severity.
    fn severity(&self) -> Severity;
    /// What the rule checks, in one English line.
    fn summary(&self) -> &'static str;
    /// The same in Chinese.
    fn summary_zh(&self) -> &'static str;
    /// Checks the batch: pushes `(report index, finding)` for every finding
    /// of a report whose index (its position in `batch`) is in `only`. A
    /// finding about two reports is pushed once for each of them, with that
    /// report's cells.
    fn check(&self, batch: &[BatchFacts], only: Range<usize>, out: &mut Vec<(usize, Finding)>);
}

/// Every implemented batch rule, sorted by id.
pub static BATCH_RULES: &[&dyn BatchRule] = &[
    &x_carry_over::XCarryOver,
    &x_duplicate::XDuplicate,
    &x_stock::XStock,
];

/// The batch rule with this id, if it is implemented.
pub fn batch_rule(id: &str) -> Option<&'static dyn BatchRule> {
    BATCH_RULES.iter().copied().find(|r| r.id() == id)
}

/// Runs every batch rule over `batch` and returns the findings by report
/// index: sorted by index, and within one report in rule-id order, then in
/// the order the rule produced them. The result depends only on `batch`
/// (and its order), never on timing.
pub fn run_batch(batch: &[BatchFacts]) -> Vec<(usize, Finding)> {
    run_batch_for(batch, 0..batch.len())
}

/// [`run_batch`], keeping only the findings of the reports whose index is
/// in `only` (and computing only those: a large batch's findings can be
/// made a slice at a time).
pub fn run_batch_for(batch: &[BatchFacts], only: Range<usize>) -> Vec<(usize, Finding)> {
    let mut out = Vec::new();
    for r in BATCH_RULES {
        r.check(batch, only.clone(), &mut out);
    }
    out.sort_by_key(|(i, _)| *i); // stable: keeps the rule order per report
    out
}

/// Ids that were used once and must never be reused.
pub const RETIRED: &[&str] = &[];

/// The rule with this id, if it is implemented.
pub fn rule(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.id() == id)
}

/// Runs every per-report rule on `report`: M-, N-, S-, V- and T- rules in id
/// order, then H-LIKELY-CELL. Appends the findings to `report.findings` and
/// adds the not-assessable counts to `report.not_assessable`. Call it once
/// per report (a second call appends the same findings again).
pub fn run(report: &mut Report) {
    let cx = check(report);
    report.findings.extend(cx.findings);
    for (id, n) in cx.not_assessable {
        *report.not_assessable.entry(id).or_insert(0) += n;
    }
}

/// Runs every per-report rule and returns what they found, leaving the
/// report untouched.
pub fn check(report: &Report) -> Context {
    let mut cx = Context::new();
    let hint = h_likely_cell::ID;
    for r in RULES.iter().filter(|r| r.id() != hint) {
        r.check(report, &mut cx);
    }
    if let Some(h) = rule(hint) {
        h.check(report, &mut cx);
    }
    cx
}

/// The fixture format of `tests/fixtures/check/`, and its loader.
///
/// A fixture is a JSON object, a superset of the corpus' `*.expected.json`:
///
/// ```jsonc
/// {
///   "template": {"t2": "2021", "t3": "2021", "t4": "common"}, // "2019" | null per table
///   "status": "ok",            // optional: ok | partial | legacy | not_a_report | error
///   "values": {"t3.new_received.natural_person": 2, "t3.x.y": null},
///   "states": {"t3.results_total.total": "derived"},  // only cells that are not ok
///   "rules":  {"t3.results_total.total": "T3-ROW-TOTAL"}, // provenance of derived/mapped
///   "raw":    {"t3.disclosed.total": "见附件"},          // cell text, when it matters
///   "observations": [{"kind": "row_short", "table": "t3", "row": "results_total", …}],
///   "narrative": ["全年共收到政府信息公开申请2件。"],   // report.narrative, a string a line
///   "meta": {"title": "…2024年…报告", "agency": "…", "year": 2024,
///            "period": {"start": "2024-01-01", "end": "2024-12-31"}}
/// }
/// ```
///
/// Every canonical cell of the tables the template names exists, with value
/// 0 and state `ok`, unless `values`/`states` say otherwise (a 2019 t3 also
/// gets the `other_*` rows as `not_in_template`). Ids outside the template
/// (subtotal rows, the `org_subtotal` column) are added when listed. A null
/// value without a state is `blank`; a state other than ok, derived and
/// mapped clears the value. Cells end in canonical order.
///
/// Observations have a `kind` and the fields of the
/// [`Observation`](crate::schema::Observation) variant in snake case:
/// `not_a_report {reason}`, `legacy {evidence}`, `table_missing {table,
/// cells}`, `row_missing {table, row, cells}`, `row_short {table, row, label,
/// found, expected, cells}`, `row_long {table, row, label, extra, cells}`,
/// `row_extra {table, label, subtotal}`, `guess {cells, detail, detail_zh}`,
/// `ambiguous {cells, raw, readings, count}`, `template_mixed {detail,
/// detail_en}`, `unit_converted {cell, raw, from, to}`. Missing `cells` of a
/// row observation default to the row's cells in the report.
///
/// `narrative` fills `report.narrative`; `meta` fills `title`, `agency`,
/// `year`, `period` and `scope` of `report.meta` (the corpus' files hold the
/// first three).
#[cfg(test)]
pub(crate) mod fixture {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};

    use serde_json::Value as Json;

    use super::{Context, Rule};
    use crate::schema::{
        self, CellRecord, CellState, Num, Observation, Report, Source, Status, Template,
    };

    /// The folder of the checker's fixtures.
    pub fn dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check")
    }

    /// Loads `tests/fixtures/check/<rule>/<name>.json`.
    pub fn load(rule: &str, name: &str) -> Report {
        load_path(&dir().join(rule).join(format!("{name}.json")))
    }

    /// Loads a fixture file; panics with the reason (tests only).
    pub fn load_path(path: &Path) -> Report {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Runs one rule alone.
    pub fn run_one(rule: &dyn Rule, report: &Report) -> Context {
        let mut cx = Context::new();
        rule.check(report, &mut cx);
        cx
    }

    /// Overwrites one cell.
    pub fn set(report: &mut Report, id: &str, value: Option<i64>, state: CellState) {
        report.cells.insert(
            id.to_string(),
            CellRecord {
                value: value.map(Num::Int),
                state,
                raw: value.map(|v| v.to_string()),
                at: None,
                rule: None,
            },
        );
    }

    /// Parses a fixture.
    pub fn parse(text: &str) -> Result<Report, String> {
        let j: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut r = Report::new(Source {
            path: "fixture".into(),
            ..Source::default()
        });
        r.status = match j.get("status").and_then(Json::as_str).unwrap_or("ok") {
            "ok" => Status::Ok,
            "partial" => Status::Partial,
            "legacy" => Status::Legacy,
            "not_a_report" => Status::NotAReport,
            "error" => Status::Error,
            s => return Err(format!("unknown status {s}")),
        };
        let tpl = |key: &str| -> Result<Option<Template>, String> {
            match j
                .pointer(&format!("/template/{key}"))
                .and_then(Json::as_str)
            {
                None => Ok(None),
                Some("2021") => Ok(Some(Template::Y2021)),
                Some("2019") => Ok(Some(Template::Y2019)),
                Some("common") => Ok(Some(Template::Common)),
                Some(s) => Err(format!("unknown template {s}")),
            }
        };
        r.template.t2 = tpl("t2")?;
        r.template.t3 = tpl("t3")?;
        r.template.t4 = tpl("t4")?;

        let mut ids = Vec::new();
        match r.template.t2 {
            Some(Template::Y2019) => ids.extend(schema::t2_2019_ids()),
            Some(_) => ids.extend(schema::t2_ids()),
            None => {}
        }
        if let Some(t) = r.template.t3 {
            ids.extend(schema::t3_ids(t));
        }
        if r.template.t4.is_some() {
            ids.extend(schema::t4_ids());
        }
        for id in ids {
            r.cells.insert(id, ok(Num::Int(0)));
        }
        if r.template.t3 == Some(Template::Y2019) {
            for row in ["other_no_correction", "other_fee_unpaid", "other_other"] {
                for c in schema::T3_COLS {
                    r.cells.insert(
                        crate::schema::cell_id("t3", row, c),
                        CellRecord::not_in_template(),
                    );
                }
            }
        }

        let empty = serde_json::Map::new();
        let obj = |key: &str| j.get(key).and_then(Json::as_object).unwrap_or(&empty);
        for (id, v) in obj("values") {
            let cell = match v {
                Json::Null => CellRecord {
                    state: CellState::Blank,
                    raw: Some(String::new()),
                    ..CellRecord::missing()
                },
                Json::Number(n) => match n.as_i64() {
                    Some(i) => ok(Num::Int(i)),
                    None => ok(Num::Dec(n.as_f64().ok_or("bad number")?)),
                },
                _ => return Err(format!("{id}: value must be a number or null")),
            };
            r.cells.insert(id.clone(), cell);
        }
        for (id, s) in obj("states") {
            let state = parse_state(s.as_str().unwrap_or(""))?;
            let cell = r
                .cells
                .entry(id.clone())
                .or_insert_with(CellRecord::missing);
            cell.state = state;
            if !matches!(
                state,
                CellState::Ok | CellState::Derived | CellState::Mapped
            ) {
                cell.value = None;
            }
            cell.raw = match state {
                CellState::Blank => Some(String::new()),
                CellState::Marker => Some("/".into()),
                CellState::Text => Some("文字".into()),
                CellState::Missing | CellState::NotInTemplate | CellState::Derived => None,
                _ => cell.raw.take(),
            };
        }
        for (id, rule) in obj("rules") {
            if let Some(cell) = r.cells.get_mut(id) {
                cell.rule = rule.as_str().map(String::from);
            }
        }
        for (id, raw) in obj("raw") {
            if let Some(cell) = r.cells.get_mut(id) {
                cell.raw = raw.as_str().map(String::from);
            }
        }
        let order: HashMap<String, usize> = schema::all_value_ids()
            .into_iter()
            .enumerate()
            .map(|(i, id)| (id, i))
            .collect();
        r.cells
            .sort_by_cached_key(|id, _| order.get(id).copied().unwrap_or(usize::MAX));

        if let Some(list) = j.get("observations").and_then(Json::as_array) {
            for o in list {
                let obs = parse_observation(o, &r)?;
                r.observations.push(obs);
            }
        }
        if let Some(list) = j.get("narrative").and_then(Json::as_array) {
            r.narrative = list
                .iter()
                .map(|l| {
                    l.as_str()
                        .map(String::from)
                        .ok_or("narrative: strings only")
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(m) = j.get("meta").and_then(Json::as_object) {
            let text = |k: &str| m.get(k).and_then(Json::as_str).map(String::from);
            r.meta.title = text("title");
            r.meta.agency = text("agency");
            if let Some(scope) = text("scope") {
                r.meta.scope = scope;
            }
            r.meta.year = m
                .get("year")
                .and_then(Json::as_i64)
                .and_then(|y| i32::try_from(y).ok());
            r.meta.period = match m.get("period") {
                None | Some(Json::Null) => None,
                Some(p) => {
                    let day = |k: &str| p.get(k).and_then(Json::as_str).map(String::from);
                    match (day("start"), day("end")) {
                        (Some(start), Some(end)) => Some(schema::Period { start, end }),
                        _ => return Err("meta.period needs start and end".into()),
                    }
                }
            };
        }
        Ok(r)
    }

    fn ok(n: Num) -> CellRecord {
        CellRecord {
            value: Some(n),
            state: CellState::Ok,
            raw: Some(n.to_string()),
            at: None,
            rule: None,
        }
    }

    fn parse_state(s: &str) -> Result<CellState, String> {
        Ok(match s {
            "ok" => CellState::Ok,
            "blank" => CellState::Blank,
            "marker" => CellState::Marker,
            "text" => CellState::Text,
            "missing" => CellState::Missing,
            "derived" => CellState::Derived,
            "ambiguous" => CellState::Ambiguous,
            "mapped" => CellState::Mapped,
            "not_in_template" => CellState::NotInTemplate,
            _ => return Err(format!("unknown state {s:?}")),
        })
    }

    fn table(s: &str) -> Result<&'static str, String> {
        crate::schema::VALUE_TABLES
            .into_iter()
            .find(|t| *t == s)
            .ok_or_else(|| format!("unknown table {s:?}"))
    }

    fn parse_observation(o: &Json, r: &Report) -> Result<Observation, String> {
        let s = |k: &str| o.get(k).and_then(Json::as_str).unwrap_or("").to_string();
        let n = |k: &str| o.get(k).and_then(Json::as_u64).unwrap_or(0) as usize;
        let strings = |k: &str| -> Vec<String> {
            o.get(k)
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Json::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        let row_cells = |table: &str, row: &str| -> Vec<String> {
            let given = strings("cells");
            if !given.is_empty() {
                return given;
            }
            let prefix = format!("{table}.{row}.");
            r.cells
                .keys()
                .filter(|id| id.starts_with(&prefix))
                .cloned()
                .collect()
        };
        let kind = s("kind");
        Ok(match kind.as_str() {
            "not_a_report" => Observation::NotAReport {
                reason: s("reason"),
            },
            "legacy" => Observation::Legacy {
                evidence: strings("evidence"),
            },
            "table_missing" => Observation::TableMissing {
                table: table(&s("table"))?,
                cells: strings("cells"),
            },
            "row_missing" => Observation::RowMissing {
                table: table(&s("table"))?,
                row: s("row"),
                cells: row_cells(&s("table"), &s("row")),
            },
            "row_short" => Observation::RowShort {
                table: table(&s("table"))?,
                row: s("row"),
                label: s("label"),
                found: n("found"),
                expected: n("expected"),
                cells: row_cells(&s("table"), &s("row")),
            },
            "row_long" => Observation::RowLong {
                table: table(&s("table"))?,
                row: s("row"),
                label: s("label"),
                extra: strings("extra"),
                cells: row_cells(&s("table"), &s("row")),
            },
            "row_extra" => Observation::RowExtra {
                table: table(&s("table"))?,
                label: s("label"),
                subtotal: o.get("subtotal").and_then(Json::as_str).map(String::from),
            },
            "guess" => Observation::Guess {
                cells: strings("cells"),
                detail: s("detail"),
                detail_zh: s("detail_zh"),
            },
            "ambiguous" => {
                let readings = o
                    .get("readings")
                    .and_then(Json::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|reading| {
                                reading
                                    .as_array()
                                    .map(|v| {
                                        v.iter()
                                            .filter_map(|x| match x.as_i64() {
                                                Some(i) => Some(Num::Int(i)),
                                                None => x.as_f64().map(Num::Dec),
                                            })
                                            .collect()
                                    })
                                    .unwrap_or_default()
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Observation::Ambiguous {
                    cells: strings("cells"),
                    raw: s("raw"),
                    readings,
                    count: n("count"),
                }
            }
            "template_mixed" => Observation::TemplateMixed {
                detail: s("detail"),
                detail_en: s("detail_en"),
            },
            "unit_converted" => Observation::UnitConverted {
                cell: s("cell"),
                raw: s("raw"),
                from: s("from"),
                to: s("to"),
            },
            k => return Err(format!("unknown observation kind {k:?}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::fixture;
    use super::*;
    use crate::schema::{Num, Severity};

    /// The S, V, T, H, N and M ids of RULES.md (checked against the file itself
    /// when /work/shared is present).
    const SPEC_IDS: &[&str] = &[
        "S-NOT-REPORT",
        "S-LEGACY",
        "S-TABLE-MISSING",
        "S-ROW-MISSING",
        "S-ROW-SHORT",
        "S-ROW-LONG",
        "S-ROW-EXTRA",
        "S-ALIGN-GUESS",
        "S-AMBIGUOUS",
        "S-TEMPLATE-MIXED",
        "V-NOT-NUMBER",
        "V-BLANK",
        "V-DOMAIN",
        "V-UNIT",
        "T3-BALANCE",
        "T3-RESULTS-SUM",
        "T3-ROW-TOTAL",
        "T3-SUBTOTAL",
        "T4-GROUP-TOTAL",
        "T2-STOCK-FLOW",
        "H-LIKELY-CELL",
        "N-TABLE-MISMATCH",
        "M-YEAR",
    ];

    fn id_shape_ok(id: &str) -> bool {
        let re = regex::Regex::new(r"^[A-Z][0-9]?-[A-Z0-9-]+$").expect("regex");
        re.is_match(id)
    }

    #[test]
    fn registry_ids_are_unique_sorted_and_well_formed() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            ids, sorted,
            "RULES must be sorted by id, without duplicates"
        );
        for id in ids.iter().chain(RETIRED) {
            assert!(id_shape_ok(id), "{id}");
        }
        for id in RETIRED {
            assert!(!ids.contains(id), "{id} is retired but registered");
        }
        assert!(!id_shape_ok("t3-balance") && !id_shape_ok("T3_BALANCE"));
    }

    #[test]
    fn every_spec_rule_is_registered() {
        for id in SPEC_IDS {
            assert!(rule(id).is_some(), "{id} is in RULES.md but not registered");
        }
        assert!(rule("X-CARRY-OVER").is_none());
        let spec = std::path::Path::new("/work/shared/spec/RULES.md");
        let Ok(text) = std::fs::read_to_string(spec) else {
            return; // the shared spec is not available: the list above stands
        };
        let re = regex::Regex::new(r"(?m)^\| `([A-Z][0-9]?-[A-Z0-9-]+)` \|").expect("regex");
        let from_file: BTreeSet<&str> = re
            .captures_iter(&text)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str())
            .filter(|id| {
                ["S-", "V-", "T", "H-", "N-", "M-"]
                    .iter()
                    .any(|p| id.starts_with(p))
            })
            .collect();
        let listed: BTreeSet<&str> = SPEC_IDS.iter().copied().collect();
        assert_eq!(from_file, listed, "SPEC_IDS drifted from RULES.md");
    }

    /// The X ids of RULES.md.
    const SPEC_BATCH_IDS: &[&str] = &["X-CARRY-OVER", "X-STOCK", "X-DUPLICATE"];

    #[test]
    fn batch_registry_matches_the_spec() {
        let ids: Vec<&str> = BATCH_RULES.iter().map(|r| r.id()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            ids, sorted,
            "BATCH_RULES must be sorted, without duplicates"
        );
        for id in &ids {
            assert!(id_shape_ok(id) && id.starts_with("X-"), "{id}");
            assert!(rule(id).is_none(), "{id} is registered twice");
            assert!(!RETIRED.contains(id));
        }
        for r in BATCH_RULES {
            assert!(!r.summary().is_empty() && !r.summary_zh().is_empty());
        }
        for id in SPEC_BATCH_IDS {
            assert!(batch_rule(id).is_some(), "{id} is not registered");
        }
        let Ok(text) = std::fs::read_to_string("/work/shared/spec/RULES.md") else {
            return;
        };
        let re = regex::Regex::new(r"(?m)^\| `(X-[A-Z0-9-]+)` \|").expect("regex");
        let from_file: BTreeSet<&str> = re
            .captures_iter(&text)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str())
            .collect();
        let listed: BTreeSet<&str> = SPEC_BATCH_IDS.iter().copied().collect();
        assert_eq!(from_file, listed, "SPEC_BATCH_IDS drifted from RULES.md");
    }

    #[test]
    fn run_batch_groups_findings_by_report_in_rule_order() {
        use crate::check::batch::tests::report;
        let y24 = report(
            "某区",
            2024,
            &[
                ("t3.carried_forward.total", Some(4)),
                ("t2.regulations.in_force", Some(1)),
            ],
        );
        let mut copy = y24.clone();
        copy.source.path = "in/copy.txt".into();
        let y25 = report("某区人民政府", 2025, &[("t3.carried_over.total", Some(5))]);
        let facts: Vec<BatchFacts> = [y24, copy, y25]
            .iter()
            .map(BatchFacts::from_report)
            .collect();
        let out = run_batch(&facts);
        let got: Vec<(usize, &str)> = out.iter().map(|(i, f)| (*i, f.rule)).collect();
        assert_eq!(
            got,
            [
                // The copy is a duplicate: the first of the two stands for
                // both in the year-to-year comparison.
                (0, "X-CARRY-OVER"),
                (0, "X-DUPLICATE"),
                (0, "X-STOCK"),
                (1, "X-DUPLICATE"),
                (2, "X-CARRY-OVER"),
                (2, "X-STOCK"),
            ]
        );
        // Each report's findings are about its own cells.
        assert_eq!(out[0].1.cells, ["t3.carried_forward.total"]);
        assert_eq!(out[4].1.cells, ["t3.carried_over.total"]);
    }

    #[test]
    fn every_rule_has_docs_and_fixtures_that_discriminate() {
        for r in RULES {
            assert!(!r.summary().is_empty() && !r.summary_zh().is_empty());
            let fail = fixture::load(r.id(), "fail");
            let pass = fixture::load(r.id(), "pass");
            let f = fixture::run_one(*r, &fail);
            assert!(
                f.findings.iter().any(|x| x.rule == r.id()),
                "{}: fail.json produced no finding",
                r.id()
            );
            assert!(
                f.findings.iter().all(|x| x.rule == r.id()),
                "{}: a rule reports under its own id only",
                r.id()
            );
            let p = fixture::run_one(*r, &pass);
            assert!(
                p.findings.is_empty(),
                "{}: pass.json produced {:?}",
                r.id(),
                p.findings
            );
            for x in &f.findings {
                assert!(!x.message.is_empty() && !x.message_en.is_empty());
                assert!(!x.message.contains('\n'), "one line: {}", x.message);
            }
        }
    }

    #[test]
    fn rules_never_panic_on_empty_or_odd_reports() {
        let mut empty = crate::schema::Report::new(crate::schema::Source::default());
        run(&mut empty);
        assert!(empty.findings.is_empty());
        // Templates set but no cells at all: tables are skipped, not failed.
        empty.template.t3 = Some(crate::schema::Template::Y2021);
        empty.template.t4 = Some(crate::schema::Template::Common);
        empty.template.t2 = Some(crate::schema::Template::Y2021);
        let cx = check(&empty);
        assert!(cx.findings.is_empty());
        assert!(cx.not_assessable.is_empty());
    }

    fn seed() -> crate::schema::Report {
        fixture::load_path(&fixture::dir().join("seed_values.json"))
    }

    #[test]
    fn the_seed_comes_out_exactly() {
        let mut report = seed();
        run(&mut report);
        let rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
        let mut got = rules.clone();
        got.sort_unstable();
        assert_eq!(
            got,
            [
                "H-LIKELY-CELL",
                "S-ALIGN-GUESS",
                "S-ROW-SHORT",
                "T3-BALANCE",
                "T3-ROW-TOTAL"
            ],
            "{:#?}",
            report.findings
        );
        assert_eq!(rules.last(), Some(&"H-LIKELY-CELL"), "the hint runs last");
        let find = |id: &str| {
            report
                .findings
                .iter()
                .find(|f| f.rule == id)
                .expect("present")
        };
        let b = find("T3-BALANCE");
        assert_eq!(b.severity, Severity::Error);
        assert_eq!(
            b.cells,
            [
                "t3.new_received.natural_person",
                "t3.carried_over.natural_person",
                "t3.results_total.natural_person",
                "t3.carried_forward.natural_person"
            ]
        );
        assert_eq!(
            (b.expected, b.actual),
            (Some(Num::Int(2)), Some(Num::Int(3)))
        );
        assert_eq!(
            b.message,
            "表三 自然人列：本年新收(2) + 上年结转(0) = 2，但 办理结果总计(2) + 结转下年度(1) = 3"
        );
        let t = find("T3-ROW-TOTAL");
        assert_eq!(t.severity, Severity::Error);
        assert_eq!(t.cells.len(), 7);
        assert!(t.cells.iter().all(|c| c.starts_with("t3.carried_forward.")));
        assert_eq!(
            (t.expected, t.actual),
            (Some(Num::Int(1)), Some(Num::Int(0)))
        );
        let h = find("H-LIKELY-CELL");
        assert_eq!(h.severity, Severity::Info);
        assert_eq!(h.cells, ["t3.carried_forward.natural_person"]);
        let d = h.detail.as_ref().expect("detail");
        assert_eq!(d["written"], 1);
        assert_eq!(d["fits"], 0);
        assert_eq!(
            d["clears"],
            serde_json::json!(["T3-BALANCE", "T3-ROW-TOTAL"])
        );
        assert_eq!(
            h.message,
            "表三 结转下年度继续办理·自然人 写作1；若为0，则T3-BALANCE(自然人)与T3-ROW-TOTAL(结转下年度继续办理)均成立"
        );
        let s = find("S-ROW-SHORT");
        assert_eq!(s.severity, Severity::Error);
        assert_eq!(s.cells.len(), 7);
        assert_eq!(find("S-ALIGN-GUESS").severity, Severity::Warning);
        // The derived 总计 never passes T3-ROW-TOTAL, its own rule.
        assert_eq!(report.not_assessable.get("T3-ROW-TOTAL"), Some(&1));
        assert_eq!(report.finding_counts(), (3, 1, 1));
    }

    #[test]
    fn seed_fixture_matches_the_shared_seed() {
        let path =
            std::path::Path::new("/work/shared/seeds/000_c4248d9b40c3335c.txt.expected.json");
        if !path.exists() {
            return;
        }
        let shared = fixture::load_path(path);
        let ours = seed();
        let values = |r: &crate::schema::Report| -> Vec<(String, Option<Num>, String)> {
            r.cells
                .iter()
                .map(|(id, c)| (id.clone(), c.value, format!("{:?}", c.state)))
                .collect()
        };
        assert_eq!(values(&ours), values(&shared));
    }

    /// The corpus' expected values, checked by the value rules, give the
    /// corpus' expected T-, V- and H- findings (S- rules need the
    /// normaliser's observations, which the corpus does not hold). Skipped
    /// when /work/shared is absent.
    #[test]
    fn corpus_values_give_the_expected_findings() {
        let dir = std::path::Path::new("/work/shared/corpus");
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
            .collect();
        paths.sort();
        let mine = |id: &str| !id.starts_with("S-");
        let mut failures = Vec::new();
        for p in &paths {
            let text = std::fs::read_to_string(p).expect("readable");
            let j: serde_json::Value = serde_json::from_str(&text).expect("json");
            let report = fixture::parse(&text).expect("fixture format");
            let expected: BTreeSet<(String, Vec<String>)> = j["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| {
                    let rule = f["rule"].as_str()?;
                    let mut cells: Vec<String> = f["cells"]
                        .as_array()?
                        .iter()
                        .filter_map(|c| c.as_str().map(String::from))
                        .collect();
                    cells.sort();
                    mine(rule).then(|| (rule.to_string(), cells))
                })
                .collect();
            let cx = check(&report);
            let got: BTreeSet<(String, Vec<String>)> = cx
                .findings
                .iter()
                .filter(|f| mine(f.rule))
                .map(|f| {
                    let mut cells = f.cells.clone();
                    cells.sort();
                    (f.rule.to_string(), cells)
                })
                .collect();
            if expected != got {
                failures.push(format!(
                    "{}:\n  expected {:?}\n  got      {:?}",
                    p.display(),
                    expected
                        .iter()
                        .map(|(r, c)| (r, c.len()))
                        .collect::<Vec<_>>(),
                    got.iter().map(|(r, c)| (r, c.len())).collect::<Vec<_>>()
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
