//! A report file's JSON written straight from the [`Report`], with no
//! `serde_json::Value` in between.
//!
//! [`super::report_json`] builds the report object as a `Value`: a map per
//! cell record and per position, each key an allocated string hashed into
//! an order-keeping map, a twelfth of a run's time for a value that is
//! printed once and dropped. [`ReportFile`] serialises the same object in
//! the same order from the report's own fields, so the bytes are those of
//! the `Value` printed by the same formatter (the tests compare them, and
//! also the [`super::view::View`] of the report with that of its JSON).

use crate::schema::{value_place, CellState, Num, Report, Template, SCHEMA_VERSION, VALUE_TABLES};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};
use std::io::{self, Write};

use super::layout::Layout;
use super::{TOOL_NAME, TOOL_VERSION};

/// A report's file and its `dataset.jsonl` line, printed in one pass: the
/// file's bytes (the report layout and a newline, as [`super::write_report`]
/// writes them) and the line (the same JSON compact, and a newline: what
/// [`super::parts::minify_into`] makes of the file).
pub fn file_and_line(report: &Report) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let mut file = Vec::with_capacity(64 * 1024);
    let mut line = Vec::with_capacity(32 * 1024);
    let twin = Twin {
        pretty: Layout::new(),
        compact: &mut line,
    };
    let mut ser = serde_json::Serializer::with_formatter(&mut file, twin);
    ReportFile(report).serialize(&mut ser)?;
    file.push(b'\n');
    line.push(b'\n');
    Ok((file, line))
}

/// Writes the report layout to the serializer's writer and the compact
/// one to `compact`, so that one pass over a report prints both.
struct Twin<'a> {
    pretty: Layout,
    compact: &'a mut Vec<u8>,
}

/// A scalar: the same bytes in both layouts.
macro_rules! twice {
    ($($name:ident: $t:ty),* $(,)?) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W, v: $t) -> io::Result<()> {
            CompactFormatter.$name(self.compact, v)?;
            self.pretty.$name(w, v)
        }
    )*};
}

/// A piece of structure: each layout its own.
macro_rules! each {
    ($($name:ident),* $(,)?) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
            CompactFormatter.$name(self.compact)?;
            self.pretty.$name(w)
        }
    )*};
}

/// A piece of structure that knows whether it is the first of its kind.
macro_rules! each_first {
    ($($name:ident),* $(,)?) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
            CompactFormatter.$name(self.compact, first)?;
            self.pretty.$name(w, first)
        }
    )*};
}

impl Formatter for Twin<'_> {
    twice!(
        write_bool: bool,
        write_i8: i8,
        write_i16: i16,
        write_i32: i32,
        write_i64: i64,
        write_i128: i128,
        write_u8: u8,
        write_u16: u16,
        write_u32: u32,
        write_u64: u64,
        write_u128: u128,
        write_f32: f32,
        write_f64: f64,
        write_number_str: &str,
        write_string_fragment: &str,
        write_raw_fragment: &str,
    );
    each!(
        write_null,
        begin_string,
        end_string,
        begin_array,
        end_array,
        end_array_value,
        begin_object,
        end_object,
        end_object_key,
        begin_object_value,
        end_object_value,
    );
    each_first!(begin_array_value, begin_object_key);

    fn write_char_escape<W: ?Sized + Write>(&mut self, w: &mut W, c: CharEscape) -> io::Result<()> {
        let start = self.compact.len();
        CompactFormatter.write_char_escape(self.compact, c)?;
        w.write_all(&self.compact[start..])
    }
}

/// The report object of a report file ([`super::report_json`]), as a
/// `Serialize`.
pub struct ReportFile<'a>(pub &'a Report);

impl Serialize for ReportFile<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(Some(15))?;
        m.serialize_entry("schema", SCHEMA_VERSION)?;
        m.serialize_entry("tool", &Tool)?;
        m.serialize_entry("source", &r.source)?;
        m.serialize_entry("status", &r.status)?;
        m.serialize_entry("meta", &r.meta)?;
        m.serialize_entry("template", &Templates(r))?;
        for table in VALUE_TABLES {
            m.serialize_entry(table, &ValueTable::of(r, table))?;
        }
        m.serialize_entry("cells", &r.cells)?;
        m.serialize_entry("repairs", &r.repairs)?;
        m.serialize_entry("findings", &r.findings)?;
        m.serialize_entry("not_assessable", &NotAssessable(r))?;
        m.serialize_entry("error", &r.error)?;
        m.end()
    }
}

