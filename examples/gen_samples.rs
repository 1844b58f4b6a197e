//! Writes the sample set: synthetic annual reports in every input format.
//!
//! ```text
//! cargo run --example gen_samples [-- OUT_DIR]      (default: samples/)
//! ```
//!
//! Writes `text/`, `html/`, `docx/`, `sheet/`, one `tests/fixtures/samples/<spec>.json`
//! per distinct report (the values and non-ok states a correct reader
//! gives) and `README.md`. The output is deterministic: running it again
//! gives the same bytes, and `tests/render_smoke.rs` checks that the
//! committed samples are current.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::ExitCode;

use support::render;

fn main() -> ExitCode {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "samples".to_string());
    match run(Path::new(&out)) {
        Ok(n) => {
            eprintln!("wrote {n} files to {out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_samples: {e}");
            ExitCode::from(2)
        }
    }
}

fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, bytes)
}

/// The golden values live with the test fixtures, not among the inputs: a
/// run over `samples/` must see only reports.
fn expected_dir(out: &Path) -> std::path::PathBuf {
    out.parent()
        .unwrap_or(Path::new("."))
        .join("tests/fixtures/samples")
}

fn run(out: &Path) -> std::io::Result<usize> {
    let samples = render::sample_set();
    for s in &samples {
        write(&out.join(&s.path), &s.bytes)?;
    }
    let specs = render::sample_specs();
    for (name, spec, _) in &specs {
        let json = serde_json::to_string_pretty(&render::expected_json(spec))
            .map_err(std::io::Error::other)?;
        write(
            &expected_dir(out).join(format!("{name}.json")),
            format!("{json}\n").as_bytes(),
        )?;
    }
    write(&out.join("README.md"), readme(&samples, &specs).as_bytes())?;
    Ok(samples.len() + specs.len() + 1)
}

fn readme(
    samples: &[render::Sample],
    specs: &[(&str, render::ReportSpec, render::Variants)],
) -> String {
    let mut r = String::new();
    r.push_str("# Samples\n\n");
    r.push_str("Synthetic annual reports (政府信息公开工作年度报告) in every input format ogi reads, written\n");
    r.push_str("by `examples/gen_samples.rs` from the renderer in `tests/support/render.rs`. They are not\n");
    r.push_str("copies of real reports: the agencies are invented and the figures are drawn at random but\n");
    r.push_str("consistent (every relation of FORMAT.md §1.6 holds) unless a file says otherwise. The layout\n");
    r.push_str("(labels, merges, header line breaks, producer quirks) follows the official templates and the\n");
    r.push_str("real files described in `spec/FORMAT.md` and `INGEST.md`.\n\n");
    r.push_str("Regenerate with `cargo run --example gen_samples` (deterministic; `tests/render_smoke.rs`\n");
    r.push_str("fails when a committed file is out of date).\n\n");
    r.push_str("**Golden values.** Every file of one report holds the same figures, so a reader must give\n");
    r.push_str(
        "the same values for all of them: `tests/fixtures/samples/<report>.json` lists every canonical value\n",
    );
    r.push_str(
        "(`null` for blank, marker and missing cells) and the cells whose state is not `ok`. The\n",
    );
    r.push_str(
        "answers live outside this folder, so that `ogi extract samples` reads only reports.\n\n",
    );
    r.push_str("## Reports\n\n| report | what it is |\n|---|---|\n");
    for (name, spec, _) in specs {
        let about = match *name {
            "report-2021" => format!(
                "{}: 2021 layout, all values written as numbers, fee `{}` 万元. Clean: no error or warning.",
                spec.title(),
                spec.fee
            ),
            "report-2021-variants" => {
                let zeros = spec
                    .cell_text
                    .iter()
                    .filter(|(id, _)| spec.values.get(*id) == Some(&Some(0)))
                    .filter(|(_, t)| ["/", "-", "—", ""].contains(&t.as_str()))
                    .map(|(_, t)| t.as_str())
                    .collect::<std::collections::BTreeSet<_>>();
                let marker = match zeros.iter().next() {
                    Some(&"") => "left blank".to_string(),
                    Some(m) => format!("written `{m}`"),
                    None => "unchanged".to_string(),
                };
                format!(
                    "{}: the figures of `report-2021` with every variant of FORMAT.md §4 — label wording (half-width brackets, （七）合计-style totals, 结转下一年度, spaced and annotated labels, the 2019-era headings of 四 and 五), about half of the zeros {marker}, full-width digits, `1,234` separators, table 二 split in four. Same values otherwise; only `V-BLANK` info.",
                    spec.title()
                )
            }
            "report-2019" => format!(
                "{}: 2019 layout (t2_2019 incl. 政府集中采购 `{}`, signed 本年增/减 some written `+n`; one （六）其他处理 row). `t2.*.decisions` are `mapped`.",
                spec.title(),
                spec.fee
            ),
            "template-blank-2021" => format!(
                "{}: the 2021 template with every value cell empty (two hold U+3000, as the official WPS template does). Every cell `blank`; only `V-BLANK`.",
                spec.title()
            ),
            "errors-2021" => format!(
                "{}: errors on purpose — `T3-BALANCE` in the 自然人 and 总计 columns (上年结转 raised by 3 in both), `T3-ROW-TOTAL` on 4.保护第三方合法权益 (总计 one too high, which also breaks `T3-RESULTS-SUM` on 总计), `S-ROW-SHORT` on （五）2.重复申请 (its 总计 cell is missing; aligned left it can be derived from the row total).",
                spec.title()
            ),
            _ => spec.title(),
        };
        r.push_str(&format!("| `{name}` | {about} |\n"));
    }
    r.push_str(
        "\n## Files\n\n| file | report | what it holds and why it is kept |\n|---|---|---|\n",
    );
    for s in samples {
        r.push_str(&format!(
            "| `{}` | `{}` | {} ({:.1} KB) |\n",
            s.path,
            s.spec,
            s.about,
            s.bytes.len() as f64 / 1024.0
        ));
    }
    r.push_str(concat!(
        "| `text/sifangtai-2024-seed-figures.txt` | (written by hand) | the figures of the shared seed report ",
        "(四方台区2024) in the seed's paste layout with our own narrative: the short （七）总计 row that runs ",
        "straight into 四、, and the real arithmetic error in 结转下年度 (自然人 1, 总计 0). The golden test ",
        "checks it against SCHEMA.md's worked example. |\n"
    ));
    r
}
