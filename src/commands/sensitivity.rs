//! `secsim sensitivity`: which uncertain parameters drive each outcome. Each design point
//! ([`crate::experiment::analysis`]) fixes every uncertain parameter and runs `runs`
//! replications with the shared seed (common random numbers across points); the indices are
//! computed on the points' mean outcomes. The folder gets a `manifest.json`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::options::{RunOptions, file_stem, progress_bar, provenance};
use super::{Invocation, RunError, Terminal, note, say, thread_pool};
use crate::cli::{MethodArg, SensitivityArgs};
use crate::engine::{self, RunPlan, budget};
use crate::experiment::analysis::{
    self, Method, OutcomeIndices, SensitivityDesign, SensitivityPlan,
};
use crate::output::files::{CHARTS_FOLDER, REPORT_FILE};
use crate::output::manifest::{self, Contents, Input, Provenance};
use crate::output::sensitivity::{
    POINTS_FILE, SENSITIVITY_FILE, charts, render_table, report, unconverged, write_indices,
    write_points,
};
use crate::output::{OutputError, StagedDir, results};
use crate::scenario::{self, Scenario};
use crate::stats::point_mean;

/// Replications per design point when `--runs` is not given.
pub const DEFAULT_RUNS_PER_POINT: u64 = 100;

/// `secsim sensitivity`.
pub fn execute(
    args: SensitivityArgs,
    invocation: &Invocation,
    terminal: &mut Terminal,
) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load_named(&args.scenario)?;
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
        runs: args.runs.unwrap_or(DEFAULT_RUNS_PER_POINT),
        seed: args
            .seed
            .or(scenario.default_seed)
            .unwrap_or(super::options::DEFAULT_SEED),
    };
    let design = analysis::design(&scenario, &plan).map_err(|problems| {
        scenario::ScenarioError::Invalid {
            file: args.scenario.clone(),
            problems,
        }
    })?;
    let total = design.len() as u64 * plan.runs;
    if total > scenario::MAX_RUNS {
        anyhow::bail!(
            "{total} replications in all, over the limit of {}: lower --samples or --runs",
            scenario::MAX_RUNS
        );
    }
    if !args.output.quiet {
        note(
            terminal,
            &format!(
                "{}: {} parameters, {} points x {} runs = {total} replications\n",
                scenario.name,
                design.factors.len(),
                design.len(),
                plan.runs
            ),
        );
    }
    let options = RunOptions::from_args(&args.threads, &args.output);
    // One folder per method by default, so that a Morris screening does not replace the
    // Sobol indices of the same scenario.
    let method_name = match args.method {
        MethodArg::Sobol => "sobol",
        MethodArg::Morris => "morris",
    };
    let destination = args.output.destination(&format!(
        "{}_sensitivity_{method_name}",
        file_stem(&args.scenario)
    ));
    let bar = progress_bar(total, args.output.quiet);
    let provenance = provenance(
        "sensitivity",
        invocation,
        std::slice::from_ref(&args.scenario),
    );
    let written = sensitivity_to_folder(
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
    let mut text = render_table(&scenario, plan.method, &design.factors, &written.results);
    let warnings: Vec<String> = unconverged(&design.factors, &written.results)
        .into_iter()
        .map(|(outcome, parameter, why)| format!("  {outcome}, {parameter}: {why}"))
        .collect();
    if !warnings.is_empty() {
        // Interval widths shrink as 1 / sqrt(N): four times the samples halves them.
        text.push_str(&format!(
            "\nwarning: Sobol estimates not converged with --samples {}:\n{}\nrerun with --samples {} (intervals about half as wide)\n",
            plan.samples,
            warnings.join("\n"),
            plan.samples * 4
        ));
    }
    text.push_str(&format!("\nresults in {}\n", written.folder.display()));
    say(terminal, &text)?;
    Ok(ExitCode::SUCCESS)
}

/// What a finished analysis wrote.
pub struct WrittenSensitivity {
    pub folder: PathBuf,
    pub results: Vec<(String, OutcomeIndices)>,
}

/// Runs every point of `design` and writes the analysis folder at `destination`. `provenance`
/// (its first input file is the scenario's) goes into `manifest.json`.
pub fn sensitivity_to_folder(
    scenario: &Scenario,
    design: &SensitivityDesign,
    plan: &SensitivityPlan,
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
    mut progress: impl FnMut(u64, u64) + Send,
) -> Result<WrittenSensitivity, RunError> {
    let pool = thread_pool(options.threads)?;
    let run_plan = RunPlan {
        seed: plan.seed,
        runs: plan.runs,
    };
    let points = design.len() as u64;
    let threads = pool.current_num_threads();
    budget::check(
        scenario,
        &run_plan,
        points,
        threads,
        false,
        options.max_hours,
    )?;
    let staged = StagedDir::new(
        destination,
        SENSITIVITY_FILE,
        &[&scenario.name],
        options.force,
    )?;
    let n_outcomes = scenario.outcomes.len();
    let total = design.len() as u64 * plan.runs;
    // means[outcome][point]
    let mut means: Vec<Vec<f64>> = vec![Vec::with_capacity(design.len()); n_outcomes];
    pool.install(|| {
        engine::run_points(
            design.len(),
            |index| design.scenario(scenario, index),
            &run_plan,
            |index, result| -> Result<(), OutputError> {
                for (outcome, distribution) in result.aggregate.outcomes.iter().enumerate() {
                    means[outcome].push(point_mean(
                        scenario.outcomes[outcome].kind.scale(),
                        distribution,
                        result.aggregate.runs,
                        scenario.horizon_months,
                    ));
                }
                progress((index as u64 + 1) * plan.runs, total);
                Ok(())
            },
        )
    })?;

    let results_by_outcome = design.indices(scenario, &means, plan.seed);

    write_indices(
        &staged.path().join(SENSITIVITY_FILE),
        plan.method,
        &design.factors,
        &results_by_outcome,
    )?;
    write_points(&staged.path().join(POINTS_FILE), scenario, design, &means)?;
    // Like a run's report, written with the charts it embeds (`--no-charts` skips both).
    if options.charts {
        let files = charts(scenario, design, plan, &results_by_outcome);
        let embedded =
            pool.install(|| results::write_charts(&files, &staged.path().join(CHARTS_FOLDER)))?;
        let report_path = staged.path().join(REPORT_FILE);
        let html = report(scenario, design, plan, &results_by_outcome, &embedded);
        std::fs::write(&report_path, html)
            .map_err(OutputError::io(&report_path, "cannot write"))?;
    }
    let contents = Contents {
        inputs: vec![Input::scenario(provenance.first_input(), scenario)],
        seed: plan.seed,
        runs: plan.runs,
        points: design.len() as u64,
        threads: pool.current_num_threads(),
    };
    manifest::write(staged.path(), &contents, provenance)?;
    let folder = staged.commit()?;
    Ok(WrittenSensitivity {
        folder,
        results: results_by_outcome,
    })
}
