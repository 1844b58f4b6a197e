//! What the review page and the export rows read of a report, taken from
//! the [`Report`] itself or from a report file's JSON.
//!
//! A report is rendered by the worker that wrote it, or by the finishing
//! pass from the report kept in the ledger: both hold the `Report`, and
//! reading it through a [`View`] spares building its JSON `Value` (a
//! twelfth of a run). A report whose file is read back (a rerun, `merge`)
//! is rendered from the file's JSON through the same [`View`], so the page
//! and rows cannot depend on where the report came from; the tests compare
//! the two on every sample.

use crate::schema::{
    cell_id, value_place, CellRecord, CellState, Finding, Num, Report, Template, VALUE_TABLES,
};
use serde_json::Value as Json;
use std::borrow::Cow;

/// One value as the report file holds it: null, a string, an integer, a
/// decimal, or (from a file) any other JSON.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<'a> {
    /// Null, or absent.
    Null,
    /// A string.
    Str(&'a str),
    /// An integer.
    Int(i64),
    /// A finite decimal (a file prints it as `serde_json` does: `2.0`).
    Dec(f64),
    /// Any other JSON (from a file).
    Json(&'a Json),
}

impl<'a> Val<'a> {
    /// The value at a place of a report's JSON (`None`: absent, read as
    /// null).
    pub fn of(v: Option<&'a Json>) -> Val<'a> {
        match v {
            None | Some(Json::Null) => Val::Null,
            Some(Json::String(s)) => Val::Str(s),
            Some(j @ Json::Number(n)) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Val::Int(i),
                (None, Some(d)) if n.is_f64() => Val::Dec(d),
                _ => Val::Json(j),
            },
            Some(other) => Val::Json(other),
        }
    }

    /// A number of a report (a decimal that is not finite is null in the
    /// file).
    pub fn num(n: Option<Num>) -> Val<'static> {
        match n {
            None => Val::Null,
            Some(Num::Int(i)) => Val::Int(i),
            Some(Num::Dec(d)) if d.is_finite() => Val::Dec(d),
            Some(Num::Dec(_)) => Val::Null,
        }
    }

    /// An optional string of a report.
    pub fn opt(s: Option<&'a str>) -> Val<'a> {
        s.map_or(Val::Null, Val::Str)
    }

    /// The string, when the value is one.
    pub fn as_str(self) -> Option<&'a str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the value is null (or absent).
    pub fn is_null(self) -> bool {
        self == Val::Null
    }

    /// The value as a field shows it: nothing for null, a string as it is,
    /// anything else as its JSON.
    pub fn text(self) -> Cow<'a, str> {
        match self {
            Val::Null => Cow::Borrowed(""),
            Val::Str(s) => Cow::Borrowed(s),
            Val::Int(i) => Cow::Owned(itoa::Buffer::new().format(i).to_string()),
            Val::Dec(d) => Cow::Owned(
                serde_json::Number::from_f64(d)
                    .map_or_else(|| "null".to_string(), |n| n.to_string()),
            ),
            Val::Json(v) => Cow::Owned(v.to_string()),
        }
    }
}

/// Where a cell was found (the numbers of its `at`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AtView {
    /// 0-based table index.
    pub table: Option<u64>,
    /// 0-based grid row.
    pub row: Option<u64>,
    /// 0-based grid column.
    pub col: Option<u64>,
    /// 1-based source line (text input).
    pub line: Option<u64>,
}

/// The fields of a cell record the page shows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CellInfo<'a> {
    /// The state's name (`ok`, `blank`, …).
    pub state: &'a str,
    /// The cell text as found.
    pub raw: Option<&'a str>,
    /// Where it was found.
    pub at: Option<AtView>,
    /// The rule or source of a derived or mapped value.
    pub rule: Option<&'a str>,
}

