//! Glued digits: value runs whose cell borders were lost.
//!
//! Crawled text often drops the borders between cells, so a row of seven
//! counts `6 0 0 0 0 1 7` arrives as `6000017`, or partly spaced as
//! `230 000023`. A run is split into the number of cells the template row
//! has; every split is a *reading*. Readings are enumerated here (numbers
//! never have a leading zero unless they are `0`, a space is always a
//! border, and a sign starts a number: `12 -3150` is `12`, then `-3150`
//! split further, its first number negative); which reading is right is
//! decided by the table's own arithmetic, by the callers. When more than
//! one reading fits every constraint, the cells stay null: the source does
//! not decide them.

/// Upper bound on the readings enumerated for one run.
pub const MAX_READINGS: usize = 20_000;

/// Whether a set of value texts looks like a glued run for `n` cells: only
/// digits (and spaces between tokens, a sign before a token), fewer tokens
/// than cells, and enough digits to fill them.
pub fn is_glued(texts: &[&str], n: usize) -> bool {
    let tokens = tokens(texts);
    let digits: usize = tokens.iter().map(|t| digits(t).len()).sum();
    !tokens.is_empty() && tokens.len() < n && digits >= n
}

/// The digit tokens of some value texts (split at whitespace, each with an
/// optional leading `+` or `-`), or empty when anything else appears.
pub fn tokens(texts: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for t in texts {
        for tok in t.split_whitespace() {
            let d = digits(tok);
            if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
                return Vec::new();
            }
            out.push(tok.to_string());
        }
    }
    out
}

/// A token without its sign.
fn digits(tok: &str) -> &str {
    tok.strip_prefix(['+', '-']).unwrap_or(tok)
}

/// Every way to split `tokens` into exactly `n` numbers, in order, each
/// token giving at least one number. `None` when there are more than
/// `cap` readings.
pub fn splits(tokens: &[String], n: usize, cap: usize) -> Option<Vec<Vec<i64>>> {
    splits_where(tokens, n, cap, |_| true)
}

/// Like [`splits`], keeping only readings every prefix of which `accept`
/// approves (it is called each time a number is added, with the numbers so
/// far), so that constraints prune the search instead of filtering after it.
pub fn splits_where(
    tokens: &[String],
    n: usize,
    cap: usize,
    accept: impl Fn(&[i64]) -> bool,
) -> Option<Vec<Vec<i64>>> {
    let mut out = Vec::new();
    let total_digits: usize = tokens.iter().map(|t| digits(t).len()).sum();
    if total_digits < n || tokens.len() > n || tokens.iter().any(|t| digits(t).is_empty()) {
        return Some(out);
    }
    let mut search = Search {
        tokens,
        n,
        cap,
        accept: &accept,
        cur: Vec::with_capacity(n),
        out: &mut out,
    };
    if search.rec(0, 0) {
        Some(out)
    } else {
        None
    }
}

struct Search<'a, F: Fn(&[i64]) -> bool> {
    tokens: &'a [String],
    n: usize,
    cap: usize,
    accept: &'a F,
    cur: Vec<i64>,
    out: &'a mut Vec<Vec<i64>>,
}

impl<F: Fn(&[i64]) -> bool> Search<'_, F> {
    /// Returns false when the cap was hit.
    fn rec(&mut self, ti: usize, pos: usize) -> bool {
        if ti == self.tokens.len() {
            if self.cur.len() == self.n {
                if self.out.len() >= self.cap {
                    return false;
                }
                self.out.push(self.cur.clone());
            }
            return true;
        }
        let token = &self.tokens[ti];
        let negative = token.starts_with('-');
        let tok = digits(token).as_bytes();
        let remaining_tokens = self.tokens.len() - ti - 1;
        if self.cur.len() + 1 + remaining_tokens > self.n {
            return true;
        }
        // Digits left must be enough for the numbers still needed.
        let rest = &tok[pos..];
        let digits_after: usize = self.tokens[ti + 1..].iter().map(|t| digits(t).len()).sum();
        // A number starting with 0 is exactly "0".
        let max_len = if rest[0] == b'0' {
            1
        } else {
            rest.len().min(15)
        };
        for len in 1..=max_len {
            let left_here = rest.len() - len;
            let still_needed = self.n - self.cur.len() - 1;
            if left_here + digits_after < still_needed {
                break;
            }
            let Some(num) = std::str::from_utf8(&rest[..len])
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
            else {
                return true;
            };
            // The sign belongs to the token's first number.
            self.cur.push(if negative && pos == 0 { -num } else { num });
            let ok = if !(self.accept)(&self.cur) {
                true
            } else if len == rest.len() {
                self.rec(ti + 1, 0)
            } else {
                self.rec(ti, pos + len)
            };
            self.cur.pop();
            if !ok {
                return false;
            }
        }
        true
    }
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
    fn a_sign_starts_a_number() {
        // 本年增/减 of a 2019 table 二: `12` then `-3150` for three cells.
        let t = tokens(&["12 -3150"]);
        assert_eq!(t, vec!["12", "-3150"]);
        assert!(is_glued(&["12 -3150"], 3));
        let r = splits(&t, 3, 100).unwrap();
        assert_eq!(
            r,
            vec![
                vec![1, 2, -3150],
                vec![12, -3, 150],
                vec![12, -31, 50],
                vec![12, -315, 0]
            ]
        );
        assert_eq!(splits(&tokens(&["+12"]), 2, 100).unwrap(), vec![vec![1, 2]]);
        assert!(tokens(&["12-3"]).is_empty());
        assert!(tokens(&["-"]).is_empty());
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
