//! `secsim sensitivity`: which uncertain parameters drive each outcome. Sobol indices
//! (Saltelli sampling, Saltelli 2010 first-order and Jansen total estimators, bootstrap 95%
//! intervals) or Morris elementary effects, over the scenario's `uncertain` parameters. Each
//! design point fixes every uncertain parameter and runs `runs` replications with the shared
//! seed (common random numbers across points); the indices are computed on the points' mean
//! outcomes. The folder gets a `manifest.json`.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::engine::{self, RunPlan, budget};
use crate::experiment::{
    DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_MORRIS_LEVELS, Factor, MorrisDesign, SaltelliDesign,
    morris_design, morris_effects, saltelli_design, sobol_indices, values_at,
};
use crate::output::charts::bars::{Bar, BarChart, BarRow};
use crate::output::charts::{Chart, ChartFile, Frame, file_stem};
use crate::output::figures::{caption, outcome_unit};
use crate::output::manifest::{self, Contents, Input, Provenance};
use crate::output::results::{self, CHARTS_FOLDER, RunError, RunOptions};
use crate::output::{OutputError, StagedDir, format_number};
use crate::experiment::file::fix_uncertain;
use crate::scenario::{Problem, Scenario};

/// File names inside a sensitivity folder.
pub const SENSITIVITY_FILE: &str = "sensitivity.csv";
pub const POINTS_FILE: &str = "points.csv";

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

/// The design, expanded into one validated scenario per point.
pub struct SensitivityDesign {
    pub factors: Vec<Factor>,
    kind: DesignKind,
    pub points: Vec<Scenario>,
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
    let names: Vec<&str> = factors.iter().map(|factor| factor.name.as_str()).collect();
    let mut points = Vec::with_capacity(values.len());
    for (index, point_values) in values.iter().enumerate() {
        let fixed: Vec<(&str, f64)> = names
            .iter()
            .copied()
            .zip(point_values.iter().copied())
            .collect();
        let scenario = fix_uncertain(&scenario.raw, &fixed).map_err(|problems| {
            problems
                .into_iter()
                .map(|problem| Problem {
                    path: format!("points[{index}]: {}", problem.path),
                    message: problem.message,
                })
                .collect::<Vec<_>>()
        })?;
        points.push(scenario);
    }
    Ok(SensitivityDesign {
        factors,
        kind,
        points,
        values,
    })
}

/// One outcome's results.
pub enum OutcomeIndices {
    Sobol(Vec<crate::experiment::SobolIndices>),
    Morris(Vec<crate::experiment::MorrisEffects>),
    /// Some point had no value for the outcome (e.g. a threshold never crossed in any run).
    Missing,
}

/// What a finished analysis wrote.
pub struct WrittenSensitivity {
    pub folder: PathBuf,
    pub results: Vec<(String, OutcomeIndices)>,
}

