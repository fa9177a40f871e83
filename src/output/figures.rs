//! Which charts a run or a comparison gets, with their titles, labels, units and captions.

use std::path::Path;

use crate::engine::Aggregate;
use crate::output::OutputError;
use crate::output::charts::bars::{Bar, BarChart, BarRow};
use crate::output::charts::difference::{DifferenceChart, DifferencePanel};
use crate::output::charts::distribution::{Bin, DistributionChart, DistributionSeries};
use crate::output::charts::events::{EventTimingChart, EventTimingSeries};
use crate::output::charts::exceedance::{ExceedanceChart, ExceedanceSeries};
use crate::output::charts::fan::{FanChart, FanSeries};
use crate::output::charts::{Chart, ChartFile, Frame, file_stem};
use crate::output::outcomes::OutcomesReader;
use crate::output::report::readable;
use crate::scenario::{
    ActorRef, Event, Metric, Outcome, OutcomeKind, OutcomeScale, Scenario, Series,
};
use crate::stats::{Distribution, TimeToEvent, wilson_interval};

/// A yes/no outcome's bar: the share of runs with "yes", in percent, with its 95% interval.
fn probability_row(label: String, distribution: &Distribution) -> BarRow {
    let runs = distribution.moments.count;
    let yes = (distribution.moments.mean * runs as f64).round() as u64;
    BarRow {
        label,
        bars: vec![Bar {
            value: if runs == 0 {
                0.0
            } else {
                100.0 * yes as f64 / runs as f64
            },
            interval: wilson_interval(yes, runs).map(|(low, high)| (100.0 * low, 100.0 * high)),
        }],
    }
}

/// Most bins in an outcome histogram.
const HISTOGRAM_BINS: usize = 40;
/// Whole-number outcomes spanning at most this many values get one bin per value.
const MAX_BINS_PER_VALUE: usize = 60;
/// Bins behind an exceedance curve.
const EXCEEDANCE_BINS: usize = 400;

/// Unit of a metric's monthly values.
pub fn metric_unit(metric: Metric) -> &'static str {
    match metric {
        Metric::Attacks
        | Metric::Battles
        | Metric::RemoteViolence
        | Metric::ViolenceAgainstCivilians
        | Metric::StateInitiated => "events per month",
        Metric::Fatalities
        | Metric::BattlesFatalities
        | Metric::RemoteViolenceFatalities
        | Metric::ViolenceAgainstCiviliansFatalities => "deaths per month",
        Metric::Capacity => "capacity units",
        Metric::Control => "share of territory, 0-1",
        Metric::Stability => "index, 0-1",
        Metric::Intelligence => "coverage, 0-1",
        Metric::Strength => "fighters",
    }
}

/// Axis label of a metric, with its unit.
pub fn metric_label(metric: Metric) -> String {
    let name = match metric {
        Metric::Capacity => "security capacity",
        Metric::Control => "territorial control",
        Metric::Stability => "regime stability",
        Metric::Intelligence => "intelligence coverage",
        Metric::RemoteViolence => "remote violence",
        Metric::ViolenceAgainstCivilians => "violence against civilians",
        Metric::BattlesFatalities => "deaths in battles",
        Metric::RemoteViolenceFatalities => "deaths in remote violence",
        Metric::ViolenceAgainstCiviliansFatalities => "deaths in violence against civilians",
        Metric::StateInitiated => "events initiated by the state's side",
        other => other.as_str(),
    };
    format!("{name} ({})", metric_unit(metric))
}

/// Unit of an outcome's values.
pub fn outcome_unit(scenario: &Scenario, kind: &OutcomeKind) -> String {
    let metric = |series: usize| scenario.series[series].metric;
    match *kind {
        OutcomeKind::Sum { series, .. } => match metric(series) {
            deaths if deaths.is_deaths() => "deaths".to_owned(),
            events if events.is_count() => "events".to_owned(),
            other => format!("sum over months of {}", metric_unit(other)),
        },
        OutcomeKind::Mean { series, .. }
        | OutcomeKind::Max { series, .. }
        | OutcomeKind::Min { series, .. }
        | OutcomeKind::Final { series } => metric_unit(metric(series)).to_owned(),
        OutcomeKind::FirstMonth { .. } | OutcomeKind::EventMonth { .. } => {
            "month, 0 = the start month".to_owned()
        }
        OutcomeKind::Any { .. } | OutcomeKind::All { .. } | OutcomeKind::EventFired { .. } => {
            "0 = no, 1 = yes".to_owned()
        }
    }
}

