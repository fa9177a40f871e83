//! Historical check: `scenarios/niger_2021_2023.ron` against ACLED's monthly political-violence
//! events and fatalities for Niger, January 2021 to July 2023
//! (`data/acled_political_violence_monthly_2021_2023-07.csv`).
//!
//! The rules: for Niger's monthly `attacks` (ACLED events) and monthly `fatalities` (their
//! deaths), the simulated 90% band (p05..p95) must contain at least 85% of the observed months,
//! and the simulated mean over the period must lie within 25% of the observed mean. The
//! scenario runs with its own default seed and run count, so the check is deterministic.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use secsim::engine::{Aggregate, RunPlan, run};
use secsim::scenario::{ActorRef, Metric, Scenario, YearMonth, load};

const SCENARIO: &str = "scenarios/niger_2021_2023.ron";
const OBSERVED: &str = "data/acled_political_violence_monthly_2021_2023-07.csv";
const COUNTRY: &str = "Niger";

/// Least share of observed months the 90% band must contain.
const MIN_COVERAGE: f64 = 0.85;
/// Largest relative gap allowed between the simulated and the observed mean.
const MAX_MEAN_RELATIVE_ERROR: f64 = 0.25;

fn path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// One observed month.
#[derive(Debug, Clone, serde::Deserialize)]
struct ObservedMonth {
    country: String,
    month: String,
    events: f64,
    fatalities: f64,
}

/// Niger's rows of the ACLED file, in file order.
fn observed() -> &'static [ObservedMonth] {
    static OBSERVED_ROWS: OnceLock<Vec<ObservedMonth>> = OnceLock::new();
    OBSERVED_ROWS.get_or_init(|| {
        let mut reader = csv::Reader::from_path(path(OBSERVED))
            .unwrap_or_else(|error| panic!("{OBSERVED}: {error}"));
        reader
            .deserialize::<ObservedMonth>()
            .map(|row| row.unwrap_or_else(|error| panic!("{OBSERVED}: {error}")))
            .filter(|row| row.country == COUNTRY)
            .collect()
    })
}

/// The scenario and its aggregate at the scenario's own seed and run count, run once per test
/// binary.
fn simulated() -> &'static (Scenario, Aggregate) {
    static SIMULATED: OnceLock<(Scenario, Aggregate)> = OnceLock::new();
    SIMULATED.get_or_init(|| {
        let scenario = load(&path(SCENARIO)).unwrap_or_else(|error| panic!("{error}"));
        let plan = RunPlan {
            seed: scenario
                .default_seed
                .expect("the calibration scenario sets its seed"),
            runs: scenario
                .default_runs
                .expect("the calibration scenario sets its run count"),
        };
        let aggregate = run(&scenario, &plan, |_| Ok::<(), std::convert::Infallible>(()))
            .unwrap_or_else(|never| match never {});
        (scenario, aggregate)
    })
}

/// One simulated month of a series.
struct SimulatedMonth {
    mean: f64,
    /// p05, p25, p50, p75, p95.
    quantiles: [f64; 5],
}

impl SimulatedMonth {
    /// Whether `value` lies in the band between quantiles `low` and `high` (indices into
    /// `quantiles`), ends included.
    fn contains(&self, low: usize, high: usize, value: f64) -> bool {
        self.quantiles[low] <= value && value <= self.quantiles[high]
    }
}

/// Niger's `metric`, month by month.
fn simulated_months(metric: Metric) -> Vec<SimulatedMonth> {
    let (scenario, aggregate) = simulated();
    let series = scenario
        .series_index(metric, ActorRef::State(0))
        .unwrap_or_else(|| panic!("no {} series for the first state", metric.as_str()));
    let horizon = scenario.horizon_months;
    (0..horizon)
        .map(|month| {
            let summary = aggregate.series[series * horizon + month].summary();
            SimulatedMonth {
                mean: summary.mean.expect("every replication records every month"),
                quantiles: summary
                    .quantiles
                    .map(|quantile| quantile.expect("every month has quantiles")),
            }
        })
        .collect()
}

