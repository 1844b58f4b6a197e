//! `ogi schema`: the JSON Schema (draft 2020-12) of the report object of
//! `SCHEMA.md`, contract `ogi-report/1`.
//!
//! The schema is built from the same constants the normaliser and the
//! checker use ([`crate::schema`]'s rows and columns, the rule registry), so
//! it cannot drift from what `ogi` writes:
//!
//! - every top-level key, `source`, `meta`, `template` and `error` with
//!   their fields, enums for `status`, `source.format`, `meta.scope`, the
//!   templates, the error kinds, the cell states, the severities and the
//!   rule ids;
//! - `t2`, `t2_2019`, `t3`, `t4`: null or `{row: {column: number | null}}`
//!   with exactly the row and column keys of the templates (closed: a key
//!   that is not canonical is invalid);
//! - `cells`: keys among [`all_value_ids`],
//!   each `{state, raw, at, rule?}`;
//! - `repairs` and `findings` items.
//!
//! The objects whose fields `SCHEMA.md` lets grow (`source`, `meta`, a
//! cell, a repair, a finding and the report itself: "add fields freely")
//! do not forbid unknown keys; a consumer that wants to detect new fields
//! can treat every `properties` as closed.
//!
//! Only these keywords are used: `$schema`, `$defs`, `$ref` (to `#/$defs/…`),
//! `title`, `description`, `type` (a name or a list of names), `const`,
//! `enum`, `properties`, `required`, `additionalProperties`,
//! `propertyNames`, `items`, `anyOf`, `pattern`, `minimum`.

use crate::check::{BATCH_RULES, RETIRED, RULES};
use crate::schema::{
    all_value_ids, SCHEMA_VERSION, T2_2019_ROWS, T2_ROWS, T3_COLS, T3_ROWS_2019, T3_ROWS_2021,
    T3_SUBTOTAL_ROWS, T4_COLS, T4_GROUPS,
};
use serde_json::{json, Map, Value as Json};

/// The JSON Schema dialect.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// `source.format` values.
pub const FORMATS: &[&str] = &[
    "html", "docx", "xlsx", "xls", "ods", "csv", "text", "pdf", "doc", "unknown",
];

/// `status` values.
pub const STATUSES: &[&str] = &["ok", "partial", "legacy", "not_a_report", "error"];

/// `meta.scope` values.
pub const SCOPES: &[&str] = &["government", "agency", "unknown"];

/// `error.kind` values.
pub const ERROR_KINDS: &[&str] = &[
    "empty",
    "corrupt",
    "encrypted",
    "unsupported",
    "too_large",
    "io",
    "internal",
];

/// `cells.*.state` values.
pub const CELL_STATES: &[&str] = &[
    "ok",
    "blank",
    "marker",
    "text",
    "missing",
    "derived",
    "ambiguous",
    "mapped",
    "not_in_template",
];

/// `findings[].severity` values.
pub const SEVERITIES: &[&str] = &["error", "warning", "info"];

