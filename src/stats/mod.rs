//! Mergeable summaries of replications: moments, quantile sketches, event counts.
//!
//! Invariant: memory does not grow with the number of replications, and merging the same blocks
//! in the same order gives the same bits. stats knows nothing of files or charts.

pub mod sketch;

use crate::math;
use serde::{Deserialize, Serialize};

pub use sketch::QuantileSketch;

/// Relative accuracy of every reported quantile: a sketch quantile q̂ of a sample quantile q
/// satisfies |q̂ - q| <= QUANTILE_RELATIVE_ACCURACY * |q| (DDSketch, Masson et al. 2019; the
/// sketch's other parameters are in [`sketch`]).
pub const QUANTILE_RELATIVE_ACCURACY: f64 = 0.005;

/// The quantiles every summary reports.
pub const QUANTILES: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

/// Count, mean and sum of squared deviations, merged with Chan et al.'s pairwise update so that
/// block summaries combine without the cancellation of a raw sum of squares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    pub count: u64,
    pub mean: f64,
    pub sum_squared_deviations: f64,
    pub min: f64,
    pub max: f64,
}

impl Moments {
    /// Adds one value.
    pub fn add(&mut self, value: f64) {
        self.merge(&Moments {
            count: 1,
            mean: value,
            sum_squared_deviations: 0.0,
            min: value,
            max: value,
        });
    }

    /// Adds another summary's values to this one.
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let count = self.count + other.count;
        let delta = other.mean - self.mean;
        let other_share = other.count as f64 / count as f64;
        self.mean += delta * other_share;
        self.sum_squared_deviations +=
            other.sum_squared_deviations + delta * delta * self.count as f64 * other_share;
        self.count = count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Sample standard deviation (n - 1 denominator); 0 for fewer than two values.
    pub fn sd(&self) -> f64 {
        if self.count < 2 {
            0.0
        } else {
            (self.sum_squared_deviations / (self.count - 1) as f64).sqrt()
        }
    }

    /// Monte Carlo standard error of the mean, sd / sqrt(n).
    pub fn mcse(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sd() / (self.count as f64).sqrt()
        }
    }
}

/// Moments plus a quantile sketch of one quantity.
#[derive(Clone, Serialize, Deserialize)]
pub struct Distribution {
    pub moments: Moments,
    sketch: QuantileSketch,
    /// True while every value added is a whole number: quantiles are then rounded to whole
    /// numbers, which makes them exact for counts below 1 / QUANTILE_RELATIVE_ACCURACY.
    whole_numbers: bool,
}

impl Default for Distribution {
    fn default() -> Self {
        Distribution {
            moments: Moments::default(),
            sketch: QuantileSketch::default(),
            whole_numbers: true,
        }
    }
}

impl std::fmt::Debug for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("Distribution")
            .field("moments", &self.moments)
            .finish()
    }
}

impl Distribution {
    /// Adds one value; NaN (a missing value) is skipped.
    pub fn add(&mut self, value: f64) {
        if value.is_nan() {
            return;
        }
        self.moments.add(value);
        self.sketch.add(value);
        // `math::floor` rather than `fract`, which is a call into the platform's libm here
        // and costs about 1% of a replication; both say whether a finite value is whole, and
        // neither calls an infinity whole.
        self.whole_numbers &= value - math::floor(value) == 0.0;
    }

    /// Empties the distribution, as new, keeping its sketch's allocations.
    pub fn clear(&mut self) {
        self.moments = Moments::default();
        self.sketch.clear();
        self.whole_numbers = true;
    }

    /// Adds another distribution's values to this one.
    pub fn merge(&mut self, other: &Distribution) {
        self.moments.merge(&other.moments);
        self.merge_quantiles(other);
    }

    /// Adds another distribution's quantile sketch, not its moments. Sketch bins are counts, so
    /// unlike moments they merge to the same result in any grouping and order.
    pub fn merge_quantiles(&mut self, other: &Distribution) {
        self.whole_numbers &= other.whole_numbers;
        self.sketch.merge(&other.sketch);
    }

    /// True when every value added so far is a whole number.
    pub fn is_whole_numbers(&self) -> bool {
        self.whole_numbers
    }

