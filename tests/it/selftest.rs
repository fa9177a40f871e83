//! Reproducibility and provenance: `secsim selftest` on every shipped scenario (one thread and
//! several give the same bytes), and the `manifest.json` every output folder gets (run,
//! compare and each of its scenario folders, batch, sensitivity).

use crate::common::{secsim, secsim_command as command};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Replications for the self-test of shipped scenarios: two blocks (the second partial), so
/// that one thread and two merge blocks computed on different threads.
const SELFTEST_RUNS: &str = "1100";
/// The keys of manifest.json, in order.
const MANIFEST_KEYS: [&str; 12] = [
    "secsim_version",
    "git_commit",
    "command",
    "inputs",
    "seed",
    "runs",
    "points",
    "threads",
    "command_line",
    "platform",
    "started",
    "finished",
];

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
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "{}", describe(output));
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn read_json(path: &Path) -> Value {
    let text =
        fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Seconds since 1970 of an RFC 3339 UTC time as secsim writes it,
/// `YYYY-MM-DDTHH:MM:SS.mmmZ`; None if it is not one.
fn parse_rfc3339(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    if bytes.len() != shape.len() {
        return None;
    }
    for (byte, expected) in bytes.iter().zip(shape.bytes()) {
        let fits = match expected {
            b'd' => byte.is_ascii_digit(),
            other => *byte == other,
        };
        if !fits {
            return None;
        }
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let millis = number(20..23)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    // Days from 1970-01-01 (Hinnant's days_from_civil), written independently of secsim's.
    let shifted_year = if month <= 2 { year - 1 } else { year };
    let era = shifted_year.div_euclid(400);
    let year_of_era = shifted_year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some((days * 86_400 + hour * 3600 + minute * 60 + second) as f64 + millis as f64 / 1000.0)
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Checks a manifest's keys and values; returns it.
fn check_manifest(
    folder: &Path,
    command: &str,
    command_line: &[&str],
    inputs: &[(&str, &Path)],
    (seed, runs, points): (u64, u64, u64),
    window: (f64, f64),
) -> Value {
    let what = folder.display().to_string();
    let manifest = read_json(&folder.join("manifest.json"));
    let keys: Vec<&str> = manifest
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object"))
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, MANIFEST_KEYS, "{what}");
    assert_eq!(
        manifest["secsim_version"],
        env!("CARGO_PKG_VERSION"),
        "{what}"
    );
    let commit = manifest["git_commit"].as_str().unwrap();
    assert!(
        commit == "unknown"
            || (matches!(commit.len(), 40 | 64) && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{what}: git_commit {commit}"
    );
    assert_eq!(manifest["command"], command, "{what}");
    let listed = manifest["inputs"].as_array().unwrap();
    assert_eq!(listed.len(), inputs.len(), "{what}: {listed:?}");
    for (input, (kind, file)) in listed.iter().zip(inputs) {
        assert_eq!(input["kind"], *kind, "{what}");
        assert_eq!(input["file"], arg(file), "{what}");
        assert!(input["name"].is_string(), "{what}");
        let hash = input["hash"].as_str().unwrap();
        assert!(
            hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{what}: {hash}"
        );
    }
    assert_eq!(manifest["seed"], seed, "{what}");
    assert_eq!(manifest["runs"], runs, "{what}");
    assert_eq!(manifest["points"], points, "{what}");
    assert!(manifest["threads"].as_u64().unwrap() >= 1, "{what}");
    let recorded: Vec<&str> = manifest["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|arg| arg.as_str().unwrap())
        .collect();
    assert!(
        recorded[0].ends_with(&format!("secsim{}", std::env::consts::EXE_SUFFIX)),
        "{what}: program {}",
        recorded[0]
    );
    assert_eq!(&recorded[1..], command_line, "{what}");
    assert_eq!(manifest["platform"]["os"], std::env::consts::OS, "{what}");
    assert_eq!(
        manifest["platform"]["arch"],
        std::env::consts::ARCH,
        "{what}"
    );
    let time = |key: &str| {
        let text = manifest[key].as_str().unwrap();
        parse_rfc3339(text).unwrap_or_else(|| panic!("{what}: {key} {text} is not RFC 3339"))
    };
    let (started, finished) = (time("started"), time("finished"));
    // Within the test's own clock readings (a millisecond of rounding either side).
    assert!(
        window.0 - 0.002 <= started && started <= finished && finished <= window.1 + 0.002,
        "{what}: started {started}, finished {finished}, window {window:?}"
    );
    manifest
}

// Self-test

/// `secsim selftest` passes for every shipped scenario: one thread and several write the same
/// summary.json, timeseries.csv, outcomes.csv and, where the scenario has uncertain parameters or
/// events, parameters.csv.
#[test]
fn every_shipped_scenario_passes_the_selftest() {
    let mut scenarios: Vec<PathBuf> = fs::read_dir(manifest_dir().join("scenarios"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "ron"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 5);
    let dir = tempfile::tempdir().unwrap();
    // One at a time: each run already uses every core.
    for scenario in &scenarios {
        let output = secsim(
            dir.path(),
            &["selftest", arg(scenario), "--runs", SELFTEST_RUNS],
        );
        assert_exit(&output, 0);
        let text = String::from_utf8_lossy(&output.stdout);
        for file in ["summary.json", "timeseries.csv", "outcomes.csv"] {
            assert!(
                text.lines()
                    .any(|line| line.contains(file) && line.contains("identical")),
                "{}: {text}",
                scenario.display()
            );
        }
        // parameters.csv is compared where the scenario writes it, and only there.
        let loaded = secsim::scenario::load(scenario).unwrap();
        let records = !loaded.uncertain.is_empty() || !loaded.events.is_empty();
        assert_eq!(
            text.lines()
                .any(|line| line.contains("parameters.csv") && line.contains("identical")),
            records,
            "{}: {text}",
            scenario.display()
        );
        assert_eq!(
            text.contains("parameters.csv"),
            records,
            "{}",
            scenario.display()
        );
        assert!(text.contains("selftest passed"), "{text}");
    }
    assert!(
        names_in(dir.path()).is_empty(),
        "selftest left files behind"
    );
}

#[test]
fn selftest_reports_its_thread_counts_and_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(
        dir.path(),
        &["selftest", arg(&data("scenario.ron")), "--runs", "50"],
    );
    assert_exit(&output, 0);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("50 runs"), "{text}");
    assert!(text.contains("on 1 and "), "{text}");
    let bad = manifest_dir().join("tests/bad/unknown_actor_in_flow.ron");
    assert_exit(&secsim(dir.path(), &["selftest", arg(&bad)]), 2);
    assert_exit(
        &secsim(
            dir.path(),
            &["selftest", arg(&data("scenario.ron")), "--runs", "0"],
        ),
        2,
    );
    assert!(names_in(dir.path()).is_empty());
}

// Provenance

#[test]
fn run_writes_a_manifest_and_only_it_changes_between_reruns() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = data("scenario.ron");
    let mut manifests = Vec::new();
    for out in ["first", "second"] {
        let args = [
            "run",
            arg(&scenario),
            "--runs",
            "60",
            "--seed",
            "9",
            "--threads",
            "2",
            "--out",
            out,
            "--no-charts",
        ];
        let before = now_seconds();
        assert_exit(&secsim(dir.path(), &args), 0);
        let after = now_seconds();
        let folder = dir.path().join(out);
        assert_eq!(
            names_in(&folder),
            [
                "manifest.json",
                "outcomes.csv",
                "parameters.csv",
                "summary.json",
                "timeseries.csv"
            ]
        );
        let manifest = check_manifest(
            &folder,
            "run",
            &args,
            &[("scenario", &scenario)],
            (9, 60, 1),
            (before, after),
        );
        assert_eq!(manifest["threads"], 2);
        assert_eq!(manifest["inputs"][0]["name"], "check");
        let summary = read_json(&folder.join("summary.json"));
        assert_eq!(manifest["inputs"][0]["hash"], summary["scenario_hash"]);
        manifests.push(manifest);
    }
    for file in ["summary.json", "timeseries.csv", "outcomes.csv"] {
        assert!(
            fs::read(dir.path().join("first").join(file)).unwrap()
                == fs::read(dir.path().join("second").join(file)).unwrap(),
            "{file} differs between reruns"
        );
    }
    // The manifests differ in their times and output folder only.
    let mut first = manifests[0].clone();
    let mut second = manifests[1].clone();
    for manifest in [&mut first, &mut second] {
        let object = manifest.as_object_mut().unwrap();
        object.remove("started");
        object.remove("finished");
        object.remove("command_line");
    }
    assert_eq!(first, second);
}

#[test]
fn compare_writes_a_manifest_in_its_folder_and_in_each_scenario_folder() {
    let dir = tempfile::tempdir().unwrap();
    let files = [data("scenario.ron"), data("rate_raised.ron")];
    let args = [
        "compare",
        arg(&files[0]),
        arg(&files[1]),
        "--runs",
        "40",
        "--out",
        "cmp",
        "--no-charts",
    ];
    let before = now_seconds();
    assert_exit(&secsim(dir.path(), &args), 0);
    let after = now_seconds();
    let folder = dir.path().join("cmp");
    assert_eq!(
        names_in(&folder),
        ["comparison.csv", "manifest.json", "rate_raised", "scenario"]
    );
    let top = check_manifest(
        &folder,
        "compare",
        &args,
        &[("scenario", &files[0]), ("scenario", &files[1])],
        (5, 40, 2),
        (before, after),
    );
    for (file, stem) in files.iter().zip(["scenario", "rate_raised"]) {
        let inner = check_manifest(
            &folder.join(stem),
            "compare",
            &args,
            &[("scenario", file)],
            (5, 40, 1),
            (before, after),
        );
        let summary = read_json(&folder.join(stem).join("summary.json"));
        assert_eq!(inner["inputs"][0]["hash"], summary["scenario_hash"]);
        assert!(
            top["inputs"]
                .as_array()
                .unwrap()
                .contains(&inner["inputs"][0])
        );
    }
}

#[test]
fn batch_and_sensitivity_write_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let experiment = data("experiment.ron");
    let args = [
        "batch",
        arg(&experiment),
        "--out",
        "batch",
        "--no-charts",
        "--quiet",
    ];
    let before = now_seconds();
    assert_exit(&secsim(dir.path(), &args), 0);
    let after = now_seconds();
    let folder = dir.path().join("batch");
    assert!(names_in(&folder).contains(&"manifest.json".to_owned()));
    let manifest = check_manifest(
        &folder,
        "batch",
        &args,
        &[("experiment", &experiment)],
        (3, 30, 2),
        (before, after),
    );
    assert_eq!(manifest["inputs"][0]["name"], "check_experiment");

    let scenario = data("scenario.ron");
    let args = [
        "sensitivity",
        arg(&scenario),
        "--method",
        "morris",
        "--samples",
        "2",
        "--runs",
        "10",
        "--out",
        "sensitivity",
        "--no-charts",
        "--quiet",
    ];
    let before = now_seconds();
    assert_exit(&secsim(dir.path(), &args), 0);
    let after = now_seconds();
    let folder = dir.path().join("sensitivity");
    assert!(names_in(&folder).contains(&"manifest.json".to_owned()));
    // Morris: 2 trajectories of (3 parameters + 1) points.
    check_manifest(
        &folder,
        "sensitivity",
        &args,
        &[("scenario", &scenario)],
        (5, 10, 8),
        (before, after),
    );
}

#[test]
fn rfc3339_parser_of_these_tests_rejects_what_it_should() {
    assert_eq!(parse_rfc3339("1970-01-01T00:00:00.000Z"), Some(0.0));
    assert_eq!(
        parse_rfc3339("2000-03-01T00:00:01.500Z"),
        Some(951_868_801.5)
    );
    for bad in [
        "2025-05-01 12:00:00.000Z",
        "2025-05-01T12:00:00Z",
        "2025-13-01T12:00:00.000Z",
        "2025-05-01T12:00:00.000+02:00",
        "",
    ] {
        assert_eq!(parse_rfc3339(bad), None, "{bad}");
    }
}

/// Several commands at once write their manifests independently (no shared state).
#[test]
fn concurrent_runs_each_get_their_own_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = data("scenario.ron");
    let children: Vec<(String, Child)> = (0..3)
        .map(|index| {
            let out = format!("out{index}");
            let child = spawn(
                dir.path(),
                &[
                    "run",
                    arg(&scenario),
                    "--runs",
                    "20",
                    "--seed",
                    &index.to_string(),
                    "--out",
                    &out,
                    "--no-charts",
                ],
            );
            (out, child)
        })
        .collect();
    for (index, (out, child)) in children.into_iter().enumerate() {
        assert_exit(&child.wait_with_output().unwrap(), 0);
        let manifest = read_json(&dir.path().join(&out).join("manifest.json"));
        assert_eq!(manifest["seed"], index as u64);
        assert!(
            manifest["command_line"]
                .as_array()
                .unwrap()
                .contains(&Value::from(out.as_str()))
        );
    }
}
