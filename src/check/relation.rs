//! Arithmetic relations: what the T- rules check and what H-LIKELY-CELL
//! reasons about.
//!
//! Every arithmetic rule turns a report into a list of [`Relation`]s: one
//! instance of its formula (one column of T3-BALANCE, one row of
//! T3-ROW-TOTAL, …), written as `Σ lhs  =  Σ rhs` (or `Σ rhs ≥ Σ lhs`). The
//! left side is what the components add up to (the finding's `expected`), the
//! right side what the report wrote (`actual`). Evaluating a relation applies
//! the operand policy of RULES.md in one place, so every rule and the hint
//! agree on it:
//!
//! - `ok` and `mapped` cells are values;
//! - a `derived` cell is a value, except in an instance of the very rule it
//!   was derived from (a derived value never passes the check it came from);
//! - a `blank` or `marker` cell counts as 0 as an addend, but makes the
//!   instance not assessable when it is the instance's total, or when it sits
//!   in a 总计 column (`t3.*.total`, `t4.*.total`): a blank 总计 means "not
//!   reported" wherever it is used (Shanghai 2019 fills 总计 only in the rows
//!   一, 二, （七） and 四; adding its blank result-row 总计 cells as zeros
//!   would make T3-RESULTS-SUM fail on a consistent table);
//! - `missing`, `text`, `ambiguous` and `not_in_template` cells, and cells
//!   absent from `report.cells`, make the instance not assessable.

use super::Context;
use crate::schema::{
    CellState, Finding, Num, Report, Severity, Template, T3_COLS, T3_SUBTOTAL_ROWS,
};

/// How a blank operand is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A component: blank counts as 0.
    Addend,
    /// The total of the instance: blank means "not reported".
    Total,
}

/// One operand of a relation.
#[derive(Debug, Clone)]
pub(crate) struct Operand {
    /// The canonical cell id.
    pub id: String,
    /// How a blank is read.
    pub role: Role,
    /// Subtracted rather than added.
    pub neg: bool,
}

impl Operand {
    /// An added component.
    pub fn addend(id: String) -> Operand {
        Operand {
            id,
            role: Role::Addend,
            neg: false,
        }
    }

    /// A subtracted component.
    pub fn minus(id: String) -> Operand {
        Operand {
            id,
            role: Role::Addend,
            neg: true,
        }
    }

    /// The written total.
    pub fn total(id: String) -> Operand {
        Operand {
            id,
            role: Role::Total,
            neg: false,
        }
    }
}

/// How the two sides must compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    /// `Σ lhs = Σ rhs`.
    Eq,
    /// `Σ rhs ≥ Σ lhs`.
    AtLeast,
}

/// An operand as the evaluation read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Shown {
    /// A number.
    Value(Num),
    /// A blank or marker counted as 0.
    Blank,
}

impl Shown {
    /// The operand in a Chinese message: the number, or 空.
    pub fn zh(self) -> String {
        match self {
            Shown::Value(n) => n.to_string(),
            Shown::Blank => "空".into(),
        }
    }

    /// The operand in an English message.
    pub fn en(self) -> String {
        match self {
            Shown::Value(n) => n.to_string(),
            Shown::Blank => "blank".into(),
        }
    }

    /// Whether the operand reads as zero (or blank).
    pub fn is_zero(self) -> bool {
        match self {
            Shown::Value(n) => n.as_f64() == 0.0,
            Shown::Blank => true,
        }
    }
}

/// A failed instance, with the operands as read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    /// The left-side operands, in order.
    pub lhs: Vec<Shown>,
    /// The right-side operands, in order.
    pub rhs: Vec<Shown>,
    /// Σ lhs.
    pub expected: Num,
    /// Σ rhs.
    pub actual: Num,
}

/// The result of evaluating one instance.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// The relation holds.
    Pass,
    /// It does not.
    Fail(Failure),
    /// An operand is not usable.
    NotAssessable,
}

/// Writes the (Chinese, English) message of a failed instance.
pub(crate) type Describe = fn(&Relation, &Failure) -> (String, String);

