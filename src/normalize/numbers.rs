//! Reading one value cell: numbers, none-markers, units, full-width digits.
//!
//! The rules come from the variants real reports write (FORMAT.md §4.2):
//! `1,234` and `1，234` and `1 234` are thousands-separated counts; `１２` is
//! full-width; `/`, `-`, `—`, `无` … mean "none"; `251000元`, `12.6万元`, `3件`
//! carry a unit; `+1036` and `-8` are signed changes; `12*` carries a
//! footnote mark.

use crate::schema::Num;

/// What a value cell holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A number, with any unit written in the cell.
    Number {
        /// The value as written (before unit conversion).
        value: Num,
        /// A unit written in the cell (`元`, `万元`, `件`, `项`, …).
        unit: Option<String>,
        /// Whether the text had full-width digits.
        fullwidth: bool,
    },
    /// An empty cell.
    Blank,
    /// A none-marker.
    Marker,
    /// Text that is not a number.
    Text,
}

use crate::grid::NONE_MARKERS as MARKERS;

/// Units that may follow a number in a cell.
const UNITS: &[&str] = &[
    "万元", "亿元", "元", "件", "项", "个", "条", "次", "宗", "起", "人",
];

/// The ideographs a value cell may hold: in [`UNITS`], in the none-markers,
/// the footnote mark `注` and the change prefixes `减少`/`增加`.
const VALUE_IDEOGRAPHS: &str = "万亿元件项个条次宗起人注减少增加无暂空不涉及一";

/// Converts full-width ASCII (digits, signs, punctuation) to half-width.
pub fn to_halfwidth(s: &str) -> (String, bool) {
    let mut changed = false;
    let out = s
        .chars()
        .map(|c| {
            changed |= ('\u{FF01}'..='\u{FF5E}').contains(&c);
            halfwidth_char(c)
        })
        .collect();
    (out, changed)
}

/// One character of [`to_halfwidth`].
pub fn halfwidth_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Classifies a value cell's text.
pub fn parse_cell(raw: &str) -> Parsed {
    let t = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}');
    if t.is_empty() {
        return Parsed::Blank;
    }
    // The common case first: plain ASCII digits, no allocation.
    if t.len() <= 15 && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(v) = t.parse::<i64>() {
            return Parsed::Number {
                value: Num::Int(v),
                unit: None,
                fullwidth: false,
            };
        }
    }
    if MARKERS.contains(&t) {
        return Parsed::Marker;
    }
    // Labels are most of the texts asked about: an ideograph no number,
    // unit, footnote or marker has settles it without the rewriting below.
    if t.chars()
        .any(|c| ('\u{3400}'..='\u{9FFF}').contains(&c) && !VALUE_IDEOGRAPHS.contains(c))
    {
        return Parsed::Text;
    }
    let (half, fullwidth) = to_halfwidth(t);
    let mut s = half.trim().to_string();
    // Footnote marks.
    for mark in ["*", "（注）", "(注)", "注"] {
        if let Some(stripped) = s.strip_suffix(mark) {
            s = stripped.trim_end().to_string();
        }
    }
    let mut unit = None;
    for u in UNITS {
        if let Some(stripped) = s.strip_suffix(u) {
            unit = Some((*u).to_string());
            s = stripped.trim_end().to_string();
            break;
        }
    }
    match parse_number(&s) {
        Some(value) => Parsed::Number {
            value,
            unit,
            fullwidth,
        },
        None => {
            if MARKERS.contains(&s.as_str()) {
                Parsed::Marker
            } else {
                Parsed::Text
            }
        }
    }
}

/// Parses a plain number: optional sign (`+`, `-`, `−`), digits with
/// optional thousands separators (`,` or a space between groups of three),
/// optional decimal part. `减少3` reads as −3.
pub fn parse_number(s: &str) -> Option<Num> {
    let s = s.trim();
    let (neg, rest) = if let Some(r) = s.strip_prefix("减少") {
        (true, r)
    } else if let Some(r) = s.strip_prefix("增加") {
        (false, r)
    } else if let Some(r) = s.strip_prefix(['-', '−', '－']) {
        (true, r)
    } else if let Some(r) = s.strip_prefix(['+', '＋']) {
        (false, r)
    } else {
        (false, s)
    };
    let rest = rest.trim();
    if rest.is_empty() {
        return None;
    }
    let (int_part, frac_part) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let digits = strip_thousands(int_part)?;
    if digits.is_empty() {
        return None;
    }
    match frac_part {
        None => {
            let v: i64 = digits.parse().ok()?;
            Some(Num::Int(if neg { -v } else { v }))
        }
        Some(f) => {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let v: f64 = format!("{digits}.{f}").parse().ok()?;
            Some(Num::Dec(if neg { -v } else { v }))
        }
    }
}

