//! Calibration of a scenario's uncertain parameters to observed data by approximate Bayesian
//! computation with sequential Monte Carlo (ABC-SMC; Beaumont, Cornuet, Marin & Robert 2009,
//! "Adaptive approximate Bayesian computation", Biometrika 96(4); Toni et al. 2009; with several
//! simulations per particle as in Del Moral, Doucet & Jasra 2012).
//!
//! Parameters are the continuous uncertain parameters of one or more scenarios, by name (a name
//! shared by several scenarios is one parameter, and must have the same prior in each); their
//! distributions are the priors. Each scenario is paired with observed series, reduced to the
//! summary statistics of [`statistics`]; a particle is a value of every parameter.
//!
//! - Generation 0 draws `particles` values from the prior and simulates `runs_per_particle`
//!   replications of every scenario with each. The scale of each statistic is its standard
//!   deviation over these prior-predictive replications, so no statistic dominates by its
//!   units; a replication's distance is the root mean square of (simulated - observed) / scale
//!   over all statistics of all scenarios.
//! - Generation t >= 1 has tolerance eps_t: the `quantile` of the previous generation's
//!   replication distances (weighted; never above eps_(t-1)). A candidate picks a particle of
//!   the previous generation by weight and moves it with a Gaussian kernel whose standard
//!   deviation per parameter is sqrt(2) times the previous population's weighted one (Beaumont
//!   et al. 2009); outside the prior's support it is rejected unsimulated. Simulated, it is
//!   accepted when at least one replication is within eps_t, with weight
//!   f * prior(theta) / sum_j W_j K(theta | theta_j), f the share of replications within eps_t
//!   (Del Moral et al. 2012). Candidates are proposed until `particles` are accepted.
//! - It stops after `generations` generations, or when a generation's acceptance rate (accepted
//!   / proposed) falls below `min_acceptance`: a generation that cannot reach `particles`
//!   within particles / min_acceptance proposals is dropped, and the previous one is the result.
//!
//! Deterministic for any thread count: candidate k of generation t draws from its own stream
//! `(seed, "calibrate", t, k)`, candidates are simulated in parallel in fixed chunks, and
//! accepted in index order.

pub mod prior;
pub mod statistics;

use rand::{Rng, RngExt};
use rayon::prelude::*;

use crate::model::rng::{mix, stream};
use crate::model::{RunOutput, Workspace, sample, simulate};
use crate::scenario::raw::{RawDistribution, RawScenario};
use crate::scenario::{Distribution, Scenario, stream_key};
use statistics::Summaries;

/// One scenario with the statistics of its observed series.
#[derive(Debug, Clone)]
pub struct Target {
    pub scenario: Scenario,
    pub summaries: Summaries,
}

/// A calibrated parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub prior: Distribution,
    /// Per target: the index of the parameter in its scenario's `uncertain`, if it has it.
    pub positions: Vec<Option<usize>>,
}

/// The calibrated parameters of `targets`: their continuous uncertain parameters by name, in
/// order of first appearance. A name with different priors in two scenarios is an error.
pub fn parameters(targets: &[Target]) -> Result<Vec<Parameter>, String> {
    let mut parameters: Vec<Parameter> = Vec::new();
    for (target_index, target) in targets.iter().enumerate() {
        for (position, uncertain) in target.scenario.uncertain.iter().enumerate() {
            if !prior::is_continuous(&uncertain.distribution) {
                continue;
            }
            match parameters
                .iter_mut()
                .find(|parameter| parameter.name == uncertain.name)
            {
                Some(parameter) => {
                    if parameter.prior != uncertain.distribution {
                        return Err(format!(
                            "uncertain parameter {:?} has different distributions in {} and an earlier scenario: a shared parameter needs one prior",
                            uncertain.name, target.scenario.name
                        ));
                    }
                    parameter.positions[target_index] = Some(position);
                }
                None => {
                    let mut positions = vec![None; targets.len()];
                    positions[target_index] = Some(position);
                    parameters.push(Parameter {
                        name: uncertain.name.clone(),
                        prior: uncertain.distribution.clone(),
                        positions,
                    });
                }
            }
        }
    }
    if parameters.is_empty() {
        return Err(
            "no continuous uncertain parameter to calibrate: give the scenario `uncertain` parameters (Uniform, Normal, LogNormal, Beta or Triangular)"
                .to_owned(),
        );
    }
    Ok(parameters)
}

