//! DDSketch, a quantile sketch with a relative-error guarantee whose bins are integer counts
//! (Masson, Rim & Lee 2019, "DDSketch: a fast and fully-mergeable quantile sketch with
//! relative-error guarantees", VLDB).
//!
//! A positive value x falls in the bin of key k = floor(log_gamma(x)) + 1, which holds the values
//! of [gamma^(k-1), gamma^k) with gamma = (1 + alpha) / (1 - alpha). The bin's representative
//! 2 gamma^k / (gamma + 1) is within alpha of every value in it, relatively. Negative values go to
//! a second store by their magnitude, values near 0 to a zero count.
//!
//! The paper's key is ceil(log_gamma(x)), bins (gamma^(k-1), gamma^k]; the two differ only for x
//! exactly gamma^k, which in floating point means x = 1 (ln 1 = 0). Ours puts 1 in the bin above
//! it, as `sketches-ddsketch` did: a quantity clamped at 1 (control, stability) then reports 1.005,
//! which the exact maximum clamps back to 1, where the paper's bins would report 0.995.
//!
//! Our own rather than the `sketches-ddsketch` crate because results must be the same bits on
//! every machine: the logarithm that picks a value's bin and the power that gives a bin's
//! representative come from `crate::math` (the pure-Rust `libm`), never from the platform's libm.
//!
//! A sketch's contents are a function of the multiset of values added, nothing else: the order
//! of adds and merges, the grouping of merges, the history of the bins' allocation leave no
//! trace, and the serialized form is canonical. So merged parts, resumed checkpoints and single
//! runs give the same bits.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::QUANTILE_RELATIVE_ACCURACY;
use crate::math;

/// Values no farther from 0 than this (|x| <= 1e-6) count as 0 in quantile sketches: below it
/// the logarithmic bins would be spent on a range no metric reports.
pub const SKETCH_MIN_VALUE: f64 = 1e-6;
/// Bin budget of each store (positive and negative values). At 0.5% accuracy a bin spans a
/// factor gamma = 1.01005, so 6,144 bins span 61.4 nats, 26.7 decades: from 1e-6 to about 5e20
/// before the lowest bins are collapsed, far beyond any metric's range.
pub const SKETCH_MAX_BINS: usize = 6144;

/// gamma = (1 + alpha) / (1 - alpha): the ratio of a bin's upper bound to its lower bound.
const GAMMA: f64 = (1.0 + QUANTILE_RELATIVE_ACCURACY) / (1.0 - QUANTILE_RELATIVE_ACCURACY);
/// ln(gamma), evaluated when compiling (see [`ln_gamma`]).
const LN_GAMMA: f64 = ln_gamma(QUANTILE_RELATIVE_ACCURACY);
/// 1 / ln(gamma): a key is a logarithm times this (a product is faster than a quotient).
const INVERSE_LN_GAMMA: f64 = 1.0 / LN_GAMMA;
/// 2 / (gamma + 1): a bin's representative is gamma^key times this.
const REPRESENTATIVE_FACTOR: f64 = 2.0 / (GAMMA + 1.0);
/// Keys stay within +-KEY_LIMIT, far beyond the key of f64::MAX (about 71,000 at 0.5%); only
/// an infinite value reaches it. Keeps the store's key arithmetic clear of i32 overflow.
const KEY_LIMIT: i32 = 1 << 24;
/// Empty bins a store keeps below its first value, so that the next few smaller values need no
/// reallocation.
const INITIAL_ROOM_BELOW: usize = 31;

/// ln((1 + alpha) / (1 - alpha)) = 2 atanh(alpha) = 2 (alpha + alpha^3/3 + alpha^5/5 + ...),
/// summed until a term no longer changes the sum. A `const fn`, so the bins' width is fixed when
/// compiling and no logarithm of any machine's libm is involved (for alpha = 0.005 the terms
/// fall by a factor 4e-5 each; four of them reach the last bit).
const fn ln_gamma(alpha: f64) -> f64 {
    let alpha_squared = alpha * alpha;
    let mut power = alpha;
    let mut denominator = 1.0;
    let mut sum = 0.0;
    while sum + power / denominator != sum {
        sum += power / denominator;
        power *= alpha_squared;
        denominator += 2.0;
    }
    2.0 * sum
}

/// Whole magnitudes up to this take their key from [`WHOLE_KEYS`]. Most values the engine adds
/// are counts (attacks, deaths, fighters): in `niger_realignment` 81% of the series values are
/// whole numbers, the largest 3,248. The table's 4,097 keys of 2 bytes stay in cache.
const WHOLE_KEYS_UP_TO: u32 = 4096;

