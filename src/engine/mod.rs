//! Parallel replications with a fixed-order reduction.
//!
//! Replications are grouped in blocks of [`BLOCK_SIZE`] consecutive indices. Each block is
//! simulated and summarised on one thread, in index order; blocks are merged in block order.
//! The partition into blocks depends only on the run count, so every result is bit-identical for
//! any number of threads. The engine does no I/O: per-replication outcome rows are handed, block
//! by block and in order, to a sink the caller provides.

pub mod budget;
mod shard;
mod stopping;

pub use shard::{Partial, PartialError, Shard, merge_partials};
pub use stopping::{PrecisionTarget, StopReason, Tolerance, all_met};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{RunOutput, Workspace, simulate};
use crate::scenario::Scenario;
use crate::stats::{Distribution, EventCounts};

/// Replications per block. Fixed: changing it changes the floating-point merge order, and so
/// the last bits of means and standard deviations.
pub const BLOCK_SIZE: u64 = 1000;

/// Blocks simulated at once per worker thread before they are merged and handed to the sink;
/// bounds memory to a few blocks per thread whatever the run count.
pub(crate) const BLOCKS_IN_FLIGHT_PER_THREAD: usize = 4;

/// Summaries of a set of replications.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Aggregate {
    pub runs: u64,
    /// Per series and month: `series[series_index * horizon + month]`.
    pub series: Vec<Distribution>,
    /// Per outcome.
    pub outcomes: Vec<Distribution>,
    /// Per event.
    pub events: Vec<EventCounts>,
}

/// What to summarise besides outcomes and events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summaries {
    /// Also every series, month by month (for `timeseries.csv` and fan charts).
    WithSeries,
    /// Outcomes and events only: experiments with many points need no more, and skipping the
    /// series sketches more than halves the cost of a replication.
    OutcomesOnly,
}

impl Aggregate {
    /// An empty aggregate shaped for `scenario`, summarising what `summaries` says.
    pub fn with_summaries(scenario: &Scenario, summaries: Summaries) -> Self {
        let mut aggregate = Aggregate::new(scenario);
        if summaries == Summaries::OutcomesOnly {
            aggregate.series = Vec::new();
        }
        aggregate
    }

    /// An empty aggregate shaped for `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        Aggregate {
            runs: 0,
            series: vec![Distribution::default(); scenario.series.len() * scenario.horizon_months],
            outcomes: vec![Distribution::default(); scenario.outcomes.len()],
            events: vec![EventCounts::new(scenario.horizon_months); scenario.events.len()],
        }
    }

    /// Adds one replication's outcomes and events; its series go through [`SeriesBuffer`].
    fn add_scalars(&mut self, output: &RunOutput) {
        self.runs += 1;
        for (distribution, &value) in self.outcomes.iter_mut().zip(&output.outcomes) {
            distribution.add(value);
        }
        for (counts, &month) in self.events.iter_mut().zip(&output.event_months) {
            counts.add(month);
        }
    }

    /// Every distribution, series first, then outcomes: the order in which [`Partial`] keeps
    /// block moments.
    pub(crate) fn distributions_mut(&mut self) -> impl Iterator<Item = &mut Distribution> {
        self.series.iter_mut().chain(self.outcomes.iter_mut())
    }

    /// [`Aggregate::distributions_mut`], read-only.
    pub(crate) fn distributions(&self) -> impl Iterator<Item = &Distribution> {
        self.series.iter().chain(self.outcomes.iter())
    }

    /// Adds a later block's summaries to this one.
    pub fn merge(&mut self, other: &Aggregate) {
        self.runs += other.runs;
        for (mine, theirs) in self.series.iter_mut().zip(&other.series) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.outcomes.iter_mut().zip(&other.outcomes) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.events.iter_mut().zip(&other.events) {
            mine.merge(theirs);
        }
    }
}

/// One block's per-replication outcomes, handed to the sink in block order.
#[derive(Debug, Clone)]
pub struct Block {
    /// Index of the first replication in the block.
    pub first_run: u64,
    /// Outcome values, one row of `n_outcomes` per replication; NaN where missing.
    pub outcomes: Vec<f64>,
    /// Number of outcomes per row.
    pub n_outcomes: usize,
}

