//! The scenario library compiled into the binary: `secsim scenarios`, `secsim show NAME`, and a
//! library name wherever a scenario file goes, from a working folder that is not the
//! repository, with the same bytes as the file under `scenarios/`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{assert_success, files_under, secsim, stderr, stdout};

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn repo_str(relative: &str) -> String {
    repo(relative).to_string_lossy().into_owned()
}

/// Library names of the `.ron` files under `scenarios/`: their paths without `.ron`.
fn shipped_names() -> BTreeSet<String> {
    fn walk(root: &Path, folder: &Path, names: &mut BTreeSet<String>) {
        for entry in fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, names);
            } else if path.extension().is_some_and(|extension| extension == "ron") {
                let relative = path.strip_prefix(root).unwrap().with_extension("");
                names.insert(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = repo("scenarios");
    let mut names = BTreeSet::new();
    walk(&root, &root, &mut names);
    names
}

/// Names of the entries of `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn manifest_input(folder: &Path) -> serde_json::Value {
    let text = fs::read_to_string(folder.join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    manifest["inputs"][0].clone()
}

/// `secsim validate --resolved` of `argument`, run in `dir`.
fn resolved(dir: &Path, argument: &str) -> String {
    let output = secsim(dir, &["validate", "--resolved", argument]);
    assert_success(&output);
    stdout(&output)
}

#[test]
fn a_run_by_name_writes_the_same_bytes_as_a_run_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let by_name = secsim(
        dir.path(),
        &["run", "niger_baseline", "--runs", "200", "--no-charts"],
    );
    assert_success(&by_name);
    let file = repo_str("scenarios/niger_baseline.ron");
    let by_file = secsim(
        dir.path(),
        &[
            "run",
            &file,
            "--runs",
            "200",
            "--no-charts",
            "--out",
            "by_file",
        ],
    );
    assert_success(&by_file);
    let named_folder = dir.path().join("output/niger_baseline");
    assert_eq!(
        fs::read(named_folder.join("outcomes.csv")).unwrap(),
        fs::read(dir.path().join("by_file/outcomes.csv")).unwrap()
    );
    assert_eq!(
        files_under(&named_folder),
        files_under(&dir.path().join("by_file"))
    );
    let named = manifest_input(&named_folder);
    let filed = manifest_input(&dir.path().join("by_file"));
    assert_eq!(named["hash"], filed["hash"]);
    assert_eq!(named["file"], serde_json::Value::Null, "{named}");
    assert_eq!(named["library"], "niger_baseline", "{named}");
    assert_eq!(filed["file"], file.as_str(), "{filed}");
    assert_eq!(filed["library"], serde_json::Value::Null, "{filed}");
    assert!(
        stdout(&by_name).contains("results in output/niger_baseline"),
        "{}",
        stdout(&by_name)
    );
}

#[test]
fn show_prints_each_file_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for name in shipped_names() {
        let output = secsim(dir.path(), &["show", &name]);
        assert_success(&output);
        let file = fs::read(repo(&format!("scenarios/{name}.ron"))).unwrap();
        assert!(output.stdout == file, "show {name} differs from the file");
    }
    let with_extension = secsim(dir.path(), &["show", "niger_baseline.ron"]);
    assert_eq!(
        with_extension.stdout,
        fs::read(repo("scenarios/niger_baseline.ron")).unwrap()
    );
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

#[test]
fn scenarios_lists_every_shipped_file_with_its_first_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(dir.path(), &["scenarios"]);
    assert_success(&output);
    let text = stdout(&output);
    let listed: BTreeSet<String> = text
        .lines()
        .map(|line| line.split_whitespace().next().unwrap().to_owned())
        .collect();
    assert_eq!(listed, shipped_names());
    assert_eq!(text.lines().count(), listed.len(), "{text}");
    let description = |name: &str| -> String {
        let line = text
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap();
        line[name.len()..].trim().to_owned()
    };
    assert_eq!(
        description("niger_realignment"),
        "Niger ends intelligence sharing with Russia in May 2025."
    );
    // A variant's own description, and a variant without one shows its base's.
    assert_eq!(
        description("niger_realignment_no_return"),
        "Niger ends intelligence sharing with Russia and Turkey in May 2025 and no Western partner returns."
    );
    assert_eq!(
        description("backtest/types/mali_2022_08_loco"),
        description("backtest/mali_2022_08")
    );
    assert!(
        description("backtest/mali_2022_08").starts_with("Back-test: Mali from August 2022"),
        "{text}"
    );
}

