//! An experiment file's `scenarios` naming library scenarios: found as `extends` finds its base
//! (a file next to the experiment file first, else the library), with the same results as the
//! experiment naming the scenario's file, and refused with the field path when neither exists.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{assert_success, files_under, secsim, stderr};

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Writes an experiment over `bases` (as written in `scenarios: [...]`) into `dir` as `file`.
fn write_experiment(dir: &Path, file: &str, bases: &[&str], parameters: &str) -> String {
    let scenarios: Vec<String> = bases.iter().map(|base| format!("{base:?}")).collect();
    let text = format!(
        "Experiment(name: \"library\", scenarios: [{}], parameters: [{parameters}], \
         design: Grid, runs: 20, seed: 5)\n",
        scenarios.join(", ")
    );
    fs::write(dir.join(file), text).unwrap();
    file.to_owned()
}

/// `secsim batch EXPERIMENT --out OUT` in `dir`, which must succeed.
fn batch(dir: &Path, experiment: &str, out: &str) -> PathBuf {
    assert_success(&secsim(dir, &["batch", experiment, "--out", out]));
    dir.join(out)
}

fn experiment_hash(folder: &Path) -> String {
    let text = fs::read_to_string(folder.join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    manifest["inputs"][0]["hash"].as_str().unwrap().to_owned()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_library_base_gives_the_results_of_its_file_named_by_path() {
    let file = repo("scenarios/niger_baseline.ron");
    let file = file.to_str().unwrap();
    // A flow's volume makes points by overrides of the validated base; the horizon, an integer
    // field, makes each point by rewriting the base's text (experiment::file, `Expansion`).
    for (case, parameters) in [
        (
            "overrides",
            r##"(name: "intel", path: r#"flows["russia_intel"].volume"#, values: [0.1, 0.3])"##,
        ),
        ("rebuilt", r#"(path: "horizon", values: [60, 72])"#),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let by_path = batch(
            dir.path(),
            &write_experiment(dir.path(), "by_path.ron", &[file], parameters),
            "by_path",
        );
        let expected = files_under(&by_path);
        assert!(
            expected.contains_key(Path::new("experiments.csv")),
            "{case}: {:?}",
            expected.keys()
        );
        for name in ["niger_baseline", "niger_baseline.ron"] {
            let by_name = batch(
                dir.path(),
                &write_experiment(dir.path(), "by_name.ron", &[name], parameters),
                "by_name",
            );
            assert!(
                files_under(&by_name) == expected,
                "{case}, {name}: results differ from those of the file named by path"
            );
            assert_eq!(
                experiment_hash(&by_name),
                experiment_hash(&by_path),
                "{case}, {name}"
            );
            fs::remove_dir_all(&by_name).unwrap();
        }
    }
}

#[test]
fn a_file_next_to_the_experiment_wins_over_a_library_name() {
    let dir = tempfile::tempdir().unwrap();
    // A scenario other than the library's niger_baseline, under its file name.
    fs::copy(
        repo("tests/data/batch/base.ron"),
        dir.path().join("niger_baseline.ron"),
    )
    .unwrap();
    let parameters =
        r##"(name: "arms_volume", path: r#"flows["arms"].volume"#, values: [0.0, 20.0])"##;
    let local = batch(
        dir.path(),
        &write_experiment(dir.path(), "local.ron", &["niger_baseline.ron"], parameters),
        "local",
    );
    let base = repo("tests/data/batch/base.ron");
    let by_path = batch(
        dir.path(),
        &write_experiment(
            dir.path(),
            "by_path.ron",
            &[base.to_str().unwrap()],
            parameters,
        ),
        "by_path",
    );
    assert!(files_under(&local) == files_under(&by_path));
    // The library's niger_baseline has no flow "arms": had it been read, the batch would fail.
    let header = fs::read_to_string(local.join("experiments.csv")).unwrap();
    assert!(header.contains("benin_capacity"), "{header}");
}

#[test]
fn an_unknown_base_exits_2_with_the_field_path_and_writes_nothing() {
    let parameters = r#"(path: "horizon", values: [24])"#;
    // (bases, where, what stderr must say)
    let cases: [(&[&str], &str, &[&str]); 3] = [
        (
            &["niger_baselin"],
            "scenarios[0]: ",
            &[
                "niger_baselin: cannot read the base",
                "no built-in scenario has that name",
            ],
        ),
        (
            &["niger_baseline", "nowhere/niger_baseline_typo.ron"],
            "scenarios[1]: ",
            &["no built-in scenario has that name"],
        ),
        (
            // Two spellings of one library scenario: its points could not be told apart.
            &["niger_baseline", "niger_baseline.ron"],
            "scenarios[1]: ",
            &["same scenario as scenarios[0]"],
        ),
    ];
    for (bases, place, messages) in cases {
        let dir = tempfile::tempdir().unwrap();
        let experiment = write_experiment(dir.path(), "unknown.ron", bases, parameters);
        let before = names_in(dir.path());
        for args in [
            vec!["batch", experiment.as_str(), "--out", "results"],
            vec!["batch", experiment.as_str()],
            vec!["validate", experiment.as_str()],
        ] {
            let output = secsim(dir.path(), &args);
            let message = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
            assert!(
                message.starts_with("error: unknown.ron: ") && message.contains(place),
                "{args:?}: {message}"
            );
            for expected in messages {
                assert!(message.contains(expected), "{args:?}: {message}");
            }
            assert_eq!(names_in(dir.path()), before, "{args:?} wrote something");
        }
    }
}
