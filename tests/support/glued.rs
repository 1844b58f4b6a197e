//! Crawled text whose cell borders were lost (the `010_pingtan_2021.txt`
//! shape).
//!
//! A site's crawler keeps a report's words and numbers but not its cells:
//! the narrative and headings become running text, and each table becomes
//! one line in which every row's label is followed directly by the row's
//! numbers, concatenated: `（一）予以公开270020130（二）部分公开…`. Some
//! borders survive as a single space (`230 000023`), a row's run can touch
//! the next row's enumerator (`…2200003252.没有现成…`), table 四 is one run
//! after its header words (`…尚未审结总计10203120001200000`), page markers
//! (`- 4 -`) stand on lines of their own, and a label merged down a page
//! break is written again (`三、本年度办理结果（四）无法提供…`).
//!
//! [`to_glued_text`] writes a [`ReportSpec`] that way; [`glued_runs`] gives
//! the runs it wrote (row, canonical ids, the text of the run), so a test
//! knows which rows lost borders and what the reader saw. Both come from
//! one flattening of the same [`render::doc_model`], so they agree.
//!
//! Of the [`Variants`], the label wording and full-width digits are
//! meaningful here; none-markers, thousands separators and a dropped cell
//! are written as given but make the runs something other than glued
//! digits, and the tests do not use them.

use std::collections::BTreeSet;

use super::render::{self, mix, Block, ReportSpec, Rng, Slot, TableModel, Variants};

/// How the borders are lost. Every choice is drawn from `seed`.
#[derive(Debug, Clone, PartialEq)]
pub struct GlueSpec {
    /// Chooses the kept borders, page markers, spaces and the repeated label.
    pub seed: u64,
    /// The value rows written glued, by row key (`t3.disclosed`,
    /// `t2.normative_docs`, `t2_2019.licensing`, `t4` for table 四's run);
    /// `None` glues every row. The other rows keep every border as a space.
    pub rows: Option<BTreeSet<String>>,
    /// Per cent of the borders inside a glued row kept as a single space.
    pub keep_border: u64,
    /// Per cent of the row ends that touch the next row's enumerator
    /// (`…325` + `2.没有现成…`); the others are followed by a space.
    pub enumerator_glue: u64,
    /// Page markers (`- 4 -`) on lines of their own between blocks and
    /// between table rows.
    pub page_markers: bool,
    /// `三、本年度办理结果` written again before one later group label of
    /// table 三, as after a page break.
    pub repeat_group: bool,
    /// The whole body on one line (as the crawl has it); otherwise each
    /// heading, paragraph and table on a line of its own.
    pub one_line: bool,
}

impl GlueSpec {
    /// Every row glued, no border kept, everything on one line, the row
    /// ends touching the enumerators: `010_pingtan_2021.txt` as crawled.
    pub fn crawl(seed: u64) -> GlueSpec {
        GlueSpec {
            seed,
            rows: None,
            keep_border: 0,
            enumerator_glue: 100,
            page_markers: false,
            repeat_group: false,
            one_line: true,
        }
    }

    /// Whether the row with this key is written glued.
    pub fn glues(&self, key: &str) -> bool {
        self.rows.as_ref().is_none_or(|r| r.contains(key))
    }
}

/// One row's values as written.
#[derive(Debug, Clone, PartialEq)]
pub struct GluedRun {
    /// `t3.disclosed`, `t2.normative_docs`, `t4`, …
    pub key: String,
    /// The canonical ids of the cells, in order.
    pub ids: Vec<String>,
    /// Each cell's text (as [`render::prepare`] writes it).
    pub cells: Vec<String>,
    /// The run exactly as it stands in the text.
    pub run: String,
}

impl GluedRun {
    /// The run with full-width digits as ASCII.
    pub fn ascii(&self) -> String {
        self.run
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - 0xFF10 + '0' as u32).unwrap_or(c),
                _ => c,
            })
            .collect()
    }

    /// Whitespace-separated pieces of the run.
    pub fn tokens(&self) -> usize {
        self.run.split_whitespace().count()
    }

    /// Borders were lost: fewer pieces than cells.
    pub fn is_glued(&self) -> bool {
        self.tokens() < self.ids.len()
    }
}

/// The report as crawled text with lost borders (see the module docs).
pub fn to_glued_text(spec: &ReportSpec, v: &Variants, glue: &GlueSpec) -> String {
    flatten(spec, v, glue).0
}

/// The value runs [`to_glued_text`] writes, in reading order.
pub fn glued_runs(spec: &ReportSpec, v: &Variants, glue: &GlueSpec) -> Vec<GluedRun> {
    flatten(spec, v, glue).1
}

/// The row key of a value cell id: `t3.disclosed.total` → `t3.disclosed`;
/// every cell of table 四 → `t4`.
pub fn row_key(id: &str) -> String {
    if id.starts_with("t4.") {
        return "t4".to_string();
    }
    match id.rsplit_once('.') {
        Some((row, _)) => row.to_string(),
        None => id.to_string(),
    }
}

