//! The short table printed on stdout after a run.

use std::fmt::Write as _;
use std::time::Duration;

use crate::engine::Aggregate;
use crate::output::findings;
use crate::output::summary::outcome_summaries;
use crate::scenario::{OutcomeScale, Scenario};
use crate::stats::wilson_interval;

/// A blank line, then a table whose first column is at least `name_width` wide (so the blocks
/// of one printout line up), its name columns (the first `left` ones) left-aligned and its
/// figures right-aligned.
fn aligned<const N: usize>(
    text: &mut String,
    name_width: usize,
    left: usize,
    header: [&str; N],
    rows: &[[String; N]],
) {
    let mut header: Vec<String> = header.iter().map(|cell| (*cell).to_owned()).collect();
    header[0] = format!("{:<name_width$}", header[0]);
    let rows: Vec<Vec<String>> = rows.iter().map(|row| row.to_vec()).collect();
    let right_aligned: Vec<bool> = (0..N).map(|column| column >= left).collect();
    text.push('\n');
    text.push_str(&findings::text_table(&header, &rows, &right_aligned, ""));
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
    let summaries = outcome_summaries(scenario, aggregate);
    let of_scale = |scale: OutcomeScale| {
        scenario
            .outcomes
            .iter()
            .zip(&summaries)
            .filter(move |(outcome, _)| outcome.kind.scale() == scale)
    };
    let numbers: Vec<[String; 4]> = of_scale(OutcomeScale::Number)
        .map(|(outcome, summary)| {
            let error = summary.mcse.unwrap_or(0.0);
            let (low, high) = match (summary.p05, summary.p95) {
                (Some(low), Some(high)) => findings::interval_for_error(low, high, error),
                _ => ("-".to_owned(), "-".to_owned()),
            };
            [
                outcome.name.clone(),
                summary
                    .mean
                    .map_or("-".to_owned(), |mean| findings::estimate(mean, error)),
                format!("[{low}, {high}]"),
                summary.n.to_string(),
            ]
        })
        .collect();
    let yes_no: Vec<[String; 4]> = of_scale(OutcomeScale::YesNo)
        .map(|(outcome, summary)| match summary.probability {
            Some(p) => {
                let error = findings::share_error(p.estimate, summary.n);
                [
                    outcome.name.clone(),
                    findings::percent(p.estimate, error),
                    findings::percent_interval(p.ci_low, p.ci_high, error),
                    summary.n.to_string(),
                ]
            }
            None => [outcome.name.clone(), "-".into(), "-".into(), "0".into()],
        })
        .collect();
    let months: Vec<[String; 5]> = of_scale(OutcomeScale::Month)
        .filter_map(|(outcome, summary)| {
            let within = summary.within_horizon.as_ref()?;
            let p = within.probability?;
            let error = findings::share_error(p.estimate, within.runs);
            let month = |value: Option<f64>| {
                value.map_or("not reached".to_owned(), |month| format!("{month:.0}"))
            };
            let median = within.p50.map_or("not reached".to_owned(), |month| {
                format!(
                    "{month:.0} ({})",
                    scenario.start.plus(month.floor() as usize)
                )
            });
            Some([
                outcome.name.clone(),
                format!(
                    "{} ({})",
                    findings::percent(p.estimate, error),
                    findings::percent_interval(p.ci_low, p.ci_high, error)
                ),
                median,
                format!("[{}, {}]", month(within.p05), month(within.p95)),
                within.runs.to_string(),
            ])
        })
        .collect();
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
        .chain([22])
        .max()
        .unwrap_or(22);
    if !numbers.is_empty() {
        aligned(
            &mut text,
            name_width,
            1,
            ["outcome", "mean", "90% interval (p05, p95)", "runs"],
            &numbers,
        );
    }
    if !yes_no.is_empty() {
        aligned(
            &mut text,
            name_width,
            1,
            ["yes/no outcome", "probability", "95% interval", "runs"],
            &yes_no,
        );
    }
    if !months.is_empty() {
        aligned(
            &mut text,
            name_width,
            1,
            [
                "month it first happens",
                &format!("within {} months (95% interval)", scenario.horizon_months),
                "median month (KM)",
                "90% interval",
                "runs",
            ],
            &months,
        );
        let _ = writeln!(
            text,
            "(runs where it does not happen count as later than the horizon: \"not reached\" is a quantile among them)"
        );
    }
    if !scenario.events.is_empty() {
        let rows: Vec<[String; 5]> = scenario
            .events
            .iter()
            .zip(&aggregate.events)
            .map(|(event, counts)| {
                let p = counts.probability();
                let error = findings::share_error(p, counts.runs);
                let (low, high) =
                    wilson_interval(counts.fired(), counts.runs).unwrap_or((0.0, 1.0));
                let month = |month: Option<f64>| {
                    month.map_or("not reached".to_owned(), |month| {
                        format!("{month} ({})", scenario.start.plus(month.floor() as usize))
                    })
                };
                [
                    event.name.clone(),
                    findings::percent(p, error),
                    findings::percent_interval(low, high, error),
                    month(counts.median_month_within_horizon()),
                    counts
                        .median_month()
                        .map_or("-".to_owned(), |month| month.to_string()),
                ]
            })
            .collect();
        aligned(
            &mut text,
            name_width,
            1,
            [
                "event",
                "probability",
                "95% interval",
                "median month (KM)",
                "median month when it happens",
            ],
            &rows,
        );
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

/// The comparison table, one block per kind of outcome: per outcome and scenario its figures,
/// and against the first scenario the paired difference with its 95% interval (for the month
/// something first happens: in the probability that it happens, and in the restricted mean).
pub fn render_comparison(
    rows: &[crate::output::compare::ComparisonRow],
    runs: u64,
    seed: u64,
) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{runs} runs per scenario, seed {seed}, common random numbers; differences are against the first scenario in the same runs"
    );
    let name_width = rows
        .iter()
        .map(|row| row.outcome.chars().count())
        .chain([22])
        .max()
        .unwrap_or(22);
    // A scenario without the outcome has no row to show.
    let of_scale = |scale: OutcomeScale| {
        rows.iter()
            .filter(move |row| row.scale == scale && (row.n > 0 || row.mean.is_some()))
    };
    let dash = || "-".to_owned();
    let numbers: Vec<[String; 7]> = of_scale(OutcomeScale::Number)
        .map(|row| {
            let error = row.mcse.unwrap_or(0.0);
            let interval = match (row.p05, row.p95) {
                (Some(low), Some(high)) => {
                    let (low, high) = findings::interval_for_error(low, high, error);
                    format!("[{low}, {high}]")
                }
                _ => dash(),
            };
            let value = row.paired.map(|pair| pair.value);
            [
                row.outcome.clone(),
                row.scenario.clone(),
                row.mean
                    .map_or_else(dash, |mean| findings::estimate(mean, error)),
                interval,
                value
                    .and_then(|pair| findings::difference(&pair, false))
                    .unwrap_or_else(dash),
                value
                    .and_then(|pair| pair.probability_greater())
                    .map_or_else(dash, |p| format!("{p:.3}")),
                row.n.to_string(),
            ]
        })
        .collect();
    if !numbers.is_empty() {
        aligned(
            &mut text,
            name_width,
            2,
            [
                "outcome",
                "scenario",
                "mean",
                "90% interval",
                "difference (95% CI)",
                "P(higher)",
                "runs",
            ],
            &numbers,
        );
    }
    let probability = |row: &crate::output::compare::ComparisonRow| {
        row.probability.map_or_else(dash, |p| {
            let error = findings::share_error(p.estimate, row.n);
            format!(
                "{} ({})",
                findings::percent(p.estimate, error),
                findings::percent_interval(p.ci_low, p.ci_high, error)
            )
        })
    };
    let probability_difference = |row: &crate::output::compare::ComparisonRow| {
        row.paired
            .and_then(|pair| pair.probability(row.scale))
            .and_then(|pair| findings::difference(&pair, true))
            .unwrap_or_else(dash)
    };
    let yes_no: Vec<[String; 5]> = of_scale(OutcomeScale::YesNo)
        .map(|row| {
            [
                row.outcome.clone(),
                row.scenario.clone(),
                probability(row),
                probability_difference(row),
                row.n.to_string(),
            ]
        })
        .collect();
    if !yes_no.is_empty() {
        aligned(
            &mut text,
            name_width,
            2,
            [
                "yes/no outcome",
                "scenario",
                "probability (95% interval)",
                "difference (95% CI)",
                "runs",
            ],
            &yes_no,
        );
    }
    let months: Vec<[String; 7]> = of_scale(OutcomeScale::Month)
        .map(|row| {
            let error = row.mcse.unwrap_or(0.0);
            [
                row.outcome.clone(),
                row.scenario.clone(),
                probability(row),
                probability_difference(row),
                row.p50
                    .map_or_else(|| "not reached".to_owned(), |month| format!("{month:.0}")),
                row.mean.map_or_else(dash, |mean| {
                    let limit = row.restricted_to.unwrap_or_default();
                    format!("{} of {limit}", findings::estimate(mean, error))
                }),
                row.paired
                    .and_then(|pair| findings::difference(&pair.value, false))
                    .unwrap_or_else(dash),
            ]
        })
        .collect();
    if !months.is_empty() {
        aligned(
            &mut text,
            name_width,
            2,
            [
                "month it first happens",
                "scenario",
                "happens within the horizon (95%)",
                "difference (95% CI)",
                "median month (KM)",
                "restricted mean month",
                "difference (95% CI)",
            ],
            &months,
        );
        let _ = writeln!(
            text,
            "(every run counts: one where it does not happen counts as the horizon in the restricted mean, and as later than any month in the median)"
        );
    }
    text
}
