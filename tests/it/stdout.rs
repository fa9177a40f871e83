//! Output to stdout never panics: a reader that goes away ends the command quietly, and a
//! stdout that cannot be written is reported with the OS error and exit 74.

use std::path::Path;
use std::process::Stdio;

use crate::common::{assert_success, secsim, secsim_command, stderr};

fn small() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/small.ron")
        .to_string_lossy()
        .into_owned()
}

/// `secsim check ... --format json | head -1`, with the reader gone before anything is written.
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    assert_success(&secsim(
        dir.path(),
        &["baseline", &small(), "--out", "base.json", "--runs", "50"],
    ));
    let mut child = secsim_command(
        dir.path(),
        &[
            "check",
            &small(),
            "--baseline",
            "base.json",
            "--format",
            "json",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Closing our end before the command writes makes its first write fail with EPIPE.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "",
        "nothing to report when the reader leaves"
    );
}

/// `secsim run S > /dev/full`: the results are written, the table cannot be.
#[test]
fn a_full_stdout_is_reported_with_exit_74() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full (Linux)");
    let output = secsim_command(dir.path(), &["run", &small(), "--out", "r", "--no-charts"])
        .stdout(full)
        .output()
        .unwrap();
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(74), "stderr: {message}");
    assert!(
        message.starts_with("error: cannot write to standard output: ")
            && message.contains("No space left on device")
            && !message.contains("panicked"),
        "{message}"
    );
}
