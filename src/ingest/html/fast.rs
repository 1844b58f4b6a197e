//! The fast path of the HTML reader: the slimmed page read straight into
//! blocks, without building a tree.
//!
//! html5ever builds a whole DOM (two thirds of the reader's time) of which
//! the reader then walks only text, block boundaries and table structure.
//! This module runs the HTML tree-construction rules that decide those —
//! the stack of open elements, scopes, implied end tags, the list of active
//! formatting elements with its reconstruction, the table insertion modes
//! and their implied `<tbody>`/`<tr>` — and emits the reader's events as it
//! goes: a block element's start and end end a line (or separate words in a
//! cell), text goes to the line or the current cell, a table becomes a grid
//! when it closes, its nested tables right after it.
//!
//! It covers what report pages are made of, exactly, and gives up (`None`,
//! and the page goes through html5ever) on everything whose effect on the
//! tree is not local: text or elements inside a table but outside its cells
//! (moved before the table by foster parenting), a formatting element closed
//! around a block (the adoption agency's furthest block), `</form>` with
//! elements still open inside the form, captions, `<tfoot>`, a table
//! directly in a table, `<pre>`, `<select>`, `<template>`, `<object>`,
//! ruby and the rarer elements, character references outside a small table,
//! NUL characters, a page nesting deeper than [`MAX_FAST_DEPTH`] and any limit
//! reached. The property and fuzz tests compare both paths on random
//! markup: where this one answers, the answer is html5ever's.
//!
//! The input is `slim`'s output, so tags carry only the span attributes,
//! comments are empty and the content of scripts and styles is gone.

use super::{
    assemble, comment_end, is_ascii_space as is_html_space, memchr, next_attribute, parse_span,
    raw_text_end, script_end, Attr, CellSpec, TextAcc, MAX_DOCUMENT_SLOTS,
};
use crate::grid::{Block, Grid, TextLine};

/// Deepest stack of open elements the fast path follows; deeper pages go
/// to html5ever, which refuses them past [`super::MAX_DEPTH`].
pub(super) const MAX_FAST_DEPTH: usize = 1000;

/// The page's blocks, as [`super::read_str`] gives them, or `None` when
/// the page holds something this path leaves to html5ever.
pub(super) fn read(src: &str) -> Option<Vec<Block>> {
    if memchr(0, src.as_bytes()).is_some() {
        return None;
    }
    let mut b = Builder::default();
    b.run(src)?;
    b.finish()
}

// ---------------------------------------------------------------------------
// Element classes.

/// What the tree-construction rules know of an element, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    Html,
    Head,
    Body,
    /// `meta`, `link`, `base`, `basefont`, `bgsound`: void, in-head.
    HeadVoid,
    Title,
    Textarea,
    Style,
    Script,
    /// `noscript`, `noframes`: raw text, never read, in-head.
    RawHidden,
    /// `noembed`, `iframe`: raw text, never read, in-body.
    RawHiddenBody,
    Table,
    Colgroup,
    Col,
    Tbody,
    Thead,
    Tfoot,
    Tr,
    Td,
    Th,
    Caption,
    P,
    Li,
    Dd,
    Dt,
    Heading,
    /// The block elements whose start tag closes a `<p>`: `div`, `ul`, …
    Block,
    Form,
    Button,
    A,
    /// `b`, `font`, `strong`, …: formatting elements.
    Formatting,
    Br,
    Hr,
    /// `img`, `input`, `wbr`, `area`, `embed`, `keygen`: void, after
    /// reconstructing the formatting elements.
    Void,
    /// `param`, `source`, `track`: void.
    PlainVoid,
    /// Elements this path leaves to html5ever.
    Unsupported,
    /// Any other element: inline, not special.
    Other,
}

impl K {
    fn of(name: &str) -> K {
        let mut buf = [0u8; 16];
        let n = name.len();
        if n > buf.len() || !name.is_ascii() {
            return K::Other;
        }
        buf[..n].copy_from_slice(name.as_bytes());
        buf[..n].make_ascii_lowercase();
        match &buf[..n] {
            b"html" => K::Html,
            b"head" => K::Head,
            b"body" => K::Body,
            b"meta" | b"link" | b"base" | b"basefont" | b"bgsound" => K::HeadVoid,
            b"title" => K::Title,
            b"textarea" => K::Textarea,
            b"style" => K::Style,
            b"script" => K::Script,
            b"noscript" | b"noframes" => K::RawHidden,
            b"noembed" | b"iframe" => K::RawHiddenBody,
            b"table" => K::Table,
            b"colgroup" => K::Colgroup,
            b"col" => K::Col,
            b"tbody" => K::Tbody,
            b"thead" => K::Thead,
            b"tfoot" => K::Tfoot,
            b"tr" => K::Tr,
            b"td" => K::Td,
            b"th" => K::Th,
            b"caption" => K::Caption,
            b"p" => K::P,
            b"li" => K::Li,
            b"dd" => K::Dd,
            b"dt" => K::Dt,
            b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" => K::Heading,
            b"address" | b"article" | b"aside" | b"blockquote" | b"center" | b"dir" | b"div"
            | b"dl" | b"fieldset" | b"figcaption" | b"figure" | b"footer" | b"header"
            | b"hgroup" | b"main" | b"nav" | b"ol" | b"section" | b"ul" => K::Block,
            b"form" => K::Form,
            b"button" => K::Button,
            b"a" => K::A,
            b"b" | b"big" | b"code" | b"em" | b"font" | b"i" | b"s" | b"small" | b"strike"
            | b"strong" | b"tt" | b"u" => K::Formatting,
            b"br" => K::Br,
            b"hr" => K::Hr,
            b"img" | b"input" | b"wbr" | b"area" | b"embed" | b"keygen" => K::Void,
            b"param" | b"source" | b"track" => K::PlainVoid,
            b"applet" | b"audio" | b"canvas" | b"datalist" | b"details" | b"dialog" | b"frame"
            | b"frameset" | b"image" | b"isindex" | b"legend" | b"listing" | b"marquee"
            | b"math" | b"menu" | b"menuitem" | b"nobr" | b"object" | b"optgroup" | b"option"
            | b"plaintext" | b"pre" | b"rb" | b"rp" | b"rt" | b"rtc" | b"search" | b"select"
            | b"summary" | b"svg" | b"template" | b"video" | b"xmp" | b"selectedcontent" => {
                K::Unsupported
            }
            _ => K::Other,
        }
    }