/// How to calibrate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub particles: usize,
    pub generations: usize,
    pub runs_per_particle: u64,
    pub seed: u64,
    /// Quantile of the previous generation's distances that sets the next tolerance.
    pub quantile: f64,
    /// Acceptance rate below which calibration stops.
    pub min_acceptance: f64,
}

/// Default quantile of the tolerance schedule (the median, as in Beaumont et al. 2009 and
/// pyABC's default).
pub const DEFAULT_QUANTILE: f64 = 0.5;
/// Default floor of the acceptance rate.
pub const DEFAULT_MIN_ACCEPTANCE: f64 = 0.01;

/// One accepted particle.
#[derive(Debug, Clone, PartialEq)]
pub struct Particle {
    /// One value per [`Parameter`].
    pub values: Vec<f64>,
    /// Normalised importance weight.
    pub weight: f64,
    /// Mean distance of its replications.
    pub distance: f64,
    /// Its replications' distances (for the next tolerance).
    replicate_distances: Vec<f64>,
}

/// A complete generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    pub index: usize,
    /// Infinite for generation 0.
    pub tolerance: f64,
    pub proposed: u64,
    pub accepted: usize,
    /// Effective sample size, 1 / sum of squared weights.
    pub ess: f64,
    pub particles: Vec<Particle>,
}

impl Generation {
    pub fn acceptance_rate(&self) -> f64 {
        self.accepted as f64 / self.proposed.max(1) as f64
    }
}

/// Why calibration stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// All generations asked for ran.
    Generations,
    /// The last complete generation's acceptance rate fell below the floor.
    AcceptanceFloor { generation: usize, rate: f64 },
    /// A generation could not accept its particles within particles / floor proposals; it is
    /// dropped.
    Exhausted { generation: usize, proposed: u64 },
}

/// One summary statistic's observed value and scale.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledStatistic {
    pub name: String,
    pub observed: f64,
    pub scale: f64,
}

/// The result.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    pub parameters: Vec<Parameter>,
    pub statistics: Vec<ScaledStatistic>,
    pub generations: Vec<Generation>,
    pub stop: Stop,
}

impl Posterior {
    /// The last complete generation.
    pub fn last(&self) -> &Generation {
        self.generations
            .last()
            .expect("generation 0 always completes")
    }
}

/// Weighted quantile: the smallest value whose cumulative weight reaches `p` of the total.
pub fn weighted_quantile(pairs: &mut [(f64, f64)], p: f64) -> f64 {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|(_, weight)| weight).sum();
    let mut running = 0.0;
    for &(value, weight) in pairs.iter() {
        running += weight;
        if running >= p * total {
            return value;
        }
    }
    pairs.last().map_or(f64::NAN, |(value, _)| *value)
}

/// Weighted mean and standard deviation of parameter `index` over `particles`.
pub fn weighted_moments(particles: &[Particle], index: usize) -> (f64, f64) {
    let mean: f64 = particles
        .iter()
        .map(|particle| particle.weight * particle.values[index])
        .sum();
    let variance: f64 = particles
        .iter()
        .map(|particle| {
            let d = particle.values[index] - mean;
            particle.weight * d * d
        })
        .sum();
    (mean, variance.max(0.0).sqrt())
}

/// Why calibration could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalibrationError {
    #[error("{0}")]
    Parameters(String),
    #[error(
        "no summary statistic to compare: the observed files give no month inside the scenarios' horizons for the chosen series"
    )]
    NoStatistics,
}

