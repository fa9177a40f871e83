//! Result files: the all-or-nothing folder writer, and one module per file format.
//!
//! Invariant: a results folder is either absent, the previous complete results, or the new
//! complete results. Files are written into a staging folder beside the destination and the two
//! are swapped only when every file is complete.

pub mod baseline;
pub mod batch;
pub mod calibration;
pub mod cart;
pub mod charts;
pub mod check;
pub mod checkpoint;
pub mod compare;
pub mod discovery;
pub mod figures;
pub mod files;
pub mod findings;
pub mod manifest;
pub mod outcomes;
pub mod parameters;
pub mod part;
pub mod report;
pub mod results;
pub mod rows;
pub mod scores;
pub mod selftest;
pub mod sensitivity;
mod stale;
pub mod summary;
pub mod table;
pub mod timeseries;

pub use crate::scenario::hex;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A results folder being written. Files go into [`StagedDir::path`]; [`StagedDir::commit`]
/// puts them in place. Dropping it without committing removes the staged files.
pub struct StagedDir {
    destination: PathBuf,
    staging: tempfile::TempDir,
    /// Held locked while the staging folder lives, so that no other process takes it for a
    /// dead one's leftover ([`stale`]).
    lock: fs::File,
}

/// Why results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    // The cause is part of the message, not a `#[source]`, so that printing the error chain
    // does not say it twice.
    #[error("{path}: {message}: {cause}")]
    Io {
        path: PathBuf,
        message: &'static str,
        cause: io::Error,
    },
    #[error("{path}: exists and is not a folder")]
    NotAFolder { path: PathBuf },
    #[error(
        "{path}: the folder holds files but no {marker}, so it is not a secsim results folder; choose another --out or empty it first"
    )]
    NotResults { path: PathBuf, marker: &'static str },
    #[error(
        "{path}: holds the results of {theirs}, not of {ours}; choose another --out, or add --force to replace them",
        path = path.display()
    )]
    OtherResults {
        path: PathBuf,
        theirs: String,
        ours: String,
    },
    #[error(
        "{path}: the folder to write the results in does not exist; create it first (mkdir -p {path})",
        path = path.display()
    )]
    MissingParent { path: PathBuf },
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

impl OutputError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io<'a>(
        path: &'a Path,
        message: &'static str,
    ) -> impl FnOnce(io::Error) -> OutputError + 'a {
        move |cause| OutputError::Io {
            path: path.to_path_buf(),
            message,
            cause,
        }
    }
}

impl StagedDir {
    /// Prepares to write results of `inputs` (the names of the scenarios or experiment they
    /// come from) into `destination`, whose parent folder must exist. An existing destination is
    /// replaced only if it is empty or holds `marker` (the file every results folder of this kind
    /// has): a mistyped `--out` never deletes someone's files. Results of other inputs (by the
    /// names in their `manifest.json`) are replaced only with `force`.
    pub fn new(
        destination: &Path,
        marker: &'static str,
        inputs: &[&str],
        force: bool,
    ) -> Result<StagedDir, OutputError> {
        let parent = match destination.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let stem = destination.file_name().map_or_else(
            || "results".into(),
            |name| name.to_string_lossy().into_owned(),
        );
        let prefix = format!(".{stem}.partial-");
        // First, as it may put back previous results that a killed commit left aside.
        stale::clean(&parent, &prefix, destination);
        if destination.exists() && !destination.is_dir() {
            return Err(OutputError::NotAFolder {
                path: destination.to_path_buf(),
            });
        }
        if destination.is_dir() {
            let mut entries = fs::read_dir(destination).map_err(OutputError::io(
                destination,
                "cannot read the output folder",
            ))?;
            if entries.next().is_some() && !destination.join(marker).is_file() {
                return Err(OutputError::NotResults {
                    path: destination.to_path_buf(),
                    marker,
                });
            }
            if let Some(theirs) = manifest::input_names(destination)
                && theirs != inputs
                && !force
            {
                let describe = |names: &[String]| {
                    let quoted: Vec<String> =
                        names.iter().map(|name| format!("{name:?}")).collect();
                    quoted.join(", ")
                };
                let ours: Vec<String> = inputs.iter().map(|name| (*name).to_owned()).collect();
                return Err(OutputError::OtherResults {
                    path: destination.to_path_buf(),
                    theirs: describe(&theirs),
                    ours: describe(&ours),
                });
            }
        }
        if !parent.is_dir() {
            return Err(OutputError::MissingParent { path: parent });
        }
        let staging = tempfile::Builder::new()
            .prefix(&format!("{prefix}{}", stale::owner_tag()))
            .tempdir_in(&parent)
            .map_err(OutputError::io(&parent, "cannot create a staging folder"))?;
        let lock = stale::lock(staging.path()).map_err(OutputError::io(
            staging.path(),
            "cannot lock the staging folder",
        ))?;
        Ok(StagedDir {
            destination: destination.to_path_buf(),
            staging,
            lock,
        })
    }

