//! `secsim batch`: every design point of an experiment, each with the experiment's runs and
//! seed (common random numbers across points), into `experiments.csv` (a row per point),
//! `runs.csv` (a row per replication), charts and `manifest.json`; or one shard of the points
//! into a part folder for `secsim merge`.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use super::options::{RunOptions, file_stem, progress_bar, provenance};
use super::{Invocation, RunError, Terminal, note, say, thread_pool};
use crate::cli::BatchArgs;
use crate::engine::{self, RunPlan, Shard, budget};
use crate::experiment::file::{self as experiment_file, Experiment};
use crate::output::batch::{
    EXPERIMENTS_FILE, Layout, PointSummaries, Tables, batch_charts, render_table, report,
};
use crate::output::files::{CHARTS_FOLDER, REPORT_FILE};
use crate::output::manifest::{self, Contents, Input, Provenance};
use crate::output::part::{self, PartInfo};
use crate::output::{OutputError, StagedDir, results};
use crate::scenario::Outcome;

/// What a finished batch wrote.
pub struct WrittenBatch {
    pub folder: PathBuf,
    pub points: usize,
    pub replications: u64,
    /// The table of design points to print.
    pub table: String,
}

/// `secsim batch`.
pub fn execute(
    args: BatchArgs,
    invocation: &Invocation,
    terminal: &mut Terminal,
) -> anyhow::Result<ExitCode> {
    let experiment = experiment_file::load_experiment(&args.experiment)?;
    let options = RunOptions::from_args(&args.threads, &args.output);
    let destination = args.output.destination(&file_stem(&args.experiment));
    let total = experiment.points.len() as u64 * experiment.runs;
    let shard = args.shard.shard();
    if !args.output.quiet && shard.is_none() {
        note(
            terminal,
            &format!(
                "{}: {} points x {} runs = {total} replications\n",
                experiment.name,
                experiment.points.len(),
                experiment.runs
            ),
        );
    }
    let started = Instant::now();
    let provenance = provenance("batch", invocation, std::slice::from_ref(&args.experiment));
    if let Some(shard) = shard {
        let points = shard.range(experiment.points.len() as u64);
        let bar = progress_bar(
            (points.end - points.start) * experiment.runs,
            args.output.quiet,
        );
        let folder = batch_part(
            &experiment,
            shard,
            options,
            &provenance,
            &destination,
            |done, _| bar.set_position(done),
        )
        .with_context(|| format!("cannot write the part to {}", destination.display()))?;
        bar.finish_and_clear();
        say(
            terminal,
            &format!(
                "shard {}/{} of {}: points {} to {} of {} in {:.2} s\npart written to {}\n",
                shard.index,
                shard.count,
                experiment.name,
                points.start,
                points.end,
                experiment.points.len(),
                started.elapsed().as_secs_f64(),
                folder.display()
            ),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let bar = progress_bar(total, args.output.quiet);
    let written = batch_to_folder(
        &experiment,
        options,
        &provenance,
        &destination,
        |done, _| bar.set_position(done),
    )
    .with_context(|| format!("cannot write results to {}", destination.display()))?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    say(
        terminal,
        &format!(
            "{}{}: {} points, {} replications in {seconds:.2} s ({:.0} runs/s)\nresults in {}\n",
            written.table,
            experiment.name,
            written.points,
            written.replications,
            written.replications as f64 / seconds.max(1e-9),
            written.folder.display()
        ),
    )?;
    Ok(ExitCode::SUCCESS)
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
    let count = (points.end - points.start) as usize;
    let mut summaries: PointSummaries = Vec::with_capacity(count);
    // Outcomes of each base's points, for the tables' columns.
    let base_outcomes: Vec<Vec<Outcome>> = (0..experiment.bases.len())
        .map(|base| {
            experiment
                .base_scenario(base)
                .map(|scenario| scenario.outcomes)
                .unwrap_or_default()
        })
        .collect();
    pool.install(|| {
        engine::run_points(
            count,
            |offset| experiment.scenario(first + offset),
            &plan,
            |offset, result| -> Result<(), OutputError> {
                let index = first + offset;
                let outcomes = &base_outcomes[experiment.points[index].base];
                summaries.push(tables.write_point(layout, index, outcomes, &result)?);
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
    if points.start >= experiment.points.len() as u64 {
        return Ok(());
    }
    let point = experiment.scenario(points.start as usize);
    let plan = RunPlan {
        seed: experiment.seed,
        runs: experiment.runs,
    };
    let threads = pool.current_num_threads();
    let count = points.end - points.start;
    budget::check(&point, &plan, count, threads, false, options.max_hours)?;
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
    let pool = thread_pool(options.threads)?;
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
pub fn finish_folder(
    staged: StagedDir,
    layout: &Layout,
    summaries: &PointSummaries,
    input: Input,
    options: RunOptions,
    pool: &rayon::ThreadPool,
    provenance: &Provenance,
) -> Result<WrittenBatch, RunError> {
    // Like a run's report, written with the charts it embeds (`--no-charts` skips both).
    if options.charts {
        let files = batch_charts(layout, summaries);
        let embedded =
            pool.install(|| results::write_charts(&files, &staged.path().join(CHARTS_FOLDER)))?;
        let report_path = staged.path().join(REPORT_FILE);
        std::fs::write(&report_path, report(layout, summaries, &embedded))
            .map_err(OutputError::io(&report_path, "cannot write"))?;
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
        table: render_table(layout, summaries),
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
    let pool = thread_pool(options.threads)?;
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
