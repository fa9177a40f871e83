//! `manifest.json`: how an output folder was made. secsim's version and git commit, the input
//! files with their hashes, seed, runs, threads, the command line, the platform, and when the
//! command started and finished.
//!
//! It is the only output file with timestamps or thread counts, so it differs between reruns by
//! design; every other file stays byte-identical. The library never reads the command line:
//! the binary passes it, with the start time, in a [`Provenance`]. The finish time is read here,
//! when the folder is complete, because only the output layer knows that moment.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::experiment::file::Experiment;
use crate::output::OutputError;
use crate::scenario::Scenario;

/// File name of the manifest in every output folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The git commit secsim was built from (recorded by `build.rs`), or "unknown" when it was not
/// built from a git checkout.
pub const GIT_COMMIT: &str = env!("SECSIM_GIT_COMMIT");

/// What the binary knows about the command that the library does not: it is passed down to
/// every function that writes an output folder.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The subcommand (`run`, `compare`, `batch`, `sensitivity`, `selftest`).
    pub command: String,
    /// The whole command line, program name first (`std::env::args`).
    pub command_line: Vec<String>,
    /// When the command started.
    pub started: SystemTime,
    /// Input files as named on the command line: the scenario (`run`, `sensitivity`), the
    /// experiment (`batch`), or every scenario in order (`compare`).
    pub input_files: Vec<PathBuf>,
}

impl Provenance {
    /// The same invocation, for an output folder made from one of its input files (a
    /// comparison's scenario sub-folder).
    pub fn for_input(&self, file: &Path) -> Provenance {
        Provenance {
            input_files: vec![file.to_path_buf()],
            ..self.clone()
        }
    }

    /// The first input file, if the command named one.
    pub fn first_input(&self) -> Option<&Path> {
        self.input_files.first().map(PathBuf::as_path)
    }
}

/// One input of an output folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// `scenario` or `experiment`.
    pub kind: &'static str,
    /// The file as named on the command line; None when the library was called without one,
    /// or when the scenario is one of secsim's own (`library`).
    pub file: Option<PathBuf>,
    /// The name of secsim's built-in scenario it is (`secsim run niger_baseline`), when it is
    /// one: compiled into the binary, so `secsim_version` and `git_commit` say which text.
    pub library: Option<String>,
    /// The scenario's or experiment's `name`.
    pub name: String,
    /// A scenario's hash (SHA-256 of its canonical text), or an experiment's
    /// ([`Experiment::hash`]: from its base scenarios' hashes, its parameters' paths and its
    /// points' values), which changes exactly when some point's scenario does.
    pub hash: String,
}

impl Input {
    /// A scenario input; `file` is left out for a scenario loaded from the library, whose
    /// argument (`niger_baseline`) names no file.
    pub fn scenario(file: Option<&Path>, scenario: &Scenario) -> Input {
        Input {
            kind: "scenario",
            file: file
                .filter(|_| scenario.library.is_none())
                .map(Path::to_path_buf),
            library: scenario.library.map(str::to_owned),
            name: scenario.name.clone(),
            hash: scenario.hash.clone(),
        }
    }

    /// An experiment input.
    pub fn experiment(file: Option<&Path>, experiment: &Experiment) -> Input {
        Input {
            kind: "experiment",
            file: file.map(Path::to_path_buf),
            library: None,
            name: experiment.name.clone(),
            hash: experiment.hash(),
        }
    }
}

/// What an output folder holds, as the function writing it knows it.
#[derive(Debug, Clone)]
pub struct Contents {
    /// The scenarios or experiment the folder comes from.
    pub inputs: Vec<Input>,
    /// The master seed.
    pub seed: u64,
    /// Replications per scenario or design point.
    pub runs: u64,
    /// Scenarios or design points run, each with `runs` replications.
    pub points: u64,
    /// Worker threads actually used.
    pub threads: usize,
}

impl Contents {
    /// The contents of a folder of one scenario's `runs` replications.
    pub fn single(
        provenance: &Provenance,
        scenario: &Scenario,
        seed: u64,
        runs: u64,
        threads: usize,
    ) -> Contents {
        Contents {
            inputs: vec![Input::scenario(provenance.first_input(), scenario)],
            seed,
            runs,
            points: 1,
            threads,
        }
    }
}

