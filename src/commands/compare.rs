//! `secsim compare`: several scenarios run with the same seed and run count (common random
//! numbers), each into its own folder exactly as `secsim run` writes it, then compared
//! replication by replication in `comparison.csv`, overlaid charts and `report.html`. The
//! comparison folder and each scenario's folder get a `manifest.json`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use super::options::{RunOptions, file_stem, progress_bar, provenance};
use super::run::{RunControl, WrittenRun, run_controlled};
use super::{Invocation, RunError, Terminal, say, thread_pool};
use crate::cli::CompareArgs;
use crate::engine::RunPlan;
use crate::output::compare::{
    COMPARISON_FILE, Compared, ComparisonRow, comparison_report, comparison_rows,
    difference_panels, folder_names, paired_statistics, write_table,
};
use crate::output::figures::{self, ComparedRun};
use crate::output::files::{CHARTS_FOLDER, OUTCOMES_FILE, REPORT_FILE};
use crate::output::manifest::{self, Contents, Input, Provenance};
use crate::output::{OutputError, StagedDir, results, table};
use crate::scenario;

/// What a finished comparison wrote.
pub struct WrittenComparison {
    pub folder: PathBuf,
    pub rows: Vec<ComparisonRow>,
    /// Each scenario's folder name inside the comparison folder.
    pub folders: Vec<String>,
}

/// `secsim compare`.
pub fn execute(
    args: CompareArgs,
    invocation: &Invocation,
    terminal: &mut Terminal,
) -> anyhow::Result<ExitCode> {
    let mut compared = Vec::with_capacity(args.scenarios.len());
    let mut problems = Vec::new();
    for file in &args.scenarios {
        match scenario::load_named(file) {
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
    let largest_runs = compared
        .iter()
        .filter_map(|item| item.scenario.default_runs)
        .max();
    let plan = args
        .plan
        .resolve(largest_runs, compared[0].scenario.default_seed);
    let options = RunOptions::from_args(&args.threads, &args.output);
    let stems: Vec<String> = args.scenarios.iter().map(|file| file_stem(file)).collect();
    let destination = args
        .output
        .destination(&format!("compare_{}", stems.join("_vs_")));
    let started = Instant::now();
    let provenance = provenance("compare", invocation, &args.scenarios);
    let bar = progress_bar(plan.runs * compared.len() as u64, args.output.quiet);
    let progress = |done| bar.set_position(done);
    let written = compare_to_folder(
        &compared,
        &plan,
        options,
        &provenance,
        &destination,
        Some(&progress),
    )
    .with_context(|| format!("cannot write results to {}", destination.display()))?;
    bar.finish_and_clear();
    let mut text = table::render_comparison(&written.rows, plan.runs, plan.seed);
    text.push_str(&format!(
        "\nresults in {} ({:.2} s)\n",
        written.folder.display(),
        started.elapsed().as_secs_f64()
    ));
    say(terminal, &text)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs every scenario with `plan` and writes the comparison folder at `destination`.
/// `provenance` goes into the comparison's `manifest.json` and, narrowed to each scenario's
/// file, into each scenario folder's.
pub fn compare_to_folder(
    compared: &[Compared],
    plan: &RunPlan,
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<WrittenComparison, RunError> {
    let names: Vec<&str> = compared
        .iter()
        .map(|item| item.scenario.name.as_str())
        .collect();
    let staged = StagedDir::new(destination, COMPARISON_FILE, &names, options.force)?;
    let folders = folder_names(compared);
    let mut written = Vec::with_capacity(compared.len());
    for (index, (item, folder)) in compared.iter().zip(&folders).enumerate() {
        let runs_before = index as u64 * plan.runs;
        let scenario_progress = |done| {
            if let Some(progress) = progress {
                progress(runs_before + done);
            }
        };
        let control = RunControl {
            progress: Some(&scenario_progress),
            ..RunControl::default()
        };
        written.push(run_controlled(
            &item.scenario,
            plan,
            options,
            &control,
            &provenance.for_input(&item.file),
            &staged.path().join(folder),
        )?);
    }
    let outcome_files: Vec<PathBuf> = folders
        .iter()
        .map(|folder| staged.path().join(folder).join(OUTCOMES_FILE))
        .collect();
    let paired = if compared.is_empty() {
        Vec::new()
    } else {
        paired_statistics(compared, &outcome_files)?
    };
    let aggregates: Vec<&crate::engine::Aggregate> = written
        .iter()
        .map(|run: &WrittenRun| &run.aggregate)
        .collect();
    let rows = comparison_rows(compared, &aggregates, &paired);
    write_table(&rows, &staged.path().join(COMPARISON_FILE))?;

    if options.charts {
        let runs: Vec<ComparedRun> = compared
            .iter()
            .zip(&written)
            .map(|(item, run)| ComparedRun {
                scenario: &item.scenario,
                aggregate: &run.aggregate,
                histograms: &run.histograms,
            })
            .collect();
        let mut files =
            figures::comparison_charts(&runs, plan.seed, difference_panels(compared, &rows));
        // The paired differences first: it is the comparison's answer.
        files.sort_by_key(|file| match file.stem.as_str() {
            "paired_differences" => 0,
            stem if stem.starts_with("fan_") => 2,
            _ => 1,
        });
        let pool = thread_pool(options.threads)?;
        let embedded =
            pool.install(|| results::write_charts(&files, &staged.path().join(CHARTS_FOLDER)))?;
        let report_path = staged.path().join(REPORT_FILE);
        let html = comparison_report(compared, &aggregates, &folders, &rows, plan, &embedded);
        std::fs::write(&report_path, html)
            .map_err(OutputError::io(&report_path, "cannot write"))?;
    }
    let contents = Contents {
        inputs: compared
            .iter()
            .map(|item| Input::scenario(Some(&item.file), &item.scenario))
            .collect(),
        seed: plan.seed,
        runs: plan.runs,
        points: compared.len() as u64,
        threads: options.threads.unwrap_or_else(rayon::current_num_threads),
    };
    manifest::write(staged.path(), &contents, provenance)?;
    let folder = staged.commit()?;
    Ok(WrittenComparison {
        folder,
        rows,
        folders,
    })
}
