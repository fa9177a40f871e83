//! `secsim calibrate` (ABC-SMC): honest posteriors (simulation-based calibration, Talts et al.
//! 2018), recovery of a known parameter, the same bytes for any thread count, calibrated
//! scenarios that validate and draw jointly, and refusals of bad input.

use std::fs;
use std::path::{Path, PathBuf};

use secsim::calibration::statistics::Summaries;
use secsim::calibration::{Settings, Target, calibrate, weighted_quantile};
use secsim::model::rng::mix;
use secsim::model::{RunOutput, Workspace, simulate};
use secsim::scenario::{Distribution, Scenario, parse_str, validate};
use secsim::scoring::observed::ObservedSeries;

use crate::common::{assert_success, files_under, secsim, stderr};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One group attacking one state at an uncertain rate, with nothing else moving: the rate is
/// identifiable from the monthly counts' mean (and, through the tempo, their variance).
fn stationary(horizon: usize) -> Scenario {
    let text = format!(
        r#"Scenario(
    name: "stationary", start: "2030-01", horizon: {horizon}, seed: 5,
    actors: [
        State(name: "Land", capacity: 1.0, control: 0.5, stability: 0.5),
        Group(name: "Band", strength: 500, areas: [(state: "Land", weight: 1.0)],
              recruitment: 0.0, attrition: 0.0, lethality: 2.0, ceiling: 2000),
    ],
    pressure: [(group: "Band", state: "Land", base_rate: "rate")],
    uncertain: [(name: "rate", dist: Uniform(min: 5.0, max: 25.0))],
    outcomes: [Sum(name: "attacks_total", metric: attacks, actor: "Land")],
)"#
    );
    validate(parse_str(&text).unwrap()).unwrap()
}

/// One replication of `scenario` with the rate fixed at `rate`: its attacks in Land, observed
/// in every month.
fn synthetic_observation(scenario: &Scenario, rate: f64, seed: u64) -> ObservedSeries {
    let mut fixed = scenario.clone();
    fixed.uncertain[0].distribution = Distribution::Discrete {
        values: vec![rate],
        cumulative_weights: vec![1.0],
    };
    let mut output = RunOutput::default();
    simulate(&fixed, seed, 0, &mut Workspace::default(), &mut output);
    let series_index = scenario
        .series
        .iter()
        .position(|series| series.metric.as_str() == "attacks" && series.actor_name == "Land")
        .unwrap();
    let horizon = scenario.horizon_months;
    ObservedSeries {
        series_index,
        history: Vec::new(),
        scored: (0..horizon)
            .map(|month| (month, output.series[series_index * horizon + month]))
            .collect(),
    }
}

/// (p05, p95, weighted CDF at `truth`) of the calibrated rate.
fn posterior_of(
    scenario: &Scenario,
    observed: &ObservedSeries,
    settings: &Settings,
    truth: f64,
) -> (f64, f64, f64) {
    let target = Target {
        scenario: scenario.clone(),
        summaries: Summaries::new(scenario, &[observed]),
    };
    let posterior = calibrate(&[target], settings, |_| {}).unwrap();
    let particles = &posterior.last().particles;
    let mut pairs: Vec<(f64, f64)> = particles.iter().map(|p| (p.values[0], p.weight)).collect();
    let low = weighted_quantile(&mut pairs, 0.05);
    let high = weighted_quantile(&mut pairs, 0.95);
    let rank: f64 = particles
        .iter()
        .filter(|p| p.values[0] < truth)
        .map(|p| p.weight)
        .sum();
    (low, high, rank)
}

