//! The registry of a run's result files: every place that iterates over them (baselines'
//! digests, `selftest`, part folders, checkpoints, the staged folder's marker, the writing of
//! a results folder) reads this list, so a new result file is added here once, with its writer.
//!
//! A file made from the final aggregate carries its writer as an [`Export`] (hyperfine's
//! `Exporter`, as a function): [`crate::output::results`] writes a folder by calling each one,
//! and `secsim baseline` / `secsim check` digest the same bytes by calling it on a hasher.

use std::io::Write;
use std::path::Path;

use crate::engine::Aggregate;
use crate::output::summary::Stopping;
use crate::output::{OutputError, summary, timeseries};
use crate::scenario::Scenario;

/// The per-replication rows a streamed file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// Each outcome's value ([`crate::output::outcomes`]).
    Outcomes,
    /// Each uncertain parameter's value and each event's firing ([`crate::output::parameters`]).
    Parameters,
}

/// How a result file comes to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Row by row while the replications run, block by block in index order
    /// ([`crate::output::rows`]); parts and checkpoints carry their rows so far.
    Streamed(Rows),
    /// Once, from the final aggregate, after the replications.
    FromAggregate,
    /// Only when charts are asked for.
    WithCharts,
    /// At the end, with the clock and command line (not a result).
    Provenance,
}

/// What the writers of files made from the aggregate read.
#[derive(Clone, Copy)]
pub struct RunResults<'a> {
    pub scenario: &'a Scenario,
    pub seed: u64,
    pub aggregate: &'a Aggregate,
    /// Only for a run with `--precision`.
    pub stopping: Option<&'a Stopping<'a>>,
}

