//! Property tests of the scenario pipeline, on scenarios generated from the schema in
//! `scenarios/README.md`:
//!
//! - every valid scenario generated parses back from its canonical text, validates, and runs
//!   without panicking; every series value and outcome is finite (outcomes documented as possibly
//!   missing may be NaN); counts are 0 or more; control, stability, intelligence, event
//!   probabilities and 0/1 outcomes lie in 0..=1; capacity is 0 or more;
//! - one invalid change to a valid scenario is refused by validation with a problem at the
//!   changed field's path, never with a panic.
//!
//! Generation is in two steps. Proptest draws a [`Spec`]: how many states, partners, groups,
//! flows, pressure entries, events and outcomes, and for every number where it lies in its
//! field's valid range (an edge, or a point read on a linear or logarithmic scale) and whether it
//! is a literal or an uncertain parameter. [`build`] then turns the spec into a
//! [`RawScenario`] that is valid by construction: it knows each field's range and the orderings
//! validation asks for (ceiling above strength, end after start, `to` not before `from`), and
//! writes a distribution whose support fits the field for every parameter. References to other
//! items are [`Index`]es, resolved against the lists actually built, so that shrinking a list
//! never leaves a dangling name.
//!
//! Reproducibility: the cases come from a fixed seed ([`SEED`]), so every run tests the same
//! scenarios; `PROPTEST_RNG_SEED=<u64>` and `PROPTEST_CASES=<n>` explore others. How many
//! replications a case runs depends on the attacks its replications simulate ([`ATTACK_BUDGET`]),
//! never on the clock, so a case does the same work on any machine. Each case runs in a forked
//! child process with a time limit ([`CASE_TIMEOUT_MS`]) far above what any case takes, so that a
//! scenario the model never finishes fails the test instead of hanging it. Failures are not
//! persisted to a file: a failing case prints its scenario as RON, ready to save and run with
//! `secsim run`; a case killed for taking too long cannot print, and leaves its scenario in
//! `<target>/tmp/properties/` instead ([`PendingCase`]).
//!
//! What these properties found is pinned by `tests/it/regressions.rs` (inputs in
//! `tests/data/regressions/`), as are the fuzz target's findings (`fuzz/`, see the README).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed};

use secsim::engine::{RunPlan, run};
use secsim::model::{RunOutput, Workspace, simulate};
use secsim::scenario::raw::{
    Comparison, FlowKind, Metric, Num, RawActor, RawArea, RawDistribution, RawEffect, RawEvent,
    RawEventTypeWeights, RawEventTypes, RawFlow, RawModel, RawOutcome, RawPressure, RawScenario,
    RawTrigger, RawUncertain,
};
use secsim::scenario::{
    ActorRef, MAX_HORIZON_MONTHS, OutcomeKind, Problem, Scenario, canonical_text, hash_of,
    parse_str, validate,
};

/// Seed of the generated cases, fixed so that every run tests the same scenarios.
const SEED: u64 = 0x5ec5_1300_0000_0042;
/// Generated scenarios per property: a few seconds in release mode.
const CASES: u32 = 96;
/// Longest a case may take, in milliseconds, before it fails as a hang: 10 minutes. Not a limit on
/// how fast a case is (a loaded machine may be slow): a case does at most [`ATTACK_BUDGET`]'s
/// work and one more replication, twice (a second or two in release mode, some seconds in a debug
/// build). A real hang costs this at every shrinking step ([`config`]), so it shows as a test
/// that runs for a long time.
const CASE_TIMEOUT_MS: u32 = 600_000;
/// Most replications each valid scenario runs, once replication by replication and once through
/// the engine.
const RUNS: u64 = 20;
/// Attacks (summed over the groups' monthly `attacks` series) after which a case runs no more
/// replications. Drawing each attack's death toll is most of the model's work: about 1e8 attacks
/// a second in release mode on the CI machine, so this budget is about half a second. Most
/// scenarios run all [`RUNS`] in milliseconds, but numbers at the edges of their ranges ask for up
/// to a million attacks a month (the model's cap), and cost up to about 0.5 s a replication: such
/// a case checks fewer replications, at least one each way, rather than take minutes (with all
/// [`RUNS`], the 96 cases take about 90 s instead of 25). A count of work, not of time: every
/// run of the test checks the same replications, however fast the machine.
const ATTACK_BUDGET: f64 = 5e7;

