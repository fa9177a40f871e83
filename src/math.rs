//! The transcendental functions of the results path, from the pure-Rust `libm` crate (a port
//! of musl's), so that every machine rounds them alike. `f64::exp`, `ln` and `powf` call the
//! platform's libm, whose last bits differ between glibc versions, musl, macOS and Windows:
//! a results file made with them would depend on where it was made. Charts and printed tables
//! may use std; everything that reaches `summary.json`, `timeseries.csv`, `outcomes.csv` and
//! the other result tables goes through here (`tests/layers.rs` checks the model, engine and
//! stats). `sqrt`, `floor`, `ceil`, `round` and `trunc` are exact in IEEE 754 and stay std.

/// e^x: `libm::exp`'s bits. In its primary range (|x| < 708.39, every argument the model passes
/// in practice) by `exp_in_primary_range`, the same arithmetic without branches and without
/// a call, about 29 instructions against 50; `tests` checks the bits against `libm::exp`.
#[inline]
pub fn exp(x: f64) -> f64 {
    if x.abs() < EXP_PRIMARY_LIMIT {
        exp_in_primary_range(x)
    } else {
        libm::exp(x)
    }
}

/// e^x of every element of `values`, in place: the same bits as [`exp`] element by element,
/// in a form the compiler vectorises.
///
/// `libm::exp` is musl's (FreeBSD's) algorithm with branches for its argument ranges, which
/// keep the compiler from computing several at once. `exp_in_primary_range` is the same
/// arithmetic, operation for operation, with the branches turned into multiplications; for
/// |x| < 708.39 (where musl takes none of its overflow, underflow or NaN branches) it gives
/// musl's bits. A slice holding any other value goes through `libm::exp` whole. `tests` checks the bits against `libm::exp`.
///
/// The loop is compiled three times: for baseline x86-64 (two lanes, SSE2), and with AVX2 and
/// AVX-512 (four and eight lanes), taken at run time when the CPU has them. The arithmetic is the
/// same IEEE operations in each (Rust never fuses a multiply and an add on its own), so every
/// version gives the same bits, which `tests` checks on each the machine can run.
pub fn exp_in_place(values: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { exp_in_place_avx512(values) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { exp_in_place_avx2(values) };
        }
    }
    exp_in_place_portable(values);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn exp_in_place_avx512(values: &mut [f64]) {
    exp_in_place_portable(values);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn exp_in_place_avx2(values: &mut [f64]) {
    exp_in_place_portable(values);
}

#[inline(always)]
fn exp_in_place_portable(values: &mut [f64]) {
    // A fold rather than `all`, so that the test is vectorised too (no early exit).
    let in_range = values
        .iter()
        .fold(true, |in_range, x| in_range & (x.abs() < EXP_PRIMARY_LIMIT));
    if in_range {
        for value in values.iter_mut() {
            *value = exp_in_primary_range(*value);
        }
    } else {
        for value in values.iter_mut() {
            *value = libm::exp(*value);
        }
    }
}

/// |x| below this (the double whose high word is musl's `0x4086232b`, about 708.39) is where
/// musl's `exp` takes no special case.
const EXP_PRIMARY_LIMIT: f64 = f64::from_bits(0x4086_232b_0000_0000);
/// |x| at or above this (high word above `0x3fd62e42`, about 0.5 ln 2) is reduced by k ln 2.
const EXP_REDUCE_FROM: f64 = f64::from_bits(0x3fd6_2e43_0000_0000);
/// |x| at or above this (high word `0x3ff0a2b2`, about 1.5 ln 2) is where musl computes k;
/// between [`EXP_REDUCE_FROM`] and here it takes k = +-1. (Only the tests need it.)
#[cfg(test)]
const EXP_ROUND_FROM: f64 = f64::from_bits(0x3ff0_a2b2_0000_0000);
/// |x| at or above this (high word above `0x3e300000`, 2^-28) goes through the polynomial;
/// below, e^x is 1 + x.
const EXP_POLYNOMIAL_FROM: f64 = f64::from_bits(0x3e30_0001_0000_0000);
/// musl's constants (src/math/exp.c), by their bits as musl lists them: ln 2 in two parts,
/// 1 / ln 2, and the coefficients of the rational approximation on [0, 0.5 ln 2].
const LN2_HIGH: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LOW: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const INVERSE_LN2: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);
const EXP_P1: f64 = f64::from_bits(0x3fc5_5555_5555_553e);
const EXP_P2: f64 = f64::from_bits(0xbf66_c16c_16be_bd93);
const EXP_P3: f64 = f64::from_bits(0x3f11_566a_af25_de2c);
const EXP_P4: f64 = f64::from_bits(0xbebb_bd41_c5d2_6bf1);
const EXP_P5: f64 = f64::from_bits(0x3e66_3769_72be_a4d0);
/// 2^52: a whole number below 2^11 added to it sits in the low bits of its significand.
const TWO_TO_52: f64 = 4_503_599_627_370_496.0;

