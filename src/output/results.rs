//! A whole run's results folder: `summary.json`, `timeseries.csv`, `outcomes.csv`, charts,
//! `report.html` and `manifest.json`, written through [`StagedDir`] so that the folder appears
//! complete or not at all.

use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::engine::budget::{self, BudgetError};
use crate::engine::{self, Aggregate, Next, PrecisionTarget, RunPlan, StopReason, Summaries};
use crate::output::charts::{self, ChartFile};
use crate::output::checkpoint::{self, Checkpoint, CheckpointError, RunIdentity};
use crate::output::manifest::{self, Contents, Provenance};
use crate::output::outcomes::OutcomeWriter;
use crate::output::report::{self, Figure};
use crate::output::summary::Stopping;
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
    /// Replace a results folder of other scenarios (or another experiment).
    pub force: bool,
    /// Refuse to start work estimated to take longer than this many hours.
    pub max_hours: f64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: None,
            charts: true,
            force: false,
            max_hours: budget::DEFAULT_MAX_HOURS,
        }
    }
}

/// What a finished run wrote.
pub struct WrittenRun {
    pub folder: PathBuf,
    pub aggregate: Aggregate,
    /// Histogram of each outcome (empty for an outcome no run has a value for).
    pub histograms: Vec<figures::OutcomeHistogram>,
    /// Wall time of the replications alone, without writing files and charts.
    pub simulation_time: std::time::Duration,
    /// Why the run ended where it did.
    pub stop: StopReason,
}

/// Why a run could not produce results.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Budget(#[from] BudgetError),
    #[error(
        "interrupted after {runs_done} of {runs} runs; the work done is kept in {checkpoint}",
        checkpoint = checkpoint.display()
    )]
    Interrupted {
        runs_done: u64,
        runs: u64,
        checkpoint: PathBuf,
    },
    #[error("interrupted: shard {index}/{count} was not written; run it again")]
    ShardInterrupted { index: u64, count: u64 },
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

/// How a run is steered besides its plan: when to stop, checkpoints, interruption, progress.
#[derive(Default)]
pub struct RunControl<'a> {
    /// Stop adding blocks once every target is met; the plan's `runs` is then the cap.
    pub precision: Vec<PrecisionTarget>,
    /// Write a checkpoint after every this many blocks.
    pub checkpoint_every_blocks: Option<u64>,
    /// Continue from the checkpoint of an interrupted run of the same plan.
    pub resume: bool,
    /// When set (by a signal handler), stop after the next block and write a checkpoint.
    pub interrupt: Option<&'a AtomicBool>,
    /// Told the number of runs done after each block.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
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
    run_controlled(
        scenario,
        plan,
        options,
        &RunControl::default(),
        provenance,
        destination,
    )
}

