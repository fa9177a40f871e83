//! Baselines and `secsim check`: every shipped scenario against its committed baseline in
//! `tests/baselines/`, and how the check treats an unchanged scenario, a real change, a change
//! within Monte Carlo noise, a new secsim version, bad baselines, and its JSON report.
//!
//! To refresh the committed baselines after a deliberate change to results:
//!
//!     SECSIM_UPDATE_BASELINES=1 cargo test --release --test it check::
//!
//! and commit the changed `tests/baselines/*.json` with the change that moved them.

use crate::common::{secsim, secsim_command as command, stderr, stdout};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Replications of the committed baselines: enough to exercise every outcome, few enough that
/// checking all shipped scenarios takes about a second in a release build.
const BASELINE_RUNS: &str = "200";
/// Set to 1 to rewrite the committed baselines instead of checking them.
const UPDATE_VARIABLE: &str = "SECSIM_UPDATE_BASELINES";
const REFRESH_COMMAND: &str = "SECSIM_UPDATE_BASELINES=1 cargo test --release --test it check::";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data(name: &str) -> PathBuf {
    manifest_dir().join("tests/data/check").join(name)
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    command(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start secsim")
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(output),
        stderr(output)
    )
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "{}", describe(output));
}

/// Makes a baseline of `scenario` at `out` (in `dir`), 400 runs.
fn make_baseline(dir: &Path, scenario: &Path, out: &str) {
    let output = secsim(
        dir,
        &["baseline", arg(scenario), "--runs", "400", "--out", out],
    );
    assert_exit(&output, 0);
}

fn check(dir: &Path, scenario: &Path, baseline: &str, extra: &[&str]) -> Output {
    let args = [&["check", arg(scenario), "--baseline", baseline][..], extra].concat();
    secsim(dir, &args)
}

fn check_json(dir: &Path, scenario: &Path, baseline: &str, extra: &[&str]) -> (Output, Value) {
    let output = check(
        dir,
        scenario,
        baseline,
        &[extra, &["--format", "json"]].concat(),
    );
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not JSON: {error}\n{}", describe(&output)));
    (output, report)
}

