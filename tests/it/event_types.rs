//! The event-type mechanisms (MODEL.md, M6c events initiated by the state's side, M6d event
//! types, M7c severity by type), checked against their equations on a one-state, one-group
//! scenario whose group neither grows nor shrinks, so that every month's expected counts are
//! known exactly.
//!
//! Tolerances: 4 Monte Carlo standard errors, fixed seeds. A share is a pooled ratio of counts;
//! given the month's total, each event's type (or side) is an independent draw, so its standard
//! error is binomial, sqrt(p (1 - p) / N). A mean per month or per event uses the empirical
//! variance of the (run, month) values (the delta method for a ratio).

use secsim::model::{RunOutput, Workspace, simulate};
use secsim::scenario::{self, ActorRef, Metric, Scenario};

const MCSE_TOLERANCE: f64 = 4.0;
const RUNS: u64 = 2000;
const HORIZON: usize = 12;
const BASE_RATE: f64 = 50.0;
const LETHALITY: f64 = 2.0;

/// One state with own intelligence 0.2, one group of constant strength; `event_types` and
/// `flows` as given; the link's capacity sensitivity 1; the state's reference is its own forces (capacity 1) and `reference_intel`.
fn scenario(event_types: &str, flows: &str, reference_intel: f64) -> Scenario {
    let capacity_sensitivity = 1.0;
    let text = format!(
        r#"Scenario(
    name: "types",
    start: "2024-01",
    horizon: {HORIZON},
    model: (severity_sigma: 0.5, event_types: {event_types}),
    actors: [
        State(name: "A", capacity: 1.0, control: 0.5, stability: 0.5, intelligence: 0.2,
              reference: (capacity: 1.0, intelligence: {reference_intel})),
        Partner(name: "P"),
        Group(name: "G", strength: 1000, areas: [(state: "A", weight: 1.0)],
              recruitment: 0.0, attrition: 0.0, lethality: {LETHALITY}, ceiling: 5000),
    ],
    flows: [{flows}],
    pressure: [(group: "G", state: "A", base_rate: {BASE_RATE}, capacity_sensitivity: {capacity_sensitivity})],
)"#
    );
    load(&text).unwrap_or_else(|error| panic!("{error}"))
}

/// Parses and validates scenario text; the error as a user reads it.
fn load(text: &str) -> Result<Scenario, String> {
    let raw = scenario::parse_str(text).map_err(|error| error.to_string())?;
    scenario::validate(raw).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|problem| format!("{}: {}", problem.path, problem.message))
            .collect();
        lines.join("\n")
    })
}

/// Every (run, month) value of each of `metrics` for state A.
fn values(scenario: &Scenario, metrics: &[Metric], seed: u64) -> Vec<Vec<f64>> {
    let indices: Vec<usize> = metrics
        .iter()
        .map(|&metric| {
            scenario
                .series_index(metric, ActorRef::State(0))
                .unwrap_or_else(|| panic!("no series {}", metric.as_str()))
        })
        .collect();
    let mut workspace = Workspace::default();
    let mut output = RunOutput::default();
    let mut values = vec![Vec::new(); metrics.len()];
    for run in 0..RUNS {
        simulate(scenario, seed, run, &mut workspace, &mut output);
        for (index, &series) in indices.iter().enumerate() {
            values[index].extend_from_slice(&output.series[series * HORIZON..][..HORIZON]);
        }
    }
    values
}

fn assert_share(what: &str, part: &[f64], whole: &[f64], expected: f64) {
    let (part, whole): (f64, f64) = (part.iter().sum(), whole.iter().sum());
    let share = part / whole;
    let mcse = (expected * (1.0 - expected) / whole).sqrt();
    assert!(
        (share - expected).abs() < MCSE_TOLERANCE * mcse,
        "{what}: {share:.5} against {expected:.5} (mcse {mcse:.5}, {whole} events)"
    );
}

