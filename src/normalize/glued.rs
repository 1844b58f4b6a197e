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

/// Upper bound on the partial readings one search visits. A constraint
/// that rejects almost every reading keeps the readings under
/// [`MAX_READINGS`] while the search itself grows exponentially with the
/// run (a fuzzed 2 KB page took seconds): past this bound the search gives
/// up as when there are too many readings, and the cells stay null.
pub const MAX_STEPS: usize = 1_000_000;

/// Most digits in one number (an `i64` holds 18; counts never need more).
const MAX_DIGITS: usize = 15;

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

/// Whether the digit counts alone rule out every reading into `n`
/// numbers: fewer digits than numbers, more tokens than numbers, an empty
/// token, or more digits than `n` numbers of at most 15 digits hold.
fn no_reading(tokens: &[String], n: usize) -> bool {
    let total: usize = tokens.iter().map(|t| digits(t).len()).sum();
    total < n
        || total > MAX_DIGITS * n
        || tokens.len() > n
        || tokens.iter().any(|t| digits(t).is_empty())
}

/// A token without its sign.
fn digits(tok: &str) -> &str {
    tok.strip_prefix(['+', '-']).unwrap_or(tok)
}

/// How many ways there are to split `tokens` into exactly `n` numbers
/// (the readings [`splits`] would list), counted without listing them and
/// saturating at `usize::MAX`.
pub fn count(tokens: &[String], n: usize) -> usize {
    // Too few digits or too many: none (and a huge run costs nothing).
    if no_reading(tokens, n) {
        return 0;
    }
    // ways[k]: readings of the tokens so far into k numbers.
    let mut ways = vec![0usize; n + 1];
    ways[0] = 1;
    for tok in tokens {
        let d = digits(tok).as_bytes();
        // here[pos][k]: ways to split d[pos..] into k numbers.
        let mut here = vec![vec![0usize; n + 1]; d.len() + 1];
        here[d.len()][0] = 1;
        for pos in (0..d.len()).rev() {
            let max_len = if d[pos] == b'0' {
                1
            } else {
                (d.len() - pos).min(MAX_DIGITS)
            };
            for len in 1..=max_len {
                for k in 1..=n {
                    let add = here[pos + len][k - 1];
                    here[pos][k] = here[pos][k].saturating_add(add);
                }
            }
        }
        let mut next = vec![0usize; n + 1];
        for (have, w) in ways.iter().enumerate().filter(|(_, w)| **w > 0) {
            for (k, h) in here[0].iter().enumerate().skip(1) {
                if have + k <= n {
                    next[have + k] = next[have + k].saturating_add(w.saturating_mul(*h));
                }
            }
        }
        ways = next;
    }
    ways[n]
}

/// Every way to split `tokens` into exactly `n` numbers, in order, each
/// token giving at least one number. `None` when there are more than
/// `cap` readings.
pub fn splits(tokens: &[String], n: usize, cap: usize) -> Option<Vec<Vec<i64>>> {
    if count(tokens, n) > cap {
        return None;
    }
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
    search(tokens, n, cap, &accept, &mut 0)
}

/// The readings of `tokens` into `n` numbers whose first `n − 1` sum to
/// the last: a row and its total. The same readings, in the same order, as
/// [`splits_where`] with that constraint, found by choosing the total
/// first. The total is a suffix of the last token, so there are at most 15
/// choices; with the total known, a reading is cut as soon as its numbers
/// pass it, where before it ran to its last number (a 34-digit run with
/// 977,620 readings took 30 ms). `None` past `cap` or the step bound.
pub fn splits_with_total(tokens: &[String], n: usize, cap: usize) -> Option<Vec<Vec<i64>>> {
    let whole = |s: &[i64]| s.len() < n || s[..n - 1].iter().sum::<i64>() == s[n - 1];
    let Some((last, before)) = tokens.split_last() else {
        return Some(Vec::new());
    };
    if n < 2 || tokens.iter().any(|t| t.starts_with('-')) {
        // A negative number breaks the cut: sums can go down again.
        return splits_where(tokens, n, cap, whole);
    }
    if no_reading(tokens, n) {
        return Some(Vec::new());
    }
    let d = digits(last);
    let mut out: Vec<Vec<i64>> = Vec::new();
    let mut steps = 0;
    let mut prefix: Vec<String> = before.to_vec();
    for start in d.len().saturating_sub(MAX_DIGITS)..d.len() {
        let total_text = &d[start..];
        if total_text.len() > 1 && total_text.starts_with('0') {
            continue;
        }
        let Ok(total) = total_text.parse::<i64>() else {
            continue;
        };
        prefix.truncate(before.len());
        if start > 0 {
            prefix.push(d[..start].to_string());
        }
        let within = |s: &[i64]| {
            let sum: i64 = s.iter().sum();
            if s.len() == n - 1 {
                sum == total
            } else {
                sum <= total
            }
        };
        let found = search(&prefix, n - 1, cap - out.len(), &within, &mut steps)?;
        out.extend(found.into_iter().map(|mut r| {
            r.push(total);
            r
        }));
    }
    // The order of the listing search: by the digit counts of the numbers,
    // first number first.
    out.sort_by_cached_key(|r| r.iter().map(|v| digit_count(*v)).collect::<Vec<_>>());
    Some(out)
}

