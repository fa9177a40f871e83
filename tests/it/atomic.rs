//! Outputs are all or nothing: a run killed with SIGKILL at any moment leaves the previous
//! results untouched (or no folder at all), and a missing parent folder or a folder of another
//! scenario's results get a clear error, exit code 2, and nothing written.
//!
//! A full disk and a read-only destination need tmpfs mounts, and so root: they are in
//! `tests/disk/run.sh`, which `.ci/run` runs after `cargo test`.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use crate::common::{assert_success, files_under, secsim, secsim_command, stderr};

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/niger_realignment.ron")
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// Runs `scenario` with `runs` into `out`, with charts.
fn run_into(dir: &Path, scenario: &Path, runs: &str, out: &Path) -> std::process::Output {
    secsim(
        dir,
        &[
            "run",
            path_arg(scenario),
            "--runs",
            runs,
            "--quiet",
            "--out",
            path_arg(out),
        ],
    )
}

/// Names in `dir` that do not start with a dot (staging folders do).
fn visible_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// Names in `dir` of the staging folders of runs into `dir/out`, sorted.
fn staging_folders(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".out.partial-"))
        .collect();
    names.sort();
    names
}

/// Whether `folder` holds a file that is not empty; false if it has gone.
fn holds_a_non_empty_file(folder: &Path) -> bool {
    std::fs::read_dir(folder).is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            entry
                .metadata()
                .is_ok_and(|meta| meta.is_file() && meta.len() > 0)
        })
    })
}

/// Longest wait for a child process to reach a state a test waits for: not a limit on how fast
/// secsim is (a loaded machine may be slow), only a bound on a wait that would otherwise hang.
const PATIENCE: Duration = Duration::from_secs(600);

/// Polls until `ready` holds; fails if `child` ends first, or after [`PATIENCE`].
fn wait_for(child: &mut Child, what: &str, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("secsim ended ({status}) before {what}");
        }
        assert!(started.elapsed() < PATIENCE, "no {what} after {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// SIGKILL at several moments of a run (simulating, writing tables, drawing charts) never
/// leaves a mix: the folder holds exactly the previous results, byte for byte.
#[test]
fn a_killed_run_leaves_the_previous_results_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_success(&run_into(dir.path(), &scenario(), "1000", &out));
    let before = files_under(&out);
    let manifest_before = std::fs::read(out.join("manifest.json")).unwrap();
    let mut killed = 0;
    // From almost at once to well into chart drawing (a 20,000-run run with charts takes
    // several seconds on two cores).
    for delay_ms in [30, 150, 400, 900, 1600, 2500, 4000] {
        let mut child = secsim_command(
            dir.path(),
            &[
                "run",
                path_arg(&scenario()),
                "--runs",
                "20000",
                "--quiet",
                "--out",
                path_arg(&out),
            ],
        )
        .spawn()
        .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let after = files_under(&out);
        if after != before {
            // The run finished before the kill: then the folder must be the new run's, whole.
            let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
            assert!(
                summary.contains("\"runs\": 20000"),
                "a mix after {delay_ms} ms"
            );
            return;
        }
        assert_eq!(
            std::fs::read(out.join("manifest.json")).unwrap(),
            manifest_before,
            "manifest changed after a kill at {delay_ms} ms"
        );
    }
    assert!(
        killed >= 3,
        "only {killed} runs were still going when killed"
    );
}

/// A run killed before it completes, with no previous results, leaves no results folder, only a
/// hidden staging folder (never mistaken for results), which the next run to the same place
/// removes.
#[test]
fn a_killed_first_run_leaves_no_results_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = secsim_command(
        dir.path(),
        &[
            "run",
            path_arg(&scenario()),
            "--runs",
            "200000",
            "--quiet",
            "--no-charts",
            "--out",
            path_arg(&out),
        ],
    )
    .spawn()
    .unwrap();
    // Killed once the run is under way: its staging folder holds some of its rows.
    wait_for(&mut child, "rows in the staging folder", || {
        staging_folders(dir.path())
            .iter()
            .any(|name| holds_a_non_empty_file(&dir.path().join(name)))
    });
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!out.exists(), "a killed first run left {}", out.display());
    assert!(visible_names(dir.path()).is_empty());
    assert_eq!(
        staging_folders(dir.path()).len(),
        1,
        "the killed run's staging folder"
    );
    // The next run to the same place removes what the killed one left.
    assert_success(&run_into(dir.path(), &scenario(), "1000", &out));
    assert!(out.join("summary.json").is_file());
    assert_eq!(staging_folders(dir.path()), Vec::<String>::new());
}

/// Writing over another scenario's results is refused without --force and allowed with it.
#[test]
fn results_of_another_scenario_are_replaced_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/niger_baseline.ron");
    assert_success(&run_into(dir.path(), &baseline, "200", &out));
    let before = files_under(&out);
    let refused = run_into(dir.path(), &scenario(), "200", &out);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(
        message.contains("holds the results of \"niger_baseline\", not of \"niger_realignment\"")
            && message.contains("--force"),
        "{message}"
    );
    assert_eq!(files_under(&out), before);
    let forced = secsim(
        dir.path(),
        &[
            "run",
            path_arg(&scenario()),
            "--runs",
            "200",
            "--quiet",
            "--force",
            "--out",
            path_arg(&out),
        ],
    );
    assert_success(&forced);
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"scenario\": \"niger_realignment\""));
}

/// An --out whose parent folder does not exist is refused, naming the folder.
#[test]
fn a_missing_parent_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no/such/folder/out");
    let output = run_into(dir.path(), &scenario(), "10", &out);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("does not exist") && message.contains("no/such/folder"),
        "{message}"
    );
    assert!(!dir.path().join("no").exists());
}

/// A run whose estimated time exceeds --max-hours is refused before it starts, with the
/// estimate, the limit and how to raise it, and writes nothing.
#[test]
fn a_run_beyond_max_hours_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = secsim(
        dir.path(),
        &[
            "run",
            path_arg(&scenario()),
            "--runs",
            "100000000",
            "--max-hours",
            "0.5",
            "--out",
            path_arg(&out),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("would take at least")
            && message.contains("above the limit of 0.5 hours")
            && message.contains("raise it with --max-hours"),
        "{message}"
    );
    // Nothing in the folder, not even a staging folder: the run never started (one that did
    // would also take hours, and hang the test visibly).
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}