fn moved_outcomes(report: &Value) -> Vec<String> {
    report["moved"]["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|outcome| outcome["name"].as_str().unwrap().to_owned())
        .collect()
}

fn shipped_scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(manifest_dir().join("scenarios"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "ron"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "shipped scenarios: {files:?}");
    files
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Every file in `dir` and below, with its bytes.
fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

// The project's own regression check

/// Every scenario in `scenarios/` gives exactly the results of its committed baseline. With
/// `SECSIM_UPDATE_BASELINES=1` the baselines are rewritten instead (a deliberate change to
/// results, to be committed with the change that caused it).
#[test]
fn every_shipped_scenario_matches_its_committed_baseline() {
    let baselines = manifest_dir().join("tests/baselines");
    let scenarios = shipped_scenarios();
    let update = std::env::var(UPDATE_VARIABLE).is_ok_and(|value| value == "1");
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<(PathBuf, Child)> = scenarios
        .iter()
        .map(|scenario| {
            let baseline = baselines.join(format!("{}.json", stem(scenario)));
            let child = if update {
                spawn(
                    dir.path(),
                    &[
                        "baseline",
                        arg(scenario),
                        "--runs",
                        BASELINE_RUNS,
                        "--out",
                        arg(&baseline),
                    ],
                )
            } else {
                spawn(
                    dir.path(),
                    &["check", arg(scenario), "--baseline", arg(&baseline)],
                )
            };
            (scenario.clone(), child)
        })
        .collect();
    let mut failures = Vec::new();
    for (scenario, child) in children {
        let output = child.wait_with_output().unwrap();
        if !output.status.success() {
            failures.push(format!("{}: {}", scenario.display(), describe(&output)));
        }
    }
    // A baseline whose scenario is gone is stale: it checks nothing.
    let stems: Vec<String> = scenarios.iter().map(|scenario| stem(scenario)).collect();
    for entry in fs::read_dir(&baselines).unwrap() {
        let path = entry.unwrap().path();
        if !stems.contains(&stem(&path)) {
            failures.push(format!(
                "{}: no scenario scenarios/{}.ron; remove the baseline",
                path.display(),
                stem(&path)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the change to results is deliberate, refresh the baselines with\n    {REFRESH_COMMAND}\nand commit them with the change, so that the new results are reviewed.",
        failures.join("\n\n")
    );
    assert!(
        fs::read_dir(dir.path()).unwrap().next().is_none(),
        "check wrote into its working folder"
    );
}

// What check accepts and rejects

#[test]
fn an_unchanged_scenario_passes_in_exact_and_statistical_mode() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = data("scenario.ron");
    make_baseline(dir.path(), &scenario, "base.json");
    for mode in ["exact", "statistical"] {
        let output = check(dir.path(), &scenario, "base.json", &["--mode", mode]);
        assert_exit(&output, 0);
        let text = stdout(&output);
        assert!(text.contains(&format!("mode {mode}")), "{text}");
        assert!(text.contains("scenario unchanged"), "{text}");
        assert!(text.contains("digest: identical results"), "{text}");
        assert!(text.trim_end().ends_with("check passed"), "{text}");
    }
    // The default mode is exact; the thread count does not matter.
    let output = check(dir.path(), &scenario, "base.json", &["--threads", "1"]);
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("mode exact"));
}

#[test]
fn a_raised_attack_rate_fails_in_both_modes_and_names_the_outcome() {
    let dir = tempfile::tempdir().unwrap();
    make_baseline(dir.path(), &data("scenario.ron"), "base.json");
    let changed = data("rate_raised.ron");
    for mode in ["exact", "statistical"] {
        let output = check(dir.path(), &changed, "base.json", &["--mode", mode]);
        assert_exit(&output, 1);
        let text = stdout(&output);
        assert!(text.contains("scenario CHANGED"), "{text}");
        assert!(text.contains("attacks_mali"), "{text}");
        assert!(text.contains("check FAILED"), "{text}");
        let (output, report) = check_json(dir.path(), &changed, "base.json", &["--mode", mode]);
        assert_exit(&output, 1);
        assert_eq!(report["pass"], false);
        assert!(
            moved_outcomes(&report).contains(&"attacks_mali".to_owned()),
            "{mode}: {}",
            report["moved"]
        );
        // The outcome no change touches does not move: G attacks Niger at the same rate.
        assert!(
            !moved_outcomes(&report).contains(&"attacks_niger".to_owned()),
            "{mode}: {}",
            report["moved"]
        );
    }
}

#[test]
fn a_change_within_noise_passes_statistical_mode_and_fails_exact_mode() {
    let dir = tempfile::tempdir().unwrap();
    make_baseline(dir.path(), &data("scenario.ron"), "base.json");
    let changed = data("tiny_change.ron");
    let statistical = check(
        dir.path(),
        &changed,
        "base.json",
        &["--mode", "statistical"],
    );
    assert_exit(&statistical, 0);
    let text = stdout(&statistical);
    assert!(text.contains("0 of "), "{text}");
    assert!(text.contains("K = 4"), "the rule is stated: {text}");
    let exact = check(dir.path(), &changed, "base.json", &["--mode", "exact"]);
    assert_exit(&exact, 1);
    let text = stdout(&exact);
    assert!(text.contains("digest: results differ"), "{text}");
    assert!(text.contains("compared values differ"), "{text}");
    // A tolerance far below the noise makes the same change a failure.
    let strict = check(
        dir.path(),
        &changed,
        "base.json",
        &["--mode", "statistical", "--tolerance", "0.001"],
    );
    assert_exit(&strict, 1);
}

#[test]
fn a_changed_scenario_that_moves_no_result_passes_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = data("scenario.ron");
    make_baseline(dir.path(), &scenario, "base.json");
    // The description is part of the scenario (and its hash) but of no result.
    let text = fs::read_to_string(&scenario).unwrap();
    let edited = text.replacen(
        "name: \"check\",",
        "name: \"check\",\n    description: \"edited\",",
        1,
    );
    assert_ne!(text, edited);
    let copy = dir.path().join("edited.ron");
    fs::write(&copy, edited).unwrap();
    let (output, report) = check_json(dir.path(), &copy, "base.json", &[]);
    assert_exit(&output, 0);
    assert_eq!(report["scenario_hash"]["changed"], true);
    assert_ne!(
        report["scenario_hash"]["baseline"],
        report["scenario_hash"]["now"]
    );
    assert_eq!(report["digest"]["match"], true);
}

#[test]
fn a_baseline_from_another_secsim_version_with_the_same_results_passes_exact_mode() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = data("scenario.ron");
    make_baseline(dir.path(), &scenario, "base.json");
    let path = dir.path().join("base.json");
    let text = fs::read_to_string(&path).unwrap();
    let current = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&current), "{text}");
    fs::write(
        &path,
        text.replacen(&current, "\"version\": \"0.0.1-older\"", 1),
    )
    .unwrap();
    let output = check(dir.path(), &scenario, "base.json", &[]);
    assert_exit(&output, 0);
    assert!(
        stdout(&output).contains("baseline made by secsim 0.0.1-older"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn missing_or_malformed_baselines_and_bad_scenarios_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = data("scenario.ron");
    make_baseline(dir.path(), &scenario, "base.json");
    let good = fs::read_to_string(dir.path().join("base.json")).unwrap();
    let mut cases: Vec<(&str, String)> = vec![
        ("not_json.json", "this is not JSON".to_owned()),
        ("truncated.json", good[..good.len() / 2].to_owned()),
        ("other_json.json", "{\"summary\": 1}".to_owned()),
        (
            "future_format.json",
            good.replacen("\"format_version\": 1", "\"format_version\": 99", 1),
        ),
        (
            "zero_runs.json",
            good.replacen("\"runs\": 400", "\"runs\": 0", 1),
        ),
        (
            "no_outcomes.json",
            good.replacen("\"outcomes\": [", "\"outcomez\": [", 1),
        ),
    ];
    // A digest edited by hand no longer matches its file digests.
    let digest_line = good
        .lines()
        .find(|line| line.trim_start().starts_with("\"digest\""))
        .unwrap();
    cases.push((
        "edited_digest.json",
        good.replacen(
            digest_line,
            &format!("  \"digest\": \"{}\",", "0".repeat(64)),
            1,
        ),
    ));
    for (name, text) in &cases {
        assert_ne!(text, &good, "{name}");
        fs::write(dir.path().join(name), text).unwrap();
    }
    for (name, _) in &cases {
        let output = check(dir.path(), &scenario, name, &[]);
        assert_exit(&output, 2);
        assert!(
            stderr(&output).starts_with("error: ") && stderr(&output).contains(name),
            "{name}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty(), "{name}: {}", stdout(&output));
    }
    let missing = check(dir.path(), &scenario, "nonexistent.json", &[]);
    assert_exit(&missing, 2);
    assert!(stderr(&missing).contains("nonexistent.json"));
    let folder = check(dir.path(), &scenario, ".", &[]);
    assert_exit(&folder, 2);

    let bad_scenario = manifest_dir().join("tests/bad/unknown_actor_in_flow.ron");
    assert_exit(&check(dir.path(), &bad_scenario, "base.json", &[]), 2);
    assert_exit(
        &check(dir.path(), &dir.path().join("nope.ron"), "base.json", &[]),
        2,
    );
    // Bad usage.
    for extra in [
        &["--mode", "approximate"][..],
        &["--tolerance", "0"],
        &["--tolerance", "-1"],
        &["--format", "xml"],
    ] {
        assert_exit(&check(dir.path(), &scenario, "base.json", extra), 2);
    }
    assert_exit(&secsim(dir.path(), &["check", arg(&scenario)]), 2);
}

#[test]
fn json_report_has_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    make_baseline(dir.path(), &data("scenario.ron"), "base.json");
    for (scenario, mode, pass) in [
        ("scenario.ron", "exact", true),
        ("scenario.ron", "statistical", true),
        ("rate_raised.ron", "statistical", false),
        ("tiny_change.ron", "exact", false),
    ] {
        let (output, report) =
            check_json(dir.path(), &data(scenario), "base.json", &["--mode", mode]);
        assert_exit(&output, if pass { 0 } else { 1 });
        let what = format!("{scenario} {mode}");
        let keys: Vec<&str> = report
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "pass",
                "mode",
                "tolerance",
                "rule",
                "scenario",
                "scenario_file",
                "baseline_file",
                "scenario_hash",
                "seed",
                "runs",
                "threads",
                "version",
                "digest",
                "missing",
                "added",
                "compared",
                "failed",
                "moved",
                "comparisons"
            ],
            "{what}"
        );
        assert_eq!(report["pass"], pass, "{what}");
        assert_eq!(report["mode"], mode, "{what}");
        assert_eq!(report["tolerance"], 4.0, "{what}");
        assert_eq!(report["scenario"], "check", "{what}");
        assert_eq!(report["seed"], 5, "{what}");
        assert_eq!(report["runs"], 400, "{what}");
        for key in ["baseline", "now", "changed"] {
            assert!(!report["scenario_hash"][key].is_null(), "{what}: {key}");
        }
        for file in ["summary.json", "timeseries.csv", "outcomes.csv"] {
            let digests = &report["digest"]["files"][file];
            assert_eq!(digests["baseline"].as_str().unwrap().len(), 64, "{what}");
            assert_eq!(
                digests["match"],
                digests["baseline"] == digests["now"],
                "{what}"
            );
        }
        let comparisons = report["comparisons"].as_array().unwrap();
        assert_eq!(comparisons.len() as u64, report["compared"], "{what}");
        let failed = comparisons
            .iter()
            .filter(|comparison| comparison["pass"] == false)
            .count();
        assert_eq!(failed as u64, report["failed"], "{what}");
        // 6 outcomes, 18 series of 12 months, 4 events: in statistical mode a mean and five
        // quantiles per summary, in exact mode also n and sd.
        let per_summary = if mode == "exact" { 8 } else { 6 };
        assert_eq!(comparisons.len(), (6 + 18 * 12) * per_summary + 4, "{what}");
        for comparison in comparisons {
            for key in [
                "item",
                "statistic",
                "baseline",
                "now",
                "difference",
                "tolerance",
                "standard_error",
                "ratio",
                "pass",
                "reason",
            ] {
                assert!(
                    comparison.get(key).is_some(),
                    "{what}: {key} in {comparison}"
                );
            }
            for key in ["kind", "name", "metric", "actor", "month"] {
                assert!(comparison["item"].get(key).is_some(), "{what}: item.{key}");
            }
            assert_eq!(
                comparison["reason"].is_null(),
                comparison["pass"] == true,
                "{what}: a reason for every failure and only for failures: {comparison}"
            );
        }
        // The report's order: failures first; within them and within the rest, outcomes and
        // events before series-months; then the largest ratio to the tolerance (rows without
        // a tolerance, n and sd in exact mode, last).
        let keys: Vec<(bool, bool, f64)> = comparisons
            .iter()
            .map(|comparison| {
                let ratio = if comparison["tolerance"].is_null()
                    && !comparison["baseline"].is_null()
                    && !comparison["now"].is_null()
                {
                    -1.0
                } else {
                    comparison["ratio"].as_f64().unwrap_or(f64::INFINITY)
                };
                (
                    comparison["pass"] == true,
                    comparison["item"]["kind"] == "series",
                    ratio,
                )
            })
            .collect();
        assert!(
            keys.windows(2).all(|pair| {
                let ((pass_a, series_a, ratio_a), (pass_b, series_b, ratio_b)) = (pair[0], pair[1]);
                (pass_a, series_a) < (pass_b, series_b)
                    || ((pass_a, series_a) == (pass_b, series_b) && ratio_a >= ratio_b)
            }),
            "{what}"
        );
    }
}

