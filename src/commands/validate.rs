//! `secsim validate`: checks scenario and experiment files without running them.

use std::path::Path;
use std::process::ExitCode;

use super::{EXIT_BAD_INPUT, Terminal, note, say};
use crate::cli::ValidateArgs;
use crate::experiment::file as experiment;
use crate::scenario;

/// `secsim validate`.
pub fn execute(args: ValidateArgs, terminal: &mut Terminal) -> anyhow::Result<ExitCode> {
    if args.resolved {
        let [file] = args.files.as_slice() else {
            anyhow::bail!(
                "--resolved takes exactly one file, got {}",
                args.files.len()
            );
        };
        let scenario = scenario::load_named(file)?;
        say(
            terminal,
            &format!("{}\n", scenario::canonical_text(&scenario.raw)),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut all_valid = true;
    for file in &args.files {
        let checked = if is_experiment_file(file) {
            experiment::load_experiment(file).map(|experiment| {
                format!(
                    "experiment {}, {} points of {} runs",
                    experiment.name,
                    experiment.points.len(),
                    experiment.runs
                )
            })
        } else {
            scenario::load_named(file).map(|scenario| {
                for warning in &scenario.warnings {
                    note(
                        terminal,
                        &format!("warning: {}: {warning}\n", file.display()),
                    );
                }
                scenario.name
            })
        };
        match checked {
            Ok(summary) => say(terminal, &format!("{}: ok ({summary})\n", file.display()))?,
            Err(error) => {
                all_valid = false;
                note(terminal, &format!("error: {error}\n"));
            }
        }
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

/// Whether a file holds an experiment rather than a scenario (unreadable files count as
/// scenarios, whose loader reports why they cannot be read).
fn is_experiment_file(file: &Path) -> bool {
    scenario::read_text(file).is_ok_and(|text| experiment::is_experiment(&text))
}
