//! The golden test: a report with the seed's figures gives exactly the
//! values, cell states, repairs and findings of SCHEMA.md's worked example.

mod support;

use ogi::schema::{CellState, Num, Severity, Source};
use serde_json::Value;
use std::path::Path;
use support::expect::compare;

#[test]
fn seed_figures_give_the_worked_example_exactly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let input = root.join("samples/text/sifangtai-2024-seed-figures.txt");
    let bytes = std::fs::read(&input).expect("sample");
    let report = ogi::process_bytes(
        &bytes,
        Source {
            path: "sifangtai-2024-seed-figures.txt".into(),
            ..Source::default()
        },
    );
    let expected: Value = serde_json::from_slice(
        &std::fs::read(root.join("tests/fixtures/golden/sifangtai-2024.expected.json"))
            .expect("golden"),
    )
    .expect("json");
    let got = report.to_json();
    let mut problems = Vec::new();
    compare(&input, &expected, &got, &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Every one of the 200 cells, value and state.
    let values = expected["values"].as_object().expect("values");
    assert_eq!(values.len(), 200);
    for (id, want) in values {
        let state = report.state(id).expect("cell present");
        let want_state = expected["states"][id].as_str().unwrap_or("ok");
        assert_eq!(serde_json::to_value(state).unwrap(), want_state, "{id}");
        assert_eq!(report.value(id).map(Num::as_f64), want.as_f64(), "{id}");
    }
    assert_eq!(
        report.state("t3.results_total.total"),
        Some(CellState::Derived)
    );
    assert_eq!(
        report.cells["t3.results_total.total"].rule.as_deref(),
        Some("T3-ROW-TOTAL")
    );

    // Exactly one repair: the short row aligned left.
    assert_eq!(report.repairs.len(), 1, "{:?}", report.repairs);
    assert_eq!(report.repairs[0].action, "align_short_row");
    assert!(report.repairs[0].detail.contains("aligned left"));

    // Exactly these findings: no other error, warning or info.
    let mut rules: Vec<(&str, Severity)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.severity))
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        vec![
            ("H-LIKELY-CELL", Severity::Info),
            ("S-ALIGN-GUESS", Severity::Warning),
            ("S-ROW-SHORT", Severity::Error),
            ("T3-BALANCE", Severity::Error),
            ("T3-ROW-TOTAL", Severity::Error),
        ]
    );
    let balance = report
        .findings
        .iter()
        .find(|f| f.rule == "T3-BALANCE")
        .unwrap();
    assert_eq!(
        (balance.expected, balance.actual),
        (Some(Num::Int(2)), Some(Num::Int(3)))
    );
    assert!(balance.cells.iter().all(|c| c.ends_with(".natural_person")));
    let row_total = report
        .findings
        .iter()
        .find(|f| f.rule == "T3-ROW-TOTAL")
        .unwrap();
    assert_eq!(
        (row_total.expected, row_total.actual),
        (Some(Num::Int(1)), Some(Num::Int(0)))
    );
    assert!(row_total
        .cells
        .iter()
        .all(|c| c.starts_with("t3.carried_forward.")));
    let hint = report
        .findings
        .iter()
        .find(|f| f.rule == "H-LIKELY-CELL")
        .unwrap();
    assert_eq!(
        hint.cells,
        vec!["t3.carried_forward.natural_person".to_string()]
    );
    assert!(hint.message.contains('1') && hint.message.contains('0'));
}
