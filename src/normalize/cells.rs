//! Turning a source cell into a canonical cell record.

use super::numbers::{parse_cell, Parsed};
use super::rows::ValCell;
use crate::schema::{At, CellRecord, CellState, Num, Observation, Repair, Report};

/// What kind of value a canonical cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A count (件, decisions, items).
    Count,
    /// An amount in 万元 (the 2021 fee).
    WanYuan,
    /// An amount in 元 (the 2019 procurement total).
    Yuan,
}

/// Builds the record of canonical cell `id` from source cell `v`, recording
/// full-width digits and unit conversions in the report.
pub fn record(report: &mut Report, id: &str, v: &ValCell, kind: Kind) -> CellRecord {
    let raw = v.text.clone();
    let (state, value) = match parse_cell(&raw) {
        Parsed::Blank => (CellState::Blank, None),
        Parsed::Marker => (CellState::Marker, None),
        Parsed::Text => (CellState::Text, None),
        Parsed::Number {
            value,
            unit,
            fullwidth,
        } => {
            if fullwidth {
                report.repairs.push(Repair {
                    action: "fullwidth_digits".into(),
                    cells: vec![id.to_string()],
                    detail: format!("'{raw}' read as {value} (full-width digits)"),
                });
            }
            (
                CellState::Ok,
                Some(convert(report, id, &raw, value, unit, kind)),
            )
        }
    };
    CellRecord {
        value,
        state,
        raw: Some(raw),
        at: Some(v.at),
        rule: None,
    }
}

fn convert(
    report: &mut Report,
    id: &str,
    raw: &str,
    value: Num,
    unit: Option<String>,
    kind: Kind,
) -> Num {
    let Some(unit) = unit else {
        return value;
    };
    let factor = match (kind, unit.as_str()) {
        (Kind::WanYuan, "元") => 0.0001,
        (Kind::WanYuan, "亿元") => 10_000.0,
        (Kind::Yuan, "万元") => 10_000.0,
        (Kind::Yuan, "亿元") => 100_000_000.0,
        _ => return value,
    };
    let to = match kind {
        Kind::WanYuan => "万元",
        _ => "元",
    };
    let converted = round6(value.as_f64() * factor);
    let converted = if converted.fract() == 0.0 && converted.abs() < 9.0e15 {
        Num::Int(converted as i64)
    } else {
        Num::Dec(converted)
    };
    report.repairs.push(Repair {
        action: "convert_unit".into(),
        cells: vec![id.to_string()],
        detail: format!("'{raw}' written in {unit}; converted to {converted} {to}"),
    });
    report.observations.push(Observation::UnitConverted {
        cell: id.to_string(),
        raw: raw.to_string(),
        from: unit,
        to: to.to_string(),
    });
    converted
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The value of a cell for arithmetic: blank and marker count as 0, a
/// number is itself, anything else is unknown.
pub fn operand(report: &Report, id: &str) -> Option<i64> {
    let c = report.cells.get(id)?;
    match c.state {
        CellState::Blank | CellState::Marker => Some(0),
        CellState::Ok | CellState::Derived | CellState::Mapped => c.value.and_then(Num::as_i64),
        _ => None,
    }
}

/// A cell derived from one arithmetic relation.
pub fn derived(value: i64, rule: &str) -> CellRecord {
    CellRecord {
        value: Some(Num::Int(value)),
        state: CellState::Derived,
        raw: None,
        at: None,
        rule: Some(rule.to_string()),
    }
}

/// Writes one reading of a glued run into its cells: state `ok`, the run as
/// the raw text of each.
pub fn write_reading(
    report: &mut Report,
    ids: &[String],
    values: &[Num],
    raw: &str,
    at: Option<At>,
) {
    for (id, v) in ids.iter().zip(values) {
        report.cells.insert(
            id.clone(),
            CellRecord {
                value: Some(*v),
                state: CellState::Ok,
                raw: Some(raw.to_string()),
                at,
                rule: None,
            },
        );
    }
}

/// Leaves the cells null with state `ambiguous` and records the readings
/// that fit (at most 50 are kept; `count` says how many there were). `at`
/// is the run's place when the cells share one source text (a glued run),
/// and `None` when they do not (a short row's cells are separate).
pub fn write_ambiguous(
    report: &mut Report,
    ids: &[String],
    raw: &str,
    at: Option<At>,
    readings: Vec<Vec<Num>>,
    count: usize,
) {
    for id in ids {
        report.cells.insert(
            id.clone(),
            CellRecord {
                state: CellState::Ambiguous,
                raw: at.map(|_| raw.to_string()),
                at,
                ..CellRecord::missing()
            },
        );
    }
    report.observations.push(Observation::Ambiguous {
        cells: ids.to_vec(),
        raw: raw.to_string(),
        readings: readings.into_iter().take(50).collect(),
        count,
    });
}

/// Readings of whole numbers as [`Num`]s.
pub fn int_readings<'a>(readings: impl IntoIterator<Item = &'a Vec<i64>>) -> Vec<Vec<Num>> {
    readings
        .into_iter()
        .map(|r| r.iter().map(|v| Num::Int(*v)).collect())
        .collect()
}