/// Writes one result file from a run's results.
pub type Export = fn(&RunResults<'_>, &mut dyn Write) -> Result<(), OutputError>;

/// Turns a file's bytes into the bytes its baseline digest covers.
pub type DigestForm = fn(&[u8]) -> Result<Vec<u8>, OutputError>;

/// One file (or folder) of a run's results folder.
#[derive(Debug, Clone, Copy)]
pub struct ResultFile {
    pub name: &'static str,
    pub written: Written,
    /// Part of a baseline's digest (`secsim baseline`, `secsim check --mode exact`).
    pub digested: bool,
    /// Compared byte for byte by `secsim selftest`: results that must not depend on threads or
    /// shards.
    pub compared_by_selftest: bool,
    /// The writer of a [`Written::FromAggregate`] file.
    pub export: Option<Export>,
    /// For a digested file whose digest leaves something out: what it covers (otherwise the
    /// file's bytes as written).
    pub digest_form: Option<DigestForm>,
}

impl PartialEq for ResultFile {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl ResultFile {
    /// Whether part folders and checkpoints carry the file's rows (the others are made again
    /// from the merged or resumed aggregate).
    pub fn carried_by_parts(&self) -> bool {
        matches!(self.written, Written::Streamed(_))
    }

    /// The bytes of the file for `results`, as its baseline digest covers them; None for a
    /// file not written from the aggregate.
    pub fn digest_bytes(&self, results: &RunResults<'_>) -> Option<Result<Vec<u8>, OutputError>> {
        let export = self.export?;
        let mut bytes = Vec::new();
        Some(
            export(results, &mut bytes).and_then(|()| match self.digest_form {
                Some(form) => form(&bytes),
                None => Ok(bytes),
            }),
        )
    }
}

fn export_summary(results: &RunResults<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
    let text = summary::render(
        results.scenario,
        results.seed,
        results.aggregate,
        results.stopping,
    )
    .map_err(OutputError::from)?;
    out.write_all(text.as_bytes())
        .map_err(OutputError::io(Path::new(SUMMARY_FILE), "cannot write"))
}

fn export_timeseries(results: &RunResults<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
    timeseries::write(results.scenario, results.aggregate, out)
}

/// `summary.json`: means, quantiles and event probabilities of every outcome. Also the marker
/// by which a folder is recognised as a run's results.
pub const SUMMARY: ResultFile = ResultFile {
    name: "summary.json",
    written: Written::FromAggregate,
    digested: true,
    compared_by_selftest: true,
    export: Some(export_summary),
    digest_form: Some(summary::digest_form),
};
/// `timeseries.csv`: quantiles of every series, month by month.
pub const TIMESERIES: ResultFile = ResultFile {
    name: "timeseries.csv",
    written: Written::FromAggregate,
    digested: true,
    compared_by_selftest: true,
    export: Some(export_timeseries),
    digest_form: None,
};
/// `outcomes.csv`: one row per replication.
pub const OUTCOMES: ResultFile = ResultFile {
    name: "outcomes.csv",
    written: Written::Streamed(Rows::Outcomes),
    digested: true,
    compared_by_selftest: true,
    export: None,
    digest_form: None,
};
/// `parameters.csv`: one row per replication, its uncertain parameters' values and its events'
/// months; only for a scenario with uncertain parameters or events, unless `--no-parameters`.
/// Not digested: baselines made before it existed stay valid, and its values are fixed by the
/// digested outcomes' seed and scenario anyway.
pub const PARAMETERS: ResultFile = ResultFile {
    name: "parameters.csv",
    written: Written::Streamed(Rows::Parameters),
    digested: false,
    compared_by_selftest: true,
    export: None,
    digest_form: None,
};
/// `charts/`: PNG and SVG.
pub const CHARTS: ResultFile = ResultFile {
    name: "charts",
    written: Written::WithCharts,
    digested: false,
    compared_by_selftest: false,
    export: None,
    digest_form: None,
};
/// `report.html`: the charts and tables in one page.
pub const REPORT: ResultFile = ResultFile {
    name: "report.html",
    written: Written::WithCharts,
    digested: false,
    compared_by_selftest: false,
    export: None,
    digest_form: None,
};
/// `manifest.json`: provenance.
pub const MANIFEST: ResultFile = ResultFile {
    name: "manifest.json",
    written: Written::Provenance,
    digested: false,
    compared_by_selftest: false,
    export: None,
    digest_form: None,
};

/// Every file of a run's results folder. The digested ones come in the order a baseline's
/// combined digest lists them (changing it changes every digest).
pub const RUN_FILES: [ResultFile; 7] = [
    SUMMARY, TIMESERIES, OUTCOMES, PARAMETERS, CHARTS, REPORT, MANIFEST,
];

/// The streamed files a run of `scenario` writes, in [`RUN_FILES`] order: `outcomes.csv`
/// always, `parameters.csv` when `record_parameters` and the scenario has something to record.
pub fn streamed(scenario: &Scenario, record_parameters: bool) -> Vec<ResultFile> {
    RUN_FILES
        .into_iter()
        .filter(|file| match file.written {
            Written::Streamed(Rows::Outcomes) => true,
            Written::Streamed(Rows::Parameters) => {
                record_parameters && crate::output::parameters::recorded(scenario)
            }
            _ => false,
        })
        .collect()
}

/// The file names of the files for which `keep` holds, in [`RUN_FILES`] order.
pub fn names_where(keep: impl Fn(&ResultFile) -> bool) -> Vec<&'static str> {
    RUN_FILES
        .iter()
        .filter(|file| keep(file))
        .map(|file| file.name)
        .collect()
}

pub const SUMMARY_FILE: &str = SUMMARY.name;
pub const TIMESERIES_FILE: &str = TIMESERIES.name;
pub const OUTCOMES_FILE: &str = OUTCOMES.name;
pub const PARAMETERS_FILE: &str = PARAMETERS.name;
pub const REPORT_FILE: &str = REPORT.name;
pub const CHARTS_FOLDER: &str = CHARTS.name;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = RUN_FILES.iter().map(|file| file.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RUN_FILES.len());
    }

    #[test]
    fn only_results_are_digested_and_compared() {
        assert_eq!(
            names_where(|file| file.digested),
            ["summary.json", "timeseries.csv", "outcomes.csv"]
        );
        assert_eq!(
            names_where(|file| file.compared_by_selftest),
            [
                "summary.json",
                "timeseries.csv",
                "outcomes.csv",
                "parameters.csv"
            ]
        );
        assert_eq!(
            names_where(ResultFile::carried_by_parts),
            ["outcomes.csv", "parameters.csv"]
        );
    }

    /// `secsim baseline` digests the streamed files as they are written and the others by
    /// calling their export: a digested file must be one or the other. (It streams only
    /// `outcomes.csv`.)
    #[test]
    fn every_digested_file_is_streamed_or_exported() {
        for file in RUN_FILES.iter().filter(|file| file.digested) {
            assert!(
                file.carried_by_parts() != file.export.is_some(),
                "{}",
                file.name
            );
        }
        for file in RUN_FILES {
            assert_eq!(
                file.export.is_some(),
                file.written == Written::FromAggregate,
                "{}",
                file.name
            );
        }
    }
}
