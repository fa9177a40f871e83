//! The short table printed on stdout after a run.

use std::fmt::Write as _;
use std::time::Duration;

use crate::engine::Aggregate;
use crate::scenario::Scenario;

fn compact(value: Option<f64>) -> String {
    match value {
        None => "-".to_owned(),
        Some(value) if value.abs() >= 1000.0 => format!("{value:.0}"),
        Some(value) if value.abs() >= 10.0 => format!("{value:.1}"),
        Some(value) => format!("{value:.3}"),
    }
}

/// Outcomes (mean and 90% interval), events (probability and median month), speed. `resumed`
/// replications came from a checkpoint: the speed counts only the ones computed.
pub fn render(
    scenario: &Scenario,
    seed: u64,
    aggregate: &Aggregate,
    resumed: u64,
    threads: usize,
    elapsed: Duration,
) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: {} runs, seed {seed}",
        scenario.name, aggregate.runs
    );
    let name_width = scenario
        .outcomes
        .iter()
        .map(|outcome| outcome.name.chars().count())
        .chain(
            scenario
                .events
                .iter()
                .map(|event| event.name.chars().count()),
        )
        .chain([7])
        .max()
        .unwrap_or(7);
    if !scenario.outcomes.is_empty() {
        let _ = writeln!(
            text,
            "\n{:<name_width$}  {:>12}  {:>25}  {:>8}",
            "outcome", "mean", "90% interval (p05, p95)", "n"
        );
        for (outcome, distribution) in scenario.outcomes.iter().zip(&aggregate.outcomes) {
            let summary = distribution.summary();
            let interval = format!(
                "[{}, {}]",
                compact(summary.quantiles[0]),
                compact(summary.quantiles[4])
            );
            let _ = writeln!(
                text,
                "{:<name_width$}  {:>12}  {:>25}  {:>8}",
                outcome.name,
                compact(summary.mean),
                interval,
                summary.n
            );
        }
    }
    if !scenario.events.is_empty() {
        let _ = writeln!(
            text,
            "\n{:<name_width$}  {:>12}  {:>25}",
            "event", "probability", "median month (date)"
        );
        for (event, counts) in scenario.events.iter().zip(&aggregate.events) {
            let median = counts.median_month().map_or("-".to_owned(), |month| {
                format!("{month} ({})", scenario.start.plus(month.floor() as usize))
            });
            let _ = writeln!(
                text,
                "{:<name_width$}  {:>12.3}  {:>25}",
                event.name,
                counts.probability(),
                median
            );
        }
    }
    let seconds = elapsed.as_secs_f64();
    let computed = aggregate.runs.saturating_sub(resumed);
    let per_second = if seconds > 0.0 {
        computed as f64 / seconds
    } else {
        f64::INFINITY
    };
    let runs = if resumed > 0 {
        format!(
            "{} runs ({computed} computed now, {resumed} from the checkpoint)",
            aggregate.runs
        )
    } else {
        format!("{} runs", aggregate.runs)
    };
    let _ = writeln!(
        text,
        "\n{runs} in {seconds:.2} s ({per_second:.0} runs/s) on {threads} thread{}",
        if threads == 1 { "" } else { "s" }
    );
    text
}

/// The comparison table: per outcome and scenario, mean and 90% interval, and against the first
/// scenario the paired mean difference with its 95% interval and P(higher in the same run).
pub fn render_comparison(
    rows: &[crate::output::compare::ComparisonRow],
    runs: u64,
    seed: u64,
) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{runs} runs per scenario, seed {seed}, common random numbers\n"
    );
    let outcome_width = rows
        .iter()
        .map(|row| row.outcome.chars().count())
        .chain([7])
        .max()
        .unwrap_or(7);
    let scenario_width = rows
        .iter()
        .map(|row| row.scenario.chars().count())
        .chain([8])
        .max()
        .unwrap_or(8);
    let _ = writeln!(
        text,
        "{:<outcome_width$}  {:<scenario_width$}  {:>10}  {:>20}  {:>30}  {:>8}",
        "outcome", "scenario", "mean", "90% interval", "difference (95% CI)", "P(>)"
    );
    for row in rows {
        let interval = format!("[{}, {}]", compact(row.p05), compact(row.p95));
        let paired = row.paired;
        let difference = match (
            paired.and_then(|pair| pair.mean()),
            paired.and_then(|pair| pair.confidence_interval()),
        ) {
            (Some(mean), Some((low, high))) => format!(
                "{} ({}, {})",
                compact(Some(mean)),
                compact(Some(low)),
                compact(Some(high))
            ),
            _ => "-".to_owned(),
        };
        let greater = paired
            .and_then(|pair| pair.probability_greater())
            .map_or("-".to_owned(), |p| format!("{p:.3}"));
        let _ = writeln!(
            text,
            "{:<outcome_width$}  {:<scenario_width$}  {:>10}  {:>20}  {:>30}  {:>8}",
            row.outcome,
            row.scenario,
            compact(row.mean),
            interval,
            difference,
            greater
        );
    }
    text
}
