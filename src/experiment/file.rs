//! Experiment files: base scenarios, the parameters to vary, a design, and replications per
//! point. Loading one expands the design into its points and checks every point, so that a
//! bad value at any point is reported before anything runs.
//!
//! A parameter is any numeric field, addressed by the field paths of error messages
//! (`flows["us_intel_return"].volume`), or an uncertain parameter (`uncertain["x"]`), which is
//! then fixed at the point's value in every replication. All points share the seed, so they
//! share random numbers (common random numbers across the design).
//!
//! Each base scenario is validated once and each parameter resolved once to a numeric field or
//! an uncertain parameter of it ([`crate::scenario::overrides`]): a point is then only its
//! values, checked against the fields' valid ranges (and the checks across fields that involve
//! them) when the experiment is loaded, and its [`Scenario`] is made when it runs
//! ([`Experiment::scenario`]). A base where some parameter is neither (an integer field such as
//! `horizon`, a number inside a distribution), or that is not valid on its own, is expanded the
//! old way: each point's values are written into the base's text and the result validated
//! whole, when the experiment is loaded and again when the point runs.

use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::design::{full_factorial, latin_hypercube, saltelli_design};
use crate::scenario::overrides::{Overrides, TargetIndex};
use crate::scenario::raw::{RawScenario, whole};
use crate::scenario::validate::name_problem;
use crate::scenario::variant::set_fields_at;
use crate::scenario::{
    Origin, Problem, Scenario, ScenarioError, hash_of, hex, parse_origin, read_text, ron_options,
    syntax_error, validate,
};

/// Most design points an experiment may have (per base scenario).
pub const MAX_POINTS: usize = 100_000;
/// Most base scenarios an experiment may name.
pub const MAX_BASES: usize = 100;
/// Most parameters an experiment may vary.
pub const MAX_PARAMETERS: usize = 100;
/// Memory a design point holds until its batch ends, measured with `/usr/bin/time -v` on
/// `secsim batch --no-charts` of Latin hypercubes over `tests/data/batch/base.ron` with 1 run a
/// point: 100,000 points of 3 parameters and 4 outcomes peak at 94 MB (40,000: 41 MB; about
/// 0.87 KB a point), and with 36 more outcomes at 685 MB (about 170 bytes an outcome a point).
/// Most of it is a summary of each outcome, kept for the charts; then the values, held by the
/// point and by the tables' layout. (When every point was held as a whole validated scenario,
/// a point of that base took 29 KB: 40,000 points peaked at 1.16 GB.)
const POINT_BYTES: u64 = 150;
const POINT_BYTES_PER_PARAMETER: u64 = 16;
const POINT_BYTES_PER_OUTCOME: u64 = 170;
/// Most memory (estimated from the figures above) the points of an experiment may hold: about
/// what the former limit of 2,000,000 numeric fields over all points allowed in practice (1.16 GB
/// at its edge), now reached at 1,000,000 points of a few outcomes (100,000 points of
/// `base.ron`'s 4 outcomes take about 90 MB).
pub const MAX_POINTS_MEMORY_BYTES: u64 = 1 << 30;
/// Most numeric fields over the points of bases whose points are rebuilt (points x each such
/// base's numeric fields): each of those points is validated whole, once when the experiment is
/// loaded and again when it runs, at about 5 microseconds a numeric field (40,000 points of
/// `base.ron`'s 50 fields took about 10 s to check), so this bounds the checking to about 10 s
/// each time. Points of other bases are values checked against their fields' ranges, which
/// takes well under a microsecond, and are bounded by [`MAX_POINTS_MEMORY_BYTES`] instead.
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
    /// Base scenarios: files relative to the experiment file's folder, or library scenarios
    /// ([`Origin::named_in`]).
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

