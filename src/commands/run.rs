//! `secsim run`: a scenario's replications into a results folder, or one shard of them into a
//! part folder for `secsim merge`.
//!
//! A run composes per-block sinks: the rows to `outcomes.csv` and `parameters.csv`
//! ([`StreamedFiles`]), progress,
//! the `--precision` stopping rule, and checkpoints ([`Checkpointer`]), each seeing the blocks
//! in index order, so every decision depends only on whole blocks.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::Context;

use super::options::{RunOptions, progress_bar, provenance};
use super::{EXIT_INTERRUPTED, Invocation, RunError, Terminal, note, say, thread_pool};
use crate::cli::RunArgs;
use crate::engine::{
    self, Aggregate, BLOCK_SIZE, Next, Partial, PrecisionTarget, RunPlan, Shard, StopReason,
    Summaries, budget,
};
use crate::output::checkpoint::{self, Checkpointer, RunIdentity};
use crate::output::files::{self, SUMMARY_FILE};
use crate::output::manifest::{self, Contents, Provenance};
use crate::output::part::{self, PART_FILE, PartInfo, SCENARIO_FILE};
use crate::output::rows::StreamedFiles;
use crate::output::summary::Stopping;
use crate::output::{StagedDir, figures, results, table};
use crate::scenario::{self, Origin, Scenario, library};

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
    /// Replications read back from a checkpoint (`--resume`), not computed by this command.
    pub resumed_runs: u64,
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

