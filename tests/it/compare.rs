//! `secsim compare`: `comparison.csv` (header, rows, missing values, paired statistics), each
//! scenario's own results folder, defaults, folder names, failures, a snapshot, and that common
//! random numbers do reduce the variance of paired differences.
//!
//! Scenarios: `tests/data/compare/base.ron` (arms flow 5 a month, runs 200, seed 7),
//! `variant.ron` (the same elements and names, arms flow 20 a month, one more outcome
//! `strength_final`, runs 300, seed 99) and `third.ron` (a higher attack rate, no
//! `control_final`, an outcome `attacks_max` of its own, runs 100, no seed).
//!
//! Snapshot: `snapshot_comparison_small` compares `comparison.csv` of base vs variant (400 runs,
//! seed 2024) with `tests/snapshots/comparison_small.csv` byte for byte. When a change to the
//! model, the random streams or the number formatting is meant to change results, regenerate it
//! deliberately and review the diff:
//!
//! ```text
//! SECSIM_UPDATE_SNAPSHOTS=1 cargo test --release --test it compare::snapshot_comparison_small
//! git diff tests/snapshots/comparison_small.csv
//! ```
//!
//! The snapshot does not depend on the thread count, but it does on the platform's `exp` and
//! `ln` (through the samplers): a mismatch on an unusual platform is worth a look, not a
//! blind update.

use crate::common::{assert_success, files_under, secsim};
use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use secsim::engine::{self, Block, RunPlan};
use secsim::scenario::{self, OutcomeScale, Scenario};

const HEADER: &str = "outcome,scenario,mean,p05,p50,p95,diff_mean,diff_ci_low,diff_ci_high,prob_greater,n,probability,probability_ci_low,probability_ci_high,diff_probability,diff_probability_ci_low,diff_probability_ci_high";
/// Every scenario these tests run has events, so parameters.csv is among the tables.
const TABLES: [&str; 4] = [
    "summary.json",
    "timeseries.csv",
    "outcomes.csv",
    "parameters.csv",
];
/// Outcomes of base, variant and third, in order of first appearance.
const ALL_OUTCOMES: [&str; 7] = [
    "attacks_total",
    "fatalities_total",
    "control_final",
    "first_month_over_22",
    "arms_cut_fired",
    "strength_final",
    "attacks_max",
];
/// Φ⁻¹(0.975). (The rounded 1.959964 is off by 8e-9 relative, more than the 1e-9 the paired
/// statistics are checked to.)
const Z_975: f64 = 1.959_963_984_540_054;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/compare")
        .join(name)
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

fn names_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn summary(folder: &Path) -> serde_json::Value {
    let path = folder.join("summary.json");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// `comparison.csv`: its first line, and its rows as cells.
fn comparison(folder: &Path) -> (String, Vec<Vec<String>>) {
    let path = folder.join("comparison.csv");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = text.lines().next().unwrap_or("").to_owned();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// A numeric cell: None when empty; anything else must be a finite number.
fn cell(row: &[String], column: usize) -> Option<f64> {
    let text = &row[column];
    if text.is_empty() {
        return None;
    }
    let value: f64 = text
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {text:?} in {row:?}"));
    assert!(value.is_finite(), "{text:?} in {row:?}");
    Some(value)
}

/// `outcomes.csv` as columns by outcome name: one value per run, None where missing.
fn outcome_columns(folder: &Path) -> BTreeMap<String, Vec<Option<f64>>> {
    let mut reader = csv::Reader::from_path(folder.join("outcomes.csv")).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let mut columns: BTreeMap<String, Vec<Option<f64>>> = header[1..]
        .iter()
        .map(|name| (name.clone(), Vec::new()))
        .collect();
    for (index, record) in reader.records().enumerate() {
        let record = record.unwrap();
        assert_eq!(record[0].parse::<usize>().unwrap(), index, "runs in order");
        for (name, field) in header[1..].iter().zip(record.iter().skip(1)) {
            let value = (!field.is_empty()).then(|| field.parse::<f64>().unwrap());
            columns.get_mut(name).unwrap().push(value);
        }
    }
    columns
}

/// Paired statistics of `later` against `first`, run by run, from scratch: (mean difference,
/// CI low, CI high, share of runs where `later` is strictly greater) over the runs where both
/// have a value.
fn paired(first: &[Option<f64>], later: &[Option<f64>]) -> (f64, f64, f64, f64, f64) {
    assert_eq!(first.len(), later.len(), "the same runs");
    let pairs: Vec<(f64, f64)> = first
        .iter()
        .zip(later)
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .collect();
    let n = pairs.len() as f64;
    assert!(n >= 2.0);
    let differences: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
    let mean = differences.iter().sum::<f64>() / n;
    let variance = differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let sd = variance.sqrt();
    let half_width = Z_975 * sd / n.sqrt();
    let greater = pairs.iter().filter(|(a, b)| b > a).count() as f64 / n;
    (mean, mean - half_width, mean + half_width, greater, sd)
}

/// `actual` equals `expected` to 1e-9 relative; `scale` keeps the tolerance meaningful for
/// values near 0 (a mean difference of 0 is checked against the spread of the differences).
fn assert_close(what: &str, actual: f64, expected: f64, scale: f64) {
    let tolerance = 1e-9 * actual.abs().max(expected.abs()).max(scale);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} vs recomputed {expected}"
    );
}

