//! A whole run's results folder: `summary.json`, `timeseries.csv`, `outcomes.csv`, charts,
//! `report.html` and `manifest.json`, written through [`StagedDir`] so that the folder appears
//! complete or not at all.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::engine::{self, Aggregate, RunPlan};
use crate::output::charts::{self, ChartFile};
use crate::output::manifest::{self, Contents, Input, Provenance};
use crate::output::outcomes::OutcomeWriter;
use crate::output::report::{self, Figure};
use crate::output::{OutputError, StagedDir, figures, summary, timeseries};
use crate::scenario::Scenario;

/// File names inside a results folder.
pub const SUMMARY_FILE: &str = "summary.json";
pub const TIMESERIES_FILE: &str = "timeseries.csv";
pub const OUTCOMES_FILE: &str = "outcomes.csv";
pub const REPORT_FILE: &str = "report.html";
pub const CHARTS_FOLDER: &str = "charts";

/// How to run and what to write besides the tables.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Worker threads; all cores when `None`.
    pub threads: Option<usize>,
    /// Write `charts/` and `report.html`.
    pub charts: bool,
}

/// What a finished run wrote.
pub struct WrittenRun {
    pub folder: PathBuf,
    pub aggregate: Aggregate,
    /// Histogram of each outcome (empty for an outcome no run has a value for).
    pub histograms: Vec<figures::OutcomeHistogram>,
    /// Wall time of the replications alone, without writing files and charts.
    pub simulation_time: std::time::Duration,
}

/// Why a run could not produce results.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    #[error("cannot start {threads} worker threads: {source}")]
    Threads {
        threads: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

/// A rayon pool of `threads` threads (all cores when `None`).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, RunError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|source| RunError::Threads {
            threads: threads.unwrap_or(0),
            source,
        })
}

/// Writes `files` into `folder` as PNG and SVG, in parallel; returns the figures to embed in a
/// report, in the order given.
pub fn write_charts(files: &[ChartFile], folder: &Path) -> Result<Vec<Figure>, RunError> {
    std::fs::create_dir_all(folder)
        .map_err(OutputError::io(folder, "cannot create the charts folder"))?;
    charts::with_unique_stems(files)
        .par_iter()
        .map(|file| {
            let [_, svg_path] = charts::save(file, folder)?;
            let svg = std::fs::read_to_string(&svg_path)
                .map_err(OutputError::io(&svg_path, "cannot read back"))?;
            Ok(Figure {
                title: file.frame.title.clone(),
                svg,
            })
        })
        .collect()
}

/// Report order: what a reader asks first (outcomes, events), then the time series.
fn report_order(files: &mut [ChartFile]) {
    files.sort_by_key(|file| if file.stem.starts_with("fan_") { 1 } else { 0 });
}

/// Runs `plan` and writes its results folder at `destination`, replacing earlier results only
/// once the new ones are complete. `provenance` (its first input file is the scenario's) goes
/// into `manifest.json`.
pub fn run_to_folder(
    scenario: &Scenario,
    plan: &RunPlan,
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
) -> Result<WrittenRun, RunError> {
    let pool = thread_pool(options.threads)?;
    let staged = StagedDir::new(destination, SUMMARY_FILE)?;
    let outcomes_path = staged.path().join(OUTCOMES_FILE);
    let file =
        File::create(&outcomes_path).map_err(OutputError::io(&outcomes_path, "cannot create"))?;
    let mut outcome_writer = OutcomeWriter::new(scenario, BufWriter::new(file))?;
    let simulation_started = std::time::Instant::now();
    let aggregate =
        pool.install(|| engine::run(scenario, plan, |block| outcome_writer.write_block(block)))?;
    let simulation_time = simulation_started.elapsed();
    outcome_writer.finish()?;

    let summary_path = staged.path().join(SUMMARY_FILE);
    let text = summary::render(scenario, plan.seed, &aggregate).map_err(OutputError::from)?;
    std::fs::write(&summary_path, text).map_err(OutputError::io(&summary_path, "cannot write"))?;

    let timeseries_path = staged.path().join(TIMESERIES_FILE);
    let file = File::create(&timeseries_path)
        .map_err(OutputError::io(&timeseries_path, "cannot create"))?;
    timeseries::write(scenario, &aggregate, BufWriter::new(file))?;

    let histograms = figures::outcome_histograms(&aggregate, &outcomes_path)?;
    if options.charts {
        let mut files = figures::run_charts(scenario, plan.seed, &aggregate, &histograms);
        report_order(&mut files);
        let embedded = pool.install(|| write_charts(&files, &staged.path().join(CHARTS_FOLDER)))?;
        let report_path = staged.path().join(REPORT_FILE);
        let html = report::run_report(scenario, plan.seed, &aggregate, &embedded);
        std::fs::write(&report_path, html)
            .map_err(OutputError::io(&report_path, "cannot write"))?;
    }

    let contents = Contents {
        inputs: vec![Input::scenario(provenance.first_input(), scenario)],
        seed: plan.seed,
        runs: plan.runs,
        points: 1,
        threads: pool.current_num_threads(),
    };
    manifest::write(staged.path(), &contents, provenance)?;
    let folder = staged.commit()?;
    Ok(WrittenRun {
        folder,
        aggregate,
        histograms,
        simulation_time,
    })
}
