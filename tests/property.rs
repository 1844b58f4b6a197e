//! Property tests: random consistent reports, rendered in every format with
//! random irregularities, come back with every value exact — or, for a row
//! whose cell was dropped, exact or left null and reported, never wrong.

mod support;

use ogi::schema::{CellState, Observation, Report, Source, Template};
use proptest::prelude::*;
use support::render::{self, DocxStyle, ReportSpec, Variants};

/// Output formats the properties run over.
#[derive(Debug, Clone, Copy)]
enum Fmt {
    Text,
    Html,
    HtmlGbk,
    DocxWord,
    DocxWps,
    DocxLibre,
    Xlsx,
    Ods,
    Csv,
}

fn render_as(fmt: Fmt, spec: &ReportSpec, v: &Variants) -> (Vec<u8>, &'static str) {
    match fmt {
        Fmt::Text => (render::to_text(spec, v).into_bytes(), "r.txt"),
        Fmt::Html => (render::to_html(spec, v, false), "r.html"),
        Fmt::HtmlGbk => (render::to_html(spec, v, true), "r.html"),
        Fmt::DocxWord => (render::to_docx(spec, v, DocxStyle::Word), "r.docx"),
        Fmt::DocxWps => (render::to_docx(spec, v, DocxStyle::Wps), "r.docx"),
        Fmt::DocxLibre => (render::to_docx(spec, v, DocxStyle::LibreOffice), "r.docx"),
        Fmt::Xlsx => (render::to_xlsx(spec, v), "r.xlsx"),
        Fmt::Ods => (render::to_ods(spec, v), "r.ods"),
        Fmt::Csv => (render::to_csv(spec, v, false), "r.csv"),
    }
}

fn read(bytes: &[u8], name: &str) -> Report {
    ogi::process_bytes(
        bytes,
        Source {
            path: name.into(),
            ..Source::default()
        },
    )
}

/// Checks the report against the spec; returns a description of the first
/// few mismatches.
fn mismatches(spec: &ReportSpec, v: &Variants, r: &Report) -> Vec<String> {
    let p = render::prepare(spec, v);
    let want = render::expected_values(&p);
    let states = render::expected_states(&p);
    let short_row = v
        .drop_cell
        .as_deref()
        .and_then(|id| id.rsplit_once('.'))
        .map(|(row, _)| format!("{row}."));
    let ambiguous_short = r.observations.iter().any(|o| {
        matches!(o, Observation::Ambiguous { cells, .. }
            if short_row.as_deref().is_some_and(|s| cells.iter().any(|c| c.starts_with(s))))
    });
    let mut bad = Vec::new();
    for (id, w) in &want {
        let got = r.value(id);
        let in_short = short_row.as_deref().is_some_and(|s| id.starts_with(s));
        if in_short && ambiguous_short {
            if got.is_some() {
                bad.push(format!("{id}: ambiguous row but value {got:?}"));
            }
            continue;
        }
        let same = match (w, got) {
            (Some(a), Some(b)) => (a.as_f64() - b.as_f64()).abs() < 1e-9,
            (None, None) => true,
            _ => false,
        };
        if !same {
            bad.push(format!(
                "{id}: got {got:?}, want {w:?} (state {:?})",
                r.state(id)
            ));
        }
        let ws = states[id];
        let gs = r.state(id);
        if in_short && (gs == Some(CellState::Derived) || ws == CellState::Derived) {
            // Which cell of a row is the missing one is undecidable when the
            // row's values fit several placements equally (a row of zeros);
            // the values are what must be right.
            continue;
        }
        let ok_state = match ws {
            CellState::Blank | CellState::Marker => {
                matches!(gs, Some(CellState::Blank | CellState::Marker))
            }
            s => gs == Some(s),
        };
        if !ok_state {
            bad.push(format!("{id}: state {gs:?}, want {ws:?}"));
        }
    }
    if let Some(drop) = &v.drop_cell {
        let reported = r
            .observations
            .iter()
            .any(|o| matches!(o, Observation::RowShort { cells, .. } if cells.contains(drop)));
        if !reported {
            bad.push(format!("dropped {drop} not reported as a short row"));
        }
    }
    bad.truncate(8);
    bad
}

fn variants(seed: u64, flags: u8, drop: Option<String>) -> Variants {
    Variants {
        label_variants: flags & 1 != 0,
        markers_for_zero: flags & 2 != 0,
        fullwidth_digits: flags & 4 != 0,
        thousands_separators: flags & 8 != 0,
        t2_split: flags & 16 != 0,
        drop_cell: drop,
        seed,
    }
}

