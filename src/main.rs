//! The `secsim` command: parse options, load, run, export, exit code.

mod cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;

use cli::{Cli, Command, CompareArgs, RunArgs, ValidateArgs};
use secsim::engine::RunPlan;
use secsim::output::compare::{self, Compared};
use secsim::output::results::{self, RunOptions};
use secsim::output::table;
use secsim::scenario;

/// Replications when neither the command line nor the scenario says.
const DEFAULT_RUNS: u64 = 1000;
/// Seed when neither the command line nor the scenario says.
const DEFAULT_SEED: u64 = 1;
/// Exit code for bad usage or input (clap uses it for usage errors too).
const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Validate(args) => validate(args),
        Command::Compare(args) => compare(args),
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

fn default_out(scenario_file: &Path) -> PathBuf {
    Path::new("output").join(file_stem(scenario_file))
}

fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
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
    };
    let written = results::run_to_folder(&scenario, &plan, options, &destination)
        .with_context(|| format!("cannot write results to {}", destination.display()))?;
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
    println!("results in {}", written.folder.display());
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
        print!("{}", scenario::canonical_text(&scenario.raw));
        return Ok(ExitCode::SUCCESS);
    }
    let mut all_valid = true;
    for file in &args.files {
        match scenario::load(file) {
            Ok(scenario) => println!("{}: ok ({})", file.display(), scenario.name),
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

fn compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
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
    };
    let destination = args.out.unwrap_or_else(|| {
        let stems: Vec<String> = args.scenarios.iter().map(|file| file_stem(file)).collect();
        Path::new("output").join(format!("compare_{}", stems.join("_vs_")))
    });
    let started = Instant::now();
    let written = compare::compare_to_folder(&compared, &plan, options, &destination)
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
