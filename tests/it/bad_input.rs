//! Bad scenario files, one class per test. Each is checked through `secsim validate` and
//! `secsim run`: exit code 2, a message on stderr starting `error:` that names the file and the
//! line:column (syntax) or the field path (semantic problems), and for `run`, no output folder.
//!
//! The files are in tests/bad/ (the whole bad-input corpus, whose messages `tests/it/bad_files.rs`
//! pins as snapshots); most are tests/data/valid_template.ron with one change.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A file under `tests/`.
fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

/// Runs the binary in `dir`. Every `run` gets `--no-charts`: charts (`charts/`, `report.html`)
/// take seconds per run in a debug build and are not what these tests check.
fn secsim(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_secsim"));
    command.current_dir(dir).args(args);
    if args.first() == Some(&"run") {
        command.arg("--no-charts");
    }
    command.output().expect("cannot start secsim")
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `validate` and `run` (default and explicit output folder) on `tests/<file>` and
/// checks the refusal; `expected` are fragments every error message must contain. Returns the
/// `validate` error text.
fn refused(file: &str, expected: &[&str]) -> String {
    check_refused(file, expected).unwrap_or_else(|problem| panic!("{problem}"))
}

/// [`refused`] without panicking: the first check that failed, as text.
fn check_refused(file: &str, expected: &[&str]) -> Result<String, String> {
    let path = data(file);
    let path = path.to_str().unwrap();
    let file_name = Path::new(file).file_name().unwrap().to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut validate_error = String::new();
    for args in [
        vec!["validate", path],
        vec!["run", path],
        vec!["run", path, "--out", "results", "--runs", "5"],
    ] {
        let output = secsim(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let context = format!("secsim {args:?}\nstdout: {stdout}\nstderr: {stderr}");
        if output.status.code() != Some(2) {
            return Err(format!(
                "exit {:?}, expected 2: {context}",
                output.status.code()
            ));
        }
        if !stderr.starts_with("error: ") {
            return Err(format!("stderr should start with `error: `: {context}"));
        }
        if !stderr.contains(file_name) {
            return Err(format!("message should name {file_name}: {context}"));
        }
        for fragment in expected {
            if !stderr.contains(fragment) {
                return Err(format!("message should contain {fragment:?}: {context}"));
            }
        }
        if stdout.contains(": ok") {
            return Err(format!("reported as valid: {context}"));
        }
        let created = names_in(dir.path());
        if !created.is_empty() {
            return Err(format!("created {created:?}: {context}"));
        }
        if args[0] == "validate" {
            validate_error = stderr;
        }
    }
    Ok(validate_error)
}

/// The `line:column` right after `file_name:` in a syntax error, checked to be numbers >= 1.
fn position(message: &str, file_name: &str) -> (usize, usize) {
    let at = message
        .find(&format!("{file_name}:"))
        .unwrap_or_else(|| panic!("no {file_name}: in {message}"));
    let rest = &message[at + file_name.len() + 1..];
    let mut parts = rest.splitn(3, ':');
    let line: usize = parts.next().unwrap().parse().expect("line number");
    let column: usize = parts.next().unwrap().parse().expect("column number");
    assert!(line >= 1 && column >= 1, "{message}");
    (line, column)
}

#[test]
fn the_template_itself_is_valid() {
    // Every bad file differs from this one by the change its name says.
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(
        dir.path(),
        &[
            "validate",
            data("data/valid_template.ron").to_str().unwrap(),
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn syntax_error_missing_comma() {
    // `seed: 3` without its comma: the parser stops at the next field, line 7 column 5.
    let message = refused("bad/syntax_missing_comma.ron", &["Expected comma"]);
    assert_eq!(
        position(&message, "syntax_missing_comma.ron"),
        (7, 5),
        "{message}"
    );
}

#[test]
fn syntax_error_unclosed_paren() {
    // The closing `)` of Scenario( is missing: the error is at the end of the text.
    let message = refused("bad/syntax_unclosed_paren.ron", &["end of the file"]);
    let (line, _) = position(&message, "syntax_unclosed_paren.ron");
    assert!(line >= 21, "{message}");
}

#[test]
fn wrong_type_string_where_number() {
    // horizon: "twelve" (line 4).
    let message = refused(
        "bad/wrong_type_string_for_integer.ron",
        &["whole number of months (1..=600)", "\"twelve\""],
    );
    assert_eq!(
        position(&message, "wrong_type_string_for_integer.ron").0,
        4,
        "{message}"
    );
}

#[test]
fn wrong_type_in_a_number_or_parameter_field() {
    // volume: true: neither a number nor the name of an uncertain parameter.
    let message = refused("bad/wrong_type_bool_for_number.ron", &["boolean"]);
    assert_eq!(
        position(&message, "wrong_type_bool_for_number.ron").0,
        14,
        "{message}"
    );
}

#[test]
fn unknown_field() {
    // sede: 4 at the top level, line 7.
    let message = refused("bad/unknown_field.ron", &["sede"]);
    assert_eq!(position(&message, "unknown_field.ron"), (7, 5), "{message}");
}

#[test]
fn unknown_field_inside_actors_triggers_effects_outcomes_and_distributions() {
    // A misspelt optional field must not be dropped silently: `intellignce: 0.3` in a State
    // would leave the default intelligence in place with no warning. Each file has one unknown
    // field in one enum variant.
    let failures: Vec<String> = [
        ("bad/unknown_field_in_actor.ron", "intellignce"),
        ("bad/unknown_field_in_trigger.ron", "probability"),
        ("bad/unknown_field_in_effect.ron", "factor"),
        ("bad/unknown_field_in_outcome.ron", "form"),
        ("bad/unknown_field_in_distribution.ron", "mode"),
    ]
    .into_iter()
    .filter_map(|(file, field)| {
        check_refused(file, &[field])
            .err()
            .map(|problem| format!("{file} ({field}): {problem}"))
    })
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn unknown_actor_in_a_flow() {
    refused(
        "bad/unknown_actor_in_flow.ron",
        &["flows[\"arms\"].to: unknown actor \"Nigerr\""],
    );
}

#[test]
fn unknown_flow_in_an_event_effect() {
    refused(
        "bad/unknown_flow_in_effect.ron",
        &["events[\"cut\"].effects[0].flow: unknown flow \"armz\""],
    );
}

#[test]
fn unknown_uncertain_parameter() {
    refused(
        "bad/unknown_uncertain_parameter.ron",
        &["pressure[\"G:Niger\"].base_rate: unknown uncertain parameter \"rte\""],
    );
}

#[test]
fn duplicate_names() {
    // Duplicates in every named collection, all reported.
    let message = refused(
        "bad/duplicate_names.ron",
        &[
            "actors[\"Ally\"].name: duplicate name \"Ally\"",
            "flows[\"arms\"].name: duplicate name \"arms\"",
            "events[\"cut\"].name: duplicate name \"cut\"",
            "uncertain[\"rate\"].name: duplicate name \"rate\"",
            "outcomes[\"attacks_total\"].name: duplicate name \"attacks_total\"",
            "pressure[\"G:Niger\"]: duplicate pressure",
        ],
    );
    assert!(message.contains("6 problems"), "{message}");
}

#[test]
fn probability_outside_0_to_1() {
    refused(
        "bad/probability_over_one.ron",
        &["flows[\"arms\"].reliability: 1.5 is outside the valid range 0..=1"],
    );
}

#[test]
fn negative_volume() {
    refused(
        "bad/negative_volume.ron",
        &["flows[\"arms\"].volume: -5 is outside the valid range"],
    );
}

#[test]
fn non_finite_numbers() {
    refused(
        "bad/infinite_number.ron",
        &["flows[\"arms\"].volume: inf is not a finite number"],
    );
    refused(
        "bad/nan_number.ron",
        &["actors[\"Niger\"].capacity: NaN is not a finite number"],
    );
}

#[test]
fn horizon_0() {
    refused(
        "bad/horizon_zero.ron",
        &["horizon: 0 months is outside 1..=600"],
    );
}

#[test]
fn horizon_601() {
    refused(
        "bad/horizon_too_long.ron",
        &["horizon: 601 months is outside 1..=600"],
    );
}

#[test]
fn runs_0_in_the_file() {
    refused("bad/runs_zero.ron", &["runs: 0 is outside 1..=100000000"]);
}

#[test]
fn runs_over_100_million_in_the_file() {
    refused(
        "bad/runs_too_many.ron",
        &["runs: 100000001 is outside 1..=100000000"],
    );
}

#[test]
fn empty_file() {
    let message = refused("bad/empty.ron", &[]);
    assert_eq!(position(&message, "empty.ron"), (1, 1), "{message}");
}

#[test]
fn binary_garbage() {
    let message = refused("bad/binary.ron", &["Not UTF-8"]);
    assert_eq!(position(&message, "binary.ron"), (1, 1), "{message}");
}

#[test]
fn nonexistent_file() {
    refused("bad/does_not_exist.ron", &["cannot read"]);
}

#[test]
fn several_problems_are_reported_at_once() {
    let message = refused(
        "bad/many_problems.ron",
        &[
            "7 problems",
            "horizon: 601 months is outside 1..=600",
            "actors[\"Ally\"].name: duplicate name \"Ally\"",
            "flows[\"arms\"].to: unknown actor \"Nigerr\"",
            "flows[\"arms\"].volume: -5 is outside the valid range",
            "flows[\"arms\"].reliability: 1.5 is outside the valid range 0..=1",
            "pressure[\"G:Niger\"].base_rate: unknown uncertain parameter \"rte\"",
            "events[\"cut\"].effects[0].flow: unknown flow \"armz\"",
        ],
    );
    // One problem per line after the file's line.
    assert_eq!(message.trim_end().lines().count(), 8, "{message}");
}

#[test]
fn file_over_8_mib_is_refused_before_parsing() {
    // A valid scenario padded with comment lines to just over the 8 MiB limit.
    let dir = tempfile::tempdir().unwrap();
    let mut text = fs::read_to_string(data("data/valid_template.ron")).unwrap();
    let line = format!("// {}\n", "x".repeat(1021));
    while text.len() <= 8 * 1024 * 1024 {
        text.push_str(&line);
    }
    let path = dir.path().join("huge.ron");
    fs::write(&path, text).unwrap();
    let work = dir.path().join("work");
    fs::create_dir(&work).unwrap();
    for args in [vec!["validate"], vec!["run"]] {
        let mut args = args;
        args.push(path.to_str().unwrap());
        let output = secsim(&work, &args);
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(
            message.starts_with("error: ") && message.contains("huge.ron"),
            "{message}"
        );
        assert!(message.contains("limit"), "{message}");
        assert_eq!(names_in(&work), Vec::<String>::new());
    }
}