/// Simulation-based calibration: 60 true rates drawn from the prior (uniform numbers from a
/// fixed hash), each with synthetic data from the model, each calibrated. An honest posterior
/// holds the truth in its 90% credible interval in 90% of repetitions; ABC posteriors are
/// conservative (wider than the exact one, since the tolerance never reaches 0), so the test
/// asks for coverage at least nominal within the binomial tolerance, 0.9 - 3 sqrt(0.9 * 0.1 /
/// 60) = 0.784, and for ranks that do not pile up at the ends (an overconfident posterior):
/// at most 0.1 + 3 sqrt(0.1 * 0.9 / 60) = 0.216 of them below 0.05 or above 0.95.
#[test]
fn posteriors_cover_the_truth_as_often_as_they_claim() {
    let scenario = stationary(24);
    let repetitions = 60;
    let mut covered = 0;
    let mut extreme = 0;
    for repetition in 0..repetitions {
        let u = (mix(0xC0FFEE ^ repetition) >> 11) as f64 / (1u64 << 53) as f64;
        let truth = 5.0 + 20.0 * u;
        let observed = synthetic_observation(&scenario, truth, 1000 + repetition);
        let settings = Settings {
            particles: 300,
            generations: 4,
            runs_per_particle: 5,
            seed: repetition,
            quantile: 0.5,
            min_acceptance: 0.01,
        };
        let (low, high, rank) = posterior_of(&scenario, &observed, &settings, truth);
        covered += usize::from(low <= truth && truth <= high);
        extreme += usize::from(!(0.05..=0.95).contains(&rank));
    }
    let coverage = covered as f64 / repetitions as f64;
    eprintln!(
        "simulation-based calibration: {covered} of {repetitions} 90% intervals hold the truth; {extreme} ranks beyond 0.05/0.95"
    );
    let tolerance = 3.0 * (0.9f64 * 0.1 / repetitions as f64).sqrt();
    assert!(
        coverage >= 0.9 - tolerance,
        "90% intervals held the truth in {coverage}"
    );
    let extreme_share = extreme as f64 / repetitions as f64;
    assert!(
        extreme_share <= 0.1 + tolerance,
        "ranks at the ends: {extreme_share}"
    );
}

/// A rate used to make 60 months of data is recovered: inside the 90% interval, which is far
/// narrower than the prior's (sd 20 / sqrt(12) = 5.8).
#[test]
fn a_known_rate_is_recovered() {
    let scenario = stationary(60);
    let truth = 18.0;
    let observed = synthetic_observation(&scenario, truth, 77);
    let settings = Settings {
        particles: 500,
        generations: 6,
        runs_per_particle: 5,
        seed: 3,
        quantile: 0.5,
        min_acceptance: 0.01,
    };
    let (low, high, _) = posterior_of(&scenario, &observed, &settings, truth);
    eprintln!("recovery: truth {truth}, 90% interval [{low}, {high}]");
    assert!(low <= truth && truth <= high, "[{low}, {high}]");
    assert!(
        high - low < 5.8,
        "90% interval [{low}, {high}] barely narrower than the prior"
    );
}

fn write_stationary_files(dir: &Path) -> (PathBuf, PathBuf) {
    let scenario = stationary(24);
    let observed = synthetic_observation(&scenario, 12.0, 9);
    let mut csv = String::from("metric,actor,date,value\n");
    for (month, value) in &observed.scored {
        csv.push_str(&format!(
            "attacks,Land,{},{value}\n",
            scenario.start.plus(*month)
        ));
    }
    let observed_path = dir.join("observed.csv");
    fs::write(&observed_path, csv).unwrap();
    let scenario_path = dir.join("stationary.ron");
    fs::write(
        &scenario_path,
        secsim::scenario::canonical_text(&scenario.raw),
    )
    .unwrap();
    (scenario_path, observed_path)
}

#[test]
fn same_bytes_for_any_thread_count_and_a_calibrated_scenario_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (scenario, observed) = write_stationary_files(dir.path());
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("cal{threads}"));
        let output = secsim(
            dir.path(),
            &[
                "calibrate",
                scenario.to_str().unwrap(),
                "--observed",
                observed.to_str().unwrap(),
                "--particles",
                "100",
                "--generations",
                "3",
                "--threads",
                threads,
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ],
        );
        assert_success(&output);
        outputs.push(files_under(&out));
    }
    for name in ["posterior.csv", "calibration.json", "calibrated.ron"] {
        assert_eq!(
            outputs[0][Path::new(name)],
            outputs[1][Path::new(name)],
            "{name}"
        );
    }
    let calibrated = dir.path().join("cal1/calibrated.ron");
    let text = fs::read_to_string(&calibrated).unwrap();
    assert!(text.contains("Joint("), "{text}");
    let run = secsim(
        dir.path(),
        &[
            "run",
            calibrated.to_str().unwrap(),
            "--runs",
            "200",
            "--no-charts",
            "--quiet",
            "--out",
            dir.path().join("run").to_str().unwrap(),
        ],
    );
    assert_success(&run);
    for chart in ["posterior_rate.png", "tolerance.png"] {
        assert!(
            dir.path().join("cal1/charts").join(chart).is_file(),
            "{chart}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("cal1/calibration.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["generations"].as_array().unwrap().len(), 3);
    assert_eq!(json["parameters"][0]["name"], "rate");
}

