//! The commands of `secsim`, one module each. A command wires a scenario, the engine and the
//! writers together: it resolves its arguments ([`options`]), runs the engine with the per-block
//! sinks it needs, hands the results to `output`'s writers and reports on the [`Terminal`].
//!
//! This is the only layer that both runs the engine and writes files: `output` never runs the
//! engine and the engine never writes. `main.rs` parses the command line and calls [`execute`].

pub mod baseline;
pub mod batch;
pub mod calibrate;
pub mod check;
pub mod compare;
pub mod discover;
pub mod merge;
pub mod options;
pub mod run;
pub mod scenarios;
pub mod score;
pub mod selftest;
pub mod sensitivity;
pub mod show;
pub mod validate;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::SystemTime;

use crate::cli::Command;
use crate::engine::budget::BudgetError;
use crate::output::OutputError;
use crate::output::checkpoint::CheckpointError;
use crate::output::part::MergeError;

pub use options::RunOptions;

/// Exit code for a check that found a problem (`check`, `selftest`).
pub const EXIT_CHECK_FAILED: u8 = 1;
/// Exit code for bad usage or input (clap uses it for usage errors too).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code when standard output cannot be written (a full disk, a closed file); the BSD
/// `EX_IOERR`. A closed pipe (`| head`) is not an error: the command ends quietly with 0.
pub const EXIT_OUTPUT_FAILED: u8 = 74;
/// Exit code for a run stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// What a command knows of how it was started: read by the binary, since the library reads
/// neither the clock nor the command line nor the signals itself.
pub struct Invocation<'a> {
    /// When the process started, for `manifest.json`.
    pub started_at: SystemTime,
    /// The command line as typed, for `manifest.json` and the resume hint.
    pub command_line: Vec<String>,
    /// Set by a signal handler: stop at the next block boundary.
    pub interrupt: Option<&'a AtomicBool>,
}

/// Where a command reports to: results on `stdout`, diagnostics on `stderr`. Every write goes
/// through here, so that a closed or failing stdout is an error to handle, never a panic.
pub struct Terminal<'a> {
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

/// Runs `command`.
pub fn execute(
    command: Command,
    invocation: &Invocation,
    terminal: &mut Terminal,
) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run(args) => run::execute(args, invocation, terminal),
        Command::Scenarios => scenarios::execute(terminal),
        Command::Show(args) => show::execute(args, terminal),
        Command::Merge(args) => merge::execute(args, invocation, terminal),
        Command::Validate(args) => validate::execute(args, terminal),
        Command::Compare(args) => compare::execute(args, invocation, terminal),
        Command::Batch(args) => batch::execute(args, invocation, terminal),
        Command::Sensitivity(args) => sensitivity::execute(args, invocation, terminal),
        Command::Baseline(args) => baseline::execute(args, terminal),
        Command::Check(args) => check::execute(args, terminal),
        Command::Selftest(args) => selftest::execute(args, invocation, terminal),
        Command::Score(args) => score::execute(args, invocation, terminal),
        Command::Calibrate(args) => calibrate::execute(args, invocation, terminal),
        Command::Discover(args) => discover::execute(args, invocation, terminal),
    }
}

/// Exit code 0 when `passed`, else [`EXIT_CHECK_FAILED`].
pub fn exit_code(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_CHECK_FAILED)
    }
}

/// Why a command could not produce its results.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Budget(#[from] BudgetError),
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error(
        "interrupted after {runs_done} of {runs} runs; the work done is kept in {checkpoint}",
        checkpoint = checkpoint.display()
    )]
    Interrupted {
        runs_done: u64,
        runs: u64,
        checkpoint: PathBuf,
    },
    #[error("interrupted: shard {index}/{count} was not written; run it again")]
    ShardInterrupted { index: u64, count: u64 },
    #[error("cannot start {threads} worker threads: {source}")]
    Threads {
        threads: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

/// A rayon pool of `threads` threads (all cores when `None`).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, RunError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|source| RunError::Threads {
            threads: threads.unwrap_or(0),
            source,
        })
}

/// Whether an error (anywhere in its chain) is a write to a closed pipe: the reader went away
/// (`secsim check ... | head -1`), which ends the command quietly rather than as a failure.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Marks an error as a failure to write standard output, so that the binary exits with
/// [`EXIT_OUTPUT_FAILED`].
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(#[source] pub io::Error);

/// Writes `text` to the terminal's stdout.
pub fn say(terminal: &mut Terminal, text: &str) -> Result<(), StdoutError> {
    terminal
        .stdout
        .write_all(text.as_bytes())
        .and_then(|()| terminal.stdout.flush())
        .map_err(StdoutError)
}

/// Writes `text` to the terminal's stderr; a failing stderr has nowhere to be reported, so it
/// is ignored.
pub fn note(terminal: &mut Terminal, text: &str) {
    let _ = terminal.stderr.write_all(text.as_bytes());
}
