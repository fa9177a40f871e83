//! The registry of a run's result files: every place that iterates over them (baselines'
//! digests, `selftest`, part folders, checkpoints, the staged folder's marker) reads this list,
//! so a new result file is added here once.

/// How a result file comes to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Row by row while the replications run, block by block in index order
    /// ([`crate::output::outcomes`]); parts and checkpoints carry their rows so far.
    Streamed,
    /// Once, from the final aggregate, after the replications.
    FromAggregate,
    /// Only when charts are asked for.
    WithCharts,
    /// At the end, with the clock and command line (not a result).
    Provenance,
}

/// One file (or folder) of a run's results folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultFile {
    pub name: &'static str,
    pub written: Written,
    /// Part of a baseline's digest (`secsim baseline`, `secsim check --mode exact`).
    pub digested: bool,
    /// Compared byte for byte by `secsim selftest`: results that must not depend on threads or
    /// shards.
    pub compared_by_selftest: bool,
}

impl ResultFile {
    /// Whether part folders and checkpoints carry the file's rows (the others are made again
    /// from the merged or resumed aggregate).
    pub fn carried_by_parts(&self) -> bool {
        self.written == Written::Streamed
    }
}

/// `summary.json`: means, quantiles and event probabilities of every outcome. Also the marker
/// by which a folder is recognised as a run's results.
pub const SUMMARY: ResultFile = ResultFile {
    name: "summary.json",
    written: Written::FromAggregate,
    digested: true,
    compared_by_selftest: true,
};
/// `timeseries.csv`: quantiles of every series, month by month.
pub const TIMESERIES: ResultFile = ResultFile {
    name: "timeseries.csv",
    written: Written::FromAggregate,
    digested: true,
    compared_by_selftest: true,
};
/// `outcomes.csv`: one row per replication.
pub const OUTCOMES: ResultFile = ResultFile {
    name: "outcomes.csv",
    written: Written::Streamed,
    digested: true,
    compared_by_selftest: true,
};
/// `charts/`: PNG and SVG.
pub const CHARTS: ResultFile = ResultFile {
    name: "charts",
    written: Written::WithCharts,
    digested: false,
    compared_by_selftest: false,
};
/// `report.html`: the charts and tables in one page.
pub const REPORT: ResultFile = ResultFile {
    name: "report.html",
    written: Written::WithCharts,
    digested: false,
    compared_by_selftest: false,
};
/// `manifest.json`: provenance.
pub const MANIFEST: ResultFile = ResultFile {
    name: "manifest.json",
    written: Written::Provenance,
    digested: false,
    compared_by_selftest: false,
};

/// Every file of a run's results folder, in the order they are written.
pub const RUN_FILES: [ResultFile; 6] = [OUTCOMES, SUMMARY, TIMESERIES, CHARTS, REPORT, MANIFEST];

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
            ["outcomes.csv", "summary.json", "timeseries.csv"]
        );
        assert_eq!(
            names_where(|file| file.compared_by_selftest),
            names_where(|file| file.digested)
        );
        assert_eq!(names_where(ResultFile::carried_by_parts), ["outcomes.csv"]);
    }
}
