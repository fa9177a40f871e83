//! Scenario variants (`extends`): a variant resolves to the scenario its hand-expanded twin
//! spells out (same hash, same results), `validate --resolved` prints that scenario and nothing
//! else, every kind of `remove`, `add` and `set` lands where it should, and every way a variant
//! can be wrong is refused with exit code 2 and a message naming both files and the path.
//!
//! Files: `tests/data/variants/` (`base.ron` and variants of it; `bad/` for refusals).

use crate::common::{assert_success, stderr, stdout};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use secsim::scenario::raw::{
    Comparison, FlowKind, Metric, Num, RawActor, RawDistribution, RawEffect, RawOutcome,
    RawScenario, RawTrigger,
};
use secsim::scenario::{self, ScenarioError};

/// Exit code for bad input.
const EXIT_BAD_INPUT: i32 = 2;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/variants")
        .join(name)
}

fn data_str(name: &str) -> String {
    data(name).to_str().unwrap().to_owned()
}

fn shipped(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// Runs the binary in `dir`; every `run` gets `--no-charts` to stay fast.
fn secsim(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_secsim"));
    command.current_dir(dir).args(args);
    if args.first() == Some(&"run") {
        command.arg("--no-charts");
    }
    command.output().expect("cannot start secsim")
}

fn summary_bytes(folder: &Path) -> Vec<u8> {
    fs::read(folder.join("summary.json")).unwrap()
}

fn summary(folder: &Path) -> serde_json::Value {
    serde_json::from_slice(&summary_bytes(folder)).unwrap()
}

/// Runs `file` into `dir/out` with the given extra arguments and returns the results folder.
fn run_into(dir: &Path, file: &str, out: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec!["run", file, "--out", out];
    args.extend_from_slice(extra);
    assert_success(&secsim(dir, &args));
    dir.join(out)
}

fn parsed(name: &str) -> RawScenario {
    scenario::parse_file(&data(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn loaded(name: &str) -> scenario::Scenario {
    scenario::load(&data(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn actor_names(raw: &RawScenario) -> Vec<&str> {
    raw.actors.iter().map(RawActor::name).collect()
}

fn flow_names(raw: &RawScenario) -> Vec<&str> {
    raw.flows.iter().map(|flow| flow.name.as_str()).collect()
}

fn pressure_names(raw: &RawScenario) -> Vec<String> {
    raw.pressure
        .iter()
        .map(|link| format!("{}:{}", link.group, link.state))
        .collect()
}

fn event_names(raw: &RawScenario) -> Vec<&str> {
    raw.events.iter().map(|event| event.name.as_str()).collect()
}

fn uncertain_names(raw: &RawScenario) -> Vec<&str> {
    raw.uncertain
        .iter()
        .map(|item| item.name.as_str())
        .collect()
}

fn outcome_names(raw: &RawScenario) -> Vec<&str> {
    raw.outcomes.iter().map(RawOutcome::name).collect()
}

fn flow<'a>(raw: &'a RawScenario, name: &str) -> &'a secsim::scenario::raw::RawFlow {
    raw.flows
        .iter()
        .find(|flow| flow.name == name)
        .unwrap_or_else(|| panic!("no flow {name}"))
}

fn event<'a>(raw: &'a RawScenario, name: &str) -> &'a secsim::scenario::raw::RawEvent {
    raw.events
        .iter()
        .find(|event| event.name == name)
        .unwrap_or_else(|| panic!("no event {name}"))
}

fn pressure<'a>(
    raw: &'a RawScenario,
    group: &str,
    state: &str,
) -> &'a secsim::scenario::raw::RawPressure {
    raw.pressure
        .iter()
        .find(|link| link.group == group && link.state == state)
        .unwrap_or_else(|| panic!("no pressure {group}:{state}"))
}

fn lit(value: f64) -> Num {
    Num::Literal(value)
}

fn param(name: &str) -> Num {
    Num::Param(name.to_owned())
}

/// Runs `validate` and `run` on `tests/data/variants/<file>`: both must exit 2, print nothing
/// on stdout (validate) and give an error containing every one of `expected`. Returns the
/// `validate` error text.
fn refused(file: &str, expected: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = data_str(file);
    let validate = secsim(dir.path(), &["validate", &path]);
    let message = stderr(&validate);
    assert_eq!(
        validate.status.code(),
        Some(EXIT_BAD_INPUT),
        "validate {file}\nstdout: {}\nstderr: {message}",
        stdout(&validate)
    );
    assert_eq!(stdout(&validate), "", "validate {file}: {message}");
    for fragment in expected {
        assert!(
            message.contains(fragment),
            "validate {file}: {fragment:?} not in the message:\n{message}"
        );
    }
    let run = secsim(dir.path(), &["run", &path, "--out", "results"]);
    assert_eq!(run.status.code(), Some(EXIT_BAD_INPUT), "run {file}");
    let run_message = stderr(&run);
    for fragment in expected {
        assert!(
            run_message.contains(fragment),
            "run {file}: {fragment:?} not in the message:\n{run_message}"
        );
    }
    assert!(
        !dir.path().join("results").exists(),
        "run {file} wrote results"
    );
    message
}

/// The message of `set[path]` errors, as the README documents them: the path in quotes.
fn set_path(path: &str) -> String {
    format!("set[{path:?}]")
}

// ---------------------------------------------------------------------------------------------
// A variant and its hand-expanded twin
// ---------------------------------------------------------------------------------------------

#[test]
fn variant_and_hand_expanded_twin_hash_alike() {
    let variant = loaded("twin.ron");
    let twin = loaded("twin_expanded.ron");
    assert_eq!(variant.name, "twin");
    assert_eq!(
        scenario::canonical_text(&variant.raw),
        scenario::canonical_text(&twin.raw)
    );
    assert_eq!(variant.hash, twin.hash);
    assert_eq!(variant.hash, scenario::hash_of(&parsed("twin.ron")));
    // And the variant is not its base.
    assert_ne!(variant.hash, loaded("base.ron").hash);
}

#[test]
fn variant_and_hand_expanded_twin_run_alike() {
    let dir = tempfile::tempdir().unwrap();
    let variant = run_into(dir.path(), &data_str("twin.ron"), "variant", &[]);
    let twin = run_into(dir.path(), &data_str("twin_expanded.ron"), "twin", &[]);
    assert_eq!(
        String::from_utf8(summary_bytes(&variant)).unwrap(),
        String::from_utf8(summary_bytes(&twin)).unwrap()
    );
    for file in ["timeseries.csv", "outcomes.csv"] {
        assert!(
            fs::read(variant.join(file)).unwrap() == fs::read(twin.join(file)).unwrap(),
            "{file} differs"
        );
    }
    // The variant's runs and seed are the scenario defaults used.
    let defaults = summary(&variant);
    assert_eq!(defaults["scenario"], "twin");
    assert_eq!(defaults["runs"], 25);
    assert_eq!(defaults["seed"], 3);

    // The same with runs and seed given on the command line.
    let variant = run_into(
        dir.path(),
        &data_str("twin.ron"),
        "variant_cli",
        &["--runs", "12", "--seed", "42"],
    );
    let twin = run_into(
        dir.path(),
        &data_str("twin_expanded.ron"),
        "twin_cli",
        &["--runs", "12", "--seed", "42"],
    );
    assert_eq!(summary_bytes(&variant), summary_bytes(&twin));
    assert_eq!(summary(&variant)["runs"], 12);
}

// ---------------------------------------------------------------------------------------------
// validate --resolved
// ---------------------------------------------------------------------------------------------

#[test]
fn resolved_prints_only_ron_that_validates_runs_and_hashes_alike() {
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(
        dir.path(),
        &["validate", "--resolved", &data_str("twin.ron")],
    );
    assert_success(&output);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stderr(&output), "", "nothing on stderr for a valid file");
    let text = stdout(&output);
    // Only RON: the whole of stdout parses as a scenario, with nothing before or after it.
    let raw = scenario::parse_str(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    assert_eq!(raw.name, "twin");
    assert!(!text.contains("ok ("), "{text}");
    assert!(!text.contains("extends"), "{text}");
    // It is the resolved scenario, in canonical form.
    assert_eq!(
        text.trim_end(),
        scenario::canonical_text(&parsed("twin.ron")).trim_end()
    );

    let resolved = dir.path().join("resolved.ron");
    fs::write(&resolved, &text).unwrap();
    let resolved_str = resolved.to_str().unwrap();
    let validate = secsim(dir.path(), &["validate", resolved_str]);
    assert_success(&validate);
    assert_eq!(
        scenario::load(&resolved).unwrap().hash,
        loaded("twin.ron").hash
    );

    let from_variant = run_into(dir.path(), &data_str("twin.ron"), "variant", &[]);
    let from_resolved = run_into(dir.path(), resolved_str, "resolved", &[]);
    let (variant_summary, resolved_summary) = (summary(&from_variant), summary(&from_resolved));
    assert_eq!(
        variant_summary["scenario_hash"],
        resolved_summary["scenario_hash"]
    );
    assert_eq!(variant_summary["scenario_hash"], loaded("twin.ron").hash);
    assert_eq!(summary_bytes(&from_variant), summary_bytes(&from_resolved));
}

#[test]
fn resolved_of_a_two_level_variant_and_a_shipped_variant_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        data_str("sub/level2.ron"),
        data_str("every_edit.ron"),
        data_str("remove_add.ron"),
        shipped("niger_realignment_no_return.ron"),
        shipped("niger_realignment_russia_only.ron"),
    ] {
        let output = secsim(dir.path(), &["validate", "--resolved", &file]);
        assert_success(&output);
        assert_eq!(stderr(&output), "", "{file}");
        let saved = dir.path().join("resolved.ron");
        fs::write(&saved, stdout(&output)).unwrap();
        let again = scenario::load(&saved).unwrap_or_else(|error| panic!("{file}: {error}"));
        assert_eq!(
            again.hash,
            scenario::load(Path::new(&file)).unwrap().hash,
            "{file}"
        );
        // Printing the printed scenario again changes nothing.
        let twice = secsim(
            dir.path(),
            &["validate", "--resolved", saved.to_str().unwrap()],
        );
        assert_success(&twice);
        assert_eq!(stdout(&twice), stdout(&output), "{file}");
    }
}