    /// A block-level element for the reader ([`Kind::Block`]; table parts
    /// aside, which the table reading handles).
    fn block(self) -> bool {
        matches!(
            self,
            K::Html | K::Body | K::Block | K::P | K::Li | K::Dd | K::Dt | K::Heading | K::Form
        )
    }

    /// In the "special" category of the HTML standard (among the elements
    /// this path puts on its stack).
    fn special(self) -> bool {
        !matches!(self, K::A | K::Formatting | K::Other)
    }

    /// The table parts whose start tag closes a cell, and is ignored
    /// outside a table.
    fn table_part(self) -> bool {
        matches!(
            self,
            K::Caption
                | K::Col
                | K::Colgroup
                | K::Tbody
                | K::Td
                | K::Tfoot
                | K::Th
                | K::Thead
                | K::Tr
        )
    }

    fn is_cell(self) -> bool {
        matches!(self, K::Td | K::Th)
    }

    /// Ends the element in scope checks of every kind.
    fn bounds_scope(self) -> bool {
        matches!(self, K::Html | K::Table | K::Td | K::Th)
    }

    /// A table element that sets the insertion mode.
    fn structural(self) -> bool {
        matches!(
            self,
            K::Table | K::Tbody | K::Thead | K::Tr | K::Td | K::Th | K::Colgroup
        )
    }
}

/// The insertion mode, as far as this path tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Before `<body>` (initial, before head, in head, after head).
    Head,
    Body,
    Table,
    TableBody,
    Row,
    Cell,
    ColumnGroup,
}

/// An open element.
#[derive(Debug, Clone, Copy)]
struct Open<'s> {
    name: &'s str,
    k: K,
    id: u32,
    /// A block-level element for the reader ([`Kind::Block`]).
    block: bool,
}

/// An entry of the list of active formatting elements.
#[derive(Debug, Clone, Copy)]
enum Entry<'s> {
    Marker,
    Element { name: &'s str, k: K, id: u32 },
}

/// A table being read.
#[derive(Debug, Default)]
struct TableB {
    groups: Vec<Vec<Vec<CellSpec>>>,
    group: Vec<Vec<CellSpec>>,
    row: Vec<CellSpec>,
    cell: TextAcc,
    colspan: Option<usize>,
    rowspan: Option<usize>,
    /// Tables nested in this one's cells, in document order.
    nested: Vec<usize>,
    grid: Option<Grid>,
}

#[derive(Default)]
struct Builder<'s> {
    stack: Vec<Open<'s>>,
    /// The table elements of the stack that set the insertion mode
    /// ([`K::structural`]), so that the mode is known without a walk.
    structure: Vec<K>,
    active: Vec<Entry<'s>>,
    in_body: bool,
    form: Option<u32>,
    next_id: u32,
    tables: Vec<TableB>,
    open_tables: Vec<usize>,
    line: TextAcc,
    blocks: Vec<Block>,
    title: Option<String>,
    slots: usize,
}

/// Gives up on the page.
macro_rules! bail {
    () => {
        return None
    };
}

impl<'s> Builder<'s> {
    // -----------------------------------------------------------------------
    // Tokens.

