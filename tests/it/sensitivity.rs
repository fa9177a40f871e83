//! `secsim sensitivity` on a scenario whose answer is known (`tests/data/batch/sensitivity.ron`):
//! "rate", the group's base rate, drives attacks; "idle", the volume of a flow to a state no
//! group or outcome touches, has no effect at all. Sobol and Morris must say so; the tables have
//! the documented headers and sizes; results do not depend on the thread count; scenarios with
//! nothing to analyse and too small designs are refused.

use crate::common::{assert_success, secsim, stderr};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const PARAMETERS: [&str; 2] = ["rate", "idle"];
const OUTCOMES: [&str; 2] = ["attacks_total", "stability_final"];
/// Ranges of the uniform parameters.
const RATE_RANGE: (f64, f64) = (4.0, 40.0);
const IDLE_RANGE: (f64, f64) = (0.0, 100.0);
/// Sobol base samples and Morris trajectories used below, and replications per point.
const SOBOL_SAMPLES: usize = 128;
const MORRIS_TRAJECTORIES: usize = 12;
const RUNS: &str = "10";
/// Header of a Morris sensitivity.csv: the first four columns as they always were, the
/// comparable measures after them.
const MORRIS_HEADER: [&str; 13] = [
    "outcome",
    "parameter",
    "mu_star",
    "sigma",
    "mu_star_scaled",
    "mu_star_scaled_low",
    "mu_star_scaled_high",
    "sigma_scaled",
    "sigma_scaled_low",
    "sigma_scaled_high",
    "mu",
    "screening_width",
    "rank",
];
/// Provenance file an output folder may hold besides its results; it records timestamps and the
/// thread count, so it differs between reruns by design.
const MANIFEST: &str = "manifest.json";

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/batch")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// `secsim sensitivity sensitivity.ron --method METHOD --samples S --runs 10 --out OUT [extra]`.
fn analyse(dir: &Path, method: &str, samples: usize, out: &str, extra: &[&str]) -> PathBuf {
    let samples = samples.to_string();
    let mut args = vec![
        "sensitivity",
        "",
        "--method",
        method,
        "--samples",
        &samples,
        "--runs",
        RUNS,
        "--out",
        out,
    ];
    let file = scenario("sensitivity.ron");
    args[1] = &file;
    args.extend_from_slice(extra);
    let output = secsim(dir, &args);
    assert_success(&output);
    // No progress bar: stderr is a pipe here, not a terminal.
    let message = stderr(&output);
    for bar in ['\r', '\u{1b}', '█', '░'] {
        assert!(!message.contains(bar), "{bar:?} in stderr: {message:?}");
    }
    dir.join(out)
}

/// A CSV file as (header, rows).
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn number(cell: &str) -> f64 {
    cell.parse()
        .unwrap_or_else(|_| panic!("{cell:?} is not a number"))
}

/// sensitivity.csv as (outcome, parameter) -> the numbers after them, after checking the
/// header and that there is one row per outcome and parameter, in that order.
fn indices(folder: &Path, header: &[&str]) -> BTreeMap<(String, String), Vec<f64>> {
    let path = folder.join("sensitivity.csv");
    let first_line = fs::read_to_string(&path)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(first_line, header.join(","));
    let (found_header, rows) = read_csv(&path);
    assert_eq!(found_header, header);
    assert_eq!(rows.len(), OUTCOMES.len() * PARAMETERS.len());
    let mut expected_keys = Vec::new();
    for outcome in OUTCOMES {
        for parameter in PARAMETERS {
            expected_keys.push([outcome.to_owned(), parameter.to_owned()]);
        }
    }
    let keys: Vec<[String; 2]> = rows
        .iter()
        .map(|row| [row[0].clone(), row[1].clone()])
        .collect();
    assert_eq!(keys, expected_keys);
    rows.iter()
        .map(|row| {
            assert_eq!(row.len(), header.len(), "{row:?}");
            (
                (row[0].clone(), row[1].clone()),
                row[2..].iter().map(|cell| number(cell)).collect(),
            )
        })
        .collect()
}

fn key(outcome: &str, parameter: &str) -> (String, String) {
    (outcome.to_owned(), parameter.to_owned())
}

