//! Which charts a run or a comparison gets, with their titles, labels, units and captions.

use std::path::Path;

use crate::engine::Aggregate;
use crate::output::OutputError;
use crate::output::charts::difference::{DifferenceChart, DifferencePanel};
use crate::output::charts::distribution::{Bin, DistributionChart, DistributionSeries};
use crate::output::charts::events::{EventTimingChart, EventTimingSeries};
use crate::output::charts::exceedance::{ExceedanceChart, ExceedanceSeries};
use crate::output::charts::fan::{FanChart, FanSeries};
use crate::output::charts::{Chart, ChartFile, Frame, file_stem};
use crate::output::outcomes::OutcomesReader;
use crate::scenario::{Metric, OutcomeKind, Scenario};
use crate::stats::Distribution;

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
            let total = distribution.moments.count.max(1) as f64;
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
/// edges, after a first point (lowest edge, 1).
pub fn exceedance_points(fine: &[Bin]) -> Vec<(f64, f64)> {
    let Some(first) = fine.first() else {
        return Vec::new();
    };
    let mut remaining: f64 = fine.iter().map(|bin| bin.share).sum();
    let mut points = vec![(first.low, remaining.min(1.0))];
    for bin in fine {
        remaining -= bin.share;
        points.push((bin.high, remaining.max(0.0)));
    }
    points
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
                y_label: metric_label(series.metric),
                series: vec![FanSeries {
                    label: name.clone(),
                    quantiles: series_quantiles(scenario, aggregate, index),
                }],
                observed: Vec::new(),
                observed_label: String::new(),
            }),
            frame: Frame {
                title: format!(
                    "{name}: {} in {}",
                    series.metric.as_str(),
                    series.actor_name
                ),
                caption: caption(
                    aggregate.runs,
                    seed,
                    "Median line; bands hold 50% and 90% of runs, month by month.",
                ),
            },
            stem: file_stem(&["fan", series.metric.as_str(), &series.actor_name]),
        });
    }
    for (index, outcome) in scenario.outcomes.iter().enumerate() {
        let distribution = &aggregate.outcomes[index];
        let unit = outcome_unit(scenario, &outcome.kind);
        let missing = aggregate.runs - distribution.moments.count;
        let missing_note = if missing > 0 {
            format!(" {missing} runs have no value and are left out.")
        } else {
            String::new()
        };
        files.push(ChartFile {
            chart: Chart::Distribution(DistributionChart {
                x_label: format!("{} ({unit})", outcome.name),
                counted: "runs".to_owned(),
                series: vec![DistributionSeries {
                    label: name.clone(),
                    bins: histograms
                        .get(index)
                        .map(|histogram| histogram.bins.clone())
                        .unwrap_or_default(),
                    markers: markers(distribution),
                }],
            }),
            frame: Frame {
                title: format!("{name}: distribution of {}", outcome.name),
                caption: caption(
                    aggregate.runs,
                    seed,
                    &format!("Dashed lines: 5%, 50% and 95% quantiles.{missing_note}"),
                ),
            },
            stem: file_stem(&["distribution", &outcome.name]),
        });
        files.push(ChartFile {
            chart: Chart::Exceedance(ExceedanceChart {
                x_label: format!("{} ({unit})", outcome.name),
                series: vec![ExceedanceSeries {
                    label: name.clone(),
                    points: histograms
                        .get(index)
                        .map(|histogram| exceedance_points(&histogram.fine))
                        .unwrap_or_default(),
                }],
            }),
            frame: Frame {
                title: format!("{name}: how likely is {} to exceed x?", outcome.name),
                caption: caption(
                    aggregate.runs,
                    seed,
                    &format!("Share of runs whose value is above x.{missing_note}"),
                ),
            },
            stem: file_stem(&["exceedance", &outcome.name]),
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
                    label: event.name.clone(),
                    cumulative: counts.cumulative_probability(),
                }],
            }),
            frame: Frame {
                title: format!("{name}: when does {} happen?", event.name),
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
                y_label: metric_label(series.metric),
                series: fans,
                observed: Vec::new(),
                observed_label: String::new(),
            }),
            frame: Frame {
                title: format!(
                    "{} in {}: {title_names}",
                    series.metric.as_str(),
                    series.actor_name
                ),
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
    for outcome_name in outcome_names {
        let mut histograms = Vec::new();
        let mut curves = Vec::new();
        let mut unit = String::new();
        for run in runs {
            let Some(index) = run
                .scenario
                .outcomes
                .iter()
                .position(|outcome| outcome.name == outcome_name)
            else {
                continue;
            };
            unit = outcome_unit(run.scenario, &run.scenario.outcomes[index].kind);
            let distribution = &run.aggregate.outcomes[index];
            histograms.push(DistributionSeries {
                label: run.scenario.name.clone(),
                bins: run
                    .histograms
                    .get(index)
                    .map(|histogram| histogram.bins.clone())
                    .unwrap_or_default(),
                markers: markers(distribution),
            });
            curves.push(ExceedanceSeries {
                label: run.scenario.name.clone(),
                points: run
                    .histograms
                    .get(index)
                    .map(|histogram| exceedance_points(&histogram.fine))
                    .unwrap_or_default(),
            });
        }
        if histograms.len() < 2 {
            continue;
        }
        files.push(ChartFile {
            chart: Chart::Distribution(DistributionChart {
                x_label: format!("{outcome_name} ({unit})"),
                counted: "runs".to_owned(),
                series: histograms,
            }),
            frame: Frame {
                title: format!("{outcome_name}: {title_names}"),
                caption: caption(
                    n_runs,
                    seed,
                    "Common random numbers. Outlines: histograms; dashes: 5%, 50%, 95% quantiles.",
                ),
            },
            stem: file_stem(&["distribution", outcome_name]),
        });
        files.push(ChartFile {
            chart: Chart::Exceedance(ExceedanceChart {
                x_label: format!("{outcome_name} ({unit})"),
                series: curves,
            }),
            frame: Frame {
                title: format!("{outcome_name}: how likely to exceed x? {title_names}"),
                caption: caption(
                    n_runs,
                    seed,
                    "Common random numbers. Share of runs whose value is above x.",
                ),
            },
            stem: file_stem(&["exceedance", outcome_name]),
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