/// `{"name": "ogi", "version": …}`.
struct Tool;

impl Serialize for Tool {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("name", TOOL_NAME)?;
        m.serialize_entry("version", TOOL_VERSION)?;
        m.end()
    }
}

/// `{"t2": …, "t3": …, "t4": …}`: each table's template, or null.
struct Templates<'a>(&'a Report);

impl Serialize for Templates<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = &self.0.template;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("t2", &t.t2.map(Template::as_str))?;
        m.serialize_entry("t3", &t.t3.map(Template::as_str))?;
        m.serialize_entry("t4", &t.t4.map(Template::as_str))?;
        m.end()
    }
}

/// The counts of checks not assessable, by rule, those above zero.
struct NotAssessable<'a>(&'a Report);

impl Serialize for NotAssessable<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let counts = self.0.not_assessable.iter().filter(|(_, n)| **n > 0);
        let mut m = s.serialize_map(Some(counts.clone().count()))?;
        for (rule, n) in counts {
            m.serialize_entry(rule, n)?;
        }
        m.end()
    }
}

/// One table's values as `{row: {col: value}}`, rows in the order their
/// first cell comes, as `Report::to_json` nests them; `None` (null) when
/// the table has no cell.
struct ValueTable<'a> {
    rows: Vec<(&'a str, Row<'a>)>,
}

/// A row's values by column.
type Row<'a> = Vec<(&'a str, Option<Num>)>;

impl<'a> ValueTable<'a> {
    fn of(r: &'a Report, table: &str) -> Option<ValueTable<'a>> {
        let mut rows: Vec<(&'a str, Row<'a>)> = Vec::new();
        for (id, cell) in &r.cells {
            let Some((row, col)) = value_place(id, table) else {
                continue;
            };
            if cell.state == CellState::NotInTemplate {
                continue;
            }
            // A table's cells come row by row: the last row is the one,
            // almost always.
            let at = match rows.last() {
                Some((last, _)) if *last == row => rows.len() - 1,
                _ => match rows.iter().position(|(name, _)| *name == row) {
                    Some(k) => k,
                    None => {
                        rows.push((row, Vec::new()));
                        rows.len() - 1
                    }
                },
            };
            rows[at].1.push((col, cell.value));
        }
        (!rows.is_empty()).then_some(ValueTable { rows })
    }
}

impl Serialize for ValueTable<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.rows.len()))?;
        for (row, cols) in &self.rows {
            m.serialize_entry(row, &Cols(cols))?;
        }
        m.end()
    }
}