/// One design point: a base scenario and the values of the varied parameters. Its scenario is
/// made when it runs ([`Experiment::scenario`]).
#[derive(Debug, Clone)]
pub struct Point {
    /// Index into [`Experiment::bases`].
    pub base: usize,
    /// The varied parameters' values, in parameter order.
    pub values: Vec<f64>,
}

/// A base scenario of an experiment.
#[derive(Debug, Clone)]
pub struct Base {
    /// The scenario's `name`.
    pub name: String,
    /// Its hash (SHA-256 of its canonical text, as a scenario's hash).
    pub hash: String,
    /// Its number of outcomes.
    pub outcomes: usize,
    expansion: Expansion,
}

/// How a base's points become scenarios.
#[derive(Debug, Clone)]
enum Expansion {
    /// Validated once; every parameter is a numeric field or an uncertain parameter of it.
    Overrides {
        scenario: Box<Scenario>,
        overrides: Overrides,
    },
    /// Some parameter is neither, or the base is not valid on its own: each point is the base
    /// with the point's values written into its text, validated whole.
    Rebuilt { raw: Box<RawScenario> },
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
    /// Parameter field paths, in parameter order.
    pub paths: Vec<String>,
    /// True when there are several base scenarios: outputs then carry a `scenario` column.
    pub several_bases: bool,
    pub bases: Vec<Base>,
    /// Every base's points, the first base's first, each base's in design order.
    pub points: Vec<Point>,
}

impl Experiment {
    /// The scenario of point `index`, made now: its base with the point's values in place.
    pub fn scenario(&self, index: usize) -> Scenario {
        let point = &self.points[index];
        match &self.bases[point.base].expansion {
            Expansion::Overrides {
                scenario,
                overrides,
            } => overrides.apply(scenario, &point.values),
            // Every point was rebuilt and validated like this when the experiment was loaded,
            // and the same edits of the same base give the same scenario.
            Expansion::Rebuilt { raw } => match rebuild(raw, &self.paths, &point.values) {
                Ok(Ok(scenario)) => scenario,
                _ => unreachable!("point {index} was checked when the experiment was loaded"),
            },
        }
    }

    /// The scenario of base `base`'s first point, if it has points: all points of a base share
    /// its outcomes and series (a parameter is a number, which names nothing).
    pub fn base_scenario(&self, base: usize) -> Option<Scenario> {
        // Points come base by base.
        let first = self.points.partition_point(|point| point.base < base);
        let point = self.points.get(first)?;
        (point.base == base).then(|| self.scenario(first))
    }

    /// The experiment's hash: SHA-256, as lowercase hex, of the text with a line
    /// `base <hash>` per base scenario (its scenario hash), then a line `parameter <path>` per
    /// parameter (the path quoted and escaped as a Rust string), then a line
    /// `point <base index> <value> ...` per point, in point order, with the values in Rust's
    /// shortest round-trip form (as in `experiments.csv`). The bases, the paths and the values
    /// determine every point's scenario, so the hash changes exactly when some point's
    /// scenario (or the design's order) does.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        for base in &self.bases {
            hasher.update(format!("base {}\n", base.hash).as_bytes());
        }
        for path in &self.paths {
            hasher.update(format!("parameter {path:?}\n").as_bytes());
        }
        let mut line = String::new();
        for point in &self.points {
            use std::fmt::Write as _;
            line.clear();
            let _ = write!(line, "point {}", point.base);
            for value in &point.values {
                let _ = write!(line, " {value}");
            }
            line.push('\n');
            hasher.update(line.as_bytes());
        }
        hex(&hasher.finalize())
    }
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

