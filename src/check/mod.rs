//! STAND-IN for the checker (branch `pipeline` only).
//!
//! The real checker is written on its own branch; the integrator replaces
//! this file. Only the API the pipeline calls is here: [`run`], the
//! [`Rule`] trait, [`Context`] and the (empty) [`RULES`] registry.

use crate::schema::{Finding, Report, Severity};
use indexmap::IndexMap;

/// One check.
pub trait Rule: Sync {
    /// The stable rule id (RULES.md).
    fn id(&self) -> &'static str;
    /// The severity of its findings.
    fn severity(&self) -> Severity;
    /// One line in English.
    fn summary(&self) -> &'static str;
    /// One line in Chinese.
    fn summary_zh(&self) -> &'static str;
    /// Runs the check on a report.
    fn check(&self, report: &Report, cx: &mut Context);
}

/// What the rules produce while checking one report.
#[derive(Debug, Default)]
pub struct Context {
    /// Findings that are not a plain pass.
    pub findings: Vec<Finding>,
    /// Checks that could not be assessed, by rule id.
    pub not_assessable: IndexMap<&'static str, usize>,
}

/// Every rule, sorted by id (empty in the stand-in).
pub static RULES: &[&dyn Rule] = &[];

/// Stand-in: checks nothing.
pub fn run(_report: &mut Report) {}
