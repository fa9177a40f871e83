//! The files of `secsim score`: `scores.csv` (one row per scored series-month), `scores.json`
//! (per series, per outcome and overall), the table on stdout, the charts and `report.html`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use crate::output::charts::distribution::{Bin, DistributionChart, DistributionSeries};
use crate::output::charts::fan::{FanChart, FanSeries};
use crate::output::charts::lines::{Line, LineChart, XAxis};
use crate::output::charts::{Chart, ChartFile, Frame, file_stem};
use crate::output::figures::{caption, metric_label};
use crate::output::report::{self, Figure, escape};
use crate::output::{OutputError, format_number, json_number};
use crate::scenario::Scenario;
use crate::scoring::forecast::Scores;
use crate::scoring::observed::Observed;
use crate::scoring::{Benchmark, HISTORY_MONTHS, Scorecard, SeriesScore, Total};

/// The marker file of a scores folder.
pub const SCORES_JSON: &str = "scores.json";
/// One row per scored series-month.
pub const SCORES_CSV: &str = "scores.csv";

/// `scores.csv`'s header, fixed: other tools read these names. `mean` to `p95` describe the
/// model's forecast; `crps` to `bias` are the model's scores; then each benchmark's CRPS and
/// 90% interval score (empty when the benchmark has no forecast for the series).
pub const CSV_HEADER: [&str; 23] = [
    "metric",
    "actor",
    "month",
    "date",
    "observed",
    "mean",
    "p05",
    "p25",
    "p50",
    "p75",
    "p95",
    "crps",
    "interval_score_90",
    "covered_50",
    "covered_90",
    "pit",
    "bias",
    "crps_persistence",
    "crps_last_12_months",
    "crps_negative_binomial",
    "interval_score_90_persistence",
    "interval_score_90_last_12_months",
    "interval_score_90_negative_binomial",
];

/// What the writers of a score read.
pub struct ScoreResults<'a> {
    pub scenario: &'a Scenario,
    pub seed: u64,
    pub runs: u64,
    pub observed_file: &'a Path,
    pub outcomes_file: Option<&'a Path>,
    pub observed: &'a Observed,
    pub card: &'a Scorecard,
}

fn number(value: f64) -> String {
    format_number(Some(value))
}

fn series_name(scenario: &Scenario, score: &SeriesScore) -> (String, String) {
    let series = &scenario.series[score.series_index];
    (series.metric.as_str().to_owned(), series.actor_name.clone())
}

/// Writes `scores.csv`.
pub fn write_csv(results: &ScoreResults<'_>, writer: impl Write) -> Result<(), OutputError> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record(CSV_HEADER)?;
    for score in &results.card.series {
        let (metric, actor) = series_name(results.scenario, score);
        for month in &score.months {
            let mut record = vec![
                metric.clone(),
                actor.clone(),
                month.month.to_string(),
                results.scenario.start.plus(month.month).to_string(),
                number(month.observed),
                number(month.mean),
            ];
            record.extend(month.quantiles.iter().map(|q| number(*q)));
            let model = &month.model;
            record.extend([
                number(model.crps),
                number(model.interval_score_90),
                u8::from(model.covered_50).to_string(),
                u8::from(model.covered_90).to_string(),
                number(model.pit),
                number(model.bias),
            ]);
            let benchmark = |pick: fn(&Scores) -> f64| {
                month
                    .benchmarks
                    .iter()
                    .map(move |scores| scores.as_ref().map_or(String::new(), |s| number(pick(s))))
            };
            record.extend(benchmark(|s| s.crps));
            record.extend(benchmark(|s| s.interval_score_90));
            csv.write_record(&record)?;
        }
    }
    csv.flush()
        .map_err(OutputError::io(Path::new(SCORES_CSV), "cannot write"))?;
    Ok(())
}

fn total_json(total: &Total) -> Value {
    json!({
        "mean": json_number(total.mean),
        "p05": json_number(total.p05),
        "p95": json_number(total.p95),
        "observed_inside_90": total.inside_90(),
    })
}

