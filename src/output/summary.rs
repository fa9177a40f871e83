//! `summary.json`: the run's identity and every outcome's and event's summary.
//!
//! No timestamps, timings or thread counts: reruns with the same seed give the same bytes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::{Aggregate, PrecisionTarget, StopReason};
use crate::scenario::{OutcomeScale, Scenario};
use crate::stats::{
    Distribution, QUANTILE_RELATIVE_ACCURACY, Summary, TimeToEvent, wilson_interval,
};

/// Keys of the quantiles in [`crate::stats::QUANTILES`] order.
pub const QUANTILE_KEYS: [&str; 5] = ["p05", "p25", "p50", "p75", "p95"];

/// A summary as a JSON object `{n, mean, sd, mcse, p05, p25, p50, p75, p95, min, max}`.
pub fn summary_object(summary: &Summary) -> Value {
    serde_json::to_value(OutcomeSummary::from(summary)).unwrap_or(Value::Null)
}

/// `summary.json`, typed: the order of the fields is the order of the keys in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryFile {
    pub scenario: String,
    /// SHA-256 of the canonical scenario text.
    pub scenario_hash: String,
    pub seed: u64,
    pub runs: u64,
    /// The secsim that wrote it.
    pub version: String,
    pub quantile_relative_accuracy: f64,
    /// Per outcome, in the scenario's order.
    #[serde(with = "ordered")]
    pub outcomes: Vec<(String, OutcomeSummary)>,
    /// Per event, in the scenario's order.
    #[serde(with = "ordered")]
    pub events: Vec<(String, EventSummary)>,
    /// Only for a run with `--precision`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopping: Option<StoppingSummary>,
}

/// One outcome's summary; `None` (JSON null) where no run has a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeSummary {
    /// Replications with a value.
    pub n: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    /// Monte Carlo standard error of the mean, sd / sqrt(n).
    pub mcse: Option<f64>,
    pub p05: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p95: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// For a yes/no outcome: the share of runs with "yes" and its 95% interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<ProbabilitySummary>,
    /// For the month something first happens: the fields above are over the runs where it
    /// happened (`n` of them); this is over every run, censored at the horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_horizon: Option<WithinHorizonSummary>,
}

/// A share of runs with its 95% Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProbabilitySummary {
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl ProbabilitySummary {
    fn of(successes: u64, trials: u64) -> Option<Self> {
        let (ci_low, ci_high) = wilson_interval(successes, trials)?;
        Some(ProbabilitySummary {
            estimate: successes as f64 / trials as f64,
            ci_low,
            ci_high,
        })
    }
}

/// A month-of-first-happening outcome over every run (see [`TimeToEvent`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WithinHorizonSummary {
    pub runs: u64,
    /// That it happens at all within the horizon.
    pub probability: Option<ProbabilitySummary>,
    /// Kaplan-Meier quantiles in months; null where not reached (it happens in too few runs).
    pub p05: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p95: Option<f64>,
    /// Mean of min(month, restricted_to) over every run, and its Monte Carlo standard error.
    pub restricted_mean: Option<f64>,
    pub restricted_mean_mcse: Option<f64>,
    /// The horizon in months, which a run where it never happens counts as.
    pub restricted_to: usize,
}

impl From<&TimeToEvent> for WithinHorizonSummary {
    fn from(time: &TimeToEvent) -> Self {
        let [p05, p25, p50, p75, p95] = time.quantiles;
        let present = time.runs > 0;
        WithinHorizonSummary {
            runs: time.runs,
            probability: ProbabilitySummary::of(time.happened, time.runs),
            p05,
            p25,
            p50,
            p75,
            p95,
            restricted_mean: present.then_some(time.restricted_mean),
            restricted_mean_mcse: present.then_some(time.restricted_mean_mcse),
            restricted_to: time.horizon,
        }
    }
}

/// Every outcome's summary, in the scenario's order.
pub fn outcome_summaries(scenario: &Scenario, aggregate: &Aggregate) -> Vec<OutcomeSummary> {
    scenario
        .outcomes
        .iter()
        .zip(&aggregate.outcomes)
        .map(|(outcome, distribution)| {
            outcome_summary(
                outcome.kind.scale(),
                distribution,
                aggregate.runs,
                scenario.horizon_months,
            )
        })
        .collect()
}

/// An outcome's summary as `summary.json` gives it, with what its scale adds.
pub fn outcome_summary(
    scale: OutcomeScale,
    distribution: &Distribution,
    runs: u64,
    horizon: usize,
) -> OutcomeSummary {
    let mut summary = OutcomeSummary::from(&distribution.summary());
    match scale {
        OutcomeScale::Number => {}
        OutcomeScale::YesNo => {
            let yes = (distribution.moments.mean * distribution.moments.count as f64).round();
            summary.probability = ProbabilitySummary::of(yes as u64, distribution.moments.count);
        }
        OutcomeScale::Month => {
            let time = TimeToEvent::new(distribution, runs, horizon);
            summary.within_horizon = Some(WithinHorizonSummary::from(&time));
        }
    }
    summary
}

