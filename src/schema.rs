//! The canonical report: output contract `ogi-report/1`.
//!
//! This module holds what a report *means*, independent of the format it
//! came in: the canonical cell ids of the 2021 and 2019 templates (in the
//! official order), the state and provenance of every cell, the repairs the
//! normaliser made and the checker's findings. The JSON shape is fixed by
//! `spec/SCHEMA.md`; [`Report::to_json`] produces it.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{json, Map, Value as Json};

/// The schema id written into every report.
pub const SCHEMA_VERSION: &str = "ogi-report/1";

/// Table 二 (2021 layout): row key → column keys.
pub const T2_ROWS: &[(&str, &[&str])] = &[
    ("regulations", &["issued", "repealed", "in_force"]),
    ("normative_docs", &["issued", "repealed", "in_force"]),
    ("licensing", &["decisions"]),
    ("penalty", &["decisions"]),
    ("coercion", &["decisions"]),
    ("fees", &["amount_wan_yuan"]),
];

/// Table 二 (2019 layout): row key → column keys.
pub const T2_2019_ROWS: &[(&str, &[&str])] = &[
    ("regulations", &["made", "published", "total_published"]),
    ("normative_docs", &["made", "published", "total_published"]),
    ("licensing", &["prev_year_items", "change", "decisions"]),
    (
        "other_services",
        &["prev_year_items", "change", "decisions"],
    ),
    ("penalty", &["prev_year_items", "change", "decisions"]),
    ("coercion", &["prev_year_items", "change", "decisions"]),
    ("fees", &["prev_year_items", "change"]),
    ("procurement", &["project_count", "total_amount"]),
];

/// Table 三 rows of the 2021 layout, in the official order.
pub const T3_ROWS_2021: &[&str] = &[
    "new_received",
    "carried_over",
    "disclosed",
    "partially_disclosed",
    "withheld_state_secret",
    "withheld_law_prohibited",
    "withheld_security_stability",
    "withheld_third_party",
    "withheld_internal_affairs",
    "withheld_process_info",
    "withheld_enforcement_file",
    "withheld_admin_inquiry",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    "not_processed_petition",
    "not_processed_repeat",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_reconfirm",
    "other_no_correction",
    "other_fee_unpaid",
    "other_other",
    "results_total",
    "carried_forward",
];

/// Table 三 rows of the 2019 layout: （六）其他处理 is one row.
pub const T3_ROWS_2019: &[&str] = &[
    "new_received",
    "carried_over",
    "disclosed",
    "partially_disclosed",
    "withheld_state_secret",
    "withheld_law_prohibited",
    "withheld_security_stability",
    "withheld_third_party",
    "withheld_internal_affairs",
    "withheld_process_info",
    "withheld_enforcement_file",
    "withheld_admin_inquiry",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    "not_processed_petition",
    "not_processed_repeat",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_reconfirm",
    "other_subtotal",
    "results_total",
    "carried_forward",
];

/// Subtotal rows a report may add on its own (group rows carrying numbers).
pub const T3_SUBTOTAL_ROWS: &[&str] = &[
    "withheld_subtotal",
    "unavailable_subtotal",
    "not_processed_subtotal",
    "other_subtotal",
];

/// Table 三 value columns, in the official order.
pub const T3_COLS: &[&str] = &[
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "public_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
];

/// The six applicant columns (every T3 column but `total`).
pub const T3_APPLICANT_COLS: &[&str] = &[
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "public_welfare_org",
    "legal_service_org",
    "other_org",
];

/// The five 法人或其他组织 columns, members of an `org_subtotal` column.
pub const T3_ORG_COLS: &[&str] = &[
    "commercial_enterprise",
    "research_institution",
    "public_welfare_org",
    "legal_service_org",
    "other_org",
];

/// Table 四 groups, in the official order.
pub const T4_GROUPS: &[&str] = &["review", "litigation_direct", "litigation_after_review"];