fn compare_args<'a>(files: &'a [PathBuf], extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["compare"];
    args.extend(files.iter().map(|file| path_arg(file)));
    args.extend_from_slice(extra);
    args
}

/// Checks every row of `folder/comparison.csv` of `files` (in order, each with its results in
/// `folder/<stem>`) against the sub-folders' summary.json and outcomes.csv.
fn check_comparison(folder: &Path, files: &[PathBuf], expected_outcomes: &[&str]) {
    let scenarios: Vec<Scenario> = files
        .iter()
        .map(|file| scenario::load(file).unwrap())
        .collect();
    let stems: Vec<String> = files
        .iter()
        .map(|file| file.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    let text = fs::read_to_string(folder.join("comparison.csv")).unwrap();
    let lower = text.to_ascii_lowercase();
    assert!(
        !lower.contains("nan") && !lower.contains("inf"),
        "comparison.csv has NaN or inf:\n{text}"
    );
    let (header, rows) = comparison(folder);
    assert_eq!(header, HEADER);
    assert_eq!(rows.len(), expected_outcomes.len() * files.len());
    let columns: Vec<_> = stems
        .iter()
        .map(|stem| outcome_columns(&folder.join(stem)))
        .collect();
    let summaries: Vec<_> = stems
        .iter()
        .map(|stem| summary(&folder.join(stem)))
        .collect();
    let mut rows = rows.iter();
    for outcome in expected_outcomes {
        let scale = scenarios
            .iter()
            .flat_map(|scenario| &scenario.outcomes)
            .find(|candidate| candidate.name == *outcome)
            .map(|candidate| candidate.kind.scale())
            .unwrap();
        for (index, scenario) in scenarios.iter().enumerate() {
            let row = rows.next().unwrap();
            let what = format!("{outcome} / {}", scenario.name);
            assert_eq!(row.len(), 17, "{what}: {row:?}");
            assert_eq!(row[0], *outcome);
            assert_eq!(row[1], scenario.name);
            let own = &summaries[index]["outcomes"][*outcome];
            let has = |index: usize| columns[index].contains_key(*outcome);
            // A month outcome is summarised over every run (restricted mean, Kaplan-Meier
            // quantiles); the others as summary.json gives them.
            let figures = if scale == OutcomeScale::Month {
                &own["within_horizon"]
            } else {
                own
            };
            let mean_key = if scale == OutcomeScale::Month {
                "restricted_mean"
            } else {
                "mean"
            };
            for (column, key) in [(2, mean_key), (3, "p05"), (4, "p50"), (5, "p95")] {
                // The same number, in the shortest form that reads back to it, in both files.
                assert_eq!(cell(row, column), figures[key].as_f64(), "{what}: {key}");
            }
            assert_eq!(
                cell(row, 2).is_some(),
                has(index),
                "{what}: a value where defined"
            );
            let probability = match scale {
                OutcomeScale::Month => figures["probability"]["estimate"].as_f64(),
                OutcomeScale::YesNo => own["probability"]["estimate"].as_f64(),
                OutcomeScale::Number => None,
            };
            assert_eq!(cell(row, 11), probability, "{what}: probability");
            let diffs: Vec<Option<f64>> = (6..10).map(|column| cell(row, column)).collect();
            if index == 0 || !has(0) || !has(index) {
                assert_eq!(diffs, [None; 4], "{what}: no paired statistics");
                continue;
            }
            // Recomputed from the two outcomes.csv files. For a month outcome every run
            // takes part, the runs where it never happens counted as the horizon; a mean over
            // the runs where both crossed would not match.
            let horizon = scenarios[0].horizon_months.min(scenario.horizon_months) as f64;
            let prepare = |values: &[Option<f64>]| -> Vec<Option<f64>> {
                match scale {
                    OutcomeScale::Month => values
                        .iter()
                        .map(|value| Some(value.map_or(horizon, |month| month.min(horizon))))
                        .collect(),
                    _ => values.to_vec(),
                }
            };
            let (first, later) = (
                prepare(&columns[0][*outcome]),
                prepare(&columns[index][*outcome]),
            );
            if scale == OutcomeScale::Month {
                assert_eq!(
                    cell(row, 10),
                    Some(first.len() as f64),
                    "{what}: n is every run"
                );
            }
            let (mean, low, high, greater, sd) = paired(&first, &later);
            let diffs: Vec<f64> = diffs
                .into_iter()
                .map(|value| value.unwrap_or_else(|| panic!("{what}: empty paired field")))
                .collect();
            assert_close(&format!("{what}: diff_mean"), diffs[0], mean, sd);
            assert_close(&format!("{what}: diff_ci_low"), diffs[1], low, sd);
            assert_close(&format!("{what}: diff_ci_high"), diffs[2], high, sd);
            assert_close(&format!("{what}: prob_greater"), diffs[3], greater, 0.0);
            let happens = |values: &[Option<f64>]| -> Vec<Option<f64>> {
                values
                    .iter()
                    .map(|value| Some(f64::from(u8::from(value.is_some_and(|m| m < horizon)))))
                    .collect()
            };
            let probability_pairs = match scale {
                OutcomeScale::Month => Some(paired(
                    &happens(&columns[0][*outcome]),
                    &happens(&columns[index][*outcome]),
                )),
                OutcomeScale::YesNo => Some((mean, low, high, greater, sd)),
                OutcomeScale::Number => None,
            };
            let probability_diffs: Vec<Option<f64>> =
                (14..17).map(|column| cell(row, column)).collect();
            match probability_pairs {
                Some((mean, low, high, _, sd)) => {
                    for ((name, actual), expected) in ["diff_probability", "ci_low", "ci_high"]
                        .iter()
                        .zip(&probability_diffs)
                        .zip([mean, low, high])
                    {
                        assert_close(
                            &format!("{what}: {name}"),
                            actual.unwrap_or_else(|| panic!("{what}: empty {name}")),
                            expected,
                            sd,
                        );
                    }
                }
                None => assert_eq!(probability_diffs, [None; 3], "{what}"),
            }
        }
    }
}

#[test]
fn comparison_csv_has_a_row_per_outcome_and_scenario_and_recomputable_differences() {
    let dir = tempfile::tempdir().unwrap();
    let files = [data("base.ron"), data("variant.ron"), data("third.ron")];
    let output = secsim(
        dir.path(),
        &compare_args(
            &files,
            &[
                "--runs",
                "300",
                "--seed",
                "3",
                "--out",
                "cmp",
                "--no-charts",
            ],
        ),
    );
    assert_success(&output);
    let folder = dir.path().join("cmp");
    assert_eq!(
        names_in(&folder),
        set(&[
            "base",
            "comparison.csv",
            "manifest.json",
            "third",
            "variant"
        ])
    );
    check_comparison(&folder, &files, &ALL_OUTCOMES);

    // What the comparison must show, in words: the first scenario's rows have no paired
    // statistics; third lacks control_final; only variant has strength_final and only third
    // attacks_max, so neither has paired statistics; the larger arms flow lowers attacks in the
    // same runs, the higher attack rate raises them in almost every run.
    let (_, rows) = comparison(&folder);
    let row = |outcome: &str, scenario: &str| {
        rows.iter()
            .find(|row| row[0] == outcome && row[1] == scenario)
            .unwrap_or_else(|| panic!("no row {outcome} / {scenario}"))
    };
    for outcome in ALL_OUTCOMES {
        assert!(
            row(outcome, "compare_base")[6..10]
                .iter()
                .chain(&row(outcome, "compare_base")[14..])
                .all(String::is_empty)
        );
    }
    assert!(
        row("control_final", "compare_third")[2..]
            .iter()
            .all(String::is_empty)
    );
    for scenario in ["compare_base", "compare_third"] {
        assert!(
            row("strength_final", scenario)[2..]
                .iter()
                .all(String::is_empty)
        );
    }
    assert!(
        row("strength_final", "compare_variant")[6..10]
            .iter()
            .chain(&row("strength_final", "compare_variant")[14..])
            .all(String::is_empty)
    );
    assert!(cell(row("strength_final", "compare_variant"), 2).is_some());
    assert!(cell(row("attacks_max", "compare_third"), 2).is_some());
    let variant = row("attacks_total", "compare_variant");
    assert!(
        cell(variant, 8).unwrap() < 0.0,
        "more arms, fewer attacks: {variant:?}"
    );
    assert!(cell(variant, 9).unwrap() < 0.5);
    let third = row("attacks_total", "compare_third");
    assert!(
        cell(third, 7).unwrap() > 0.0,
        "higher rate, more attacks: {third:?}"
    );
    assert!(cell(third, 9).unwrap() > 0.9);
}

/// Each scenario's folder inside the comparison is what `secsim run` of it alone writes, with
/// charts too; the comparison adds its own charts (with the paired differences) and report.
#[test]
fn each_scenario_folder_is_byte_identical_to_a_run_alone() {
    let dir = tempfile::tempdir().unwrap();
    let files = [data("base.ron"), data("variant.ron"), data("third.ron")];
    assert_success(&secsim(
        dir.path(),
        &compare_args(&files, &["--runs", "200", "--seed", "17", "--out", "cmp"]),
    ));
    let folder = dir.path().join("cmp");
    assert_eq!(
        names_in(&folder),
        set(&[
            "base",
            "charts",
            "comparison.csv",
            "manifest.json",
            "report.html",
            "third",
            "variant"
        ])
    );
    let charts = names_in(&folder.join("charts"));
    assert!(charts.contains("paired_differences.png") && charts.contains("paired_differences.svg"));
    let html = fs::read_to_string(folder.join("report.html")).unwrap();
    let lower = html.to_ascii_lowercase();
    for forbidden in ["<script", "<link", "src=\"http", "href=\"http"] {
        assert!(!lower.contains(forbidden), "report.html has {forbidden}");
    }
    assert_eq!(html.matches("<svg").count(), charts.len() / 2);
    for name in ["compare_base", "compare_variant", "compare_third"] {
        assert!(html.contains(name), "report lacks {name}");
    }

    for (index, file) in files.iter().enumerate() {
        let alone = format!("alone_{index}");
        assert_success(&secsim(
            dir.path(),
            &[
                "run",
                path_arg(file),
                "--runs",
                "200",
                "--seed",
                "17",
                "--out",
                &alone,
            ],
        ));
        let stem = file.file_stem().unwrap().to_str().unwrap();
        let inside = files_under(&folder.join(stem));
        let alone = files_under(&dir.path().join(&alone));
        for table in TABLES {
            let path = PathBuf::from(table);
            assert!(
                inside.get(&path) == alone.get(&path) && inside.contains_key(&path),
                "{stem}/{table} differs from a run of {stem} alone"
            );
        }
        let differing: Vec<&PathBuf> = alone
            .keys()
            .filter(|path| inside.get(*path) != alone.get(*path))
            .collect();
        assert!(
            differing.is_empty() && inside.len() == alone.len(),
            "{stem}: files differ from a run alone: {differing:?}"
        );
    }
}

/// `--seed` defaults to the first scenario's (1 when it has none), `--runs` to the largest
/// `runs` among them.
#[test]
fn seed_and_runs_default_to_the_first_seed_and_the_largest_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (base, variant, third) = (data("base.ron"), data("variant.ron"), data("third.ron"));
    let cases: [(&str, Vec<PathBuf>, u64, u64); 3] = [
        ("a", vec![base.clone(), variant.clone()], 7, 300),
        ("b", vec![variant.clone(), base.clone()], 99, 300),
        ("c", vec![third.clone(), base.clone()], 1, 200),
    ];
    for (out, files, seed, runs) in &cases {
        assert_success(&secsim(
            dir.path(),
            &compare_args(files, &["--out", out, "--no-charts"]),
        ));
        for file in files {
            let stem = file.file_stem().unwrap().to_str().unwrap();
            let summary = summary(&dir.path().join(out).join(stem));
            assert_eq!(summary["seed"], *seed, "{out}/{stem}: seed");
            assert_eq!(summary["runs"], *runs, "{out}/{stem}: runs");
        }
    }
}

