//! Comparing a report with the values a correct reading gives, in the
//! shape of `../shared/corpus/*.expected.json` (also used by the samples'
//! golden files): status, template, metadata, values, non-ok states, and
//! the required findings by rule and cells.

use serde_json::Value;
use std::path::Path;

/// Appends one line per mismatch to `problems`.
pub fn compare(path: &Path, expected: &Value, got: &Value, problems: &mut Vec<String>) {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut bad = |what: String| problems.push(format!("{name}: {what}"));
    if !expected["status"].is_null() && expected["status"] != got["status"] {
        bad(format!(
            "status {} != expected {}",
            got["status"], expected["status"]
        ));
    }
    for t in ["t2", "t3", "t4"] {
        if expected["template"][t] != got["template"][t] {
            bad(format!(
                "template.{t} {} != expected {}",
                got["template"][t], expected["template"][t]
            ));
        }
    }
    for k in ["title", "agency", "year"] {
        if expected["meta"][k] != got["meta"][k] {
            bad(format!(
                "meta.{k} {} != expected {}",
                got["meta"][k], expected["meta"][k]
            ));
        }
    }
    let cells = &got["cells"];
    if let Some(values) = expected["values"].as_object() {
        for (id, want) in values {
            let mut parts = id.splitn(3, '.');
            let (t, r, c) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            let have = &got[t][r][c];
            let same = match (want.as_f64(), have.as_f64()) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                _ => want == have,
            };
            if !same {
                bad(format!("{id} = {have} != expected {want}"));
            }
        }
    }
    if let Some(states) = expected["states"].as_object() {
        for (id, want) in states {
            let have = &cells[id]["state"];
            if have != want {
                bad(format!("{id} state {have} != expected {want}"));
            }
        }
    }
    // Cells we call non-ok that the expectation calls ok.
    if let (Some(cells), Some(states)) = (cells.as_object(), expected["states"].as_object()) {
        for (id, cell) in cells {
            let st = cell["state"].as_str().unwrap_or("");
            if st != "ok"
                && st != "not_in_template"
                && !states.contains_key(id)
                && expected["values"].get(id).is_some()
            {
                bad(format!("{id} state {st} but expected ok"));
            }
        }
    }
    // Findings: every expected error/warning (and listed info) by rule and
    // cells; no unexpected error or warning.
    let got_f = got["findings"].as_array().cloned().unwrap_or_default();
    let exp_f = expected["findings"].as_array().cloned().unwrap_or_default();
    let tolerated = expected["tolerated_findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let cells_of = |f: &Value| -> Vec<String> {
        let mut v: Vec<String> = f["cells"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let covers = |e: &Value, g: &Value| {
        e["rule"] == g["rule"] && {
            let (ec, gc) = (cells_of(e), cells_of(g));
            ec.is_empty() || ec.iter().all(|c| gc.contains(c)) || gc.iter().all(|c| ec.contains(c))
        }
    };
    for e in &exp_f {
        if !got_f.iter().any(|g| covers(e, g)) {
            bad(format!("missing finding {} {:?}", e["rule"], cells_of(e)));
        }
    }
    for g in &got_f {
        let sev = g["severity"].as_str().unwrap_or("");
        if sev == "info" {
            continue;
        }
        if !exp_f.iter().chain(&tolerated).any(|e| covers(e, g)) {
            bad(format!(
                "unexpected finding {} {:?}: {}",
                g["rule"],
                cells_of(g),
                g["message"]
            ));
        }
    }
}
