//! Synthetic annual reports, written the way real producers write them.
//!
//! A [`ReportSpec`] holds what a report says (agency, year, template, every
//! canonical value, the fee text, per-cell text overrides, cells removed from
//! the source, the narrative). [`consistent`] draws a random but
//! arithmetically consistent one from a seed; [`blank`] gives an empty
//! template. [`Variants`] adds the real-world irregularities of FORMAT.md §4
//! (label wording, none-markers, full-width digits, thousands separators, a
//! short row, table 二 split in four).
//!
//! The writers (`to_text`, `to_html`, `to_docx`, `to_xlsx`, `to_ods`,
//! `to_csv`) all render one intermediate model: a [`DocModel`] (title,
//! headings, paragraphs, tables with real row/col spans) for the documents,
//! a [`SheetModel`] (cells on a grid with merged ranges) for the
//! spreadsheets. So one spec gives the same figures in every format, and
//! [`expected_values`] / [`expected_states`] say what a correct reader must
//! output.
//!
//! Value-level variants are *recorded in the spec*: [`prepare`] writes the
//! markers, full-width digits, separators and the dropped cell into
//! `cell_text` / `dropped`, so that `expected_values(&prepare(&spec, &v))`
//! (or [`expected`]) knows the state of every cell. The writers call
//! `prepare` themselves; it is idempotent, so passing a prepared spec is
//! fine.
//!
//! Everything is deterministic: the same seed gives the same bytes (zip
//! entries are dated 1980-01-01, workbook properties carry a fixed date).

use std::collections::{BTreeMap, BTreeSet};

use ogi::schema::{self, CellState, Num, Template};

use super::office;

// ---------------------------------------------------------------------------
// A small deterministic RNG (splitmix64), so no dependency is needed.
// ---------------------------------------------------------------------------

/// splitmix64: tiny, fast, good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        finalize(self.0)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// True with the given probability in percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable hash of a seed and a key: the per-cell choices of [`Variants`]
/// use it, so they do not depend on the order cells are visited in.
pub fn mix(seed: u64, key: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325 ^ seed;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    finalize(h ^ seed.rotate_left(17))
}

// ---------------------------------------------------------------------------
// The spec
// ---------------------------------------------------------------------------

/// What a report says. See the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSpec {
    /// The reporting body, as in the title.
    pub agency: String,
    /// The statistics year.
    pub year: i32,
    /// `Y2021` or `Y2019` (for t2 and t3; t4 is common).
    pub template: Template,
    /// Every canonical value id of the template (`t2.*` or `t2_2019.*`,
    /// `t3.*`, `t4.*`) **except the amount cell** ([`ReportSpec::amount_id`]),
    /// which is written from `fee`. `None` = a blank cell.
    pub values: BTreeMap<String, Option<i64>>,
    /// The amount cell as written: the 2021 fee in 万元 (`"0"`, `"12.60"`),
    /// or the 2019 procurement amount (`"251000元"`, `"75394432.52"`).
    /// Empty = blank.
    pub fee: String,
    /// Overrides of a cell's written text: `"—"`, `"１２"`, `"1,234"`,
    /// `"251000元"`, `"+12"`. The override wins over `values` / `fee`.
    pub cell_text: BTreeMap<String, String>,
    /// Cells removed from the source entirely: the row is short by one cell
    /// and the cells after it move left (FORMAT.md §4.1, the seed's （七）).
    pub dropped: BTreeSet<String>,
    /// The paragraphs of 一、总体情况.
    pub narrative: Vec<String>,
}

impl ReportSpec {
    /// `{agency}{year}年政府信息公开工作年度报告`.
    pub fn title(&self) -> String {
        format!("{}{}年政府信息公开工作年度报告", self.agency, self.year)
    }

    /// The template, folded to Y2021 / Y2019.
    pub fn tpl(&self) -> Template {
        if self.template == Template::Y2019 {
            Template::Y2019
        } else {
            Template::Y2021
        }
    }

    /// The id whose text comes from `fee`.
    pub fn amount_id(&self) -> &'static str {
        amount_id(self.tpl())
    }

    /// Every canonical value id of the template, in the official order
    /// (the amount id included).
    pub fn ids(&self) -> Vec<String> {
        template_ids(self.tpl())
    }

    /// The text written in a cell, or `None` when the cell was dropped.
    pub fn text(&self, id: &str) -> Option<String> {
        if self.dropped.contains(id) {
            return None;
        }
        if let Some(t) = self.cell_text.get(id) {
            return Some(t.clone());
        }
        if id == self.amount_id() {
            return Some(self.fee.clone());
        }
        Some(match self.values.get(id) {
            Some(Some(n)) => n.to_string(),
            _ => String::new(),
        })
    }

    /// The value of a cell, `0` for blank or absent (for sums in tests).
    pub fn v(&self, id: &str) -> i64 {
        self.values.get(id).copied().flatten().unwrap_or(0)
    }
}

fn amount_id(t: Template) -> &'static str {
    match t {
        Template::Y2019 => "t2_2019.procurement.total_amount",
        _ => "t2.fees.amount_wan_yuan",
    }
}

/// Every canonical id of a template: t2 (or t2_2019), t3, t4.
pub fn template_ids(t: Template) -> Vec<String> {
    let mut ids = match t {
        Template::Y2019 => schema::t2_2019_ids(),
        _ => schema::t2_ids(),
    };
    ids.extend(schema::t3_ids(t));
    ids.extend(schema::t4_ids());
    ids
}

/// Real-world irregularities to write (FORMAT.md §4).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Variants {
    /// Label wording as real reports write it: half-width brackets,
    /// （七）合计, 结转下一年度继续办理, spaced labels (总 计, 自 然 人),
    /// straight or no quotes, provincial annotations appended, the
    /// 2019/2020 headings of 四 and 五. Every label that has variants gets
    /// one; `seed` chooses which.
    pub label_variants: bool,
    /// About half of the zero cells written as a none-marker: `/`, `-`,
    /// `—` or left blank, one kind per report, chosen by `seed` (recorded
    /// in `cell_text` by [`prepare`]).
    pub markers_for_zero: bool,
    /// About half of the numbers written in full-width digits (`１２`).
    pub fullwidth_digits: bool,
    /// About half of the numbers ≥ 1000 written with a comma (`1,234`).
    pub thousands_separators: bool,
    /// A canonical id whose cell is removed from the source (a short row).
    pub drop_cell: Option<String>,
    /// Table 二 as four (2019: five) small tables, one per 第二十条 item.
    pub t2_split: bool,
    /// Chooses the label variants and the cells the value variants touch.
    pub seed: u64,
}

impl Variants {
    /// No variant at all: the official layout, every value as a number.
    pub fn plain() -> Variants {
        Variants::default()
    }

    /// Every variant except `drop_cell`.
    pub fn all(seed: u64) -> Variants {
        Variants {
            label_variants: true,
            markers_for_zero: true,
            fullwidth_digits: true,
            thousands_separators: true,
            drop_cell: None,
            t2_split: true,
            seed,
        }
    }
}

/// How the DOCX is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocxStyle {
    /// Microsoft Word: integer `tcW`, `<w:vMerge/>` for continuation,
    /// `w14:paraId`, runs split at script changes, one paragraph per line.
    Word,
    /// WPS Office: float `tcW` widths (`714.35`), `vMerge w:val="continue"`,
    /// the `wpsCustomData` namespace, explicit borders.
    Wps,
    /// LibreOffice Writer re-save: a 1-twip sliver `gridCol` in tables 三
    /// and 四 with the spans adjusted around it (the sliver belongs to the
    /// cell on its left in some rows and to the one on its right in others),
    /// `TableContents` paragraphs, `<w:br/>` line breaks, stray spaces
    /// around some numbers.
    LibreOffice,
}

// ---------------------------------------------------------------------------
// Random consistent reports
// ---------------------------------------------------------------------------

const AGENCIES: &[&str] = &[
    "青山区",
    "临河县人民政府",
    "云溪市生态环境局",
    "南湖街道办事处",
    "白沙镇人民政府",
    "江北区财政局",
    "西岭县交通运输局",
    "东港市人民政府办公室",
    "松涛县",
    "北塘区市场监督管理局",
];