/// Two files called `scenario.ron` in different folders get two different result folders,
/// each holding its own scenario's results.
#[test]
fn the_same_file_stem_in_different_folders_gets_distinct_folders() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        dir.path().join("one/scenario.ron"),
        dir.path().join("two/scenario.ron"),
    ];
    for (file, source) in files.iter().zip(["base.ron", "variant.ron"]) {
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::copy(data(source), file).unwrap();
    }
    let args = ["--runs", "100", "--seed", "5", "--no-charts"];
    assert_success(&secsim(
        dir.path(),
        &compare_args(&files, &[&args[..], &["--out", "cmp"]].concat()),
    ));
    let folder = dir.path().join("cmp");
    let folders: Vec<String> = names_in(&folder)
        .into_iter()
        .filter(|name| folder.join(name).is_dir())
        .collect();
    assert_eq!(folders.len(), 2, "{folders:?}");
    let scenarios: BTreeSet<String> = folders
        .iter()
        .map(|name| {
            summary(&folder.join(name))["scenario"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(scenarios, set(&["compare_base", "compare_variant"]));
    let (_, rows) = comparison(&folder);
    let scenario_names: BTreeSet<String> = rows.iter().map(|row| row[1].clone()).collect();
    assert_eq!(scenario_names, scenarios);
    // The first file's folder is its stem; whichever name the second gets, it is a run of it.
    assert_eq!(
        summary(&folder.join("scenario"))["scenario"],
        "compare_base"
    );
    for (index, file) in files.iter().enumerate() {
        let alone = format!("alone_{index}");
        assert_success(&secsim(
            dir.path(),
            &[&["run", path_arg(file), "--out", &alone][..], &args[..]].concat(),
        ));
        let name = summary(&dir.path().join(&alone))["scenario"].clone();
        let inside = folders
            .iter()
            .find(|folder_name| summary(&folder.join(folder_name))["scenario"] == name)
            .unwrap();
        assert!(
            files_under(&folder.join(inside)) == files_under(&dir.path().join(&alone)),
            "{inside} differs from a run of {} alone",
            file.display()
        );
    }
}

/// Copies base, variant and third to `names` in `dir`, and compares them (with charts).
fn compare_copies(dir: &Path, names: [&str; 3]) -> Output {
    let files = names.map(|name| dir.join(name));
    for (file, source) in files.iter().zip(["base.ron", "variant.ron", "third.ron"]) {
        fs::copy(data(source), file).unwrap();
    }
    secsim(
        dir,
        &compare_args(&files, &["--runs", "50", "--seed", "5", "--out", "cmp"]),
    )
}

/// The scenario of each scenario folder in a comparison folder, by folder name.
fn scenario_folders(folder: &Path) -> BTreeMap<String, String> {
    names_in(folder)
        .into_iter()
        .filter(|name| folder.join(name).join("summary.json").is_file())
        .map(|name| {
            let scenario = summary(&folder.join(&name))["scenario"]
                .as_str()
                .unwrap()
                .to_owned();
            (name, scenario)
        })
        .collect()
}

/// A scenario file called `charts.ron` gets a folder of its own: its results are not mixed
/// with the comparison's `charts/` (nor the comparison's charts with its results).
#[test]
fn a_scenario_called_charts_keeps_its_results_apart_from_the_comparison_charts() {
    let dir = tempfile::tempdir().unwrap();
    let output = compare_copies(dir.path(), ["charts.ron", "b.ron", "c.ron"]);
    assert_success(&output);
    let folder = dir.path().join("cmp");
    let charts = names_in(&folder.join("charts"));
    let not_charts: Vec<&String> = charts
        .iter()
        .filter(|name| !(name.ends_with(".png") || name.ends_with(".svg")))
        .collect();
    assert!(
        not_charts.is_empty(),
        "the comparison's charts/ also holds {not_charts:?}"
    );
    let scenarios: BTreeSet<String> = scenario_folders(&folder).into_values().collect();
    assert_eq!(
        scenarios,
        set(&["compare_base", "compare_variant", "compare_third"])
    );
}

/// Scenario files called `report.html.ron` or `comparison.csv.ron` are valid scenarios; the
/// comparison must not fail because their folders take the names of its own files.
#[test]
fn scenario_files_named_like_the_comparison_files_are_compared() {
    for names in [
        ["a.ron", "report.html.ron", "c.ron"],
        ["a.ron", "b.ron", "comparison.csv.ron"],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let output = compare_copies(dir.path(), names);
        assert_success(&output);
        let folder = dir.path().join("cmp");
        assert!(folder.join("comparison.csv").is_file());
        assert!(folder.join("report.html").is_file());
        let scenarios: BTreeSet<String> = scenario_folders(&folder).into_values().collect();
        assert_eq!(
            scenarios,
            set(&["compare_base", "compare_variant", "compare_third"]),
            "{names:?}"
        );
    }
}

#[test]
fn a_bad_scenario_among_them_fails_with_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad/binary.ron");
    let missing = dir.path().join("missing.ron");
    let (base, variant) = (data("base.ron"), data("variant.ron"));
    for files in [
        vec![base.clone(), bad.clone()],
        vec![bad.clone(), base.clone(), variant.clone()],
        vec![base.clone(), variant.clone(), missing.clone()],
    ] {
        let output = secsim(
            dir.path(),
            &compare_args(&files, &["--runs", "50", "--out", "cmp"]),
        );
        assert_eq!(output.status.code(), Some(2), "{files:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let culprit = if files.contains(&bad) {
            "binary.ron"
        } else {
            "missing.ron"
        };
        assert!(stderr.contains(culprit), "stderr names {culprit}: {stderr}");
        assert!(
            names_in(dir.path()).is_empty(),
            "{files:?} left {:?}",
            names_in(dir.path())
        );
    }

    // Earlier results in --out are left as they were.
    assert_success(&secsim(
        dir.path(),
        &compare_args(
            &[base.clone(), variant.clone()],
            &["--runs", "50", "--out", "cmp", "--no-charts"],
        ),
    ));
    let before = files_under(&dir.path().join("cmp"));
    let output = secsim(
        dir.path(),
        &compare_args(
            &[base, bad],
            &["--runs", "50", "--out", "cmp", "--no-charts"],
        ),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(files_under(&dir.path().join("cmp")) == before);
    assert_eq!(names_in(dir.path()), set(&["cmp"]));
}

#[test]
fn snapshot_comparison_small() {
    let dir = tempfile::tempdir().unwrap();
    let files = [data("base.ron"), data("variant.ron")];
    assert_success(&secsim(
        dir.path(),
        &compare_args(
            &files,
            &[
                "--runs",
                "400",
                "--seed",
                "2024",
                "--out",
                "cmp",
                "--no-charts",
            ],
        ),
    ));
    let folder = dir.path().join("cmp");
    let actual = fs::read_to_string(folder.join("comparison.csv")).unwrap();
    // Whatever the snapshot says, the file must be right in itself.
    check_comparison(&folder, &files, &ALL_OUTCOMES[..6]);

    let snapshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/comparison_small.csv");
    if std::env::var_os("SECSIM_UPDATE_SNAPSHOTS").is_some_and(|value| value == "1") {
        fs::write(&snapshot, &actual).unwrap();
        eprintln!("rewrote {}", snapshot.display());
        return;
    }
    let expected = fs::read_to_string(&snapshot).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; to create it: SECSIM_UPDATE_SNAPSHOTS=1 cargo test --release --test it compare::snapshot_comparison_small",
            snapshot.display()
        )
    });
    if actual != expected {
        let first_difference = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or(actual.lines().count().min(expected.lines().count()));
        panic!(
            "comparison.csv differs from {} from line {}:\n  now:      {:?}\n  snapshot: {:?}\n\
             If the change is intended, regenerate with SECSIM_UPDATE_SNAPSHOTS=1 (see the top of \
             tests/it/compare.rs) and review the diff.",
            snapshot.display(),
            first_difference + 1,
            actual.lines().nth(first_difference),
            expected.lines().nth(first_difference)
        );
    }
}

