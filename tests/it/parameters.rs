//! `parameters.csv`: each replication's uncertain parameter values and whether and when each
//! event fired, written beside `outcomes.csv` and joined to it by `run`.

use std::fs;
use std::path::{Path, PathBuf};

use secsim::scenario::{self, Distribution};

use crate::common::{assert_success, secsim};

/// Runs of the statistical checks: a few hundred, as the shipped scenario runs in well under a
/// second for that.
const RUNS: &str = "400";
/// Fixed seed of the statistical checks: with another seed the sample means move, but stay
/// within the tolerance but for a few in ten thousand.
const SEED: &str = "7";

fn crate_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn realignment() -> PathBuf {
    crate_file("scenarios/niger_realignment.ron")
}

/// Runs `secsim run scenario --runs RUNS --seed SEED --out out --no-charts --quiet` plus
/// `extra` in `dir` (`--runs RUNS` only if `extra` gives no `--runs`).
fn run(dir: &Path, scenario: &Path, out: &str, extra: &[&str]) {
    let runs = if extra.contains(&"--runs") {
        &[][..]
    } else {
        &["--runs", RUNS][..]
    };
    let mut args = vec!["run", scenario.to_str().unwrap()];
    args.extend_from_slice(runs);
    args.extend_from_slice(&["--seed", SEED, "--out", out, "--no-charts", "--quiet"]);
    args.extend_from_slice(extra);
    assert_success(&secsim(dir, &args));
}

/// A CSV file's header and its rows, as text fields.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|record| record.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The mean and variance of `distribution`, and whether `value` lies in its support; only for
/// the kinds the shipped scenario uses (a censored normal's moments are not worth the code).
fn moments_and_support(distribution: &Distribution, value: f64) -> (f64, f64, bool) {
    match distribution {
        Distribution::Uniform { min, max } => (
            (min + max) / 2.0,
            (max - min).powi(2) / 12.0,
            (*min..=*max).contains(&value),
        ),
        Distribution::Beta {
            alpha,
            beta,
            min,
            max,
        } => {
            let sum = alpha + beta;
            let width = max - min;
            (
                min + width * alpha / sum,
                width * width * alpha * beta / (sum * sum * (sum + 1.0)),
                (*min..=*max).contains(&value),
            )
        }
        Distribution::Discrete {
            values,
            cumulative_weights,
        } => {
            let mut previous = 0.0;
            let probabilities: Vec<f64> = cumulative_weights
                .iter()
                .map(|&cumulative| {
                    let probability = cumulative - previous;
                    previous = cumulative;
                    probability
                })
                .collect();
            let mean: f64 = values.iter().zip(&probabilities).map(|(v, p)| v * p).sum();
            let variance: f64 = values
                .iter()
                .zip(&probabilities)
                .map(|(v, p)| p * (v - mean).powi(2))
                .sum();
            (mean, variance, values.contains(&value))
        }
        other => panic!("no moments for {other:?} in this test"),
    }
}

/// The header is `run`, every uncertain parameter by name in the scenario's order, then
/// `<event>_fired` and `<event>_month` per event; one row per run, in run order, joined to
/// outcomes.csv by `run`.
#[test]
fn the_file_has_the_documented_header_and_a_row_per_run() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &realignment(), "out", &[]);
    let loaded = scenario::load(&realignment()).unwrap();
    let (header, rows) = read_csv(&dir.path().join("out/parameters.csv"));
    let mut expected = vec!["run".to_owned()];
    expected.extend(loaded.uncertain.iter().map(|param| param.name.clone()));
    for event in &loaded.events {
        expected.push(format!("{}_fired", event.name));
        expected.push(format!("{}_month", event.name));
    }
    assert_eq!(header, expected);
    assert!(loaded.uncertain.len() >= 3 && !loaded.events.is_empty());
    let (_, outcome_rows) = read_csv(&dir.path().join("out/outcomes.csv"));
    assert_eq!(rows.len(), 400);
    for (index, (row, outcome_row)) in rows.iter().zip(&outcome_rows).enumerate() {
        assert_eq!(row.len(), expected.len());
        assert_eq!(row[0], index.to_string());
        assert_eq!(row[0], outcome_row[0]);
    }
}

/// Each parameter's column lies in its distribution's support and its sample mean is within 4
/// Monte Carlo standard errors (the distribution's sd over the square root of the run count) of
/// the distribution's mean (seed 7, 400 runs).
#[test]
fn parameter_values_follow_their_distributions() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &realignment(), "out", &[]);
    let loaded = scenario::load(&realignment()).unwrap();
    let (header, rows) = read_csv(&dir.path().join("out/parameters.csv"));
    for (offset, param) in loaded.uncertain.iter().enumerate() {
        let column = offset + 1;
        assert_eq!(header[column], param.name);
        let values: Vec<f64> = rows
            .iter()
            .map(|row| row[column].parse().unwrap())
            .collect();
        let mut mean_and_variance = (0.0, 0.0);
        for &value in &values {
            let (mean, variance, inside) = moments_and_support(&param.distribution, value);
            assert!(inside, "{}: {value} outside its support", param.name);
            mean_and_variance = (mean, variance);
        }
        let (mean, variance) = mean_and_variance;
        let sample_mean = values.iter().sum::<f64>() / values.len() as f64;
        let standard_error = (variance / values.len() as f64).sqrt();
        assert!(
            (sample_mean - mean).abs() <= 4.0 * standard_error,
            "{}: sample mean {sample_mean}, distribution mean {mean}, MCSE {standard_error}",
            param.name
        );
    }
}

