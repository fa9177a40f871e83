//! `secsim selftest`: runs a scenario on one thread, on several, and split into shards that are
//! then merged, each into a temporary folder without charts, and checks that the result files
//! are the same bytes. The engine promises results independent of the thread count and of the
//! split into shards (ARCHITECTURE.md, "Determinism"); this checks the promise on the user's
//! machine and scenario.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::merge::merge;
use super::options::{RunOptions, provenance};
use super::run::{run_part, run_to_folder};
use super::{Invocation, RunError, Terminal, exit_code, say};
use crate::cli::SelftestArgs;
use crate::engine::{RunPlan, Shard};
use crate::output::manifest::Provenance;
use crate::output::selftest::{self, FileVerdict, SHARDS, SelftestReport};
use crate::output::{OutputError, files};
use crate::scenario::{self, Scenario};

/// `secsim selftest`.
pub fn execute(
    args: SelftestArgs,
    invocation: &Invocation,
    terminal: &mut Terminal,
) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load_named(&args.scenario)?;
    let plan = args
        .plan
        .resolve(scenario.default_runs, scenario.default_seed);
    let provenance = provenance("selftest", invocation, std::slice::from_ref(&args.scenario));
    let report = selftest(&scenario, &plan, &provenance)
        .with_context(|| format!("cannot run {}", args.scenario.display()))?;
    say(terminal, &selftest::render(&report))?;
    Ok(exit_code(report.pass()))
}

/// Runs `plan` on one thread, on all cores (at least two, so that a one-core machine still
/// splits the work), and as [`SHARDS`] shards merged, and compares the result files.
pub fn selftest(
    scenario: &Scenario,
    plan: &RunPlan,
    provenance: &Provenance,
) -> Result<SelftestReport, RunError> {
    let many = rayon::current_num_threads().max(2);
    let temporary = tempfile::tempdir().map_err(OutputError::io(
        &std::env::temp_dir(),
        "cannot create a temporary folder",
    ))?;
    let mut folders = Vec::with_capacity(3);
    for threads in [1, many] {
        let options = RunOptions {
            threads: Some(threads),
            charts: false,
            ..RunOptions::default()
        };
        let folder = temporary.path().join(format!("threads_{threads}"));
        run_to_folder(scenario, plan, options, provenance, &folder)?;
        folders.push(folder);
    }
    let options = RunOptions {
        threads: Some(many),
        charts: false,
        ..RunOptions::default()
    };
    let mut parts = Vec::new();
    for index in 1..=SHARDS {
        let shard = Shard::new(index, SHARDS).expect("1 <= index <= SHARDS");
        let folder = temporary.path().join(format!("part_{index}"));
        run_part(scenario, plan, shard, options, provenance, &folder, None)?;
        parts.push(folder);
    }
    // Merged in reverse, to check that the order the parts are named in does not matter.
    parts.reverse();
    let merged = temporary.path().join("merged");
    merge(&parts, options, provenance, &merged)?;
    folders.push(merged);

    let compared = files::names_where(|file| file.compared_by_selftest);
    let mut files = Vec::with_capacity(compared.len());
    for file in compared {
        // A file the scenario does not call for (`parameters.csv` without uncertain parameters
        // or events) is in none of the folders; one missing from some is an error below.
        let present = folders.iter().map(|folder| folder.join(file).exists());
        if present.clone().all(|present| !present) {
            continue;
        }
        let read = |folder: &Path| {
            let path = folder.join(file);
            std::fs::read(&path).map_err(OutputError::io(&path, "cannot read back"))
        };
        let contents = [read(&folders[0])?, read(&folders[1])?, read(&folders[2])?];
        files.push(FileVerdict {
            file,
            bytes: contents.each_ref().map(|bytes| bytes.len() as u64),
            identical: contents[0] == contents[1] && contents[0] == contents[2],
        });
    }
    Ok(SelftestReport {
        scenario: scenario.name.clone(),
        seed: plan.seed,
        runs: plan.runs,
        threads: [1, many],
        files,
    })
}