/// A t3 cell to drop, or none.
fn drop_choice(spec: &ReportSpec, pick: u16) -> Option<String> {
    if pick.is_multiple_of(3) {
        return None;
    }
    let ids: Vec<String> = spec
        .ids()
        .into_iter()
        .filter(|id| id.starts_with("t3."))
        .collect();
    ids.get(pick as usize % ids.len()).cloned()
}

fn run_case(fmt: Fmt, seed: u64, flags: u8, pick: u16, tpl: Template) -> Result<(), TestCaseError> {
    let spec = render::consistent(seed, tpl);
    // A spreadsheet has no short rows: every row has every column, so a
    // dropped cell there is a blank one with the rest shifted, another case.
    let drop = match fmt {
        Fmt::Xlsx | Fmt::Ods | Fmt::Csv => None,
        _ => drop_choice(&spec, pick),
    };
    let v = variants(seed, flags, drop);
    let (bytes, name) = render_as(fmt, &spec, &v);
    let r = read(&bytes, name);
    let bad = mismatches(&spec, &v, &r);
    prop_assert!(
        bad.is_empty(),
        "{fmt:?} seed {seed} flags {flags} drop {:?}:\n{}",
        v.drop_cell,
        bad.join("\n")
    );
    Ok(())
}

fn template(b: bool) -> Template {
    if b {
        Template::Y2019
    } else {
        Template::Y2021
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn text_reports_round_trip(seed in any::<u64>(), flags in 0u8..32, pick in any::<u16>(), y2019 in any::<bool>()) {
        run_case(Fmt::Text, seed, flags, pick, template(y2019))?;
    }

    #[test]
    fn html_reports_round_trip(seed in any::<u64>(), flags in 0u8..32, pick in any::<u16>(), y2019 in any::<bool>(), gbk in any::<bool>()) {
        run_case(if gbk { Fmt::HtmlGbk } else { Fmt::Html }, seed, flags, pick, template(y2019))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn office_reports_round_trip(seed in any::<u64>(), flags in 0u8..32, pick in any::<u16>(), y2019 in any::<bool>(), which in 0u8..6) {
        let fmt = match which {
            0 => Fmt::DocxWord,
            1 => Fmt::DocxWps,
            2 => Fmt::DocxLibre,
            3 => Fmt::Xlsx,
            4 => Fmt::Ods,
            _ => Fmt::Csv,
        };
        run_case(fmt, seed, flags, pick, template(y2019))?;
    }
}

#[test]
#[ignore]
fn dump_case() {
    let seed: u64 = std::env::var("SEED").unwrap().parse().unwrap();
    let spec = render::consistent(seed, Template::Y2021);
    let flags: u8 = std::env::var("FLAGS")
        .ok()
        .and_then(|f| f.parse().ok())
        .unwrap_or(0);
    let v = variants(seed, flags, std::env::var("DROP").ok());
    std::fs::write("/tmp/case.txt", render::to_text(&spec, &v)).unwrap();
    std::fs::write(
        "/tmp/case.docx",
        render::to_docx(&spec, &v, DocxStyle::Word),
    )
    .unwrap();
}

/// Pieces that steer random text towards the report's own structure.
const PIECES: &[&str] = &[
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "（一）予以公开",
    "（二）部分公开",
    "（三）不予公开",
    "1.属于国家秘密",
    "3.其他",
    "（六）其他处理",
    "（七）总计",
    "四、结转下年度继续办理",
    "行政复议",
    "行政诉讼",
    "结果维持",
    "总计",
    "自然人",
    "商业企业",
    "规章",
    "行政规范性文件",
    "行政许可",
    "本年制发件数",
    "本年新制作数量",
    "政府集中采购",
    "第二十条第（一）项",
    "申请人情况",
    "小计",
    "0",
    "1",
    "12",
    "0000000",
    "251000元",
    "-",
    "/",
    "１２",
    "+3",
    "\t",
    " \t",
    "\n",
    "\n\n",
    "|",
    " ",
    "2024年",
    "政府信息公开工作年度报告",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, .. ProptestConfig::default() })]

    /// No text, however broken, panics the reader, the normaliser or the
    /// checker.
    #[test]
    fn no_text_panics_the_pipeline(parts in proptest::collection::vec(0usize..PIECES.len(), 0..400), noise in ".{0,40}") {
        let mut text: String = parts.iter().map(|i| PIECES[*i]).collect();
        text.push_str(&noise);
        let r = read(text.as_bytes(), "x.txt");
        let _ = r.to_json();
        // Markdown tables too.
        let md = text.replace('\t', "|");
        let _ = read(md.as_bytes(), "x.md").to_json();
    }
}
