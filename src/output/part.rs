//! Shards and merge: `secsim run --shard K/M` writes a part folder; `secsim merge` turns the M
//! parts into the results folder a single `secsim run` would have written, byte for byte.
//!
//! A part folder holds:
//! - `part.json`: what the part is (scenario, hash, seed, runs, shard K of M, the blocks it
//!   covers, secsim version); merging checks every part against the others with it;
//! - `scenario.ron`: the resolved scenario (variants expanded), so that merging needs no input
//!   files;
//! - `part.bin`: the shard's summaries, with each block's own moments ([`engine::Partial`]);
//! - `outcomes.csv`: the shard's rows of the run's `outcomes.csv`, header included;
//! - `manifest.json`.
//!
//! A batch is sharded by design points instead (`secsim batch --shard K/M`); each point is run
//! whole in one part, so its summaries are already final. A batch part holds `layout.json` (what
//! the merged tables and charts need of the experiment), `part.bin` (its points' summaries), and
//! its rows of `experiments.csv` and `runs.csv`.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::Shard;
use crate::output::{OutputError, StagedDir};
use crate::scenario::{self, Scenario};

/// File names inside a part folder.
pub const PART_FILE: &str = "part.json";
pub const STATE_FILE: &str = "part.bin";
pub const SCENARIO_FILE: &str = "scenario.ron";
/// A batch part's stand-in for the scenario: the experiment's [`crate::output::batch::Layout`].
pub const LAYOUT_FILE: &str = "layout.json";

/// Bumped whenever a part's layout changes.
const FORMAT: u32 = 2;

/// What a part is; two parts merge only if everything but `shard` and `items` agrees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInfo {
    pub format: u32,
    /// `run` (shards of replication blocks) or `batch` (shards of design points).
    pub kind: String,
    pub secsim_version: String,
    pub name: String,
    pub hash: String,
    pub seed: u64,
    /// Replications of the whole run (per design point, for a batch).
    pub runs: u64,
    /// This part is shard `shard` of `shards`.
    pub shard: u64,
    pub shards: u64,
    /// Blocks (run) or design points (batch) in this part: `[first, end)`.
    pub items: [u64; 2],
}

impl PartInfo {
    /// The description of shard `shard` of a `kind` (`run` or `batch`) covering `items`.
    pub fn new(
        kind: &str,
        name: &str,
        hash: &str,
        seed: u64,
        runs: u64,
        shard: Shard,
        items: std::ops::Range<u64>,
    ) -> PartInfo {
        PartInfo {
            format: FORMAT,
            kind: kind.to_owned(),
            secsim_version: env!("CARGO_PKG_VERSION").to_owned(),
            name: name.to_owned(),
            hash: hash.to_owned(),
            seed,
            runs,
            shard: shard.index,
            shards: shard.count,
            items: [items.start, items.end],
        }
    }
}

/// Why parts cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{folder}: not a secsim part folder (no {PART_FILE}; parts are written by `secsim run --shard K/M`)", folder = folder.display())]
    NotAPart { folder: PathBuf },
    #[error("{file}: cannot read the part: {cause}", file = file.display())]
    Unreadable { file: PathBuf, cause: String },
    #[error(
        "{folder}: {what} is {this}, but {first_folder} has {first}; parts of one merge must come from the same scenario, seed, runs, shard count and secsim version",
        folder = folder.display(),
        first_folder = first_folder.display()
    )]
    Different {
        folder: PathBuf,
        first_folder: PathBuf,
        what: &'static str,
        this: String,
        first: String,
    },
    #[error(
        "shard {shard} of {shards} is given twice: {first} and {second}",
        first = first.display(),
        second = second.display()
    )]
    Duplicate {
        shard: u64,
        shards: u64,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(
        "missing shard{plural} {list} of {shards}: rerun {commands} and merge again",
        plural = if missing.len() == 1 { "" } else { "s" },
        list = join(missing),
        commands = missing.iter().map(|k| format!("--shard {k}/{shards}")).collect::<Vec<_>>().join(", ")
    )]
    Missing { missing: Vec<u64>, shards: u64 },
    #[error("{file}: the part does not match its own part.json ({cause})", file = file.display())]
    Inconsistent { file: PathBuf, cause: String },
}

fn join(numbers: &[u64]) -> String {
    let texts: Vec<String> = numbers.iter().map(u64::to_string).collect();
    texts.join(", ")
}

/// Writes a part's `part.json`, its input (`source_name`) and its summaries.
pub fn write_part_files<T: Serialize>(
    staged: &StagedDir,
    info: &PartInfo,
    source_name: &str,
    source: &str,
    state: &T,
) -> Result<(), OutputError> {
    let scenario_path = staged.path().join(source_name);
    fs::write(&scenario_path, source).map_err(OutputError::io(&scenario_path, "cannot write"))?;
    let state_path = staged.path().join(STATE_FILE);
    let bytes = postcard::to_stdvec(state).map_err(|error| OutputError::Io {
        path: state_path.clone(),
        message: "cannot encode",
        cause: std::io::Error::other(error),
    })?;
    fs::write(&state_path, bytes).map_err(OutputError::io(&state_path, "cannot write"))?;
    let info_path = staged.path().join(PART_FILE);
    let mut text = serde_json::to_string_pretty(info)?;
    text.push('\n');
    fs::write(&info_path, text).map_err(OutputError::io(&info_path, "cannot write"))
}