/// `1,234` / `1，234` / `1 234` → `1234`; `None` when separators are not
/// at thousands positions or other characters appear.
fn strip_thousands(s: &str) -> Option<String> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(s.to_string());
    }
    let groups: Vec<&str> = s.split([',', '，', ' ']).collect();
    if groups.len() < 2 {
        return None;
    }
    let first = groups[0];
    if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    for g in &groups[1..] {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    Some(groups.concat())
}

/// Whether a cell's text reads as a number (or a none-marker), i.e. is a
/// value rather than a label.
pub fn is_value_like(raw: &str) -> bool {
    matches!(
        parse_cell(raw),
        Parsed::Number { .. } | Parsed::Marker | Parsed::Blank
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(raw: &str) -> Option<Num> {
        match parse_cell(raw) {
            Parsed::Number { value, .. } => Some(value),
            _ => None,
        }
    }

    #[test]
    fn value_ideographs_are_those_of_units_markers_and_prefixes() {
        let mut expected: Vec<char> = UNITS
            .iter()
            .chain(MARKERS)
            .chain(&["注", "减少", "增加"])
            .flat_map(|s| s.chars())
            .filter(|c| ('\u{3400}'..='\u{9FFF}').contains(c))
            .collect();
        expected.sort_unstable();
        expected.dedup();
        let mut have: Vec<char> = VALUE_IDEOGRAPHS.chars().collect();
        have.sort_unstable();
        assert_eq!(have, expected);
        // The shortcut gives what the full reading gives.
        assert_eq!(parse_cell("一、本年新收政府信息公开申请数量"), Parsed::Text);
        assert_eq!(parse_cell("减少3件"), num_parsed(-3, Some("件")));
        assert_eq!(parse_cell("暂无"), Parsed::Marker);
        assert_eq!(parse_cell("12注"), num_parsed(12, None));
    }

    fn num_parsed(v: i64, unit: Option<&str>) -> Parsed {
        Parsed::Number {
            value: Num::Int(v),
            unit: unit.map(str::to_string),
            fullwidth: false,
        }
    }

    #[test]
    fn plain_and_separated_numbers() {
        assert_eq!(num("0"), Some(Num::Int(0)));
        assert_eq!(num(" 17 "), Some(Num::Int(17)));
        assert_eq!(num("1,234"), Some(Num::Int(1234)));
        assert_eq!(num("1，234"), Some(Num::Int(1234)));
        assert_eq!(num("1 234 567"), Some(Num::Int(1_234_567)));
        assert_eq!(num("12,34"), None);
        assert_eq!(num("0.35"), Some(Num::Dec(0.35)));
        assert_eq!(num("12.60"), Some(Num::Dec(12.6)));
    }

    #[test]
    fn fullwidth_signed_and_units() {
        assert_eq!(
            parse_cell("１２"),
            Parsed::Number {
                value: Num::Int(12),
                unit: None,
                fullwidth: true
            }
        );
        assert_eq!(num("+1036"), Some(Num::Int(1036)));
        assert_eq!(num("-8"), Some(Num::Int(-8)));
        assert_eq!(num("−3"), Some(Num::Int(-3)));
        assert_eq!(num("减少3"), Some(Num::Int(-3)));
        assert_eq!(
            parse_cell("251000元"),
            Parsed::Number {
                value: Num::Int(251_000),
                unit: Some("元".into()),
                fullwidth: false
            }
        );
        assert_eq!(num("12.6万元"), Some(Num::Dec(12.6)));
        assert_eq!(num("3件"), Some(Num::Int(3)));
        assert_eq!(num("12*"), Some(Num::Int(12)));
    }

    #[test]
    fn markers_blanks_and_text() {
        for m in [
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
        ] {
            assert_eq!(parse_cell(m), Parsed::Marker, "{m}");
        }
        assert_eq!(parse_cell(""), Parsed::Blank);
        assert_eq!(parse_cell("\u{a0} \u{3000}"), Parsed::Blank);
        assert_eq!(parse_cell("自然人"), Parsed::Text);
        assert_eq!(parse_cell("=SUM(B3:B5)"), Parsed::Text);
        assert!(!is_value_like("一、本年新收政府信息公开申请数量"));
        assert!(is_value_like("0"));
    }
}
