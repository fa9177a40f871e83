//! Runs at scale: a run split into shards computed by separate processes and merged
//! (`run --shard K/M`, `merge`), a run that stops once its outcomes are known precisely enough
//! (`--precision`), and a run stopped by a signal and continued from its checkpoint (`--resume`).
//! Each must write the bytes one plain, uninterrupted `secsim run` writes.
//!
//! The scenarios are the small ones under `tests/data/`; run counts are the smallest that still
//! exercise the property (several blocks of 1000, a partial last block, several waves of blocks).

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{assert_success, files_under, secsim, secsim_command, stderr, stdout};

/// The result files every comparison covers. manifest.json records times and the command line
/// by design; charts are compared where a test says so. Every scenario here has events, so
/// parameters.csv too.
const RESULT_FILES: [&str; 4] = [
    "summary.json",
    "timeseries.csv",
    "outcomes.csv",
    "parameters.csv",
];
/// Exit code for bad usage or input.
const EXIT_BAD_INPUT: i32 = 2;
/// Exit code of a run stopped by SIGINT or SIGTERM once its checkpoint is written.
const EXIT_INTERRUPTED: i32 = 130;
/// Longest wait for a child process to reach a state a test waits for: not a limit on how fast
/// secsim is (a loaded machine may be slow), only a bound on a wait that would otherwise hang.
const PATIENCE: Duration = Duration::from_secs(600);
/// Runs of the interrupted runs. On one thread a wave is 4 blocks (4000 runs, a few tenths of a
/// second for `small.ron`); 48 000 runs are 12 waves, so the signal, sent as soon as the run is
/// under way, lands long before the last wave even on a loaded machine.
const INTERRUPTED_RUNS: &str = "48000";

/// A file of the crate, as an absolute path for the command line.
fn crate_file(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(relative)
        .to_str()
        .unwrap()
        .to_owned()
}

/// One state, one group, six outcomes (one never has a value): the fastest scenario.
fn small_scenario() -> String {
    crate_file("tests/data/small.ron")
}

/// Every trigger kind, uncertain parameters, unreliable and standby flows.
fn events_scenario() -> String {
    crate_file("tests/data/events.ron")
}

/// Runs `secsim args` in `dir` and fails unless it succeeds.
fn succeed(dir: &Path, args: &[&str]) -> Output {
    let output = secsim(dir, args);
    assert_success(&output);
    output
}

/// Runs `secsim args` in `dir`, checks it exits with code 2, and returns its stderr.
fn refused(dir: &Path, args: &[&str]) -> String {
    let output = secsim(dir, args);
    assert_eq!(
        output.status.code(),
        Some(EXIT_BAD_INPUT),
        "secsim {args:?} should be refused with exit 2\nstderr: {}",
        stderr(&output)
    );
    stderr(&output)
}

/// Runs several commands at once in `dir`, each its own process, and waits for all.
fn run_all(dir: &Path, commands: &[Vec<String>]) {
    let children: Vec<Child> = commands
        .iter()
        .map(|args| {
            secsim_command(dir, &args.iter().map(String::as_str).collect::<Vec<_>>())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("cannot start secsim")
        })
        .collect();
    for (child, args) in children.into_iter().zip(commands) {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "secsim {args:?}: exit {:?}: {}",
            output.status.code(),
            stderr(&output)
        );
    }
}

/// `words` as owned strings, for [`run_all`].
fn command(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| (*word).to_owned()).collect()
}

/// The first line where `first` and `second` differ, for failure messages.
fn first_difference(first: &[u8], second: &[u8]) -> String {
    let first = String::from_utf8_lossy(first);
    let second = String::from_utf8_lossy(second);
    let mut first_lines = first.lines();
    let mut second_lines = second.lines();
    let mut line = 1;
    loop {
        match (first_lines.next(), second_lines.next()) {
            (None, None) => return "same lines, different line endings".to_owned(),
            (a, b) if a != b => {
                let shorten = |text: Option<&str>| {
                    text.map_or("<end of file>".to_owned(), |text| {
                        text.chars().take(200).collect()
                    })
                };
                return format!("line {line}:\n  {}\n  {}", shorten(a), shorten(b));
            }
            _ => line += 1,
        }
    }
}

/// summary.json, timeseries.csv, outcomes.csv and parameters.csv are the same bytes in both
/// folders.
fn assert_same_results(first: &Path, second: &Path) {
    for file in RESULT_FILES {
        let read = |folder: &Path| {
            fs::read(folder.join(file))
                .unwrap_or_else(|error| panic!("{}/{file}: {error}", folder.display()))
        };
        let (a, b) = (read(first), read(second));
        assert!(
            a == b,
            "{file} differs between {} and {}, first at {}",
            first.display(),
            second.display(),
            first_difference(&a, &b)
        );
    }
}