/// A random report whose figures satisfy every relation of FORMAT.md §1.6:
/// T3 results sum, balance and row totals, T4 group totals, and
/// `in_force ≥ issued − repealed` in table 二. Most reports have small
/// numbers; about one in twenty has tens of thousands of applications.
/// The 2021 fee is a decimal like `"3.25"` (or `"0"`); the 2019
/// procurement amount is in yuan, sometimes with `元` written in the cell,
/// and some positive 本年增/减 are written with a `+`.
pub fn consistent(seed: u64, template: Template) -> ReportSpec {
    let tpl = if template == Template::Y2019 {
        Template::Y2019
    } else {
        Template::Y2021
    };
    let mut r = Rng::new(seed);
    let agency = (*r.pick(AGENCIES)).to_string();
    let year = match tpl {
        Template::Y2019 => 2019 + r.below(2) as i32,
        _ => 2021 + r.below(5) as i32,
    };
    let scale: u64 = match r.below(20) {
        0 => 50_000,
        1..=4 => 600,
        _ => 20,
    };
    let mut values: BTreeMap<String, Option<i64>> = BTreeMap::new();
    let mut cell_text = BTreeMap::new();
    let put = |values: &mut BTreeMap<String, Option<i64>>, id: String, n: u64| {
        values.insert(id, Some(n as i64));
    };

    // Table 三: result rows per applicant column, then the balance rows.
    let col_weight: [u64; 6] = [100, 30, 4, 4, 8, 10];
    for (ci, col) in schema::T3_APPLICANT_COLS.iter().enumerate() {
        let col_scale = scale * col_weight[ci] / 100;
        let mut sum = 0u64;
        for row in schema::t3_result_rows(tpl) {
            let (pct, weight) = match *row {
                "disclosed" => (80, 40),
                "partially_disclosed" => (40, 12),
                "unavailable_not_held" => (50, 15),
                "not_processed_repeat"
                | "unavailable_unclear"
                | "other_other"
                | "other_subtotal" => (25, 5),
                _ => (12, 2),
            };
            let n = if r.chance(pct) {
                r.below(col_scale * weight / 40 + 2)
            } else {
                0
            };
            sum += n;
            put(&mut values, format!("t3.{row}.{col}"), n);
        }
        let forward = if r.chance(30) {
            r.below(sum / 8 + 2)
        } else {
            0
        };
        let over = if r.chance(30) {
            r.below((sum + forward).min(sum / 8 + 3) + 1)
        } else {
            0
        };
        put(&mut values, format!("t3.results_total.{col}"), sum);
        put(&mut values, format!("t3.carried_forward.{col}"), forward);
        put(&mut values, format!("t3.carried_over.{col}"), over);
        put(
            &mut values,
            format!("t3.new_received.{col}"),
            sum + forward - over,
        );
    }
    let t3_rows: &[&str] = match tpl {
        Template::Y2019 => schema::T3_ROWS_2019,
        _ => schema::T3_ROWS_2021,
    };
    for row in t3_rows {
        let total: i64 = schema::T3_APPLICANT_COLS
            .iter()
            .map(|c| values[&format!("t3.{row}.{c}")].unwrap_or(0))
            .sum();
        values.insert(format!("t3.{row}.total"), Some(total));
    }

    // Table 四.
    for (g, pct, lim) in [
        ("review", 35, scale / 100 + 3),
        ("litigation_direct", 20, scale / 200 + 2),
        ("litigation_after_review", 10, scale / 400 + 2),
    ] {
        let mut sum = 0;
        for c in ["upheld", "corrected", "other", "pending"] {
            let n = if r.chance(pct) { r.below(lim) } else { 0 };
            sum += n;
            put(&mut values, format!("t4.{g}.{c}"), n);
        }
        put(&mut values, format!("t4.{g}.total"), sum);
    }

    // Table 二.
    let fee = match tpl {
        Template::Y2019 => {
            for (row, lim) in [("regulations", 4), ("normative_docs", scale / 2 + 20)] {
                let made = if r.chance(60) { r.below(lim) } else { 0 };
                let published = if r.chance(80) {
                    made
                } else {
                    r.below(made + 1)
                };
                put(&mut values, format!("t2_2019.{row}.made"), made);
                put(&mut values, format!("t2_2019.{row}.published"), published);
                put(
                    &mut values,
                    format!("t2_2019.{row}.total_published"),
                    published + r.below(500),
                );
            }
            for row in ["licensing", "other_services", "penalty", "coercion", "fees"] {
                let prev = r.below(if row == "fees" { 40 } else { scale * 4 + 50 });
                let change = r.below(41) as i64 - 10;
                let change = change.max(-(prev as i64));
                put(&mut values, format!("t2_2019.{row}.prev_year_items"), prev);
                let id = format!("t2_2019.{row}.change");
                values.insert(id.clone(), Some(change));
                if change > 0 && r.chance(30) {
                    cell_text.insert(id, format!("+{change}"));
                }
                if row != "fees" {
                    put(
                        &mut values,
                        format!("t2_2019.{row}.decisions"),
                        r.below(scale * 20 + 100),
                    );
                }
            }
            let count = if r.chance(80) { r.below(200) + 1 } else { 0 };
            put(
                &mut values,
                "t2_2019.procurement.project_count".into(),
                count,
            );
            if count == 0 {
                "0".to_string()
            } else {
                match r.below(3) {
                    0 => format!("{}元", r.below(900_000) + 1000),
                    1 => format!("{}.{:02}", r.below(90_000_000) + 10_000, r.below(100)),
                    _ => format!("{}", r.below(5_000_000) + 1000),
                }
            }
        }
        _ => {
            for (row, lim) in [("regulations", 4), ("normative_docs", scale / 2 + 10)] {
                let issued = if r.chance(60) { r.below(lim) } else { 0 };
                let repealed = if r.chance(40) {
                    r.below(issued / 2 + 3)
                } else {
                    0
                };
                let floor = issued.saturating_sub(repealed);
                let in_force = if r.chance(20) {
                    floor
                } else {
                    floor + r.below(200)
                };
                put(&mut values, format!("t2.{row}.issued"), issued);
                put(&mut values, format!("t2.{row}.repealed"), repealed);
                put(&mut values, format!("t2.{row}.in_force"), in_force);
            }
            let licensing = if r.chance(80) {
                r.below(scale * 40 + 100)
            } else {
                0
            };
            put(&mut values, "t2.licensing.decisions".into(), licensing);
            let penalty = r.below(scale * 10 + 50);
            put(&mut values, "t2.penalty.decisions".into(), penalty);
            let coercion = if r.chance(40) { r.below(scale + 10) } else { 0 };
            put(&mut values, "t2.coercion.decisions".into(), coercion);
            match r.below(4) {
                0 => "0".to_string(),
                1 => format!("{}.{:02}", r.below(50), r.below(100)),
                2 => format!("{}.{}", r.below(500), r.below(10)),
                _ => format!("{}.{:02}", r.below(10), r.below(100)),
            }
        }
    };
    values.remove(amount_id(tpl));

    let mut spec = ReportSpec {
        agency,
        year,
        template: tpl,
        values,
        fee,
        cell_text,
        dropped: BTreeSet::new(),
        narrative: Vec::new(),
    };
    let published = 100 + r.below(3000);
    spec.narrative = narrative(&spec, published);
    spec
}

/// A report with every value cell empty (the official template as
/// distributed, with the agency and year filled in). A few cells hold a
/// full-width space, as the WPS-edited official template does.
pub fn blank(agency: &str, year: i32, template: Template) -> ReportSpec {
    let tpl = if template == Template::Y2019 {
        Template::Y2019
    } else {
        Template::Y2021
    };
    let mut values = BTreeMap::new();
    for id in template_ids(tpl) {
        if id != amount_id(tpl) {
            values.insert(id, None);
        }
    }
    let mut cell_text = BTreeMap::new();
    let first = if tpl == Template::Y2019 {
        "t2_2019.regulations"
    } else {
        "t2.regulations"
    };
    let second = if tpl == Template::Y2019 {
        "made"
    } else {
        "issued"
    };
    cell_text.insert(format!("{first}.{second}"), "\u{3000}\u{3000}".to_string());
    cell_text.insert("t4.review.upheld".to_string(), "\u{3000}".to_string());
    ReportSpec {
        agency: agency.to_string(),
        year,
        template: tpl,
        values,
        fee: String::new(),
        cell_text,
        dropped: BTreeSet::new(),
        narrative: vec![format!(
            "{year}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政府信息公开工作。"
        )],
    }
}

/// The paragraphs of 一、总体情况, quoting figures of the tables (so a
/// narrative check finds them in agreement).
fn narrative(spec: &ReportSpec, published: u64) -> Vec<String> {
    let y = spec.year;
    let a = &spec.agency;
    let docs = if spec.tpl() == Template::Y2019 {
        format!(
            "全年新制作规范性文件{}件",
            spec.v("t2_2019.normative_docs.made")
        )
    } else {
        format!(
            "全年制发行政规范性文件{}件",
            spec.v("t2.normative_docs.issued")
        )
    };
    let litigation =
        spec.v("t4.litigation_direct.total") + spec.v("t4.litigation_after_review.total");
    vec![
        format!("{y}年，{a}深入贯彻落实《中华人民共和国政府信息公开条例》，坚持“以公开为常态、不公开为例外”，围绕中心工作，扎实推进政府信息公开各项工作。"),
        format!("（一）主动公开。{docs}，通过政府门户网站主动公开政府信息{published}条，及时发布政策解读材料，回应社会关切。"),
        format!(
            "（二）依申请公开。全年共收到政府信息公开申请{}件，严格按照法定时限和程序办理，依法保障申请人合法权益。",
            spec.v("t3.new_received.total")
        ),
        "（三）政府信息管理。严格落实公开前保密审查和合法性审查机制，动态更新政府信息公开指南和目录。".to_string(),
        "（四）平台建设。充分发挥政府门户网站第一平台作用，优化政府信息公开专栏，提升政务新媒体信息发布质量。".to_string(),
        format!(
            "（五）监督保障。全年因政府信息公开工作被申请行政复议{}件，被提起行政诉讼{litigation}件。",
            spec.v("t4.review.total")
        ),
    ]
}

// ---------------------------------------------------------------------------
// Value-level variants
// ---------------------------------------------------------------------------

const ZERO_MARKERS: &[&str] = &["/", "-", "", "—"];

/// The spec with the value-level variants of `v` written into `cell_text`
/// and `dropped`. Idempotent; never changes a cell that already has an
/// override.
pub fn prepare(spec: &ReportSpec, v: &Variants) -> ReportSpec {
    let mut out = spec.clone();
    if let Some(id) = &v.drop_cell {
        out.dropped.insert(id.clone());
    }
    let amount = out.amount_id();
    for id in out.ids() {
        if out.dropped.contains(&id) || out.cell_text.contains_key(&id) {
            continue;
        }
        let written = if id == amount {
            out.fee.clone()
        } else {
            match out.values.get(&id) {
                Some(Some(n)) => n.to_string(),
                _ => continue,
            }
        };
        let zero = parse_plain(&written) == Some(0.0);
        if v.markers_for_zero && zero && mix(v.seed, &format!("marker:{id}")).is_multiple_of(2) {
            // A report writes its zeros one way: one marker per report.
            let m = ZERO_MARKERS[(mix(v.seed, "marker kind") % ZERO_MARKERS.len() as u64) as usize];
            out.cell_text.insert(id.clone(), m.to_string());
            continue;
        }
        let mut text = written.clone();
        if v.thousands_separators
            && id != amount
            && written.trim_start_matches('-').len() >= 4
            && mix(v.seed, &format!("sep:{id}")).is_multiple_of(2)
        {
            text = with_commas(&text);
        } else if v.fullwidth_digits && mix(v.seed, &format!("fw:{id}")).is_multiple_of(2) {
            text = fullwidth(&text);
        }
        if text != written {
            out.cell_text.insert(id.clone(), text);
        }
    }
    out
}

fn with_commas(s: &str) -> String {
    let (sign, digits) = match s.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", s),
    };
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}")
}

/// ASCII digits → full-width digits (U+FF10…).
pub fn fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c),
            _ => c,
        })
        .collect()
}

fn parse_plain(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    t.parse().ok()
}

