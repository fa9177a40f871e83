//! Statistical properties of the model that follow from its equations, checked on small scenarios
//! with fixed seeds.
//!
//! Tolerances: a Monte Carlo estimate is compared with its exact value within 4 Monte Carlo
//! standard errors (MCSE). For a correct model a single such check fails with probability about
//! 6e-5; the seeds are fixed, so the tests are deterministic and a failure means the estimate
//! moved, not bad luck.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use secsim::model::{RunOutput, Workspace, simulate};
use secsim::scenario::raw::{Num, RawModel};
use secsim::scenario::{self, ActorRef, Metric, Scenario};

/// Tolerance in Monte Carlo standard errors.
const MCSE_TOLERANCE: f64 = 4.0;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Runs `secsim run` on a data file (its own runs and seed; no charts, which are slow in a debug
/// build) and returns summary.json and the rows of timeseries.csv.
fn run_cli(name: &str) -> (serde_json::Value, Vec<csv::StringRecord>) {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_secsim"))
        .current_dir(dir.path())
        .args([
            "run",
            data(name).to_str().unwrap(),
            "--out",
            "out",
            "--no-charts",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary_text = fs::read_to_string(dir.path().join("out/summary.json")).unwrap();
    let summary = serde_json::from_str(&summary_text).unwrap();
    let mut reader = csv::Reader::from_path(dir.path().join("out/timeseries.csv")).unwrap();
    let rows = reader.records().map(Result::unwrap).collect();
    (summary, rows)
}

fn outcome(summary: &serde_json::Value, name: &str, key: &str) -> f64 {
    summary["outcomes"][name][key]
        .as_f64()
        .unwrap_or_else(|| panic!("outcomes.{name}.{key} missing in {summary}"))
}

fn assert_within_mcse(what: &str, estimate: f64, mcse: f64, expected: f64) {
    assert!(
        (estimate - expected).abs() <= MCSE_TOLERANCE * mcse,
        "{what}: estimate {estimate}, expected {expected}, |difference| {} > {MCSE_TOLERANCE} x MCSE {mcse}",
        (estimate - expected).abs()
    );
}

/// The timeseries.csv mean and sd of (metric, actor) for each month, in month order.
fn series_column(rows: &[csv::StringRecord], metric: &str, actor: &str) -> Vec<(f64, f64)> {
    let values: Vec<(f64, f64)> = rows
        .iter()
        .filter(|row| &row[0] == metric && &row[1] == actor)
        .map(|row| (row[4].parse().unwrap(), row[5].parse().unwrap()))
        .collect();
    assert!(!values.is_empty(), "no {metric} series for {actor}");
    values
}

#[test]
fn constant_rate_group_averages_rate_times_months() {
    // stat_constant_rate.ron: base_rate 15, horizon 24, no feedback, no recruitment or
    // attrition. E[total attacks] = 15 x 24 = 360, E[total fatalities] = 360 x lethality 2.
    // 2000 runs: the MCSE of the total is sqrt(24 (15 + 15^2/6)) / sqrt(2000), about 0.8.
    let (summary, rows) = run_cli("stat_constant_rate.ron");
    assert_eq!(summary["runs"], 2000);
    assert_within_mcse(
        "mean total attacks",
        outcome(&summary, "attacks_total", "mean"),
        outcome(&summary, "attacks_total", "mcse"),
        15.0 * 24.0,
    );
    assert_within_mcse(
        "mean total fatalities",
        outcome(&summary, "fatalities_total", "mean"),
        outcome(&summary, "fatalities_total", "mcse"),
        15.0 * 24.0 * 2.0,
    );
    // No feedback at all: the group's strength never moves.
    for (month, (mean, sd)) in series_column(&rows, "strength", "G")
        .into_iter()
        .enumerate()
    {
        assert_eq!((mean, sd), (400.0, 0.0), "strength in month {month}");
    }
    assert_eq!(outcome(&summary, "strength_final", "sd"), 0.0);
}

fn literal(value: &Num) -> f64 {
    match value {
        Num::Literal(value) => *value,
        Num::Param(name) => panic!("model default is a parameter {name}"),
    }
}

#[test]
fn flow_raises_capacity_from_its_lag_on() {
    // stat_lag.ron, with reliability 1 every run has the same capacity and intelligence path,
    // so the timeseries means are exact and the sds 0. The capacity per unit of each kind is the
    // model default (raw.rs: 0.02 per military USD m, 0.0005 per trainer, 0.0002 per troop).
    let defaults = RawModel::default();
    let (_, rows) = run_cli("stat_lag.ron");
    let own = 1.0;
    let arms = literal(&defaults.capacity_per_military_usd_m) * 10.0;
    let trainers = literal(&defaults.capacity_per_trainer) * 100.0;
    let capacity_a = series_column(&rows, "capacity", "A");
    assert_eq!(capacity_a.len(), 12);
    for (month, &(mean, sd)) in capacity_a.iter().enumerate() {
        // arms: start 0, lag 3 -> from month 3; trainers: start 4, lag 2 -> from month 6.
        let mut expected = own;
        if month >= 3 {
            expected += arms;
        }
        if month >= 6 {
            expected += trainers;
        }
        assert!(
            (mean - expected).abs() < 1e-12 && sd == 0.0,
            "capacity of A in month {month}: mean {mean} sd {sd}, expected {expected}"
        );
        if month < 3 {
            assert_eq!(mean, own, "before the lag, capacity is exactly A's own");
        }
    }
    // Intelligence (M3): 1 - (1 - own) exp(-sum of intelligence flows), from month 5.
    let intelligence_a = series_column(&rows, "intelligence", "A");
    let with_flow = 1.0 - (1.0 - 0.2) * (-0.5f64).exp();
    for (month, &(mean, sd)) in intelligence_a.iter().enumerate() {
        let expected = if month < 5 { 0.2 } else { with_flow };
        assert!(
            (mean - expected).abs() < 1e-12 && sd == 0.0,
            "intelligence of A in month {month}: mean {mean} sd {sd}, expected {expected}"
        );
    }
    // B's troops were sent from month -10 with lag 3: already arriving at month 0.
    for (month, &(mean, sd)) in series_column(&rows, "capacity", "B").iter().enumerate() {
        let expected = 0.5 + literal(&defaults.capacity_per_troop) * 1000.0;
        assert!(
            (mean - expected).abs() < 1e-12 && sd == 0.0,
            "capacity of B in month {month}: mean {mean} sd {sd}, expected {expected}"
        );
    }
}

#[test]
fn events_fire_with_their_probability() {
    // stat_events.ron, 4000 runs. A proportion p from n runs has MCSE sqrt(p (1 - p) / n)
    // (0.0072 for p = 0.3), so the tolerance is 4 sqrt(p (1 - p) / n).
    let (summary, _) = run_cli("stat_events.ron");
    let n = summary["runs"].as_f64().unwrap();
    assert_eq!(n, 4000.0);
    let probability = |event: &str| summary["events"][event]["probability"].as_f64().unwrap();
    let hazard_p = 1.0 - 0.95f64.powi(8);
    for (event, p) in [("window", 0.3), ("hazard", hazard_p)] {
        let mcse = (p * (1.0 - p) / n).sqrt();
        assert_within_mcse(
            &format!("probability of {event}"),
            probability(event),
            mcse,
            p,
        );
    }
    assert_eq!(probability("fixed"), 1.0);
    assert_eq!(summary["events"]["fixed"]["median_month"], 4.0);
    assert_eq!(outcome(&summary, "fixed_month", "sd"), 0.0);
    // EventFired outcomes agree with the event counts (up to the rounding of a running mean).
    for (fired, event) in [("window_fired", "window"), ("hazard_fired", "hazard")] {
        let (mean, p) = (outcome(&summary, fired, "mean"), probability(event));
        assert!((mean - p).abs() < 1e-12, "{fired} mean {mean}, {event} {p}");
    }
    // Months: the window month is uniform on 2..=9 (mean 5.5); the hazard month is 3 plus a
    // geometric(0.05) count truncated below 8. Both within 4 MCSE (from the summary's sd) of
    // their exact means, and inside their windows.
    assert_eq!(outcome(&summary, "window_month", "min"), 2.0);
    assert_eq!(outcome(&summary, "window_month", "max"), 9.0);
    assert_within_mcse(
        "mean window month",
        outcome(&summary, "window_month", "mean"),
        outcome(&summary, "window_month", "mcse"),
        5.5,
    );
    let hazard_mean_month = 3.0
        + (0..8)
            .map(|k| k as f64 * 0.05 * 0.95f64.powi(k))
            .sum::<f64>()
            / hazard_p;
    assert!(outcome(&summary, "hazard_month", "min") >= 3.0);
    assert!(outcome(&summary, "hazard_month", "max") <= 10.0);
    assert_within_mcse(
        "mean hazard month",
        outcome(&summary, "hazard_month", "mean"),
        outcome(&summary, "hazard_month", "mcse"),
        hazard_mean_month,
    );
    assert_eq!(
        outcome(&summary, "window_month", "n"),
        (probability("window") * n).round()
    );
}

/// Mean and sample variance of a state's and of one group's monthly attack counts over every
/// month of `runs` replications.
fn attack_counts(scenario: &Scenario, seed: u64, runs: u64) -> (Vec<f64>, Vec<f64>) {
    let horizon = scenario.horizon_months;
    let state_series = scenario
        .series_index(Metric::Attacks, ActorRef::State(0))
        .unwrap();
    let group_series = scenario
        .series_index(Metric::Attacks, ActorRef::Group(0))
        .unwrap();
    let mut workspace = Workspace::default();
    let mut output = RunOutput::default();
    let (mut state, mut group) = (Vec::new(), Vec::new());
    for run in 0..runs {
        simulate(scenario, seed, run, &mut workspace, &mut output);
        state.extend_from_slice(&output.series[state_series * horizon..][..horizon]);
        group.extend_from_slice(&output.series[group_series * horizon..][..horizon]);
    }
    (state, group)
}

fn mean_and_variance(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values
        .iter()
        .map(|value| (value - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    (mean, variance)
}

/// Checks that `values` look like iid negative binomial draws with mean `mean` and shape `k`.
///
/// Tolerances: the sample mean within 4 x sqrt(variance / n). The sample variance within
/// 4 x its large-sample standard error sqrt((kappa4 + 2 kappa2^2) / n), with the negative
/// binomial cumulants kappa2 = m + m^2/k and kappa4 = m + 7 m^2/k + 12 m^3/k^2 + 6 m^4/k^3.
/// (For m = 20, k = 6 and n = 48,000 draws: variance 86.7 +/- 3.0; a Poisson's 20 is far out.)
fn assert_negative_binomial(what: &str, values: &[f64], mean: f64, k: f64) {
    let n = values.len() as f64;
    let (sample_mean, sample_variance) = mean_and_variance(values);
    let kappa2 = mean + mean * mean / k;
    let kappa4 = mean
        + 7.0 * mean.powi(2) / k
        + 12.0 * mean.powi(3) / k.powi(2)
        + 6.0 * mean.powi(4) / k.powi(3);
    assert_within_mcse(
        &format!("{what}: mean"),
        sample_mean,
        (kappa2 / n).sqrt(),
        mean,
    );
    assert_within_mcse(
        &format!("{what}: variance (mean + mean^2 / {k})"),
        sample_variance,
        ((kappa4 + 2.0 * kappa2 * kappa2) / n).sqrt(),
        kappa2,
    );
}

#[test]
fn attack_counts_are_negative_binomial_with_the_model_dispersion() {
    // stat_dispersion.ron: groups G (8/month) and H (12/month) in one state, no feedback, so the
    // 24 months x 2000 runs = 48,000 monthly counts are iid. The state's count is negative
    // binomial with mean 20 and shape attack_dispersion (default 6); G's alone, mean 8.
    let mut scenario = scenario::load(&data("stat_dispersion.ron")).unwrap();
    let seed = scenario.default_seed.unwrap();
    let (state, group) = attack_counts(&scenario, seed, 2000);
    assert_eq!(state.len(), 48_000);
    assert_negative_binomial("Niger, k = 6", &state, 20.0, 6.0);
    assert_negative_binomial("G, k = 6", &group, 8.0, 6.0);

    // The shape is the scenario's model.attack_dispersion, not a constant.
    let mut raw = scenario.raw.clone();
    raw.model.attack_dispersion = Num::Literal(2.0);
    scenario = scenario::validate(raw).unwrap();
    let (state, group) = attack_counts(&scenario, seed, 2000);
    assert_negative_binomial("Niger, k = 2", &state, 20.0, 2.0);
    assert_negative_binomial("G, k = 2", &group, 8.0, 2.0);
}

/// (M7) A pressure entry's own `lethality` sets the group's deaths per attack in that state;
/// elsewhere the group's holds. One group in two states, lethality 2 by default and 5 in B:
/// deaths per attack in each state within 4 MCSE (delta method for the ratio of sums over
/// (run, month) pairs).
#[test]
fn a_links_lethality_sets_deaths_per_attack_in_its_state() {
    let text = r#"Scenario(
    name: "link_lethality", start: "2024-01", horizon: 12,
    model: (severity_sigma: 1.0),
    actors: [
        State(name: "A", capacity: 1.0, control: 0.5, stability: 0.5),
        State(name: "B", capacity: 1.0, control: 0.5, stability: 0.5),
        Group(name: "G", strength: 100, areas: [(state: "A", weight: 1.0), (state: "B", weight: 1.0)],
              recruitment: 0.0, attrition: 0.0, lethality: 2.0, ceiling: 1000),
    ],
    pressure: [
        (group: "G", state: "A", base_rate: 20.0),
        (group: "G", state: "B", base_rate: 20.0, lethality: 5.0),
    ],
)"#;
    let scenario = scenario::validate(scenario::parse_str(text).unwrap()).unwrap();
    let horizon = scenario.horizon_months;
    let mut workspace = Workspace::default();
    let mut output = RunOutput::default();
    for (state, expected) in [(0, 2.0), (1, 5.0)] {
        let attacks = scenario
            .series_index(Metric::Attacks, ActorRef::State(state))
            .unwrap();
        let deaths = scenario
            .series_index(Metric::Fatalities, ActorRef::State(state))
            .unwrap();
        let (mut a, mut d) = (Vec::new(), Vec::new());
        for run in 0..2000 {
            simulate(&scenario, 77, run, &mut workspace, &mut output);
            a.extend_from_slice(&output.series[attacks * horizon..][..horizon]);
            d.extend_from_slice(&output.series[deaths * horizon..][..horizon]);
        }
        let total: f64 = a.iter().sum();
        let ratio = d.iter().sum::<f64>() / total;
        let residuals: f64 = a.iter().zip(&d).map(|(a, d)| (d - ratio * a).powi(2)).sum();
        assert_within_mcse(
            &format!("deaths per attack in state {state}"),
            ratio,
            residuals.sqrt() / total,
            expected,
        );
    }
}
