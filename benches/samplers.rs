//! Cost of one draw from the model's samplers (`src/model/sample.rs`) against rand_distr 0.6's.
//!
//! Run with `cargo bench --bench samplers`: 28 benchmarks, about four minutes with criterion's
//! default times; `-- --warm-up-time 1 --measurement-time 3` makes it about two.
//!
//! Each group is one law at one parameter, drawn with the generator the model uses
//! (`StreamRng`, PCG-64 MCG, from `secsim::model::rng::stream`), by:
//! - `ours`: the model's sampler, with its parameters passed at each call as the model passes
//!   them (behind `black_box`, so that nothing is computed once for the whole loop);
//! - `rand_distr`: rand_distr's distribution, built once before the loop (its best case);
//! - `rand_distr_new_each_draw`, for the laws whose parameters change from one draw to the next
//!   in the model (gamma, beta, Poisson): rand_distr's distribution built for every draw, which
//!   is what the model would pay for it.
//!
//! Criterion reports time per iteration, and an iteration is one draw. After its report the
//! bench prints a table of nanoseconds per draw (the median of the measured samples).
//!
//! The comparison is of speed only: rand_distr's samplers call the platform's libm, so their
//! values depend on the machine, which is why the model does not use them. Its normal is the
//! same ziggurat with the same tables as ours; its gamma is the same Marsaglia-Tsang method; its
//! beta is Cheng's (1978) algorithms BB and BC rather than a ratio of two gammas; its Poisson is
//! Knuth's multiplication of uniforms below a mean of 12 and Ahrens-Dieter (1982) from 12.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Poisson, StandardNormal};

use secsim::math;
use secsim::model::rng::{StreamRng, stream};
use secsim::model::sample::{beta_unit, gamma, poisson, standard_normal};

/// Measured samples per benchmark (criterion's default, set explicitly because the summary
/// reads back this many).
const SAMPLES: usize = 100;

const OURS: &str = "ours";
const RAND_DISTR: &str = "rand_distr";
const RAND_DISTR_NEW: &str = "rand_distr_new_each_draw";

/// Nanoseconds per draw of every call criterion made, by (group, function): warm-up calls
/// first, then the measured samples, so the last [`SAMPLES`] are the ones criterion reports on.
static TIMES: Mutex<BTreeMap<(String, String), Vec<f64>>> = Mutex::new(BTreeMap::new());

/// Groups in the order they ran, for the summary.
static GROUPS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn fresh_rng() -> StreamRng {
    stream(1, 2, 3, 4)
}

/// Benchmarks `draw_once` as `function` of `group`: one iteration is one draw, from a generator
/// of the model's type. Keeps the nanoseconds per draw of each of criterion's calls.
fn bench_draw(
    criterion: &mut Criterion,
    group: &str,
    function: &str,
    mut draw_once: impl FnMut(&mut StreamRng) -> f64,
) {
    {
        let mut groups = GROUPS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !groups.iter().any(|known| known == group) {
            groups.push(group.to_owned());
        }
    }
    let mut rng = fresh_rng();
    let mut benchmark_group = criterion.benchmark_group(group);
    benchmark_group.sample_size(SAMPLES);
    benchmark_group.bench_function(function, |bencher| {
        bencher.iter_custom(|iterations| {
            let start = Instant::now();
            for _ in 0..iterations {
                black_box(draw_once(&mut rng));
            }
            let elapsed = start.elapsed();
            TIMES
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .entry((group.to_owned(), function.to_owned()))
                .or_default()
                .push(elapsed.as_secs_f64() * 1e9 / iterations.max(1) as f64);
            elapsed
        });
    });
    benchmark_group.finish();
}

fn normal(criterion: &mut Criterion) {
    bench_draw(criterion, "normal", OURS, standard_normal);
    bench_draw(criterion, "normal", RAND_DISTR, |rng| {
        StandardNormal.sample(rng)
    });
}

/// Lognormal as the model draws it (`draw` without the censoring): the median times the exp,
/// from the `libm` crate, of sigma times a standard normal.
fn lognormal(criterion: &mut Criterion) {
    let (median, sigma) = (3.0, 0.8);
    bench_draw(criterion, "lognormal", OURS, |rng| {
        black_box(median) * math::exp(black_box(sigma) * standard_normal(rng))
    });
    let prebuilt = LogNormal::new(f64::ln(median), sigma).expect("valid lognormal");
    bench_draw(criterion, "lognormal", RAND_DISTR, |rng| {
        prebuilt.sample(rng)
    });
}