/// Every file under both folders but manifest.json (charts and report included) is the same.
fn assert_same_folders(first: &Path, second: &Path) {
    let (a, b) = (files_under(first), files_under(second));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{} and {} hold different files",
        first.display(),
        second.display()
    );
    let differing: Vec<&PathBuf> = a
        .iter()
        .filter(|(path, bytes)| b[*path] != **bytes)
        .map(|(path, _)| path)
        .collect();
    assert!(
        differing.is_empty(),
        "files differing between {} and {}: {differing:?}",
        first.display(),
        second.display()
    );
}

fn read_json(path: &Path) -> Value {
    let text =
        fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn line_count(path: &Path) -> u64 {
    fs::read(path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count() as u64
}

/// The staging folders (`.<out>.partial-*`) of a results folder `out` left in `dir`.
fn staging_folders(dir: &Path, out: &str) -> Vec<String> {
    let prefix = format!(".{out}.partial-");
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(&prefix))
        .collect()
}

/// Fails unless the refused command left `dir/out` as `before` (absent when `None`) and no
/// staging folder beside it.
fn assert_out_untouched(dir: &Path, out: &str, before: Option<&BTreeMap<PathBuf, Vec<u8>>>) {
    let path = dir.join(out);
    match before {
        None => assert!(!path.exists(), "{out} was created"),
        Some(files) => assert!(files_under(&path) == *files, "{out} was changed"),
    }
    assert_eq!(
        staging_folders(dir, out),
        Vec::<String>::new(),
        "staging folders left behind"
    );
}

// ---------------------------------------------------------------------------------------------
// Shards and merge

/// `run --shard K/4` for K = 1..4 into `part1`..`part4` of `dir`, as four processes at once;
/// `extra` is added to every command.
fn run_four_shards(dir: &Path, scenario: &str, extra: &[&str]) {
    let commands: Vec<Vec<String>> = (1..=4)
        .map(|k| {
            let shard = format!("{k}/4");
            let out = format!("part{k}");
            // Alternate thread counts: a part must not depend on its process's threads.
            let threads = if k % 2 == 0 { "2" } else { "1" };
            let mut words = vec![
                "run",
                scenario,
                "--shard",
                &shard,
                "--out",
                &out,
                "--threads",
                threads,
                "--quiet",
            ];
            words.extend_from_slice(extra);
            command(&words)
        })
        .collect();
    run_all(dir, &commands);
}

/// The blocks `[first, end)` a part's part.json says it holds.
fn part_blocks(part: &Path) -> [u64; 2] {
    let info = read_json(&part.join("part.json"));
    let items = info["items"].as_array().expect("items");
    [items[0].as_u64().unwrap(), items[1].as_u64().unwrap()]
}

/// Four shards of a 5500-run `events.ron` run (6 blocks, the last partial, so parts hold one or
/// two blocks), computed by four processes with different thread counts and merged with the
/// parts in shuffled order, give every file of a single run: the three result files and every
/// chart and report.html.
#[test]
fn four_shard_processes_merge_to_the_files_of_one_run_charts_included() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let scenario = events_scenario();
    let plan = ["--runs", "5500", "--seed", "3"];
    run_four_shards(dir, &scenario, &plan);
    let blocks: Vec<[u64; 2]> = (1..=4)
        .map(|k| part_blocks(&dir.join(format!("part{k}"))))
        .collect();
    assert_eq!(blocks, [[0, 1], [1, 3], [3, 4], [4, 6]], "blocks per part");

    succeed(
        dir,
        &[
            "merge", "part3", "part1", "part4", "part2", "--out", "merged",
        ],
    );
    let mut single = vec!["run", scenario.as_str(), "--out", "single", "--quiet"];
    single.extend_from_slice(&plan);
    succeed(dir, &single);
    assert!(
        dir.join("merged/charts").is_dir() && dir.join("merged/report.html").is_file(),
        "merge wrote no charts or report"
    );
    assert_same_folders(&dir.join("merged"), &dir.join("single"));
}

/// 1500 runs (2 blocks) in 4 shards: parts 1 and 3 hold no block (their outcomes.csv is the
/// header alone), and merging the parts in any order still gives a single run's files.
#[test]
fn more_shards_than_blocks_leaves_empty_parts_that_merge_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let scenario = small_scenario();
    run_four_shards(dir, &scenario, &["--runs", "1500", "--no-charts"]);
    for (k, blocks, rows) in [
        (1, [0, 0], 0),
        (2, [0, 1], 1000),
        (3, [1, 1], 0),
        (4, [1, 2], 500),
    ] {
        let part = dir.join(format!("part{k}"));
        assert_eq!(part_blocks(&part), blocks, "blocks of part {k}");
        let header_and_rows = line_count(&part.join("outcomes.csv"));
        assert_eq!(header_and_rows, 1 + rows, "outcomes.csv lines of part {k}");
    }

    succeed(
        dir,
        &[
            "merge",
            "part4",
            "part2",
            "part3",
            "part1",
            "--out",
            "merged",
            "--no-charts",
        ],
    );
    succeed(
        dir,
        &[
            "run",
            &scenario,
            "--runs",
            "1500",
            "--out",
            "single",
            "--no-charts",
            "--quiet",
        ],
    );
    assert!(
        !dir.join("merged/charts").exists(),
        "charts despite --no-charts"
    );
    assert_same_results(&dir.join("merged"), &dir.join("single"));
}

