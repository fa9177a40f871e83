//! Forecast distributions and the proper scoring rules secsim reports for them.
//!
//! Every forecast, the model's and each benchmark's, is a discrete distribution: sorted support
//! points and the cumulative probability at each. A model forecast is the empirical distribution
//! of its replications; a negative binomial benchmark is its probability mass function over the
//! integers. Scores are computed the same way for all of them:
//!
//! - CRPS (Gneiting & Raftery 2007, eq. 20): the integral over x of (F(x) - 1{x >= y})^2, done
//!   exactly, interval by interval between support points and the observation. For a sample it
//!   equals the sample's CRPS, E|X - y| - E|X - X'| / 2, with no approximation.
//! - The 90% interval score (Gneiting & Raftery 2007, eq. 43) with alpha = 0.1:
//!   (u - l) + (2 / alpha) (l - y) 1{y < l} + (2 / alpha) (y - u) 1{y > u}, where l and u are the
//!   5% and 95% quantiles.
//! - Coverage: whether y lies in [q25, q75] and in [q05, q95].
//! - PIT, randomised (Czado, Gneiting & Held 2009) so that counts give a uniform PIT under a
//!   calibrated forecast: F(y-) + v (F(y) - F(y-)), v uniform on [0, 1).
//! - Bias: median minus observed.
//!
//! Quantiles are the inverse of the distribution function (the smallest support point whose
//! cumulative probability reaches p; type 1 of Hyndman & Fan 1996), so every quantile is a value
//! the forecast can take.

use crate::math;

/// Probability mass left out of a negative binomial's support: the CRPS leaves out the tail's
/// (1 - F)^2, at most this times the distance to where the sum would end.
pub const TAIL_MASS: f64 = 1e-12;

/// Largest support a fitted count distribution is given (a mean above about a million events a
/// month is not a count any observed series has).
const MAX_SUPPORT: usize = 10_000_000;

/// A forecast distribution: support points in increasing order and the cumulative probability
/// at each (the last is 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    values: Vec<f64>,
    cumulative: Vec<f64>,
    mean: f64,
}

/// The scores of one forecast against one observation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub crps: f64,
    pub interval_score_90: f64,
    pub covered_50: bool,
    pub covered_90: bool,
    pub pit: f64,
    pub bias: f64,
}

impl Forecast {
    /// The empirical distribution of `values` (finite values only; None if there are none).
    pub fn from_sample(values: &[f64]) -> Option<Forecast> {
        let mut sorted: Vec<f64> = values
            .iter()
            .copied()
            .filter(|value| value.is_finite())
            .collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let mean = sorted.iter().sum::<f64>() / n as f64;
        let mut support = Vec::new();
        let mut cumulative = Vec::new();
        for (index, &value) in sorted.iter().enumerate() {
            if index + 1 < n && sorted[index + 1] == value {
                continue;
            }
            support.push(value);
            cumulative.push((index + 1) as f64 / n as f64);
        }
        Some(Forecast {
            values: support,
            cumulative,
            mean,
        })
    }

    /// A negative binomial with `mean` and variance `variance` fitted by the method of moments:
    /// size r = mean^2 / (variance - mean); a Poisson when `variance <= mean` (no
    /// overdispersion to fit). Its support runs from 0 until the probability left is below
    /// [`TAIL_MASS`], and the mass is renormalised over it. None for a mean that is negative,
    /// not finite, or too large to enumerate.
    pub fn negative_binomial(mean: f64, variance: f64) -> Option<Forecast> {
        if !(mean.is_finite() && variance.is_finite()) || mean < 0.0 {
            return None;
        }
        if mean == 0.0 {
            return Some(Forecast {
                values: vec![0.0],
                cumulative: vec![1.0],
                mean: 0.0,
            });
        }
        // log P(0) and the log ratio P(k + 1) / P(k), which for a negative binomial is
        // ln((k + r) / (k + 1)) + ln(mean / (r + mean)) and for a Poisson ln(mean / (k + 1)).
        let size = (variance > mean).then(|| mean * mean / (variance - mean));
        let log_p0 = match size {
            Some(r) => r * math::ln(r / (r + mean)),
            None => -mean,
        };
        let log_step = |k: f64| match size {
            Some(r) => math::ln((k + r) / (k + 1.0)) + math::ln(mean / (r + mean)),
            None => math::ln(mean / (k + 1.0)),
        };
        let mut masses = Vec::new();
        let mut log_p = log_p0;
        let mut total = 0.0;
        let mut k = 0usize;
        loop {
            let p = math::exp(log_p);
            masses.push(p);
            total += p;
            // Past the mode and with the tail below TAIL_MASS.
            if k as f64 > mean && 1.0 - total < TAIL_MASS {
                break;
            }
            if k >= MAX_SUPPORT {
                return None;
            }
            log_p += log_step(k as f64);
            k += 1;
        }
        let mut running = 0.0;
        let cumulative = masses
            .iter()
            .map(|p| {
                running += p;
                (running / total).min(1.0)
            })
            .collect::<Vec<_>>();
        let mean = masses
            .iter()
            .enumerate()
            .map(|(k, p)| k as f64 * p)
            .sum::<f64>()
            / total;
        Some(Forecast {
            values: (0..masses.len()).map(|k| k as f64).collect(),
            cumulative,
            mean,
        })
    }

