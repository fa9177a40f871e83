//! Fuzz target: any bytes, read as a scenario (or experiment) file, parsed, validated and, when
//! valid, run for a few short replications. Nothing may panic, hang or abort; a run's outputs
//! must keep the invariants `tests/properties.rs` states (finite values, counts 0 or more,
//! shares within 0..=1).
//!
//! The input goes through the file path a user's file takes (`scenario::parse_file` and
//! `scenario::load_experiment`), so non-UTF-8 bytes, an empty file, a byte-order mark and
//! variants (`extends`) are all covered. Inputs are written to `<tmp>/bad/input.ron`, next to
//! copies of the bases the seed corpus extends, so that mutated variants resolve against a real
//! base: `niger_realignment.ron` and `base.ron` beside it, and `../data/valid_template.ron` and
//! `../data/batch/base.ron` as `tests/bad/` names them.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use secsim::engine::{RunPlan, run};
use secsim::model::{RunOutput, Workspace, simulate};
use secsim::experiment::file as experiment;
use secsim::scenario::{self, ActorRef, Metric, OutcomeKind, Scenario};

/// Most replications one input runs: enough for the engine's block and sketch code paths,
/// few enough to keep thousands of executions a second.
const MAX_RUNS: u64 = 3;
/// Most recorded (series x month) cells one input runs; larger scenarios are parsed and
/// validated but not run, so that one big input does not slow the whole campaign.
const MAX_CELLS: usize = 5_000;
/// Most items (flows, events, uncertain parameters, outcomes, pressure entries) a run may have,
/// for the same reason.
const MAX_ITEMS: usize = 200;

/// Bases the seed corpus's variants and experiments name, at the paths they name them by.
const BASES: [(&str, &str); 5] = [
    (
        "bad/niger_realignment.ron",
        include_str!("../../scenarios/niger_realignment.ron"),
    ),
    (
        "bad/base.ron",
        include_str!("../../tests/data/batch/base.ron"),
    ),
    (
        "bad/unknown_actor_in_flow.ron",
        include_str!("../../tests/bad/unknown_actor_in_flow.ron"),
    ),
    (
        "data/valid_template.ron",
        include_str!("../../tests/data/valid_template.ron"),
    ),
    (
        "data/batch/base.ron",
        include_str!("../../tests/data/batch/base.ron"),
    ),
];

/// The folder of bases, written once per process, and the input file's path in it.
fn input_path() -> &'static Path {
    static INPUT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, input) = INPUT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        for (name, text) in BASES {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("mkdir");
            std::fs::write(&path, text).expect("write a base");
        }
        let input = dir.path().join("bad/input.ron");
        (dir, input)
    });
    input
}

fuzz_target!(|bytes: &[u8]| {
    let input = input_path();
    std::fs::write(input, bytes).expect("write the input");
    // An experiment is recognised by its first word, as `secsim` does; the bytes need not be
    // UTF-8 for the check, which only decides which loader reads the file.
    let text = String::from_utf8_lossy(bytes);
    if experiment::is_experiment(&text) {
        // Loading expands and validates every design point; running them is the engine's job,
        // exercised below on scenarios.
        let _ = experiment::load_experiment(input);
        return;
    }
    let Ok(scenario) = scenario::load(input) else {
        return;
    };
    let cells = scenario.series.len() * scenario.horizon_months;
    let items = [
        scenario.flows.len(),
        scenario.events.len(),
        scenario.uncertain.len(),
        scenario.outcomes.len(),
        scenario.links.len(),
    ];
    if cells > MAX_CELLS || items.iter().any(|&count| count > MAX_ITEMS) {
        return;
    }
    let seed = scenario.default_seed.unwrap_or(1);
    let runs = scenario.default_runs.unwrap_or(1).clamp(1, MAX_RUNS);
    let mut workspace = Workspace::default();
    let mut output = RunOutput::default();
    for run_index in 0..runs {
        simulate(&scenario, seed, run_index, &mut workspace, &mut output);
        check_invariants(&scenario, &output);
    }
    let plan = RunPlan { seed, runs };
    let aggregate = run(&scenario, &plan, |_block| {
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|never| match never {});
    for counts in &aggregate.events {
        let probability = counts.probability();
        assert!(
            (0.0..=1.0).contains(&probability),
            "event probability {probability}"
        );
    }
});

/// The invariants of one replication's outputs, as `tests/properties.rs` states them.
fn check_invariants(scenario: &Scenario, output: &RunOutput) {
    let horizon = scenario.horizon_months;
    for (index, series) in scenario.series.iter().enumerate() {
        let values = &output.series[index * horizon..(index + 1) * horizon];
        for (month, &value) in values.iter().enumerate() {
            let what = || {
                let actor = match series.actor {
                    ActorRef::State(_) => "state",
                    ActorRef::Group(_) => "group",
                };
                format!(
                    "{actor} {:?} {} month {month}: {value}",
                    series.actor_name,
                    series.metric.as_str()
                )
            };
            assert!(value.is_finite(), "not finite: {}", what());
            match series.metric {
                Metric::Attacks | Metric::Fatalities | Metric::Strength | Metric::Capacity => {
                    assert!(value >= 0.0, "negative: {}", what());
                }
                Metric::Control | Metric::Stability | Metric::Intelligence => {
                    assert!((0.0..=1.0).contains(&value), "outside 0..=1: {}", what());
                }
            }
        }
    }
    for (index, outcome) in scenario.outcomes.iter().enumerate() {
        let value = output.outcomes[index];
        let may_be_missing = matches!(
            outcome.kind,
            OutcomeKind::FirstMonth { .. } | OutcomeKind::EventMonth { .. }
        );
        assert!(
            value.is_finite() || (may_be_missing && value.is_nan()),
            "outcome {:?}: {value}",
            outcome.name
        );
    }
    for month in output.event_months.iter().flatten() {
        assert!(
            (*month as usize) < horizon,
            "event month {month} past the horizon"
        );
    }
}