    /// The q-quantile (rank-based, lower: see [`QuantileSketch::quantile`]), None when empty or
    /// q is outside [0, 1]. Exact min and max at q = 0 and 1.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.moments.count == 0 {
            return None;
        }
        if q == 0.0 {
            return Some(self.moments.min);
        }
        if q == 1.0 {
            return Some(self.moments.max);
        }
        let value = self.sketch.quantile(q)?;
        Some(self.exact_where_known(value))
    }

    /// The value of 0-based rank `rank` among the values sorted (with the accuracy of
    /// [`Distribution::quantile`]), None when fewer values were added.
    pub fn value_at_rank(&self, rank: u64) -> Option<f64> {
        if rank == 0 && self.moments.count > 0 {
            return Some(self.moments.min);
        }
        if rank + 1 == self.moments.count {
            return Some(self.moments.max);
        }
        let value = self.sketch.value_at_rank(rank)?;
        Some(self.exact_where_known(value))
    }

    /// The sketch returns a bin's representative value, which may lie just outside the
    /// observed range; the exact extremes are known, and so is whether values are whole.
    fn exact_where_known(&self, value: f64) -> f64 {
        let value = value.clamp(self.moments.min, self.moments.max);
        if self.whole_numbers {
            value.round()
        } else {
            value
        }
    }

    /// The summary every output reports.
    pub fn summary(&self) -> Summary {
        let quantile = |q| self.quantile(q);
        let present = self.moments.count > 0;
        Summary {
            n: self.moments.count,
            mean: present.then_some(self.moments.mean),
            sd: present.then(|| self.moments.sd()),
            mcse: present.then(|| self.moments.mcse()),
            quantiles: QUANTILES.map(quantile),
            min: present.then_some(self.moments.min),
            max: present.then_some(self.moments.max),
        }
    }
}

/// Summary statistics of one quantity; `None` where no replication had a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub mcse: Option<f64>,
    /// At [`QUANTILES`]: p05, p25, p50, p75, p95.
    pub quantiles: [Option<f64>; 5],
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// The mean a design point's runs give an outcome: for the month something first happens the
/// restricted mean over every run (see [`TimeToEvent`]), so that a point where it happens
/// less often is not judged on its few early runs; NaN where no run has a value.
pub fn point_mean(
    scale: crate::scenario::OutcomeScale,
    distribution: &Distribution,
    runs: u64,
    horizon: usize,
) -> f64 {
    match scale {
        crate::scenario::OutcomeScale::Month if runs > 0 => {
            TimeToEvent::new(distribution, runs, horizon).restricted_mean
        }
        _ if distribution.moments.count > 0 => distribution.moments.mean,
        _ => f64::NAN,
    }
}

/// Two-sided 95% Wilson score interval of a share of `successes` out of `trials` (Wilson 1927;
/// Brown, Cai & DasGupta 2001): unlike the normal interval it stays inside [0, 1] and does not
/// shrink to a point at 0 or 1 successes. None without trials.
pub fn wilson_interval(successes: u64, trials: u64) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z_95 * Z_95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z_95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 or `trials` successes one end is exactly 0 or 1; rounding must not move it.
    let low = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if successes == trials {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some((low, high))
}

/// An outcome that is a month something first happens (a threshold crossed, an event fired),
/// summarised over every run with the runs where it never happens censored at the horizon.
///
/// Every run is followed to the same horizon, so the Kaplan-Meier estimate of the share still
/// waiting after month t is the share of runs in which it has not happened by t (no run is
/// censored earlier), and its quantiles are order statistics over all runs with "never" ranked
/// last: a quantile that falls among the never-happens runs is "not reached" (None).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeToEvent {
    /// Runs followed to the horizon.
    pub runs: u64,
    /// Runs in which it happened within the horizon.
    pub happened: u64,
    /// The horizon in months: a run where it never happens counts as this month in the
    /// restricted mean.
    pub horizon: usize,
    /// Kaplan-Meier quantiles at [`QUANTILES`] (months); None where not reached.
    pub quantiles: [Option<f64>; 5],
    /// Mean of min(month, horizon) over all runs (the restricted mean time, Royston & Parmar
    /// 2013), with its Monte Carlo standard error.
    pub restricted_mean: f64,
    pub restricted_mean_mcse: f64,
}

