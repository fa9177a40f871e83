//! Experiment designs and global sensitivity analysis over a scenario's uncertain factors.
//!
//! The flow is: choose [`Factor`]s (usually a scenario's uncertain parameters) -> build a
//! design in the unit hypercube [0, 1)^k ([`design`]) -> map each point to factor values with
//! [`Factor::value_at`] ([`transform`], the inverse-CDF method) -> the caller evaluates the model
//! at every point, in the design's documented order -> analyse the outputs ([`sensitivity`]).
//!
//! ```
//! use secsim::experiment::{Factor, saltelli_design, sobol_indices};
//! use secsim::scenario::Distribution;
//!
//! let factors = vec![
//!     Factor::new("x", Distribution::Uniform { min: 0.0, max: 1.0 }),
//!     Factor::new("y", Distribution::Uniform { min: 0.0, max: 1.0 }),
//! ];
//! let design = saltelli_design(factors.len(), 1024, 7)?;
//! // The model: y matters four times as much as x in variance terms.
//! let outputs: Vec<f64> = design
//!     .points()
//!     .iter()
//!     .map(|point| {
//!         let values = secsim::experiment::values_at(&factors, point);
//!         values[0] + 2.0 * values[1]
//!     })
//!     .collect();
//! let indices = sobol_indices(&design.split_outputs(&outputs)?, 200, 7);
//! assert!((indices[1].s1 - 0.8).abs() < 0.05);
//! # Ok::<(), secsim::experiment::ExperimentError>(())
//! ```
//!
//! Invariants: the module does no I/O and every function is pure; designs and bootstrap
//! intervals depend only on their arguments and seed, through `model::rng::stream` with keys
//! fixed in [`design`] and [`sensitivity`]. Degenerate inputs (no factors, constant outputs)
//! give documented zeros, never NaN or a panic; inputs the caller can get wrong (sizes, a NaN
//! output) are [`ExperimentError`]s.

pub mod analysis;
pub mod cart;
pub mod design;
pub mod file;
pub mod prim;
pub mod sensitivity;
pub mod transform;

pub use design::{
    DEFAULT_MORRIS_LEVELS, MAX_BASE_SAMPLES, MIN_BASE_SAMPLES, MORRIS_TAIL_PROBABILITY,
    MorrisDesign, SaltelliDesign, SaltelliOutputs, full_factorial, full_factorial_size,
    latin_hypercube, morris_design, morris_value, saltelli_design,
};
pub use sensitivity::{
    DEFAULT_BOOTSTRAP_RESAMPLES, MORRIS_BOOTSTRAP_RESAMPLES, MorrisEffects, SobolIndices,
    morris_effects, morris_ranking, sobol_indices,
};
pub use transform::quantile;

use crate::scenario::{Distribution, Uncertain};

/// One uncertain input of an experiment: a name for reports and the distribution that maps a
/// unit coordinate to its value.
#[derive(Debug, Clone)]
pub struct Factor {
    /// Name shown in reports, e.g. the uncertain parameter's name.
    pub name: String,
    /// The validated distribution of the factor's values.
    pub distribution: Distribution,
}

impl Factor {
    /// A factor with this name and distribution.
    pub fn new(name: impl Into<String>, distribution: Distribution) -> Factor {
        Factor {
            name: name.into(),
            distribution,
        }
    }

    /// The factor's value at unit coordinate `probability` in (0, 1): its quantile. Use for
    /// Latin hypercube and Saltelli points; Morris points use [`morris_value`].
    pub fn value_at(&self, probability: f64) -> f64 {
        quantile(&self.distribution, probability)
    }
}

impl From<&Uncertain> for Factor {
    fn from(uncertain: &Uncertain) -> Factor {
        Factor::new(uncertain.name.clone(), uncertain.distribution.clone())
    }
}

/// The factor values at one unit-hypercube point: coordinate i through factor i's quantile
/// function. Extra coordinates or extra factors are ignored (the shorter length wins).
pub fn values_at(factors: &[Factor], unit_point: &[f64]) -> Vec<f64> {
    factors
        .iter()
        .zip(unit_point)
        .map(|(factor, &probability)| factor.value_at(probability))
        .collect()
}

/// Why a design could not be built or its outputs not analysed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExperimentError {
    #[error(
        "{requested} base samples requested: a Saltelli design needs between {min} and {max} (the Sobol sequence's length)"
    )]
    BaseSamplesOutOfRange {
        requested: usize,
        min: usize,
        max: usize,
    },
    #[error("{levels} Morris levels requested: the number of levels must be even and at least 2")]
    MorrisLevels { levels: usize },
    #[error("{found} outputs for a design of {expected} points: give one output per point")]
    OutputCount { expected: usize, found: usize },
    #[error(
        "output {index} is {value}: sensitivity analysis needs a finite value at every point (an outcome that can be missing, such as a first month, cannot be analysed)"
    )]
    NonFiniteOutput { index: usize, value: f64 },
    #[error("{found} factors for a design over {expected}: give one factor per design column")]
    FactorCount { expected: usize, found: usize },
}