/// The rows of the text report's table: from its header to the first line that is not a row.
fn table_rows(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|line| !line.starts_with("item "))
        .take_while(|line| !line.is_empty() && !line.starts_with('('))
        .collect()
}

/// An exact-mode failure leads with the scenario's outcomes, not with quantiles of small monthly
/// counts, and says of every row why it failed; statistical mode says by how many standard
/// errors against how many it allows.
#[test]
fn failure_reports_lead_with_outcomes_and_say_why_each_row_failed() {
    let dir = tempfile::tempdir().unwrap();
    make_baseline(dir.path(), &data("scenario.ron"), "base.json");
    for (scenario, mode, because) in [
        ("tiny_change.ron", "exact", "FAIL: bytes differ: "),
        ("rate_raised.ron", "statistical", "FAIL: differs by "),
    ] {
        let output = check(dir.path(), &data(scenario), "base.json", &["--mode", mode]);
        assert_exit(&output, 1);
        let text = stdout(&output);
        let rows = table_rows(&text);
        assert!(rows.len() > 5, "{mode}: {text}");
        // Both changes move attacks_mali, which the report names first.
        assert!(
            rows[1].starts_with("outcome attacks_mali ")
                || rows[1].starts_with("outcome mali_over_15 "),
            "{mode}: {text}"
        );
        let headline = |row: &str| row.starts_with("outcome ") || row.starts_with("event ");
        let first_series = rows[1..].iter().position(|row| !headline(row));
        if let Some(first_series) = first_series {
            assert!(
                rows[1 + first_series..].iter().all(|row| !headline(row)),
                "{mode}: an outcome after a series-month:\n{text}"
            );
        }
        for row in &rows[1..] {
            assert!(row.contains(because), "{mode}: {row}\n{text}");
            assert!(
                !row.trim_end().ends_with("FAIL"),
                "{mode}: no reason: {row}"
            );
        }
    }
    // The reason carries the exact values: the statistic that differs in its last digits.
    let output = check(dir.path(), &data("tiny_change.ron"), "base.json", &[]);
    let text = stdout(&output);
    let reason = table_rows(&text)[1].split("bytes differ: ").nth(1).unwrap();
    let values: Vec<f64> = reason
        .split(" (")
        .next()
        .unwrap()
        .split(" vs ")
        .map(|value| value.parse().unwrap())
        .collect();
    assert_eq!(values.len(), 2, "{reason}");
    assert_ne!(values[0].to_bits(), values[1].to_bits(), "{reason}");
}

