//! Inputs that once hung or overflowed (found by property tests and fuzzing), each run whole:
//! valid scenarios must finish quickly with results, whatever their numbers.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{assert_success, secsim};

/// Every file in tests/data/regressions runs 3 replications to completion within seconds.
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
        let started = Instant::now();
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
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{} took {:?}",
            file.display(),
            started.elapsed()
        );
        assert!(out.join("summary.json").is_file());
    }
}