/// Table 四 columns of each group, in the official order.
pub const T4_COLS: &[&str] = &["upheld", "corrected", "other", "pending", "total"];

/// The tables of values, as a report file nests them (`{row: {col:
/// value}}`), in the order it writes them.
pub const VALUE_TABLES: [&str; 4] = ["t2", "t2_2019", "t3", "t4"];

/// The row and column of the cell id `id` in the value table `table`
/// (`t3.row.col` → `("row", "col")`; the column is the rest after the
/// row, dots and all); `None` when the id is not in that table.
pub fn value_place<'a>(id: &'a str, table: &str) -> Option<(&'a str, &'a str)> {
    id.strip_prefix(table)?.strip_prefix('.')?.split_once('.')
}

/// The canonical id `table.row.col` of a cell. The arithmetic rules and
/// the normaliser name thousands of cells per report: this is the one
/// place that spells an id, without the formatting machinery.
pub fn cell_id(table: &str, row: &str, col: &str) -> String {
    let mut id = String::with_capacity(table.len() + row.len() + col.len() + 2);
    id.push_str(table);
    id.push('.');
    id.push_str(row);
    id.push('.');
    id.push_str(col);
    id
}

/// Which result rows add up to `results_total` (excluding subtotals).
pub fn t3_result_rows(template: Template) -> &'static [&'static str] {
    match template {
        Template::Y2019 => &T3_ROWS_2019[2..21],
        _ => &T3_ROWS_2021[2..23],
    }
}

/// The members of a T3 subtotal row.
pub fn t3_subtotal_members(subtotal: &str) -> &'static [&'static str] {
    match subtotal {
        "withheld_subtotal" => &T3_ROWS_2021[4..12],
        "unavailable_subtotal" => &T3_ROWS_2021[12..15],
        "not_processed_subtotal" => &T3_ROWS_2021[15..20],
        "other_subtotal" => &T3_ROWS_2021[20..23],
        _ => &[],
    }
}

/// Every canonical id of table 二 (2021), in order.
pub fn t2_ids() -> Vec<String> {
    nested_ids("t2", T2_ROWS)
}

/// Every canonical id of table 二 (2019), in order.
pub fn t2_2019_ids() -> Vec<String> {
    nested_ids("t2_2019", T2_2019_ROWS)
}

/// Every canonical id of table 三 in the given template, in order.
pub fn t3_ids(template: Template) -> Vec<String> {
    let rows = match template {
        Template::Y2019 => T3_ROWS_2019,
        _ => T3_ROWS_2021,
    };
    let mut out = Vec::with_capacity(rows.len() * T3_COLS.len());
    for r in rows {
        for c in T3_COLS {
            out.push(cell_id("t3", r, c));
        }
    }
    out
}

/// Every canonical id of table 四, in order.
pub fn t4_ids() -> Vec<String> {
    let mut out = Vec::with_capacity(15);
    for g in T4_GROUPS {
        for c in T4_COLS {
            out.push(cell_id("t4", g, c));
        }
    }
    out
}

/// The union of all value ids any report can have, in the canonical order
/// used for the dataset columns: t2, t2_2019, t3 (2021 rows, then the 2019
/// and subtotal rows, then the `org_subtotal` column), t4.
pub fn all_value_ids() -> Vec<String> {
    let mut out = t2_ids();
    out.extend(t2_2019_ids());
    out.extend(t3_ids(Template::Y2021));
    for r in T3_SUBTOTAL_ROWS {
        for c in T3_COLS {
            out.push(cell_id("t3", r, c));
        }
    }
    for r in T3_ROWS_2021.iter().chain(T3_SUBTOTAL_ROWS) {
        out.push(cell_id("t3", r, "org_subtotal"));
    }
    out.extend(t4_ids());
    out
}

fn nested_ids(table: &str, rows: &[(&str, &[&str])]) -> Vec<String> {
    let mut out = Vec::new();
    for (r, cols) in rows {
        for c in *cols {
            out.push(cell_id(table, r, c));
        }
    }
    out
}

