//! The `secsim` command: parse options, load, run, export, exit code.

mod cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Instant, SystemTime};

use anyhow::Context;
use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};

use cli::{
    BaselineArgs, BatchArgs, CheckArgs, Cli, Command, CompareArgs, FormatArg, MergeArgs, MethodArg,
    ModeArg, RunArgs, SelftestArgs, SensitivityArgs, ValidateArgs,
};
use secsim::engine::{BLOCK_SIZE, PrecisionTarget, RunPlan, Shard};
use secsim::output::baseline;
use secsim::output::batch;
use secsim::output::check::{self, CheckOptions, Mode};
use secsim::output::compare::{self, Compared};
use secsim::output::manifest::Provenance;
use secsim::output::part::{self, Merged};
use secsim::output::results::{self, RunControl, RunError, RunOptions};
use secsim::output::selftest;
use secsim::output::sensitivity::{self, Method, OutcomeIndices, SensitivityPlan};
use secsim::output::table;
use secsim::scenario;
use secsim::experiment::file as experiment;

/// Replications when neither the command line nor the scenario says.
const DEFAULT_RUNS: u64 = 1000;
/// Seed when neither the command line nor the scenario says.
const DEFAULT_SEED: u64 = 1;
/// Exit code for a check that found a problem (`check`, `selftest`).
const EXIT_CHECK_FAILED: u8 = 1;
/// Exit code for bad usage or input (clap uses it for usage errors too).
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a run stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    // Read before anything else, for manifest.json: the library reads neither the clock nor
    // the command line.
    let started_at = SystemTime::now();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args, started_at),
        Command::Merge(args) => merge(args, started_at),
        Command::Validate(args) => validate(args),
        Command::Compare(args) => compare(args, started_at),
        Command::Batch(args) => batch(args, started_at),
        Command::Sensitivity(args) => sensitivity(args, started_at),
        Command::Baseline(args) => make_baseline(args),
        Command::Check(args) => check(args),
        Command::Selftest(args) => selftest(args, started_at),
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

fn file_stem(scenario_file: &Path) -> String {
    scenario_file.file_stem().map_or_else(
        || "results".into(),
        |stem| stem.to_string_lossy().into_owned(),
    )
}

/// `output/`, created if missing: the one parent folder secsim makes itself (an `--out` whose
/// parent is missing is refused, since it is more often a typo than a wish).
fn default_folder() -> PathBuf {
    let folder = PathBuf::from("output");
    let _ = std::fs::create_dir_all(&folder);
    folder
}

fn default_out(scenario_file: &Path) -> PathBuf {
    default_folder().join(file_stem(scenario_file))
}

/// What manifest.json records of this invocation.
fn provenance(command: &str, started_at: SystemTime, input_files: &[PathBuf]) -> Provenance {
    Provenance {
        command: command.to_owned(),
        command_line: std::env::args_os()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect(),
        started: started_at,
        input_files: input_files.to_vec(),
    }
}

fn exit_code(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_CHECK_FAILED)
    }
}