/// One instance of an arithmetic rule.
pub(crate) struct Relation {
    /// The rule id.
    pub rule: &'static str,
    /// The components: `expected = Σ lhs`.
    pub lhs: Vec<Operand>,
    /// The written side: `actual = Σ rhs`.
    pub rhs: Vec<Operand>,
    /// How the sides compare.
    pub cmp: Cmp,
    /// Which instance this is, in Chinese (a column label, a row label).
    pub scope_zh: String,
    /// The same in English.
    pub scope_en: String,
    /// The message writer.
    pub describe: Describe,
}

impl Relation {
    /// The operand ids: lhs, then rhs.
    pub fn cells(&self) -> Vec<String> {
        self.lhs
            .iter()
            .chain(&self.rhs)
            .map(|o| o.id.clone())
            .collect()
    }

    /// Whether the cell is an operand.
    pub fn contains(&self, id: &str) -> bool {
        self.lhs.iter().chain(&self.rhs).any(|o| o.id == id)
    }

    /// The net coefficient of a cell: +1 per lhs occurrence, −1 per rhs
    /// occurrence (signs flipped for subtracted operands).
    pub fn coefficient(&self, id: &str) -> i64 {
        let sign = |o: &Operand| if o.neg { -1 } else { 1 };
        let l: i64 = self.lhs.iter().filter(|o| o.id == id).map(sign).sum();
        let r: i64 = self.rhs.iter().filter(|o| o.id == id).map(sign).sum();
        l - r
    }

    /// Evaluates the instance, reading `over.0` as the value `over.1` (state
    /// `ok`) when given.
    pub fn evaluate(&self, report: &Report, over: Option<(&str, Num)>) -> Outcome {
        let side = |ops: &[Operand]| -> Option<(Vec<Shown>, Num)> {
            let mut acc = Acc::default();
            let mut shown = Vec::with_capacity(ops.len());
            for op in ops {
                let s = self.resolve(report, op, over)?;
                if let Shown::Value(n) = s {
                    acc.add(n, op.neg);
                }
                shown.push(s);
            }
            Some((shown, acc.num()))
        };
        let Some((lhs, expected)) = side(&self.lhs) else {
            return Outcome::NotAssessable;
        };
        let Some((rhs, actual)) = side(&self.rhs) else {
            return Outcome::NotAssessable;
        };
        let holds = match self.cmp {
            Cmp::Eq => equal(expected, actual),
            Cmp::AtLeast => equal(expected, actual) || actual.as_f64() > expected.as_f64(),
        };
        if holds {
            Outcome::Pass
        } else {
            Outcome::Fail(Failure {
                lhs,
                rhs,
                expected,
                actual,
            })
        }
    }

    /// Reads one operand under the operand policy; `None`: not assessable.
    fn resolve(&self, report: &Report, op: &Operand, over: Option<(&str, Num)>) -> Option<Shown> {
        if let Some((id, v)) = over {
            if id == op.id {
                return Some(Shown::Value(v));
            }
        }
        let cell = report.cells.get(&op.id)?;
        match cell.state {
            CellState::Ok | CellState::Mapped => cell.value.map(Shown::Value),
            CellState::Derived if cell.rule.as_deref() == Some(self.rule) => None,
            CellState::Derived => cell.value.map(Shown::Value),
            CellState::Blank | CellState::Marker => {
                if op.role == Role::Total || in_total_column(&op.id) {
                    None
                } else {
                    Some(Shown::Blank)
                }
            }
            CellState::Text
            | CellState::Missing
            | CellState::Ambiguous
            | CellState::NotInTemplate => None,
        }
    }

    /// The finding for a failed instance.
    pub fn finding(&self, severity: Severity, f: &Failure) -> Finding {
        let (zh, en) = (self.describe)(self, f);
        Finding::new(self.rule, severity, self.cells(), zh, en).with_numbers(f.expected, f.actual)
    }
}

/// Whether a cell is in a 总计 column (t3 or t4).
fn in_total_column(id: &str) -> bool {
    (id.starts_with("t3.") || id.starts_with("t4.")) && id.ends_with(".total")
}

/// Evaluates every instance: failures become findings, unusable operands
/// are counted as not assessable.
pub(crate) fn check_relations(
    severity: Severity,
    relations: &[Relation],
    report: &Report,
    cx: &mut Context,
) {
    for rel in relations {
        match rel.evaluate(report, None) {
            Outcome::Pass => {}
            Outcome::NotAssessable => cx.skip(rel.rule),
            Outcome::Fail(f) => cx.report(rel.finding(severity, &f)),
        }
    }
}