/// A report template (per table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Template {
    /// 国办公开办函〔2021〕30号.
    Y2021,
    /// 国办公开办函〔2019〕60号 (试行).
    Y2019,
    /// Table 四, identical in both.
    Common,
}

impl Template {
    /// The string written in `template.*`.
    pub fn as_str(self) -> &'static str {
        match self {
            Template::Y2021 => "2021",
            Template::Y2019 => "2019",
            Template::Common => "common",
        }
    }
}

/// A value as the report writes it: a count, or a decimal amount.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    /// A whole number.
    Int(i64),
    /// A decimal (the fee, the procurement amount, or a non-whole count).
    Dec(f64),
}

impl Num {
    /// The value as an integer, when it is whole.
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Num::Int(i) => Some(i),
            Num::Dec(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => Some(d as i64),
            Num::Dec(_) => None,
        }
    }

    /// The value as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Dec(d) => d,
        }
    }

    /// JSON number.
    pub fn to_json(self) -> Json {
        match self {
            Num::Int(i) => json!(i),
            Num::Dec(d) => serde_json::Number::from_f64(d).map_or(Json::Null, Json::Number),
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Dec(d) => write!(f, "{d}"),
        }
    }
}

impl Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Num::Int(i) => s.serialize_i64(*i),
            Num::Dec(d) => s.serialize_f64(*d),
        }
    }
}

/// The state of a canonical cell (see SCHEMA.md, `cells`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellState {
    /// A number was written.
    Ok,
    /// An empty cell.
    Blank,
    /// A none-marker (`/`, `-`, `无`, …).
    Marker,
    /// Text that is not a number.
    Text,
    /// No cell in the source.
    Missing,
    /// Inferred from one arithmetic relation (`rule` says which).
    Derived,
    /// More than one reading fits; value null.
    Ambiguous,
    /// Copied from the 2019 layout into a 2021 key.
    Mapped,
    /// The key does not exist in the template the report uses.
    NotInTemplate,
}

impl CellState {
    /// Every state.
    pub const ALL: [CellState; 9] = [
        CellState::Ok,
        CellState::Blank,
        CellState::Marker,
        CellState::Text,
        CellState::Missing,
        CellState::Derived,
        CellState::Ambiguous,
        CellState::Mapped,
        CellState::NotInTemplate,
    ];

    /// The name written in a report file.
    pub fn as_str(self) -> &'static str {
        match self {
            CellState::Ok => "ok",
            CellState::Blank => "blank",
            CellState::Marker => "marker",
            CellState::Text => "text",
            CellState::Missing => "missing",
            CellState::Derived => "derived",
            CellState::Ambiguous => "ambiguous",
            CellState::Mapped => "mapped",
            CellState::NotInTemplate => "not_in_template",
        }
    }

    /// Whether an arithmetic rule may count this cell as 0 when it is an
    /// addend (RULES.md operand policy).
    pub fn is_blankish(self) -> bool {
        matches!(self, CellState::Blank | CellState::Marker)
    }
}

/// Where a cell was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct At {
    /// 0-based index of the table in the document.
    pub table: usize,
    /// 0-based row in the expanded grid.
    pub row: usize,
    /// 0-based column in the expanded grid.
    pub col: usize,
    /// 1-based source line, for text input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// State, value and provenance of one canonical cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellRecord {
    /// The value (null unless state is ok, derived or mapped).
    #[serde(skip)]
    pub value: Option<Num>,
    /// The state.
    pub state: CellState,
    /// The cell text as found, or null.
    pub raw: Option<String>,
    /// Where it was found, or null.
    pub at: Option<At>,
    /// For `derived` (and `mapped`): the rule or source it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl CellRecord {
    /// A cell absent from the source.
    pub fn missing() -> CellRecord {
        CellRecord {
            value: None,
            state: CellState::Missing,
            raw: None,
            at: None,
            rule: None,
        }
    }

    /// A key that the template in use does not have.
    pub fn not_in_template() -> CellRecord {
        CellRecord {
            state: CellState::NotInTemplate,
            ..CellRecord::missing()
        }
    }
}

