//! `H-LIKELY-CELL`: one cell that would make a group of failures pass.
//!
//! ## What it checks
//!
//! It takes the failing instances of the identities T3-BALANCE,
//! T3-RESULTS-SUM, T3-ROW-TOTAL, T3-SUBTOTAL and T4-GROUP-TOTAL, and groups
//! them into connected components (two instances are connected when they
//! share a cell). For each component it tries every cell that is an operand
//! of *all* its failing instances and that the report wrote itself (state
//! `ok`, `blank` or `marker`; never a derived or missing cell):
//!
//! 1. solve each failing instance for that cell; all must give the same
//!    whole, non-negative value;
//! 2. with the cell set to that value, every identity that uses the cell
//!    must hold (or stay not assessable): a fix must not break a check that
//!    passed.
//!
//! When exactly one cell qualifies, it emits one info finding naming it, its
//! written value and the value that fits (`expected` = the fitting value,
//! `actual` = the written one, `detail` = `{"written", "fits", "clears"}`).
//! When several cells qualify the hint would be a guess, and nothing is
//! emitted. The value is never applied: the data stay as the report wrote
//! them.
//!
//! ## Why
//!
//! A single typo in table 三 usually breaks two identities at once (a row
//! total and a column balance) that cross at the wrong cell. Pointing at that
//! cell saves the reader from re-adding the table by hand.
//!
//! ## Example
//!
//! The seed's T3-BALANCE(自然人) and T3-ROW-TOTAL(结转下年度继续办理) cross at
//! one cell:
//!
//! ```text
//! 表三 结转下年度继续办理·自然人 写作1；若为0，则T3-BALANCE(自然人)与T3-ROW-TOTAL(结转下年度继续办理)均成立
//! ```

use serde_json::json;

use super::labels::{cell_full_en, cell_full_zh};
use super::relation::{Failure, Outcome, Relation};
use super::{t3_balance, t3_results_sum, t3_row_total, t3_subtotal, t4_group_total};
use super::{Context, Rule};
use crate::schema::{CellState, Finding, Num, Report, Severity};

/// The rule id.
pub const ID: &str = "H-LIKELY-CELL";

/// `H-LIKELY-CELL`.
pub struct HLikelyCell;

impl Rule for HLikelyCell {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Info
    }

    fn summary(&self) -> &'static str {
        "a single-cell change would make every failing identity of a connected group pass"
    }

    fn summary_zh(&self) -> &'static str {
        "改动一个单元格即可使一组相连的算术错误全部成立（仅提示，不自动修改）"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        let relations = arithmetic(report, cx);
        let failing: Vec<(usize, Failure)> = relations
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r.evaluate(report, None) {
                Outcome::Fail(f) => Some((i, f)),
                _ => None,
            })
            .collect();
        for component in components(&relations, &failing) {
            let members: Vec<(&Relation, &Failure)> = component
                .iter()
                .map(|&k| (&relations[failing[k].0], &failing[k].1))
                .collect();
            let qualifying: Vec<Hint> = candidates(&members)
                .into_iter()
                .filter_map(|cell| try_cell(report, &relations, &members, &cell))
                .collect();
            if let [hint] = qualifying.as_slice() {
                cx.report(hint.finding(&members));
            }
        }
    }
}

/// Every instance of the identities the hint reasons over: those their
/// rules built and kept in `cx` when they ran before it (as
/// [`super::check`] runs them), built here otherwise.
fn arithmetic(report: &Report, cx: &mut Context) -> Vec<Relation> {
    type Build = fn(&Report) -> Vec<Relation>;
    let rules: [(&str, Build); 5] = [
        (t3_balance::ID, t3_balance::relations),
        (t3_results_sum::ID, t3_results_sum::relations),
        (t3_row_total::ID, t3_row_total::relations),
        (t3_subtotal::ID, t3_subtotal::relations),
        (t4_group_total::ID, t4_group_total::relations),
    ];
    let mut all = Vec::new();
    for (id, build) in rules {
        all.extend(cx.take_relations(id).unwrap_or_else(|| build(report)));
    }
    all
}

