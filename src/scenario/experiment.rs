//! Experiment files: base scenarios, the parameters to vary, a design, and replications per
//! point. Validating one expands the design into its points, each a validated [`Scenario`], so
//! that a bad value at any point is reported before anything runs.
//!
//! A parameter is any numeric field, addressed by the field paths of error messages
//! (`flows["us_intel_return"].volume`), or an uncertain parameter (`uncertain["x"]`), which is
//! then fixed at the point's value in every replication. All points share the seed, so they
//! share random numbers (common random numbers across the design).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::raw::RawScenario;
use super::variant::set_fields;
use super::{Problem, Scenario, ScenarioError, parse_file, ron_options, validate};
use crate::experiment::design::{
    full_factorial, full_factorial_size, latin_hypercube, saltelli_design,
};

/// Most design points an experiment may have.
pub const MAX_POINTS: usize = 1_000_000;
/// Most points whose problems are listed when points fail validation.
const MAX_POINT_PROBLEMS: usize = 20;

/// An experiment file as written.
#[derive(Debug, Deserialize)]
#[serde(rename = "Experiment", deny_unknown_fields)]
pub struct RawExperiment {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Base scenarios, relative to the experiment file's folder.
    pub scenarios: Vec<String>,
    pub parameters: Vec<RawParameter>,
    pub design: RawDesign,
    /// Replications per design point.
    pub runs: u64,
    pub seed: u64,
}

/// One varied parameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParameter {
    /// Column name in the outputs; defaults to the path.
    #[serde(default)]
    pub name: Option<String>,
    pub path: String,
    /// Values for a grid.
    #[serde(default)]
    pub values: Vec<f64>,
    /// Range for Latin hypercube and Saltelli designs.
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

/// How design points are chosen.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename = "Design", deny_unknown_fields)]
pub enum RawDesign {
    /// Every combination of the parameters' `values`.
    Grid,
    /// `points` points, each parameter's range cut into `points` equal strata, one point each.
    LatinHypercube { points: usize },
    /// Saltelli's (2010) sample for Sobol indices: `base_samples` x (k + 2) points.
    Saltelli { base_samples: usize },
}

/// One design point, ready to run.
#[derive(Debug, Clone)]
pub struct Point {
    /// Name of the base scenario the point modifies.
    pub base: String,
    /// The varied parameters' values, in parameter order.
    pub values: Vec<f64>,
    pub scenario: Scenario,
}

/// A validated experiment.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub name: String,
    pub description: String,
    pub runs: u64,
    pub seed: u64,
    /// Parameter names, in order (column names of the outputs).
    pub parameters: Vec<String>,
    /// True when there are several base scenarios: outputs then carry a `scenario` column.
    pub several_bases: bool,
    pub points: Vec<Point>,
}

#[derive(Deserialize)]
#[serde(rename = "Experiment")]
struct Probe {}

/// Whether a file's text is an experiment (`Experiment(...)`) rather than a scenario: its first
/// token, after comments and RON attributes, is `Experiment`.
pub fn is_experiment(text: &str) -> bool {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if rest.starts_with("//") || rest.starts_with("#!") {
            rest = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(comment) = rest.strip_prefix("/*") {
            rest = comment.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    rest.starts_with("Experiment") && ron_options().from_str::<Probe>(text).is_ok()
}

/// The RON text that fixes a parameter at `value`.
fn edit_for(path: &str, value: f64) -> (String, String) {
    // Whole numbers without a decimal point, so that integer fields (`horizon`) accept them.
    let value = if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:?}")
    };
    let whole_parameter = matches!(
        super::variant::parse_path(path).as_deref(),
        Ok([super::variant::Segment::Field(root), super::variant::Segment::Key(_)]) if root == "uncertain"
    );
    if whole_parameter {
        // Fixing an uncertain parameter: a one-value distribution keeps its stream, so the
        // other draws of every replication are unchanged.
        (
            format!("{path}.dist"),
            format!("Discrete(values: [{value}], weights: [1.0])"),
        )
    } else {
        (path.to_owned(), value)
    }
}

