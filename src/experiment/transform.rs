//! Quantile functions: a probability in (0, 1) to a value of a validated [`Distribution`].
//!
//! Designs are built in the unit hypercube; this maps each coordinate to a factor value by the
//! inverse-CDF method, so that a design uniform in the cube gives factor values with the
//! factor's distribution. Each quantile function follows how `model::sample::draw` draws the
//! same distribution, so a design point and a Monte Carlo draw mean the same thing:
//! censored Normal and LogNormal clamp to their bounds, Beta is rescaled to [min, max], and
//! Discrete picks the first value whose cumulative weight exceeds the probability.

use crate::math;
use crate::scenario::Distribution;

/// Smallest probability passed to a quantile function. Probabilities of 0 and 1 are moved this
/// far inside (0, 1) so that unbounded distributions give finite values (about 37.5 standard
/// deviations out for a Normal); designs never produce them except by rounding.
const SMALLEST_PROBABILITY: f64 = f64::MIN_POSITIVE;

/// Largest probability passed to a quantile function: the largest f64 below 1.
const LARGEST_PROBABILITY: f64 = 1.0 - f64::EPSILON / 2.0;

/// The value of `distribution` at cumulative probability `probability`: its quantile function
/// (inverse CDF).
///
/// A probability outside (0, 1) is clamped into it, so every result is finite for a finite
/// probability and lies within the distribution's bounds. A NaN probability gives NaN for the
/// continuous distributions and the last value for Discrete, as `draw` does for a failed
/// comparison.
///
/// For Uniform and Discrete this is exactly `draw` with `probability` as its uniform number:
/// `quantile(d, u) == draw(d, rng)` when `rng` yields `u` (pinned by a test).
pub fn quantile(distribution: &Distribution, probability: f64) -> f64 {
    let probability = probability.clamp(SMALLEST_PROBABILITY, LARGEST_PROBABILITY);
    match distribution {
        Distribution::Uniform { min, max } => min + (max - min) * probability,
        Distribution::Normal { mean, sd, min, max } => {
            // Censored at the bounds, as `draw` is: the clamped quantile function is the exact
            // quantile function of the censored law (the mass beyond a bound sits on it).
            (mean + sd * standard_normal_quantile(probability)).clamp(*min, *max)
        }
        Distribution::LogNormal {
            median,
            sigma,
            min,
            max,
        } => (median * math::exp(sigma * standard_normal_quantile(probability))).clamp(*min, *max),
        Distribution::Beta {
            alpha,
            beta,
            min,
            max,
        } => {
            // The inverse of the regularised incomplete beta function; its shapes were checked
            // positive and finite at validation.
            min + (max - min) * inverse_regularised_beta(*alpha, *beta, probability)
        }
        Distribution::Triangular { min, mode, max } => {
            triangular_quantile(*min, *mode, *max, probability)
        }
        Distribution::Discrete {
            values,
            cumulative_weights,
        } => {
            // The same rule as `draw`, so that a design and a draw agree value for value.
            let index = cumulative_weights
                .iter()
                .position(|&cumulative| probability < cumulative)
                .unwrap_or(values.len().saturating_sub(1));
            values.get(index).copied().unwrap_or(f64::NAN)
        }
    }
}