/// `merge` refuses, with exit 2, a message naming the problem and no output folder (nor a
/// staging folder) left behind: a missing shard (named, with the command to compute it), a
/// shard given twice (the same folder twice, or a copy), parts of another seed, run count,
/// scenario or shard count, and folders that are not parts. A refused merge into an existing
/// results folder leaves it as it was.
#[test]
fn merge_refuses_parts_that_are_not_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let small = small_scenario();
    let events = events_scenario();
    let part = |scenario: &str, shard: &str, out: &str, extra: &[&str]| {
        let mut words = vec!["run", scenario, "--shard", shard, "--out", out, "--quiet"];
        if !extra.contains(&"--runs") {
            words.extend(["--runs", "1500"]);
        }
        words.extend_from_slice(extra);
        command(&words)
    };
    run_all(
        dir,
        &[
            part(&small, "1/4", "part1", &[]),
            part(&small, "2/4", "part2", &[]),
            part(&small, "3/4", "part3", &[]),
            part(&small, "4/4", "part4", &[]),
            part(&small, "4/4", "seed12_part4", &["--seed", "12"]),
            part(&small, "4/4", "runs2500_part4", &["--runs", "2500"]),
            // small.ron's own seed, so that only the scenario differs.
            part(&events, "4/4", "events_part4", &["--seed", "11"]),
            part(&small, "2/2", "of2_part2", &[]),
            command(&[
                "run",
                &small,
                "--runs",
                "1500",
                "--out",
                "results",
                "--no-charts",
                "--quiet",
            ]),
        ],
    );
    fs::create_dir(dir.join("part2_copy")).unwrap();
    for entry in fs::read_dir(dir.join("part2")).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(
            &path,
            dir.join("part2_copy").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    fs::create_dir(dir.join("empty")).unwrap();

    let cases: [(&[&str], &[&str]); 11] = [
        (
            &["part4", "part1", "part2"],
            &["missing shard 3 of 4", "--shard 3/4"],
        ),
        (&["part1", "part4"], &["missing shards 2, 3 of 4"]),
        (
            &["part1", "part2", "part3", "part4", "part2_copy"],
            &["shard 2 of 4 is given twice"],
        ),
        (
            &["part1", "part2", "part2", "part3", "part4"],
            &["shard 2 of 4 is given twice"],
        ),
        (
            &["part1", "part2", "part3", "seed12_part4"],
            &["seed12_part4", "the seed is 12"],
        ),
        (
            &["part1", "part2", "part3", "runs2500_part4"],
            &["runs2500_part4", "the run count is 2500"],
        ),
        (
            &["part1", "part2", "part3", "events_part4"],
            &["events_part4", "the scenario hash"],
        ),
        (
            &["part1", "part2", "part3", "part4", "of2_part2"],
            &["of2_part2", "the shard count is 2"],
        ),
        (
            &["part1", "part2", "part3", "results"],
            &["results", "not a secsim part folder"],
        ),
        (
            &["part1", "part2", "part3", "empty"],
            &["empty", "not a secsim part folder"],
        ),
        (
            &["part1", "part2", "part3", "no_such_folder"],
            &["no_such_folder"],
        ),
    ];
    for (parts, expected) in cases {
        let mut args = vec!["merge"];
        args.extend_from_slice(parts);
        args.extend_from_slice(&["--out", "merged", "--no-charts"]);
        let message = refused(dir, &args);
        for words in expected {
            assert!(
                message.contains(words),
                "merge {parts:?}: {words:?} not in {message}"
            );
        }
        assert_out_untouched(dir, "merged", None);
    }

    // The parts are fine: merging all four succeeds; a refused merge over its results keeps them.
    succeed(
        dir,
        &[
            "merge",
            "part1",
            "part2",
            "part3",
            "part4",
            "--out",
            "merged",
            "--no-charts",
        ],
    );
    assert_same_results(&dir.join("merged"), &dir.join("results"));
    let before = files_under(&dir.join("merged"));
    refused(
        dir,
        &[
            "merge",
            "part1",
            "part2",
            "part3",
            "seed12_part4",
            "--out",
            "merged",
            "--no-charts",
        ],
    );
    assert_out_untouched(dir, "merged", Some(&before));
}

