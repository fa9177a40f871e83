//! `secsim score`: scores and files, the same bytes for any thread count, the `--min-skill`
//! gate, rows outside the horizon, bad observed files, and calibration: a model scored against
//! data it generated itself covers its observations as often as its bands say.

use std::fs;
use std::path::{Path, PathBuf};

use secsim::engine::{self, RunPlan, Summaries};
use secsim::scenario::{parse_str, validate};

use crate::common::{assert_success, files_under, secsim, stderr, stdout};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The in-sample check moved to start in July 2022, so that the 12 months before it (in
/// `data/observed/niger.csv`) feed the benchmarks.
fn late_niger(dir: &Path) -> PathBuf {
    let text = fs::read_to_string(repo().join("scenarios/niger_2021_2023.ron"))
        .unwrap()
        .replace("start: \"2021-01\"", "start: \"2022-07\"")
        .replace("horizon: 31", "horizon: 13");
    let path = dir.join("late_niger.ron");
    fs::write(&path, text).unwrap();
    path
}

fn niger_observed() -> String {
    repo().join("data/observed/niger.csv").display().to_string()
}

fn score(dir: &Path, scenario: &Path, observed: &str, extra: &[&str]) -> std::process::Output {
    let out = dir.join("scores");
    let mut args = vec![
        "score",
        scenario.to_str().unwrap(),
        "--observed",
        observed,
        "--runs",
        "1000",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--force",
    ];
    args.extend_from_slice(extra);
    secsim(dir, &args)
}

#[test]
fn writes_scores_with_benchmarks_and_the_same_bytes_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = late_niger(dir.path());
    let one = score(
        dir.path(),
        &scenario,
        &niger_observed(),
        &["--threads", "1", "--no-charts"],
    );
    assert_success(&one);
    let first = files_under(&dir.path().join("scores"));
    let two = score(
        dir.path(),
        &scenario,
        &niger_observed(),
        &["--threads", "2", "--no-charts"],
    );
    assert_success(&two);
    let second = files_under(&dir.path().join("scores"));
    for name in ["scores.csv", "scores.json"] {
        assert_eq!(
            first[Path::new(name)],
            second[Path::new(name)],
            "{name} differs between 1 and 2 threads"
        );
    }

    let csv = String::from_utf8(first[Path::new("scores.csv")].clone()).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        secsim::output::scores::CSV_HEADER.join(",")
    );
    // 13 months of each observed series the scenario records (its model types events, so
    // ACLED's three types and their deaths count as well as all events and deaths), every
    // benchmark present.
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 8 * 13);
    assert!(
        rows.iter()
            .any(|row| row.starts_with("violence_against_civilians,Niger,0,"))
    );
    assert!(rows[0].starts_with("attacks,Niger,0,2022-07,"));
    assert!(
        rows.iter().all(|row| !row.ends_with(',')),
        "a benchmark is missing"
    );

    let json: serde_json::Value = serde_json::from_slice(&first[Path::new("scores.json")]).unwrap();
    let attacks = &json["series"][0];
    assert_eq!(attacks["metric"], "attacks");
    assert_eq!(attacks["history_months"], 12);
    // Skill is 1 - CRPS ratio, from the numbers beside it.
    for benchmark in ["persistence", "last_12_months", "negative_binomial"] {
        let model = attacks["model"]["crps"].as_f64().unwrap();
        let reference = attacks["benchmarks"][benchmark]["crps"].as_f64().unwrap();
        let skill = attacks["benchmarks"][benchmark]["skill"].as_f64().unwrap();
        assert!(
            (skill - (1.0 - model / reference)).abs() < 1e-12,
            "{benchmark}"
        );
    }
    // Every metric of the file is modelled; the months after July 2023 do not exist in the
    // file, so nothing is past the horizon.
    assert_eq!(json["skipped"]["past_horizon"], 0);
    assert_eq!(json["skipped"]["not_modelled"], serde_json::json!({}));
    assert_eq!(json["deaths_per_event"][0]["actor"], "Niger");
    assert!(stdout(&one).contains("skill vs persistence, last_12_months, negative_binomial"));
}