/// The standard normal quantile Φ⁻¹(p): Wichura's algorithm AS 241 (PPND16, Applied
/// Statistics 37(3), 1988), rational approximations with a relative error below 1e-16, on
/// [`crate::math`] so that design points are the same on every machine.
#[allow(clippy::excessive_precision)] // AS 241's coefficients as published, to 20 digits.
fn standard_normal_quantile(probability: f64) -> f64 {
    let q = probability - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r
                + 67265.770927008700853)
                * r
                + 45921.953931549871457)
                * r
                + 13731.693765509461125)
                * r
                + 1971.5909503065514427)
                * r
                + 133.14166789178437745)
                * r
                + 3.387132872796366608)
            / (((((((5226.495278852545925 * r + 28729.085735721942674) * r
                + 39307.89580009271061)
                * r
                + 21213.794301586595867)
                * r
                + 5394.1960214247511077)
                * r
                + 687.1870074920579083)
                * r
                + 42.313330701600911252)
                * r
                + 1.0);
    }
    let tail = if q < 0.0 {
        probability
    } else {
        1.0 - probability
    };
    let r = (-math::ln(tail)).sqrt();
    let value = if r <= 5.0 {
        let r = r - 1.6;
        (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r
            + 0.24178072517745061177)
            * r
            + 1.27045825245236838258)
            * r
            + 3.64784832476320460504)
            * r
            + 5.7694972214606914055)
            * r
            + 4.6303378461565452959)
            * r
            + 1.42343711074968357734)
            / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r
                + 0.0151986665636164571966)
                * r
                + 0.14810397642748007459)
                * r
                + 0.68976733498510000455)
                * r
                + 1.6763848301838038494)
                * r
                + 2.05319162663775882187)
                * r
                + 1.0)
    } else {
        let r = r - 5.0;
        (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
            + 0.0012426609473880784386)
            * r
            + 0.026532189526576123093)
            * r
            + 0.29656057182850489123)
            * r
            + 1.7848265399172913358)
            * r
            + 5.4637849111641143699)
            * r
            + 6.6579046435011037772)
            / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r
                + 1.8463183175100546818e-5)
                * r
                + 7.868691311456132591e-4)
                * r
                + 0.0148753612908506148525)
                * r
                + 0.13692988092273580531)
                * r
                + 0.59983220655588793769)
                * r
                + 1.0)
    };
    if q < 0.0 { -value } else { value }
}

/// The regularised incomplete beta function I_x(a, b) by its continued fraction (modified
/// Lentz; Press et al., Numerical Recipes, 3rd ed., 6.4), on [`crate::math`].
pub(crate) fn regularised_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let log_front = math::ln_gamma(a + b) - math::ln_gamma(a) - math::ln_gamma(b)
        + a * math::ln(x)
        + b * math::ln(1.0 - x);
    // The fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
    if x < (a + 1.0) / (a + b + 2.0) {
        math::exp(log_front) * beta_fraction(a, b, x) / a
    } else {
        1.0 - math::exp(log_front) * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut fraction = d;
    for m in 1..=300 {
        let m = f64::from(m);
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        for coefficient in [
            even,
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + coefficient * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + coefficient / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            fraction *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-16 {
            break;
        }
    }
    fraction
}

/// x with I_x(a, b) = p: bisection on [0, 1] to a relative width of 1e-15, which cannot fail
/// to converge whatever the shapes (Newton steps diverge near 0 and 1 for shapes below 1).
fn inverse_regularised_beta(a: f64, b: f64, probability: f64) -> f64 {
    let (mut low, mut high) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if middle <= low || middle >= high {
            break;
        }
        if regularised_beta(a, b, middle) < probability {
            low = middle;
        } else {
            high = middle;
        }
        if high - low <= 1e-15 * high {
            break;
        }
    }
    0.5 * (low + high)
}

