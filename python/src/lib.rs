//! secsim's commands for Python, run in-process: the extension module `secsim._secsim`.
//!
//! It holds no simulation logic of its own: [`execute`] parses the very arguments the `secsim`
//! binary would get into the same [`Cli`] and calls the same [`commands::execute`], so results
//! are the binary's, file for file and number for number. The Python package (`secsim/`) builds
//! the arguments and reads the results folder.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use clap::Parser;
use clap::error::ErrorKind;
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use secsim::cli::Cli;
use secsim::commands::{
    self, EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_OUTPUT_FAILED, Invocation,
    Terminal,
};
use secsim::scenario::ScenarioError as LoadError;

create_exception!(
    _secsim,
    ScenarioError,
    PyValueError,
    "Bad input: what the secsim binary reports with exit code 2, with the same message."
);

/// How often a running command looks for Ctrl-C: often enough to feel immediate, rarely enough
/// to cost nothing.
const SIGNAL_POLL: Duration = Duration::from_millis(100);

/// A command's thread gets the stack of a main thread, as in the binary (deeply nested RON is
/// refused long before, but the parser and the charts should not see a smaller stack here).
const COMMAND_STACK_BYTES: usize = 8 * 1024 * 1024;

/// Runs `secsim ARGS...` in-process with the GIL released: returns the exit code and what the
/// command printed on stdout and stderr, or raises `ScenarioError` with the message the binary
/// prints (`error: ...` without the prefix) for a usage error or a failed command. Ctrl-C stops
/// the command where it stops the binary (a run at the end of a group of blocks) and raises
/// `KeyboardInterrupt`.
#[pyfunction]
fn execute(py: Python<'_>, args: Vec<String>) -> PyResult<(u8, String, String)> {
    let started_at = SystemTime::now();
    let command_line: Vec<String> = std::iter::once("secsim".to_owned()).chain(args).collect();
    let cli = match Cli::try_parse_from(&command_line) {
        Ok(cli) => cli,
        // `--help` and `--version` are answers, not errors.
        Err(error)
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            return Ok((0, error.render().to_string(), String::new()));
        }
        Err(error) => {
            let text = error.render().to_string();
            let message = text.trim_end().trim_start_matches("error: ");
            return Err(ScenarioError::new_err(message.to_owned()));
        }
    };
    let interrupt = AtomicBool::new(false);
    let invocation = Invocation {
        started_at,
        command_line,
        interrupt: Some(&interrupt),
    };
    let finished = py.detach(|| run_watching_signals(cli, &invocation, &interrupt));
    let Finished {
        result,
        stdout,
        stderr,
        signal,
    } = finished?;
    if let Some(signal) = signal {
        return Err(signal);
    }
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    match result {
        Ok(code) => Ok((exit_code_number(code), stdout, stderr)),
        Err(error) => Err(to_python_error(py, &error)),
    }
}

/// What a command left behind.
struct Finished {
    result: anyhow::Result<ExitCode>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// The exception a signal handler raised while the command ran (KeyboardInterrupt).
    signal: Option<PyErr>,
}

/// Runs the command on a thread of its own while this one, holding no GIL, looks for signals
/// every [`SIGNAL_POLL`]: Python runs its signal handlers only on the main thread with the GIL,
/// so without this Ctrl-C would wait for the end of the run.
fn run_watching_signals(
    cli: Cli,
    invocation: &Invocation,
    interrupt: &AtomicBool,
) -> PyResult<Finished> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("secsim-command".to_owned())
            .stack_size(COMMAND_STACK_BYTES)
            .spawn_scoped(scope, || {
                let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
                let mut terminal = Terminal {
                    stdout: &mut stdout,
                    stderr: &mut stderr,
                };
                let result = commands::execute(cli.command, invocation, &mut terminal);
                (result, stdout, stderr)
            })
            .map_err(|error| {
                PyRuntimeError::new_err(format!("cannot start the command's thread: {error}"))
            })?;
        let mut signal = None;
        while !worker.is_finished() {
            std::thread::sleep(SIGNAL_POLL);
            if signal.is_none()
                && let Err(raised) = Python::attach(|py| py.check_signals())
            {
                interrupt.store(true, Ordering::SeqCst);
                signal = Some(raised);
            }
        }
        let (result, stdout, stderr) = worker.join().map_err(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            PyRuntimeError::new_err(format!("secsim panicked (a bug, please report it): {what}"))
        })?;
        Ok(Finished {
            result,
            stdout,
            stderr,
            signal,
        })
    })
}

/// The number behind an [`ExitCode`], which std does not expose: secsim's commands return
/// success or one of its codes; anything else would be a failure of unknown kind, so 1.
fn exit_code_number(code: ExitCode) -> u8 {
    if code == ExitCode::SUCCESS {
        return 0;
    }
    [
        EXIT_CHECK_FAILED,
        EXIT_BAD_INPUT,
        EXIT_OUTPUT_FAILED,
        EXIT_INTERRUPTED,
    ]
    .into_iter()
    .find(|&number| code == ExitCode::from(number))
    .unwrap_or(1)
}

/// `ScenarioError` with the message the binary prints (`{error:#}`) and, when the chain holds a
/// scenario file's error, where: `file`, `line` and `column` (None when not known), and
/// `problems`, the validation problems as `(field path, message)` pairs.
fn to_python_error(py: Python<'_>, error: &anyhow::Error) -> PyErr {
    let raised = ScenarioError::new_err(format!("{error:#}"));
    let load_error = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<LoadError>());
    let (file, line, column, problems) = match load_error.map(innermost) {
        Some(LoadError::Syntax {
            file, line, column, ..
        })
        | Some(LoadError::NotText {
            file, line, column, ..
        }) => (Some(file), Some(*line), Some(*column), Vec::new()),
        Some(LoadError::Invalid { file, problems }) => (
            Some(file),
            None,
            None,
            problems
                .iter()
                .map(|problem| (problem.path.clone(), problem.message.clone()))
                .collect(),
        ),
        Some(
            LoadError::Io { file, .. }
            | LoadError::TooLarge { file, .. }
            | LoadError::Variant { file, .. }
            | LoadError::Within { file, .. }
            | LoadError::Unknown { file, .. }
            | LoadError::NotFound { file, .. },
        ) => (Some(file), None, None, Vec::new()),
        None => (None, None, None, Vec::new()),
    };
    let value = raised.value(py);
    // Setting an attribute on a fresh exception object does not fail; were it to, the message
    // alone still says everything.
    let _ = value.setattr("file", file.map(|file| file.display().to_string()));
    let _ = value.setattr("line", line);
    let _ = value.setattr("column", column);
    let _ = value.setattr("problems", problems);
    raised
}

/// The error of the file that is actually at fault: an experiment's base scenario's, not the
/// experiment's.
fn innermost(error: &LoadError) -> &LoadError {
    match error {
        LoadError::Within { cause, .. } => innermost(cause),
        other => other,
    }
}

/// secsim's version, as `secsim --version` prints it.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _secsim(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(execute, module)?)?;
    module.add_function(wrap_pyfunction!(version, module)?)?;
    module.add("ScenarioError", module.py().get_type::<ScenarioError>())?;
    Ok(())
}
