//! The `secsim` command line: what `run` writes and where, flags, reruns, missing values,
//! `validate` on several files, and that failures leave results folders alone.

use crate::common::{assert_success, stderr};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `tests/data/small.ron`: horizon 12, runs 40, seed 11; one state (6 series) and one group
/// (3 series).
const SMALL_RUNS: usize = 40;
const SMALL_SEED: u64 = 11;
const SMALL_SERIES: usize = 6 + 3;
const SMALL_HORIZON: usize = 12;
const OUTCOMES_HEADER: &str = "run,attacks_total,control_final,first_month_over_18,\
                               first_month_over_million,shock_fired,shock_month";
const TIMESERIES_HEADER: &str = "metric,actor,month,date,mean,sd,p05,p25,p50,p75,p95";
const SUMMARY_KEYS: [&str; 11] = [
    "n", "mean", "sd", "mcse", "p05", "p25", "p50", "p75", "p95", "min", "max",
];

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn small() -> String {
    data("small.ron").to_str().unwrap().to_owned()
}

/// Runs the binary in `dir`. Every `run` gets `--no-charts`: charts (`charts/`, `report.html`)
/// take seconds per run in a debug build and are not what these tests check.
fn secsim(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_secsim"));
    command.current_dir(dir).args(args);
    if args.first() == Some(&"run") {
        command.arg("--no-charts");
    }
    command.output().expect("cannot start secsim")
}

/// Every file under `dir` (relative path -> bytes).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.insert(path.strip_prefix(root).unwrap().join(""), Vec::new());
                walk(root, &path, files);
            } else if path.file_name().is_some_and(|name| name != "manifest.json") {
                // manifest.json holds the run's timestamps and command line by design (the only
                // output that does): byte comparisons leave it out; tests/it/selftest.rs checks it.
                let bytes = fs::read(&path).unwrap();
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn summary(folder: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(folder.join("summary.json")).unwrap()).unwrap()
}

/// outcomes.csv as (header, rows of cells).
fn outcome_rows(folder: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(folder.join("outcomes.csv")).unwrap();
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

#[test]
fn run_writes_exactly_three_files_with_the_documented_headers() {
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(dir.path(), &["run", &small(), "--out", "results"]);
    assert_success(&output);
    let folder = dir.path().join("results");
    assert_eq!(
        names_in(&folder),
        [
            "manifest.json",
            "outcomes.csv",
            "parameters.csv",
            "summary.json",
            "timeseries.csv"
        ]
    );
    // No staging folder or other leftovers beside the results.
    assert_eq!(names_in(dir.path()), ["results"]);

    let timeseries = fs::read_to_string(folder.join("timeseries.csv")).unwrap();
    let lines: Vec<&str> = timeseries.lines().collect();
    assert_eq!(lines[0], TIMESERIES_HEADER);
    assert_eq!(lines.len(), 1 + SMALL_SERIES * SMALL_HORIZON);
    assert!(
        lines[1].starts_with("attacks,Niger,0,2024-01,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[SMALL_HORIZON].starts_with("attacks,Niger,11,2024-12,"),
        "{}",
        lines[SMALL_HORIZON]
    );
    for line in &lines[1..] {
        assert_eq!(line.split(',').count(), 11, "{line}");
    }

    let outcomes = fs::read_to_string(folder.join("outcomes.csv")).unwrap();
    let lines: Vec<&str> = outcomes.lines().collect();
    assert_eq!(lines[0], OUTCOMES_HEADER);
    assert_eq!(lines.len(), 1 + SMALL_RUNS, "one row per run");
    for (index, line) in lines[1..].iter().enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 7, "{line}");
        assert_eq!(cells[0], index.to_string(), "runs in order");
    }
}

