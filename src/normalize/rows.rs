//! Grid rows → labelled rows with their value cells.
//!
//! Every grid row is split into its label part (the leading text cells, plus
//! the labels of merged cells covering it from above) and its value part (the
//! trailing cells that read as numbers, none-markers or blanks). Rows whose
//! labels name a canonical row of table 二 or 三 are data rows; a row with no
//! label made only of values is a candidate table-四 row; the rest are header
//! rows, which set the column meanings of the data rows below them.

use super::labels::{self, Section, T3Label};
use super::numbers::is_value_like;
use crate::grid::{Block, Document, Grid, Span};
use crate::schema::{At, Template};

/// A value cell of a data row.
#[derive(Debug, Clone, PartialEq)]
pub struct ValCell {
    /// Text as found.
    pub text: String,
    /// Where.
    pub at: At,
}

/// Column meanings taken from the header rows above a data row, per grid
/// column (expanded grids only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Heads {
    /// Table-三 column key per grid column.
    pub t3: Vec<Option<&'static str>>,
    /// Table-四 leaf column per grid column.
    pub t4_leaf: Vec<Option<&'static str>>,
    /// Table-四 group per grid column.
    pub t4_group: Vec<Option<&'static str>>,
    /// Table-二 column (and its template) per grid column.
    pub t2: Vec<Option<(&'static str, Template)>>,
}

impl Heads {
    fn set<T: Copy>(v: &mut Vec<Option<T>>, col: usize, val: T) {
        if v.len() <= col {
            v.resize(col + 1, None);
        }
        v[col] = Some(val);
    }

    /// The table-三 column of a grid column.
    pub fn t3_at(&self, col: usize) -> Option<&'static str> {
        self.t3.get(col).copied().flatten()
    }

    /// The table-四 (group, leaf) of a grid column.
    pub fn t4_at(&self, col: usize) -> (Option<&'static str>, Option<&'static str>) {
        (
            self.t4_group.get(col).copied().flatten(),
            self.t4_leaf.get(col).copied().flatten(),
        )
    }

    /// The table-二 column of a grid column.
    pub fn t2_at(&self, col: usize) -> Option<(&'static str, Template)> {
        self.t2.get(col).copied().flatten()
    }
}

/// What a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A table-三 row (canonical, group, or subtotal).
    T3(T3Label),
    /// A table-二 row.
    T2(&'static str),
    /// Values with no label, in the table-四 section.
    T4,
    /// Anything else with values (an annotation row, an unknown label).
    Other,
    /// A header row (no values).
    Header,
}

/// A row of a grid, split into labels and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Index of the grid among the document's tables.
    pub table: usize,
    /// Row index in the grid.
    pub row: usize,
    /// Label texts, outermost first (merged labels covering the row from
    /// above included).
    pub labels: Vec<String>,
    /// The value cells, left to right.
    pub values: Vec<ValCell>,
    /// Grid columns of the value cells (same order as `values`).
    pub cols: Vec<usize>,
    /// What the row is.
    pub kind: RowKind,
    /// The section the row is in.
    pub section: Option<Section>,
    /// Whether the grid was expanded (column positions are meaningful).
    pub expanded: bool,
    /// Column meanings from the header rows above (expanded grids).
    pub heads: Heads,
    /// The last text line before the grid (a caption or heading).
    pub caption: Option<String>,
    /// Whether the grid was transposed (rows and columns swapped) to read it.
    pub transposed: bool,
    /// Whether the row was read from running text (cell borders unknown)
    /// rather than from a grid.
    pub scanned: bool,
}

impl Row {
    /// Whether the row's values are a glued run for `n` cells: digits
    /// without their borders. In running text any run can be glued; in a
    /// grid, each cell is a value of its own, so only a row whose numbers
    /// all sit in one cell (or a cell holding several numbers) is glued.
    pub fn is_glued(&self, n: usize) -> bool {
        let texts: Vec<&str> = self.values.iter().map(|v| v.text.as_str()).collect();
        if !super::glued::is_glued(&texts, n) {
            return false;
        }
        self.scanned
            || self.values.len() == 1
            || self
                .values
                .iter()
                .any(|v| v.text.trim().contains(char::is_whitespace))
    }
}

impl Row {
    /// The most specific label (the last one), or "".
    pub fn label(&self) -> &str {
        self.labels.last().map_or("", String::as_str)
    }

    /// All labels joined, for messages.
    pub fn label_text(&self) -> String {
        self.labels.join(" ")
    }
}