impl TimeToEvent {
    /// From the months of the runs where it happened and the number of runs.
    pub fn new(months: &Distribution, runs: u64, horizon: usize) -> Self {
        let happened = months.moments.count.min(runs);
        let quantiles = QUANTILES.map(|q| {
            if runs == 0 {
                return None;
            }
            // The same rank rule as every other quantile: 0-based rank floor(q (n - 1)).
            months.value_at_rank((q * (runs as f64 - 1.0)) as u64)
        });
        let mut capped = months.moments;
        capped.merge(&Moments {
            count: runs - happened,
            mean: horizon as f64,
            sum_squared_deviations: 0.0,
            min: horizon as f64,
            max: horizon as f64,
        });
        TimeToEvent {
            runs,
            happened,
            horizon,
            quantiles,
            restricted_mean: capped.mean,
            restricted_mean_mcse: capped.mcse(),
        }
    }

    /// Share of runs in which it happens within the horizon.
    pub fn probability(&self) -> f64 {
        if self.runs == 0 {
            0.0
        } else {
            self.happened as f64 / self.runs as f64
        }
    }

    /// 95% Wilson interval of [`TimeToEvent::probability`].
    pub fn probability_interval(&self) -> Option<(f64, f64)> {
        wilson_interval(self.happened, self.runs)
    }

    /// Kaplan-Meier median month; None when it happens in fewer than half the runs.
    pub fn median(&self) -> Option<f64> {
        self.quantiles[2]
    }

    /// As a [`Summary`] over every run: the restricted mean and its standard error, the
    /// Kaplan-Meier quantiles, and the horizon as the value of the runs where it never happens.
    pub fn summary(&self, months: &Distribution) -> Summary {
        let present = self.runs > 0;
        let never = self.runs > self.happened;
        let horizon = self.horizon as f64;
        Summary {
            n: self.runs,
            mean: present.then_some(self.restricted_mean),
            sd: present.then(|| self.restricted_mean_mcse * (self.runs as f64).sqrt()),
            mcse: present.then_some(self.restricted_mean_mcse),
            quantiles: self.quantiles,
            min: if self.happened > 0 {
                Some(months.moments.min)
            } else {
                present.then_some(horizon)
            },
            max: if never {
                Some(horizon)
            } else {
                (self.happened > 0).then_some(months.moments.max)
            },
        }
    }
}

/// How often an event fired and when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventCounts {
    pub runs: u64,
    /// `fired_in_month[m]`: replications in which the event fired in month m.
    pub fired_in_month: Vec<u64>,
}

impl EventCounts {
    /// Counts for a scenario of `horizon` months.
    pub fn new(horizon: usize) -> Self {
        EventCounts {
            runs: 0,
            fired_in_month: vec![0; horizon],
        }
    }

    /// Empties the counts, as new.
    pub fn clear(&mut self) {
        self.runs = 0;
        self.fired_in_month.fill(0);
    }

    /// Records one replication.
    pub fn add(&mut self, fired_month: Option<u32>) {
        self.runs += 1;
        if let Some(month) = fired_month {
            self.fired_in_month[month as usize] += 1;
        }
    }

    /// Adds another block's counts.
    pub fn merge(&mut self, other: &EventCounts) {
        self.runs += other.runs;
        for (mine, theirs) in self.fired_in_month.iter_mut().zip(&other.fired_in_month) {
            *mine += theirs;
        }
    }

    /// Replications in which the event fired.
    pub fn fired(&self) -> u64 {
        self.fired_in_month.iter().sum()
    }

    /// Share of replications in which the event fired.
    pub fn probability(&self) -> f64 {
        if self.runs == 0 {
            0.0
        } else {
            self.fired() as f64 / self.runs as f64
        }
    }

    /// Median month over the replications where it fired (the mean of the two middle months
    /// when their count is even); None if it never fired.
    pub fn median_month(&self) -> Option<f64> {
        let fired = self.fired();
        if fired == 0 {
            return None;
        }
        let month_at_rank = |rank: u64| {
            let mut seen = 0;
            for (month, &count) in self.fired_in_month.iter().enumerate() {
                seen += count;
                if seen > rank {
                    return month as f64;
                }
            }
            (self.fired_in_month.len() - 1) as f64
        };
        Some((month_at_rank((fired - 1) / 2) + month_at_rank(fired / 2)) / 2.0)
    }

