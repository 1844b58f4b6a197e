//! Plain-text reader: a paste of a web page, Markdown, OCR or PDF text.
//!
//! Two table shapes are recognised here, because their structure is plain
//! in the text itself:
//!
//! - **Tab paste** (what a browser gives when a page's tables are copied):
//!   one line per cell, each starting with optional spaces and a tab; a blank
//!   line between rows; a line with no tab that directly follows a text cell
//!   continues that cell (a line break inside the cell). A row can also start
//!   without a blank line: when a text cell follows number cells, the text
//!   starts the next row (the seed's `（七）总计` row runs straight into
//!   ` \t四、结转下年度继续办理`).
//! - **Markdown tables**: `| a | b |` lines, with `|---|` separator rows.
//!
//! Everything else becomes text lines. Rows written as a label followed by
//! numbers on one line, tables flattened into running text and tables whose
//! cell borders were lost are left to the normaliser, which knows the
//! template's labels.

use super::decode_text;
use crate::error::IngestError;
use crate::grid::{collapse_whitespace, Block, Cell, Document, Grid};

/// Reads a text document.
pub fn read(bytes: &[u8]) -> Result<Document, IngestError> {
    let (text, encoding) = decode_text(bytes, None);
    let mut doc = parse(&text);
    doc.encoding = Some(encoding);
    Ok(doc)
}

/// Parses decoded text into blocks.
pub fn parse(text: &str) -> Document {
    let mut doc = Document::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_tab_cell(line) {
            let (grid, next) = tab_table(&lines, i);
            doc.blocks.push(Block::Table(grid));
            i = next;
        } else if is_markdown_row(line) {
            let (grid, next) = markdown_table(&lines, i);
            if grid.rows.is_empty() {
                doc.push_text(line, Some(i + 1));
                i += 1;
            } else {
                doc.blocks.push(Block::Table(grid));
                i = next;
            }
        } else {
            doc.push_text(strip_markdown_heading(line), Some(i + 1));
            i += 1;
        }
    }
    doc
}

/// A tab-paste cell line: optional spaces, then a tab.
fn is_tab_cell(line: &str) -> bool {
    line.trim_start_matches(' ').starts_with('\t')
}

fn is_markdown_row(line: &str) -> bool {
    let t = line.trim();
    t.len() > 1 && t.starts_with('|') && t[1..].contains('|')
}

fn strip_markdown_heading(line: &str) -> &str {
    line.trim_start().trim_start_matches('#').trim_start()
}

fn looks_numeric(s: &str) -> bool {
    crate::grid::looks_like_value(s)
}

/// Reads a tab-paste table starting at `start`; returns the grid and the
/// index of the first line after it.
fn tab_table(lines: &[&str], start: usize) -> (Grid, usize) {
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    let mut row_has_number = false;
    let mut i = start;
    let mut blank_run = 0usize;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() && !is_tab_cell(line) {
            blank_run += 1;
            if !row.is_empty() {
                rows.push(std::mem::take(&mut row));
                row_has_number = false;
            }
            i += 1;
            continue;
        }
        if is_tab_cell(line) {
            blank_run = 0;
            // A space before the tab marks a row that starts without a blank
            // line (a browser's paste of a row after a short one).
            if line.starts_with(' ') && !row.is_empty() {
                rows.push(std::mem::take(&mut row));
                row_has_number = false;
            }
            // A line may hold several tab-separated cells.
            let body = line.trim_start_matches(' ');
            let parts: Vec<&str> = body[1..].split('\t').collect();
            for part in parts {
                let text = collapse_whitespace(part);
                let numeric = looks_numeric(&text);
                if !text.is_empty() && !numeric && row_has_number {
                    // A label after numbers: the next row started without a
                    // blank line.
                    rows.push(std::mem::take(&mut row));
                    row_has_number = false;
                }
                row_has_number |= numeric;
                row.push(Cell::at_line(text, i + 1));
            }
            i += 1;
            continue;
        }
        // A line without a tab.
        let continues = blank_run == 0
            && row
                .last()
                .is_some_and(|c| !c.text.is_empty() && !looks_numeric(&c.text))
            && line.chars().count() <= 40;
        if continues {
            if let Some(cell) = row.last_mut() {
                let extra = collapse_whitespace(line);
                // Chinese text wraps without a space; keep one only between
                // ASCII words.
                let needs_space = cell
                    .text
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                    && extra
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphanumeric());
                if needs_space {
                    cell.text.push(' ');
                }
                cell.text.push_str(&extra);
            }
            i += 1;
            continue;
        }
        break;
    }
    if !row.is_empty() {
        rows.push(row);
    }
    (
        Grid {
            rows,
            widths: Vec::new(),
            expanded: false,
        },
        i,
    )
}