/// `WHOLE_KEYS[n]` is [`key_by_logarithm`]`(n)` for n in 1..=[`WHOLE_KEYS_UP_TO`] (index 0 is
/// unused): computed by the same function, so a lookup gives the same key bit for bit, for the
/// price of one load instead of a logarithm. Keys of magnitudes up to 4,096 are below 900, so
/// they fit an `i16`.
static WHOLE_KEYS: LazyLock<[i16; WHOLE_KEYS_UP_TO as usize + 1]> = LazyLock::new(|| {
    std::array::from_fn(|whole| match whole {
        0 => 0,
        _ => key_by_logarithm(whole as f64) as i16,
    })
});

/// The key of a magnitude above [`SKETCH_MIN_VALUE`]: floor(ln(x) / ln(gamma)) + 1, from
/// [`WHOLE_KEYS`] for a whole magnitude up to [`WHOLE_KEYS_UP_TO`].
#[inline]
fn key(magnitude: f64) -> i32 {
    // `as` saturates, so a magnitude beyond u32 (or below 1) fails the comparison and takes
    // the logarithm.
    let whole = magnitude as u32;
    if whole <= WHOLE_KEYS_UP_TO && f64::from(whole) == magnitude {
        return i32::from(WHOLE_KEYS[whole as usize]);
    }
    key_by_logarithm(magnitude)
}

/// [`key`] by its definition, with a logarithm.
#[inline]
fn key_by_logarithm(magnitude: f64) -> i32 {
    let scaled = (math::ln(magnitude) * INVERSE_LN_GAMMA).min(f64::from(KEY_LIMIT - 1));
    // floor by integer arithmetic: `as` truncates towards 0, which is the floor of a positive
    // number and one more than the floor of a negative one with a fraction. (std's floor is
    // exact too, but without SSE4.1 it is a call into the platform's libm.)
    let truncated = scaled as i32;
    truncated - i32::from(scaled < f64::from(truncated)) + 1
}

/// The representative value of a bin: 2 gamma^key / (gamma + 1), within alpha of every value in
/// the bin, relatively.
fn representative(key: i32) -> f64 {
    math::exp(f64::from(key) * LN_GAMMA) * REPRESENTATIVE_FACTOR
}

/// A DDSketch of values at [`QUANTILE_RELATIVE_ACCURACY`]: a store of positive values, one of
/// negative values by magnitude, and a count of values within [`SKETCH_MIN_VALUE`] of 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SketchImage")]
pub struct QuantileSketch {
    negative: Store,
    zero_count: u64,
    positive: Store,
}

/// The serialized fields of a [`QuantileSketch`], checked before they become one.
#[derive(Deserialize)]
struct SketchImage {
    negative: Store,
    zero_count: u64,
    positive: Store,
}

impl TryFrom<SketchImage> for QuantileSketch {
    type Error = String;

    fn try_from(image: SketchImage) -> Result<Self, String> {
        image
            .negative
            .total
            .checked_add(image.zero_count)
            .and_then(|count| count.checked_add(image.positive.total))
            .ok_or("sketch count overflows")?;
        Ok(QuantileSketch {
            negative: image.negative,
            zero_count: image.zero_count,
            positive: image.positive,
        })
    }
}

impl QuantileSketch {
    /// Adds one value. NaN is skipped; |value| <= [`SKETCH_MIN_VALUE`] counts as 0; +-infinity
    /// goes to the highest bin there is (callers clamp quantiles to the exact extremes).
    #[inline]
    pub fn add(&mut self, value: f64) {
        if value > SKETCH_MIN_VALUE {
            self.positive.add(key(value));
        } else if value < -SKETCH_MIN_VALUE {
            self.negative.add(key(-value));
        } else if !value.is_nan() {
            self.zero_count += 1;
        }
    }

    /// Empties the sketch, keeping its bins' allocations for the values to come.
    pub fn clear(&mut self) {
        self.negative.clear();
        self.zero_count = 0;
        self.positive.clear();
    }

    /// Adds another sketch's values to this one. Counts add exactly, so the result is the same
    /// in any grouping and order, and the same as adding all the values to one sketch.
    pub fn merge(&mut self, other: &QuantileSketch) {
        self.negative.merge(&other.negative);
        self.zero_count += other.zero_count;
        self.positive.merge(&other.positive);
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.negative.total + self.zero_count + self.positive.total
    }