fn means_json(means: crate::scoring::Means) -> Value {
    json!({
        "crps": json_number(means.crps),
        "interval_score_90": json_number(means.interval_score_90),
        "coverage_50": json_number(means.coverage_50),
        "coverage_90": json_number(means.coverage_90),
        "bias": json_number(means.bias),
    })
}

/// `scores.json`.
pub fn render_json(results: &ScoreResults<'_>) -> Result<String, serde_json::Error> {
    let scenario = results.scenario;
    let series: Vec<Value> = results
        .card
        .series
        .iter()
        .map(|score| {
            let totals = &score.total;
            let (metric, actor) = series_name(scenario, score);
            let benchmarks: serde_json::Map<String, Value> = Benchmark::ALL
                .iter()
                .map(|benchmark| {
                    let value = match score.benchmark(*benchmark) {
                        Some(means) => {
                            let mut value = means_json(means);
                            value["skill"] =
                                json_number(score.skill(*benchmark).unwrap_or(f64::NAN));
                            value
                        }
                        None => Value::Null,
                    };
                    (benchmark.name().to_owned(), value)
                })
                .collect();
            let first = score.months.first().map_or(0, |month| month.month);
            let last = score.months.last().map_or(0, |month| month.month);
            json!({
                "metric": metric,
                "actor": actor,
                "months": score.months.len(),
                "first": scenario.start.plus(first).to_string(),
                "last": scenario.start.plus(last).to_string(),
                "history_months": score.history_months,
                "observed_total": json_number(totals.observed),
                "forecast_total": total_json(totals),
                "model": means_json(score.model()),
                "benchmarks": benchmarks,
            })
        })
        .collect();
    let outcomes: Vec<Value> = results
        .card
        .outcomes
        .iter()
        .map(|outcome| {
            json!({
                "outcome": scenario.outcomes[outcome.outcome_index].name,
                "observed": json_number(outcome.observed),
                "n": outcome.n,
                "mean": json_number(outcome.mean),
                "p05": json_number(outcome.quantiles[0]),
                "p50": json_number(outcome.quantiles[2]),
                "p95": json_number(outcome.quantiles[4]),
                "crps": json_number(outcome.scores.crps),
                "interval_score_90": json_number(outcome.scores.interval_score_90),
                "covered_50": outcome.scores.covered_50,
                "covered_90": outcome.scores.covered_90,
                "pit": json_number(outcome.scores.pit),
                "bias": json_number(outcome.scores.bias),
            })
        })
        .collect();
    let months: Vec<&Scores> = results
        .card
        .series
        .iter()
        .flat_map(|series| series.months.iter().map(|month| &month.model))
        .collect();
    let share = |covered: fn(&Scores) -> bool| {
        months.iter().filter(|scores| covered(scores)).count() as f64 / months.len().max(1) as f64
    };
    let overall_skill: serde_json::Map<String, Value> = Benchmark::ALL
        .iter()
        .map(|benchmark| {
            let skills: Vec<f64> = results
                .card
                .series
                .iter()
                .filter_map(|series| series.skill(*benchmark))
                .collect();
            let mean = skills.iter().sum::<f64>() / skills.len().max(1) as f64;
            (
                benchmark.name().to_owned(),
                json!({
                    "series": skills.len(),
                    "positive": skills.iter().filter(|skill| **skill > 0.0).count(),
                    "mean_skill": if skills.is_empty() { Value::Null } else { json_number(mean) },
                }),
            )
        })
        .collect();
    let document = json!({
        "scenario": scenario.name,
        "scenario_hash": scenario.hash,
        "seed": results.seed,
        "runs": results.runs,
        "version": env!("CARGO_PKG_VERSION"),
        "observed_file": results.observed_file.display().to_string(),
        "outcomes_file": results.outcomes_file.map(|path| path.display().to_string()),
        "history_months": HISTORY_MONTHS,
        "skipped": {
            "past_horizon": results.observed.past_horizon,
            "not_modelled": results.observed.not_modelled,
        },
        "overall": {
            "series": results.card.series.len(),
            "months": months.len(),
            "coverage_50": json_number(share(|s| s.covered_50)),
            "coverage_90": json_number(share(|s| s.covered_90)),
            "skill": overall_skill,
        },
        "series": series,
        "deaths_per_event": results.card.deaths_per_event.iter().map(|ratio| json!({
            "actor": ratio.actor,
            "months": ratio.months,
            "observed": json_number(ratio.ratio.observed),
            "forecast": total_json(&ratio.ratio),
        })).collect::<Vec<_>>(),
        "outcomes": outcomes,
    });
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    Ok(text)
}

