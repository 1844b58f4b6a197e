//! `ogi schema` against what `ogi extract` writes: every report of the
//! bundled samples validates against the printed JSON Schema.
//!
//! The validator here implements the subset of JSON Schema 2020-12 that the
//! schema uses (and refuses any other keyword, so nothing is silently
//! skipped). It runs in a strict mode where an object schema with
//! `properties` and no `additionalProperties` is closed: a field the report
//! writes but the schema does not describe is reported as drift.

use regex::Regex;
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::Command;

const KEYWORDS: &[&str] = &[
    "$schema",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "items",
    "anyOf",
    "oneOf",
    "pattern",
    "minimum",
];

struct Validator<'a> {
    root: &'a Json,
    strict: bool,
    patterns: std::cell::RefCell<HashMap<String, Regex>>,
}

impl<'a> Validator<'a> {
    fn new(root: &'a Json, strict: bool) -> Validator<'a> {
        Validator {
            root,
            strict,
            patterns: Default::default(),
        }
    }

    /// Problems of `v` against the root schema.
    fn check(&self, v: &Json) -> Vec<String> {
        let mut errs = Vec::new();
        self.validate(self.root, v, "", &mut errs);
        errs
    }

    fn validate(&self, schema: &Json, v: &Json, at: &str, errs: &mut Vec<String>) {
        let s = match schema {
            Json::Bool(true) => return,
            Json::Bool(false) => {
                errs.push(format!("{at}: no value is allowed here"));
                return;
            }
            Json::Object(s) => s,
            other => panic!("not a schema at {at}: {other}"),
        };
        for k in s.keys() {
            assert!(KEYWORDS.contains(&k.as_str()), "unsupported keyword {k}");
        }
        if let Some(r) = s.get("$ref").and_then(Json::as_str) {
            let target = r
                .strip_prefix('#')
                .and_then(|p| self.root.pointer(p))
                .unwrap_or_else(|| panic!("unresolved $ref {r}"));
            self.validate(target, v, at, errs);
        }
        if let Some(t) = s.get("type") {
            let types: Vec<&str> = match t {
                Json::String(t) => vec![t.as_str()],
                Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
                _ => panic!("bad type at {at}"),
            };
            if !types.iter().any(|t| has_type(v, t)) {
                errs.push(format!("{at}: {v} is not of type {types:?}"));
                return;
            }
        }
        if let Some(c) = s.get("const") {
            if c != v {
                errs.push(format!("{at}: {v} is not {c}"));
            }
        }
        if let Some(e) = s.get("enum").and_then(Json::as_array) {
            if !e.contains(v) {
                errs.push(format!("{at}: {v} is not one of the enum"));
            }
        }
        if let (Some(p), Some(text)) = (s.get("pattern").and_then(Json::as_str), v.as_str()) {
            let mut cache = self.patterns.borrow_mut();
            let re = cache
                .entry(p.to_string())
                .or_insert_with(|| Regex::new(p).expect("pattern"));
            if !re.is_match(text) {
                errs.push(format!("{at}: {text:?} does not match {p}"));
            }
        }
        if let (Some(min), Some(n)) = (s.get("minimum").and_then(Json::as_f64), v.as_f64()) {
            if n < min {
                errs.push(format!("{at}: {n} < {min}"));
            }
        }
        if let Some(any) = s.get("anyOf").and_then(Json::as_array) {
            let ok = any.iter().any(|sub| {
                let mut e = Vec::new();
                self.validate(sub, v, at, &mut e);
                e.is_empty()
            });
            if !ok {
                errs.push(format!("{at}: {v} matches none of anyOf"));
            }
        }
        if let Some(one) = s.get("oneOf").and_then(Json::as_array) {
            let n = one
                .iter()
                .filter(|sub| {
                    let mut e = Vec::new();
                    self.validate(sub, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if n != 1 {
                errs.push(format!("{at}: {v} matches {n} of oneOf"));
            }
        }
        if let (Some(items), Some(a)) = (s.get("items"), v.as_array()) {
            for (i, x) in a.iter().enumerate() {
                self.validate(items, x, &format!("{at}/{i}"), errs);
            }
        }
        if let Some(o) = v.as_object() {
            let props = s.get("properties").and_then(Json::as_object);
            if let Some(req) = s.get("required").and_then(Json::as_array) {
                for r in req.iter().filter_map(Json::as_str) {
                    if !o.contains_key(r) {
                        errs.push(format!("{at}: required key {r} is missing"));
                    }
                }
            }
            for (k, x) in o {
                let here = format!("{at}/{k}");
                if let Some(names) = s.get("propertyNames") {
                    self.validate(names, &json!(k), &here, errs);
                }
                match props.and_then(|p| p.get(k)) {
                    Some(sub) => self.validate(sub, x, &here, errs),
                    None => match s.get("additionalProperties") {
                        Some(extra) => self.validate(extra, x, &here, errs),
                        None if self.strict && props.is_some() => {
                            errs.push(format!("{here}: not described by the schema"))
                        }
                        None => {}
                    },
                }
            }
        }
    }
}

fn has_type(v: &Json, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => panic!("unknown type {other}"),
    }
}

/// Every keyword anywhere in the schema is one the validator knows.
fn assert_known_keywords(schema: &Json, at: &str) {
    let Json::Object(s) = schema else {
        return;
    };
    for (k, sub) in s {
        assert!(
            KEYWORDS.contains(&k.as_str()),
            "{at}: unsupported keyword {k}"
        );
        match k.as_str() {
            "properties" | "$defs" => {
                for (name, def) in sub.as_object().expect("map") {
                    assert_known_keywords(def, &format!("{at}/{k}/{name}"));
                }
            }
            "anyOf" | "oneOf" => {
                for (i, def) in sub.as_array().expect("list").iter().enumerate() {
                    assert_known_keywords(def, &format!("{at}/{k}/{i}"));
                }
            }
            "items" | "additionalProperties" | "propertyNames" => {
                assert_known_keywords(sub, &format!("{at}/{k}"))
            }
            _ => {}
        }
    }
}

fn ogi_schema() -> Json {
    let o = Command::new(env!("CARGO_BIN_EXE_ogi"))
        .arg("schema")
        .output()
        .expect("run ogi schema");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("the schema is JSON")
}

#[test]
fn every_sample_report_validates_against_the_schema() {
    let schema = ogi_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_known_keywords(&schema, "#");

    let tmp = tempfile::tempdir().expect("tempdir");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let out = tmp.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_ogi"))
        .arg("extract")
        .arg(&samples)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .output()
        .expect("run ogi extract");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let strict = Validator::new(&schema, true);
    let mut problems = Vec::new();
    let mut n = 0;
    let mut statuses = std::collections::BTreeSet::new();
    let mut entries: Vec<_> = fs::read_dir(out.join("reports"))
        .expect("reports")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let report: Json = serde_json::from_slice(&fs::read(&path).expect("read")).expect("json");
        statuses.insert(report["status"].as_str().unwrap_or("").to_string());
        for p in strict.check(&report) {
            problems.push(format!("{}: {p}", path.display()));
        }
        n += 1;
    }
    assert!(n >= 18, "only {n} reports");
    assert!(statuses.contains("ok"), "{statuses:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_validator_and_the_schema_reject_what_is_not_a_report() {
    let schema = ogi_schema();
    let strict = Validator::new(&schema, true);
    let open = Validator::new(&schema, false);
    let report = ogi::process_bytes(
        "某区2024年政府信息公开工作年度报告\n一、总体情况\n".as_bytes(),
        ogi::schema::Source {
            path: "in/a.txt".into(),
            ..Default::default()
        },
    )
    .to_json();
    assert!(
        strict.check(&report).is_empty(),
        "{:?}",
        strict.check(&report)
    );

    let broken = |f: &dyn Fn(&mut Json)| {
        let mut r = report.clone();
        f(&mut r);
        r
    };
    let cases: Vec<(&str, Json)> = vec![
        ("status", broken(&|r| r["status"] = json!("fine"))),
        ("schema", broken(&|r| r["schema"] = json!("ogi-report/2"))),
        (
            "missing key",
            broken(&|r| {
                r.as_object_mut().expect("o").remove("cells");
            }),
        ),
        ("meta.year", broken(&|r| r["meta"]["year"] = json!("2024"))),
        (
            "t3 row",
            broken(&|r| r["t3"] = json!({"not_a_row": {"total": 1}})),
        ),
        (
            "t3 column",
            broken(&|r| r["t3"] = json!({"carried_over": {"everyone": 1}})),
        ),
        (
            "t4 value",
            broken(&|r| r["t4"] = json!({"review": {"total": "5"}})),
        ),
        (
            "cell id",
            broken(&|r| r["cells"] = json!({"t3.x.y": {"state": "ok", "raw": "1", "at": null}})),
        ),
        (
            "cell state",
            broken(&|r| {
                r["cells"] = json!({"t4.review.total": {"state": "fine", "raw": "1", "at": null}})
            }),
        ),
        (
            "finding rule",
            broken(&|r| {
                r["findings"] = json!([{"rule": "Z-NOPE", "severity": "info", "cells": [],
                    "message": "", "message_en": ""}])
            }),
        ),
        ("sha256", broken(&|r| r["source"]["sha256"] = json!("XYZ"))),
        (
            "period",
            broken(&|r| r["meta"]["period"] = json!({"start": "2024"})),
        ),
    ];
    for (what, r) in &cases {
        assert!(!open.check(r).is_empty(), "{what} passed the schema");
    }
    // Strict mode also catches a field the schema does not describe.
    let extra = broken(&|r| r["meta"]["mood"] = json!("fine"));
    assert!(open.check(&extra).is_empty());
    assert!(!strict.check(&extra).is_empty());
}