fn gamma_shapes(criterion: &mut Criterion) {
    for shape in [0.5, 2.0, 40.0] {
        let group = format!("gamma_shape_{shape}");
        bench_draw(criterion, &group, OURS, |rng| gamma(black_box(shape), rng));
        let prebuilt = Gamma::new(shape, 1.0).expect("valid gamma");
        bench_draw(criterion, &group, RAND_DISTR, |rng| prebuilt.sample(rng));
        bench_draw(criterion, &group, RAND_DISTR_NEW, |rng| {
            Gamma::new(black_box(shape), 1.0)
                .expect("valid gamma")
                .sample(rng)
        });
    }
}

fn beta_shapes(criterion: &mut Criterion) {
    for (alpha, beta) in [(2.0, 5.0), (0.5, 0.5)] {
        let group = format!("beta_{alpha}_{beta}");
        bench_draw(criterion, &group, OURS, |rng| {
            beta_unit(black_box(alpha), black_box(beta), rng)
        });
        let prebuilt = Beta::new(alpha, beta).expect("valid beta");
        bench_draw(criterion, &group, RAND_DISTR, |rng| prebuilt.sample(rng));
        bench_draw(criterion, &group, RAND_DISTR_NEW, |rng| {
            Beta::new(black_box(alpha), black_box(beta))
                .expect("valid beta")
                .sample(rng)
        });
    }
}

fn poisson_means(criterion: &mut Criterion) {
    for mean in [3.0, 37.5, 1e4] {
        let group = format!("poisson_mean_{mean}");
        bench_draw(criterion, &group, OURS, |rng| poisson(black_box(mean), rng));
        let prebuilt = Poisson::new(mean).expect("valid poisson");
        bench_draw(criterion, &group, RAND_DISTR, |rng| prebuilt.sample(rng));
        bench_draw(criterion, &group, RAND_DISTR_NEW, |rng| {
            Poisson::new(black_box(mean))
                .expect("valid poisson")
                .sample(rng)
        });
    }
}

/// The median of the measured samples of a benchmark, in ns per draw, if it ran.
fn median_ns(group: &str, function: &str) -> Option<f64> {
    let times = TIMES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let all = times.get(&(group.to_owned(), function.to_owned()))?;
    let mut measured = all[all.len().saturating_sub(SAMPLES)..].to_vec();
    measured.sort_by(f64::total_cmp);
    let middle = measured.len() / 2;
    match measured.len() {
        0 => None,
        n if n % 2 == 1 => Some(measured[middle]),
        _ => Some((measured[middle - 1] + measured[middle]) / 2.0),
    }
}

/// Prints ns per draw, ours against rand_distr's, for the benchmarks that ran.
fn print_summary() {
    let groups = GROUPS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let format_ns = |ns: Option<f64>| ns.map_or_else(|| "-".to_owned(), |ns| format!("{ns:.1}"));
    let mut lines = Vec::new();
    for group in &groups {
        let ours = median_ns(group, OURS);
        let theirs = median_ns(group, RAND_DISTR);
        let ratio = match (ours, theirs) {
            (Some(ours), Some(theirs)) => format!("{:.2}", ours / theirs),
            _ => "-".to_owned(),
        };
        lines.push(format!(
            "| {group:<18} | {:>6} | {:>10} | {ratio:>15} | {:>24} |",
            format_ns(ours),
            format_ns(theirs),
            format_ns(median_ns(group, RAND_DISTR_NEW)),
        ));
    }
    if lines.is_empty() {
        return;
    }
    println!("\nNanoseconds per draw (medians of the measured samples):");
    println!(
        "| {:<18} | {:>6} | {:>10} | {:>15} | {:>24} |",
        "law", "ours", "rand_distr", "ours/rand_distr", "rand_distr new each draw"
    );
    println!(
        "|{:-<20}|{:->8}|{:->12}|{:->17}|{:->26}|",
        "", ":", ":", ":", ":"
    );
    for line in lines {
        println!("{line}");
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
    targets = normal, lognormal, gamma_shapes, beta_shapes, poisson_means
}

/// `criterion_main!`, followed by the summary.
fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_summary();
}
