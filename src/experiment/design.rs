//! Designs: which points of the unit hypercube [0, 1)^k to evaluate the model at.
//!
//! Every design but the full factorial is seeded through `model::rng::stream` with a key fixed
//! here, so the same arguments and seed give the same points on every machine and thread count.
//! Points are unit coordinates (a probability per factor) except for the full factorial, whose
//! points are the given factor values; map unit coordinates to values with
//! [`Factor::value_at`](super::Factor::value_at) (Latin hypercube, Saltelli) or
//! [`morris_value`] (Morris).

use rand::seq::SliceRandom;
use rand::{Rng, RngExt};

use super::ExperimentError;
use super::transform::quantile;
use crate::model::rng::stream;
use crate::scenario::{Distribution, stream_key};

/// Longest Sobol sequence available: sobol_burley supports sample indices below 2^16, so a
/// Saltelli design has at most 65,536 base samples (65,536 × (k + 2) model runs).
pub const MAX_BASE_SAMPLES: usize = 1 << 16;

/// Fewest base samples for which the output variance, and so any index, can be estimated.
pub const MIN_BASE_SAMPLES: usize = 2;

/// Number of grid levels of a Morris design when the caller has no reason to choose: p = 4 with
/// a jump of two levels is the choice Saltelli et al. (2008, The Primer, ch. 3) recommend.
pub const DEFAULT_MORRIS_LEVELS: usize = 4;

/// Probability cut from each tail when mapping Morris levels to values: levels 0 and 1 map to
/// the 0.5% and 99.5% quantiles, so that unbounded distributions give finite values (Saltelli et
/// al. 2008, The Primer, §3.8 exercises, cut the tails of unbounded factors at these quantiles).
pub const MORRIS_TAIL_PROBABILITY: f64 = 0.005;

/// Sobol dimensions available per sobol_burley seed; further dimensions are padded with a new
/// seed (Burley 2020, as sobol_burley documents: a fresh seed gives an independent
/// randomisation of the same dimensions).
const SOBOL_DIMENSIONS_PER_SEED: usize = sobol_burley::NUM_DIMENSIONS as usize;

/// sobol_burley returns multiples of 2^-23; adding half a cell moves each coordinate to the
/// middle of its cell, strictly inside (0, 1), so no coordinate is exactly 0.
const SOBOL_HALF_CELL: f64 = 1.0 / (1u64 << 24) as f64;

fn latin_hypercube_key() -> u64 {
    stream_key("experiment:latin_hypercube")
}

fn saltelli_key() -> u64 {
    stream_key("experiment:saltelli")
}

fn morris_key() -> u64 {
    stream_key("experiment:morris")
}

/// Number of points of the full factorial over `value_lists`: the product of their lengths
/// (1 for no lists, 0 if any list is empty), or None if it does not fit in a `usize`. Check it
/// before calling [`full_factorial`] with user-given lists.
pub fn full_factorial_size(value_lists: &[Vec<f64>]) -> Option<usize> {
    value_lists
        .iter()
        .try_fold(1usize, |size, values| size.checked_mul(values.len()))
}

/// Every combination of the given values, one list per factor: the full factorial design.
///
/// Points are factor values, not unit coordinates. Order: the last factor varies fastest, as in
/// nested loops with factor 0 outermost, so point `index` takes value
/// `(index / (n_1 ⋯ n_{k-1})) % n_0` of list 0, and so on. No lists give one empty point; an
/// empty list gives no points. The caller bounds the size ([`full_factorial_size`]).
pub fn full_factorial(value_lists: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let size = full_factorial_size(value_lists).unwrap_or(0);
    (0..size)
        .map(|index| {
            let mut remainder = index;
            let mut point = vec![0.0; value_lists.len()];
            for (factor, values) in value_lists.iter().enumerate().rev() {
                point[factor] = values[remainder % values.len()];
                remainder /= values.len();
            }
            point
        })
        .collect()
}

