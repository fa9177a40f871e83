//! Speed of the quantile sketch, `secsim::stats::QuantileSketch`, in the ways the engine uses it.
//!
//! Run with `cargo bench --bench sketch` (about 20 seconds).
//!
//! - `add/<data>`: a fresh sketch gets one engine block's worth of values (1,000), as
//!   each series-month's sketch does in a block; this includes the growth of its bins. Criterion's
//!   `thrpt` is values per second (ns per add = 1e9 / `thrpt`). `<data>`: `counts` (whole numbers
//!   0 to 149, many repeats), `lognormal` (sigma 1: a few hundred bins) and `wide` (log-uniform
//!   over 12 decades, with a seventh of the values negative and a seventh 0).
//! - `merge`: ten such block sketches (lognormal) merged into a total, as the engine
//!   folds blocks.
//! - `quantiles`: the five reported quantiles of a merged sketch of 10,000 values.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use secsim::math;
use secsim::stats::{QUANTILES, QuantileSketch};

/// Values a sketch gets in one engine block.
const BLOCK_VALUES: usize = 1_000;

/// SplitMix64: fixed data without a seeding crate.
struct SplitMix(u64);

impl SplitMix {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let radius = (-2.0 * math::ln(1.0 - self.uniform())).sqrt();
        radius * libm::cos(std::f64::consts::TAU * self.uniform())
    }
}

fn data(name: &str, seed: u64, n: usize) -> Vec<f64> {
    let mut random = SplitMix(seed);
    (0..n)
        .map(|index| match name {
            "counts" => (150.0 * random.uniform()).floor(),
            "lognormal" => 1000.0 * math::exp(random.normal()),
            "wide" => {
                let magnitude = math::exp(27.6 * random.uniform() - 6.9);
                match index % 7 {
                    0 => -magnitude,
                    1 => 0.0,
                    _ => magnitude,
                }
            }
            _ => unreachable!(),
        })
        .collect()
}

fn add(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("add");
    group.throughput(Throughput::Elements(BLOCK_VALUES as u64));
    for name in ["counts", "lognormal", "wide"] {
        let values = data(name, 1, BLOCK_VALUES);
        group.bench_with_input(
            BenchmarkId::from_parameter(name),
            &values,
            |bench, values| {
                bench.iter(|| {
                    let mut sketch = QuantileSketch::default();
                    for &value in values {
                        sketch.add(value);
                    }
                    sketch
                })
            },
        );
    }
    group.finish();
}

fn merge(criterion: &mut Criterion) {
    let blocks: Vec<Vec<f64>> = (0..10)
        .map(|seed| data("lognormal", seed, BLOCK_VALUES))
        .collect();
    let block_sketches: Vec<QuantileSketch> = blocks
        .iter()
        .map(|values| {
            let mut sketch = QuantileSketch::default();
            values.iter().for_each(|&value| sketch.add(value));
            sketch
        })
        .collect();
    criterion.bench_function("merge", |bench| {
        bench.iter(|| {
            let mut total = QuantileSketch::default();
            block_sketches.iter().for_each(|block| total.merge(block));
            total
        })
    });
}

fn quantiles(criterion: &mut Criterion) {
    let mut sketch = QuantileSketch::default();
    data("lognormal", 5, 10 * BLOCK_VALUES)
        .into_iter()
        .for_each(|value| sketch.add(value));
    criterion.bench_function("quantiles", |bench| {
        bench.iter(|| QUANTILES.map(|q| black_box(&sketch).quantile(q)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .without_plots()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = add, merge, quantiles
}
criterion_main!(benches);