/// Finding severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// An identity of the format is broken, or the table is defective.
    Error,
    /// A relation that normally holds is broken, or structure was inferred.
    Warning,
    /// For information.
    Info,
}

impl Severity {
    /// Every severity, the gravest first.
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One result of the checker (or of the normaliser's structural rules).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule id (RULES.md).
    pub rule: &'static str,
    /// Severity.
    pub severity: Severity,
    /// The canonical cells involved.
    pub cells: Vec<String>,
    /// The value the rule expected, when it is arithmetic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Num>,
    /// The value found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Num>,
    /// One line in Chinese, in the report's own words, with the numbers.
    pub message: String,
    /// The same in English.
    pub message_en: String,
    /// Rule-specific detail (readings of an ambiguous run, the hint's
    /// values, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Json>,
}

impl Finding {
    /// A finding with no numbers.
    pub fn new(
        rule: &'static str,
        severity: Severity,
        cells: Vec<String>,
        message: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            severity,
            cells,
            expected: None,
            actual: None,
            message: message.into(),
            message_en: message_en.into(),
            detail: None,
        }
    }

    /// Sets the expected and actual values.
    pub fn with_numbers(mut self, expected: Num, actual: Num) -> Finding {
        self.expected = Some(expected);
        self.actual = Some(actual);
        self
    }

    /// Sets the detail object.
    pub fn with_detail(mut self, detail: Json) -> Finding {
        self.detail = Some(detail);
        self
    }
}

/// A decision the normaliser took that the source did not state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repair {
    /// What was done (`align_short_row`, `split_glued_digits`, …).
    pub action: String,
    /// The canonical cells concerned.
    pub cells: Vec<String>,
    /// How and why, in a sentence.
    pub detail: String,
}

/// Document status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// All three tables found and mapped.
    Ok,
    /// A report, but a table or rows could not be mapped.
    Partial,
    /// A pre-2019 report: metadata only.
    Legacy,
    /// Readable, but not an annual report.
    NotAReport,
    /// Unreadable.
    Error,
}

impl Status {
    /// Every status, in the order SCHEMA.md lists them.
    pub const ALL: [Status; 5] = [
        Status::Ok,
        Status::Partial,
        Status::Legacy,
        Status::NotAReport,
        Status::Error,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Partial => "partial",
            Status::Legacy => "legacy",
            Status::NotAReport => "not_a_report",
            Status::Error => "error",
        }
    }
}

/// The input a report came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Source {
    /// The path as given or found by the walk.
    pub path: String,
    /// The detected format (`html`, `docx`, `xlsx`, `text`, …).
    pub format: String,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// The decoded character encoding, null for binary formats.
    pub encoding: Option<String>,
    /// The sheet, for workbooks holding one report per sheet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// With `sheet`: how many reports the workbook gave (one per sheet that
    /// holds one), so that `--resume` knows a workbook's reports are all
    /// there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet_reports: Option<u32>,
    /// How the file was converted before reading (e.g. LibreOffice), if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converted: Option<String>,
}

/// The statistics period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Last day, `YYYY-MM-DD`.
    pub end: String,
}

/// Report metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Meta {
    /// The report title.
    pub title: Option<String>,
    /// The reporting body, from the title.
    pub agency: Option<String>,
    /// The statistics year.
    pub year: Option<i32>,
    /// The statistics period, when stated.
    pub period: Option<Period>,
    /// Publication date `YYYY-MM-DD`, when stated.
    pub published: Option<String>,
    /// `government`, `agency` or `unknown`.
    pub scope: String,
}

