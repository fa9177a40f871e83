//! `secsim batch`: every design point of an experiment, `experiments.csv` (a row per point),
//! `runs.csv` (a row per replication, streamed), and a chart of each outcome against each
//! varied parameter, and `manifest.json`.

use std::fs::File;
use std::io::BufWriter;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{self, RunPlan, Shard, budget};
use crate::output::charts::scatter::{ScatterChart, ScatterPoint, ScatterSeries};
use crate::output::charts::{Chart, ChartFile, Frame, file_stem};
use crate::output::figures::{caption, outcome_unit};
use crate::output::manifest::{self, Contents, Input, Provenance};
use crate::output::part::{self, PartInfo};
use crate::output::results::{self, CHARTS_FOLDER, RunError, RunOptions};
use crate::output::{OutputError, StagedDir, format_number};
use crate::experiment::file::Experiment;
use crate::stats::Summary;

/// File names inside a batch folder.
pub const EXPERIMENTS_FILE: &str = "experiments.csv";
pub const RUNS_FILE: &str = "runs.csv";

/// What a finished batch wrote.
pub struct WrittenBatch {
    pub folder: PathBuf,
    pub points: usize,
    pub replications: u64,
}

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
    /// The experiment's hash for manifest.json (see [`Input::experiment`]).
    pub hash: String,
}