/// Regression: merge checked a part's part.json and part.bin but not its outcomes.csv, so a part
/// whose outcomes.csv lost rows (an interrupted copy from another machine) merged without a word
/// into an outcomes.csv with fewer rows than summary.json's `runs`. It must be refused.
#[test]
fn merge_refuses_a_part_whose_outcomes_csv_lost_rows() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let scenario = small_scenario();
    let part = |shard: &str, out: &str| {
        command(&[
            "run", &scenario, "--runs", "2500", "--shard", shard, "--out", out, "--quiet",
        ])
    };
    run_all(dir, &[part("1/2", "part1"), part("2/2", "part2")]);
    // Keep the header and the first 500 of part 2's 1500 rows, whole lines only.
    let rows_path = dir.join("part2/outcomes.csv");
    let text = fs::read_to_string(&rows_path).unwrap();
    let kept: String = text.split_inclusive('\n').take(501).collect();
    fs::write(&rows_path, kept).unwrap();

    let message = refused(
        dir,
        &["merge", "part1", "part2", "--out", "merged", "--no-charts"],
    );
    assert!(
        message.contains("part2"),
        "the part is not named: {message}"
    );
    assert_out_untouched(dir, "merged", None);
}

// ---------------------------------------------------------------------------------------------
// --precision

/// The bound a `--precision` target puts on the standard error of an outcome with this mean.
fn precision_bound(target: &str, mean: f64) -> f64 {
    match target.strip_suffix('%') {
        Some(percent) => percent.parse::<f64>().unwrap() / 100.0 * mean.abs(),
        None => target.parse().unwrap(),
    }
}

/// The Monte Carlo standard error summary.json gives `outcome`, or None.
fn mcse(summary: &Value, outcome: &str) -> Option<f64> {
    summary["outcomes"][outcome]["mcse"].as_f64()
}

/// True when `summary` meets every (outcome, target) pair.
fn meets_all(summary: &Value, targets: &[(&str, &str)]) -> bool {
    targets.iter().all(|(outcome, target)| {
        let mean = summary["outcomes"][outcome]["mean"].as_f64().unwrap();
        mcse(summary, outcome).is_some_and(|error| error <= precision_bound(target, mean))
    })
}

/// summary.json without its `stopping` object.
fn without_stopping(mut summary: Value) -> Value {
    summary.as_object_mut().unwrap().remove("stopping");
    summary
}

/// With two targets (one relative, one absolute) the run stops at the first block after which
/// both are met, well below the cap, whatever the thread count (one thread simulates 4 blocks
/// at a time, two threads 8, so the blocks beyond the stopping point differ): summary.json says
/// how many runs and why, every reported standard error meets its target and equals the
/// outcome's mcse, one block fewer would not have met them all, and the files are a plain run of
/// that many runs (summary.json but for its `stopping` object).
#[test]
fn precision_stops_at_the_first_block_meeting_every_target_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let scenario = small_scenario();
    let targets = [("attacks_total", "0.25%"), ("control_final", "0.0004")];
    let texts: Vec<String> = targets
        .iter()
        .map(|(outcome, target)| format!("{outcome}={target}"))
        .collect();
    let precision: Vec<&str> = texts
        .iter()
        .flat_map(|text| ["--precision", text.as_str()])
        .collect();
    let precise = |threads: &str| {
        let out = format!("threads{threads}");
        let mut words = vec![
            "run",
            &scenario,
            "--runs",
            "30000",
            "--threads",
            threads,
            "--out",
            &out,
            "--no-charts",
            "--quiet",
        ];
        words.extend_from_slice(&precision);
        command(&words)
    };
    run_all(dir, &[precise("1"), precise("2")]);
    assert_same_results(&dir.join("threads1"), &dir.join("threads2"));

    let summary = read_json(&dir.join("threads1/summary.json"));
    let runs = summary["runs"].as_u64().unwrap();
    assert!(
        runs.is_multiple_of(1000) && (2000..30000).contains(&runs),
        "stopped after {runs} runs"
    );
    let stopping = &summary["stopping"];
    assert_eq!(stopping["reason"], "precision reached");
    assert_eq!(stopping["run_cap"], 30000);
    let reported = stopping["precision"].as_array().unwrap();
    assert_eq!(reported.len(), targets.len());
    for ((outcome, target), report) in targets.iter().zip(reported) {
        assert_eq!(report["outcome"], *outcome);
        assert_eq!(report["target"], *target);
        assert_eq!(report["met"], true, "{report}");
        let error = report["standard_error"].as_f64().unwrap();
        assert_eq!(Some(error), mcse(&summary, outcome), "{outcome}");
        let mean = summary["outcomes"][outcome]["mean"].as_f64().unwrap();
        assert!(error <= precision_bound(target, mean), "{report}");
    }

    let plain = |runs: u64, out: &str| {
        command(&[
            "run",
            &scenario,
            "--runs",
            &runs.to_string(),
            "--out",
            out,
            "--no-charts",
            "--quiet",
        ])
    };
    run_all(
        dir,
        &[plain(runs, "plain"), plain(runs - 1000, "one_block_fewer")],
    );
    for file in ["outcomes.csv", "timeseries.csv"] {
        assert!(
            fs::read(dir.join("threads1").join(file)).unwrap()
                == fs::read(dir.join("plain").join(file)).unwrap(),
            "{file} differs from a plain run of {runs}"
        );
    }
    assert_eq!(
        without_stopping(summary.clone()),
        read_json(&dir.join("plain/summary.json")),
        "summary.json differs from a plain run of {runs} beyond `stopping`"
    );
    assert!(meets_all(&summary, &targets));
    assert!(
        !meets_all(
            &read_json(&dir.join("one_block_fewer/summary.json")),
            &targets
        ),
        "every target was already met after {} runs",
        runs - 1000
    );
}