// ---------------------------------------------------------------------------
// Labels (FORMAT.md §1.3–1.5, §2.2–2.3) and their real-world variants (§4.1)
// ---------------------------------------------------------------------------

/// The note printed in table 三's top-left header cell.
pub const T3_NOTE: &str = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";

/// The six section headings of the 2021 format.
pub const HEADINGS: [&str; 6] = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
];

/// The official label of a T3 row (item label for rows inside a group).
pub fn t3_label(row: &str) -> &'static str {
    match row {
        "new_received" => "一、本年新收政府信息公开申请数量",
        "carried_over" => "二、上年结转政府信息公开申请数量",
        "disclosed" => "（一）予以公开",
        "partially_disclosed" => "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "withheld_state_secret" => "1.属于国家秘密",
        "withheld_law_prohibited" => "2.其他法律行政法规禁止公开",
        "withheld_security_stability" => "3.危及“三安全一稳定”",
        "withheld_third_party" => "4.保护第三方合法权益",
        "withheld_internal_affairs" => "5.属于三类内部事务信息",
        "withheld_process_info" => "6.属于四类过程性信息",
        "withheld_enforcement_file" => "7.属于行政执法案卷",
        "withheld_admin_inquiry" => "8.属于行政查询事项",
        "unavailable_not_held" => "1.本机关不掌握相关政府信息",
        "unavailable_needs_creation" => "2.没有现成信息需要另行制作",
        "unavailable_unclear" => "3.补正后申请内容仍不明确",
        "not_processed_petition" => "1.信访举报投诉类申请",
        "not_processed_repeat" => "2.重复申请",
        "not_processed_publication" => "3.要求提供公开出版物",
        "not_processed_excessive" => "4.无正当理由大量反复申请",
        "not_processed_reconfirm" => "5.要求行政机关确认或重新出具已获取信息",
        "other_no_correction" => "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "other_fee_unpaid" => {
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
        }
        "other_other" => "3.其他",
        "other_subtotal" => "（六）其他处理",
        "results_total" => "（七）总计",
        "carried_forward" => "四、结转下年度继续办理",
        _ => "",
    }
}

/// The group label of a T3 row inside 三、本年度办理结果, if it has one.
fn t3_group(row: &str) -> Option<(&'static str, &'static str)> {
    if row == "other_subtotal" {
        return None;
    }
    for (prefix, label) in [
        ("withheld_", "（三）不予公开"),
        ("unavailable_", "（四）无法提供"),
        ("not_processed_", "（五）不予处理"),
        ("other_", "（六）其他处理"),
    ] {
        if row.starts_with(prefix) {
            return Some((prefix, label));
        }
    }
    None
}

/// The alternatives real reports write for an official label. `{y}` is the
/// statistics year, `{p}` the year before.
fn label_alternatives(official: &str) -> &'static [&'static str] {
    match official {
        "第二十条第（一）项" => &["第二十条第(一)项"],
        "第二十条第（五）项" => &["第二十条第(五)项"],
        "第二十条第（六）项" => &["第二十条第(六)项"],
        "第二十条第（八）项" => &["第二十条第(八)项"],
        "第二十条第（九）项" => &["第二十条第(九)项"],
        "本年收费金额（单位：万元）" => {
            &["本年收费金额(单位:万元)", "本年收费金额（单位:万元）"]
        }
        "规章" => &["规章（设区的市、自治州人民政府应提供相关数据）", "规 章"],
        "上一年项目数量" => &["上一年项目数量（指{p}年事项数）"],
        "本年增/减" => &["本年增/减（指{y}年增加或减少的事项数，减用负值表示，如-8）"],
        "处理决定数量" => &["处理决定数量（指{y}年办件量）"],
        "自然人" => &["自 然 人"],
        "法人或其他组织" => &["法人或者其他组织"],
        "总计" => &["总 计", "总\u{3000}计"],
        "（一）予以公开" => &["(一)予以公开"],
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" => {
            &[
                "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
                "（二）部分公开",
            ]
        }
        "（三）不予公开" => &["(三)不予公开"],
        "（四）无法提供" => &["(四)无法提供"],
        "（五）不予处理" => &["(五)不予处理"],
        "（六）其他处理" => &["(六)其他处理"],
        "3.危及“三安全一稳定”" => &["3.危及\"三安全一稳定\"", "3.危及三安全一稳定"],
        "（七）总计" => &["（七）合计", "(七)总计", "(七)合计", "（七）总 计"],
        "四、结转下年度继续办理" => &["四、结转下一年度继续办理", "四、结转下年度办理"],
        "四、政府信息公开行政复议、行政诉讼情况" => {
            &["四、因政府信息公开工作被申请行政复议和提起行政诉讼情况"]
        }
        "五、存在的主要问题及改进情况" => {
            &["五、政府信息公开工作存在的主要问题及改进情况"]
        }
        _ => &[],
    }
}

struct Labeler<'a> {
    v: &'a Variants,
    year: i32,
}

impl Labeler<'_> {
    /// The label as this report writes it.
    fn l(&self, official: &str) -> String {
        let alts = label_alternatives(official);
        if !self.v.label_variants || alts.is_empty() {
            return official.to_string();
        }
        let pick = alts[(mix(self.v.seed, official) % alts.len() as u64) as usize];
        pick.replace("{y}", &self.year.to_string())
            .replace("{p}", &(self.year - 1).to_string())
    }
}

// ---------------------------------------------------------------------------
// The document model
// ---------------------------------------------------------------------------

/// One cell of a table as the source lays it out.
#[derive(Debug, Clone, PartialEq)]
pub struct TCell {
    /// Text; `\n` marks a line break inside the cell (商业⏎企业).
    pub text: String,
    /// 0-based grid column where the cell starts.
    pub col: usize,
    /// Rows spanned (≥ 1).
    pub rowspan: usize,
    /// Columns spanned (≥ 1).
    pub colspan: usize,
    /// The canonical id, for value cells.
    pub id: Option<String>,
    /// A header cell (column heading), as opposed to a row label or value.
    pub header: bool,
}

/// One row: its origin cells in column order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TRow {
    /// The cells that start in this row.
    pub cells: Vec<TCell>,
    /// Grid columns missing at the end of the row (a dropped cell).
    pub short: usize,
    /// A header row.
    pub header: bool,
}

/// A table on its grid.
#[derive(Debug, Clone, PartialEq)]
pub struct TableModel {
    /// `t2` (or `t2.1`…`t2.5` when split), `t3`, `t4`.
    pub key: String,
    /// Grid width.
    pub ncols: usize,
    /// Rows, top to bottom.
    pub rows: Vec<TRow>,
}

/// A slot of a row in reading order: a cell that starts here, or the
/// continuation of a cell merged down from a row above.
#[derive(Debug, Clone, Copy)]
pub enum Slot<'a> {
    /// A cell starting in this row.
    Cell(&'a TCell),
    /// A vertically merged cell continuing from above (its origin).
    Cont(&'a TCell),
}

impl Slot<'_> {
    /// The grid column of the slot.
    pub fn col(&self) -> usize {
        match self {
            Slot::Cell(c) | Slot::Cont(c) => c.col,
        }
    }
}

impl TableModel {
    /// The slots of row `r`, left to right: one per origin cell, one per
    /// vertical continuation (a cell merged both ways gives one slot).
    pub fn slots(&self, r: usize) -> Vec<Slot<'_>> {
        let mut out: Vec<Slot<'_>> = self.rows[r].cells.iter().map(Slot::Cell).collect();
        for (rr, row) in self.rows.iter().enumerate().take(r) {
            for c in &row.cells {
                if rr + c.rowspan > r {
                    out.push(Slot::Cont(c));
                }
            }
        }
        out.sort_by_key(Slot::col);
        out
    }

    /// Every value cell of the table.
    pub fn value_cells(&self) -> impl Iterator<Item = &TCell> {
        self.rows
            .iter()
            .flat_map(|r| r.cells.iter())
            .filter(|c| c.id.is_some())
    }
}

struct TableBuilder {
    key: String,
    ncols: usize,
    rows: Vec<TRow>,
    busy: Vec<usize>,
}

/// A cell to place: text, colspan, rowspan, id.
type Proto = (String, usize, usize, Option<String>);

impl TableBuilder {
    fn new(key: &str, ncols: usize) -> TableBuilder {
        TableBuilder {
            key: key.to_string(),
            ncols,
            rows: Vec::new(),
            busy: vec![0; ncols],
        }
    }

    /// Places the cells left to right, skipping slots merged down from above.
    fn row(&mut self, header: bool, protos: Vec<Proto>, dropped: &BTreeSet<String>) {
        let covered: Vec<bool> = self.busy.iter().map(|b| *b > 0).collect();
        let mut col = 0;
        let mut cells = Vec::new();
        for (text, colspan, rowspan, id) in protos {
            while col < self.ncols && covered[col] {
                col += 1;
            }
            cells.push(TCell {
                text,
                col,
                rowspan,
                colspan,
                id,
                header,
            });
            col += colspan;
        }
        for (c, b) in self.busy.iter_mut().enumerate() {
            if covered[c] {
                *b -= 1;
            }
        }
        for cell in &cells {
            if cell.rowspan > 1 {
                for b in &mut self.busy[cell.col..cell.col + cell.colspan] {
                    *b = cell.rowspan - 1;
                }
            }
        }
        // A dropped cell leaves the row short; the cells after it move left.
        let mut short = 0;
        let mut kept = Vec::new();
        for mut cell in cells {
            if cell.id.as_ref().is_some_and(|id| dropped.contains(id)) {
                short += cell.colspan;
                continue;
            }
            cell.col -= short;
            kept.push(cell);
        }
        self.rows.push(TRow {
            cells: kept,
            short,
            header,
        });
    }

    fn done(self) -> TableModel {
        TableModel {
            key: self.key,
            ncols: self.ncols,
            rows: self.rows,
        }
    }
}

fn hdr(text: impl Into<String>, colspan: usize, rowspan: usize) -> Proto {
    (text.into(), colspan, rowspan, None)
}

fn val(spec: &ReportSpec, id: String, colspan: usize) -> Proto {
    (spec.text(&id).unwrap_or_default(), colspan, 1, Some(id))
}

