//! A whole report in the ledger's binary form: what a report whose file
//! waits for the finishing pass is kept as ([`super::Ledger::put_report`]).
//!
//! The finishing pass adds the cross-report findings to such a report and
//! renders it (its file, review page and export rows) once. Kept as its
//! JSON, it had to be parsed back into a `serde_json::Value` first, which
//! cost as much as rendering it; read back from this form it is the
//! [`Report`] the worker built, as fast as the bytes can be copied.
//!
//! Everything [`crate::output::report_json`] writes is kept: source,
//! status, metadata, templates, cells (with their values), repairs,
//! findings and the checks not assessable. The narrative and the
//! normaliser's observations are not: the checker has used them by then.

use super::{index_of, Reader, Writer};
use crate::output::stored::{all_cell_states, rule_id};
use crate::schema::{
    At, CellRecord, ErrorInfo, Finding, Meta, Period, Repair, Report, Severity, Source, Status,
    Template, Templates,
};

/// The report in the ledger's form.
pub(super) fn encode(report: &Report) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(16 * 1024));
    let s = &report.source;
    w.str(&s.path);
    w.str(&s.format);
    w.str(&s.sha256);
    w.u64(s.bytes);
    w.opt_str(s.encoding.as_deref());
    w.opt_str(s.sheet.as_deref());
    w.opt_u64(s.sheet_reports.map(u64::from));
    w.opt_str(s.converted.as_deref());
    w.u8(index_of(&Status::ALL, report.status));

    let m = &report.meta;
    w.opt_str(m.title.as_deref());
    w.opt_str(m.agency.as_deref());
    w.opt_u64(m.year.map(|y| i64::from(y) as u64));
    match &m.period {
        Some(p) => {
            w.u8(1);
            w.str(&p.start);
            w.str(&p.end);
        }
        None => w.u8(0),
    }
    w.opt_str(m.published.as_deref());
    w.str(&m.scope);

    let t = &report.template;
    for template in [t.t2, t.t3, t.t4] {
        w.u8(template.map_or(0, |t| 1 + index_of(&TEMPLATES, t)));
    }

    w.u64(report.cells.len() as u64);
    for (id, cell) in &report.cells {
        w.str(id);
        w.num(cell.value);
        w.u8(index_of(&all_cell_states(), cell.state));
        w.opt_str(cell.raw.as_deref());
        match cell.at {
            Some(at) => {
                w.u8(1);
                w.u64(at.table as u64);
                w.u64(at.row as u64);
                w.u64(at.col as u64);
                w.opt_u64(at.line.map(|l| l as u64));
            }
            None => w.u8(0),
        }
        w.opt_str(cell.rule.as_deref());
    }

    w.u64(report.repairs.len() as u64);
    for r in &report.repairs {
        w.str(&r.action);
        w.strs(&r.cells);
        w.str(&r.detail);
    }

    w.u64(report.findings.len() as u64);
    for f in &report.findings {
        w.str(f.rule);
        w.u8(index_of(&Severity::ALL, f.severity));
        w.strs(&f.cells);
        w.num(f.expected);
        w.num(f.actual);
        w.str(&f.message);
        w.str(&f.message_en);
        // A detail is free-form JSON: kept as its text.
        w.opt_str(f.detail.as_ref().map(|d| d.to_string()).as_deref());
    }

    match &report.error {
        Some(e) => {
            w.u8(1);
            w.str(&e.kind);
            w.str(&e.message);
        }
        None => w.u8(0),
    }

    w.u64(report.not_assessable.len() as u64);
    for (rule, n) in &report.not_assessable {
        w.str(rule);
        w.u64(*n as u64);
    }
    w.0
}

