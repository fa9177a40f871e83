//! `secsim check`: re-runs a scenario with a baseline's seed and runs and compares the results
//! with the baseline ([`crate::output::check`] compares and renders). Writes nothing.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::{RunError, Terminal, exit_code, say};
use crate::cli::{CheckArgs, FormatArg, ModeArg};
use crate::engine::RunPlan;
use crate::output::baseline::{self, Baseline};
use crate::output::check::{self, CheckOptions, Mode, Report};
use crate::scenario::{self, Scenario};

/// `secsim check`.
pub fn execute(args: CheckArgs, terminal: &mut Terminal) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load_named(&args.scenario)?;
    let baseline = baseline::load(&args.baseline)?;
    let options = CheckOptions {
        mode: match args.mode {
            ModeArg::Exact => Mode::Exact,
            ModeArg::Statistical => Mode::Statistical,
        },
        tolerance: args.tolerance,
        threads: args.threads.count(),
    };
    let report = check(
        &scenario,
        &args.scenario,
        &baseline,
        &args.baseline,
        options,
    )
    .with_context(|| format!("cannot run {}", args.scenario.display()))?;
    let text = match args.format {
        FormatArg::Text => check::render_text(&report),
        FormatArg::Json => check::render_json(&report)?,
    };
    say(terminal, &text)?;
    Ok(exit_code(report.pass))
}

/// Runs `scenario` with `baseline`'s seed and runs and compares the results.
pub fn check(
    scenario: &Scenario,
    scenario_file: &Path,
    baseline: &Baseline,
    baseline_file: &Path,
    options: CheckOptions,
) -> Result<Report, RunError> {
    let plan = RunPlan {
        seed: baseline.seed,
        runs: baseline.runs,
    };
    let pool = super::thread_pool(options.threads)?;
    let now = super::baseline::measure(scenario, &plan, &pool)?;
    let mut report = check::compare(baseline, &now, options.mode, options.tolerance);
    report.threads = pool.current_num_threads();
    report.scenario_file = scenario_file.to_path_buf();
    report.baseline_file = baseline_file.to_path_buf();
    Ok(report)
}