fn config() -> Config {
    fn from_environment<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok()?.parse().ok()
    }
    Config {
        cases: from_environment("PROPTEST_CASES").unwrap_or(CASES),
        rng_seed: RngSeed::Fixed(from_environment("PROPTEST_RNG_SEED").unwrap_or(SEED)),
        timeout: CASE_TIMEOUT_MS,
        failure_persistence: None,
        // A hang costs the time limit at every shrinking step, and a forked child killed for it
        // restarts the shrinking clock (`max_shrink_time`): only the count of steps bounds it.
        max_shrink_iters: 16,
        max_shrink_time: 120_000,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Specs: what proptest draws.

/// Where a number lies in its field's valid range.
#[derive(Debug, Clone, Copy)]
enum Position {
    Min,
    Max,
    /// A share of the way from min to max.
    Linear(f64),
    /// A share of the way on a logarithmic scale, from max(min, 0.001) to max: small values of
    /// fields that span many orders of magnitude (volume 0..=1e9) are drawn as often as large.
    Logarithmic(f64),
}

impl Position {
    fn within(self, (min, max): (f64, f64)) -> f64 {
        let value = match self {
            Position::Min => min,
            Position::Max => max,
            Position::Linear(share) => min + (max - min) * share,
            Position::Logarithmic(share) => {
                let low = min.max(1e-3);
                if max <= low {
                    min + (max - min) * share
                } else {
                    (low.ln() + (max.ln() - low.ln()) * share).exp()
                }
            }
        };
        value.clamp(min, max)
    }
}

/// The distribution of an uncertain parameter, placed inside a field's range when built.
#[derive(Debug, Clone)]
struct DistSpec {
    /// Uniform, Normal, LogNormal, Beta, Triangular or Discrete.
    kind: u8,
    /// The support's ends, as positions in the field's range.
    low: Position,
    high: Position,
    /// Shape parameters, each 0..=1, scaled per kind.
    first: f64,
    second: f64,
}

/// A number field: a literal, a parameter of its own, or the one parameter every share-like
/// field may share.
#[derive(Debug, Clone)]
enum NumSpec {
    Literal(Position),
    Param(DistSpec),
    Shared,
}

#[derive(Debug, Clone)]
struct StateSpec {
    suffix: Index,
    capacity: NumSpec,
    control: NumSpec,
    stability: NumSpec,
    intelligence: Option<NumSpec>,
    /// Bit i set: the i-th other state is a neighbour.
    neighbours: u8,
}

#[derive(Debug, Clone)]
struct SourceSpec {
    suffix: Index,
    regional_body: bool,
}

#[derive(Debug, Clone)]
struct GroupSpec {
    suffix: Index,
    strength: NumSpec,
    /// Read in the part of the ceiling's range above the strength.
    ceiling: NumSpec,
    areas: Vec<(Index, NumSpec)>,
    recruitment: NumSpec,
    attrition: NumSpec,
    lethality: NumSpec,
}

#[derive(Debug, Clone)]
enum TimingSpec {
    Scheduled {
        start: Option<NumSpec>,
        end: Option<NumSpec>,
    },
    Standby {
        duration: Option<NumSpec>,
    },
}

#[derive(Debug, Clone)]
struct FlowSpec {
    suffix: Index,
    from: Index,
    to: Index,
    kind: Index,
    volume: NumSpec,
    timing: TimingSpec,
    reliability: Option<NumSpec>,
    lag: Option<NumSpec>,
    decay: Option<NumSpec>,
}

#[derive(Debug, Clone)]
struct PressureSpec {
    group: Index,
    state: Index,
    base_rate: NumSpec,
    capacity_sensitivity: Option<NumSpec>,
    intelligence_sensitivity: Option<NumSpec>,
    spillover: Option<NumSpec>,
    lethality: Option<NumSpec>,
}

/// A `When` trigger's delay.
#[derive(Debug, Clone)]
enum DelaySpec {
    /// A distribution within 0..=2 x horizon months.
    Bounded(DistSpec),
    /// A log-normal without `max`: valid for a delay, and unbounded above.
    UnboundedLogNormal { median: f64, sigma: f64 },
    /// Uniform up to 1e300 months: valid, since a delay needs only a lower bound of 0.
    Huge,
}

#[derive(Debug, Clone)]
enum TriggerSpec {
    At(NumSpec),
    Hazard {
        monthly: NumSpec,
        from: Option<NumSpec>,
        to: Option<NumSpec>,
    },
    Window {
        probability: NumSpec,
        from: NumSpec,
        to: NumSpec,
    },
    When {
        actor: Index,
        metric: Index,
        op: Index,
        threshold: f64,
        months: Position,
        probability: Option<NumSpec>,
        delay: Option<DelaySpec>,
    },
}

#[derive(Debug, Clone)]
enum EffectSpec {
    EndFlow(Index),
    StartFlow(Index),
    ScaleFlow(Index, NumSpec),
    Shock(Index, Index, NumSpec),
    SetParameter(Index, NumSpec),
    ScaleParameter(Index, NumSpec),
}

#[derive(Debug, Clone)]
struct EventSpec {
    suffix: Index,
    trigger: TriggerSpec,
    effects: Vec<EffectSpec>,
}

#[derive(Debug, Clone)]
struct OutcomeSpec {
    /// Sum, Mean, Max, Min, Final, FirstMonth, Any, All, EventFired, EventMonth.
    kind: u8,
    suffix: Index,
    actor: Index,
    metric: Index,
    from: Option<Position>,
    to: Option<Position>,
    op: Index,
    threshold: f64,
    event: Index,
}

/// Everything drawn for one scenario.
#[derive(Debug, Clone)]
struct Spec {
    horizon: u32,
    start: (Position, u32),
    runs: Option<u64>,
    seed: Option<u64>,
    description: String,
    /// Seeds the order in which actors of different kinds are interleaved in the list.
    actor_order: u64,
    model: Vec<Option<NumSpec>>,
    /// With event types (M6c-M7c): state-initiated share, operations elasticity, civilian and
    /// remote shares of the state's events, and relative severity of the three types.
    event_types: Option<[f64; 7]>,
    states: Vec<StateSpec>,
    sources: Vec<SourceSpec>,
    groups: Vec<GroupSpec>,
    flows: Vec<FlowSpec>,
    pressure: Vec<PressureSpec>,
    events: Vec<EventSpec>,
    outcomes: Vec<OutcomeSpec>,
}

// ---------------------------------------------------------------------------------------------
// Strategies.

fn position() -> impl Strategy<Value = Position> {
    prop_oneof![
        1 => Just(Position::Min),
        1 => Just(Position::Max),
        3 => (0.0..=1.0f64).prop_map(Position::Linear),
        3 => (0.0..=1.0f64).prop_map(Position::Logarithmic),
    ]
}

fn dist_spec() -> impl Strategy<Value = DistSpec> {
    (0u8..6, position(), position(), 0.0..=1.0f64, 0.0..=1.0f64).prop_map(
        |(kind, low, high, first, second)| DistSpec {
            kind,
            low,
            high,
            first,
            second,
        },
    )
}

fn num() -> impl Strategy<Value = NumSpec> {
    prop_oneof![
        6 => position().prop_map(NumSpec::Literal),
        2 => dist_spec().prop_map(NumSpec::Param),
        1 => Just(NumSpec::Shared),
    ]
}

fn optional_num() -> impl Strategy<Value = Option<NumSpec>> {
    proptest::option::of(num())
}

fn state_spec() -> impl Strategy<Value = StateSpec> {
    (
        any::<Index>(),
        num(),
        num(),
        num(),
        optional_num(),
        any::<u8>(),
    )
        .prop_map(
            |(suffix, capacity, control, stability, intelligence, neighbours)| StateSpec {
                suffix,
                capacity,
                control,
                stability,
                intelligence,
                neighbours,
            },
        )
}

fn source_spec() -> impl Strategy<Value = SourceSpec> {
    (any::<Index>(), any::<bool>()).prop_map(|(suffix, regional_body)| SourceSpec {
        suffix,
        regional_body,
    })
}

fn group_spec() -> impl Strategy<Value = GroupSpec> {
    (
        any::<Index>(),
        num(),
        num(),
        prop::collection::vec((any::<Index>(), num()), 1..=3),
        num(),
        num(),
        num(),
    )
        .prop_map(
            |(suffix, strength, ceiling, areas, recruitment, attrition, lethality)| GroupSpec {
                suffix,
                strength,
                ceiling,
                areas,
                recruitment,
                attrition,
                lethality,
            },
        )
}

fn timing_spec() -> impl Strategy<Value = TimingSpec> {
    prop_oneof![
        3 => (optional_num(), optional_num())
            .prop_map(|(start, end)| TimingSpec::Scheduled { start, end }),
        1 => optional_num().prop_map(|duration| TimingSpec::Standby { duration }),
    ]
}

fn flow_spec() -> impl Strategy<Value = FlowSpec> {
    (
        any::<Index>(),
        any::<Index>(),
        any::<Index>(),
        any::<Index>(),
        num(),
        timing_spec(),
        optional_num(),
        optional_num(),
        optional_num(),
    )
        .prop_map(
            |(suffix, from, to, kind, volume, timing, reliability, lag, decay)| FlowSpec {
                suffix,
                from,
                to,
                kind,
                volume,
                timing,
                reliability,
                lag,
                decay,
            },
        )
}

fn pressure_spec() -> impl Strategy<Value = PressureSpec> {
    (
        any::<Index>(),
        any::<Index>(),
        num(),
        optional_num(),
        optional_num(),
        optional_num(),
        optional_num(),
    )
        .prop_map(
            |(
                group,
                state,
                base_rate,
                capacity_sensitivity,
                intelligence_sensitivity,
                spillover,
                lethality,
            )| {
                PressureSpec {
                    group,
                    state,
                    base_rate,
                    capacity_sensitivity,
                    intelligence_sensitivity,
                    spillover,
                    lethality,
                }
            },
        )
}

fn threshold() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(-1e12),
        Just(1e12),
        Just(0.0),
        0.0..=1.0f64,
        0.0..=1000.0f64,
    ]
}

fn delay_spec() -> impl Strategy<Value = DelaySpec> {
    prop_oneof![
        4 => dist_spec().prop_map(DelaySpec::Bounded),
        1 => (0.1..=10.0f64, 0.1..=3.0f64)
            .prop_map(|(median, sigma)| DelaySpec::UnboundedLogNormal { median, sigma }),
        1 => Just(DelaySpec::Huge),
    ]
}

fn trigger_spec() -> impl Strategy<Value = TriggerSpec> {
    prop_oneof![
        num().prop_map(TriggerSpec::At),
        (num(), optional_num(), optional_num())
            .prop_map(|(monthly, from, to)| TriggerSpec::Hazard { monthly, from, to }),
        (num(), num(), num()).prop_map(|(probability, from, to)| TriggerSpec::Window {
            probability,
            from,
            to
        }),
        (
            any::<Index>(),
            any::<Index>(),
            any::<Index>(),
            threshold(),
            position(),
            optional_num(),
            proptest::option::of(delay_spec()),
        )
            .prop_map(
                |(actor, metric, op, threshold, months, probability, delay)| TriggerSpec::When {
                    actor,
                    metric,
                    op,
                    threshold,
                    months,
                    probability,
                    delay,
                }
            ),
    ]
}

