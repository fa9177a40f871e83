//! Records the git commit secsim is built from, for the provenance manifest
//! (`output::manifest`). Never fails: without git, or outside a repository, the commit is
//! "unknown". `SECSIM_GIT_COMMIT` set at build time wins (for builds from a source archive).

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    Some(text.trim().to_owned())
}

fn is_commit_id(text: &str) -> bool {
    // SHA-1 (40) or SHA-256 (64) object names.
    matches!(text.len(), 40 | 64) && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// Asks cargo to rerun this script when the checked-out commit changes. Only files that exist
/// are named: cargo reruns a build script on every build when a named file is missing.
fn watch_git_files() {
    let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) else {
        return;
    };
    let git_dir = Path::new(&git_dir);
    let head = git_dir.join("HEAD");
    let mut watched = vec![head.clone(), git_dir.join("packed-refs")];
    // HEAD usually names a branch ("ref: refs/heads/main"), whose file moves on each commit.
    if let Ok(text) = std::fs::read_to_string(&head)
        && let Some(reference) = text.trim().strip_prefix("ref: ")
    {
        watched.push(git_dir.join(reference));
    }
    for path in watched.iter().filter(|path| path.is_file()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SECSIM_GIT_COMMIT");
    let commit = std::env::var("SECSIM_GIT_COMMIT")
        .ok()
        .filter(|commit| is_commit_id(commit))
        .or_else(|| git(&["rev-parse", "HEAD"]).filter(|commit| is_commit_id(commit)))
        .unwrap_or_else(|| "unknown".to_owned());
    watch_git_files();
    println!("cargo:rustc-env=SECSIM_GIT_COMMIT={commit}");
}