impl<'a> CellInfo<'a> {
    /// Reads a record's fields in one pass over its entries (a record has
    /// a handful; this spares a hashed lookup per field).
    fn of_json(record: &'a Json) -> CellInfo<'a> {
        let mut info = CellInfo::default();
        for (k, v) in record.as_object().into_iter().flatten() {
            match k.as_str() {
                "state" => info.state = v.as_str().unwrap_or(""),
                "raw" => info.raw = v.as_str(),
                "at" if v.is_object() => {
                    let n = |k: &str| v.get(k).and_then(Json::as_u64);
                    info.at = Some(AtView {
                        table: n("table"),
                        row: n("row"),
                        col: n("col"),
                        line: n("line"),
                    });
                }
                "rule" => info.rule = v.as_str(),
                _ => {}
            }
        }
        info
    }

    fn of_record(record: &'a CellRecord) -> CellInfo<'a> {
        CellInfo {
            state: record.state.as_str(),
            raw: record.raw.as_deref(),
            at: record.at.map(|at| AtView {
                table: Some(at.table as u64),
                row: Some(at.row as u64),
                col: Some(at.col as u64),
                line: at.line.map(|l| l as u64),
            }),
            rule: record.rule.as_deref(),
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingView<'a> {
    /// 1-based position in `findings`.
    pub n: usize,
    /// The rule id.
    pub rule: Val<'a>,
    /// `error`, `warning` or `info`.
    pub severity: Val<'a>,
    /// The message in Chinese.
    pub message: Val<'a>,
    /// The message in English.
    pub message_en: Val<'a>,
    /// The cells named, as written (a file may hold anything there).
    pub cell_vals: Vec<Val<'a>>,
    /// Those of them that are cell ids (strings).
    pub cells: Vec<&'a str>,
    /// The value the relation expects.
    pub expected: Val<'a>,
    /// The value the report holds.
    pub actual: Val<'a>,
    /// `detail`, unless null.
    pub detail: Option<&'a Json>,
}

impl<'a> FindingView<'a> {
    /// The rule id, or nothing when the file has no string there.
    pub fn rule_str(&self) -> &'a str {
        self.rule.as_str().unwrap_or("")
    }

    /// The severity, or nothing.
    pub fn severity_str(&self) -> &'a str {
        self.severity.as_str().unwrap_or("")
    }

    /// The Chinese message, or nothing.
    pub fn message_str(&self) -> &'a str {
        self.message.as_str().unwrap_or("")
    }

    fn of_json(n: usize, f: &'a Json) -> FindingView<'a> {
        let cell_vals: Vec<Val<'a>> = f
            .get("cells")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .map(|c| Val::of(Some(c)))
            .collect();
        FindingView {
            n,
            rule: Val::of(f.get("rule")),
            severity: Val::of(f.get("severity")),
            message: Val::of(f.get("message")),
            message_en: Val::of(f.get("message_en")),
            cells: cell_vals.iter().filter_map(|c| c.as_str()).collect(),
            cell_vals,
            expected: Val::of(f.get("expected")),
            actual: Val::of(f.get("actual")),
            detail: f.get("detail").filter(|v| !v.is_null()),
        }
    }

    fn of_finding(n: usize, f: &'a Finding) -> FindingView<'a> {
        let cells: Vec<&'a str> = f.cells.iter().map(String::as_str).collect();
        FindingView {
            n,
            rule: Val::Str(f.rule),
            severity: Val::Str(f.severity.as_str()),
            message: Val::Str(&f.message),
            message_en: Val::Str(&f.message_en),
            cell_vals: cells.iter().map(|c| Val::Str(c)).collect(),
            cells,
            expected: Val::num(f.expected),
            actual: Val::num(f.actual),
            detail: f.detail.as_ref().filter(|v| !v.is_null()),
        }
    }
}

/// One repair.
#[derive(Debug, Clone, PartialEq)]
pub struct RepairView<'a> {
    /// What was repaired (`align_short_row`, …).
    pub action: Val<'a>,
    /// How, in words.
    pub detail: Val<'a>,
    /// The cells named that are cell ids (strings).
    pub cells: Vec<&'a str>,
}

/// What the review page and the export rows read of one report.
#[derive(Debug, Clone, PartialEq)]
pub struct View<'a> {
    /// `status`.
    pub status: Val<'a>,
    /// `source.path`.
    pub path: Val<'a>,
    /// `source.format`.
    pub format: Val<'a>,
    /// `source.encoding`.
    pub encoding: Val<'a>,
    /// `source.sheet`.
    pub sheet: Val<'a>,
    /// `source.converted`.
    pub converted: Val<'a>,
    /// `meta.title`.
    pub title: Val<'a>,
    /// `meta.agency`.
    pub agency: Val<'a>,
    /// `meta.year`.
    pub year: Val<'a>,
    /// `meta.period.start`.
    pub period_start: Val<'a>,
    /// `meta.period.end`.
    pub period_end: Val<'a>,
    /// `meta.published`.
    pub published: Val<'a>,
    /// `meta.scope`.
    pub scope: Val<'a>,
    /// The templates of tables 二, 三 and 四.
    pub templates: [Val<'a>; 3],
    /// `error.kind` and `error.message`, when `error` is an object.
    pub error: Option<(Val<'a>, Val<'a>)>,
    /// Every cell record, in the report's order.
    pub cells: Vec<(&'a str, CellInfo<'a>)>,
    /// Every value of the value tables (`t3.<row>.<col>`, …), by id.
    pub values: foldhash::HashMap<Cow<'a, str>, Val<'a>>,
    /// The findings, in order.
    pub findings: Vec<FindingView<'a>>,
    /// The repairs, in order.
    pub repairs: Vec<RepairView<'a>>,
}

impl<'a> View<'a> {
    /// The view of a report.
    pub fn of_report(r: &'a Report) -> View<'a> {
        let s = &r.source;
        let m = &r.meta;
        let t = |t: Option<Template>| Val::opt(t.map(Template::as_str));
        let period = m.period.as_ref();
        let mut values = foldhash::HashMap::default();
        values.reserve(r.cells.len());
        for (id, cell) in &r.cells {
            if cell.state != CellState::NotInTemplate && in_value_table(id) {
                values.insert(Cow::Borrowed(id.as_str()), Val::num(cell.value));
            }
        }
        View {
            status: Val::Str(r.status.as_str()),
            path: Val::Str(&s.path),
            format: Val::Str(&s.format),
            encoding: Val::opt(s.encoding.as_deref()),
            sheet: Val::opt(s.sheet.as_deref()),
            converted: Val::opt(s.converted.as_deref()),
            title: Val::opt(m.title.as_deref()),
            agency: Val::opt(m.agency.as_deref()),
            year: m.year.map_or(Val::Null, |y| Val::Int(i64::from(y))),
            period_start: Val::opt(period.map(|p| p.start.as_str())),
            period_end: Val::opt(period.map(|p| p.end.as_str())),
            published: Val::opt(m.published.as_deref()),
            scope: Val::Str(&m.scope),
            templates: [t(r.template.t2), t(r.template.t3), t(r.template.t4)],
            error: r
                .error
                .as_ref()
                .map(|e| (Val::Str(&e.kind), Val::Str(&e.message))),
            cells: r
                .cells
                .iter()
                .map(|(id, c)| (id.as_str(), CellInfo::of_record(c)))
                .collect(),
            values,
            findings: r
                .findings
                .iter()
                .enumerate()
                .map(|(i, f)| FindingView::of_finding(i + 1, f))
                .collect(),
            repairs: r
                .repairs
                .iter()
                .map(|rep| RepairView {
                    action: Val::Str(&rep.action),
                    detail: Val::Str(&rep.detail),
                    cells: rep.cells.iter().map(String::as_str).collect(),
                })
                .collect(),
        }
    }

    /// The view of a report file's JSON (any JSON: what is not where a
    /// report file has it reads as null or empty).
    pub fn of_json(j: &'a Json) -> View<'a> {
        let at = |p: &str| Val::of(j.pointer(p));
        let mut values = foldhash::HashMap::default();
        for (t, table) in j.as_object().into_iter().flatten() {
            if !t.starts_with('t') {
                continue;
            }
            for (r, row) in table.as_object().into_iter().flatten() {
                for (c, v) in row.as_object().into_iter().flatten() {
                    values.insert(Cow::Owned(cell_id(t, r, c)), Val::of(Some(v)));
                }
            }
        }
        let list = |k: &str| j.get(k).and_then(Json::as_array).into_iter().flatten();
        let strings = |v: &'a Json| -> Vec<&'a str> {
            v.get("cells")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .collect()
        };
        View {
            status: at("/status"),
            path: at("/source/path"),
            format: at("/source/format"),
            encoding: at("/source/encoding"),
            sheet: at("/source/sheet"),
            converted: at("/source/converted"),
            title: at("/meta/title"),
            agency: at("/meta/agency"),
            year: at("/meta/year"),
            period_start: at("/meta/period/start"),
            period_end: at("/meta/period/end"),
            published: at("/meta/published"),
            scope: at("/meta/scope"),
            templates: [at("/template/t2"), at("/template/t3"), at("/template/t4")],
            error: j
                .get("error")
                .filter(|e| e.is_object())
                .map(|e| (Val::of(e.get("kind")), Val::of(e.get("message")))),
            cells: j
                .get("cells")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
                .map(|(id, rec)| (id.as_str(), CellInfo::of_json(rec)))
                .collect(),
            values,
            findings: list("findings")
                .enumerate()
                .map(|(i, f)| FindingView::of_json(i + 1, f))
                .collect(),
            repairs: list("repairs")
                .map(|r| RepairView {
                    action: Val::of(r.get("action")),
                    detail: Val::of(r.get("detail")),
                    cells: strings(r),
                })
                .collect(),
        }
    }

    /// The value of a `dataset.csv` column: a fixed column by its name, a
    /// value column by its cell id.
    pub fn field(&self, column: &str) -> Val<'a> {
        match column {
            "source.path" => self.path,
            "source.format" => self.format,
            "status" => self.status,
            "meta.title" => self.title,
            "meta.agency" => self.agency,
            "meta.year" => self.year,
            "meta.period.start" => self.period_start,
            "meta.period.end" => self.period_end,
            "meta.published" => self.published,
            "meta.scope" => self.scope,
            "template.t2" => self.templates[0],
            "template.t3" => self.templates[1],
            "template.t4" => self.templates[2],
            "source.sheet" => self.sheet,
            id => self.values.get(id).copied().unwrap_or(Val::Null),
        }
    }
}

/// Whether a cell id (`t3.<row>.<col>`) has a place in a value table of
/// the report file.
fn in_value_table(id: &str) -> bool {
    VALUE_TABLES.iter().any(|t| value_place(id, t).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_show_as_the_json_prints_them() {
        let big = json!(u64::MAX);
        let list = json!([1, "a"]);
        for (v, text) in [
            (Val::of(None), ""),
            (Val::of(Some(&json!(null))), ""),
            (Val::of(Some(&json!("甲,乙"))), "甲,乙"),
            (Val::of(Some(&json!(-7))), "-7"),
            (Val::of(Some(&json!(2.0))), "2.0"),
            (Val::of(Some(&big)), "18446744073709551615"),
            (Val::of(Some(&list)), "[1,\"a\"]"),
            (Val::num(Some(Num::Dec(2.0))), "2.0"),
            (Val::num(Some(Num::Dec(0.1))), "0.1"),
            (Val::num(Some(Num::Dec(1e21))), "1e+21"),
            (Val::num(Some(Num::Dec(f64::INFINITY))), ""),
            (Val::num(Some(Num::Int(i64::MIN))), "-9223372036854775808"),
        ] {
            assert_eq!(v.text(), text, "{v:?}");
        }
        assert_eq!(Val::of(Some(&json!(2.0))), Val::num(Some(Num::Dec(2.0))));
        assert!(Val::num(Some(Num::Dec(f64::NAN))).is_null());
    }

    #[test]
    fn a_file_with_odd_fields_reads_without_panic() {
        let odd = json!({
            "status": 3,
            "meta": {"year": "二〇二四", "period": "all"},
            "template": ["2021"],
            "t3": {"a": [1], "b": {"c": {"d": 1}}},
            "cells": {"t3.b.c": {"state": 1, "at": {"table": -1, "row": "x"}}},
            "findings": [{"cells": [1, "t3.b.c", null], "severity": "error"}, 5],
            "repairs": "none",
            "error": "boom"
        });
        let v = View::of_json(&odd);
        assert_eq!(v.status.text(), "3");
        assert_eq!(v.field("meta.year").text(), "二〇二四");
        assert!(v.period_start.is_null() && v.templates[0].is_null());
        assert_eq!(v.field("t3.b.c").text(), "{\"d\":1}");
        assert_eq!(v.cells[0].1.at, Some(AtView::default()));
        assert_eq!(v.findings.len(), 2);
        assert_eq!(v.findings[0].cells, vec!["t3.b.c"]);
        assert_eq!(v.findings[0].cell_vals.len(), 3);
        assert!(v.repairs.is_empty() && v.error.is_none());
        let links = super::super::review::Links {
            source: String::new(),
            report: String::new(),
            report_label: String::new(),
            index: String::new(),
        };
        assert!(super::super::review::render_page(&v, &links).contains("</html>"));
    }
}
