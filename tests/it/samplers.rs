//! The model's samplers (`src/model/sample.rs`) against the exact laws they claim to draw from.
//!
//! - Value stability (as rand_distr's tests do it): the first draws of each sampler from a fixed
//!   stream, bit for bit. They catch a change of algorithm, of the order in which a sampler
//!   consumes its stream, or of the `libm` crate's rounding.
//! - Goodness of fit at fixed seeds: Kolmogorov-Smirnov for the continuous laws, chi-square for
//!   the Poisson, each at the level alpha = 0.001; the critical values are derived where they are
//!   defined.
//! - First and second moments over a grid of parameters that includes the edges (Poisson means
//!   from 1e-3 to past the cap, gamma shapes from 0.05 to 1e6), each within 4 Monte Carlo
//!   standard errors of the exact value.
//! - The frequency and shape of the normal sampler's tail, beyond the ziggurat's base layer.
//!
//! Every stream is fixed, so each test gives the same verdict on every run and machine. A test
//! that fails is a finding about the sampler, not noise to widen a tolerance for.

use std::f64::consts::SQRT_2;

use secsim::model::rng::{StreamRng, stream};
use secsim::model::sample::{
    Severity, beta_unit, draw, gamma, poisson, standard_normal, tempo, triangular,
};
use secsim::scenario::Distribution;
use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::beta::beta_reg;
use statrs::function::erf::erfc;
use statrs::function::gamma::{gamma_lr, ln_gamma};

/// Seed of every stream in this file; each test has its own element key.
const SEED: u64 = 20_240_917;

fn rng_for(key: u64) -> StreamRng {
    stream(SEED, key, 0, 0)
}

// ---------------------------------------------------------------------------------------------
// Value stability
// ---------------------------------------------------------------------------------------------

/// Asserts that `sampler`'s first draws from the stream of `key` are `expected`, bit for bit.
///
/// These numbers are part of secsim's reproducibility promise: every result file is made of
/// them. Changing one (another algorithm, another order of draws, another `libm`) is a decision
/// that also changes every baseline under `tests/baselines`; make it on purpose, paste the new
/// values (printed with `{:?}`, which round-trips exactly) and regenerate the baselines.
fn assert_pinned(key: u64, mut sampler: impl FnMut(&mut StreamRng) -> f64, expected: &[f64]) {
    let mut rng = rng_for(key);
    let drawn: Vec<f64> = expected.iter().map(|_| sampler(&mut rng)).collect();
    let same_bits = drawn
        .iter()
        .zip(expected)
        .all(|(got, want)| got.to_bits() == want.to_bits());
    assert!(
        same_bits,
        "stream key {key}: drew {drawn:?}, pinned {expected:?}"
    );
}

#[test]
fn pinned_standard_normal() {
    assert_pinned(
        1,
        standard_normal,
        &[
            1.4767276852790185,
            -2.1853472576280732,
            0.32074619846469665,
            -0.4182645287486286,
            -0.507496583569229,
        ],
    );
}

#[test]
fn pinned_gamma() {
    assert_pinned(
        2,
        |rng| gamma(0.3, rng),
        &[
            0.005635921676446079,
            0.011071542819226739,
            0.00760025808296006,
            0.03934744460150168,
            5.483207206193455e-7,
        ],
    );
    assert_pinned(
        3,
        |rng| gamma(1.0, rng),
        &[
            2.6967197434056205,
            0.4818232889785563,
            1.4161997802976611,
            0.37401934884966065,
            0.2802843370113031,
        ],
    );
    assert_pinned(
        4,
        |rng| gamma(2.5, rng),
        &[
            2.3206928395429753,
            1.524546595469489,
            3.1705039316232364,
            1.487682178929765,
            4.467381536541621,
        ],
    );
    assert_pinned(
        5,
        |rng| gamma(40.0, rng),
        &[
            39.251187831410014,
            38.98334810405855,
            47.365737080683914,
            29.682997572134017,
            42.7734299580948,
        ],
    );
}