/// A part folder's `part.json`.
fn read_info(folder: &Path) -> Result<PartInfo, MergeError> {
    let path = folder.join(PART_FILE);
    if !path.is_file() {
        return Err(MergeError::NotAPart {
            folder: folder.to_path_buf(),
        });
    }
    let text = fs::read_to_string(&path).map_err(OutputError::io(&path, "cannot read"))?;
    let info: PartInfo = serde_json::from_str(&text).map_err(|error| MergeError::Unreadable {
        file: path.clone(),
        cause: error.to_string(),
    })?;
    if info.format != FORMAT {
        return Err(MergeError::Unreadable {
            file: path,
            cause: format!("part format {}, this secsim reads {FORMAT}", info.format),
        });
    }
    Ok(info)
}

/// Reads every part's `part.json`, checks they are the M shards of one run, and returns them
/// in shard order.
pub fn read_infos(folders: &[PathBuf]) -> Result<Vec<(PathBuf, PartInfo)>, MergeError> {
    let mut parts = Vec::with_capacity(folders.len());
    for folder in folders {
        parts.push((folder.clone(), read_info(folder)?));
    }
    let Some((first_folder, first)) = parts.first().cloned() else {
        return Err(MergeError::Missing {
            missing: Vec::new(),
            shards: 0,
        });
    };
    for (folder, info) in &parts[1..] {
        let fields: [(&'static str, String, String); 6] = [
            ("the kind", info.kind.clone(), first.kind.clone()),
            (
                "the secsim version",
                info.secsim_version.clone(),
                first.secsim_version.clone(),
            ),
            (
                "the scenario hash",
                format!("{} ({})", info.hash, info.name),
                format!("{} ({})", first.hash, first.name),
            ),
            ("the seed", info.seed.to_string(), first.seed.to_string()),
            (
                "the run count",
                info.runs.to_string(),
                first.runs.to_string(),
            ),
            (
                "the shard count",
                info.shards.to_string(),
                first.shards.to_string(),
            ),
        ];
        if let Some((what, this, first)) = fields.into_iter().find(|(_, a, b)| a != b) {
            return Err(MergeError::Different {
                folder: folder.clone(),
                first_folder: first_folder.clone(),
                what,
                this,
                first,
            });
        }
    }
    parts.sort_by_key(|(_, info)| info.shard);
    for pair in parts.windows(2) {
        if pair[0].1.shard == pair[1].1.shard {
            return Err(MergeError::Duplicate {
                shard: pair[0].1.shard,
                shards: first.shards,
                first: pair[0].0.clone(),
                second: pair[1].0.clone(),
            });
        }
    }
    let missing: Vec<u64> = (1..=first.shards)
        .filter(|k| !parts.iter().any(|(_, info)| info.shard == *k))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            missing,
            shards: first.shards,
        });
    }
    Ok(parts)
}

pub fn read_state<T: for<'de> Deserialize<'de>>(folder: &Path) -> Result<T, MergeError> {
    let path = folder.join(STATE_FILE);
    let bytes = fs::read(&path).map_err(OutputError::io(&path, "cannot read"))?;
    postcard::from_bytes(&bytes).map_err(|error| MergeError::Unreadable {
        file: path,
        cause: error.to_string(),
    })
}

/// Loads the scenario a part carries and checks it is the one its `part.json` names.
pub fn read_scenario(folder: &Path, info: &PartInfo) -> Result<Scenario, MergeError> {
    let path = folder.join(SCENARIO_FILE);
    let scenario = scenario::load(&path).map_err(|error| MergeError::Unreadable {
        file: path.clone(),
        cause: error.to_string(),
    })?;
    if scenario.hash != info.hash {
        return Err(MergeError::Inconsistent {
            file: path,
            cause: format!("hash {} where part.json says {}", scenario.hash, info.hash),
        });
    }
    Ok(scenario)
}

/// Writes the header of the first file, then every file's rows after its header, in order.
/// Each file must hold exactly its `expected_rows` (rows hold numbers and names without line
/// breaks, so lines are rows): a part cut short in a copy is refused, not merged.
pub fn concatenate_rows(files: &[(PathBuf, u64)], destination: &Path) -> Result<(), MergeError> {
    let output =
        File::create(destination).map_err(OutputError::io(destination, "cannot create"))?;
    let mut output = BufWriter::new(output);
    for (index, (file, expected_rows)) in files.iter().enumerate() {
        let input = File::open(file).map_err(OutputError::io(file, "cannot open"))?;
        let mut input = BufReader::new(input);
        let mut line = Vec::new();
        let mut lines = 0u64;
        loop {
            line.clear();
            let read = input
                .read_until(b'\n', &mut line)
                .map_err(OutputError::io(file, "cannot read"))?;
            if read == 0 {
                break;
            }
            if lines > 0 || index == 0 {
                output
                    .write_all(&line)
                    .map_err(OutputError::io(destination, "cannot write"))?;
            }
            lines += 1;
        }
        let rows = lines.saturating_sub(1);
        if rows != *expected_rows {
            return Err(MergeError::Inconsistent {
                file: file.clone(),
                cause: format!("{rows} rows where the part's share holds {expected_rows}"),
            });
        }
    }
    output
        .flush()
        .map_err(OutputError::io(destination, "cannot write"))?;
    Ok(())
}