/// A target that cannot be met in time, and one on an outcome no run has a value for, run to
/// the cap, even one that is not a multiple of 1000: `runs` is the cap, the reason is "run cap
/// reached", the targets are reported unmet (the missing outcome with a null standard error),
/// and the files are a plain run's.
#[test]
fn unreachable_precision_stops_at_the_run_cap() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let scenario = small_scenario();
    run_all(
        dir,
        &[
            command(&[
                "run",
                &scenario,
                "--runs",
                "2500",
                "--precision",
                "attacks_total=0.01%",
                "--precision",
                "first_month_over_million=1",
                "--out",
                "capped",
                "--no-charts",
                "--quiet",
            ]),
            command(&[
                "run",
                &scenario,
                "--runs",
                "2500",
                "--out",
                "plain",
                "--no-charts",
                "--quiet",
            ]),
        ],
    );
    let summary = read_json(&dir.join("capped/summary.json"));
    assert_eq!(summary["runs"], 2500);
    let stopping = &summary["stopping"];
    assert_eq!(stopping["reason"], "run cap reached");
    assert_eq!(stopping["run_cap"], 2500);
    let reported = stopping["precision"].as_array().unwrap();
    assert_eq!(reported[0]["met"], false);
    let mean = summary["outcomes"]["attacks_total"]["mean"]
        .as_f64()
        .unwrap();
    assert!(reported[0]["standard_error"].as_f64().unwrap() > precision_bound("0.01%", mean));
    assert_eq!(reported[1]["met"], false);
    assert_eq!(reported[1]["standard_error"], Value::Null);

    assert_eq!(
        without_stopping(summary),
        read_json(&dir.join("plain/summary.json"))
    );
    for file in ["outcomes.csv", "timeseries.csv"] {
        assert!(
            fs::read(dir.join("capped").join(file)).unwrap()
                == fs::read(dir.join("plain").join(file)).unwrap(),
            "{file} differs from a plain run"
        );
    }
}

/// A target on an outcome the scenario does not have is refused with exit 2, a message that
/// lists the scenario's outcomes, and no results folder.
#[test]
fn precision_on_an_unknown_outcome_is_refused_with_the_outcomes_listed() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let message = refused(
        dir,
        &[
            "run",
            &small_scenario(),
            "--precision",
            "attack_total=1%",
            "--out",
            "out",
            "--no-charts",
        ],
    );
    for name in [
        "attack_total",
        "attacks_total",
        "control_final",
        "first_month_over_18",
        "first_month_over_million",
        "shock_fired",
        "shock_month",
    ] {
        assert!(message.contains(name), "{name:?} not in {message}");
    }
    assert_out_untouched(dir, "out", None);
    assert!(!dir.join("out.checkpoint").exists());
}

/// Regression: a relative target was kept as a fraction and printed back times 100, so
/// `attacks_total=0.23%` appeared in summary.json (and checkpoint.json) as
/// "0.22999999999999998%". The target must read as the user wrote it.
#[test]
fn relative_precision_target_is_reported_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    succeed(
        dir,
        &[
            "run",
            &small_scenario(),
            "--runs",
            "1000",
            "--precision",
            "attacks_total=0.23%",
            "--out",
            "out",
            "--no-charts",
            "--quiet",
        ],
    );
    let summary = read_json(&dir.join("out/summary.json"));
    assert_eq!(summary["stopping"]["precision"][0]["target"], "0.23%");
}

// ---------------------------------------------------------------------------------------------
// Interruption, checkpoints and --resume