#[test]
fn summary_json_has_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    assert_success(&secsim(dir.path(), &["run", &small(), "--out", "results"]));
    let summary = summary(&dir.path().join("results"));
    assert_eq!(summary["scenario"], "small");
    let hash = summary["scenario_hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    assert!(
        hash.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_eq!(summary["seed"], SMALL_SEED);
    assert_eq!(summary["runs"], SMALL_RUNS);
    assert_eq!(summary["version"], env!("CARGO_PKG_VERSION"));

    let outcomes = summary["outcomes"].as_object().unwrap();
    let names: Vec<&str> = outcomes.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        OUTCOMES_HEADER.split(',').skip(1).collect::<Vec<_>>(),
        "outcomes in file order"
    );
    for (name, value) in outcomes {
        let object = value.as_object().unwrap();
        for key in SUMMARY_KEYS {
            assert!(object.contains_key(key), "outcomes.{name} lacks {key}");
        }
        if name == "first_month_over_million" {
            continue; // no values: see missing_outcome_values_are_empty_cells_and_not_counted
        }
        let (min, max) = (
            object["min"].as_f64().unwrap(),
            object["max"].as_f64().unwrap(),
        );
        for key in ["mean", "p05", "p25", "p50", "p75", "p95"] {
            let value = object[key].as_f64().unwrap();
            assert!(
                min <= value && value <= max,
                "outcomes.{name}.{key} = {value} outside [{min}, {max}]"
            );
        }
    }
    let events = summary["events"].as_object().unwrap();
    assert_eq!(
        events.keys().collect::<Vec<_>>(),
        ["arms_cut", "maybe_shock"]
    );
    for (name, value) in events {
        let object = value.as_object().unwrap();
        assert!(object.contains_key("probability"), "events.{name}");
        assert!(object.contains_key("median_month"), "events.{name}");
    }
    assert_eq!(events["arms_cut"]["probability"], 1.0);
    assert_eq!(events["arms_cut"]["median_month"], 6.0);
}

#[test]
fn default_output_folder_is_output_slash_stem_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(dir.path(), &["run", &small()]);
    assert_success(&output);
    assert_eq!(names_in(dir.path()), ["output"]);
    assert_eq!(names_in(&dir.path().join("output")), ["small"]);
    assert_eq!(
        names_in(&dir.path().join("output/small")),
        [
            "manifest.json",
            "outcomes.csv",
            "parameters.csv",
            "summary.json",
            "timeseries.csv"
        ]
    );
    // Nothing is written beside the scenario file.
    assert!(!data("output").exists());
}

#[test]
fn runs_and_seed_flags_override_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    assert_success(&secsim(dir.path(), &["run", &small(), "--out", "defaults"]));
    assert_success(&secsim(
        dir.path(),
        &[
            "run",
            &small(),
            "--out",
            "flags",
            "--runs",
            "7",
            "--seed",
            "99",
        ],
    ));
    let flags = dir.path().join("flags");
    let summary = summary(&flags);
    assert_eq!(summary["runs"], 7);
    assert_eq!(summary["seed"], 99);
    assert_eq!(summary["outcomes"]["attacks_total"]["n"], 7);
    assert_eq!(outcome_rows(&flags).1.len(), 7);

    // Seed 99 gives other replications than the scenario's seed 11.
    let (_, defaults) = outcome_rows(&dir.path().join("defaults"));
    let (_, flagged) = outcome_rows(&flags);
    assert_ne!(&defaults[..7], &flagged[..]);

    // Flags equal to the scenario's values give the scenario's results.
    assert_success(&secsim(
        dir.path(),
        &[
            "run",
            &small(),
            "--out",
            "explicit",
            "--runs",
            "40",
            "--seed",
            "11",
        ],
    ));
    assert_eq!(
        snapshot(&dir.path().join("defaults")),
        snapshot(&dir.path().join("explicit"))
    );
}

#[test]
fn rerun_gives_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    assert_success(&secsim(dir.path(), &["run", &small(), "--out", "first"]));
    let first = snapshot(&dir.path().join("first"));
    // Into a new folder, and over the old results in place.
    assert_success(&secsim(dir.path(), &["run", &small(), "--out", "second"]));
    assert_success(&secsim(dir.path(), &["run", &small(), "--out", "first"]));
    assert_eq!(first, snapshot(&dir.path().join("second")));
    assert_eq!(first, snapshot(&dir.path().join("first")));
    assert_eq!(names_in(dir.path()), ["first", "second"], "no leftovers");
}

