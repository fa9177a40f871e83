//! `secsim batch`: every design point of an experiment, `experiments.csv` (a row per point),
//! `runs.csv` (a row per replication, streamed), and a chart of each outcome against each
//! varied parameter, and `manifest.json`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::PointResult;
use crate::experiment::file::Experiment;
use crate::output::charts::scatter::{ScatterChart, ScatterPoint, ScatterSeries};
use crate::output::charts::{Chart, ChartFile, Frame, PALETTE, file_stem};
use crate::output::figures::{caption, outcome_unit};
use crate::output::findings;
use crate::output::findings::{Table, plain, rounded, with_interval};
use crate::output::report::{self, Figure, escape};
use crate::output::{OutputError, format_number};
use crate::scenario::{Outcome, OutcomeScale};
use crate::stats::{Summary, TimeToEvent, wilson_interval};

/// File names inside a batch folder.
pub const EXPERIMENTS_FILE: &str = "experiments.csv";
pub const RUNS_FILE: &str = "runs.csv";

/// What a batch's tables and charts need of its experiment, for all points: part folders keep
/// it, so that merging needs no input files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub name: String,
    pub runs: u64,
    pub seed: u64,
    pub parameters: Vec<String>,
    pub several_bases: bool,
    /// Outcome names over all points, in order of first appearance, and their units.
    pub outcomes: Vec<String>,
    pub units: Vec<String>,
    /// Per outcome: how it is summarised, and its base scenario's horizon (for the month
    /// something first happens, censored there).
    #[serde(default)]
    pub scales: Vec<(OutcomeScale, usize)>,
    /// Per point: its base scenario and its parameter values.
    pub points: Vec<(String, Vec<f64>)>,
    /// The experiment's hash for manifest.json ([`Experiment::hash`]).
    pub hash: String,
}

impl Layout {
    /// The layout of `experiment`.
    pub fn of(experiment: &Experiment) -> Layout {
        let mut outcomes: Vec<String> = Vec::new();
        let mut units: Vec<String> = Vec::new();
        let mut scales = Vec::new();
        // In point order: every point of a base has the base's outcomes.
        for scenario in
            (0..experiment.bases.len()).filter_map(|base| experiment.base_scenario(base))
        {
            for outcome in &scenario.outcomes {
                if !outcomes.contains(&outcome.name) {
                    outcomes.push(outcome.name.clone());
                    units.push(outcome_unit(&scenario, &outcome.kind));
                    scales.push((outcome.kind.scale(), scenario.horizon_months));
                }
            }
        }
        Layout {
            name: experiment.name.clone(),
            runs: experiment.runs,
            seed: experiment.seed,
            parameters: experiment.parameters.clone(),
            several_bases: experiment.several_bases,
            outcomes,
            units,
            scales,
            points: experiment
                .points
                .iter()
                .map(|point| {
                    (
                        experiment.bases[point.base].name.clone(),
                        point.values.clone(),
                    )
                })
                .collect(),
            hash: experiment.hash(),
        }
    }

    /// Leading columns shared by both tables: the base scenario (when there are several), then
    /// the varied parameters.
    fn parameter_header(&self) -> Vec<String> {
        let scenario = self.several_bases.then(|| "scenario".to_owned());
        scenario
            .into_iter()
            .chain(self.parameters.iter().cloned())
            .collect()
    }
}

/// Per point, per outcome (in [`Layout::outcomes`] order): the summary the charts need; None
/// where the point's scenario lacks the outcome.
pub type PointSummaries = Vec<Vec<Option<Summary>>>;

/// `experiments.csv` and `runs.csv` being written.
pub struct Tables {
    experiments: csv::Writer<BufWriter<File>>,
    runs: csv::Writer<BufWriter<File>>,
}

impl Tables {
    /// Creates both files in `folder` with their headers.
    pub fn create(folder: &Path, layout: &Layout) -> Result<Tables, OutputError> {
        let open = |name: &str| -> Result<csv::Writer<BufWriter<File>>, OutputError> {
            let path = folder.join(name);
            let file = File::create(&path).map_err(OutputError::io(&path, "cannot create"))?;
            Ok(csv::Writer::from_writer(BufWriter::new(file)))
        };
        let mut tables = Tables {
            experiments: open(EXPERIMENTS_FILE)?,
            runs: open(RUNS_FILE)?,
        };
        let parameters = layout.parameter_header();
        let mut header: Vec<String> = vec!["point".to_owned()];
        header.extend(parameters.iter().cloned());
        for outcome in &layout.outcomes {
            for statistic in ["mean", "p05", "p50", "p95"] {
                header.push(format!("{outcome}_{statistic}"));
            }
        }
        tables.experiments.write_record(&header)?;
        let mut runs_header: Vec<String> = vec!["point".to_owned(), "run".to_owned()];
        runs_header.extend(parameters);
        runs_header.extend(layout.outcomes.iter().cloned());
        tables.runs.write_record(&runs_header)?;
        Ok(tables)
    }