/// Splits every grid row of the document.
pub fn collect(doc: &Document) -> Vec<Row> {
    let mut out = Vec::new();
    let mut section: Option<Section> = None;
    let mut caption: Option<String> = None;
    let mut table = 0usize;
    for block in &doc.blocks {
        match block {
            Block::Text(line) => {
                if let Some(s) = labels::section_heading(&line.text) {
                    section = Some(s);
                }
                caption = Some(line.text.clone());
            }
            Block::Table(grid) => {
                if is_transposed_t3(grid) {
                    let t = transpose(grid);
                    let start = out.len();
                    grid_rows(&t, table, &mut section, caption.take(), &mut out);
                    for r in &mut out[start..] {
                        r.transposed = true;
                        // Provenance stays in the source's coordinates.
                        for v in &mut r.values {
                            std::mem::swap(&mut v.at.row, &mut v.at.col);
                        }
                    }
                } else {
                    grid_rows(grid, table, &mut section, caption.take(), &mut out);
                }
                table += 1;
            }
        }
    }
    out
}

fn grid_rows(
    grid: &Grid,
    table: usize,
    section: &mut Option<Section>,
    caption: Option<String>,
    out: &mut Vec<Row>,
) {
    let mut heads = Heads::default();
    let mut heads_for = *section;
    for (r, slots) in grid.rows.iter().enumerate() {
        // Own cells (dropping slots covered from the left in the same row)
        // and context labels (slots covered from above).
        let mut own: Vec<(usize, &str, Option<usize>)> = Vec::new();
        let mut context: Vec<(usize, String)> = Vec::new();
        for (c, cell) in slots.iter().enumerate() {
            if cell.phantom {
                continue; // no cell in the source here
            }
            match cell.span {
                Span::Covered { row, col } if row == r => {
                    let _ = col;
                }
                Span::Covered { row, col } => {
                    let text = grid.origin_text(row, col);
                    if !text.is_empty() && !is_value_like(text) {
                        context.push((c, text.to_string()));
                    } else {
                        // A value merged down over several rows: it belongs to
                        // its first row; here it is an empty slot.
                        own.push((c, "", cell.line));
                    }
                }
                Span::Origin { .. } => own.push((c, cell.text.as_str(), cell.line)),
            }
        }
        // Section markers inside the grid.
        for (_, text, _) in &own {
            if text.len() > 6 {
                if let Some(s) = labels::section_heading(text) {
                    *section = Some(s);
                }
            }
        }
        let last_label = own
            .iter()
            .rposition(|(_, t, _)| !t.is_empty() && !is_value_like(t));
        let (label_cells, value_cells) = match last_label {
            Some(i) => (&own[..=i], &own[i + 1..]),
            None => (&own[..0], &own[..]),
        };
        let label_col = label_cells.last().map_or(0, |(c, _, _)| *c);
        let mut labels: Vec<String> = context
            .iter()
            .filter(|(c, _)| last_label.is_none() || *c < label_col)
            .map(|(_, t)| t.clone())
            .collect();
        labels.extend(
            label_cells
                .iter()
                .filter(|(_, t, _)| !t.is_empty())
                .map(|(_, t, _)| t.to_string()),
        );
        let values: Vec<ValCell> = value_cells
            .iter()
            .map(|(c, t, line)| ValCell {
                text: t.to_string(),
                at: At {
                    table,
                    row: r,
                    col: *c,
                    line: *line,
                },
            })
            .collect();
        let mut cols: Vec<usize> = value_cells.iter().map(|(c, _, _)| *c).collect();
        let mut values = values;
        if grid.expanded {
            // A table laid on a wider layout grid (a page saved as a
            // workbook) has empty slots right of the table: drop trailing
            // blanks under no header.
            while let (Some(v), Some(c)) = (values.last(), cols.last()) {
                let headed = heads.t3_at(*c).is_some()
                    || heads.t4_at(*c) != (None, None)
                    || heads.t2_at(*c).is_some();
                if v.text.trim().is_empty() && !headed {
                    values.pop();
                    cols.pop();
                } else {
                    break;
                }
            }
        }
        let kind = classify(&labels, &values, *section);
        if kind == RowKind::Header {
            if *section != heads_for {
                // A new table on the same grid: its own header.
                heads = Heads::default();
                heads_for = *section;
            }
            update_heads(grid, r, &mut heads, section);
            if heads_section(&heads).is_some() && section.is_none() {
                *section = heads_section(&heads);
            }
        }
        out.push(Row {
            table,
            row: r,
            labels,
            values,
            cols,
            kind,
            section: *section,
            expanded: grid.expanded,
            heads: heads.clone(),
            caption: caption.clone(),
            transposed: false,
            scanned: false,
        });
    }
}