/// A Latin hypercube of `point_count` points over `factor_count` factors (McKay, Beckman &
/// Conover 1979): each factor's range is cut into `point_count` equal strata and every stratum
/// holds exactly one point, placed uniformly at random inside it; strata are paired across
/// factors by independent random permutations.
///
/// Returns `point_count` points of `factor_count` unit coordinates in [0, 1). Factor i is drawn
/// from its own stream (key "experiment:latin_hypercube", run index i), so adding factors leaves
/// the columns of the others unchanged.
pub fn latin_hypercube(factor_count: usize, point_count: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut points = vec![vec![0.0; factor_count]; point_count];
    for factor in 0..factor_count {
        let mut rng = stream(seed, latin_hypercube_key(), factor as u64, 0);
        let mut strata: Vec<usize> = (0..point_count).collect();
        strata.shuffle(&mut rng);
        for (point, stratum) in points.iter_mut().zip(strata) {
            let offset: f64 = rng.random();
            point[factor] = (stratum as f64 + offset) / point_count as f64;
        }
    }
    points
}

/// The points at which to evaluate the model for Sobol indices (Saltelli 2002; Saltelli et al.
/// 2010, §3): two independent base matrices A and B of N rows and k columns, and for each
/// factor i the matrix A_B^(i), which is A with column i taken from B.
///
/// Points are stored in blocks of N rows, in this order (N = [`Self::base_samples`]):
///
/// | points                  | matrix  |
/// |-------------------------|---------|
/// | 0 .. N                  | A       |
/// | N .. 2N                 | B       |
/// | (2 + i) N .. (3 + i) N  | A_B^(i) |
///
/// Row j of every block comes from the same row j of A and B. The caller evaluates the model
/// at every point, in this order, and passes the N (k + 2) outputs to [`Self::split_outputs`].
#[derive(Debug, Clone)]
pub struct SaltelliDesign {
    factor_count: usize,
    base_samples: usize,
    points: Vec<Vec<f64>>,
}

/// Model outputs of a [`SaltelliDesign`], split into its matrices. Built only by
/// [`SaltelliDesign::split_outputs`], so every part has N finite values and N >= 2.
#[derive(Debug, Clone)]
pub struct SaltelliOutputs<'a> {
    outputs_a: &'a [f64],
    outputs_b: &'a [f64],
    outputs_a_b: Vec<&'a [f64]>,
}

impl<'a> SaltelliOutputs<'a> {
    /// N, the number of rows of each matrix.
    pub fn base_samples(&self) -> usize {
        self.outputs_a.len()
    }

    /// k, the number of factors.
    pub fn factor_count(&self) -> usize {
        self.outputs_a_b.len()
    }

    /// f(A): outputs at the N rows of A.
    pub fn outputs_a(&self) -> &'a [f64] {
        self.outputs_a
    }

    /// f(B): outputs at the N rows of B.
    pub fn outputs_b(&self) -> &'a [f64] {
        self.outputs_b
    }

    /// f(A_B^(i)) for factor i: outputs at A with column i from B.
    pub fn outputs_a_b(&self, factor: usize) -> &'a [f64] {
        self.outputs_a_b[factor]
    }
}

impl SaltelliDesign {
    /// k, the number of factors (columns).
    pub fn factor_count(&self) -> usize {
        self.factor_count
    }

    /// N, the number of rows of each base matrix.
    pub fn base_samples(&self) -> usize {
        self.base_samples
    }

    /// All N (k + 2) points, unit coordinates in (0, 1), in the order documented on the type.
    pub fn points(&self) -> &[Vec<f64>] {
        &self.points
    }

    /// Splits the model outputs, one per point in [`Self::points`] order, into f(A), f(B) and
    /// f(A_B^(i)). Fails if the count is not N (k + 2) or an output is NaN or infinite.
    pub fn split_outputs<'a>(
        &self,
        outputs: &'a [f64],
    ) -> Result<SaltelliOutputs<'a>, ExperimentError> {
        let n = self.base_samples;
        check_outputs(outputs, self.points.len())?;
        Ok(SaltelliOutputs {
            outputs_a: &outputs[..n],
            outputs_b: &outputs[n..2 * n],
            outputs_a_b: (0..self.factor_count)
                .map(|factor| &outputs[(2 + factor) * n..(3 + factor) * n])
                .collect(),
        })
    }
}