/// The report [`encode`] was given (less its narrative and observations),
/// or `None` when the bytes are not one.
pub(super) fn decode(bytes: &[u8]) -> Option<Report> {
    let mut r = Reader(bytes);
    let source = Source {
        path: r.string()?,
        format: r.string()?,
        sha256: r.string()?,
        bytes: r.u64()?,
        encoding: r.opt_string()?,
        sheet: r.opt_string()?,
        sheet_reports: match r.opt_u64()? {
            Some(n) => Some(u32::try_from(n).ok()?),
            None => None,
        },
        converted: r.opt_string()?,
    };
    let status = *Status::ALL.get(usize::from(r.u8()?))?;

    let title = r.opt_string()?;
    let agency = r.opt_string()?;
    let year = match r.opt_u64()? {
        Some(y) => Some(i32::try_from(y as i64).ok()?),
        None => None,
    };
    let period = match r.u8()? {
        0 => None,
        1 => Some(Period {
            start: r.string()?,
            end: r.string()?,
        }),
        _ => return None,
    };
    let meta = Meta {
        title,
        agency,
        year,
        period,
        published: r.opt_string()?,
        scope: r.string()?,
    };

    let mut templates = [None; 3];
    for t in &mut templates {
        *t = match r.u8()? {
            0 => None,
            k => Some(*TEMPLATES.get(usize::from(k - 1))?),
        };
    }
    let [t2, t3, t4] = templates;

    let n = r.count()?;
    let mut report = Report::new(source);
    report.status = status;
    report.meta = meta;
    report.template = Templates { t2, t3, t4 };
    report.cells.reserve(n);
    for _ in 0..n {
        let id = r.string()?;
        let value = r.num()?;
        let state = *all_cell_states().get(usize::from(r.u8()?))?;
        let raw = r.opt_string()?;
        let at = match r.u8()? {
            0 => None,
            1 => Some(At {
                table: r.usize()?,
                row: r.usize()?,
                col: r.usize()?,
                line: match r.opt_u64()? {
                    Some(l) => Some(usize::try_from(l).ok()?),
                    None => None,
                },
            }),
            _ => return None,
        };
        let rule = r.opt_string()?;
        report.cells.insert(
            id,
            CellRecord {
                value,
                state,
                raw,
                at,
                rule,
            },
        );
    }

    for _ in 0..r.count()? {
        report.repairs.push(Repair {
            action: r.string()?,
            cells: r.strings()?,
            detail: r.string()?,
        });
    }

    for _ in 0..r.count()? {
        let rule = rule_id(r.str()?).ok()?;
        let severity = *Severity::ALL.get(usize::from(r.u8()?))?;
        let cells = r.strings()?;
        let expected = r.num()?;
        let actual = r.num()?;
        let message = r.string()?;
        let message_en = r.string()?;
        let detail = match r.opt_string()? {
            Some(text) => Some(serde_json::from_str(&text).ok()?),
            None => None,
        };
        report.findings.push(Finding {
            rule,
            severity,
            cells,
            expected,
            actual,
            message,
            message_en,
            detail,
        });
    }

    report.error = match r.u8()? {
        0 => None,
        1 => Some(ErrorInfo {
            kind: r.string()?,
            message: r.string()?,
        }),
        _ => return None,
    };

    for _ in 0..r.count()? {
        let rule = rule_id(r.str()?).ok()?;
        let n = r.usize()?;
        report.not_assessable.insert(rule, n);
    }
    r.0.is_empty().then_some(report)
}

const TEMPLATES: [Template; 3] = [Template::Y2021, Template::Y2019, Template::Common];

impl Writer {
    fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            Some(v) => {
                self.u8(1);
                self.u64(v);
            }
            None => self.u8(0),
        }
    }

    fn strs(&mut self, list: &[String]) {
        self.u64(list.len() as u64);
        for s in list {
            self.str(s);
        }
    }
}

impl Reader<'_> {
    fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    /// A count of items that follow, each at least one byte long (so a
    /// damaged count cannot make the reader reserve more than it holds).
    fn count(&mut self) -> Option<usize> {
        self.usize().filter(|&n| n <= self.0.len())
    }

    fn opt_u64(&mut self) -> Option<Option<u64>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.u64()?)),
            _ => None,
        }
    }

    fn strings(&mut self) -> Option<Vec<String>> {
        let n = self.count()?;
        let mut list = Vec::with_capacity(n);
        for _ in 0..n {
            list.push(self.string()?);
        }
        Some(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::report_json;
    use proptest::prelude::*;

    /// A report with every field set, through the real pipeline: the seed's
    /// figures, with a short row and an arithmetic error.
    fn processed(text: &str) -> Report {
        crate::process_bytes(
            text.as_bytes(),
            Source {
                path: "dir/报告.txt".into(),
                ..Source::default()
            },
        )
    }

    fn same_json(a: &Report, b: &Report) {
        assert_eq!(report_json(a), report_json(b));
    }

    #[test]
    fn a_processed_report_reads_back_to_the_same_json() {
        let text = include_str!("../../../samples/text/errors-2021.txt");
        let report = processed(text);
        assert!(!report.findings.is_empty() && !report.cells.is_empty());
        let back = decode(&encode(&report)).expect("decodes");
        same_json(&report, &back);
        assert_eq!(back.cells, report.cells);
        assert_eq!(back.findings, report.findings);
    }

    #[test]
    fn every_optional_field_reads_back() {
        let report = crate::schema::fixtures::every_field();
        let back = decode(&encode(&report)).expect("decodes");
        same_json(&report, &back);
        assert_eq!(back.source, report.source);
        assert_eq!(back.meta, report.meta);
        assert_eq!(back.template, report.template);
        assert_eq!(back.error, report.error);
        assert_eq!(back.not_assessable, report.not_assessable);
    }

    proptest! {
        /// Damaged bytes are no report, and never a panic: every prefix,
        /// and any byte changed.
        #[test]
        fn damaged_bytes_never_panic(at in 0usize..1_000_000, byte in any::<u8>()) {
            static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            let bytes = BYTES.get_or_init(|| {
                encode(&processed(include_str!("../../../samples/text/report-2021.txt")))
            });
            let cut = at % bytes.len();
            prop_assert!(decode(&bytes[..cut]).is_none());
            let mut changed = bytes.to_vec();
            changed[cut] = byte;
            let _ = decode(&changed);
        }
    }
}