fn compact(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() && value.abs() >= 100.0 => format!("{value:.0}"),
        Some(value) if value.is_finite() => format!("{value:.3}"),
        _ => "-".to_owned(),
    }
}

/// The table on stdout: per series, the model's CRPS, coverage and skill against each
/// benchmark; then outcomes; then what was skipped.
pub fn render_table(results: &ScoreResults<'_>) -> String {
    let scenario = results.scenario;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: {} runs, seed {}, scored against {}",
        scenario.name,
        results.runs,
        results.seed,
        results.observed_file.display()
    );
    // The first column fits the longest name (per-type series are long).
    let names: Vec<String> = results
        .card
        .series
        .iter()
        .map(|score| {
            let (metric, actor) = series_name(scenario, score);
            format!("{metric} {actor}")
        })
        .chain(
            (results.card.deaths_per_event.iter())
                .map(|ratio| format!("deaths/event {}", ratio.actor)),
        )
        .collect();
    let width = names
        .iter()
        .map(|name| name.chars().count())
        .max()
        .unwrap_or(0)
        .max(24);
    let _ = writeln!(
        text,
        "\n{:<width$} {:>6} {:>21} {:>10} {:>10} {:>9} {:>6} {:>6}  skill vs {}",
        "series",
        "months",
        "observed / forecast",
        "90% low",
        "90% high",
        "CRPS",
        "cov50",
        "cov90",
        Benchmark::ALL.map(Benchmark::name).join(", ")
    );
    for (score, name) in results.card.series.iter().zip(&names) {
        let totals = &score.total;
        let model = score.model();
        let skills: Vec<String> = Benchmark::ALL
            .iter()
            .map(|benchmark| compact(score.skill(*benchmark)))
            .collect();
        let _ = writeln!(
            text,
            "{:<width$} {:>6} {:>21} {:>10} {:>10} {:>9} {:>5.0}% {:>5.0}%  {}",
            name,
            score.months.len(),
            format!(
                "{} / {}",
                compact(Some(totals.observed)),
                compact(Some(totals.mean))
            ),
            compact(Some(totals.p05)),
            compact(Some(totals.p95)),
            compact(Some(model.crps)),
            model.coverage_50 * 100.0,
            model.coverage_90 * 100.0,
            skills.join(", ")
        );
    }
    let ratio_names = &names[results.card.series.len()..];
    for (ratio, name) in results.card.deaths_per_event.iter().zip(ratio_names) {
        let _ = writeln!(
            text,
            "{:<width$} {:>6} {:>21} {:>10} {:>10}",
            name,
            ratio.months,
            format!(
                "{} / {}",
                compact(Some(ratio.ratio.observed)),
                compact(Some(ratio.ratio.mean))
            ),
            compact(Some(ratio.ratio.p05)),
            compact(Some(ratio.ratio.p95)),
        );
    }
    if !results.card.outcomes.is_empty() {
        let _ = writeln!(
            text,
            "\n{:<32} {:>10} {:>10} {:>21} {:>6}",
            "outcome", "observed", "mean", "90% interval", "PIT"
        );
        for outcome in &results.card.outcomes {
            let _ = writeln!(
                text,
                "{:<32} {:>10} {:>10} {:>21} {:>6.2}",
                scenario.outcomes[outcome.outcome_index].name,
                compact(Some(outcome.observed)),
                compact(Some(outcome.mean)),
                format!(
                    "[{}, {}]",
                    compact(Some(outcome.quantiles[0])),
                    compact(Some(outcome.quantiles[4]))
                ),
                outcome.scores.pit
            );
        }
    }
    let observed = results.observed;
    if observed.past_horizon > 0 || !observed.not_modelled.is_empty() {
        let mut skipped = Vec::new();
        if observed.past_horizon > 0 {
            skipped.push(format!(
                "{} rows after the horizon (last month {})",
                observed.past_horizon,
                scenario.start.plus(scenario.horizon_months - 1)
            ));
        }
        if !observed.not_modelled.is_empty() {
            let rows: usize = observed.not_modelled.values().sum();
            let metrics: Vec<&str> = observed.not_modelled.keys().map(String::as_str).collect();
            skipped.push(format!(
                "{rows} rows of metrics the model does not produce ({})",
                metrics.join(", ")
            ));
        }
        let _ = writeln!(text, "\nskipped: {}", skipped.join("; "));
    }
    text
}