/// The template of each table, or `None` when the table was not found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Templates {
    /// Table 二.
    pub t2: Option<Template>,
    /// Table 三.
    pub t3: Option<Template>,
    /// Table 四.
    pub t4: Option<Template>,
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// A stable kind (`empty`, `corrupt`, `encrypted`, `unsupported`,
    /// `too_large`, `io`, `internal`).
    pub kind: String,
    /// A sentence a person understands.
    pub message: String,
}

/// The canonical report of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The input.
    pub source: Source,
    /// Status.
    pub status: Status,
    /// Metadata.
    pub meta: Meta,
    /// Template per table.
    pub template: Templates,
    /// Every canonical cell of the templates found, keyed by dotted id, in
    /// canonical order.
    pub cells: IndexMap<String, CellRecord, foldhash::fast::RandomState>,
    /// The normaliser's decisions.
    pub repairs: Vec<Repair>,
    /// Findings that are not a plain pass.
    pub findings: Vec<Finding>,
    /// Set when status is error.
    pub error: Option<ErrorInfo>,
    /// The narrative (running text) of the report, for narrative checks.
    /// Not serialised.
    pub narrative: Vec<String>,
    /// Checks that could not be assessed, by rule id. Not serialised per
    /// report; summed in `summary.json`.
    pub not_assessable: IndexMap<&'static str, usize>,
    /// Structural facts the normaliser observed; the checker's S- and V-UNIT
    /// rules turn them into findings. Not serialised.
    pub observations: Vec<Observation>,
}

/// A structural fact the normaliser observed about the source. The
/// normaliser never writes findings itself: it records what it saw here (and
/// what it decided, in `repairs`), and the checker's rules report it.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// The document is readable but is not an annual report.
    NotAReport {
        /// Why (in Chinese), e.g. "标题为‘关于…的函’，无年度报告表格".
        reason: String,
    },
    /// A pre-2019 report.
    Legacy {
        /// The strings that gave it away.
        evidence: Vec<String>,
    },
    /// A table of the template was not found.
    TableMissing {
        /// `t2`, `t3` or `t4`.
        table: &'static str,
        /// The canonical cells it would have held.
        cells: Vec<String>,
    },
    /// A row of a found table was not found.
    RowMissing {
        /// `t2`, `t2_2019`, `t3` or `t4` (a t4 group counts as a row).
        table: &'static str,
        /// The canonical row key.
        row: String,
        /// Its canonical cells.
        cells: Vec<String>,
    },
    /// A row has fewer value cells than its template row.
    RowShort {
        /// Table key.
        table: &'static str,
        /// Row key.
        row: String,
        /// The row's label as the report writes it.
        label: String,
        /// Value cells found.
        found: usize,
        /// Value cells the template has.
        expected: usize,
        /// The row's canonical cells.
        cells: Vec<String>,
    },
    /// A row has more value cells than its template row.
    RowLong {
        /// Table key.
        table: &'static str,
        /// Row key.
        row: String,
        /// The row's label as the report writes it.
        label: String,
        /// The cells that did not fit, as written.
        extra: Vec<String>,
        /// The row's canonical cells.
        cells: Vec<String>,
    },
    /// A row not in the template (a 小计, an annotation row).
    RowExtra {
        /// Table key.
        table: &'static str,
        /// The row's label as the report writes it.
        label: String,
        /// The subtotal key it was stored under, when it is one.
        subtotal: Option<String>,
    },
    /// The normaliser chose an alignment, a split or a transposition by
    /// inference (the matching `repairs` entry says how).
    Guess {
        /// The cells whose values depend on the guess.
        cells: Vec<String>,
        /// What was decided and why (English).
        detail: String,
        /// The same in Chinese.
        detail_zh: String,
    },
    /// Several readings fit equally; the cells were left null.
    Ambiguous {
        /// The cells left null.
        cells: Vec<String>,
        /// The text that allowed several readings.
        raw: String,
        /// The readings (each a value per cell), possibly truncated.
        readings: Vec<Vec<Num>>,
        /// How many readings fit in all.
        count: usize,
    },
    /// Tables of different templates, or a template that does not fit the year.
    TemplateMixed {
        /// What disagrees (Chinese).
        detail: String,
        /// The same in English.
        detail_en: String,
    },
    /// A unit written in a cell or header differs from the template's and
    /// was converted.
    UnitConverted {
        /// The cell.
        cell: String,
        /// The text as written.
        raw: String,
        /// The unit found.
        from: String,
        /// The template's unit.
        to: String,
    },
}