#[test]
fn a_file_in_the_working_folder_wins_over_a_library_name() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        repo("tests/data/small.ron"),
        dir.path().join("niger_baseline"),
    )
    .unwrap();
    let output = secsim(
        dir.path(),
        &[
            "run",
            "niger_baseline",
            "--runs",
            "20",
            "--no-charts",
            "--out",
            "r",
        ],
    );
    assert_success(&output);
    let input = manifest_input(&dir.path().join("r"));
    assert_eq!(input["name"], "small", "{input}");
    assert_eq!(input["file"], "niger_baseline", "{input}");
    assert_eq!(input["library"], serde_json::Value::Null, "{input}");
    assert_eq!(
        stdout(&secsim(dir.path(), &["validate", "niger_baseline"])),
        "niger_baseline: ok (small)\n"
    );
}

#[test]
fn an_unknown_name_is_refused_with_the_list_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["run", "niger_baselin"],
        vec!["run", "niger_baselin.ron", "--runs", "5"],
        vec!["compare", "niger_baseline", "niger_baselin"],
        vec!["show", "niger_baselin"],
    ] {
        let output = secsim(dir.path(), &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert!(
            message.starts_with("error: niger_baselin"),
            "{args:?}: {message}"
        );
        for name in shipped_names() {
            assert!(
                message.contains(&format!("\n  {name}\n")),
                "{args:?}: {name} not listed: {message}"
            );
        }
        assert_eq!(names_in(dir.path()), Vec::<String>::new(), "{args:?}");
    }
}

#[test]
fn extends_in_a_users_file_can_name_a_library_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| fs::write(dir.path().join(name), text).unwrap();
    let by_path = format!(
        "Scenario(extends: {:?}, name: \"mine\")",
        repo_str("scenarios/niger_realignment.ron")
    );
    write("by_path.ron", &by_path);
    write(
        "with_ron.ron",
        "Scenario(extends: \"niger_realignment.ron\", name: \"mine\")",
    );
    write(
        "without_ron.ron",
        "Scenario(extends: \"niger_realignment\", name: \"mine\")",
    );
    let expected = resolved(dir.path(), "by_path.ron");
    assert_eq!(resolved(dir.path(), "with_ron.ron"), expected);
    assert_eq!(resolved(dir.path(), "without_ron.ron"), expected);

    // A file next to the user's file wins.
    fs::copy(
        repo("tests/data/small.ron"),
        dir.path().join("niger_realignment.ron"),
    )
    .unwrap();
    write(
        "small_by_path.ron",
        &format!(
            "Scenario(extends: {:?}, name: \"mine\")",
            repo_str("tests/data/small.ron")
        ),
    );
    let small = resolved(dir.path(), "small_by_path.ron");
    assert_ne!(small, expected);
    assert_eq!(resolved(dir.path(), "with_ron.ron"), small);
    // `niger_realignment` (no `.ron`) names no file there: still the library's.
    assert_eq!(resolved(dir.path(), "without_ron.ron"), expected);
}

#[test]
fn a_shown_variant_saved_elsewhere_still_resolves() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "niger_realignment_no_return",
        "backtest/types/mali_2022_08_loco",
        "backtest/severity/burkina_faso_2022_10_severity",
    ] {
        let shown = secsim(dir.path(), &["show", name]);
        assert_success(&shown);
        fs::write(dir.path().join("mine.ron"), &shown.stdout).unwrap();
        let expected = resolved(dir.path(), &repo_str(&format!("scenarios/{name}.ron")));
        assert_eq!(resolved(dir.path(), "mine.ron"), expected, "{name}");
        assert_eq!(resolved(dir.path(), name), expected, "{name}");
    }
}

