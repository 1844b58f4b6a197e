//! What the cross-report (X) rules know of each report, and how they match
//! reports up.
//!
//! A batch rule never sees a whole [`Report`]: a run over a hundred thousand
//! files cannot keep them in memory. The pipeline keeps one [`BatchFacts`]
//! per input instead (a few hundred bytes: the path, the hash, the normalised
//! agency, the year, the status and the dozen cells the X rules compare) and
//! hands the batch rules the whole slice once every report is written.
//!
//! Reports of the same body are matched on [`agency_key`], the agency of the
//! title with the spelling variants of real titles folded away (RULES.md:
//! "the same agency across files is decided on the normalised agency name
//! from the title").

use std::collections::BTreeMap;
use std::ops::Range;

use super::relation::equal;
use crate::schema::{CellState, Finding, Num, Report, Status, Template, T3_COLS};

/// The two stock rows of table 二 (2021 layout) that X-STOCK follows.
pub const STOCK_ROWS: [&str; 2] = ["regulations", "normative_docs"];

/// The stock columns of table 二, in the order of [`BatchFacts::stock`].
pub const STOCK_COLS: [&str; 3] = ["issued", "repealed", "in_force"];

/// State and value of one cell, as a batch rule needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellFact {
    /// The cell's state.
    pub state: CellState,
    /// Its value (set for ok, derived and mapped cells).
    pub value: Option<Num>,
}

/// An operand as a batch rule read it: a number, or a blank counted as 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Read {
    /// A number.
    Value(Num),
    /// A blank or none-marker counted as 0.
    Blank,
}

impl Read {
    /// The value (0 for a blank).
    pub fn num(self) -> Num {
        match self {
            Read::Value(n) => n,
            Read::Blank => Num::Int(0),
        }
    }

    /// For a Chinese message: the number, or 空.
    pub fn zh(self) -> String {
        match self {
            Read::Value(n) => n.to_string(),
            Read::Blank => "空".into(),
        }
    }

    /// For an English message: the number, or blank.
    pub fn en(self) -> String {
        match self {
            Read::Value(n) => n.to_string(),
            Read::Blank => "blank".into(),
        }
    }
}

impl CellFact {
    /// Reads the cell under the operand policy of RULES.md: ok, mapped and
    /// derived cells are values; a blank or marker is 0 when `blank_is_zero`
    /// (an addend outside a 总计 column) and not assessable otherwise; text,
    /// missing, ambiguous and not-in-template cells are not assessable.
    pub fn read(self, blank_is_zero: bool) -> Option<Read> {
        match self.state {
            CellState::Ok | CellState::Mapped | CellState::Derived => self.value.map(Read::Value),
            CellState::Blank | CellState::Marker => blank_is_zero.then_some(Read::Blank),
            CellState::Text
            | CellState::Missing
            | CellState::Ambiguous
            | CellState::NotInTemplate => None,
        }
    }
}

/// What the batch rules know of one report. Built by
/// [`BatchFacts::from_report`]; small enough to keep one per input.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchFacts {
    /// `source.path`.
    pub path: String,
    /// `source.sheet`: the sheet of a workbook the report was read from (a
    /// workbook can hold a report per sheet).
    pub sheet: Option<String>,
    /// `source.sha256` (empty when the file was not read).
    pub sha256: String,
    /// The report status.
    pub status: Status,
    /// `meta.agency` as the title writes it.
    pub agency: Option<String>,
    /// [`agency_key`] of the agency; `None` when there is no agency or it
    /// normalises to nothing.
    pub agency_key: Option<String>,
    /// `meta.year`.
    pub year: Option<i32>,
    /// `t3.carried_over.<col>` per column of [`T3_COLS`]; `None` when the
    /// report has no such cell (no table 三).
    pub carried_over: [Option<CellFact>; 7],
    /// `t3.carried_forward.<col>` per column of [`T3_COLS`].
    pub carried_forward: [Option<CellFact>; 7],
    /// `t2.<row>.<col>` for [`STOCK_ROWS`] × [`STOCK_COLS`], when table 二
    /// is in the 2021 layout; `None` otherwise.
    pub stock: Option<[[Option<CellFact>; 3]; 2]>,
}

impl BatchFacts {
    /// The facts of a report.
    pub fn from_report(report: &Report) -> BatchFacts {
        let fact = |id: &str| {
            report.cells.get(id).map(|c| CellFact {
                state: c.state,
                value: c.value,
            })
        };
        let has_t3 = report.template.t3.is_some();
        let t3_row = |row: &str| -> [Option<CellFact>; 7] {
            std::array::from_fn(|i| {
                if has_t3 {
                    fact(&format!("t3.{row}.{}", T3_COLS[i]))
                } else {
                    None
                }
            })
        };
        let stock = (report.template.t2 == Some(Template::Y2021)).then(|| {
            std::array::from_fn(|r| {
                std::array::from_fn(|c| fact(&format!("t2.{}.{}", STOCK_ROWS[r], STOCK_COLS[c])))
            })
        });
        let agency_key = report
            .meta
            .agency
            .as_deref()
            .map(agency_key)
            .filter(|k| !k.is_empty());
        BatchFacts {
            path: report.source.path.clone(),
            sheet: report.source.sheet.clone(),
            sha256: report.source.sha256.clone(),
            status: report.status,
            agency: report.meta.agency.clone(),
            agency_key,
            year: report.meta.year,
            carried_over: t3_row("carried_over"),
            carried_forward: t3_row("carried_forward"),
            stock,
        }
    }

