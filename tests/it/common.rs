//! Helpers shared by the integration tests: running the `secsim` binary and reading what it
//! wrote.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `secsim` binary with `args`, run in `dir`, with no standard input.
pub fn secsim_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_secsim"));
    command.current_dir(dir).args(args).stdin(Stdio::null());
    command
}

/// Runs `secsim` with `args` in `dir` and waits for it.
pub fn secsim(dir: &Path, args: &[&str]) -> Output {
    secsim_command(dir, args)
        .output()
        .expect("cannot start secsim")
}

/// What a run printed on stdout.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What a run printed on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Fails with the exit code and both streams unless the run succeeded.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
}

/// Every file under `dir`, by path relative to it, with its bytes; `manifest.json` left out.
pub fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else if path.file_name().is_some_and(|name| name != "manifest.json") {
                // manifest.json holds the run's timestamps and command line by design (the
                // only output that does): byte comparisons leave it out; tests/it/selftest.rs
                // checks it.
                let bytes = fs::read(&path).unwrap();
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}