struct Cols<'a>(&'a [(&'a str, Option<Num>)]);

impl Serialize for Cols<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (col, value) in self.0 {
            m.serialize_entry(col, value)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::report_json;
    use crate::output::view::View;
    use crate::schema::{At, CellRecord, Finding, Repair, Severity, Source};
    use proptest::prelude::*;

    /// The bytes of the report printed from its `Value`, and straight.
    fn both(r: &Report) -> (Vec<u8>, Vec<u8>) {
        let through_value = crate::output::layout::to_vec(&report_json(r)).expect("value");
        let straight = crate::output::layout::to_vec(&ReportFile(r)).expect("straight");
        (through_value, straight)
    }

    /// The view of the report and that of its file's JSON.
    fn assert_same_view(r: &Report, what: &str) {
        let json = report_json(r);
        assert_eq!(View::of_report(r), View::of_json(&json), "{what}");
    }

    /// The file and line printed in one pass are the file as printed
    /// alone and that file minified.
    fn assert_same_line(r: &Report, what: &str) {
        let (file, line) = file_and_line(r).expect("prints");
        let mut alone = crate::output::layout::to_vec(&ReportFile(r)).expect("straight");
        alone.push(b'\n');
        assert!(file == alone, "{what}");
        let mut minified = Vec::new();
        crate::output::parts::minify_into(&file, &mut minified);
        minified.push(b'\n');
        assert_eq!(
            String::from_utf8_lossy(&line),
            String::from_utf8_lossy(&minified),
            "{what}"
        );
    }

    fn assert_same(r: &Report, what: &str) {
        assert_same_view(r, what);
        assert_same_line(r, what);
        let (a, b) = both(r);
        assert!(
            a == b,
            "{what}:\n{}\n---\n{}",
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b)
        );
    }

    #[test]
    fn every_sample_prints_as_its_value() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut n = 0;
        for entry in walkdir::WalkDir::new(&root).into_iter().flatten() {
            if !entry.file_type().is_file() {
                continue;
            }
            let bytes = std::fs::read(entry.path()).expect("read sample");
            let source = Source {
                path: entry.path().display().to_string(),
                ..Source::default()
            };
            for r in crate::pipeline::process_bytes_all(&bytes, source) {
                assert_same(&r, &entry.path().display().to_string());
                n += 1;
            }
        }
        assert!(n >= 15, "only {n} sample reports");
    }

    fn cell(state: CellState, value: Option<Num>) -> CellRecord {
        CellRecord {
            value,
            state,
            raw: value.map(|v| format!("{v}\"\\\n")),
            at: Some(At {
                table: 1,
                row: 2,
                col: 3,
                line: value.map(|_| 9),
            }),
            rule: None,
        }
    }

    #[test]
    fn every_field_prints_as_its_value() {
        let mut r = crate::schema::fixtures::every_field();
        assert_same(&r, "every field");
        r.source.path = "a\u{1}.xlsx".into();
        r.meta.agency = None;
        r.template.t3 = Some(Template::Y2021);
        // Rows not contiguous, a cell not in the template, odd numbers.
        let cells = [
            ("t3.a.x", cell(CellState::Ok, Some(Num::Int(-4)))),
            ("t3.b.y", cell(CellState::Derived, Some(Num::Dec(2.0)))),
            ("t3.a.z", cell(CellState::Ok, Some(Num::Dec(f64::NAN)))),
            ("t3.c.z", cell(CellState::NotInTemplate, None)),
            ("t2_2019.a.b", cell(CellState::Blank, None)),
            ("t2.a", cell(CellState::Ok, Some(Num::Dec(1e21)))),
            ("t4.a.b.c", cell(CellState::Ok, Some(Num::Dec(0.1)))),
            ("t5.a.b", cell(CellState::Ok, Some(Num::Int(i64::MIN)))),
        ];
        for (id, c) in cells {
            r.cells.insert(id.into(), c);
        }
        let mut f = Finding::new(
            "T3-BALANCE",
            Severity::Error,
            vec!["t3.a.x".into()],
            "错",
            "e",
        );
        f.expected = Some(Num::Dec(1.5));
        f.actual = Some(Num::Int(3));
        f.detail = Some(serde_json::json!({"fits": [1, 2.5, "x"], "z": null}));
        r.findings.push(f);
        r.repairs.push(Repair {
            action: "align_short_row".into(),
            cells: vec![],
            detail: "对齐".into(),
        });
        r.not_assessable.insert("V-BLANK", 2);
        r.not_assessable.insert("T3-BALANCE", 0);
        assert_same(&r, "every field");
        assert_same(&Report::new(Source::default()), "an empty report");
    }

    fn arb_num() -> impl Strategy<Value = Option<Num>> {
        prop_oneof![
            Just(None),
            any::<i64>().prop_map(|i| Some(Num::Int(i))),
            any::<f64>().prop_map(|d| Some(Num::Dec(d))),
        ]
    }

    fn arb_state() -> impl Strategy<Value = CellState> {
        prop_oneof![
            Just(CellState::Ok),
            Just(CellState::Blank),
            Just(CellState::Missing),
            Just(CellState::Derived),
            Just(CellState::NotInTemplate),
        ]
    }

    proptest! {
        #[test]
        fn random_cells_print_as_their_value(
            cells in prop::collection::vec(
                ("(t2|t2_2019|t3|t4|t)(\\.[a-c]){0,3}", arb_state(), arb_num()),
                0..40,
            ),
            counts in prop::collection::vec(0usize..3, 0..4),
        ) {
            let mut r = Report::new(Source::default());
            for (id, state, value) in cells {
                r.cells.insert(id, cell(state, value));
            }
            let rules = ["V-BLANK", "T3-BALANCE", "T3-ROW-TOTAL", "T4-TOTAL"];
            for (rule, n) in rules.iter().zip(counts) {
                r.not_assessable.insert(rule, n);
            }
            let (a, b) = both(&r);
            prop_assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
            let json = report_json(&r);
            prop_assert_eq!(View::of_report(&r), View::of_json(&json));
            assert_same_line(&r, "random cells");
        }
    }
}