/// points.csv, after checking its header and size; rows of numbers.
fn points(folder: &Path, expected_rows: usize) -> Vec<Vec<f64>> {
    let (header, rows) = read_csv(&folder.join("points.csv"));
    let mut expected = vec!["point".to_owned()];
    expected.extend(PARAMETERS.iter().map(|name| (*name).to_owned()));
    expected.extend(OUTCOMES.iter().map(|name| format!("{name}_mean")));
    assert_eq!(header, expected);
    assert_eq!(rows.len(), expected_rows);
    rows.iter()
        .enumerate()
        .map(|(index, row)| {
            assert_eq!(row[0], index.to_string());
            let values: Vec<f64> = row[1..].iter().map(|cell| number(cell)).collect();
            let (rate, idle) = (values[0], values[1]);
            assert!(
                (RATE_RANGE.0..=RATE_RANGE.1).contains(&rate),
                "point {index}: {row:?}"
            );
            assert!(
                (IDLE_RANGE.0..=IDLE_RANGE.1).contains(&idle),
                "point {index}: {row:?}"
            );
            values
        })
        .collect()
}

#[test]
fn sobol_finds_the_parameter_that_matters_and_not_the_one_that_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let folder = analyse(
        dir.path(),
        "sobol",
        SOBOL_SAMPLES,
        "sobol",
        &["--no-charts"],
    );
    let indices = indices(
        &folder,
        &[
            "outcome",
            "parameter",
            "s1",
            "s1_low",
            "s1_high",
            "st",
            "st_low",
            "st_high",
        ],
    );
    for outcome in OUTCOMES {
        let [s1, s1_low, s1_high, st, st_low, st_high] = indices[&key(outcome, "rate")][..] else {
            panic!("six numbers");
        };
        // The rate is the only parameter with an effect: it explains (nearly) all the variance.
        assert!(s1 > 0.5, "{outcome}: S1(rate) = {s1}");
        assert!(st > 0.5, "{outcome}: ST(rate) = {st}");
        assert!(
            s1_low <= s1 && s1 <= s1_high,
            "{outcome}: {s1_low} {s1} {s1_high}"
        );
        assert!(
            st_low <= st && st <= st_high,
            "{outcome}: {st_low} {st} {st_high}"
        );
        assert!(s1_low > 0.2 && st_low > 0.2, "{outcome}: intervals reach 0");

        let [s1, s1_low, s1_high, st, st_low, st_high] = indices[&key(outcome, "idle")][..] else {
            panic!("six numbers");
        };
        assert!(s1.abs() < 0.05, "{outcome}: S1(idle) = {s1}");
        assert!(st.abs() < 0.05, "{outcome}: ST(idle) = {st}");
        assert!(
            (s1_low <= 0.0 && 0.0 <= s1_high) || s1_high - s1_low < 0.02,
            "{outcome}: S1(idle) interval ({s1_low}, {s1_high})"
        );
        assert!(
            (st_low <= 0.0 && 0.0 <= st_high) || st_high - st_low < 0.02,
            "{outcome}: ST(idle) interval ({st_low}, {st_high})"
        );
    }

    // N (k + 2) points, in blocks A, B, A_B(rate), A_B(idle). Points share random numbers, so
    // A with idle taken from B gives exactly A's outcomes.
    let n = SOBOL_SAMPLES;
    let k = PARAMETERS.len();
    let points = points(&folder, n * (k + 2));
    for row in 0..n {
        let (a, b) = (&points[row], &points[n + row]);
        let (a_b_rate, a_b_idle) = (&points[2 * n + row], &points[3 * n + row]);
        assert_eq!(a_b_rate[..2], [b[0], a[1]], "row {row}");
        assert_eq!(a_b_idle[..2], [a[0], b[1]], "row {row}");
        assert_eq!(
            a_b_idle[2..],
            a[2..],
            "row {row}: idle changed the outcomes"
        );
        assert_eq!(
            a_b_rate[2..],
            b[2..],
            "row {row}: idle changed the outcomes"
        );
    }
    assert_eq!(
        fs::read_dir(&folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != MANIFEST)
            .count(),
        2,
        "sensitivity.csv and points.csv only with --no-charts"
    );
}

