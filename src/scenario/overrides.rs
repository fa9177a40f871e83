//! Design points as overrides on a validated scenario.
//!
//! A design point sets numeric fields to literals and fixes uncertain parameters at a value.
//! Rather than edit the scenario's text and validate the result again at every point, each
//! parameter's path is resolved once to a [`Target`] of the validated scenario ([`TargetIndex`]);
//! a point's values are checked as validating the edited scenario would check them
//! ([`Overrides::check`]: each changed field against its valid range, and every check across
//! several fields that involves a changed field, see [`CrossCheck`]); and the point's scenario
//! is made only when it runs ([`Overrides::apply`]), as a copy of the base with the targets'
//! values replaced.
//!
//! The scenario `apply` makes is the one validating the edited file would give (a field's
//! source becomes `Literal(value)`; a month-valued field keeps its flag and is rounded by the
//! model, as for any literal; a fixed uncertain parameter gets the distribution
//! `Discrete(values: [value], weights: [1.0])`, which keeps its random stream, so the other
//! draws of every replication are unchanged), except for `raw` and `hash`, which stay the
//! base's: nothing that runs a point reads them.
//!
//! [`CrossCheck`]: super::CrossCheck

use std::collections::HashMap;

use super::raw::RawScenario;
use super::validate::{
    ALL_WEIGHTS_ZERO, Bounds, literal_problem, order_problem, quoted, support, support_problem,
};
use super::variant::{Segment, parse_path};
use super::{CrossRule, Distribution, Problem, Scenario, Slot, Source};

/// What a parameter's path addresses in a validated scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A numeric field: a point sets it to a literal.
    Slot(Slot),
    /// An uncertain parameter (`uncertain["x"]`, index into [`Scenario::uncertain`]): a point
    /// fixes it at its value in every replication.
    Uncertain(usize),
}

/// Finds the [`Target`] of a field path in one scenario.
pub struct TargetIndex<'a> {
    scenario: &'a Scenario,
    slots: HashMap<&'a str, Slot>,
}

impl<'a> TargetIndex<'a> {
    /// The index of `scenario`'s numeric fields and uncertain parameters.
    pub fn new(scenario: &'a Scenario) -> TargetIndex<'a> {
        let slots = scenario
            .slots
            .paths
            .iter()
            .enumerate()
            .map(|(index, path)| (path.as_str(), Slot(index as u32)))
            .collect();
        TargetIndex { scenario, slots }
    }

    /// The target of `path`: `uncertain["x"]` names an uncertain parameter; any other path is
    /// compared with the numeric fields' paths once written as validation writes them (either
    /// quote, escapes resolved, and an element of `actors`, `flows`, `pressure` or `events`
    /// given by its position named instead: `flows[0].volume` is `flows["arms"].volume`).
    /// None when the path is malformed or addresses something else (an integer field such as
    /// `horizon`, a number inside a distribution, a field the scenario does not have).
    pub fn resolve(&self, path: &str) -> Option<Target> {
        let segments = parse_path(path).ok()?;
        if let [Segment::Field(root), Segment::Key(name)] = segments.as_slice()
            && root == "uncertain"
        {
            return self
                .scenario
                .uncertain
                .iter()
                .position(|uncertain| uncertain.name == *name)
                .map(Target::Uncertain);
        }
        let written = slot_path(&self.scenario.raw, &segments);
        self.slots.get(written.as_str()).copied().map(Target::Slot)
    }
}

/// `segments` written as validation writes a numeric field's path.
fn slot_path(raw: &RawScenario, segments: &[Segment]) -> String {
    let mut text = String::new();
    for (position, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Field(name) => {
                if position > 0 {
                    text.push('.');
                }
                text.push_str(name);
            }
            Segment::Key(key) => text.push_str(&format!("[{key:?}]")),
            Segment::Index(index) => {
                let named = match (position, segments.first()) {
                    (1, Some(Segment::Field(list))) => element_name(raw, list, *index),
                    _ => None,
                };
                match named {
                    Some(name) => text.push_str(&format!("[{name:?}]")),
                    None => text.push_str(&format!("[{index}]")),
                }
            }
        }
    }
    text
}

/// The name that element `index` of the top-level list `list` is addressed by in paths.
fn element_name(raw: &RawScenario, list: &str, index: usize) -> Option<String> {
    match list {
        "actors" => raw.actors.get(index).map(|actor| actor.name().to_owned()),
        "flows" => raw.flows.get(index).map(|flow| flow.name.clone()),
        "pressure" => raw
            .pressure
            .get(index)
            .map(|link| format!("{}:{}", link.group, link.state)),
        "events" => raw.events.get(index).map(|event| event.name.clone()),
        _ => None,
    }
}

