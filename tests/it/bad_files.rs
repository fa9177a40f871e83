//! The bad-input corpus: every file in `tests/bad/`, and the few cases written at test time
//! (`GENERATED`), is refused by `secsim validate FILE` with exit code 2, nothing on stdout, and
//! on stderr exactly the message in the `insta` snapshot `tests/snapshots/bad/<file stem>.snap`.
//! Each message names the file and either `line:column` or the field path of the problem.
//!
//! Paths in messages are made machine-independent: the repository's folder becomes `<repo>` and
//! the temporary folder of the generated cases `<tmp>`. When a message is meant to change
//! (a clearer wording, a new case), review the new snapshots with `cargo insta review`, or
//! accept them all and read the diff:
//!
//! ```text
//! INSTA_UPDATE=always INSTA_FORCE_PASS=1 cargo test --release --test it bad_files::
//! git diff tests/snapshots/bad/
//! ```
//!
//! `tests/bad/README.md` says what the corpus holds and how to add a case.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{secsim, stderr, stdout};

/// Fewest failure classes the corpus must cover (the robustness issue asks for 40).
const MIN_CASES: usize = 40;

/// Largest committed file: anything bigger is written at test time instead (`GENERATED`).
const MAX_COMMITTED_BYTES: u64 = 64 * 1024;

/// Writes a generated case's bytes.
type Generator = fn() -> Vec<u8>;

/// Cases written into a temporary folder at test time, because they are big: (file name, how).
const GENERATED: [(&str, Generator); 3] = [
    ("too_large.ron", too_large),
    ("too_many_actors.ron", too_many_actors),
    ("deeply_nested_huge.ron", deeply_nested_huge),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn template() -> String {
    fs::read_to_string(repo().join("tests/data/valid_template.ron")).unwrap()
}

/// A valid scenario padded with comment lines to just over the 8 MiB limit.
fn too_large() -> Vec<u8> {
    let mut text = template();
    let line = format!("// {}\n", "x".repeat(1021));
    while text.len() as u64 <= secsim::scenario::MAX_FILE_BYTES {
        text.push_str(&line);
    }
    text.into_bytes()
}

/// The template with 10,001 more partners: one over the limit of 10,000 items in a list.
fn too_many_actors() -> Vec<u8> {
    let partners: String = (0..10_001)
        .map(|index| format!("        Partner(name: \"Partner {index}\"),\n"))
        .collect();
    template()
        .replacen(
            "        Partner(name: \"Ally\"),\n",
            &format!("        Partner(name: \"Ally\"),\n{partners}"),
            1,
        )
        .into_bytes()
}

/// A variant whose `set` value nests a million brackets (2 MB): the parser must refuse it
/// without recursing a million levels deep (which would overflow the stack).
fn deeply_nested_huge() -> Vec<u8> {
    let depth = 1_000_000;
    format!(
        "Scenario(\n    extends: \"base.ron\",\n    name: \"deeply_nested_huge\",\n    set: {{\"horizon\": {}{}}},\n)\n",
        "[".repeat(depth),
        "]".repeat(depth)
    )
    .into_bytes()
}

/// Every case: (name, path to validate), committed files first.
fn cases(generated_dir: &Path) -> Vec<(String, PathBuf)> {
    let mut cases: Vec<(String, PathBuf)> = committed_files()
        .into_iter()
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                path,
            )
        })
        .collect();
    for (name, make) in GENERATED {
        let path = generated_dir.join(name);
        fs::write(&path, make()).unwrap();
        cases.push((name.to_owned(), path));
    }
    cases
}

/// The `.ron` files of `tests/bad/`, sorted.
fn committed_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(repo().join("tests/bad"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "ron"))
        .collect();
    files.sort();
    files
}

fn snapshot_dir() -> PathBuf {
    repo().join("tests/snapshots/bad")
}