#[test]
fn the_skill_gate_fails_with_exit_1_after_writing_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = late_niger(dir.path());
    let failing = score(
        dir.path(),
        &scenario,
        &niger_observed(),
        &["--no-charts", "--min-skill", "last_12_months=0.99"],
    );
    assert_eq!(failing.status.code(), Some(1), "{}", stderr(&failing));
    assert!(stdout(&failing).contains("FAIL: skill of attacks in Niger against last_12_months"));
    assert!(dir.path().join("scores/scores.json").is_file());
    let passing = score(
        dir.path(),
        &scenario,
        &niger_observed(),
        &["--no-charts", "--min-skill", "last_12_months=-100"],
    );
    assert_success(&passing);
    let unknown = score(
        dir.path(),
        &scenario,
        &niger_observed(),
        &["--min-skill", "climatology=0"],
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("persistence, last_12_months, negative_binomial"));
}

#[test]
fn rows_past_the_horizon_are_skipped_and_counted_and_outcomes_are_scored() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo().join("scenarios/niger_2021_2023.ron");
    let observed = dir.path().join("observed.csv");
    fs::write(
        &observed,
        "metric,actor,date,value\nattacks,Niger,2021-01,26\nattacks,Niger,2023-08,40\nattacks,Niger,2024-01,41\n",
    )
    .unwrap();
    let outcomes = dir.path().join("outcomes.csv");
    fs::write(&outcomes, "outcome,value\nattacks_total,1164\n").unwrap();
    let output = score(
        dir.path(),
        &scenario,
        observed.to_str().unwrap(),
        &[
            "--no-charts",
            "--observed-outcomes",
            outcomes.to_str().unwrap(),
        ],
    );
    assert_success(&output);
    assert!(
        stdout(&output).contains("2 rows after the horizon"),
        "{}",
        stdout(&output)
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("scores/scores.json")).unwrap())
            .unwrap();
    assert_eq!(json["skipped"]["past_horizon"], 2);
    assert_eq!(json["series"][0]["months"], 1);
    // No month before January 2021 in the file: no benchmark can be built.
    assert!(json["series"][0]["benchmarks"]["persistence"].is_null());
    let total = &json["outcomes"][0];
    assert_eq!(total["outcome"], "attacks_total");
    assert_eq!(total["observed"], 1164.0);
    assert!(total["p05"].as_f64().unwrap() < total["p95"].as_f64().unwrap());
}

#[test]
fn bad_observed_files_exit_2_with_file_line_and_reason_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo().join("scenarios/niger_2021_2023.ron");
    let cases: [(&str, &str, &str); 9] = [
        (
            "header",
            "metric,country,date,value\n",
            ":1: the header must be `metric,actor,date,value`",
        ),
        (
            "metric",
            "metric,actor,date,value\nraids,Niger,2021-01,3\n",
            ":2: unknown metric \"raids\"",
        ),
        (
            "actor",
            "metric,actor,date,value\nattacks,Mali,2021-01,3\n",
            ":2: unknown actor \"Mali\" for metric attacks",
        ),
        (
            "date",
            "metric,actor,date,value\nattacks,Niger,2021-1,3\n",
            ":2: date \"2021-1\" is not a month",
        ),
        (
            "value",
            "metric,actor,date,value\nattacks,Niger,2021-01,many\n",
            ":2: value \"many\" is not a finite number",
        ),
        (
            "nan",
            "metric,actor,date,value\nattacks,Niger,2021-01,NaN\n",
            ":2: value \"NaN\" is not a finite number",
        ),
        (
            "negative",
            "metric,actor,date,value\nattacks,Niger,2021-01,-3\n",
            ":2: value -3 is negative",
        ),
        (
            "duplicate",
            "metric,actor,date,value\nattacks,Niger,2021-01,3\nattacks,Niger,2021-01,4\n",
            ":3: duplicate: attacks of Niger in 2021-01 is already on line 2",
        ),
        (
            "nothing",
            "metric,actor,date,value\nattacks,Niger,2020-01,3\n",
            "no observation of a modelled series falls inside",
        ),
    ];
    for (name, text, expected) in cases {
        let file = dir.path().join(format!("{name}.csv"));
        fs::write(&file, text).unwrap();
        let out = dir.path().join(format!("out_{name}"));
        let output = secsim(
            dir.path(),
            &[
                "score",
                scenario.to_str().unwrap(),
                "--observed",
                file.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(2), "{name}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains(&format!("{name}.csv")) && message.contains(expected),
            "{name}: {message}"
        );
        assert!(!out.exists(), "{name}: wrote {}", out.display());
    }
    let outcomes = dir.path().join("bad_outcomes.csv");
    fs::write(&outcomes, "outcome,value\nattacks_everywhere,3\n").unwrap();
    let observed = dir.path().join("good.csv");
    fs::write(
        &observed,
        "metric,actor,date,value\nattacks,Niger,2021-01,3\n",
    )
    .unwrap();
    let output = secsim(
        dir.path(),
        &[
            "score",
            scenario.to_str().unwrap(),
            "--observed",
            observed.to_str().unwrap(),
            "--observed-outcomes",
            outcomes.to_str().unwrap(),
            "--out",
            dir.path().join("out_outcomes").to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("bad_outcomes.csv:2: unknown outcome \"attacks_everywhere\""));
}

/// A stationary scenario (no uncertain parameters, no recruitment or attrition), so that its
/// months are close to independent draws of one distribution.
const STATIONARY: &str = r#"Scenario(
    name: "stationary", start: "2030-01", horizon: 240,
    actors: [
        State(name: "Land", capacity: 1.0, control: 0.5, stability: 0.5),
        Group(name: "Band", strength: 500, areas: [(state: "Land", weight: 1.0)],
              recruitment: 0.0, attrition: 0.0, lethality: 2.0, ceiling: 2000),
    ],
    pressure: [(group: "Band", state: "Land", base_rate: 15.0)],
    outcomes: [Sum(name: "attacks_total", metric: attacks, actor: "Land")],
)"#;