/// One output per point, each finite.
pub(super) fn check_outputs(outputs: &[f64], expected: usize) -> Result<(), ExperimentError> {
    if outputs.len() != expected {
        return Err(ExperimentError::OutputCount {
            expected,
            found: outputs.len(),
        });
    }
    match outputs.iter().position(|output| !output.is_finite()) {
        Some(index) => Err(ExperimentError::NonFiniteOutput {
            index,
            value: outputs[index],
        }),
        None => Ok(()),
    }
}

/// The Saltelli design for Sobol indices of `factor_count` factors with `base_samples` (N) rows
/// per matrix: N (k + 2) points (see [`SaltelliDesign`] for their order).
///
/// A and B are the first and last k dimensions of one Owen-scrambled Sobol sequence of
/// dimension 2k (Sobol' 1967; Owen 1995; Burley 2020's hash-based scrambling in sobol_burley),
/// as Saltelli et al. (2010, §3) recommend: quasi-random points converge faster than random
/// ones, and the scrambling, seeded from `seed` through the stream with key
/// "experiment:saltelli", makes each design an independent random draw so bootstrap intervals
/// are meaningful. A power of two for N keeps the Sobol points balanced (every 1-D projection
/// has one point per interval of width 1/N).
///
/// Fails unless 2 <= N <= 65,536 ([`MIN_BASE_SAMPLES`], [`MAX_BASE_SAMPLES`]). No factors is
/// allowed: the design then has 2N points, which give no indices.
pub fn saltelli_design(
    factor_count: usize,
    base_samples: usize,
    seed: u64,
) -> Result<SaltelliDesign, ExperimentError> {
    if !(MIN_BASE_SAMPLES..=MAX_BASE_SAMPLES).contains(&base_samples) {
        return Err(ExperimentError::BaseSamplesOutOfRange {
            requested: base_samples,
            min: MIN_BASE_SAMPLES,
            max: MAX_BASE_SAMPLES,
        });
    }
    let dimension_count = 2 * factor_count;
    let seeds_needed = dimension_count.div_ceil(SOBOL_DIMENSIONS_PER_SEED);
    let sobol_seeds: Vec<u32> = (0..seeds_needed)
        .map(|block| stream(seed, saltelli_key(), block as u64, 0).next_u32())
        .collect();
    let sobol_point = |row: usize| -> Vec<f64> {
        (0..dimension_count)
            .map(|dimension| {
                let sobol_seed = sobol_seeds[dimension / SOBOL_DIMENSIONS_PER_SEED];
                let within = (dimension % SOBOL_DIMENSIONS_PER_SEED) as u32;
                // Row < 2^16 was checked above, so the casts are exact.
                f64::from(sobol_burley::sample(row as u32, within, sobol_seed)) + SOBOL_HALF_CELL
            })
            .collect()
    };
    let rows: Vec<Vec<f64>> = (0..base_samples).map(sobol_point).collect();
    let matrix_a = rows.iter().map(|row| row[..factor_count].to_vec());
    let matrix_b = rows.iter().map(|row| row[factor_count..].to_vec());
    let mut points: Vec<Vec<f64>> = matrix_a.chain(matrix_b).collect();
    for factor in 0..factor_count {
        points.extend(rows.iter().map(|row| {
            let mut point = row[..factor_count].to_vec();
            point[factor] = row[factor_count + factor];
            point
        }));
    }
    Ok(SaltelliDesign {
        factor_count,
        base_samples,
        points,
    })
}

/// Morris (1991) trajectories for screening: r random one-at-a-time paths through a p-level
/// grid of the unit hypercube, each of k + 1 points, where point s + 1 differs from point s in
/// exactly one factor, moved by Δ = p / (2 (p - 1)), and every factor moves once per path.
///
/// Points are stored trajectory by trajectory: point `t (k + 1) + s` is step s of trajectory t.
/// Coordinates are grid levels ℓ / (p - 1), including 0 and 1; map them to factor values with
/// [`morris_value`] (or [`Self::point_values`]), evaluate the model at every point in order, and
/// pass the outputs to [`morris_effects`](super::morris_effects).
#[derive(Debug, Clone)]
pub struct MorrisDesign {
    factor_count: usize,
    trajectories: usize,
    levels: usize,
    points: Vec<Vec<f64>>,
    /// For trajectory t and step s < k, the factor that moves from point s to point s + 1, at
    /// index t k + s.
    moved_factors: Vec<usize>,
}