/// Ratio of sums `numerator / denominator` over (run, month) pairs against `expected`, with the
/// delta-method standard error.
fn assert_ratio(what: &str, numerator: &[f64], denominator: &[f64], expected: f64) {
    let total: f64 = denominator.iter().sum();
    let ratio = numerator.iter().sum::<f64>() / total;
    let residuals: f64 = numerator
        .iter()
        .zip(denominator)
        .map(|(n, d)| (n - ratio * d).powi(2))
        .sum();
    let mcse = residuals.sqrt() / total;
    assert!(
        (ratio - expected).abs() < MCSE_TOLERANCE * mcse,
        "{what}: {ratio:.5} against {expected:.5} (mcse {mcse:.5})"
    );
}

#[test]
fn a_groups_events_are_typed_by_its_shares() {
    let scenario = scenario(
        "(group_shares: (battles: 5, remote_violence: 3, violence_against_civilians: 2))",
        "",
        0.2,
    );
    let v = values(
        &scenario,
        &[
            Metric::Attacks,
            Metric::Battles,
            Metric::RemoteViolence,
            Metric::ViolenceAgainstCivilians,
        ],
        11,
    );
    assert_share("battles", &v[1], &v[0], 0.5);
    assert_share("remote violence", &v[2], &v[0], 0.3);
    assert_share("violence against civilians", &v[3], &v[0], 0.2);
}

#[test]
fn the_state_initiates_its_share_of_reference_events() {
    let scenario = scenario("(state_initiated_share: 0.4)", "", 0.2);
    let v = values(&scenario, &[Metric::Attacks, Metric::StateInitiated], 12);
    assert_share("state-initiated", &v[1], &v[0], 0.4);
    // All events together keep the base rate at the reference (M6c splits it, adds nothing).
    let months = vec![1.0; v[0].len()];
    assert_ratio("events a month", &v[0], &months, BASE_RATE);
}

/// (M6c) The state's events follow its capacity: a partner's 2,500 troops from month 0, not in
/// the reference, add 0.5 capacity units (0.0002 each), so they run at (1.5)^a times the
/// reference; the group's own events fall as (1.5)^-c with the link's capacity sensitivity c
/// (1 here, MODEL.md M4).
#[test]
fn the_states_events_follow_its_capacity() {
    let scenario = scenario(
        "(state_initiated_share: 0.3, operations_capacity_elasticity: 1.5)",
        r#"Flow(name: "troops", from: "P", to: "A", kind: troops, volume: 2500, start: 0,
                reliability: 1.0)"#,
        0.2,
    );
    let v = values(&scenario, &[Metric::Attacks, Metric::StateInitiated], 13);
    let months = vec![1.0; v[0].len()];
    let state = 0.3 * BASE_RATE * 1.5f64.powf(1.5);
    assert_ratio("state-initiated a month", &v[1], &months, state);
    let group = 0.7 * BASE_RATE / 1.5;
    assert_ratio("all events a month", &v[0], &months, state + group);
}

/// (M6d) Without the partner's intelligence the state's side kills civilians more often:
/// its share of violence against civilians is v0 (1 - I) / (1 - I_ref). The group's events are
/// all battles and the state's other events battles too (no remote share), so every event of
/// violence against civilians is the state's.
#[test]
fn losing_intelligence_turns_the_states_violence_toward_civilians() {
    let reference = 1.0 - 0.8 * (-0.5f64).exp();
    let scenario = scenario(
        "(state_initiated_share: 0.5, state_civilian_share: 0.3, state_remote_share: 0.0,
          group_shares: (battles: 1, remote_violence: 0, violence_against_civilians: 0))",
        r#"Flow(name: "isr", from: "P", to: "A", kind: intelligence, volume: 0.5, start: -12,
                end: 0, reliability: 1.0)"#,
        reference,
    );
    let v = values(
        &scenario,
        &[
            Metric::StateInitiated,
            Metric::ViolenceAgainstCivilians,
            Metric::RemoteViolence,
        ],
        14,
    );
    let expected = 0.3 * (1.0 - 0.2) / (1.0 - reference);
    assert!(
        expected > 0.3 + 0.1,
        "the check needs a visible rise: {expected}"
    );
    assert_share("state violence against civilians", &v[1], &v[0], expected);
    assert_eq!(
        v[2].iter().sum::<f64>(),
        0.0,
        "no remote violence was asked for"
    );
}