impl Report {
    /// An empty report for a source.
    pub fn new(source: Source) -> Report {
        Report {
            source,
            status: Status::Ok,
            meta: Meta {
                scope: "unknown".into(),
                ..Meta::default()
            },
            template: Templates::default(),
            cells: IndexMap::default(),
            repairs: Vec::new(),
            findings: Vec::new(),
            error: None,
            narrative: Vec::new(),
            not_assessable: IndexMap::new(),
            observations: Vec::new(),
        }
    }

    /// A report for an unreadable input.
    pub fn error(source: Source, kind: &str, message: impl Into<String>) -> Report {
        let mut r = Report::new(source);
        r.status = Status::Error;
        r.error = Some(ErrorInfo {
            kind: kind.into(),
            message: message.into(),
        });
        r
    }

    /// The value of a cell, if it has one.
    pub fn value(&self, id: &str) -> Option<Num> {
        self.cells.get(id).and_then(|c| c.value)
    }

    /// The state of a cell, if the cell exists.
    pub fn state(&self, id: &str) -> Option<CellState> {
        self.cells.get(id).map(|c| c.state)
    }

    /// Counts of findings by severity: (errors, warnings, infos).
    pub fn finding_counts(&self) -> (usize, usize, usize) {
        let mut n = (0, 0, 0);
        for f in &self.findings {
            match f.severity {
                Severity::Error => n.0 += 1,
                Severity::Warning => n.1 += 1,
                Severity::Info => n.2 += 1,
            }
        }
        n
    }

    /// The report as the JSON object of SCHEMA.md.
    pub fn to_json(&self) -> Json {
        let mut o = Map::new();
        o.insert("schema".into(), json!(SCHEMA_VERSION));
        o.insert("source".into(), json!(self.source));
        o.insert("status".into(), json!(self.status));
        o.insert("meta".into(), json!(self.meta));
        o.insert(
            "template".into(),
            json!({
                "t2": self.template.t2.map(Template::as_str),
                "t3": self.template.t3.map(Template::as_str),
                "t4": self.template.t4.map(Template::as_str),
            }),
        );
        for table in VALUE_TABLES {
            o.insert(table.into(), self.nested_values(table));
        }
        o.insert("cells".into(), json!(self.cells));
        o.insert("repairs".into(), json!(self.repairs));
        o.insert("findings".into(), json!(self.findings));
        o.insert("error".into(), json!(self.error));
        Json::Object(o)
    }

    /// `{row: {col: value}}` for one table, or null when it has no cells.
    fn nested_values(&self, table: &str) -> Json {
        let mut rows: Map<String, Json> = Map::new();
        for (id, cell) in &self.cells {
            let Some((row, col)) = value_place(id, table) else {
                continue;
            };
            if cell.state == CellState::NotInTemplate {
                continue;
            }
            // Looked up before inserting: a row's name is copied once.
            if !rows.contains_key(row) {
                rows.insert(row.to_string(), Json::Object(Map::new()));
            }
            if let Some(Json::Object(m)) = rows.get_mut(row) {
                m.insert(col.to_string(), cell.value.map_or(Json::Null, Num::to_json));
            }
        }
        if rows.is_empty() {
            Json::Null
        } else {
            Json::Object(rows)
        }
    }
}