/// Table 二 as one table, or one table per 第二十条 item.
fn t2_tables(spec: &ReportSpec, lb: &Labeler, split: bool) -> Vec<TableModel> {
    // (section title, header labels with colspans, rows: label + (col key, colspan))
    type Section = (
        &'static str,
        Vec<(&'static str, usize)>,
        Vec<(&'static str, &'static str, Vec<(&'static str, usize)>)>,
    );
    let sections: Vec<Section> = match spec.tpl() {
        Template::Y2019 => {
            let three = vec![("prev_year_items", 1), ("change", 1), ("decisions", 1)];
            let three_h = vec![
                ("信息内容", 1),
                ("上一年项目数量", 1),
                ("本年增/减", 1),
                ("处理决定数量", 1),
            ];
            vec![
                (
                    "第二十条第（一）项",
                    vec![
                        ("信息内容", 1),
                        ("本年新制作数量", 1),
                        ("本年新公开数量", 1),
                        ("对外公开总数量", 1),
                    ],
                    vec![
                        (
                            "regulations",
                            "规章",
                            vec![("made", 1), ("published", 1), ("total_published", 1)],
                        ),
                        (
                            "normative_docs",
                            "规范性文件",
                            vec![("made", 1), ("published", 1), ("total_published", 1)],
                        ),
                    ],
                ),
                (
                    "第二十条第（五）项",
                    three_h.clone(),
                    vec![
                        ("licensing", "行政许可", three.clone()),
                        ("other_services", "其他对外管理服务事项", three.clone()),
                    ],
                ),
                (
                    "第二十条第（六）项",
                    three_h,
                    vec![
                        ("penalty", "行政处罚", three.clone()),
                        ("coercion", "行政强制", three),
                    ],
                ),
                (
                    "第二十条第（八）项",
                    vec![("信息内容", 1), ("上一年项目数量", 1), ("本年增/减", 2)],
                    vec![(
                        "fees",
                        "行政事业性收费",
                        vec![("prev_year_items", 1), ("change", 2)],
                    )],
                ),
                (
                    "第二十条第（九）项",
                    vec![("信息内容", 1), ("采购项目数量", 1), ("采购总金额", 2)],
                    vec![(
                        "procurement",
                        "政府集中采购",
                        vec![("project_count", 1), ("total_amount", 2)],
                    )],
                ),
            ]
        }
        _ => vec![
            (
                "第二十条第（一）项",
                vec![
                    ("信息内容", 1),
                    ("本年制发件数", 1),
                    ("本年废止件数", 1),
                    ("现行有效件数", 1),
                ],
                vec![
                    (
                        "regulations",
                        "规章",
                        vec![("issued", 1), ("repealed", 1), ("in_force", 1)],
                    ),
                    (
                        "normative_docs",
                        "行政规范性文件",
                        vec![("issued", 1), ("repealed", 1), ("in_force", 1)],
                    ),
                ],
            ),
            (
                "第二十条第（五）项",
                vec![("信息内容", 1), ("本年处理决定数量", 3)],
                vec![("licensing", "行政许可", vec![("decisions", 3)])],
            ),
            (
                "第二十条第（六）项",
                vec![("信息内容", 1), ("本年处理决定数量", 3)],
                vec![
                    ("penalty", "行政处罚", vec![("decisions", 3)]),
                    ("coercion", "行政强制", vec![("decisions", 3)]),
                ],
            ),
            (
                "第二十条第（八）项",
                vec![("信息内容", 1), ("本年收费金额（单位：万元）", 3)],
                vec![("fees", "行政事业性收费", vec![("amount_wan_yuan", 3)])],
            ),
        ],
    };
    let table = if spec.tpl() == Template::Y2019 {
        "t2_2019"
    } else {
        "t2"
    };
    let mut out = Vec::new();
    let mut b = TableBuilder::new("t2", 4);
    for (i, (title, heads, rows)) in sections.into_iter().enumerate() {
        if split {
            b = TableBuilder::new(&format!("t2.{}", i + 1), 4);
        }
        b.row(true, vec![hdr(lb.l(title), 4, 1)], &spec.dropped);
        b.row(
            true,
            heads.iter().map(|(h, cs)| hdr(lb.l(h), *cs, 1)).collect(),
            &spec.dropped,
        );
        for (row, label, cols) in rows {
            let mut protos = vec![(lb.l(label), 1, 1, None)];
            for (col, cs) in cols {
                protos.push(val(spec, format!("{table}.{row}.{col}"), cs));
            }
            b.row(false, protos, &spec.dropped);
        }
        if split {
            out.push(b.done());
            b = TableBuilder::new("t2", 4);
        }
    }
    if !split {
        out.push(b.done());
    }
    out
}

fn t3_table(spec: &ReportSpec, lb: &Labeler) -> TableModel {
    let tpl = spec.tpl();
    let mut b = TableBuilder::new("t3", 10);
    let d = &spec.dropped;
    b.row(
        true,
        vec![hdr(T3_NOTE, 3, 3), hdr(lb.l("申请人情况"), 7, 1)],
        d,
    );
    b.row(
        true,
        vec![
            hdr(lb.l("自然人"), 1, 2),
            hdr(lb.l("法人或其他组织"), 5, 1),
            hdr(lb.l("总计"), 1, 2),
        ],
        d,
    );
    b.row(
        true,
        [
            "商业\n企业",
            "科研\n机构",
            "社会公益组织",
            "法律服务机构",
            "其他",
        ]
        .iter()
        .map(|h| hdr(*h, 1, 1))
        .collect(),
        d,
    );
    let rows: &[&str] = match tpl {
        Template::Y2019 => schema::T3_ROWS_2019,
        _ => schema::T3_ROWS_2021,
    };
    let block = schema::t3_result_rows(tpl).len() + 1; // + results_total
    let mut prev_group = None;
    for row in rows {
        let mut protos = Vec::new();
        match *row {
            "new_received" | "carried_over" | "carried_forward" => {
                protos.push((lb.l(t3_label(row)), 3, 1, None));
            }
            _ => {
                if *row == "disclosed" {
                    protos.push(hdr("三、本年度办理结果", 1, block));
                }
                match t3_group(row) {
                    Some((prefix, label)) => {
                        if prev_group != Some(prefix) {
                            let n = rows.iter().filter(|r| r.starts_with(prefix)).count();
                            protos.push(hdr(lb.l(label), 1, n));
                        }
                        prev_group = Some(prefix);
                        protos.push((lb.l(t3_label(row)), 1, 1, None));
                    }
                    None => {
                        prev_group = None;
                        protos.push((lb.l(t3_label(row)), 2, 1, None));
                    }
                }
            }
        }
        for col in schema::T3_COLS {
            protos.push(val(spec, format!("t3.{row}.{col}"), 1));
        }
        b.row(false, protos, d);
    }
    // The group cells are row labels, not column headings.
    let mut t = b.done();
    for row in t.rows.iter_mut().skip(3) {
        for c in &mut row.cells {
            c.header = false;
        }
    }
    t
}

fn t4_table(spec: &ReportSpec, lb: &Labeler) -> TableModel {
    let mut b = TableBuilder::new("t4", 15);
    let d = &spec.dropped;
    let total = lb.l("总计");
    b.row(
        true,
        vec![hdr(lb.l("行政复议"), 5, 1), hdr(lb.l("行政诉讼"), 10, 1)],
        d,
    );
    b.row(
        true,
        vec![
            hdr("结果维持", 1, 2),
            hdr("结果\n纠正", 1, 2),
            hdr("其他\n结果", 1, 2),
            hdr("尚未\n审结", 1, 2),
            hdr(total.clone(), 1, 2),
            hdr("未经复议直接起诉", 5, 1),
            hdr("复议后起诉", 5, 1),
        ],
        d,
    );
    let mut third = Vec::new();
    for _ in 0..2 {
        for h in ["结果\n维持", "结果\n纠正", "其他\n结果", "尚未\n审结"] {
            third.push(hdr(h, 1, 1));
        }
        third.push(hdr(total.clone(), 1, 1));
    }
    b.row(true, third, d);
    b.row(
        false,
        schema::t4_ids()
            .into_iter()
            .map(|id| val(spec, id, 1))
            .collect(),
        d,
    );
    b.done()
}

/// A block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The report title.
    Title(String),
    /// A section heading (一、…六、).
    Heading(String),
    /// A paragraph of running text.
    Para(String),
    /// A table.
    Table(TableModel),
}

/// A report as a sequence of blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct DocModel {
    /// The blocks in reading order.
    pub blocks: Vec<Block>,
}

impl DocModel {
    /// The tables, in order.
    pub fn tables(&self) -> Vec<&TableModel> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .collect()
    }
}

fn intro(spec: &ReportSpec) -> String {
    let y = spec.year;
    let title = spec.title();
    match spec.tpl() {
        Template::Y2019 => format!(
            "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知》（国办公开办函〔2019〕60号）要求编制。本报告中所列数据的统计期限自{y}年1月1日至{y}年12月31日止。"
        ),
        _ => format!(
            "按照《中华人民共和国政府信息公开条例》（国务院令第711号）规定和《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）要求，现发布《{title}》。本报告中所列数据的统计期限自{y}年1月1日至{y}年12月31日止。"
        ),
    }
}

/// The document model of a (prepared) spec.
pub fn doc_model(spec: &ReportSpec, v: &Variants) -> DocModel {
    let lb = Labeler { v, year: spec.year };
    let mut blocks = vec![Block::Title(spec.title()), Block::Para(intro(spec))];
    blocks.push(Block::Heading(lb.l(HEADINGS[0])));
    blocks.extend(spec.narrative.iter().cloned().map(Block::Para));
    blocks.push(Block::Heading(lb.l(HEADINGS[1])));
    blocks.extend(
        t2_tables(spec, &lb, v.t2_split)
            .into_iter()
            .map(Block::Table),
    );
    blocks.push(Block::Heading(lb.l(HEADINGS[2])));
    blocks.push(Block::Table(t3_table(spec, &lb)));
    blocks.push(Block::Heading(lb.l(HEADINGS[3])));
    blocks.push(Block::Table(t4_table(spec, &lb)));
    blocks.push(Block::Heading(lb.l(HEADINGS[4])));
    blocks.push(Block::Para(format!(
        "{}年，{}政府信息公开工作取得一定成效，但仍存在主动公开内容不够全面、政策解读形式较为单一等问题。",
        spec.year, spec.agency
    )));
    blocks.push(Block::Para(format!(
        "{}年，将进一步完善工作机制，加强业务培训，持续提升政府信息公开质量和实效。",
        spec.year + 1
    )));
    blocks.push(Block::Heading(lb.l(HEADINGS[5])));
    blocks.push(Block::Para(match spec.tpl() {
        Template::Y2019 => "无其他需要报告的事项。".to_string(),
        _ => format!(
            "本机关{}年度未收取政府信息公开信息处理费。无其他需要报告的事项。",
            spec.year
        ),
    }));
    DocModel { blocks }
}