/// [`run_to_folder`], steered by `control`. An interrupted run returns
/// [`RunError::Interrupted`] after writing its checkpoint; results are written only by a run
/// that ends.
pub fn run_controlled(
    scenario: &Scenario,
    plan: &RunPlan,
    options: RunOptions,
    control: &RunControl,
    provenance: &Provenance,
    destination: &Path,
) -> Result<WrittenRun, RunError> {
    let pool = thread_pool(options.threads)?;
    let threads = pool.current_num_threads();
    budget::check(scenario, plan, 1, threads, true, options.max_hours)?;
    let staged = StagedDir::new(destination, SUMMARY_FILE, &[&scenario.name], options.force)?;
    let checkpoint_folder = checkpoint::folder_for(staged.destination());
    let identity = RunIdentity {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        scenario: scenario.name.clone(),
        scenario_hash: scenario.hash.clone(),
        seed: plan.seed,
        runs: plan.runs,
        precision: control.precision.iter().map(ToString::to_string).collect(),
    };
    let mut total = Aggregate::new(scenario);
    let mut first_block = 0;
    let mut every_blocks = control.checkpoint_every_blocks;
    let mut outcomes_path = staged.path().join(OUTCOMES_FILE);
    let mut outcome_writer = if control.resume {
        let resumed = checkpoint::resume(&checkpoint_folder, &identity)?;
        total = resumed.aggregate;
        first_block = resumed.blocks_done;
        every_blocks = every_blocks.or(resumed.every_blocks);
        outcomes_path = checkpoint_folder.join(checkpoint::OUTCOMES_FILE);
        let file = OpenOptions::new()
            .append(true)
            .open(&outcomes_path)
            .map_err(OutputError::io(&outcomes_path, "cannot open"))?;
        OutcomeWriter::continuing(BufWriter::new(file))
    } else {
        checkpoint::ensure_absent(&checkpoint_folder)?;
        if every_blocks.is_some() {
            checkpoint::create_folder(&checkpoint_folder)?;
            outcomes_path = checkpoint_folder.join(checkpoint::OUTCOMES_FILE);
        }
        let file = File::create(&outcomes_path)
            .map_err(OutputError::io(&outcomes_path, "cannot create"))?;
        OutcomeWriter::new(scenario, BufWriter::new(file))?
    };
    if let Some(progress) = control.progress {
        progress(total.runs);
    }

    let mut stop = StopReason::RunsReached;
    let simulation_started = std::time::Instant::now();
    pool.install(|| {
        engine::run_blocks(
            scenario,
            plan,
            Summaries::WithSeries,
            first_block..plan.n_blocks(),
            &mut total,
            |block, total| -> Result<Next, RunError> {
                outcome_writer.write_block(&block.rows)?;
                if let Some(progress) = control.progress {
                    progress(total.runs);
                }
                let blocks_done = block.index + 1;
                if engine::all_met(&control.precision, total) {
                    stop = StopReason::PrecisionMet;
                    return Ok(Next::Stop);
                }
                // Blocks already simulated alongside this one are kept, not thrown away.
                let interrupted = block.ends_wave
                    && control
                        .interrupt
                        .is_some_and(|flag| flag.load(Ordering::SeqCst));
                let due = every_blocks.is_some_and(|every| blocks_done % every == 0);
                let last = blocks_done == plan.n_blocks();
                if (interrupted || due) && !last {
                    if outcomes_path.parent() != Some(checkpoint_folder.as_path()) {
                        checkpoint::create_folder(&checkpoint_folder)?;
                        let moved = checkpoint_folder.join(checkpoint::OUTCOMES_FILE);
                        std::fs::rename(&outcomes_path, &moved)
                            .map_err(OutputError::io(&moved, "cannot move into the checkpoint"))?;
                        outcomes_path = moved;
                    }
                    let outcomes_bytes = outcome_writer.sync()?;
                    let state = Checkpoint {
                        identity: identity.clone(),
                        blocks_done,
                        every_blocks,
                        outcomes_bytes,
                        aggregate: total.clone(),
                    };
                    checkpoint::write(&checkpoint_folder, &state)?;
                }
                if interrupted && !last {
                    stop = StopReason::Interrupted;
                    return Ok(Next::Stop);
                }
                Ok(Next::Continue)
            },
        )
    })?;
    let simulation_time = simulation_started.elapsed();
    outcome_writer.finish()?;
    if stop == StopReason::Interrupted {
        return Err(RunError::Interrupted {
            runs_done: total.runs,
            runs: plan.runs,
            checkpoint: checkpoint_folder,
        });
    }
    let staged_outcomes = staged.path().join(OUTCOMES_FILE);
    if outcomes_path != staged_outcomes {
        std::fs::rename(&outcomes_path, &staged_outcomes)
            .map_err(OutputError::io(&staged_outcomes, "cannot move into place"))?;
    }
    let stopping = (!control.precision.is_empty()).then(|| Stopping {
        reason: stop,
        run_cap: plan.runs,
        targets: &control.precision,
    });
    let histograms = write_result_files(
        &staged,
        scenario,
        plan.seed,
        &total,
        stopping.as_ref(),
        options,
        &pool,
    )?;
    let contents = Contents::single(
        provenance,
        scenario,
        plan.seed,
        total.runs,
        pool.current_num_threads(),
    );
    manifest::write(staged.path(), &contents, provenance)?;
    let folder = staged.commit()?;
    checkpoint::remove(&checkpoint_folder);
    Ok(WrittenRun {
        folder,
        aggregate: total,
        histograms,
        simulation_time,
        stop,
    })
}

/// Writes every file of a results folder but `outcomes.csv` (already in `staged`) and
/// `manifest.json`; returns the outcome histograms.
pub(crate) fn write_result_files(
    staged: &StagedDir,
    scenario: &Scenario,
    seed: u64,
    aggregate: &Aggregate,
    stopping: Option<&Stopping>,
    options: RunOptions,
    pool: &rayon::ThreadPool,
) -> Result<Vec<figures::OutcomeHistogram>, RunError> {
    let outcomes_path = staged.path().join(OUTCOMES_FILE);
    let summary_path = staged.path().join(SUMMARY_FILE);
    let text = summary::render(scenario, seed, aggregate, stopping).map_err(OutputError::from)?;
    std::fs::write(&summary_path, text).map_err(OutputError::io(&summary_path, "cannot write"))?;

    let timeseries_path = staged.path().join(TIMESERIES_FILE);
    let file = File::create(&timeseries_path)
        .map_err(OutputError::io(&timeseries_path, "cannot create"))?;
    timeseries::write(scenario, aggregate, BufWriter::new(file))?;

    let histograms = figures::outcome_histograms(aggregate, &outcomes_path)?;
    if options.charts {
        let mut files = figures::run_charts(scenario, seed, aggregate, &histograms);
        report_order(&mut files);
        let embedded = pool.install(|| write_charts(&files, &staged.path().join(CHARTS_FOLDER)))?;
        let report_path = staged.path().join(REPORT_FILE);
        let html = report::run_report(scenario, seed, aggregate, &embedded);
        std::fs::write(&report_path, html)
            .map_err(OutputError::io(&report_path, "cannot write"))?;
    }
    Ok(histograms)
}
