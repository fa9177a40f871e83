//! Speed of the engine, through the library as the `run` command uses it.
//!
//! Run with `cargo bench --bench engine` (about two and a half minutes on an idle 2-core machine).
//! Samples are few and flat (the same number of iterations in each) because one iteration is
//! already hundreds of milliseconds of work.
//!
//! - `replications/<scenario>/<n> thread(s)`: 2,000 replications per iteration (two engine
//!   blocks, so two threads each get one) of `scenarios/niger_realignment.ron` (one state, three
//!   groups) and `scenarios/sahel_regional.ron` (five states, three groups across them), on 1 and
//!   2 threads. Criterion's `thrpt` is replications per second.
//! - `paired/<scenario>`: 4,000 replications on 1 thread and the same on 2 threads, back to back
//!   (in alternating order) in each iteration; the ratio of each pair's two times gives a parallel efficiency that the host's
//!   drift in speed between benchmarks does not bias (see [`paired_efficiency`]). The summary
//!   prints the median ratio; criterion's own figure for it is the time of both halves.
//! - `actor_months/<scenario>`: one block of 1,000 replications on 1 thread. Criterion's `thrpt`
//!   is actor-months per second, where an actor is a state, an armed group or a partner (a
//!   `State`, `Group` or `Partner` entry of the scenario's `actors`; regional bodies are left out,
//!   the model does nothing with them) and a month is one of the scenario's `horizon` months:
//!   niger_realignment has 1 + 3 + 4 = 8 actors over 60 months, 480 actor-months a replication;
//!   sahel_regional 5 + 3 + 4 = 12 over 60, 720. The cost of a replication grows with its states,
//!   groups, flows and above all its attacks, not with actors alone: the figure compares
//!   scenarios of similar make, not models.
//! - `niger_realignment_10000_runs/2 threads`: the target case, 10,000 replications of
//!   `niger_realignment.ron` on 2 threads, which should take under 2 s.
//!
//! After criterion's own report the bench prints a summary from the median of each benchmark's
//! measured samples: replications per second on 1 and 2 threads and the parallel efficiency,
//! 2-thread throughput / (2 x 1-thread throughput) (1.0: the second thread doubles throughput),
//! and the nanoseconds per actor-month, time of one replication / (actors x months). From
//! criterion's output alone: efficiency = `thrpt` of `2 threads` / (2 x `thrpt` of `1 thread`),
//! and ns per actor-month = 1e9 / `thrpt` of `actor_months/<scenario>`.
//!
//! Each iteration builds its own thread pool and merges every block's summaries, exactly as
//! `secsim run` does; only writing the per-replication rows to disk is left out (the sink
//! discards them).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, measurement::WallTime,
};

use secsim::engine::{RunPlan, run_with_threads};
use secsim::scenario::raw::RawActor;
use secsim::scenario::{self, Scenario};

/// Replications per iteration in the throughput benchmarks: two engine blocks (of 1,000), so two
/// threads each get one.
const RUNS_PER_ITERATION: u64 = 2_000;
/// Replications per iteration in the actor-month benchmarks: one engine block, on one thread.
const ACTOR_MONTH_RUNS: u64 = 1_000;
/// Replications in the target benchmark.
const TARGET_RUNS: u64 = 10_000;
/// Replications in each half of a [`paired_efficiency`] pair: four blocks, two a thread.
const PAIRED_RUNS: u64 = 4_000;
/// Seed when a scenario does not give one (the command's default).
const DEFAULT_SEED: u64 = 1;
/// Criterion's smallest sample count.
const SAMPLES: usize = 10;
/// The scenarios measured, by name and file.
const SCENARIOS: [(&str, &str); 2] = [
    ("niger_realignment", "scenarios/niger_realignment.ron"),
    ("sahel_regional", "scenarios/sahel_regional.ron"),
];

fn load(file: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    scenario::load(&path).unwrap_or_else(|error| panic!("cannot load {file}: {error}"))
}

/// Runs `runs` replications of `scenario` on `threads` threads and returns the summaries.
fn replicate(scenario: &Scenario, runs: u64, threads: usize) -> impl Sized {
    let plan = RunPlan {
        seed: scenario.default_seed.unwrap_or(DEFAULT_SEED),
        runs,
    };
    run_with_threads(scenario, &plan, Some(threads), |_| {
        Ok::<(), rayon::ThreadPoolBuildError>(())
    })
    .unwrap_or_else(|error| panic!("cannot build a pool of {threads} threads: {error}"))
}