    /// Whether the report's tables were read (status ok or partial): only
    /// such reports take part in the year-to-year comparisons.
    pub fn has_tables(&self) -> bool {
        matches!(self.status, Status::Ok | Status::Partial)
    }

    /// The agency as written, or the path when the title named none.
    pub fn agency_or_path(&self) -> &str {
        self.agency.as_deref().unwrap_or(&self.path)
    }

    /// `detail` with `key` set to the sheet, when the report has one.
    pub fn add_sheet(&self, mut detail: serde_json::Value, key: &str) -> serde_json::Value {
        if let (Some(sheet), Some(map)) = (&self.sheet, detail.as_object_mut()) {
            map.insert(key.into(), serde_json::Value::String(sheet.clone()));
        }
        detail
    }

    /// The report as messages name it: the path, with `#sheet` for a sheet
    /// of a workbook.
    pub fn label(&self) -> String {
        match &self.sheet {
            Some(sheet) => format!("{}#{sheet}", self.path),
            None => self.path.clone(),
        }
    }
}

/// The key on which reports of the same body are matched.
///
/// - whitespace (ASCII, full-width U+3000, no-break) and brackets of every
///   kind (`（）()【】[]〔〕《》<>「」{}`) are removed, their content kept;
/// - full-width letters and digits become half-width, ASCII is lowercased;
/// - 人民政府 is read as 政府 wherever it occurs, and a 政府 that ends the
///   name is dropped: 四方台区人民政府, 四方台区政府 and 四方台区 are one key,
///   and so are 上海市人民政府办公厅 and 上海市政府办公厅, while a 办公室 or
///   办公厅 keeps its own key (上海市政府办公厅 ≠ 上海市).
pub fn agency_key(agency: &str) -> String {
    let mut s: String = agency
        .chars()
        .filter(|c| !c.is_whitespace() && !is_bracket(*c))
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .map(|c| c.to_ascii_lowercase())
        .collect();
    s = s.replace("人民政府", "政府");
    if let Some(stem) = s.strip_suffix("政府") {
        if !stem.is_empty() {
            s.truncate(stem.len());
        }
    }
    s
}

fn is_bracket(c: char) -> bool {
    "()[]{}<>（）【】〔〕［］《》〈〉「」『』｛｝〖〗".contains(c)
}

/// The [`consecutive_pairs`] with at least one report in `only`, for a rule
/// asked for the findings of `only` (see [`keep_only`]).
pub fn pairs_touching(batch: &[BatchFacts], only: &Range<usize>) -> Vec<(usize, usize)> {
    let mut pairs = consecutive_pairs(batch);
    pairs.retain(|(p, n)| only.contains(p) || only.contains(n));
    pairs
}

/// Drops the findings pushed to `out` since it had `start` entries whose
/// report is not in `only`: a pair with one report in `only` gave findings
/// for both.
pub fn keep_only(out: &mut Vec<(usize, Finding)>, start: usize, only: &Range<usize>) {
    let tail = out.split_off(start);
    out.extend(tail.into_iter().filter(|(i, _)| only.contains(i)));
}

/// The consecutive-year pairs of a batch: `(previous, next)` report
/// indices where both reports have their tables, the same [`agency_key`],
/// and years Y−1 and Y. When one agency has several reports for a year
/// (duplicates, which X-DUPLICATE reports), the first of them stands for
/// all, so the pairs stay linear in the batch. Sorted by `(previous, next)`.
pub fn consecutive_pairs(batch: &[BatchFacts]) -> Vec<(usize, usize)> {
    let mut by_key: BTreeMap<(&str, i32), Vec<usize>> = BTreeMap::new();
    for (i, f) in batch.iter().enumerate() {
        if let (true, Some(key), Some(year)) = (f.has_tables(), f.agency_key.as_deref(), f.year) {
            by_key.entry((key, year)).or_default().push(i);
        }
    }
    let mut pairs = Vec::new();
    for (&(key, year), next) in &by_key {
        let Some(prev) = year.checked_sub(1).and_then(|y| by_key.get(&(key, y))) else {
            continue;
        };
        // Several reports of one agency and year are duplicates (X-DUPLICATE
        // says so); the first by path stands for them, so that a batch with
        // many copies stays linear instead of pairing every copy with every
        // copy of the year before.
        if let (Some(&p), Some(&n)) = (prev.first(), next.first()) {
            pairs.push((p, n));
        }
    }
    pairs.sort_unstable();
    pairs
}