#[test]
fn errors_in_a_library_base_name_it_as_built_in() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("mine.ron"),
        "Scenario(extends: \"niger_realignment\", name: \"mine\", remove: (flows: [\"no_such_flow\"]))",
    )
    .unwrap();
    let output = secsim(dir.path(), &["validate", "mine.ron"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("mine.ron: extends niger_realignment (built in): remove.flows"),
        "{message}"
    );
    fs::write(
        dir.path().join("ambiguous.ron"),
        "Scenario(extends: \"mali_2022_08_loco.ron\", name: \"mine\")",
    )
    .unwrap();
    let output = secsim(dir.path(), &["validate", "ambiguous.ron"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("backtest/severity/mali_2022_08_loco")
            && message.contains("backtest/types/mali_2022_08_loco"),
        "{message}"
    );
}

#[test]
fn run_without_a_scenario_runs_the_main_one_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(dir.path(), &["run", "--runs", "100", "--no-charts"]);
    assert_success(&output);
    let said = stderr(&output);
    assert_eq!(
        said.lines()
            .filter(|line| line.contains("main built-in scenario, niger_realignment"))
            .count(),
        1,
        "{said}"
    );
    let by_file = secsim(
        dir.path(),
        &[
            "run",
            &repo_str("scenarios/niger_realignment.ron"),
            "--runs",
            "100",
            "--no-charts",
            "--out",
            "by_file",
        ],
    );
    assert_success(&by_file);
    assert_eq!(
        files_under(&dir.path().join("output/niger_realignment")),
        files_under(&dir.path().join("by_file"))
    );
    let quiet = secsim(
        dir.path(),
        &[
            "run",
            "--runs",
            "10",
            "--no-charts",
            "--quiet",
            "--out",
            "q",
        ],
    );
    assert_success(&quiet);
    assert_eq!(stderr(&quiet), "");
}

#[test]
fn a_library_variant_runs_by_name_whatever_files_are_in_the_working_folder() {
    let dir = tempfile::tempdir().unwrap();
    // A file named like the variant's base must not change the library's variant.
    fs::copy(
        repo("tests/data/small.ron"),
        dir.path().join("niger_realignment.ron"),
    )
    .unwrap();
    let by_name = secsim(
        dir.path(),
        &[
            "run",
            "niger_realignment_no_return",
            "--runs",
            "100",
            "--no-charts",
        ],
    );
    assert_success(&by_name);
    let by_file = secsim(
        dir.path(),
        &[
            "run",
            &repo_str("scenarios/niger_realignment_no_return.ron"),
            "--runs",
            "100",
            "--no-charts",
            "--out",
            "by_file",
        ],
    );
    assert_success(&by_file);
    assert_eq!(
        files_under(&dir.path().join("output/niger_realignment_no_return")),
        files_under(&dir.path().join("by_file"))
    );
}

#[test]
fn every_command_that_takes_a_scenario_takes_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let mali = repo_str("data/observed/mali.csv");
    for args in [
        vec!["validate", "niger_baseline", "backtest/mali_2022_08"],
        vec![
            "compare",
            "niger_baseline",
            "niger_realignment",
            "--runs",
            "50",
            "--no-charts",
            "--quiet",
            "--out",
            "c",
        ],
        vec![
            "baseline",
            "niger_baseline",
            "--runs",
            "50",
            "--out",
            "b.json",
        ],
        vec!["check", "niger_baseline", "--baseline", "b.json"],
        vec!["selftest", "niger_baseline", "--runs", "50"],
        vec![
            "sensitivity",
            "niger_realignment",
            "--method",
            "morris",
            "--samples",
            "2",
            "--runs",
            "5",
            "--no-charts",
            "--quiet",
            "--out",
            "s",
        ],
        vec![
            "score",
            "backtest/mali_2022_08",
            "--observed",
            &mali,
            "--runs",
            "50",
            "--no-charts",
            "--quiet",
            "--out",
            "sc",
        ],
        vec![
            "calibrate",
            "backtest/mali_2021_2022",
            "--observed",
            &mali,
            "--particles",
            "20",
            "--generations",
            "1",
            "--runs-per-particle",
            "2",
            "--no-charts",
            "--quiet",
            "--out",
            "k",
        ],
    ] {
        let output = secsim(dir.path(), &args);
        assert_success(&output);
    }
    let compared = fs::read_to_string(dir.path().join("c/manifest.json")).unwrap();
    let compared: serde_json::Value = serde_json::from_str(&compared).unwrap();
    let libraries: Vec<&str> = compared["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|input| input["library"].as_str().unwrap())
        .collect();
    assert_eq!(libraries, ["niger_baseline", "niger_realignment"]);
    assert_eq!(
        manifest_input(&dir.path().join("sc"))["library"],
        "backtest/mali_2022_08"
    );
}