fn heads_section(h: &Heads) -> Option<Section> {
    if h.t3.iter().flatten().count() >= 3 {
        Some(Section::T3)
    } else if h.t4_leaf.iter().flatten().count() >= 3 {
        Some(Section::T4)
    } else if h.t2.iter().flatten().count() >= 1 {
        Some(Section::T2)
    } else {
        None
    }
}

fn classify(labels: &[String], values: &[ValCell], section: Option<Section>) -> RowKind {
    // The most specific label decides; outer labels only give context.
    for label in labels.iter().rev() {
        if let Some(l) = labels::t3_label(label) {
            if l == T3Label::ResultsHeader {
                continue;
            }
            if values.is_empty() {
                // A label with no cells is a header (总计 over its column), or
                // a group label on a line of its own.
                return RowKind::Header;
            }
            if section == Some(Section::T4) && l == T3Label::Row("results_total") {
                continue; // 总计 in table 四 is its own column
            }
            return RowKind::T3(l);
        }
        if let Some(r) = labels::t2_row(label) {
            return if values.is_empty() {
                RowKind::Header
            } else {
                RowKind::T2(r)
            };
        }
    }
    if values.is_empty() || (!labels.is_empty() && values.iter().all(|v| v.text.trim().is_empty()))
    {
        // No values, or only empty cells after labels that name no row: a
        // header row (its last cells are blanks under a merged header).
        return RowKind::Header;
    }
    if labels.is_empty() {
        if section == Some(Section::T4) || values.len() == 15 {
            return RowKind::T4;
        }
        return RowKind::Other;
    }
    // A t4 mini-table row may carry a generic label (案件数量); a vertical
    // table 四 has one value per row, labelled with its column.
    if section == Some(Section::T4)
        && (values.len() == 15
            || values.len() == 5
            || (values.len() == 1 && labels.iter().any(|l| labels::t4_column(l).is_some())))
    {
        return RowKind::T4;
    }
    RowKind::Other
}

fn update_heads(grid: &Grid, r: usize, heads: &mut Heads, section: &Option<Section>) {
    let Some(slots) = grid.rows.get(r) else {
        return;
    };
    if !grid.expanded {
        // Positions in pasted text do not line up; only the labels count.
        for (c, cell) in slots.iter().enumerate() {
            note_head(heads, c, &cell.text, section);
        }
        return;
    }
    for c in 0..slots.len() {
        let text = grid.origin_text(r, c);
        note_head(heads, c, text, section);
    }
}

fn note_head(heads: &mut Heads, c: usize, text: &str, section: &Option<Section>) {
    if text.is_empty() || is_value_like(text) {
        return;
    }
    if let Some(k) = labels::t3_column(text) {
        if *section != Some(Section::T4) && *section != Some(Section::T2) {
            Heads::set(&mut heads.t3, c, k);
        }
    }
    if let Some(k) = labels::t4_column(text) {
        if *section == Some(Section::T4) || labels::canon(text).contains("结果") {
            Heads::set(&mut heads.t4_leaf, c, k);
        }
    }
    if let Some(g) = labels::t4_group(text) {
        Heads::set(&mut heads.t4_group, c, g);
    }
    if let Some(k) = labels::t2_column(text) {
        Heads::set(&mut heads.t2, c, k);
    }
}

/// A table 三 written with the applicant types as rows and the result rows
/// as columns: its first row (or two) holds the row labels, its first
/// column (or two) the applicant labels.
fn is_transposed_t3(grid: &Grid) -> bool {
    let top_labels = grid
        .rows
        .iter()
        .take(3)
        .flat_map(|r| r.iter())
        .filter(|c| matches!(labels::t3_label(&c.text), Some(T3Label::Row(_))))
        .count();
    let side_cols = grid
        .rows
        .iter()
        .flat_map(|r| r.iter().take(2))
        .filter(|c| labels::t3_column(&c.text).is_some_and(|k| k != "org_subtotal"))
        .count();
    top_labels >= 6 && side_cols >= 4
}

/// Swaps rows and columns, spans included.
fn transpose(grid: &Grid) -> Grid {
    let h = grid.height();
    let w = grid.width();
    let mut rows = vec![Vec::with_capacity(h); w];
    for (c, row) in rows.iter_mut().enumerate() {
        for r in 0..h {
            let mut cell = grid.get(r, c).cloned().unwrap_or_default();
            cell.span = match cell.span {
                Span::Origin { rows, cols } => Span::Origin {
                    rows: cols,
                    cols: rows,
                },
                Span::Covered { row, col } => Span::Covered { row: col, col: row },
            };
            row.push(cell);
        }
    }
    Grid {
        rows,
        widths: Vec::new(),
        expanded: grid.expanded,
    }
}