#[test]
fn morris_ranks_the_parameters_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let folder = analyse(
        dir.path(),
        "morris",
        MORRIS_TRAJECTORIES,
        "morris",
        &["--no-charts"],
    );
    let indices = indices(&folder, &MORRIS_HEADER);
    let attacks_rate = indices[&key("attacks_total", "rate")][0];
    // Six months at about `rate` attacks each, a little less where the arms flow adds capacity:
    // about 5.7 attacks per unit of rate.
    assert!(
        (4.5..6.5).contains(&attacks_rate),
        "mu*(attacks_total, rate) = {attacks_rate}"
    );
    for outcome in OUTCOMES {
        let (rate, idle) = (
            &indices[&key(outcome, "rate")],
            &indices[&key(outcome, "idle")],
        );
        assert!(rate[0] > 0.0, "{outcome}: mu*(rate) = {}", rate[0]);
        assert_eq!(idle[..2], [0.0, 0.0], "{outcome}: idle has effects");
        assert!(rate[0] > idle[0], "{outcome}");
        // The comparable columns: mu* and sigma times the screening range (0.99 of a uniform's
        // width), with bootstrap intervals around mu*'s; a parameter without effect is 0 with
        // an interval of 0; ranks follow the scaled mu*.
        let [
            _,
            _,
            scaled,
            scaled_low,
            scaled_high,
            sigma_scaled,
            _,
            _,
            mu,
            width,
            rank,
        ] = rate[..]
        else {
            panic!("eleven numbers");
        };
        let rate_width = 0.99 * (RATE_RANGE.1 - RATE_RANGE.0);
        assert!((width - rate_width).abs() < 1e-9, "{outcome}: {width}");
        assert!(
            (scaled - rate[0] * width).abs() <= 1e-9 * scaled.abs(),
            "{outcome}: {scaled} is not mu* x width"
        );
        assert!(
            (sigma_scaled - rate[1] * width).abs() <= 1e-9 * sigma_scaled.abs().max(1.0),
            "{outcome}"
        );
        assert!(
            scaled_low <= scaled && scaled <= scaled_high && scaled_low > 0.0,
            "{outcome}: {scaled_low} {scaled} {scaled_high}"
        );
        assert!(mu.abs() <= rate[0] + 1e-12, "{outcome}: |mu| above mu*");
        assert_eq!(rank, 1.0, "{outcome}");
        assert_eq!(idle[2..8], [0.0; 6], "{outcome}: idle has scaled effects");
        assert!(
            (idle[9] - 0.99 * (IDLE_RANGE.1 - IDLE_RANGE.0)).abs() < 1e-9,
            "{outcome}"
        );
        assert_eq!(idle[10], 2.0, "{outcome}");
    }
    // r (k + 1) points: trajectories of k + 1 points, each step moving one parameter.
    let k = PARAMETERS.len();
    let points = points(&folder, MORRIS_TRAJECTORIES * (k + 1));
    for trajectory in points.chunks(k + 1) {
        for step in trajectory.windows(2) {
            let moved = (0..k).filter(|&i| step[0][i] != step[1][i]).count();
            assert_eq!(moved, 1, "{step:?}");
        }
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    for method in ["sobol", "morris"] {
        let samples = if method == "sobol" { 32 } else { 8 };
        let one = analyse(
            dir.path(),
            method,
            samples,
            &format!("{method}1"),
            &["--threads", "1"],
        );
        let two = analyse(
            dir.path(),
            method,
            samples,
            &format!("{method}2"),
            &["--threads", "2"],
        );
        let (one, two) = (snapshot(&one), snapshot(&two));
        // Charts are written, one per outcome, as PNG and SVG.
        for outcome in OUTCOMES {
            for extension in ["png", "svg"] {
                let chart = PathBuf::from(format!("charts/sensitivity_{outcome}.{extension}"));
                assert!(one.contains_key(&chart), "{method}: {chart:?} missing");
            }
        }
        assert_eq!(
            one.keys().collect::<Vec<_>>(),
            two.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &one {
            assert!(two[name] == *bytes, "{method}: {} differs", name.display());
        }
    }
}

/// Every file under `dir` except `manifest.json` (relative path -> bytes).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files.remove(Path::new(MANIFEST));
    files
}

fn assert_refused(dir: &Path, args: &[&str], messages: &[&str]) {
    let output = secsim(dir, args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
    assert!(message.starts_with("error: "), "{args:?}: {message}");
    for expected in messages {
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    assert!(!message.contains("panicked"), "{args:?}: {message}");
    assert!(
        fs::read_dir(dir).unwrap().next().is_none(),
        "{args:?} wrote something"
    );
}

#[test]
fn a_scenario_without_uncertain_parameters_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let certain = scenario("certain.ron");
    for method in ["sobol", "morris"] {
        assert_refused(
            dir.path(),
            &["sensitivity", &certain, "--method", method, "--out", "out"],
            &["certain.ron", "no uncertain parameters"],
        );
        // Nor into the default folder.
        assert_refused(
            dir.path(),
            &["sensitivity", &certain, "--method", method],
            &["no uncertain parameters"],
        );
    }
}

#[test]
fn too_few_samples_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario("sensitivity.ron");
    for samples in ["1", "0"] {
        assert_refused(
            dir.path(),
            &["sensitivity", &file, "--samples", samples, "--out", "out"],
            &["--samples"],
        );
        assert_refused(
            dir.path(),
            &[
                "sensitivity",
                &file,
                "--method",
                "sobol",
                "--samples",
                samples,
            ],
            &["--samples"],
        );
    }
    assert_refused(
        dir.path(),
        &["sensitivity", &file, "--runs", "0", "--out", "out"],
        &["--runs"],
    );
}