fn run(args: RunArgs, started_at: SystemTime) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario)?;
    let plan = RunPlan {
        seed: args.seed.or(scenario.default_seed).unwrap_or(DEFAULT_SEED),
        runs: args.runs.or(scenario.default_runs).unwrap_or(DEFAULT_RUNS),
    };
    let threads = args.threads.map(usize::from);
    let destination = args.out.unwrap_or_else(|| default_out(&args.scenario));
    let started = Instant::now();
    let options = RunOptions {
        threads,
        charts: !args.no_charts,
        force: args.guard.force,
        max_hours: args.guard.max_hours,
    };
    let provenance = provenance("run", started_at, std::slice::from_ref(&args.scenario));
    let context = || format!("cannot write results to {}", destination.display());
    let interrupt = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // The first signal asks the run to stop at the next block (with a checkpoint, unless it
        // is a shard); a second one, while the first is being honoured, ends the process at once.
        signal_hook::flag::register_conditional_shutdown(
            signal,
            i32::from(EXIT_INTERRUPTED),
            Arc::clone(&interrupt),
        )?;
        signal_hook::flag::register(signal, Arc::clone(&interrupt))?;
    }
    if let Some((index, count)) = args.shard {
        let shard = Shard::new(index, count).context("--shard K/M needs 1 <= K <= M")?;
        let blocks = shard.range(plan.n_blocks());
        let written = part::run_part(
            &scenario,
            &plan,
            shard,
            options,
            &provenance,
            &destination,
            Some(&interrupt),
        );
        let folder = match written {
            Ok(folder) => folder,
            Err(error @ RunError::ShardInterrupted { .. }) => {
                eprintln!("{error}");
                return Ok(ExitCode::from(EXIT_INTERRUPTED));
            }
            Err(error) => return Err(error).with_context(context),
        };
        println!(
            "shard {index}/{count} of {} ({} runs, seed {}): runs {} to {} in {:.2} s",
            scenario.name,
            plan.runs,
            plan.seed,
            (blocks.start * BLOCK_SIZE).min(plan.runs),
            (blocks.end * BLOCK_SIZE).min(plan.runs),
            started.elapsed().as_secs_f64()
        );
        println!("part written to {}", folder.display());
        return Ok(ExitCode::SUCCESS);
    }
    let precision = args
        .precision
        .iter()
        .map(|text| PrecisionTarget::parse(&scenario, text))
        .collect::<Result<Vec<_>, String>>()
        .map_err(anyhow::Error::msg)?;
    let bar = progress_bar(plan.runs, args.quiet);
    let progress = |done| bar.set_position(done);
    let control = RunControl {
        precision,
        checkpoint_every_blocks: args.checkpoint_every.map(|runs| runs.div_ceil(BLOCK_SIZE)),
        resume: args.resume,
        interrupt: Some(&interrupt),
        progress: Some(&progress),
    };
    let written = match results::run_controlled(
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
            eprintln!("{error}");
            eprintln!("resume with: {}", resume_command());
            return Ok(ExitCode::from(EXIT_INTERRUPTED));
        }
        Err(error) => return Err(error).with_context(context),
    };
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let threads_used = threads.unwrap_or_else(rayon::current_num_threads);
    print!(
        "{}",
        table::render(
            &scenario,
            plan.seed,
            &written.aggregate,
            threads_used,
            elapsed
        )
    );
    if !control.precision.is_empty() {
        println!(
            "stopped after {} of at most {} runs: {}",
            written.aggregate.runs,
            plan.runs,
            written.stop.describe()
        );
    }
    println!("results in {}", written.folder.display());
    Ok(ExitCode::SUCCESS)
}

/// This command line with `--resume`, quoted for a POSIX shell where needed.
fn resume_command() -> String {
    let mut words: Vec<String> = std::env::args_os()
        .map(|word| word.to_string_lossy().into_owned())
        .collect();
    if !words.iter().any(|word| word == "--resume") {
        words.push("--resume".to_owned());
    }
    let quote = |word: &String| {
        let plain = word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=%:,+@".contains(c));
        if plain && !word.is_empty() {
            word.clone()
        } else {
            format!("'{}'", word.replace('\'', r"'\''"))
        }
    };
    words.iter().map(quote).collect::<Vec<_>>().join(" ")
}

