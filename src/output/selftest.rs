//! `secsim selftest`: runs a scenario on one thread, on several, and split into shards that are
//! then merged, each into a temporary folder without charts, and checks that the result files
//! are the same bytes. The engine promises results independent of the thread count and of the
//! split into shards (ARCHITECTURE.md, "Determinism"); this checks the promise on the user's
//! machine and scenario.

use std::fmt::Write as _;
use std::path::Path;

use crate::engine::{BLOCK_SIZE, RunPlan, Shard};
use crate::output::OutputError;
use crate::output::manifest::Provenance;
use crate::output::part::{self, MergeError};
use crate::output::results::{self, OUTCOMES_FILE, RunOptions, SUMMARY_FILE, TIMESERIES_FILE};
use crate::scenario::Scenario;

/// The files compared, byte for byte.
pub const COMPARED_FILES: [&str; 3] = [SUMMARY_FILE, TIMESERIES_FILE, OUTCOMES_FILE];

/// Shards the self-test splits the run into: three, so that one shard sits between two others.
pub const SHARDS: u64 = 3;

/// One file's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileVerdict {
    /// The file's name.
    pub file: &'static str,
    /// Sizes in bytes on one thread, on several, and from merged shards.
    pub bytes: [u64; 3],
    /// Whether the three are the same bytes.
    pub identical: bool,
}

/// The outcome of a self-test.
#[derive(Debug, Clone)]
pub struct SelftestReport {
    /// The scenario's name.
    pub scenario: String,
    /// Seed of both runs.
    pub seed: u64,
    /// Replications of each run.
    pub runs: u64,
    /// Thread counts of the first two runs: 1, then all cores (at least 2).
    pub threads: [usize; 2],
    /// One verdict per compared file.
    pub files: Vec<FileVerdict>,
}

impl SelftestReport {
    /// True when every file is identical.
    pub fn pass(&self) -> bool {
        self.files.iter().all(|file| file.identical)
    }
}

/// Runs `plan` on one thread, on all cores (at least two, so that a one-core machine still
/// splits the work), and as [`SHARDS`] shards merged, and compares the result files.
pub fn selftest(
    scenario: &Scenario,
    plan: &RunPlan,
    provenance: &Provenance,
) -> Result<SelftestReport, MergeError> {
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
        results::run_to_folder(scenario, plan, options, provenance, &folder)?;
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
        part::run_part(scenario, plan, shard, options, provenance, &folder, None)?;
        parts.push(folder);
    }
    // Merged in reverse, to check that the order the parts are named in does not matter.
    parts.reverse();
    let merged = temporary.path().join("merged");
    part::merge(&parts, options, provenance, &merged)?;
    folders.push(merged);

    let mut files = Vec::with_capacity(COMPARED_FILES.len());
    for file in COMPARED_FILES {
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

/// The report for a reader.
pub fn render(report: &SelftestReport) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "secsim selftest: {}, {} runs ({} blocks of up to {BLOCK_SIZE}), seed {}, on {} and {} threads, and as {SHARDS} shards merged",
        report.scenario,
        report.runs,
        report.runs.div_ceil(BLOCK_SIZE),
        report.seed,
        report.threads[0],
        report.threads[1]
    );
    for file in &report.files {
        let _ = writeln!(
            text,
            "  {:<16} {}",
            file.file,
            if file.identical {
                format!("identical ({} bytes)", file.bytes[0])
            } else {
                format!(
                    "DIFFERENT ({} bytes on {} thread, {} on {}, {} from shards)",
                    file.bytes[0],
                    report.threads[0],
                    file.bytes[1],
                    report.threads[1],
                    file.bytes[2]
                )
            }
        );
    }
    let _ = writeln!(
        text,
        "{}",
        if report.pass() {
            "selftest passed: results do not depend on the thread count or the split into shards"
        } else {
            "selftest FAILED: results depend on the thread count or the split into shards"
        }
    );
    text
}