// ---------------------------------------------------------------------------
// Text: the seed's tab-paste layout
// ---------------------------------------------------------------------------

/// The report as the seed pastes it: title, a blank line, the intro with
/// the statistics period, headings and paragraphs one per line; each table
/// row is one line per cell starting with a tab (the cell's extra lines
/// follow without a tab), rows separated by a blank line, two blank lines
/// after a table; a cell merged down leaves one empty `\t` line in each
/// continuation row, a cell merged across is one cell. A short row is
/// followed directly (no blank line) by the next row, whose first line
/// starts with a space, as in the seed.
pub fn to_text(spec: &ReportSpec, v: &Variants) -> String {
    let spec = prepare(spec, v);
    let doc = doc_model(&spec, v);
    let mut out = String::new();
    for block in &doc.blocks {
        match block {
            Block::Title(t) => {
                out.push_str(t);
                out.push_str("\n\n");
            }
            Block::Heading(t) | Block::Para(t) => {
                out.push_str(t);
                out.push('\n');
            }
            Block::Table(t) => {
                let mut glue = false;
                for r in 0..t.rows.len() {
                    if r > 0 && !glue {
                        out.push('\n');
                    }
                    let mut first = true;
                    for slot in t.slots(r) {
                        if first && glue {
                            out.push(' ');
                        }
                        first = false;
                        out.push('\t');
                        if let Slot::Cell(c) = slot {
                            out.push_str(&c.text);
                        }
                        out.push('\n');
                    }
                    glue = t.rows[r].short > 0;
                }
                out.push_str("\n\n");
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// HTML: a CMS page around a Word-export body
// ---------------------------------------------------------------------------

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            _ => o.push(c),
        }
    }
    o
}

/// Word's runs: ASCII stretches (digits, Latin) in `lang=EN-US` spans.
fn html_runs(text: &str) -> String {
    let mut out = String::new();
    let mut buf = String::new();
    let mut ascii = None;
    let flush = |out: &mut String, buf: &mut String, ascii: Option<bool>| {
        if buf.is_empty() {
            return;
        }
        if ascii == Some(true) {
            out.push_str(&format!("<span lang=EN-US>{}</span>", esc(buf)));
        } else {
            out.push_str(&esc(buf));
        }
        buf.clear();
    };
    for ch in text.chars() {
        let a = ch.is_ascii() && ch != ' ';
        if ascii != Some(a) {
            flush(&mut out, &mut buf, ascii);
            ascii = Some(a);
        }
        buf.push(ch);
    }
    flush(&mut out, &mut buf, ascii);
    out
}

fn col_widths_px(t: &TableModel) -> Vec<u32> {
    match t.key.as_str() {
        "t3" => vec![38, 62, 236, 46, 46, 46, 50, 50, 42, 46],
        "t4" => vec![43; 15],
        _ => vec![150; 4],
    }
}

fn html_table(t: &TableModel, upper: bool) -> String {
    let widths = col_widths_px(t);
    let total: u32 = widths.iter().sum();
    let (tb, tr, td, etr, etd, etb) = if upper {
        ("TABLE", "TR", "TD", "</TR>", "", "</TABLE>")
    } else {
        ("table", "tr", "td", "</tr>", "</td>", "</table>")
    };
    let mut h = format!(
        "<div align=center>\n<{tb} class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width={total} style='width:{:.1}pt;border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>\n",
        f64::from(total) * 0.75
    );
    let n = t.rows.len();
    for (ri, row) in t.rows.iter().enumerate() {
        let mut flags = format!("mso-yfti-irow:{ri}");
        if ri == 0 {
            flags.push_str(";mso-yfti-firstrow:yes");
        }
        if ri + 1 == n {
            flags.push_str(";mso-yfti-lastrow:yes");
        }
        let height = if row.header { "28.5" } else { "20.1" };
        h.push_str(&format!("<{tr} style='{flags};height:{height}pt'>\n"));
        for c in &row.cells {
            let w: u32 = widths[c.col..(c.col + c.colspan).min(widths.len())]
                .iter()
                .sum();
            let mut attrs = format!("width={w}");
            if c.colspan > 1 {
                attrs.push_str(&format!(" colspan={}", c.colspan));
            }
            if c.rowspan > 1 {
                attrs.push_str(&format!(" rowspan={}", c.rowspan));
            }
            let mut border = String::new();
            if ri > 0 {
                border.push_str("border-top:none;");
            }
            if c.col > 0 {
                border.push_str("border-left:none;");
            }
            if c.id.is_some() {
                // Value cells: Word keeps them short.
                h.push_str(&format!("<{td} {attrs} style='{border}'>"));
                let inner = if c.text.trim().is_empty() {
                    format!(
                        "<o:p>{}</o:p>",
                        if c.text.is_empty() {
                            "&nbsp;".to_string()
                        } else {
                            esc(&c.text)
                        }
                    )
                } else {
                    esc(&c.text)
                };
                h.push_str(&format!(
                    "<p class=MsoNormal align=center><span lang=EN-US>{inner}</span></p>{etd}\n"
                ));
                continue;
            }
            let align = if c.header { "center" } else { "left" };
            // Header cells carry Word's full inline style, row labels less.
            let open = if row.header {
                h.push_str(&format!(
                    "<{td} {attrs} valign=center style='width:{:.1}pt;{border}padding:0cm 5.4pt'>",
                    f64::from(w) * 0.75
                ));
                format!("<p class=MsoNormal align={align} style='text-align:{align}'><span style='font-size:10.0pt;font-family:宋体'>")
            } else {
                h.push_str(&format!("<{td} {attrs} style='{border}'>"));
                "<p class=MsoNormal><span style='font-family:宋体'>".to_string()
            };
            if t.key == "t4" {
                let lines: Vec<String> = c.text.split('\n').map(html_runs).collect();
                h.push_str(&format!(
                    "{open}{}<o:p></o:p></span></p>",
                    lines.join("<br>")
                ));
            } else {
                for line in c.text.split('\n') {
                    h.push_str(&format!("{open}{}<o:p></o:p></span></p>", html_runs(line)));
                }
            }
            h.push_str(&format!("{etd}\n"));
        }
        h.push_str(&format!("{etr}\n"));
    }
    h.push_str(&format!("{etb}\n</div>\n"));
    h
}

fn html_body(doc: &DocModel) -> String {
    let mut h = String::new();
    let mut first_para = true;
    for block in &doc.blocks {
        match block {
            Block::Title(t) => h.push_str(&format!(
                "<p class=MsoNormal align=center style='text-align:center;line-height:28.0pt;mso-line-height-rule:exactly'><b><span style='font-size:22.0pt;font-family:方正小标宋简体;mso-hansi-font-family:宋体'>{}<span lang=EN-US><o:p></o:p></span></span></b></p>\n<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>\n",
                html_runs(t)
            )),
            Block::Heading(t) => h.push_str(&format!(
                "<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt;mso-line-height-rule:exactly'><span style='font-size:16.0pt;font-family:黑体;mso-hansi-font-family:宋体'>{}<span lang=EN-US><o:p></o:p></span></span></p>\n",
                html_runs(t)
            )),
            Block::Para(t) => {
                let font = if first_para { "仿宋_GB2312" } else { "仿宋" };
                first_para = false;
                h.push_str(&format!(
                    "<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt;mso-line-height-rule:exactly'><span style='font-size:16.0pt;font-family:{font}'>{}<span lang=EN-US><o:p></o:p></span></span></p>\n",
                    html_runs(t)
                ));
            }
            Block::Table(t) => {
                h.push_str(&html_table(t, t.key == "t4"));
                h.push_str("<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>\n");
            }
        }
    }
    h
}

/// A whole CMS page: navigation, the 索引号/发布机构 metadata table (a table
/// that is not part of the report), the report in Word-export markup
/// (`MsoNormal` paragraphs, `<o:p>`, `lang=EN-US` spans, `&nbsp;` in blank
/// cells, real `colspan`/`rowspan`; table 四 in uppercase tags without
/// `</TD>`), a footer and scripts (one holds `'<td>'` in a string).
/// `gbk` gives GBK bytes with `<meta charset="gb2312">`.
pub fn to_html(spec: &ReportSpec, v: &Variants, gbk: bool) -> Vec<u8> {
    let spec = prepare(spec, v);
    let doc = doc_model(&spec, v);
    let title = spec.title();
    let agency = &spec.agency;
    let pub_year = spec.year + 1;
    let day = 10 + (mix(v.seed, &title) % 19);
    let date = format!("{pub_year}-01-{day:02}");
    let index = format!(
        "{:08}/{pub_year}-{:05}",
        mix(1, agency) % 100_000_000,
        mix(2, &title) % 100_000
    );
    let charset = if gbk {
        "<meta charset=\"gb2312\">".to_string()
    } else {
        "<meta charset=\"utf-8\">".to_string()
    };
    let mut p = String::new();
    p.push_str("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n");
    p.push_str("<html xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n");
    p.push_str(&charset);
    p.push('\n');
    p.push_str("<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n");
    p.push_str(&format!(
        "<meta name=\"SiteName\" content=\"{a}门户网站\">\n<meta name=\"ColumnName\" content=\"政府信息公开年报\">\n<meta name=\"ArticleTitle\" content=\"{t}\">\n<meta name=\"PubDate\" content=\"{date} 09:30\">\n<meta name=\"ContentSource\" content=\"{a}\">\n",
        a = esc(agency),
        t = esc(&title)
    ));
    p.push_str(&format!(
        "<title>{}_政府信息公开年报_{}门户网站</title>\n",
        esc(&title),
        esc(agency)
    ));
    p.push_str("<link rel=\"stylesheet\" type=\"text/css\" href=\"/images/common.css\">\n<link rel=\"stylesheet\" type=\"text/css\" href=\"/images/xxgk_detail.css\">\n<script type=\"text/javascript\" src=\"/js/jquery-1.12.4.min.js\"></script>\n");
    p.push_str("<script type=\"text/javascript\">\nvar _hmt = _hmt || [];\n(function() {\n  var hm = document.createElement(\"script\");\n  hm.src = \"https://hm.example.cn/hm.js?0f1e2d3c\";\n  var s = document.getElementsByTagName(\"script\")[0];\n  s.parentNode.insertBefore(hm, s);\n})();\n</script>\n</head>\n<body>\n");
    p.push_str(&format!(
        "<div class=\"top\"><div class=\"w1200\"><span>欢迎访问{a}门户网站！</span><a href=\"javascript:;\" id=\"wza\">无障碍浏览</a> | <a href=\"/wap/\">手机版</a> | <a href=\"javascript:;\">繁體</a></div></div>\n<div class=\"header\"><div class=\"w1200\"><a href=\"/\"><img src=\"/images/logo.png\" alt=\"{a}\"></a><form class=\"search\" action=\"/search/\"><input type=\"text\" name=\"q\" placeholder=\"请输入关键字\"><button type=\"submit\">搜索</button></form></div></div>\n",
        a = esc(agency)
    ));
    p.push_str("<div class=\"nav\"><ul><li><a href=\"/\">首页</a></li><li><a href=\"/zwgk/\">政务公开</a></li><li><a href=\"/bsfw/\">政务服务</a></li><li><a href=\"/hdjl/\">互动交流</a></li><li><a href=\"/ztzl/\">专题专栏</a></li></ul></div>\n");
    p.push_str("<div class=\"position w1200\">当前位置：<a href=\"/\">首页</a> &gt; <a href=\"/zwgk/\">政务公开</a> &gt; <a href=\"/zwgk/xxgknb/\">政府信息公开年报</a></div>\n");
    p.push_str(&format!(
        "<div class=\"xxgk_info w1200\">\n<table class=\"xxgk_table\" width=\"100%\" border=\"0\" cellspacing=\"0\" cellpadding=\"0\">\n<tr><td class=\"t1\">索引号：</td><td>{index}</td><td class=\"t1\">主题分类：</td><td>政务公开</td></tr>\n<tr><td class=\"t1\">发布机构：</td><td>{a}</td><td class=\"t1\">成文日期：</td><td>{date}</td></tr>\n<tr><td class=\"t1\">名　　称：</td><td colspan=\"3\">{t}</td></tr>\n<tr><td class=\"t1\">文　　号：</td><td></td><td class=\"t1\">发布日期：</td><td>{date}</td></tr>\n</table>\n</div>\n",
        a = esc(agency),
        t = esc(&title)
    ));
    p.push_str(&format!(
        "<div class=\"article w1200\">\n<h1 class=\"article_title\">{t}</h1>\n<div class=\"article_info\"><span>发布时间：{date}</span><span>来源：{a}</span><span>浏览次数：<script>document.write(readCount('{index}'))</script></span><span>字号：<a href=\"javascript:doZoom(18)\">大</a> <a href=\"javascript:doZoom(16)\">中</a> <a href=\"javascript:doZoom(14)\">小</a></span></div>\n<div class=\"article_content\" id=\"zoom\">\n<div class=TRS_Editor>\n<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View><w:Zoom>0</w:Zoom><w:PunctuationKerning/></w:WordDocument></xml><![endif]-->\n",
        a = esc(agency),
        t = esc(&title)
    ));
    p.push_str(&html_body(&doc));
    p.push_str("</div>\n</div>\n<div class=\"article_tools\"><a href=\"javascript:window.print();\">打印本页</a> <a href=\"javascript:window.close();\">关闭窗口</a></div>\n</div>\n");
    p.push_str(&format!(
        "<div class=\"footer\"><div class=\"w1200\"><p>主办单位：{a}办公室　承办单位：{a}政务数据服务中心</p><p>网站标识码：{code}　<a href=\"https://beian.miit.gov.cn/\" target=\"_blank\">X ICP备{icp}号</a>　<img src=\"/images/ga.png\">公网安备 {code}号</p><p><a href=\"/zwzdb/lxwm/\">联系我们</a> | <a href=\"/zwzdb/wzdt/\">网站地图</a> | <a href=\"/zwzdb/sybz/\">使用帮助</a></p></div></div>\n",
        a = esc(agency),
        code = mix(3, agency) % 10_000_000_000,
        icp = mix(4, agency) % 100_000_000
    ));
    p.push_str("<script type=\"text/javascript\">\nfunction doZoom(size) { document.getElementById('zoom').style.fontSize = size + 'px'; }\nfunction readCount(id) { return '<span id=\"rc\">--</span>'; }\nvar relTpl = '<table class=\"rel\"><tr><td>' + '相关链接' + '</td><td>' + '</td></tr></table>';\n$(function(){ $('#wza').click(function(){ window.aria && aria.start(); }); });\n</script>\n</body>\n</html>\n");
    if gbk {
        let (bytes, _, _) = encoding_rs::GBK.encode(&p);
        bytes.into_owned()
    } else {
        p.into_bytes()
    }
}

// ---------------------------------------------------------------------------
// DOCX, XLSX, ODS (see `office`)
// ---------------------------------------------------------------------------

/// The report as a `.docx`, written the way `style`'s producer writes it:
/// `w:gridSpan` and `w:vMerge` exactly as in the official template (the
/// note cell 3 rows × 3 columns, 三、本年度办理结果 merged over 22 rows in
/// 2021 and 20 in 2019, table 四's header 3 rows deep); a short row ends
/// with `w:gridAfter`.
pub fn to_docx(spec: &ReportSpec, v: &Variants, style: DocxStyle) -> Vec<u8> {
    let spec = prepare(spec, v);
    let doc = doc_model(&spec, v);
    office::docx(&spec, &doc, style)
}

/// The report as an `.xlsx` (rust_xlsxwriter): the tables on one sheet
/// under the title and section headings, merges as merged ranges, plain
/// numbers stored as numbers (the fee with a `0.00` format), overridden
/// texts (`/`, `１２`, `1,234`, `251000元`) as strings.
pub fn to_xlsx(spec: &ReportSpec, v: &Variants) -> Vec<u8> {
    let spec = prepare(spec, v);
    office::xlsx(&spec, &sheet_model(&spec, v))
}

/// The report as an `.ods`: `mimetype` stored first, `META-INF/manifest.xml`,
/// `content.xml` with `table:number-columns-spanned` /
/// `table:number-rows-spanned`, `table:covered-table-cell` and
/// `table:number-columns-repeated` as LibreOffice writes them.
pub fn to_ods(spec: &ReportSpec, v: &Variants) -> Vec<u8> {
    let spec = prepare(spec, v);
    office::ods(&spec, &sheet_model(&spec, v))
}

// ---------------------------------------------------------------------------
// Spreadsheet model, CSV
// ---------------------------------------------------------------------------

/// A cell of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SCell {
    /// 0-based row.
    pub row: usize,
    /// 0-based column.
    pub col: usize,
    /// The text (`\n` for a line break).
    pub text: String,
    /// The number, when the text is a plain number (stored as a number).
    pub number: Option<f64>,
    /// Digits after the decimal point in the text (for the number format).
    pub decimals: usize,
    /// Rows spanned.
    pub rowspan: usize,
    /// Columns spanned.
    pub colspan: usize,
    /// Inside a table (bordered).
    pub boxed: bool,
    /// The title or a heading.
    pub bold: bool,
    /// A row label inside a table (left-aligned).
    pub label: bool,
}

