//! Checkpoints of a run in progress, so that an interrupted run continues where it stopped.
//!
//! A checkpoint lives beside the results folder, in `<results>.checkpoint/`:
//! - `outcomes.csv` (and `parameters.csv` when the run records it): the rows of every block done
//!   so far (and possibly a few more after the checkpoint, which resuming cuts off);
//! - `state.bin`: the running total after the last checkpointed block and the identity of the
//!   run, written to a temporary name and renamed, so it is always whole;
//! - `checkpoint.json`: the same identity for people, not read back.
//!
//! The running total is the engine's fold over blocks 0..k in block order, so continuing the fold
//! from it gives the same bits as a run that never stopped.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::Aggregate;
use crate::output::OutputError;

/// File names inside a checkpoint folder.
pub const STATE_FILE: &str = "state.bin";
pub const INFO_FILE: &str = "checkpoint.json";

/// Bumped whenever the state file's layout changes.
const FORMAT: u32 = 3;

/// The checkpoint folder of the results folder `destination`.
pub fn folder_for(destination: &Path) -> PathBuf {
    let mut name = destination
        .file_name()
        .map_or_else(|| "results".into(), |name| name.to_os_string());
    name.push(".checkpoint");
    destination.with_file_name(name)
}

/// What a checkpoint belongs to: resuming checks that the command asks for the same run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    pub version: String,
    pub scenario: String,
    pub scenario_hash: String,
    pub seed: u64,
    /// The run count asked for (the cap, with `--precision`).
    pub runs: u64,
    /// The `--precision` targets as written, in order; empty without.
    pub precision: Vec<String>,
    /// The streamed files the run writes (`outcomes.csv`, and `parameters.csv` unless
    /// `--no-parameters`), in the registry's order.
    pub streamed: Vec<String>,
}

/// A run's state at a block boundary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    pub identity: RunIdentity,
    /// Blocks folded into `aggregate`: the run continues with block `blocks_done`.
    pub blocks_done: u64,
    /// Checkpoint period in blocks, kept for the resumed run.
    pub every_blocks: Option<u64>,
    /// Each streamed file's name and length up to the end of block `blocks_done - 1`.
    pub rows_bytes: Vec<(String, u64)>,
    pub aggregate: Aggregate,
}

/// Why a checkpoint cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(
        "{folder}: no checkpoint to resume (it is written when a run is interrupted with Ctrl-C or SIGTERM, or every --checkpoint-every runs); run without --resume"
    )]
    Missing { folder: PathBuf },
    #[error(
        "{folder}: a checkpoint of an interrupted run is here; add --resume to continue it, or delete the folder to start again"
    )]
    Exists { folder: PathBuf },
    #[error("{file}: not a checkpoint this version of secsim can read: {cause}")]
    Unreadable { file: PathBuf, cause: String },
    #[error(
        "{folder}: the checkpoint is of a different run ({difference}); resume with the same scenario, --seed, --runs, --precision and --no-parameters, or delete the folder"
    )]
    Mismatch { folder: PathBuf, difference: String },
}

/// Refuses to start a fresh run over an existing checkpoint, which would throw its work away.
pub fn ensure_absent(folder: &Path) -> Result<(), CheckpointError> {
    if folder.join(STATE_FILE).exists() {
        return Err(CheckpointError::Exists {
            folder: folder.to_path_buf(),
        });
    }
    Ok(())
}

/// Creates the checkpoint folder (and any stale content's removal is the caller's choice).
pub fn create_folder(folder: &Path) -> Result<(), OutputError> {
    fs::create_dir_all(folder).map_err(OutputError::io(folder, "cannot create"))
}

/// Writes `checkpoint` into `folder`, replacing the previous one in one step. Each streamed file
/// must already hold at least its `checkpoint.rows_bytes`, synced.
pub fn write(folder: &Path, checkpoint: &Checkpoint) -> Result<(), OutputError> {
    let state = postcard::to_stdvec(&(FORMAT, checkpoint)).map_err(|error| OutputError::Io {
        path: folder.join(STATE_FILE),
        message: "cannot encode the checkpoint",
        cause: std::io::Error::other(error),
    })?;
    let temporary = folder.join(format!("{STATE_FILE}.tmp"));
    let mut file =
        File::create(&temporary).map_err(OutputError::io(&temporary, "cannot create"))?;
    file.write_all(&state)
        .and_then(|()| file.sync_all())
        .map_err(OutputError::io(&temporary, "cannot write"))?;
    let path = folder.join(STATE_FILE);
    fs::rename(&temporary, &path).map_err(OutputError::io(&path, "cannot write"))?;
    let info = serde_json::json!({
        "scenario": checkpoint.identity.scenario,
        "scenario_hash": checkpoint.identity.scenario_hash,
        "seed": checkpoint.identity.seed,
        "runs": checkpoint.identity.runs,
        "precision": checkpoint.identity.precision,
        "runs_done": checkpoint.aggregate.runs,
        "version": checkpoint.identity.version,
    });
    let info_path = folder.join(INFO_FILE);
    let mut text = serde_json::to_string_pretty(&info)?;
    text.push('\n');
    fs::write(&info_path, text).map_err(OutputError::io(&info_path, "cannot write"))
}