/// The table's columns line up whatever the length of the names: a 60-character outcome name
/// pushes every column right by the same amount.
#[test]
fn report_columns_align_with_a_60_character_outcome_name() {
    let dir = tempfile::tempdir().unwrap();
    let long_name = "attacks_in_mali_by_every_group_over_the_whole_horizon_summed";
    assert_eq!(long_name.len(), 60);
    for file in ["scenario.ron", "rate_raised.ron"] {
        let text = fs::read_to_string(data(file)).unwrap();
        assert_eq!(text.matches("\"attacks_mali\"").count(), 1, "{file}");
        fs::write(
            dir.path().join(file),
            text.replace("\"attacks_mali\"", &format!("\"{long_name}\"")),
        )
        .unwrap();
    }
    make_baseline(dir.path(), &dir.path().join("scenario.ron"), "base.json");
    for mode in ["exact", "statistical"] {
        let output = check(
            dir.path(),
            &dir.path().join("rate_raised.ron"),
            "base.json",
            &["--mode", mode],
        );
        assert_exit(&output, 1);
        let text = stdout(&output);
        let rows = table_rows(&text);
        assert!(
            rows.iter().any(|row| row.contains(long_name)),
            "{mode}: {text}"
        );
        assert!(
            rows.iter().any(|row| !row.contains(long_name)),
            "{mode}: {text}"
        );
        let header = rows[0];
        let result_column = header.find("result").unwrap();
        for name in [
            "statistic",
            "baseline",
            "now",
            "difference",
            "relative",
            "tolerance",
            "std errors",
        ] {
            // Numbers are right-aligned: every cell ends where its header ends.
            let edge = header.find(name).unwrap() + name.len();
            for row in &rows[1..] {
                let bytes = row.as_bytes();
                assert!(
                    bytes[edge - 1] != b' ' && bytes[edge] == b' ',
                    "{mode}: {name} does not end at column {edge}:\n{}",
                    rows.join("\n")
                );
            }
        }
        for row in &rows[1..] {
            assert!(
                row[result_column..].starts_with("FAIL") || row[result_column..].starts_with("ok"),
                "{mode}: result not at column {result_column}:\n{}",
                rows.join("\n")
            );
        }
    }
}

