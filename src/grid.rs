//! The faithful, format-neutral form of an input document.
//!
//! Every ingestor turns its bytes into a [`Document`]: an ordered list of
//! [`Block`]s, each either a line of running text or a table ([`Grid`]).
//! Nothing here knows about report templates or numbers: a grid keeps what
//! the file says — cell text, merged cells, column widths, and where each
//! cell came from — so that the normaliser can make every decision (and
//! record it) in one place.
//!
//! Merged cells are explicit. A table read from a format with real merges
//! (HTML colspan/rowspan, DOCX gridSpan/vMerge, spreadsheet merged regions)
//! is *expanded*: every slot of the rectangle exists, the top-left slot of a
//! merge is [`Span::Origin`] with its extent, the others are
//! [`Span::Covered`] pointing back at it. A table read from pasted text has
//! no merges; its rows may differ in length, and empty cells stand where the
//! original had merge placeholders.

/// A whole input document, in reading order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// Text lines and tables, in the order they appear.
    pub blocks: Vec<Block>,
    /// The character encoding the text was decoded from (`utf-8`, `gb18030`,
    /// …); `None` for formats that carry their own (DOCX, spreadsheets).
    pub encoding: Option<String>,
    /// For workbooks with one report per sheet: the sheet this document is.
    pub sheet: Option<String>,
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph or line of running text (whitespace collapsed).
    Text(TextLine),
    /// A table.
    Table(Grid),
}

/// A line of running text.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// The text, inline whitespace collapsed to single spaces, trimmed.
    pub text: String,
    /// 1-based line number in the source, for text input.
    pub line: Option<usize>,
}

/// A table as the source lays it out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grid {
    /// Rows of cells. For expanded grids every row has the same length.
    pub rows: Vec<Vec<Cell>>,
    /// Column widths when the source states them (DOCX `w:tblGrid`, in
    /// twips); empty otherwise.
    pub widths: Vec<u32>,
    /// Whether merges were expanded (true for HTML, DOCX, spreadsheets).
    pub expanded: bool,
}

/// One slot of a grid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    /// Cell text: inline whitespace collapsed, line breaks inside the cell
    /// kept as a single space, trimmed. Empty for covered slots.
    pub text: String,
    /// Whether this slot starts a (possibly 1×1) cell or is covered by a merge.
    pub span: Span,
    /// 1-based source line, for text input.
    pub line: Option<usize>,
    /// The source has no cell here: a row shorter than its table, padded to
    /// keep the grid rectangular (an HTML `<tr>` with a `<td>` fewer, a Word
    /// row with fewer cells than the grid). Not a blank cell.
    pub phantom: bool,
}

/// The merge status of a grid slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// The top-left slot of a cell spanning `rows` × `cols` slots.
    Origin {
        /// Number of rows the cell spans (≥ 1).
        rows: usize,
        /// Number of columns the cell spans (≥ 1).
        cols: usize,
    },
    /// A slot covered by the cell whose origin is at (`row`, `col`).
    Covered {
        /// Row of the origin slot.
        row: usize,
        /// Column of the origin slot.
        col: usize,
    },
}

impl Default for Span {
    fn default() -> Self {
        Span::Origin { rows: 1, cols: 1 }
    }
}

impl Cell {
    /// A 1×1 cell with the given text.
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            span: Span::default(),
            line: None,
            phantom: false,
        }
    }

    /// A 1×1 cell with the given text and source line.
    pub fn at_line(text: impl Into<String>, line: usize) -> Cell {
        Cell {
            text: text.into(),
            span: Span::default(),
            line: Some(line),
            phantom: false,
        }
    }

    /// Whether this slot is covered by a merge.
    pub fn is_covered(&self) -> bool {
        matches!(self.span, Span::Covered { .. })
    }
}

impl Grid {
    /// Number of rows.
    pub fn height(&self) -> usize {
        self.rows.len()
    }

    /// Length of the longest row.
    pub fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The slot at (`row`, `col`), if it exists.
    pub fn get(&self, row: usize, col: usize) -> Option<&Cell> {
        self.rows.get(row).and_then(|r| r.get(col))
    }