/// A sum kept exact while every term is whole.
#[derive(Debug, Clone, Copy)]
struct Acc {
    int: Option<i128>,
    float: f64,
}

impl Default for Acc {
    fn default() -> Acc {
        Acc {
            int: Some(0),
            float: 0.0,
        }
    }
}

impl Acc {
    fn add(&mut self, n: Num, neg: bool) {
        let sign: i128 = if neg { -1 } else { 1 };
        self.int = match (self.int, n.as_i64()) {
            (Some(s), Some(i)) => s.checked_add(sign * i128::from(i)),
            _ => None,
        };
        self.float += sign as f64 * n.as_f64();
    }

    fn num(self) -> Num {
        match self.int.map(i64::try_from) {
            Some(Ok(i)) => Num::Int(i),
            _ => Num::Dec(self.float),
        }
    }
}

/// Equality of two sums: exact for whole numbers, to 1e-6 for decimals.
pub(crate) fn equal(a: Num, b: Num) -> bool {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x == y,
        _ => (a.as_f64() - b.as_f64()).abs() <= 1e-6,
    }
}

/// A Chinese message's sum of operands: `1+0+空`.
pub(crate) fn join_zh(shown: &[Shown]) -> String {
    shown.iter().map(|s| s.zh()).collect::<Vec<_>>().join("+")
}

/// The same in English.
pub(crate) fn join_en(shown: &[Shown]) -> String {
    shown.iter().map(|s| s.en()).collect::<Vec<_>>().join("+")
}

/// The table 三 template, when the report has table 三 cells.
pub(crate) fn t3_template(report: &Report) -> Option<Template> {
    let t = report.template.t3?;
    has_table(report, "t3").then_some(t)
}

