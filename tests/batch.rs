//! The cross-report phase of `ogi extract`, end to end: two consecutive
//! years of one agency rendered as text, run through the binary; the X
//! findings must appear exactly when the reports disagree, in both reports'
//! JSON, in `findings.csv`, and in the counts.

mod support;
use support::run::ogi;

use ogi::schema::{Template, T3_APPLICANT_COLS, T3_COLS};
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use support::render::{consistent, to_text, ReportSpec, Variants};

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn extract(dir: &Path, out: &str, jobs: &str) -> OutDir {
    let o = ogi(dir, &["extract", "in", "--out", out, "--quiet", "-j", jobs]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    OutDir(dir.join(out))
}

/// An output directory.
struct OutDir(std::path::PathBuf);

impl OutDir {
    fn report(&self, input: &str) -> Json {
        let summary = self.json("summary.json");
        let file = summary["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["path"] == input)
            .unwrap_or_else(|| panic!("{input} not in summary"))["report"]
            .as_str()
            .expect("report")
            .to_string();
        self.json(&file)
    }

    fn json(&self, rel: &str) -> Json {
        serde_json::from_slice(&fs::read(self.0.join(rel)).expect("read")).expect("json")
    }

    /// `findings.csv` rows as (path, rule, cells, message).
    fn findings_csv(&self) -> Vec<(String, String, String, String)> {
        let bytes = fs::read(self.0.join("findings.csv")).expect("findings.csv");
        assert!(bytes.starts_with(BOM));
        let mut rdr = csv::Reader::from_reader(&bytes[BOM.len()..]);
        rdr.records()
            .map(|r| {
                let r = r.expect("row");
                (
                    r[0].to_string(),
                    r[3].to_string(),
                    r[5].to_string(),
                    r[8].to_string(),
                )
            })
            .collect()
    }
}

/// The findings of one rule in a report JSON.
fn of_rule<'a>(report: &'a Json, rule: &str) -> Vec<&'a Json> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn cells(findings: &[&Json]) -> BTreeSet<String> {
    findings
        .iter()
        .flat_map(|f| f["cells"].as_array().expect("cells").iter())
        .map(|c| c.as_str().expect("cell").to_string())
        .collect()
}

fn ids(row: &str, cols: &[&str]) -> BTreeSet<String> {
    cols.iter().map(|c| format!("t3.{row}.{c}")).collect()
}

fn v(spec: &ReportSpec, id: &str) -> i64 {
    spec.v(id)
}

fn set(spec: &mut ReportSpec, id: &str, n: i64) {
    spec.values.insert(id.to_string(), Some(n));
}

/// Re-labels a report as `agency`'s report for `year` (narrative included).
fn relabel(spec: &mut ReportSpec, agency: &str, year: i32) {
    let (old_a, old_y) = (spec.agency.clone(), format!("{}年", spec.year));
    for p in &mut spec.narrative {
        *p = p
            .replace(&old_a, agency)
            .replace(&old_y, &format!("{year}年"));
    }
    spec.agency = agency.to_string();
    spec.year = year;
}

/// Sets `t3.carried_over.<col>` and keeps the column balanced (本年新收 =
/// 总计 + 结转下年度 − 上年结转, adding to 予以公开 when that would go
/// negative) and the 总计 column the sum of the others.
fn set_carried_over(spec: &mut ReportSpec, col: &str, over: i64) {
    let id = |row: &str| format!("t3.{row}.{col}");
    set(spec, &id("carried_over"), over);
    let mut new = v(spec, &id("results_total")) + v(spec, &id("carried_forward")) - over;
    if new < 0 {
        for row in ["disclosed", "results_total"] {
            let n = v(spec, &id(row)) - new;
            set(spec, &id(row), n);
        }
        new = 0;
    }
    set(spec, &id("new_received"), new);
    for row in ["new_received", "carried_over", "disclosed", "results_total"] {
        let total = T3_APPLICANT_COLS
            .iter()
            .map(|c| v(spec, &format!("t3.{row}.{c}")))
            .sum();
        set(spec, &format!("t3.{row}.total"), total);
    }
}

