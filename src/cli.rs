//! Command-line arguments: parsing and help text only; [`crate::commands`] does the work.
//!
//! Arguments several commands share are one flattened struct each ([`PlanArgs`],
//! [`ThreadArgs`], [`OutputArgs`], [`ShardArg`]), converted into the engine's and writers'
//! options in one place ([`crate::commands::options`]).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::engine::PrecisionRequest;
use crate::scenario::MAX_RUNS;
use crate::scoring::MinSkill;

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
    /// charts/, report.html and manifest.json.
    Run(RunArgs),
    /// List the scenarios built into secsim, with their descriptions; every command that takes
    /// a scenario file takes one of these names too.
    Scenarios,
    /// Print a built-in scenario's text, exactly: `secsim show niger_baseline > mine.ron`
    /// starts your own.
    Show(ShowArgs),
    /// Merge the part folders of a sharded run (`run --shard K/M`) or batch into the results a
    /// single run would have written, byte for byte.
    Merge(MergeArgs),
    /// Check scenario files without running them; exit 0 when all are valid.
    Validate(ValidateArgs),
    /// Run several scenarios with common random numbers and compare them run by run.
    Compare(CompareArgs),
    /// Run every design point of an experiment file.
    Batch(BatchArgs),
    /// Which uncertain parameters drive each outcome: Sobol indices or Morris screening.
    Sensitivity(SensitivityArgs),
    /// Run a scenario and write a baseline file for `secsim check`: a digest of the exact
    /// results and the summaries a statistical comparison needs.
    Baseline(BaselineArgs),
    /// Re-run a scenario with a baseline's seed and runs and compare with it; exit 1 when the
    /// results moved. Writes nothing.
    Check(CheckArgs),
    /// Run a scenario on one thread and on all cores and check the result files are the same
    /// bytes; exit 1 when they are not.
    Selftest(SelftestArgs),
    /// Run a scenario and score its forecasts against observed data (CRPS, interval score,
    /// coverage, PIT, bias) and against benchmarks built from the months before its start;
    /// writes scores.csv, scores.json, charts/, report.html and manifest.json.
    Score(ScoreArgs),
    /// Calibrate a scenario's uncertain parameters (their distributions are the priors) to
    /// observed data by ABC-SMC; writes posterior.csv, calibration.json, calibrated.ron,
    /// charts/, report.html and manifest.json.
    Calibrate(CalibrateArgs),
    /// Scenario discovery on a run's results: which uncertain parameters and events lead to an
    /// outcome of interest (PRIM, or CART with --method cart); writes trajectory.csv, boxes.csv,
    /// stability.csv and manifest.json (CART: boxes.csv and manifest.json).
    Discover(DiscoverArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("case").required(true).multiple(false)))]
pub struct DiscoverArgs {
    /// A results folder written by `secsim run` (with outcomes.csv and parameters.csv).
    pub results: PathBuf,
    /// The outcome that defines the runs of interest, by its name in outcomes.csv.
    #[arg(long)]
    pub outcome: String,
    /// Runs of interest have the outcome above X (a run without a value is not one).
    #[arg(long, value_name = "X", group = "case", allow_negative_numbers = true)]
    pub above: Option<f64>,
    /// Runs of interest have the outcome below X (a run without a value is not one).
    #[arg(long, value_name = "X", group = "case", allow_negative_numbers = true)]
    pub below: Option<f64>,
    /// Runs of interest have the yes/no outcome equal to 1.
    #[arg(long = "true", group = "case")]
    pub is_true: bool,
    /// The discovery method: prim (peeling and pasting) or cart (a classification tree's leaves
    /// as boxes, as EMA Workbench's CART).
    #[arg(long, value_enum, default_value = "prim")]
    pub method: DiscoveryMethodArg,
    /// Share of the box's runs one peel removes (PRIM's peel_alpha), in (0, 0.5); PRIM only.
    #[arg(long, default_value_t = crate::experiment::prim::DEFAULT_PEEL_ALPHA, value_parser = peel_share)]
    pub alpha: f64,
    /// Smallest share of all runs a box may hold (PRIM's mass_min; CART's leaves hold at least
    /// its whole number of runs), in [0, 1].
    #[arg(long, default_value_t = crate::experiment::prim::DEFAULT_MIN_MASS, value_parser = unit_share)]
    pub min_mass: f64,
    /// Density the last box of the trajectory needs to be chosen (PRIM's threshold), in (0, 1];
    /// below it no box is chosen unless --box says which. With cart: the density a leaf needs
    /// to be printed.
    #[arg(long, default_value_t = crate::commands::discover::DEFAULT_THRESHOLD, value_parser = positive_share)]
    pub threshold: f64,
    /// Choose step K of the trajectory instead (0 = all runs); with cart, describe box K of
    /// boxes.csv (1 = the densest).
    #[arg(long = "box", value_name = "K")]
    pub box_step: Option<usize>,
    /// Folder for the results [default: RESULTS/discover_<outcome>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the output folder even if it holds results of another scenario.
    #[arg(long)]
    pub force: bool,
    /// Skip charts/ (report.html is written without images).
    #[arg(long)]
    pub no_charts: bool,
}