#[test]
fn pinned_beta() {
    assert_pinned(
        6,
        |rng| beta_unit(0.5, 0.5, rng),
        &[
            0.9986485763748596,
            0.08818312900066488,
            0.11621941977016326,
            0.41619261273806507,
            0.5279038309247186,
        ],
    );
    assert_pinned(
        7,
        |rng| beta_unit(2.0, 5.0, rng),
        &[
            0.1907934699992109,
            0.6524025318178026,
            0.2650779679190903,
            0.019214179860172275,
            0.1288868269728819,
        ],
    );
}

#[test]
fn pinned_triangular() {
    assert_pinned(
        8,
        |rng| triangular(1.0, 2.0, 5.0, rng),
        &[
            3.5455860671528203,
            3.716976292484758,
            2.9477711719350115,
            3.010114882497702,
            2.858476896579511,
        ],
    );
}

#[test]
fn pinned_poisson() {
    assert_pinned(9, |rng| poisson(0.7, rng), &[0.0, 1.0, 0.0, 0.0, 1.0]);
    assert_pinned(10, |rng| poisson(9.9, rng), &[4.0, 13.0, 10.0, 14.0, 7.0]);
    assert_pinned(11, |rng| poisson(10.0, rng), &[8.0, 15.0, 10.0, 7.0, 12.0]);
    assert_pinned(
        12,
        |rng| poisson(37.5, rng),
        &[34.0, 39.0, 42.0, 39.0, 32.0],
    );
    assert_pinned(
        13,
        |rng| poisson(1e4, rng),
        &[10081.0, 10161.0, 9918.0, 9876.0, 9950.0],
    );
    assert_pinned(
        14,
        |rng| poisson(1e6, rng),
        &[1000261.0, 1000036.0, 999004.0, 999793.0, 999599.0],
    );
    assert_pinned(
        15,
        |rng| poisson(1e9, rng),
        &[1003255.0, 1000186.0, 1000740.0, 999616.0, 1000814.0],
    );
}

#[test]
fn pinned_tempo() {
    assert_pinned(
        16,
        |rng| tempo(6.0, rng),
        &[
            0.528835996479066,
            1.0321848248806693,
            0.9241105481541895,
            0.5554377835755104,
            0.41778788031652253,
        ],
    );
}

#[test]
fn pinned_lognormal_draw() {
    let lognormal = Distribution::LogNormal {
        median: 3.0,
        sigma: 0.8,
        min: 1.0,
        max: 40.0,
    };
    assert_pinned(
        17,
        |rng| draw(&lognormal, rng),
        &[
            7.395576518525624,
            4.02632548082871,
            4.249754379570105,
            1.0,
            3.9226340325252034,
        ],
    );
}

#[test]
fn pinned_severity_total_deaths() {
    let severity = Severity::new(2.5, 1.4, 200.0);
    assert_pinned(
        18,
        |rng| severity.total_deaths(7.0, 1.0, &mut *rng),
        &[12.0, 27.0, 79.0, 11.0, 13.0],
    );
}

/// The capped means draw from the law at the cap, on the same stream.
#[test]
fn poisson_means_past_the_cap_draw_as_the_cap() {
    for mean in [1e6 + 1.0, 1e9, 1e19, f64::INFINITY] {
        let mut at_cap = rng_for(19);
        let mut past_cap = rng_for(19);
        for _ in 0..100 {
            assert_eq!(
                poisson(1e6, &mut at_cap),
                poisson(mean, &mut past_cap),
                "mean {mean}"
            );
        }
    }
}

#[test]
fn degenerate_parameters_give_fixed_values() {
    let mut rng = rng_for(20);
    for mean in [0.0, -1.0, f64::NAN, f64::NEG_INFINITY] {
        assert_eq!(poisson(mean, &mut rng), 0.0, "poisson({mean})");
    }
    for dispersion in [0.0, -2.0, f64::NAN, f64::INFINITY] {
        assert_eq!(tempo(dispersion, &mut rng), 1.0, "tempo({dispersion})");
    }
    assert_eq!(triangular(3.0, 3.0, 3.0, &mut rng), 3.0);
    assert_eq!(
        Severity::new(2.5, 1.4, 1e6).total_deaths(0.0, 1.0, &mut rng),
        0.0
    );
    assert_eq!(
        Severity::new(0.0, 1.4, 1e6).total_deaths(5.0, 1.0, &mut rng),
        0.0
    );
}