impl Layout {
    /// The layout of `experiment`.
    pub fn of(experiment: &Experiment) -> Layout {
        let mut outcomes: Vec<String> = Vec::new();
        let mut units: Vec<String> = Vec::new();
        for point in &experiment.points {
            for outcome in &point.scenario.outcomes {
                if !outcomes.contains(&outcome.name) {
                    outcomes.push(outcome.name.clone());
                    units.push(outcome_unit(&point.scenario, &outcome.kind));
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
                .map(|point| (point.base.clone(), point.values.clone()))
                .collect(),
            hash: Input::experiment(None, experiment).hash,
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
pub(crate) struct Tables {
    experiments: csv::Writer<BufWriter<File>>,
    runs: csv::Writer<BufWriter<File>>,
}

impl Tables {
    /// Creates both files in `folder` with their headers.
    pub(crate) fn create(folder: &Path, layout: &Layout) -> Result<Tables, OutputError> {
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

    /// Flushes both files.
    pub(crate) fn finish(mut self) -> Result<(), OutputError> {
        let flushed = self.experiments.flush().and_then(|()| self.runs.flush());
        flushed.map_err(|error| OutputError::from(csv::Error::from(error)))
    }
}

/// Runs the points `points` of `experiment` on `pool`, appends their rows to `tables` in point
/// order and returns their summaries. `progress(replications done)` is called after each point.
fn run_points_into(
    experiment: &Experiment,
    layout: &Layout,
    points: Range<u64>,
    pool: &rayon::ThreadPool,
    tables: &mut Tables,
    mut progress: impl FnMut(u64) + Send,
) -> Result<PointSummaries, RunError> {
    let plan = RunPlan {
        seed: experiment.seed,
        runs: experiment.runs,
    };
    let first = points.start as usize;
    let scenarios: Vec<_> = experiment.points[first..points.end as usize]
        .iter()
        .map(|point| point.scenario.clone())
        .collect();
    let mut summaries: PointSummaries = Vec::with_capacity(scenarios.len());
    pool.install(|| {
        engine::run_points(
            &scenarios,
            &plan,
            |offset, result| -> Result<(), OutputError> {
                let index = first + offset;
                let point = &experiment.points[index];
                let mut leading: Vec<String> = Vec::new();
                if layout.several_bases {
                    leading.push(point.base.clone());
                }
                leading.extend(point.values.iter().map(|value| value.to_string()));
                // Column of each output outcome in this point's own outcome list.
                let columns: Vec<Option<usize>> = layout
                    .outcomes
                    .iter()
                    .map(|name| {
                        point
                            .scenario
                            .outcomes
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
                tables.experiments.write_record(&row)?;
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
                        tables.runs.write_record(&record)?;
                    }
                }
                summaries.push(point_summaries);
                progress((offset as u64 + 1) * plan.runs);
                Ok(())
            },
        )
    })?;
    Ok(summaries)
}

/// Refuses points `points` of `experiment` if they would take too long or too much memory.
fn check_budget(
    experiment: &Experiment,
    points: Range<u64>,
    pool: &rayon::ThreadPool,
    options: RunOptions,
) -> Result<(), RunError> {
    let Some(point) = experiment.points.get(points.start as usize) else {
        return Ok(());
    };
    let plan = RunPlan {
        seed: experiment.seed,
        runs: experiment.runs,
    };
    let threads = pool.current_num_threads();
    let count = points.end - points.start;
    budget::check(
        &point.scenario,
        &plan,
        count,
        threads,
        false,
        options.max_hours,
    )?;
    Ok(())
}

/// Runs every point of `experiment` and writes the batch folder at `destination`.
/// `progress(done, total)` is called after each point, in order. `provenance` (its first input
/// file is the experiment's) goes into `manifest.json`.
pub fn batch_to_folder(
    experiment: &Experiment,
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
    mut progress: impl FnMut(u64, u64) + Send,
) -> Result<WrittenBatch, RunError> {
    let pool = results::thread_pool(options.threads)?;
    check_budget(
        experiment,
        0..experiment.points.len() as u64,
        &pool,
        options,
    )?;
    let staged = StagedDir::new(
        destination,
        EXPERIMENTS_FILE,
        &[&experiment.name],
        options.force,
    )?;
    let layout = Layout::of(experiment);
    let mut tables = Tables::create(staged.path(), &layout)?;
    let n_points = experiment.points.len() as u64;
    let total = n_points * experiment.runs;
    let summaries = run_points_into(
        experiment,
        &layout,
        0..n_points,
        &pool,
        &mut tables,
        |done| progress(done, total),
    )?;
    tables.finish()?;
    let input = Input::experiment(provenance.first_input(), experiment);
    finish_folder(
        staged, &layout, &summaries, input, options, &pool, provenance,
    )
}

/// Writes the charts and manifest of a batch folder whose tables are complete, and commits it.
pub(crate) fn finish_folder(
    staged: StagedDir,
    layout: &Layout,
    summaries: &PointSummaries,
    input: Input,
    options: RunOptions,
    pool: &rayon::ThreadPool,
    provenance: &Provenance,
) -> Result<WrittenBatch, RunError> {
    if options.charts {
        let files = batch_charts(layout, summaries);
        pool.install(|| results::write_charts(&files, &staged.path().join(CHARTS_FOLDER)))?;
    }
    let points = layout.points.len();
    let contents = Contents {
        inputs: vec![input],
        seed: layout.seed,
        runs: layout.runs,
        points: points as u64,
        threads: pool.current_num_threads(),
    };
    manifest::write(staged.path(), &contents, provenance)?;
    let folder = staged.commit()?;
    Ok(WrittenBatch {
        folder,
        points,
        replications: points as u64 * layout.runs,
    })
}

/// Runs shard `shard` of `experiment`'s design points and writes its part folder at
/// `destination`: its rows of both tables, its points' summaries and the whole layout.
pub fn batch_part(
    experiment: &Experiment,
    shard: Shard,
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
    mut progress: impl FnMut(u64, u64) + Send,
) -> Result<PathBuf, RunError> {
    let pool = results::thread_pool(options.threads)?;
    let points = shard.range(experiment.points.len() as u64);
    check_budget(experiment, points.clone(), &pool, options)?;
    let staged = StagedDir::new(
        destination,
        part::PART_FILE,
        &[&experiment.name],
        options.force,
    )?;
    let layout = Layout::of(experiment);
    let mut tables = Tables::create(staged.path(), &layout)?;
    let total = (points.end - points.start) * experiment.runs;
    let summaries = run_points_into(
        experiment,
        &layout,
        points.clone(),
        &pool,
        &mut tables,
        |done| progress(done, total),
    )?;
    tables.finish()?;
    let info = PartInfo::new(
        "batch",
        &layout.name,
        &layout.hash,
        layout.seed,
        layout.runs,
        shard,
        points,
    );
    let source = serde_json::to_string_pretty(&layout).map_err(OutputError::from)?;
    part::write_part_files(&staged, &info, part::LAYOUT_FILE, &source, &summaries)?;
    let contents = Contents {
        inputs: vec![Input::experiment(provenance.first_input(), experiment)],
        seed: layout.seed,
        runs: layout.runs,
        points: total / layout.runs.max(1),
        threads: pool.current_num_threads(),
    };
    manifest::write(staged.path(), &contents, provenance)?;
    Ok(staged.commit()?)
}

/// A chart of each outcome against each varied parameter, one colour per base scenario.
fn batch_charts(layout: &Layout, summaries: &PointSummaries) -> Vec<ChartFile> {
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