#[test]
fn missing_outcome_values_are_empty_cells_and_not_counted() {
    let dir = tempfile::tempdir().unwrap();
    assert_success(&secsim(dir.path(), &["run", &small(), "--out", "results"]));
    let folder = dir.path().join("results");
    let (header, rows) = outcome_rows(&folder);
    let summary = summary(&folder);
    let column = |name: &str| header.iter().position(|cell| cell == name).unwrap();

    // FirstMonth over 18 attacks: never crossed in some runs.
    let first = column("first_month_over_18");
    let present: Vec<f64> = rows
        .iter()
        .filter(|row| !row[first].is_empty())
        .map(|row| row[first].parse().unwrap())
        .collect();
    assert!(
        !present.is_empty() && present.len() < rows.len(),
        "the test needs runs with and without a value; {} of {} present",
        present.len(),
        rows.len()
    );
    let stats = &summary["outcomes"]["first_month_over_18"];
    assert_eq!(stats["n"], present.len());
    let mean = present.iter().sum::<f64>() / present.len() as f64;
    assert!((stats["mean"].as_f64().unwrap() - mean).abs() < 1e-9);
    let min = present.iter().copied().fold(f64::INFINITY, f64::min);
    let max = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(stats["min"], min);
    assert_eq!(stats["max"], max);
    // An outcome no run has a value for: all cells empty, n 0, every statistic null.
    let never = column("first_month_over_million");
    assert!(rows.iter().all(|row| row[never].is_empty()));
    let stats = &summary["outcomes"]["first_month_over_million"];
    assert_eq!(stats["n"], 0);
    for key in &SUMMARY_KEYS[1..] {
        assert!(
            stats[key].is_null(),
            "first_month_over_million.{key}: {}",
            stats[key]
        );
    }
    // Other outcomes have a value in every run.
    assert_eq!(summary["outcomes"]["attacks_total"]["n"], SMALL_RUNS);

    // EventMonth is missing exactly when the event did not fire.
    let (fired, month) = (column("shock_fired"), column("shock_month"));
    for row in &rows {
        assert_eq!(row[fired] == "1", !row[month].is_empty(), "row {row:?}");
    }
    let fired_runs = rows.iter().filter(|row| row[fired] == "1").count();
    assert_eq!(summary["outcomes"]["shock_month"]["n"], fired_runs);
}