#[test]
fn resolved_refuses_two_files() {
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(
        dir.path(),
        &[
            "validate",
            "--resolved",
            &data_str("twin.ron"),
            &data_str("base.ron"),
        ],
    );
    assert_eq!(output.status.code(), Some(EXIT_BAD_INPUT));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("--resolved"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn resolved_of_an_invalid_variant_prints_no_ron() {
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(
        dir.path(),
        &[
            "validate",
            "--resolved",
            &data_str("bad/removes_used_actor.ron"),
        ],
    );
    assert_eq!(output.status.code(), Some(EXIT_BAD_INPUT));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains(r#"flows["arms"].from"#),
        "{}",
        stderr(&output)
    );
}

// ---------------------------------------------------------------------------------------------
// Every kind of edit
// ---------------------------------------------------------------------------------------------

#[test]
fn set_reaches_every_kind_of_field() {
    let raw = parsed("every_edit.ron");
    let base = parsed("base.ron");

    // Top level, and the overrides beside set.
    assert_eq!(raw.name, "every_edit");
    assert_eq!(raw.description, "Every kind of set.");
    assert_eq!(raw.runs, Some(17));
    assert_eq!(raw.seed, Some(99));
    assert_eq!(raw.horizon, 24);
    assert_eq!(raw.start, "2023-03");

    // A model coefficient; the others stay at the base's (defaults).
    assert_eq!(raw.model.severity_sigma, lit(1.1));
    assert_eq!(
        raw.model.attack_dispersion, base.model.attack_dispersion,
        "other coefficients unchanged"
    );

    // A numeric field, with either quote.
    assert_eq!(flow(&raw, "arms").volume, lit(12.0));
    assert_eq!(flow(&raw, "trainers").lag, lit(4.0));
    // The rest of the flow is the base's.
    assert_eq!(flow(&raw, "arms").reliability, lit(0.9));
    assert_eq!(flow(&raw, "arms").start, Some(lit(0.0)));

    // A whole flow, in place.
    assert_eq!(flow_names(&raw), ["arms", "intel", "trainers"]);
    let intel = flow(&raw, "intel");
    assert_eq!(intel.from, "Ally");
    assert_eq!(intel.to, "Mali");
    assert_eq!(intel.kind, FlowKind::Financial);
    assert_eq!(intel.volume, lit(4.0));
    assert_eq!(intel.start, Some(lit(2.0)));
    assert_eq!(intel.end, Some(lit(10.0)));
    assert_eq!(
        intel.reliability,
        lit(1.0),
        "defaults of the new flow, not the old one's 0.9"
    );

    // A parameter name into a numeric field; a pressure field.
    assert_eq!(pressure(&raw, "G", "Mali").base_rate, param("spare"));
    assert_eq!(pressure(&raw, "H", "Mali").spillover, lit(0.25));
    assert_eq!(pressure(&raw, "H", "Mali").base_rate, lit(4.0));

    // A trigger.
    assert!(
        matches!(
            &event(&raw, "shock").when,
            RawTrigger::Window { probability, from, to }
                if *probability == lit(0.3) && *from == lit(1.0) && *to == lit(10.0)
        ),
        "{:?}",
        event(&raw, "shock").when
    );
    // A field inside a trigger.
    assert!(
        matches!(
            &event(&raw, "trainers_arrive").when,
            RawTrigger::Window { probability, from, to }
                if *probability == lit(0.9) && *from == lit(2.0) && *to == lit(8.0)
        ),
        "{:?}",
        event(&raw, "trainers_arrive").when
    );

    // A whole effects list.
    let effects = &event(&raw, "arms_cut").effects;
    assert_eq!(effects.len(), 2, "{effects:?}");
    assert!(
        matches!(&effects[0], RawEffect::ScaleFlow { flow, factor } if flow == "arms" && *factor == lit(0.5)),
        "{effects:?}"
    );
    assert!(
        matches!(&effects[1], RawEffect::StartFlow { flow } if flow == "trainers"),
        "{effects:?}"
    );
    // A single effect.
    let effects = &event(&raw, "shock").effects;
    assert_eq!(effects.len(), 1);
    assert!(
        matches!(&effects[0], RawEffect::Shock { actor, variable: Metric::Stability, change }
            if actor == "Mali" && *change == lit(-0.2)),
        "{effects:?}"
    );

    // A distribution.
    let g_rate = raw
        .uncertain
        .iter()
        .find(|item| item.name == "g_rate")
        .unwrap();
    assert!(
        matches!(g_rate.dist, RawDistribution::Normal { mean, sd, min: Some(min), max: Some(max) }
            if mean == 10.0 && sd == 1.0 && min == 5.0 && max == 15.0),
        "{:?}",
        g_rate.dist
    );

    // An area weight, and a state's field.
    let Some(RawActor::Group { areas, .. }) = raw.actors.iter().find(|actor| actor.name() == "G")
    else {
        panic!("no group G");
    };
    assert_eq!(areas[0].state, "Niger");
    assert_eq!(areas[0].weight, lit(0.5));
    assert_eq!(areas[1].weight, lit(0.3));
    let Some(RawActor::State { capacity, .. }) =
        raw.actors.iter().find(|actor| actor.name() == "Mali")
    else {
        panic!("no state Mali");
    };
    assert_eq!(*capacity, lit(1.2));

    // Outcome fields.
    assert!(
        raw.outcomes.iter().any(|outcome| matches!(outcome,
            RawOutcome::Sum { name, from: Some(3), to: None, .. } if name == "attacks_total")),
        "{:?}",
        raw.outcomes
    );
    assert!(
        raw.outcomes.iter().any(|outcome| matches!(outcome,
            RawOutcome::Final { name, metric: Metric::Stability, .. } if name == "control_final")),
        "{:?}",
        raw.outcomes
    );

    // Collections keep their base order and names.
    assert_eq!(actor_names(&raw), actor_names(&base));
    assert_eq!(event_names(&raw), event_names(&base));
    assert_eq!(outcome_names(&raw), outcome_names(&base));

    // The result is valid, and the resolved text shows the edits.
    let scenario = loaded("every_edit.ron");
    assert_eq!(scenario.horizon_months, 24);
    assert_eq!(scenario.start.to_string(), "2023-03");
    assert_eq!(scenario.default_runs, Some(17));
    assert_eq!(scenario.default_seed, Some(99));
    let text = scenario::canonical_text(&raw);
    for fragment in [
        "severity_sigma: 1.1,",
        "base_rate: \"spare\",",
        "horizon: 24,",
    ] {
        assert!(text.contains(fragment), "{fragment} not in\n{text}");
    }
}

#[test]
fn set_of_a_whole_model_areas_list_trigger_fields_and_outcome_op() {
    // Edits beyond every_edit.ron, written to a temporary folder beside a copy of base.ron.
    let dir = tempfile::tempdir().unwrap();
    fs::copy(data("base.ron"), dir.path().join("base.ron")).unwrap();
    let variant = dir.path().join("more.ron");
    fs::write(
        &variant,
        r##"Scenario(
    extends: "base.ron",
    name: "more",
    remove: (outcomes: ["h_strength_max"]),
    add: (outcomes: [Any(name: "mali_violent", metric: attacks, actor: "Mali", op: above,
                         threshold: 5)]),
    set: {
        "model": (severity_sigma: 0.9, attack_dispersion: 4.0),
        r#"actors["G"].areas"#: [(state: "Mali", weight: 1.0)],
        r#"actors["Niger"].neighbours"#: [],
        r#"actors["Mali"].neighbours"#: [],
        r#"events["arms_cut"].when.month"#: 3,
        r#"events["shock"].when.to"#: 9,
        r#"flows["arms"].kind"#: troops,
        r#"flows["arms"].end"#: 8,
        r#"outcomes["mali_violent"].op"#: at_least,
        r#"outcomes["mali_violent"].threshold"#: 7.5,
        r#"uncertain["spare"].dist.mode"#: 1.25,
        "runs": 11,
        "description": "set as a field",
    },
)"##,
    )
    .unwrap();
    let raw = scenario::parse_file(&variant).unwrap();
    assert_eq!(raw.model.severity_sigma, lit(0.9));
    assert_eq!(raw.model.attack_dispersion, lit(4.0));
    // Fields the new model leaves out take their defaults.
    assert_eq!(raw.model.max_deaths_per_attack, lit(1000.0));
    let Some(RawActor::Group { areas, .. }) = raw.actors.iter().find(|actor| actor.name() == "G")
    else {
        panic!("no group G");
    };
    assert_eq!(areas.len(), 1);
    assert_eq!(areas[0].state, "Mali");
    assert!(
        matches!(&event(&raw, "arms_cut").when, RawTrigger::At { month } if *month == lit(3.0))
    );
    assert!(
        matches!(&event(&raw, "shock").when, RawTrigger::Hazard { monthly, to: Some(to), .. }
            if *monthly == lit(0.05) && *to == lit(9.0)),
        "{:?}",
        event(&raw, "shock").when
    );
    assert_eq!(flow(&raw, "arms").kind, FlowKind::Troops);
    assert_eq!(flow(&raw, "arms").end, Some(lit(8.0)));
    assert!(
        raw.outcomes.iter().any(|outcome| matches!(outcome,
            RawOutcome::Any { name, op: Comparison::AtLeast, threshold, .. }
                if name == "mali_violent" && *threshold == 7.5)),
        "{:?}",
        raw.outcomes
    );
    let spare = raw
        .uncertain
        .iter()
        .find(|item| item.name == "spare")
        .unwrap();
    assert!(
        matches!(spare.dist, RawDistribution::Triangular { min, mode, max }
            if min == 0.5 && mode == 1.25 && max == 1.5),
        "{:?}",
        spare.dist
    );
    assert_eq!(raw.runs, Some(11));
    assert_eq!(raw.description, "set as a field");
    scenario::load(&variant).unwrap_or_else(|error| panic!("{error}"));
}

#[test]
fn remove_and_add_work_on_every_collection() {
    let raw = parsed("remove_add.ron");
    let base = parsed("base.ron");
    // Removed items are gone, the rest keep their order, additions come last.
    assert_eq!(
        actor_names(&raw),
        ["Niger", "Mali", "Ally", "G", "Donor", "Chad"]
    );
    assert_eq!(flow_names(&raw), ["arms", "trainers", "cash"]);
    assert_eq!(pressure_names(&raw), ["G:Niger", "G:Chad"]);
    assert_eq!(
        event_names(&raw),
        ["arms_cut", "trainers_arrive", "chad_shock"]
    );
    assert_eq!(
        uncertain_names(&raw),
        ["g_rate", "arrive_probability", "cash_volume"]
    );
    assert_eq!(
        outcome_names(&raw),
        ["attacks_total", "trainers_fired", "chad_control_final"]
    );
    // Added items are as written, with their defaults.
    assert_eq!(flow(&raw, "cash").volume, param("cash_volume"));
    assert_eq!(flow(&raw, "cash").kind, FlowKind::Financial);
    assert_eq!(flow(&raw, "cash").reliability, lit(1.0));
    assert_eq!(pressure(&raw, "G", "Chad").base_rate, lit(2.0));
    assert!(matches!(
        raw.actors.last(),
        Some(RawActor::State { name, intelligence, .. }) if name == "Chad" && *intelligence == lit(0.2)
    ));
    // Nothing else changed: no description, runs or seed in the variant.
    assert_eq!(raw.name, "remove_add");
    assert_eq!(raw.description, base.description);
    assert_eq!(raw.runs, base.runs);
    assert_eq!(raw.seed, base.seed);
    assert_eq!(raw.horizon, base.horizon);
    assert_eq!(raw.start, base.start);
    // And the result is valid and runs, with the added outcome and event reported.
    let scenario = loaded("remove_add.ron");
    assert_eq!(scenario.states.len(), 3);
    assert_eq!(scenario.groups.len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let results = run_into(dir.path(), &data_str("remove_add.ron"), "results", &[]);
    let written = summary(&results);
    assert_eq!(written["scenario"], "remove_add");
    let outcomes: Vec<&String> = written["outcomes"].as_object().unwrap().keys().collect();
    assert_eq!(
        outcomes,
        ["attacks_total", "trainers_fired", "chad_control_final"]
    );
    let events: Vec<&String> = written["events"].as_object().unwrap().keys().collect();
    assert_eq!(events, ["arms_cut", "trainers_arrive", "chad_shock"]);
    assert_eq!(written["events"]["chad_shock"]["probability"], 1.0);
}

#[test]
fn remove_then_add_replaces_an_item_of_the_same_name() {
    // Order: remove, then add, then set. Removing `arms` and adding a new `arms` is allowed,
    // and set then edits the added one.
    let dir = tempfile::tempdir().unwrap();
    fs::copy(data("base.ron"), dir.path().join("base.ron")).unwrap();
    let variant = dir.path().join("replace.ron");
    fs::write(
        &variant,
        r##"Scenario(
    extends: "base.ron",
    name: "replace",
    remove: (flows: ["arms"]),
    add: (flows: [Flow(name: "arms", from: "Other", to: "Mali", kind: military, volume: 3)]),
    set: {r#"flows["arms"].volume"#: 9},
)"##,
    )
    .unwrap();
    let raw = scenario::parse_file(&variant).unwrap();
    assert_eq!(flow_names(&raw), ["intel", "trainers", "arms"]);
    assert_eq!(flow(&raw, "arms").from, "Other");
    assert_eq!(flow(&raw, "arms").volume, lit(9.0));
    scenario::load(&variant).unwrap_or_else(|error| panic!("{error}"));
}

#[test]
fn a_variant_of_a_variant_resolves_relative_to_each_file() {
    // sub/level2.ron extends ../level1.ron, which extends base.ron (from its own folder).
    let raw = parsed("sub/level2.ron");
    assert_eq!(raw.name, "level2");
    assert_eq!(raw.description, "Level one.", "from level1");
    assert_eq!(raw.runs, Some(20), "from level1");
    assert_eq!(raw.seed, Some(5), "from level2");
    assert_eq!(flow(&raw, "arms").volume, lit(8.0), "from level1");
    assert_eq!(flow(&raw, "arms").lag, lit(3.0), "from level2");
    assert_eq!(
        event_names(&raw),
        ["arms_cut", "trainers_arrive", "late_cut"],
        "level1 removed shock, level2 added late_cut"
    );
    let scenario = loaded("sub/level2.ron");
    assert_eq!(scenario.hash, scenario::hash_of(&raw));
    assert_ne!(scenario.hash, loaded("level1.ron").hash);

    // The same from inside a copy of the folder, with relative paths on the command line.
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    for file in ["base.ron", "level1.ron", "sub/level2.ron"] {
        fs::copy(data(file), dir.path().join(file)).unwrap();
    }
    let output = secsim(dir.path(), &["validate", "sub/level2.ron", "level1.ron"]);
    assert_success(&output);
    assert_eq!(
        stdout(&output),
        "sub/level2.ron: ok (level2)\nlevel1.ron: ok (level1)\n"
    );
    let results = run_into(dir.path(), "sub/level2.ron", "results", &["--runs", "5"]);
    assert_eq!(summary(&results)["scenario_hash"], scenario.hash);
    assert_eq!(summary(&results)["seed"], 5);
}

#[test]
fn validate_reports_variants_as_ok_with_their_own_name() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        data_str("twin.ron"),
        data_str("every_edit.ron"),
        data_str("remove_add.ron"),
        data_str("level1.ron"),
        data_str("sub/level2.ron"),
    ];
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let output = secsim(dir.path(), &args);
    assert_success(&output);
    assert_eq!(stderr(&output), "");
    let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    let expected: Vec<String> = files
        .iter()
        .zip(["twin", "every_edit", "remove_add", "level1", "level2"])
        .map(|(file, name)| format!("{file}: ok ({name})"))
        .collect();
    assert_eq!(lines, expected);
}

