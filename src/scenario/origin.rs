//! Where a scenario's text comes from: a file, or the library compiled into the binary
//! ([`super::library`]). A scenario named on the command line and the base a variant
//! `extends` are both resolved here, and nowhere else.

use std::io;
use std::path::{Path, PathBuf};

use super::library::{self, BaseMatch, Builtin};
use super::{ScenarioError, read_text};

/// A scenario's text: a file, or a scenario of the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file, by the path it was named by.
    File(PathBuf),
    /// A scenario of the library compiled into the binary.
    Library(&'static Builtin),
}

impl Origin {
    /// The scenario a command-line argument names: whatever exists at that path is read as a
    /// file (a file always wins, even one named like a library scenario); else a library
    /// scenario of that name (`niger_baseline`, `backtest/mali_2022_08`, with or without
    /// `.ron`); else an error that lists the library.
    pub fn find(argument: &Path) -> Result<Origin, ScenarioError> {
        match std::fs::metadata(argument) {
            Err(cause) if cause.kind() == io::ErrorKind::NotFound => {
                match argument.to_str().and_then(library::find) {
                    Some(builtin) => Ok(Origin::Library(builtin)),
                    None => Err(ScenarioError::Unknown {
                        file: argument.to_path_buf(),
                        cause,
                    }),
                }
            }
            // Anything else there, even what cannot be read: `read_text` says what is wrong.
            _ => Ok(Origin::File(argument.to_path_buf())),
        }
    }

    /// The scenario a field of `file` names (an experiment file's `scenarios` entry), found as
    /// the base of `extends` written in `file` is ([`Origin::base`]): a file next to `file`,
    /// else a library scenario.
    pub fn named_in(file: &Path, name: &str) -> Result<Origin, ScenarioError> {
        Origin::File(file.to_path_buf())
            .base(name)
            .map_err(|(file, message)| ScenarioError::NotFound { file, message })
    }

    /// How errors name it: the file's path, or `NAME (built in)`.
    pub fn label(&self) -> PathBuf {
        match self {
            Origin::File(file) => file.clone(),
            Origin::Library(builtin) => builtin_label(builtin.name),
        }
    }

    /// The library name, for a library scenario.
    pub fn library_name(&self) -> Option<&'static str> {
        match self {
            Origin::File(_) => None,
            Origin::Library(builtin) => Some(builtin.name),
        }
    }

    /// The text, read through [`read_text`] for a file.
    pub fn text(&self) -> Result<String, ScenarioError> {
        match self {
            Origin::File(file) => read_text(file),
            Origin::Library(builtin) => Ok(builtin.text.to_owned()),
        }
    }

    /// The same source with a file's path made canonical, to recognise a cycle of `extends`.
    pub(crate) fn canonical(&self) -> io::Result<Origin> {
        match self {
            Origin::File(file) => file.canonicalize().map(Origin::File),
            Origin::Library(_) => Ok(self.clone()),
        }
    }

    /// The base that `extends`, written in this source, names. From a file: the file at that
    /// path relative to its folder when there is one, else the library scenario it names
    /// ([`library::find_base`]). From the library: the library scenario at that path relative
    /// to this one's, never a file, so that files in the working folder cannot change a
    /// library scenario. On failure, the base as tried and why it is not there.
    pub(crate) fn base(&self, extends: &str) -> Result<Origin, (PathBuf, String)> {
        match self {
            Origin::File(file) => {
                let folder = file.parent().unwrap_or_else(|| Path::new("."));
                let candidate = folder.join(extends);
                let cause = match std::fs::metadata(&candidate) {
                    Err(cause) if cause.kind() == io::ErrorKind::NotFound => cause,
                    _ => return Ok(Origin::File(candidate)),
                };
                match library::find_base(extends) {
                    BaseMatch::Found(builtin) => Ok(Origin::Library(builtin)),
                    BaseMatch::Ambiguous(names) => Err((
                        candidate,
                        format!(
                            "cannot read the base: {cause}, and several built-in scenarios have that file name ({}): name one by its library name",
                            names.join(", ")
                        ),
                    )),
                    BaseMatch::None => Err((
                        candidate,
                        format!(
                            "cannot read the base: {cause}, and no built-in scenario has that name (`secsim scenarios` lists them)"
                        ),
                    )),
                }
            }
            Origin::Library(builtin) => {
                let name = library::relative_name(builtin, extends);
                match name.as_deref().and_then(library::find) {
                    Some(base) => Ok(Origin::Library(base)),
                    None => Err((
                        builtin_label(name.as_deref().unwrap_or(extends)),
                        format!("no built-in scenario at {extends:?} from {}", builtin.name),
                    )),
                }
            }
        }
    }
}