/// Whether any cell of the table is in the report.
pub(crate) fn has_table(report: &Report, table: &str) -> bool {
    report.cells.keys().any(|id| {
        id.strip_prefix(table)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

/// The table 三 value columns of this report: the seven official ones and
/// `org_subtotal` when the report added it.
pub(crate) fn t3_columns(report: &Report) -> Vec<&'static str> {
    let mut cols = T3_COLS.to_vec();
    let has_org = report
        .cells
        .keys()
        .any(|id| id.starts_with("t3.") && id.ends_with(".org_subtotal"));
    if has_org {
        cols.push("org_subtotal");
    }
    cols
}

/// The subtotal rows the report added on its own (not template rows: the
/// 2019 `other_subtotal` is a template row with no members).
pub(crate) fn t3_added_subtotals(report: &Report, template: Template) -> Vec<&'static str> {
    T3_SUBTOTAL_ROWS
        .iter()
        .copied()
        .filter(|r| !(template == Template::Y2019 && *r == "other_subtotal"))
        .filter(|r| {
            let prefix = format!("t3.{r}.");
            report.cells.keys().any(|id| id.starts_with(&prefix))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{CellRecord, Source};

    fn cell(value: Option<Num>, state: CellState, rule: Option<&str>) -> CellRecord {
        CellRecord {
            value,
            state,
            raw: None,
            at: None,
            rule: rule.map(String::from),
        }
    }

    fn relation() -> Relation {
        Relation {
            rule: "T-TEST",
            lhs: vec![
                Operand::addend("t3.a.x".into()),
                Operand::addend("t3.b.x".into()),
            ],
            rhs: vec![Operand::total("t3.c.x".into())],
            cmp: Cmp::Eq,
            scope_zh: String::new(),
            scope_en: String::new(),
            describe: |_, _| (String::new(), String::new()),
        }
    }

    fn report(cells: &[(&str, CellRecord)]) -> Report {
        let mut r = Report::new(Source::default());
        for (id, c) in cells {
            r.cells.insert((*id).to_string(), c.clone());
        }
        r
    }

    #[test]
    fn operand_policy() {
        let ok = |n| cell(Some(Num::Int(n)), CellState::Ok, None);
        let blank = cell(None, CellState::Blank, None);
        let rel = relation();

        let r = report(&[
            ("t3.a.x", ok(2)),
            ("t3.b.x", blank.clone()),
            ("t3.c.x", ok(2)),
        ]);
        assert_eq!(rel.evaluate(&r, None), Outcome::Pass, "a blank addend is 0");

        let r = report(&[
            ("t3.a.x", ok(2)),
            ("t3.b.x", ok(0)),
            ("t3.c.x", blank.clone()),
        ]);
        assert_eq!(
            rel.evaluate(&r, None),
            Outcome::NotAssessable,
            "a blank total"
        );

        let r = report(&[("t3.a.x", ok(2)), ("t3.b.x", ok(0))]);
        assert_eq!(
            rel.evaluate(&r, None),
            Outcome::NotAssessable,
            "an absent cell"
        );

        let own = cell(Some(Num::Int(2)), CellState::Derived, Some("T-TEST"));
        let r = report(&[("t3.a.x", ok(2)), ("t3.b.x", ok(0)), ("t3.c.x", own)]);
        assert_eq!(
            rel.evaluate(&r, None),
            Outcome::NotAssessable,
            "own derivation"
        );

        let other = cell(Some(Num::Int(3)), CellState::Derived, Some("T-OTHER"));
        let r = report(&[("t3.a.x", ok(2)), ("t3.b.x", ok(0)), ("t3.c.x", other)]);
        match rel.evaluate(&r, None) {
            Outcome::Fail(f) => {
                assert_eq!((f.expected, f.actual), (Num::Int(2), Num::Int(3)));
                assert_eq!(
                    f.lhs,
                    vec![Shown::Value(Num::Int(2)), Shown::Value(Num::Int(0))]
                );
            }
            o => panic!("derived by another rule is a value: {o:?}"),
        }
        // An override replaces the cell, whatever its state.
        assert_eq!(
            rel.evaluate(&r, Some(("t3.c.x", Num::Int(2)))),
            Outcome::Pass
        );

        for state in [
            CellState::Text,
            CellState::Missing,
            CellState::Ambiguous,
            CellState::NotInTemplate,
        ] {
            let r = report(&[
                ("t3.a.x", cell(None, state, None)),
                ("t3.b.x", ok(0)),
                ("t3.c.x", ok(0)),
            ]);
            assert_eq!(rel.evaluate(&r, None), Outcome::NotAssessable, "{state:?}");
        }
    }

    #[test]
    fn a_blank_in_a_total_column_is_never_zero() {
        let rel = Relation {
            lhs: vec![Operand::addend("t3.a.total".into())],
            rhs: vec![Operand::total("t3.c.total".into())],
            ..relation()
        };
        let r = report(&[
            ("t3.a.total", cell(None, CellState::Marker, None)),
            ("t3.c.total", cell(Some(Num::Int(5)), CellState::Ok, None)),
        ]);
        assert_eq!(rel.evaluate(&r, None), Outcome::NotAssessable);
    }

    #[test]
    fn sums_stay_exact_and_decimals_compare_with_tolerance() {
        let mut acc = Acc::default();
        acc.add(Num::Int(i64::MAX), false);
        acc.add(Num::Int(1), false);
        assert!(matches!(acc.num(), Num::Dec(_)), "overflow leaves i64");
        let mut acc = Acc::default();
        acc.add(Num::Dec(0.1), false);
        acc.add(Num::Dec(0.2), false);
        assert!(equal(acc.num(), Num::Dec(0.3)));
        assert!(!equal(Num::Int(1), Num::Int(2)));
        let mut acc = Acc::default();
        acc.add(Num::Int(6), false);
        acc.add(Num::Int(2), true);
        assert_eq!(acc.num(), Num::Int(4));
    }

    #[test]
    fn coefficient_counts_sides_and_signs() {
        let rel = Relation {
            lhs: vec![Operand::addend("a".into()), Operand::minus("b".into())],
            rhs: vec![Operand::total("c".into())],
            ..relation()
        };
        assert_eq!(rel.coefficient("a"), 1);
        assert_eq!(rel.coefficient("b"), -1);
        assert_eq!(rel.coefficient("c"), -1);
        assert_eq!(rel.coefficient("d"), 0);
    }
}