/// Every replication's outcome values of `scenario`, in run order.
fn outcome_values(scenario: &Scenario, seed: u64, runs: u64) -> Vec<Vec<f64>> {
    let mut rows = Vec::new();
    engine::run(scenario, &RunPlan { seed, runs }, |block: &Block| {
        for (run, values) in block.rows() {
            assert_eq!(run, rows.len() as u64, "rows in run order");
            rows.push(values.to_vec());
        }
        Ok::<(), Infallible>(())
    })
    .unwrap();
    assert_eq!(rows.len() as u64, runs);
    rows
}

fn outcome_index(scenario: &Scenario, name: &str) -> usize {
    scenario
        .outcomes
        .iter()
        .position(|outcome| outcome.name == name)
        .unwrap_or_else(|| panic!("{} has no outcome {name}", scenario.name))
}

/// Standard error of the mean of per-run differences `later - first` of one outcome.
fn standard_error_of_differences(
    first: &[Vec<f64>],
    first_index: usize,
    later: &[Vec<f64>],
    later_index: usize,
) -> f64 {
    let differences: Vec<f64> = first
        .iter()
        .zip(later)
        .map(|(a, b)| b[later_index] - a[first_index])
        .collect();
    assert!(differences.iter().all(|d| d.is_finite()));
    let n = differences.len() as f64;
    let mean = differences.iter().sum::<f64>() / n;
    let variance = differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (variance / n).sqrt()
}