/// A sheet: cells on a grid with merged ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetModel {
    /// Sheet name.
    pub name: String,
    /// The cells (origins of merges included; covered slots are absent).
    pub cells: Vec<SCell>,
    /// Rows used.
    pub nrows: usize,
    /// Columns used.
    pub ncols: usize,
    /// Column widths in characters.
    pub widths: Vec<f64>,
}

fn plain_number(text: &str) -> Option<(f64, usize)> {
    let t = text;
    let body = t.strip_prefix('-').unwrap_or(t);
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    if body.starts_with('.') || body.ends_with('.') || body.matches('.').count() > 1 {
        return None;
    }
    let decimals = body.split_once('.').map_or(0, |(_, d)| d.len());
    t.parse().ok().map(|n| (n, decimals))
}

/// The sheet layout of a (prepared) spec: the title merged across the
/// top, then for each table a heading row and the table on its official
/// grid (a blank row between tables). A short row's cells move left.
pub fn sheet_model(spec: &ReportSpec, v: &Variants) -> SheetModel {
    let doc = doc_model(spec, v);
    let ncols = 15;
    let mut cells = Vec::new();
    let mut row = 0;
    let text_cell = |row, text: &str, bold| SCell {
        row,
        col: 0,
        text: text.to_string(),
        number: None,
        decimals: 0,
        rowspan: 1,
        colspan: 1,
        boxed: false,
        bold,
        label: false,
    };
    let mut pending_heading: Option<String> = None;
    for block in &doc.blocks {
        match block {
            Block::Title(t) => {
                let mut c = text_cell(row, t, true);
                c.colspan = ncols;
                cells.push(c);
                row += 2;
            }
            Block::Heading(h) => pending_heading = Some(h.clone()),
            Block::Para(_) => {}
            Block::Table(t) => {
                if let Some(h) = pending_heading.take() {
                    if row > 2 {
                        row += 1;
                    }
                    cells.push(text_cell(row, &h, true));
                    row += 1;
                } else {
                    row += 1;
                }
                for (ri, trow) in t.rows.iter().enumerate() {
                    let mut seen = vec![false; t.ncols];
                    for c in &trow.cells {
                        let (number, decimals) = match (&c.id, plain_number(&c.text)) {
                            (Some(_), Some((n, d))) => (Some(n), d),
                            _ => (None, 0),
                        };
                        for s in &mut seen[c.col..c.col + c.colspan] {
                            *s = true;
                        }
                        cells.push(SCell {
                            row: row + ri,
                            col: c.col,
                            text: c.text.clone(),
                            number,
                            decimals,
                            rowspan: c.rowspan,
                            colspan: c.colspan,
                            boxed: true,
                            bold: false,
                            label: !c.header && c.id.is_none(),
                        });
                    }
                    // Covered slots of merges from above.
                    for slot in t.slots(ri) {
                        if let Slot::Cont(c) = slot {
                            for s in &mut seen[c.col..c.col + c.colspan] {
                                *s = true;
                            }
                        }
                    }
                    // The empty end of a short row still has its border.
                    for (col, s) in seen.iter().enumerate() {
                        if !s {
                            cells.push(SCell {
                                row: row + ri,
                                col,
                                text: String::new(),
                                number: None,
                                decimals: 0,
                                rowspan: 1,
                                colspan: 1,
                                boxed: true,
                                bold: false,
                                label: false,
                            });
                        }
                    }
                }
                row += t.rows.len();
            }
        }
    }
    let mut widths = vec![9.0; ncols];
    widths[0] = 14.0;
    widths[1] = 12.0;
    widths[2] = 30.0;
    widths[3] = 12.0;
    SheetModel {
        name: if spec.tpl() == Template::Y2019 {
            format!("{}年报", spec.year)
        } else {
            "年度报告".to_string()
        },
        cells,
        nrows: row,
        ncols,
        widths,
    }
}