/// Digits of a non-negative number as written (`0` has one).
fn digit_count(v: i64) -> u32 {
    v.checked_ilog10().map_or(1, |l| l + 1)
}

/// [`splits_where`], counting its steps into `steps` (shared by the
/// searches of one run, bounded by [`MAX_STEPS`] in all).
fn search<F: Fn(&[i64]) -> bool>(
    tokens: &[String],
    n: usize,
    cap: usize,
    accept: &F,
    steps: &mut usize,
) -> Option<Vec<Vec<i64>>> {
    let mut out = Vec::new();
    if no_reading(tokens, n) {
        return Some(out);
    }
    // Digits in the tokens after each one.
    let mut digits_after = vec![0; tokens.len()];
    for i in (0..tokens.len().saturating_sub(1)).rev() {
        digits_after[i] = digits_after[i + 1] + digits(&tokens[i + 1]).len();
    }
    let mut search = Search {
        tokens: tokens
            .iter()
            .map(|t| (digits(t).as_bytes(), t.starts_with('-')))
            .collect(),
        digits_after,
        n,
        cap,
        steps: *steps,
        accept,
        cur: Vec::with_capacity(n),
        out: &mut out,
    };
    let finished = search.rec(0, 0);
    *steps = search.steps;
    if finished {
        Some(out)
    } else {
        None
    }
}

struct Search<'a, F: Fn(&[i64]) -> bool> {
    /// Each token's digits, and whether it is negative.
    tokens: Vec<(&'a [u8], bool)>,
    /// Digits in the tokens after each one.
    digits_after: Vec<usize>,
    n: usize,
    cap: usize,
    /// Partial readings visited so far ([`MAX_STEPS`]).
    steps: usize,
    accept: &'a F,
    cur: Vec<i64>,
    out: &'a mut Vec<Vec<i64>>,
}

