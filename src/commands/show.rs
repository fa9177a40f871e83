//! `secsim show`: a built-in scenario's text, byte for byte, so that
//! `secsim show niger_baseline > mine.ron` starts a scenario of one's own.

use std::process::ExitCode;

use super::{Terminal, say};
use crate::cli::ShowArgs;
use crate::scenario::library;

/// `secsim show`.
pub fn execute(args: ShowArgs, terminal: &mut Terminal) -> anyhow::Result<ExitCode> {
    let Some(builtin) = library::find(&args.name) else {
        anyhow::bail!(
            "{}: no built-in scenario has that name; they are:\n{}",
            args.name,
            library::name_list()
        );
    };
    say(terminal, builtin.text)?;
    Ok(ExitCode::SUCCESS)
}