/// The report as CSV, as Excel saves a sheet: the title, then each table
/// with its heading row before it, merges flattened (the text only in the
/// merge's top-left cell), every line padded to 15 fields, CRLF line ends.
/// UTF-8 with a BOM (Excel's "CSV UTF-8"), or GBK without one.
pub fn to_csv(spec: &ReportSpec, v: &Variants, gbk: bool) -> Vec<u8> {
    let spec = prepare(spec, v);
    let sheet = sheet_model(&spec, v);
    let mut grid = vec![vec![String::new(); sheet.ncols]; sheet.nrows];
    for c in &sheet.cells {
        grid[c.row][c.col] = c.text.clone();
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in &grid {
        // The csv crate only fails on I/O, and a Vec does not fail.
        w.write_record(row).expect("write to a Vec");
    }
    let body = String::from_utf8(w.into_inner().expect("flush to a Vec")).unwrap_or_default();
    if gbk {
        encoding_rs::GBK.encode(&body).0.into_owned()
    } else {
        let mut out = vec![0xEF, 0xBB, 0xBF];
        out.extend_from_slice(body.as_bytes());
        out
    }
}

// ---------------------------------------------------------------------------
// What a correct reader must output
// ---------------------------------------------------------------------------

const NONE_MARKERS: &[&str] = &[
    "/",
    "-",
    "—",
    "－",
    "——",
    "／",
    "无",
    "暂无",
    "空",
    "不涉及",
    "–",
];

/// How a correct reader reads one cell's text: its state and value.
/// Blank (empty, `&nbsp;`, U+3000) and none-markers give no value; full-width
/// digits, thousands separators, a leading `+` and a unit written in the
/// cell are handled; `元` in the fee cell is converted to 万元 and `万元`
/// in the procurement cell to 元. Amounts keep a decimal (`Num::Dec`) when
/// the text has a decimal point; compare them with `as_f64`.
pub fn read_cell(id: &str, text: &str) -> (CellState, Option<Num>) {
    let t: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFF10 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '＋' => '+',
            _ => c,
        })
        .collect();
    let t = t.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}');
    if t.is_empty() {
        return (CellState::Blank, None);
    }
    if NONE_MARKERS.contains(&t) {
        return (CellState::Marker, None);
    }
    let (t, unit) = if let Some(s) = t.strip_suffix("万元") {
        (s, Some("万元"))
    } else if let Some(s) = t.strip_suffix('元') {
        (s, Some("元"))
    } else if let Some(s) = t.strip_suffix('件') {
        (s, None)
    } else {
        (t, None)
    };
    let cleaned: String = t
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{a0}'))
        .map(|c| if c == '−' { '-' } else { c })
        .collect();
    let cleaned = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    let Some((n, decimals)) = plain_number(cleaned) else {
        return (CellState::Text, None);
    };
    let fee = id == amount_id(Template::Y2021);
    let procurement = id == amount_id(Template::Y2019);
    let value = match (unit, fee, procurement) {
        (Some("元"), true, _) => Num::Dec(n / 10_000.0),
        (Some("万元"), _, true) => {
            let y = n * 10_000.0;
            if y.fract() == 0.0 && decimals == 0 {
                Num::Int(y as i64)
            } else {
                Num::Dec(y)
            }
        }
        _ if decimals > 0 => Num::Dec(n),
        _ => Num::Int(n as i64),
    };
    (CellState::Ok, Some(value))
}

/// The state of every canonical cell a correct reader reports for this
/// (prepared) spec: `ok`, `blank`, `marker`, `missing` (dropped cells),
/// and for the 2019 template the `mapped` 2021 keys.
pub fn expected_states(spec: &ReportSpec) -> BTreeMap<String, CellState> {
    expected_cells(spec)
        .into_iter()
        .map(|(id, (s, _))| (id, s))
        .collect()
}

/// The value of every canonical cell a correct reader outputs for this
/// (prepared) spec: `None` for blank, marker and dropped cells. For the
/// 2019 template, `t2.licensing/penalty/coercion.decisions` are the mapped
/// 2019 `decisions`.
pub fn expected_values(spec: &ReportSpec) -> BTreeMap<String, Option<Num>> {
    expected_cells(spec)
        .into_iter()
        .map(|(id, (_, v))| (id, v))
        .collect()
}

/// [`expected_values`] of `prepare(spec, v)`.
pub fn expected(spec: &ReportSpec, v: &Variants) -> BTreeMap<String, Option<Num>> {
    expected_values(&prepare(spec, v))
}