/// A value as the text edit that overrides replace wrote it: whole numbers as integers, so
/// that -0 became 0.
fn as_written(value: f64) -> f64 {
    if value == 0.0 { 0.0 } else { value }
}

/// The targets of a design's parameters in one validated scenario, one per parameter, with the
/// checks a point's values need.
#[derive(Debug, Clone)]
pub struct Overrides {
    targets: Vec<Target>,
    /// Slots a point can change, in index order: the targeted fields and those reading a
    /// targeted uncertain parameter.
    touched: Vec<usize>,
    /// Indices into [`Scenario::cross_checks`] of the checks that involve a touched slot.
    cross_checks: Vec<usize>,
    /// Smallest and largest value of each uncertain parameter, as validation found them.
    supports: Vec<(f64, f64)>,
}

/// The values one point gives its targets (the last parameter wins when two share a target).
struct PointValues {
    /// (slot index, literal), in parameter order.
    literals: Vec<(usize, f64)>,
    /// Per uncertain parameter, the value it is fixed at.
    fixed: Vec<Option<f64>>,
}

impl PointValues {
    fn literal(&self, slot: usize) -> Option<f64> {
        self.literals
            .iter()
            .rev()
            .find(|&&(target, _)| target == slot)
            .map(|&(_, value)| value)
    }
}

impl Overrides {
    /// The overrides of `targets` (one per parameter, in parameter order) in `scenario`.
    pub fn new(scenario: &Scenario, targets: Vec<Target>) -> Overrides {
        let slots = &scenario.slots;
        let targeted_slot = |slot: usize| targets.contains(&Target::Slot(Slot(slot as u32)));
        let targeted_uncertain = |index: usize| targets.contains(&Target::Uncertain(index));
        let touched: Vec<usize> = (0..slots.len())
            .filter(|&slot| {
                targeted_slot(slot)
                    || matches!(slots.sources[slot], Source::Param(index) if targeted_uncertain(index))
            })
            .collect();
        let is_touched = |slot: &Slot| touched.binary_search(&(slot.0 as usize)).is_ok();
        let cross_checks = scenario
            .cross_checks
            .iter()
            .enumerate()
            .filter(|(_, check)| match &check.rule {
                CrossRule::Ordered { earlier, later, .. } => {
                    is_touched(earlier) || is_touched(later)
                }
                CrossRule::SomeWeightPositive { weights } => weights.iter().any(is_touched),
            })
            .map(|(index, _)| index)
            .collect();
        let supports = scenario
            .uncertain
            .iter()
            .map(|uncertain| support(&uncertain.distribution))
            .collect();
        Overrides {
            targets,
            touched,
            cross_checks,
            supports,
        }
    }