/// `raw` with each parameter (path, in `paths`) set to its value in `values`, validated whole;
/// the outer error is a path that does not fit the base, with the index of its parameter.
fn rebuild(
    raw: &RawScenario,
    paths: &[String],
    values: &[f64],
) -> Result<Result<Scenario, Vec<Problem>>, (usize, String)> {
    let edits: Vec<(String, String)> = paths
        .iter()
        .zip(values)
        .map(|(path, &value)| edit_for(path, value))
        .collect();
    let borrowed: Vec<(&str, &str)> = edits
        .iter()
        .map(|(path, value)| (path.as_str(), value.as_str()))
        .collect();
    set_fields_at(raw.clone(), &borrowed).map(validate)
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

    let mut bases: Vec<(Origin, RawScenario)> = Vec::new();
    // By what each entry resolves to, so that two spellings of one scenario
    // (`niger_baseline`, `niger_baseline.ron`) are caught as well as one spelling twice.
    let mut listed: Vec<Origin> = Vec::new();
    for (index, name) in raw.scenarios.iter().enumerate() {
        let within = |cause| ScenarioError::Within {
            file: file.to_path_buf(),
            field: format!("scenarios[{index}]"),
            cause: Box::new(cause),
        };
        let origin = Origin::named_in(file, name).map_err(within)?;
        let same = origin.canonical().unwrap_or_else(|_| origin.clone());
        if let Some(first) = listed.iter().position(|earlier| *earlier == same) {
            problems.push(Problem {
                path: format!("scenarios[{index}]"),
                message: format!(
                    "{name:?} names the same scenario as scenarios[{first}]: its points could not be told apart"
                ),
            });
            continue;
        }
        listed.push(same);
        let base = parse_origin(&origin).map_err(within)?;
        bases.push((origin, base));
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
    let paths: Vec<String> = raw
        .parameters
        .iter()
        .map(|parameter| parameter.path.clone())
        .collect();
    let expanded: Vec<(Origin, Base, usize)> = bases
        .into_iter()
        .map(|(origin, base)| {
            let (expansion, fields) = expansion_of(base.clone(), &paths);
            let base = Base {
                name: base.name.clone(),
                hash: hash_of(&base),
                outcomes: base.outcomes.len(),
                expansion,
            };
            (origin, base, fields)
        })
        .collect();
    let outcomes: Vec<usize> = expanded.iter().map(|(_, base, _)| base.outcomes).collect();
    if let Some(message) = points_memory_problem(unit_points.len(), k, &outcomes) {
        problems.push(Problem {
            path: design_path.into(),
            message,
        });
    }
    // Points of a rebuilt base are each validated whole, when loaded and when run.
    let rebuilt: Vec<&(Origin, Base, usize)> = expanded
        .iter()
        .filter(|(_, base, _)| matches!(base.expansion, Expansion::Rebuilt { .. }))
        .collect();
    let rebuilt_fields: usize = rebuilt.iter().map(|(_, _, fields)| fields).sum();
    if unit_points.len().saturating_mul(rebuilt_fields) > MAX_POINT_FIELDS {
        problems.push(Problem {
            path: design_path.into(),
            message: format!(
                "{} points x {rebuilt_fields} numeric fields{} = {} fields to check, over the limit of {MAX_POINT_FIELDS}: some parameter is not a numeric field or uncertain parameter of the base (such as horizon, or a number inside a distribution), so each point is validated whole; use fewer points",
                unit_points.len(),
                if expanded.len() == 1 {
                    " each".to_owned()
                } else {
                    format!(
                        " over the {} base scenarios validated point by point",
                        rebuilt.len()
                    )
                },
                unit_points.len().saturating_mul(rebuilt_fields)
            ),
        });
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let mut points = Vec::with_capacity(unit_points.len() * expanded.len());
    let mut point_problems = Vec::new();
    let mut failed_points = 0;
    'bases: for (base_index, (origin, base, _)) in expanded.iter().enumerate() {
        for values in &unit_points {
            let point_index = points.len() + failed_points;
            let found = match &base.expansion {
                Expansion::Overrides {
                    scenario,
                    overrides,
                } => overrides.check(scenario, values),
                // A path that does not fit the base fails at every point alike: report it
                // once, at the parameter.
                Expansion::Rebuilt { raw: base_raw } => match rebuild(base_raw, &paths, values) {
                    Ok(Ok(_)) => Vec::new(),
                    Ok(Err(problems)) => problems,
                    Err((index, message)) => {
                        return Err(invalid(vec![Problem {
                            path: format!("parameters[{index}].path"),
                            message: format!(
                                "{:?} in {}: {message}",
                                raw.parameters[index].path,
                                origin.label().display()
                            ),
                        }]));
                    }
                },
            };
            if found.is_empty() {
                points.push(Point {
                    base: base_index,
                    values: values.clone(),
                });
                continue;
            }
            failed_points += 1;
            if failed_points > MAX_POINT_PROBLEMS {
                // Checking every remaining point could take minutes: stop here.
                break 'bases;
            }
            let label = format!(
                "points[{point_index}] ({}{})",
                if expanded.len() > 1 {
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
            point_problems.extend(found.into_iter().map(|problem| Problem {
                path: format!("{label}: {}", problem.path),
                message: problem.message,
            }));
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
        paths,
        several_bases: expanded.len() > 1,
        bases: expanded.into_iter().map(|(_, base, _)| base).collect(),
        points,
    })
}

/// How `base`'s points are made for the parameters at `paths`, and its number of numeric
/// fields (0 when it is not valid on its own).
fn expansion_of(base: RawScenario, paths: &[String]) -> (Expansion, usize) {
    let Ok(scenario) = validate(base.clone()) else {
        return (
            Expansion::Rebuilt {
                raw: Box::new(base),
            },
            0,
        );
    };
    let fields = scenario.slots.len();
    let targets: Option<Vec<_>> = {
        let index = TargetIndex::new(&scenario);
        paths.iter().map(|path| index.resolve(path)).collect()
    };
    let expansion = match targets {
        Some(targets) => Expansion::Overrides {
            overrides: Overrides::new(&scenario, targets),
            scenario: Box::new(scenario),
        },
        None => Expansion::Rebuilt {
            raw: Box::new(base),
        },
    };
    (expansion, fields)
}

/// Why `points` design points of `parameters` parameters on each of the bases with `outcomes`
/// outcomes would hold too much memory, if they would.
fn points_memory_problem(points: usize, parameters: usize, outcomes: &[usize]) -> Option<String> {
    let per_base = |outcomes: usize| {
        POINT_BYTES
            + POINT_BYTES_PER_PARAMETER * parameters as u64
            + POINT_BYTES_PER_OUTCOME * outcomes as u64
    };
    let bytes = outcomes.iter().fold(0u64, |total, &outcomes| {
        total.saturating_add((points as u64).saturating_mul(per_base(outcomes)))
    });
    if bytes <= MAX_POINTS_MEMORY_BYTES {
        return None;
    }
    let (fewest, most) = (
        outcomes.iter().min().copied().unwrap_or(0),
        outcomes.iter().max().copied().unwrap_or(0),
    );
    let bases = if outcomes.len() == 1 {
        String::new()
    } else {
        format!(" on each of {} base scenarios", outcomes.len())
    };
    let outcome_count = if fewest == most {
        format!("{most}")
    } else {
        format!("{fewest} to {most}")
    };
    let mib = |bytes: u64| bytes.div_ceil(1 << 20);
    let plural = |count: usize| if count == 1 { "" } else { "s" };
    Some(format!(
        "{points} points{bases}, with {parameters} parameter{} and {outcome_count} outcome{}, would hold about {} MiB until the batch ends (a summary of each outcome at each point), over the limit of {} MiB: use fewer points",
        plural(parameters),
        plural(most),
        mib(bytes),
        mib(MAX_POINTS_MEMORY_BYTES)
    ))
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
    use std::path::PathBuf;

    use super::*;
    use crate::scenario::parse_file;

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

    fn batch_data(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/batch")
            .join(name)
    }

    /// `expected` with the text and hash of `found`, which a point made by overrides keeps from
    /// its base, both written out with every field.
    fn aligned(found: &Scenario, expected: &Scenario) -> (String, String) {
        let mut expected = expected.clone();
        expected.raw = found.raw.clone();
        expected.hash = found.hash.clone();
        (format!("{found:?}"), format!("{expected:?}"))
    }

    #[test]
    fn points_made_by_overrides_are_the_points_rebuilt_from_text() {
        for file in ["lhs.ron", "grid.ron", "saltelli.ron", "two_bases.ron"] {
            let experiment = load_experiment(&batch_data(file)).unwrap();
            let text = read_text(&batch_data(file)).unwrap();
            let raw: RawExperiment = ron_options().from_str(&text).unwrap();
            for base in &experiment.bases {
                assert!(
                    matches!(base.expansion, Expansion::Overrides { .. }),
                    "{file}: {}",
                    base.name
                );
            }
            for (index, point) in experiment.points.iter().enumerate() {
                let base_raw = parse_file(&batch_data(&raw.scenarios[point.base])).unwrap();
                let rebuilt = rebuild(&base_raw, &experiment.paths, &point.values)
                    .unwrap()
                    .unwrap();
                let (found, expected) = aligned(&experiment.scenario(index), &rebuilt);
                assert!(found == expected, "{file}, point {index}");
            }
        }
    }

    #[test]
    fn a_parameter_that_is_not_a_numeric_field_rebuilds_its_base() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("horizon.ron");
        std::fs::write(
            &file,
            format!(
                "Experiment(name: \"h\", scenarios: [{:?}], parameters: [(path: \"horizon\", values: [9, 12]), (path: r#\"flows[\"arms\"].volume\"#, values: [1.0])], design: Grid, runs: 1, seed: 1)",
                batch_data("base.ron")
            ),
        )
        .unwrap();
        let experiment = load_experiment(&file).unwrap();
        assert!(matches!(
            experiment.bases[0].expansion,
            Expansion::Rebuilt { .. }
        ));
        let horizons: Vec<usize> = (0..2)
            .map(|index| experiment.scenario(index).horizon_months)
            .collect();
        assert_eq!(horizons, [9, 12]);
    }

    #[test]
    fn the_hash_covers_bases_paths_and_values() {
        let experiment = load_experiment(&batch_data("grid.ron")).unwrap();
        let mut text = format!("base {}\n", experiment.bases[0].hash);
        for path in &experiment.paths {
            text.push_str(&format!("parameter {path:?}\n"));
        }
        for point in &experiment.points {
            text.push_str(&format!("point {}", point.base));
            for value in &point.values {
                text.push_str(&format!(" {value}"));
            }
            text.push('\n');
        }
        assert_eq!(experiment.hash(), hex(&Sha256::digest(text.as_bytes())));
        let mut changed = experiment.clone();
        changed.points[3].values[0] += 1.0;
        assert_ne!(changed.hash(), experiment.hash());
    }

    #[test]
    fn the_memory_points_hold_is_bounded() {
        // base.ron: 4 outcomes, about 0.9 KB a point.
        assert_eq!(points_memory_problem(MAX_POINTS, 3, &[4]), None);
        assert_eq!(points_memory_problem(MAX_POINTS, 3, &[4; 10]), None);
        let message = points_memory_problem(MAX_POINTS, 3, &[4, 40, 23, 9, 9, 7, 6, 40])
            .expect("over the limit");
        assert!(
            message.starts_with(
                "100000 points on each of 8 base scenarios, with 3 parameters and 4 to 40 outcomes, would hold about"
            ),
            "{message}"
        );
        assert!(message.ends_with("over the limit of 1024 MiB: use fewer points"));
        assert!(points_memory_problem(MAX_POINTS, MAX_PARAMETERS, &[0; MAX_BASES]).is_some());
    }
}