/// The charts of a score: per scored series, its fan chart with the observations drawn on it
/// (history included) and its CRPS by month against the benchmarks; one PIT histogram of every
/// scored series-month.
pub fn charts(results: &ScoreResults<'_>) -> Vec<ChartFile> {
    let scenario = results.scenario;
    let mut files = Vec::new();
    for (score, observed) in results.card.series.iter().zip(&results.observed.series) {
        let (metric, actor) = series_name(scenario, score);
        let series = &scenario.series[score.series_index];
        let mut observations: Vec<(i64, f64)> = observed
            .history
            .iter()
            .filter(|(month, _)| *month >= -HISTORY_MONTHS)
            .copied()
            .collect();
        observations.extend(
            observed
                .scored
                .iter()
                .map(|&(month, value)| (month as i64, value)),
        );
        // The bands of the scored months only: the forecast of a month without an observation
        // is in timeseries.csv of a run.
        let mut quantiles = vec![[f64::NAN; 5]; scenario.horizon_months];
        for month in &score.months {
            quantiles[month.month] = month.quantiles;
        }
        let last = score.months.last().map_or(0, |month| month.month + 1);
        quantiles.truncate(last);
        files.push(ChartFile {
            chart: Chart::Fan(FanChart {
                start: scenario.start,
                y_label: metric_label(series.metric),
                series: vec![FanSeries {
                    label: scenario.name.clone(),
                    quantiles,
                }],
                observed: observations,
                observed_label: "observed".to_owned(),
            }),
            frame: Frame {
                title: format!("{metric} in {actor}: forecast and what happened"),
                caption: caption(
                    results.runs,
                    results.seed,
                    &format!(
                        "Bands from {}; points: {} (the {HISTORY_MONTHS} months before the start feed the benchmarks).",
                        scenario.start,
                        results.observed_file.display()
                    ),
                ),
            },
            stem: file_stem(&["forecast", &metric, &actor]),
        });
        let mut lines = vec![Line {
            label: "model".to_owned(),
            points: score
                .months
                .iter()
                .map(|month| (month.month, month.model.crps))
                .collect(),
        }];
        for (index, benchmark) in Benchmark::ALL.iter().enumerate() {
            if score.benchmark(*benchmark).is_none() {
                continue;
            }
            lines.push(Line {
                label: benchmark.name().replace('_', " "),
                points: score
                    .months
                    .iter()
                    .filter_map(|month| Some((month.month, month.benchmarks[index]?.crps)))
                    .collect(),
            });
        }
        files.push(ChartFile {
            chart: Chart::Lines(LineChart {
                x_axis: XAxis::Months(scenario.start),
                y_label: format!("CRPS ({}; lower is better)", metric_label(series.metric)),
                lines,
            }),
            frame: Frame {
                title: format!("{metric} in {actor}: CRPS by month, model and benchmarks"),
                caption: caption(
                    results.runs,
                    results.seed,
                    "CRPS in the series' unit. Benchmarks use only months before the start.",
                ),
            },
            stem: file_stem(&["crps", &metric, &actor]),
        });
    }
    let pits = results.card.pit_values();
    if !pits.is_empty() {
        const BINS: usize = 10;
        let mut counts = [0usize; BINS];
        for pit in &pits {
            counts[((pit * BINS as f64) as usize).min(BINS - 1)] += 1;
        }
        let bins = counts
            .iter()
            .enumerate()
            .map(|(index, count)| Bin {
                low: index as f64 / BINS as f64,
                high: (index + 1) as f64 / BINS as f64,
                share: *count as f64 / pits.len() as f64,
            })
            .collect();
        files.push(ChartFile {
            chart: Chart::Distribution(DistributionChart {
                x_label: "PIT (where the observation fell in the forecast distribution)".to_owned(),
                counted: "series-months".to_owned(),
                series: vec![DistributionSeries {
                    label: scenario.name.clone(),
                    bins,
                    markers: [None; 3],
                }],
            }),
            frame: Frame {
                title: format!("PIT histogram of {} series-months", pits.len()),
                caption: caption(
                    results.runs,
                    results.seed,
                    "Randomised PIT. Calibrated: about 10% in each bin. U shape: too narrow; hump: too wide; slope: biased.",
                ),
            },
            stem: "pit_histogram".to_owned(),
        });
    }
    files
}