/// Scenario discovery methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiscoveryMethodArg {
    /// The Patient Rule Induction Method (`experiment::prim`).
    Prim,
    /// A classification tree (CART; `experiment::cart`): scikit-learn's tree as EMA
    /// Workbench's CART fits it, each leaf a box.
    Cart,
}

/// Parses a share in (0, 0.5).
fn peel_share(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value > 0.0 && value < 0.5 => Ok(value),
        _ => Err(format!("expected a number in (0, 0.5), got {text:?}")),
    }
}

/// Parses a share in [0, 1].
fn unit_share(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("expected a number in [0, 1], got {text:?}")),
    }
}

/// Parses a share in (0, 1].
fn positive_share(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value > 0.0 && value <= 1.0 => Ok(value),
        _ => Err(format!("expected a number in (0, 1], got {text:?}")),
    }
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// A scenario file with `--observed`, or several `SCENARIO.ron=OBSERVED.csv` pairs that
    /// share parameters by name. The results folder defaults to
    /// output/<first file stem>_calibration.
    #[arg(required = true, num_args = 1..)]
    pub targets: Vec<String>,
    /// Observed series for a single scenario: CSV with header `metric,actor,date,value`.
    #[arg(long, value_name = "FILE")]
    pub observed: Option<PathBuf>,
    /// Only these observed series count, written METRIC:ACTOR (e.g. attacks:Mali); repeatable
    /// [default: every observed series the model produces].
    #[arg(long, value_name = "METRIC:ACTOR")]
    pub series: Vec<String>,
    /// Particles per generation.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..=100_000))]
    pub particles: u64,
    /// Generations at most (generation 0 is the prior).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub generations: u64,
    /// Replications simulated per particle.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub runs_per_particle: u64,
    /// Master seed [default: the first scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Quantile of the previous generation's distances that sets each tolerance.
    #[arg(long, default_value_t = 0.5)]
    pub quantile: f64,
    /// Stop when a generation's acceptance rate falls below this.
    #[arg(long, default_value_t = 0.01)]
    pub min_acceptance: f64,
    #[command(flatten)]
    pub threads: ThreadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Scenario file (RON) or built-in scenario name. The results folder defaults to
    /// output/<file stem>_scores.
    pub scenario: PathBuf,
    /// Observed series: CSV with header `metric,actor,date,value` (date YYYY-MM). Rows before
    /// the start feed the benchmarks; rows after the horizon are skipped and reported.
    #[arg(long, value_name = "FILE")]
    pub observed: PathBuf,
    /// Observed outcome values: CSV with header `outcome,value`, one row per outcome of the
    /// scenario.
    #[arg(long, value_name = "FILE")]
    pub observed_outcomes: Option<PathBuf>,
    /// Exit 1 when any scored series' CRPS skill against BENCHMARK (persistence,
    /// last_12_months, negative_binomial) is below X; repeatable. The files are written first.
    #[arg(long, value_name = "BENCHMARK=X")]
    pub min_skill: Vec<MinSkill>,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub threads: ThreadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `secsim show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A built-in scenario's name, as `secsim scenarios` lists it.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (RON), or a built-in scenario's name (`secsim scenarios`); a file of that
    /// name wins [default: the main scenario, niger_realignment].
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub threads: ThreadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub shard: ShardArg,
    /// Keep adding blocks of 1000 runs until OUTCOME's mean has this Monte Carlo standard error
    /// (VALUE in the outcome's unit, or VALUE% of the mean); repeatable, every one must be met.
    /// `--runs` is then the cap.
    #[arg(long, value_name = "OUTCOME=VALUE[%]", conflicts_with = "shard")]
    pub precision: Vec<PrecisionRequest>,
    /// Write a checkpoint every N replications (rounded up to whole blocks of 1000), so that a
    /// killed run can go on with `--resume`. Ctrl-C and SIGTERM always write one.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_RUNS), conflicts_with = "shard")]
    pub checkpoint_every: Option<u64>,
    /// Continue an interrupted run from its checkpoint (`<out>.checkpoint`); give the same
    /// scenario, --seed, --runs, --precision and --no-parameters as the interrupted command.
    #[arg(long, conflicts_with = "shard")]
    pub resume: bool,
    /// Skip parameters.csv (each run's uncertain parameter values and event months, written
    /// when the scenario has uncertain parameters or events).
    #[arg(long)]
    pub no_parameters: bool,
}

/// How many replications and which seed.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Number of replications [default: the scenario's `runs`, else 1000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_RUNS))]
    pub runs: Option<u64>,
    /// Master seed [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
}

/// How many worker threads.
#[derive(Debug, Args)]
pub struct ThreadArgs {
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

/// Where results go and what is written besides the tables.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Results folder [default: output/<input file stem>, see the command's description].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip charts/ and report.html.
    #[arg(long)]
    pub no_charts: bool,
    /// No progress bar and no preamble on stderr.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub guard: GuardArgs,
}

/// Which shard of the work to do.
#[derive(Debug, Args)]
pub struct ShardArg {
    /// Compute only shard K of M (K = 1..M) and write a part folder for `secsim merge`: the
    /// replication blocks (or design points) are split into M contiguous ranges of nearly equal
    /// size.
    #[arg(long, value_name = "K/M", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
}

/// Parses `K/M` with 1 <= K <= M.
fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let parsed = text
        .split_once('/')
        .and_then(|(k, m)| Some((k.trim().parse::<u64>().ok()?, m.trim().parse::<u64>().ok()?)));
    match parsed {
        Some((k, m)) if (1..=m).contains(&k) && m <= MAX_SHARDS => Ok((k, m)),
        _ => Err(format!(
            "expected K/M with 1 <= K <= M <= {MAX_SHARDS}, e.g. 3/8, got {text:?}"
        )),
    }
}

/// Options of every command that writes a results folder: what it may replace, how long it may
/// take.
#[derive(Debug, Args)]
pub struct GuardArgs {
    /// Replace the results folder even if it holds results of another scenario or experiment.
    #[arg(long)]
    pub force: bool,
    /// Refuse to start work estimated (from a lower bound of the cost per actor-month) to take
    /// longer than this many hours.
    #[arg(long, value_name = "HOURS", default_value_t = crate::engine::budget::DEFAULT_MAX_HOURS, value_parser = parse_hours)]
    pub max_hours: f64,
}

/// Parses a positive, finite number of hours.
fn parse_hours(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(hours) if hours.is_finite() && hours > 0.0 => Ok(hours),
        _ => Err(format!("expected a positive number of hours, got {text:?}")),
    }
}

/// Most shards a run or batch can be split into.
const MAX_SHARDS: u64 = 100_000;

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Part folders written by `run --shard K/M` (or `batch --shard K/M`), all M of them, in
    /// any order.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Results folder.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Skip charts/ and report.html.
    #[arg(long)]
    pub no_charts: bool,
    /// Replace the results folder even if it holds results of another scenario or experiment.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files (RON) or built-in scenario names.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print the fully resolved scenario (variants expanded) as RON on stdout, and nothing else.
    #[arg(long)]
    pub resolved: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files (RON) or built-in scenario names; the first is the one the others are
    /// compared against. The results folder defaults to
    /// output/compare_<first stem>_vs_<second stem>...; `--runs` defaults to the largest `runs`
    /// among the scenarios and `--seed` to the first one's.
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub threads: ThreadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Experiment file (RON); it sets the runs per point and the seed.
    pub experiment: PathBuf,
    #[command(flatten)]
    pub threads: ThreadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub shard: ShardArg,
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
    /// Scenario file (RON) or built-in scenario name; its `uncertain` parameters are the
    /// factors. Results go to output/<scenario file stem>_sensitivity_<method> unless `--out`
    /// says otherwise.
    pub scenario: PathBuf,
    /// Analysis method.
    #[arg(long, value_enum, default_value = "sobol")]
    pub method: MethodArg,
    /// Sobol: base sample size N, evaluating N x (k + 2) points for k parameters (a power of
    /// two is best) [default: 64]. Morris: trajectories r, evaluating r x (k + 1) points
    /// [default: 20].
    #[arg(long)]
    pub samples: Option<usize>,
    /// Replications per design point; indices use each point's mean outcome [default: 100].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_RUNS))]
    pub runs: Option<u64>,
    /// Master seed, shared by all points [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub threads: ThreadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Scenario file (RON) or built-in scenario name.
    pub scenario: PathBuf,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Baseline file to write (JSON), replaced atomically.
    #[arg(long)]
    pub out: PathBuf,
}

/// How `secsim check` compares.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ModeArg {
    /// The digest of summary.json (without its version and scenario hash), timeseries.csv and
    /// outcomes.csv must equal the baseline's.
    Exact,
    /// Means, quantiles and event probabilities within K Monte Carlo standard errors.
    Statistical,
}

/// Report formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// For people.
    Text,
    /// For programs, on stdout.
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (RON) or built-in scenario name, as it is now.
    pub scenario: PathBuf,
    /// Baseline file written by `secsim baseline`.
    #[arg(long)]
    pub baseline: PathBuf,
    /// How to compare.
    #[arg(long, value_enum, default_value = "exact")]
    pub mode: ModeArg,
    /// Statistical mode: the multiple K of the combined Monte Carlo standard errors allowed.
    #[arg(long, default_value_t = crate::output::check::DEFAULT_TOLERANCE, value_parser = positive_number)]
    pub tolerance: f64,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    #[command(flatten)]
    pub threads: ThreadArgs,
}

#[derive(Debug, Args)]
pub struct SelftestArgs {
    /// Scenario file (RON) or built-in scenario name. More than 1000 runs split into several
    /// blocks, which is what the test is about.
    pub scenario: PathBuf,
    #[command(flatten)]
    pub plan: PlanArgs,
}

/// A finite number above zero.
fn positive_number(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!("{text:?} is not a number above 0")),
    }
}