    /// The targets, one per parameter.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    fn point_values(&self, scenario: &Scenario, values: &[f64]) -> PointValues {
        let mut point = PointValues {
            literals: Vec::with_capacity(self.targets.len()),
            fixed: vec![None; scenario.uncertain.len()],
        };
        for (target, &value) in self.targets.iter().zip(values) {
            let value = as_written(value);
            match *target {
                Target::Slot(slot) => point.literals.push((slot.0 as usize, value)),
                Target::Uncertain(index) => point.fixed[index] = Some(value),
            }
        }
        point
    }

    /// Every problem validating `scenario` with `values` (one per target) would report, in the
    /// order it would report them; empty when the point is valid. `scenario` is the one these
    /// overrides were made for.
    pub fn check(&self, scenario: &Scenario, values: &[f64]) -> Vec<Problem> {
        let point = self.point_values(scenario, values);
        let slots = &scenario.slots;
        // A fixed uncertain parameter that is not a finite number is refused, and validation
        // then reads its support as 0..=0.
        let fixed_bound = |value: f64| if value.is_finite() { value } else { 0.0 };
        let bounds = |slot: Slot| -> Bounds {
            let slot = slot.0 as usize;
            let (low, high, literal) = match (point.literal(slot), slots.sources[slot]) {
                (Some(value), _) | (None, Source::Literal(value)) => (value, value, true),
                (None, Source::Param(index)) => match point.fixed[index] {
                    Some(value) => (fixed_bound(value), fixed_bound(value), false),
                    None => (self.supports[index].0, self.supports[index].1, false),
                },
            };
            Bounds { low, high, literal }
        };
        // (where validation reports it: slots registered before, then uncertain parameters
        // first, checks across fields before the next field's own range)
        let mut found: Vec<((usize, u8), Problem)> = Vec::new();
        for (index, value) in point.fixed.iter().enumerate() {
            if let Some(value) = value.filter(|value| !value.is_finite()) {
                found.push((
                    (0, 0),
                    Problem {
                        path: format!(
                            "uncertain[{}].dist.values[0]",
                            quoted(&scenario.uncertain[index].name)
                        ),
                        message: format!("{value} is not a finite number"),
                    },
                ));
            }
        }
        for &index in &self.cross_checks {
            let check = &scenario.cross_checks[index];
            let message = match &check.rule {
                CrossRule::Ordered {
                    earlier,
                    later,
                    allow_equal,
                    what,
                } => order_problem(bounds(*earlier), bounds(*later), *allow_equal, what),
                CrossRule::SomeWeightPositive { weights } => weights
                    .iter()
                    .all(|weight| {
                        let slot = weight.0 as usize;
                        match (point.literal(slot), slots.sources[slot]) {
                            (Some(value), _) | (None, Source::Literal(value)) => value == 0.0,
                            (None, Source::Param(_)) => false,
                        }
                    })
                    .then(|| ALL_WEIGHTS_ZERO.to_owned()),
            };
            if let Some(message) = message {
                found.push((
                    (check.position, 1),
                    Problem {
                        path: check.path.clone(),
                        message,
                    },
                ));
            }
        }
        for &slot in &self.touched {
            let range = slots.ranges[slot];
            let message = match (point.literal(slot), slots.sources[slot]) {
                (Some(value), _) => literal_problem(value, range),
                (None, Source::Param(index)) => point.fixed[index].and_then(|value| {
                    let value = fixed_bound(value);
                    support_problem(&scenario.uncertain[index].name, (value, value), range)
                }),
                (None, Source::Literal(_)) => None,
            };
            if let Some(message) = message {
                found.push((
                    (slot, 2),
                    Problem {
                        path: slots.paths[slot].clone(),
                        message,
                    },
                ));
            }
        }
        // Stable: problems at the same place keep the order validation finds them in.
        found.sort_by_key(|(place, _)| *place);
        found.into_iter().map(|(_, problem)| problem).collect()
    }

    /// `scenario` with `values` (one per target, checked by [`Overrides::check`]) in place.
    pub fn apply(&self, scenario: &Scenario, values: &[f64]) -> Scenario {
        let mut point = scenario.clone();
        for (target, &value) in self.targets.iter().zip(values) {
            let value = as_written(value);
            match *target {
                Target::Slot(slot) => point.slots.sources[slot.0 as usize] = Source::Literal(value),
                Target::Uncertain(index) => {
                    point.uncertain[index].distribution = Distribution::Discrete {
                        values: vec![value],
                        cumulative_weights: vec![1.0],
                    }
                }
            }
        }
        point
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse_str, validate, variant::set_fields};

    /// Every kind of check across fields: a group with two areas and an uncertain ceiling, a
    /// flow with a start and an end, a hazard and a window, a field read from an uncertain
    /// parameter.
    const SCENARIO: &str = r#"Scenario(
        name: "overrides", start: "2024-01", horizon: 24,
        actors: [
            State(name: "Niger", capacity: "cap", control: 0.5, stability: 0.5),
            State(name: "Mali", capacity: 1.0, control: 0.5, stability: 0.5),
            Partner(name: "Ally"),
            Group(name: "G", strength: 500, areas: [(state: "Niger", weight: 1.0), (state: "Mali", weight: 0.0)],
                  recruitment: 0.02, attrition: 0.02, lethality: 2.0, ceiling: "top"),
            Group(name: "H", strength: 100, areas: [(state: "Mali", weight: 1.0)],
                  recruitment: 0.02, attrition: 0.02, lethality: 2.0, ceiling: 1000),
        ],
        flows: [
            Flow(name: "arms", from: "Ally", to: "Niger", kind: military, volume: 5, start: 2, end: 10,
                 reliability: 0.8, lag: 1),
            Flow(name: "aid", from: "Ally", to: "Mali", kind: financial, volume: 3),
        ],
        pressure: [(group: "G", state: "Niger", base_rate: "rate")],
        events: [
            Event(name: "storm", when: Hazard(monthly: 0.1, from: 3, to: 12),
                  effects: [ScaleFlow(flow: "aid", factor: 2.0)]),
            Event(name: "coup", when: Window(probability: 0.5, from: 4, to: 8),
                  effects: [Shock(actor: "Niger", variable: control, change: -0.1)]),
        ],
        uncertain: [
            (name: "rate", dist: Uniform(min: 5.0, max: 15.0)),
            (name: "cap", dist: Uniform(min: 0.5, max: 2.0)),
            (name: "top", dist: Uniform(min: 1500.0, max: 3000.0)),
        ],
        outcomes: [Sum(name: "attacks_total", metric: attacks, actor: "Niger")],
    )"#;

    fn base() -> Scenario {
        validate(parse_str(SCENARIO).expect("parses")).expect("valid")
    }

    fn slot(scenario: &Scenario, path: &str) -> Target {
        let index = scenario.slots.paths.iter().position(|found| found == path);
        Target::Slot(Slot(index.expect("a slot") as u32))
    }

    #[test]
    fn paths_resolve_to_fields_whatever_their_spelling() {
        let scenario = base();
        let index = TargetIndex::new(&scenario);
        let volume = slot(&scenario, r#"flows["arms"].volume"#);
        for path in [
            r#"flows["arms"].volume"#,
            "flows['arms'].volume",
            "flows[0].volume",
        ] {
            assert_eq!(index.resolve(path), Some(volume), "{path}");
        }
        let weight = slot(&scenario, r#"actors["G"].areas[1].weight"#);
        assert_eq!(index.resolve("actors[3].areas[1].weight"), Some(weight));
        let rate = slot(&scenario, r#"pressure["G:Niger"].base_rate"#);
        assert_eq!(index.resolve("pressure[0].base_rate"), Some(rate));
        let to = slot(&scenario, r#"events["coup"].when.to"#);
        assert_eq!(index.resolve("events[1].when.to"), Some(to));
        assert_eq!(
            index.resolve("model.severity_sigma"),
            Some(slot(&scenario, "model.severity_sigma"))
        );
        assert_eq!(
            index.resolve(r#"uncertain["cap"]"#),
            Some(Target::Uncertain(1))
        );
        assert_eq!(
            index.resolve("uncertain['top']"),
            Some(Target::Uncertain(2))
        );
        // Not a numeric field or an uncertain parameter: rebuilt, or refused, by the caller.
        for path in [
            "horizon",
            r#"uncertain["nope"]"#,
            "uncertain[0]",
            r#"uncertain["rate"].dist.max"#,
            r#"flows["arms"].volum"#,
            r#"flows["arms"].kind"#,
            "flows[5].volume",
            r#"flows["arms""#,
            r#"flows["aid"].end"#,
        ] {
            assert_eq!(index.resolve(path), None, "{path}");
        }
    }

    /// The scenario validating the base edited as text would give: fields set to the value,
    /// `uncertain["x"]` given a one-value distribution.
    fn edited(scenario: &Scenario, edits: &[(&str, f64)]) -> Result<Scenario, Vec<Problem>> {
        let texts: Vec<(String, String)> = edits
            .iter()
            .map(|&(path, value)| match path.strip_prefix("uncertain[") {
                Some(_) => (
                    format!("{path}.dist"),
                    format!("Discrete(values: [{value:?}], weights: [1.0])"),
                ),
                None => (path.to_owned(), format!("{value:?}")),
            })
            .collect();
        let borrowed: Vec<(&str, &str)> = texts
            .iter()
            .map(|(path, value)| (path.as_str(), value.as_str()))
            .collect();
        validate(set_fields(scenario.raw.clone(), &borrowed).expect("the paths fit"))
    }

    /// Checks and applies `edits` as overrides, and compares with validating the edited text:
    /// the same problems in the same order, or the same scenario.
    fn agree(scenario: &Scenario, edits: &[(&str, f64)]) -> Vec<Problem> {
        let index = TargetIndex::new(scenario);
        let targets = edits
            .iter()
            .map(|(path, _)| index.resolve(path).expect("a target"))
            .collect();
        let overrides = Overrides::new(scenario, targets);
        let values: Vec<f64> = edits.iter().map(|&(_, value)| value).collect();
        let problems = overrides.check(scenario, &values);
        match edited(scenario, edits) {
            Err(expected) => assert_eq!(problems, expected, "{edits:?}"),
            Ok(mut expected) => {
                assert_eq!(problems, [], "{edits:?}");
                let applied = overrides.apply(scenario, &values);
                // Only the text and its hash differ.
                expected.raw = applied.raw.clone();
                expected.hash = applied.hash.clone();
                assert_eq!(format!("{applied:?}"), format!("{expected:?}"), "{edits:?}");
            }
        }
        problems
    }

    #[test]
    fn valid_points_give_the_scenario_validation_gives() {
        let scenario = base();
        for edits in [
            &[(r#"flows["arms"].volume"#, 12.5)][..],
            &[(r#"pressure["G:Niger"].base_rate"#, 7.0)],
            &[
                (r#"flows["arms"].lag"#, 2.4),
                (r#"flows["arms"].start"#, 3.0),
            ],
            &[
                (r#"uncertain["rate"]"#, 9.25),
                (r#"uncertain["top"]"#, 2000.0),
            ],
            &[(r#"actors["G"].ceiling"#, 800.0)],
            &[
                (r#"actors["G"].areas[0].weight"#, 0.0),
                (r#"actors["G"].areas[1].weight"#, 2.0),
            ],
            &[(r#"events["coup"].when.from"#, 8.0)],
            &[(r#"events["storm"].when.to"#, 3.0)],
        ] {
            assert!(agree(&scenario, edits).is_empty(), "{edits:?}");
        }
    }

    #[test]
    fn out_of_range_values_are_refused_as_validation_refuses_them() {
        let scenario = base();
        let problems = agree(&scenario, &[(r#"flows["arms"].reliability"#, 1.5)]);
        assert_eq!(
            problems[0].to_string(),
            r#"flows["arms"].reliability: 1.5 is outside the valid range 0..=1"#
        );
        let problems = agree(&scenario, &[(r#"uncertain["cap"]"#, -1.0)]);
        assert_eq!(
            problems[0].to_string(),
            r#"actors["Niger"].capacity: uncertain parameter "cap" can take values in -1..=-1, outside the valid range 0.001..=1000000 (bound its distribution)"#
        );
        agree(&scenario, &[(r#"events["coup"].when.to"#, 30.0)]);
        agree(&scenario, &[("model.severity_sigma", -0.5)]);
        // The last of two parameters on one field wins, as the last of two edits does.
        agree(
            &scenario,
            &[
                (r#"flows["arms"].reliability"#, 1.5),
                (r#"flows["arms"].reliability"#, 0.5),
            ],
        );
        agree(
            &scenario,
            &[
                (r#"flows["arms"].reliability"#, 0.5),
                (r#"flows["arms"].reliability"#, 1.5),
            ],
        );
    }

    #[test]
    fn checks_across_fields_are_made_again() {
        let scenario = base();
        // A group's ceiling at or below its strength, a literal or a fixed parameter.
        let problems = agree(&scenario, &[(r#"actors["G"].ceiling"#, 400.0)]);
        assert_eq!(
            problems[0].to_string(),
            r#"actors["G"].ceiling: the ceiling must be greater than the initial strength in fighters: 400 is at or below 500"#
        );
        let problems = agree(&scenario, &[(r#"uncertain["top"]"#, 500.0)]);
        assert!(problems[0].message.contains("500 can be at or below 500"));
        agree(&scenario, &[(r#"actors["G"].strength"#, 2500.0)]);
        agree(&scenario, &[(r#"actors["H"].strength"#, 1000.0)]);
        // A flow ending before it starts, from either end.
        agree(&scenario, &[(r#"flows["arms"].end"#, 2.0)]);
        agree(&scenario, &[(r#"flows["arms"].start"#, 11.0)]);
        // Windows ending before they start.
        agree(&scenario, &[(r#"events["storm"].when.to"#, 2.0)]);
        agree(&scenario, &[(r#"events["coup"].when.from"#, 9.0)]);
        // Every area weight 0.
        let problems = agree(&scenario, &[(r#"actors["G"].areas[0].weight"#, 0.0)]);
        assert_eq!(
            problems[0].to_string(),
            r#"actors["G"].areas: all weights are 0: at least one must be positive"#
        );
        // Several problems at one point, in validation's order.
        let problems = agree(
            &scenario,
            &[
                (r#"events["coup"].when.to"#, 30.0),
                (r#"actors["G"].ceiling"#, 0.5),
                (r#"uncertain["cap"]"#, 0.0),
                (r#"actors["G"].areas[0].weight"#, 0.0),
                (r#"flows["arms"].start"#, 700.0),
            ],
        );
        assert!(problems.len() >= 6, "{problems:?}");
    }

    #[test]
    fn minus_zero_is_written_zero_as_the_text_edit_wrote_it() {
        let scenario = base();
        let volume = slot(&scenario, r#"flows["arms"].volume"#);
        let Target::Slot(Slot(index)) = volume else {
            unreachable!()
        };
        let overrides = Overrides::new(&scenario, vec![volume, Target::Uncertain(0)]);
        let point = overrides.apply(&scenario, &[-0.0, -0.0]);
        match point.slots.sources[index as usize] {
            Source::Literal(value) => assert!(value == 0.0 && value.is_sign_positive()),
            other => panic!("{other:?}"),
        }
        match &point.uncertain[0].distribution {
            Distribution::Discrete { values, .. } => assert!(values[0].is_sign_positive()),
            other => panic!("{other:?}"),
        }
    }
}