/// Runs every point of `design` and writes the analysis folder at `destination`. `provenance`
/// (its first input file is the scenario's) goes into `manifest.json`.
pub fn sensitivity_to_folder(
    scenario: &Scenario,
    design: &SensitivityDesign,
    plan: &SensitivityPlan,
    options: RunOptions,
    provenance: &Provenance,
    destination: &Path,
    mut progress: impl FnMut(u64, u64) + Send,
) -> Result<WrittenSensitivity, RunError> {
    let pool = results::thread_pool(options.threads)?;
    let run_plan = RunPlan {
        seed: plan.seed,
        runs: plan.runs,
    };
    let points = design.points.len() as u64;
    let threads = pool.current_num_threads();
    budget::check(
        scenario,
        &run_plan,
        points,
        threads,
        false,
        options.max_hours,
    )?;
    let staged = StagedDir::new(
        destination,
        SENSITIVITY_FILE,
        &[&scenario.name],
        options.force,
    )?;
    let n_outcomes = scenario.outcomes.len();
    let total = design.points.len() as u64 * plan.runs;
    // means[outcome][point]
    let mut means: Vec<Vec<f64>> = vec![Vec::with_capacity(design.points.len()); n_outcomes];
    pool.install(|| {
        engine::run_points(
            &design.points,
            &run_plan,
            |index, result| -> Result<(), OutputError> {
                for (outcome, distribution) in result.aggregate.outcomes.iter().enumerate() {
                    let moments = &distribution.moments;
                    means[outcome].push(if moments.count > 0 {
                        moments.mean
                    } else {
                        f64::NAN
                    });
                }
                progress((index as u64 + 1) * plan.runs, total);
                Ok(())
            },
        )
    })?;

    let mut results_by_outcome = Vec::with_capacity(n_outcomes);
    for (outcome, outputs) in scenario.outcomes.iter().zip(&means) {
        let indices = if outputs.iter().any(|value| !value.is_finite()) {
            OutcomeIndices::Missing
        } else {
            match &design.kind {
                DesignKind::Sobol(saltelli) => match saltelli.split_outputs(outputs) {
                    Ok(split) => OutcomeIndices::Sobol(sobol_indices(
                        &split,
                        DEFAULT_BOOTSTRAP_RESAMPLES,
                        plan.seed,
                    )),
                    Err(_) => OutcomeIndices::Missing,
                },
                DesignKind::Morris(morris) => {
                    match morris_effects(morris, &design.factors, outputs) {
                        Ok(effects) => OutcomeIndices::Morris(effects),
                        Err(_) => OutcomeIndices::Missing,
                    }
                }
            }
        };
        results_by_outcome.push((outcome.name.clone(), indices));
    }

    write_indices(
        &staged.path().join(SENSITIVITY_FILE),
        plan.method,
        &design.factors,
        &results_by_outcome,
    )?;
    write_points(&staged.path().join(POINTS_FILE), scenario, design, &means)?;
    if options.charts {
        let files = charts(scenario, design, plan, &results_by_outcome);
        pool.install(|| results::write_charts(&files, &staged.path().join(CHARTS_FOLDER)))?;
    }
    let contents = Contents {
        inputs: vec![Input::scenario(provenance.first_input(), scenario)],
        seed: plan.seed,
        runs: plan.runs,
        points: design.points.len() as u64,
        threads: pool.current_num_threads(),
    };
    manifest::write(staged.path(), &contents, provenance)?;
    let folder = staged.commit()?;
    Ok(WrittenSensitivity {
        folder,
        results: results_by_outcome,
    })
}

fn writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>, OutputError> {
    let file = File::create(path).map_err(OutputError::io(path, "cannot create"))?;
    Ok(csv::Writer::from_writer(BufWriter::new(file)))
}

fn write_indices(
    path: &Path,
    method: Method,
    factors: &[Factor],
    results: &[(String, OutcomeIndices)],
) -> Result<(), OutputError> {
    let mut csv = writer(path)?;
    match method {
        Method::Sobol => csv.write_record([
            "outcome",
            "parameter",
            "s1",
            "s1_low",
            "s1_high",
            "st",
            "st_low",
            "st_high",
        ])?,
        Method::Morris => csv.write_record(["outcome", "parameter", "mu_star", "sigma"])?,
    }
    for (outcome, indices) in results {
        for (index, factor) in factors.iter().enumerate() {
            let mut record = vec![outcome.clone(), factor.name.clone()];
            match indices {
                OutcomeIndices::Sobol(all) => {
                    let i = &all[index];
                    record.extend(
                        [i.s1, i.s1_low, i.s1_high, i.st, i.st_low, i.st_high]
                            .map(|v| format_number(Some(v))),
                    );
                }
                OutcomeIndices::Morris(all) => {
                    let e = &all[index];
                    record.extend([e.mu_star, e.sigma].map(|v| format_number(Some(v))));
                }
                OutcomeIndices::Missing => {
                    let width = if method == Method::Sobol { 6 } else { 2 };
                    record.extend(std::iter::repeat_n(String::new(), width));
                }
            }
            csv.write_record(&record)?;
        }
    }
    csv.flush().map_err(csv::Error::from)?;
    Ok(())
}