    /// Writes point `index`'s row of `experiments.csv` and its replications' rows of
    /// `runs.csv`, from its results and its scenario's outcomes; returns its summaries in
    /// [`Layout::outcomes`] order.
    pub fn write_point(
        &mut self,
        layout: &Layout,
        index: usize,
        point_outcomes: &[Outcome],
        result: &PointResult,
    ) -> Result<Vec<Option<Summary>>, OutputError> {
        let (base, values) = &layout.points[index];
        let mut leading: Vec<String> = Vec::new();
        if layout.several_bases {
            leading.push(base.clone());
        }
        leading.extend(values.iter().map(|value| value.to_string()));
        // Column of each output outcome in this point's own outcome list.
        let columns: Vec<Option<usize>> = layout
            .outcomes
            .iter()
            .map(|name| {
                point_outcomes
                    .iter()
                    .position(|outcome| &outcome.name == name)
            })
            .collect();
        // The month something first happens is summarised over every run, censored at the
        // horizon (restricted mean, Kaplan-Meier quantiles), in the files as in the table.
        let point_summaries: Vec<Option<Summary>> = columns
            .iter()
            .enumerate()
            .map(|(outcome, column)| {
                column.map(|column| {
                    let distribution = &result.aggregate.outcomes[column];
                    match layout.scales.get(outcome).copied() {
                        Some((OutcomeScale::Month, horizon)) => {
                            TimeToEvent::new(distribution, result.aggregate.runs, horizon)
                                .summary(distribution)
                        }
                        _ => distribution.summary(),
                    }
                })
            })
            .collect();
        let mut row = vec![index.to_string()];
        row.extend(leading.iter().cloned());
        for summary in &point_summaries {
            let (mean, quantiles) = summary.as_ref().map_or((None, [None; 5]), |summary| {
                (summary.mean, summary.quantiles)
            });
            row.extend([mean, quantiles[0], quantiles[2], quantiles[4]].map(format_number));
        }
        self.experiments.write_record(&row)?;
        for block in &result.blocks {
            for (run, values) in block.rows() {
                let mut record = vec![index.to_string(), run.to_string()];
                record.extend(leading.iter().cloned());
                record.extend(columns.iter().map(|column| {
                    format_number(
                        column
                            .map(|column| values[column])
                            .filter(|value| !value.is_nan()),
                    )
                }));
                self.runs.write_record(&record)?;
            }
        }
        Ok(point_summaries)
    }

    /// Flushes both files.
    pub fn finish(mut self) -> Result<(), OutputError> {
        let flushed = self.experiments.flush().and_then(|()| self.runs.flush());
        flushed.map_err(|error| OutputError::from(csv::Error::from(error)))
    }
}

/// A scatter series' key: a base scenario and the other parameters' values, as bits.
type SeriesKey = (String, Vec<u64>);