/// musl's `exp` for |x| < [`EXP_PRIMARY_LIMIT`] (the caller passes nothing else), without
/// branches. Line by line as musl: k = trunc(x / ln 2 +- 1/2), hi = x - k ln2hi (exact),
/// lo = k ln2lo, r = hi - lo, c = r - r^2 P(r^2), y = 1 + (r c / (2 - c) - lo + hi), and
/// y 2^k. Where musl branches, this multiplies by 1 or 0 instead (a select the compiler would
/// not vectorise alongside the division), with the same bits:
/// - below [`EXP_REDUCE_FROM`] musl takes k = 0, hi = x, lo = 0; here k = +-0, and x -+ 0 = x,
///   +-0 ln2lo = +-0, q - (+-0) = q for the nonzero q at hand, 2^0 = 1.
/// - from [`EXP_REDUCE_FROM`] to [`EXP_ROUND_FROM`] musl takes k = +-1 without computing it;
///   there x / ln 2 lies within (0.5, 1.5) in magnitude, so the truncation gives +-1 too.
/// - below [`EXP_POLYNOMIAL_FROM`] musl returns 1 + x; here the quotient is multiplied by 0,
///   leaving 1 + (0 - 0 + x) = 1 + x.
#[inline(always)]
fn exp_in_primary_range(x: f64) -> f64 {
    let magnitude = x.abs();
    // trunc(t) for |t| < 1024 by adding and removing 2^52 (round to nearest), less one where
    // that rounded up: `as i32` would do, but its saturation keeps the loop from vectorising.
    let t = INVERSE_LN2 * x + 0.5f64.copysign(x);
    let nearest = (t.abs() + TWO_TO_52) - TWO_TO_52;
    let truncated = nearest - if nearest > t.abs() { 1.0 } else { 0.0 };
    let reduce = if magnitude >= EXP_REDUCE_FROM {
        1.0
    } else {
        0.0
    };
    let polynomial = if magnitude >= EXP_POLYNOMIAL_FROM {
        1.0
    } else {
        0.0
    };
    let k = truncated.copysign(t) * reduce;
    let hi = x - k * LN2_HIGH;
    let lo = k * LN2_LOW;
    let r = hi - lo;
    let r_squared = r * r;
    let c = r - r_squared
        * (EXP_P1
            + r_squared
                * (EXP_P2 + r_squared * (EXP_P3 + r_squared * (EXP_P4 + r_squared * EXP_P5))));
    let y = 1.0 + (r * c / (2.0 - c) * polynomial - lo + hi);
    // 2^k from its bits: k + 1023 (in 1..=2045) lands in the low bits of the significand of
    // k + 1023 + 2^52, and shifting them up by 52 makes them the exponent field. musl's
    // scalbn multiplies by the same power of two for k in -1022..=1023.
    y * f64::from_bits((k + (1023.0 + TWO_TO_52)).to_bits() << 52)
}