/// `secsim run`.
pub fn execute(
    args: RunArgs,
    invocation: &Invocation,
    terminal: &mut Terminal,
) -> anyhow::Result<ExitCode> {
    let (argument, scenario) = match &args.scenario {
        Some(argument) => (argument.clone(), scenario::load_named(argument)?),
        None => {
            // The library's, even when a file of that name is in the working folder.
            let main = Origin::Library(library::main());
            if !args.output.quiet {
                note(
                    terminal,
                    &format!(
                        "no scenario given: running the main built-in scenario, {} (`secsim scenarios` lists the others)\n",
                        library::MAIN
                    ),
                );
            }
            (PathBuf::from(library::MAIN), scenario::load_origin(&main)?)
        }
    };
    if !args.output.quiet {
        for warning in &scenario.warnings {
            note(
                terminal,
                &format!("warning: {}: {warning}\n", argument.display()),
            );
        }
    }
    let plan = args
        .plan
        .resolve(scenario.default_runs, scenario.default_seed);
    let options = RunOptions {
        parameters: !args.no_parameters,
        ..RunOptions::from_args(&args.threads, &args.output)
    };
    let destination = args
        .output
        .destination(&super::options::file_stem(&argument));
    let started = Instant::now();
    let provenance = provenance("run", invocation, std::slice::from_ref(&argument));
    let context = || format!("cannot write results to {}", destination.display());
    if let Some(shard) = args.shard.shard() {
        let blocks = shard.range(plan.n_blocks());
        let written = run_part(
            &scenario,
            &plan,
            shard,
            options,
            &provenance,
            &destination,
            invocation.interrupt,
        );
        let folder = match written {
            Ok(folder) => folder,
            Err(error @ RunError::ShardInterrupted { .. }) => {
                note(terminal, &format!("{error}\n"));
                return Ok(ExitCode::from(EXIT_INTERRUPTED));
            }
            Err(error) => return Err(error).with_context(context),
        };
        say(
            terminal,
            &format!(
                "shard {}/{} of {} ({} runs, seed {}): runs {} to {} in {:.2} s\npart written to {}\n",
                shard.index,
                shard.count,
                scenario.name,
                plan.runs,
                plan.seed,
                (blocks.start * BLOCK_SIZE).min(plan.runs),
                (blocks.end * BLOCK_SIZE).min(plan.runs),
                started.elapsed().as_secs_f64(),
                folder.display()
            ),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let precision = args
        .precision
        .iter()
        .map(|request| request.resolve(&scenario))
        .collect::<Result<Vec<_>, String>>()
        .map_err(anyhow::Error::msg)?;
    let bar = progress_bar(plan.runs, args.output.quiet);
    let progress = |done| bar.set_position(done);
    let control = RunControl {
        precision,
        checkpoint_every_blocks: args.checkpoint_every.map(|runs| runs.div_ceil(BLOCK_SIZE)),
        resume: args.resume,
        interrupt: invocation.interrupt,
        progress: Some(&progress),
    };
    let written = match run_controlled(
        &scenario,
        &plan,
        options,
        &control,
        &provenance,
        &destination,
    ) {
        Ok(written) => written,
        Err(error @ RunError::Interrupted { .. }) => {
            bar.abandon();
            note(
                terminal,
                &format!(
                    "{error}\nresume with: {}\n",
                    resume_command(&invocation.command_line)
                ),
            );
            return Ok(ExitCode::from(EXIT_INTERRUPTED));
        }
        Err(error) => return Err(error).with_context(context),
    };
    bar.finish_and_clear();
    let threads_used = options.threads.unwrap_or_else(rayon::current_num_threads);
    let mut text = table::render(
        &scenario,
        plan.seed,
        &written.aggregate,
        written.resumed_runs,
        threads_used,
        started.elapsed(),
    );
    if !control.precision.is_empty() {
        text.push_str(&format!(
            "stopped after {} of at most {} runs: {}\n",
            written.aggregate.runs,
            plan.runs,
            written.stop.describe()
        ));
    }
    text.push_str(&format!("results in {}\n", written.folder.display()));
    say(terminal, &text)?;
    Ok(ExitCode::SUCCESS)
}

/// This command line with `--resume`, quoted for a POSIX shell where needed.
fn resume_command(command_line: &[String]) -> String {
    let mut words = command_line.to_vec();
    if !words.iter().any(|word| word == "--resume") {
        words.push("--resume".to_owned());
    }
    // `try_join` refuses only words holding a NUL byte, which no argument can.
    shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| words.join(" "))
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
    let streamed_files = files::streamed(scenario, options.parameters);
    let mut checkpointer = Checkpointer {
        folder: checkpoint::folder_for(staged.destination()),
        identity: RunIdentity {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario: scenario.name.clone(),
            scenario_hash: scenario.hash.clone(),
            seed: plan.seed,
            runs: plan.runs,
            precision: control.precision.iter().map(ToString::to_string).collect(),
            streamed: streamed_files
                .iter()
                .map(|file| file.name.to_owned())
                .collect(),
        },
        every_blocks: control.checkpoint_every_blocks,
        n_blocks: plan.n_blocks(),
    };
    let mut total = Aggregate::new(scenario);
    let mut first_block = 0;
    let mut streamed = if control.resume {
        let resumed = checkpoint::resume(&checkpointer.folder, &checkpointer.identity)?;
        total = resumed.aggregate;
        first_block = resumed.blocks_done;
        checkpointer.every_blocks = checkpointer.every_blocks.or(resumed.every_blocks);
        StreamedFiles::append(&streamed_files, &checkpointer.folder)?
    } else {
        checkpoint::ensure_absent(&checkpointer.folder)?;
        // With periodic checkpoints the rows live in the checkpoint folder from the start.
        let folder = if checkpointer.every_blocks.is_some() {
            checkpoint::create_folder(&checkpointer.folder)?;
            checkpointer.folder.as_path()
        } else {
            staged.path()
        };
        StreamedFiles::create(&streamed_files, scenario, folder)?
    };
    if let Some(progress) = control.progress {
        progress(total.runs);
    }
    let resumed_runs = total.runs;

    let mut stop = StopReason::RunsReached;
    let simulation_started = Instant::now();
    pool.install(|| {
        engine::run_blocks(
            scenario,
            plan,
            Summaries::WithSeries,
            first_block..plan.n_blocks(),
            &mut total,
            |block, total| -> Result<Next, RunError> {
                streamed.write_block(&block.rows)?;
                if let Some(progress) = control.progress {
                    progress(total.runs);
                }
                if engine::all_met(&control.precision, total) {
                    stop = StopReason::PrecisionMet;
                    return Ok(Next::Stop);
                }
                // Only at the end of a group of blocks, so that where an interrupted run stops
                // depends on the block index alone; blocks simulated alongside are kept.
                let interrupted = block.ends_wave
                    && control
                        .interrupt
                        .is_some_and(|flag| flag.load(Ordering::SeqCst));
                let blocks_done = block.index + 1;
                checkpointer.after_block(blocks_done, interrupted, total, &mut streamed)?;
                if interrupted && blocks_done != plan.n_blocks() {
                    stop = StopReason::Interrupted;
                    return Ok(Next::Stop);
                }
                Ok(Next::Continue)
            },
        )
    })?;
    let simulation_time = simulation_started.elapsed();
    if stop == StopReason::Interrupted {
        // The checkpointer synced the rows when it wrote the checkpoint at this block.
        return Err(RunError::Interrupted {
            runs_done: total.runs,
            runs: plan.runs,
            checkpoint: checkpointer.folder,
        });
    }
    streamed.finish(staged.path())?;
    let stopping = (!control.precision.is_empty()).then(|| Stopping {
        reason: stop,
        run_cap: plan.runs,
        targets: &control.precision,
    });
    let histograms = results::write_result_files(
        &staged,
        scenario,
        plan.seed,
        &total,
        stopping.as_ref(),
        options.charts,
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
    checkpoint::remove(&checkpointer.folder);
    Ok(WrittenRun {
        folder,
        aggregate: total,
        histograms,
        simulation_time,
        stop,
        resumed_runs,
    })
}

/// Runs shard `shard` of `plan` and writes its part folder at `destination`.
pub fn run_part(
    scenario: &Scenario,
    plan: &RunPlan,
    shard: Shard,
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
    interrupt: Option<&AtomicBool>,
) -> Result<PathBuf, RunError> {
    let pool = thread_pool(options.threads)?;
    let blocks = shard.range(plan.n_blocks());
    let share = RunPlan {
        seed: plan.seed,
        runs: ((blocks.end - blocks.start) * BLOCK_SIZE).min(plan.runs),
    };
    let threads = pool.current_num_threads();
    budget::check(scenario, &share, 1, threads, true, options.max_hours)?;
    let staged = StagedDir::new(destination, PART_FILE, &[&scenario.name], options.force)?;
    let streamed_files = files::streamed(scenario, options.parameters);
    let mut streamed = StreamedFiles::create(&streamed_files, scenario, staged.path())?;
    let mut partial = Partial::new(blocks.clone(), Aggregate::new(scenario));
    let mut total = Aggregate::new(scenario);
    pool.install(|| {
        engine::run_blocks(
            scenario,
            plan,
            Summaries::WithSeries,
            blocks.clone(),
            &mut total,
            |block, _| -> Result<Next, RunError> {
                streamed.write_block(&block.rows)?;
                partial.add(block);
                // A shard is the unit of restart: stopped, it keeps nothing (the staging folder
                // goes with `staged`), and is run again whole; after its last block it is done,
                // and finishes.
                let last = block.index + 1 == blocks.end;
                if block.ends_wave
                    && !last
                    && interrupt.is_some_and(|flag| flag.load(Ordering::Relaxed))
                {
                    return Err(RunError::ShardInterrupted {
                        index: shard.index,
                        count: shard.count,
                    });
                }
                Ok(Next::Continue)
            },
        )
    })?;
    streamed.finish(staged.path())?;

    let info = PartInfo::new(
        "run",
        &scenario.name,
        &scenario.hash,
        plan.seed,
        plan.runs,
        shard,
        blocks,
    );
    let source = scenario::canonical_text(&scenario.raw);
    part::write_part_files(&staged, &info, SCENARIO_FILE, &source, &partial)?;
    let contents = Contents::single(
        provenance,
        scenario,
        plan.seed,
        total.runs,
        pool.current_num_threads(),
    );
    manifest::write(staged.path(), &contents, provenance)?;
    Ok(staged.commit()?)
}
