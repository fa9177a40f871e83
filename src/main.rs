//! The `secsim` command: parse options, run the command, exit code.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::SystemTime;

use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};

use secsim::cli::Cli;
use secsim::commands::{
    self, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OUTPUT_FAILED, Invocation, StdoutError, Terminal,
};

fn main() -> ExitCode {
    // Read before anything else, for manifest.json: the library reads neither the clock nor
    // the command line.
    let started_at = SystemTime::now();
    let cli = Cli::parse();
    let interrupt = Arc::new(AtomicBool::new(false));
    if let Err(error) = register_signals(&interrupt) {
        eprintln!("error: cannot register signal handlers: {error}");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let invocation = Invocation {
        started_at,
        command_line: std::env::args_os()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect(),
        interrupt: Some(&interrupt),
    };
    let (mut stdout, mut stderr) = (std::io::stdout().lock(), std::io::stderr());
    let mut terminal = Terminal {
        stdout: &mut stdout,
        stderr: &mut stderr,
    };
    match commands::execute(cli.command, &invocation, &mut terminal) {
        Ok(code) => code,
        // The reader of our output went away (`| head`): nothing is wrong with the results.
        Err(error) if commands::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) if error.downcast_ref::<StdoutError>().is_some() => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_OUTPUT_FAILED)
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// The first SIGINT or SIGTERM asks the run to stop at the next block (with a checkpoint,
/// unless it is a shard); a second one, while the first is being honoured, ends the process.
fn register_signals(interrupt: &Arc<AtomicBool>) -> std::io::Result<()> {
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(
            signal,
            i32::from(EXIT_INTERRUPTED),
            Arc::clone(interrupt),
        )?;
        signal_hook::flag::register(signal, Arc::clone(interrupt))?;
    }
    Ok(())
}
