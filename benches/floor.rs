//! The draw floor: the cost of the random draws one replication makes, against the cost of the
//! replication (`secsim::model::simulate`), for `scenarios/niger_realignment.ron` and
//! `scenarios/niger_2021_2023.ron`.
//!
//! Run with `cargo bench --bench floor` (about a minute).
//!
//! - `floor/<scenario>`: one replication's draws replayed, by kind, with the model's samplers
//!   and generator: stream set-ups, Poisson counts, severities (`Severity::total_deaths`, normals,
//!   exponentials and the rounding uniform), the uniforms that split events by type, the other
//!   uniforms (events, deliveries, parameters) and the tempo's gamma draws. [`RECIPES`] holds how
//!   many of each a replication makes, counted in the model itself (counters in every sampler
//!   and at every uniform draw of `src/model/`, 1,000 replications of seed 1, averaged; the
//!   counters were removed after, issue 21): Poisson means and attacks per severity call are
//!   grouped into a few classes, each replayed at its average.
//! - `simulate/<scenario>`: one replication, `model::simulate`, with run indices in turn.
//!
//! After criterion's report the bench prints the ratio of a replication's time to its draws'
//! time, measured in pairs (a batch of replications, then a batch of replayed draws, 21 times,
//! the median ratio), so that the host's drift in speed does not bias it. The model's work
//! beyond its draws is the difference; the target is a ratio of at most 1.25.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use rand::RngExt;

use secsim::model::rng::ElementStreams;
use secsim::model::sample::{Severity, SeverityBatch, poisson, tempo};
use secsim::model::{RunOutput, Workspace, simulate};
use secsim::scenario::{self, Scenario};

/// The draws of one replication, by kind.
struct Recipe {
    scenario: &'static str,
    file: &'static str,
    /// Streams opened (`ElementStreams::month`).
    streams: u32,
    /// (draws, mean) for each class of Poisson means.
    poisson: &'static [(u32, f64)],
    /// (calls, attacks in each) for each class of `total_deaths` calls.
    severity: &'static [(u32, u32)],
    /// Uniforms that type events, one per event.
    split_uniforms: u32,
    /// Every other uniform: events, deliveries, uncertain parameters.
    other_uniforms: u32,
    /// Gamma draws of the monthly tempo, at the default shape.
    gammas: u32,
    /// The horizon: the model finishes a batch of severities each month.
    months: u32,
}

/// Counted per replication (see the module's comment). niger_realignment: 507 streams, 720
/// Poisson draws, 1,080 severity calls with 6,915 attacks, 6,917 typing uniforms, 79 other
/// uniforms and 9 parameter draws, 62 gammas; niger_2021_2023: 326, 372, 558 with 1,182, 1,182,
/// 103 and 6, 31.
const RECIPES: [Recipe; 2] = [
    Recipe {
        scenario: "niger_realignment",
        file: "scenarios/niger_realignment.ron",
        streams: 507,
        poisson: &[
            (131, 5.36),
            (136, 14.98),
            (326, 32.98),
            (125, 65.77),
            (2, 125.7),
        ],
        severity: &[
            (213, 0),
            (167, 1),
            (120, 2),
            (89, 3),
            (207, 5),
            (163, 11),
            (89, 21),
            (28, 42),
            (4, 81),
        ],
        split_uniforms: 6_917,
        other_uniforms: 88,
        gammas: 62,
        months: 60,
    },
    Recipe {
        scenario: "niger_2021_2023",
        file: "scenarios/niger_2021_2023.ron",
        streams: 326,
        poisson: &[(152, 4.50), (73, 16.80), (147, 30.72)],
        severity: &[
            (200, 0),
            (124, 1),
            (74, 2),
            (47, 3),
            (80, 5),
            (29, 10),
            (4, 19),
        ],
        split_uniforms: 1_182,
        other_uniforms: 109,
        gammas: 31,
        months: 31,
    },
];

/// The default severity law (`lethality` 2.5, `severity_sigma` 1.4, `max_deaths_per_attack`
/// 1,000) and tempo shape (`attack_dispersion` 6).
const MEAN_DEATHS: f64 = 2.5;
const SEVERITY_SIGMA: f64 = 1.4;
const DEATHS_CAP: f64 = 1000.0;
const TEMPO_SHAPE: f64 = 6.0;
/// Cumulative type shares the typing uniforms are compared with, as `split_by_type` does.
const TYPE_CUMULATIVE: [f64; 3] = [0.45, 0.6, 1.0];