impl From<&Summary> for OutcomeSummary {
    fn from(summary: &Summary) -> Self {
        let finite = |value: Option<f64>| value.filter(|value| value.is_finite());
        let [p05, p25, p50, p75, p95] = summary.quantiles.map(finite);
        OutcomeSummary {
            n: summary.n,
            mean: finite(summary.mean),
            sd: finite(summary.sd),
            mcse: finite(summary.mcse),
            p05,
            p25,
            p50,
            p75,
            p95,
            min: finite(summary.min),
            max: finite(summary.max),
            probability: None,
            within_horizon: None,
        }
    }
}

/// One event's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSummary {
    /// Share of replications in which it fired.
    pub probability: f64,
    /// Median month over the replications where it fired; None if it never did.
    pub median_month: Option<f64>,
    /// 95% Wilson interval of `probability`.
    #[serde(default)]
    pub probability_ci_low: f64,
    #[serde(default)]
    pub probability_ci_high: f64,
    /// Kaplan-Meier median month over every replication, those where it never fired censored
    /// at the horizon; None ("not reached") when it fired in fewer than half of them.
    #[serde(default)]
    pub median_month_within_horizon: Option<f64>,
}

/// Why a `--precision` run stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoppingSummary {
    pub reason: String,
    pub run_cap: u64,
    pub precision: Vec<TargetSummary>,
}

/// One `--precision` target at the end of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSummary {
    pub outcome: String,
    /// As written on the command line (`5` or `2%`).
    pub target: String,
    pub standard_error: Option<f64>,
    pub met: bool,
}

/// A list of (name, value) pairs as a JSON object whose keys keep the list's order.
mod ordered {
    use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
    use serde::ser::{SerializeMap, Serializer};

    pub fn serialize<S: Serializer, T: serde::Serialize>(
        pairs: &[(String, T)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(pairs.len()))?;
        for (key, value) in pairs {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        deserializer: D,
    ) -> Result<Vec<(String, T)>, D::Error> {
        struct Pairs<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Pairs<T> {
            type Value = Vec<(String, T)>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(pairs)
            }
        }
        deserializer.deserialize_map(Pairs(std::marker::PhantomData))
    }
}

/// Why a `--precision` run stopped, for `summary.json`.
pub struct Stopping<'a> {
    pub reason: StopReason,
    pub run_cap: u64,
    pub targets: &'a [PrecisionTarget],
}

impl Stopping<'_> {
    fn summary(&self, aggregate: &Aggregate) -> StoppingSummary {
        StoppingSummary {
            reason: self.reason.describe().to_owned(),
            run_cap: self.run_cap,
            precision: self
                .targets
                .iter()
                .map(|target| TargetSummary {
                    outcome: target.name.clone(),
                    target: target.tolerance.to_string(),
                    standard_error: target
                        .standard_error(aggregate)
                        .filter(|value| value.is_finite()),
                    met: target.met(aggregate),
                })
                .collect(),
        }
    }
}

/// The whole `summary.json` document; `stopping` only for a run with `--precision`.
pub fn summary_file(
    scenario: &Scenario,
    seed: u64,
    aggregate: &Aggregate,
    stopping: Option<&Stopping>,
) -> SummaryFile {
    SummaryFile {
        scenario: scenario.name.clone(),
        scenario_hash: scenario.hash.clone(),
        seed,
        runs: aggregate.runs,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        quantile_relative_accuracy: QUANTILE_RELATIVE_ACCURACY,
        outcomes: scenario
            .outcomes
            .iter()
            .map(|outcome| outcome.name.clone())
            .zip(outcome_summaries(scenario, aggregate))
            .collect(),
        events: scenario
            .events
            .iter()
            .zip(&aggregate.events)
            .map(|(event, counts)| {
                (event.name.clone(), {
                    let (low, high) =
                        wilson_interval(counts.fired(), counts.runs).unwrap_or((0.0, 1.0));
                    EventSummary {
                        probability: counts.probability(),
                        median_month: counts.median_month().filter(|month| month.is_finite()),
                        probability_ci_low: low,
                        probability_ci_high: high,
                        median_month_within_horizon: counts.median_month_within_horizon(),
                    }
                })
            })
            .collect(),
        stopping: stopping.map(|stopping| stopping.summary(aggregate)),
    }
}

/// `summary.json` as text, with a trailing newline.
pub fn render(
    scenario: &Scenario,
    seed: u64,
    aggregate: &Aggregate,
    stopping: Option<&Stopping>,
) -> Result<String, serde_json::Error> {
    let document = summary_file(scenario, seed, aggregate, stopping);
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    Ok(text)
}

/// Fields of `summary.json` left out of a baseline's digest: they identify the software and the
/// scenario, which a baseline records and compares on their own, and are not results.
pub const NOT_DIGESTED: [&str; 2] = ["version", "scenario_hash"];

/// `summary.json`'s bytes as a baseline digests them: printed as secsim prints it, without the
/// [`NOT_DIGESTED`] fields. Numbers come back bit for bit (serde_json's `float_roundtrip`), and
/// the order of the fields is kept (`preserve_order`).
pub fn digest_form(bytes: &[u8]) -> Result<Vec<u8>, crate::output::OutputError> {
    let mut document: Value = serde_json::from_slice(bytes)?;
    if let Some(object) = document.as_object_mut() {
        for field in NOT_DIGESTED {
            object.shift_remove(field);
        }
    }
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    Ok(text.into_bytes())
}