fn write_points(
    path: &Path,
    scenario: &Scenario,
    design: &SensitivityDesign,
    means: &[Vec<f64>],
) -> Result<(), OutputError> {
    let mut csv = writer(path)?;
    let header = std::iter::once("point".to_owned())
        .chain(design.factors.iter().map(|factor| factor.name.clone()))
        .chain(
            scenario
                .outcomes
                .iter()
                .map(|outcome| format!("{}_mean", outcome.name)),
        );
    csv.write_record(header)?;
    for (index, values) in design.values.iter().enumerate() {
        let record = std::iter::once(index.to_string())
            .chain(values.iter().map(|value| value.to_string()))
            .chain(means.iter().map(|outcome| {
                format_number(outcome.get(index).copied().filter(|v| v.is_finite()))
            }));
        csv.write_record(record)?;
    }
    csv.flush().map_err(csv::Error::from)?;
    Ok(())
}

fn charts(
    scenario: &Scenario,
    design: &SensitivityDesign,
    plan: &SensitivityPlan,
    results: &[(String, OutcomeIndices)],
) -> Vec<ChartFile> {
    let mut files = Vec::new();
    for ((outcome_name, indices), outcome) in results.iter().zip(&scenario.outcomes) {
        let (measures, x_label, mut rows): (Vec<String>, String, Vec<(f64, BarRow)>) = match indices
        {
            OutcomeIndices::Sobol(all) => (
                vec!["first-order index S1".into(), "total index ST".into()],
                "share of the outcome's variance".into(),
                design
                    .factors
                    .iter()
                    .zip(all)
                    .map(|(factor, i)| {
                        (
                            i.st,
                            BarRow {
                                label: factor.name.clone(),
                                bars: vec![
                                    Bar {
                                        value: i.s1,
                                        interval: Some((i.s1_low, i.s1_high)),
                                    },
                                    Bar {
                                        value: i.st,
                                        interval: Some((i.st_low, i.st_high)),
                                    },
                                ],
                            },
                        )
                    })
                    .collect(),
            ),
            OutcomeIndices::Morris(all) => (
                vec![
                    "mu* (mean |elementary effect|)".into(),
                    "sigma (interactions, non-linearity)".into(),
                ],
                format!(
                    "{} per unit of the parameter",
                    outcome_unit(scenario, &outcome.kind)
                ),
                design
                    .factors
                    .iter()
                    .zip(all)
                    .map(|(factor, e)| {
                        (
                            e.mu_star,
                            BarRow {
                                label: factor.name.clone(),
                                bars: vec![
                                    Bar {
                                        value: e.mu_star,
                                        interval: None,
                                    },
                                    Bar {
                                        value: e.sigma,
                                        interval: None,
                                    },
                                ],
                            },
                        )
                    })
                    .collect(),
            ),
            OutcomeIndices::Missing => continue,
        };
        rows.sort_by(|a, b| b.0.total_cmp(&a.0));
        let method = if matches!(indices, OutcomeIndices::Sobol(_)) {
            "Sobol indices"
        } else {
            "Morris screening"
        };
        files.push(ChartFile {
            chart: Chart::Bars(BarChart {
                x_label,
                measures,
                rows: rows.into_iter().map(|(_, row)| row).collect(),
            }),
            frame: Frame {
                title: format!("{}: what drives {outcome_name}? ({method})", scenario.name),
                caption: caption(
                    plan.runs,
                    plan.seed,
                    &format!(
                        "{} design points of {} runs each, on each point's mean outcome.",
                        design.points.len(),
                        plan.runs
                    ),
                ),
            },
            stem: file_stem(&["sensitivity", outcome_name]),
        });
    }
    files
}
