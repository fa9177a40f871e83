//! `summary.json`: the run's identity and every outcome's and event's summary.
//!
//! No timestamps, timings or thread counts: reruns with the same seed give the same bytes.

use serde_json::{Map, Value, json};

use crate::engine::{Aggregate, PrecisionTarget, StopReason};
use crate::scenario::Scenario;
use crate::stats::{QUANTILE_RELATIVE_ACCURACY, Summary};

/// Keys of the quantiles in [`crate::stats::QUANTILES`] order.
pub const QUANTILE_KEYS: [&str; 5] = ["p05", "p25", "p50", "p75", "p95"];

fn number(value: Option<f64>) -> Value {
    value
        .filter(|value| value.is_finite())
        .map_or(Value::Null, Value::from)
}

/// A summary as a JSON object `{n, mean, sd, mcse, p05, p25, p50, p75, p95, min, max}`.
pub fn summary_object(summary: &Summary) -> Value {
    let mut object = Map::new();
    object.insert("n".into(), Value::from(summary.n));
    object.insert("mean".into(), number(summary.mean));
    object.insert("sd".into(), number(summary.sd));
    object.insert("mcse".into(), number(summary.mcse));
    for (key, value) in QUANTILE_KEYS.iter().zip(summary.quantiles) {
        object.insert((*key).into(), number(value));
    }
    object.insert("min".into(), number(summary.min));
    object.insert("max".into(), number(summary.max));
    Value::Object(object)
}

/// Why a `--precision` run stopped, for `summary.json`.
pub struct Stopping<'a> {
    pub reason: StopReason,
    pub run_cap: u64,
    pub targets: &'a [PrecisionTarget],
}

impl Stopping<'_> {
    fn to_json(&self, aggregate: &Aggregate) -> Value {
        let targets: Vec<Value> = self
            .targets
            .iter()
            .map(|target| {
                json!({
                    "outcome": target.name,
                    "target": target.tolerance.to_string(),
                    "standard_error": number(target.standard_error(aggregate)),
                    "met": target.met(aggregate),
                })
            })
            .collect();
        json!({
            "reason": self.reason.describe(),
            "run_cap": self.run_cap,
            "precision": targets,
        })
    }
}

/// The whole `summary.json` document; `stopping` only for a run with `--precision`.
pub fn summary_json(
    scenario: &Scenario,
    seed: u64,
    aggregate: &Aggregate,
    stopping: Option<&Stopping>,
) -> Value {
    let outcomes: Map<String, Value> = scenario
        .outcomes
        .iter()
        .zip(&aggregate.outcomes)
        .map(|(outcome, distribution)| {
            (
                outcome.name.clone(),
                summary_object(&distribution.summary()),
            )
        })
        .collect();
    let events: Map<String, Value> = scenario
        .events
        .iter()
        .zip(&aggregate.events)
        .map(|(event, counts)| {
            let value = json!({
                "probability": counts.probability(),
                "median_month": number(counts.median_month()),
            });
            (event.name.clone(), value)
        })
        .collect();
    let mut document = json!({
        "scenario": scenario.name,
        "scenario_hash": scenario.hash,
        "seed": seed,
        "runs": aggregate.runs,
        "version": env!("CARGO_PKG_VERSION"),
        "quantile_relative_accuracy": QUANTILE_RELATIVE_ACCURACY,
        "outcomes": outcomes,
        "events": events,
    });
    if let (Some(stopping), Value::Object(map)) = (stopping, &mut document) {
        map.insert("stopping".into(), stopping.to_json(aggregate));
    }
    document
}

/// `summary.json` as text, with a trailing newline.
pub fn render(
    scenario: &Scenario,
    seed: u64,
    aggregate: &Aggregate,
    stopping: Option<&Stopping>,
) -> Result<String, serde_json::Error> {
    let document = summary_json(scenario, seed, aggregate, stopping);
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    Ok(text)
}