/// Actors as the bench counts them: the scenario's states, armed groups and partners.
fn n_actors(scenario: &Scenario) -> u64 {
    let partners = scenario
        .raw
        .actors
        .iter()
        .filter(|actor| matches!(actor, RawActor::Partner { .. }))
        .count();
    (scenario.states.len() + scenario.groups.len() + partners) as u64
}

fn actor_months_per_replication(scenario: &Scenario) -> u64 {
    n_actors(scenario) * scenario.horizon_months as u64
}

fn thread_label(threads: usize) -> String {
    if threads == 1 {
        "1 thread".to_owned()
    } else {
        format!("{threads} threads")
    }
}

/// Time per iteration of every call criterion made, by benchmark: warm-up calls first, then the
/// measured samples, so the last [`SAMPLES`] are the samples criterion reports on.
static TIMES: Mutex<BTreeMap<(String, String), Vec<Duration>>> = Mutex::new(BTreeMap::new());

/// Times `iterations` calls of `routine` for criterion, keeping the time per call under `key`.
fn timed(key: (&str, &str), iterations: u64, mut routine: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iterations {
        routine();
    }
    let elapsed = start.elapsed();
    let per_iteration = elapsed.div_f64(iterations.max(1) as f64);
    let mut times = TIMES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    times
        .entry((key.0.to_owned(), key.1.to_owned()))
        .or_default()
        .push(per_iteration);
    elapsed
}

/// Median time per iteration over the measured samples of a benchmark, if it ran.
fn median_time(group: &str, id: &str) -> Option<Duration> {
    let times = TIMES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let all = times.get(&(group.to_owned(), id.to_owned()))?;
    let mut measured: Vec<f64> = all[all.len().saturating_sub(SAMPLES)..]
        .iter()
        .map(Duration::as_secs_f64)
        .collect();
    median(&mut measured).map(Duration::from_secs_f64)
}

fn flat_group<'a>(
    criterion: &'a mut Criterion,
    name: &str,
    measurement_seconds: u64,
) -> criterion::BenchmarkGroup<'a, WallTime> {
    let mut group = criterion.benchmark_group(name);
    group
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(measurement_seconds));
    group
}

fn replications_per_second(criterion: &mut Criterion) {
    let mut group = flat_group(criterion, "replications", 5);
    group.throughput(Throughput::Elements(RUNS_PER_ITERATION));
    for (name, file) in SCENARIOS {
        let scenario = load(file);
        for threads in [1, 2] {
            let label = thread_label(threads);
            let id = format!("{name}/{label}");
            group.bench_function(BenchmarkId::new(name, &label), |bencher| {
                bencher.iter_custom(|iterations| {
                    timed(("replications", &id), iterations, || {
                        black_box(replicate(black_box(&scenario), RUNS_PER_ITERATION, threads));
                    })
                });
            });
        }
    }
    group.finish();
}

fn actor_months(criterion: &mut Criterion) {
    let mut group = flat_group(criterion, "actor_months", 3);
    for (name, file) in SCENARIOS {
        let scenario = load(file);
        let per_iteration = ACTOR_MONTH_RUNS * actor_months_per_replication(&scenario);
        group.throughput(Throughput::Elements(per_iteration));
        group.bench_function(name, |bencher| {
            bencher.iter_custom(|iterations| {
                timed(("actor_months", name), iterations, || {
                    black_box(replicate(black_box(&scenario), ACTOR_MONTH_RUNS, 1));
                })
            });
        });
    }
    group.finish();
}

/// Ratios 1-thread time / (2 x 2-thread time) of back-to-back pairs, by scenario.
/// Ratios 1-thread time / (2 x 2-thread time) of back-to-back pairs, by scenario, one list per
/// call of criterion's routine (the first calls are its warm-up).
static PAIRED: Mutex<BTreeMap<String, Vec<Vec<f64>>>> = Mutex::new(BTreeMap::new());