/// The series of the chart of outcome `outcome_index` against parameter `parameter_index`:
/// one per combination of base scenario and the other parameters' values when there are few
/// enough to tell apart by colour (a grid), joined as curves; otherwise one per base scenario
/// (a Latin hypercube, where every point differs in every parameter), not joined. Also says
/// which of the two it is.
fn scatter_series(
    layout: &Layout,
    summaries: &PointSummaries,
    outcome_index: usize,
    parameter_index: usize,
) -> (Vec<ScatterSeries>, bool) {
    let point = |index: usize| -> Option<ScatterPoint> {
        let (_, values) = &layout.points[index];
        let summary = summaries.get(index)?.get(outcome_index)?.as_ref()?;
        Some(ScatterPoint {
            x: values[parameter_index],
            mean: summary.mean?,
            low: summary.quantiles[0]?,
            high: summary.quantiles[4]?,
        })
    };
    // A point's series key: its base, and the other parameters' values (compared as bits, so
    // that equal values group whatever their provenance).
    let key = |index: usize| -> SeriesKey {
        let (base, values) = &layout.points[index];
        let others = values
            .iter()
            .enumerate()
            .filter(|&(parameter, _)| parameter != parameter_index)
            .map(|(_, value)| value.to_bits())
            .collect();
        (base.clone(), others)
    };
    let mut groups: Vec<(SeriesKey, Vec<usize>)> = Vec::new();
    for index in 0..layout.points.len() {
        let point_key = key(index);
        match groups
            .iter_mut()
            .find(|(existing, _)| *existing == point_key)
        {
            Some((_, members)) => members.push(index),
            None => groups.push((point_key, vec![index])),
        }
        if groups.len() > PALETTE.len() {
            break;
        }
    }
    let varies_alone = layout.parameters.len() == 1;
    if groups.len() <= PALETTE.len() && (!varies_alone || layout.several_bases) {
        let series = groups
            .into_iter()
            .map(|((base, others), members)| {
                let mut parts: Vec<String> = Vec::new();
                if layout.several_bases {
                    parts.push(base);
                }
                let other_names = layout
                    .parameters
                    .iter()
                    .enumerate()
                    .filter(|&(parameter, _)| parameter != parameter_index);
                for ((_, name), bits) in other_names.zip(others) {
                    parts.push(format!("{name} = {}", f64::from_bits(bits)));
                }
                ScatterSeries {
                    label: parts.join(", "),
                    points: members.into_iter().filter_map(point).collect(),
                    connect: true,
                }
            })
            .filter(|series| !series.points.is_empty())
            .collect();
        return (series, true);
    }
    let mut bases: Vec<&str> = Vec::new();
    for (base, _) in &layout.points {
        if !bases.contains(&base.as_str()) {
            bases.push(base);
        }
    }
    let series = bases
        .iter()
        .map(|base| ScatterSeries {
            label: (*base).to_owned(),
            points: (0..layout.points.len())
                .filter(|&index| layout.points[index].0 == *base)
                .filter_map(point)
                .collect(),
            connect: varies_alone,
        })
        .filter(|series| !series.points.is_empty())
        .collect();
    (series, varies_alone)
}

/// A chart of each outcome against each varied parameter; see [`scatter_series`] for the
/// colours.
pub fn batch_charts(layout: &Layout, summaries: &PointSummaries) -> Vec<ChartFile> {
    let mut files = Vec::new();
    for (outcome_index, (outcome, unit)) in layout.outcomes.iter().zip(&layout.units).enumerate() {
        for (parameter_index, parameter) in layout.parameters.iter().enumerate() {
            let (series, separated) =
                scatter_series(layout, summaries, outcome_index, parameter_index);
            if series.is_empty() {
                continue;
            }
            let note = if separated {
                "Runs per design point; all points share random numbers. One colour per setting of the other parameters."
            } else {
                "Runs per design point; all points share random numbers. Other parameters vary across points at the same x."
            };
            files.push(ChartFile {
                chart: Chart::Scatter(ScatterChart {
                    x_label: parameter.clone(),
                    y_label: format!("{outcome} ({unit})"),
                    series,
                }),
                frame: Frame {
                    title: format!("{}: {outcome} against {parameter}", layout.name),
                    caption: caption(layout.runs, layout.seed, note),
                },
                stem: file_stem(&["scatter", outcome, parameter]),
            });
        }
    }
    files
}

/// Design points shown in the printed and reported tables: beyond this, a table is too long to
/// read (a Latin hypercube may have 100,000 points) and `experiments.csv` holds them all. The
/// findings still look at every point.
pub const TABLE_POINTS: usize = 100;

/// A point's values as "name = value, ...", after its base scenario when there are several.
fn point_settings(layout: &Layout, index: usize) -> String {
    let (base, values) = &layout.points[index];
    let mut parts: Vec<String> = Vec::new();
    if layout.several_bases {
        parts.push(base.clone());
    }
    parts.extend(
        layout
            .parameters
            .iter()
            .zip(values)
            .map(|(name, value)| format!("{name} = {value}")),
    );
    parts.join(", ")
}