// ---------------------------------------------------------------------------------------------
// Kolmogorov-Smirnov
// ---------------------------------------------------------------------------------------------

/// Critical value of sqrt(n) D at alpha = 0.001. Under the null hypothesis (a continuous law
/// with distribution function F), sqrt(n) D_n tends to the Kolmogorov distribution,
/// P(K > x) = 2 sum_{k >= 1} (-1)^(k-1) exp(-2 k^2 x^2); at x = 1.949 the first term is
/// 2 exp(-7.597) = 1.003e-3 and the rest is below 1e-12, so 1.949 is the 0.001 quantile (1.9495)
/// rounded down, a level of 0.001 to within 0.4%. For finite n,
/// sqrt(n) D_n is stochastically smaller than K (the exact critical values lie below the
/// asymptotic ones), so the test is, if anything, conservative at n = 20,000 to 50,000.
const KS_CRITICAL: f64 = 1.949;

/// Draws per Kolmogorov-Smirnov test.
const KS_DRAWS: usize = 40_000;

/// sqrt(n) times the Kolmogorov-Smirnov distance between `sample` and the law with
/// distribution function `cdf`. Ties are handled by the same formula: at a run of equal values
/// the largest gaps are taken at its first and last index.
fn ks_scaled_distance(mut sample: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
    sample.sort_by(f64::total_cmp);
    let n = sample.len() as f64;
    let mut distance = 0.0f64;
    for (index, &value) in sample.iter().enumerate() {
        let expected = cdf(value);
        let below = index as f64 / n;
        let at_or_below = (index + 1) as f64 / n;
        distance = distance.max(at_or_below - expected).max(expected - below);
    }
    n.sqrt() * distance
}

fn assert_ks(label: &str, sample: Vec<f64>, cdf: impl Fn(f64) -> f64) {
    let n = sample.len();
    let statistic = ks_scaled_distance(sample, cdf);
    assert!(
        statistic < KS_CRITICAL,
        "{label}: sqrt(n) D = {statistic:.4} with n = {n}, critical value {KS_CRITICAL} \
         (alpha = 0.001)"
    );
}

fn sample_of(key: u64, n: usize, mut sampler: impl FnMut(&mut StreamRng) -> f64) -> Vec<f64> {
    let mut rng = rng_for(key);
    (0..n).map(|_| sampler(&mut rng)).collect()
}

/// The standard normal distribution function.
fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / SQRT_2)
}

/// P(Z > x) for a standard normal Z, accurate in the far tail.
fn normal_upper_tail(x: f64) -> f64 {
    0.5 * erfc(x / SQRT_2)
}

/// The gamma distribution function, shape `shape`, scale 1. statrs' `gamma_lr` returns 0 for
/// x below about 1.1e-15, where the law of a shape below 1 still has mass (3% below 1e-15 at
/// shape 0.1); there the first two terms of the series P(a, x) = x^a / Gamma(a + 1)
/// (1 - a x / (a + 1) + ...) are exact to double precision.
fn gamma_cdf(shape: f64, x: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else if x < 1e-10 {
        (shape * x.ln() - ln_gamma(shape + 1.0)).exp() * (1.0 - shape * x / (shape + 1.0))
    } else {
        gamma_lr(shape, x)
    }
}

#[test]
fn normal_fits_exactly() {
    let sample = sample_of(30, KS_DRAWS, standard_normal);
    assert_ks("standard normal", sample, normal_cdf);
}

#[test]
fn gamma_fits_exactly() {
    for (index, shape) in [0.1, 0.5, 1.0, 3.0, 50.0].into_iter().enumerate() {
        let sample = sample_of(31 + index as u64, KS_DRAWS, |rng| gamma(shape, rng));
        assert_ks(&format!("gamma shape {shape}"), sample, |x| {
            gamma_cdf(shape, x)
        });
    }
}

#[test]
fn beta_fits_exactly() {
    let shapes = [
        (0.5, 0.5),
        (0.2, 0.7),
        (0.7, 0.3),
        (1.0, 1.0),
        (2.0, 5.0),
        (0.4, 3.0),
        (30.0, 45.0),
    ];
    for (index, (alpha, beta)) in shapes.into_iter().enumerate() {
        let sample = sample_of(40 + index as u64, KS_DRAWS, |rng| {
            beta_unit(alpha, beta, rng)
        });
        assert_ks(&format!("beta ({alpha}, {beta})"), sample, |x| {
            beta_reg(alpha, beta, x.clamp(0.0, 1.0))
        });
    }
}