    /// The text of the cell that owns slot (`row`, `col`): its own text for
    /// an origin, the origin's text for a covered slot.
    pub fn origin_text(&self, row: usize, col: usize) -> &str {
        match self.get(row, col) {
            Some(Cell {
                span: Span::Covered { row: r, col: c },
                ..
            }) => self.get(*r, *c).map_or("", |o| o.text.as_str()),
            Some(cell) => cell.text.as_str(),
            None => "",
        }
    }

    /// Total number of slots.
    pub fn slot_count(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// Builds an expanded grid from rows of `(text, rowspan, colspan)`
    /// placements, laid out the way HTML tables are: each cell takes the next
    /// free slot of its row. Spans are clamped to at least 1. Rows are padded
    /// so that the grid is rectangular. `max_slots` bounds the total number
    /// of slots (hostile spans); placements beyond it are dropped and
    /// `false` is returned.
    pub fn from_placements(rows: &[Vec<Placement>], max_slots: usize) -> (Grid, bool) {
        let mut slots: Vec<Vec<Option<Cell>>> = Vec::new();
        let mut complete = true;
        let mut count = 0usize;
        for (r, row) in rows.iter().enumerate() {
            if slots.len() <= r {
                slots.resize_with(r + 1, Vec::new);
            }
            let mut c = 0usize;
            for p in row {
                while slots[r].get(c).is_some_and(Option::is_some) {
                    c += 1;
                }
                let rs = p.rows.max(1);
                let cs = p.cols.max(1);
                let area = rs.saturating_mul(cs);
                if count.saturating_add(area) > max_slots {
                    complete = false;
                    break;
                }
                count += area;
                for dr in 0..rs {
                    let rr = r + dr;
                    if slots.len() <= rr {
                        slots.resize_with(rr + 1, Vec::new);
                    }
                    for dc in 0..cs {
                        let cc = c + dc;
                        if slots[rr].len() <= cc {
                            slots[rr].resize(cc + 1, None);
                        }
                        if slots[rr][cc].is_some() {
                            continue; // overlapping spans: first writer wins
                        }
                        slots[rr][cc] = Some(if dr == 0 && dc == 0 {
                            Cell {
                                text: p.text.clone(),
                                span: Span::Origin { rows: rs, cols: cs },
                                line: p.line,
                                phantom: false,
                            }
                        } else {
                            Cell {
                                text: String::new(),
                                span: Span::Covered { row: r, col: c },
                                line: p.line,
                                phantom: false,
                            }
                        });
                    }
                }
                c += cs;
            }
        }
        let width = slots.iter().map(Vec::len).max().unwrap_or(0);
        let rows = slots
            .into_iter()
            .map(|mut row| {
                row.resize(width, None);
                row.into_iter()
                    .map(|c| {
                        c.unwrap_or(Cell {
                            phantom: true,
                            ..Cell::default()
                        })
                    })
                    .collect()
            })
            .collect();
        (
            Grid {
                rows,
                widths: Vec::new(),
                expanded: true,
            },
            complete,
        )
    }
}

/// A cell as a source places it, before expansion (see
/// [`Grid::from_placements`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placement {
    /// Cell text (already collapsed).
    pub text: String,
    /// Row span (0 is treated as 1).
    pub rows: usize,
    /// Column span (0 is treated as 1).
    pub cols: usize,
    /// Source line, if known.
    pub line: Option<usize>,
}

impl Placement {
    /// A placement with the given spans.
    pub fn new(text: impl Into<String>, rows: usize, cols: usize) -> Placement {
        Placement {
            text: text.into(),
            rows,
            cols,
            line: None,
        }
    }
}

impl Document {
    /// A document from the normaliser fuzz target's input (`fuzz/`): the
    /// first byte's lowest bit says whether grids are expanded; each further
    /// line holding `|` is a grid row (cells split at `|`), any other line
    /// is a text line that ends the grid before it. `None` for empty input.
    pub fn from_fuzz_input(data: &[u8]) -> Option<Document> {
        let (&flags, rest) = data.split_first()?;
        let expanded = flags & 1 == 1;
        let text = String::from_utf8_lossy(rest);
        let mut doc = Document::default();
        let mut grid = Grid {
            expanded,
            ..Grid::default()
        };
        let finish = |grid: &mut Grid, doc: &mut Document| {
            let mut done = std::mem::take(grid);
            grid.expanded = expanded;
            if done.rows.is_empty() {
                return;
            }
            if done.expanded {
                // Expanded grids are rectangular.
                let w = done.width();
                for r in &mut done.rows {
                    r.resize(w, Cell::default());
                }
            }
            doc.blocks.push(Block::Table(done));
        };
        for (i, line) in text.lines().enumerate() {
            if line.contains('|') {
                grid.rows
                    .push(line.split('|').map(|c| Cell::at_line(c, i + 1)).collect());
            } else {
                finish(&mut grid, &mut doc);
                doc.blocks.push(Block::Text(TextLine {
                    text: line.to_string(),
                    line: Some(i + 1),
                }));
            }
        }
        finish(&mut grid, &mut doc);
        Some(doc)
    }