/// Parallel efficiency from pairs: each iteration times [`PAIRED_RUNS`] replications on 1 thread
/// and the same on 2 threads, back to back, and keeps the ratio of the two. The machine this
/// project runs on shares its host, whose speed drifts by tens of percent over seconds to
/// minutes; comparing the medians of two benchmarks measured a minute apart mixes that drift
/// into the efficiency, while the two halves of a pair see nearly the same machine. The order
/// within a pair alternates, so that a steady drift favours neither.
fn paired_efficiency(criterion: &mut Criterion) {
    let mut group = flat_group(criterion, "paired", 8);
    for (name, file) in SCENARIOS {
        let scenario = load(file);
        let mut pairs = 0u64;
        group.bench_function(name, |bencher| {
            bencher.iter_custom(|iterations| {
                let mut elapsed = Duration::ZERO;
                let mut ratios = Vec::new();
                for _ in 0..iterations {
                    let time = |threads| {
                        let start = Instant::now();
                        black_box(replicate(black_box(&scenario), PAIRED_RUNS, threads));
                        start.elapsed()
                    };
                    let (one, two) = if pairs.is_multiple_of(2) {
                        let one = time(1);
                        (one, time(2))
                    } else {
                        let two = time(2);
                        (time(1), two)
                    };
                    pairs += 1;
                    elapsed += one + two;
                    ratios.push(one.as_secs_f64() / (2.0 * two.as_secs_f64()));
                }
                PAIRED
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .entry(name.to_owned())
                    .or_default()
                    .push(ratios);
                elapsed
            })
        });
    }
    group.finish();
}

/// The median of `values` (the mean of the middle two for an even count); None when empty.
fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 1 => Some(values[middle]),
        _ => Some((values[middle - 1] + values[middle]) / 2.0),
    }
}

fn target_run(criterion: &mut Criterion) {
    let scenario = load("scenarios/niger_realignment.ron");
    let threads = 2;
    let mut group = flat_group(criterion, "niger_realignment_10000_runs", 10);
    group.throughput(Throughput::Elements(TARGET_RUNS));
    group.bench_function(thread_label(threads), |bencher| {
        bencher.iter(|| black_box(replicate(black_box(&scenario), TARGET_RUNS, threads)));
    });
    group.finish();
}

/// Prints replications per second, parallel efficiency and nanoseconds per actor-month from the
/// medians of the measured samples, for the benchmarks that ran.
fn print_summary() {
    let mut lines = Vec::new();
    for (name, file) in SCENARIOS {
        let runs_per_second = |threads: usize| {
            let id = format!("{name}/{}", thread_label(threads));
            median_time("replications", &id)
                .map(|time| RUNS_PER_ITERATION as f64 / time.as_secs_f64())
        };
        if let (Some(one), Some(two)) = (runs_per_second(1), runs_per_second(2)) {
            lines.push(format!(
                "{name}: {one:.0} replications/s on 1 thread, {two:.0} on 2 threads, \
                 parallel efficiency {:.2} from separate benchmarks",
                two / (2.0 * one)
            ));
        }
        let measured: Option<Vec<f64>> = PAIRED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(name)
            .map(|calls| {
                calls[calls.len().saturating_sub(SAMPLES)..]
                    .iter()
                    .flatten()
                    .copied()
                    .collect()
            });
        if let Some(mut ratios) = measured
            && let Some(middle) = median(&mut ratios)
        {
            lines.push(format!(
                "{name}: parallel efficiency {middle:.2} from back-to-back pairs (median of {}, \
                 {:.2} to {:.2})",
                ratios.len(),
                ratios[0],
                ratios[ratios.len() - 1]
            ));
        }
        if let Some(time) = median_time("actor_months", name) {
            let scenario = load(file);
            let per_replication = time.as_secs_f64() / ACTOR_MONTH_RUNS as f64;
            let actor_months = actor_months_per_replication(&scenario);
            lines.push(format!(
                "{name}: {:.0} us per replication on 1 thread, {} actors x {} months: \
                 {:.0} ns per actor-month",
                per_replication * 1e6,
                n_actors(&scenario),
                scenario.horizon_months,
                per_replication * 1e9 / actor_months as f64
            ));
        }
    }
    if !lines.is_empty() {
        println!("\nSummary (medians of the measured samples):");
        for line in lines {
            println!("  {line}");
        }
    }
}

/// Plots are off: criterion's plotters backend panics where no system font is installed
/// (`FontUnavailable`), as on headless build machines; the numbers are printed either way.
fn config() -> Criterion {
    Criterion::default().without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = replications_per_second, paired_efficiency, actor_months, target_run
}

/// `criterion_main!`, followed by the summary.
fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_summary();
}