    /// The q-quantile, None when empty or q is outside [0, 1]. Rank rule (the same as
    /// `sketches-ddsketch` 0.4, which secsim used before): of the n values sorted, the one of
    /// 0-based rank floor(q (n - 1)), i.e. the lower of the two neighbours, with no
    /// interpolation. The answer is the representative of that value's bin, so within
    /// [`QUANTILE_RELATIVE_ACCURACY`] of it relatively (0 for a value counted as 0), unless its
    /// bin was collapsed; at q = 0 and 1 it is a bin's representative, not the exact extreme.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if !(0.0..=1.0).contains(&q) {
            return None;
        }
        let count = self.count();
        if count == 0 {
            return None;
        }
        self.value_at_rank((q * (count as f64 - 1.0)) as u64)
    }

    /// The value of 0-based rank `rank` among the values sorted (as a bin's representative, as
    /// in [`QuantileSketch::quantile`]), None when there are not that many values.
    pub fn value_at_rank(&self, rank: u64) -> Option<f64> {
        if rank >= self.count() {
            return None;
        }
        let negative = self.negative.total;
        Some(if rank < negative {
            // The most negative value has the largest magnitude: count from the top.
            -representative(self.negative.key_at_rank(negative - 1 - rank))
        } else if rank < negative + self.zero_count {
            0.0
        } else {
            representative(self.positive.key_at_rank(rank - negative - self.zero_count))
        })
    }

    /// Bins held in memory (both stores), for tests of the budget.
    #[cfg(test)]
    fn bins_held(&self) -> usize {
        self.negative.counts.len() + self.positive.counts.len()
    }
}

/// Counts of magnitudes by key, dense over a range of keys that grows as needed, with the
/// lowest bins collapsed so that at most [`SKETCH_MAX_BINS`] are kept (DDSketch's "collapsing
/// lowest dense store").
///
/// Contents, for a store whose highest key is `max_key`: with `lowest = max_key -
/// SKETCH_MAX_BINS + 1`, the bin of each key above `lowest` counts the magnitudes of that key,
/// and the bin of `lowest` counts those of every key up to `lowest`. That depends only on the
/// magnitudes added, not on their order (which makes merges associative and commutative).
///
/// Layout: `counts[i]` is the bin of key `offset + i`; the last bin is `max_key`'s (it is never
/// 0), and `counts.len() <= SKETCH_MAX_BINS`, so every key the vector covers is at or above
/// `lowest` and `add` can count any key inside it without further checks. Bins below the lowest
/// value may be 0 (room to grow downward); serialization leaves them out.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(try_from = "StoreImage<Vec<u64>>")]
struct Store {
    counts: Vec<u64>,
    offset: i32,
    total: u64,
}

/// The serialized form of a [`Store`]: its key range trimmed of empty bins at both ends, so
/// that equal contents give equal bytes.
#[derive(Serialize, Deserialize)]
struct StoreImage<Counts> {
    lowest_key: i32,
    counts: Counts,
}

impl Serialize for Store {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (lowest_key, counts) = self.occupied();
        StoreImage { lowest_key, counts }.serialize(serializer)
    }
}

impl TryFrom<StoreImage<Vec<u64>>> for Store {
    type Error = String;

    fn try_from(image: StoreImage<Vec<u64>>) -> Result<Self, String> {
        let counts = image.counts;
        if counts.is_empty() {
            return Ok(Store::default());
        }
        if counts.len() > SKETCH_MAX_BINS {
            return Err(format!(
                "sketch store of {} bins, more than {SKETCH_MAX_BINS}",
                counts.len()
            ));
        }
        if counts[0] == 0 || counts[counts.len() - 1] == 0 {
            return Err("sketch store not trimmed of empty bins".to_owned());
        }
        let highest_key = i64::from(image.lowest_key) + counts.len() as i64 - 1;
        if i64::from(image.lowest_key) < -i64::from(KEY_LIMIT) || highest_key > i64::from(KEY_LIMIT)
        {
            return Err("sketch store keys out of range".to_owned());
        }
        let total = counts
            .iter()
            .try_fold(0u64, |sum, &count| sum.checked_add(count))
            .ok_or("sketch store count overflows")?;
        Ok(Store {
            counts,
            offset: image.lowest_key,
            total,
        })
    }
}

impl PartialEq for Store {
    /// Equal contents, whatever the room each store keeps.
    fn eq(&self, other: &Store) -> bool {
        self.occupied() == other.occupied()
    }
}