/// How readers see an outcome's name: its label, or its identifier made readable.
pub fn outcome_label(outcome: &Outcome) -> String {
    outcome
        .label
        .clone()
        .unwrap_or_else(|| readable(&outcome.name))
}

/// An outcome's unit for readers: the scenario's, or the one the model gives it.
pub fn outcome_unit_for(scenario: &Scenario, outcome: &Outcome) -> String {
    outcome
        .unit
        .clone()
        .unwrap_or_else(|| outcome_unit(scenario, &outcome.kind))
}

/// How readers see an event's name.
pub fn event_label(event: &Event) -> String {
    event.label.clone().unwrap_or_else(|| readable(&event.name))
}

/// A metric's axis label with its unit, as the scenario names them where it does.
pub fn series_label(scenario: &Scenario, metric: Metric) -> String {
    let given = scenario
        .metric_labels
        .iter()
        .find(|item| item.metric == metric);
    match given {
        Some(item) if item.label.is_some() || item.unit.is_some() => format!(
            "{} ({})",
            item.label
                .clone()
                .unwrap_or_else(|| readable(metric.as_str())),
            item.unit
                .clone()
                .unwrap_or_else(|| metric_unit(metric).to_owned())
        ),
        _ => metric_label(metric),
    }
}

/// A series' name in a title: "attacks in Niger" for a state, "attacks by JNIM" for a group.
pub fn series_title(scenario: &Scenario, series: &Series) -> String {
    let metric = scenario
        .metric_labels
        .iter()
        .find(|item| item.metric == series.metric)
        .and_then(|item| item.label.clone())
        .unwrap_or_else(|| readable(series.metric.as_str()));
    let preposition = match series.actor {
        ActorRef::Group(_) => "by",
        _ => "in",
    };
    format!("{metric} {preposition} {}", series.actor_name)
}

/// An outcome's histograms: a coarse one to show, a fine one for the exceedance curve.
#[derive(Debug, Clone, Default)]
pub struct OutcomeHistogram {
    pub bins: Vec<Bin>,
    pub fine: Vec<Bin>,
}

/// Histograms of each outcome, from the values in `outcomes.csv` and the range the aggregate
/// already knows (so one streaming pass suffices, and memory does not grow with the runs).
pub fn outcome_histograms(
    aggregate: &Aggregate,
    outcomes_csv: &Path,
) -> Result<Vec<OutcomeHistogram>, OutputError> {
    let layouts: Vec<[Option<BinLayout>; 2]> = aggregate
        .outcomes
        .iter()
        .map(|distribution| {
            [
                bin_layout(distribution, HISTOGRAM_BINS),
                bin_layout(distribution, EXCEEDANCE_BINS),
            ]
        })
        .collect();
    let mut counts: Vec<[Vec<u64>; 2]> = layouts
        .iter()
        .map(|pair| pair.map(|layout| vec![0; layout.map_or(0, |layout| layout.count)]))
        .collect();
    let mut reader = OutcomesReader::open(outcomes_csv)?;
    while let Some(values) = reader.next_row()? {
        for (column, pair) in layouts.iter().enumerate() {
            let Some(&value) = values.get(column).filter(|value| !value.is_nan()) else {
                continue;
            };
            for (which, layout) in pair.iter().enumerate() {
                if let Some(layout) = layout {
                    counts[column][which][layout.bin_of(value)] += 1;
                }
            }
        }
    }
    Ok(layouts
        .iter()
        .zip(&counts)
        .zip(&aggregate.outcomes)
        .map(|((pair, counts), distribution)| {
            // Shares of every run: for the month something first happens, the bars then add up
            // to the share of runs where it happens, and the rest is drawn apart.
            let total = aggregate.runs.max(distribution.moments.count).max(1) as f64;
            let bins = |which: usize| {
                pair[which].map_or_else(Vec::new, |layout| layout.bins(&counts[which], total))
            };
            OutcomeHistogram {
                bins: bins(0),
                fine: bins(1),
            }
        })
        .collect())
}