/// The scores section of a report: what was scored, the per-series table and the charts.
pub fn report_section(results: &ScoreResults<'_>, figures: &[Figure]) -> String {
    let scenario = results.scenario;
    let mut html = String::new();
    html.push_str("<h2>Scores against observed data</h2>");
    let _ = write!(
        html,
        "<p>{} scored against <code>{}</code>. CRPS and the 90% interval score are in each series' unit (lower is better); skill is 1 - CRPS of the model / CRPS of the benchmark (positive: better than the benchmark). Benchmarks use only the {HISTORY_MONTHS} months before {}.</p>",
        escape(&scenario.name),
        escape(&results.observed_file.display().to_string()),
        scenario.start
    );
    html.push_str("<table><tr><th>series</th><th>months</th><th>observed total</th><th>forecast total (mean, 90%)</th><th>CRPS</th><th>coverage 50% / 90%</th>");
    for benchmark in Benchmark::ALL {
        let _ = write!(
            html,
            "<th>skill vs {}</th>",
            benchmark.name().replace('_', " ")
        );
    }
    html.push_str("</tr>");
    for score in &results.card.series {
        let totals = &score.total;
        let (metric, actor) = series_name(scenario, score);
        let model = score.model();
        let _ = write!(
            html,
            "<tr><td>{} in {}</td><td>{}</td><td>{}</td><td>{} [{}, {}]</td><td>{}</td><td>{:.0}% / {:.0}%</td>",
            escape(&metric),
            escape(&actor),
            score.months.len(),
            compact(Some(totals.observed)),
            compact(Some(totals.mean)),
            compact(Some(totals.p05)),
            compact(Some(totals.p95)),
            compact(Some(model.crps)),
            model.coverage_50 * 100.0,
            model.coverage_90 * 100.0
        );
        for benchmark in Benchmark::ALL {
            let _ = write!(html, "<td>{}</td>", compact(score.skill(benchmark)));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    if !figures.is_empty() {
        html.push_str(&report::figures(figures));
    }
    html
}

/// The report of a score.
pub fn report(results: &ScoreResults<'_>, figures: &[Figure]) -> String {
    report::page(
        &format!("secsim score: {}", results.scenario.name),
        &format!(
            "{} runs, seed {}, secsim {}",
            results.runs,
            results.seed,
            env!("CARGO_PKG_VERSION")
        ),
        &report_section(results, figures),
    )
}