    /// F(x): probability of a value at most `x`.
    pub fn cdf(&self, x: f64) -> f64 {
        let below_or_at = self.values.partition_point(|&value| value <= x);
        if below_or_at == 0 {
            0.0
        } else {
            self.cumulative[below_or_at - 1]
        }
    }

    /// F(x-): probability of a value below `x`.
    fn cdf_below(&self, x: f64) -> f64 {
        let below = self.values.partition_point(|&value| value < x);
        if below == 0 {
            0.0
        } else {
            self.cumulative[below - 1]
        }
    }

    /// The smallest support point whose cumulative probability reaches `p`.
    pub fn quantile(&self, p: f64) -> f64 {
        let index = self.cumulative.partition_point(|&c| c < p);
        self.values[index.min(self.values.len() - 1)]
    }

    /// The mean (of a sample: its sum, in increasing order, over its size).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The continuous ranked probability score against `observed`.
    pub fn crps(&self, observed: f64) -> f64 {
        // F is a step function: 0 before the first support point, the point's cumulative
        // probability from it on, 1 after the last; the indicator 1{x >= y} steps at y. Walk
        // the breakpoints (support points and y) in order, adding the square of the difference
        // times the length of each interval; before the first and after the last it is 0.
        let indicator = |passed: bool| if passed { 1.0 } else { 0.0 };
        let mut total = 0.0;
        let mut level = 0.0;
        let mut passed = false;
        let mut previous: Option<f64> = None;
        let mut index = 0;
        while index < self.values.len() || !passed {
            let support = self.values.get(index).copied();
            let at_observation = !passed && support.is_none_or(|value| observed <= value);
            let next = match support {
                Some(value) if !at_observation => value,
                _ => observed,
            };
            if let Some(x) = previous {
                let difference = level - indicator(passed);
                total += difference * difference * (next - x);
            }
            previous = Some(next);
            if at_observation {
                passed = true;
            } else {
                level = self.cumulative[index];
                index += 1;
            }
        }
        total
    }