/// The triangular quantile function in closed form: F(mode) = (mode - min) / (max - min); below
/// it F(x) = (x - min)² / ((max - min)(mode - min)), above it 1 - F(x) = (max - x)² /
/// ((max - min)(max - mode)). rand_distr's Triangular draws by the same inversion.
fn triangular_quantile(min: f64, mode: f64, max: f64, probability: f64) -> f64 {
    let width = max - min;
    let probability_at_mode = (mode - min) / width;
    if probability < probability_at_mode {
        min + (probability * width * (mode - min)).sqrt()
    } else {
        max - ((1.0 - probability) * width * (max - mode)).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rng::stream;
    use crate::model::sample::draw;
    use rand::RngExt;

    /// Reference quantiles of the standard normal (Abramowitz & Stegun table 26.5; R's qnorm).
    const NORMAL_975: f64 = 1.959_963_984_540_054;
    const NORMAL_95: f64 = 1.644_853_626_951_472_2;
    const NORMAL_16: f64 = -0.994_457_883_209_753_1;

    fn assert_close(found: f64, expected: f64, tolerance: f64) {
        assert!(
            (found - expected).abs() <= tolerance,
            "found {found}, expected {expected}"
        );
    }

    #[test]
    fn uniform_quantiles_are_linear() {
        let uniform = Distribution::Uniform {
            min: -2.0,
            max: 6.0,
        };
        assert_close(quantile(&uniform, 0.25), 0.0, 1e-15);
        assert_close(quantile(&uniform, 0.5), 2.0, 1e-15);
        assert_close(quantile(&uniform, 0.0), -2.0, 1e-15);
    }

    #[test]
    fn normal_quantiles_match_tables() {
        let normal = Distribution::Normal {
            mean: 10.0,
            sd: 2.0,
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        };
        assert_close(quantile(&normal, 0.5), 10.0, 1e-12);
        assert_close(quantile(&normal, 0.975), 10.0 + 2.0 * NORMAL_975, 1e-12);
        assert_close(quantile(&normal, 0.05), 10.0 - 2.0 * NORMAL_95, 1e-12);
        assert_close(quantile(&normal, 0.16), 10.0 + 2.0 * NORMAL_16, 1e-12);
    }

    #[test]
    fn unbounded_normal_is_finite_at_zero_and_one() {
        let normal = Distribution::Normal {
            mean: 0.0,
            sd: 1.0,
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        };
        let low = quantile(&normal, 0.0);
        let high = quantile(&normal, 1.0);
        assert!(low.is_finite() && low < -30.0, "{low}");
        assert!(high.is_finite() && high > 8.0, "{high}");
    }

    #[test]
    fn censored_normal_clamps_to_its_bounds() {
        let normal = Distribution::Normal {
            mean: 0.0,
            sd: 1.0,
            min: -1.0,
            max: 1.5,
        };
        // Φ(-1) = 0.1587, so every probability below it maps to the lower bound.
        assert_eq!(quantile(&normal, 0.01), -1.0);
        assert_eq!(quantile(&normal, 0.15), -1.0);
        assert_close(quantile(&normal, 0.16), NORMAL_16, 1e-12);
        assert_eq!(quantile(&normal, 0.975), 1.5);
    }

    #[test]
    fn lognormal_quantiles_are_exponentiated_normal_quantiles() {
        let lognormal = Distribution::LogNormal {
            median: 2.0,
            sigma: 0.5,
            min: 0.0,
            max: f64::INFINITY,
        };
        assert_close(quantile(&lognormal, 0.5), 2.0, 1e-12);
        assert_close(
            quantile(&lognormal, 0.975),
            2.0 * (0.5 * NORMAL_975).exp(),
            1e-12,
        );
        let censored = Distribution::LogNormal {
            median: 2.0,
            sigma: 0.5,
            min: 1.0,
            max: 3.0,
        };
        assert_eq!(quantile(&censored, 0.975), 3.0);
        assert_eq!(quantile(&censored, 0.01), 1.0);
    }

    /// Beta laws whose quantile functions have closed forms: Beta(2, 1) has F(x) = x², Beta(1, 3)
    /// has F(x) = 1 - (1 - x)³, and Beta(1/2, 1/2) is the arcsine law, F⁻¹(p) = sin²(πp/2).
    #[test]
    fn beta_quantiles_match_closed_forms() {
        let rescaled = |alpha, beta| Distribution::Beta {
            alpha,
            beta,
            min: 10.0,
            max: 12.0,
        };
        for probability in [0.01, 0.1, 0.3, 0.5, 0.77, 0.99] {
            let unit_value =
                |alpha, beta| (quantile(&rescaled(alpha, beta), probability) - 10.0) / 2.0;
            assert_close(unit_value(2.0, 1.0), f64::sqrt(probability), 1e-9);
            assert_close(unit_value(1.0, 3.0), 1.0 - (1.0 - probability).cbrt(), 1e-9);
            let arcsine = (std::f64::consts::FRAC_PI_2 * probability).sin().powi(2);
            assert_close(unit_value(0.5, 0.5), arcsine, 1e-9);
        }
        // Symmetric shapes have their median in the middle of the range.
        assert_close(quantile(&rescaled(3.0, 3.0), 0.5), 11.0, 1e-9);
    }

    #[test]
    fn triangular_quantiles_match_closed_form() {
        let triangular = Distribution::Triangular {
            min: 0.0,
            mode: 1.0,
            max: 4.0,
        };
        // F(mode) = 1/4; below it x = sqrt(4p); above it x = 4 - sqrt(12 (1 - p)).
        assert_close(quantile(&triangular, 0.25), 1.0, 1e-12);
        assert_close(quantile(&triangular, 0.0625), 0.5, 1e-12);
        assert_close(quantile(&triangular, 0.5), 4.0 - 6.0f64.sqrt(), 1e-12);
        let mode_at_max = Distribution::Triangular {
            min: 0.0,
            mode: 2.0,
            max: 2.0,
        };
        assert_close(quantile(&mode_at_max, 0.25), 1.0, 1e-12);
        assert_close(quantile(&mode_at_max, 1.0), 2.0, 1e-7);
    }

    #[test]
    fn discrete_quantiles_follow_cumulative_weights() {
        let discrete = Distribution::Discrete {
            values: vec![5.0, 7.0, 9.0],
            cumulative_weights: vec![0.2, 0.2, 1.0],
        };
        assert_eq!(quantile(&discrete, 0.1), 5.0);
        // A zero-weight value is never chosen; 0.2 itself belongs to the next positive weight.
        assert_eq!(quantile(&discrete, 0.2), 9.0);
        assert_eq!(quantile(&discrete, 0.999), 9.0);
    }

    /// Uniform and Discrete draws consume one uniform number with the same formula, so the
    /// quantile at that number is the draw itself.
    #[test]
    fn quantile_equals_draw_for_uniform_and_discrete() {
        let distributions = [
            Distribution::Uniform { min: 1.0, max: 3.0 },
            Distribution::Discrete {
                values: vec![1.0, 2.0, 4.0],
                cumulative_weights: vec![0.5, 0.75, 1.0],
            },
        ];
        for distribution in &distributions {
            for run_index in 0..200 {
                let uniform: f64 = stream(3, 4, run_index, 0).random();
                let drawn = draw(distribution, &mut stream(3, 4, run_index, 0));
                assert_eq!(quantile(distribution, uniform), drawn);
            }
        }
    }

    /// The quantile function and `draw` describe the same law: the share of draws at or below
    /// the p-quantile is p, within 4 Monte Carlo standard errors sqrt(p (1 - p) / n).
    #[test]
    fn quantiles_agree_with_draws() {
        let distributions = [
            // Censored at mean - 1.5 sd and mean + 1.5 sd: 6.7% of the mass sits on each bound,
            // outside the probabilities checked, which fall in the uncensored part.
            Distribution::Normal {
                mean: 1.0,
                sd: 2.0,
                min: -2.0,
                max: 4.0,
            },
            Distribution::LogNormal {
                median: 3.0,
                sigma: 0.8,
                min: 0.0,
                max: f64::INFINITY,
            },
            Distribution::Beta {
                alpha: 2.5,
                beta: 0.7,
                min: -1.0,
                max: 1.0,
            },
            Distribution::Triangular {
                min: 0.0,
                mode: 0.3,
                max: 2.0,
            },
        ];
        let n = 20_000;
        for (index, distribution) in distributions.iter().enumerate() {
            let mut rng = stream(11, index as u64, 0, 0);
            let draws: Vec<f64> = (0..n).map(|_| draw(distribution, &mut rng)).collect();
            for probability in [0.1, 0.5, 0.9] {
                let value = quantile(distribution, probability);
                let share = draws.iter().filter(|&&drawn| drawn <= value).count() as f64 / n as f64;
                let mcse = (probability * (1.0 - probability) / n as f64).sqrt();
                assert!(
                    (share - probability).abs() < 4.0 * mcse,
                    "{distribution:?} at {probability}: share {share}"
                );
            }
        }
    }
}