/// Replays one replication's draws; returns a sum of them so that none is optimised away.
fn replay(recipe: &Recipe, run_index: u64, batch: &mut SeverityBatch) -> f64 {
    let streams = ElementStreams::new(1, 21, run_index);
    let mut opened = 0u64;
    for slot in 0..u64::from(recipe.streams) {
        opened ^= streams.month(black_box(slot)).random::<u64>() & 1;
    }
    let mut rng = streams.month(u64::MAX - 1);
    let mut sum = opened as f64;
    for &(draws, mean) in recipe.poisson {
        for _ in 0..draws {
            sum += poisson(black_box(mean), &mut rng);
        }
    }
    // As the model draws them: a month's calls pushed to one batch, then finished together.
    let severity = Severity::new(MEAN_DEATHS, SEVERITY_SIGMA, DEATHS_CAP);
    let calls_per_month =
        recipe.severity.iter().map(|&(calls, _)| calls).sum::<u32>() / recipe.months;
    batch.clear();
    let finish = |batch: &mut SeverityBatch| {
        batch.finish();
        let total: f64 = (0..batch.len()).map(|call| batch.total(call)).sum();
        batch.clear();
        total
    };
    for &(calls, attacks) in recipe.severity {
        for _ in 0..calls {
            batch.push(&black_box(severity), f64::from(attacks), 1.0, &mut rng);
            if batch.len() as u32 == calls_per_month {
                sum += finish(batch);
            }
        }
    }
    sum += finish(batch);
    let mut counts = [0u64; 3];
    for _ in 0..recipe.split_uniforms {
        let draw: f64 = rng.random();
        let kind =
            usize::from(draw >= TYPE_CUMULATIVE[0]) + usize::from(draw >= TYPE_CUMULATIVE[1]);
        counts[kind] += 1;
    }
    sum += counts[0] as f64;
    for _ in 0..recipe.other_uniforms {
        sum += rng.random::<f64>();
    }
    for _ in 0..recipe.gammas {
        sum += tempo(black_box(TEMPO_SHAPE), &mut rng);
    }
    sum
}

fn load(file: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    scenario::load(&path).unwrap_or_else(|error| panic!("cannot load {file}: {error}"))
}

fn bench_floor(c: &mut Criterion) {
    let mut floor = c.benchmark_group("floor");
    for recipe in &RECIPES {
        let mut run_index = 0u64;
        let mut batch = SeverityBatch::default();
        floor.bench_function(recipe.scenario, |b| {
            b.iter(|| {
                run_index += 1;
                black_box(replay(recipe, run_index, &mut batch))
            })
        });
    }
    floor.finish();
    let mut replication = c.benchmark_group("simulate");
    for recipe in &RECIPES {
        let scenario = load(recipe.file);
        let mut workspace = Workspace::default();
        let mut output = RunOutput::default();
        let mut run_index = 0u64;
        replication.bench_function(recipe.scenario, |b| {
            b.iter(|| {
                run_index += 1;
                simulate(&scenario, 1, run_index, &mut workspace, &mut output);
                black_box(&output.outcomes);
            })
        });
    }
    replication.finish();
}

/// Pairs of (replications, replays) measured back to back.
const PAIRS: usize = 21;
/// Replications (and replays) in each half of a pair.
const PER_HALF: u64 = 200;

/// The median over [`PAIRS`] of (time of [`PER_HALF`] replications) / (time of as many replays).
fn paired_ratio(recipe: &Recipe) -> f64 {
    let scenario = load(recipe.file);
    let mut workspace = Workspace::default();
    let mut output = RunOutput::default();
    let mut batch = SeverityBatch::default();
    let mut ratios: Vec<f64> = (0..PAIRS as u64)
        .map(|pair| {
            let first = pair * PER_HALF;
            let start = Instant::now();
            for run_index in first..first + PER_HALF {
                simulate(&scenario, 1, run_index, &mut workspace, &mut output);
                black_box(&output.outcomes);
            }
            let simulated = start.elapsed();
            let start = Instant::now();
            for run_index in first..first + PER_HALF {
                black_box(replay(recipe, run_index, &mut batch));
            }
            simulated.as_secs_f64() / start.elapsed().as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[PAIRS / 2]
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .without_plots()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = bench_floor
}

fn main() {
    benches();
    Criterion::default()
        .without_plots()
        .configure_from_args()
        .final_summary();
    println!("\nreplication time / its draws' time (median of {PAIRS} pairs of {PER_HALF}):");
    for recipe in &RECIPES {
        println!("  {:<20} {:.2}", recipe.scenario, paired_ratio(recipe));
    }
}