#[test]
fn check_writes_nothing_and_baseline_writes_only_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let keep = dir.path().join("keep");
    fs::create_dir_all(&work).unwrap();
    fs::create_dir_all(&keep).unwrap();
    let scenario = data("scenario.ron");
    let data_before = files_under(&data(""));
    make_baseline(&work, &scenario, "../keep/base.json");
    assert_eq!(
        fs::read_dir(&work).unwrap().count(),
        0,
        "baseline wrote into its working folder"
    );
    let before = files_under(dir.path());
    assert_eq!(before.len(), 1, "{:?}", before.keys());
    for args in [&[][..], &["--mode", "statistical"], &["--format", "json"]] {
        assert_exit(&check(&work, &scenario, "../keep/base.json", args), 0);
        assert_exit(
            &check(&work, &data("rate_raised.ron"), "../keep/base.json", args),
            1,
        );
    }
    assert_eq!(files_under(dir.path()), before, "check wrote a file");
    assert_eq!(
        files_under(&data("")),
        data_before,
        "beside the scenario too"
    );
}

#[test]
fn baselines_are_the_same_bytes_for_any_thread_count_and_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = data("scenario.ron");
    for (out, threads) in [("one.json", "1"), ("two.json", "2"), ("one.json", "2")] {
        let output = secsim(
            dir.path(),
            &[
                "baseline",
                arg(&scenario),
                "--runs",
                "1100",
                "--threads",
                threads,
                "--out",
                out,
            ],
        );
        assert_exit(&output, 0);
    }
    let one = fs::read(dir.path().join("one.json")).unwrap();
    assert_eq!(one, fs::read(dir.path().join("two.json")).unwrap());
    // Nothing else beside them: the temporary file was renamed into place.
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["one.json", "two.json"]);
    let text = String::from_utf8(one).unwrap();
    // No timestamps: no "<digit>T<digit>" as in 2025-05-01T12:00:00Z.
    assert!(
        !text
            .as_bytes()
            .windows(3)
            .any(|w| w[0].is_ascii_digit() && w[1] == b'T' && w[2].is_ascii_digit()),
        "a timestamp in the baseline"
    );
    // The documented layout: one line per outcome, event and series-month.
    let baseline: Value = serde_json::from_str(&text).unwrap();
    let rows = baseline["outcomes"].as_array().unwrap().len()
        + baseline["events"].as_array().unwrap().len()
        + baseline["series"].as_array().unwrap().len();
    assert_eq!(rows, 6 + 4 + 18 * 12);
    assert!(text.lines().count() < rows + 40, "one line per row");

    // An existing file that is not a baseline is never replaced.
    fs::write(dir.path().join("notes.json"), "{\"mine\": true}").unwrap();
    fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    for out in ["notes.json", "notes.txt", "."] {
        let output = secsim(
            dir.path(),
            &["baseline", arg(&scenario), "--runs", "10", "--out", out],
        );
        assert_exit(&output, 2);
        assert!(
            stderr(&output).starts_with("error: "),
            "{}",
            stderr(&output)
        );
    }
    assert_eq!(
        fs::read_to_string(dir.path().join("notes.json")).unwrap(),
        "{\"mine\": true}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine"
    );
}