/// Starts `secsim args` in `dir` with both streams captured.
fn spawn(dir: &Path, args: &[&str]) -> Child {
    secsim_command(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start secsim")
}

/// Polls until `ready` holds; fails if `child` ends first or after [`PATIENCE`].
fn wait_for(child: &mut Child, what: &str, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() {
        if let Some(status) = child.try_wait().unwrap() {
            let mut message = String::new();
            if let Some(mut stream) = child.stderr.take() {
                let _ = stream.read_to_string(&mut message);
            }
            panic!("secsim ended ({status}) before {what}; stderr: {message}");
        }
        assert!(started.elapsed() < PATIENCE, "no {what} after {PATIENCE:?}");
        thread::sleep(Duration::from_millis(5));
    }
}

/// Sends `signal` to `child`.
fn send_signal(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) only sends a signal. `pid` is our own child, which has not been waited
    // for, so the id cannot have been reused by another process.
    let result = unsafe { libc::kill(pid, signal) };
    assert_eq!(
        result,
        0,
        "kill({pid}, {signal}): {}",
        std::io::Error::last_os_error()
    );
}

/// Starts `secsim args` (a run into `dir/out`), waits until it is under way (its staging
/// folder exists, which it creates after installing its signal handlers), sends `signal`, and
/// returns what it printed and how it ended.
fn run_and_signal(dir: &Path, args: &[&str], out: &str, signal: libc::c_int) -> Output {
    let mut child = spawn(dir, args);
    wait_for(&mut child, "the staging folder", || {
        !staging_folders(dir, out).is_empty()
    });
    send_signal(&child, signal);
    child.wait_with_output().unwrap()
}

/// Runs done according to `<out>.checkpoint/checkpoint.json`; None while it is absent or being
/// written.
fn checkpointed_runs(checkpoint: &Path) -> Option<u64> {
    let text = fs::read_to_string(checkpoint.join("checkpoint.json")).ok()?;
    serde_json::from_str::<Value>(&text).ok()?["runs_done"].as_u64()
}

/// `args` with `--threads 2` instead of `--threads 1`, and `--resume`: the thread count is not
/// part of a run's identity, so the rest of the run may use more.
fn resume_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut resumed: Vec<&str> = args.to_vec();
    let threads = resumed
        .iter()
        .position(|&word| word == "--threads")
        .unwrap();
    resumed[threads + 1] = "2";
    resumed.push("--resume");
    resumed
}

/// The plain, uninterrupted run of `args` (threads and checkpoint options left out) into
/// `dir/reference`.
fn run_reference(dir: &Path, args: &[&str]) {
    let mut reference = Vec::new();
    let mut words = args.iter();
    while let Some(&word) = words.next() {
        match word {
            "--threads" | "--checkpoint-every" => {
                words.next();
            }
            "--out" => {
                words.next();
                reference.extend(["--out", "reference"]);
            }
            _ => reference.push(word),
        }
    }
    succeed(dir, &reference);
}

/// Interrupts a run of `args` (into `out`, on one thread) with `signal`, checks what it left,
/// resumes it and compares with an uninterrupted run. With `previous_results`, `out` holds
/// another run's results before, which the interrupted run must leave alone. Returns the
/// folder, with the resumed results in `out`.
fn interrupt_and_resume(
    args: &[&str],
    signal: libc::c_int,
    previous_results: bool,
) -> tempfile::TempDir {
    let temporary = tempfile::tempdir().unwrap();
    let dir = temporary.path();
    let out = dir.join("out");
    let checkpoint = dir.join("out.checkpoint");
    let before = previous_results.then(|| {
        succeed(
            dir,
            &[
                "run",
                &small_scenario(),
                "--runs",
                "1000",
                "--seed",
                "99",
                "--out",
                "out",
                "--no-charts",
            ],
        );
        files_under(&out)
    });

    let output = run_and_signal(dir, args, "out", signal);
    let message = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(EXIT_INTERRUPTED),
        "the run did not stop with exit 130 (finished before the signal?)\nstderr: {message}"
    );
    assert_out_untouched(dir, "out", before.as_ref());
    let runs_done = checkpointed_runs(&checkpoint).expect("checkpoint.json with runs_done");
    let runs: u64 = INTERRUPTED_RUNS.parse().unwrap();
    assert!(
        runs_done > 0 && runs_done < runs && runs_done.is_multiple_of(1000),
        "checkpoint after {runs_done} runs"
    );
    assert!(checkpoint.join("state.bin").is_file());
    assert_eq!(
        line_count(&checkpoint.join("outcomes.csv")),
        runs_done + 1,
        "the checkpoint's outcomes.csv holds a header and one row per run done"
    );
    assert_eq!(
        line_count(&checkpoint.join("parameters.csv")),
        runs_done + 1,
        "the checkpoint's parameters.csv holds a header and one row per run done"
    );
    assert!(
        message.contains(&format!("interrupted after {runs_done} of {runs} runs")),
        "{message}"
    );
    // The hint is a shell command: split as a shell would, it is this one with `--resume`.
    let mut resume_words: Vec<String> = args.iter().map(|word| word.to_string()).collect();
    resume_words.push("--resume".to_owned());
    assert!(
        message.lines().any(|line| {
            line.strip_prefix("resume with: ")
                .and_then(shlex::split)
                .is_some_and(|words| words[1..] == resume_words[..])
        }),
        "no `resume with: ... {} --resume` in {message}",
        args.join(" ")
    );

    let resumed = succeed(dir, &resume_args(args));
    // Its speed is the runs it computed, not the ones read back.
    let summary = stdout(&resumed);
    let total: u64 = summary
        .split_whitespace()
        .nth(1)
        .and_then(|word| word.parse().ok())
        .expect("the first line gives the runs");
    let computed = total - runs_done;
    assert!(
        summary.contains(&format!(
            "\n{total} runs ({computed} computed now, {runs_done} from the checkpoint) in "
        )),
        "{summary}"
    );
    assert!(!checkpoint.exists(), "the checkpoint outlived the run");
    run_reference(dir, args);
    assert_same_results(&out, &dir.join("reference"));
    temporary
}

