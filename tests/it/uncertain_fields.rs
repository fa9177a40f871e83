//! The rule: an uncertain parameter (a quoted name) is usable wherever a scenario field takes a
//! number. `tests/data/every_number_literal.ron` writes every numeric field kind as a literal;
//! `tests/data/every_number_param.ron` is the same scenario with each of those numbers replaced by
//! an uncertain parameter whose distribution is `Discrete(values: [v], weights: [1.0])`, which
//! always draws exactly `v`. Uncertain parameters draw from their own random streams, so the two
//! files must give the same results bit for bit.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use secsim::model::{RunOutput, Workspace, simulate};
use secsim::scenario::{self, Distribution, Scenario, Source};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn load(name: &str) -> Scenario {
    scenario::load(&data(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// Runs the binary in `dir`. Every `run` gets `--no-charts`: charts (`charts/`, `report.html`)
/// take seconds per run in a debug build and are not what these tests check.
fn secsim(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_secsim"));
    command.current_dir(dir).args(args);
    if args.first() == Some(&"run") {
        command.arg("--no-charts");
    }
    command.output().expect("cannot start secsim")
}

/// The single value a `Discrete(values: [v], weights: [1.0])` parameter always draws.
fn single_value(distribution: &Distribution) -> f64 {
    match distribution {
        Distribution::Discrete {
            values,
            cumulative_weights,
        } => {
            assert_eq!(values.len(), 1, "one value per parameter");
            assert_eq!(cumulative_weights, &[1.0]);
            values[0]
        }
        other => panic!("expected a one-value Discrete distribution, found {other:?}"),
    }
}

/// Every numeric field kind the rule covers, as the slot path (with the actor, flow, link or
/// event it belongs to) that each one must appear under. Keeps the data files honest: if a field
/// kind is dropped from them, this test says which.
const FIELD_KINDS: &[&str] = &[
    "actors[\"Niger\"].capacity",
    "actors[\"Niger\"].control",
    "actors[\"Niger\"].stability",
    "actors[\"Niger\"].intelligence",
    "actors[\"G\"].strength",
    "actors[\"G\"].areas[0].weight",
    "actors[\"G\"].recruitment",
    "actors[\"G\"].attrition",
    "actors[\"G\"].lethality",
    "actors[\"G\"].ceiling",
    "flows[\"arms\"].volume",
    "flows[\"arms\"].start",
    "flows[\"arms\"].end",
    "flows[\"arms\"].reliability",
    "flows[\"arms\"].lag",
    "flows[\"arms\"].decay",
    "flows[\"troops\"].duration",
    "pressure[\"G:Niger\"].base_rate",
    "pressure[\"G:Niger\"].capacity_sensitivity",
    "pressure[\"G:Niger\"].intelligence_sensitivity",
    "pressure[\"G:Niger\"].spillover",
    "events[\"e_at\"].when.month",
    "events[\"e_hazard\"].when.monthly",
    "events[\"e_hazard\"].when.from",
    "events[\"e_hazard\"].when.to",
    "events[\"e_window\"].when.probability",
    "events[\"e_window\"].when.from",
    "events[\"e_window\"].when.to",
    "events[\"e_when\"].when.threshold",
    "events[\"e_when\"].when.probability",
    "events[\"e_at\"].effects[0].factor",
    "events[\"e_at\"].effects[1].change",
    "events[\"e_hazard\"].effects[0].value",
    "events[\"e_window\"].effects[1].factor",
    "events[\"e_when\"].effects[1].change",
    "model.capacity_per_military_usd_m",
    "model.capacity_per_financial_usd_m",
    "model.capacity_per_trainer",
    "model.capacity_per_troop",
    "model.area_fire_effectiveness",
    "model.collateral_recruitment",
    "model.attack_dispersion",
    "model.severity_sigma",
    "model.max_deaths_per_attack",
    "model.severity_capacity_sensitivity",
    "model.severity_intelligence_sensitivity",
    "model.control_adjustment",
    "model.control_elasticity",
    "model.stability_adjustment",
    "model.stability_control_elasticity",
    "model.stability_violence_elasticity",
];

#[test]
fn every_slot_of_the_twin_is_an_uncertain_parameter_with_the_literal_value() {
    let literal = load("every_number_literal.ron");
    let twin = load("every_number_param.ron");

    assert_eq!(
        literal.slots.paths, twin.slots.paths,
        "same fields, same order"
    );
    for kind in FIELD_KINDS {
        assert!(
            twin.slots.paths.iter().any(|path| path == kind),
            "field kind {kind} missing from the test scenarios; slots: {:?}",
            twin.slots.paths
        );
    }

    let mut not_param = Vec::new();
    let mut mismatched = Vec::new();
    for (index, path) in twin.slots.paths.iter().enumerate() {
        let Source::Literal(expected) = literal.slots.sources[index] else {
            panic!("{path}: the literal scenario should have only literals");
        };
        match twin.slots.sources[index] {
            Source::Param(param) => {
                let drawn = single_value(&twin.uncertain[param].distribution);
                if drawn != expected {
                    mismatched.push(format!("{path}: literal {expected}, parameter {drawn}"));
                }
            }
            Source::Literal(value) => not_param.push(format!("{path} = {value}")),
        }
    }
    assert!(not_param.is_empty(), "slots still literal: {not_param:#?}");
    assert!(mismatched.is_empty(), "{mismatched:#?}");

    // Each parameter stands in exactly one field, so none is left unused.
    let mut uses = vec![0; twin.uncertain.len()];
    for source in &twin.slots.sources {
        if let Source::Param(param) = source {
            uses[*param] += 1;
        }
    }
    let unused: Vec<&str> = twin
        .uncertain
        .iter()
        .zip(&uses)
        .filter(|(_, count)| **count != 1)
        .map(|(uncertain, _)| uncertain.name.as_str())
        .collect();
    assert!(unused.is_empty(), "used other than once: {unused:?}");
}

#[test]
fn literal_and_parameter_twins_give_identical_results() {
    let dir = tempfile::tempdir().unwrap();
    for (file, out) in [
        ("every_number_literal.ron", "literal"),
        ("every_number_param.ron", "param"),
    ] {
        let scenario = data(file);
        let output = secsim(
            dir.path(),
            &["run", scenario.to_str().unwrap(), "--out", out],
        );
        assert!(
            output.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for file in ["timeseries.csv", "outcomes.csv"] {
        let literal = fs::read(dir.path().join("literal").join(file)).unwrap();
        let param = fs::read(dir.path().join("param").join(file)).unwrap();
        assert!(literal == param, "{file} differs between the twins");
    }
    // summary.json differs only in the scenario hash (the files' text differs).
    let read_summary = |out: &str| -> serde_json::Value {
        let text = fs::read_to_string(dir.path().join(out).join("summary.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let mut literal = read_summary("literal");
    let mut param = read_summary("param");
    assert_ne!(literal["scenario_hash"], param["scenario_hash"]);
    literal.as_object_mut().unwrap().remove("scenario_hash");
    param.as_object_mut().unwrap().remove("scenario_hash");
    assert_eq!(literal, param);

    // The scenario is not degenerate: every event fires in some replications, and the
    // probabilistic ones not in all.
    let events = &literal["events"];
    for (event, low, high) in [
        ("e_at", 1.0, 1.0),
        ("e_hazard", 0.05, 0.95),
        ("e_window", 0.05, 0.95),
        ("e_when", 0.05, 0.95),
    ] {
        let probability = events[event]["probability"].as_f64().unwrap();
        assert!(
            (low..=high).contains(&probability),
            "{event} fired in {probability} of the runs"
        );
    }
}

/// Every recorded value of `runs` replications, as bits (so NaN compares equal to NaN).
fn fingerprint(scenario: &Scenario, seed: u64, runs: u64) -> Vec<u64> {
    let mut workspace = Workspace::default();
    let mut output = RunOutput::default();
    let mut bits = Vec::new();
    for run in 0..runs {
        simulate(scenario, seed, run, &mut workspace, &mut output);
        bits.extend(output.series.iter().map(|value| value.to_bits()));
        bits.extend(output.outcomes.iter().map(|value| value.to_bits()));
        bits.extend(
            output
                .event_months
                .iter()
                .map(|month| month.map_or(u64::MAX, u64::from)),
        );
    }
    bits
}

/// Sets the twin's parameter `name` to always draw `value`.
fn set_parameter(scenario: &mut Scenario, name: &str, value: f64) {
    let uncertain = scenario
        .uncertain
        .iter_mut()
        .find(|uncertain| uncertain.name == name)
        .unwrap_or_else(|| panic!("no uncertain parameter {name}"));
    uncertain.distribution = Distribution::Discrete {
        values: vec![value],
        cumulative_weights: vec![1.0],
    };
}

#[test]
fn changing_a_parameter_in_the_twin_changes_the_results() {
    // Through the file format and the binary: the substitution is live end to end.
    let text = fs::read_to_string(data("every_number_param.ron")).unwrap();
    let needle = "(name: \"niger_base_rate\", dist: Discrete(values: [12], weights: [1.0])),";
    assert!(text.contains(needle));
    let changed = text.replace(
        needle,
        "(name: \"niger_base_rate\", dist: Discrete(values: [18], weights: [1.0])),",
    );
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("changed.ron"), changed).unwrap();
    let twin = data("every_number_param.ron");
    for (file, out) in [(twin.to_str().unwrap(), "twin"), ("changed.ron", "changed")] {
        let output = secsim(dir.path(), &["run", file, "--out", out]);
        assert!(
            output.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mean_attacks = |out: &str| {
        let text = fs::read_to_string(dir.path().join(out).join("summary.json")).unwrap();
        let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
        summary["outcomes"]["attacks_niger"]["mean"]
            .as_f64()
            .unwrap()
    };
    // A base rate half as high again raises Niger's attacks by far more than noise (MCSE ~3).
    let (before, after) = (mean_attacks("twin"), mean_attacks("changed"));
    assert!(
        after > before * 1.2,
        "attacks_niger mean {before} -> {after} after raising niger_base_rate 12 -> 18"
    );
}

/// A different valid value for a field: one month later (or earlier at the top of its range)
/// for month fields, 20% less otherwise, kept inside the field's range.
fn perturbed(value: f64, (min, max): (f64, f64), whole_months: bool) -> f64 {
    if whole_months {
        if value + 1.0 <= max {
            value + 1.0
        } else {
            value - 1.0
        }
    } else {
        let smaller = value * 0.8;
        if smaller != value && (min..=max).contains(&smaller) {
            smaller
        } else {
            (value + 0.1 * (max - min).min(1.0)).min(max)
        }
    }
}

#[test]
fn every_parameter_of_the_twin_is_read_by_the_model() {
    // A field whose value is read nowhere would pass the identical-results test trivially.
    // Changing any one parameter must change some series, outcome or event month in the
    // first 100 replications.
    let twin = load("every_number_param.ron");
    let (seed, runs) = (99, 100);
    let reference = fingerprint(&twin, seed, runs);
    let mut path_of_param = BTreeMap::new();
    for (index, source) in twin.slots.sources.iter().enumerate() {
        if let Source::Param(param) = source {
            path_of_param.insert(*param, index);
        }
    }
    let mut dead = Vec::new();
    for (param, slot) in path_of_param {
        let path = &twin.slots.paths[slot];
        let name = twin.uncertain[param].name.clone();
        let value = single_value(&twin.uncertain[param].distribution);
        let new_value = perturbed(
            value,
            twin.slots.ranges[slot],
            twin.slots.whole_months[slot],
        );
        let mut changed = twin.clone();
        set_parameter(&mut changed, &name, new_value);
        if fingerprint(&changed, seed, runs) == reference {
            dead.push(format!("{path} ({name}: {value} -> {new_value})"));
        }
    }
    assert!(
        dead.is_empty(),
        "changing these parameters changed nothing: {dead:#?}"
    );
}