#[test]
fn validate_reports_the_bad_file_among_several() {
    let dir = tempfile::tempdir().unwrap();
    let bad = data("../bad/unknown_actor_in_flow.ron");
    let good = data("events.ron");
    let output = secsim(
        dir.path(),
        &[
            "validate",
            &small(),
            bad.to_str().unwrap(),
            good.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = stderr(&output);
    assert!(stderr.contains("unknown_actor_in_flow.ron"), "{stderr}");
    assert!(stderr.contains("error:"), "{stderr}");
    assert!(stderr.contains("flows[\"arms\"].to"), "{stderr}");
    // Only the bad file has an error (a valid file may get a warning).
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error:"))
        .collect();
    assert!(
        errors
            .iter()
            .all(|line| !line.contains("small.ron") && !line.contains("events.ron")),
        "{stderr}"
    );
    // Every file is checked, including those after the bad one.
    assert!(stdout.contains("small.ron: ok"), "{stdout}");
    assert!(stdout.contains("events.ron: ok"), "{stdout}");
    assert_eq!(
        names_in(dir.path()),
        Vec::<String>::new(),
        "validate writes nothing"
    );

    let output = secsim(dir.path(), &["validate", &small(), good.to_str().unwrap()]);
    assert_success(&output);

    // Several bad files: each one is reported.
    let syntax = data("../bad/syntax_missing_comma.ron");
    let output = secsim(
        dir.path(),
        &["validate", bad.to_str().unwrap(), syntax.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    let both = String::from_utf8_lossy(&output.stderr);
    assert!(both.contains("unknown_actor_in_flow.ron"), "{both}");
    assert!(both.contains("syntax_missing_comma.ron:7:5"), "{both}");
}

#[test]
fn failed_run_leaves_previous_results_untouched() {
    let dir = tempfile::tempdir().unwrap();
    assert_success(&secsim(dir.path(), &["run", &small(), "--out", "results"]));
    fs::write(dir.path().join("results/notes.txt"), "mine").unwrap();
    let before = snapshot(dir.path());

    for bad in [
        "../bad/unknown_actor_in_flow.ron",
        "../bad/syntax_missing_comma.ron",
        "nonexistent.ron",
    ] {
        let path = data(bad);
        let output = secsim(
            dir.path(),
            &["run", path.to_str().unwrap(), "--out", "results"],
        );
        assert_eq!(output.status.code(), Some(2), "{bad}: {}", stderr(&output));
        assert!(stderr(&output).starts_with("error: "), "{bad}");
        assert_eq!(before, snapshot(dir.path()), "{bad} changed the folder");
    }
    // A bad flag too.
    let output = secsim(
        dir.path(),
        &["run", &small(), "--out", "results", "--runs", "0"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(before, snapshot(dir.path()));
}

#[test]
fn failed_run_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = data("../bad/unknown_actor_in_flow.ron");
    // Default folder (output/unknown_actor_in_flow) and an explicit nested one.
    let output = secsim(dir.path(), &["run", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let output = secsim(
        dir.path(),
        &["run", bad.to_str().unwrap(), "--out", "deep/er/results"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(names_in(dir.path()), Vec::<String>::new());

    // The output path is an existing file: refused, the file is left as it was.
    fs::write(dir.path().join("taken"), "a file").unwrap();
    let output = secsim(dir.path(), &["run", &small(), "--out", "taken"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("taken"), "{}", stderr(&output));
    assert_eq!(names_in(dir.path()), ["taken"]);
    assert_eq!(
        fs::read_to_string(dir.path().join("taken")).unwrap(),
        "a file"
    );
}

#[test]
fn run_count_flag_outside_1_to_100_million_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for runs in ["0", "100000001", "-3", "many"] {
        let flag = format!("--runs={runs}");
        let output = secsim(dir.path(), &["run", &small(), &flag]);
        assert_eq!(output.status.code(), Some(2), "--runs {runs}");
        assert!(stderr(&output).contains("--runs"), "{}", stderr(&output));
        assert_eq!(names_in(dir.path()), Vec::<String>::new(), "--runs {runs}");
    }
    let output = secsim(dir.path(), &["run", &small(), "--threads", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

#[test]
fn run_error_states_its_cause_once() {
    // `run` prints the whole error chain; an I/O cause must not be printed twice
    // ("cannot read: No such file or directory (os error 2): No such file or directory (os
    // error 2)").
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(dir.path(), &["run", "missing.ron"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.starts_with("error: ") && message.contains("missing.ron"),
        "{message}"
    );
    assert_eq!(message.matches("(os error 2)").count(), 1, "{message}");

    fs::write(dir.path().join("taken"), "a file").unwrap();
    let output = secsim(dir.path(), &["run", &small(), "--out", "taken/results"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("taken"), "{message}");
    assert!(message.matches("(os error").count() <= 1, "{message}");
}

/// `summary.json` is the typed `SummaryFile`: read back and written again, it is the same bytes
/// (the `--precision` section included), so programs can rely on its documented shape.
#[test]
fn summary_json_round_trips_through_its_type() {
    let dir = tempfile::tempdir().unwrap();
    let small = small();
    let output = Command::new(env!("CARGO_BIN_EXE_secsim"))
        .current_dir(dir.path())
        .args([
            "run",
            &small,
            "--out",
            "r",
            "--no-charts",
            "--runs",
            "3000",
            "--precision",
            "attacks_total=5%",
        ])
        .output()
        .unwrap();
    assert_success(&output);
    let text = fs::read_to_string(dir.path().join("r/summary.json")).unwrap();
    let typed: secsim::output::summary::SummaryFile = serde_json::from_str(&text).unwrap();
    assert!(typed.stopping.is_some());
    assert!(!typed.outcomes.is_empty());
    let mut again = serde_json::to_string_pretty(&typed).unwrap();
    again.push('\n');
    assert_eq!(again, text);
}