/// `<event>_fired` is the `EventFired` outcome and `<event>_month` the `EventMonth` outcome of
/// outcomes.csv, run by run (niger_realignment has one of each); an event that did not fire has
/// an empty month, one that fired a month.
#[test]
fn event_columns_agree_with_the_event_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &realignment(), "out", &[]);
    let (header, rows) = read_csv(&dir.path().join("out/parameters.csv"));
    let (outcome_header, outcome_rows) = read_csv(&dir.path().join("out/outcomes.csv"));
    let column = |names: &[String], name: &str| {
        names
            .iter()
            .position(|known| known == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let fired = column(&header, "western_reengagement_fired");
    let fired_outcome = column(&outcome_header, "western_return");
    let month = column(&header, "power_vacuum_month");
    let month_outcome = column(&outcome_header, "power_vacuum_month");
    let mut counts = [0; 2];
    for (row, outcome_row) in rows.iter().zip(&outcome_rows) {
        assert_eq!(row[fired], outcome_row[fired_outcome], "run {}", row[0]);
        assert_eq!(row[month], outcome_row[month_outcome], "run {}", row[0]);
        let vacuum_fired = &row[column(&header, "power_vacuum_fired")];
        assert_eq!(
            vacuum_fired == "1",
            !row[month].is_empty(),
            "run {}",
            row[0]
        );
        counts[usize::from(row[fired] == "1")] += 1;
    }
    // Both cases occur, so the comparison covers each.
    assert!(counts[0] > 0 && counts[1] > 0, "{counts:?}");
}

/// The same bytes on one thread and on two, and for a run split into shards and merged.
#[test]
fn the_file_is_the_same_for_any_thread_count_and_for_merged_shards() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = realignment();
    // 2,500 runs: three blocks, one of them short, so that shards hold different blocks.
    let plan = ["--runs", "2500"];
    run(
        dir.path(),
        &scenario,
        "one",
        &[&plan[..], &["--threads", "1"]].concat(),
    );
    run(
        dir.path(),
        &scenario,
        "two",
        &[&plan[..], &["--threads", "2"]].concat(),
    );
    for index in 1..=2 {
        let shard = format!("{index}/2");
        let out = format!("part{index}");
        run(
            dir.path(),
            &scenario,
            &out,
            &[&plan[..], &["--shard", &shard]].concat(),
        );
    }
    assert_success(&secsim(
        dir.path(),
        &["merge", "part2", "part1", "--out", "merged", "--no-charts"],
    ));
    let read = |folder: &str| fs::read(dir.path().join(folder).join("parameters.csv")).unwrap();
    let one = read("one");
    assert_eq!(String::from_utf8_lossy(&one).lines().count(), 2501);
    assert!(
        one == read("two"),
        "parameters.csv differs for 1 and 2 threads"
    );
    assert!(
        one == read("merged"),
        "merged shards differ from a single run"
    );
}

/// `--no-parameters` writes no parameters.csv and leaves the other files as they were; a
/// scenario with neither uncertain parameters nor events writes none either.
#[test]
fn no_parameters_and_nothing_to_record_write_no_file() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &realignment(), "with", &[]);
    run(dir.path(), &realignment(), "without", &["--no-parameters"]);
    assert!(dir.path().join("with/parameters.csv").is_file());
    assert!(!dir.path().join("without/parameters.csv").exists());
    for file in ["summary.json", "timeseries.csv", "outcomes.csv"] {
        let read = |folder: &str| fs::read(dir.path().join(folder).join(file)).unwrap();
        assert!(read("with") == read("without"), "{file} changed");
    }

    let plain = crate_file("tests/data/stat_constant_rate.ron");
    let loaded = scenario::load(&plain).unwrap();
    assert!(loaded.uncertain.is_empty() && loaded.events.is_empty());
    run(dir.path(), &plain, "plain", &[]);
    assert!(dir.path().join("plain/outcomes.csv").is_file());
    assert!(!dir.path().join("plain/parameters.csv").exists());
}

/// Parts of which some hold parameters.csv and some do not (a shard run with
/// `--no-parameters`) are refused by `merge`, with nothing written.
#[test]
fn merge_refuses_parts_that_disagree_on_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = crate_file("tests/data/small.ron");
    let plan = ["--runs", "2000"];
    run(
        dir.path(),
        &scenario,
        "part1",
        &[&plan[..], &["--shard", "1/2"]].concat(),
    );
    run(
        dir.path(),
        &scenario,
        "part2",
        &[&plan[..], &["--shard", "2/2", "--no-parameters"]].concat(),
    );
    let output = secsim(
        dir.path(),
        &["merge", "part1", "part2", "--out", "merged", "--no-charts"],
    );
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("1 of 2 parts hold parameters.csv"),
        "{message}"
    );
    assert!(!dir.path().join("merged").exists());
}