/// The triangular distribution function.
fn triangular_cdf(min: f64, mode: f64, max: f64, x: f64) -> f64 {
    if x <= min {
        0.0
    } else if x >= max {
        1.0
    } else if x <= mode {
        (x - min).powi(2) / ((max - min) * (mode - min))
    } else {
        1.0 - (max - x).powi(2) / ((max - min) * (max - mode))
    }
}

#[test]
fn triangular_fits_exactly() {
    let parameters = [
        (1.0, 2.0, 5.0),
        (0.0, 0.0, 1.0),
        (-3.0, 4.0, 4.0),
        (10.0, 10.5, 11.0),
    ];
    for (index, (min, mode, max)) in parameters.into_iter().enumerate() {
        let sample = sample_of(50 + index as u64, KS_DRAWS, |rng| {
            triangular(min, mode, max, rng)
        });
        assert_ks(&format!("triangular ({min}, {mode}, {max})"), sample, |x| {
            triangular_cdf(min, mode, max, x)
        });
    }
}

/// Lognormal through `draw`, with bounds 0 and infinity, which censor nothing.
#[test]
fn lognormal_draw_fits_exactly() {
    for (index, (median, sigma)) in [(3.0, 0.8), (0.02, 0.1), (150.0, 2.0)]
        .into_iter()
        .enumerate()
    {
        let lognormal = Distribution::LogNormal {
            median,
            sigma,
            min: 0.0,
            max: f64::INFINITY,
        };
        let sample = sample_of(60 + index as u64, KS_DRAWS, |rng| draw(&lognormal, rng));
        assert_ks(
            &format!("lognormal (median {median}, sigma {sigma})"),
            sample,
            |x| normal_cdf((x / median).ln() / sigma),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Chi-square for the Poisson
// ---------------------------------------------------------------------------------------------

/// Draws per Poisson chi-square test.
const CHI_SQUARE_DRAWS: usize = 100_000;

/// Level of every chi-square test.
const CHI_SQUARE_ALPHA: f64 = 0.001;

/// ln P(X = k) for X ~ Poisson(mean).
fn poisson_ln_pmf(mean: f64, k: f64) -> f64 {
    -mean + k * mean.ln() - ln_gamma(k + 1.0)
}

/// Pearson's statistic of `counts` against Poisson(`mean`) and its number of bins.
///
/// Bins are runs of consecutive counts, formed from the left until each expects at least 5
/// draws; the first bin takes in the left tail and the last the right tail (a last run that
/// expects fewer than 5 is merged into the bin before it). Counts are scanned over
/// mean +- (12 sd + 30), outside which the probability is below 1e-30.
fn poisson_chi_square(mean: f64, counts: &[f64]) -> (f64, usize) {
    let n = counts.len() as f64;
    let sd = mean.sqrt();
    let low = (mean - 12.0 * sd - 30.0).floor().max(0.0);
    let high = (mean + 12.0 * sd + 30.0).ceil();
    // (last count in the bin, probability of the bin)
    let mut bins: Vec<(f64, f64)> = Vec::new();
    let mut open_probability = 0.0;
    let mut k = low;
    while k <= high {
        open_probability += poisson_ln_pmf(mean, k).exp();
        if n * open_probability >= 5.0 {
            bins.push((k, open_probability));
            open_probability = 0.0;
        }
        k += 1.0;
    }
    assert!(bins.len() >= 2, "mean {mean}: fewer than 2 bins");
    // The right tail: whatever the closed bins before the last leave.
    let last = bins.len() - 1;
    let before_last: f64 = bins[..last]
        .iter()
        .map(|&(_, probability)| probability)
        .sum();
    bins[last].1 = 1.0 - before_last;
    bins[last].0 = f64::INFINITY;

    let mut observed = vec![0.0; bins.len()];
    for &count in counts {
        assert!(
            count >= 0.0 && count == count.floor(),
            "mean {mean}: drew {count}"
        );
        let bin = bins.partition_point(|&(last_count, _)| last_count < count);
        observed[bin] += 1.0;
    }
    let statistic = bins
        .iter()
        .zip(&observed)
        .map(|(&(_, probability), &observed)| {
            let expected = n * probability;
            (observed - expected).powi(2) / expected
        })
        .sum();
    (statistic, bins.len())
}

/// The critical value of a chi-square statistic with `bins - 1` degrees of freedom (the
/// parameters are given, not estimated) at level [`CHI_SQUARE_ALPHA`]: the 0.999 quantile of
/// the chi-square distribution, from statrs.
fn chi_square_critical(bins: usize) -> f64 {
    ChiSquared::new((bins - 1) as f64)
        .expect("positive degrees of freedom")
        .inverse_cdf(1.0 - CHI_SQUARE_ALPHA)
}

/// Means on both sides of the switch from inversion to PTRS at 10, and from near 0 to 1e5.
#[test]
fn poisson_fits_exactly() {
    let means = [0.05, 0.7, 5.0, 9.99, 10.0, 12.0, 37.5, 1000.0, 1e5];
    for (index, mean) in means.into_iter().enumerate() {
        let counts = sample_of(70 + index as u64, CHI_SQUARE_DRAWS, |rng| {
            poisson(mean, rng)
        });
        let (statistic, bins) = poisson_chi_square(mean, &counts);
        let critical = chi_square_critical(bins);
        assert!(
            statistic < critical,
            "poisson mean {mean}: chi-square {statistic:.2} over {bins} bins (df {}), \
             critical value {critical:.2} (alpha = {CHI_SQUARE_ALPHA})",
            bins - 1
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Moments over a grid of parameters
// ---------------------------------------------------------------------------------------------

/// Exact mean, variance and fourth central moment of a law.
#[derive(Debug, Clone, Copy)]
struct Moments {
    mean: f64,
    variance: f64,
    fourth_central: f64,
}

impl Moments {
    /// From the mean, variance and excess kurtosis.
    fn with_excess_kurtosis(mean: f64, variance: f64, excess_kurtosis: f64) -> Self {
        Moments {
            mean,
            variance,
            fourth_central: variance * variance * (3.0 + excess_kurtosis),
        }
    }

    fn poisson(mean: f64) -> Self {
        Moments {
            mean,
            variance: mean,
            fourth_central: mean + 3.0 * mean * mean,
        }
    }

    fn gamma(shape: f64) -> Self {
        Moments::with_excess_kurtosis(shape, shape, 6.0 / shape)
    }

    fn beta(alpha: f64, beta: f64) -> Self {
        let sum = alpha + beta;
        let variance = alpha * beta / (sum * sum * (sum + 1.0));
        let excess_kurtosis = 6.0
            * ((alpha - beta).powi(2) * (sum + 1.0) - alpha * beta * (sum + 2.0))
            / (alpha * beta * (sum + 2.0) * (sum + 3.0));
        Moments::with_excess_kurtosis(alpha / sum, variance, excess_kurtosis)
    }

    fn triangular(min: f64, mode: f64, max: f64) -> Self {
        let variance =
            (min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0;
        Moments::with_excess_kurtosis((min + mode + max) / 3.0, variance, -0.6)
    }

    fn lognormal(median: f64, sigma: f64) -> Self {
        let spread = (sigma * sigma).exp();
        let variance = (spread - 1.0) * median * median * spread;
        let kurtosis = spread.powi(4) + 2.0 * spread.powi(3) + 3.0 * spread.powi(2) - 3.0;
        Moments::with_excess_kurtosis(median * spread.sqrt(), variance, kurtosis - 3.0)
    }

    /// The law of a + b X.
    fn affine(self, offset: f64, scale: f64) -> Self {
        Moments {
            mean: offset + scale * self.mean,
            variance: scale * scale * self.variance,
            fourth_central: scale.powi(4) * self.fourth_central,
        }
    }
}

/// Asserts that the sample mean and variance of `sample` are each within 4 Monte Carlo
/// standard errors of the law's: sqrt(variance / n) for the mean, and for the (unbiased)
/// sample variance sqrt((mu4 - variance^2 (n - 3) / (n - 1)) / n), its exact sampling sd.
/// The grid keeps to laws whose sample variance is close to normal at these n (a lognormal with
/// sigma above 1 is checked for its mean only).
fn assert_moments(label: &str, sample: &[f64], law: Moments, check_variance: bool) {
    let n = sample.len() as f64;
    let mean = sample.iter().sum::<f64>() / n;
    let variance = sample.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let mean_se = (law.variance / n).sqrt();
    assert!(
        (mean - law.mean).abs() <= 4.0 * mean_se,
        "{label}: mean {mean}, expected {} (4 MCSE = {}, n = {n})",
        law.mean,
        4.0 * mean_se
    );
    if check_variance {
        let variance_se =
            ((law.fourth_central - law.variance * law.variance * (n - 3.0) / (n - 1.0)) / n).sqrt();
        assert!(
            (variance - law.variance).abs() <= 4.0 * variance_se,
            "{label}: variance {variance}, expected {} (4 MCSE = {}, n = {n})",
            law.variance,
            4.0 * variance_se
        );
    }
}

/// Draws per point of the moment grids (a million for the smallest Poisson mean, to see a
/// thousand events).
const MOMENT_DRAWS: usize = 200_000;

#[test]
fn poisson_moments_over_the_grid() {
    let means = [
        1e-3, 0.05, 0.7, 1.0, 9.999, 10.0, 10.001, 37.5, 1e3, 1e5, 1e6, 1e9, 1e12,
    ];
    for (index, mean) in means.into_iter().enumerate() {
        let n = if mean < 0.01 { 1_000_000 } else { MOMENT_DRAWS };
        let sample = sample_of(100 + index as u64, n, |rng| poisson(mean, rng));
        // Means past the cap draw from the law at the cap.
        let law = Moments::poisson(mean.min(1e6));
        assert_moments(&format!("poisson mean {mean}"), &sample, law, true);
    }
}

#[test]
fn gamma_moments_over_the_grid() {
    let shapes = [0.05, 0.3, 0.999, 1.0, 1.001, 2.5, 40.0, 1e4, 1e6];
    for (index, shape) in shapes.into_iter().enumerate() {
        let sample = sample_of(120 + index as u64, MOMENT_DRAWS, |rng| gamma(shape, rng));
        assert_moments(
            &format!("gamma shape {shape}"),
            &sample,
            Moments::gamma(shape),
            true,
        );
    }
}

#[test]
fn tempo_moments_over_the_grid() {
    for (index, dispersion) in [0.2, 1.0, 6.0, 1e3].into_iter().enumerate() {
        let sample = sample_of(140 + index as u64, MOMENT_DRAWS, |rng| {
            tempo(dispersion, rng)
        });
        let law = Moments::gamma(dispersion).affine(0.0, 1.0 / dispersion);
        assert_moments(
            &format!("tempo dispersion {dispersion}"),
            &sample,
            law,
            true,
        );
    }
}

#[test]
fn beta_moments_over_the_grid() {
    let shapes = [
        (0.05, 0.05),
        (0.1, 0.3),
        (0.5, 0.5),
        (1.0, 1.0),
        (2.0, 5.0),
        (50.0, 0.5),
        (1e3, 2e3),
    ];
    for (index, (alpha, beta)) in shapes.into_iter().enumerate() {
        let sample = sample_of(150 + index as u64, MOMENT_DRAWS, |rng| {
            beta_unit(alpha, beta, rng)
        });
        let label = format!("beta ({alpha}, {beta})");
        assert_moments(&label, &sample, Moments::beta(alpha, beta), true);
    }
    // Through `draw`, rescaled to [min, max].
    let scaled = Distribution::Beta {
        alpha: 2.0,
        beta: 3.0,
        min: 10.0,
        max: 30.0,
    };
    let sample = sample_of(160, MOMENT_DRAWS, |rng| draw(&scaled, rng));
    let law = Moments::beta(2.0, 3.0).affine(10.0, 20.0);
    assert_moments("beta (2, 3) on [10, 30]", &sample, law, true);
}

#[test]
fn continuous_draw_moments_over_the_grid() {
    let triangles = [(1.0, 2.0, 5.0), (0.0, 0.0, 1.0), (-3.0, 4.0, 4.0)];
    for (index, (min, mode, max)) in triangles.into_iter().enumerate() {
        let triangle = Distribution::Triangular { min, mode, max };
        let sample = sample_of(170 + index as u64, MOMENT_DRAWS, |rng| draw(&triangle, rng));
        let label = format!("triangular ({min}, {mode}, {max})");
        assert_moments(&label, &sample, Moments::triangular(min, mode, max), true);
    }
    for (index, (median, sigma)) in [(3.0, 0.05), (3.0, 0.5), (1.0, 1.0), (40.0, 1.5)]
        .into_iter()
        .enumerate()
    {
        let lognormal = Distribution::LogNormal {
            median,
            sigma,
            min: 0.0,
            max: f64::INFINITY,
        };
        let sample = sample_of(180 + index as u64, MOMENT_DRAWS, |rng| {
            draw(&lognormal, rng)
        });
        let label = format!("lognormal (median {median}, sigma {sigma})");
        assert_moments(
            &label,
            &sample,
            Moments::lognormal(median, sigma),
            sigma < 1.0,
        );
    }
    let normal = Distribution::Normal {
        mean: -4.0,
        sd: 2.5,
        min: f64::NEG_INFINITY,
        max: f64::INFINITY,
    };
    let sample = sample_of(190, MOMENT_DRAWS, |rng| draw(&normal, rng));
    let law = Moments::with_excess_kurtosis(-4.0, 6.25, 0.0);
    assert_moments("normal (-4, 2.5)", &sample, law, true);
    let uniform = Distribution::Uniform {
        min: -1.0,
        max: 7.0,
    };
    let sample = sample_of(191, MOMENT_DRAWS, |rng| draw(&uniform, rng));
    let law = Moments::with_excess_kurtosis(3.0, 64.0 / 12.0, -1.2);
    assert_moments("uniform (-1, 7)", &sample, law, true);
}

/// E[min(L, cap)] for L lognormal with mean `mean` and log-sd `sigma`: the partial mean below
/// the cap plus the cap times the probability above it.
fn capped_lognormal_mean(mean: f64, sigma: f64, cap: f64) -> f64 {
    let log_median = mean.ln() - 0.5 * sigma * sigma;
    let z = (cap.ln() - log_median) / sigma;
    mean * normal_cdf(z - sigma) + cap * normal_upper_tail(z)
}

/// Total deaths keep the mean of `attacks` capped lognormal draws (the stochastic rounding adds
/// no bias). The variance of the rounded total has no simple closed form, so the tolerance is
/// 4 standard errors estimated from the sample's sd.
#[test]
fn severity_total_deaths_keep_the_capped_mean() {
    let cases = [
        (2.5, 1.4, 1e6, 1.0),
        (2.5, 1.4, 20.0, 3.0),
        (0.3, 0.5, 1e6, 12.0),
        (8.0, 2.0, 50.0, 40.0),
    ];
    for (index, (mean, sigma, cap, attacks)) in cases.into_iter().enumerate() {
        let severity = Severity::new(mean, sigma, cap);
        let sample = sample_of(200 + index as u64, MOMENT_DRAWS, |rng| {
            severity.total_deaths(attacks, 1.0, &mut *rng)
        });
        assert!(
            sample
                .iter()
                .all(|&deaths| deaths == deaths.floor() && deaths >= 0.0),
            "severity (mean {mean}, sigma {sigma}, cap {cap}): a total that is not a whole \
             number of deaths"
        );
        let n = sample.len() as f64;
        let sample_mean = sample.iter().sum::<f64>() / n;
        let sample_sd = (sample
            .iter()
            .map(|x| (x - sample_mean).powi(2))
            .sum::<f64>()
            / (n - 1.0))
            .sqrt();
        let expected = attacks * capped_lognormal_mean(mean, sigma, cap);
        let tolerance = 4.0 * sample_sd / n.sqrt();
        assert!(
            (sample_mean - expected).abs() <= tolerance,
            "severity (mean {mean}, sigma {sigma}, cap {cap}) x {attacks} attacks: mean \
             {sample_mean}, expected {expected} (4 MCSE = {tolerance})"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The normal sampler in detail
// ---------------------------------------------------------------------------------------------

/// Right edge of the ziggurat's base layer, `ZIG_NORM_R` in `src/model/ziggurat_tables.rs`:
/// the ziggurat returns values beyond it only from its tail algorithm (Marsaglia 1964).
const ZIGGURAT_BASE_EDGE: f64 = 3.654152885361009;

/// The tail beyond the base layer is drawn with the right frequency, on each side, and with the
/// right shape. P(|Z| > 3.6542) = 2.58e-4, so 4e6 draws expect about 1,032 values there, with a
/// binomial sd of about 32; each count must be within 4 sds of its expectation. The shape is a
/// Kolmogorov-Smirnov test of |Z| given |Z| > r against P(|Z| <= x | |Z| > r) =
/// 1 - Q(x) / Q(r), Q the upper tail, at the critical value of [`KS_CRITICAL`].
#[test]
fn normal_tail_beyond_the_ziggurat_base() {
    let n = 4_000_000usize;
    let mut rng = rng_for(300);
    let mut tail = Vec::new();
    let mut upper = 0usize;
    for _ in 0..n {
        let x = standard_normal(&mut rng);
        if x.abs() > ZIGGURAT_BASE_EDGE {
            tail.push(x.abs());
            if x > 0.0 {
                upper += 1;
            }
        }
    }
    let one_side = normal_upper_tail(ZIGGURAT_BASE_EDGE);
    let within_4_sd = |label: &str, count: usize, probability: f64| {
        let expected = n as f64 * probability;
        let sd = (n as f64 * probability * (1.0 - probability)).sqrt();
        assert!(
            (count as f64 - expected).abs() <= 4.0 * sd,
            "{label}: {count} draws beyond {ZIGGURAT_BASE_EDGE} in {n}, expected {expected:.1} \
             (p = {probability:.4e}, binomial sd {sd:.1})"
        );
    };
    within_4_sd("|z|", tail.len(), 2.0 * one_side);
    within_4_sd("z > 0", upper, one_side);
    within_4_sd("z < 0", tail.len() - upper, one_side);
    assert_ks("normal tail |z| > r", tail, |x| {
        1.0 - normal_upper_tail(x) / one_side
    });
}

/// A finer look at the body than Kolmogorov-Smirnov at 40,000 draws can give: 1e7 draws in
/// bins 0.05 wide over [-4, 4] and two tail bins (each expects over 300), so that an error in
/// one of the ziggurat's 256 layers (each 1/256 of the mass) shows. Critical value: the 0.999
/// quantile of chi-square with bins - 1 = 161 degrees of freedom.
#[test]
fn normal_histogram_fits_finely() {
    let n = 10_000_000usize;
    let width = 0.05;
    let inner_bins = 160usize;
    let left_edge = -4.0;
    let mut observed = vec![0.0f64; inner_bins + 2];
    let mut rng = rng_for(301);
    for _ in 0..n {
        let x = standard_normal(&mut rng);
        let position = ((x - left_edge) / width).floor();
        let bin = if position < 0.0 {
            0
        } else if position >= inner_bins as f64 {
            inner_bins + 1
        } else {
            position as usize + 1
        };
        observed[bin] += 1.0;
    }
    // P(a < Z <= b), from the tail on the side of the interval to avoid cancellation.
    let probability = |a: f64, b: f64| {
        if a >= 0.0 {
            normal_upper_tail(a) - normal_upper_tail(b)
        } else {
            normal_upper_tail(-b) - normal_upper_tail(-a)
        }
    };
    let mut expected = vec![n as f64 * normal_upper_tail(-left_edge)];
    for bin in 0..inner_bins {
        let a = left_edge + width * bin as f64;
        expected.push(n as f64 * probability(a, a + width));
    }
    expected.push(n as f64 * normal_upper_tail(-left_edge));
    let statistic: f64 = observed
        .iter()
        .zip(&expected)
        .map(|(observed, expected)| (observed - expected).powi(2) / expected)
        .sum();
    let critical = chi_square_critical(expected.len());
    assert!(
        statistic < critical,
        "normal histogram: chi-square {statistic:.2} over {} bins, critical value \
         {critical:.2} (alpha = {CHI_SQUARE_ALPHA})",
        expected.len()
    );
}