    /// Kaplan-Meier median month over every run, the runs where it never fired censored at the
    /// horizon (see [`TimeToEvent`]): None ("not reached") when it fired in fewer than half.
    pub fn median_month_within_horizon(&self) -> Option<f64> {
        if self.runs == 0 {
            return None;
        }
        let rank = (0.5 * (self.runs as f64 - 1.0)) as u64;
        let mut seen = 0;
        for (month, &count) in self.fired_in_month.iter().enumerate() {
            seen += count;
            if seen > rank {
                return Some(month as f64);
            }
        }
        None
    }

    /// The month the event fired in every replication, when it did (a scheduled event): a
    /// chart of its timing would be one step from 0 to 1, so it is listed, not drawn.
    pub fn certain_month(&self) -> Option<usize> {
        let mut fired = self
            .fired_in_month
            .iter()
            .enumerate()
            .filter(|&(_, &count)| count > 0);
        let (month, &count) = fired.next()?;
        (fired.next().is_none() && count == self.runs).then_some(month)
    }

    /// Share of replications in which the event has fired by the end of each month.
    pub fn cumulative_probability(&self) -> Vec<f64> {
        let mut seen = 0;
        self.fired_in_month
            .iter()
            .map(|&count| {
                seen += count;
                if self.runs == 0 {
                    0.0
                } else {
                    seen as f64 / self.runs as f64
                }
            })
            .collect()
    }
}

/// Paired comparison of one outcome between two scenarios, replication by replication: the
/// mean difference (second minus first) with its standard error, and how often the second is
/// larger. With common random numbers the pairs are positively correlated, so the standard error
/// of the difference is smaller than that of two independent samples (Law, *Simulation Modeling
/// and Analysis*, variance reduction).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Paired {
    pub differences: Moments,
    pub greater: u64,
}

/// Two-sided 95% normal quantile, for confidence intervals of mean differences over many runs.
pub const Z_95: f64 = 1.959_963_984_540_054;

impl Paired {
    /// Adds one replication's pair; pairs with a missing side are skipped.
    pub fn add(&mut self, first: f64, second: f64) {
        if first.is_nan() || second.is_nan() {
            return;
        }
        self.differences.add(second - first);
        if second > first {
            self.greater += 1;
        }
    }

    /// Number of complete pairs.
    pub fn n(&self) -> u64 {
        self.differences.count
    }

    /// Mean difference, None without pairs.
    pub fn mean(&self) -> Option<f64> {
        (self.n() > 0).then_some(self.differences.mean)
    }

    /// 95% confidence interval of the mean difference (normal approximation), None with fewer
    /// than two pairs.
    pub fn confidence_interval(&self) -> Option<(f64, f64)> {
        (self.n() > 1).then(|| {
            let half_width = Z_95 * self.differences.mcse();
            (
                self.differences.mean - half_width,
                self.differences.mean + half_width,
            )
        })
    }

