//! Speed of ABC-SMC calibration (`secsim calibrate`): particles simulated per second on the
//! worked example of the README, the Mali pre-period scenario against ACLED, one generation
//! after the prior (so every measured iteration does the same work).
//!
//! Run with `cargo bench --bench calibrate` (about a minute). Criterion's `thrpt` is particles
//! simulated per second (each with 10 replications of 19 months); the README reports it with
//! the whole worked example's time.

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secsim::calibration::statistics::Summaries;
use secsim::calibration::{Settings, Target, calibrate};
use secsim::scoring::observed;

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario =
        secsim::scenario::load(&root.join("scenarios/backtest/mali_2021_2022.ron")).unwrap();
    let observed = observed::read_series(&root.join("data/observed/mali.csv"), &scenario).unwrap();
    let chosen: Vec<&observed::ObservedSeries> = observed.series.iter().collect();
    let target = Target {
        summaries: Summaries::new(&scenario, &chosen),
        scenario,
    };
    let settings = Settings {
        particles: 200,
        generations: 2,
        runs_per_particle: 10,
        seed: 1,
        quantile: 0.5,
        min_acceptance: 0.01,
    };
    let targets = [target];
    // The particles one calibration simulates (fixed by the seed).
    let simulated: u64 = calibrate(&targets, &settings, |_| {})
        .unwrap()
        .generations
        .iter()
        .map(|generation| generation.proposed)
        .sum();
    let mut group = c.benchmark_group("calibrate");
    group.throughput(Throughput::Elements(simulated));
    group.measurement_time(Duration::from_secs(20));
    group.sample_size(10);
    group.bench_function("mali_2021_2022", |b| {
        b.iter(|| calibrate(&targets, &settings, |_| {}).unwrap())
    });
    group.finish();
}

/// Plots are off: criterion's plotters backend panics where no system font is installed.
fn config() -> Criterion {
    Criterion::default().without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