/// The baseline's digests are those of the files `secsim run` writes: SHA-256 of summary.json
/// without its version and scenario hash, of timeseries.csv and of outcomes.csv, combined as
/// documented.
#[test]
fn baseline_digests_are_the_digests_of_the_run_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = data("scenario.ron");
    make_baseline(dir.path(), &scenario, "base.json");
    let output = secsim(
        dir.path(),
        &[
            "run",
            arg(&scenario),
            "--runs",
            "400",
            "--out",
            "run",
            "--no-charts",
        ],
    );
    assert_exit(&output, 0);
    let baseline: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("base.json")).unwrap()).unwrap();
    let run = dir.path().join("run");
    let mut summary: Value =
        serde_json::from_str(&fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    for field in ["version", "scenario_hash"] {
        summary.as_object_mut().unwrap().shift_remove(field);
    }
    let summary_text = serde_json::to_string_pretty(&summary).unwrap() + "\n";
    let digests = [
        ("summary.json", sha256_hex(summary_text.as_bytes())),
        (
            "timeseries.csv",
            sha256_hex(&fs::read(run.join("timeseries.csv")).unwrap()),
        ),
        (
            "outcomes.csv",
            sha256_hex(&fs::read(run.join("outcomes.csv")).unwrap()),
        ),
    ];
    let mut lines = String::new();
    for (file, digest) in &digests {
        assert_eq!(baseline["file_digests"][file], *digest, "{file}");
        lines.push_str(&format!("{file} {digest}\n"));
    }
    assert_eq!(baseline["digest"], sha256_hex(lines.as_bytes()));
    // And its summaries are summary.json's numbers, bit for bit.
    let summary: Value =
        serde_json::from_str(&fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    for outcome in baseline["outcomes"].as_array().unwrap() {
        let name = outcome["name"].as_str().unwrap();
        for key in ["n", "mean", "sd", "mcse", "p05", "p25", "p50", "p75", "p95"] {
            assert_eq!(outcome[key], summary["outcomes"][name][key], "{name}.{key}");
        }
    }
    assert_eq!(baseline["seed"], 5);
    assert_eq!(baseline["runs"], 400);
    assert_eq!(baseline["format"], "secsim-baseline");
    assert_eq!(baseline["format_version"], 1);
}