/// Whether two read values are equal (exact for whole numbers).
pub(crate) fn same(a: Read, b: Read) -> bool {
    equal(a.num(), b.num())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::check::fixture;
    use crate::schema::Source;

    /// A 2021-layout report of `agency` for `year`, every cell 0, with the
    /// given cells set (a `None` value is a blank cell).
    pub(crate) fn report(agency: &str, year: i32, cells: &[(&str, Option<i64>)]) -> Report {
        let mut r = fixture::parse(r#"{"template": {"t2": "2021", "t3": "2021", "t4": "common"}}"#)
            .expect("fixture");
        r.source = Source {
            path: format!("in/{agency}-{year}.txt"),
            sha256: format!("{:064x}", (year as u64) << 8 | agency.len() as u64),
            ..Source::default()
        };
        r.meta.agency = Some(agency.to_string());
        r.meta.year = Some(year);
        for (id, v) in cells {
            let state = if v.is_some() {
                CellState::Ok
            } else {
                CellState::Blank
            };
            fixture::set(&mut r, id, *v, state);
        }
        r
    }

    #[test]
    fn agency_key_folds_the_spelling_variants_of_titles() {
        let key = agency_key;
        assert_eq!(key("四方台区人民政府"), "四方台区");
        assert_eq!(key("四方台区政府"), "四方台区");
        assert_eq!(key("四方台区"), "四方台区");
        assert_eq!(key(" 四方台区 人民政府\u{3000}"), "四方台区");
        assert_eq!(key("上海市人民政府办公厅"), key("上海市政府办公厅"));
        assert_eq!(key("上海市人民政府办公厅"), "上海市政府办公厅");
        // The office is not the government itself.
        assert_ne!(key("上海市政府办公厅"), key("上海市人民政府"));
        assert_ne!(key("某县人民政府办公室"), key("某县人民政府"));
        assert_ne!(key("某县人民政府办公室"), key("某县人民政府办公厅"));
        // Brackets go, their content stays; full-width becomes half-width.
        assert_eq!(key("《四方台区人民政府》"), "四方台区");
        assert_eq!(key("某市（本级）"), key("某市本级"));
        assert_eq!(key("某市第２中学"), "某市第2中学");
        assert_eq!(key("ＡＢＣ区"), "abc区");
        // A name that is only 政府 keeps it, and different bodies stay apart.
        assert_eq!(key("人民政府"), "政府");
        assert_ne!(key("四方台区"), key("四方台县"));
        assert_eq!(key("  "), "");
    }

    #[test]
    fn facts_hold_the_compared_cells_with_their_states() {
        let r = report(
            "某区",
            2024,
            &[
                ("t3.carried_over.natural_person", Some(3)),
                ("t3.carried_forward.total", None),
                ("t2.normative_docs.in_force", Some(17)),
            ],
        );
        let f = BatchFacts::from_report(&r);
        assert_eq!(f.agency_key.as_deref(), Some("某区"));
        assert_eq!(f.year, Some(2024));
        let over = f.carried_over[0].expect("natural_person");
        assert_eq!(over.read(true), Some(Read::Value(Num::Int(3))));
        let total = f.carried_forward[6].expect("total");
        assert_eq!(total.state, CellState::Blank);
        assert_eq!(total.read(false), None);
        assert_eq!(total.read(true), Some(Read::Blank));
        let stock = f.stock.expect("2021 layout");
        assert_eq!(stock[1][2].and_then(|c| c.value), Some(Num::Int(17)));

        // No table 三, a 2019 table 二: nothing to compare.
        let mut r = report("某区", 2019, &[]);
        r.template.t3 = None;
        r.template.t2 = Some(Template::Y2019);
        let f = BatchFacts::from_report(&r);
        assert!(f.carried_over.iter().all(Option::is_none));
        assert!(f.stock.is_none());
    }

    #[test]
    fn pairs_join_consecutive_years_of_one_agency() {
        let facts: Vec<BatchFacts> = [
            report("四方台区人民政府", 2024, &[]),
            report("四方台区", 2025, &[]),
            report("四方台区政府", 2023, &[]),
            report("四方台区", 2027, &[]),
            report("四方台区人民政府办公室", 2025, &[]),
            report("四方台区", 2025, &[]),
        ]
        .iter()
        .map(BatchFacts::from_report)
        .collect();
        assert_eq!(
            consecutive_pairs(&facts),
            [(0, 1), (2, 0)],
            "2027 has no 2026; the office is another body; 5 is a duplicate of 1"
        );
        let mut partial = facts.clone();
        partial[0].status = Status::NotAReport;
        assert!(consecutive_pairs(&partial).is_empty());
    }
}
