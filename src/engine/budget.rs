//! What a run will cost, estimated before it starts, so that an absurd request is refused in a
//! second rather than discovered hours or gigabytes later.
//!
//! The estimates are deliberately on the low side (a fast machine, compact sketches): a refusal
//! means the run would certainly exceed the limit, not that it might.

use super::{BLOCK_SIZE, BLOCKS_IN_FLIGHT_PER_THREAD, POINTS_IN_FLIGHT_PER_THREAD, RunPlan};
use crate::scenario::Scenario;

/// Most memory a run may need for its summaries and blocks in flight. Not a setting: nothing
/// secsim is meant for comes near it, and a machine without it would swap.
pub const MAX_MEMORY_BYTES: u64 = 16 << 30;
/// Run time allowed by default before a run is refused (`--max-hours` raises it).
pub const DEFAULT_MAX_HOURS: f64 = 24.0;

/// Lower bound of the time per element and month of a replication: one element is a state,
/// group, flow, pressure link or event. Measured on two cores: about 265 ns for
/// niger_realignment.ron and 390 ns for sahel_regional.ron (README, "Speed"); using a figure
/// several times lower keeps refusals certain.
const NANOSECONDS_PER_ELEMENT_MONTH: f64 = 50.0;
/// Lower bound of the memory of one summary (moments and a sketch of a few hundred bins).
const BYTES_PER_DISTRIBUTION: u64 = 1024;

/// A run's estimated cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub memory_bytes: u64,
    pub hours: f64,
}

/// Why a run is refused before it starts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BudgetError {
    #[error(
        "this run would need at least {needed:.1} GiB of memory for its summaries ({distributions} distributions x {in_flight} blocks in flight), above the limit of {limit} GiB; use fewer --threads, a shorter horizon or fewer actors",
        needed = *memory_bytes as f64 / (1u64 << 30) as f64,
        limit = MAX_MEMORY_BYTES >> 30
    )]
    Memory {
        memory_bytes: u64,
        distributions: u64,
        in_flight: u64,
    },
    #[error(
        "this run would take at least {hours:.1} hours on {threads} threads ({runs} runs x {months} months x {elements} elements), above the limit of {max_hours} hours; raise it with --max-hours, or split it with --shard K/M (README, \"Running on a cluster\")"
    )]
    Time {
        hours: f64,
        max_hours: f64,
        threads: usize,
        runs: u64,
        months: usize,
        elements: usize,
    },
}

fn elements(scenario: &Scenario) -> usize {
    scenario.states.len()
        + scenario.groups.len()
        + scenario.flows.len()
        + scenario.links.len()
        + scenario.events.len()
}

/// Estimates `points` scenarios like `scenario` run with `plan` on `threads` threads; `series`
/// says whether every monthly series is summarised (a run) or only outcomes (an experiment).
pub fn estimate(
    scenario: &Scenario,
    plan: &RunPlan,
    points: u64,
    threads: usize,
    series: bool,
) -> Estimate {
    let threads = threads.max(1) as u64;
    let series_distributions = if series {
        (scenario.series.len() * scenario.horizon_months) as u64
    } else {
        0
    };
    let distributions = series_distributions + scenario.outcomes.len() as u64;
    let memory_bytes = if points > 1 || !series {
        // Points in flight each hold their summaries and every block's outcome rows.
        let rows = plan.runs.saturating_mul(scenario.outcomes.len() as u64 * 8);
        let per_point = distributions * BYTES_PER_DISTRIBUTION + rows;
        per_point.saturating_mul(threads * POINTS_IN_FLIGHT_PER_THREAD as u64)
    } else {
        let in_flight = threads * BLOCKS_IN_FLIGHT_PER_THREAD as u64 + 1;
        let rows = BLOCK_SIZE * scenario.outcomes.len() as u64 * 8;
        in_flight.saturating_mul(distributions * BYTES_PER_DISTRIBUTION + rows)
    };
    let element_months = (elements(scenario) * scenario.horizon_months) as f64;
    let seconds = plan.runs as f64 * points as f64 * element_months * NANOSECONDS_PER_ELEMENT_MONTH
        / 1e9
        / threads as f64;
    Estimate {
        memory_bytes,
        hours: seconds / 3600.0,
    }
}

/// Refuses a run whose estimate exceeds the limits.
pub fn check(
    scenario: &Scenario,
    plan: &RunPlan,
    points: u64,
    threads: usize,
    series: bool,
    max_hours: f64,
) -> Result<Estimate, BudgetError> {
    let estimate = estimate(scenario, plan, points, threads, series);
    if estimate.memory_bytes > MAX_MEMORY_BYTES {
        let series_distributions = if series {
            scenario.series.len() * scenario.horizon_months
        } else {
            0
        };
        return Err(BudgetError::Memory {
            memory_bytes: estimate.memory_bytes,
            distributions: (series_distributions + scenario.outcomes.len()) as u64,
            in_flight: threads as u64 * BLOCKS_IN_FLIGHT_PER_THREAD as u64 + 1,
        });
    }
    if estimate.hours > max_hours {
        return Err(BudgetError::Time {
            hours: estimate.hours,
            max_hours,
            threads,
            runs: plan.runs.saturating_mul(points),
            months: scenario.horizon_months,
            elements: elements(scenario),
        });
    }
    Ok(estimate)
}