/// Common random numbers: base and variant with the same seed draw the same numbers for every
/// element they share, so their per-run difference varies far less than with independent
/// streams (the variant under another seed).
///
/// Why "less than half" is a safe and meaningful margin at n = 400: each standard error is
/// estimated from n runs, with a relative sampling error of about 1/sqrt(2n) = 3.5% (more for
/// skewed outcomes, say 5%); the ratio of two independent estimates has a relative error of
/// about sqrt(2) times that, 5-7%. If common random numbers were lost (ratio truly 1), an
/// observed ratio below 0.5 would be some 10 standard errors away: impossible by chance. With
/// them the ratio here is about 0.16 for attacks and 0.24 for fatalities (the uncertain attack
/// rate, the monthly draws and the event are shared), so the margin to 0.5 is again some 10
/// standard errors: a small change in the streams cannot make it fail spuriously. The test is
/// also fully deterministic (fixed seeds), so it cannot flake.
#[test]
fn common_random_numbers_shrink_the_standard_error_of_differences() {
    const RUNS: u64 = 400;
    const SEED: u64 = 2024;
    const OTHER_SEED: u64 = 31_337;
    let base = scenario::load(&data("base.ron")).unwrap();
    let variant = scenario::load(&data("variant.ron")).unwrap();
    let base_rows = outcome_values(&base, SEED, RUNS);
    let common = outcome_values(&variant, SEED, RUNS);
    let independent = outcome_values(&variant, OTHER_SEED, RUNS);

    // The event does not depend on the flow's volume: with common random numbers it fires in
    // exactly the same runs; with another seed it does not.
    let fired = |rows: &[Vec<f64>], scenario: &Scenario| -> Vec<f64> {
        let index = outcome_index(scenario, "arms_cut_fired");
        rows.iter().map(|row| row[index]).collect()
    };
    assert_eq!(fired(&base_rows, &base), fired(&common, &variant));
    assert_ne!(fired(&base_rows, &base), fired(&independent, &variant));

    for (outcome, largest_ratio) in [("attacks_total", 0.5), ("fatalities_total", 0.5)] {
        let (b, v) = (
            outcome_index(&base, outcome),
            outcome_index(&variant, outcome),
        );
        let crn = standard_error_of_differences(&base_rows, b, &common, v);
        let apart = standard_error_of_differences(&base_rows, b, &independent, v);
        eprintln!(
            "{outcome}: standard error of the paired difference {crn:.3} with common random \
             numbers, {apart:.3} with independent streams (ratio {:.3})",
            crn / apart
        );
        assert!(
            crn < largest_ratio * apart,
            "{outcome}: standard error {crn} with common random numbers is not below \
             {largest_ratio} x {apart} (independent streams)"
        );
    }
}