/// A summary's mean and 90% interval (5% to 95% of runs), rounded to what the interval
/// supports; a yes/no outcome's probability with its 95% interval; the month something first
/// happens as its restricted mean with Kaplan-Meier quantiles ("not reached"); "-" without a
/// value.
fn mean_with_interval(summary: Option<&Summary>, scale: OutcomeScale) -> String {
    let Some(summary) = summary else {
        return "-".to_owned();
    };
    match (
        scale,
        summary.mean,
        summary.quantiles[0],
        summary.quantiles[4],
    ) {
        (OutcomeScale::YesNo, Some(mean), _, _) => {
            let yes = (mean * summary.n as f64).round() as u64;
            let error = findings::share_error(mean, summary.n);
            let (low, high) = wilson_interval(yes, summary.n).unwrap_or((0.0, 1.0));
            format!(
                "{} ({})",
                findings::percent(mean, error),
                findings::percent_interval(low, high, error)
            )
        }
        (OutcomeScale::Month, Some(mean), low, high) => {
            let month = |value: Option<f64>| {
                value.map_or("not reached".to_owned(), |month| format!("{month:.0}"))
            };
            format!(
                "{} ({} to {})",
                findings::estimate(mean, summary.mcse.unwrap_or(0.0)),
                month(low),
                month(high)
            )
        }
        (_, Some(mean), Some(low), Some(high)) => with_interval(mean, low, high),
        _ => "-".to_owned(),
    }
}

/// The table of design points: point, base scenario (when several), the parameters, and per
/// outcome its mean with the interval holding 90% of the runs; the first [`TABLE_POINTS`].
fn points_table(layout: &Layout, summaries: &PointSummaries) -> Table {
    let mut header = vec!["point".to_owned()];
    let mut right = vec![true];
    for name in layout.parameter_header() {
        // The base scenario is a name; parameters are numbers.
        right.push(!(layout.several_bases && header.len() == 1));
        header.push(name);
    }
    // Names only: the units and what a cell holds are said once, under the table
    // ([`TABLE_NOTE`]), so that the columns stay as narrow as their numbers.
    for outcome in &layout.outcomes {
        header.push(outcome.clone());
        right.push(true);
    }
    let rows = layout
        .points
        .iter()
        .zip(summaries)
        .take(TABLE_POINTS)
        .enumerate()
        .map(|(index, ((base, values), point_summaries))| {
            let mut row = vec![index.to_string()];
            if layout.several_bases {
                row.push(base.clone());
            }
            row.extend(values.iter().map(|value| value.to_string()));
            row.extend((0..layout.outcomes.len()).map(|outcome| {
                mean_with_interval(
                    point_summaries.get(outcome).and_then(Option::as_ref),
                    layout
                        .scales
                        .get(outcome)
                        .map_or(OutcomeScale::Number, |scale| scale.0),
                )
            }));
            row
        })
        .collect();
    Table {
        header,
        rows,
        right_aligned: right,
    }
}

/// The line under a table cut at [`TABLE_POINTS`], or None.
fn more_points(layout: &Layout) -> Option<String> {
    (layout.points.len() > TABLE_POINTS).then(|| {
        format!(
            "first {TABLE_POINTS} of {} points; all are in {EXPERIMENTS_FILE}",
            layout.points.len()
        )
    })
}

/// What a cell of the table of design points holds.
const TABLE_NOTE: &str = "each outcome: mean over the point's runs (interval holding 90% of them, their 5% and 95% quantiles); yes/no outcomes: share of runs (95% interval); the month something first happens: restricted mean over every run, a run where it never happens counted as the horizon (Kaplan-Meier 5% and 95% quantiles, \"not reached\" among those runs)";

/// `text` with its first letter in upper case, to open a sentence.
fn capitalised(text: &str) -> String {
    let mut characters = text.chars();
    characters.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(characters).collect()
    })
}

/// The outcomes' units, for the line under a table.
fn units_note(layout: &Layout) -> String {
    let units: Vec<String> = layout
        .outcomes
        .iter()
        .zip(&layout.units)
        .map(|(outcome, unit)| format!("{outcome}: {unit}"))
        .collect();
    format!("units: {}", units.join("; "))
}

/// The table printed on stdout after a batch, columns aligned whatever the names' lengths.
pub fn render_table(layout: &Layout, summaries: &PointSummaries) -> String {
    let mut text = points_table(layout, summaries).text("");
    text.push_str(&format!("({TABLE_NOTE}; {})\n", units_note(layout)));
    if let Some(more) = more_points(layout) {
        text.push_str(&format!("({more})\n"));
    }
    text
}

/// The points whose mean of `outcome` is the highest (or, with `highest` false, the lowest),
/// in point order, and that mean; None when no point has a value.
fn extreme_points(
    summaries: &PointSummaries,
    outcome: usize,
    highest: bool,
) -> Option<(Vec<usize>, f64)> {
    let mut best: Option<(Vec<usize>, f64)> = None;
    for (index, point) in summaries.iter().enumerate() {
        let Some(mean) = point
            .get(outcome)
            .and_then(Option::as_ref)
            .and_then(|s| s.mean)
        else {
            continue;
        };
        let better = match &best {
            None => true,
            Some((_, value)) if highest => mean > *value,
            Some((_, value)) => mean < *value,
        };
        if better {
            best = Some((vec![index], mean));
        } else if let Some((indices, value)) = &mut best
            && mean == *value
        {
            indices.push(index);
        }
    }
    best
}