/// A case's snapshot name: its file stem.
fn snapshot_name(name: &str) -> String {
    Path::new(name)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// `text` with `folder` (as given and canonical) replaced by `placeholder`.
fn replace_folder(text: &str, folder: &Path, placeholder: &str) -> String {
    let mut text = text.to_owned();
    let mut forms = vec![folder.to_path_buf()];
    forms.extend(folder.canonicalize());
    // Longest first, so that a canonical path extending the given one is replaced whole.
    forms.sort_by_key(|form| std::cmp::Reverse(form.as_os_str().len()));
    for form in forms {
        text = text.replace(&*form.to_string_lossy(), placeholder);
    }
    text
}

/// Whether `message` places the problem: `file:line:column:`; or a list of problems, each with
/// its field path (`flows["x"].to: ...`); or `extends` (a variant's base), `scenarios[i]` (an
/// experiment's base) or the file's size (a file refused whole) right after the file's name.
fn places_the_problem(message: &str, name: &str) -> bool {
    let Some((_, after)) = message.split_once(&format!("{name}:")) else {
        return false;
    };
    let is_number = |part: &str| part.parse::<usize>().is_ok();
    let mut parts = after.splitn(3, ':');
    if parts.next().is_some_and(is_number) && parts.next().is_some_and(is_number) {
        return true;
    }
    let problem_lines: Vec<&str> = message.lines().skip(1).collect();
    let each_has_a_path = problem_lines.iter().all(|line| {
        line.strip_prefix("  ").is_some_and(|line| {
            line.starts_with(|c: char| c.is_ascii_lowercase()) && line.contains(": ")
        })
    });
    (!problem_lines.is_empty() && each_has_a_path)
        || [" extends ", " scenarios[", " file is "]
            .iter()
            .any(|place| after.starts_with(place))
}

#[test]
fn every_bad_file_is_refused_with_its_snapshot_message() {
    let generated_dir = tempfile::tempdir().unwrap();
    // Some generated cases extend `base.ron`; it is never read (they fail first), but a valid
    // one is there so that a case can only fail for the reason it was written for.
    fs::copy(
        repo().join("tests/data/valid_template.ron"),
        generated_dir.path().join("base.ron"),
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut messages = Vec::new();
    for (name, path) in cases(generated_dir.path()) {
        let output = secsim(work.path(), &["validate", path.to_str().unwrap()]);
        let message = replace_folder(&stderr(&output), &repo(), "<repo>");
        let message = replace_folder(&message, generated_dir.path(), "<tmp>");
        let context = format!("{name}: exit {:?}\nstderr: {message}", output.status.code());
        if output.status.code() != Some(2) {
            failures.push(format!("{context}\nexpected exit code 2"));
        }
        if !stdout(&output).is_empty() {
            failures.push(format!(
                "{context}\nexpected nothing on stdout, got: {}",
                stdout(&output)
            ));
        }
        if !message.starts_with("error: ") || !message.contains(&name) {
            failures.push(format!("{context}\nexpected `error: ` and the file's name"));
        }
        if !places_the_problem(&message, &name) {
            failures.push(format!(
                "{context}\nexpected `{name}:line:column:` or field paths"
            ));
        }
        messages.push((snapshot_name(&name), message));
    }
    assert!(
        failures.is_empty(),
        "{}\n\n{} failure(s)",
        failures.join("\n\n"),
        failures.len()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, message) in &messages {
            insta::assert_snapshot!(name.as_str(), message);
        }
    });
    assert!(
        names_in(work.path()).is_empty(),
        "validate wrote {:?}",
        names_in(work.path())
    );
}

fn names_in(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_bad_file_has_a_snapshot_and_every_snapshot_a_file() {
    let cases: BTreeSet<String> = committed_files()
        .iter()
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .chain(GENERATED.iter().map(|(name, _)| name.to_string()))
        .map(|name| format!("{}.snap", snapshot_name(&name)))
        .collect();
    let snapshots: BTreeSet<String> = fs::read_dir(snapshot_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let without_snapshot: Vec<&String> = cases.difference(&snapshots).collect();
    let without_case: Vec<&String> = snapshots.difference(&cases).collect();
    assert!(
        without_snapshot.is_empty() && without_case.is_empty(),
        "snapshots missing in tests/snapshots/bad/: {without_snapshot:?}\nsnapshots of no case \
         (delete them): {without_case:?}\nTo create missing ones: INSTA_UPDATE=always \
         INSTA_FORCE_PASS=1 cargo test --release --test it bad_files::"
    );
}

#[test]
fn the_corpus_covers_enough_classes_and_commits_no_big_file() {
    let committed = committed_files();
    assert!(
        committed.len() + GENERATED.len() >= MIN_CASES,
        "{} cases, fewer than {MIN_CASES}",
        committed.len() + GENERATED.len()
    );
    for file in &committed {
        let bytes = fs::metadata(file).unwrap().len();
        assert!(
            bytes <= MAX_COMMITTED_BYTES,
            "{} is {bytes} bytes: write big cases at test time (GENERATED in tests/it/bad_files.rs)",
            file.display()
        );
    }
    // Names written at test time must not shadow committed files.
    for (name, _) in GENERATED {
        assert!(!repo().join("tests/bad").join(name).exists(), "{name}");
    }
}
