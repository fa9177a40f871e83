//! Results depend on the scenario, the seed and the run count only: not on the number of
//! threads, not on the block partition, not on the run before.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use secsim::model::{RunOutput, Workspace, simulate};
use secsim::output::format_number;
use secsim::scenario;

/// The result files; every scenario here has events or uncertain parameters, so parameters.csv.
const FILES: [&str; 4] = [
    "summary.json",
    "timeseries.csv",
    "outcomes.csv",
    "parameters.csv",
];

fn manifest(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_secsim"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start secsim")
}

/// Runs several `secsim run` commands at once (each into its own `--out`), waits for all.
fn run_all(dir: &Path, commands: &[Vec<String>]) {
    let children: Vec<Child> = commands
        .iter()
        .map(|args| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            spawn(dir, &args)
        })
        .collect();
    for (child, args) in children.into_iter().zip(commands) {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "secsim {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn run_args(scenario: &Path, out: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "run".to_owned(),
        scenario.to_str().unwrap().to_owned(),
        "--out".to_owned(),
        out.to_owned(),
        // Charts take seconds per run in a debug build; the three result files are compared.
        "--no-charts".to_owned(),
    ];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    args
}

fn read(dir: &Path, out: &str, file: &str) -> Vec<u8> {
    fs::read(dir.join(out).join(file)).unwrap_or_else(|error| panic!("{out}/{file}: {error}"))
}

fn assert_same_files(dir: &Path, first: &str, second: &str) {
    for file in FILES {
        assert!(
            read(dir, first, file) == read(dir, second, file),
            "{file} differs between {first} and {second}"
        );
    }
}

/// `--threads 1`, 2 and 4 give the same bytes in all three files.
fn assert_thread_count_irrelevant(scenario: &Path, runs: &str) {
    let dir = tempfile::tempdir().unwrap();
    let commands: Vec<Vec<String>> = ["1", "2", "4"]
        .iter()
        .map(|threads| {
            run_args(
                scenario,
                &format!("threads{threads}"),
                &["--runs", runs, "--threads", threads],
            )
        })
        .collect();
    run_all(dir.path(), &commands);
    let rows = String::from_utf8(read(dir.path(), "threads1", "outcomes.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(
        rows,
        runs.parse::<usize>().unwrap() + 1,
        "header + one row per run"
    );
    assert_same_files(dir.path(), "threads1", "threads2");
    assert_same_files(dir.path(), "threads1", "threads4");
}

#[test]
fn niger_realignment_is_identical_for_any_thread_count() {
    // 2500 runs: two full 1000-run blocks and a partial one.
    assert_thread_count_irrelevant(&manifest("scenarios/niger_realignment.ron"), "2500");
}

#[test]
fn scenario_with_events_is_identical_for_any_thread_count() {
    // 5500 runs: six 1000-run blocks, the last one partial. The engine simulates 4 blocks per
    // thread at a time, so --threads 1 takes two waves and --threads 2 or 4 one. The scenario
    // has every trigger kind, uncertain parameters, unreliable and standby flows.
    assert_thread_count_irrelevant(&manifest("tests/data/events.ron"), "5500");
}

#[test]
fn same_seed_same_bytes_different_seed_different_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = manifest("tests/data/events.ron");
    run_all(
        dir.path(),
        &[
            run_args(&scenario, "first", &["--runs", "1500", "--seed", "17"]),
            run_args(&scenario, "again", &["--runs", "1500", "--seed", "17"]),
            run_args(&scenario, "other", &["--runs", "1500", "--seed", "18"]),
        ],
    );
    assert_same_files(dir.path(), "first", "again");
    for file in FILES {
        assert!(
            read(dir.path(), "first", file) != read(dir.path(), "other", file),
            "{file} is the same for seeds 17 and 18"
        );
    }
    // Every replication differs, not only the summary.
    let first = String::from_utf8(read(dir.path(), "first", "outcomes.csv")).unwrap();
    let other = String::from_utf8(read(dir.path(), "other", "outcomes.csv")).unwrap();
    let same_rows = first
        .lines()
        .zip(other.lines())
        .skip(1)
        .filter(|(a, b)| a == b)
        .count();
    assert!(
        same_rows < 15,
        "{same_rows} of 1500 rows equal across seeds"
    );
}

#[test]
fn a_replication_depends_only_on_seed_and_index() {
    // The first 1200 rows of a 3100-run file are the rows of a 1200-run file, and any row can be
    // recomputed alone with the library from its index.
    let dir = tempfile::tempdir().unwrap();
    let path = manifest("tests/data/events.ron");
    run_all(
        dir.path(),
        &[
            run_args(&path, "long", &["--runs", "3100", "--threads", "2"]),
            run_args(&path, "short", &["--runs", "1200", "--threads", "1"]),
        ],
    );
    let long = String::from_utf8(read(dir.path(), "long", "outcomes.csv")).unwrap();
    let short = String::from_utf8(read(dir.path(), "short", "outcomes.csv")).unwrap();
    let long_lines: Vec<&str> = long.lines().collect();
    let short_lines: Vec<&str> = short.lines().collect();
    assert_eq!(short_lines.len(), 1201);
    assert_eq!(long_lines.len(), 3101);
    assert_eq!(&long_lines[..1201], &short_lines[..]);

    let scenario = scenario::load(&path).unwrap();
    let seed = scenario.default_seed.unwrap();
    let mut workspace = Workspace::default();
    let mut output = RunOutput::default();
    for run in [0u64, 999, 1000, 2047, 3099] {
        simulate(&scenario, seed, run, &mut workspace, &mut output);
        let expected: Vec<String> = std::iter::once(run.to_string())
            .chain(
                output
                    .outcomes
                    .iter()
                    .map(|&value| format_number((!value.is_nan()).then_some(value))),
            )
            .collect();
        assert_eq!(
            long_lines[run as usize + 1],
            expected.join(","),
            "row of run {run}"
        );
    }
}