struct Writer<'a> {
    out: String,
    glue: &'a GlueSpec,
    rng: Rng,
    page: u32,
    /// The output so far ends with a value run.
    after_run: bool,
}

impl Writer<'_> {
    fn page_marker(&mut self, percent: u64) {
        if self.glue.page_markers && self.rng.chance(percent) {
            self.page += 1;
            if !self.out.ends_with('\n') {
                self.out.push('\n');
            }
            self.out.push_str(&format!("- {} -\n", self.page));
        }
    }

    /// Starts a block: a new line, or (one line) nothing or a space.
    fn block(&mut self) {
        self.page_marker(15);
        if self.out.ends_with('\n') {
            // after the title or a page marker
        } else if self.glue.one_line {
            if self.rng.chance(30) {
                self.out.push(' ');
            }
        } else {
            self.out.push('\n');
        }
        self.after_run = false;
    }

    /// Writes a label; after a run, a label starting with a digit touches
    /// it only by `enumerator_glue`.
    fn label(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.after_run && !self.out.ends_with('\n') {
            let digit = text.starts_with(|c: char| c.is_ascii_digit());
            let touch = if digit {
                self.rng.chance(self.glue.enumerator_glue)
            } else {
                self.rng.chance(75)
            };
            if !touch {
                self.out.push(' ');
            }
        }
        self.out.push_str(text);
        self.after_run = false;
    }

    fn run(&mut self, run: &str, after_label: bool) {
        if after_label && self.rng.chance(20) {
            self.out.push(' ');
        }
        self.out.push_str(run);
        self.after_run = true;
    }
}

fn clean(text: &str) -> String {
    text.replace('\n', "")
}

fn flatten(spec: &ReportSpec, v: &Variants, glue: &GlueSpec) -> (String, Vec<GluedRun>) {
    let spec = render::prepare(spec, v);
    let doc = render::doc_model(&spec, v);
    let mut w = Writer {
        out: String::new(),
        glue,
        rng: Rng::new(mix(glue.seed, "glued text")),
        page: 0,
        after_run: false,
    };
    let mut runs = Vec::new();
    for block in &doc.blocks {
        match block {
            Block::Title(t) => {
                w.out.push_str(t);
                w.out.push('\n');
            }
            Block::Heading(t) | Block::Para(t) => {
                w.block();
                w.out.push_str(t);
            }
            Block::Table(t) => {
                w.block();
                table(&mut w, t, glue, &mut runs);
            }
        }
    }
    w.out.push('\n');
    (w.out, runs)
}

/// The rows of table 三 where a label merged down from above may be
/// written again: the first row of a later group.
fn repeat_candidates(t: &TableModel) -> Vec<usize> {
    (0..t.rows.len())
        .filter(|&r| {
            let slots = t.slots(r);
            let cont_first =
                matches!(slots.first(), Some(Slot::Cont(c)) if c.id.is_none() && c.col == 0);
            let group_here = t.rows[r]
                .cells
                .iter()
                .any(|c| c.id.is_none() && c.col == 1 && c.rowspan > 1);
            cont_first && group_here
        })
        .collect()
}

fn table(w: &mut Writer, t: &TableModel, glue: &GlueSpec, runs: &mut Vec<GluedRun>) {
    let repeat = if glue.repeat_group && t.key == "t3" {
        let c = repeat_candidates(t);
        (!c.is_empty()).then(|| c[(mix(glue.seed, "repeat group") % c.len() as u64) as usize])
    } else {
        None
    };
    for r in 0..t.rows.len() {
        let mut label = String::new();
        if repeat == Some(r) {
            for slot in t.slots(r) {
                if let Slot::Cont(c) = slot {
                    if c.id.is_none() && c.col == 0 {
                        label.push_str(&clean(&c.text));
                    }
                }
            }
        }
        for c in t.rows[r].cells.iter().filter(|c| c.id.is_none()) {
            label.push_str(&clean(&c.text));
        }
        w.label(&label);
        let vals: Vec<_> = t.rows[r].cells.iter().filter(|c| c.id.is_some()).collect();
        let Some(first) = vals.first().and_then(|c| c.id.clone()) else {
            continue;
        };
        let key = row_key(&first);
        let glued = glue.glues(&key);
        let mut run = String::new();
        for (i, c) in vals.iter().enumerate() {
            if i > 0 {
                let keep =
                    !glued || mix(glue.seed, &format!("border:{key}:{i}")) % 100 < glue.keep_border;
                if keep {
                    run.push(' ');
                }
            }
            run.push_str(c.text.trim());
        }
        w.run(&run, !label.is_empty());
        runs.push(GluedRun {
            key,
            ids: vals.iter().filter_map(|c| c.id.clone()).collect(),
            cells: vals.iter().map(|c| c.text.clone()).collect(),
            run,
        });
        w.page_marker(10);
    }
}