    /// The tables, in order.
    pub fn tables(&self) -> impl Iterator<Item = &Grid> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Table(g) => Some(g),
            Block::Text(_) => None,
        })
    }

    /// The text lines, in order.
    pub fn lines(&self) -> impl Iterator<Item = &TextLine> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Text(t) => Some(t),
            Block::Table(_) => None,
        })
    }

    /// Appends a text line unless it is empty after trimming.
    pub fn push_text(&mut self, text: &str, line: Option<usize>) {
        let text = collapse_whitespace(text);
        if !text.is_empty() {
            self.blocks.push(Block::Text(TextLine { text, line }));
        }
    }
}

/// Texts that stand for "none" in a value cell (SCHEMA.md's none-markers and
/// the look-alikes real reports use). Shared by the readers, which must not
/// mistake a marker for a label, and the normaliser.
pub const NONE_MARKERS: &[&str] = &[
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
    "--",
    "–",
    "―",
    "———",
    "\\",
    "一",
    "－－",
    "×",
    "N/A",
    "n/a",
];

/// Whether a cell's text reads as a value (a number, possibly signed, with
/// separators, a decimal part, full-width digits or a unit after it; or a
/// none-marker) rather than as a label. Used where only the text tells rows
/// apart.
pub fn looks_like_value(text: &str) -> bool {
    let t = text.trim();
    if t.is_empty() {
        return false;
    }
    if NONE_MARKERS.contains(&t) {
        return true;
    }
    let t = ["万元", "亿元", "元", "件", "项", "个", "%"]
        .iter()
        .find_map(|u| t.strip_suffix(u))
        .unwrap_or(t)
        .trim_end();
    t.chars()
        .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
        && t.chars().all(|c| {
            c.is_ascii_digit()
                || ('０'..='９').contains(&c)
                || matches!(
                    c,
                    '.' | ',' | '，' | '+' | '-' | '−' | '－' | '＋' | '．' | ' '
                )
        })
}

/// Collapses every run of whitespace (including U+3000 and NBSP) to one
/// ASCII space and trims the ends.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for ch in s.chars() {
        if ch.is_whitespace() || ch == '\u{a0}' || ch == '\u{3000}' || ch == '\u{feff}' {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_expand_rowspan_and_colspan() {
        let rows = vec![
            vec![Placement::new("A", 2, 1), Placement::new("B", 1, 2)],
            vec![Placement::new("C", 1, 1), Placement::new("D", 1, 1)],
        ];
        let (g, complete) = Grid::from_placements(&rows, 100);
        assert!(complete);
        assert_eq!(g.width(), 3);
        assert_eq!(g.rows[0][0].span, Span::Origin { rows: 2, cols: 1 });
        assert_eq!(g.rows[0][2].span, Span::Covered { row: 0, col: 1 });
        assert_eq!(g.rows[1][0].span, Span::Covered { row: 0, col: 0 });
        assert_eq!(g.rows[1][1].text, "C");
        assert_eq!(g.rows[1][2].text, "D");
        assert_eq!(g.origin_text(1, 0), "A");
    }

    #[test]
    fn placements_respect_slot_budget() {
        let rows = vec![vec![Placement::new("X", 1000, 1000)]];
        let (g, complete) = Grid::from_placements(&rows, 10_000);
        assert!(!complete);
        assert_eq!(g.slot_count(), 0);
    }

    #[test]
    fn whitespace_collapses_including_ideographic_space() {
        assert_eq!(collapse_whitespace("  总\u{3000}计 \n 2\u{a0}"), "总 计 2");
    }
}
