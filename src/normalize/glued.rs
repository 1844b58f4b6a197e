//! Glued digits: value runs whose cell borders were lost.
//!
//! Crawled text often drops the borders between cells, so a row of seven
//! counts `6 0 0 0 0 1 7` arrives as `6000017`, or partly spaced as
//! `230 000023`. A run is split into the number of cells the template row
//! has; every split is a *reading*. Readings are enumerated here (numbers
//! never have a leading zero unless they are `0`, and a space is always a
//! border); which reading is right is decided by the table's own
//! arithmetic, by the callers. When more than one reading fits every
//! constraint, the cells stay null: the source does not decide them.

/// Upper bound on the readings enumerated for one run.
pub const MAX_READINGS: usize = 20_000;

/// Whether a set of value texts looks like a glued run for `n` cells: only
/// digits (and spaces between tokens), fewer tokens than cells, and enough
/// digits to fill them.
pub fn is_glued(texts: &[&str], n: usize) -> bool {
    let tokens = tokens(texts);
    let digits: usize = tokens.iter().map(|t| t.len()).sum();
    !tokens.is_empty() && tokens.len() < n && digits >= n
}

/// The digit tokens of some value texts (split at whitespace), or empty
/// when anything but digits and whitespace appears.
pub fn tokens(texts: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for t in texts {
        for tok in t.split_whitespace() {
            if !tok.bytes().all(|b| b.is_ascii_digit()) {
                return Vec::new();
            }
            out.push(tok.to_string());
        }
    }
    out
}

/// Every way to split `tokens` into exactly `n` numbers, in order, each
/// token giving at least one number. `None` when there are more than
/// `cap` readings.
pub fn splits(tokens: &[String], n: usize, cap: usize) -> Option<Vec<Vec<i64>>> {
    let mut out = Vec::new();
    let mut cur = Vec::with_capacity(n);
    let total_digits: usize = tokens.iter().map(String::len).sum();
    if total_digits < n || tokens.len() > n {
        return Some(out);
    }
    if rec(tokens, 0, 0, n, &mut cur, &mut out, cap) {
        Some(out)
    } else {
        None
    }
}

fn rec(
    tokens: &[String],
    ti: usize,
    pos: usize,
    n: usize,
    cur: &mut Vec<i64>,
    out: &mut Vec<Vec<i64>>,
    cap: usize,
) -> bool {
    if ti == tokens.len() {
        if cur.len() == n {
            if out.len() >= cap {
                return false;
            }
            out.push(cur.clone());
        }
        return true;
    }
    let tok = tokens[ti].as_bytes();
    let remaining_tokens = tokens.len() - ti - 1;
    if cur.len() + 1 + remaining_tokens > n {
        return true;
    }
    let rest = &tok[pos..];
    // A number starting with 0 is exactly "0".
    let max_len = if rest[0] == b'0' {
        1
    } else {
        rest.len().min(15)
    };
    for len in 1..=max_len {
        let num: i64 = match std::str::from_utf8(&rest[..len])
            .ok()
            .and_then(|s| s.parse().ok())
        {
            Some(v) => v,
            None => return true,
        };
        cur.push(num);
        let ok = if len == rest.len() {
            rec(tokens, ti + 1, 0, n, cur, out, cap)
        } else {
            rec(tokens, ti, pos + len, n, cur, out, cap)
        };
        cur.pop();
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokens(&[s])
    }

    #[test]
    fn splits_respect_leading_zeros_and_spaces() {
        let r = splits(&toks("000"), 3, 100).unwrap();
        assert_eq!(r, vec![vec![0, 0, 0]]);
        let r = splits(&toks("693665"), 3, 100).unwrap();
        assert_eq!(r.len(), 10);
        assert!(r.contains(&vec![6936, 6, 5]));
        let r = splits(&toks("230 000023"), 7, 100).unwrap();
        // "230" gives at most 2 numbers (2|30 or 23|0), "000023" the rest.
        assert!(r.contains(&vec![23, 0, 0, 0, 0, 0, 23]));
        assert!(r.iter().all(|s| s.len() == 7));
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn cap_is_reported() {
        assert!(splits(&toks("11111111111111111111"), 7, 10).is_none());
    }

    #[test]
    fn glued_detection() {
        assert!(is_glued(&["6000017"], 7));
        assert!(!is_glued(&["6", "0"], 7));
        assert!(!is_glued(&["12a"], 3));
    }
}
