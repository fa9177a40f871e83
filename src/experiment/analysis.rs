//! A sensitivity analysis as a design: Sobol (Saltelli sampling, Saltelli 2010 first-order and
//! Jansen total estimators, bootstrap 95% intervals) or Morris elementary effects over a
//! scenario's `uncertain` parameters, each design point the scenario with every uncertain
//! parameter fixed (overrides checked when the design is built, applied when the point runs);
//! and the indices from the points' mean outcomes. No I/O.

use super::{
    DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_MORRIS_LEVELS, Factor, MORRIS_BOOTSTRAP_RESAMPLES,
    MorrisDesign, MorrisEffects, SaltelliDesign, SobolIndices, morris_design, morris_effects,
    saltelli_design, sobol_indices, values_at,
};
use crate::scenario::overrides::{Overrides, Target};
use crate::scenario::{Problem, Scenario};

/// Which analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Sobol,
    Morris,
}

/// The analysis to run.
#[derive(Debug, Clone, Copy)]
pub struct SensitivityPlan {
    pub method: Method,
    /// Sobol: base sample size N (N (k + 2) points). Morris: number of trajectories r
    /// (r (k + 1) points).
    pub samples: usize,
    /// Replications per design point.
    pub runs: u64,
    pub seed: u64,
}

/// The design: the factors' values at each point, checked.
pub struct SensitivityDesign {
    pub factors: Vec<Factor>,
    kind: DesignKind,
    /// Every uncertain parameter of the scenario, fixed.
    overrides: Overrides,
    /// Factor values at each point.
    pub values: Vec<Vec<f64>>,
}

enum DesignKind {
    Sobol(SaltelliDesign),
    Morris(MorrisDesign),
}

/// Builds the design over `scenario`'s uncertain parameters; errors are problems with paths.
pub fn design(
    scenario: &Scenario,
    plan: &SensitivityPlan,
) -> Result<SensitivityDesign, Vec<Problem>> {
    let problem = |path: &str, message: String| {
        vec![Problem {
            path: path.to_owned(),
            message,
        }]
    };
    let factors: Vec<Factor> = scenario.uncertain.iter().map(Factor::from).collect();
    if factors.is_empty() {
        return Err(problem(
            "uncertain",
            "the scenario has no uncertain parameters to analyse".into(),
        ));
    }
    let k = factors.len();
    let (kind, values) = match plan.method {
        Method::Sobol => {
            let design = saltelli_design(k, plan.samples, plan.seed)
                .map_err(|error| problem("--samples", error.to_string()))?;
            let values = design
                .points()
                .iter()
                .map(|point| values_at(&factors, point))
                .collect();
            (DesignKind::Sobol(design), values)
        }
        Method::Morris => {
            if plan.samples == 0 {
                return Err(problem(
                    "--samples",
                    "0 trajectories give no elementary effects: use at least 1 (10 to 50 is usual)"
                        .into(),
                ));
            }
            let design = morris_design(k, plan.samples, DEFAULT_MORRIS_LEVELS, plan.seed)
                .map_err(|error| problem("--samples", error.to_string()))?;
            let values = design
                .point_values(&factors)
                .map_err(|error| problem("--samples", error.to_string()))?;
            (DesignKind::Morris(design), values)
        }
    };
    // Factors are the uncertain parameters, in order.
    let overrides = Overrides::new(scenario, (0..k).map(Target::Uncertain).collect());
    for (index, point_values) in values.iter().enumerate() {
        let problems = overrides.check(scenario, point_values);
        if !problems.is_empty() {
            return Err(problems
                .into_iter()
                .map(|problem| Problem {
                    path: format!("points[{index}]: {}", problem.path),
                    message: problem.message,
                })
                .collect());
        }
    }
    Ok(SensitivityDesign {
        factors,
        kind,
        overrides,
        values,
    })
}

/// One outcome's results.
pub enum OutcomeIndices {
    Sobol(Vec<SobolIndices>),
    Morris(Vec<MorrisEffects>),
    /// Some point had no value for the outcome (e.g. a threshold never crossed in any run).
    Missing,
}

impl SensitivityDesign {
    /// Number of design points.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the design has no points.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The scenario of point `index`, made now: `scenario` (the one the design was built
    /// for) with every uncertain parameter fixed at the point's values.
    pub fn scenario(&self, scenario: &Scenario, index: usize) -> Scenario {
        self.overrides.apply(scenario, &self.values[index])
    }

    /// The indices of each of `scenario`'s outcomes from `means[outcome][point]`, the points'
    /// mean outcomes; bootstrap intervals are seeded with `seed`.
    pub fn indices(
        &self,
        scenario: &Scenario,
        means: &[Vec<f64>],
        seed: u64,
    ) -> Vec<(String, OutcomeIndices)> {
        let design = self;
        let plan_seed = seed;
        let mut results_by_outcome = Vec::with_capacity(means.len());
        for (outcome, outputs) in scenario.outcomes.iter().zip(means) {
            let indices = if outputs.iter().any(|value| !value.is_finite()) {
                OutcomeIndices::Missing
            } else {
                match &design.kind {
                    DesignKind::Sobol(saltelli) => match saltelli.split_outputs(outputs) {
                        Ok(split) => OutcomeIndices::Sobol(sobol_indices(
                            &split,
                            DEFAULT_BOOTSTRAP_RESAMPLES,
                            plan_seed,
                        )),
                        Err(_) => OutcomeIndices::Missing,
                    },
                    DesignKind::Morris(morris) => {
                        match morris_effects(
                            morris,
                            &design.factors,
                            outputs,
                            MORRIS_BOOTSTRAP_RESAMPLES,
                            plan_seed,
                        ) {
                            Ok(effects) => OutcomeIndices::Morris(effects),
                            Err(_) => OutcomeIndices::Missing,
                        }
                    }
                }
            };
            results_by_outcome.push((outcome.name.clone(), indices));
        }

        results_by_outcome
    }
}
