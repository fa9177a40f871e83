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

use super::design::{full_factorial, latin_hypercube, saltelli_design};
use crate::scenario::raw::{RawScenario, whole};
use crate::scenario::validate::name_problem;
use crate::scenario::variant::{set_fields, set_fields_at};
use crate::scenario::{
    Problem, Scenario, ScenarioError, parse_file, read_text, ron_options, syntax_error, validate,
};

/// Most design points an experiment may have (per base scenario).
pub const MAX_POINTS: usize = 100_000;
/// Most base scenarios an experiment may name.
pub const MAX_BASES: usize = 100;
/// Most parameters an experiment may vary.
pub const MAX_PARAMETERS: usize = 100;
/// Most numeric fields over all points (points x bases x each base's numeric fields): every
/// point is checked and then held in memory as a whole validated scenario, about 300 bytes per
/// numeric field (measured: 100,000 points of `tests/data/batch/base.ron` took 1.5 GB and 37 s
/// to validate), so this bounds an experiment to about 600 MB and 15 s of checking.
pub const MAX_POINT_FIELDS: usize = 2_000_000;
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
    #[serde(deserialize_with = "whole::runs")]
    pub runs: u64,
    #[serde(deserialize_with = "whole::seed")]
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
    LatinHypercube {
        #[serde(deserialize_with = "whole::count")]
        points: usize,
    },
    /// Saltelli's (2010) sample for Sobol indices: `base_samples` x (k + 2) points.
    Saltelli {
        #[serde(deserialize_with = "whole::count")]
        base_samples: usize,
    },
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
    // Decided by the first word alone, so that an experiment with a syntax error is reported
    // by the experiment parser rather than as "expected `Scenario`".
    rest.strip_prefix("Experiment")
        .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
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
        crate::scenario::variant::parse_path(path).as_deref(),
        Ok([crate::scenario::variant::Segment::Field(root), crate::scenario::variant::Segment::Key(_)]) if root == "uncertain"
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
    let text = read_text(file)?;
    let raw: RawExperiment = ron_options()
        .from_str(&text)
        .map_err(|error| syntax_error(file, &text, &error))?;
    let invalid = |problems: Vec<Problem>| ScenarioError::Invalid {
        file: file.to_path_buf(),
        problems,
    };
    let mut problems = Vec::new();
    let mut problem = |path: String, message: String| problems.push(Problem { path, message });
    if let Some(message) = name_problem(&raw.name) {
        problem("name".into(), message);
    }
    if raw.scenarios.is_empty() {
        problem(
            "scenarios".into(),
            "empty: name at least one base scenario".into(),
        );
    }
    if raw.scenarios.len() > MAX_BASES {
        problem(
            "scenarios".into(),
            format!(
                "{} base scenarios, over the limit of {MAX_BASES}: split the experiment",
                raw.scenarios.len()
            ),
        );
    }
    if raw.parameters.is_empty() {
        problem(
            "parameters".into(),
            "empty: name at least one parameter to vary".into(),
        );
    }
    if raw.parameters.len() > MAX_PARAMETERS {
        problem(
            "parameters".into(),
            format!(
                "{} parameters, over the limit of {MAX_PARAMETERS}",
                raw.parameters.len()
            ),
        );
        // Every later check is per parameter or per point: stop before they take long.
        return Err(invalid(problems));
    }
    if raw.runs == 0 || raw.runs > crate::scenario::MAX_RUNS {
        problem(
            "runs".into(),
            format!(
                "{} replications per point is outside 1..={}",
                raw.runs,
                crate::scenario::MAX_RUNS
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
        if let Some(message) = name_problem(&name) {
            problem(format!("{path}.name"), message);
        } else if names.contains(&name) || name == "point" || name == "run" || name == "scenario" {
            problem(
                format!("{path}.name"),
                format!("{name:?} is used twice or reserved (point, run, scenario)"),
            );
        }
        names.push(name);
        if let Err(message) = crate::scenario::variant::parse_path(&parameter.path) {
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
    // The number of points is checked before the design is built: the design itself holds
    // points x parameters numbers.
    let point_count = match raw.design {
        RawDesign::Grid => {
            let lists: Vec<usize> = raw
                .parameters
                .iter()
                .map(|parameter| parameter.values.len())
                .collect();
            lists
                .iter()
                .try_fold(1usize, |size, &len| size.checked_mul(len))
        }
        RawDesign::LatinHypercube { points } => Some(points),
        RawDesign::Saltelli { base_samples } => base_samples.checked_mul(k + 2),
    };
    let too_many = match point_count {
        Some(count) => count > MAX_POINTS,
        None => true,
    };
    let (design_path, count_text) = match raw.design {
        RawDesign::Grid => ("design", "a grid of".to_owned()),
        RawDesign::LatinHypercube { .. } => ("design.points", "".to_owned()),
        RawDesign::Saltelli { base_samples } => (
            "design.base_samples",
            format!("{base_samples} base samples x ({k} parameters + 2) ="),
        ),
    };
    let empty_design = matches!(raw.design, RawDesign::LatinHypercube { points: 0 });
    if too_many {
        let count = point_count.map_or_else(|| "too many".to_owned(), |count| count.to_string());
        problem(
            design_path.into(),
            format!(
                "{} {count} points, over the limit of {MAX_POINTS} points",
                count_text
            )
            .trim_start()
            .to_owned(),
        );
    } else if empty_design {
        problem(
            "design.points".into(),
            format!("0 is outside 1..={MAX_POINTS}"),
        );
    }
    let unit_points: Vec<Vec<f64>> = if too_many || empty_design {
        Vec::new()
    } else {
        match raw.design {
            RawDesign::Grid => {
                let lists: Vec<Vec<f64>> = raw
                    .parameters
                    .iter()
                    .map(|parameter| parameter.values.clone())
                    .collect();
                full_factorial(&lists)
            }
            RawDesign::LatinHypercube { points } => {
                scale(latin_hypercube(k, points, raw.seed), &raw.parameters)
            }
            RawDesign::Saltelli { base_samples } => {
                match saltelli_design(k, base_samples, raw.seed) {
                    Ok(design) => scale(design.points().to_vec(), &raw.parameters),
                    Err(error) => {
                        problem("design.base_samples".into(), error.to_string());
                        Vec::new()
                    }
                }
            }
        }
    };
    let total_runs =
        (unit_points.len() as u128) * u128::from(raw.runs) * raw.scenarios.len().max(1) as u128;
    if total_runs > u128::from(crate::scenario::MAX_RUNS) {
        problem(
            "runs".into(),
            format!(
                "{total_runs} replications in all (points x runs x scenarios), over the limit of {}: lower runs or use fewer points",
                crate::scenario::MAX_RUNS
            ),
        );
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }

    let folder = file.parent().unwrap_or_else(|| Path::new("."));
    let mut bases: Vec<(PathBuf, RawScenario)> = Vec::new();
    let mut listed = std::collections::HashSet::new();
    for (index, name) in raw.scenarios.iter().enumerate() {
        if !listed.insert(name) {
            problems.push(Problem {
                path: format!("scenarios[{index}]"),
                message: format!("{name:?} is listed twice: its points could not be told apart"),
            });
            continue;
        }
        let base_file = folder.join(name);
        let base = parse_file(&base_file).map_err(|cause| ScenarioError::Within {
            file: file.to_path_buf(),
            field: format!("scenarios[{index}]"),
            cause: Box::new(cause),
        })?;
        bases.push((base_file, base));
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
    // Every point is held as a whole validated scenario: bound the memory that takes.
    let fields: usize = bases
        .iter()
        .filter_map(|(_, base)| validate(base.clone()).ok())
        .map(|scenario| scenario.slots.len())
        .sum();
    if unit_points.len().saturating_mul(fields) > MAX_POINT_FIELDS {
        problems.push(Problem {
            path: design_path.into(),
            message: format!(
                "{} points x {fields} numeric fields{} = {} fields to check and hold in memory, over the limit of {MAX_POINT_FIELDS}: use fewer points",
                unit_points.len(),
                if bases.len() == 1 {
                    " each".to_owned()
                } else {
                    format!(" over the {} base scenarios", bases.len())
                },
                unit_points.len().saturating_mul(fields)
            ),
        });
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let mut points = Vec::with_capacity(unit_points.len() * bases.len());
    let mut point_problems = Vec::new();
    let mut failed_points = 0;
    'bases: for (base_file, base) in &bases {
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
            // A path that does not fit the base fails at every point alike: report it once,
            // at the parameter.
            let edited = set_fields_at(base.clone(), &borrowed).map_err(|(index, message)| {
                invalid(vec![Problem {
                    path: format!("parameters[{index}].path"),
                    message: format!(
                        "{:?} in {}: {message}",
                        raw.parameters[index].path,
                        base_file.display()
                    ),
                }])
            })?;
            match validate(edited) {
                Ok(scenario) => points.push(Point {
                    base: base.name.clone(),
                    values: values.clone(),
                    scenario,
                }),
                Err(problems) => {
                    failed_points += 1;
                    if failed_points > MAX_POINT_PROBLEMS {
                        // Checking every remaining point could take minutes: stop here.
                        break 'bases;
                    }
                    point_problems.extend(problems.into_iter().map(|problem| Problem {
                        path: format!("{label}: {}", problem.path),
                        message: problem.message,
                    }));
                }
            }
        }
    }
    if failed_points > 0 {
        if failed_points > MAX_POINT_PROBLEMS {
            point_problems.push(Problem {
                path: "points".into(),
                message: format!(
                    "more than {MAX_POINT_PROBLEMS} points are invalid; the first {MAX_POINT_PROBLEMS} are listed"
                ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_experiment_is_told_by_its_first_word_even_with_a_syntax_error() {
        // A missing comma used to make `validate` parse the file as a scenario and report
        // "Expected struct `Scenario` but found `Experiment`".
        assert!(is_experiment(
            "// sweep\nExperiment(\n    name: \"x\"\n    runs: 1,\n)"
        ));
        assert!(is_experiment("/* a */ Experiment ("));
        assert!(!is_experiment("Experimental(name: \"x\")"));
        assert!(!is_experiment("Scenario(name: \"Experiment\")"));
    }
}