/// Scored against one replication of itself (another seed), a model is calibrated by
/// construction: each month's observation is a draw from the forecast distribution, so the
/// 90% band covers it with probability 0.9 and the randomised PIT is uniform. Over 240
/// months, coverage has standard error sqrt(0.9 * 0.1 / 240) = 0.019 and the mean PIT
/// sqrt(1/12 / 240) = 0.019 if months were independent; the tolerance is 4 of them (0.077),
/// which leaves room for the little dependence the model keeps between months.
#[test]
fn a_model_scored_against_its_own_draws_is_calibrated() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = validate(parse_str(STATIONARY).unwrap()).unwrap();
    let plan = RunPlan { seed: 99, runs: 1 };
    let mut observed = String::from("metric,actor,date,value\n");
    engine::run_summarising(&scenario, &plan, Summaries::WithSeriesRows, |block| {
        let horizon = scenario.horizon_months;
        for (series_index, series) in scenario.series.iter().enumerate() {
            if series.metric.as_str() != "attacks" || series.actor_name != "Land" {
                continue;
            }
            for month in 0..horizon {
                let value = block.series[series_index * horizon + month];
                observed.push_str(&format!(
                    "attacks,Land,{},{value}\n",
                    scenario.start.plus(month)
                ));
            }
        }
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap();
    let observed_path = dir.path().join("observed.csv");
    fs::write(&observed_path, observed).unwrap();
    let scenario_path = dir.path().join("stationary.ron");
    fs::write(&scenario_path, STATIONARY).unwrap();
    let output = score(
        dir.path(),
        &scenario_path,
        observed_path.to_str().unwrap(),
        &["--no-charts", "--seed", "7"],
    );
    assert_success(&output);
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("scores/scores.json")).unwrap())
            .unwrap();
    let coverage_90 = json["overall"]["coverage_90"].as_f64().unwrap();
    let coverage_50 = json["overall"]["coverage_50"].as_f64().unwrap();
    let tolerance = 4.0 * (0.9f64 * 0.1 / 240.0).sqrt();
    // Bands of a count include their end points, so coverage can only be at or above nominal
    // in expectation: test the lower side at the tolerance, the upper side loosely.
    assert!(coverage_90 >= 0.9 - tolerance, "coverage_90 {coverage_90}");
    assert!(
        coverage_50 >= 0.5 - 4.0 * (0.25f64 / 240.0).sqrt(),
        "coverage_50 {coverage_50}"
    );
    let csv = fs::read_to_string(dir.path().join("scores/scores.csv")).unwrap();
    let pits: Vec<f64> = csv
        .lines()
        .skip(1)
        .map(|line| line.split(',').nth(15).unwrap().parse().unwrap())
        .collect();
    assert_eq!(pits.len(), 240);
    let mean_pit = pits.iter().sum::<f64>() / 240.0;
    let pit_tolerance = 4.0 * (1.0f64 / 12.0 / 240.0).sqrt();
    assert!(
        (mean_pit - 0.5).abs() < pit_tolerance,
        "mean PIT {mean_pit}"
    );
}