// ---------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_base_is_refused() {
    refused(
        "bad/missing_base.ron",
        &[
            "missing_base.ron",
            "no_such_base.ron",
            "extends",
            "cannot read the base",
        ],
    );
    match scenario::parse_file(&data("bad/missing_base.ron")) {
        Err(ScenarioError::Variant { file, base, .. }) => {
            assert_eq!(file, data("bad/missing_base.ron"));
            assert_eq!(base, data("bad/no_such_base.ron"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cycle_of_extends_is_refused() {
    for (file, other) in [
        ("bad/cycle_a.ron", "cycle_b.ron"),
        ("bad/cycle_b.ron", "cycle_a.ron"),
    ] {
        let message = refused(file, &["cycle_a.ron", "cycle_b.ron", "cycle"]);
        assert!(message.contains(other), "{message}");
        assert!(
            matches!(
                scenario::parse_file(&data(file)),
                Err(ScenarioError::Variant { .. })
            ),
            "{file}"
        );
    }
}

#[test]
fn extending_itself_is_refused() {
    let message = refused("bad/self_extend.ron", &["self_extend.ron", "cycle"]);
    assert!(
        message.matches("self_extend.ron").count() >= 2,
        "names the file as variant and base: {message}"
    );
}

#[test]
fn set_of_an_unknown_element_is_refused_with_the_names_there_are() {
    refused(
        "bad/set_unknown_element.ron",
        &[
            "set_unknown_element.ron",
            "base.ron",
            &set_path(r#"flows["armz"].volume"#),
            "armz",
            "arms, intel, trainers",
        ],
    );
}

#[test]
fn set_of_an_unknown_field_is_refused_with_the_fields_there_are() {
    refused(
        "bad/set_unknown_field.ron",
        &[
            "set_unknown_field.ron",
            "base.ron",
            &set_path(r#"flows["arms"].volum"#),
            "volum",
            "volume",
        ],
    );
}

#[test]
fn malformed_paths_are_refused() {
    refused(
        "bad/path_open_bracket.ron",
        &["path_open_bracket.ron", "base.ron", &set_path("flows[")],
    );
    refused(
        "bad/path_trailing_dot.ron",
        &["path_trailing_dot.ron", "base.ron", &set_path("flows.")],
    );
}

#[test]
fn a_path_with_an_empty_step_is_refused() {
    // `model..severity_sigma` has nothing between its dots: a malformed path like `flows.`.
    refused(
        "bad/path_double_dot.ron",
        &[
            "path_double_dot.ron",
            "base.ron",
            &set_path("model..severity_sigma"),
        ],
    );
}

#[test]
fn remove_of_a_name_not_in_the_base_is_refused() {
    refused(
        "bad/remove_unknown.ron",
        &[
            "remove_unknown.ron",
            "base.ron",
            "remove.flows",
            "no_such_flow",
        ],
    );
    refused(
        "bad/remove_unknown_pressure.ron",
        &[
            "remove_unknown_pressure.ron",
            "base.ron",
            "remove.pressure",
            "H:Niger",
        ],
    );
}

#[test]
fn a_value_of_the_wrong_type_for_a_trigger_is_refused() {
    refused(
        "bad/wrong_type_when.ron",
        &[
            "wrong_type_when.ron",
            "base.ron",
            &set_path(r#"events["arms_cut"].when"#),
        ],
    );
}

#[test]
fn a_value_of_the_wrong_type_for_an_integer_or_bool_field_names_the_path() {
    // A string for `horizon` (an integer) and for a flow's `standby` (a bool): refused like a
    // string for `when`, with the path that was set.
    refused(
        "bad/wrong_type_horizon.ron",
        &["wrong_type_horizon.ron", "base.ron", &set_path("horizon")],
    );
    refused(
        "bad/wrong_type_standby.ron",
        &[
            "wrong_type_standby.ron",
            "base.ron",
            &set_path(r#"flows["arms"].standby"#),
        ],
    );
}

#[test]
fn a_syntax_error_in_a_variant_gives_its_line_and_column() {
    // The comma after `name: "syntax_error"` (line 4) is missing: the parser stops at
    // `remove`, line 5 column 5. The error is the syntax error, not a complaint about `extends`.
    let message = refused("bad/syntax_error.ron", &["syntax_error.ron:5:5:"]);
    assert!(!message.contains("extends"), "{message}");
}

#[test]
fn a_variant_whose_result_is_invalid_reports_the_problem_with_its_path() {
    let message = refused(
        "bad/removes_used_actor.ron",
        &[
            "removes_used_actor.ron",
            r#"flows["arms"].from"#,
            r#"flows["trainers"].from"#,
            "unknown actor \"Ally\"",
        ],
    );
    assert!(message.contains("2 problems"), "{message}");
    match scenario::load(&data("bad/removes_used_actor.ron")) {
        Err(ScenarioError::Invalid { problems, .. }) => {
            let paths: Vec<&str> = problems
                .iter()
                .map(|problem| problem.path.as_str())
                .collect();
            assert_eq!(
                paths,
                [r#"flows["arms"].from"#, r#"flows["trainers"].from"#]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_non_finite_number_in_the_base_is_reported_as_in_the_base() {
    // base_not_finite.ron has `volume: inf`. A variant that sets something else must be refused
    // for that volume, with its path, as the base itself is.
    refused(
        "bad/base_not_finite.ron",
        &[r#"flows["arms"].volume"#, "not a finite number"],
    );
    refused(
        "bad/base_not_finite_variant.ron",
        &[
            "base_not_finite_variant.ron",
            r#"flows["arms"].volume"#,
            "not a finite number",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Shipped variants
// ---------------------------------------------------------------------------------------------

#[test]
fn shipped_no_return_variant_runs_without_the_western_return() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--runs", "40", "--seed", "5"];
    let base = summary(&run_into(
        dir.path(),
        &shipped("niger_realignment.ron"),
        "base",
        &args,
    ));
    let variant = summary(&run_into(
        dir.path(),
        &shipped("niger_realignment_no_return.ron"),
        "no_return",
        &args,
    ));
    assert_eq!(variant["scenario"], "niger_realignment_no_return");
    assert_ne!(variant["scenario_hash"], base["scenario_hash"]);

    let base_outcomes = base["outcomes"].as_object().unwrap();
    let variant_outcomes = variant["outcomes"].as_object().unwrap();
    assert!(base_outcomes.contains_key("western_return"));
    assert!(!variant_outcomes.contains_key("western_return"));
    let expected: Vec<&String> = base_outcomes
        .keys()
        .filter(|name| *name != "western_return")
        .collect();
    assert_eq!(variant_outcomes.keys().collect::<Vec<_>>(), expected);

    assert!(base["events"].get("western_reengagement").is_some());
    assert!(variant["events"].get("western_reengagement").is_none());
    assert_eq!(variant["events"]["russia_intel_ends"]["probability"], 1.0);

    // The resolved scenario lost exactly what the variant removes.
    let raw = scenario::parse_file(Path::new(&shipped("niger_realignment_no_return.ron"))).unwrap();
    assert!(!flow_names(&raw).contains(&"us_intel_return"));
    assert!(!flow_names(&raw).contains(&"eu_training_return"));
    assert_eq!(
        uncertain_names(&raw),
        [
            "state_initiated_share",
            "operations_capacity_elasticity",
            "state_civilian_share",
            "severity_capacity_sensitivity",
            "severity_intelligence_sensitivity",
            "is_sahel_rate"
        ]
    );
}

#[test]
fn shipped_russia_only_variant_keeps_turkish_intelligence() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--runs", "40", "--seed", "5"];
    let base = summary(&run_into(
        dir.path(),
        &shipped("niger_realignment.ron"),
        "base",
        &args,
    ));
    let variant = summary(&run_into(
        dir.path(),
        &shipped("niger_realignment_russia_only.ron"),
        "russia_only",
        &args,
    ));
    assert_eq!(variant["scenario"], "niger_realignment_russia_only");
    // Same outcomes and events, different results: Turkey's intelligence flow keeps running.
    let (base_outcomes, variant_outcomes) = (
        base["outcomes"].as_object().unwrap(),
        variant["outcomes"].as_object().unwrap(),
    );
    assert_eq!(
        base_outcomes.keys().collect::<Vec<_>>(),
        variant_outcomes.keys().collect::<Vec<_>>()
    );
    assert_ne!(
        base_outcomes["attacks_total"]["mean"],
        variant_outcomes["attacks_total"]["mean"]
    );

    let raw =
        scenario::parse_file(Path::new(&shipped("niger_realignment_russia_only.ron"))).unwrap();
    let effects = &event(&raw, "russia_intel_ends").effects;
    assert_eq!(effects.len(), 1);
    assert!(matches!(&effects[0], RawEffect::EndFlow { flow } if flow == "russia_intel"));
    assert_eq!(
        event(&raw, "russia_intel_ends").description,
        "Niger ends intelligence cooperation with Russia; Turkey's continues."
    );
    // Everything else is the base's.
    let base_raw = scenario::parse_file(Path::new(&shipped("niger_realignment.ron"))).unwrap();
    assert_eq!(flow_names(&raw), flow_names(&base_raw));
    assert_eq!(event_names(&raw), event_names(&base_raw));
    assert_eq!(raw.runs, base_raw.runs);
    assert_eq!(raw.seed, base_raw.seed);
}
