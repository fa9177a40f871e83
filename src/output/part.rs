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
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::engine::{self, Aggregate, Next, Partial, RunPlan, Shard, Summaries, budget};
use crate::output::batch::{
    self, EXPERIMENTS_FILE, Layout, PointSummaries, RUNS_FILE, WrittenBatch,
};
use crate::output::manifest::{self, Contents, Input, Provenance};
use crate::output::outcomes::OutcomeWriter;
use crate::output::results::{self, OUTCOMES_FILE, RunError, RunOptions, SUMMARY_FILE, WrittenRun};
use crate::output::{OutputError, StagedDir};
use crate::scenario::{self, Scenario};

/// File names inside a part folder.
pub const PART_FILE: &str = "part.json";
pub const STATE_FILE: &str = "part.bin";
pub const SCENARIO_FILE: &str = "scenario.ron";
/// A batch part's stand-in for the scenario: the experiment's [`batch::Layout`].
pub const LAYOUT_FILE: &str = "layout.json";

/// Bumped whenever a part's layout changes.
const FORMAT: u32 = 1;

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
    #[error(transparent)]
    Run(#[from] RunError),
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

/// Runs shard `shard` of `plan` and writes its part folder at `destination`.
pub fn run_part(
    scenario: &Scenario,
    plan: &RunPlan,
    shard: Shard,
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
    interrupt: Option<&AtomicBool>,
) -> Result<PathBuf, RunError> {
    let pool = results::thread_pool(options.threads)?;
    let blocks = shard.range(plan.n_blocks());
    let share = RunPlan {
        seed: plan.seed,
        runs: ((blocks.end - blocks.start) * engine::BLOCK_SIZE).min(plan.runs),
    };
    let threads = pool.current_num_threads();
    budget::check(scenario, &share, 1, threads, true, options.max_hours)?;
    let staged = StagedDir::new(destination, PART_FILE, &[&scenario.name], options.force)?;
    let outcomes_path = staged.path().join(OUTCOMES_FILE);
    let file =
        File::create(&outcomes_path).map_err(OutputError::io(&outcomes_path, "cannot create"))?;
    let mut outcome_writer = OutcomeWriter::new(scenario, BufWriter::new(file))?;
    let mut partial = Partial::new(blocks.clone(), Aggregate::new(scenario));
    let mut total = Aggregate::new(scenario);
    pool.install(|| {
        engine::run_blocks(
            scenario,
            plan,
            Summaries::WithSeries,
            blocks.clone(),
            &mut total,
            |block, _| -> Result<Next, RunError> {
                outcome_writer.write_block(&block.rows)?;
                partial.add(block);
                // A shard is the unit of restart: stopped, it keeps nothing (the staging folder
                // goes with `staged`), and is run again whole; after its last block it is done,
                // and finishes.
                let last = block.index + 1 == blocks.end;
                if block.ends_wave
                    && !last
                    && interrupt.is_some_and(|flag| flag.load(Ordering::Relaxed))
                {
                    return Err(RunError::ShardInterrupted {
                        index: shard.index,
                        count: shard.count,
                    });
                }
                Ok(Next::Continue)
            },
        )
    })?;
    outcome_writer.finish()?;

    let info = PartInfo::new(
        "run",
        &scenario.name,
        &scenario.hash,
        plan.seed,
        plan.runs,
        shard,
        blocks,
    );
    let source = scenario::canonical_text(&scenario.raw);
    write_part_files(&staged, &info, SCENARIO_FILE, &source, &partial)?;
    let contents = Contents::single(
        provenance,
        scenario,
        plan.seed,
        total.runs,
        pool.current_num_threads(),
    );
    manifest::write(staged.path(), &contents, provenance)?;
    Ok(staged.commit()?)
}

/// Writes a part's `part.json`, its input (`source_name`) and its summaries.
pub(crate) fn write_part_files<T: Serialize>(
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
fn read_infos(folders: &[PathBuf]) -> Result<Vec<(PathBuf, PartInfo)>, MergeError> {
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

pub(crate) fn read_state<T: for<'de> Deserialize<'de>>(folder: &Path) -> Result<T, MergeError> {
    let path = folder.join(STATE_FILE);
    let bytes = fs::read(&path).map_err(OutputError::io(&path, "cannot read"))?;
    postcard::from_bytes(&bytes).map_err(|error| MergeError::Unreadable {
        file: path,
        cause: error.to_string(),
    })
}

/// Loads the scenario a part carries and checks it is the one its `part.json` names.
fn read_scenario(folder: &Path, info: &PartInfo) -> Result<Scenario, MergeError> {
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

/// What a merge wrote.
pub enum Merged {
    Run(WrittenRun),
    Batch(WrittenBatch),
}

/// Merges the part folders `folders` (in any order) into the results folder `destination`.
pub fn merge(
    folders: &[PathBuf],
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
) -> Result<Merged, MergeError> {
    let parts = read_infos(folders)?;
    match parts[0].1.kind.as_str() {
        "batch" => merge_batch(&parts, options, provenance, destination).map(Merged::Batch),
        "run" => merge_run(&parts, options, provenance, destination).map(Merged::Run),
        other => Err(MergeError::Unreadable {
            file: parts[0].0.join(PART_FILE),
            cause: format!(
                "unknown part kind {other:?} (this secsim merges \"run\" and \"batch\")"
            ),
        }),
    }
}

fn merge_batch(
    parts: &[(PathBuf, PartInfo)],
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
) -> Result<WrittenBatch, MergeError> {
    let (first_folder, first) = &parts[0];
    let layout_path = first_folder.join(LAYOUT_FILE);
    let text =
        fs::read_to_string(&layout_path).map_err(OutputError::io(&layout_path, "cannot read"))?;
    let layout: Layout = serde_json::from_str(&text).map_err(|error| MergeError::Unreadable {
        file: layout_path.clone(),
        cause: error.to_string(),
    })?;
    if layout.hash != first.hash {
        return Err(MergeError::Inconsistent {
            file: layout_path,
            cause: format!("hash {} where part.json says {}", layout.hash, first.hash),
        });
    }
    let mut summaries: PointSummaries = Vec::with_capacity(layout.points.len());
    let mut next = 0;
    for (folder, info) in parts {
        let part: PointSummaries = read_state(folder)?;
        if info.items[0] != next || part.len() as u64 != info.items[1] - info.items[0] {
            return Err(MergeError::Inconsistent {
                file: folder.join(STATE_FILE),
                cause: format!(
                    "{} points where part.json says {:?}",
                    part.len(),
                    info.items
                ),
            });
        }
        next = info.items[1];
        summaries.extend(part);
    }
    if next != layout.points.len() as u64 {
        return Err(MergeError::Inconsistent {
            file: first_folder.join(PART_FILE),
            cause: format!("the parts hold {next} of {} points", layout.points.len()),
        });
    }
    let pool = results::thread_pool(options.threads)?;
    let staged = StagedDir::new(
        destination,
        EXPERIMENTS_FILE,
        &[&layout.name],
        options.force,
    )?;
    for (table, rows_per_point) in [(EXPERIMENTS_FILE, 1), (RUNS_FILE, layout.runs)] {
        let files: Vec<(PathBuf, u64)> = parts
            .iter()
            .map(|(folder, info)| {
                let points = info.items[1] - info.items[0];
                (folder.join(table), points * rows_per_point)
            })
            .collect();
        concatenate_rows(&files, &staged.path().join(table))?;
    }
    let input = Input {
        kind: "experiment",
        file: provenance.first_input().map(Path::to_path_buf),
        name: layout.name.clone(),
        hash: layout.hash.clone(),
    };
    Ok(batch::finish_folder(
        staged, &layout, &summaries, input, options, &pool, provenance,
    )?)
}

fn merge_run(
    parts: &[(PathBuf, PartInfo)],
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
) -> Result<WrittenRun, MergeError> {
    let (first_folder, first) = &parts[0];
    let scenario = read_scenario(first_folder, first)?;
    let plan = RunPlan {
        seed: first.seed,
        runs: first.runs,
    };
    let mut partials = Vec::with_capacity(parts.len());
    for (folder, info) in parts {
        let partial: Partial = read_state(folder)?;
        if [partial.blocks.start, partial.blocks.end] != info.items {
            return Err(MergeError::Inconsistent {
                file: folder.join(STATE_FILE),
                cause: format!("blocks {:?}, part.json {:?}", partial.blocks, info.items),
            });
        }
        partials.push(partial);
    }
    let aggregate = engine::merge_partials(Aggregate::new(&scenario), plan.n_blocks(), &partials)
        .map_err(|error| MergeError::Inconsistent {
        file: first_folder.join(STATE_FILE),
        cause: error.to_string(),
    })?;

    let pool = results::thread_pool(options.threads)?;
    let staged = StagedDir::new(destination, SUMMARY_FILE, &[&scenario.name], options.force)?;
    let outcomes_path = staged.path().join(OUTCOMES_FILE);
    let files: Vec<(PathBuf, u64)> = parts
        .iter()
        .map(|(folder, info)| {
            let runs = |block: u64| (block * engine::BLOCK_SIZE).min(plan.runs);
            let rows = runs(info.items[1]) - runs(info.items[0]);
            (folder.join(OUTCOMES_FILE), rows)
        })
        .collect();
    concatenate_rows(&files, &outcomes_path)?;
    let histograms = results::write_result_files(
        &staged, &scenario, plan.seed, &aggregate, None, options, &pool,
    )?;
    let contents = Contents::single(
        provenance,
        &scenario,
        plan.seed,
        aggregate.runs,
        pool.current_num_threads(),
    );
    manifest::write(staged.path(), &contents, provenance)?;
    let folder = staged.commit().map_err(RunError::from)?;
    Ok(WrittenRun {
        folder,
        aggregate,
        histograms,
        simulation_time: std::time::Duration::ZERO,
        stop: engine::StopReason::RunsReached,
    })
}

/// Writes the header of the first file, then every file's rows after its header, in order.
/// Each file must hold exactly its `expected_rows` (rows hold numbers and names without line
/// breaks, so lines are rows): a part cut short in a copy is refused, not merged.
pub(crate) fn concatenate_rows(
    files: &[(PathBuf, u64)],
    destination: &Path,
) -> Result<(), MergeError> {
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