/// Reads a Markdown table starting at `start`.
fn markdown_table(lines: &[&str], start: usize) -> (Grid, usize) {
    let mut rows = Vec::new();
    let mut i = start;
    while i < lines.len() && is_markdown_row(lines[i]) {
        let t = lines[i].trim();
        let inner = t.strip_prefix('|').unwrap_or(t);
        let inner = inner.strip_suffix('|').unwrap_or(inner);
        let cells: Vec<&str> = inner.split('|').collect();
        let separator = cells.iter().all(|c| {
            let c = c.trim();
            !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' '))
        });
        if !separator {
            rows.push(
                cells
                    .into_iter()
                    .map(|c| Cell::at_line(collapse_whitespace(c), i + 1))
                    .collect(),
            );
        }
        i += 1;
    }
    (
        Grid {
            rows,
            widths: Vec::new(),
            expanded: false,
        },
        i,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(g: &Grid) -> Vec<Vec<String>> {
        g.rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.clone()).collect())
            .collect()
    }

    #[test]
    fn tab_paste_rows_continuations_and_glued_row_start() {
        let text = "标题\n\t自然人\n\t商业\n企业\n\n\t（七）总计\n\t2\n\t0\n \t四、结转下年度继续办理\n\t1\n\t0\n\n\n五、存在的主要问题\n";
        let doc = parse(text);
        let grids: Vec<&Grid> = doc.tables().collect();
        assert_eq!(grids.len(), 1);
        assert_eq!(
            texts(grids[0]),
            vec![
                vec!["自然人", "商业企业"],
                vec!["（七）总计", "2", "0"],
                vec!["四、结转下年度继续办理", "1", "0"],
            ]
        );
        assert_eq!(grids[0].rows[2][0].line, Some(9));
        let lines: Vec<&str> = doc.lines().map(|l| l.text.as_str()).collect();
        assert_eq!(lines, vec!["标题", "五、存在的主要问题"]);
    }

    #[test]
    fn placeholder_cells_are_kept() {
        let doc = parse("\t\n\t自然人\n\t总计\n\n\t\n\t\n\t商业\n");
        let g = doc.tables().next().unwrap();
        assert_eq!(
            texts(g),
            vec![vec!["", "自然人", "总计"], vec!["", "", "商业"]]
        );
    }

    #[test]
    fn markdown_tables_and_headings() {
        let doc = parse("### 行政复议\n| 结果维持 | 总计 |\n|---|---|\n| 27 | 61 |\n\n正文\n");
        let lines: Vec<&str> = doc.lines().map(|l| l.text.as_str()).collect();
        assert_eq!(lines, vec!["行政复议", "正文"]);
        let g = doc.tables().next().unwrap();
        assert_eq!(texts(g), vec![vec!["结果维持", "总计"], vec!["27", "61"]]);
    }

    #[test]
    fn reads_gbk_bytes() {
        let (bytes, _, _) = encoding_rs::GBK.encode("四方台区2024年政府信息公开工作年度报告\n");
        let doc = read(&bytes).unwrap();
        assert_eq!(doc.encoding.as_deref(), Some("gb18030"));
        assert_eq!(
            doc.lines().next().unwrap().text,
            "四方台区2024年政府信息公开工作年度报告"
        );
    }
}