/// The arguments of a run long enough to be interrupted, on one thread, into `out`.
fn long_run_args(scenario: &str) -> [&str; 10] {
    [
        "run",
        scenario,
        "--runs",
        INTERRUPTED_RUNS,
        "--threads",
        "1",
        "--out",
        "out",
        "--no-charts",
        "--quiet",
    ]
}

/// SIGINT (Ctrl-C) stops the run at the end of its wave of blocks with exit 130, a checkpoint
/// holding exactly the runs done, no results folder and no staging folder, and a message with
/// the command that resumes it; resuming (on more threads) gives the uninterrupted run's bytes
/// and removes the checkpoint.
#[test]
fn sigint_checkpoints_and_resume_gives_the_uninterrupted_bytes() {
    let scenario = small_scenario();
    interrupt_and_resume(&long_run_args(&scenario), libc::SIGINT, false);
}

/// SIGTERM does the same as SIGINT, and the results an earlier run left in the folder stay as
/// they were until the resumed run replaces them.
#[test]
fn sigterm_keeps_earlier_results_and_resume_gives_the_uninterrupted_bytes() {
    let scenario = small_scenario();
    interrupt_and_resume(&long_run_args(&scenario), libc::SIGTERM, true);
}

/// SIGTERM (a scheduler's time limit) on a shard stops it at the next wave with exit 130 and
/// leaves nothing: no part folder, no staging folder. A shard is rerun whole.
#[test]
fn sigterm_on_a_shard_leaves_nothing() {
    let temporary = tempfile::tempdir().unwrap();
    let dir = temporary.path();
    let scenario = small_scenario();
    let args = [
        "run",
        &scenario,
        "--runs",
        INTERRUPTED_RUNS,
        "--threads",
        "1",
        "--shard",
        "1/2",
        "--out",
        "part_1",
        "--quiet",
    ];
    let output = run_and_signal(dir, &args, "part_1", libc::SIGTERM);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(EXIT_INTERRUPTED), "{message}");
    assert!(
        message.contains("shard 1/2 was not written; run it again"),
        "{message}"
    );
    assert_out_untouched(dir, "part_1", None);
    assert!(!dir.join("part_1.checkpoint").exists());
}

/// A `--precision` run interrupted before its targets are met resumes to the same stopping
/// point, summary.json's `stopping` object included, as a run never interrupted.
#[test]
fn interrupted_precision_run_resumes_to_the_same_stopping_point() {
    let scenario = small_scenario();
    let mut args = long_run_args(&scenario).to_vec();
    // Met after about 32 000 of the 48 000 runs allowed: several waves after the signal.
    args.extend(["--precision", "control_final=0.00015"]);
    let dir = interrupt_and_resume(&args, libc::SIGINT, false);
    let summary = read_json(&dir.path().join("out/summary.json"));
    assert_eq!(summary["stopping"]["reason"], "precision reached");
    assert!(summary["runs"].as_u64().unwrap() < INTERRUPTED_RUNS.parse().unwrap());
}