impl<F: Fn(&[i64]) -> bool> Search<'_, F> {
    /// Returns false when the cap or the step bound was hit.
    fn rec(&mut self, ti: usize, pos: usize) -> bool {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return false;
        }
        if ti == self.tokens.len() {
            if self.cur.len() == self.n {
                if self.out.len() >= self.cap {
                    return false;
                }
                self.out.push(self.cur.clone());
            }
            return true;
        }
        let (tok, negative) = self.tokens[ti];
        let remaining_tokens = self.tokens.len() - ti - 1;
        if self.cur.len() + 1 + remaining_tokens > self.n {
            return true;
        }
        // Digits left must be enough for the numbers still needed.
        let rest = &tok[pos..];
        let digits_after = self.digits_after[ti];
        let still_needed = self.n - self.cur.len() - 1;
        // A number starting with 0 is exactly "0".
        let max_len = if rest[0] == b'0' {
            1
        } else {
            rest.len().min(MAX_DIGITS)
        };
        let mut num: i64 = 0;
        for len in 1..=max_len {
            num = num * 10 + i64::from(rest[len - 1] - b'0');
            let left_here = rest.len() - len;
            if left_here + digits_after < still_needed {
                break;
            }
            if left_here + digits_after > MAX_DIGITS * still_needed {
                continue; // a longer first number leaves fewer digits
            }
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
    fn a_search_that_rejects_almost_everything_gives_up() {
        // 100 digits for the 15 numbers of a table-四 row, and a constraint
        // no whole reading meets: the search would visit some 10^13 partial
        // readings; it stops at MAX_STEPS as when there are too many
        // readings (found by fuzzing: a glued row of a mangled page took
        // seconds).
        let t = toks(&"1234567891".repeat(10));
        assert_eq!(splits_where(&t, 15, MAX_READINGS, |s| s.len() < 15), None);
        // More digits than 7 numbers can hold: no reading, at once.
        let t = toks(&"1".repeat(7 * MAX_DIGITS + 1));
        assert_eq!(splits(&t, 7, MAX_READINGS), Some(vec![]));
        // At the limit, one reading.
        let t = toks(&"1".repeat(7 * MAX_DIGITS));
        let ones = "1".repeat(MAX_DIGITS).parse::<i64>().expect("number");
        assert_eq!(splits(&t, 7, MAX_READINGS), Some(vec![vec![ones; 7]]));
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
    fn counting_agrees_with_listing() {
        // Every token shape up to 7 digits with zeros in it, into 1..=8 numbers.
        let mut seen = 0;
        for text in [
            "1", "10", "100 2", "2030", "1 0 7", "-12 3040", "9990000", "12 -3150",
        ] {
            let t = tokens(&[text]);
            for n in 1..=8 {
                let listed = splits_where(&t, n, usize::MAX, |_| true).expect("small");
                assert_eq!(count(&t, n), listed.len(), "{text} into {n}");
                seen += listed.len();
            }
        }
        assert!(seen > 50);
        // Too many to list, counted at once: 78 digits into 7 numbers.
        let t = toks(&"8".repeat(78));
        assert!(count(&t, 7) > MAX_READINGS);
        assert_eq!(splits(&t, 7, MAX_READINGS), None);
        // Fewer digits than numbers, and more numbers than 15-digit slots.
        assert_eq!(count(&toks("123"), 4), 0);
        assert_eq!(count(&toks(&"1".repeat(31)), 2), 0);
        assert_eq!(count(&toks(&"1".repeat(1 << 20)), 15), 0);
    }

    #[test]
    fn readings_with_their_total_are_those_the_listing_finds() {
        let whole =
            |n: usize| move |s: &[i64]| s.len() < n || s[..n - 1].iter().sum::<i64>() == s[n - 1];
        let mut found = 0;
        for text in [
            "6000017",
            "230 000023",
            "1102 3",
            "10 0 10",
            "12 -3150",
            "+1 12",
            "0000",
            "100010",
            "55 5 1015",
            "2222222222222222",
            "1 2 3",
        ] {
            let t = tokens(&[text]);
            for n in 1..=7 {
                let listed = splits_where(&t, n, MAX_READINGS, whole(n));
                assert_eq!(
                    splits_with_total(&t, n, MAX_READINGS),
                    listed,
                    "{text} into {n}"
                );
                found += listed.map_or(0, |l| l.len());
            }
        }
        assert!(found >= 8, "{found}");
        // The 34-digit run the fuzzer found: the listing search walks its
        // 977,620 readings; choosing the total first finds none at once.
        let t = tokens(&["2".repeat(34).as_str()]);
        assert_eq!(count(&t, 7), 977_620);
        assert_eq!(splits_with_total(&t, 7, MAX_READINGS), Some(vec![]));
    }

    proptest::proptest! {
        #[test]
        fn readings_with_their_total_match_the_listing_on_random_runs(
            text in "[0-9]{1,7}( [0-9]{1,5}){0,2}",
            total in 0u32..2000,
            n in 2usize..=7,
        ) {
            // Half the runs end with a total, so that some readings fit.
            let text = if total % 2 == 0 { format!("{text}{}", total / 2) } else { text };
            let t = tokens(&[text.as_str()]);
            let whole = |s: &[i64]| s.len() < n || s[..n - 1].iter().sum::<i64>() == s[n - 1];
            proptest::prop_assert_eq!(
                splits_with_total(&t, n, MAX_READINGS),
                splits_where(&t, n, MAX_READINGS, whole)
            );
        }
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