impl MorrisDesign {
    /// k, the number of factors.
    pub fn factor_count(&self) -> usize {
        self.factor_count
    }

    /// r, the number of trajectories.
    pub fn trajectories(&self) -> usize {
        self.trajectories
    }

    /// p, the number of grid levels.
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// Δ = p / (2 (p - 1)), the move of one factor in unit coordinates (Morris 1991).
    pub fn delta(&self) -> f64 {
        self.levels as f64 / (2.0 * (self.levels as f64 - 1.0))
    }

    /// All r (k + 1) points as unit grid coordinates, trajectory by trajectory.
    pub fn points(&self) -> &[Vec<f64>] {
        &self.points
    }

    /// The factor that moves between step `step` and step `step + 1` of `trajectory`.
    pub fn moved_factor(&self, trajectory: usize, step: usize) -> usize {
        self.moved_factors[trajectory * self.factor_count + step]
    }

    /// The points as factor values, each coordinate through [`morris_value`]: the values at
    /// which to evaluate the model. Fails unless there is one factor per column.
    pub fn point_values(
        &self,
        factors: &[super::Factor],
    ) -> Result<Vec<Vec<f64>>, ExperimentError> {
        if factors.len() != self.factor_count {
            return Err(ExperimentError::FactorCount {
                expected: self.factor_count,
                found: factors.len(),
            });
        }
        Ok(self
            .points
            .iter()
            .map(|point| {
                factors
                    .iter()
                    .zip(point)
                    .map(|(factor, &level)| morris_value(&factor.distribution, level))
                    .collect()
            })
            .collect())
    }
}

/// The value of `distribution` at Morris grid coordinate `level` in [0, 1]: its quantile at
/// probability 0.005 + 0.99 × level ([`MORRIS_TAIL_PROBABILITY`]). For factors that are not
/// uniform, Morris levels sample the space of quantiles (Saltelli et al. 2008, The Primer,
/// ch. 3), here cut at 0.5% and 99.5% so that unbounded distributions give finite values.
pub fn morris_value(distribution: &Distribution, level: f64) -> f64 {
    let probability = MORRIS_TAIL_PROBABILITY + (1.0 - 2.0 * MORRIS_TAIL_PROBABILITY) * level;
    quantile(distribution, probability)
}