/// Equal-width bins: [low + i * width, low + (i + 1) * width) for i < count.
#[derive(Debug, Clone, Copy)]
struct BinLayout {
    low: f64,
    width: f64,
    count: usize,
}

impl BinLayout {
    fn bin_of(&self, value: f64) -> usize {
        (((value - self.low) / self.width).floor().max(0.0) as usize).min(self.count - 1)
    }

    fn bins(&self, counts: &[u64], total: f64) -> Vec<Bin> {
        counts
            .iter()
            .enumerate()
            .map(|(index, &count)| Bin {
                low: self.low + index as f64 * self.width,
                high: self.low + (index + 1) as f64 * self.width,
                share: count as f64 / total,
            })
            .collect()
    }
}

/// At most `max_bins` bins over the observed range; one per value for whole numbers that span
/// no more values than that; None when there are no values.
fn bin_layout(distribution: &Distribution, max_bins: usize) -> Option<BinLayout> {
    let moments = &distribution.moments;
    if moments.count == 0 {
        return None;
    }
    let (min, max) = (moments.min, moments.max);
    if distribution.is_whole_numbers() && max - min < max_bins.min(MAX_BINS_PER_VALUE) as f64 {
        return Some(BinLayout {
            low: min - 0.5,
            width: 1.0,
            count: (max - min) as usize + 1,
        });
    }
    if max <= min {
        return Some(BinLayout {
            low: min - 0.5,
            width: 1.0,
            count: 1,
        });
    }
    // The width is nudged up so the maximum falls inside the last bin.
    let width = (max - min) / max_bins as f64 * (1.0 + 1e-9);
    Some(BinLayout {
        low: min,
        width,
        count: max_bins,
    })
}

/// Exceedance points (x, share of runs with a value of at least x) at the fine bins' upper
/// edges, after a first point (lowest edge, 1). `never` is the share of runs with no value (the
/// month something first happens, in runs where it never does): it counts as later than any
/// month, so the curve ends at that share at `horizon`.
pub fn exceedance_points(fine: &[Bin], never: f64, horizon: Option<f64>) -> Vec<(f64, f64)> {
    let Some(first) = fine.first() else {
        return Vec::new();
    };
    let mut remaining: f64 = fine.iter().map(|bin| bin.share).sum();
    let mut points = vec![(first.low, (remaining + never).min(1.0))];
    for bin in fine {
        remaining -= bin.share;
        points.push((bin.high, (remaining.max(0.0) + never).min(1.0)));
    }
    if let Some(horizon) = horizon.filter(|_| never > 0.0) {
        let last = points.last().map_or(horizon, |point| point.0);
        points.push((last.max(horizon), never));
    }
    points
}

/// What a month outcome's charts add: the share of runs where it never happens, as a bar at
/// the horizon (just after the last month), and its Kaplan-Meier quantiles as markers.
struct Censoring {
    never: f64,
    horizon: f64,
    markers: [Option<f64>; 3],
}

fn censoring(
    scenario: &Scenario,
    kind: &OutcomeKind,
    distribution: &Distribution,
    runs: u64,
) -> Option<Censoring> {
    if kind.scale() != OutcomeScale::Month {
        return None;
    }
    let time = TimeToEvent::new(distribution, runs, scenario.horizon_months);
    Some(Censoring {
        never: 1.0 - time.probability(),
        horizon: scenario.horizon_months as f64,
        markers: [time.quantiles[0], time.quantiles[2], time.quantiles[4]],
    })
}