impl Eq for Store {}

impl Store {
    /// Counts one magnitude of key `key`.
    #[inline]
    fn add(&mut self, key: i32) {
        let bin = usize::try_from(key - self.offset)
            .ok()
            .and_then(|index| self.counts.get_mut(index));
        match bin {
            Some(count) => *count += 1,
            None => self.add_outside(key),
        }
        self.total += 1;
    }

    /// Empties the store, keeping as much of its allocation as its bins used: the next key
    /// counted starts it afresh, as in a new store (`add_outside`). The room beyond the bins
    /// used is given back (in place, without a copy), so that a recycled store holds what its
    /// last block needed rather than the most any block ever reserved, which would grow with
    /// the run count.
    fn clear(&mut self) {
        self.counts.shrink_to(self.counts.len());
        self.counts.clear();
        self.offset = 0;
        self.total = 0;
    }

    /// Counts a key outside the vector: the first one, a new highest key, or one below.
    #[cold]
    fn add_outside(&mut self, key: i32) {
        if self.counts.is_empty() {
            self.offset = key - INITIAL_ROOM_BELOW as i32;
            self.counts.reserve_exact(2 * (INITIAL_ROOM_BELOW + 1));
            self.counts.resize(INITIAL_ROOM_BELOW + 1, 0);
        } else if key > self.max_key() {
            self.raise_max_key(key);
        } else {
            self.cover_down_to(key.max(self.lowest_key()));
        }
        let index = (key.max(self.lowest_key()) - self.offset) as usize;
        self.counts[index] += 1;
    }

    /// Adds another store's counts to this one.
    fn merge(&mut self, other: &Store) {
        if other.total == 0 {
            return;
        }
        if self.total == 0 {
            self.clone_from(other);
            return;
        }
        if other.max_key() > self.max_key() {
            self.raise_max_key(other.max_key());
        }
        let lowest = self.lowest_key();
        let (other_lowest_key, other_counts) = other.occupied();
        // The other's bins below the budget all go to the lowest bin kept.
        let below = ((lowest - other_lowest_key).max(0) as usize).min(other_counts.len());
        let (collapsed, kept) = other_counts.split_at(below);
        let first_key = other_lowest_key.max(lowest);
        self.cover_down_to(first_key);
        let first = (first_key - self.offset) as usize;
        self.counts[first] += collapsed.iter().sum::<u64>();
        for (mine, theirs) in self.counts[first..].iter_mut().zip(kept) {
            *mine += theirs;
        }
        self.total += other.total;
    }

    /// The key of the 0-based `rank`-th magnitude in increasing order (`rank < total`).
    fn key_at_rank(&self, rank: u64) -> i32 {
        let mut seen = 0;
        for (key, &count) in (self.offset..).zip(&self.counts) {
            seen += count;
            if seen > rank {
                return key;
            }
        }
        self.max_key()
    }

    /// The highest key counted (the store is not empty).
    fn max_key(&self) -> i32 {
        self.offset + self.counts.len() as i32 - 1
    }

    /// The lowest key the bin budget keeps: lower keys are counted in its bin.
    fn lowest_key(&self) -> i32 {
        self.max_key() - (SKETCH_MAX_BINS as i32 - 1)
    }

    /// The key of the lowest non-empty bin and the bins from it to the highest (nothing for an
    /// empty store).
    fn occupied(&self) -> (i32, &[u64]) {
        match self.counts.iter().position(|&count| count > 0) {
            Some(first) => (self.offset + first as i32, &self.counts[first..]),
            None => (0, &[]),
        }
    }

    /// Makes `new_max_key` (above the current highest key) the highest bin, collapsing the bins
    /// that fall below the budget into the new lowest one.
    fn raise_max_key(&mut self, new_max_key: i32) {
        let new_lowest = new_max_key - (SKETCH_MAX_BINS as i32 - 1);
        if new_lowest > self.offset {
            let below = ((new_lowest - self.offset) as usize).min(self.counts.len());
            let collapsed: u64 = self.counts.drain(..below).sum();
            self.offset = new_lowest;
            self.resize(new_max_key);
            self.counts[0] += collapsed;
        } else {
            self.resize(new_max_key);
        }
    }

    /// Extends the vector down to `key` (at or above the lowest key the budget keeps), with as
    /// much room again below it so that a run of ever smaller values is amortised.
    fn cover_down_to(&mut self, key: i32) {
        if key >= self.offset {
            return;
        }
        let new_offset = (key - self.counts.len() as i32).max(self.lowest_key());
        let room = (self.offset - new_offset) as usize;
        self.reserve(self.counts.len() + room);
        self.counts.splice(0..0, std::iter::repeat_n(0, room));
        self.offset = new_offset;
    }