/// (M7c) Deaths per event of each type are the group's lethality times the type's relative
/// severity over the shares' average of it: with shares 1/2, 1/4, 1/4 and severities 2, 1, 1,
/// battles kill 2 x 2 / 1.5 and the others 2 / 1.5; all events together still kill 2 each.
#[test]
fn deaths_per_event_follow_the_type_and_average_the_lethality() {
    let scenario = scenario(
        "(group_shares: (battles: 2, remote_violence: 1, violence_against_civilians: 1),
          severity: (battles: 2, remote_violence: 1, violence_against_civilians: 1))",
        "",
        0.2,
    );
    let v = values(
        &scenario,
        &[
            Metric::Attacks,
            Metric::Fatalities,
            Metric::Battles,
            Metric::BattlesFatalities,
            Metric::ViolenceAgainstCivilians,
            Metric::ViolenceAgainstCiviliansFatalities,
        ],
        15,
    );
    assert_ratio("deaths per event", &v[1], &v[0], LETHALITY);
    assert_ratio("deaths per battle", &v[3], &v[2], LETHALITY * 2.0 / 1.5);
    assert_ratio(
        "deaths per event of violence against civilians",
        &v[5],
        &v[4],
        LETHALITY / 1.5,
    );
}

#[test]
fn typed_series_exist_only_with_event_types() {
    let untyped = scenario::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/small.ron"),
    )
    .unwrap();
    assert!(
        untyped
            .series
            .iter()
            .all(|series| !Metric::STATE_TYPED.contains(&series.metric))
    );
    let typed = scenario("()", "", 0.2);
    for metric in Metric::STATE_TYPED {
        assert!(typed.series_index(metric, ActorRef::State(0)).is_some());
    }
}

#[test]
fn event_type_fields_are_checked_at_their_paths() {
    let refused = |event_types: &str, expected: &str| {
        let text = format!(
            r#"Scenario(name: "x", start: "2024-01", horizon: 3, model: (event_types: {event_types}),
    actors: [State(name: "A", capacity: 1.0, control: 0.5, stability: 0.5),
             Group(name: "G", strength: 10, areas: [(state: "A", weight: 1.0)], recruitment: 0.0,
                   attrition: 0.0, lethality: 1.0, ceiling: 100)],
    pressure: [(group: "G", state: "A", base_rate: 1.0)])"#
        );
        let error = load(&text).unwrap_err();
        assert!(error.contains(expected), "{expected:?} not in: {error}");
    };
    refused(
        "(state_initiated_share: 0.99)",
        "model.event_types.state_initiated_share",
    );
    refused(
        "(severity: (battles: 0, remote_violence: 1, violence_against_civilians: 1))",
        "model.event_types.severity.battles",
    );
    refused(
        "(group_shares: (battles: 0, remote_violence: 0, violence_against_civilians: 0))",
        "all shares are 0",
    );
    let text = r#"Scenario(name: "x", start: "2024-01", horizon: 3,
    actors: [State(name: "A", capacity: 1.0, control: 0.5, stability: 0.5),
             Group(name: "G", strength: 10, areas: [(state: "A", weight: 1.0)], recruitment: 0.0,
                   attrition: 0.0, lethality: 1.0, ceiling: 100,
                   event_shares: (battles: 1, remote_violence: 1, violence_against_civilians: 1))],
    pressure: [(group: "G", state: "A", base_rate: 1.0)])"#;
    let error = load(text).unwrap_err();
    assert!(
        error.contains(r#"actors["G"].event_shares"#) && error.contains("event_types"),
        "{error}"
    );
}