/// `trajectories` Morris trajectories over `factor_count` factors on a `levels`-level grid
/// (see [`MorrisDesign`] for the order of points).
///
/// Each trajectory follows Morris (1991): a random start on the grid, a random direction
/// (up or down) per factor and a random order in which factors move, each moved once by Δ =
/// p / (2 (p - 1)), that is by p / 2 levels. Starting levels are uniform over the whole grid,
/// so every level is visited equally often. Trajectory t is drawn from its own stream (key
/// "experiment:morris", run index t), so more trajectories leave earlier ones unchanged.
/// Campolongo et al.'s (2007) selection of spread-out trajectories from a larger set is not
/// done: it improves coverage for small r but costs a combinatorial search.
///
/// Fails unless `levels` is even and at least 2: for odd p a jump of p / 2 levels leaves the
/// grid. No factors gives r one-point trajectories, which give no effects.
pub fn morris_design(
    factor_count: usize,
    trajectories: usize,
    levels: usize,
    seed: u64,
) -> Result<MorrisDesign, ExperimentError> {
    if levels < 2 || !levels.is_multiple_of(2) {
        return Err(ExperimentError::MorrisLevels { levels });
    }
    let jump = levels / 2;
    let last_level = (levels - 1) as f64;
    let mut points = Vec::with_capacity(trajectories * (factor_count + 1));
    let mut moved_factors = Vec::with_capacity(trajectories * factor_count);
    for trajectory in 0..trajectories {
        let mut rng = stream(seed, morris_key(), trajectory as u64, 0);
        // A base level in the lower half and a direction per factor: moving up starts at the
        // base, moving down starts a jump above it.
        let mut grid_levels: Vec<usize> = Vec::with_capacity(factor_count);
        let mut moves_up: Vec<bool> = Vec::with_capacity(factor_count);
        for _ in 0..factor_count {
            let base = rng.random_range(0..jump);
            let up: bool = rng.random();
            grid_levels.push(if up { base } else { base + jump });
            moves_up.push(up);
        }
        let mut order: Vec<usize> = (0..factor_count).collect();
        order.shuffle(&mut rng);
        let to_unit = |grid_levels: &[usize]| -> Vec<f64> {
            grid_levels
                .iter()
                .map(|&level| level as f64 / last_level)
                .collect()
        };
        points.push(to_unit(&grid_levels));
        for &factor in &order {
            if moves_up[factor] {
                grid_levels[factor] += jump;
            } else {
                grid_levels[factor] -= jump;
            }
            points.push(to_unit(&grid_levels));
            moved_factors.push(factor);
        }
    }
    Ok(MorrisDesign {
        factor_count,
        trajectories,
        levels,
        points,
        moved_factors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_factorial_varies_the_last_factor_fastest() {
        let design = full_factorial(&[vec![1.0, 2.0], vec![10.0, 20.0, 30.0]]);
        assert_eq!(
            design,
            vec![
                vec![1.0, 10.0],
                vec![1.0, 20.0],
                vec![1.0, 30.0],
                vec![2.0, 10.0],
                vec![2.0, 20.0],
                vec![2.0, 30.0],
            ]
        );
    }

    #[test]
    fn full_factorial_degenerate_sizes() {
        assert_eq!(full_factorial(&[]), vec![Vec::<f64>::new()]);
        assert!(full_factorial(&[vec![1.0], vec![]]).is_empty());
        let huge = vec![vec![0.0; 1 << 20]; 4];
        assert_eq!(full_factorial_size(&huge), None);
    }

    #[test]
    fn latin_hypercube_has_one_point_per_stratum() {
        let (factor_count, point_count) = (3, 50);
        let points = latin_hypercube(factor_count, point_count, 17);
        assert_eq!(points.len(), point_count);
        for factor in 0..factor_count {
            let mut strata: Vec<usize> = points
                .iter()
                .map(|point| {
                    assert!((0.0..1.0).contains(&point[factor]));
                    (point[factor] * point_count as f64) as usize
                })
                .collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..point_count).collect::<Vec<_>>());
        }
        assert_eq!(points, latin_hypercube(factor_count, point_count, 17));
        assert_ne!(points, latin_hypercube(factor_count, point_count, 18));
        // A factor's column does not depend on how many factors there are.
        let wider = latin_hypercube(factor_count + 2, point_count, 17);
        assert!(points.iter().zip(&wider).all(|(a, b)| a[..] == b[..3]));
    }

    /// Value stability: a change to these numbers changes every published design with this
    /// seed; make it on purpose.
    #[test]
    fn latin_hypercube_values_are_pinned() {
        let points = latin_hypercube(2, 3, 42);
        let pinned = [
            [0.479_485_346_214_633_8, 0.819_897_605_381_892_2],
            [0.306_250_733_961_596_97, 0.600_974_337_434_785_5],
            [0.802_762_303_459_683_2, 0.291_341_875_195_679_33],
        ];
        for (point, expected) in points.iter().zip(pinned) {
            for (found, expected) in point.iter().zip(expected) {
                assert!((found - expected).abs() < 1e-15, "{points:?}");
            }
        }
    }

    #[test]
    fn saltelli_design_blocks_share_rows() {
        let (factor_count, n) = (3, 64);
        let design = saltelli_design(factor_count, n, 5).unwrap();
        let points = design.points();
        assert_eq!(points.len(), n * (factor_count + 2));
        for row in 0..n {
            let (a, b) = (&points[row], &points[n + row]);
            for factor in 0..factor_count {
                let a_b = &points[(2 + factor) * n + row];
                for column in 0..factor_count {
                    let source = if column == factor { b } else { a };
                    assert_eq!(a_b[column], source[column]);
                }
            }
        }
        assert!(points.iter().flatten().all(|&u| u > 0.0 && u < 1.0));
    }

    /// Each 1-D projection of 2^m scrambled Sobol points has exactly one point in each interval
    /// [j / 2^m, (j + 1) / 2^m) (Sobol' 1967; Owen scrambling keeps it).
    #[test]
    fn saltelli_base_columns_are_stratified() {
        let (factor_count, n) = (4, 256);
        let design = saltelli_design(factor_count, n, 9).unwrap();
        let points = design.points();
        for column in 0..factor_count {
            for block in [0, 1] {
                let mut strata: Vec<usize> = points[block * n..(block + 1) * n]
                    .iter()
                    .map(|point| (point[column] * n as f64) as usize)
                    .collect();
                strata.sort_unstable();
                assert_eq!(strata, (0..n).collect::<Vec<_>>(), "column {column}");
            }
        }
    }

    #[test]
    fn saltelli_design_is_seeded() {
        let first = saltelli_design(2, 16, 1).unwrap();
        assert_eq!(first.points(), saltelli_design(2, 16, 1).unwrap().points());
        assert_ne!(first.points(), saltelli_design(2, 16, 2).unwrap().points());
    }

    #[test]
    fn saltelli_design_pads_beyond_the_sobol_dimensions() {
        // 130 factors need 260 dimensions, more than one sobol_burley seed provides.
        let design = saltelli_design(130, 4, 3).unwrap();
        assert_eq!(design.points().len(), 4 * 132);
        assert!(design.points().iter().all(|point| point.len() == 130));
    }

    #[test]
    fn saltelli_design_refuses_bad_sizes() {
        for base_samples in [0, 1, MAX_BASE_SAMPLES + 1] {
            assert!(matches!(
                saltelli_design(2, base_samples, 0),
                Err(ExperimentError::BaseSamplesOutOfRange { .. })
            ));
        }
        let no_factors = saltelli_design(0, 8, 0).unwrap();
        assert_eq!(no_factors.points().len(), 16);
        let outputs = vec![1.0; 16];
        assert!(
            no_factors
                .split_outputs(&outputs)
                .unwrap()
                .outputs_a_b
                .is_empty()
        );
    }

    #[test]
    fn split_outputs_checks_count_and_finiteness() {
        let design = saltelli_design(2, 4, 0).unwrap();
        let outputs: Vec<f64> = (0..16).map(f64::from).collect();
        let split = design.split_outputs(&outputs).unwrap();
        assert_eq!(split.outputs_a(), &outputs[0..4]);
        assert_eq!(split.outputs_b(), &outputs[4..8]);
        assert_eq!(split.outputs_a_b(0), &outputs[8..12]);
        assert_eq!(split.outputs_a_b(1), &outputs[12..16]);
        assert_eq!(
            design.split_outputs(&outputs[1..]).unwrap_err(),
            ExperimentError::OutputCount {
                expected: 16,
                found: 15
            }
        );
        let mut with_nan = outputs.clone();
        with_nan[9] = f64::NAN;
        assert!(matches!(
            design.split_outputs(&with_nan),
            Err(ExperimentError::NonFiniteOutput { index: 9, .. })
        ));
    }

    #[test]
    fn saltelli_values_are_pinned() {
        let design = saltelli_design(1, 2, 42).unwrap();
        // A (rows 0, 1), B (rows 0, 1), A_B^(1) (rows 0, 1) = B for a single factor.
        let pinned = [
            0.506_799_161_434_173_6,
            0.444_431_245_326_995_85,
            0.898_042_142_391_204_8,
            0.276_563_465_595_245_36,
            0.898_042_142_391_204_8,
            0.276_563_465_595_245_36,
        ];
        let found: Vec<f64> = design.points().iter().map(|point| point[0]).collect();
        assert_eq!(found, pinned);
    }

    #[test]
    fn morris_trajectories_move_each_factor_once_by_delta() {
        let (factor_count, trajectories) = (5, 20);
        let design = morris_design(factor_count, trajectories, 4, 3).unwrap();
        let delta = design.delta();
        assert!((delta - 2.0 / 3.0).abs() < 1e-15);
        let points = design.points();
        assert_eq!(points.len(), trajectories * (factor_count + 1));
        for trajectory in 0..trajectories {
            let mut moved = Vec::new();
            for step in 0..factor_count {
                let before = &points[trajectory * (factor_count + 1) + step];
                let after = &points[trajectory * (factor_count + 1) + step + 1];
                let changed: Vec<usize> = (0..factor_count)
                    .filter(|&factor| before[factor] != after[factor])
                    .collect();
                assert_eq!(changed, vec![design.moved_factor(trajectory, step)]);
                let factor = changed[0];
                assert!(((after[factor] - before[factor]).abs() - delta).abs() < 1e-12);
                moved.push(factor);
            }
            moved.sort_unstable();
            assert_eq!(moved, (0..factor_count).collect::<Vec<_>>());
        }
        // Coordinates lie on the grid {0, 1/3, 2/3, 1}.
        for &coordinate in points.iter().flatten() {
            let level = coordinate * 3.0;
            assert!((level - level.round()).abs() < 1e-12 && (0.0..=1.0).contains(&coordinate));
        }
    }

    /// Random orientation and start: across many trajectories every level is a start value, and
    /// factors move both up and down.
    #[test]
    fn morris_starts_cover_the_grid_in_both_directions() {
        let design = morris_design(2, 200, 4, 8).unwrap();
        let mut start_levels = [0usize; 4];
        let (mut up, mut down) = (0, 0);
        for trajectory in 0..200 {
            let start = &design.points()[trajectory * 3];
            start_levels[(start[0] * 3.0).round() as usize] += 1;
            let factor = design.moved_factor(trajectory, 0);
            if design.points()[trajectory * 3 + 1][factor] > start[factor] {
                up += 1;
            } else {
                down += 1;
            }
        }
        assert!(
            start_levels.iter().all(|&count| count > 20),
            "{start_levels:?}"
        );
        assert!(up > 60 && down > 60, "{up} up, {down} down");
    }

    #[test]
    fn morris_refuses_odd_levels_and_allows_no_factors() {
        for levels in [0, 1, 3, 5] {
            assert_eq!(
                morris_design(2, 3, levels, 0).unwrap_err(),
                ExperimentError::MorrisLevels { levels }
            );
        }
        let two_levels = morris_design(3, 2, 2, 0).unwrap();
        assert_eq!(two_levels.delta(), 1.0);
        let no_factors = morris_design(0, 3, 4, 0).unwrap();
        assert_eq!(no_factors.points().len(), 3);
    }

    #[test]
    fn morris_values_cut_the_tails() {
        let uniform = Distribution::Uniform {
            min: 0.0,
            max: 200.0,
        };
        assert!((morris_value(&uniform, 0.0) - 1.0).abs() < 1e-12);
        assert!((morris_value(&uniform, 1.0) - 199.0).abs() < 1e-12);
        let normal = Distribution::Normal {
            mean: 0.0,
            sd: 1.0,
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        };
        // The 99.5% standard normal quantile.
        assert!((morris_value(&normal, 1.0) - 2.575_829_303_548_901).abs() < 1e-9);
    }

    #[test]
    fn morris_values_are_pinned() {
        let design = morris_design(2, 3, 4, 42).unwrap();
        // Grid levels 0..=3 of each point, trajectory by trajectory.
        let found: Vec<[usize; 2]> = design
            .points()
            .iter()
            .map(|point| {
                [
                    (point[0] * 3.0).round() as usize,
                    (point[1] * 3.0).round() as usize,
                ]
            })
            .collect();
        let pinned: Vec<[usize; 2]> = vec![
            [0, 0],
            [0, 2],
            [2, 2],
            [1, 2],
            [1, 0],
            [3, 0],
            [1, 0],
            [1, 2],
            [3, 2],
        ];
        assert_eq!(found, pinned);
    }
}
