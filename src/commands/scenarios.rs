//! `secsim scenarios`: the scenarios built into the binary ([`crate::scenario::library`]), one
//! a line, with the first sentence of its description.

use std::process::ExitCode;

use super::{Terminal, say};
use crate::scenario::{self, Origin, library};

/// `secsim scenarios`.
pub fn execute(terminal: &mut Terminal) -> anyhow::Result<ExitCode> {
    let mut rows = Vec::with_capacity(library::SCENARIOS.len());
    for builtin in library::SCENARIOS {
        // Parsed, not just read: a variant without a description of its own has its base's.
        let raw = scenario::parse_origin(&Origin::Library(builtin))?;
        rows.push((
            builtin.name,
            library::first_sentence(&raw.description).to_owned(),
        ));
    }
    let width = rows.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    let mut text = String::new();
    for (name, description) in rows {
        text.push_str(format!("{name:<width$}  {description}").trim_end());
        text.push('\n');
    }
    say(terminal, &text)?;
    Ok(ExitCode::SUCCESS)
}