/// floor(x), the same as `f64::floor`, without a call: below SSE4.1 (which secsim does not
/// assume, so that results need no target flags) std's `floor` calls compiler-builtins. For
/// |x| < 2^52 the round trip through i64 truncates exactly, and one less where that rounded
/// up is the floor; `copysign` keeps floor(-0.0) = -0.0. From 2^52 on (and for infinities and
/// NaN) x is its own floor.
#[inline]
pub fn floor(x: f64) -> f64 {
    if x.abs() < TWO_TO_52 {
        let truncated = (x as i64) as f64;
        (truncated - if truncated > x { 1.0 } else { 0.0 }).copysign(x)
    } else {
        x
    }
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
    /// SplitMix64, for test inputs without a seeding crate.
    fn split_mix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A compiled version of `exp_in_place`, by name.
    type Version = (&'static str, fn(&mut [f64]));

    /// Every compiled version of `exp_in_place` this CPU can run.
    fn exp_in_place_versions() -> Vec<Version> {
        let mut versions: Vec<Version> = vec![
            ("exp_in_place", exp_in_place),
            ("exp_in_place (baseline)", |values| {
                exp_in_place_portable(values)
            }),
        ];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2.
                versions.push(("exp_in_place (AVX2)", |values| unsafe {
                    exp_in_place_avx2(values)
                }));
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU has AVX-512F.
                versions.push(("exp_in_place (AVX-512)", |values| unsafe {
                    exp_in_place_avx512(values)
                }));
            }
        }
        versions
    }

    fn assert_same_bits_as_libm(inputs: &[f64]) {
        for (name, version) in exp_in_place_versions() {
            let mut outputs = inputs.to_vec();
            version(&mut outputs);
            for (&x, &y) in inputs.iter().zip(&outputs) {
                let expected = libm::exp(x);
                for (name, value) in [(name, y), ("exp", exp(x))] {
                    assert!(
                        value.to_bits() == expected.to_bits()
                            || (value.is_nan() && expected.is_nan()),
                        "{name}({x:e}) = {value:e}, libm {expected:e}"
                    );
                }
            }
        }
    }

    /// `exp_in_place` and `exp` must be `libm::exp` bit for bit (so 0 ulp from it, and within musl's
    /// stated < 1 ulp of e^x): over 2 million arguments uniform on the range the severities
    /// use and beyond, log-uniform magnitudes from 2^-60 to 2^10 of both signs, random bit
    /// patterns, every range boundary with its neighbours, and the special values. Slices of
    /// varied length test the vector loop's remainders.
    #[test]
    fn exp_in_place_gives_the_bits_of_libm_exp() {
        let mut state = 21;
        let uniform = |state: &mut u64| (split_mix(state) >> 11) as f64 / (1u64 << 53) as f64;
        for length in [1, 2, 3, 7, 64, 1000] {
            let inputs: Vec<f64> = (0..length)
                .map(|_| 1400.0 * uniform(&mut state) - 700.0)
                .collect();
            assert_same_bits_as_libm(&inputs);
        }
        let uniform_inputs: Vec<f64> = (0..1_000_000)
            .map(|_| 40.0 * uniform(&mut state) - 20.0)
            .collect();
        assert_same_bits_as_libm(&uniform_inputs);
        let log_uniform: Vec<f64> = (0..1_000_000)
            .map(|index| {
                let magnitude = libm::exp2(69.0 * uniform(&mut state) - 60.0);
                if index % 2 == 0 {
                    magnitude
                } else {
                    -magnitude
                }
            })
            .collect();
        assert_same_bits_as_libm(&log_uniform);
        // About half of random bit patterns are in the primary range (most of them tiny).
        let (in_range, beyond): (Vec<f64>, Vec<f64>) = (0..200_000)
            .map(|_| f64::from_bits(split_mix(&mut state)))
            .partition(|x| x.abs() < EXP_PRIMARY_LIMIT);
        assert_same_bits_as_libm(&in_range);
        assert_same_bits_as_libm(&beyond);
        let mut edges = vec![
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e-300,
        ];
        for boundary in [
            EXP_PRIMARY_LIMIT,
            EXP_REDUCE_FROM,
            EXP_ROUND_FROM,
            EXP_POLYNOMIAL_FROM,
            709.782_712_893_384,
            745.133_219_101_941_1,
            0.5 * LN2_HIGH,
            1.5 * LN2_HIGH,
        ] {
            let mut value = boundary;
            for _ in 0..50 {
                value = value.next_down();
            }
            for _ in 0..100 {
                edges.extend([value, -value]);
                value = value.next_up();
            }
        }
        // Halfway points of the rounding of x / ln 2, where k changes.
        for k in -1022..=1023 {
            let middle = (f64::from(k) + 0.5) * std::f64::consts::LN_2;
            edges.extend([middle.next_down(), middle, middle.next_up()]);
        }
        // One by one, so that a value beyond the primary range does not send its neighbours
        // to `exp` with it.
        for &edge in &edges {
            assert_same_bits_as_libm(&[edge]);
        }
    }

    #[test]
    fn floor_is_std_floor() {
        let mut state = 5;
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            TWO_TO_52,
            -TWO_TO_52,
            TWO_TO_52.next_down(),
            -TWO_TO_52.next_down(),
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
        ];
        for whole in -100..100 {
            let whole = f64::from(whole);
            values.extend([whole, whole.next_up(), whole.next_down(), whole + 0.5]);
        }
        values.extend((0..100_000).map(|_| f64::from_bits(split_mix(&mut state))));
        values.extend((0..100_000).map(|_| {
            let uniform = (split_mix(&mut state) >> 11) as f64 / (1u64 << 53) as f64;
            2000.0 * uniform - 1000.0
        }));
        for x in values {
            assert_eq!(floor(x).to_bits(), x.floor().to_bits(), "floor({x:e})");
        }
        assert!(floor(f64::NAN).is_nan());
    }

    #[test]
    fn pinned_values() {
        // One unit in the last place above the nearest double to e: what libm rounds to, everywhere.
        assert_eq!(exp(1.0).to_bits(), 0x4005_bf0a_8b14_576a);
        assert_eq!(ln(10.0).to_bits(), 0x4002_6bb1_bbb5_5516);
        assert_eq!(pow(2.0, 0.5).to_bits(), std::f64::consts::SQRT_2.to_bits());
        assert!((ln_gamma(5.0) - 3.178_053_830_347_945_6).abs() < 1e-15);
    }
}
