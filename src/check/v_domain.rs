//! `V-DOMAIN`: a value outside its domain.
//!
//! ## What it checks
//!
//! Every value the report wrote (state `ok`) or the normaliser derived
//! (`derived`), one finding per cell, severity error:
//!
//! - a count (every cell but the ones below) must be whole and not negative;
//! - the fee `t2.fees.amount_wan_yuan` and the procurement amount
//!   `t2_2019.procurement.total_amount` may be decimal, but not negative;
//! - the 2019 `change` (本年增/减) must be whole and may be negative.
//!
//! `mapped` cells are skipped: their 2019 source cell is checked.
//!
//! ## Why
//!
//! A negative count or half an application is not a reading of the report
//! but a sign of a misread (a dash read as minus, a decimal point from a
//! footnote mark).
//!
//! ## Example
//!
//! ```text
//! 表三 本年新收·自然人 为-1：件数不能为负数
//! ```

use serde_json::json;

use super::labels::{cell_full_en, cell_full_zh};
use super::{Context, Rule};
use crate::schema::{CellState, Finding, Num, Report, Severity};

/// The rule id.
pub const ID: &str = "V-DOMAIN";

/// `V-DOMAIN`.
pub struct VDomain;

impl Rule for VDomain {
    fn id(&self) -> &'static str {
        ID
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "a count is negative or not whole, or an amount is negative (2019 change may be negative)"
    }

    fn summary_zh(&self) -> &'static str {
        "件数为负数或非整数，或金额为负数（2019年格式的本年增/减可为负）"
    }

    fn check(&self, report: &Report, cx: &mut Context) {
        for (id, cell) in &report.cells {
            if !matches!(cell.state, CellState::Ok | CellState::Derived) {
                continue;
            }
            let Some(v) = cell.value else {
                continue;
            };
            let Some((zh, en)) = violation(id, v) else {
                continue;
            };
            cx.report(
                Finding::new(
                    ID,
                    self.severity(),
                    vec![id.clone()],
                    format!("{} 为{}：{}", cell_full_zh(id), v, zh),
                    format!("{} is {}: {}", cell_full_en(id), v, en),
                )
                .with_detail(json!({"value": v.to_json()})),
            );
        }
    }
}

/// What is wrong with `v` in cell `id`, if anything.
fn violation(id: &str, v: Num) -> Option<(&'static str, &'static str)> {
    let negative = v.as_f64() < 0.0;
    let whole = v.as_i64().is_some();
    let amount = id == "t2.fees.amount_wan_yuan" || id == "t2_2019.procurement.total_amount";
    let signed = id.starts_with("t2_2019.") && id.ends_with(".change");
    if amount {
        negative.then_some(("金额不能为负数", "an amount cannot be negative"))
    } else if signed {
        (!whole).then_some(("增减数应为整数", "a change must be whole"))
    } else if negative {
        Some(("件数不能为负数", "a count cannot be negative"))
    } else if !whole {
        Some(("件数应为整数", "a count must be whole"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{load, run_one};

    #[test]
    fn fail_fixture_flags_each_cell() {
        let cx = run_one(&VDomain, &load(ID, "fail"));
        let got: Vec<&str> = cx.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            got,
            [
                "表二 行政事业性收费·本年收费金额（单位：万元） 为-0.5：金额不能为负数",
                "表三 本年新收·自然人 为-1：件数不能为负数",
                "表四 行政复议·尚未审结 为2.5：件数应为整数",
            ]
        );
        assert!(cx.findings.iter().all(|f| f.cells.len() == 1));
    }

    #[test]
    fn pass_fixture_allows_decimals_and_signed_change_where_due() {
        let r = load(ID, "pass");
        assert_eq!(r.value("t2_2019.licensing.change"), Some(Num::Int(-8)));
        assert_eq!(
            r.value("t2_2019.procurement.total_amount"),
            Some(Num::Dec(251000.5))
        );
        assert!(run_one(&VDomain, &r).findings.is_empty());
    }

    #[test]
    fn domains() {
        assert!(violation("t2.fees.amount_wan_yuan", Num::Dec(0.35)).is_none());
        assert!(violation("t2_2019.penalty.change", Num::Dec(1.5)).is_some());
        assert!(violation("t3.disclosed.total", Num::Dec(3.0)).is_none());
        assert!(violation("t3.disclosed.total", Num::Int(0)).is_none());
    }
}