/// The manifest document.
pub fn manifest_json(contents: &Contents, provenance: &Provenance, finished: SystemTime) -> Value {
    let inputs: Vec<Value> = contents
        .inputs
        .iter()
        .map(|input| {
            json!({
                "kind": input.kind,
                "file": input.file.as_ref().map(|file| file.to_string_lossy().into_owned()),
                "library": input.library,
                "name": input.name,
                "hash": input.hash,
            })
        })
        .collect();
    json!({
        "secsim_version": env!("CARGO_PKG_VERSION"),
        "git_commit": GIT_COMMIT,
        "command": provenance.command,
        "inputs": inputs,
        "seed": contents.seed,
        "runs": contents.runs,
        "points": contents.points,
        "threads": contents.threads,
        "command_line": provenance.command_line,
        "platform": {
            "os": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
        },
        "started": rfc3339(provenance.started),
        "finished": rfc3339(finished),
    })
}

/// The input names recorded in `folder`'s `manifest.json`, None when it has no readable one.
pub fn input_names(folder: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(folder.join(MANIFEST_FILE)).ok()?;
    let manifest: Value = serde_json::from_str(&text).ok()?;
    manifest["inputs"]
        .as_array()?
        .iter()
        .map(|input| input["name"].as_str().map(str::to_owned))
        .collect()
}

/// Writes `manifest.json` into `folder`, finished now.
pub fn write(
    folder: &Path,
    contents: &Contents,
    provenance: &Provenance,
) -> Result<(), OutputError> {
    let path = folder.join(MANIFEST_FILE);
    let mut text =
        serde_json::to_string_pretty(&manifest_json(contents, provenance, SystemTime::now()))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(OutputError::io(&path, "cannot write"))
}

/// A time as RFC 3339 in UTC with milliseconds, `2025-05-01T12:34:56.789Z`. Times before 1970
/// (a badly set clock) follow the proleptic Gregorian calendar like any other; a clock set
/// beyond jiff's years -9999..=9999 is shown as the nearest end of that range.
pub fn rfc3339(time: SystemTime) -> String {
    let timestamp = Timestamp::try_from(time).unwrap_or(if time < UNIX_EPOCH {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    });
    // A precision of 3: always three digits of the second, truncated, never rounded up.
    format!("{timestamp:.3}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(seconds: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_millis(millis)
    }

    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // `date -u -d @951782400`: the leap day of a century year divisible by 400.
        assert_eq!(rfc3339(at(951_782_400, 0)), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(at(1_746_102_896, 789)), "2025-05-01T12:34:56.789Z");
        assert_eq!(rfc3339(at(4_102_444_799, 999)), "2099-12-31T23:59:59.999Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH - Duration::from_secs(1)),
            "1969-12-31T23:59:59.000Z"
        );
        // 1900 is not a leap year: 365 * 70 + 17 days before the epoch.
        assert_eq!(
            rfc3339(UNIX_EPOCH - Duration::from_secs(2_208_988_800)),
            "1900-01-01T00:00:00.000Z"
        );
        // Truncated, not rounded: the last nanosecond of a second stays in it.
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::new(1_746_102_896, 999_999_999)),
            "2025-05-01T12:34:56.999Z"
        );
    }

    #[test]
    fn a_clock_beyond_year_9999_is_clamped_not_a_panic() {
        let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
        assert!(rfc3339(far).starts_with("9999-12-"), "{}", rfc3339(far));
        let long_ago = UNIX_EPOCH - Duration::from_secs(400_000_000_000);
        assert!(
            rfc3339(long_ago).starts_with("-009999-"),
            "{}",
            rfc3339(long_ago)
        );
    }

    #[test]
    fn the_git_commit_is_a_commit_id_or_unknown() {
        assert!(
            GIT_COMMIT == "unknown"
                || (matches!(GIT_COMMIT.len(), 40 | 64)
                    && GIT_COMMIT.bytes().all(|byte| byte.is_ascii_hexdigit())),
            "{GIT_COMMIT}"
        );
    }
}