impl Block {
    /// Rows of (replication index, outcome values).
    pub fn rows(&self) -> impl Iterator<Item = (u64, &[f64])> {
        let width = self.n_outcomes.max(1);
        let n_rows = if self.n_outcomes == 0 {
            0
        } else {
            self.outcomes.len() / width
        };
        (0..n_rows).map(move |row| {
            (
                self.first_run + row as u64,
                &self.outcomes[row * width..(row + 1) * width],
            )
        })
    }
}

/// Which replications to run.
#[derive(Debug, Clone, Copy)]
pub struct RunPlan {
    pub seed: u64,
    pub runs: u64,
}

impl RunPlan {
    /// Number of blocks.
    pub fn n_blocks(&self) -> u64 {
        self.runs.div_ceil(BLOCK_SIZE)
    }

    fn block_runs(&self, block: u64) -> std::ops::Range<u64> {
        let first = block * BLOCK_SIZE;
        first..(first + BLOCK_SIZE).min(self.runs)
    }
}

/// Replications whose series are buffered before they enter the sketches.
const SERIES_BUFFER_RUNS: usize = 64;

/// Collects the series of a few replications, then adds them to the sketches one series at a
/// time: each sketch's bins stay in cache for 64 values instead of one. The order of values
/// within each sketch is unchanged (replication order), so results are the same bits.
struct SeriesBuffer {
    values: Vec<f64>,
    runs: usize,
}

impl SeriesBuffer {
    fn push(&mut self, series: &[f64]) {
        self.values.extend_from_slice(series);
        self.runs += 1;
    }

    fn flush(&mut self, aggregate: &mut Aggregate) {
        let width = aggregate.series.len();
        for (position, distribution) in aggregate.series.iter_mut().enumerate() {
            for run in 0..self.runs {
                distribution.add(self.values[run * width + position]);
            }
        }
        self.values.clear();
        self.runs = 0;
    }
}

fn simulate_block(
    scenario: &Scenario,
    plan: &RunPlan,
    summaries: Summaries,
    block: u64,
    workspace: &mut Workspace,
) -> (Aggregate, Block) {
    let mut aggregate = Aggregate::with_summaries(scenario, summaries);
    let runs = plan.block_runs(block);
    let mut rows = Block {
        first_run: runs.start,
        outcomes: Vec::with_capacity((runs.end - runs.start) as usize * scenario.outcomes.len()),
        n_outcomes: scenario.outcomes.len(),
    };
    let mut output = RunOutput::default();
    let mut buffer = SeriesBuffer {
        values: Vec::with_capacity(SERIES_BUFFER_RUNS * aggregate.series.len()),
        runs: 0,
    };
    for run_index in runs {
        simulate(scenario, plan.seed, run_index, workspace, &mut output);
        aggregate.add_scalars(&output);
        if summaries == Summaries::WithSeries {
            buffer.push(&output.series);
        }
        if buffer.runs == SERIES_BUFFER_RUNS {
            buffer.flush(&mut aggregate);
        }
        rows.outcomes.extend_from_slice(&output.outcomes);
    }
    buffer.flush(&mut aggregate);
    (aggregate, rows)
}

/// Runs every replication of `plan` on the current rayon pool, handing each block's outcome
/// rows to `sink` in block order, and returns the merged summaries.
pub fn run<E>(
    scenario: &Scenario,
    plan: &RunPlan,
    sink: impl FnMut(&Block) -> Result<(), E>,
) -> Result<Aggregate, E> {
    run_summarising(scenario, plan, Summaries::WithSeries, sink)
}

/// [`run`], summarising only what `summaries` says.
pub fn run_summarising<E>(
    scenario: &Scenario,
    plan: &RunPlan,
    summaries: Summaries,
    mut sink: impl FnMut(&Block) -> Result<(), E>,
) -> Result<Aggregate, E> {
    let mut total = Aggregate::with_summaries(scenario, summaries);
    run_blocks(
        scenario,
        plan,
        summaries,
        0..plan.n_blocks(),
        &mut total,
        |block, _| {
            sink(&block.rows)?;
            Ok(Next::Continue)
        },
    )?;
    Ok(total)
}