/// `raw` with each named uncertain parameter fixed at its value in every replication, validated.
pub fn fix_uncertain(raw: &RawScenario, values: &[(&str, f64)]) -> Result<Scenario, Vec<Problem>> {
    let edits: Vec<(String, String)> = values
        .iter()
        .map(|(name, value)| edit_for(&format!("uncertain[{name:?}]"), *value))
        .collect();
    let borrowed: Vec<(&str, &str)> = edits
        .iter()
        .map(|(path, value)| (path.as_str(), value.as_str()))
        .collect();
    set_fields(raw.clone(), &borrowed)
        .map_err(|message| {
            vec![Problem {
                path: "uncertain".to_owned(),
                message,
            }]
        })
        .and_then(validate)
}

/// Reads, parses and validates an experiment file, expanding its design into points.
pub fn load_experiment(file: &Path) -> Result<Experiment, ScenarioError> {
    let text = std::fs::read_to_string(file).map_err(|cause| ScenarioError::Io {
        file: file.to_path_buf(),
        cause,
    })?;
    let raw: RawExperiment =
        ron_options()
            .from_str(&text)
            .map_err(|error| ScenarioError::Syntax {
                file: file.to_path_buf(),
                line: error.span.start.line,
                column: error.span.start.col,
                message: error.code.to_string(),
            })?;
    let invalid = |problems: Vec<Problem>| ScenarioError::Invalid {
        file: file.to_path_buf(),
        problems,
    };
    let mut problems = Vec::new();
    let mut problem = |path: String, message: String| problems.push(Problem { path, message });
    if raw.name.trim().is_empty() {
        problem("name".into(), "name is empty".into());
    }
    if raw.scenarios.is_empty() {
        problem(
            "scenarios".into(),
            "empty: name at least one base scenario".into(),
        );
    }
    if raw.parameters.is_empty() {
        problem(
            "parameters".into(),
            "empty: name at least one parameter to vary".into(),
        );
    }
    if raw.runs == 0 || raw.runs > super::MAX_RUNS {
        problem(
            "runs".into(),
            format!(
                "{} replications per point is outside 1..={}",
                raw.runs,
                super::MAX_RUNS
            ),
        );
    }
    let k = raw.parameters.len();
    let mut names: Vec<String> = Vec::with_capacity(k);
    for (index, parameter) in raw.parameters.iter().enumerate() {
        let path = format!("parameters[{index}]");
        let name = parameter
            .name
            .clone()
            .unwrap_or_else(|| parameter.path.clone());
        if names.contains(&name) || name == "point" || name == "run" || name == "scenario" {
            problem(
                format!("{path}.name"),
                format!("{name:?} is used twice or reserved (point, run, scenario)"),
            );
        }
        names.push(name);
        if let Err(message) = super::variant::parse_path(&parameter.path) {
            problem(format!("{path}.path"), message);
        }
        match raw.design {
            RawDesign::Grid => {
                if parameter.values.is_empty() {
                    problem(
                        format!("{path}.values"),
                        "empty: a grid needs the values to try".into(),
                    );
                }
                if let Some(bad) = parameter.values.iter().find(|value| !value.is_finite()) {
                    problem(
                        format!("{path}.values"),
                        format!("{bad} is not a finite number"),
                    );
                }
            }
            RawDesign::LatinHypercube { .. } | RawDesign::Saltelli { .. } => {
                match (parameter.min, parameter.max) {
                    (Some(min), Some(max)) if min.is_finite() && max.is_finite() && max > min => {}
                    _ => problem(
                        format!("{path}.min"),
                        "this design samples a range: give finite min and max, with max > min"
                            .into(),
                    ),
                }
            }
        }
    }
    let unit_points: Vec<Vec<f64>> = match raw.design {
        RawDesign::Grid => {
            let lists: Vec<Vec<f64>> = raw
                .parameters
                .iter()
                .map(|parameter| parameter.values.clone())
                .collect();
            match full_factorial_size(&lists) {
                Some(size) if size <= MAX_POINTS => full_factorial(&lists),
                _ => {
                    problem(
                        "design".into(),
                        format!("the grid has more than {MAX_POINTS} points"),
                    );
                    Vec::new()
                }
            }
        }
        RawDesign::LatinHypercube { points } => {
            if points == 0 || points > MAX_POINTS {
                problem(
                    "design.points".into(),
                    format!("{points} is outside 1..={MAX_POINTS}"),
                );
                Vec::new()
            } else {
                scale(latin_hypercube(k, points, raw.seed), &raw.parameters)
            }
        }
        RawDesign::Saltelli { base_samples } => match saltelli_design(k, base_samples, raw.seed) {
            Ok(design) => scale(design.points().to_vec(), &raw.parameters),
            Err(error) => {
                problem("design.base_samples".into(), error.to_string());
                Vec::new()
            }
        },
    };
    let total_runs =
        (unit_points.len() as u128) * u128::from(raw.runs) * raw.scenarios.len().max(1) as u128;
    if total_runs > u128::from(super::MAX_RUNS) {
        problem(
            "runs".into(),
            format!(
                "{total_runs} replications in all (points x runs x scenarios), over the limit of {}",
                super::MAX_RUNS
            ),
        );
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }

    let folder = file.parent().unwrap_or_else(|| Path::new("."));
    let mut bases: Vec<(PathBuf, RawScenario)> = Vec::new();
    for (index, name) in raw.scenarios.iter().enumerate() {
        if raw.scenarios[..index].contains(name) {
            problems.push(Problem {
                path: format!("scenarios[{index}]"),
                message: format!("{name:?} is listed twice: its points could not be told apart"),
            });
            continue;
        }
        let base_file = folder.join(name);
        bases.push((base_file.clone(), parse_file(&base_file)?));
    }
    // Parameter names become columns beside the outcomes' columns: they must not collide.
    for (index, name) in names.iter().enumerate() {
        let collides = bases
            .iter()
            .flat_map(|(_, base)| &base.outcomes)
            .any(|outcome| {
                let outcome = outcome.name();
                name == outcome
                    || ["mean", "p05", "p50", "p95"]
                        .iter()
                        .any(|statistic| *name == format!("{outcome}_{statistic}"))
            });
        if collides {
            problems.push(Problem {
                path: format!("parameters[{index}].name"),
                message: format!("{name:?} is also the name of an outcome column; give the parameter another name"),
            });
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let mut points = Vec::with_capacity(unit_points.len() * bases.len());
    let mut point_problems = Vec::new();
    let mut failed_points = 0;
    for (base_file, base) in &bases {
        for values in &unit_points {
            let point_index = points.len() + failed_points;
            let edits: Vec<(String, String)> = raw
                .parameters
                .iter()
                .zip(values)
                .map(|(parameter, &value)| edit_for(&parameter.path, value))
                .collect();
            let borrowed: Vec<(&str, &str)> = edits
                .iter()
                .map(|(path, value)| (path.as_str(), value.as_str()))
                .collect();
            let label = format!(
                "points[{point_index}] ({}{})",
                if bases.len() > 1 {
                    format!("{}, ", base.name)
                } else {
                    String::new()
                },
                names
                    .iter()
                    .zip(values)
                    .map(|(name, value)| format!("{name} = {value}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            // A path that does not fit the base fails at every point alike: report it once.
            let edited = set_fields(base.clone(), &borrowed).map_err(|message| {
                invalid(vec![Problem {
                    path: format!("parameters (base {})", base_file.display()),
                    message,
                }])
            })?;
            let outcome = validate(edited);
            match outcome {
                Ok(scenario) => points.push(Point {
                    base: base.name.clone(),
                    values: values.clone(),
                    scenario,
                }),
                Err(problems) => {
                    failed_points += 1;
                    if failed_points <= MAX_POINT_PROBLEMS {
                        point_problems.extend(problems.into_iter().map(|problem| Problem {
                            path: format!("{label}: {}", problem.path),
                            message: problem.message,
                        }));
                    }
                }
            }
        }
    }
    if failed_points > 0 {
        if failed_points > MAX_POINT_PROBLEMS {
            point_problems.push(Problem {
                path: "points".into(),
                message: format!("{failed_points} points are invalid in all; the first {MAX_POINT_PROBLEMS} are listed"),
            });
        }
        return Err(invalid(point_problems));
    }
    Ok(Experiment {
        name: raw.name,
        description: raw.description,
        runs: raw.runs,
        seed: raw.seed,
        parameters: names,
        several_bases: bases.len() > 1,
        points,
    })
}

/// Unit coordinates to parameter values, each parameter uniform over its [min, max].
fn scale(unit_points: Vec<Vec<f64>>, parameters: &[RawParameter]) -> Vec<Vec<f64>> {
    unit_points
        .into_iter()
        .map(|point| {
            point
                .iter()
                .zip(parameters)
                .map(|(&unit, parameter)| {
                    let (min, max) = (parameter.min.unwrap_or(0.0), parameter.max.unwrap_or(1.0));
                    min + unit * (max - min)
                })
                .collect()
        })
        .collect()
}