/// The histogram's bins, with a bar at the horizon for the runs where it never happens.
fn bins_with_never(bins: &[Bin], censored: Option<&Censoring>) -> Vec<Bin> {
    let mut bins = bins.to_vec();
    if let Some(censored) = censored.filter(|censored| censored.never > 0.0) {
        let width = bins.first().map_or(1.0, |bin| bin.high - bin.low);
        let low = bins.last().map_or(censored.horizon - 0.5, |bin| {
            bin.high.max(censored.horizon - 0.5)
        });
        // An empty bin over any gap, so that an outline drawn through the bins' tops drops to
        // 0 before the bar instead of sloping up to it.
        if let Some(last_high) = bins.last().map(|bin| bin.high).filter(|&high| high < low) {
            bins.push(Bin {
                low: last_high,
                high: low,
                share: 0.0,
            });
        }
        bins.push(Bin {
            low,
            high: low + width,
            share: censored.never,
        });
    }
    bins
}

/// One scenario's histogram and exceedance curve of an outcome, with the runs where a month
/// outcome never happens drawn at the horizon.
fn outcome_curves(
    label: String,
    distribution: &Distribution,
    histogram: Option<&OutcomeHistogram>,
    censored: Option<&Censoring>,
) -> (DistributionSeries, ExceedanceSeries) {
    let histogram_series = DistributionSeries {
        label: label.clone(),
        bins: bins_with_never(
            &histogram
                .map(|histogram| histogram.bins.clone())
                .unwrap_or_default(),
            censored,
        ),
        markers: censored.map_or_else(|| markers(distribution), |censored| censored.markers),
    };
    let curve = ExceedanceSeries {
        label,
        points: histogram
            .map(|histogram| {
                exceedance_points(
                    &histogram.fine,
                    censored.map_or(0.0, |censored| censored.never),
                    censored.map(|censored| censored.horizon),
                )
            })
            .unwrap_or_default(),
    };
    (histogram_series, curve)
}

/// The note a month outcome's charts carry.
fn never_note(censored: Option<&Censoring>) -> String {
    match censored {
        Some(censored) if censored.never > 0.0 => format!(
            " At month {}: the {:.1}% of runs where it never happens.",
            censored.horizon,
            100.0 * censored.never
        ),
        _ => String::new(),
    }
}

/// Per-month quantiles of one series.
pub fn series_quantiles(
    scenario: &Scenario,
    aggregate: &Aggregate,
    series_index: usize,
) -> Vec<[f64; 5]> {
    let horizon = scenario.horizon_months;
    (0..horizon)
        .map(|month| {
            aggregate.series[series_index * horizon + month]
                .summary()
                .quantiles
                .map(|q| q.unwrap_or(f64::NAN))
        })
        .collect()
}

/// Caption shared by a run's charts.
pub fn caption(runs: u64, seed: u64, extra: &str) -> String {
    format!(
        "{runs} runs, seed {seed}, secsim {}. {extra}",
        env!("CARGO_PKG_VERSION")
    )
}

fn markers(distribution: &Distribution) -> [Option<f64>; 3] {
    [
        distribution.quantile(0.05),
        distribution.quantile(0.5),
        distribution.quantile(0.95),
    ]
}