/// The scenario of `target` with the parameters fixed at `values` in every replication.
fn with_values(
    target: &Target,
    target_index: usize,
    parameters: &[Parameter],
    values: &[f64],
) -> Scenario {
    let mut scenario = target.scenario.clone();
    for (parameter, value) in parameters.iter().zip(values) {
        if let Some(position) = parameter.positions[target_index] {
            scenario.uncertain[position].distribution = Distribution::Discrete {
                values: vec![*value],
                cumulative_weights: vec![1.0],
            };
        }
    }
    scenario
}

/// Every replication's statistics (all targets' concatenated) for `values`.
fn simulate_particle(
    targets: &[Target],
    parameters: &[Parameter],
    values: &[f64],
    seed: u64,
    runs: u64,
    workspace: &mut Workspace,
    output: &mut RunOutput,
) -> Vec<Vec<f64>> {
    let mut replicates = vec![Vec::new(); runs as usize];
    for (target_index, target) in targets.iter().enumerate() {
        let scenario = with_values(target, target_index, parameters, values);
        for (run, statistics) in replicates.iter_mut().enumerate() {
            simulate(&scenario, seed, run as u64, workspace, output);
            statistics.extend(
                target
                    .summaries
                    .compute(&output.series, scenario.horizon_months),
            );
        }
    }
    replicates
}

fn distance(statistics: &[f64], scaled: &[ScaledStatistic]) -> f64 {
    let sum: f64 = statistics
        .iter()
        .zip(scaled)
        .map(|(value, statistic)| {
            let z = (value - statistic.observed) / statistic.scale;
            z * z
        })
        .sum();
    (sum / scaled.len() as f64).sqrt()
}

/// What a candidate came to.
struct Candidate {
    values: Vec<f64>,
    /// None when outside the prior's support (not simulated).
    replicate_statistics: Option<Vec<Vec<f64>>>,
}

const CALIBRATE_KEY: &str = "calibrate";

fn uniform(rng: &mut impl Rng) -> f64 {
    rng.random::<f64>()
}