#[test]
fn bad_calibrations_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (scenario, observed) = write_stationary_files(dir.path());
    let scenario = scenario.to_str().unwrap();
    let observed = observed.to_str().unwrap();
    let pair = format!("{scenario}={observed}");
    let no_uncertain = repo().join("tests/data/small.ron");
    let small_observed = repo()
        .join("tests/data/small_observed.csv")
        .display()
        .to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                scenario,
                "--observed",
                observed,
                "--series",
                "attacks:Nowhere",
            ],
            "--series attacks:Nowhere",
        ),
        (
            vec![&pair, "--observed", observed],
            "--observed goes with one scenario file",
        ),
        (vec![scenario], "give --observed FILE.csv"),
        (
            vec![scenario, "--observed", observed, "--quantile", "1.5"],
            "--quantile 1.5 is outside",
        ),
        (
            vec![
                no_uncertain.to_str().unwrap(),
                "--observed",
                &small_observed,
            ],
            "no continuous uncertain parameter",
        ),
    ];
    for (args, expected) in cases {
        let out = dir.path().join("out");
        let mut full = vec!["calibrate"];
        full.extend(args.iter().copied());
        full.extend([
            "--out",
            out.to_str().unwrap(),
            "--particles",
            "10",
            "--generations",
            "1",
        ]);
        let output = secsim(dir.path(), &full);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!out.exists());
    }
}

/// Two columns of one joint table, each with rows (1, 30) and (30, 1): in every replication
/// one group attacks at 1 a month and the other at 30, never both high or both low.
#[test]
fn joint_tables_draw_one_row_for_all_their_columns() {
    let text = r#"Scenario(
    name: "joint", start: "2030-01", horizon: 12,
    actors: [
        State(name: "Land", capacity: 1.0, control: 0.5, stability: 0.5),
        Group(name: "A", strength: 500, areas: [(state: "Land", weight: 1.0)],
              recruitment: 0.0, attrition: 0.0, lethality: 2.0, ceiling: 2000),
        Group(name: "B", strength: 500, areas: [(state: "Land", weight: 1.0)],
              recruitment: 0.0, attrition: 0.0, lethality: 2.0, ceiling: 2000),
    ],
    pressure: [
        (group: "A", state: "Land", base_rate: "rate_a"),
        (group: "B", state: "Land", base_rate: "rate_b"),
    ],
    uncertain: [
        (name: "rate_a", dist: Joint(table: "t", values: [1.0, 30.0], weights: [0.5, 0.5])),
        (name: "rate_b", dist: Joint(table: "t", values: [30.0, 1.0], weights: [0.5, 0.5])),
    ],
    outcomes: [
        Sum(name: "a", metric: attacks, actor: "A"),
        Sum(name: "b", metric: attacks, actor: "B"),
    ],
)"#;
    let scenario = validate(parse_str(text).unwrap()).unwrap();
    let plan = secsim::engine::RunPlan { seed: 4, runs: 400 };
    let mut rows = Vec::new();
    secsim::engine::run(&scenario, &plan, |block| {
        rows.extend(block.rows().map(|(_, row)| (row[0], row[1])));
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap();
    // 12 months at 30 a month is about 360 attacks, at 1 a month about 12: the two groups are
    // on opposite sides of 100 in every replication, and each side comes up.
    assert!(rows.iter().all(|(a, b)| (*a > 100.0) != (*b > 100.0)));
    let a_high = rows.iter().filter(|(a, _)| *a > 100.0).count();
    assert!((100..=300).contains(&a_high), "{a_high} of 400");

    let mismatched = text.replace(
        "values: [30.0, 1.0], weights: [0.5, 0.5]",
        "values: [30.0, 1.0], weights: [0.4, 0.6]",
    );
    let problems = validate(parse_str(&mismatched).unwrap()).unwrap_err();
    let message = format!("{problems:?}");
    assert!(message.contains("joint table"), "{message}");
}