fn effect_spec() -> impl Strategy<Value = EffectSpec> {
    prop_oneof![
        any::<Index>().prop_map(EffectSpec::EndFlow),
        any::<Index>().prop_map(EffectSpec::StartFlow),
        (any::<Index>(), num()).prop_map(|(flow, factor)| EffectSpec::ScaleFlow(flow, factor)),
        (any::<Index>(), any::<Index>(), num())
            .prop_map(|(actor, variable, change)| EffectSpec::Shock(actor, variable, change)),
        (any::<Index>(), num()).prop_map(|(target, value)| EffectSpec::SetParameter(target, value)),
        (any::<Index>(), num())
            .prop_map(|(target, factor)| EffectSpec::ScaleParameter(target, factor)),
    ]
}

fn event_spec() -> impl Strategy<Value = EventSpec> {
    (
        any::<Index>(),
        trigger_spec(),
        prop::collection::vec(effect_spec(), 1..=3),
    )
        .prop_map(|(suffix, trigger, effects)| EventSpec {
            suffix,
            trigger,
            effects,
        })
}

fn outcome_spec() -> impl Strategy<Value = OutcomeSpec> {
    (
        0u8..10,
        any::<Index>(),
        any::<Index>(),
        any::<Index>(),
        proptest::option::of(position()),
        proptest::option::of(position()),
        any::<Index>(),
        threshold(),
        any::<Index>(),
    )
        .prop_map(
            |(kind, suffix, actor, metric, from, to, op, threshold, event)| OutcomeSpec {
                kind,
                suffix,
                actor,
                metric,
                from,
                to,
                op,
                threshold,
                event,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    let top = (
        prop_oneof![Just(1u32), Just(36u32), 1u32..=36],
        (position(), 1u32..=12),
        proptest::option::of(prop_oneof![
            Just(1u64),
            Just(100_000_000u64),
            1u64..=100_000
        ]),
        proptest::option::of(any::<u64>()),
        ".{0,12}",
        any::<u64>(),
        prop::collection::vec(optional_num(), MODEL_FIELDS.len()),
        proptest::option::of((
            0.0..=0.95f64,
            0.0..=10.0f64,
            0.0..=1.0f64,
            0.0..=1.0f64,
            0.01..=100.0f64,
            0.01..=100.0f64,
            0.01..=100.0f64,
        )),
    );
    let items = (
        prop::collection::vec(state_spec(), 1..=3),
        prop::collection::vec(source_spec(), 0..=2),
        prop::collection::vec(group_spec(), 1..=3),
        prop::collection::vec(flow_spec(), 0..=3),
        prop::collection::vec(pressure_spec(), 0..=4),
        prop::collection::vec(event_spec(), 0..=3),
        prop::collection::vec(outcome_spec(), 0..=6),
    );
    (top, items).prop_map(
        |(
            (horizon, start, runs, seed, description, actor_order, model, event_types),
            (states, sources, groups, flows, pressure, events, outcomes),
        )| Spec {
            horizon,
            start,
            runs,
            seed,
            description,
            actor_order,
            model,
            event_types: event_types.map(|(a, b, c, d, e, f, g)| [a, b, c, d, e, f, g]),
            states,
            sources,
            groups,
            flows,
            pressure,
            events,
            outcomes,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Building a valid scenario from a spec.

/// Suffixes that make names unusual without making them invalid: spaces, non-ASCII letters,
/// quotes and brackets, which field paths must quote and escape.
const SUFFIXES: [&str; 7] = [
    "",
    " Sahel",
    "é",
    " \"quoted\"",
    " [0]",
    " r#\"raw\"#",
    "'s",
];

/// Model coefficients, with their valid ranges (scenarios/README.md, "Model coefficients").
const MODEL_FIELDS: [(&str, f64, f64); 14] = [
    ("capacity_per_military_usd_m", 0.0, 100.0),
    ("capacity_per_financial_usd_m", 0.0, 100.0),
    ("capacity_per_trainer", 0.0, 100.0),
    ("capacity_per_troop", 0.0, 100.0),
    ("area_fire_effectiveness", 0.0, 1.0),
    ("collateral_recruitment", 0.0, 10.0),
    ("attack_dispersion", 0.01, 1e6),
    ("severity_sigma", 0.0, 5.0),
    ("max_deaths_per_attack", 1.0, 1e6),
    ("control_adjustment", 0.0, 1.0),
    ("control_elasticity", 0.0, 10.0),
    ("stability_adjustment", 0.0, 1.0),
    ("stability_control_elasticity", 0.0, 10.0),
    ("stability_violence_elasticity", 0.0, 10.0),
];

const SHARE: (f64, f64) = (0.0, 1.0);
const OPEN_SHARE: (f64, f64) = (0.01, 0.99);
const ELASTICITY: (f64, f64) = (0.0, 10.0);
const FACTOR: (f64, f64) = (0.0, 1e6);
const FLOW_MONTHS: (f64, f64) = (-600.0, 600.0);
const SHARED_PARAMETER: &str = "shared share";
/// Support of the shared parameter: inside every share-like range, open or not.
const SHARED_SUPPORT: (f64, f64) = (0.01, 0.99);

/// The smallest value certainly greater than `value` for validation's ordering checks.
fn above(value: f64) -> f64 {
    value + (value.abs() * 1e-9).max(1e-6)
}

/// Builds a scenario's numbers: literals, and a parameter for each number that asks for one.
#[derive(Default)]
struct Builder {
    uncertain: Vec<RawUncertain>,
    shared_used: bool,
}

impl Builder {
    /// A number in `range`, with the smallest and largest values it can take.
    fn number(&mut self, spec: &NumSpec, range: (f64, f64), whole_months: bool) -> (Num, f64, f64) {
        let (min, max) = range;
        if max <= min {
            return (Num::Literal(min), min, min);
        }
        match spec {
            NumSpec::Literal(position) => {
                let value = position.within(range);
                (Num::Literal(value), value, value)
            }
            NumSpec::Shared
                if !whole_months && min <= SHARED_SUPPORT.0 && max >= SHARED_SUPPORT.1 =>
            {
                self.shared_used = true;
                let (low, high) = SHARED_SUPPORT;
                (Num::Param(SHARED_PARAMETER.to_owned()), low, high)
            }
            NumSpec::Shared => {
                let value = Position::Linear(0.5).within(range);
                (Num::Literal(value), value, value)
            }
            NumSpec::Param(dist) => {
                let (dist, low, high) = distribution(dist, range);
                let name = format!("u{}", self.uncertain.len());
                self.uncertain.push(RawUncertain {
                    name: name.clone(),
                    dist,
                });
                (Num::Param(name), low, high)
            }
        }
    }

    fn value(&mut self, spec: &NumSpec, range: (f64, f64)) -> Num {
        self.number(spec, range, false).0
    }

    fn months(&mut self, spec: &NumSpec, range: (f64, f64)) -> (Num, f64, f64) {
        self.number(spec, range, true)
    }

    fn optional(&mut self, spec: &Option<NumSpec>, range: (f64, f64), default: Num) -> Num {
        spec.as_ref()
            .map_or(default, |spec| self.value(spec, range))
    }

    fn finish(mut self) -> Vec<RawUncertain> {
        if self.shared_used {
            self.uncertain.push(RawUncertain {
                name: SHARED_PARAMETER.to_owned(),
                dist: RawDistribution::Beta {
                    alpha: 2.0,
                    beta: 2.0,
                    min: Some(SHARED_SUPPORT.0),
                    max: Some(SHARED_SUPPORT.1),
                },
            });
        }
        self.uncertain
    }
}

/// A distribution whose support lies within `range` (min < max), with its support.
fn distribution(spec: &DistSpec, range: (f64, f64)) -> (RawDistribution, f64, f64) {
    let (min, max) = range;
    let (mut low, mut high) = (spec.low.within(range), spec.high.within(range));
    if low > high {
        std::mem::swap(&mut low, &mut high);
    }
    if low == high {
        if high < max {
            high = max;
        } else {
            low = min;
        }
    }
    let inside = |share: f64| (low + (high - low) * share).clamp(low, high);
    let dist = match spec.kind {
        0 => RawDistribution::Uniform {
            min: low,
            max: high,
        },
        1 => RawDistribution::Normal {
            mean: inside(spec.first),
            sd: (high - low) * (0.01 + spec.second),
            min: Some(low),
            max: Some(high),
        },
        2 if low >= 0.0 => RawDistribution::LogNormal {
            median: inside(spec.first).max(high / 2.0),
            sigma: 0.01 + 2.0 * spec.second,
            min: Some(low),
            max: Some(high),
        },
        3 => RawDistribution::Beta {
            alpha: 0.1 + 10.0 * spec.first,
            beta: 0.1 + 10.0 * spec.second,
            min: Some(low),
            max: Some(high),
        },
        4 => RawDistribution::Triangular {
            min: low,
            mode: inside(spec.first),
            max: high,
        },
        _ => RawDistribution::Discrete {
            values: vec![low, high, inside(spec.second)],
            weights: vec![spec.first, spec.second, 1.0 - spec.first],
        },
    };
    (dist, low, high)
}

fn name(prefix: &str, position: usize, suffix: &Index) -> String {
    format!("{prefix}{position}{}", suffix.get(&SUFFIXES))
}

/// A numeric field events may set or scale, by its path, with its valid range.
struct DynamicField {
    path: String,
    range: (f64, f64),
}

const COMPARISONS: [Comparison; 4] = [
    Comparison::Above,
    Comparison::Below,
    Comparison::AtLeast,
    Comparison::AtMost,
];
const FLOW_KINDS: [FlowKind; 5] = [
    FlowKind::Military,
    FlowKind::Intelligence,
    FlowKind::Training,
    FlowKind::Financial,
    FlowKind::Troops,
];

/// A state or group and a metric of its kind.
fn series(states: &[String], groups: &[String], actor: &Index, metric: &Index) -> (String, Metric) {
    let actors: Vec<(&String, bool)> = states
        .iter()
        .map(|name| (name, true))
        .chain(groups.iter().map(|name| (name, false)))
        .collect();
    let &(name, is_state) = actor.get(&actors);
    let metric = if is_state {
        *metric.get(&Metric::STATE)
    } else {
        *metric.get(&Metric::GROUP)
    };
    (name.clone(), metric)
}

/// A valid scenario from `spec`.
fn build(spec: &Spec) -> RawScenario {
    let mut numbers = Builder::default();
    let horizon = spec.horizon;
    let within_horizon = (0.0, f64::from(horizon - 1));

    let mut model = RawModel::default();
    let mut dynamic: Vec<DynamicField> = Vec::new();
    for (&(field, min, max), coefficient) in MODEL_FIELDS.iter().zip(&spec.model) {
        dynamic.push(DynamicField {
            path: format!("model.{field}"),
            range: (min, max),
        });
        let Some(coefficient) = coefficient else {
            continue;
        };
        let value = numbers.value(coefficient, (min, max));
        let slot = match field {
            "capacity_per_military_usd_m" => &mut model.capacity_per_military_usd_m,
            "capacity_per_financial_usd_m" => &mut model.capacity_per_financial_usd_m,
            "capacity_per_trainer" => &mut model.capacity_per_trainer,
            "capacity_per_troop" => &mut model.capacity_per_troop,
            "area_fire_effectiveness" => &mut model.area_fire_effectiveness,
            "collateral_recruitment" => &mut model.collateral_recruitment,
            "attack_dispersion" => &mut model.attack_dispersion,
            "severity_sigma" => &mut model.severity_sigma,
            "max_deaths_per_attack" => &mut model.max_deaths_per_attack,
            "control_adjustment" => &mut model.control_adjustment,
            "control_elasticity" => &mut model.control_elasticity,
            "stability_adjustment" => &mut model.stability_adjustment,
            "stability_control_elasticity" => &mut model.stability_control_elasticity,
            _ => &mut model.stability_violence_elasticity,
        };
        *slot = value;
    }
    model.event_types = spec.event_types.map(|values| {
        let weights = |battles: f64, remote: f64, civilians: f64| RawEventTypeWeights {
            battles: Num::lit(battles),
            remote_violence: Num::lit(remote),
            violence_against_civilians: Num::lit(civilians),
        };
        RawEventTypes {
            state_initiated_share: Num::lit(values[0]),
            operations_capacity_elasticity: Num::lit(values[1]),
            state_civilian_share: Num::lit(values[2]),
            state_remote_share: Num::lit(values[3]),
            group_shares: weights(values[4], values[5], values[6]),
            severity: weights(values[6], values[5], values[4]),
        }
    });

    let state_names: Vec<String> = (spec.states.iter().enumerate())
        .map(|(position, state)| name("S", position, &state.suffix))
        .collect();
    let source_names: Vec<String> = (spec.sources.iter().enumerate())
        .map(|(position, source)| name("P", position, &source.suffix))
        .collect();
    let group_names: Vec<String> = (spec.groups.iter().enumerate())
        .map(|(position, group)| name("G", position, &group.suffix))
        .collect();

    let mut actors = Vec::new();
    for (position, state) in spec.states.iter().enumerate() {
        let others: Vec<&String> = (state_names.iter().enumerate())
            .filter(|&(other, _)| other != position)
            .map(|(_, name)| name)
            .collect();
        let neighbours = (others.iter().enumerate())
            .filter(|&(bit, _)| state.neighbours & (1 << bit) != 0)
            .map(|(_, name)| (*name).clone())
            .collect();
        let name = &state_names[position];
        dynamic.push(DynamicField {
            path: format!("actors[{name:?}].intelligence"),
            range: (0.0, 0.99),
        });
        actors.push(RawActor::State {
            name: name.clone(),
            capacity: numbers.value(&state.capacity, (0.001, 1e6)),
            control: numbers.value(&state.control, OPEN_SHARE),
            stability: numbers.value(&state.stability, OPEN_SHARE),
            intelligence: numbers.optional(&state.intelligence, (0.0, 0.99), Num::Literal(0.2)),
            neighbours,
            reference: None,
        });
    }
    for (source, name) in spec.sources.iter().zip(&source_names) {
        actors.push(if source.regional_body {
            RawActor::RegionalBody {
                name: name.clone(),
                // For readers only: not checked, so any name will do.
                members: vec![name.clone(), "not an actor".to_owned()],
            }
        } else {
            RawActor::Partner { name: name.clone() }
        });
    }
    for (group, name) in spec.groups.iter().zip(&group_names) {
        let (strength, _, strength_high) = numbers.number(&group.strength, (0.0, 1e7), false);
        let ceiling_low = above(strength_high).max(1.0);
        let (ceiling, _, _) = numbers.number(&group.ceiling, (ceiling_low, 1e8), false);
        let mut areas: Vec<RawArea> = Vec::new();
        for (state, weight) in &group.areas {
            let state = state.get(&state_names);
            if areas.iter().all(|area| &area.state != state) {
                areas.push(RawArea {
                    state: state.clone(),
                    weight: numbers.value(weight, (0.0, 1e6)),
                });
            }
        }
        if areas.iter().all(|area| area.weight == Num::Literal(0.0)) {
            areas[0].weight = Num::Literal(1.0);
        }
        for field in ["recruitment", "attrition", "lethality", "ceiling"] {
            dynamic.push(DynamicField {
                path: format!("actors[{name:?}].{field}"),
                range: match field {
                    "lethality" => (0.0, 1000.0),
                    "ceiling" => (1.0, 1e8),
                    _ => SHARE,
                },
            });
        }
        actors.push(RawActor::Group {
            name: name.clone(),
            strength,
            areas,
            recruitment: numbers.value(&group.recruitment, SHARE),
            attrition: numbers.value(&group.attrition, SHARE),
            lethality: numbers.value(&group.lethality, (0.0, 1000.0)),
            ceiling,
            event_shares: None,
        });
    }
    shuffle(&mut actors, spec.actor_order);

    let senders: Vec<&String> = state_names.iter().chain(&source_names).collect();
    let mut flows = Vec::new();
    for (position, flow) in spec.flows.iter().enumerate() {
        let name = name("F", position, &flow.suffix);
        let (start, end, standby, duration) = match &flow.timing {
            TimingSpec::Scheduled { start, end } => {
                // Leave room for an end after the start.
                let start_range = (FLOW_MONTHS.0, FLOW_MONTHS.1 - 1.0);
                let (start, start_high) = match start {
                    Some(start) => {
                        let (start, _, high) = numbers.months(start, start_range);
                        (Some(start), high)
                    }
                    None => (None, 0.0),
                };
                let end = end
                    .as_ref()
                    .map(|end| numbers.months(end, (above(start_high), FLOW_MONTHS.1)).0);
                (start, end, false, None)
            }
            TimingSpec::Standby { duration } => {
                let duration = duration.as_ref().map(|duration| {
                    numbers
                        .months(duration, (1.0, f64::from(MAX_HORIZON_MONTHS)))
                        .0
                });
                (None, None, true, duration)
            }
        };
        for (field, range) in [("volume", (0.0, 1e9)), ("reliability", SHARE)] {
            dynamic.push(DynamicField {
                path: format!("flows[{name:?}].{field}"),
                range,
            });
        }
        flows.push(RawFlow {
            name,
            from: flow.from.get(&senders).to_string(),
            to: flow.to.get(&state_names).clone(),
            kind: *flow.kind.get(&FLOW_KINDS),
            volume: numbers.value(&flow.volume, (0.0, 1e9)),
            start,
            end,
            standby,
            duration,
            reliability: numbers.optional(&flow.reliability, SHARE, Num::Literal(1.0)),
            lag: flow
                .lag
                .as_ref()
                .map_or(Num::Literal(0.0), |lag| numbers.months(lag, (0.0, 120.0)).0),
            decay: numbers.optional(&flow.decay, (0.0, 600.0), Num::Literal(0.0)),
        });
    }

    let mut pressure: Vec<RawPressure> = Vec::new();
    for link in &spec.pressure {
        let group = link.group.get(&group_names);
        let state = link.state.get(&state_names);
        if pressure
            .iter()
            .any(|existing| &existing.group == group && &existing.state == state)
        {
            continue;
        }
        let key = format!("{group}:{state}");
        for (field, range) in [
            ("base_rate", (0.0, 1e5)),
            ("capacity_sensitivity", ELASTICITY),
            ("intelligence_sensitivity", ELASTICITY),
            ("spillover", SHARE),
        ] {
            dynamic.push(DynamicField {
                path: format!("pressure[{key:?}].{field}"),
                range,
            });
        }
        if link.lethality.is_some() {
            dynamic.push(DynamicField {
                path: format!("pressure[{key:?}].lethality"),
                range: (0.0, 1000.0),
            });
        }
        pressure.push(RawPressure {
            group: group.clone(),
            state: state.clone(),
            base_rate: numbers.value(&link.base_rate, (0.0, 1e5)),
            capacity_sensitivity: numbers.optional(
                &link.capacity_sensitivity,
                ELASTICITY,
                Num::Literal(0.0),
            ),
            intelligence_sensitivity: numbers.optional(
                &link.intelligence_sensitivity,
                ELASTICITY,
                Num::Literal(0.0),
            ),
            spillover: numbers.optional(&link.spillover, SHARE, Num::Literal(0.0)),
            lethality: (link.lethality.as_ref()).map(|spec| numbers.value(spec, (0.0, 1000.0))),
        });
    }

    let flow_names: Vec<String> = flows.iter().map(|flow| flow.name.clone()).collect();
    let mut events = Vec::new();
    for (position, event) in spec.events.iter().enumerate() {
        let when = match &event.trigger {
            TriggerSpec::At(month) => RawTrigger::At {
                month: numbers.months(month, within_horizon).0,
            },
            TriggerSpec::Hazard { monthly, from, to } => {
                let (from, from_high) = match from {
                    Some(from) => {
                        let (from, _, high) = numbers.months(from, within_horizon);
                        (from, high)
                    }
                    None => (Num::Literal(0.0), 0.0),
                };
                RawTrigger::Hazard {
                    monthly: numbers.value(monthly, SHARE),
                    from,
                    to: to
                        .as_ref()
                        .map(|to| numbers.months(to, (from_high, within_horizon.1)).0),
                }
            }
            TriggerSpec::Window {
                probability,
                from,
                to,
            } => {
                let (from, _, from_high) = numbers.months(from, within_horizon);
                RawTrigger::Window {
                    probability: numbers.value(probability, SHARE),
                    from,
                    to: numbers.months(to, (from_high, within_horizon.1)).0,
                }
            }
            TriggerSpec::When {
                actor,
                metric,
                op,
                threshold,
                months,
                probability,
                delay,
            } => {
                let (actor, metric) = series(&state_names, &group_names, actor, metric);
                RawTrigger::When {
                    metric,
                    actor,
                    op: *op.get(&COMPARISONS),
                    threshold: Num::Literal(*threshold),
                    months: months.within((1.0, f64::from(horizon))).round() as u32,
                    probability: numbers.optional(probability, SHARE, Num::Literal(1.0)),
                    delay: delay.as_ref().map(|delay| match delay {
                        DelaySpec::Bounded(dist) => {
                            distribution(dist, (0.0, 2.0 * f64::from(horizon))).0
                        }
                        DelaySpec::UnboundedLogNormal { median, sigma } => {
                            RawDistribution::LogNormal {
                                median: *median,
                                sigma: *sigma,
                                min: None,
                                max: None,
                            }
                        }
                        DelaySpec::Huge => RawDistribution::Uniform {
                            min: 0.0,
                            max: 1e300,
                        },
                    }),
                }
            }
        };
        let effects = event
            .effects
            .iter()
            .map(|effect| match effect {
                EffectSpec::EndFlow(flow) if !flow_names.is_empty() => RawEffect::EndFlow {
                    flow: flow.get(&flow_names).clone(),
                },
                EffectSpec::StartFlow(flow) if !flow_names.is_empty() => RawEffect::StartFlow {
                    flow: flow.get(&flow_names).clone(),
                },
                EffectSpec::ScaleFlow(flow, factor) if !flow_names.is_empty() => {
                    RawEffect::ScaleFlow {
                        flow: flow.get(&flow_names).clone(),
                        factor: numbers.value(factor, FACTOR),
                    }
                }
                EffectSpec::Shock(actor, variable, change) => {
                    let (actor, _) = series(&state_names, &group_names, actor, variable);
                    let variable = if state_names.contains(&actor) {
                        *variable.get(&[
                            Metric::Capacity,
                            Metric::Control,
                            Metric::Stability,
                            Metric::Intelligence,
                        ])
                    } else {
                        Metric::Strength
                    };
                    RawEffect::Shock {
                        actor,
                        variable,
                        change: numbers.value(change, (-1e9, 1e9)),
                    }
                }
                EffectSpec::SetParameter(target, value) => {
                    let target = target.get(&dynamic);
                    RawEffect::SetParameter {
                        path: target.path.clone(),
                        value: numbers.value(value, target.range),
                    }
                }
                // With no flows, a flow effect becomes a parameter scaling.
                EffectSpec::ScaleParameter(target, factor)
                | EffectSpec::ScaleFlow(target, factor) => RawEffect::ScaleParameter {
                    path: target.get(&dynamic).path.clone(),
                    factor: numbers.value(factor, FACTOR),
                },
                EffectSpec::EndFlow(target) | EffectSpec::StartFlow(target) => {
                    RawEffect::ScaleParameter {
                        path: target.get(&dynamic).path.clone(),
                        factor: Num::Literal(0.5),
                    }
                }
            })
            .collect();
        events.push(RawEvent {
            name: name("E", position, &event.suffix),
            label: None,
            description: String::new(),
            when,
            effects,
        });
    }

    let event_names: Vec<String> = events.iter().map(|event| event.name.clone()).collect();
    let outcomes = (spec.outcomes.iter().enumerate())
        .map(|(position, outcome)| {
            build_outcome(
                position,
                outcome,
                spec.horizon,
                &state_names,
                &group_names,
                &event_names,
            )
        })
        .collect();

    let (year, month) = spec.start;
    RawScenario {
        name: "generated".to_owned(),
        description: spec.description.clone(),
        start: format!(
            "{:04}-{month:02}",
            year.within((1000.0, 9999.0)).round() as i32
        ),
        horizon,
        runs: spec.runs,
        seed: spec.seed,
        model,
        actors,
        flows,
        pressure,
        events,
        uncertain: numbers.finish(),
        outcomes,
        metrics: Vec::new(),
    }
}

fn build_outcome(
    position: usize,
    outcome: &OutcomeSpec,
    horizon: u32,
    states: &[String],
    groups: &[String],
    events: &[String],
) -> RawOutcome {
    let name = name("O", position, &outcome.suffix);
    let (actor, metric) = series(states, groups, &outcome.actor, &outcome.metric);
    let last = f64::from(horizon - 1);
    let from = outcome
        .from
        .map(|from| from.within((0.0, last)).round() as u32);
    let to = outcome
        .to
        .map(|to| to.within((f64::from(from.unwrap_or(0)), last)).round() as u32);
    let op = *outcome.op.get(&COMPARISONS);
    let threshold = outcome.threshold;
    let kind = if events.is_empty() && outcome.kind >= 8 {
        4
    } else {
        outcome.kind
    };
    match kind {
        0 => RawOutcome::Sum {
            label: None,
            unit: None,
            name,
            metric,
            actor,
            from,
            to,
        },
        1 => RawOutcome::Mean {
            label: None,
            unit: None,
            name,
            metric,
            actor,
            from,
            to,
        },
        2 => RawOutcome::Max {
            label: None,
            unit: None,
            name,
            metric,
            actor,
            from,
            to,
        },
        3 => RawOutcome::Min {
            label: None,
            unit: None,
            name,
            metric,
            actor,
            from,
            to,
        },
        4 => RawOutcome::Final {
            label: None,
            unit: None,
            name,
            metric,
            actor,
        },
        5 => RawOutcome::FirstMonth {
            label: None,
            unit: None,
            name,
            metric,
            actor,
            op,
            threshold,
        },
        6 => RawOutcome::Any {
            label: None,
            unit: None,
            name,
            metric,
            actor,
            op,
            threshold,
            from,
            to,
        },
        7 => RawOutcome::All {
            label: None,
            unit: None,
            name,
            metric,
            actor,
            op,
            threshold,
            from,
            to,
        },
        8 => RawOutcome::EventFired {
            label: None,
            unit: None,
            name,
            event: outcome.event.get(events).clone(),
        },
        _ => RawOutcome::EventMonth {
            label: None,
            unit: None,
            name,
            event: outcome.event.get(events).clone(),
        },
    }
}

/// Fisher-Yates with SplitMix64 steps: a fixed order for a fixed seed.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed;
    for last in (1..items.len()).rev() {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        items.swap(last, (z % (last as u64 + 1)) as usize);
    }
}

// ---------------------------------------------------------------------------------------------
// Checks.

/// Parses `raw`'s canonical text back and validates it, failing with the problems and the text.
fn validated(raw: &RawScenario) -> Result<Scenario, TestCaseError> {
    let text = canonical_text(raw);
    let parsed =
        parse_str(&text).map_err(|error| TestCaseError::fail(format!("{error}\nin:\n{text}")))?;
    prop_assert_eq!(
        canonical_text(&parsed),
        text.clone(),
        "the canonical text does not read back to itself"
    );
    validate(parsed).map_err(|problems| {
        let problems: Vec<String> = problems.iter().map(Problem::to_string).collect();
        TestCaseError::fail(format!(
            "a generated scenario is invalid:\n  {}\n{text}",
            problems.join("\n  ")
        ))
    })
}

/// The invariants of one replication's output.
fn check_replication(scenario: &Scenario, output: &RunOutput) -> Result<(), TestCaseError> {
    let horizon = scenario.horizon_months;
    prop_assert_eq!(output.series.len(), scenario.series.len() * horizon);
    for (index, series) in scenario.series.iter().enumerate() {
        for month in 0..horizon {
            let value = output.series[index * horizon + month];
            let at = format!(
                "{} of {:?} in month {month}: {value}",
                series.metric.as_str(),
                series.actor_name
            );
            prop_assert!(value.is_finite(), "not finite: {}", at);
            match series.metric {
                count if count.is_count() => {
                    prop_assert!(value >= 0.0 && value.fract() == 0.0, "not a count: {}", at);
                }
                Metric::Strength | Metric::Capacity => {
                    prop_assert!(value >= 0.0, "negative: {}", at);
                }
                _ => {
                    prop_assert!((0.0..=1.0).contains(&value), "outside 0..=1: {}", at);
                }
            }
        }
    }
    // With event types, the three types add up to all events and all deaths of a state (M6d).
    for (state, _) in scenario.states.iter().enumerate() {
        let actor = ActorRef::State(state);
        let Some(battles) = scenario.series_index(Metric::Battles, actor) else {
            continue;
        };
        let parts = |first: usize| (first..first + 3).map(|index| index * horizon);
        let attacks = scenario.series_index(Metric::Attacks, actor).unwrap() * horizon;
        let deaths = scenario.series_index(Metric::Fatalities, actor).unwrap() * horizon;
        for month in 0..horizon {
            let events: f64 = parts(battles).map(|at| output.series[at + month]).sum();
            let killed: f64 = parts(battles + 3).map(|at| output.series[at + month]).sum();
            prop_assert_eq!(events, output.series[attacks + month]);
            prop_assert_eq!(killed, output.series[deaths + month]);
        }
    }
    for (index, month) in output.event_months.iter().enumerate() {
        if let Some(month) = month {
            prop_assert!(
                (*month as usize) < horizon,
                "event {:?} fired in month {month}, past the horizon",
                scenario.events[index].name
            );
        }
    }
    for (outcome, &value) in scenario.outcomes.iter().zip(&output.outcomes) {
        let what = format!("outcome {:?} = {value}", outcome.name);
        let month = |value: f64| value.fract() == 0.0 && value >= 0.0 && value < horizon as f64;
        match outcome.kind {
            OutcomeKind::FirstMonth { .. } => {
                prop_assert!(value.is_nan() || month(value), "{}", what);
            }
            OutcomeKind::EventMonth { event } => {
                prop_assert!(value.is_nan() || month(value), "{}", what);
                prop_assert_eq!(value.is_nan(), output.event_months[event].is_none());
            }
            OutcomeKind::Any { .. } | OutcomeKind::All { .. } | OutcomeKind::EventFired { .. } => {
                prop_assert!(value == 0.0 || value == 1.0, "{}", what);
            }
            OutcomeKind::Sum { series, .. }
            | OutcomeKind::Mean { series, .. }
            | OutcomeKind::Max { series, .. }
            | OutcomeKind::Min { series, .. }
            | OutcomeKind::Final { series } => {
                prop_assert!(value.is_finite(), "{}", what);
                let is_sum = matches!(outcome.kind, OutcomeKind::Sum { .. });
                match scenario.series[series].metric {
                    Metric::Control | Metric::Stability | Metric::Intelligence if !is_sum => {
                        prop_assert!((0.0..=1.0).contains(&value), "{}", what);
                    }
                    _ => prop_assert!(value >= 0.0, "{}", what),
                }
            }
        }
    }
    Ok(())
}

/// Attacks of all groups over the whole horizon in one replication's `output`.
fn group_attacks(scenario: &Scenario, output: &RunOutput) -> f64 {
    let horizon = scenario.horizon_months;
    scenario
        .series
        .iter()
        .enumerate()
        .filter(|(_, series)| {
            series.metric == Metric::Attacks && matches!(series.actor, ActorRef::Group(_))
        })
        .map(|(index, _)| {
            output.series[index * horizon..(index + 1) * horizon]
                .iter()
                .sum::<f64>()
        })
        .sum()
}

/// Runs `scenario` replication by replication, checking each, then the same replications
/// through the engine, checking its summaries; [`ATTACK_BUDGET`] bounds the number of
/// replications.
fn check_runs(scenario: &Scenario, seed: u64) -> Result<(), TestCaseError> {
    let mut workspace = Workspace::default();
    let mut output = RunOutput::default();
    let mut attacks = 0.0;
    let mut runs = 0;
    while runs < RUNS && (runs == 0 || attacks < ATTACK_BUDGET) {
        simulate(scenario, seed, runs, &mut workspace, &mut output);
        check_replication(scenario, &output)
            .map_err(|failure| TestCaseError::fail(format!("replication {runs}: {failure}")))?;
        attacks += group_attacks(scenario, &output);
        runs += 1;
    }
    let plan = RunPlan { seed, runs };
    let mut rows = 0;
    let aggregate = run(scenario, &plan, |block| {
        rows += block.rows().count();
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|never| match never {});
    prop_assert_eq!(aggregate.runs, runs);
    if !scenario.outcomes.is_empty() {
        prop_assert_eq!(rows as u64, runs);
    }
    for counts in &aggregate.events {
        let probability = counts.probability();
        prop_assert!(
            (0.0..=1.0).contains(&probability),
            "event probability {}",
            probability
        );
    }
    for (outcome, distribution) in scenario.outcomes.iter().zip(&aggregate.outcomes) {
        let summary = distribution.summary();
        for value in [
            summary.mean,
            summary.sd,
            summary.mcse,
            summary.min,
            summary.max,
        ]
        .into_iter()
        .chain(summary.quantiles)
        .flatten()
        {
            prop_assert!(
                value.is_finite(),
                "outcome {:?}: summary {:?}",
                outcome.name,
                summary
            );
        }
    }
    for distribution in &aggregate.series {
        let summary = distribution.summary();
        prop_assert!(
            summary.mean.is_some_and(f64::is_finite),
            "series summary {:?}",
            summary
        );
    }
    Ok(())
}

/// A case's scenario, kept on disk while the case runs: a case killed by the time limit leaves it
/// behind in `<target>/tmp/properties/<scenario hash>.ron`, where the test's failure message
/// (which can only show the [`Spec`]) does not.
struct PendingCase(PathBuf);

impl PendingCase {
    fn new(raw: &RawScenario) -> PendingCase {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("properties");
        let file = dir.join(format!("{}.ron", hash_of(raw)));
        // Best effort: the file only helps to read a failure.
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(&file, canonical_text(raw));
        PendingCase(file)
    }
}

impl Drop for PendingCase {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Invalid mutations.

/// One change that makes a valid scenario invalid, with the path validation must report.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    NegativeVolume,
    ReliabilityAboveOne,
    /// `1e999` (infinity), `-1e999` or `NaN` written in the text of a state's control.
    NonFiniteControl(u8),
    CapacityZero,
    CeilingNotAboveStrength,
    UnknownActorInFlow,
    UnknownStateInArea,
    UnknownParameter,
    DuplicateActorName,
    DuplicateFlowName,
    HorizonZero,
    HorizonTooLong,
    EmptyActors,
    StartMonth13,
    OutcomeWindowPastHorizon,
    EventPastHorizon,
    UniformMaxBelowMin,
    NameWithLineBreak,
    RunsZero,
    BaseRateTooHigh,
    ModelCoefficientTooHigh,
    SetFixedField,
    WhenMonthsZero,
    GroupWithoutAreas,
    StateNeighboursItself,
    EventWithoutEffects,
}

const MUTATIONS: [Mutation; 28] = [
    Mutation::NegativeVolume,
    Mutation::ReliabilityAboveOne,
    Mutation::NonFiniteControl(0),
    Mutation::NonFiniteControl(1),
    Mutation::NonFiniteControl(2),
    Mutation::CapacityZero,
    Mutation::CeilingNotAboveStrength,
    Mutation::UnknownActorInFlow,
    Mutation::UnknownStateInArea,
    Mutation::UnknownParameter,
    Mutation::DuplicateActorName,
    Mutation::DuplicateFlowName,
    Mutation::HorizonZero,
    Mutation::HorizonTooLong,
    Mutation::EmptyActors,
    Mutation::StartMonth13,
    Mutation::OutcomeWindowPastHorizon,
    Mutation::EventPastHorizon,
    Mutation::UniformMaxBelowMin,
    Mutation::NameWithLineBreak,
    Mutation::RunsZero,
    Mutation::BaseRateTooHigh,
    Mutation::ModelCoefficientTooHigh,
    Mutation::SetFixedField,
    Mutation::WhenMonthsZero,
    Mutation::GroupWithoutAreas,
    Mutation::StateNeighboursItself,
    Mutation::EventWithoutEffects,
];

/// A literal no generated field takes, replaced in the text by a non-finite number.
const MARKER: f64 = 0.123_456_789;

fn first_state(raw: &RawScenario) -> String {
    raw.actors
        .iter()
        .find(|actor| matches!(actor, RawActor::State { .. }))
        .map(|actor| actor.name().to_owned())
        .expect("a generated scenario has a state")
}

fn first_group(raw: &mut RawScenario) -> &mut RawActor {
    raw.actors
        .iter_mut()
        .find(|actor| matches!(actor, RawActor::Group { .. }))
        .expect("a generated scenario has a group")
}

/// The scenario's first flow, added if it has none.
fn first_flow(raw: &mut RawScenario) -> &mut RawFlow {
    if raw.flows.is_empty() {
        let state = first_state(raw);
        raw.flows.push(RawFlow {
            name: "added flow".to_owned(),
            from: state.clone(),
            to: state,
            kind: FlowKind::Military,
            volume: Num::Literal(1.0),
            start: None,
            end: None,
            standby: false,
            duration: None,
            reliability: Num::Literal(1.0),
            lag: Num::Literal(0.0),
            decay: Num::Literal(0.0),
        });
    }
    &mut raw.flows[0]
}

/// Adds an event firing at month 0 with `effects`, and returns its path.
fn add_event(raw: &mut RawScenario, when: RawTrigger, effects: Vec<RawEffect>) -> String {
    let name = "added event".to_owned();
    raw.events.push(RawEvent {
        name: name.clone(),
        label: None,
        description: String::new(),
        when,
        effects,
    });
    format!("events[{name:?}]")
}

/// Applies `mutation` to a valid scenario; returns the scenario's text and the path of the
/// problem validation must report.
fn mutate(mut raw: RawScenario, mutation: Mutation) -> (String, String) {
    let state = first_state(&raw);
    let path = match mutation {
        Mutation::NegativeVolume => {
            let flow = first_flow(&mut raw);
            flow.volume = Num::Literal(-1.0);
            format!("flows[{:?}].volume", flow.name)
        }
        Mutation::ReliabilityAboveOne => {
            let flow = first_flow(&mut raw);
            flow.reliability = Num::Literal(1.5);
            format!("flows[{:?}].reliability", flow.name)
        }
        Mutation::NonFiniteControl(_) | Mutation::CapacityZero => {
            for actor in &mut raw.actors {
                if let RawActor::State {
                    name,
                    control,
                    capacity,
                    ..
                } = actor
                    && *name == state
                {
                    if let Mutation::CapacityZero = mutation {
                        *capacity = Num::Literal(0.0);
                    } else {
                        *control = Num::Literal(MARKER);
                    }
                }
            }
            let field = match mutation {
                Mutation::CapacityZero => "capacity",
                _ => "control",
            };
            format!("actors[{state:?}].{field}")
        }
        Mutation::CeilingNotAboveStrength => {
            let RawActor::Group {
                name,
                strength,
                ceiling,
                ..
            } = first_group(&mut raw)
            else {
                unreachable!()
            };
            *strength = Num::Literal(500.0);
            *ceiling = Num::Literal(500.0);
            format!("actors[{name:?}].ceiling")
        }
        Mutation::UnknownActorInFlow => {
            let flow = first_flow(&mut raw);
            flow.to = "Atlantis".to_owned();
            format!("flows[{:?}].to", flow.name)
        }
        Mutation::UnknownStateInArea => {
            let RawActor::Group { name, areas, .. } = first_group(&mut raw) else {
                unreachable!()
            };
            areas[0].state = "Atlantis".to_owned();
            format!("actors[{name:?}].areas[0].state")
        }
        Mutation::UnknownParameter => {
            let RawActor::Group {
                name, lethality, ..
            } = first_group(&mut raw)
            else {
                unreachable!()
            };
            *lethality = Num::Param("no such parameter".to_owned());
            format!("actors[{name:?}].lethality")
        }
        Mutation::DuplicateActorName => {
            raw.actors.push(RawActor::Partner {
                name: state.clone(),
            });
            format!("actors[{state:?}].name")
        }
        Mutation::DuplicateFlowName => {
            let copy = first_flow(&mut raw).clone();
            raw.flows.push(copy.clone());
            format!("flows[{:?}].name", copy.name)
        }
        Mutation::HorizonZero | Mutation::HorizonTooLong => {
            // Keep the outcomes and events valid as far as a horizon of 0 or 601 allows.
            raw.horizon = match mutation {
                Mutation::HorizonZero => 0,
                _ => MAX_HORIZON_MONTHS + 1,
            };
            "horizon".to_owned()
        }
        Mutation::EmptyActors => {
            raw.actors.clear();
            "actors".to_owned()
        }
        Mutation::StartMonth13 => {
            raw.start = "2025-13".to_owned();
            "start".to_owned()
        }
        Mutation::OutcomeWindowPastHorizon => {
            let name = "added outcome".to_owned();
            raw.outcomes.push(RawOutcome::Sum {
                name: name.clone(),
                label: None,
                unit: None,
                metric: Metric::Attacks,
                actor: state.clone(),
                from: None,
                to: Some(raw.horizon),
            });
            format!("outcomes[{name:?}].to")
        }
        Mutation::EventPastHorizon => {
            let month = Num::Literal(f64::from(raw.horizon));
            let effects = vec![RawEffect::Shock {
                actor: state.clone(),
                variable: Metric::Control,
                change: Num::Literal(-0.1),
            }];
            let event = add_event(&mut raw, RawTrigger::At { month }, effects);
            format!("{event}.when.month")
        }
        Mutation::UniformMaxBelowMin => {
            let name = "added parameter".to_owned();
            raw.uncertain.push(RawUncertain {
                name: name.clone(),
                dist: RawDistribution::Uniform { min: 1.0, max: 0.5 },
            });
            format!("uncertain[{name:?}].dist.max")
        }
        Mutation::NameWithLineBreak => {
            let flow = first_flow(&mut raw);
            flow.name = "two\nlines".to_owned();
            format!("flows[{:?}].name", flow.name)
        }
        Mutation::RunsZero => {
            raw.runs = Some(0);
            "runs".to_owned()
        }
        Mutation::BaseRateTooHigh => {
            let group = first_group(&mut raw).name().to_owned();
            raw.pressure
                .retain(|link| link.group != group || link.state != state);
            raw.pressure.push(RawPressure {
                group: group.clone(),
                state: state.clone(),
                base_rate: Num::Literal(1e5 + 1.0),
                capacity_sensitivity: Num::Literal(0.0),
                intelligence_sensitivity: Num::Literal(0.0),
                spillover: Num::Literal(0.0),
                lethality: None,
            });
            format!("pressure[{:?}].base_rate", format!("{group}:{state}"))
        }
        Mutation::ModelCoefficientTooHigh => {
            raw.model.severity_sigma = Num::Literal(5.5);
            "model.severity_sigma".to_owned()
        }
        Mutation::SetFixedField => {
            let effects = vec![RawEffect::SetParameter {
                path: format!("actors[{state:?}].capacity"),
                value: Num::Literal(1.0),
            }];
            let month = Num::Literal(0.0);
            let event = add_event(&mut raw, RawTrigger::At { month }, effects);
            format!("{event}.effects[0].path")
        }
        Mutation::WhenMonthsZero => {
            let when = RawTrigger::When {
                metric: Metric::Control,
                actor: state.clone(),
                op: Comparison::Below,
                threshold: Num::Literal(0.5),
                months: 0,
                probability: Num::Literal(1.0),
                delay: None,
            };
            let effects = vec![RawEffect::Shock {
                actor: state.clone(),
                variable: Metric::Control,
                change: Num::Literal(-0.1),
            }];
            let event = add_event(&mut raw, when, effects);
            format!("{event}.when.months")
        }
        Mutation::GroupWithoutAreas => {
            let RawActor::Group { name, areas, .. } = first_group(&mut raw) else {
                unreachable!()
            };
            areas.clear();
            format!("actors[{name:?}].areas")
        }
        Mutation::StateNeighboursItself => {
            for actor in &mut raw.actors {
                if let RawActor::State {
                    name, neighbours, ..
                } = actor
                    && *name == state
                {
                    neighbours.insert(0, state.clone());
                }
            }
            format!("actors[{state:?}].neighbours[0]")
        }
        Mutation::EventWithoutEffects => {
            let month = Num::Literal(0.0);
            let event = add_event(&mut raw, RawTrigger::At { month }, Vec::new());
            format!("{event}.effects")
        }
    };
    let mut text = canonical_text(&raw);
    if let Mutation::NonFiniteControl(kind) = mutation {
        let marker = format!("{MARKER}");
        assert_eq!(text.matches(&marker).count(), 1, "the marker is unique");
        let non_finite = ["1e999", "-1e999", "NaN"][kind as usize];
        text = text.replace(&marker, non_finite);
    }
    (text, path)
}

// ---------------------------------------------------------------------------------------------
// The properties.

proptest! {
    #![proptest_config(config())]

    /// Any valid scenario generated from the schema reads back from its canonical text,
    /// validates, and runs without panicking; every output keeps its documented range.
    #[test]
    fn generated_scenarios_validate_and_run_within_documented_ranges(
        spec in spec(),
        seed in any::<u64>(),
    ) {
        let raw = build(&spec);
        let scenario = validated(&raw)?;
        let _pending = PendingCase::new(&raw);
        check_runs(&scenario, seed).map_err(|failure| {
            TestCaseError::fail(format!("{failure}\nseed {seed}, scenario:\n{}", canonical_text(&raw)))
        })?;
    }

    /// One invalid change to a valid scenario is refused by validation (never a panic), with a
    /// problem at the changed field's path, which the error message quotes.
    #[test]
    fn invalid_mutations_are_refused_at_their_field_path(
        spec in spec(),
        mutation in proptest::sample::select(&MUTATIONS[..]),
    ) {
        let (text, path) = mutate(build(&spec), mutation);
        let raw = match parse_str(&text) {
            Ok(raw) => raw,
            // A syntax error is a refusal too; none of the mutations should need one.
            Err(error) => {
                return Err(TestCaseError::fail(format!("{mutation:?}: syntax error {error}")));
            }
        };
        let problems = match validate(raw) {
            Ok(_) => return Err(TestCaseError::fail(format!("{mutation:?} accepted:\n{text}"))),
            Err(problems) => problems,
        };
        prop_assert!(
            problems.iter().any(|problem| problem.path == path),
            "{:?}: no problem at {}; problems: {:?}",
            mutation,
            path,
            problems
        );
        let message = secsim::scenario::ScenarioError::Invalid {
            file: PathBuf::from("generated.ron"),
            problems,
        }
        .to_string();
        prop_assert!(message.contains(&path), "{}", message);
    }
}