/// One finished block, as [`run_blocks`] hands it on.
#[derive(Debug, Clone)]
pub struct BlockResult {
    /// The block's index; its replications are `index * BLOCK_SIZE..`.
    pub index: u64,
    /// This block's summaries alone.
    pub aggregate: Aggregate,
    /// Its per-replication outcomes.
    pub rows: Block,
    /// True for the last block simulated in parallel with it: stopping here wastes no work.
    pub ends_wave: bool,
}

/// Whether [`run_blocks`] goes on after a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Continue,
    Stop,
}

/// Runs the blocks `blocks` of `plan` on the current rayon pool and merges each, in block order,
/// into `total`. After each merge `on_block` sees the block and the running total; when it says
/// [`Next::Stop`] no later block is merged or handed on (blocks already simulated in parallel are
/// dropped), so where a run stops depends only on the blocks before it, never on threads.
pub fn run_blocks<E>(
    scenario: &Scenario,
    plan: &RunPlan,
    summaries: Summaries,
    blocks: std::ops::Range<u64>,
    total: &mut Aggregate,
    mut on_block: impl FnMut(&BlockResult, &Aggregate) -> Result<Next, E>,
) -> Result<(), E> {
    let wave = (rayon::current_num_threads() * BLOCKS_IN_FLIGHT_PER_THREAD) as u64;
    let mut next_block = blocks.start;
    while next_block < blocks.end {
        let wave_end = (next_block + wave).min(blocks.end);
        let results: Vec<BlockResult> = (next_block..wave_end)
            .into_par_iter()
            .map_init(Workspace::default, |workspace, index| {
                let (aggregate, rows) = simulate_block(scenario, plan, summaries, index, workspace);
                BlockResult {
                    index,
                    aggregate,
                    rows,
                    ends_wave: index + 1 == wave_end,
                }
            })
            .collect();
        for block in &results {
            total.merge(&block.aggregate);
            if on_block(block, total)? == Next::Stop {
                return Ok(());
            }
        }
        next_block = wave_end;
    }
    Ok(())
}

/// [`run`] on a dedicated pool of `threads` threads (all cores when `None`).
pub fn run_with_threads<E: From<rayon::ThreadPoolBuildError> + Send>(
    scenario: &Scenario,
    plan: &RunPlan,
    threads: Option<usize>,
    sink: impl FnMut(&Block) -> Result<(), E> + Send,
) -> Result<Aggregate, E> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()?;
    pool.install(|| run(scenario, plan, sink))
}

/// One design point's results: outcome and event summaries, and every replication's outcomes.
#[derive(Debug, Clone)]
pub struct PointResult {
    pub aggregate: Aggregate,
    /// The point's blocks, in order.
    pub blocks: Vec<Block>,
}

/// Design points run at once per worker thread before they are handed on.
pub(crate) const POINTS_IN_FLIGHT_PER_THREAD: usize = 2;

/// Runs `plan` for every scenario of `points` (the design points of an experiment, all with
/// the same seed, hence common random numbers), in parallel over points and over each point's
/// blocks, and hands each point's results to `on_point` in point order. Each point's results are
/// those [`run`] would give for it alone.
pub fn run_points<E>(
    points: &[Scenario],
    plan: &RunPlan,
    mut on_point: impl FnMut(usize, PointResult) -> Result<(), E>,
) -> Result<(), E> {
    let wave = rayon::current_num_threads() * POINTS_IN_FLIGHT_PER_THREAD;
    for first in (0..points.len()).step_by(wave.max(1)) {
        let last = (first + wave).min(points.len());
        let results: Vec<PointResult> = points[first..last]
            .par_iter()
            .map(|scenario| {
                let mut blocks = Vec::new();
                let collected = run_summarising(scenario, plan, Summaries::OutcomesOnly, |block| {
                    blocks.push(block.clone());
                    Ok::<(), std::convert::Infallible>(())
                });
                let aggregate = match collected {
                    Ok(aggregate) => aggregate,
                    Err(never) => match never {},
                };
                PointResult { aggregate, blocks }
            })
            .collect();
        for (offset, result) in results.into_iter().enumerate() {
            on_point(first + offset, result)?;
        }
    }
    Ok(())
}
