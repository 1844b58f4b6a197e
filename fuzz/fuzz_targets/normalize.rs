//! Arbitrary grids and text through the normaliser and the checker. The
//! input's lines become text lines or grid rows (cells split at '|'), so
//! the fuzzer can reach label matching, alignment and glued-digit solving
//! without going through a reader.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ogi::grid::{Block, Cell, Document, Grid, TextLine};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut doc = Document::default();
    let mut grid = Grid {
        expanded: flags & 1 == 1,
        ..Grid::default()
    };
    for (i, line) in text.lines().enumerate() {
        if line.contains('|') {
            grid.rows.push(line.split('|').map(|c| Cell::at_line(c, i + 1)).collect());
        } else {
            if !grid.rows.is_empty() {
                doc.blocks.push(Block::Table(std::mem::take(&mut grid)));
                grid.expanded = flags & 1 == 1;
            }
            doc.blocks.push(Block::Text(TextLine { text: line.to_string(), line: Some(i + 1) }));
        }
    }
    if !grid.rows.is_empty() {
        // Expanded grids are rectangular.
        if grid.expanded {
            let w = grid.width();
            for r in &mut grid.rows {
                r.resize(w, Cell::default());
            }
        }
        doc.blocks.push(Block::Table(grid));
    }
    let mut r = ogi::normalize::normalize(&doc, ogi::schema::Source::default());
    ogi::check::run(&mut r);
    let _ = r.to_json();
});
