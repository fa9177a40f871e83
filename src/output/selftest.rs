//! The report of `secsim selftest` ([`crate::commands::selftest`]): a scenario run on one thread,
//! on several, and split into shards that are then merged, and whether the result files
//! are the same bytes. The engine promises results independent of the thread count and of the
//! split into shards (ARCHITECTURE.md, "Determinism"); this checks the promise on the user's
//! machine and scenario.

use std::fmt::Write as _;

use crate::engine::BLOCK_SIZE;

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