/// Every chart of a single run.
pub fn run_charts(
    scenario: &Scenario,
    seed: u64,
    aggregate: &Aggregate,
    histograms: &[OutcomeHistogram],
) -> Vec<ChartFile> {
    let mut files = Vec::new();
    let name = &scenario.name;
    for (index, series) in scenario.series.iter().enumerate() {
        files.push(ChartFile {
            chart: Chart::Fan(FanChart {
                start: scenario.start,
                y_label: series_label(scenario, series.metric),
                series: vec![FanSeries {
                    label: name.clone(),
                    quantiles: series_quantiles(scenario, aggregate, index),
                }],
                observed: Vec::new(),
                observed_label: String::new(),
            }),
            frame: Frame {
                title: format!("{name}: {}", series_title(scenario, series)),
                caption: caption(
                    aggregate.runs,
                    seed,
                    "Median line; bands hold 50% and 90% of runs, month by month.",
                ),
            },
            stem: file_stem(&["fan", series.metric.as_str(), &series.actor_name]),
        });
    }
    let mut probabilities = Vec::new();
    for (index, outcome) in scenario.outcomes.iter().enumerate() {
        let distribution = &aggregate.outcomes[index];
        let unit = outcome_unit_for(scenario, outcome);
        let label = outcome_label(outcome);
        if outcome.kind.scale() == OutcomeScale::YesNo {
            probabilities.push(probability_row(label, distribution));
            continue;
        }
        let censored = censoring(scenario, &outcome.kind, distribution, aggregate.runs);
        let (histogram, curve) = outcome_curves(
            name.clone(),
            distribution,
            histograms.get(index),
            censored.as_ref(),
        );
        files.push(ChartFile {
            chart: Chart::Distribution(DistributionChart {
                x_label: format!("{label} ({unit})"),
                counted: "runs".to_owned(),
                series: vec![histogram],
            }),
            frame: Frame {
                title: format!("{name}: distribution of {label}"),
                caption: caption(
                    aggregate.runs,
                    seed,
                    &format!(
                        "Dashed lines: 5%, 50% and 95% quantiles.{}",
                        never_note(censored.as_ref())
                    ),
                ),
            },
            stem: file_stem(&["distribution", &outcome.name]),
        });
        files.push(ChartFile {
            chart: Chart::Exceedance(ExceedanceChart {
                x_label: format!("{label} ({unit})"),
                series: vec![curve],
            }),
            frame: Frame {
                title: format!("{name}: how likely is {label} to be at least x?"),
                caption: caption(
                    aggregate.runs,
                    seed,
                    &format!(
                        "Share of runs whose value is at least x.{}",
                        never_note(censored.as_ref())
                    ),
                ),
            },
            stem: file_stem(&["exceedance", &outcome.name]),
        });
    }
    for (event, counts) in scenario.events.iter().zip(&aggregate.events) {
        if counts.certain_month().is_none() {
            probabilities.push(BarRow {
                label: format!("event: {}", event_label(event)),
                bars: vec![Bar {
                    value: 100.0 * counts.probability(),
                    interval: wilson_interval(counts.fired(), counts.runs)
                        .map(|(low, high)| (100.0 * low, 100.0 * high)),
                }],
            });
        }
    }
    if !probabilities.is_empty() {
        files.push(ChartFile {
            chart: Chart::Bars(BarChart {
                x_label: "share of runs (%)".to_owned(),
                measures: vec![name.clone()],
                rows: probabilities,
            }),
            frame: Frame {
                title: format!("{name}: how likely is each yes/no outcome and event?"),
                caption: caption(
                    aggregate.runs,
                    seed,
                    "Bars: share of runs where it happens within the horizon; lines: 95% interval (Wilson).",
                ),
            },
            stem: "probabilities".to_owned(),
        });
    }
    for (index, event) in scenario.events.iter().enumerate() {
        let counts = &aggregate.events[index];
        // Listed in the tables, with its month; a chart would be one step from 0 to 1.
        if counts.certain_month().is_some() {
            continue;
        }
        files.push(ChartFile {
            chart: Chart::EventTiming(EventTimingChart {
                start: scenario.start,
                series: vec![EventTimingSeries {
                    label: event_label(event),
                    cumulative: counts.cumulative_probability(),
                }],
            }),
            frame: Frame {
                title: format!("{name}: when does {} happen?", event_label(event)),
                caption: caption(
                    aggregate.runs,
                    seed,
                    &format!(
                        "Fired in {:.1}% of runs by the last month.",
                        100.0 * counts.probability()
                    ),
                ),
            },
            stem: file_stem(&["event", &event.name]),
        });
    }
    files
}

/// One scenario's results, as a comparison needs them.
pub struct ComparedRun<'a> {
    pub scenario: &'a Scenario,
    pub aggregate: &'a Aggregate,
    pub histograms: &'a [OutcomeHistogram],
}