/// Runs ABC-SMC on the current rayon pool; `on_generation` sees each complete generation.
pub fn calibrate(
    targets: &[Target],
    settings: &Settings,
    mut on_generation: impl FnMut(&Generation),
) -> Result<Posterior, CalibrationError> {
    let parameters = parameters(targets).map_err(CalibrationError::Parameters)?;
    let names: Vec<&str> = targets
        .iter()
        .flat_map(|target| target.summaries.statistics.iter().map(|s| s.name.as_str()))
        .collect();
    if names.is_empty() {
        return Err(CalibrationError::NoStatistics);
    }
    let observed: Vec<f64> = targets
        .iter()
        .flat_map(|target| target.summaries.observed.iter().copied())
        .collect();
    let key = stream_key(CALIBRATE_KEY);
    let particles = settings.particles;
    let runs = settings.runs_per_particle;

    // Simulates candidates `range` of generation `generation`, proposing each with `propose`.
    let evaluate =
        |generation: usize,
         range: std::ops::Range<u64>,
         propose: &(dyn Fn(&mut crate::model::rng::StreamRng) -> Option<Vec<f64>> + Sync)|
         -> Vec<Candidate> {
            range
                .into_par_iter()
                .map_init(
                    || (Workspace::default(), RunOutput::default()),
                    |(workspace, output), index| {
                        let mut rng = stream(settings.seed, key, generation as u64, index);
                        let proposal = propose(&mut rng);
                        let simulation_seed = mix(rng.random::<u64>());
                        match proposal {
                            Some(values) => {
                                let statistics = simulate_particle(
                                    targets,
                                    &parameters,
                                    &values,
                                    simulation_seed,
                                    runs,
                                    workspace,
                                    output,
                                );
                                Candidate {
                                    values,
                                    replicate_statistics: Some(statistics),
                                }
                            }
                            None => Candidate {
                                values: Vec::new(),
                                replicate_statistics: None,
                            },
                        }
                    },
                )
                .collect()
        };

    // Generation 0: the prior.
    let from_prior = |rng: &mut crate::model::rng::StreamRng| {
        Some(
            parameters
                .iter()
                .map(|parameter| sample::draw(&parameter.prior, rng))
                .collect(),
        )
    };
    let first = evaluate(0, 0..particles as u64, &from_prior);
    let scaled: Vec<ScaledStatistic> = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let values: Vec<f64> = first
                .iter()
                .flat_map(|candidate| candidate.replicate_statistics.iter().flatten())
                .map(|statistics| statistics[index])
                .filter(|value| value.is_finite())
                .collect();
            let n = values.len().max(1) as f64;
            let mean = values.iter().sum::<f64>() / n;
            let sd = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
            ScaledStatistic {
                name: (*name).to_owned(),
                observed: observed[index],
                scale: if sd.is_finite() && sd > 0.0 { sd } else { 1.0 },
            }
        })
        .collect();
    let replicate_distances = |candidate: &Candidate| -> Vec<f64> {
        candidate
            .replicate_statistics
            .iter()
            .flatten()
            .map(|statistics| distance(statistics, &scaled))
            .collect()
    };
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len().max(1) as f64;
    let generation_0 = Generation {
        index: 0,
        tolerance: f64::INFINITY,
        proposed: particles as u64,
        accepted: particles,
        ess: particles as f64,
        particles: first
            .iter()
            .map(|candidate| {
                let distances = replicate_distances(candidate);
                Particle {
                    values: candidate.values.clone(),
                    weight: 1.0 / particles as f64,
                    distance: mean(&distances),
                    replicate_distances: distances,
                }
            })
            .collect(),
    };
    on_generation(&generation_0);
    let mut generations = vec![generation_0];
    let mut stop = Stop::Generations;
    let max_proposals = (particles as f64 / settings.min_acceptance).ceil() as u64;

    for index in 1..settings.generations {
        let previous = generations.last().expect("generation 0 exists");
        let mut pooled: Vec<(f64, f64)> = previous
            .particles
            .iter()
            .flat_map(|particle| {
                let share = particle.weight / particle.replicate_distances.len().max(1) as f64;
                particle
                    .replicate_distances
                    .iter()
                    .map(move |distance| (*distance, share))
            })
            .collect();
        let tolerance = weighted_quantile(&mut pooled, settings.quantile).min(previous.tolerance);
        let kernel_sd: Vec<f64> = (0..parameters.len())
            .map(|parameter| {
                let (mean, sd) = weighted_moments(&previous.particles, parameter);
                let sd = std::f64::consts::SQRT_2 * sd;
                if sd > 0.0 {
                    sd
                } else {
                    1e-9 * (mean.abs() + 1.0)
                }
            })
            .collect();
        let cumulative: Vec<f64> = previous
            .particles
            .iter()
            .scan(0.0, |running, particle| {
                *running += particle.weight;
                Some(*running)
            })
            .collect();
        let propose = |rng: &mut crate::model::rng::StreamRng| -> Option<Vec<f64>> {
            let u = uniform(rng) * cumulative.last().copied().unwrap_or(1.0);
            let pick = cumulative
                .partition_point(|c| *c <= u)
                .min(previous.particles.len() - 1);
            let values: Vec<f64> = previous.particles[pick]
                .values
                .iter()
                .zip(&kernel_sd)
                .map(|(value, sd)| value + sd * sample::standard_normal(rng))
                .collect();
            let inside = parameters
                .iter()
                .zip(&values)
                .all(|(parameter, value)| prior::density(&parameter.prior, *value) > 0.0);
            inside.then_some(values)
        };
        let mut accepted: Vec<Particle> = Vec::new();
        let mut proposed = 0u64;
        let chunk = particles as u64;
        let mut next = 0u64;
        'proposing: while accepted.len() < particles && next < max_proposals {
            let end = (next + chunk).min(max_proposals);
            for candidate in evaluate(index, next..end, &propose) {
                proposed += 1;
                if candidate.replicate_statistics.is_some() {
                    let distances = replicate_distances(&candidate);
                    let within = distances.iter().filter(|d| **d <= tolerance).count();
                    if within > 0 {
                        let share = within as f64 / distances.len() as f64;
                        let mixture: f64 = previous
                            .particles
                            .iter()
                            .map(|particle| {
                                let exponent: f64 = particle
                                    .values
                                    .iter()
                                    .zip(&candidate.values)
                                    .zip(&kernel_sd)
                                    .map(|((old, new), sd)| {
                                        let z = (new - old) / sd;
                                        -0.5 * z * z
                                    })
                                    .sum();
                                particle.weight * crate::math::exp(exponent)
                            })
                            .sum();
                        let prior_density: f64 = parameters
                            .iter()
                            .zip(&candidate.values)
                            .map(|(parameter, value)| prior::density(&parameter.prior, *value))
                            .product();
                        accepted.push(Particle {
                            values: candidate.values,
                            weight: share * prior_density / mixture,
                            distance: mean(&distances),
                            replicate_distances: distances,
                        });
                    }
                }
                if accepted.len() == particles {
                    break 'proposing;
                }
            }
            next = end;
        }
        if accepted.len() < particles {
            stop = Stop::Exhausted {
                generation: index,
                proposed,
            };
            break;
        }
        let total: f64 = accepted.iter().map(|particle| particle.weight).sum();
        for particle in &mut accepted {
            particle.weight /= total;
        }
        let ess = 1.0 / accepted.iter().map(|p| p.weight * p.weight).sum::<f64>();
        let generation = Generation {
            index,
            tolerance,
            proposed,
            accepted: particles,
            ess,
            particles: accepted,
        };
        on_generation(&generation);
        let rate = generation.acceptance_rate();
        generations.push(generation);
        if rate < settings.min_acceptance {
            stop = Stop::AcceptanceFloor {
                generation: index,
                rate,
            };
            break;
        }
    }
    Ok(Posterior {
        parameters,
        statistics: scaled,
        generations,
        stop,
    })
}

