//! `secsim batch`: every design point of an experiment, `experiments.csv` (a row per point),
//! `runs.csv` (a row per replication, streamed), and a chart of each outcome against each
//! varied parameter, and `manifest.json`.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::PointResult;
use crate::experiment::file::Experiment;
use crate::output::charts::scatter::{ScatterChart, ScatterPoint, ScatterSeries};
use crate::output::charts::{Chart, ChartFile, Frame, file_stem};
use crate::output::figures::{caption, outcome_unit};
use crate::output::{OutputError, format_number};
use crate::scenario::Outcome;
use crate::stats::Summary;

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
        // In point order: every point of a base has the base's outcomes.
        for scenario in
            (0..experiment.bases.len()).filter_map(|base| experiment.base_scenario(base))
        {
            for outcome in &scenario.outcomes {
                if !outcomes.contains(&outcome.name) {
                    outcomes.push(outcome.name.clone());
                    units.push(outcome_unit(&scenario, &outcome.kind));
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
        let point_summaries: Vec<Option<Summary>> = columns
            .iter()
            .map(|column| column.map(|column| result.aggregate.outcomes[column].summary()))
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

/// A chart of each outcome against each varied parameter, one colour per base scenario.
pub fn batch_charts(layout: &Layout, summaries: &PointSummaries) -> Vec<ChartFile> {
    let mut bases: Vec<&str> = Vec::new();
    for (base, _) in &layout.points {
        if !bases.contains(&base.as_str()) {
            bases.push(base);
        }
    }
    let mut files = Vec::new();
    for (outcome_index, (outcome, unit)) in layout.outcomes.iter().zip(&layout.units).enumerate() {
        for (parameter_index, parameter) in layout.parameters.iter().enumerate() {
            let series: Vec<ScatterSeries> = bases
                .iter()
                .map(|base| ScatterSeries {
                    label: (*base).to_owned(),
                    points: layout
                        .points
                        .iter()
                        .zip(summaries)
                        .filter(|((point_base, _), _)| point_base == base)
                        .filter_map(|((_, values), point_summaries)| {
                            let summary = point_summaries.get(outcome_index)?.as_ref()?;
                            Some(ScatterPoint {
                                x: values[parameter_index],
                                mean: summary.mean?,
                                low: summary.quantiles[0]?,
                                high: summary.quantiles[4]?,
                            })
                        })
                        .collect(),
                })
                .filter(|series| !series.points.is_empty())
                .collect();
            if series.is_empty() {
                continue;
            }
            files.push(ChartFile {
                chart: Chart::Scatter(ScatterChart {
                    x_label: parameter.clone(),
                    y_label: format!("{outcome} ({unit})"),
                    series,
                }),
                frame: Frame {
                    title: format!("{}: {outcome} against {parameter}", layout.name),
                    caption: caption(
                        layout.runs,
                        layout.seed,
                        "Runs per design point; all points share random numbers. Other parameters vary across points at the same x.",
                    ),
                },
                stem: file_stem(&["scatter", outcome, parameter]),
            });
        }
    }
    files
}
