//! Parallel replications with a fixed-order reduction.
//!
//! Replications are grouped in blocks of [`BLOCK_SIZE`] consecutive indices. Each block is
//! simulated and summarised on one thread, in index order; blocks are merged in block order.
//! The partition into blocks depends only on the run count, so every result is bit-identical for
//! any number of threads. The engine does no I/O: per-replication rows (outcomes, parameter
//! values, event months) are handed, block by block and in order, to a sink the caller provides.

pub mod budget;
mod shard;
mod stopping;

pub use shard::{Partial, PartialError, Shard, merge_partials};
pub use stopping::{PrecisionRequest, PrecisionTarget, StopReason, Tolerance, all_met};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{RunOutput, Workspace, simulate};
use crate::scenario::Scenario;
use crate::stats::{Distribution, EventCounts};

/// Replications per block. Fixed: changing it changes the floating-point merge order, and so
/// the last bits of means and standard deviations.
pub const BLOCK_SIZE: u64 = 1000;

/// Blocks a worker thread may simulate ahead of the ordered merge; bounds memory to a few
/// blocks per thread whatever the run count. Also the length, in blocks per thread, of the
/// groups at whose ends interrupts and checkpoints are taken ([`BlockResult::ends_wave`]).
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
    /// [`Summaries::WithSeries`], and each replication's series handed to the sink as well
    /// ([`Block::series`]): for scores that need every value (an exact CRPS), not a sketch.
    WithSeriesRows,
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

    /// Empties the aggregate, as new, keeping its sketches' allocations: a block's aggregate
    /// is recycled for a later block ([`Pipeline::recycle`]), so that the sketches' bins are not
    /// allocated and faulted in afresh for every block of 1,000 replications.
    fn clear(&mut self) {
        self.runs = 0;
        for distribution in self.series.iter_mut().chain(self.outcomes.iter_mut()) {
            distribution.clear();
        }
        for counts in &mut self.events {
            counts.clear();
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

/// One block's per-replication outcomes, parameter values and event months, handed to the sink
/// in block order.
#[derive(Debug, Clone)]
pub struct Block {
    /// Index of the first replication in the block.
    pub first_run: u64,
    /// Replications in the block.
    pub n_runs: usize,
    /// Outcome values, one row of `n_outcomes` per replication; NaN where missing.
    pub outcomes: Vec<f64>,
    /// Number of outcomes per row.
    pub n_outcomes: usize,
    /// Only with [`Summaries::WithSeriesRows`]: each replication's series, one row of
    /// `series_width` values per replication, laid out as [`RunOutput::series`]
    /// (`series_index * horizon + month`); empty otherwise.
    pub series: Vec<f64>,
    pub series_width: usize,
    /// Each replication's uncertain parameter values ([`RunOutput::parameters`]), one row of
    /// `n_parameters` per replication.
    pub parameters: Vec<f64>,
    pub n_parameters: usize,
    /// Each replication's event months ([`RunOutput::event_months`]), one row of `n_events`
    /// per replication.
    pub event_months: Vec<Option<u32>>,
    pub n_events: usize,
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

    /// Rows of (replication index, uncertain parameter values, event months).
    pub fn parameter_rows(&self) -> impl Iterator<Item = (u64, &[f64], &[Option<u32>])> {
        (0..self.n_runs).map(move |row| {
            (
                self.first_run + row as u64,
                &self.parameters[row * self.n_parameters..(row + 1) * self.n_parameters],
                &self.event_months[row * self.n_events..(row + 1) * self.n_events],
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

/// Memory for the series of the replications buffered before they enter the sketches, per
/// thread: the buffer holds as many replications as fit, from 64 to a block's 1,000.
///
/// Every flush walks all the sketches (1,320 in `niger_realignment`, a few MB of bins), which
/// then come from memory rather than cache; the longer the buffer, the more values each such
/// walk counts. Measured with `perf` on `niger_realignment` (3,000 runs, 1 thread), adding the
/// series to the sketches took 19% of the time with 64 replications, 11% with 256, 8% with
/// 1,000; 4 MiB holds about 400 of them.
const SERIES_BUFFER_BYTES: usize = 4 << 20;
const SERIES_BUFFER_RUNS: std::ops::RangeInclusive<usize> = 64..=BLOCK_SIZE as usize;

/// What a thread reuses from one block to the next: the model's workspace and the series
/// buffer, whose few MB would otherwise be allocated and faulted in again for every block.
#[derive(Default)]
struct BlockWorkspace {
    model: Workspace,
    series: SeriesBuffer,
}

/// Collects the series of a few hundred replications, then adds them to the sketches one series
/// at a time: each sketch's bins stay in cache for hundreds of values instead of one. The order of values
/// within each sketch is unchanged (replication order), so results are the same bits.
#[derive(Default)]
struct SeriesBuffer {
    values: Vec<f64>,
    runs: usize,
    /// Replications it holds before a flush.
    capacity: usize,
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
    workspace: &mut BlockWorkspace,
    mut aggregate: Aggregate,
) -> (Aggregate, Block) {
    let runs = plan.block_runs(block);
    let n_runs = (runs.end - runs.start) as usize;
    let mut rows = Block {
        first_run: runs.start,
        n_runs,
        outcomes: Vec::with_capacity(n_runs * scenario.outcomes.len()),
        n_outcomes: scenario.outcomes.len(),
        series: Vec::new(),
        series_width: 0,
        parameters: Vec::with_capacity(n_runs * scenario.uncertain.len()),
        n_parameters: scenario.uncertain.len(),
        event_months: Vec::with_capacity(n_runs * scenario.events.len()),
        n_events: scenario.events.len(),
    };
    if summaries == Summaries::WithSeriesRows {
        rows.series_width = scenario.series.len() * scenario.horizon_months;
        rows.series
            .reserve((runs.end - runs.start) as usize * rows.series_width);
    }
    let mut output = RunOutput::default();
    let width = aggregate.series.len();
    let buffer = &mut workspace.series;
    buffer.capacity = (SERIES_BUFFER_BYTES / (8 * width.max(1)))
        .clamp(*SERIES_BUFFER_RUNS.start(), *SERIES_BUFFER_RUNS.end())
        .min(n_runs);
    buffer.values.clear();
    buffer.runs = 0;
    for run_index in runs {
        simulate(
            scenario,
            plan.seed,
            run_index,
            &mut workspace.model,
            &mut output,
        );
        aggregate.add_scalars(&output);
        match summaries {
            Summaries::WithSeries => buffer.push(&output.series),
            Summaries::WithSeriesRows => {
                buffer.push(&output.series);
                rows.series.extend_from_slice(&output.series);
            }
            Summaries::OutcomesOnly => {}
        }
        if buffer.runs == buffer.capacity {
            buffer.flush(&mut aggregate);
        }
        rows.outcomes.extend_from_slice(&output.outcomes);
        rows.parameters.extend_from_slice(&output.parameters);
        rows.event_months.extend_from_slice(&output.event_months);
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
    /// True for the last block of a group of [`BLOCKS_IN_FLIGHT_PER_THREAD`] blocks a thread,
    /// counted from the first block, and for the last block: where to take interrupts and
    /// checkpoints, the same for any timing.
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
/// [`Next::Stop`] no later block is merged or handed on (blocks already simulated ahead are
/// dropped), so where a run stops depends only on the blocks before it, never on threads.
///
/// The calling thread merges blocks as they become next in order and, between merges, simulates
/// blocks itself; the pool's other threads only simulate. Nobody waits at the end of a group of
/// blocks, and merging and the sink's writing overlap with simulation. At most
/// [`BLOCKS_IN_FLIGHT_PER_THREAD`] blocks a thread are simulated ahead of the merge, which bounds
/// memory whatever the run count.
pub fn run_blocks<E>(
    scenario: &Scenario,
    plan: &RunPlan,
    summaries: Summaries,
    blocks: std::ops::Range<u64>,
    total: &mut Aggregate,
    mut on_block: impl FnMut(&BlockResult, &Aggregate) -> Result<Next, E>,
) -> Result<(), E> {
    if blocks.is_empty() {
        return Ok(());
    }
    let threads = rayon::current_num_threads();
    let pipeline = Pipeline::new(blocks.clone(), threads);
    let simulate = |index: u64, workspace: &mut BlockWorkspace| {
        let aggregate = pipeline
            .recycled()
            .unwrap_or_else(|| Aggregate::with_summaries(scenario, summaries));
        let (aggregate, rows) =
            simulate_block(scenario, plan, summaries, index, workspace, aggregate);
        BlockResult {
            index,
            aggregate,
            rows,
            ends_wave: pipeline.ends_wave(index),
        }
    };
    let mut outcome = Ok(());
    rayon::in_place_scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|_| {
                let _signal_panic = PanicSignal(&pipeline);
                let mut workspace = BlockWorkspace::default();
                while let Some(index) = pipeline.claim_or_wait() {
                    pipeline.finish(simulate(index, &mut workspace));
                }
            });
        }
        // Stops the workers however this thread leaves the loop, a panic included: a worker
        // waiting for room in the window would otherwise wait for ever.
        let _stop = StopOnExit(&pipeline);
        let mut workspace = BlockWorkspace::default();
        loop {
            if let Some(block) = pipeline.take_next() {
                total.merge(&block.aggregate);
                let next = on_block(&block, total);
                pipeline.recycle(block.aggregate);
                match next {
                    Ok(Next::Continue) => {
                        if !pipeline.advance() {
                            break;
                        }
                    }
                    Ok(Next::Stop) => break,
                    Err(error) => {
                        outcome = Err(error);
                        break;
                    }
                }
            } else if let Some(index) = pipeline.claim() {
                pipeline.finish(simulate(index, &mut workspace));
            } else if !pipeline.wait_for_next() {
                break;
            }
        }
    });
    outcome
}

/// The shared state of [`run_blocks`]: which blocks are claimed, which are done and waiting to
/// be merged, and which is merged next.
struct Pipeline {
    blocks: std::ops::Range<u64>,
    /// Blocks simulated ahead of the merge at most.
    window: u64,
    /// The next block nobody has claimed.
    next_claim: std::sync::atomic::AtomicU64,
    state: std::sync::Mutex<PipelineState>,
    changed: std::sync::Condvar,
    /// Merged blocks' aggregates, emptied, for the next blocks to fill.
    spare: std::sync::Mutex<Vec<Aggregate>>,
}

struct PipelineState {
    /// Simulated blocks not merged yet, by index.
    done: std::collections::BTreeMap<u64, BlockResult>,
    /// The block to merge next.
    merge_next: u64,
    /// Set when the run ends, early or not: no more blocks are claimed.
    stopped: bool,
    /// Set when a worker panicked: the block it held will never arrive.
    panicked: bool,
}

impl Pipeline {
    fn new(blocks: std::ops::Range<u64>, threads: usize) -> Pipeline {
        Pipeline {
            window: (threads * BLOCKS_IN_FLIGHT_PER_THREAD) as u64,
            next_claim: std::sync::atomic::AtomicU64::new(blocks.start),
            state: std::sync::Mutex::new(PipelineState {
                done: std::collections::BTreeMap::new(),
                merge_next: blocks.start,
                stopped: false,
                panicked: false,
            }),
            changed: std::sync::Condvar::new(),
            spare: std::sync::Mutex::new(Vec::new()),
            blocks,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PipelineState> {
        // A panicking worker never holds the lock while simulating, and `PanicSignal` records
        // the panic; the state stays consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `index` closes a group of `window` blocks counted from the first: the points
    /// where callers take interrupts and checkpoints, fixed by the run count and thread count
    /// alone, never by timing.
    fn ends_wave(&self, index: u64) -> bool {
        (index + 1 - self.blocks.start).is_multiple_of(self.window) || index + 1 == self.blocks.end
    }

    /// Claims the next block if it lies within the window ahead of `merge_next`.
    fn claim_within(&self, merge_next: u64) -> Option<u64> {
        use std::sync::atomic::Ordering;
        let limit = self.blocks.end.min(merge_next + self.window);
        self.next_claim
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |next| {
                (next < limit).then_some(next + 1)
            })
            .ok()
    }

    /// For the merging thread, which never waits to claim.
    fn claim(&self) -> Option<u64> {
        let merge_next = self.lock().merge_next;
        self.claim_within(merge_next)
    }

    /// For a worker: the next block to simulate, waiting while the window is full; None when
    /// every block is claimed or the run has stopped.
    fn claim_or_wait(&self) -> Option<u64> {
        let mut state = self.lock();
        loop {
            if state.stopped {
                return None;
            }
            if let Some(index) = self.claim_within(state.merge_next) {
                return Some(index);
            }
            let all_claimed =
                self.next_claim.load(std::sync::atomic::Ordering::Acquire) >= self.blocks.end;
            if all_claimed {
                return None;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn finish(&self, block: BlockResult) {
        let mut state = self.lock();
        if !state.stopped {
            state.done.insert(block.index, block);
        }
        drop(state);
        self.changed.notify_all();
    }

    /// Keeps a merged block's aggregate for a later block.
    fn recycle(&self, mut aggregate: Aggregate) {
        aggregate.clear();
        if let Ok(mut spare) = self.spare.lock() {
            spare.push(aggregate);
        }
    }

    /// An emptied aggregate of an earlier block, if one is kept.
    fn recycled(&self) -> Option<Aggregate> {
        self.spare.lock().ok()?.pop()
    }

    /// The block to merge next, if it is done.
    fn take_next(&self) -> Option<BlockResult> {
        let mut state = self.lock();
        let next = state.merge_next;
        state.done.remove(&next)
    }

    /// Moves on to the next block; false when every block is merged.
    fn advance(&self) -> bool {
        let mut state = self.lock();
        state.merge_next += 1;
        let more = state.merge_next < self.blocks.end;
        drop(state);
        self.changed.notify_all();
        more
    }

    /// Waits until the block to merge next is done; false if it never will be (a worker
    /// panicked, and the scope passes the panic on).
    fn wait_for_next(&self) -> bool {
        let mut state = self.lock();
        loop {
            if state.panicked || state.merge_next >= self.blocks.end {
                return false;
            }
            if state.done.contains_key(&state.merge_next) {
                return true;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn stop(&self) {
        let mut state = self.lock();
        state.stopped = true;
        state.done.clear();
        drop(state);
        self.changed.notify_all();
    }
}

/// Stops a [`Pipeline`] when the merging thread is done with it.
struct StopOnExit<'a>(&'a Pipeline);

impl Drop for StopOnExit<'_> {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// Tells the merging thread, if a worker unwinds, that the block the worker held will not come.
struct PanicSignal<'a>(&'a Pipeline);

impl Drop for PanicSignal<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().panicked = true;
            self.0.changed.notify_all();
        }
    }
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

/// Runs `plan` for each of `count` scenarios (the design points of an experiment, all with
/// the same seed, hence common random numbers), in parallel over points and over each point's
/// blocks, and hands each point's results to `on_point` in point order. Each point's results are
/// those [`run`] would give for it alone. `scenario_of(index)` makes point `index`'s scenario
/// when it is about to run and it is dropped once run, so that only the points in flight (a few
/// per thread) are held, however many there are.
pub fn run_points<E>(
    count: usize,
    scenario_of: impl Fn(usize) -> Scenario + Sync,
    plan: &RunPlan,
    mut on_point: impl FnMut(usize, PointResult) -> Result<(), E>,
) -> Result<(), E> {
    let wave = rayon::current_num_threads() * POINTS_IN_FLIGHT_PER_THREAD;
    for first in (0..count).step_by(wave.max(1)) {
        let last = (first + wave).min(count);
        let results: Vec<PointResult> = (first..last)
            .into_par_iter()
            .map(|index| {
                let scenario = scenario_of(index);
                let mut blocks = Vec::new();
                let collected =
                    run_summarising(&scenario, plan, Summaries::OutcomesOnly, |block| {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/small.ron");
        crate::scenario::load(&path).expect("tests/data/small.ron loads")
    }

    /// Runs blocks `blocks` of 9,000 runs on `threads` threads, stopping after block `stop_after`,
    /// and returns each handed-on block's index, `ends_wave` and merged run count.
    fn handed_on(
        threads: usize,
        blocks: std::ops::Range<u64>,
        stop_after: u64,
    ) -> Vec<(u64, bool, u64)> {
        let scenario = small();
        let plan = RunPlan {
            seed: 3,
            runs: 9_000,
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut seen = Vec::new();
        let mut total = Aggregate::with_summaries(&scenario, Summaries::OutcomesOnly);
        pool.install(|| {
            run_blocks(
                &scenario,
                &plan,
                Summaries::OutcomesOnly,
                blocks,
                &mut total,
                |block, total| {
                    seen.push((block.index, block.ends_wave, total.runs));
                    let next = if block.index == stop_after {
                        Next::Stop
                    } else {
                        Next::Continue
                    };
                    Ok::<Next, std::convert::Infallible>(next)
                },
            )
        })
        .unwrap_or_else(|never| match never {});
        seen
    }

    #[test]
    fn blocks_are_handed_on_in_order_with_fixed_wave_ends_on_any_thread_count() {
        for threads in 1..=3 {
            let window = (threads * BLOCKS_IN_FLIGHT_PER_THREAD) as u64;
            let seen = handed_on(threads, 1..9, u64::MAX);
            let indices: Vec<u64> = seen.iter().map(|&(index, _, _)| index).collect();
            assert_eq!(indices, (1..9).collect::<Vec<_>>(), "{threads} threads");
            for &(index, ends_wave, runs) in &seen {
                assert_eq!(
                    ends_wave,
                    (index % window == 0) || index == 8,
                    "block {index}"
                );
                assert_eq!(runs, index * BLOCK_SIZE, "runs merged after block {index}");
            }
        }
    }

    #[test]
    fn a_stop_hands_on_no_later_block() {
        for threads in 1..=3 {
            let seen = handed_on(threads, 0..9, 4);
            let indices: Vec<u64> = seen.iter().map(|&(index, _, _)| index).collect();
            assert_eq!(indices, vec![0, 1, 2, 3, 4], "{threads} threads");
        }
    }

    /// A panic on the merging thread reaches the caller instead of leaving the workers waiting
    /// for room in the window for ever.
    #[test]
    fn a_panic_while_merging_ends_the_run() {
        let scenario = small();
        let plan = RunPlan {
            seed: 3,
            runs: 30_000,
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let mut total = Aggregate::with_summaries(&scenario, Summaries::OutcomesOnly);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.install(|| {
                run_blocks(
                    &scenario,
                    &plan,
                    Summaries::OutcomesOnly,
                    0..30,
                    &mut total,
                    |block, _| {
                        // Late enough for the worker to have filled the window.
                        std::thread::sleep(std::time::Duration::from_millis(200));
                        assert!(block.index < 1, "a sink that panics");
                        Ok::<Next, std::convert::Infallible>(Next::Continue)
                    },
                )
            })
        }));
        assert!(outcome.is_err());
    }

    #[test]
    fn no_blocks_hand_on_nothing() {
        assert!(handed_on(2, 5..5, u64::MAX).is_empty());
    }
}