/// The name of the joint table a calibrated scenario draws its parameters from.
pub const POSTERIOR_TABLE: &str = "posterior";

/// `target`'s scenario (the `target_index`-th) with each calibrated parameter drawn jointly from
/// the last generation: `Joint(table: "posterior", values, weights)`, one row per particle.
/// Its name gets `_calibrated` and its description says where the draws come from.
pub fn calibrated_raw(target: &Target, target_index: usize, posterior: &Posterior) -> RawScenario {
    let mut raw = target.scenario.raw.clone();
    let last = posterior.last();
    let weights: Vec<f64> = last
        .particles
        .iter()
        .map(|particle| particle.weight)
        .collect();
    let mut calibrated = Vec::new();
    for (index, parameter) in posterior.parameters.iter().enumerate() {
        if parameter.positions[target_index].is_none() {
            continue;
        }
        if let Some(entry) = raw
            .uncertain
            .iter_mut()
            .find(|entry| entry.name == parameter.name)
        {
            entry.dist = RawDistribution::Joint {
                table: POSTERIOR_TABLE.to_owned(),
                values: last
                    .particles
                    .iter()
                    .map(|particle| particle.values[index])
                    .collect(),
                weights: weights.clone(),
            };
            calibrated.push(parameter.name.as_str());
        }
    }
    raw.name = format!("{}_calibrated", raw.name);
    let note = format!(
        "Calibrated by secsim calibrate (ABC-SMC, generation {}, {} particles): {} drawn jointly from the posterior.",
        last.index,
        last.particles.len(),
        calibrated.join(", ")
    );
    raw.description = if raw.description.is_empty() {
        note
    } else {
        format!("{} {note}", raw.description)
    };
    raw
}