    fn run(&mut self, src: &'s str) -> Option<()> {
        let b = src.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let Some(off) = memchr(b'<', &b[i..]) else {
                self.text(&src[i..])?;
                break;
            };
            let lt = i + off;
            if lt > i {
                self.text(&src[i..lt])?;
            }
            i = match b.get(lt + 1).copied() {
                Some(c) if c.is_ascii_alphabetic() => {
                    let (name, attrs, end) = tag(src, lt + 1)?;
                    let k = K::of(name);
                    match k {
                        K::Title
                        | K::Textarea
                        | K::Style
                        | K::Script
                        | K::RawHidden
                        | K::RawHiddenBody => {
                            self.raw_start(k)?;
                            let close = if k == K::Script {
                                script_end(b, end)
                            } else {
                                raw_text_end(b, end, name.as_bytes())
                            };
                            let close = close.unwrap_or(b.len());
                            if k == K::Title && self.title.is_none() {
                                let mut acc = TextAcc::default();
                                decode(&src[end..close], |t| {
                                    acc.push_str(t);
                                    Some(())
                                })?;
                                self.title = Some(acc.take());
                            }
                            // The end tag is tokenized like any other: a
                            // quoted attribute value may hold a '>', and at
                            // EOF inside the tag the tokenizer drops it.
                            if close < b.len() {
                                tag(src, close + 2).map_or(b.len(), |(_, _, end)| end)
                            } else {
                                b.len()
                            }
                        }
                        _ => {
                            self.start(name, k, attrs)?;
                            end
                        }
                    }
                }
                Some(b'/') => match b.get(lt + 2).copied() {
                    Some(c) if c.is_ascii_alphabetic() => {
                        let (name, _, end) = tag(src, lt + 2)?;
                        self.end(name, K::of(name))?;
                        end
                    }
                    Some(b'>') => lt + 3,
                    Some(_) => skip_through_gt(b, lt),
                    // "</" at the end of input is text.
                    None => {
                        self.text("</")?;
                        b.len()
                    }
                },
                Some(b'!') if b[lt..].starts_with(b"<!--") => comment_end(b, lt),
                Some(b'!') | Some(b'?') => skip_through_gt(b, lt),
                _ => {
                    self.text("<")?;
                    lt + 1
                }
            };
        }
        Some(())
    }

    /// Character data, with character references.
    fn text(&mut self, raw: &str) -> Option<()> {
        decode(raw, |t| self.chars(t))
    }

    fn chars(&mut self, t: &str) -> Option<()> {
        let ws = |t: &str| t.bytes().all(is_html_space);
        match self.mode() {
            Mode::Head => {
                let rest = t.trim_start_matches(|c: char| c.is_ascii() && is_html_space(c as u8));
                if rest.is_empty() {
                    return Some(());
                }
                self.enter_body();
                self.chars(rest)
            }
            Mode::Body | Mode::Cell => {
                self.reconstruct()?;
                match self.cell() {
                    Some(t_) => t_.cell.push_str(t),
                    None => self.line.push_str(t),
                }
                Some(())
            }
            // Whitespace stays in the table; anything else would be moved
            // before it.
            Mode::Table | Mode::TableBody | Mode::Row | Mode::ColumnGroup => {
                if ws(t) {
                    Some(())
                } else {
                    None
                }
            }
        }
    }

    // -----------------------------------------------------------------------
    // The stack.

    fn mode(&self) -> Mode {
        if !self.in_body {
            return Mode::Head;
        }
        match self.structure.last() {
            None => Mode::Body,
            Some(K::Table) => Mode::Table,
            Some(K::Tbody | K::Thead) => Mode::TableBody,
            Some(K::Tr) => Mode::Row,
            Some(K::Colgroup) => Mode::ColumnGroup,
            Some(_) => Mode::Cell,
        }
    }

    /// The innermost open table, when the current mode is "in cell".
    fn cell(&mut self) -> Option<&mut TableB> {
        if self.mode() == Mode::Cell {
            self.table()
        } else {
            None
        }
    }

    /// A line or word separation where the reader's walk enters or leaves
    /// a block.
    fn brk(&mut self) {
        match self.mode() {
            Mode::Cell => {
                if let Some(t) = self.table() {
                    t.cell.push_break();
                }
            }
            Mode::Body | Mode::Head => self.end_line(),
            _ => {}
        }
    }

    fn end_line(&mut self) {
        super::end_line(&mut self.line, &mut self.blocks);
    }

    fn enter_body(&mut self) {
        self.in_body = true;
        self.stack.push(Open {
            name: "html",
            k: K::Html,
            id: 0,
            block: true,
        });
        self.stack.push(Open {
            name: "body",
            k: K::Body,
            id: 1,
            block: true,
        });
        self.next_id = 2;
    }

    fn push(&mut self, name: &'s str, k: K) -> Option<u32> {
        if self.stack.len() >= MAX_FAST_DEPTH {
            bail!();
        }
        let id = self.next_id;
        self.next_id += 1;
        if k == K::Table {
            // Set aside in its parent's cell, or on its own line.
            let t = self.tables.len();
            match self.cell() {
                Some(parent) => {
                    parent.nested.push(t);
                    parent.cell.push_break();
                }
                None => self.end_line(),
            }
            self.tables.push(TableB::default());
            self.open_tables.push(t);
        }
        let block = k.block();
        self.stack.push(Open { name, k, id, block });
        if k.structural() {
            self.structure.push(k);
        }
        match k {
            K::Table => {}
            // The table's row group, row and cell were emptied when the
            // previous ones closed.
            K::Tbody | K::Thead | K::Tr | K::Td | K::Th | K::Colgroup => {}
            _ if block => self.brk(),
            _ => {}
        }
        Some(id)
    }

    fn pop(&mut self) -> Option<()> {
        let Some(el) = self.stack.pop() else {
            return Some(());
        };
        if el.k.structural() {
            self.structure.pop();
        }
        match el.k {
            K::Td | K::Th => {
                let t = self.table()?;
                let text = t.cell.take();
                let cell = CellSpec {
                    text,
                    colspan: t.colspan.take(),
                    rowspan: t.rowspan.take(),
                };
                t.row.push(cell);
            }
            K::Tr => {
                let t = self.table()?;
                let row = std::mem::take(&mut t.row);
                t.group.push(row);
            }
            K::Tbody | K::Thead => {
                let t = self.table()?;
                let group = std::mem::take(&mut t.group);
                t.groups.push(group);
            }
            K::Table => self.close_table()?,
            K::Colgroup => {}
            _ if el.block => self.brk(),
            _ => {}
        }
        Some(())
    }

    fn table(&mut self) -> Option<&mut TableB> {
        let t = *self.open_tables.last()?;
        Some(&mut self.tables[t])
    }

    fn close_table(&mut self) -> Option<()> {
        let t = self.open_tables.pop()?;
        let mut groups = std::mem::take(&mut self.tables[t].groups);
        let grid = assemble(&mut groups).ok()?;
        self.tables[t].grid = Some(grid);
        if self.open_tables.is_empty() {
            // A top-level table: it, then its nested tables depth first.
            let mut todo = vec![t];
            while let Some(t) = todo.pop() {
                let grid = self.tables[t].grid.take()?;
                self.slots = self.slots.saturating_add(grid.slot_count());
                if self.slots > MAX_DOCUMENT_SLOTS {
                    bail!();
                }
                if grid.width() > 0 {
                    self.blocks.push(Block::Table(grid));
                }
                todo.extend(self.tables[t].nested.iter().rev());
            }
        }
        Some(())
    }

    fn current(&self) -> Option<&Open<'s>> {
        self.stack.last()
    }

    /// Position of the topmost element matching `hit` before one matching
    /// `bound` (from the top of the stack).
    fn find(&self, hit: impl Fn(&Open) -> bool, bound: impl Fn(&Open) -> bool) -> Option<usize> {
        for (i, el) in self.stack.iter().enumerate().rev() {
            if hit(el) {
                return Some(i);
            }
            if bound(el) {
                return None;
            }
        }
        None
    }

    /// An element named `name` in (default) scope.
    fn in_scope(&self, name: &str) -> Option<usize> {
        self.find(
            |e| e.name.eq_ignore_ascii_case(name),
            |e| e.k.bounds_scope(),
        )
    }

    fn p_in_button_scope(&self) -> Option<usize> {
        self.find(|e| e.k == K::P, |e| e.k.bounds_scope() || e.k == K::Button)
    }

    /// An element named `name` in table scope.
    fn in_table_scope(&self, name: &str) -> Option<usize> {
        self.find(
            |e| e.name.eq_ignore_ascii_case(name),
            |e| matches!(e.k, K::Html | K::Table),
        )
    }

    fn pop_to(&mut self, pos: usize) -> Option<()> {
        while self.stack.len() > pos {
            self.pop()?;
        }
        Some(())
    }

    /// Pops the elements whose end tag may be omitted, except `except`.
    fn generate_implied(&mut self, except: Option<K>) -> Option<()> {
        while let Some(el) = self.current() {
            if matches!(el.k, K::P | K::Li | K::Dd | K::Dt) && Some(el.k) != except {
                self.pop()?;
            } else {
                break;
            }
        }
        Some(())
    }

    fn close_p_in_button_scope(&mut self) -> Option<()> {
        if self.p_in_button_scope().is_some() {
            self.generate_implied(Some(K::P))?;
            let pos = self.p_in_button_scope()?;
            self.pop_to(pos)?;
        }
        Some(())
    }

    /// Pops until the current node is of one of `kinds` (or `<html>`).
    fn clear_to(&mut self, kinds: &[K]) -> Option<()> {
        while let Some(el) = self.current() {
            if el.k == K::Html || kinds.contains(&el.k) {
                break;
            }
            self.pop()?;
        }
        Some(())
    }

    fn close_cell(&mut self) -> Option<()> {
        self.generate_implied(None)?;
        let pos = self.find(|e| e.k.is_cell(), |e| e.k == K::Table)?;
        self.pop_to(pos)?;
        self.clear_to_marker();
        Some(())
    }

    // -----------------------------------------------------------------------
    // Active formatting elements.

    fn in_stack(&self, id: u32) -> bool {
        self.stack.iter().rev().any(|e| e.id == id)
    }

    fn clear_to_marker(&mut self) {
        while let Some(e) = self.active.pop() {
            if let Entry::Marker = e {
                break;
            }
        }
    }

    fn push_formatting(&mut self, name: &'s str, k: K, id: u32) {
        // Noah's Ark: at most three entries alike since the last marker
        // (attributes being refused, "alike" is "same name").
        let mut alike = Vec::new();
        for (i, e) in self.active.iter().enumerate().rev() {
            match e {
                Entry::Marker => break,
                Entry::Element { name: n, .. } if n.eq_ignore_ascii_case(name) => alike.push(i),
                _ => {}
            }
        }
        if alike.len() >= 3 {
            self.active.remove(*alike.last().expect("three"));
        }
        self.active.push(Entry::Element { name, k, id });
    }

    fn reconstruct(&mut self) -> Option<()> {
        let Some(&last) = self.active.last() else {
            return Some(());
        };
        match last {
            Entry::Marker => return Some(()),
            Entry::Element { id, .. } if self.in_stack(id) => return Some(()),
            _ => {}
        }
        let mut i = self.active.len() - 1;
        while i > 0 {
            match self.active[i - 1] {
                Entry::Marker => break,
                Entry::Element { id, .. } if self.in_stack(id) => break,
                _ => i -= 1,
            }
        }
        for j in i..self.active.len() {
            if let Entry::Element { name, k, .. } = self.active[j] {
                let id = self.push(name, k)?;
                self.active[j] = Entry::Element { name, k, id };
            }
        }
        Some(())
    }

    /// The adoption agency algorithm for an end tag `name`, when it needs
    /// no furthest block; `None` (give up) when it does.
    fn adoption_agency(&mut self, name: &str) -> Option<()> {
        if let Some(cur) = self.current() {
            let id = cur.id;
            if cur.name.eq_ignore_ascii_case(name) && self.active_index(id).is_none() {
                return self.pop();
            }
        }
        let mut found = None;
        for (i, e) in self.active.iter().enumerate().rev() {
            match e {
                Entry::Marker => break,
                Entry::Element { name: n, id, .. } if n.eq_ignore_ascii_case(name) => {
                    found = Some((i, *id));
                    break;
                }
                _ => {}
            }
        }
        let Some((entry, id)) = found else {
            return self.any_other_end(name);
        };
        let Some(pos) = self.stack.iter().rposition(|e| e.id == id) else {
            self.active.remove(entry);
            return Some(());
        };
        if self.find(|e| e.id == id, |e| e.k.bounds_scope()).is_none() {
            return Some(());
        }
        if self.stack[pos + 1..].iter().any(|e| e.k.special()) {
            bail!();
        }
        self.pop_to(pos)?;
        self.active.remove(entry);
        Some(())
    }

    /// Where the element `id` is in the list of active formatting elements.
    fn active_index(&self, id: u32) -> Option<usize> {
        self.active
            .iter()
            .position(|e| matches!(e, Entry::Element { id: i, .. } if *i == id))
    }

    /// "Any other end tag" of the in-body rules.
    fn any_other_end(&mut self, name: &str) -> Option<()> {
        for i in (0..self.stack.len()).rev() {
            let el = self.stack[i];
            if el.name.eq_ignore_ascii_case(name) {
                self.generate_implied(Some(el.k))?;
                return self.pop_to(i);
            }
            if el.k.special() {
                return Some(());
            }
        }
        Some(())
    }

    // -----------------------------------------------------------------------
    // Start tags.

    /// A raw-text or RCDATA element starts (its content is skipped by the
    /// caller, its end tag pops it).
    fn raw_start(&mut self, k: K) -> Option<()> {
        match self.mode() {
            // Not head elements: they start the body.
            Mode::Head if matches!(k, K::Textarea | K::RawHiddenBody) => {
                self.enter_body();
                Some(())
            }
            Mode::Head | Mode::Body | Mode::Cell => Some(()),
            // Scripts and styles stay in tables; the others would be moved
            // out.
            Mode::Table | Mode::TableBody | Mode::Row => {
                if matches!(k, K::Script | K::Style) {
                    Some(())
                } else {
                    None
                }
            }
            Mode::ColumnGroup => {
                self.pop()?;
                self.raw_start(k)
            }
        }
    }

    fn start(&mut self, name: &'s str, k: K, attrs: &'s str) -> Option<()> {
        if k == K::Unsupported {
            bail!();
        }
        match self.mode() {
            Mode::Head => match k {
                K::Html | K::Head | K::HeadVoid => Some(()),
                K::Body => {
                    self.enter_body();
                    Some(())
                }
                _ => {
                    self.enter_body();
                    self.start(name, k, attrs)
                }
            },
            Mode::Body => self.start_in_body(name, k, attrs),
            Mode::Cell => {
                if k.table_part() {
                    self.close_cell()?;
                    return self.start(name, k, attrs);
                }
                self.start_in_body(name, k, attrs)
            }
            Mode::Table => self.start_in_table(name, k, attrs),
            Mode::TableBody => match k {
                K::Tr => {
                    self.clear_to(&[K::Tbody, K::Thead])?;
                    self.push(name, k)?;
                    Some(())
                }
                K::Td | K::Th => {
                    self.clear_to(&[K::Tbody, K::Thead])?;
                    self.push("tr", K::Tr)?;
                    self.start(name, k, attrs)
                }
                K::Caption | K::Col | K::Colgroup | K::Tbody | K::Tfoot | K::Thead => {
                    self.clear_to(&[K::Tbody, K::Thead])?;
                    self.pop()?;
                    self.start(name, k, attrs)
                }
                _ => self.start_in_table(name, k, attrs),
            },
            Mode::Row => match k {
                K::Td | K::Th => {
                    self.clear_to(&[K::Tr])?;
                    let (colspan, rowspan) = spans(attrs)?;
                    self.push(name, k)?;
                    let t = self.table()?;
                    t.colspan = colspan;
                    t.rowspan = rowspan;
                    self.active.push(Entry::Marker);
                    Some(())
                }
                K::Caption | K::Col | K::Colgroup | K::Tbody | K::Tfoot | K::Thead | K::Tr => {
                    self.clear_to(&[K::Tr])?;
                    self.pop()?;
                    self.start(name, k, attrs)
                }
                _ => self.start_in_table(name, k, attrs),
            },
            Mode::ColumnGroup => match k {
                K::Col | K::Html => Some(()),
                _ => {
                    self.pop()?;
                    self.start(name, k, attrs)
                }
            },
        }
    }

    fn start_in_table(&mut self, name: &'s str, k: K, attrs: &'s str) -> Option<()> {
        match k {
            K::Colgroup => {
                self.clear_to(&[K::Table])?;
                self.push(name, k)?;
                Some(())
            }
            K::Col => {
                self.clear_to(&[K::Table])?;
                self.push("colgroup", K::Colgroup)?;
                Some(())
            }
            K::Tbody | K::Thead => {
                self.clear_to(&[K::Table])?;
                self.push(name, k)?;
                Some(())
            }
            K::Td | K::Th | K::Tr => {
                self.clear_to(&[K::Table])?;
                self.push("tbody", K::Tbody)?;
                self.start(name, k, attrs)
            }
            // Everything else is moved before the table, or rare.
            _ => None,
        }
    }

    fn start_in_body(&mut self, name: &'s str, k: K, attrs: &'s str) -> Option<()> {
        match k {
            K::Html | K::Body | K::Head | K::HeadVoid | K::PlainVoid => Some(()),
            // Table parts outside a table are ignored.
            _ if k.table_part() => Some(()),
            K::Block | K::P => {
                self.close_p_in_button_scope()?;
                self.push(name, k)?;
                Some(())
            }
            K::Heading => {
                self.close_p_in_button_scope()?;
                if self.current().is_some_and(|e| e.k == K::Heading) {
                    self.pop()?;
                }
                self.push(name, k)?;
                Some(())
            }
            K::Li | K::Dd | K::Dt => {
                for i in (0..self.stack.len()).rev() {
                    let el = self.stack[i];
                    let closes = match k {
                        K::Li => el.k == K::Li,
                        _ => matches!(el.k, K::Dd | K::Dt),
                    };
                    if closes {
                        self.generate_implied(Some(el.k))?;
                        self.pop_to(i)?;
                        break;
                    }
                    if el.k.special()
                        && !(el.k == K::P
                            || el.name.eq_ignore_ascii_case("address")
                            || el.name.eq_ignore_ascii_case("div"))
                    {
                        break;
                    }
                }
                self.close_p_in_button_scope()?;
                self.push(name, k)?;
                Some(())
            }
            K::Form => {
                if self.form.is_none() {
                    self.close_p_in_button_scope()?;
                    self.form = Some(self.push(name, k)?);
                }
                Some(())
            }
            K::Button => {
                if let Some(pos) = self.in_scope("button") {
                    self.generate_implied(None)?;
                    self.pop_to(pos)?;
                }
                self.reconstruct()?;
                self.push(name, k)?;
                Some(())
            }
            K::A | K::Formatting => {
                if !attrs.trim().is_empty() {
                    bail!();
                }
                if k == K::A {
                    let open_a = self.active.iter().rev().find_map(|e| match e {
                        Entry::Marker => Some(None),
                        Entry::Element { k: K::A, id, .. } => Some(Some(*id)),
                        _ => None,
                    });
                    if let Some(Some(id)) = open_a {
                        self.adoption_agency("a")?;
                        if let Some(i) = self.active_index(id) {
                            self.active.remove(i);
                        }
                        if let Some(i) = self.stack.iter().position(|e| e.id == id) {
                            self.stack.remove(i);
                        }
                    }
                }
                self.reconstruct()?;
                let id = self.push(name, k)?;
                self.push_formatting(name, k, id);
                Some(())
            }
            K::Br => {
                self.reconstruct()?;
                self.brk();
                Some(())
            }
            K::Hr => {
                self.close_p_in_button_scope()?;
                self.brk();
                Some(())
            }
            K::Void => {
                self.reconstruct()?;
                Some(())
            }
            K::Table => {
                self.close_p_in_button_scope()?;
                self.push(name, k)?;
                Some(())
            }
            K::Other => {
                self.reconstruct()?;
                self.push(name, k)?;
                Some(())
            }
            // Raw text is handled by the caller; the rest is left to
            // html5ever.
            _ => None,
        }
    }

    // -----------------------------------------------------------------------
    // End tags.

    fn end(&mut self, name: &'s str, k: K) -> Option<()> {
        match self.mode() {
            Mode::Head => match k {
                K::Body | K::Html | K::Br => {
                    self.enter_body();
                    self.end(name, k)
                }
                _ => Some(()),
            },
            Mode::Body => self.end_in_body(name, k),
            Mode::Cell => match k {
                K::Td | K::Th => {
                    if self.in_table_scope(name).is_some() {
                        self.close_cell()?;
                    }
                    Some(())
                }
                K::Body | K::Caption | K::Col | K::Colgroup | K::Html => Some(()),
                K::Table | K::Tbody | K::Tfoot | K::Thead | K::Tr => {
                    if self.in_table_scope(name).is_some() {
                        self.close_cell()?;
                        return self.end(name, k);
                    }
                    Some(())
                }
                _ => self.end_in_body(name, k),
            },
            Mode::Table => self.end_in_table(name, k),
            Mode::TableBody => match k {
                K::Tbody | K::Thead | K::Tfoot => {
                    if self.in_table_scope(name).is_some() {
                        self.clear_to(&[K::Tbody, K::Thead])?;
                        self.pop()?;
                    }
                    Some(())
                }
                K::Table => {
                    self.clear_to(&[K::Tbody, K::Thead])?;
                    self.pop()?;
                    self.end(name, k)
                }
                K::Body | K::Caption | K::Col | K::Colgroup | K::Html | K::Td | K::Th | K::Tr => {
                    Some(())
                }
                _ => self.end_in_table(name, k),
            },
            Mode::Row => match k {
                K::Tr => {
                    self.clear_to(&[K::Tr])?;
                    self.pop()
                }
                K::Table => {
                    self.clear_to(&[K::Tr])?;
                    self.pop()?;
                    self.end(name, k)
                }
                K::Tbody | K::Thead | K::Tfoot => {
                    if self.in_table_scope(name).is_some() {
                        self.clear_to(&[K::Tr])?;
                        self.pop()?;
                        return self.end(name, k);
                    }
                    Some(())
                }
                K::Body | K::Caption | K::Col | K::Colgroup | K::Html | K::Td | K::Th => Some(()),
                _ => self.end_in_table(name, k),
            },
            Mode::ColumnGroup => match k {
                K::Colgroup => self.pop(),
                K::Col => Some(()),
                K::Unsupported => None,
                _ => {
                    self.pop()?;
                    self.end(name, k)
                }
            },
        }
    }

    fn end_in_table(&mut self, name: &'s str, k: K) -> Option<()> {
        match k {
            K::Table => {
                let pos = self.find(|e| e.k == K::Table, |e| e.k == K::Html)?;
                self.pop_to(pos)
            }
            // Ignored in a table.
            _ if k == K::Body || k == K::Html || k.table_part() => Some(()),
            // These insert an element, which would go before the table.
            K::P | K::Br | K::Unsupported => None,
            _ => self.end_in_body(name, k),
        }
    }

    fn end_in_body(&mut self, name: &'s str, k: K) -> Option<()> {
        match k {
            K::Body | K::Html => Some(()),
            K::Block | K::Button => {
                if let Some(pos) = self.in_scope(name) {
                    self.generate_implied(None)?;
                    self.pop_to(pos)?;
                }
                Some(())
            }
            K::Form => {
                let Some(id) = self.form.take() else {
                    return Some(());
                };
                if self.find(|e| e.id == id, |e| e.k.bounds_scope()).is_none() {
                    return Some(());
                }
                self.generate_implied(None)?;
                if self.current().is_some_and(|e| e.id == id) {
                    self.pop()
                } else {
                    // The form leaves the stack but its open children stay
                    // in it: the tree is no longer the token order.
                    None
                }
            }
            K::P => {
                if self.p_in_button_scope().is_none() {
                    // An empty <p> is inserted and closed.
                    self.brk();
                    return Some(());
                }
                self.generate_implied(Some(K::P))?;
                let pos = self.p_in_button_scope()?;
                self.pop_to(pos)
            }
            K::Li => {
                let pos = self.find(
                    |e| e.k == K::Li,
                    |e| {
                        e.k.bounds_scope()
                            || (e.k == K::Block
                                && (e.name.eq_ignore_ascii_case("ol")
                                    || e.name.eq_ignore_ascii_case("ul")))
                    },
                );
                if let Some(pos) = pos {
                    self.generate_implied(Some(K::Li))?;
                    self.pop_to(pos)?;
                }
                Some(())
            }
            K::Dd | K::Dt => {
                if let Some(pos) = self.in_scope(name) {
                    self.generate_implied(Some(k))?;
                    self.pop_to(pos)?;
                }
                Some(())
            }
            K::Heading => {
                if let Some(pos) = self.find(|e| e.k == K::Heading, |e| e.k.bounds_scope()) {
                    self.generate_implied(None)?;
                    self.pop_to(pos)?;
                }
                Some(())
            }
            K::A | K::Formatting => self.adoption_agency(name),
            K::Br => {
                self.reconstruct()?;
                self.brk();
                Some(())
            }
            _ => self.any_other_end(name),
        }
    }

    // -----------------------------------------------------------------------
    // End of input.

    fn finish(mut self) -> Option<Vec<Block>> {
        while !self.stack.is_empty() {
            self.pop()?;
        }
        self.end_line();
        let mut blocks = Vec::with_capacity(self.blocks.len() + 1);
        if let Some(title) = self.title.take().filter(|t| !t.is_empty()) {
            blocks.push(Block::Text(TextLine {
                text: title,
                line: None,
            }));
        }
        blocks.append(&mut self.blocks);
        Some(blocks)
    }
}

