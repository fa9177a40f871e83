//! Draws from the scenario's distributions and the model's count and severity laws.

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution as _, Gamma, Poisson, StandardNormal, Triangular};

use crate::scenario::Distribution;

/// One draw from a validated distribution.
pub fn draw<R: Rng + ?Sized>(distribution: &Distribution, rng: &mut R) -> f64 {
    match distribution {
        Distribution::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
        Distribution::Normal { mean, sd, min, max } => {
            // Censored, not truncated: values beyond a bound are set to it (documented in
            // scenarios/README.md); this keeps one draw per parameter and cannot loop.
            let z: f64 = rng.sample(StandardNormal);
            (mean + sd * z).clamp(*min, *max)
        }
        Distribution::LogNormal {
            median,
            sigma,
            min,
            max,
        } => {
            // Censored like Normal: values beyond a bound are set to it.
            let z: f64 = rng.sample(StandardNormal);
            (median * (sigma * z).exp()).clamp(*min, *max)
        }
        Distribution::Beta {
            alpha,
            beta,
            min,
            max,
        } => {
            // Parameters were checked positive and finite at validation.
            let unit = Beta::new(*alpha, *beta).map_or(0.5, |beta| beta.sample(rng));
            min + (max - min) * unit
        }
        Distribution::Triangular { min, mode, max } => {
            Triangular::new(*min, *max, *mode).map_or(*mode, |triangular| triangular.sample(rng))
        }
        Distribution::Discrete {
            values,
            cumulative_weights,
        } => {
            let u: f64 = rng.random();
            let index = cumulative_weights
                .iter()
                .position(|&cumulative| u < cumulative)
                .unwrap_or(values.len() - 1);
            values[index]
        }
    }
}

/// Largest Poisson mean drawn: a month with more than a million events of one kind has left the
/// model's domain, and each attack's deaths are drawn one by one, so a larger count (a state whose
/// capacity is shocked to 0 can ask for 1e19) would keep a replication running for days.
const MAX_POISSON_MEAN: f64 = 1e6;

/// A Poisson count with mean `mean` (at most [`MAX_POISSON_MEAN`]); 0 for a non-positive mean.
pub fn poisson<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> f64 {
    if mean > 0.0 {
        Poisson::new(mean.min(MAX_POISSON_MEAN)).map_or(mean, |poisson| poisson.sample(rng))
    } else {
        0.0
    }
}

/// A gamma multiplier with mean 1 and variance `1 / dispersion`. Poisson counts whose means
/// are all multiplied by the same draw sum to a negative binomial with shape `dispersion`
/// (variance `mean + mean^2 / dispersion`).
pub fn tempo<R: Rng + ?Sized>(dispersion: f64, rng: &mut R) -> f64 {
    Gamma::new(dispersion, 1.0 / dispersion).map_or(1.0, |gamma| gamma.sample(rng))
}

/// Deaths per attack (M7): lognormal with mean `mean_deaths` and log-sd `sigma`, capped at `cap`
/// per attack. Holds the lognormal's log-median, so that its logarithm is taken when the
/// parameters change rather than for every cell and month.
#[derive(Debug, Clone, Copy)]
pub struct Severity {
    mean_deaths: f64,
    log_median: f64,
    sigma: f64,
    cap: f64,
}

impl Severity {
    /// The severity law with mean `mean_deaths`, log-sd `sigma` and cap `cap`.
    pub fn new(mean_deaths: f64, sigma: f64, cap: f64) -> Self {
        Severity {
            mean_deaths,
            log_median: mean_deaths.ln() - 0.5 * sigma * sigma,
            sigma,
            cap,
        }
    }

    /// Total deaths in `attacks` attacks. The total is rounded to a whole number stochastically
    /// (down or up with the fractional part as probability), which keeps the mean and costs one
    /// uniform draw per month instead of one per attack.
    ///
    /// Takes the generator by value (pass `&mut rng` to keep using it): this loop is the hottest
    /// of a replication, and a generator held here rather than behind a reference stays in
    /// registers across the `exp` calls instead of being written back to memory every attack.
    pub fn total_deaths<R: Rng>(&self, attacks: f64, mut rng: R) -> f64 {
        if self.mean_deaths <= 0.0 || attacks <= 0.0 {
            return 0.0;
        }
        let Severity {
            log_median,
            sigma,
            cap,
            ..
        } = *self;
        let mut total = 0.0;
        // `&mut R` is a generator too: sampling through it gives the same draws, in the same
        // order, as sampling `rng` itself, but from a copy of the sampler that only this loop
        // uses, which the compiler inlines here rather than calling the copy shared with the
        // other normal draws.
        let mut attack_rng = &mut rng;
        for _ in 0..attacks as u64 {
            let z: f64 = StandardNormal.sample(&mut attack_rng);
            total += (log_median + sigma * z).exp().min(cap);
        }
        // Truncation of a non-negative number is its floor, without a libm call.
        let whole = (total as u64) as f64;
        whole
            + if rng.random::<f64>() < total - whole {
                1.0
            } else {
                0.0
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rng::stream;

    fn mean_and_variance(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = values
            .iter()
            .map(|value| (value - mean).powi(2))
            .sum::<f64>()
            / (n - 1.0);
        (mean, variance)
    }

    /// Mean within 4 Monte Carlo standard errors (sd / sqrt(n)) of the target; variance within
    /// 10% (the sampling sd of a negative binomial's variance at n = 200,000 is about 1%).
    #[test]
    fn tempo_mixed_poisson_is_negative_binomial() {
        let mut rng = stream(1, 2, 3, 4);
        let (mean, dispersion) = (37.5, 6.0);
        let draws: Vec<f64> = (0..200_000)
            .map(|_| {
                let shared = tempo(dispersion, &mut rng);
                poisson(0.4 * mean * shared, &mut rng) + poisson(0.6 * mean * shared, &mut rng)
            })
            .collect();
        let (sample_mean, sample_variance) = mean_and_variance(&draws);
        let expected_variance = mean + mean * mean / dispersion;
        let mcse = (expected_variance / draws.len() as f64).sqrt();
        assert!(
            (sample_mean - mean).abs() < 4.0 * mcse,
            "mean {sample_mean}"
        );
        assert!(
            (sample_variance / expected_variance - 1.0).abs() < 0.1,
            "variance {sample_variance}"
        );
    }

    /// The per-attack mean is kept by the stochastic rounding; 4 MCSE tolerance.
    #[test]
    fn fatalities_keep_the_mean_per_attack() {
        let mut rng = stream(5, 6, 7, 8);
        let draws: Vec<f64> = (0..100_000)
            .map(|_| Severity::new(2.5, 1.4, 1e6).total_deaths(1.0, &mut rng))
            .collect();
        let (sample_mean, sample_variance) = mean_and_variance(&draws);
        let mcse = (sample_variance / draws.len() as f64).sqrt();
        assert!(
            (sample_mean - 2.5).abs() < 4.0 * mcse,
            "mean {sample_mean} mcse {mcse}"
        );
    }

    #[test]
    fn discrete_draws_follow_weights() {
        let distribution = Distribution::Discrete {
            values: vec![1.0, 2.0],
            cumulative_weights: vec![0.25, 1.0],
        };
        let mut rng = stream(9, 9, 9, 9);
        let n = 40_000;
        let ones = (0..n)
            .filter(|_| draw(&distribution, &mut rng) == 1.0)
            .count() as f64;
        let mcse = (0.25f64 * 0.75 / n as f64).sqrt();
        assert!((ones / n as f64 - 0.25).abs() < 4.0 * mcse);
    }
}