/// A 2024 report of 四方台区人民政府 and a 2025 report of 四方台区 (the same
/// body, as titles write it) whose carried-over applications and stock of
/// documents continue the 2024 ones.
fn chained(seed: u64) -> (ReportSpec, ReportSpec) {
    let mut a = consistent(seed, Template::Y2021);
    relabel(&mut a, "四方台区人民政府", 2024);
    let mut b = consistent(seed + 1000, Template::Y2021);
    relabel(&mut b, "四方台区", 2025);
    for col in T3_APPLICANT_COLS {
        let fwd = v(&a, &format!("t3.carried_forward.{col}"));
        set_carried_over(&mut b, col, fwd);
    }
    for row in ["regulations", "normative_docs"] {
        let id = |c: &str| format!("t2.{row}.{c}");
        let stock = v(&a, &id("in_force")) + v(&b, &id("issued")) - v(&b, &id("repealed"));
        set(&mut b, &id("in_force"), stock);
    }
    (a, b)
}

fn write_inputs(dir: &Path, files: &[(&str, &ReportSpec)]) {
    fs::create_dir_all(dir.join("in")).expect("mkdir");
    for (name, spec) in files {
        fs::write(dir.join("in").join(name), to_text(spec, &Variants::plain())).expect("write");
    }
}

const A: &str = "in/a-2024.txt";
const B: &str = "in/b-2025.txt";

#[test]
fn continuing_years_give_no_cross_report_finding() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = chained(7);
    write_inputs(tmp.path(), &[("a-2024.txt", &a), ("b-2025.txt", &b)]);
    let out = extract(tmp.path(), "out", "2");
    let (ra, rb) = (out.report(A), out.report(B));
    // The reports were read as written: the carry does continue.
    assert_eq!(ra["meta"]["agency"], "四方台区人民政府");
    assert_eq!(rb["meta"]["agency"], "四方台区");
    assert_eq!(rb["meta"]["year"], 2025);
    for col in T3_COLS {
        assert_eq!(
            rb["t3"]["carried_over"][col], ra["t3"]["carried_forward"][col],
            "{col}"
        );
        assert!(rb["t3"]["carried_over"][col].is_number());
    }
    for r in [&ra, &rb] {
        let x: Vec<&Json> = r["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"].as_str().is_some_and(|s| s.starts_with("X-")))
            .collect();
        assert!(x.is_empty(), "{x:#?}");
    }
    assert!(!out
        .findings_csv()
        .iter()
        .any(|(_, rule, _, _)| rule.starts_with("X-")));
}