fn merge(args: MergeArgs, started_at: SystemTime) -> anyhow::Result<ExitCode> {
    let options = RunOptions {
        threads: args.threads.map(usize::from),
        charts: !args.no_charts,
        force: args.guard.force,
        max_hours: args.guard.max_hours,
    };
    let provenance = provenance("merge", started_at, &args.parts);
    let merged = part::merge(&args.parts, options, &provenance, &args.out)
        .with_context(|| format!("cannot merge into {}", args.out.display()))?;
    match merged {
        Merged::Run(written) => println!(
            "merged {} parts: {} runs; results in {}",
            args.parts.len(),
            written.aggregate.runs,
            written.folder.display()
        ),
        Merged::Batch(written) => println!(
            "merged {} parts: {} points, {} replications; results in {}",
            args.parts.len(),
            written.points,
            written.replications,
            written.folder.display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    if args.resolved {
        let [file] = args.files.as_slice() else {
            anyhow::bail!(
                "--resolved takes exactly one file, got {}",
                args.files.len()
            );
        };
        let scenario = scenario::load(file)?;
        println!("{}", scenario::canonical_text(&scenario.raw));
        return Ok(ExitCode::SUCCESS);
    }
    let mut all_valid = true;
    for file in &args.files {
        let checked = if is_experiment_file(file) {
            experiment::load_experiment(file).map(|experiment| {
                format!(
                    "experiment {}, {} points of {} runs",
                    experiment.name,
                    experiment.points.len(),
                    experiment.runs
                )
            })
        } else {
            scenario::load(file).map(|scenario| scenario.name)
        };
        match checked {
            Ok(summary) => println!("{}: ok ({summary})", file.display()),
            Err(error) => {
                all_valid = false;
                eprintln!("error: {error}");
            }
        }
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

fn compare(args: CompareArgs, started_at: SystemTime) -> anyhow::Result<ExitCode> {
    let mut compared = Vec::with_capacity(args.scenarios.len());
    let mut problems = Vec::new();
    for file in &args.scenarios {
        match scenario::load(file) {
            Ok(scenario) => compared.push(Compared {
                file: file.clone(),
                scenario,
            }),
            Err(error) => problems.push(error.to_string()),
        }
    }
    if !problems.is_empty() {
        anyhow::bail!("{}", problems.join("\n"));
    }
    let plan = RunPlan {
        seed: args
            .seed
            .or(compared[0].scenario.default_seed)
            .unwrap_or(DEFAULT_SEED),
        runs: args
            .runs
            .or_else(|| {
                compared
                    .iter()
                    .filter_map(|item| item.scenario.default_runs)
                    .max()
            })
            .unwrap_or(DEFAULT_RUNS),
    };
    let options = RunOptions {
        threads: args.threads.map(usize::from),
        charts: !args.no_charts,
        force: args.guard.force,
        max_hours: args.guard.max_hours,
    };
    let destination = args.out.unwrap_or_else(|| {
        let stems: Vec<String> = args.scenarios.iter().map(|file| file_stem(file)).collect();
        default_folder().join(format!("compare_{}", stems.join("_vs_")))
    });
    let started = Instant::now();
    let provenance = provenance("compare", started_at, &args.scenarios);
    let written = compare::compare_to_folder(&compared, &plan, options, &provenance, &destination)
        .with_context(|| format!("cannot write results to {}", destination.display()))?;
    print!(
        "{}",
        table::render_comparison(&written.rows, plan.runs, plan.seed)
    );
    println!(
        "\nresults in {} ({:.2} s)",
        written.folder.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Whether a file holds an experiment rather than a scenario (unreadable files count as
/// scenarios, whose loader reports why they cannot be read).
fn is_experiment_file(file: &Path) -> bool {
    scenario::read_text(file).is_ok_and(|text| experiment::is_experiment(&text))
}

/// A progress bar on stderr, hidden when stderr is not a terminal or with `--quiet`.
fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} runs, {per_sec}, {elapsed} elapsed, about {eta} left",
    );
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

fn batch(args: BatchArgs, started_at: SystemTime) -> anyhow::Result<ExitCode> {
    let experiment = experiment::load_experiment(&args.experiment)?;
    let options = RunOptions {
        threads: args.threads.map(usize::from),
        charts: !args.no_charts,
        force: args.guard.force,
        max_hours: args.guard.max_hours,
    };
    let destination = args.out.unwrap_or_else(|| default_out(&args.experiment));
    let total = experiment.points.len() as u64 * experiment.runs;
    if !args.quiet && args.shard.is_none() {
        eprintln!(
            "{}: {} points x {} runs = {total} replications",
            experiment.name,
            experiment.points.len(),
            experiment.runs
        );
    }
    let started = Instant::now();
    let provenance = provenance("batch", started_at, std::slice::from_ref(&args.experiment));
    if let Some((index, count)) = args.shard {
        let shard = Shard::new(index, count).context("--shard K/M needs 1 <= K <= M")?;
        let points = shard.range(experiment.points.len() as u64);
        let bar = progress_bar((points.end - points.start) * experiment.runs, args.quiet);
        let folder = batch::batch_part(
            &experiment,
            shard,
            options,
            &provenance,
            &destination,
            |done, _| bar.set_position(done),
        )
        .with_context(|| format!("cannot write the part to {}", destination.display()))?;
        bar.finish_and_clear();
        println!(
            "shard {index}/{count} of {}: points {} to {} of {} in {:.2} s",
            experiment.name,
            points.start,
            points.end,
            experiment.points.len(),
            started.elapsed().as_secs_f64()
        );
        println!("part written to {}", folder.display());
        return Ok(ExitCode::SUCCESS);
    }
    let bar = progress_bar(total, args.quiet);
    let written = batch::batch_to_folder(
        &experiment,
        options,
        &provenance,
        &destination,
        |done, _| bar.set_position(done),
    )
    .with_context(|| format!("cannot write results to {}", destination.display()))?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}: {} points, {} replications in {seconds:.2} s ({:.0} runs/s)",
        experiment.name,
        written.points,
        written.replications,
        written.replications as f64 / seconds.max(1e-9)
    );
    println!("results in {}", written.folder.display());
    Ok(ExitCode::SUCCESS)
}

fn sensitivity(args: SensitivityArgs, started_at: SystemTime) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario)?;
    let method = match args.method {
        MethodArg::Sobol => Method::Sobol,
        MethodArg::Morris => Method::Morris,
    };
    let plan = SensitivityPlan {
        method,
        samples: args.samples.unwrap_or(match method {
            Method::Sobol => 64,
            Method::Morris => 20,
        }),
        runs: args.runs,
        seed: args.seed.or(scenario.default_seed).unwrap_or(DEFAULT_SEED),
    };
    let design = sensitivity::design(&scenario, &plan).map_err(|problems| {
        scenario::ScenarioError::Invalid {
            file: args.scenario.clone(),
            problems,
        }
    })?;
    let total = design.points.len() as u64 * plan.runs;
    if total > scenario::MAX_RUNS {
        anyhow::bail!(
            "{total} replications in all, over the limit of {}: lower --samples or --runs",
            scenario::MAX_RUNS
        );
    }
    eprintln!(
        "{}: {} parameters, {} points x {} runs = {total} replications",
        scenario.name,
        design.factors.len(),
        design.points.len(),
        plan.runs
    );
    let options = RunOptions {
        threads: args.threads.map(usize::from),
        charts: !args.no_charts,
        force: args.guard.force,
        max_hours: args.guard.max_hours,
    };
    let destination = args.out.unwrap_or_else(|| {
        default_folder().join(format!("{}_sensitivity", file_stem(&args.scenario)))
    });
    let bar = progress_bar(total, args.quiet);
    let provenance = provenance(
        "sensitivity",
        started_at,
        std::slice::from_ref(&args.scenario),
    );
    let written = sensitivity::sensitivity_to_folder(
        &scenario,
        &design,
        &plan,
        options,
        &provenance,
        &destination,
        |done, _| bar.set_position(done),
    )
    .with_context(|| format!("cannot write results to {}", destination.display()))?;
    bar.finish_and_clear();
    for (outcome, indices) in &written.results {
        println!("\n{outcome}");
        match indices {
            OutcomeIndices::Sobol(all) => {
                println!(
                    "  {:<32} {:>22} {:>22}",
                    "parameter", "S1 (95% CI)", "ST (95% CI)"
                );
                for (factor, i) in design.factors.iter().zip(all) {
                    println!(
                        "  {:<32} {:>22} {:>22}",
                        factor.name,
                        format!("{:.3} ({:.3}, {:.3})", i.s1, i.s1_low, i.s1_high),
                        format!("{:.3} ({:.3}, {:.3})", i.st, i.st_low, i.st_high)
                    );
                }
            }
            OutcomeIndices::Morris(all) => {
                println!("  {:<32} {:>14} {:>14}", "parameter", "mu*", "sigma");
                for (factor, e) in design.factors.iter().zip(all) {
                    println!(
                        "  {:<32} {:>14.4} {:>14.4}",
                        factor.name, e.mu_star, e.sigma
                    );
                }
            }
            OutcomeIndices::Missing => {
                println!("  no value at some design points (a threshold never crossed): left out")
            }
        }
    }
    println!("\nresults in {}", written.folder.display());
    Ok(ExitCode::SUCCESS)
}

fn make_baseline(args: BaselineArgs) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario)?;
    let plan = RunPlan {
        seed: args.seed.or(scenario.default_seed).unwrap_or(DEFAULT_SEED),
        runs: args.runs.or(scenario.default_runs).unwrap_or(DEFAULT_RUNS),
    };
    let made = baseline::measure(&scenario, &plan, args.threads.map(usize::from))
        .with_context(|| format!("cannot run {}", args.scenario.display()))?;
    baseline::write(&made, &args.out)
        .with_context(|| format!("cannot write the baseline {}", args.out.display()))?;
    println!(
        "baseline of {}: {} runs, seed {}, digest {}",
        made.scenario, made.runs, made.seed, made.digest
    );
    println!("written to {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario)?;
    let baseline = baseline::load(&args.baseline)?;
    let options = CheckOptions {
        mode: match args.mode {
            ModeArg::Exact => Mode::Exact,
            ModeArg::Statistical => Mode::Statistical,
        },
        tolerance: args.tolerance,
        threads: args.threads.map(usize::from),
    };
    let report = check::check(
        &scenario,
        &args.scenario,
        &baseline,
        &args.baseline,
        options,
    )
    .with_context(|| format!("cannot run {}", args.scenario.display()))?;
    match args.format {
        FormatArg::Text => print!("{}", check::render_text(&report)),
        FormatArg::Json => print!("{}", check::render_json(&report)?),
    }
    Ok(exit_code(report.pass))
}

fn selftest(args: SelftestArgs, started_at: SystemTime) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load(&args.scenario)?;
    let plan = RunPlan {
        seed: args.seed.or(scenario.default_seed).unwrap_or(DEFAULT_SEED),
        runs: args.runs.or(scenario.default_runs).unwrap_or(DEFAULT_RUNS),
    };
    let provenance = provenance("selftest", started_at, std::slice::from_ref(&args.scenario));
    let report = selftest::selftest(&scenario, &plan, &provenance)
        .with_context(|| format!("cannot run {}", args.scenario.display()))?;
    print!("{}", selftest::render(&report));
    Ok(exit_code(report.pass()))
}