/// Morris with no trajectories evaluates nothing: it must be refused, not reported as every
/// parameter having no effect (mu* = 0).
#[test]
fn morris_without_trajectories_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario("sensitivity.ron");
    assert_refused(
        dir.path(),
        &[
            "sensitivity",
            &file,
            "--method",
            "morris",
            "--samples",
            "0",
            "--out",
            "out",
        ],
        &["--samples"],
    );
}

/// `secsim sensitivity sensitivity.ron --method METHOD --samples S --runs 2 --no-charts
/// --quiet [extra]` in `dir`, which must succeed; its stdout.
fn quick_analysis(dir: &Path, method: &str, samples: &str, extra: &[&str]) -> String {
    let file = scenario("sensitivity.ron");
    let mut args = vec![
        "sensitivity",
        &file,
        "--method",
        method,
        "--samples",
        samples,
        "--runs",
        "2",
        "--no-charts",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let output = secsim(dir, &args);
    assert_success(&output);
    String::from_utf8(output.stdout).unwrap()
}

/// Without `--out`, each method writes its own folder, so that running one does not replace
/// the other's results.
#[test]
fn each_method_writes_its_own_default_folder() {
    let dir = tempfile::tempdir().unwrap();
    for (method, samples) in [("sobol", "8"), ("morris", "4")] {
        quick_analysis(dir.path(), method, samples, &[]);
    }
    for method in ["sobol", "morris"] {
        let folder = dir
            .path()
            .join(format!("output/sensitivity_sensitivity_{method}"));
        let table = fs::read_to_string(folder.join("sensitivity.csv"))
            .unwrap_or_else(|error| panic!("{}: {error}", folder.display()));
        // Each folder holds its own method's indices.
        let column = if method == "sobol" { "s1" } else { "mu_star" };
        assert!(
            table.lines().next().unwrap().contains(column),
            "{method}: {table}"
        );
    }
}

/// Sobol estimates from too few samples (S1 above ST, ST above 1, or intervals too wide to
/// rank factors) are flagged with the samples that would halve the intervals; Morris is not.
#[test]
fn unconverged_sobol_estimates_are_flagged_with_more_samples_suggested() {
    let dir = tempfile::tempdir().unwrap();
    let few = quick_analysis(dir.path(), "sobol", "4", &["--out", "few"]);
    assert!(
        few.contains("warning: Sobol estimates not converged with --samples 4:")
            && few.contains("rerun with --samples 16"),
        "{few}"
    );
    let morris = quick_analysis(dir.path(), "morris", "4", &["--out", "morris"]);
    assert!(!morris.contains("not converged"), "{morris}");
}

/// The printed table of one outcome: the lines from its title to the next blank line.
fn printed_table<'a>(stdout: &'a str, outcome: &str) -> Vec<&'a str> {
    let mut lines = stdout.lines().skip_while(|line| !line.starts_with(outcome));
    let title = lines
        .next()
        .unwrap_or_else(|| panic!("no table for {outcome}: {stdout}"));
    std::iter::once(title)
        .chain(lines.take_while(|line| !line.is_empty()))
        .collect()
}

/// Every line of a table (header and rows) ends at the same column: the last column holds
/// numbers, right-aligned.
fn assert_aligned(table: &[&str]) {
    let widths: Vec<usize> = table[1..].iter().map(|line| line.chars().count()).collect();
    assert!(
        widths.windows(2).all(|pair| pair[0] == pair[1]),
        "not aligned:\n{}",
        table.join("\n")
    );
}