fn skip_through_gt(b: &[u8], from: usize) -> usize {
    memchr(b'>', &b[from..]).map_or(b.len(), |p| from + p + 1)
}

/// The tag whose name starts at `p`: its name, the text of its attributes
/// and the index after its `>`; `None` at EOF inside the tag.
fn tag(src: &str, p: usize) -> Option<(&str, &str, usize)> {
    let b = src.as_bytes();
    let mut q = p;
    while q < b.len() && !is_html_space(b[q]) && b[q] != b'/' && b[q] != b'>' {
        q += 1;
    }
    let name = &src[p..q];
    let attrs_start = q;
    loop {
        match next_attribute(b, q)? {
            Attr::End(gt) => return Some((name, &src[attrs_start..gt], gt + 1)),
            Attr::Found { next, .. } => q = next,
        }
    }
}

/// The `colspan` and `rowspan` of a cell's attribute text (the first of
/// each, as the tokenizer keeps); `None` when a value holds a character
/// reference.
#[allow(clippy::type_complexity)]
fn spans(attrs: &str) -> Option<(Option<usize>, Option<usize>)> {
    let b = attrs.as_bytes();
    let mut colspan: Option<Option<usize>> = None;
    let mut rowspan: Option<Option<usize>> = None;
    let mut p = 0;
    while p < b.len() {
        // The attribute text has no '>': its end is the end of input.
        let Some(Attr::Found { name, value, next }) = next_attribute(b, p) else {
            break;
        };
        p = next;
        let name = &attrs[name.0..name.1];
        let slot = if name.eq_ignore_ascii_case("colspan") {
            &mut colspan
        } else if name.eq_ignore_ascii_case("rowspan") {
            &mut rowspan
        } else {
            continue;
        };
        if slot.is_none() {
            let v = value.map_or("", |(a, z)| &attrs[a..z]);
            if v.contains('&') {
                return None;
            }
            *slot = Some(parse_span(Some(v)));
        }
    }
    Some((colspan.flatten(), rowspan.flatten()))
}