#[test]
fn a_broken_carry_is_reported_in_both_reports_and_the_exports() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, mut b) = chained(11);
    // 2025 carries over one application more (自然人) than 2024 carried
    // forward: the 自然人 and 总计 columns disagree.
    let fwd = v(&a, "t3.carried_forward.natural_person");
    set_carried_over(&mut b, "natural_person", fwd + 1);
    // And one regulation too many in force.
    let n = v(&b, "t2.regulations.in_force") + 1;
    set(&mut b, "t2.regulations.in_force", n);
    write_inputs(tmp.path(), &[("a-2024.txt", &a), ("b-2025.txt", &b)]);
    let out = extract(tmp.path(), "out", "1");
    let (ra, rb) = (out.report(A), out.report(B));

    let xb = of_rule(&rb, "X-CARRY-OVER");
    let xa = of_rule(&ra, "X-CARRY-OVER");
    let cols = ["natural_person", "total"];
    assert_eq!(cells(&xb), ids("carried_over", &cols), "{xb:#?}");
    assert_eq!(cells(&xa), ids("carried_forward", &cols), "{xa:#?}");
    assert_eq!((xa.len(), xb.len()), (2, 2));
    let f = xb
        .iter()
        .find(|f| f["cells"][0] == "t3.carried_over.natural_person")
        .expect("natural_person");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["expected"], fwd);
    assert_eq!(f["actual"], fwd + 1);
    let msg = f["message"].as_str().expect("message");
    for part in [
        "2025年",
        "2024年",
        A,
        B,
        &format!("上年结转为{}", fwd + 1),
        &format!("结转下年度继续办理为{fwd}"),
    ] {
        assert!(msg.contains(part), "{part} not in {msg}");
    }
    assert!(f["message_en"].as_str().expect("en").contains(A));
    assert_eq!(f["detail"]["other"], A);

    let sb = of_rule(&rb, "X-STOCK");
    let sa = of_rule(&ra, "X-STOCK");
    assert_eq!(sb.len(), 1, "{sb:#?}");
    assert_eq!(sa.len(), 1, "{sa:#?}");
    assert_eq!(sb[0]["cells"][0], "t2.regulations.in_force");
    assert_eq!(sb[0]["severity"], "info");
    assert_eq!(sb[0]["actual"], n);
    assert_eq!(sb[0]["expected"], n - 1);

    // findings.csv has every one of them, under each report's path.
    let rows = out.findings_csv();
    let x_rows: BTreeSet<(String, String, String)> = rows
        .iter()
        .filter(|(_, rule, _, _)| rule.starts_with("X-"))
        .map(|(p, rule, c, _)| (p.clone(), rule.clone(), c.clone()))
        .collect();
    let mut want = BTreeSet::new();
    for col in cols {
        want.insert((
            A.to_string(),
            "X-CARRY-OVER".to_string(),
            format!("t3.carried_forward.{col}"),
        ));
        want.insert((
            B.to_string(),
            "X-CARRY-OVER".to_string(),
            format!("t3.carried_over.{col}"),
        ));
    }
    want.insert((A.into(), "X-STOCK".into(), "t2.regulations.in_force".into()));
    want.insert((
        B.into(),
        "X-STOCK".into(),
        "t2.regulations.in_force;t2.regulations.issued;t2.regulations.repealed".into(),
    ));
    assert_eq!(x_rows, want);
    assert!(rows.iter().any(|(p, _, _, m)| p == A && m == msg));

    // The counts include them: summary.json and dataset.csv agree with the
    // report files.
    let summary = out.json("summary.json");
    assert_eq!(summary["by_rule"]["X-CARRY-OVER"]["warning"], 4);
    assert_eq!(summary["by_rule"]["X-STOCK"]["info"], 2);
    let bytes = fs::read(out.0.join("dataset.csv")).expect("dataset.csv");
    let mut rdr = csv::Reader::from_reader(&bytes[BOM.len()..]);
    let header = rdr.headers().expect("header").clone();
    let warn_col = header
        .iter()
        .position(|h| h == "findings.warnings")
        .expect("col");
    for row in rdr.records() {
        let row = row.expect("row");
        let report = out.report(&row[0]);
        let warnings = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["severity"] == "warning")
            .count();
        assert!(warnings >= 2, "{}", &row[0]);
        assert_eq!(row[warn_col].parse::<usize>().expect("n"), warnings);
        let listed = summary["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["path"] == row[0])
            .expect("listed");
        assert_eq!(listed["warnings"], warnings);
    }

    // The same bytes whatever the thread count.
    let again = extract(tmp.path(), "out3", "3");
    for name in ["findings.csv", "dataset.csv", "dataset.jsonl"] {
        assert_eq!(
            fs::read(out.0.join(name)).expect("a"),
            fs::read(again.0.join(name)).expect("b"),
            "{name}"
        );
    }
    assert_eq!(again.report(B), rb);
}

#[test]
fn a_copied_report_is_a_duplicate_of_its_original() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = chained(23);
    write_inputs(
        tmp.path(),
        &[("a-2024.txt", &a), ("b-2025.txt", &b), ("copy.txt", &a)],
    );
    let out = extract(tmp.path(), "out", "2");
    let copy = "in/copy.txt";
    for (me, other) in [(A, copy), (copy, A)] {
        let r = out.report(me);
        let d = of_rule(&r, "X-DUPLICATE");
        assert_eq!(d.len(), 1, "{me}: {d:#?}");
        assert_eq!(d[0]["severity"], "info");
        let msg = d[0]["message"].as_str().expect("message");
        assert!(msg.contains(other) && msg.contains("内容完全相同"), "{msg}");
        assert_eq!(d[0]["detail"]["others"][0]["path"], other);
    }
    assert!(of_rule(&out.report(B), "X-DUPLICATE").is_empty());
    // The 2025 report continues both copies: no carry finding anywhere.
    for p in [A, B, copy] {
        assert!(of_rule(&out.report(p), "X-CARRY-OVER").is_empty(), "{p}");
    }
    let dup_rows: Vec<String> = out
        .findings_csv()
        .into_iter()
        .filter(|(_, rule, _, _)| rule == "X-DUPLICATE")
        .map(|(p, _, _, _)| p)
        .collect();
    assert_eq!(dup_rows, [A, copy]);
}