/// The schema of one report, as a JSON value.
pub fn report_schema() -> Json {
    let t3_rows: Vec<&str> = unique(
        T3_ROWS_2021
            .iter()
            .chain(T3_ROWS_2019)
            .chain(T3_SUBTOTAL_ROWS)
            .copied(),
    );
    let mut t3_cols: Vec<&str> = T3_COLS.to_vec();
    t3_cols.push("org_subtotal");
    let t3: Vec<(&str, &[&str])> = t3_rows.iter().map(|r| (*r, &t3_cols[..])).collect();
    let t4: Vec<(&str, &[&str])> = T4_GROUPS.iter().map(|g| (*g, T4_COLS)).collect();

    let mut rule_ids: Vec<&str> = RULES
        .iter()
        .map(|r| r.id())
        .chain(BATCH_RULES.iter().map(|r| r.id()))
        .chain(RETIRED.iter().copied())
        .collect();
    rule_ids.sort_unstable();

    let date = json!({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"});
    let source = object(
        &[
            ("path", json!({"type": "string"})),
            ("format", json!({"enum": FORMATS})),
            (
                "sha256",
                json!({
                    "type": "string",
                    "pattern": "^([0-9a-f]{64})?$",
                    "description": "SHA-256 of the bytes, lowercase hex; empty when the file was not read"
                }),
            ),
            ("bytes", json!({"type": "integer", "minimum": 0})),
            ("encoding", json!({"type": ["string", "null"]})),
            ("sheet", json!({"type": "string"})),
            ("sheet_reports", json!({"type": "integer", "minimum": 2})),
            ("converted", json!({"type": "string"})),
        ],
        &["path", "format", "sha256", "bytes", "encoding"],
        Open,
    );
    let meta = object(
        &[
            ("title", json!({"type": ["string", "null"]})),
            ("agency", json!({"type": ["string", "null"]})),
            ("year", json!({"type": ["integer", "null"]})),
            (
                "period",
                nullable(object(
                    &[("start", date.clone()), ("end", date.clone())],
                    &["start", "end"],
                    Closed,
                )),
            ),
            ("published", nullable(date)),
            ("scope", json!({"enum": SCOPES})),
        ],
        &["title", "agency", "year", "period", "published", "scope"],
        Open,
    );
    let template = object(
        &[
            ("t2", json!({"enum": ["2021", "2019", null]})),
            ("t3", json!({"enum": ["2021", "2019", null]})),
            ("t4", json!({"enum": ["common", null]})),
        ],
        &["t2", "t3", "t4"],
        Closed,
    );
    let cell = object(
        &[
            ("state", json!({"enum": CELL_STATES})),
            ("raw", json!({"type": ["string", "null"]})),
            (
                "at",
                nullable(object(
                    &[
                        ("table", json!({"type": "integer", "minimum": 0})),
                        ("row", json!({"type": "integer", "minimum": 0})),
                        ("col", json!({"type": "integer", "minimum": 0})),
                        ("line", json!({"type": "integer", "minimum": 1})),
                    ],
                    &["table", "row", "col"],
                    Closed,
                )),
            ),
            ("rule", json!({"type": "string"})),
        ],
        &["state", "raw", "at"],
        Open,
    );
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let repair = object(
        &[
            ("action", json!({"type": "string"})),
            ("cells", strings.clone()),
            ("detail", json!({"type": "string"})),
        ],
        &["action", "cells", "detail"],
        Open,
    );
    let finding = object(
        &[
            ("rule", json!({"enum": rule_ids})),
            ("severity", json!({"enum": SEVERITIES})),
            ("cells", strings),
            ("expected", json!({"type": "number"})),
            ("actual", json!({"type": "number"})),
            ("message", json!({"type": "string"})),
            ("message_en", json!({"type": "string"})),
            ("detail", json!(true)),
        ],
        &["rule", "severity", "cells", "message", "message_en"],
        Open,
    );
    let error = object(
        &[
            ("kind", json!({"enum": ERROR_KINDS})),
            ("message", json!({"type": "string"})),
        ],
        &["kind", "message"],
        Open,
    );

    let top: Vec<(&str, Json)> = vec![
        ("schema", json!({"const": SCHEMA_VERSION})),
        ("source", reference("source")),
        ("status", json!({"enum": STATUSES})),
        ("meta", reference("meta")),
        ("template", reference("template")),
        ("t2", nullable(reference("t2"))),
        ("t2_2019", nullable(reference("t2_2019"))),
        ("t3", nullable(reference("t3"))),
        ("t4", nullable(reference("t4"))),
        (
            "cells",
            json!({
                "type": "object",
                "propertyNames": {"enum": all_value_ids()},
                "additionalProperties": reference("cell"),
            }),
        ),
        (
            "repairs",
            json!({"type": "array", "items": reference("repair")}),
        ),
        (
            "findings",
            json!({"type": "array", "items": reference("finding")}),
        ),
        ("error", nullable(reference("error"))),
    ];
    let required: Vec<&str> = top.iter().map(|(k, _)| *k).collect();
    // Written by `ogi extract` beside the contract's fields (optional: a
    // report made by the library has neither).
    let mut top = top;
    top.insert(
        1,
        (
            "tool",
            object(
                &[
                    ("name", json!({"const": super::TOOL_NAME})),
                    ("version", json!({"type": "string"})),
                ],
                &["name", "version"],
                Open,
            ),
        ),
    );
    top.push((
        "not_assessable",
        json!({
            "type": "object",
            "propertyNames": {"enum": rule_ids.clone()},
            "additionalProperties": {"type": "integer", "minimum": 1},
        }),
    ));
    let mut root = match object(&top, &required, Open) {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    let mut defs = Map::new();
    for (name, def) in [
        ("value", json!({"type": ["number", "null"]})),
        ("source", source),
        ("meta", meta),
        ("template", template),
        ("t2", table(T2_ROWS)),
        ("t2_2019", table(T2_2019_ROWS)),
        ("t3", table(&t3)),
        ("t4", table(&t4)),
        ("cell", cell),
        ("repair", repair),
        ("finding", finding),
        ("error", error),
    ] {
        defs.insert(name.into(), def);
    }
    let mut head = Map::new();
    head.insert("$schema".into(), json!(DIALECT));
    head.insert("title".into(), json!(SCHEMA_VERSION));
    head.insert(
        "description".into(),
        json!("One report of ogi (a government information-disclosure annual report, canonical form); see SCHEMA.md"),
    );
    head.append(&mut root);
    head.insert("$defs".into(), Json::Object(defs));
    Json::Object(head)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Closure {
    Open,
    Closed,
}
use Closure::{Closed, Open};

/// `{"type": "object", "properties": …, "required": …}`, closed with
/// `additionalProperties: false` when asked.
fn object(props: &[(&str, Json)], required: &[&str], closure: Closure) -> Json {
    let mut properties = Map::new();
    for (k, v) in props {
        properties.insert((*k).to_string(), v.clone());
    }
    let mut o = Map::new();
    o.insert("type".into(), json!("object"));
    o.insert("properties".into(), Json::Object(properties));
    o.insert("required".into(), json!(required));
    if closure == Closed {
        o.insert("additionalProperties".into(), json!(false));
    }
    Json::Object(o)
}

/// A value table: `{row: {col: number | null}}`, closed at both levels.
fn table(rows: &[(&str, &[&str])]) -> Json {
    let props: Vec<(&str, Json)> = rows
        .iter()
        .map(|(row, cols)| {
            let cols: Vec<(&str, Json)> = cols.iter().map(|c| (*c, reference("value"))).collect();
            (*row, object(&cols, &[], Closed))
        })
        .collect();
    object(&props, &[], Closed)
}

fn reference(def: &str) -> Json {
    json!({"$ref": format!("#/$defs/{def}")})
}

fn nullable(schema: Json) -> Json {
    json!({"anyOf": [schema, {"type": "null"}]})
}

fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::IngestError;
    use crate::ingest::Format;
    use crate::schema::{CellState, Severity, Status};

    fn names<T: serde::Serialize>(items: &[T]) -> Vec<String> {
        items
            .iter()
            .map(|i| {
                serde_json::to_value(i)
                    .expect("json")
                    .as_str()
                    .expect("str")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn enums_are_the_crate_s_own_names() {
        let formats = [
            Format::Html,
            Format::Docx,
            Format::Xlsx,
            Format::Xls,
            Format::Ods,
            Format::Csv,
            Format::Text,
            Format::Pdf,
            Format::Doc,
            Format::Unknown,
        ];
        let f: Vec<&str> = formats.iter().map(|f| f.as_str()).collect();
        assert_eq!(f, FORMATS);
        let statuses = Status::ALL;
        assert_eq!(names(&statuses), STATUSES);
        assert!(statuses.iter().zip(STATUSES).all(|(s, n)| s.as_str() == *n));
        let states = CellState::ALL;
        assert_eq!(names(&states), CELL_STATES);
        assert_eq!(names(&Severity::ALL), SEVERITIES);
        let kinds = [
            IngestError::Empty.kind(),
            IngestError::corrupt("x", "y").kind(),
            IngestError::Encrypted(String::new()).kind(),
            IngestError::Unsupported(String::new()).kind(),
            IngestError::TooLarge(String::new()).kind(),
            IngestError::Io(std::io::Error::other("x")).kind(),
        ];
        for k in kinds {
            assert!(ERROR_KINDS.contains(&k), "{k}");
        }
        assert!(ERROR_KINDS.contains(&"internal"));
    }

    #[test]
    fn the_schema_names_every_table_key_and_rule() {
        let s = report_schema();
        assert_eq!(s["$schema"], DIALECT);
        assert_eq!(s["properties"]["schema"]["const"], SCHEMA_VERSION);
        let t3 = &s["$defs"]["t3"]["properties"];
        assert_eq!(
            t3.as_object().expect("rows").len(),
            T3_ROWS_2021.len() + T3_SUBTOTAL_ROWS.len()
        );
        assert!(t3["carried_forward"]["properties"]["org_subtotal"].is_object());
        assert!(
            s["$defs"]["t2_2019"]["properties"]["procurement"]["properties"]["total_amount"]
                .is_object()
        );
        assert_eq!(s["$defs"]["t4"]["additionalProperties"], false);
        let rules = s["$defs"]["finding"]["properties"]["rule"]["enum"]
            .as_array()
            .expect("rules");
        assert!(rules.contains(&json!("T3-BALANCE")) && rules.contains(&json!("X-DUPLICATE")));
        let required = s["required"].as_array().expect("required");
        assert_eq!(required.len(), 13);
        // Every $ref points to a definition.
        let text = s.to_string();
        for (i, _) in text.match_indices("#/$defs/") {
            let name: String = text[i + 8..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            assert!(s["$defs"][&name].is_object(), "{name}");
        }
    }
}