/// "point 3 (a = 1, b = 2)", with how many other points share its mean.
fn extreme_text(
    layout: &Layout,
    summaries: &PointSummaries,
    outcome: usize,
    indices: &[usize],
) -> String {
    let first = indices[0];
    let summary = summaries[first][outcome].as_ref();
    let mut text = format!(
        "{} at point {first} ({})",
        with_runs_interval(summary),
        point_settings(layout, first)
    );
    if indices.len() > 1 {
        let others = indices.len() - 1;
        text.push_str(&format!(
            " and {others} other point{} with the same mean",
            if others == 1 { "" } else { "s" }
        ));
    }
    text
}

/// "8712 (90% of runs 7903 to 9511)".
fn with_runs_interval(summary: Option<&Summary>) -> String {
    match summary.map(|summary| (summary.mean, summary.quantiles[0], summary.quantiles[4])) {
        Some((Some(mean), Some(low), Some(high))) => {
            let (mean_text, low_text, high_text) = rounded(mean, low, high);
            if low_text == high_text {
                format!("{mean_text} (the same in every run)")
            } else {
                format!("{mean_text} (90% of runs {low_text} to {high_text})")
            }
        }
        _ => "-".to_owned(),
    }
}

/// The findings in plain words: per outcome, the design points with the highest and the
/// lowest mean, with the interval holding 90% of their runs. Plain text: the report escapes it.
/// The first text is the introduction; the others one outcome each.
pub fn findings(layout: &Layout, summaries: &PointSummaries) -> Vec<String> {
    let mut sentences = vec![format!(
        "Over {} design points of {}, each run {} times with the same random numbers:",
        layout.points.len(),
        layout.name,
        layout.runs
    )];
    for (outcome_index, (outcome, unit)) in layout.outcomes.iter().zip(&layout.units).enumerate() {
        let highest = extreme_points(summaries, outcome_index, true);
        let lowest = extreme_points(summaries, outcome_index, false);
        let sentence = match (highest, lowest) {
            (Some((_, high)), Some((_, low))) if high == low => format!(
                "{outcome} ({unit}) has the same mean at every point, {}.",
                plain(high)
            ),
            (Some((high_points, _)), Some((low_points, _))) => format!(
                "{outcome} ({unit}) is highest, {}; and lowest, {}.",
                extreme_text(layout, summaries, outcome_index, &high_points),
                extreme_text(layout, summaries, outcome_index, &low_points)
            ),
            _ => format!("{outcome} has no value at any point (a threshold never crossed)."),
        };
        sentences.push(sentence);
    }
    sentences
}

/// `report.html`: the findings first, then the table of design points, the charts, and how the
/// batch was run.
pub fn report(layout: &Layout, summaries: &PointSummaries, charts: &[Figure]) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h2>Findings</h2>{}",
        findings::findings_html(&findings(layout, summaries))
    );
    body.push_str("<h2>Design points</h2>");
    body.push_str(&points_table(layout, summaries).html());
    if let Some(more) = more_points(layout) {
        let _ = write!(body, "<p class=\"meta\">{}.</p>", escape(&more));
    }
    let _ = write!(
        body,
        "<p class=\"meta\">{}, rounded to what that interval supports. A point's runs show the spread of outcomes, not the uncertainty of the mean. {}.</p>",
        escape(&capitalised(TABLE_NOTE)),
        escape(&capitalised(&units_note(layout)))
    );
    if !charts.is_empty() {
        body.push_str("<h2>Charts</h2>");
        body.push_str(&report::figures(charts));
    }
    body.push_str("<h2>Details</h2>");
    let _ = write!(
        body,
        "<p>Experiment {}: {} design points, {} runs each, seed {} (every point uses the same random numbers, so differences between points are the parameters' doing). Varied: {}. Files: {EXPERIMENTS_FILE} (a row per point), {RUNS_FILE} (a row per run), charts/.</p>",
        escape(&layout.name),
        layout.points.len(),
        layout.runs,
        layout.seed,
        escape(&layout.parameters.join(", "))
    );
    report::page(
        &format!("secsim batch: {}", layout.name),
        &format!(
            "{} points x {} runs, seed {}, secsim {}",
            layout.points.len(),
            layout.runs,
            layout.seed,
            env!("CARGO_PKG_VERSION")
        ),
        &body,
    )
}
