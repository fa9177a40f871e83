//! Priors of calibrated parameters: their (unnormalised) densities. ABC-SMC's importance weights
//! divide a prior density by a mixture of kernel densities and are then normalised, so constant
//! factors cancel and only the shape matters.
//!
//! Normal and LogNormal priors with bounds are censored in the model (draws beyond a bound are
//! set to it); as priors for calibration their density is taken inside the bounds only, which
//! is the truncated law: the point masses at the bounds are not calibrated.

use crate::math;
use crate::scenario::Distribution;

/// Whether a distribution can be calibrated: the continuous kinds. Discrete (and Joint)
/// parameters stay as the scenario draws them.
pub fn is_continuous(distribution: &Distribution) -> bool {
    !matches!(distribution, Distribution::Discrete { .. })
}

/// The prior density at `x` up to a constant factor; 0 outside the support.
pub fn density(distribution: &Distribution, x: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    match *distribution {
        Distribution::Uniform { min, max } => {
            if (min..=max).contains(&x) {
                1.0
            } else {
                0.0
            }
        }
        Distribution::Normal { mean, sd, min, max } => {
            if !(min..=max).contains(&x) {
                return 0.0;
            }
            if sd == 0.0 {
                return 1.0;
            }
            let z = (x - mean) / sd;
            math::exp(-0.5 * z * z)
        }
        Distribution::LogNormal {
            median,
            sigma,
            min,
            max,
        } => {
            if !(min..=max).contains(&x) || x <= 0.0 {
                return 0.0;
            }
            if sigma == 0.0 {
                return 1.0;
            }
            let z = (math::ln(x) - math::ln(median)) / sigma;
            math::exp(-0.5 * z * z) / x
        }
        Distribution::Beta {
            alpha,
            beta,
            min,
            max,
        } => {
            if !(min..=max).contains(&x) || max <= min {
                return 0.0;
            }
            let u = (x - min) / (max - min);
            math::pow(u, alpha - 1.0) * math::pow(1.0 - u, beta - 1.0)
        }
        Distribution::Triangular { min, mode, max } => {
            if !(min..=max).contains(&x) || max <= min {
                0.0
            } else if x < mode {
                (x - min) / (mode - min)
            } else if x > mode {
                (max - x) / (max - mode)
            } else {
                1.0
            }
        }
        Distribution::Discrete { .. } => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn densities_vanish_outside_the_support_and_keep_their_shape_inside() {
        let uniform = Distribution::Uniform { min: 1.0, max: 2.0 };
        assert_eq!(density(&uniform, 1.5), 1.0);
        assert_eq!(density(&uniform, 2.5), 0.0);
        let normal = Distribution::Normal {
            mean: 0.0,
            sd: 1.0,
            min: -1.0,
            max: f64::INFINITY,
        };
        assert!((density(&normal, 1.0) / density(&normal, 0.0) - math::exp(-0.5)).abs() < 1e-15);
        assert_eq!(density(&normal, -2.0), 0.0);
        let triangular = Distribution::Triangular {
            min: 0.0,
            mode: 1.0,
            max: 3.0,
        };
        assert_eq!(density(&triangular, 0.5), 0.5);
        assert_eq!(density(&triangular, 2.0), 0.5);
    }
}