/// Checks the 90% band's coverage of the observed months; lists the months outside. Also
/// prints, for information only, how many months the 50% band (p25..p75) contains: about half
/// if the bands are neither too wide nor too narrow.
fn check_coverage(metric: Metric, observed_value: fn(&ObservedMonth) -> f64) {
    let simulated = simulated_months(metric);
    let rows = observed();
    assert_eq!(
        rows.len(),
        simulated.len(),
        "observed and simulated months differ"
    );
    let outside: Vec<String> = rows
        .iter()
        .zip(&simulated)
        .filter(|(row, month)| !month.contains(0, 4, observed_value(row)))
        .map(|(row, month)| {
            format!(
                "{}: observed {} outside [{}, {}]",
                row.month,
                observed_value(row),
                month.quantiles[0],
                month.quantiles[4]
            )
        })
        .collect();
    let covered = rows.len() - outside.len();
    let coverage = covered as f64 / rows.len() as f64;
    let in_50_band = rows
        .iter()
        .zip(&simulated)
        .filter(|(row, month)| month.contains(1, 3, observed_value(row)))
        .count();
    println!(
        "{}: 90% band covers {covered} of {} months ({:.1}%), 50% band {in_50_band}; outside \
         the 90% band: {}",
        metric.as_str(),
        rows.len(),
        100.0 * coverage,
        if outside.is_empty() {
            "none".to_string()
        } else {
            outside.join("; ")
        }
    );
    assert!(
        coverage >= MIN_COVERAGE,
        "{}: the 90% band (p05..p95) covers {covered} of {} observed months ({:.1}%), below {:.0}%; \
         months outside:\n  {}",
        metric.as_str(),
        rows.len(),
        100.0 * coverage,
        100.0 * MIN_COVERAGE,
        outside.join("\n  ")
    );
}

/// Checks the simulated mean over the period against the observed mean.
fn check_mean(metric: Metric, observed_value: fn(&ObservedMonth) -> f64) {
    let simulated = simulated_months(metric);
    let rows = observed();
    let simulated_mean =
        simulated.iter().map(|month| month.mean).sum::<f64>() / simulated.len() as f64;
    let observed_mean = rows.iter().map(observed_value).sum::<f64>() / rows.len() as f64;
    let relative_error = (simulated_mean - observed_mean) / observed_mean;
    println!(
        "{}: simulated mean {simulated_mean:.1} a month, observed {observed_mean:.1} ({:+.1}%)",
        metric.as_str(),
        100.0 * relative_error
    );
    assert!(
        relative_error.abs() <= MAX_MEAN_RELATIVE_ERROR,
        "{}: simulated mean {simulated_mean:.2} a month is {:+.1}% from the observed \
         {observed_mean:.2}, beyond ±{:.0}%",
        metric.as_str(),
        100.0 * relative_error,
        100.0 * MAX_MEAN_RELATIVE_ERROR
    );
}

#[test]
fn observed_data_spans_the_scenario_months() {
    let scenario = load(&path(SCENARIO)).unwrap_or_else(|error| panic!("{error}"));
    let rows = observed();
    assert_eq!(
        rows.len(),
        31,
        "{OBSERVED}: expected 31 {COUNTRY} months (2021-01..2023-07)"
    );
    assert_eq!(
        rows.len(),
        scenario.horizon_months,
        "{OBSERVED}: {} {COUNTRY} months but the scenario's horizon is {} months",
        rows.len(),
        scenario.horizon_months
    );
    assert_eq!(
        scenario.start,
        YearMonth {
            year: 2021,
            month: 1
        }
    );
    for (offset, row) in rows.iter().enumerate() {
        let expected = scenario.start.plus(offset).to_string();
        assert_eq!(
            row.month, expected,
            "{OBSERVED}: {COUNTRY} row {offset} is month {}, expected {expected} \
             (scenario start {} + {offset} months)",
            row.month, scenario.start
        );
        assert!(
            row.events >= 0.0 && row.fatalities >= 0.0,
            "{OBSERVED}: negative count in {}",
            row.month
        );
    }
    assert_eq!(
        scenario.states[0].name, COUNTRY,
        "the scenario's first state is the one checked against {COUNTRY}'s data"
    );
}

#[test]
fn attacks_band_covers_observed_events() {
    check_coverage(Metric::Attacks, |row| row.events);
}

#[test]
fn fatalities_band_covers_observed_fatalities() {
    check_coverage(Metric::Fatalities, |row| row.fatalities);
}

#[test]
fn simulated_mean_attacks_match_observed_events() {
    check_mean(Metric::Attacks, |row| row.events);
}

#[test]
fn simulated_mean_fatalities_match_observed_fatalities() {
    check_mean(Metric::Fatalities, |row| row.fatalities);
}