/// Overlaid charts of several scenarios, plus the paired-difference chart.
pub fn comparison_charts(
    runs: &[ComparedRun],
    seed: u64,
    differences: Vec<DifferencePanel>,
) -> Vec<ChartFile> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    let n_runs = first.aggregate.runs;
    let title_names = runs
        .iter()
        .map(|run| run.scenario.name.as_str())
        .collect::<Vec<_>>()
        .join(" vs ");
    let mut files = Vec::new();
    for series in &first.scenario.series {
        let mut fans = Vec::new();
        for run in runs {
            let Some(index) = run.scenario.series.iter().position(|other| {
                other.metric == series.metric && other.actor_name == series.actor_name
            }) else {
                continue;
            };
            fans.push(FanSeries {
                label: run.scenario.name.clone(),
                quantiles: series_quantiles(run.scenario, run.aggregate, index),
            });
        }
        if fans.len() < 2 {
            continue;
        }
        files.push(ChartFile {
            chart: Chart::Fan(FanChart {
                start: first.scenario.start,
                y_label: series_label(first.scenario, series.metric),
                series: fans,
                observed: Vec::new(),
                observed_label: String::new(),
            }),
            frame: Frame {
                title: format!("{}: {title_names}", series_title(first.scenario, series)),
                caption: caption(
                    n_runs,
                    seed,
                    "Common random numbers. Lines: medians; bands: 50% and 90% of runs.",
                ),
            },
            stem: file_stem(&["fan", series.metric.as_str(), &series.actor_name]),
        });
    }
    let mut outcome_names: Vec<&str> = Vec::new();
    for run in runs {
        for outcome in &run.scenario.outcomes {
            if !outcome_names.contains(&outcome.name.as_str()) {
                outcome_names.push(&outcome.name);
            }
        }
    }
    let scenario_names: Vec<String> = runs.iter().map(|run| run.scenario.name.clone()).collect();
    let mut probabilities: Vec<BarRow> = Vec::new();
    for outcome_name in outcome_names {
        let mut histograms = Vec::new();
        let mut curves = Vec::new();
        let mut unit = String::new();
        // The first label a scenario gives the outcome names it; the first definition says
        // whether it is yes/no (then every scenario gets a bar, empty where it lacks it).
        let definitions: Vec<&Outcome> = runs
            .iter()
            .flat_map(|run| &run.scenario.outcomes)
            .filter(|outcome| outcome.name == outcome_name)
            .collect();
        let label = definitions
            .iter()
            .find(|outcome| outcome.label.is_some())
            .or(definitions.first())
            .map_or_else(|| readable(outcome_name), |outcome| outcome_label(outcome));
        let mut yes_no: Option<Vec<Bar>> = definitions
            .first()
            .filter(|outcome| outcome.kind.scale() == OutcomeScale::YesNo)
            .map(|_| Vec::new());
        let mut notes = Vec::new();
        for run in runs {
            let Some(index) = run
                .scenario
                .outcomes
                .iter()
                .position(|outcome| outcome.name == outcome_name)
            else {
                if let Some(bars) = yes_no.as_mut() {
                    bars.push(Bar {
                        value: 0.0,
                        interval: None,
                    });
                }
                continue;
            };
            let kind = &run.scenario.outcomes[index].kind;
            unit = outcome_unit_for(run.scenario, &run.scenario.outcomes[index]);
            let distribution = &run.aggregate.outcomes[index];
            if let Some(bars) = yes_no.as_mut() {
                bars.push(probability_row(String::new(), distribution).bars.remove(0));
                continue;
            }
            let censored = censoring(run.scenario, kind, distribution, run.aggregate.runs);
            if let Some(censored) = censored.as_ref().filter(|censored| censored.never > 0.0) {
                notes.push(censored.horizon);
            }
            let (histogram, curve) = outcome_curves(
                run.scenario.name.clone(),
                distribution,
                run.histograms.get(index),
                censored.as_ref(),
            );
            histograms.push(histogram);
            curves.push(curve);
        }
        if let Some(bars) = yes_no {
            if bars.len() >= 2 {
                probabilities.push(BarRow {
                    label: label.clone(),
                    bars,
                });
            }
            continue;
        }
        if histograms.len() < 2 {
            continue;
        }
        let never = if notes.is_empty() {
            String::new()
        } else {
            // The shares are in the tables; a caption holding one per scenario would not fit.
            format!(" Bar at month {}: runs where it never happens.", notes[0])
        };
        files.push(ChartFile {
            chart: Chart::Distribution(DistributionChart {
                x_label: format!("{label} ({unit})"),
                counted: "runs".to_owned(),
                series: histograms,
            }),
            frame: Frame {
                title: format!("{label}: {title_names}"),
                caption: caption(
                    n_runs,
                    seed,
                    &format!("Common random numbers. Outlines: histograms; dashes: 5%, 50%, 95% quantiles.{never}"),
                ),
            },
            stem: file_stem(&["distribution", outcome_name]),
        });
        files.push(ChartFile {
            chart: Chart::Exceedance(ExceedanceChart {
                x_label: format!("{label} ({unit})"),
                series: curves,
            }),
            frame: Frame {
                title: format!("{label}: how likely to be at least x? {title_names}"),
                caption: caption(
                    n_runs,
                    seed,
                    &format!(
                        "Common random numbers. Share of runs whose value is at least x.{never}"
                    ),
                ),
            },
            stem: file_stem(&["exceedance", outcome_name]),
        });
    }
    if !probabilities.is_empty() {
        files.push(ChartFile {
            chart: Chart::Bars(BarChart {
                x_label: "share of runs (%)".to_owned(),
                measures: scenario_names,
                rows: probabilities,
            }),
            frame: Frame {
                title: format!("Yes/no outcomes: {title_names}"),
                caption: caption(
                    n_runs,
                    seed,
                    "Common random numbers. Bars: share of runs with yes; black lines: 95% interval (Wilson); no bar: not in that scenario.",
                ),
            },
            stem: "probabilities".to_owned(),
        });
    }
    if !differences.is_empty() {
        files.push(ChartFile {
            chart: Chart::Difference(DifferenceChart { panels: differences }),
            frame: Frame {
                title: format!("Difference from {} in the same runs", first.scenario.name),
                caption: caption(n_runs, seed, "Dots: mean paired difference (scenario minus first); bars: 95% confidence interval."),
            },
            stem: "paired_differences".to_owned(),
        });
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(low: f64, share: f64) -> Bin {
        Bin {
            low,
            high: low + 1.0,
            share,
        }
    }

    #[test]
    fn an_exceedance_curve_ends_at_the_share_that_never_happens() {
        // 30% of runs cross in month 0, 20% in month 1; 50% never do within 12 months.
        let fine = [bin(-0.5, 0.3), bin(0.5, 0.2)];
        let points = exceedance_points(&fine, 0.5, Some(12.0));
        assert_eq!(points.first(), Some(&(-0.5, 1.0)));
        assert_eq!(points.last(), Some(&(12.0, 0.5)));
        assert!(points.windows(2).all(|pair| pair[1].1 <= pair[0].1));
        // Without censoring the curve ends at 0, as before.
        let points = exceedance_points(&[bin(0.0, 0.4), bin(1.0, 0.6)], 0.0, None);
        assert_eq!(points.last().map(|point| point.1), Some(0.0));
    }

    #[test]
    fn the_never_bar_sits_after_the_last_month() {
        let censored = Censoring {
            never: 0.25,
            horizon: 12.0,
            markers: [None; 3],
        };
        let bins = bins_with_never(&[bin(-0.5, 0.5), bin(0.5, 0.25)], Some(&censored));
        // The gap from month 1 to the horizon is an empty bin, then the bar.
        assert_eq!(bins.len(), 4);
        assert_eq!((bins[2].low, bins[2].high, bins[2].share), (1.5, 11.5, 0.0));
        assert_eq!((bins[3].low, bins[3].share), (11.5, 0.25));
        let total: f64 = bins.iter().map(|bin| bin.share).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
}
