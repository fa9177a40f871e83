//! Command-line arguments. Parsing and help text only: what each command does lives in the
//! library.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use secsim::scenario::MAX_RUNS;

/// Monte Carlo scenarios of regional security outcomes.
#[derive(Debug, Parser)]
#[command(name = "secsim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario's replications and write summary.json, timeseries.csv, outcomes.csv,
    /// charts/ and report.html.
    Run(RunArgs),
    /// Check scenario files without running them; exit 0 when all are valid.
    Validate(ValidateArgs),
    /// Run several scenarios with common random numbers and compare them run by run.
    Compare(CompareArgs),
    /// Run every design point of an experiment file.
    Batch(BatchArgs),
    /// Which uncertain parameters drive each outcome: Sobol indices or Morris screening.
    Sensitivity(SensitivityArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (RON).
    pub scenario: PathBuf,
    /// Number of replications [default: the scenario's `runs`, else 1000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_RUNS))]
    pub runs: Option<u64>,
    /// Master seed [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Results folder [default: output/<scenario file stem>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip charts/ and report.html.
    #[arg(long)]
    pub no_charts: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files (RON).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print the fully resolved scenario (variants expanded) as RON on stdout, and nothing else.
    #[arg(long)]
    pub resolved: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files (RON); the first is the one the others are compared against.
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<PathBuf>,
    /// Replications per scenario [default: the largest `runs` among the scenarios, else 1000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_RUNS))]
    pub runs: Option<u64>,
    /// Master seed, shared by all scenarios [default: the first scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Comparison folder [default: output/compare_<first stem>_vs_<second stem>...].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip charts/ and report.html.
    #[arg(long)]
    pub no_charts: bool,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Experiment file (RON).
    pub experiment: PathBuf,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Results folder [default: output/<experiment file stem>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip charts/.
    #[arg(long)]
    pub no_charts: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Sensitivity analysis methods.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum MethodArg {
    /// Sobol first-order and total indices with bootstrap 95% intervals (Saltelli sampling).
    Sobol,
    /// Morris elementary effects (mu*, sigma): cheaper screening.
    Morris,
}

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// Scenario file (RON); its `uncertain` parameters are the factors.
    pub scenario: PathBuf,
    /// Analysis method.
    #[arg(long, value_enum, default_value = "sobol")]
    pub method: MethodArg,
    /// Sobol: base sample size N, evaluating N x (k + 2) points for k parameters (a power of
    /// two is best) [default: 64]. Morris: trajectories r, evaluating r x (k + 1) points
    /// [default: 20].
    #[arg(long)]
    pub samples: Option<usize>,
    /// Replications per design point; indices use each point's mean outcome.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=MAX_RUNS))]
    pub runs: u64,
    /// Master seed, shared by all points [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Results folder [default: output/<scenario file stem>_sensitivity].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip charts/.
    #[arg(long)]
    pub no_charts: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}
