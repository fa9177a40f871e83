//! The transcendental functions of the results path, from the pure-Rust `libm` crate (a port
//! of musl's), so that every machine rounds them alike. `f64::exp`, `ln` and `powf` call the
//! platform's libm, whose last bits differ between glibc versions, musl, macOS and Windows:
//! a results file made with them would depend on where it was made. Charts and printed tables
//! may use std; everything that reaches `summary.json`, `timeseries.csv`, `outcomes.csv` and
//! the other result tables goes through here (`tests/layers.rs` checks the model, engine and
//! stats). `sqrt`, `floor`, `ceil`, `round` and `trunc` are exact in IEEE 754 and stay std.

/// e^x.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// The natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// x^y.
#[inline]
pub fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// ln Γ(x) for x > 0.
#[inline]
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Value-stability: these bits are what every machine must compute. A change of the libm
    /// crate that moved them would move results; it must be a decision.
    #[test]
    fn pinned_values() {
        // One unit in the last place above the nearest double to e: what libm rounds to, everywhere.
        assert_eq!(exp(1.0).to_bits(), 0x4005_bf0a_8b14_576a);
        assert_eq!(ln(10.0).to_bits(), 0x4002_6bb1_bbb5_5516);
        assert_eq!(pow(2.0, 0.5).to_bits(), std::f64::consts::SQRT_2.to_bits());
        assert!((ln_gamma(5.0) - 3.178_053_830_347_945_6).abs() < 1e-15);
    }
}