/// The printed table ranks parameters by the comparable measure, with intervals: rate (which
/// drives both outcomes) first, idle (no effect at all) second with no spread.
#[test]
fn the_printed_table_ranks_parameters_with_intervals_in_aligned_columns() {
    let dir = tempfile::tempdir().unwrap();
    for (method, samples, title, column) in [
        (
            "sobol",
            "8",
            "ranked by total index ST",
            "ST (95% interval)",
        ),
        (
            "morris",
            "4",
            "ranked by mu* over each parameter's range",
            "mu* over range (95% interval)",
        ),
    ] {
        let printed = quick_analysis(dir.path(), method, samples, &["--out", method]);
        for outcome in OUTCOMES {
            let table = printed_table(&printed, outcome);
            assert!(table[0].ends_with(title), "{method}: {}", table[0]);
            assert_eq!(table.len(), 2 + PARAMETERS.len(), "{method}: {table:?}");
            assert!(table[1].contains(column), "{method}: {}", table[1]);
            let words = |line: &str| -> Vec<String> {
                line.split_whitespace().map(str::to_owned).collect()
            };
            let (first, second) = (words(table[2]), words(table[3]));
            assert_eq!(first[..2], ["1", "rate"], "{method}: {table:?}");
            assert_eq!(second[..2], ["2", "idle"], "{method}: {table:?}");
            // An estimate, then its interval "(low to high)".
            assert_eq!(first[3], format!("({}", first[3].trim_start_matches('(')));
            assert_eq!(first[4], "to", "{method}: {table:?}");
            let (estimate, low, high) = (
                number(&first[2]),
                number(first[3].trim_start_matches('(')),
                number(first[5].trim_end_matches(')')),
            );
            assert!(low < high, "{method}: {table:?}");
            assert!(estimate > 0.0, "{method}: {table:?}");
            assert_eq!(second[2..5], ["0", "(no", "spread)"], "{method}: {table:?}");
            assert_aligned(&table);
        }
    }
}

/// `secsim sensitivity` with charts, quick; its folder and stdout.
fn analysis_with_report(dir: &Path, method: &str, samples: &str) -> (PathBuf, String) {
    let file = scenario("sensitivity.ron");
    let output = secsim(
        dir,
        &[
            "sensitivity",
            &file,
            "--method",
            method,
            "--samples",
            samples,
            "--runs",
            "2",
            "--quiet",
            "--out",
            method,
        ],
    );
    assert_success(&output);
    (dir.join(method), String::from_utf8(output.stdout).unwrap())
}

/// Where `needle` first occurs in `report`, failing if it does not.
fn position(report: &str, needle: &str) -> usize {
    report
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the report"))
}

/// report.html leads with the findings in plain words, then the warning when Sobol estimates
/// are not converged, the tables, the charts, and the details last.
#[test]
fn the_report_leads_with_the_findings_then_the_tables_charts_and_details() {
    let dir = tempfile::tempdir().unwrap();
    // 4 samples: not converged (see the test above), so the report must say so.
    let (folder, printed) = analysis_with_report(dir.path(), "sobol", "4");
    assert!(printed.contains("not converged"), "{printed}");
    let report = fs::read_to_string(folder.join("report.html")).unwrap();
    let findings = position(
        &report,
        "<h2>Findings</h2><p class=\"findings\">Of 2 uncertain parameters:</p><ul class=\"findings\"><li>",
    );
    // The first heading of the body is the findings.
    assert_eq!(report.find("<h2>"), Some(findings), "{report}");
    let paragraph = &report[findings..];
    let paragraph = &paragraph[..paragraph.find("</ul>").unwrap()];
    assert!(paragraph.contains("<li>rate explains"), "{paragraph}");
    assert!(
        paragraph.contains("of the variance of attacks_total (total index "),
        "{paragraph}"
    );
    assert!(paragraph.contains("95% interval "), "{paragraph}");
    let warning = position(&report, "not converged");
    let table = position(&report, "<table>");
    let charts = position(&report, "<figure");
    let details = position(&report, "<h2>Details</h2>");
    assert!(
        findings < warning && warning < table && table < charts && charts < details,
        "out of order: {findings} {warning} {table} {charts} {details}"
    );
    assert!(report.contains("rerun with --samples 16"), "{report}");
    // One table row per parameter and outcome, most influential first.
    for outcome in OUTCOMES {
        let section = &report[position(&report, &format!("<h3>{outcome} ("))..];
        let (rate, idle) = (
            position(section, "<td>rate</td>"),
            position(section, "<td>idle</td>"),
        );
        assert!(rate < idle, "{outcome}");
    }
    assert!(
        report.contains("Saltelli design of 4 base samples (16 points"),
        "details"
    );

    let (folder, _) = analysis_with_report(dir.path(), "morris", "4");
    let report = fs::read_to_string(folder.join("report.html")).unwrap();
    let findings = position(
        &report,
        "<p class=\"findings\">Of 2 uncertain parameters:</p><ul class=\"findings\"><li>rate moves attacks_total (events) most: across its range, by ",
    );
    assert!(findings < position(&report, "<table>"));
    assert!(
        !report.contains("not converged"),
        "Morris has no such warning"
    );
    assert!(report.contains("mu* over range (95% interval)"));
}