/// A run with `--checkpoint-every` killed outright (SIGKILL: no handler, nothing flushed) after
/// a checkpoint, while rows beyond it are already in the checkpoint's outcomes.csv, resumes
/// from that checkpoint (cutting the extra rows) to the uninterrupted run's bytes.
#[test]
fn killed_run_resumes_from_its_last_periodic_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let scenario = small_scenario();
    let mut args = long_run_args(&scenario).to_vec();
    // 8 blocks: one thread checkpoints every other wave of 4 blocks, so between checkpoints
    // outcomes.csv holds rows the last checkpoint does not cover.
    args.extend(["--checkpoint-every", "8000"]);
    let checkpoint = dir.join("out.checkpoint");
    let rows = checkpoint.join("outcomes.csv");

    let mut child = spawn(dir, &args);
    wait_for(&mut child, "a checkpoint", || {
        checkpointed_runs(&checkpoint).is_some()
    });
    wait_for(&mut child, "rows beyond the checkpoint", || {
        checkpointed_runs(&checkpoint).is_some_and(|done| line_count(&rows) > done + 1)
    });
    send_signal(&child, libc::SIGKILL);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.signal(), Some(libc::SIGKILL));
    // checkpoint.json is rewritten after each checkpoint: a kill can catch it half written.
    if let Some(runs_done) = checkpointed_runs(&checkpoint) {
        assert!(
            runs_done > 0 && runs_done.is_multiple_of(8000),
            "{runs_done}"
        );
    }
    assert!(!dir.join("out").exists());

    succeed(dir, &resume_args(&args));
    assert!(!checkpoint.exists(), "the checkpoint outlived the run");
    run_reference(dir, &args);
    assert_same_results(&dir.join("out"), &dir.join("reference"));
}

/// A run with `--checkpoint-every` that is not interrupted writes the plain run's bytes and
/// leaves no checkpoint behind.
#[test]
fn periodic_checkpoints_of_a_finished_run_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let scenario = small_scenario();
    let args = [
        "run",
        &scenario,
        "--runs",
        "5500",
        "--threads",
        "1",
        "--checkpoint-every",
        "2000",
        "--out",
        "out",
        "--no-charts",
        "--quiet",
    ];
    succeed(dir, &args);
    assert!(!dir.join("out.checkpoint").exists());
    run_reference(dir, &args);
    assert_same_results(&dir.join("out"), &dir.join("reference"));
}

/// Over an existing checkpoint, a fresh run (no --resume) is refused, and so is --resume with
/// another seed, run count, scenario or precision, each with exit 2 and a message naming the
/// difference, the checkpoint left as it was and no results folder; --resume with no
/// checkpoint is refused too.
#[test]
fn checkpoint_is_neither_overwritten_nor_resumed_by_another_run() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let small = small_scenario();
    let events = events_scenario();
    let args = [
        "run",
        small.as_str(),
        "--runs",
        INTERRUPTED_RUNS,
        "--threads",
        "1",
        "--checkpoint-every",
        "1000",
        "--out",
        "out",
        "--no-charts",
        "--quiet",
    ];
    let checkpoint = dir.join("out.checkpoint");
    let mut child = spawn(dir, &args);
    wait_for(&mut child, "a checkpoint", || {
        checkpointed_runs(&checkpoint).is_some()
    });
    send_signal(&child, libc::SIGKILL);
    child.wait().unwrap();
    let kept = files_under(&checkpoint);
    // A killed process cannot remove its staging folder; the refused commands must add none
    // (they may remove the dead process's one, as any run to `out` does).
    let killed_staging = staging_folders(dir, "out");

    let with = |changes: &[(&'static str, &'static str)], resume: bool| -> Vec<&str> {
        let mut words: Vec<&str> = args.to_vec();
        for &(option, value) in changes {
            match words.iter().position(|&word| word == option) {
                Some(at) => words[at + 1] = value,
                None => words.extend([option, value]),
            }
        }
        if resume {
            words.push("--resume");
        }
        words
    };
    let without_parameters = {
        let mut words = with(&[], true);
        words.push("--no-parameters");
        words
    };
    let cases: [(Vec<&str>, &[&str]); 7] = [
        (with(&[], false), &["out.checkpoint", "--resume"]),
        (
            with(&[("--seed", "12")], true),
            &["seed: checkpoint 11", "this command 12"],
        ),
        (
            with(&[("--runs", "47000")], true),
            &["runs: checkpoint 48000", "this command 47000"],
        ),
        (
            with(&[("--precision", "attacks_total=1%")], true),
            &["precision: checkpoint []", "attacks_total=1%"],
        ),
        (
            with(&[], true)
                .into_iter()
                .map(|word| if word == small { events.as_str() } else { word })
                .collect(),
            &["scenario (hash)"],
        ),
        (with(&[("--out", "other")], true), &["no checkpoint"]),
        (
            without_parameters,
            &[r#"files: checkpoint ["outcomes.csv", "parameters.csv"]"#],
        ),
    ];
    for (words, expected) in cases {
        let message = refused(dir, &words);
        for text in expected {
            assert!(
                message.contains(text),
                "{words:?}: {text:?} not in {message}"
            );
        }
        assert!(
            files_under(&checkpoint) == kept,
            "{words:?} changed the checkpoint"
        );
        assert!(!dir.join("out").exists(), "{words:?} wrote results");
        let staging = staging_folders(dir, "out");
        assert!(
            staging.iter().all(|name| killed_staging.contains(name)),
            "{words:?} left {staging:?}"
        );
        assert_out_untouched(dir, "other", None);
    }
}
