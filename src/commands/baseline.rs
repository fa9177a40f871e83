//! `secsim baseline`: runs a scenario and writes a baseline file for `secsim check`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::{RunError, Terminal, say, thread_pool};
use crate::cli::BaselineArgs;
use crate::engine::{self, RunPlan};
use crate::output::baseline::{self, Baseline, FileDigests, HashingWriter};
use crate::output::files::{OUTCOMES_FILE, RUN_FILES, Rows, RunResults};
use crate::output::hex;
use crate::output::rows::RowWriter;
use crate::scenario::{self, Scenario};

/// `secsim baseline`.
pub fn execute(args: BaselineArgs, terminal: &mut Terminal) -> anyhow::Result<ExitCode> {
    let scenario = scenario::load_named(&args.scenario)?;
    let plan = args
        .plan
        .resolve(scenario.default_runs, scenario.default_seed);
    let pool = thread_pool(args.threads.count())?;
    let made = measure(&scenario, &plan, &pool)
        .with_context(|| format!("cannot run {}", args.scenario.display()))?;
    baseline::write(&made, &args.out)
        .with_context(|| format!("cannot write the baseline {}", args.out.display()))?;
    say(
        terminal,
        &format!(
            "baseline of {}: {} runs, seed {}, on {} threads, digest {}\nwritten to {}\n",
            made.scenario,
            made.runs,
            made.seed,
            args.threads
                .count()
                .unwrap_or_else(rayon::current_num_threads),
            made.digest,
            args.out.display()
        ),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `plan` on `pool` and makes its baseline, writing no file: the result files are hashed
/// as they would be written.
pub fn measure(
    scenario: &Scenario,
    plan: &RunPlan,
    pool: &rayon::ThreadPool,
) -> Result<Baseline, RunError> {
    let mut outcome_writer = RowWriter::new(Rows::Outcomes, scenario, HashingWriter::default())?;
    let aggregate =
        pool.install(|| engine::run(scenario, plan, |block| outcome_writer.write_block(block)))?;
    let outcomes = outcome_writer.finish()?.hex();
    let results = RunResults {
        scenario,
        seed: plan.seed,
        aggregate: &aggregate,
        stopping: None,
    };
    let mut digests = BTreeMap::from([(OUTCOMES_FILE, outcomes)]);
    for file in RUN_FILES.iter().filter(|file| file.digested) {
        if let Some(bytes) = file.digest_bytes(&results) {
            digests.insert(file.name, hex(&Sha256::digest(bytes?)));
        }
    }
    let file_digests = FileDigests::from_fn(|name| digests.remove(name))
        .expect("every digested file is streamed (outcomes.csv) or has an export");
    Ok(baseline::from_aggregate(
        scenario,
        plan,
        &aggregate,
        file_digests,
    ))
}