    /// Folder to write the files into.
    pub fn path(&self) -> &Path {
        self.staging.path()
    }

    /// Final location of the results.
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Moves the complete results into place, replacing any previous results in one step.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        let lock_file = self.staging.path().join(stale::LOCK_FILE);
        fs::remove_file(&lock_file).map_err(OutputError::io(&lock_file, "cannot remove"))?;
        let destination = self.destination;
        // Still locked, by the open file, until the results are in place.
        let _lock = self.lock;
        let staging = self.staging.keep();
        set_readable(&staging);
        let outcome = if destination.is_dir() {
            swap_into_place(&staging, &destination)
        } else {
            fs::rename(&staging, &destination).map_err(OutputError::io(
                &destination,
                "cannot move the results into place",
            ))
        };
        if outcome.is_err() {
            let _ = fs::remove_dir_all(&staging);
        }
        outcome.map(|()| destination)
    }
}

#[cfg(unix)]
fn set_readable(folder: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Staging folders are created private (0700); results are ordinary files for their owner's
    // tools and colleagues, like anything else written under the user's umask.
    let _ = fs::set_permissions(folder, fs::Permissions::from_mode(0o755));
}

#[cfg(not(unix))]
fn set_readable(_folder: &Path) {}

/// Exchanges the staged folder with the existing results atomically where the OS allows
/// (Linux renameat2 RENAME_EXCHANGE), then removes the old results.
fn swap_into_place(staging: &Path, destination: &Path) -> Result<(), OutputError> {
    if exchange(staging, destination).is_ok() {
        // `staging` now holds the previous results.
        let _ = fs::remove_dir_all(staging);
        return Ok(());
    }
    // Fallback: two renames. Between them the destination is briefly absent but never mixed.
    let mut retired = staging.as_os_str().to_owned();
    retired.push(stale::RETIRED_SUFFIX);
    let retired = PathBuf::from(retired);
    fs::rename(destination, &retired).map_err(OutputError::io(
        destination,
        "cannot move the previous results aside",
    ))?;
    if let Err(error) = fs::rename(staging, destination) {
        let _ = fs::rename(&retired, destination);
        return Err(OutputError::io(
            destination,
            "cannot move the results into place",
        )(error));
    }
    let _ = fs::remove_dir_all(&retired);
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(first: &Path, second: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, first, CWD, second, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_first: &Path, _second: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// A number for a JSON file: `null` when not finite (JSON has no NaN or infinity).
pub fn json_number(value: f64) -> serde_json::Value {
    if value.is_finite() {
        serde_json::json!(value)
    } else {
        serde_json::Value::Null
    }
}

/// Formats a number for CSV: shortest text that reads back to the same bits; empty when missing.
pub fn format_number(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => value.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_results_replace_old_ones_whole() {
        let root = tempfile::tempdir().unwrap();
        let destination = root.path().join("out");
        fs::create_dir(&destination).unwrap();
        fs::write(destination.join("old.txt"), "old").unwrap();
        fs::write(destination.join("marker"), "").unwrap();
        let staged = StagedDir::new(&destination, "marker", &[], false).unwrap();
        fs::write(staged.path().join("new.txt"), "new").unwrap();
        staged.commit().unwrap();
        assert!(destination.join("new.txt").exists());
        assert!(!destination.join("old.txt").exists());
        let leftovers: Vec<_> = fs::read_dir(root.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "only the results folder remains");
    }

    #[test]
    fn dropped_staging_leaves_previous_results_untouched() {
        let root = tempfile::tempdir().unwrap();
        let destination = root.path().join("out");
        fs::create_dir(&destination).unwrap();
        fs::write(destination.join("old.txt"), "old").unwrap();
        fs::write(destination.join("marker"), "").unwrap();
        {
            let staged = StagedDir::new(&destination, "marker", &[], false).unwrap();
            fs::write(staged.path().join("new.txt"), "half").unwrap();
        }
        assert!(destination.join("old.txt").exists());
        assert!(!destination.join("new.txt").exists());
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_that_is_not_results_is_never_replaced() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("precious.txt"), "keep").unwrap();
        let refused = StagedDir::new(root.path(), "summary.json", &[], false);
        assert!(matches!(refused, Err(OutputError::NotResults { .. })));
        assert!(root.path().join("precious.txt").exists());
        let empty = root.path().join("empty");
        fs::create_dir(&empty).unwrap();
        assert!(StagedDir::new(&empty, "summary.json", &[], false).is_ok());
    }
}
