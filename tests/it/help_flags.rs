//! Every flag a command's `--help` lists is honoured or refused: for each one, the command is
//! run with and without it and something a user can see (exit code, a file, a line printed,
//! a field of manifest.json) must differ. A flag missing from the table below fails the test,
//! so a new flag comes with its check.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::{secsim, stderr, stdout};

fn data(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
        .to_string_lossy()
        .into_owned()
}

fn repo_file(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(relative)
        .to_string_lossy()
        .into_owned()
}

/// What is compared between the run without the flag and the run with it.
#[derive(Clone, Copy)]
enum Seen {
    /// The exit code.
    Exit,
    /// The bytes of this file, relative to the working folder ("" when absent).
    File(&'static str),
    /// Whether this path exists.
    Exists(&'static str),
    /// stdout with durations masked.
    Stdout,
    /// stderr.
    Stderr,
    /// A field of this manifest.json.
    Manifest(&'static str, &'static str),
    /// What a terminal shows (the command run under `script`, so stderr is a terminal).
    Terminal,
    /// Whether this path exists at some moment while the command runs (polled).
    DuringRun(&'static str),
}

struct Case {
    command: &'static str,
    flag: &'static str,
    without: Vec<String>,
    with: Vec<String>,
    seen: Seen,
    /// Run before both, in a fresh folder each time (e.g. to leave results to replace).
    setup: Vec<Vec<String>>,
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|word| {
            word.replace("{small}", &data("small.ron"))
                .replace("{events}", &data("events.ron"))
                .replace("{grid}", &data("batch/grid.ron"))
                .replace("{lhs}", &data("batch/lhs.ron"))
                .replace("{sens}", &data("batch/sensitivity.ron"))
                .replace("{base}", &data("batch/base.ron"))
                .replace("{obs}", &data("small_observed.csv"))
                .replace("{cal_obs}", &repo_file("data/observed/mali.csv"))
                .replace("{cal}", &repo_file("scenarios/backtest/mali_2021_2022.ron"))
                .replace("{niger_obs}", &repo_file("data/observed/niger.csv"))
                .replace("{niger}", &repo_file("scenarios/niger_2021_2023.ron"))
                .replace("{realign}", &repo_file("scenarios/niger_realignment.ron"))
                .replace("{obs_outcomes}", &data("small_observed_outcomes.csv"))
        })
        .collect()
}

fn case(command: &'static str, flag: &'static str, without: &str, with: &str, seen: Seen) -> Case {
    Case {
        command,
        flag,
        without: words(without),
        with: words(with),
        seen,
        setup: Vec::new(),
    }
}

/// Durations and rates vary from run to run: masked, so that only what a flag changes shows.
fn mask_timings(text: &str) -> String {
    text.split_whitespace()
        .map(|word| {
            if word.chars().any(|c| c.is_ascii_digit()) && word.contains('.') {
                "#"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn observe(dir: &Path, args: &[String], seen: Seen) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Seen::Terminal = seen {
        let line = std::iter::once(env!("CARGO_BIN_EXE_secsim").to_owned())
            .chain(args.iter().map(|word| format!("'{word}'")))
            .collect::<Vec<_>>()
            .join(" ");
        let output = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .expect("cannot start script (util-linux)");
        // indicatif draws its bar with this text; the table on stdout never has it.
        return String::from_utf8_lossy(&output.stdout)
            .contains("elapsed")
            .to_string();
    }
    if let Seen::DuringRun(path) = seen {
        let mut child = crate::common::secsim_command(dir, &args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start secsim");
        let mut seen_at_some_point = false;
        while child.try_wait().unwrap().is_none() {
            seen_at_some_point |= dir.join(path).exists();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        return seen_at_some_point.to_string();
    }
    let output: Output = secsim(dir, &args);
    match seen {
        Seen::Exit => format!("{:?}", output.status.code()),
        Seen::File(file) => {
            String::from_utf8_lossy(&fs::read(dir.join(file)).unwrap_or_default()).into_owned()
        }
        Seen::Exists(path) => dir.join(path).exists().to_string(),
        Seen::Stdout => mask_timings(&stdout(&output)),
        Seen::Stderr => stderr(&output),
        Seen::Manifest(file, field) => {
            let text = fs::read_to_string(dir.join(file)).unwrap_or_default();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            value[field].to_string()
        }
        Seen::Terminal | Seen::DuringRun(_) => unreachable!("handled above"),
    }
}

fn cases() -> Vec<Case> {
    use Seen::*;
    let mut cases = vec![
        // run
        case(
            "run",
            "--runs",
            "run {small} --out r",
            "run {small} --out r --runs 3",
            File("r/outcomes.csv"),
        ),
        case(
            "run",
            "--seed",
            "run {small} --out r",
            "run {small} --out r --seed 99",
            File("r/outcomes.csv"),
        ),
        case(
            "run",
            "--threads",
            "run {small} --out r --threads 2",
            "run {small} --out r --threads 1",
            Manifest("r/manifest.json", "threads"),
        ),
        case(
            "run",
            "--out",
            "run {small}",
            "run {small} --out elsewhere",
            Exists("elsewhere/summary.json"),
        ),
        case(
            "run",
            "--no-charts",
            "run {small} --out r",
            "run {small} --out r --no-charts",
            Exists("r/charts"),
        ),
        case(
            "run",
            "--no-parameters",
            "run {small} --out r --no-charts",
            "run {small} --out r --no-charts --no-parameters",
            Exists("r/parameters.csv"),
        ),
        case(
            "run",
            "--quiet",
            "run {small} --out r --runs 200000",
            "run {small} --out r --runs 200000 --quiet",
            Terminal,
        ),
        case(
            "run",
            "--max-hours",
            "run {small} --out r",
            "run {small} --out r --max-hours 0.0000000001",
            Exit,
        ),
        case(
            "run",
            "--shard",
            "run {small} --out r",
            "run {small} --out r --shard 1/2",
            Exists("r/part.json"),
        ),
        case(
            "run",
            "--precision",
            "run {small} --out r --runs 5000",
            "run {small} --out r --runs 5000 --precision attacks_total=50%",
            File("r/summary.json"),
        ),
        // With periodic checkpoints the rows are kept in `r.checkpoint/` while the run goes on
        // (and the folder is removed when it ends); tests/scale.rs interrupts and resumes.
        case(
            "run",
            "--checkpoint-every",
            "run {small} --out r --no-charts --runs 300000",
            "run {small} --out r --no-charts --runs 300000 --checkpoint-every 1000",
            DuringRun("r.checkpoint"),
        ),
        // Without a checkpoint to resume from, refused; tests/scale.rs resumes real ones.
        case(
            "run",
            "--resume",
            "run {small} --out r",
            "run {small} --out r --resume",
            Exit,
        ),
        // compare
        case(
            "compare",
            "--runs",
            "compare {small} {events} --out c --no-charts",
            "compare {small} {events} --out c --no-charts --runs 3",
            File("c/comparison.csv"),
        ),
        case(
            "compare",
            "--seed",
            "compare {small} {events} --out c --no-charts",
            "compare {small} {events} --out c --no-charts --seed 99",
            File("c/comparison.csv"),
        ),
        case(
            "compare",
            "--threads",
            "compare {small} {events} --out c --no-charts --threads 2",
            "compare {small} {events} --out c --no-charts --threads 1",
            Manifest("c/manifest.json", "threads"),
        ),
        case(
            "compare",
            "--out",
            "compare {small} {events} --no-charts",
            "compare {small} {events} --no-charts --out c",
            Exists("c/comparison.csv"),
        ),
        case(
            "compare",
            "--no-charts",
            "compare {small} {events} --out c",
            "compare {small} {events} --out c --no-charts",
            Exists("c/charts"),
        ),
        case(
            "compare",
            "--quiet",
            "compare {small} {events} --out c --no-charts --runs 50000",
            "compare {small} {events} --out c --no-charts --runs 50000 --quiet",
            Terminal,
        ),
        case(
            "compare",
            "--max-hours",
            "compare {small} {events} --out c --no-charts",
            "compare {small} {events} --out c --no-charts --max-hours 0.0000000001",
            Exit,
        ),
        // batch
        case(
            "batch",
            "--threads",
            "batch {grid} --out b --no-charts --threads 2",
            "batch {grid} --out b --no-charts --threads 1",
            Manifest("b/manifest.json", "threads"),
        ),
        case(
            "batch",
            "--out",
            "batch {grid} --no-charts",
            "batch {grid} --no-charts --out b",
            Exists("b/runs.csv"),
        ),
        case(
            "batch",
            "--no-charts",
            "batch {grid} --out b",
            "batch {grid} --out b --no-charts",
            Exists("b/charts"),
        ),
        case(
            "batch",
            "--quiet",
            "batch {grid} --out b --no-charts",
            "batch {grid} --out b --no-charts --quiet",
            Stderr,
        ),
        case(
            "batch",
            "--max-hours",
            "batch {grid} --out b --no-charts",
            "batch {grid} --out b --no-charts --max-hours 0.0000000001",
            Exit,
        ),
        case(
            "batch",
            "--shard",
            "batch {grid} --out b --no-charts",
            "batch {grid} --out b --no-charts --shard 1/2",
            Exists("b/part.json"),
        ),
        // sensitivity
        case(
            "sensitivity",
            "--method",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5 --method morris",
            File("s/sensitivity.csv"),
        ),
        case(
            "sensitivity",
            "--samples",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5",
            "sensitivity {events} --out s --no-charts --samples 8 --runs 5",
            File("s/points.csv"),
        ),
        case(
            "sensitivity",
            "--runs",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 6",
            File("s/points.csv"),
        ),
        case(
            "sensitivity",
            "--seed",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5 --seed 99",
            File("s/points.csv"),
        ),
        case(
            "sensitivity",
            "--threads",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5 --threads 2",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5 --threads 1",
            Manifest("s/manifest.json", "threads"),
        ),
        case(
            "sensitivity",
            "--out",
            "sensitivity {events} --no-charts --samples 4 --runs 5",
            "sensitivity {events} --no-charts --samples 4 --runs 5 --out s",
            Exists("s/sensitivity.csv"),
        ),
        case(
            "sensitivity",
            "--no-charts",
            "sensitivity {events} --out s --samples 4 --runs 5",
            "sensitivity {events} --out s --samples 4 --runs 5 --no-charts",
            Exists("s/charts"),
        ),
        case(
            "sensitivity",
            "--quiet",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5 --quiet",
            Stderr,
        ),
        case(
            "sensitivity",
            "--max-hours",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5",
            "sensitivity {events} --out s --no-charts --samples 4 --runs 5 --max-hours 0.0000000001",
            Exit,
        ),
        // validate
        case(
            "validate",
            "--resolved",
            "validate {small}",
            "validate {small} --resolved",
            Stdout,
        ),
        // baseline
        case(
            "baseline",
            "--out",
            "baseline {small} --out a.json",
            "baseline {small} --out b.json",
            Exists("b.json"),
        ),
        case(
            "baseline",
            "--runs",
            "baseline {small} --out a.json",
            "baseline {small} --out a.json --runs 3",
            File("a.json"),
        ),
        case(
            "baseline",
            "--seed",
            "baseline {small} --out a.json",
            "baseline {small} --out a.json --seed 99",
            File("a.json"),
        ),
        case(
            "baseline",
            "--threads",
            "baseline {small} --out a.json --threads 2",
            "baseline {small} --out a.json --threads 1",
            Stdout,
        ),
        // score
        case(
            "score",
            "--observed",
            "score {small} --observed {obs} --out s --no-charts",
            "score {small} --observed missing.csv --out s --no-charts",
            Exit,
        ),
        case(
            "score",
            "--observed-outcomes",
            "score {small} --observed {obs} --out s --no-charts",
            "score {small} --observed {obs} --out s --no-charts --observed-outcomes {obs_outcomes}",
            File("s/scores.json"),
        ),
        case(
            "score",
            "--min-skill",
            "score {small} --observed {obs} --out s --no-charts",
            "score {small} --observed {obs} --out s --no-charts --min-skill persistence=0.999",
            Exit,
        ),
        case(
            "score",
            "--runs",
            "score {small} --observed {obs} --out s --no-charts",
            "score {small} --observed {obs} --out s --no-charts --runs 3",
            File("s/scores.csv"),
        ),
        case(
            "score",
            "--seed",
            "score {small} --observed {obs} --out s --no-charts",
            "score {small} --observed {obs} --out s --no-charts --seed 99",
            File("s/scores.csv"),
        ),
        case(
            "score",
            "--threads",
            "score {small} --observed {obs} --out s --no-charts --threads 2",
            "score {small} --observed {obs} --out s --no-charts --threads 1",
            Manifest("s/manifest.json", "threads"),
        ),
        case(
            "score",
            "--out",
            "score {small} --observed {obs} --no-charts",
            "score {small} --observed {obs} --no-charts --out elsewhere",
            Exists("elsewhere/scores.json"),
        ),
        case(
            "score",
            "--no-charts",
            "score {small} --observed {obs} --out s",
            "score {small} --observed {obs} --out s --no-charts",
            Exists("s/charts"),
        ),
        case(
            "score",
            "--quiet",
            "score {small} --observed {obs} --out s --no-charts --runs 200000",
            "score {small} --observed {obs} --out s --no-charts --runs 200000 --quiet",
            Terminal,
        ),
        case(
            "score",
            "--max-hours",
            "score {small} --observed {obs} --out s --no-charts",
            "score {small} --observed {obs} --out s --no-charts --max-hours 0.0000000001",
            Exit,
        ),
        // calibrate
        case(
            "calibrate",
            "--observed",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2",
            "calibrate {cal} --observed missing.csv --out k --no-charts --particles 20 --generations 2",
            Exit,
        ),
        case(
            "calibrate",
            "--series",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2 --series fatalities:Mali",
            File("k/calibration.json"),
        ),
        case(
            "calibrate",
            "--particles",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 30 --generations 2",
            File("k/posterior.csv"),
        ),
        case(
            "calibrate",
            "--generations",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 3",
            File("k/calibration.json"),
        ),
        case(
            "calibrate",
            "--runs-per-particle",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2 --runs-per-particle 3",
            File("k/posterior.csv"),
        ),
        case(
            "calibrate",
            "--seed",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2 --seed 99",
            File("k/posterior.csv"),
        ),
        case(
            "calibrate",
            "--quantile",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2 --quantile 0.2",
            File("k/calibration.json"),
        ),
        case(
            "calibrate",
            "--min-acceptance",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 3",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 3 --min-acceptance 0.99",
            File("k/calibration.json"),
        ),
        case(
            "calibrate",
            "--threads",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2 --threads 2",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2 --threads 1",
            Manifest("k/manifest.json", "threads"),
        ),
        case(
            "calibrate",
            "--out",
            "calibrate {cal} --observed {cal_obs} --no-charts --particles 20 --generations 2",
            "calibrate {cal} --observed {cal_obs} --no-charts --particles 20 --generations 2 --out elsewhere",
            Exists("elsewhere/calibration.json"),
        ),
        case(
            "calibrate",
            "--no-charts",
            "calibrate {cal} --observed {cal_obs} --out k --particles 20 --generations 2",
            "calibrate {cal} --observed {cal_obs} --out k --particles 20 --generations 2 --no-charts",
            Exists("k/charts"),
        ),
        case(
            "calibrate",
            "--quiet",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 2000 --generations 6 --runs-per-particle 20",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 2000 --generations 6 --runs-per-particle 20 --quiet",
            Terminal,
        ),
        case(
            "calibrate",
            "--max-hours",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2",
            "calibrate {cal} --observed {cal_obs} --out k --no-charts --particles 20 --generations 2 --max-hours 0.0000000001",
            Exit,
        ),
        // selftest
        case(
            "selftest",
            "--runs",
            "selftest {small}",
            "selftest {small} --runs 3",
            Stdout,
        ),
        case(
            "selftest",
            "--seed",
            "selftest {small}",
            "selftest {small} --seed 99",
            Stdout,
        ),
    ];
    // Flags that need results written before them.
    let baseline = vec![words("baseline {small} --out base.json --runs 30")];
    for (flag, without, with, seen) in [
        (
            "--baseline",
            "check {small} --baseline base.json",
            "check {small} --baseline missing.json",
            Exit,
        ),
        (
            "--mode",
            "check {small} --baseline base.json",
            "check {small} --baseline base.json --mode statistical",
            Stdout,
        ),
        (
            "--tolerance",
            "check {small} --baseline base.json --mode statistical",
            "check {small} --baseline base.json --mode statistical --tolerance 9",
            Stdout,
        ),
        (
            "--format",
            "check {small} --baseline base.json",
            "check {small} --baseline base.json --format json",
            Stdout,
        ),
        (
            "--threads",
            "check {small} --baseline base.json --threads 2",
            "check {small} --baseline base.json --threads 1",
            Stdout,
        ),
    ] {
        let mut one = case("check", flag, without, with, seen);
        one.setup = baseline.clone();
        cases.push(one);
    }
    // Each command's results of other inputs in `r`: replaced only with --force.
    for (command, setup, without) in [
        (
            "run",
            "run {events} --out r --no-charts --runs 3",
            "run {small} --out r --no-charts",
        ),
        (
            "compare",
            "compare {events} {small} --out r --no-charts --runs 3",
            "compare {small} {base} --out r --no-charts --runs 3",
        ),
        (
            "batch",
            "batch {lhs} --out r --no-charts",
            "batch {grid} --out r --no-charts",
        ),
        (
            "sensitivity",
            "sensitivity {sens} --out r --no-charts --samples 4 --runs 5",
            "sensitivity {events} --out r --no-charts --samples 4 --runs 5",
        ),
        (
            "score",
            "score {events} --observed {obs} --out r --no-charts --runs 3",
            "score {small} --observed {obs} --out r --no-charts --runs 3",
        ),
        (
            "calibrate",
            "calibrate {niger} --observed {niger_obs} --out r --no-charts --particles 20 --generations 1",
            "calibrate {cal} --observed {cal_obs} --out r --no-charts --particles 20 --generations 1",
        ),
    ] {
        let mut one = case(
            command,
            "--force",
            without,
            &format!("{without} --force"),
            Seen::Exit,
        );
        one.setup = vec![words(setup)];
        cases.push(one);
    }
    let parts = vec![
        words("run {small} --out p1 --shard 1/2 --runs 2000"),
        words("run {small} --out p2 --shard 2/2 --runs 2000"),
        words("run {events} --out m --no-charts --runs 3"),
    ];
    for (flag, without, with, seen) in [
        (
            "--out",
            "merge p1 p2 --out x",
            "merge p1 p2 --out y",
            Exists("y/summary.json"),
        ),
        (
            "--threads",
            "merge p1 p2 --out x --threads 2",
            "merge p1 p2 --out x --threads 1",
            Manifest("x/manifest.json", "threads"),
        ),
        (
            "--no-charts",
            "merge p1 p2 --out x",
            "merge p1 p2 --out x --no-charts",
            Exists("x/charts"),
        ),
        (
            "--force",
            "merge p1 p2 --out m",
            "merge p1 p2 --out m --force",
            Exit,
        ),
    ] {
        let mut one = case("merge", flag, without, with, seen);
        one.setup = parts.clone();
        cases.push(one);
    }
    // discover, on a run of the realignment scenario (its parameters and events).
    let results = vec![
        words("run {realign} --out r --runs 300 --no-charts --quiet"),
        words("run {events} --out ev --runs 300 --no-charts --quiet"),
        words("discover ev --outcome deployed --true --out other"),
    ];
    // Results go to `d` unless the case is about `--out`.
    let with_out = |flags: &str| {
        if flags.split_whitespace().any(|word| word == "--out") {
            format!("discover r {flags}")
        } else {
            format!("discover r {flags} --out d")
        }
    };
    for (flag, without, with, seen) in [
        (
            "--outcome",
            "--outcome attacks_total --above 8000",
            "--outcome nothing --above 8000",
            Exit,
        ),
        (
            "--above",
            "--outcome attacks_total --above 8000",
            "--outcome attacks_total --above 9000",
            File("d/trajectory.csv"),
        ),
        (
            "--below",
            "--outcome attacks_total --above 8000",
            "--outcome attacks_total --below 8000",
            File("d/trajectory.csv"),
        ),
        (
            "--true",
            "--outcome western_return --above 0.5",
            "--outcome western_return --true",
            Stdout,
        ),
        (
            "--method",
            "--outcome attacks_total --above 8000",
            "--outcome attacks_total --above 8000 --method cart",
            File("d/boxes.csv"),
        ),
        (
            "--alpha",
            "--outcome attacks_total --above 8000",
            "--outcome attacks_total --above 8000 --alpha 0.1",
            File("d/trajectory.csv"),
        ),
        (
            "--min-mass",
            "--outcome attacks_total --above 8000",
            "--outcome attacks_total --above 8000 --min-mass 0.2",
            File("d/trajectory.csv"),
        ),
        (
            "--threshold",
            "--outcome attacks_total --above 8000 --min-mass 0.5",
            "--outcome attacks_total --above 8000 --min-mass 0.5 --threshold 0.1",
            File("d/boxes.csv"),
        ),
        (
            "--box",
            "--outcome attacks_total --above 8000",
            "--outcome attacks_total --above 8000 --box 1",
            File("d/boxes.csv"),
        ),
        (
            "--out",
            "--outcome attacks_total --above 8000 --out d",
            "--outcome attacks_total --above 8000 --out e",
            Exists("e/trajectory.csv"),
        ),
        (
            "--force",
            "--outcome attacks_total --above 8000 --out other",
            "--outcome attacks_total --above 8000 --out other --force",
            Exit,
        ),
        (
            "--no-charts",
            "--outcome attacks_total --above 8000",
            "--outcome attacks_total --above 8000 --no-charts",
            Exists("d/charts/box_limits.png"),
        ),
    ] {
        let mut one = case("discover", flag, &with_out(without), &with_out(with), seen);
        one.setup = results.clone();
        cases.push(one);
    }
    cases
}

/// The long flags `secsim COMMAND --help` lists, but `--help` and `--version`.
fn listed_flags(command: &str) -> Vec<String> {
    let output = secsim(Path::new("."), &[command, "--help"]);
    // Option lines start with the flag (`  -s, --long <VALUE>  help text`); their help text,
    // which may name other commands' flags, is left out.
    let mut flags: Vec<String> = stdout(&output)
        .lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('-'))
        .filter_map(|line| line.split("  ").next())
        .flat_map(|usage| usage.split([' ', ',']))
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(str::to_owned)
        .filter(|flag| flag != "--help" && flag != "--version")
        .collect();
    flags.sort();
    flags.dedup();
    flags
}

/// A fresh folder with the case's setup done.
fn prepared(one: &Case) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for setup in &one.setup {
        let words: Vec<&str> = setup.iter().map(String::as_str).collect();
        let output = secsim(dir.path(), &words);
        assert!(
            output.status.success(),
            "setup {setup:?}: {}",
            stderr(&output)
        );
    }
    dir
}

#[test]
fn every_flag_in_help_has_an_effect_or_is_refused() {
    let cases = cases();
    let mut unchecked = Vec::new();
    for command in [
        "run",
        "merge",
        "validate",
        "compare",
        "batch",
        "sensitivity",
        "baseline",
        "check",
        "selftest",
        "score",
        "calibrate",
        "discover",
        "scenarios",
        "show",
    ] {
        for flag in listed_flags(command) {
            if !cases
                .iter()
                .any(|one| one.command == command && one.flag == flag)
            {
                unchecked.push(format!("{command} {flag}"));
            }
        }
    }
    assert!(unchecked.is_empty(), "flags without a check: {unchecked:?}");

    let mut without_effect = Vec::new();
    for one in &cases {
        let before = observe(prepared(one).path(), &one.without, one.seen);
        let after = observe(prepared(one).path(), &one.with, one.seen);
        if before == after {
            without_effect.push(format!("{} {}: {before:.200}", one.command, one.flag));
        }
    }
    assert!(
        without_effect.is_empty(),
        "flags with no visible effect: {without_effect:#?}"
    );
}