    /// Share of pairs in which the second value is strictly larger, None without pairs.
    pub fn probability_greater(&self) -> Option<f64> {
        (self.n() > 0).then(|| self.greater as f64 / self.n() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A distribution emptied with `clear` and filled again is a new one filled with the same
    /// values: the same moments' bits, quantiles, whole-number flag and serialized sketch. The
    /// first values span more bins (both signs, fractions, a wide range) than the second, so the
    /// cleared store starts with room it must ignore.
    #[test]
    fn a_cleared_distribution_is_a_new_one() {
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let first: Vec<f64> = (0..500).map(|_| (next() - 0.3) * 1e5).collect();
        let second: Vec<f64> = (0..500).map(|_| (next() * 40.0).round()).collect();
        let mut reused = Distribution::default();
        first.iter().for_each(|&value| reused.add(value));
        reused.clear();
        let mut fresh = Distribution::default();
        for &value in &second {
            reused.add(value);
            fresh.add(value);
        }
        assert_eq!(reused.moments.count, fresh.moments.count);
        assert_eq!(reused.moments.mean.to_bits(), fresh.moments.mean.to_bits());
        assert_eq!(
            reused.moments.sum_squared_deviations.to_bits(),
            fresh.moments.sum_squared_deviations.to_bits()
        );
        assert_eq!(reused.moments.min, fresh.moments.min);
        assert_eq!(reused.moments.max, fresh.moments.max);
        assert!(reused.is_whole_numbers() && fresh.is_whole_numbers());
        for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
            assert_eq!(reused.quantile(q), fresh.quantile(q), "q = {q}");
        }
        assert_eq!(
            serde_json::to_string(&reused.sketch).unwrap(),
            serde_json::to_string(&fresh.sketch).unwrap()
        );
    }

    #[test]
    fn a_month_outcome_counts_every_run_with_the_rest_censored_at_the_horizon() {
        // 3 of 10 runs cross, in months 1, 2 and 3; horizon 12.
        let mut months = Distribution::default();
        for month in [1.0, 2.0, 3.0] {
            months.add(month);
        }
        let time = TimeToEvent::new(&months, 10, 12);
        assert_eq!(time.happened, 3);
        assert_eq!(time.probability(), 0.3);
        // Ranks over all 10 runs: floor(0.05 * 9) = 0 -> month 1; floor(0.25 * 9) = 2 ->
        // month 3; the median's rank 4 falls among the 7 runs that never cross.
        assert_eq!(time.quantiles, [Some(1.0), Some(3.0), None, None, None]);
        assert_eq!(time.median(), None);
        let restricted: f64 = (1.0 + 2.0 + 3.0 + 7.0 * 12.0) / 10.0;
        assert!((time.restricted_mean - restricted).abs() < 1e-12);
        let values = [1.0, 2.0, 3.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0];
        let variance = values
            .iter()
            .map(|value| (value - restricted).powi(2))
            .sum::<f64>()
            / 9.0;
        assert!((time.restricted_mean_mcse - (variance / 10.0).sqrt()).abs() < 1e-12);
        // Once more than half cross, the median is the month at rank floor(0.5 (n - 1)).
        let time = TimeToEvent::new(&months, 4, 12);
        assert_eq!(time.median(), Some(2.0));
        // p95's rank floor(0.95 * 3) = 2 is the last crossing; with a fifth run it is not.
        assert_eq!(time.quantiles[4], Some(3.0));
        assert_eq!(TimeToEvent::new(&months, 5, 12).quantiles[4], None);
    }

    #[test]
    fn the_kaplan_meier_median_of_an_event_is_not_reached_below_half() {
        let counts = |runs, fired_in_month: Vec<u64>| EventCounts {
            runs,
            fired_in_month,
        };
        assert_eq!(
            counts(10, vec![0, 4, 0]).median_month_within_horizon(),
            None
        );
        assert_eq!(counts(10, vec![0, 4, 0]).median_month(), Some(1.0));
        assert_eq!(
            counts(10, vec![2, 3, 1]).median_month_within_horizon(),
            Some(1.0)
        );
        assert_eq!(
            counts(10, vec![5, 0, 5]).median_month_within_horizon(),
            Some(0.0)
        );
    }

    #[test]
    fn wilson_intervals_hold_their_estimate_and_stay_in_the_unit_interval() {
        assert_eq!(wilson_interval(0, 0), None);
        let (low, high) = wilson_interval(0, 2000).unwrap();
        assert_eq!(low, 0.0);
        // Upper end z^2 / (n + z^2) at 0 successes.
        assert!((high - Z_95 * Z_95 / (2000.0 + Z_95 * Z_95)).abs() < 1e-12);
        assert_eq!(wilson_interval(2000, 2000).unwrap().1, 1.0);
        // 412 of 1000: the interval (0.3819, 0.4428) of the score formula, computed apart.
        let (low, high) = wilson_interval(412, 1000).unwrap();
        assert!(
            (low - 0.381_887).abs() < 1e-6 && (high - 0.442_786).abs() < 1e-6,
            "{low} {high}"
        );
    }

    #[test]
    fn an_event_is_certain_only_when_every_run_fired_it_in_one_month() {
        let counts = |runs, fired_in_month: Vec<u64>| EventCounts {
            runs,
            fired_in_month,
        };
        assert_eq!(counts(10, vec![0, 10, 0]).certain_month(), Some(1));
        assert_eq!(counts(10, vec![0, 9, 0]).certain_month(), None);
        assert_eq!(counts(10, vec![5, 5, 0]).certain_month(), None);
        assert_eq!(counts(10, vec![0, 0, 0]).certain_month(), None);
    }

    #[test]
    fn merged_moments_equal_moments_of_all_values() {
        let values: Vec<f64> = (0..1000)
            .map(|index| ((index * 7919) % 1000) as f64 / 7.0)
            .collect();
        let mut whole = Moments::default();
        values.iter().for_each(|&value| whole.add(value));
        let mut left = Moments::default();
        let mut right = Moments::default();
        values[..300].iter().for_each(|&value| left.add(value));
        values[300..].iter().for_each(|&value| right.add(value));
        left.merge(&right);
        assert_eq!(left.count, whole.count);
        assert!((left.mean - whole.mean).abs() < 1e-9);
        assert!((left.sd() - whole.sd()).abs() < 1e-9);
        let exact_mean = values.iter().sum::<f64>() / 1000.0;
        assert!((whole.mean - exact_mean).abs() < 1e-9);
    }

    #[test]
    fn sketch_quantiles_are_within_the_stated_accuracy() {
        let mut distribution = Distribution::default();
        let values: Vec<f64> = (1..=10_000).map(f64::from).collect();
        values.iter().for_each(|&value| distribution.add(value));
        for q in QUANTILES {
            let exact = values[(q * (values.len() - 1) as f64) as usize];
            let estimate = distribution.quantile(q).unwrap();
            assert!(
                (estimate - exact).abs() <= QUANTILE_RELATIVE_ACCURACY * exact,
                "q {q}: {estimate} vs {exact}"
            );
        }
    }

    #[test]
    fn quantiles_of_counts_are_exact_whole_numbers() {
        let mut distribution = Distribution::default();
        let values: Vec<f64> = (0..=150).map(f64::from).collect();
        values.iter().for_each(|&value| distribution.add(value));
        for q in QUANTILES {
            let exact = values[(q * (values.len() - 1) as f64) as usize];
            assert_eq!(distribution.quantile(q), Some(exact), "q {q}");
        }
    }

    #[test]
    fn a_share_clamped_at_one_reports_one_at_its_upper_quantiles() {
        // Control and stability are clamped to [0, 1]: when most replications end at 1, the
        // upper quantiles are 1, not a bin's representative 0.5% away (sketch.rs: 1 lies at the
        // bottom of its bin, whose representative 1.005 the exact maximum clamps to 1).
        let mut distribution = Distribution::default();
        for index in 0..1000 {
            distribution.add(if index % 2 == 0 {
                1.0
            } else {
                0.3 + 0.0005 * f64::from(index)
            });
        }
        let summary = distribution.summary();
        assert_eq!(summary.quantiles[3..], [Some(1.0), Some(1.0)]);
        assert_eq!(distribution.quantile(1.0), Some(1.0));
        assert_eq!(distribution.quantile(0.0), Some(0.3005));
    }

    #[test]
    fn missing_values_are_not_counted() {
        let mut distribution = Distribution::default();
        distribution.add(f64::NAN);
        distribution.add(2.0);
        let summary = distribution.summary();
        assert_eq!(summary.n, 1);
        assert_eq!(summary.mean, Some(2.0));
        assert_eq!(Distribution::default().summary().mean, None);
    }

    #[test]
    fn paired_differences_skip_missing_pairs() {
        let mut paired = Paired::default();
        for (first, second) in [(1.0, 3.0), (2.0, 2.0), (f64::NAN, 5.0), (4.0, 1.0)] {
            paired.add(first, second);
        }
        assert_eq!(paired.n(), 3);
        assert!((paired.mean().unwrap() - (2.0 + 0.0 - 3.0) / 3.0).abs() < 1e-12);
        assert!((paired.probability_greater().unwrap() - 1.0 / 3.0).abs() < 1e-12);
        let (low, high) = paired.confidence_interval().unwrap();
        assert!(low < paired.mean().unwrap() && paired.mean().unwrap() < high);
    }

    #[test]
    fn event_median_month_is_the_middle_of_fired_months() {
        let mut counts = EventCounts::new(10);
        for month in [Some(2), Some(4), None, Some(9), Some(5)] {
            counts.add(month);
        }
        assert_eq!(counts.fired(), 4);
        assert_eq!(counts.median_month(), Some(4.5));
        assert!((counts.probability() - 0.8).abs() < 1e-12);
    }
}
