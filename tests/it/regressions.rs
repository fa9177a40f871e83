//! Inputs that once hung or overflowed (found by property tests and fuzzing), each run whole:
//! valid scenarios must finish with results, whatever their numbers.
//!
//! No time limit is asserted: a loaded machine may be slow. A hang regression shows as this test
//! never ending (the test harness reports it as running for over 60 seconds) and, in CI, as a
//! run that times out.

use std::path::Path;

use crate::common::{assert_success, secsim};

/// Every file in tests/data/regressions runs 3 replications to completion, with results.
#[test]
fn past_hangs_and_overflows_finish_with_results() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 2);
    let dir = tempfile::tempdir().unwrap();
    for file in &files {
        let out = dir.path().join(file.file_stem().unwrap());
        let output = secsim(
            dir.path(),
            &[
                "run",
                file.to_str().unwrap(),
                "--runs",
                "3",
                "--no-charts",
                "--quiet",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_success(&output);
        let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
        assert!(
            summary.contains("\"runs\": 3,"),
            "{}: summary.json without its 3 runs:\n{summary}",
            file.display()
        );
    }
}
