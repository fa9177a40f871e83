//! Replications per second of the engine, through the library as the `run` command uses it.
//!
//! Run with `cargo bench --bench engine`. Criterion reports each benchmark's throughput in
//! elements per second, an element being one replication. Samples are few and flat (the same
//! number of iterations in each) because one iteration is already hundreds of milliseconds of
//! work: the whole file finishes in a couple of minutes on two cores.
//!
//! - `replications/<scenario>/<n> thread(s)`: 2,000 replications per iteration of
//!   `scenarios/niger_realignment.ron` (one state, three groups) and `scenarios/sahel_regional.ron`
//!   (five states, three groups across them), on 1 and 2 threads.
//! - `niger_realignment_10000_runs/2 threads`: the target case, 10,000 replications of
//!   `niger_realignment.ron` on 2 threads, which should take under 2 s.
//!
//! Each iteration builds its own thread pool and merges every block's summaries, exactly as
//! `secsim run` does; only writing the per-replication rows to disk is left out (the sink
//! discards them).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};

use secsim::engine::{Aggregate, RunPlan, run_with_threads};
use secsim::scenario::{self, Scenario};

/// Replications per iteration in the throughput benchmarks: two engine blocks, so two threads
/// each get one.
const RUNS_PER_ITERATION: u64 = 2_000;
/// Replications in the target benchmark.
const TARGET_RUNS: u64 = 10_000;
/// Seed when a scenario does not give one (the command's default).
const DEFAULT_SEED: u64 = 1;
/// Criterion's smallest sample count.
const SAMPLES: usize = 10;

fn load(file: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    scenario::load(&path).unwrap_or_else(|error| panic!("cannot load {file}: {error}"))
}

/// Runs `runs` replications of `scenario` on `threads` threads and returns the summaries.
fn replicate(scenario: &Scenario, runs: u64, threads: usize) -> Aggregate {
    let plan = RunPlan {
        seed: scenario.default_seed.unwrap_or(DEFAULT_SEED),
        runs,
    };
    run_with_threads(scenario, &plan, Some(threads), |_| {
        Ok::<(), rayon::ThreadPoolBuildError>(())
    })
    .unwrap_or_else(|error| panic!("cannot build a pool of {threads} threads: {error}"))
}

fn thread_label(threads: usize) -> String {
    if threads == 1 {
        "1 thread".to_owned()
    } else {
        format!("{threads} threads")
    }
}

fn replications_per_second(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("replications");
    group
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(RUNS_PER_ITERATION));
    for (name, file) in [
        ("niger_realignment", "scenarios/niger_realignment.ron"),
        ("sahel_regional", "scenarios/sahel_regional.ron"),
    ] {
        let scenario = load(file);
        for threads in [1, 2] {
            group.bench_with_input(
                BenchmarkId::new(name, thread_label(threads)),
                &threads,
                |bencher, &threads| {
                    bencher.iter(|| {
                        black_box(replicate(black_box(&scenario), RUNS_PER_ITERATION, threads))
                    });
                },
            );
        }
    }
    group.finish();
}

fn target_run(criterion: &mut Criterion) {
    let scenario = load("scenarios/niger_realignment.ron");
    let threads = 2;
    let mut group = criterion.benchmark_group("niger_realignment_10000_runs");
    group
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(TARGET_RUNS));
    group.bench_function(thread_label(threads), |bencher| {
        bencher.iter(|| black_box(replicate(black_box(&scenario), TARGET_RUNS, threads)));
    });
    group.finish();
}

/// Plots are off: criterion's plotters backend panics where no system font is installed
/// (`FontUnavailable`), as on headless build machines; the numbers are printed either way.
fn config() -> Criterion {
    Criterion::default().without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = replications_per_second, target_run
}
criterion_main!(benches);