/// How errors name a library scenario.
fn builtin_label(name: &str) -> PathBuf {
    PathBuf::from(format!("{name} (built in)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_wins_over_a_library_name() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("niger_baseline");
        std::fs::write(&file, "Scenario()").unwrap();
        assert_eq!(Origin::find(&file).unwrap(), Origin::File(file));
        let absent = folder.path().join("niger_baseline.ron");
        assert!(matches!(
            Origin::find(&absent),
            Err(ScenarioError::Unknown { .. })
        ));
        let named = Origin::find(Path::new("niger_baseline.ron")).unwrap();
        assert_eq!(named.library_name(), Some("niger_baseline"));
        assert_eq!(named.label(), PathBuf::from("niger_baseline (built in)"));
    }

    #[test]
    fn an_unknown_name_lists_the_library() {
        let error = Origin::find(Path::new("niger_baselin")).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("niger_baselin: cannot read: "),
            "{message}"
        );
        for name in library::names() {
            assert!(
                message.contains(&format!("\n  {name}")),
                "{name}: {message}"
            );
        }
    }

    #[test]
    fn every_library_scenario_loads_and_hashes_as_its_file() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        for builtin in library::SCENARIOS {
            let named = super::super::load_origin(&Origin::Library(builtin))
                .unwrap_or_else(|error| panic!("{error}"));
            let file = super::super::load(&root.join(format!("{}.ron", builtin.name)))
                .unwrap_or_else(|error| panic!("{error}"));
            assert_eq!(named.hash, file.hash, "{}", builtin.name);
            assert_eq!(named.library, Some(builtin.name));
            assert_eq!(file.library, None);
        }
    }

    #[test]
    fn errors_in_library_text_name_it_as_built_in() {
        static BROKEN: Builtin = Builtin {
            name: "somewhere/broken",
            text: "Scenario(\n    name: \"broken\",\n    horizon: [,\n)",
        };
        let message = super::super::parse_origin(&Origin::Library(&BROKEN))
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("somewhere/broken (built in):3:"),
            "{message}"
        );
        static ORPHAN: Builtin = Builtin {
            name: "somewhere/orphan",
            text: "Scenario(extends: \"../nothing.ron\", name: \"orphan\")",
        };
        let message = super::super::parse_origin(&Origin::Library(&ORPHAN))
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with(
                "somewhere/orphan (built in): extends nothing (built in): no built-in scenario"
            ),
            "{message}"
        );
    }

    #[test]
    fn a_library_variant_extends_within_the_library() {
        let loco = Origin::Library(library::find("backtest/types/mali_2022_08_loco").unwrap());
        assert_eq!(
            loco.base("mali_2022_08_types.ron").unwrap().library_name(),
            Some("backtest/types/mali_2022_08_types")
        );
        let (tried, message) = loco.base("../nothing.ron").unwrap_err();
        assert_eq!(tried, PathBuf::from("backtest/nothing (built in)"));
        assert!(message.contains("nothing.ron"), "{message}");
    }

    #[test]
    fn a_file_extends_a_file_next_to_it_before_the_library() {
        let folder = tempfile::tempdir().unwrap();
        let mine = Origin::File(folder.path().join("mine.ron"));
        assert_eq!(
            mine.base("niger_realignment.ron").unwrap().library_name(),
            Some("niger_realignment")
        );
        let next_to_it = folder.path().join("niger_realignment.ron");
        std::fs::write(&next_to_it, "Scenario()").unwrap();
        assert_eq!(
            mine.base("niger_realignment.ron").unwrap(),
            Origin::File(next_to_it)
        );
        let (tried, message) = mine.base("mali_2022_08_loco.ron").unwrap_err();
        assert_eq!(tried, folder.path().join("mali_2022_08_loco.ron"));
        assert!(
            message.contains("backtest/types/mali_2022_08_loco"),
            "{message}"
        );
    }
}