/// Reads the checkpoint in `folder` and checks it belongs to `identity`; cuts its streamed
/// files back to the checkpointed rows.
pub fn resume(folder: &Path, identity: &RunIdentity) -> Result<Checkpoint, CheckpointError> {
    let path = folder.join(STATE_FILE);
    if !path.exists() {
        return Err(CheckpointError::Missing {
            folder: folder.to_path_buf(),
        });
    }
    let bytes = fs::read(&path).map_err(OutputError::io(&path, "cannot read"))?;
    let unreadable = |cause: String| CheckpointError::Unreadable {
        file: path.clone(),
        cause,
    };
    let (format, checkpoint): (u32, Checkpoint) =
        postcard::from_bytes(&bytes).map_err(|error| unreadable(error.to_string()))?;
    if format != FORMAT {
        return Err(unreadable(format!(
            "format {format}, this version reads {FORMAT}"
        )));
    }
    if let Some(difference) = difference(&checkpoint.identity, identity) {
        return Err(CheckpointError::Mismatch {
            folder: folder.to_path_buf(),
            difference,
        });
    }
    for (name, bytes) in &checkpoint.rows_bytes {
        let rows = folder.join(name);
        let file = OpenOptions::new()
            .write(true)
            .open(&rows)
            .map_err(OutputError::io(&rows, "cannot open"))?;
        let length = file
            .metadata()
            .map_err(OutputError::io(&rows, "cannot read"))?
            .len();
        if length < *bytes {
            return Err(unreadable(format!(
                "{} holds {length} bytes, fewer than the {bytes} checkpointed",
                rows.display(),
            )));
        }
        file.set_len(*bytes)
            .map_err(OutputError::io(&rows, "cannot cut back"))?;
    }
    Ok(checkpoint)
}

/// The first way `found` differs from `wanted`, for the error message.
fn difference(found: &RunIdentity, wanted: &RunIdentity) -> Option<String> {
    let describe = |what: &str, found: &dyn std::fmt::Debug, wanted: &dyn std::fmt::Debug| {
        Some(format!(
            "{what}: checkpoint {found:?}, this command {wanted:?}"
        ))
    };
    if found.version != wanted.version {
        describe("secsim version", &found.version, &wanted.version)
    } else if found.scenario_hash != wanted.scenario_hash {
        describe(
            "scenario (hash)",
            &found.scenario_hash,
            &wanted.scenario_hash,
        )
    } else if found.seed != wanted.seed {
        describe("seed", &found.seed, &wanted.seed)
    } else if found.runs != wanted.runs {
        describe("runs", &found.runs, &wanted.runs)
    } else if found.precision != wanted.precision {
        describe("precision", &found.precision, &wanted.precision)
    } else if found.streamed != wanted.streamed {
        describe("files", &found.streamed, &wanted.streamed)
    } else {
        None
    }
}

/// Removes a finished run's checkpoint.
pub fn remove(folder: &Path) {
    let _ = fs::remove_dir_all(folder);
}

/// Checkpoints as a per-block sink of a run: after a block that is due (every `every_blocks`)
/// or at which the run is interrupted, the rows so far move into the checkpoint folder and the
/// running total is written beside them. Never after the last block: that run is done.
pub struct Checkpointer {
    pub folder: PathBuf,
    pub identity: RunIdentity,
    pub every_blocks: Option<u64>,
    /// Blocks in the whole run.
    pub n_blocks: u64,
}

impl Checkpointer {
    /// Writes a checkpoint after block `blocks_done - 1` if one is due or `interrupted`.
    pub fn after_block(
        &self,
        blocks_done: u64,
        interrupted: bool,
        total: &crate::engine::Aggregate,
        streamed: &mut crate::output::rows::StreamedFiles,
    ) -> Result<(), OutputError> {
        let due = self
            .every_blocks
            .is_some_and(|every| blocks_done.is_multiple_of(every));
        if !(interrupted || due) || blocks_done == self.n_blocks {
            return Ok(());
        }
        create_folder(&self.folder)?;
        streamed.move_into(&self.folder)?;
        let rows_bytes = streamed.sync()?;
        let state = Checkpoint {
            identity: self.identity.clone(),
            blocks_done,
            every_blocks: self.every_blocks,
            rows_bytes,
            aggregate: total.clone(),
        };
        write(&self.folder, &state)
    }
}