/// Calls `out` with the pieces of `raw` with its character references
/// decoded; `None` for a reference outside [`NAMED`] or out of the plain
/// numeric range.
fn decode(raw: &str, mut out: impl FnMut(&str) -> Option<()>) -> Option<()> {
    let b = raw.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while let Some(off) = memchr(b'&', &b[i..]) {
        let amp = i + off;
        let next = b.get(amp + 1).copied();
        if !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'#') {
            // A bare '&' is text.
            i = amp + 1;
            continue;
        }
        if amp > from {
            out(&raw[from..amp])?;
        }
        let semi = amp + memchr(b';', &b[amp..])?;
        let body = &raw[amp + 1..semi];
        let ch = if let Some(num) = body.strip_prefix('#') {
            let (digits, radix) = match num.strip_prefix(['x', 'X']) {
                Some(h) => (h, 16),
                None => (num, 10),
            };
            if digits.is_empty()
                || digits.len() > 8
                || !digits.bytes().all(|c| c.is_ascii_hexdigit())
            {
                bail!();
            }
            let v = u32::from_str_radix(digits, radix).ok()?;
            if v == 0 || (0x80..=0x9F).contains(&v) {
                bail!();
            }
            char::from_u32(v)?
        } else {
            NAMED.iter().find(|(n, _)| *n == body)?.1
        };
        let mut buf = [0u8; 4];
        out(ch.encode_utf8(&mut buf))?;
        i = semi + 1;
        from = i;
    }
    if from < b.len() {
        out(&raw[from..])?;
    }
    Some(())
}

/// The named character references this path decodes (with their `;`).
const NAMED: &[(&str, char)] = &[
    ("nbsp", '\u{A0}'),
    ("amp", '&'),
    ("AMP", '&'),
    ("lt", '<'),
    ("LT", '<'),
    ("gt", '>'),
    ("GT", '>'),
    ("quot", '"'),
    ("QUOT", '"'),
    ("apos", '\''),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("middot", '\u{B7}'),
    ("ldquo", '\u{201C}'),
    ("rdquo", '\u{201D}'),
    ("lsquo", '\u{2018}'),
    ("rsquo", '\u{2019}'),
    ("mdash", '\u{2014}'),
    ("ndash", '\u{2013}'),
    ("hellip", '\u{2026}'),
    ("times", '\u{D7}'),
    ("divide", '\u{F7}'),
    ("copy", '\u{A9}'),
    ("COPY", '\u{A9}'),
    ("reg", '\u{AE}'),
    ("REG", '\u{AE}'),
    ("yen", '\u{A5}'),
    ("deg", '\u{B0}'),
    ("plusmn", '\u{B1}'),
    ("sect", '\u{A7}'),
    ("bull", '\u{2022}'),
    ("laquo", '\u{AB}'),
    ("raquo", '\u{BB}'),
];
