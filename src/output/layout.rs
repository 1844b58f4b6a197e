//! The layout of a report file: pretty at the top two levels, one line
//! for anything deeper.
//!
//! The report object's own keys and the members of its sections (`t3`'s
//! rows, `cells`' entries, `findings`' items) are one per line, indented
//! as `serde_json`'s pretty printer does; an object or array nested
//! deeper (a row's values, a cell's record and its position, a finding) is
//! written on its line, `{"state": "ok", "raw": "2", "at": {…}}`, as
//! SCHEMA.md shows them. A report reads a row or a cell per line, and its
//! file is about a third smaller than fully indented JSON (4,000 of a
//! report's 45,000 bytes are the `cells` records' indentation and line
//! breaks alone).

use serde::Serialize;
use serde_json::ser::Formatter;
use std::io::{self, Write};

/// Containers opened at this depth or deeper (the report object is depth 1)
/// are written on one line.
const FLAT_FROM: usize = 3;

/// A [`Formatter`] for the report layout.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Containers open around the current position.
    depth: usize,
    /// Whether the innermost container has a member yet.
    has_value: bool,
}

impl Layout {
    /// The layout of a whole report object.
    pub fn new() -> Layout {
        Layout::default()
    }

    /// The layout of a value printed on its own that sits `depth`
    /// containers deep in a report (a finding: 2, inside `findings`).
    pub fn nested(depth: usize) -> Layout {
        Layout {
            depth,
            has_value: false,
        }
    }

    fn flat(&self) -> bool {
        self.depth >= FLAT_FROM
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        let flat = self.flat();
        self.depth -= 1;
        if self.has_value && !flat {
            w.write_all(b"\n")?;
            indent(w, self.depth)?;
        }
        self.has_value = true;
        w.write_all(bracket)
    }

    fn member<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if self.flat() {
            if !first {
                w.write_all(b", ")?;
            }
            return Ok(());
        }
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.depth)
    }
}

fn indent<W: ?Sized + Write>(w: &mut W, depth: usize) -> io::Result<()> {
    for _ in 0..depth {
        w.write_all(b"  ")?;
    }
    Ok(())
}

impl Formatter for Layout {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// `value` in the report layout, without a final newline.
pub fn to_vec<T: ?Sized + Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(32 * 1024);
    write(&mut out, value, Layout::new())?;
    Ok(out)
}

/// Writes `value` to `w` in `layout`.
pub fn write<W: Write, T: ?Sized + Serialize>(w: W, value: &T, layout: Layout) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, layout);
    value.serialize(&mut ser).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn two_levels_are_indented_and_deeper_ones_are_lines() {
        let v = json!({
            "schema": "x",
            "t3": {"new": {"a": 1, "b": 2}, "empty": {}},
            "cells": {"t3.new.a": {"state": "ok", "at": {"row": 3, "col": [1, 2]}}},
            "findings": [{"rule": "R", "cells": ["a", "b"]}],
            "repairs": [],
            "error": null
        });
        let text = String::from_utf8(to_vec(&v).unwrap()).unwrap();
        let want = r#"{
  "schema": "x",
  "t3": {
    "new": {"a": 1, "b": 2},
    "empty": {}
  },
  "cells": {
    "t3.new.a": {"state": "ok", "at": {"row": 3, "col": [1, 2]}}
  },
  "findings": [
    {"rule": "R", "cells": ["a", "b"]}
  ],
  "repairs": [],
  "error": null
}"#;
        assert_eq!(text, want);
    }

    #[test]
    fn a_nested_value_is_one_line() {
        let f = json!({"rule": "R", "expected": 2, "cells": ["x"]});
        let mut out = Vec::new();
        write(&mut out, &f, Layout::nested(2)).unwrap();
        assert_eq!(out, br#"{"rule": "R", "expected": 2, "cells": ["x"]}"#);
    }

    #[test]
    fn scalars_and_shallow_values_print_as_pretty_json_does() {
        for v in [
            json!(null),
            json!("a \"quoted\" 表"),
            json!([1, 2]),
            json!({"a": {"b": 1}}),
            json!({}),
            json!([]),
        ] {
            let ours = to_vec(&v).unwrap();
            assert_eq!(ours, serde_json::to_vec_pretty(&v).unwrap(), "{v}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_value_reads_back_the_same(v in value(4)) {
            let text = to_vec(&v).unwrap();
            let back: Value = serde_json::from_slice(&text).unwrap();
            proptest::prop_assert_eq!(&back, &v);
            // Nothing at depth three or more spans lines.
            let deep_break = text
                .split(|&b| b == b'\n')
                .any(|line| line.starts_with(b"      "));
            proptest::prop_assert!(!deep_break);
        }
    }

    fn value(depth: u32) -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "[a-z \n\"\\\\表]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(depth, 40, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{1,4}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