/// Connected components of the failing instances (indices into `failing`),
/// in the order of their first member.
fn components(relations: &[Relation], failing: &[(usize, Failure)]) -> Vec<Vec<usize>> {
    let n = failing.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for a in 0..n {
        for b in a + 1..n {
            let ra = &relations[failing[a].0];
            let rb = &relations[failing[b].0];
            if ra.cells().iter().any(|c| rb.contains(c)) {
                let (x, y) = (root(&mut parent, a), root(&mut parent, b));
                if x != y {
                    parent[y.max(x)] = y.min(x);
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut slot: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        let r = root(&mut parent, i);
        match slot[r] {
            Some(g) => groups[g].push(i),
            None => {
                slot[r] = Some(groups.len());
                groups.push(vec![i]);
            }
        }
    }
    groups
}

/// The cells that are operands of every member, in the first member's order.
fn candidates(members: &[(&Relation, &Failure)]) -> Vec<String> {
    let Some((first, _)) = members.first() else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for cell in first.cells() {
        if !out.contains(&cell) && members.iter().all(|(r, _)| r.contains(&cell)) {
            out.push(cell);
        }
    }
    out
}

/// A qualifying cell.
struct Hint {
    cell: String,
    written: Option<i64>,
    fits: i64,
}

/// Whether changing `cell` alone makes every member pass without breaking
/// any other identity that uses it.
fn try_cell(
    report: &Report,
    relations: &[Relation],
    members: &[(&Relation, &Failure)],
    cell: &str,
) -> Option<Hint> {
    let record = report.cells.get(cell)?;
    let written = match record.state {
        CellState::Ok => Some(record.value?.as_i64()?),
        CellState::Blank | CellState::Marker => None,
        _ => return None,
    };
    let mut fits: Option<i64> = None;
    for (rel, f) in members {
        let x = solve(rel, f, cell, written.unwrap_or(0))?;
        match fits {
            Some(v) if v != x => return None,
            _ => fits = Some(x),
        }
    }
    let fits = fits.filter(|v| *v >= 0)?;
    let over = Some((cell, Num::Int(fits)));
    for rel in relations.iter().filter(|r| r.contains(cell)) {
        let was_failing = members.iter().any(|(m, _)| std::ptr::eq(*m, rel));
        match rel.evaluate(report, over) {
            Outcome::Pass => {}
            Outcome::NotAssessable if !was_failing => {}
            _ => return None,
        }
    }
    Some(Hint {
        cell: cell.to_string(),
        written,
        fits,
    })
}

/// The value of `cell` that makes the failed instance hold:
/// `expected − actual + k·(x − old) = 0`, where k is the cell's coefficient.
fn solve(rel: &Relation, f: &Failure, cell: &str, old: i64) -> Option<i64> {
    let k = rel.coefficient(cell);
    let (Num::Int(e), Num::Int(a)) = (f.expected, f.actual) else {
        return None;
    };
    if k == 0 {
        return None;
    }
    let diff = e.checked_sub(a)?;
    if diff % k != 0 {
        return None;
    }
    old.checked_sub(diff / k)
}

impl Hint {
    fn finding(&self, members: &[(&Relation, &Failure)]) -> Finding {
        let scopes_zh: Vec<String> = members
            .iter()
            .map(|(r, _)| format!("{}({})", r.rule, r.scope_zh))
            .collect();
        let scopes_en: Vec<String> = members
            .iter()
            .map(|(r, _)| format!("{} ({})", r.rule, r.scope_en))
            .collect();
        let mut clears: Vec<&str> = Vec::new();
        for (r, _) in members {
            if !clears.contains(&r.rule) {
                clears.push(r.rule);
            }
        }
        let (w_zh, w_en) = match self.written {
            Some(w) => (format!("写作{w}"), format!("is written {w}")),
            None => ("为空白".to_string(), "is blank".to_string()),
        };
        let zh = format!(
            "{} {}；若为{}，则{}{}",
            cell_full_zh(&self.cell),
            w_zh,
            self.fits,
            join_list_zh(&scopes_zh),
            if scopes_zh.len() > 1 {
                "均成立"
            } else {
                "成立"
            }
        );
        let en = format!(
            "{} {}; with {}, {} would hold",
            cell_full_en(&self.cell),
            w_en,
            self.fits,
            scopes_en.join(" and ")
        );
        let mut f = Finding::new(ID, Severity::Info, vec![self.cell.clone()], zh, en)
            .with_detail(json!({"written": self.written, "fits": self.fits, "clears": clears}));
        if let Some(w) = self.written {
            f = f.with_numbers(Num::Int(self.fits), Num::Int(w));
        }
        f
    }
}

/// `a与b`, `a、b与c`.
fn join_list_zh(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{}与{}", rest.join("、"), last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one, set};

    #[test]
    fn fail_fixture_points_at_the_crossing_cell() {
        let cx = run_one(&HLikelyCell, &load(ID, "fail"));
        assert_eq!(cx.findings.len(), 1, "{:#?}", cx.findings);
        let f = &cx.findings[0];
        assert_eq!(f.cells, ["t3.carried_forward.natural_person"]);
        assert_eq!(
            f.detail,
            Some(json!({"written": 1, "fits": 0, "clears": ["T3-BALANCE", "T3-ROW-TOTAL"]}))
        );
        assert_eq!(
            (f.expected, f.actual),
            (Some(Num::Int(0)), Some(Num::Int(1)))
        );
        assert!(cx.not_assessable.is_empty(), "the hint counts nothing");
    }

    /// In a whole check the arithmetic rules hand their instances over;
    /// run alone, the hint builds them: the same hint either way.
    #[test]
    fn kept_and_built_instances_give_the_same_hint() {
        for name in ["fail", "pass"] {
            let r = load(ID, name);
            let whole: Vec<Finding> = crate::check::check(&r)
                .findings
                .into_iter()
                .filter(|f| f.rule == ID)
                .collect();
            assert_eq!(whole, run_one(&HLikelyCell, &r).findings, "{name}");
        }
        assert!(!run_one(&HLikelyCell, &load(ID, "fail")).findings.is_empty());
    }

    #[test]
    fn pass_fixture_several_cells_fit_so_no_hint() {
        // T4 review 0+1+0+4 ≠ 6: any of the five cells could be the typo.
        let r = load(ID, "pass");
        let rels = arithmetic(&r, &mut Context::new());
        let failing = rels
            .iter()
            .filter(|x| matches!(x.evaluate(&r, None), Outcome::Fail(_)))
            .count();
        assert_eq!(failing, 1, "the fixture does fail an identity");
        assert!(run_one(&HLikelyCell, &r).findings.is_empty());
    }

    #[test]
    fn a_fit_that_breaks_a_passing_check_is_no_hint() {
        // （三）1.属于国家秘密·自然人 written 1 where 0 fits: RESULTS-SUM(自然人) and
        // ROW-TOTAL of that row cross at it, and 0 clears both.
        let mut r = load("T3-ROW-TOTAL", "pass");
        set(
            &mut r,
            "t3.withheld_state_secret.natural_person",
            Some(1),
            CellState::Ok,
        );
        let cx = run_one(&HLikelyCell, &r);
        assert_eq!(cx.findings.len(), 1, "{:#?}", cx.findings);
        assert_eq!(
            cx.findings[0].cells,
            ["t3.withheld_state_secret.natural_person"]
        );
        // But if the report also prints a 小计 of 1 for （三）·自然人, setting the
        // cell to 0 would break T3-SUBTOTAL, which passes now: no hint.
        for c in crate::schema::T3_COLS {
            set(
                &mut r,
                &format!("t3.withheld_subtotal.{c}"),
                Some(0),
                CellState::Ok,
            );
        }
        set(
            &mut r,
            "t3.withheld_subtotal.natural_person",
            Some(1),
            CellState::Ok,
        );
        assert!(run_one(&HLikelyCell, &r).findings.is_empty());
    }

    #[test]
    fn derived_and_negative_fits_are_never_proposed() {
        let mut r = load(ID, "fail");
        let cell = r
            .cells
            .get_mut("t3.carried_forward.natural_person")
            .expect("cell");
        cell.state = CellState::Derived;
        cell.rule = Some("T3-RESULTS-SUM".into());
        assert!(run_one(&HLikelyCell, &r).findings.is_empty());

        // 0+0+0+2 = 2 but 总计 written 0: 结果维持 would have to be −2.
        let mut r = load("T4-GROUP-TOTAL", "pass");
        set(
            &mut r,
            "t4.litigation_direct.upheld",
            Some(0),
            CellState::Ok,
        );
        set(&mut r, "t4.litigation_direct.total", Some(0), CellState::Ok);
        set(
            &mut r,
            "t4.litigation_direct.pending",
            Some(2),
            CellState::Ok,
        );
        let rel = t4_group_total::relations(&r);
        let Outcome::Fail(f) = rel[1].evaluate(&r, None) else {
            panic!("fails");
        };
        assert_eq!(
            solve(&rel[1], &f, "t4.litigation_direct.upheld", 0),
            Some(-2)
        );
        assert_eq!(solve(&rel[1], &f, "t4.litigation_direct.total", 0), Some(2));
    }

    #[test]
    fn a_blank_cell_can_be_the_hint() {
        let mut r = load(ID, "fail");
        // Make the crossing cell blank (read as 0) and the rest expect 1.
        set(
            &mut r,
            "t3.carried_forward.natural_person",
            None,
            CellState::Blank,
        );
        set(&mut r, "t3.carried_forward.total", Some(1), CellState::Ok);
        set(
            &mut r,
            "t3.new_received.natural_person",
            Some(3),
            CellState::Ok,
        );
        set(&mut r, "t3.new_received.total", Some(3), CellState::Ok);
        // 自然人: 3+0 ≠ 2+空; row: 空+0… = 0 ≠ 1; 总计 column: 3+0 = 2+1 holds.
        let cx = run_one(&HLikelyCell, &r);
        assert_eq!(cx.findings.len(), 1, "{:#?}", cx.findings);
        let f = &cx.findings[0];
        assert_eq!(
            f.detail.as_ref().map(|d| d["written"].clone()),
            Some(json!(null))
        );
        assert_eq!(f.detail.as_ref().map(|d| d["fits"].clone()), Some(json!(1)));
        assert!(f.message.contains("为空白；若为1"));
        assert_eq!(f.expected, None);
    }

    #[test]
    fn chinese_lists_read_naturally() {
        let s = |v: &[&str]| join_list_zh(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["甲"]), "甲");
        assert_eq!(s(&["甲", "乙"]), "甲与乙");
        assert_eq!(s(&["甲", "乙", "丙"]), "甲、乙与丙");
    }
}