    /// Every score against `observed`, with `uniform` (in [0, 1)) for the randomised PIT.
    pub fn score(&self, observed: f64, uniform: f64) -> Scores {
        let [q05, q25, q50, q75, q95] = [0.05, 0.25, 0.5, 0.75, 0.95].map(|p| self.quantile(p));
        let alpha = 0.1;
        let interval_score_90 = (q95 - q05)
            + (2.0 / alpha) * (q05 - observed).max(0.0)
            + (2.0 / alpha) * (observed - q95).max(0.0);
        let below = self.cdf_below(observed);
        let at_or_below = self.cdf(observed);
        Scores {
            crps: self.crps(observed),
            interval_score_90,
            covered_50: q25 <= observed && observed <= q75,
            covered_90: q05 <= observed && observed <= q95,
            pit: below + uniform * (at_or_below - below),
            bias: q50 - observed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample CRPS by its kernel form, E|X - y| - E|X - X'| / 2, over all pairs.
    fn crps_by_pairs(sample: &[f64], y: f64) -> f64 {
        let n = sample.len() as f64;
        let first: f64 = sample.iter().map(|x| (x - y).abs()).sum::<f64>() / n;
        let second: f64 = sample
            .iter()
            .flat_map(|a| sample.iter().map(move |b| (a - b).abs()))
            .sum::<f64>()
            / (n * n);
        first - second / 2.0
    }

    #[test]
    fn crps_of_a_sample_equals_its_kernel_form() {
        let sample = [3.0, 7.0, 7.0, 1.0, 12.0, 5.5, 0.0, 7.0];
        let forecast = Forecast::from_sample(&sample).unwrap();
        for y in [-4.0, 0.0, 1.0, 3.3, 7.0, 9.0, 12.0, 30.0] {
            let exact = crps_by_pairs(&sample, y);
            let ours = forecast.crps(y);
            assert!((exact - ours).abs() < 1e-12, "y {y}: {exact} vs {ours}");
        }
    }

    #[test]
    fn crps_of_a_point_mass_is_the_absolute_error() {
        let forecast = Forecast::from_sample(&[4.0]).unwrap();
        assert_eq!(forecast.crps(4.0), 0.0);
        assert_eq!(forecast.crps(10.0), 6.0);
        assert_eq!(forecast.crps(1.5), 2.5);
    }

    #[test]
    fn quantiles_invert_the_distribution_function() {
        let forecast = Forecast::from_sample(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(forecast.quantile(0.25), 1.0);
        assert_eq!(forecast.quantile(0.26), 2.0);
        assert_eq!(forecast.quantile(0.5), 2.0);
        assert_eq!(forecast.quantile(0.95), 4.0);
        assert_eq!(forecast.cdf(2.5), 0.5);
        assert_eq!(forecast.mean(), 2.5);
    }

    #[test]
    fn interval_score_adds_the_penalty_outside() {
        // 20 values 1..=20: q05 = 1, q95 = 19.
        let sample: Vec<f64> = (1..=20).map(f64::from).collect();
        let forecast = Forecast::from_sample(&sample).unwrap();
        assert_eq!(forecast.score(10.0, 0.5).interval_score_90, 18.0);
        assert_eq!(
            forecast.score(25.0, 0.5).interval_score_90,
            18.0 + 20.0 * 6.0
        );
        let scores = forecast.score(10.0, 0.5);
        assert!(scores.covered_50 && scores.covered_90);
        assert_eq!(scores.bias, 0.0);
    }

    #[test]
    fn randomised_pit_spreads_over_the_step_of_a_count() {
        let forecast = Forecast::from_sample(&[0.0, 1.0, 1.0, 2.0]).unwrap();
        assert_eq!(forecast.score(1.0, 0.0).pit, 0.25);
        assert_eq!(forecast.score(1.0, 0.5).pit, 0.5);
        assert_eq!(forecast.score(5.0, 0.3).pit, 1.0);
    }

    #[test]
    fn negative_binomial_has_its_moments_and_a_poisson_limit() {
        let forecast = Forecast::negative_binomial(20.0, 80.0).unwrap();
        assert!((forecast.mean() - 20.0).abs() < 1e-6, "{}", forecast.mean());
        let variance: f64 = {
            let mut previous = 0.0;
            let mut second = 0.0;
            for (value, c) in forecast.values.iter().zip(&forecast.cumulative) {
                second += value * value * (c - previous);
                previous = *c;
            }
            second - 400.0
        };
        assert!((variance - 80.0).abs() < 1e-4, "{variance}");
        let poisson = Forecast::negative_binomial(3.0, 2.0).unwrap();
        // P(0) of a Poisson(3).
        assert!((poisson.cdf(0.0) - math::exp(-3.0)).abs() < 1e-12);
        assert_eq!(
            Forecast::negative_binomial(0.0, 0.0).unwrap().crps(2.0),
            2.0
        );
        assert!(Forecast::negative_binomial(-1.0, 2.0).is_none());
    }

    #[test]
    fn crps_of_a_count_distribution_matches_its_series_form() {
        // CRPS of an integer-valued forecast: the sum over k of (F(k) - 1{y <= k})^2.
        let forecast = Forecast::negative_binomial(6.0, 15.0).unwrap();
        for y in [0.0, 3.0, 6.0, 17.0] {
            let series: f64 = (0..400)
                .map(|k| {
                    let f = forecast.cdf(k as f64);
                    let h = if y <= k as f64 { 1.0 } else { 0.0 };
                    (f - h) * (f - h)
                })
                .sum();
            assert!((series - forecast.crps(y)).abs() < 1e-9, "y {y}");
        }
    }
}
