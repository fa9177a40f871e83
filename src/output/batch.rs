//! `secsim batch`: every design point of an experiment, `experiments.csv` (a row per point),
//! `runs.csv` (a row per replication, streamed), and a chart of each outcome against each
//! varied parameter, and `manifest.json`.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::engine::{self, RunPlan};
use crate::output::charts::scatter::{ScatterChart, ScatterPoint, ScatterSeries};
use crate::output::charts::{Chart, ChartFile, Frame, file_stem};
use crate::output::figures::{caption, outcome_unit};
use crate::output::manifest::{self, Contents, Input, Provenance};
use crate::output::results::{self, CHARTS_FOLDER, RunError, RunOptions};
use crate::output::{OutputError, StagedDir, format_number};
use crate::scenario::experiment::Experiment;
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

/// Outcome names over all points, in order of first appearance.
fn outcome_names(experiment: &Experiment) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for point in &experiment.points {
        for outcome in &point.scenario.outcomes {
            if !names.contains(&outcome.name) {
                names.push(outcome.name.clone());
            }
        }
    }
    names
}

/// Leading columns shared by both tables: the base scenario (when there are several), then the
/// varied parameters.
fn parameter_header(experiment: &Experiment) -> Vec<String> {
    let scenario = experiment.several_bases.then(|| "scenario".to_owned());
    scenario
        .into_iter()
        .chain(experiment.parameters.iter().cloned())
        .collect()
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
    let staged = StagedDir::new(destination, EXPERIMENTS_FILE)?;
    let outcomes = outcome_names(experiment);
    let parameters = parameter_header(experiment);

    let open = |name: &str| -> Result<csv::Writer<BufWriter<File>>, OutputError> {
        let path = staged.path().join(name);
        let file = File::create(&path).map_err(OutputError::io(&path, "cannot create"))?;
        Ok(csv::Writer::from_writer(BufWriter::new(file)))
    };
    let mut experiments_csv = open(EXPERIMENTS_FILE)?;
    let mut runs_csv = open(RUNS_FILE)?;
    let mut header: Vec<String> = vec!["point".to_owned()];
    header.extend(parameters.iter().cloned());
    for outcome in &outcomes {
        for statistic in ["mean", "p05", "p50", "p95"] {
            header.push(format!("{outcome}_{statistic}"));
        }
    }
    experiments_csv
        .write_record(&header)
        .map_err(OutputError::from)?;
    let mut runs_header: Vec<String> = vec!["point".to_owned(), "run".to_owned()];
    runs_header.extend(parameters.iter().cloned());
    runs_header.extend(outcomes.iter().cloned());
    runs_csv
        .write_record(&runs_header)
        .map_err(OutputError::from)?;

    let plan = RunPlan {
        seed: experiment.seed,
        runs: experiment.runs,
    };
    let scenarios: Vec<_> = experiment
        .points
        .iter()
        .map(|point| point.scenario.clone())
        .collect();
    let total = scenarios.len() as u64 * plan.runs;
    // Per point, per outcome: the summary the charts need.
    let mut summaries: Vec<Vec<Option<Summary>>> = Vec::with_capacity(scenarios.len());
    pool.install(|| {
        engine::run_points(
            &scenarios,
            &plan,
            |index, result| -> Result<(), OutputError> {
                let point = &experiment.points[index];
                let mut leading: Vec<String> = Vec::new();
                if experiment.several_bases {
                    leading.push(point.base.clone());
                }
                leading.extend(point.values.iter().map(|value| value.to_string()));
                // Column of each output outcome in this point's own outcome list.
                let columns: Vec<Option<usize>> = outcomes
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
                experiments_csv.write_record(&row)?;
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
                        runs_csv.write_record(&record)?;
                    }
                }
                summaries.push(point_summaries);
                progress((index as u64 + 1) * plan.runs, total);
                Ok(())
            },
        )
    })?;
    experiments_csv
        .flush()
        .map_err(|error| OutputError::from(csv::Error::from(error)))?;
    runs_csv
        .flush()
        .map_err(|error| OutputError::from(csv::Error::from(error)))?;
    drop(experiments_csv);
    drop(runs_csv);

    if options.charts {
        let files = batch_charts(experiment, &outcomes, &summaries);
        pool.install(|| results::write_charts(&files, &staged.path().join(CHARTS_FOLDER)))?;
    }
    let contents = Contents {
        inputs: vec![Input::experiment(provenance.first_input(), experiment)],
        seed: plan.seed,
        runs: plan.runs,
        points: scenarios.len() as u64,
        threads: pool.current_num_threads(),
    };
    manifest::write(staged.path(), &contents, provenance)?;
    let folder = staged.commit()?;
    Ok(WrittenBatch {
        folder,
        points: scenarios.len(),
        replications: total,
    })
}

/// A chart of each outcome against each varied parameter, one colour per base scenario.
fn batch_charts(
    experiment: &Experiment,
    outcomes: &[String],
    summaries: &[Vec<Option<Summary>>],
) -> Vec<ChartFile> {
    let mut bases: Vec<&str> = Vec::new();
    for point in &experiment.points {
        if !bases.contains(&point.base.as_str()) {
            bases.push(&point.base);
        }
    }
    let mut files = Vec::new();
    for (outcome_index, outcome) in outcomes.iter().enumerate() {
        let unit = experiment
            .points
            .iter()
            .find_map(|point| {
                point
                    .scenario
                    .outcomes
                    .iter()
                    .find(|candidate| &candidate.name == outcome)
                    .map(|candidate| outcome_unit(&point.scenario, &candidate.kind))
            })
            .unwrap_or_default();
        for (parameter_index, parameter) in experiment.parameters.iter().enumerate() {
            let series: Vec<ScatterSeries> = bases
                .iter()
                .map(|base| ScatterSeries {
                    label: (*base).to_owned(),
                    points: experiment
                        .points
                        .iter()
                        .zip(summaries)
                        .filter(|(point, _)| point.base == *base)
                        .filter_map(|(point, point_summaries)| {
                            let summary = point_summaries.get(outcome_index)?.as_ref()?;
                            Some(ScatterPoint {
                                x: point.values[parameter_index],
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
                    title: format!("{}: {outcome} against {parameter}", experiment.name),
                    caption: caption(
                        experiment.runs,
                        experiment.seed,
                        "Runs per design point; all points share random numbers. Other parameters vary across points at the same x.",
                    ),
                },
                stem: file_stem(&["scatter", outcome, parameter]),
            });
        }
    }
    files
}