/// Reports for tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use serde_json::json;

    /// An error report with every optional field set: source, meta,
    /// templates, a decimal derived cell with its line, a finding with
    /// numbers and detail, a repair and a count of checks not assessable.
    pub(crate) fn every_field() -> Report {
        let mut report = Report::error(
            Source {
                path: "a.xlsx".into(),
                format: "xlsx".into(),
                sha256: "ab".repeat(32),
                bytes: 9,
                encoding: Some("gbk".into()),
                sheet: Some("表1".into()),
                sheet_reports: Some(3),
                converted: Some("soffice".into()),
            },
            "corrupt",
            "坏了",
        );
        report.meta = Meta {
            title: Some("某县2024年政府信息公开工作年度报告".into()),
            agency: Some("某县".into()),
            year: Some(2024),
            period: Some(Period {
                start: "2024-01-01".into(),
                end: "2024-12-31".into(),
            }),
            published: Some("2025-01-20".into()),
            scope: "government".into(),
        };
        report.template = Templates {
            t2: Some(Template::Y2019),
            t3: None,
            t4: Some(Template::Common),
        };
        report.cells.insert(
            "t3.total.total".into(),
            CellRecord {
                value: Some(Num::Dec(1.5)),
                state: CellState::Derived,
                raw: Some("1.5元".into()),
                at: Some(At {
                    table: 1,
                    row: 2,
                    col: 3,
                    line: Some(40),
                }),
                rule: Some("V-BLANK".into()),
            },
        );
        let mut f = Finding::new(
            "X-DUPLICATE",
            Severity::Info,
            vec!["t3.total.total".into()],
            "重复",
            "duplicate",
        );
        f.expected = Some(Num::Int(-3));
        f.actual = Some(Num::Dec(0.25));
        f.detail = Some(json!({"others": [{"path": "b.xlsx", "n": 2}]}));
        report.findings.push(f);
        report.repairs.push(Repair {
            action: "split_glued_digits".into(),
            cells: vec!["t3.a.b".into(), "t3.c.d".into()],
            detail: "拆开".into(),
        });
        report.not_assessable.insert("V-BLANK", 2);
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_id_counts_match_the_format() {
        assert_eq!(t2_ids().len(), 10);
        assert_eq!(t2_2019_ids().len(), 22);
        assert_eq!(t3_ids(Template::Y2021).len(), 175);
        assert_eq!(t3_ids(Template::Y2019).len(), 161);
        assert_eq!(t4_ids().len(), 15);
        assert_eq!(t3_result_rows(Template::Y2021).len(), 21);
        assert_eq!(t3_result_rows(Template::Y2019).len(), 19);
        assert_eq!(
            t3_result_rows(Template::Y2019).last(),
            Some(&"other_subtotal")
        );
    }

    #[test]
    fn all_value_ids_are_unique() {
        let ids = all_value_ids();
        let set: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(set.len(), ids.len());
    }

    #[test]
    fn value_places_split_at_the_first_two_dots() {
        assert_eq!(
            value_place("t3.total.natural", "t3"),
            Some(("total", "natural"))
        );
        assert_eq!(value_place("t4.a.b.c", "t4"), Some(("a", "b.c")));
        assert_eq!(value_place("t2_2019.a.b", "t2"), None);
        assert_eq!(value_place("t3.total", "t3"), None);
        assert_eq!(value_place("t3x.a.b", "t3"), None);
    }

    #[test]
    fn state_names_are_the_serialised_ones() {
        for state in CellState::ALL {
            assert_eq!(json!(state), json!(state.as_str()));
        }
    }

    #[test]
    fn nested_values_follow_cells() {
        let mut r = Report::new(Source::default());
        r.cells.insert(
            "t4.review.total".into(),
            CellRecord {
                value: Some(Num::Int(5)),
                state: CellState::Ok,
                raw: Some("5".into()),
                at: None,
                rule: None,
            },
        );
        let j = r.to_json();
        assert_eq!(j["t4"]["review"]["total"], json!(5));
        assert_eq!(j["t3"], Json::Null);
        assert_eq!(j["schema"], json!("ogi-report/1"));
    }
}