fn expected_cells(spec: &ReportSpec) -> BTreeMap<String, (CellState, Option<Num>)> {
    let mut out = BTreeMap::new();
    for id in spec.ids() {
        let cell = match spec.text(&id) {
            None => (CellState::Missing, None),
            Some(t) => read_cell(&id, &t),
        };
        out.insert(id, cell);
    }
    // A dropped table-三 cell is derived from its row total when the rest
    // of the row is written (the normaliser's T3-ROW-TOTAL derivation).
    for id in &spec.dropped {
        let Some(rest) = id.strip_prefix("t3.") else {
            continue;
        };
        let Some((row, col)) = rest.split_once('.') else {
            continue;
        };
        let get = |c: &str| -> Option<i64> {
            match out.get(&format!("t3.{row}.{c}")) {
                Some((CellState::Blank | CellState::Marker, _)) => Some(0),
                Some((CellState::Ok, Some(v))) => v.as_i64(),
                _ => None,
            }
        };
        let value = if col == "total" {
            schema::T3_APPLICANT_COLS
                .iter()
                .map(|c| get(c))
                .sum::<Option<i64>>()
        } else {
            let others: Option<i64> = schema::T3_APPLICANT_COLS
                .iter()
                .filter(|c| **c != col)
                .map(|c| get(c))
                .sum();
            get("total")
                .zip(others)
                .map(|(t, o)| t - o)
                .filter(|v| *v >= 0)
        };
        if let Some(v) = value {
            out.insert(id.clone(), (CellState::Derived, Some(Num::Int(v))));
        }
    }
    if spec.tpl() == Template::Y2019 {
        for row in ["licensing", "penalty", "coercion"] {
            let (s, v) = out[&format!("t2_2019.{row}.decisions")];
            let s = if v.is_some() { CellState::Mapped } else { s };
            out.insert(format!("t2.{row}.decisions"), (s, v));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Relations (for tests of `consistent`)
// ---------------------------------------------------------------------------

/// Every relation of FORMAT.md §1.6 that fails on the spec's `values`
/// (blank = 0), as readable strings; empty when the report is consistent.
pub fn broken_relations(spec: &ReportSpec) -> Vec<String> {
    let tpl = spec.tpl();
    let mut bad = Vec::new();
    let rows: &[&str] = match tpl {
        Template::Y2019 => schema::T3_ROWS_2019,
        _ => schema::T3_ROWS_2021,
    };
    for col in schema::T3_COLS {
        let g = |row: &str| spec.v(&format!("t3.{row}.{col}"));
        let sum: i64 = schema::t3_result_rows(tpl).iter().map(|r| g(r)).sum();
        if sum != g("results_total") {
            bad.push(format!(
                "T3-RESULTS-SUM {col}: {sum} ≠ {}",
                g("results_total")
            ));
        }
        let l = g("new_received") + g("carried_over");
        let r = g("results_total") + g("carried_forward");
        if l != r {
            bad.push(format!("T3-BALANCE {col}: {l} ≠ {r}"));
        }
    }
    for row in rows {
        let sum: i64 = schema::T3_APPLICANT_COLS
            .iter()
            .map(|c| spec.v(&format!("t3.{row}.{c}")))
            .sum();
        let total = spec.v(&format!("t3.{row}.total"));
        if sum != total {
            bad.push(format!("T3-ROW-TOTAL {row}: {sum} ≠ {total}"));
        }
    }
    for g in schema::T4_GROUPS {
        let sum: i64 = ["upheld", "corrected", "other", "pending"]
            .iter()
            .map(|c| spec.v(&format!("t4.{g}.{c}")))
            .sum();
        if sum != spec.v(&format!("t4.{g}.total")) {
            bad.push(format!("T4-GROUP-TOTAL {g}"));
        }
    }
    if tpl == Template::Y2021 {
        for row in ["regulations", "normative_docs"] {
            let i = spec.v(&format!("t2.{row}.issued"));
            let r = spec.v(&format!("t2.{row}.repealed"));
            let f = spec.v(&format!("t2.{row}.in_force"));
            if f < i - r {
                bad.push(format!("T2-STOCK-FLOW {row}"));
            }
        }
    }
    for id in spec.ids() {
        if id.contains(".change") {
            continue;
        }
        if spec
            .values
            .get(&id)
            .copied()
            .flatten()
            .is_some_and(|n| n < 0)
        {
            bad.push(format!("V-DOMAIN {id}"));
        }
    }
    bad
}

// ---------------------------------------------------------------------------
// The sample set (examples/gen_samples.rs writes it to samples/)
// ---------------------------------------------------------------------------

/// One file of the sample set.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Path under `samples/`.
    pub path: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The name of the spec it renders (a key of [`sample_specs`]).
    pub spec: &'static str,
    /// What it holds and why it is kept (one line, for the README).
    pub about: String,
}

/// The specs behind the sample set, prepared (so `expected_values` of each
/// is exact), with the variants each was written with.
pub fn sample_specs() -> Vec<(&'static str, ReportSpec, Variants)> {
    // A mid-sized county report: all six applicant columns used, numbers
    // over 1000 in table 二, a decimal fee, reviews and cases carried over.
    let report = consistent(5, Template::Y2021);
    let plain = Variants::plain();
    let var = Variants::all(13);
    let with_variants = prepare(&report, &var);
    // 采购总金额 written with its unit, "717687元".
    let r2019 = consistent(22, Template::Y2019);
    let blank2021 = blank(&report.agency, report.year, Template::Y2021);
    let mut errors = consistent(36, Template::Y2021);
    // A broken balance: 上年结转 raised by 3 in 自然人 (and in its 总计, so
    // the row total still holds).
    for col in ["natural_person", "total"] {
        let id = format!("t3.carried_over.{col}");
        let n = errors.v(&id);
        errors.values.insert(id, Some(n + 3));
    }
    // A wrong row total.
    let id = "t3.withheld_third_party.total".to_string();
    let n = errors.v(&id);
    errors.values.insert(id, Some(n + 1));
    // A short row: （五）2.重复申请 loses its last cell.
    errors
        .dropped
        .insert("t3.not_processed_repeat.total".to_string());
    vec![
        ("report-2021", report, plain.clone()),
        ("report-2021-variants", with_variants, var),
        ("report-2019", r2019, plain.clone()),
        ("template-blank-2021", blank2021, plain.clone()),
        ("errors-2021", errors, plain),
    ]
}

/// Every file of the sample set, with its bytes.
pub fn sample_set() -> Vec<Sample> {
    let specs = sample_specs();
    let get = |name: &str| {
        specs
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, s, v)| (s.clone(), v.clone()))
            .expect("sample spec exists")
    };
    let (report, plain) = get("report-2021");
    let (variants, var) = get("report-2021-variants");
    let (r2019, _) = get("report-2019");
    let (blank2021, _) = get("template-blank-2021");
    let (errors, _) = get("errors-2021");
    let s = |path: &str, bytes: Vec<u8>, spec: &'static str, about: &str| Sample {
        path: path.to_string(),
        bytes,
        spec,
        about: about.to_string(),
    };
    vec![
        s("text/report-2021.txt", to_text(&report, &plain).into_bytes(), "report-2021",
          "2021 layout pasted as text, exactly the seed's tab-per-cell layout (merge placeholders, 商业⏎企业 breaks)."),
        s("text/report-2021-variants.txt", to_text(&variants, &var).into_bytes(), "report-2021-variants",
          "the same figures with every variant: label wording, none-markers for some zeros, full-width digits, 1,234 separators, table 二 in four tables."),
        s("text/report-2019.txt", to_text(&r2019, &plain).into_bytes(), "report-2019",
          "2019 layout (t2_2019 with signed 本年增/减 and 采购总金额; single （六）其他处理 row)."),
        s("text/errors-2021.txt", to_text(&errors, &plain).into_bytes(), "errors-2021",
          "a report with errors: broken balance (自然人 and 总计 columns), wrong row total (4.保护第三方合法权益), short row (（五）2.重复申请 lacks 总计)."),
        s("html/report-2021.html", to_html(&report, &plain, false), "report-2021",
          "a whole CMS page (nav, 索引号 metadata table, footer, scripts) around Word-export markup with real colspan/rowspan; UTF-8."),
        s("html/report-2021-gbk.html", to_html(&report, &plain, true), "report-2021",
          "the same page in GBK with <meta charset=\"gb2312\">."),
        s("html/report-2021-variants.html", to_html(&variants, &var, false), "report-2021-variants",
          "the variant figures and labels as a page (markers, full-width digits, four small 二 tables)."),
        s("html/report-2019.html", to_html(&r2019, &plain, false), "report-2019",
          "2019 layout as a page: 三、本年度办理结果 rowspan 20, 2019 table 二 with its 5-section grid."),
        s("html/errors-2021.html", to_html(&errors, &plain, false), "errors-2021",
          "the error report as a page (the short row is a <tr> with one <td> fewer)."),
        s("docx/report-2021-word.docx", to_docx(&report, &plain, DocxStyle::Word), "report-2021",
          "as Microsoft Word writes it: gridSpan, vMerge restart/<w:vMerge/>, one paragraph per line in a cell."),
        s("docx/report-2021-wps.docx", to_docx(&report, &plain, DocxStyle::Wps), "report-2021",
          "as WPS writes it: float tcW widths (which crash some readers), vMerge continue written out."),
        s("docx/report-2021-libreoffice.docx", to_docx(&report, &plain, DocxStyle::LibreOffice), "report-2021",
          "as a LibreOffice re-save: a 1-twip sliver gridCol in tables 三 and 四 with spans adjusted around it."),
        s("docx/template-blank-2021.docx", to_docx(&blank2021, &plain, DocxStyle::Word), "template-blank-2021",
          "the 2021 template with every value cell empty (a few hold U+3000): all blank, no findings but V-BLANK."),
        s("sheet/report-2021.xlsx", to_xlsx(&report, &plain), "report-2021",
          "one sheet, merged ranges, numbers stored as numbers (fee with a 0.00 format)."),
        s("sheet/report-2021.ods", to_ods(&report, &plain), "report-2021",
          "the same as OpenDocument: number-columns/rows-spanned and covered-table-cell (calamine gives no merges for ODS)."),
        s("sheet/report-2021.csv", to_csv(&report, &plain, false), "report-2021",
          "the sheet saved as CSV UTF-8 (BOM, CRLF): merges flattened, text only in the merge's first cell."),
        s("sheet/report-2021-gbk.csv", to_csv(&report, &plain, true), "report-2021",
          "the same CSV in GBK, as Excel saves \"CSV\" on a Chinese Windows."),
        s("sheet/template-blank-2021.xlsx", to_xlsx(&blank2021, &plain), "template-blank-2021",
          "the blank template as a workbook: bordered empty cells, no values."),
    ]
}

/// The `<name>.json` of a spec: template, meta, values and the non-ok
/// states, in the shape of the corpus `.expected.json` files.
pub fn expected_json(spec: &ReportSpec) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut values = Map::new();
    let mut states = Map::new();
    for (id, (state, v)) in expected_cells(spec) {
        values.insert(id.clone(), v.map_or(Value::Null, Num::to_json));
        if state != CellState::Ok {
            states.insert(id, serde_json::to_value(state).unwrap_or(Value::Null));
        }
    }
    let t = spec.tpl().as_str();
    json!({
        "template": {"t2": t, "t3": t, "t4": "common"},
        "meta": {"title": spec.title(), "agency": spec.agency, "year": spec.year},
        "values": values,
        "states": states,
        "findings": expected_findings(spec),
    })
}

/// The errors and warnings a correct checker reports for the spec, by rule
/// and cells: a short row for each dropped cell (and the alignment guess),
/// and every failing relation of the expected values (blank = 0; a cell
/// derived by a relation does not fail that relation).
pub fn expected_findings(spec: &ReportSpec) -> serde_json::Value {
    use serde_json::json;
    let cells = expected_cells(spec);
    let mut out = Vec::new();
    let mut short_rows = BTreeSet::new();
    for id in &spec.dropped {
        if let Some((table_row, _)) = id.rsplit_once('.') {
            short_rows.insert(table_row.to_string());
        }
    }
    for tr in &short_rows {
        let row_cells: Vec<String> = schema::T3_COLS
            .iter()
            .map(|c| format!("{tr}.{c}"))
            .collect();
        out.push(json!({"rule": "S-ROW-SHORT", "severity": "error", "cells": row_cells}));
        out.push(json!({"rule": "S-ALIGN-GUESS", "severity": "warning", "cells": row_cells}));
    }
    let get = |id: &str| -> Option<i64> {
        match cells.get(id) {
            Some((CellState::Blank | CellState::Marker, _)) => Some(0),
            Some((_, Some(v))) => v.as_i64(),
            _ => None,
        }
    };
    let derived = |id: &str| matches!(cells.get(id), Some((CellState::Derived, _)));
    let tpl = spec.tpl();
    let rows: &[&str] = match tpl {
        Template::Y2019 => schema::T3_ROWS_2019,
        _ => schema::T3_ROWS_2021,
    };
    for col in schema::T3_COLS {
        let id = |row: &str| format!("t3.{row}.{col}");
        let sum: Option<i64> = schema::t3_result_rows(tpl)
            .iter()
            .map(|r| get(&id(r)))
            .sum();
        if sum
            .zip(get(&id("results_total")))
            .is_some_and(|(a, b)| a != b)
        {
            out.push(json!({"rule": "T3-RESULTS-SUM", "severity": "error", "cells": [id("results_total")]}));
        }
        let l = get(&id("new_received"))
            .zip(get(&id("carried_over")))
            .map(|(a, b)| a + b);
        let r = get(&id("results_total"))
            .zip(get(&id("carried_forward")))
            .map(|(a, b)| a + b);
        if l.zip(r).is_some_and(|(a, b)| a != b) {
            out.push(json!({"rule": "T3-BALANCE", "severity": "error",
                "cells": [id("new_received"), id("carried_over"), id("results_total"), id("carried_forward")]}));
        }
    }
    for row in rows {
        let total = format!("t3.{row}.total");
        let parts: Vec<String> = schema::T3_APPLICANT_COLS
            .iter()
            .map(|c| format!("t3.{row}.{c}"))
            .collect();
        if derived(&total) || parts.iter().any(|p| derived(p)) {
            continue;
        }
        let sum: Option<i64> = parts.iter().map(|p| get(p)).sum();
        if sum.zip(get(&total)).is_some_and(|(a, b)| a != b) {
            out.push(json!({"rule": "T3-ROW-TOTAL", "severity": "error", "cells": [total]}));
        }
    }
    serde_json::Value::Array(out)
}
