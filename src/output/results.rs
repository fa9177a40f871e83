//! A whole run's results folder: `summary.json`, `timeseries.csv`, `outcomes.csv`, written
//! through [`StagedDir`] so that the folder appears complete or not at all.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::engine::{self, Aggregate, RunPlan};
use crate::output::outcomes::OutcomeWriter;
use crate::output::{OutputError, StagedDir, summary, timeseries};
use crate::scenario::Scenario;

/// File names inside a results folder.
pub const SUMMARY_FILE: &str = "summary.json";
pub const TIMESERIES_FILE: &str = "timeseries.csv";
pub const OUTCOMES_FILE: &str = "outcomes.csv";

/// What a finished run wrote.
pub struct WrittenRun {
    pub folder: PathBuf,
    pub aggregate: Aggregate,
}

/// Why a run could not produce results.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("cannot start {threads} worker threads: {source}")]
    Threads {
        threads: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

impl From<rayon::ThreadPoolBuildError> for RunError {
    fn from(source: rayon::ThreadPoolBuildError) -> Self {
        RunError::Threads { threads: 0, source }
    }
}

/// Runs `plan` and writes its results folder at `destination`, replacing earlier results only
/// once the new ones are complete.
pub fn run_to_folder(
    scenario: &Scenario,
    plan: &RunPlan,
    threads: Option<usize>,
    destination: &Path,
) -> Result<WrittenRun, RunError> {
    let staged = StagedDir::new(destination)?;
    let outcomes_path = staged.path().join(OUTCOMES_FILE);
    let file =
        File::create(&outcomes_path).map_err(OutputError::io(&outcomes_path, "cannot create"))?;
    let mut outcome_writer = OutcomeWriter::new(scenario, BufWriter::new(file))?;
    let aggregate = engine::run_with_threads(scenario, plan, threads, |block| {
        outcome_writer.write_block(block).map_err(RunError::from)
    })
    .map_err(|error| match error {
        RunError::Threads { source, .. } => RunError::Threads {
            threads: threads.unwrap_or(0),
            source,
        },
        other => other,
    })?;
    outcome_writer.finish()?;

    let summary_path = staged.path().join(SUMMARY_FILE);
    let text = summary::render(scenario, plan.seed, &aggregate).map_err(OutputError::from)?;
    std::fs::write(&summary_path, text).map_err(OutputError::io(&summary_path, "cannot write"))?;

    let timeseries_path = staged.path().join(TIMESERIES_FILE);
    let file = File::create(&timeseries_path)
        .map_err(OutputError::io(&timeseries_path, "cannot create"))?;
    timeseries::write(scenario, &aggregate, BufWriter::new(file))?;

    let folder = staged.commit()?;
    Ok(WrittenRun { folder, aggregate })
}
