//! The one conversion of shared command-line arguments into what the engine and the writers
//! take, and the defaults they resolve to: each is decided here and nowhere else.

use std::path::{Path, PathBuf};

use crate::cli::{OutputArgs, PlanArgs, ShardArg, ThreadArgs};
use crate::engine::{RunPlan, Shard, budget};
use crate::output::manifest::Provenance;

use super::Invocation;

/// Replications when neither the command line nor the scenario says.
pub const DEFAULT_RUNS: u64 = 1000;
/// Seed when neither the command line nor the scenario says.
pub const DEFAULT_SEED: u64 = 1;

/// How to run and what to write besides the tables.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Worker threads; all cores when `None`.
    pub threads: Option<usize>,
    /// Write `charts/` and `report.html`.
    pub charts: bool,
    /// Write `parameters.csv` (when the scenario has uncertain parameters or events).
    pub parameters: bool,
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
            parameters: true,
            force: false,
            max_hours: budget::DEFAULT_MAX_HOURS,
        }
    }
}

impl RunOptions {
    /// The options `--threads`, `--no-charts`, `--force` and `--max-hours` ask for.
    pub fn from_args(threads: &ThreadArgs, output: &OutputArgs) -> RunOptions {
        RunOptions {
            threads: threads.count(),
            charts: !output.no_charts,
            // Only `secsim run` turns it off (`--no-parameters`).
            parameters: true,
            force: output.guard.force,
            max_hours: output.guard.max_hours,
        }
    }
}

impl ThreadArgs {
    /// The thread count asked for; `None` for one per core.
    pub fn count(&self) -> Option<usize> {
        self.threads.map(usize::from)
    }
}

impl PlanArgs {
    /// The plan: the command line's `--runs` and `--seed`, else the scenario's (`runs`,
    /// `seed`), else [`DEFAULT_RUNS`] and [`DEFAULT_SEED`].
    pub fn resolve(&self, scenario_runs: Option<u64>, scenario_seed: Option<u64>) -> RunPlan {
        RunPlan {
            seed: self.seed.or(scenario_seed).unwrap_or(DEFAULT_SEED),
            runs: self.runs.or(scenario_runs).unwrap_or(DEFAULT_RUNS),
        }
    }
}

impl ShardArg {
    /// The shard asked for, if any (clap has checked 1 <= K <= M).
    pub fn shard(&self) -> Option<Shard> {
        self.shard
            .and_then(|(index, count)| Shard::new(index, count))
    }
}

impl OutputArgs {
    /// `--out`, else `output/<default_name>` (creating `output/`).
    pub fn destination(&self, default_name: &str) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| default_folder().join(default_name))
    }
}

/// A file's stem, for default folder names (`results` when it has none).
pub fn file_stem(file: &Path) -> String {
    file.file_stem().map_or_else(
        || "results".into(),
        |stem| stem.to_string_lossy().into_owned(),
    )
}

/// `output/`, created if missing: the one parent folder secsim makes itself (an `--out` whose
/// parent is missing is refused, since it is more often a typo than a wish).
pub fn default_folder() -> PathBuf {
    let folder = PathBuf::from("output");
    let _ = std::fs::create_dir_all(&folder);
    folder
}

/// What manifest.json records of this invocation.
pub fn provenance(command: &str, invocation: &Invocation, input_files: &[PathBuf]) -> Provenance {
    Provenance {
        command: command.to_owned(),
        command_line: invocation.command_line.clone(),
        started: invocation.started_at,
        input_files: input_files.to_vec(),
    }
}

/// A progress bar on stderr, hidden when stderr is not a terminal or with `--quiet`.
pub fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
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