/// Issue 18's case: the month attacks first pass 100 in Niger, with and without the Western
/// surge. The surge's runs cross less often, so a mean over the runs where both crossed (what
/// `compare` used to report) pointed the wrong way. Every run now counts: the restricted means
/// are over the same runs, so their difference is exactly the paired difference, and the
/// probability of crossing at all is compared alongside. The Kaplan-Meier median is checked
/// against the order statistic over all runs, recomputed from `outcomes.csv`.
#[test]
fn the_month_a_threshold_is_first_crossed_is_compared_over_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = [
        root.join("niger_realignment.ron"),
        root.join("niger_realignment_western_surge.ron"),
    ];
    let output = secsim(
        dir.path(),
        &compare_args(&files, &["--runs", "1000", "--out", "cmp", "--no-charts"]),
    );
    assert_success(&output);
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("happens within the horizon") && printed.contains("restricted mean"),
        "{printed}"
    );
    let folder = dir.path().join("cmp");
    let (_, rows) = comparison(&folder);
    let outcome = "first_month_over_100_attacks";
    let row = |scenario: &str| {
        rows.iter()
            .find(|row| row[0] == outcome && row[1] == scenario)
            .unwrap()
    };
    let (first, surge) = (
        row("niger_realignment"),
        row("niger_realignment_western_surge"),
    );
    for row in [first, surge] {
        assert_eq!(cell(row, 10), Some(1000.0), "every run counts: {row:?}");
    }
    let spread = cell(surge, 7).unwrap() - cell(surge, 6).unwrap();
    assert_close(
        "restricted means over the same runs",
        cell(surge, 6).unwrap(),
        cell(surge, 2).unwrap() - cell(first, 2).unwrap(),
        spread,
    );
    assert_close(
        "probabilities over the same runs",
        cell(surge, 14).unwrap(),
        cell(surge, 11).unwrap() - cell(first, 11).unwrap(),
        1.0,
    );
    // With the surge it crosses in fewer runs and later on average.
    assert!(cell(surge, 16).unwrap() < 0.0, "{surge:?}");
    assert!(cell(surge, 7).unwrap() > 0.0, "{surge:?}");

    for (stem, row) in [
        ("niger_realignment", first),
        ("niger_realignment_western_surge", surge),
    ] {
        let mut months: Vec<f64> = outcome_columns(&folder.join(stem))[outcome]
            .iter()
            .map(|value| value.unwrap_or(f64::INFINITY))
            .collect();
        months.sort_by(f64::total_cmp);
        let median = months[(months.len() - 1) / 2];
        assert_eq!(cell(row, 4), median.is_finite().then_some(median), "{stem}");
        let never = months.iter().filter(|month| month.is_infinite()).count();
        assert_eq!(cell(row, 11), Some(1.0 - never as f64 / 1000.0), "{stem}");
    }
}
