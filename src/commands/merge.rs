//! `secsim merge`: the part folders of a sharded run or batch into the results folder a single
//! run would have written, byte for byte ([`crate::output::part`] reads and checks the parts).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::batch::WrittenBatch;
use super::options::{RunOptions, provenance};
use super::run::WrittenRun;
use super::{Invocation, RunError, Terminal, say, thread_pool};
use crate::cli::MergeArgs;
use crate::engine::{self, Aggregate, Partial, RunPlan};
use crate::output::batch::{EXPERIMENTS_FILE, RUNS_FILE};
use crate::output::batch::{Layout, PointSummaries};
use crate::output::files::{RUN_FILES, SUMMARY_FILE};
use crate::output::manifest::{self, Contents, Input, Provenance};
use crate::output::part::{
    LAYOUT_FILE, MergeError, PART_FILE, PartInfo, STATE_FILE, concatenate_rows, read_infos,
    read_scenario, read_state,
};
use crate::output::{OutputError, StagedDir, results};

/// `secsim merge`.
pub fn execute(
    args: MergeArgs,
    invocation: &Invocation,
    terminal: &mut Terminal,
) -> anyhow::Result<ExitCode> {
    let options = RunOptions {
        threads: args.threads.count(),
        charts: !args.no_charts,
        force: args.force,
        // Merging runs nothing: the work was estimated when the shards started.
        ..RunOptions::default()
    };
    let provenance = provenance("merge", invocation, &args.parts);
    let merged = merge(&args.parts, options, &provenance, &args.out)
        .with_context(|| format!("cannot merge into {}", args.out.display()))?;
    let text = match merged {
        Merged::Run(written) => format!(
            "merged {} parts: {} runs; results in {}\n",
            args.parts.len(),
            written.aggregate.runs,
            written.folder.display()
        ),
        Merged::Batch(written) => format!(
            "merged {} parts: {} points, {} replications; results in {}\n",
            args.parts.len(),
            written.points,
            written.replications,
            written.folder.display()
        ),
    };
    say(terminal, &text)?;
    Ok(ExitCode::SUCCESS)
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
) -> Result<Merged, RunError> {
    let parts = read_infos(folders)?;
    match parts[0].1.kind.as_str() {
        "batch" => merge_batch(&parts, options, provenance, destination).map(Merged::Batch),
        "run" => merge_run(&parts, options, provenance, destination).map(Merged::Run),
        other => Err(RunError::Merge(MergeError::Unreadable {
            file: parts[0].0.join(PART_FILE),
            cause: format!(
                "unknown part kind {other:?} (this secsim merges \"run\" and \"batch\")"
            ),
        })),
    }
}

fn merge_batch(
    parts: &[(PathBuf, PartInfo)],
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
) -> Result<WrittenBatch, RunError> {
    let (first_folder, first) = &parts[0];
    let layout_path = first_folder.join(LAYOUT_FILE);
    let text =
        fs::read_to_string(&layout_path).map_err(OutputError::io(&layout_path, "cannot read"))?;
    let layout: Layout = serde_json::from_str(&text).map_err(|error| {
        RunError::Merge(MergeError::Unreadable {
            file: layout_path.clone(),
            cause: error.to_string(),
        })
    })?;
    if layout.hash != first.hash {
        return Err(RunError::Merge(MergeError::Inconsistent {
            file: layout_path,
            cause: format!("hash {} where part.json says {}", layout.hash, first.hash),
        }));
    }
    let mut summaries: PointSummaries = Vec::with_capacity(layout.points.len());
    let mut next = 0;
    for (folder, info) in parts {
        let part: PointSummaries = read_state(folder)?;
        if info.items[0] != next || part.len() as u64 != info.items[1] - info.items[0] {
            return Err(RunError::Merge(MergeError::Inconsistent {
                file: folder.join(STATE_FILE),
                cause: format!(
                    "{} points where part.json says {:?}",
                    part.len(),
                    info.items
                ),
            }));
        }
        next = info.items[1];
        summaries.extend(part);
    }
    if next != layout.points.len() as u64 {
        return Err(RunError::Merge(MergeError::Inconsistent {
            file: first_folder.join(PART_FILE),
            cause: format!("the parts hold {next} of {} points", layout.points.len()),
        }));
    }
    let pool = thread_pool(options.threads)?;
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
        library: None,
        name: layout.name.clone(),
        hash: layout.hash.clone(),
    };
    super::batch::finish_folder(
        staged, &layout, &summaries, input, options, &pool, provenance,
    )
}

fn merge_run(
    parts: &[(PathBuf, PartInfo)],
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
) -> Result<WrittenRun, RunError> {
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
            return Err(RunError::Merge(MergeError::Inconsistent {
                file: folder.join(STATE_FILE),
                cause: format!("blocks {:?}, part.json {:?}", partial.blocks, info.items),
            }));
        }
        partials.push(partial);
    }
    let aggregate = engine::merge_partials(Aggregate::new(&scenario), plan.n_blocks(), &partials)
        .map_err(|error| {
        RunError::Merge(MergeError::Inconsistent {
            file: first_folder.join(STATE_FILE),
            cause: error.to_string(),
        })
    })?;

    let pool = thread_pool(options.threads)?;
    let staged = StagedDir::new(destination, SUMMARY_FILE, &[&scenario.name], options.force)?;
    // Every streamed file the parts carry (`parameters.csv` only if the shards recorded it):
    // each part's rows, in block order.
    for file in RUN_FILES.iter().filter(|file| file.carried_by_parts()) {
        let present = parts
            .iter()
            .filter(|(folder, _)| folder.join(file.name).exists())
            .count();
        if present == 0 {
            continue;
        }
        if present != parts.len() {
            return Err(RunError::Merge(MergeError::Inconsistent {
                file: first_folder.join(file.name),
                cause: format!(
                    "{} of {} parts hold {} (run every shard with the same --no-parameters)",
                    present,
                    parts.len(),
                    file.name
                ),
            }));
        }
        let files: Vec<(PathBuf, u64)> = parts
            .iter()
            .map(|(folder, info)| {
                let runs = |block: u64| (block * engine::BLOCK_SIZE).min(plan.runs);
                let rows = runs(info.items[1]) - runs(info.items[0]);
                (folder.join(file.name), rows)
            })
            .collect();
        concatenate_rows(&files, &staged.path().join(file.name))?;
    }
    let histograms = results::write_result_files(
        &staged,
        &scenario,
        plan.seed,
        &aggregate,
        None,
        options.charts,
        &pool,
    )?;
    let contents = Contents::single(
        provenance,
        &scenario,
        plan.seed,
        aggregate.runs,
        pool.current_num_threads(),
    );
    manifest::write(staged.path(), &contents, provenance)?;
    let folder = staged.commit()?;
    Ok(WrittenRun {
        folder,
        aggregate,
        histograms,
        simulation_time: std::time::Duration::ZERO,
        stop: engine::StopReason::RunsReached,
        resumed_runs: 0,
    })
}