    /// Sets the highest key covered to `max_key`, with new bins empty.
    fn resize(&mut self, max_key: i32) {
        let length = (max_key - self.offset + 1) as usize;
        self.reserve(length);
        self.counts.resize(length, 0);
    }

    /// Makes room for `length` bins, doubling the capacity but never beyond the budget, so that
    /// memory stays bounded by [`SKETCH_MAX_BINS`] whatever is added.
    fn reserve(&mut self, length: usize) {
        if length > self.counts.capacity() {
            let capacity = (2 * self.counts.capacity())
                .min(SKETCH_MAX_BINS)
                .max(length);
            self.counts.reserve_exact(capacity - self.counts.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (SplitMix64), so that the tests need no seeding crate.
    struct SplitMix(u64);

    impl SplitMix {
        fn uniform(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn sketch_of(values: &[f64]) -> QuantileSketch {
        let mut sketch = QuantileSketch::default();
        values.iter().for_each(|&value| sketch.add(value));
        sketch
    }

    /// The sample quantile of the rank rule [`QuantileSketch::quantile`] documents.
    fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
        sorted[(q * (sorted.len() as f64 - 1.0)) as usize]
    }

    /// The guarantee: within alpha of the exact value, relatively, or equal to 0 for a value
    /// counted as 0. A value at a bin's lower bound (1, say) is alpha away from its
    /// representative exactly, and so is a value an ulp off a bound put in the neighbouring bin
    /// by the rounding of ln: the floating-point computation may add a few ulps to alpha.
    fn within_accuracy(estimate: f64, exact: f64) -> bool {
        if exact.abs() <= SKETCH_MIN_VALUE {
            estimate == 0.0
        } else {
            (estimate - exact).abs() <= QUANTILE_RELATIVE_ACCURACY * exact.abs() * (1.0 + 1e-12)
        }
    }

    fn check_accuracy(name: &str, values: &[f64]) {
        let sketch = sketch_of(values);
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mut q = 0.0;
        while q <= 1.0 {
            let exact = exact_quantile(&sorted, q);
            let estimate = sketch.quantile(q).unwrap();
            assert!(
                within_accuracy(estimate, exact),
                "{name}, q {q}: {estimate} vs {exact}"
            );
            q += 0.001;
        }
    }

    #[test]
    fn ln_gamma_is_the_logarithm_of_gamma() {
        // 2 atanh(0.005) to 50 digits is 0.0100000833345833558633679628...; this is the f64
        // nearest to it.
        assert_eq!(LN_GAMMA, 0.010_000_083_334_583_356);
        // ln of gamma rounded to f64 is off by up to half an ulp of gamma, 1.1e-16 absolute.
        assert!((LN_GAMMA - math::ln(GAMMA)).abs() <= f64::EPSILON * GAMMA);
        assert_eq!(representative(0), REPRESENTATIVE_FACTOR);
        assert!((representative(1) / GAMMA - REPRESENTATIVE_FACTOR).abs() < 1e-15);
    }

    #[test]
    fn keys_are_one_above_the_floor_of_the_logarithm_in_base_gamma() {
        assert_eq!(key(1.0), 1);
        assert_eq!(key(1.0 - f64::EPSILON), 0);
        assert_eq!(key(1.001), 1);
        assert_eq!(key(0.999), 0);
        assert_eq!(key(0.98), -2);
        assert_eq!(key(GAMMA * 1.000_001), 2);
        assert_eq!(key(SKETCH_MIN_VALUE * 1.000_001), -1381);
        assert_eq!(key(f64::MAX), 70_978);
        assert_eq!(key(f64::INFINITY), KEY_LIMIT);
        // Every value lies in [gamma^(key - 1), gamma^key), up to the rounding of ln.
        let mut random = SplitMix(7);
        for _ in 0..10_000 {
            let value = math::exp(60.0 * random.uniform() - 13.0);
            let key = key(value);
            let upper = math::exp(f64::from(key) * LN_GAMMA);
            let lower = math::exp(f64::from(key - 1) * LN_GAMMA);
            assert!(value < upper * (1.0 + 1e-12) && value >= lower * (1.0 - 1e-12));
        }
    }

    /// The table must give exactly the logarithm's key, or a sketch's bins (and every reported
    /// quantile) would depend on whether a value went through it; also just past its end, and
    /// for neighbours of whole numbers, which must not be taken for them.
    #[test]
    fn whole_number_keys_from_the_table_are_the_logarithms_keys() {
        for whole in 1..=WHOLE_KEYS_UP_TO + 100 {
            let magnitude = f64::from(whole);
            assert_eq!(key(magnitude), key_by_logarithm(magnitude), "{whole}");
            for neighbour in [magnitude.next_down(), magnitude.next_up()] {
                assert_eq!(key(neighbour), key_by_logarithm(neighbour), "{neighbour}");
            }
        }
        for magnitude in [0.5, 2.5, 1e10, 4_294_967_295.0, 4_294_967_296.0, 1e300] {
            assert_eq!(key(magnitude), key_by_logarithm(magnitude), "{magnitude}");
        }
    }

    #[test]
    fn quantiles_are_within_the_relative_accuracy_of_sample_quantiles() {
        let mut random = SplitMix(2019);
        let uniform: Vec<f64> = (0..10_000).map(|_| 1000.0 * random.uniform()).collect();
        let exponential: Vec<f64> = (0..10_000)
            .map(|_| -math::ln(1.0 - random.uniform()))
            .collect();
        // Log-normal by Box-Muller, sigma 2: ten decades.
        let lognormal: Vec<f64> = (0..10_000)
            .map(|_| {
                let radius = (-2.0 * math::ln(1.0 - random.uniform())).sqrt();
                let angle = std::f64::consts::TAU * random.uniform();
                math::exp(2.0 * radius * libm::cos(angle))
            })
            .collect();
        let pareto: Vec<f64> = (0..10_000)
            .map(|_| math::pow(1.0 - random.uniform(), -1.0 / 1.5))
            .collect();
        let counts: Vec<f64> = (0..10_000)
            .map(|_| (50.0 * random.uniform()).floor())
            .collect();
        let mixed_signs: Vec<f64> = (0..10_000)
            .map(|_| {
                let value = 200.0 * random.uniform() - 100.0;
                if value.abs() < 5.0 { 0.0 } else { value }
            })
            .collect();
        let integers: Vec<f64> = (1..=10_000).map(f64::from).collect();
        check_accuracy("uniform", &uniform);
        check_accuracy("exponential", &exponential);
        check_accuracy("lognormal", &lognormal);
        check_accuracy("pareto", &pareto);
        check_accuracy("counts", &counts);
        check_accuracy("mixed signs", &mixed_signs);
        check_accuracy("1..=10000", &integers);
    }

    #[test]
    fn the_rank_rule_takes_the_lower_neighbour() {
        // Four values, far apart: q (n - 1) = 3q picks rank floor(3q).
        let sketch = sketch_of(&[1.0, 2.0, 3.0, 4.0]);
        let near = |q: f64, value: f64| within_accuracy(sketch.quantile(q).unwrap(), value);
        assert!(near(0.0, 1.0) && near(0.33, 1.0));
        assert!(near(0.34, 2.0) && near(0.5, 2.0) && near(0.66, 2.0));
        assert!(near(0.67, 3.0) && near(0.99, 3.0));
        assert!(near(1.0, 4.0));
        assert_eq!(sketch.quantile(-0.1), None);
        assert_eq!(sketch.quantile(1.1), None);
        assert_eq!(sketch.quantile(f64::NAN), None);
        assert_eq!(QuantileSketch::default().quantile(0.5), None);
    }

    #[test]
    fn values_near_zero_count_as_zero_and_negatives_mirror_positives() {
        let sketch = sketch_of(&[-4.0, -3.0, -2.0, -1.0, 0.0, 1e-6, -1e-6, 5e-7, f64::NAN]);
        assert_eq!(sketch.count(), 8, "NaN is skipped");
        assert_eq!(sketch.zero_count, 4);
        // Sorted: -4 -3 -2 -1 0 0 0 0; q (n - 1) = 7q.
        assert!(within_accuracy(sketch.quantile(0.0).unwrap(), -4.0));
        assert!(within_accuracy(
            sketch.quantile(3.0 / 7.0 + 1e-9).unwrap(),
            -1.0
        ));
        assert_eq!(sketch.quantile(4.0 / 7.0 + 1e-9), Some(0.0));
        assert_eq!(sketch.quantile(1.0), Some(0.0));
        let positive = sketch_of(&[1.0, 2.0, 3.0, 4.0]);
        let negative = sketch_of(&[-1.0, -2.0, -3.0, -4.0]);
        // Rank r of the negatives is rank n - 1 - r of their magnitudes.
        for (q, mirrored) in [(0.0, 1.0), (0.34, 0.67), (0.67, 0.34), (1.0, 0.0)] {
            assert_eq!(
                negative.quantile(q),
                positive.quantile(mirrored).map(|v| -v)
            );
        }
        // Just above the threshold is a value, not 0.
        assert!(within_accuracy(
            sketch_of(&[2e-6]).quantile(0.5).unwrap(),
            2e-6
        ));
    }

    #[test]
    fn infinite_values_go_to_the_extreme_bins() {
        let sketch = sketch_of(&[1.0, f64::INFINITY, f64::NEG_INFINITY]);
        assert_eq!(sketch.count(), 3);
        assert_eq!(sketch.quantile(1.0), Some(f64::INFINITY));
        assert_eq!(sketch.quantile(0.0), Some(f64::NEG_INFINITY));
    }

    fn encode(sketch: &QuantileSketch) -> Vec<u8> {
        postcard::to_stdvec(sketch).unwrap()
    }

    #[test]
    fn merging_equals_adding_every_value_to_one_sketch() {
        let mut random = SplitMix(42);
        let values: Vec<f64> = (0..5000)
            .map(|index| {
                let magnitude = math::exp(20.0 * random.uniform() - 8.0);
                match index % 7 {
                    0 => -magnitude,
                    1 => 0.0,
                    _ => magnitude,
                }
            })
            .collect();
        let whole = sketch_of(&values);
        let parts: Vec<QuantileSketch> = values.chunks(317).map(sketch_of).collect();
        let mut in_order = QuantileSketch::default();
        parts.iter().for_each(|part| in_order.merge(part));
        let mut reversed = QuantileSketch::default();
        parts.iter().rev().for_each(|part| reversed.merge(part));
        // ((p0 + p1) + p2) + ... against p0 + (p1 + (p2 + ...)).
        let mut right_nested = QuantileSketch::default();
        for part in parts.iter().rev() {
            let mut sum = part.clone();
            sum.merge(&right_nested);
            right_nested = sum;
        }
        let mut added_backwards = QuantileSketch::default();
        values
            .iter()
            .rev()
            .for_each(|&value| added_backwards.add(value));
        for other in [&in_order, &reversed, &right_nested, &added_backwards] {
            assert_eq!(encode(other), encode(&whole));
            assert_eq!(other, &whole);
            for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
                assert_eq!(
                    other.quantile(q).map(f64::to_bits),
                    whole.quantile(q).map(f64::to_bits)
                );
            }
        }
    }

    #[test]
    fn serde_round_trip_keeps_the_contents_and_the_bytes() {
        let mut random = SplitMix(3);
        let values: Vec<f64> = (0..2000).map(|_| 10.0 * random.uniform() - 2.0).collect();
        let sketch = sketch_of(&values);
        let bytes = encode(&sketch);
        let decoded: QuantileSketch = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(decoded, sketch);
        assert_eq!(encode(&decoded), bytes);
        for q in [0.0, 0.1, 0.5, 0.9, 1.0] {
            assert_eq!(decoded.quantile(q), sketch.quantile(q));
        }
        // The decoded sketch goes on like the original.
        let mut continued = decoded;
        let mut original = sketch;
        continued.add(1e-3);
        original.add(1e-3);
        continued.add(-50.0);
        original.add(-50.0);
        assert_eq!(encode(&continued), encode(&original));
        let empty: QuantileSketch =
            postcard::from_bytes(&encode(&QuantileSketch::default())).unwrap();
        assert_eq!(empty.count(), 0);
        // JSON too (serde's self-describing path).
        let json = serde_json::to_string(&original).unwrap();
        assert_eq!(
            serde_json::from_str::<QuantileSketch>(&json).unwrap(),
            original
        );
    }

    #[test]
    fn malformed_images_are_refused() {
        let refused = |json: &str| serde_json::from_str::<QuantileSketch>(json).is_err();
        let empty = r#"{"lowest_key":0,"counts":[]}"#;
        let ok = format!(
            r#"{{"negative":{empty},"zero_count":1,"positive":{{"lowest_key":-3,"counts":[1,0,2]}}}}"#
        );
        assert!(!refused(&ok));
        let untrimmed = format!(
            r#"{{"negative":{empty},"zero_count":0,"positive":{{"lowest_key":-3,"counts":[0,2]}}}}"#
        );
        assert!(refused(&untrimmed));
        let too_many = format!(
            r#"{{"negative":{empty},"zero_count":0,"positive":{{"lowest_key":0,"counts":[{}]}}}}"#,
            vec!["1"; SKETCH_MAX_BINS + 1].join(",")
        );
        assert!(refused(&too_many));
        let out_of_range = format!(
            r#"{{"negative":{empty},"zero_count":0,"positive":{{"lowest_key":2147483647,"counts":[1,1]}}}}"#
        );
        assert!(refused(&out_of_range));
        let overflowing = format!(
            r#"{{"negative":{empty},"zero_count":1,"positive":{{"lowest_key":0,"counts":[18446744073709551615]}}}}"#
        );
        assert!(refused(&overflowing));
    }

    #[test]
    fn lowest_bins_collapse_at_the_budget() {
        // 1e30 has key 6908: the budget keeps keys 765 to 6908, and every smaller magnitude is
        // counted in the bin of key 765 (gamma^765 is about 2,100).
        let small = [1.0, 10.0, 100.0, 1000.0];
        let mut sketch = sketch_of(&small);
        sketch.add(1e30);
        assert_eq!(key(1e30), 6908);
        let collapsed = representative(6908 - SKETCH_MAX_BINS as i32 + 1);
        assert!((collapsed - 2100.0).abs() < 50.0, "{collapsed}");
        for q in [0.0, 0.25, 0.5, 0.75] {
            assert_eq!(sketch.quantile(q), Some(collapsed), "q {q}");
        }
        assert!(within_accuracy(sketch.quantile(1.0).unwrap(), 1e30));
        // Values above the collapsed range keep their accuracy.
        sketch.add(1e10);
        assert!(within_accuracy(
            sketch.quantile(1.0 - 1.0 / 5.0).unwrap(),
            1e10
        ));
        // The same contents whatever the order: the large value first, or merged in.
        let mut large_first = sketch_of(&[1e30, 1e10]);
        small.iter().for_each(|&value| large_first.add(value));
        assert_eq!(encode(&large_first), encode(&sketch));
        let mut merged = sketch_of(&small);
        merged.merge(&sketch_of(&[1e10, 1e30]));
        assert_eq!(encode(&merged), encode(&sketch));
        let mut merged_other_way = sketch_of(&[1e10, 1e30]);
        merged_other_way.merge(&sketch_of(&small));
        assert_eq!(encode(&merged_other_way), encode(&sketch));
    }

    #[test]
    fn memory_stays_within_the_budget_whatever_is_added() {
        let mut sketch = QuantileSketch::default();
        let mut random = SplitMix(11);
        for _ in 0..200_000 {
            let magnitude = math::exp(1400.0 * random.uniform() - 700.0);
            sketch.add(if random.uniform() < 0.5 {
                magnitude
            } else {
                -magnitude
            });
        }
        assert_eq!(sketch.count(), 200_000);
        assert!(sketch.bins_held() <= 2 * SKETCH_MAX_BINS);
        assert!(sketch.positive.counts.capacity() <= SKETCH_MAX_BINS);
        assert!(sketch.negative.counts.capacity() <= SKETCH_MAX_BINS);
        let bytes = encode(&sketch).len();
        assert!(bytes < 2 * SKETCH_MAX_BINS * 4, "{bytes} bytes");
    }

    /// Value stability: these bits are what every machine computes for this input. A change of
    /// them (the mapping, the rank rule, the libm) moves every reported quantile; it must be a
    /// decision.
    #[test]
    fn pinned_quantiles() {
        // -49.9, ..., 0 (twice), ..., 142,807: negatives, zeros and four decades of positives.
        let mut values: Vec<f64> = (1..=1000)
            .map(|index| f64::from(index * index) / 7.0 - 50.0)
            .collect();
        values.extend([0.0, 0.0]);
        let sketch = sketch_of(&values);
        let quantiles = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0].map(|q| sketch.quantile(q));
        // Checked against the same mapping in 40-digit arithmetic: each is the representative
        // of the right bin, within 2e-15 relatively (none of the values they stand for lies
        // within 1% of a bin's width of a bin boundary).
        let pinned = [
            -49.651_075_008_978_48,
            -32.622_966_752_751_96,
            294.428_113_215_406_94,
            8_822.523_412_857_789,
            35_421.518_894_693_465,
            80_425.102_473_451_95,
            128_680.200_950_461_27,
            142_213.734_335_753_6,
        ];
        assert_eq!(quantiles.map(Option::unwrap), pinned);
    }
}
