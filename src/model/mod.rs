//! One replication of the model in MODEL.md: a pure function of (scenario, seed, replication
//! index). No I/O, no global state, no dependence on the thread it runs on.
//!
//! The equations are numbered in MODEL.md; comments here point to them as (M1), (M2), ...

pub mod rng;
pub mod sample;
mod ziggurat_tables;

use rand::RngExt;

use crate::math;
use crate::scenario::{
    ActorRef, Effect, FlowKind, Metric, OutcomeKind, Scenario, Slot, Source, Trigger,
};
use rng::{ElementStreams, INIT_SLOT, StreamRng, mix, month_slot, stream};

/// Smoothing weight of the latest month in the violence memory behind stability (M12): about a
/// three-month memory, long enough that one bad month does not topple a regime on its own.
const VIOLENCE_MEMORY_WEIGHT: f64 = 0.25;
/// Attrition cannot remove more than this share of a group's fighters in one month.
const MAX_MONTHLY_ATTRITION: f64 = 0.95;

/// What one replication produces.
#[derive(Debug, Clone, Default)]
pub struct RunOutput {
    /// Recorded series, series-major: `series[series_index * horizon + month]`.
    pub series: Vec<f64>,
    /// Month each event fired in, if it did.
    pub event_months: Vec<Option<u32>>,
    /// One value per outcome; NaN where the replication has none (e.g. a threshold never crossed).
    pub outcomes: Vec<f64>,
}

/// Scratch space reused across replications on one thread, so that the month loop allocates
/// nothing.
#[derive(Debug, Default)]
pub struct Workspace {
    values: Vec<f64>,
    draws: Vec<f64>,
    flow_start: Vec<i64>,
    flow_end: Vec<i64>,
    flow_scale: Vec<f64>,
    flow_effect: Vec<f64>,
    flow_retention: Vec<f64>,
    flow_lag: Vec<i64>,
    own_capacity: Vec<f64>,
    capacity: Vec<f64>,
    intelligence: Vec<f64>,
    capacity_ref: Vec<f64>,
    intelligence_ref: Vec<f64>,
    effectiveness_ref: Vec<f64>,
    control: Vec<f64>,
    control_start: Vec<f64>,
    stability: Vec<f64>,
    stability_start: Vec<f64>,
    fighters_start: Vec<f64>,
    violence_memory: Vec<f64>,
    violence_ref: Vec<f64>,
    intel_sum: Vec<f64>,
    strength: Vec<f64>,
    strength_start: Vec<f64>,
    strength_room_start: Vec<f64>,
    area_weights: Vec<Vec<f64>>,
    expected_attacks: Vec<f64>,
    attacks: Vec<f64>,
    fatalities: Vec<f64>,
    streak: Vec<u32>,
    pending: Vec<Option<usize>>,
    /// Random streams of each element in this replication, hashed once (see [`ElementStreams`]).
    state_streams: Vec<ElementStreams>,
    group_streams: Vec<ElementStreams>,
    /// Per (group, state) cell, `cell_streams[group * n_states + state]`: attack counts and deaths.
    cell_streams: Vec<ElementStreams>,
    flow_streams: Vec<ElementStreams>,
    event_streams: Vec<ElementStreams>,
    /// Per state: the capacity and intelligence factors of (M4) and the exponential of (M3),
    /// last computed (see [`Remembered`]).
    capacity_factor: Vec<Remembered>,
    intelligence_factor: Vec<Remembered>,
    intelligence_exp: Vec<Remembered>,
    /// Per cell: deaths per attack (M7), refreshed whenever an event changes parameters.
    severity: Vec<sample::Severity>,
    /// With event types (M6c-M7c): per cell, the expected events the state's side initiates;
    /// per group, its cumulative shares of event types and each type's severity relative to
    /// the group's mean; per cell, the month's events and deaths by type (both sides) and the
    /// events the state's side initiated.
    state_rate: Vec<f64>,
    operations_factor: Vec<Remembered>,
    type_cumulative: Vec<[f64; 3]>,
    type_scale: Vec<[f64; 3]>,
    typed_events: Vec<[f64; 3]>,
    typed_deaths: Vec<[f64; 3]>,
    state_events: Vec<f64>,
}

/// The last result of a pure function of two numbers, kept with the bits of the arguments it was
/// computed from. Asked again with the same arguments it returns the kept value, which is exactly
/// what computing it would give; with others it computes. The month loop asks the same `powf` and
/// `exp` often: every link on a state shares the state's capacity ratio and intelligence gap and,
/// usually, its sensitivities, and a state without intelligence support keeps the same sum.
#[derive(Debug, Clone, Copy, Default)]
struct Remembered {
    arguments: Option<(u64, u64)>,
    value: f64,
}

impl Remembered {
    /// `compute()`, which must be a function of `arguments` alone, or the value kept for them.
    fn get(&mut self, arguments: (f64, f64), compute: impl FnOnce() -> f64) -> f64 {
        let bits = Some((arguments.0.to_bits(), arguments.1.to_bits()));
        if self.arguments != bits {
            self.value = compute();
            self.arguments = bits;
        }
        self.value
    }
}

fn resize<T: Clone>(vector: &mut Vec<T>, len: usize, value: T) {
    vector.clear();
    vector.resize(len, value);
}

impl Workspace {
    fn value(&self, slot: Slot) -> f64 {
        self.values[slot.0 as usize]
    }
}

fn odds(probability: f64) -> f64 {
    probability / (1.0 - probability)
}

fn from_odds(odds: f64) -> f64 {
    if odds.is_infinite() {
        1.0
    } else {
        odds / (1.0 + odds)
    }
}

/// Runs replication `run_index` of `scenario` with `seed`, writing into `output`.
pub fn simulate(
    scenario: &Scenario,
    seed: u64,
    run_index: u64,
    workspace: &mut Workspace,
    output: &mut RunOutput,
) {
    let horizon = scenario.horizon_months;
    let n_states = scenario.states.len();
    let n_groups = scenario.groups.len();
    let n_flows = scenario.flows.len();
    let ws = workspace;
    // Not cleared: `record` writes every series-month before anything reads it.
    output.series.resize(scenario.series.len() * horizon, 0.0);
    resize(&mut output.event_months, scenario.events.len(), None);
    resize(&mut output.outcomes, scenario.outcomes.len(), f64::NAN);

    // Uncertain parameters: one draw each per replication, from the parameter's own stream.
    ws.draws.clear();
    for uncertain in &scenario.uncertain {
        let mut rng = stream(seed, uncertain.stream_key, run_index, INIT_SLOT);
        ws.draws
            .push(sample::draw(&uncertain.distribution, &mut rng));
    }
    ws.values.clear();
    for (index, source) in scenario.slots.sources.iter().enumerate() {
        let value = match *source {
            Source::Literal(value) => value,
            Source::Param(param) => ws.draws[param],
        };
        ws.values.push(if scenario.slots.whole_months[index] {
            value.round()
        } else {
            value
        });
    }
    let model = &scenario.model;
    element_streams(scenario, seed, run_index, ws);
    refresh_severity(scenario, ws);
    resize(&mut ws.capacity_factor, n_states, Remembered::default());
    resize(&mut ws.intelligence_factor, n_states, Remembered::default());
    resize(&mut ws.intelligence_exp, n_states, Remembered::default());
    resize(&mut ws.operations_factor, n_states, Remembered::default());

    // Flows (M1): timing, and the effect already built up before month 0.
    resize(&mut ws.flow_start, n_flows, 0);
    resize(&mut ws.flow_end, n_flows, i64::MAX);
    resize(&mut ws.flow_scale, n_flows, 1.0);
    resize(&mut ws.flow_effect, n_flows, 0.0);
    resize(&mut ws.flow_retention, n_flows, 0.0);
    resize(&mut ws.flow_lag, n_flows, 0);
    for (index, flow) in scenario.flows.iter().enumerate() {
        let half_life = ws.value(flow.decay);
        ws.flow_retention[index] = if half_life > 0.0 {
            math::pow(0.5, 1.0 / half_life)
        } else {
            0.0
        };
        ws.flow_lag[index] = ws.value(flow.lag) as i64;
        match flow.start {
            // A standby flow sends nothing until an event starts it.
            None => ws.flow_start[index] = i64::MAX,
            Some(start) => {
                ws.flow_start[index] = ws.value(start) as i64;
                ws.flow_end[index] = flow.end.map_or(i64::MAX, |end| ws.value(end) as i64);
            }
        }
        let sent = -1 - ws.flow_lag[index];
        if ws.flow_start[index] <= sent && sent < ws.flow_end[index] {
            // The flow's expected effect in its steady state (M1): a tranche arrives with
            // probability r, else the effect decays by rho, so E[E] = v r / (1 - (1 - r) rho).
            // Starting from it (not from the full volume) keeps month 0 at the reference in
            // expectation, so an unreliable flow does not make the baseline drift.
            let reliability = ws.value(flow.reliability);
            let retention = ws.flow_retention[index];
            let steady = 1.0 - (1.0 - reliability) * retention;
            ws.flow_effect[index] = if steady > 0.0 {
                ws.value(flow.volume) * reliability / steady
            } else {
                0.0
            };
        }
    }

    // States: initial conditions and the month-0 references that rates are relative to (M2, M3).
    resize(&mut ws.own_capacity, n_states, 0.0);
    resize(&mut ws.control, n_states, 0.0);
    resize(&mut ws.stability, n_states, 0.0);
    for (index, state) in scenario.states.iter().enumerate() {
        ws.own_capacity[index] = ws.value(state.capacity);
        ws.control[index] = ws.value(state.control);
        ws.stability[index] = ws.value(state.stability);
    }
    ws.control_start.clone_from(&ws.control);
    ws.stability_start.clone_from(&ws.stability);
    support_levels(scenario, ws);
    // The reference the rates are relative to: the state's explicit `reference` when it has
    // one; otherwise the month-0 support computed above (what the file lists as in place).
    ws.capacity_ref.clone_from(&ws.capacity);
    ws.intelligence_ref.clone_from(&ws.intelligence);
    for (index, state) in scenario.states.iter().enumerate() {
        if let Some((capacity, intelligence)) = state.reference {
            ws.capacity_ref[index] = ws.value(capacity);
            ws.intelligence_ref[index] = ws.value(intelligence);
        }
    }
    let area_fire = ws.value(model.area_fire_effectiveness);
    ws.effectiveness_ref.clear();
    for state in 0..n_states {
        let effectiveness =
            ws.capacity_ref[state] * (area_fire + (1.0 - area_fire) * ws.intelligence_ref[state]);
        ws.effectiveness_ref.push(effectiveness.max(1e-9));
    }

    // Groups.
    resize(&mut ws.strength, n_groups, 0.0);
    resize(&mut ws.strength_room_start, n_groups, 1.0);
    ws.area_weights.resize(n_groups, Vec::new());
    resize(&mut ws.fighters_start, n_states, 0.0);
    for (index, group) in scenario.groups.iter().enumerate() {
        let strength = ws.value(group.strength);
        ws.strength[index] = strength;
        ws.strength_room_start[index] = (1.0 - strength / ws.value(group.ceiling)).max(1e-3);
        let total: f64 = group
            .areas
            .iter()
            .map(|&(_, weight)| ws.value(weight))
            .sum();
        let weights = &mut ws.area_weights[index];
        weights.clear();
        for &(state, weight) in &group.areas {
            let share = if total > 0.0 {
                ws.values[weight.0 as usize] / total
            } else {
                0.0
            };
            weights.push(share);
            ws.fighters_start[state] += strength * share;
        }
    }
    ws.strength_start.clone_from(&ws.strength);

    // Expected month-0 fatalities per state: the reference for the violence memory (M12).
    resize(&mut ws.expected_attacks, n_groups * n_states, 0.0);
    resize(&mut ws.state_rate, n_groups * n_states, 0.0);
    expected_attacks(scenario, ws, true);
    resize(&mut ws.violence_ref, n_states, 0.0);
    let typed = scenario.model.event_types.is_some();
    let state_shares = state_type_shares(scenario, ws, None);
    for group in 0..n_groups {
        for state in 0..n_states {
            let cell = group * n_states + state;
            let lethality = ws.severity[cell].mean_deaths();
            // A group's own events average its lethality over its shares (M7c); the state's
            // events in its cells weigh each type's severity by the state's shares.
            let state_lethality = if typed {
                lethality
                    * (0..3)
                        .map(|kind| state_shares[kind] * ws.type_scale[group][kind])
                        .sum::<f64>()
            } else {
                0.0
            };
            ws.violence_ref[state] +=
                ws.expected_attacks[cell] * lethality + ws.state_rate[cell] * state_lethality;
        }
    }
    ws.violence_memory.clone_from(&ws.violence_ref);

    // Events: window events draw their month once, up front.
    resize(&mut ws.streak, scenario.events.len(), 0);
    resize(&mut ws.pending, scenario.events.len(), None);
    for (index, event) in scenario.events.iter().enumerate() {
        if let Trigger::Window {
            probability,
            from,
            to,
        } = event.trigger
        {
            let mut rng = ws.event_streams[index].month(INIT_SLOT);
            if rng.random::<f64>() < ws.value(probability) {
                let (from, to) = (ws.value(from) as usize, ws.value(to) as usize);
                let to = to.max(from);
                ws.pending[index] =
                    Some(from + (rng.random::<f64>() * (to - from + 1) as f64) as usize);
            }
        }
    }

    resize(&mut ws.attacks, n_groups * n_states, 0.0);
    resize(&mut ws.fatalities, n_groups * n_states, 0.0);
    resize(&mut ws.typed_events, n_groups * n_states, [0.0; 3]);
    resize(&mut ws.typed_deaths, n_groups * n_states, [0.0; 3]);
    resize(&mut ws.state_events, n_groups * n_states, 0.0);
    for month in 0..horizon {
        fire_due_events(scenario, month, ws, output);
        deliver_flows(scenario, month, ws);
        support_levels(scenario, ws);
        expected_attacks(scenario, ws, false);
        draw_violence(scenario, month, ws);
        update_groups(scenario, month, ws);
        update_states(scenario, ws);
        record(scenario, month, ws, output);
        check_triggers(scenario, month, ws, output);
    }
    compute_outcomes(scenario, output);
}

/// Hashes (seed, element, replication) once for every element that draws in the month loop.
fn element_streams(scenario: &Scenario, seed: u64, run_index: u64, ws: &mut Workspace) {
    let fill = |streams: &mut Vec<ElementStreams>, keys: &mut dyn Iterator<Item = u64>| {
        streams.clear();
        streams.extend(keys.map(|key| ElementStreams::new(seed, key, run_index)));
    };
    fill(
        &mut ws.state_streams,
        &mut scenario.states.iter().map(|state| state.stream_key),
    );
    fill(
        &mut ws.group_streams,
        &mut scenario.groups.iter().map(|group| group.stream_key),
    );
    fill(
        &mut ws.flow_streams,
        &mut scenario.flows.iter().map(|flow| flow.stream_key),
    );
    fill(
        &mut ws.event_streams,
        &mut scenario.events.iter().map(|event| event.stream_key),
    );
    // A cell's key combines its group's and its state's, in group-major order like the cells.
    let mut cell_keys = scenario.groups.iter().flat_map(|group| {
        scenario
            .states
            .iter()
            .map(|state| mix(group.stream_key ^ mix(state.stream_key)))
    });
    fill(&mut ws.cell_streams, &mut cell_keys);
}

/// Capacity and intelligence of every state from its own means and the current support (M2, M3).
fn support_levels(scenario: &Scenario, ws: &mut Workspace) {
    let model = &scenario.model;
    ws.capacity.clone_from(&ws.own_capacity);
    resize(&mut ws.intel_sum, scenario.states.len(), 0.0);
    for (index, flow) in scenario.flows.iter().enumerate() {
        let effect = ws.flow_effect[index];
        let per_unit = match flow.kind {
            FlowKind::Intelligence => {
                ws.intel_sum[flow.to] += effect;
                continue;
            }
            FlowKind::Military => model.capacity_per_military_usd_m,
            FlowKind::Financial => model.capacity_per_financial_usd_m,
            FlowKind::Training => model.capacity_per_trainer,
            FlowKind::Troops => model.capacity_per_troop,
        };
        ws.capacity[flow.to] += ws.value(per_unit) * effect;
    }
    ws.intelligence.clear();
    for (index, state) in scenario.states.iter().enumerate() {
        let own = ws.value(state.intelligence);
        let sum = ws.intel_sum[index];
        let gap_left = ws.intelligence_exp[index].get((sum, 0.0), || math::exp(-sum));
        ws.intelligence.push(1.0 - (1.0 - own) * gap_left);
    }
}

/// Tranches sent `lag` months ago arrive with probability `reliability`; the effect is the
/// latest arrival or the decayed previous effect, whichever is larger (M1).
fn deliver_flows(scenario: &Scenario, month: usize, ws: &mut Workspace) {
    for (index, flow) in scenario.flows.iter().enumerate() {
        let sent = month as i64 - ws.flow_lag[index];
        let mut arrived = 0.0;
        if ws.flow_start[index] <= sent && sent < ws.flow_end[index] {
            // A uniform draw is below 1, so a fully reliable flow's tranche arrives without one;
            // the stream is this flow's for this month alone, so no other number moves.
            let reliability = ws.value(flow.reliability);
            let arrives = reliability >= 1.0 || {
                let mut rng = ws.flow_streams[index].month(month_slot(sent));
                rng.random::<f64>() < reliability
            };
            if arrives {
                arrived = ws.value(flow.volume) * ws.flow_scale[index];
            }
        }
        ws.flow_effect[index] = arrived.max(ws.flow_retention[index] * ws.flow_effect[index]);
    }
}

/// Expected monthly attacks of every group on every state, with spillover (M4, M5), and with
/// event types the events the state's side initiates in every cell (M6c). With `at_start`, the
/// month-0 rates (all ratios 1) for the references.
fn expected_attacks(scenario: &Scenario, ws: &mut Workspace, at_start: bool) {
    let n_states = scenario.states.len();
    ws.expected_attacks.iter_mut().for_each(|rate| *rate = 0.0);
    let operations = scenario.model.event_types.as_ref().map(|types| {
        ws.state_rate.iter_mut().for_each(|rate| *rate = 0.0);
        (
            ws.value(types.state_initiated_share),
            ws.value(types.operations_capacity_elasticity),
        )
    });
    for link in &scenario.links {
        let base_rate = ws.value(link.base_rate);
        let mut rate = base_rate;
        let mut strength_ratio = 1.0;
        if !at_start {
            let strength_start = ws.strength_start[link.group];
            strength_ratio = if strength_start > 0.0 {
                ws.strength[link.group] / strength_start
            } else {
                0.0
            };
            let capacity_ratio = ws.capacity_ref[link.state] / ws.capacity[link.state].max(1e-9);
            let capacity_sensitivity = ws.value(link.capacity_sensitivity);
            let capacity_factor = ws.capacity_factor[link.state]
                .get((capacity_ratio, capacity_sensitivity), || {
                    math::pow(capacity_ratio, capacity_sensitivity)
                });
            let intelligence_gap = ws.intelligence_ref[link.state] - ws.intelligence[link.state];
            let intelligence_sensitivity = ws.value(link.intelligence_sensitivity);
            let intelligence_factor = ws.intelligence_factor[link.state]
                .get((intelligence_sensitivity, intelligence_gap), || {
                    math::exp(intelligence_sensitivity * intelligence_gap)
                });
            rate *= strength_ratio * capacity_factor * intelligence_factor;
        }
        let cell = link.group * n_states + link.state;
        if let Some((share, elasticity)) = operations {
            // (M6c) The state's side operates where the group is, as far as its forces allow:
            // its events follow the group's strength and its own capacity, not the group's
            // reasons to attack.
            let tempo = if at_start {
                1.0
            } else {
                let capacity = ws.capacity[link.state] / ws.capacity_ref[link.state].max(1e-9);
                strength_ratio
                    * ws.operations_factor[link.state]
                        .get((capacity, elasticity), || math::pow(capacity, elasticity))
            };
            ws.state_rate[cell] += share * base_rate * tempo;
            rate *= 1.0 - share;
        }
        ws.expected_attacks[cell] += rate;
        let neighbours = &scenario.states[link.state].neighbours;
        if !neighbours.is_empty() {
            let spilled = rate * ws.value(link.spillover) / neighbours.len() as f64;
            for &neighbour in neighbours {
                ws.expected_attacks[link.group * n_states + neighbour] += spilled;
            }
        }
    }
}

/// Shares of the state's events by type (M6d): violence against civilians grows with the
/// state's intelligence gap, the rest splits between remote violence and battles. `state` None:
/// at the reference (gap 0). Zeros without event types.
fn state_type_shares(scenario: &Scenario, ws: &Workspace, state: Option<usize>) -> [f64; 3] {
    let Some(types) = &scenario.model.event_types else {
        return [0.0; 3];
    };
    let civilian_share = ws.value(types.state_civilian_share);
    let gap_ratio = state.map_or(1.0, |state| {
        (1.0 - ws.intelligence[state]) / (1.0 - ws.intelligence_ref[state]).max(1e-9)
    });
    let civilians = (civilian_share * gap_ratio).min(1.0);
    let remote = (1.0 - civilians) * ws.value(types.state_remote_share);
    [1.0 - civilians - remote, remote, civilians]
}

/// Attack counts (negative binomial per state, M6) and their deaths (lognormal severity, M7).
/// A state's monthly tempo multiplies every group's rate there: violence in a country rises and
/// falls together (season, offensives), which is where ACLED's overdispersion is measured.
fn draw_violence(scenario: &Scenario, month: usize, ws: &mut Workspace) {
    if scenario.model.event_types.is_some() {
        draw_typed_violence(scenario, month, ws);
        return;
    }
    let n_states = scenario.states.len();
    let dispersion = ws.value(scenario.model.attack_dispersion);
    let severity_capacity = ws.value(scenario.model.severity_capacity_sensitivity);
    let severity_intelligence = ws.value(scenario.model.severity_intelligence_sensitivity);
    let slot = month_slot(month as i64);
    for state_index in 0..n_states {
        let mut tempo_rng = ws.state_streams[state_index].month(slot);
        let tempo = sample::tempo(dispersion, &mut tempo_rng);
        let severity = support_severity(ws, state_index, severity_capacity, severity_intelligence);
        for group_index in 0..scenario.groups.len() {
            let cell = group_index * n_states + state_index;
            let rate = ws.expected_attacks[cell] * tempo;
            if rate <= 0.0 {
                ws.attacks[cell] = 0.0;
                ws.fatalities[cell] = 0.0;
                continue;
            }
            let mut rng: StreamRng = ws.cell_streams[cell].month(slot);
            let attacks = sample::poisson(rate, &mut rng);
            ws.attacks[cell] = attacks;
            ws.fatalities[cell] = ws.severity[cell].total_deaths(attacks, severity, rng);
        }
    }
}

/// Severity of an attack relative to a group's lethality from the loss of support (M7b): deaths
/// per attack rise as capacity and intelligence fall below the reference. Exactly 1 at the
/// default sensitivities of 0.
fn support_severity(ws: &Workspace, state: usize, capacity: f64, intelligence: f64) -> f64 {
    if capacity == 0.0 && intelligence == 0.0 {
        return 1.0;
    }
    let capacity_ratio = ws.capacity_ref[state] / ws.capacity[state].max(1e-9);
    math::pow(capacity_ratio, capacity)
        * math::exp(intelligence * (ws.intelligence_ref[state] - ws.intelligence[state]))
}

/// Events by type and by side (M6c, M6d) and their deaths (M7, M7b, M7c): in each cell the
/// group's events and then the state's side's, from the cell's stream, typed one by one, then
/// each type's deaths.
fn draw_typed_violence(scenario: &Scenario, month: usize, ws: &mut Workspace) {
    let n_states = scenario.states.len();
    let dispersion = ws.value(scenario.model.attack_dispersion);
    let severity_capacity = ws.value(scenario.model.severity_capacity_sensitivity);
    let severity_intelligence = ws.value(scenario.model.severity_intelligence_sensitivity);
    let slot = month_slot(month as i64);
    for state_index in 0..n_states {
        let mut tempo_rng = ws.state_streams[state_index].month(slot);
        let tempo = sample::tempo(dispersion, &mut tempo_rng);
        let severity = support_severity(ws, state_index, severity_capacity, severity_intelligence);
        let state_shares = state_type_shares(scenario, ws, Some(state_index));
        let state_cumulative = cumulative(state_shares);
        for group_index in 0..scenario.groups.len() {
            let cell = group_index * n_states + state_index;
            let group_rate = ws.expected_attacks[cell] * tempo;
            let state_rate = ws.state_rate[cell] * tempo;
            let mut rng: StreamRng = ws.cell_streams[cell].month(slot);
            let group_events = if group_rate > 0.0 {
                sample::poisson(group_rate, &mut rng)
            } else {
                0.0
            };
            let by_group = split_by_type(group_events, &ws.type_cumulative[group_index], &mut rng);
            let state_events = if state_rate > 0.0 {
                sample::poisson(state_rate, &mut rng)
            } else {
                0.0
            };
            let by_state = split_by_type(state_events, &state_cumulative, &mut rng);
            let group_severity = ws.severity[cell];
            let scale = ws.type_scale[group_index];
            let mut deaths = [0.0; 3];
            for kind in 0..3 {
                deaths[kind] =
                    group_severity.total_deaths(by_group[kind], severity * scale[kind], &mut rng)
                        + group_severity.total_deaths(by_state[kind], scale[kind], &mut rng);
            }
            ws.typed_events[cell] = std::array::from_fn(|kind| by_group[kind] + by_state[kind]);
            ws.typed_deaths[cell] = deaths;
            ws.state_events[cell] = state_events;
            ws.attacks[cell] = group_events + state_events;
            ws.fatalities[cell] = deaths.iter().sum();
        }
    }
}

fn cumulative(shares: [f64; 3]) -> [f64; 3] {
    let total: f64 = shares.iter().sum();
    if total <= 0.0 {
        return [1.0 / 3.0, 2.0 / 3.0, 1.0];
    }
    [shares[0] / total, (shares[0] + shares[1]) / total, 1.0]
}

/// `events` typed one by one by a uniform draw against cumulative shares (M6d): a multinomial
/// split, exact for any count.
fn split_by_type(events: f64, cumulative: &[f64; 3], rng: &mut StreamRng) -> [f64; 3] {
    let mut counts = [0.0; 3];
    for _ in 0..events as u64 {
        let draw: f64 = rng.random();
        let kind = cumulative.iter().position(|&edge| draw < edge).unwrap_or(2);
        counts[kind] += 1.0;
    }
    counts
}

/// Attrition and recruitment of every group (M8, M9, M10).
fn update_groups(scenario: &Scenario, month: usize, ws: &mut Workspace) {
    let model = &scenario.model;
    let area_fire = ws.value(model.area_fire_effectiveness);
    let collateral = ws.value(model.collateral_recruitment);
    for (index, group) in scenario.groups.iter().enumerate() {
        let strength = ws.strength[index];
        if strength <= 0.0 {
            continue;
        }
        let recruitment = ws.value(group.recruitment);
        let attrition = ws.value(group.attrition);
        let room =
            (1.0 - strength / ws.value(group.ceiling)).max(0.0) / ws.strength_room_start[index];
        let mut expected_recruits = 0.0;
        let mut expected_losses = 0.0;
        for (area, &(state, _)) in group.areas.iter().enumerate() {
            let fighters = strength * ws.area_weights[index][area];
            let capacity = ws.capacity[state];
            let intelligence = ws.intelligence[state];
            let effectiveness = capacity * (area_fire + (1.0 - area_fire) * intelligence);
            let loss_rate = (attrition * effectiveness / ws.effectiveness_ref[state])
                .min(MAX_MONTHLY_ATTRITION);
            expected_losses += fighters * loss_rate;
            let ungoverned = (1.0 - ws.control[state]) / (1.0 - ws.control_start[state]);
            let harm = (1.0
                + collateral * (1.0 - intelligence) * capacity / ws.capacity_ref[state].max(1e-9))
                / (1.0 + collateral * (1.0 - ws.intelligence_ref[state]));
            expected_recruits += fighters * recruitment * ungoverned * harm * room;
        }
        let mut rng = ws.group_streams[index].month(month_slot(month as i64));
        let recruits = sample::poisson(expected_recruits, &mut rng);
        let losses = sample::poisson(expected_losses, &mut rng).min(strength);
        ws.strength[index] = (strength + recruits - losses).max(0.0);
    }
}

/// Territorial control and regime stability move toward targets set by the balance of forces
/// and by recent violence (M11, M12).
fn update_states(scenario: &Scenario, ws: &mut Workspace) {
    let model = &scenario.model;
    let n_states = scenario.states.len();
    let area_fire = ws.value(model.area_fire_effectiveness);
    let control_rate = ws.value(model.control_adjustment);
    let control_elasticity = ws.value(model.control_elasticity);
    let stability_rate = ws.value(model.stability_adjustment);
    let stability_control = ws.value(model.stability_control_elasticity);
    let stability_violence = ws.value(model.stability_violence_elasticity);
    for state in 0..n_states {
        let mut fighters = 0.0;
        let mut deaths = 0.0;
        for (group_index, group) in scenario.groups.iter().enumerate() {
            deaths += ws.fatalities[group_index * n_states + state];
            if let Some(area) = group
                .areas
                .iter()
                .position(|&(area_state, _)| area_state == state)
            {
                fighters += ws.strength[group_index] * ws.area_weights[group_index][area];
            }
        }
        let effectiveness =
            ws.capacity[state] * (area_fire + (1.0 - area_fire) * ws.intelligence[state]);
        let threat = (fighters + 1.0) / (ws.fighters_start[state] + 1.0);
        let balance = effectiveness / ws.effectiveness_ref[state] / threat;
        let control_target =
            from_odds(odds(ws.control_start[state]) * math::pow(balance, control_elasticity));
        ws.control[state] = (ws.control[state]
            + control_rate * (control_target - ws.control[state]))
            .clamp(0.0, 1.0);

        ws.violence_memory[state] = (1.0 - VIOLENCE_MEMORY_WEIGHT) * ws.violence_memory[state]
            + VIOLENCE_MEMORY_WEIGHT * deaths;
        let control_ratio = ws.control[state] / ws.control_start[state];
        let violence_ratio = (ws.violence_memory[state] + 1.0) / (ws.violence_ref[state] + 1.0);
        let stability_target = from_odds(
            odds(ws.stability_start[state])
                * math::pow(control_ratio, stability_control)
                * math::pow(violence_ratio, -stability_violence),
        );
        ws.stability[state] = (ws.stability[state]
            + stability_rate * (stability_target - ws.stability[state]))
            .clamp(0.0, 1.0);
    }
}

fn record(scenario: &Scenario, month: usize, ws: &Workspace, output: &mut RunOutput) {
    let horizon = scenario.horizon_months;
    let n_states = scenario.states.len();
    for (series_index, series) in scenario.series.iter().enumerate() {
        let value = match series.actor {
            ActorRef::State(state) => {
                let typed_sum = |cells: &[[f64; 3]], kind: usize| -> f64 {
                    (0..scenario.groups.len())
                        .map(|group| cells[group * n_states + state][kind])
                        .sum()
                };
                match series.metric {
                    Metric::Attacks => (0..scenario.groups.len())
                        .map(|group| ws.attacks[group * n_states + state])
                        .sum(),
                    Metric::Fatalities => (0..scenario.groups.len())
                        .map(|group| ws.fatalities[group * n_states + state])
                        .sum(),
                    Metric::Capacity => ws.capacity[state],
                    Metric::Control => ws.control[state],
                    Metric::Stability => ws.stability[state],
                    Metric::Intelligence => ws.intelligence[state],
                    Metric::Battles => typed_sum(&ws.typed_events, 0),
                    Metric::RemoteViolence => typed_sum(&ws.typed_events, 1),
                    Metric::ViolenceAgainstCivilians => typed_sum(&ws.typed_events, 2),
                    Metric::BattlesFatalities => typed_sum(&ws.typed_deaths, 0),
                    Metric::RemoteViolenceFatalities => typed_sum(&ws.typed_deaths, 1),
                    Metric::ViolenceAgainstCiviliansFatalities => typed_sum(&ws.typed_deaths, 2),
                    Metric::StateInitiated => (0..scenario.groups.len())
                        .map(|group| ws.state_events[group * n_states + state])
                        .sum(),
                    Metric::Strength => 0.0,
                }
            }
            ActorRef::Group(group) => {
                let cells = group * n_states..(group + 1) * n_states;
                match series.metric {
                    Metric::Strength => ws.strength[group],
                    Metric::Attacks => ws.attacks[cells].iter().sum(),
                    Metric::Fatalities => ws.fatalities[cells].iter().sum(),
                    _ => 0.0,
                }
            }
        };
        output.series[series_index * horizon + month] = value;
    }
}

fn fire_due_events(scenario: &Scenario, month: usize, ws: &mut Workspace, output: &mut RunOutput) {
    for (index, event) in scenario.events.iter().enumerate() {
        if output.event_months[index].is_some() {
            continue;
        }
        let due = match event.trigger {
            Trigger::At { month: at } => ws.value(at) as usize == month,
            Trigger::Hazard { monthly, from, to } => {
                let in_window = month >= ws.value(from) as usize
                    && to.is_none_or(|to| month <= ws.value(to) as usize);
                in_window && {
                    let mut rng = ws.event_streams[index].month(month_slot(month as i64));
                    rng.random::<f64>() < ws.value(monthly)
                }
            }
            Trigger::Window { .. } | Trigger::When { .. } => ws.pending[index] == Some(month),
        };
        if !due {
            continue;
        }
        output.event_months[index] = Some(month as u32);
        for effect in &event.effects {
            apply_effect(scenario, effect, month, ws);
        }
        refresh_severity(scenario, ws);
    }
}

/// Deaths per attack in every cell from the current parameter values (M7): the link's own
/// lethality where it gives one, else the group's. At the start of a replication and after
/// every event, the only times parameter values change.
fn refresh_severity(scenario: &Scenario, ws: &mut Workspace) {
    let sigma = ws.value(scenario.model.severity_sigma);
    let cap = ws.value(scenario.model.max_deaths_per_attack);
    let n_states = scenario.states.len();
    ws.severity.clear();
    for group in &scenario.groups {
        let severity = sample::Severity::new(ws.value(group.lethality), sigma, cap);
        ws.severity.extend(std::iter::repeat_n(severity, n_states));
    }
    for link in &scenario.links {
        if let Some(lethality) = link.lethality {
            ws.severity[link.group * n_states + link.state] =
                sample::Severity::new(ws.value(lethality), sigma, cap);
        }
    }
    let Some(types) = &scenario.model.event_types else {
        return;
    };
    // (M7c) Each type's deaths per event relative to the others, scaled so that the group's
    // events still average its lethality over its own shares.
    let relative = types.severity.map(|slot| ws.value(slot));
    ws.type_cumulative.clear();
    ws.type_scale.clear();
    for group in &scenario.groups {
        let shares = group
            .event_shares
            .map_or([1.0; 3], |slots| slots.map(|slot| ws.value(slot)));
        let cumulative = cumulative(shares);
        let share = [
            cumulative[0],
            cumulative[1] - cumulative[0],
            cumulative[2] - cumulative[1],
        ];
        let mean: f64 = (0..3).map(|kind| share[kind] * relative[kind]).sum();
        ws.type_cumulative.push(cumulative);
        ws.type_scale.push(relative.map(|value| value / mean));
    }
}

fn apply_effect(scenario: &Scenario, effect: &Effect, month: usize, ws: &mut Workspace) {
    let month = month as i64;
    match *effect {
        Effect::EndFlow { flow } => ws.flow_end[flow] = ws.flow_end[flow].min(month),
        Effect::StartFlow { flow } => {
            // Sends from this month: a standby flow for its duration; a scheduled flow until its
            // own end if that is still ahead, else (restarting an ended flow) indefinitely.
            ws.flow_start[flow] = month;
            ws.flow_end[flow] = match scenario.flows[flow].duration {
                Some(duration) => month + ws.value(duration) as i64,
                None if ws.flow_end[flow] > month => ws.flow_end[flow],
                None => i64::MAX,
            };
        }
        Effect::ScaleFlow { flow, factor } => ws.flow_scale[flow] *= ws.value(factor),
        Effect::Shock {
            actor,
            variable,
            change,
        } => {
            let change = ws.value(change);
            match (actor, variable) {
                (ActorRef::State(state), Metric::Capacity) => {
                    ws.own_capacity[state] = (ws.own_capacity[state] + change).max(0.0);
                }
                (ActorRef::State(state), Metric::Control) => {
                    ws.control[state] = (ws.control[state] + change).clamp(0.0, 1.0);
                }
                (ActorRef::State(state), Metric::Stability) => {
                    ws.stability[state] = (ws.stability[state] + change).clamp(0.0, 1.0);
                }
                (ActorRef::State(state), Metric::Intelligence) => {
                    let slot = scenario.states[state].intelligence.0 as usize;
                    ws.values[slot] = (ws.values[slot] + change).clamp(0.0, 0.99);
                }
                (ActorRef::Group(group), Metric::Strength) => {
                    ws.strength[group] = (ws.strength[group] + change).max(0.0);
                }
                // Validation admits no other pair.
                _ => {}
            }
        }
        Effect::SetParameter { target, value } => {
            let (min, max) = scenario.slots.ranges[target.0 as usize];
            ws.values[target.0 as usize] = ws.value(value).clamp(min, max);
        }
        Effect::ScaleParameter { target, factor } => {
            let (min, max) = scenario.slots.ranges[target.0 as usize];
            let scaled = ws.value(target) * ws.value(factor);
            ws.values[target.0 as usize] = scaled.clamp(min, max);
        }
    }
}

/// A triggered event fires the month after its condition has held for `months` consecutive
/// months, plus its delay; each month the condition holds it fires with `probability`.
fn check_triggers(scenario: &Scenario, month: usize, ws: &mut Workspace, output: &RunOutput) {
    let horizon = scenario.horizon_months;
    for (index, event) in scenario.events.iter().enumerate() {
        let Trigger::When {
            series,
            op,
            threshold,
            months,
            probability,
            ref delay,
        } = event.trigger
        else {
            continue;
        };
        if output.event_months[index].is_some() || ws.pending[index].is_some() {
            continue;
        }
        let value = output.series[series * horizon + month];
        if op.holds(value, ws.value(threshold)) {
            ws.streak[index] += 1;
        } else {
            ws.streak[index] = 0;
        }
        if ws.streak[index] >= months {
            let mut rng = ws.event_streams[index].month(month_slot(month as i64));
            if rng.random::<f64>() < ws.value(probability) {
                let delay = delay
                    .as_ref()
                    .map_or(0.0, |delay| sample::draw(delay, &mut rng).round().max(0.0));
                // A delay drawn beyond any horizon (the cast saturates) must not overflow.
                ws.pending[index] = Some(month.saturating_add(1).saturating_add(delay as usize));
            }
        }
    }
}

fn compute_outcomes(scenario: &Scenario, output: &mut RunOutput) {
    let horizon = scenario.horizon_months;
    for (index, outcome) in scenario.outcomes.iter().enumerate() {
        let series = |series: usize| &output.series[series * horizon..(series + 1) * horizon];
        let value = match outcome.kind {
            OutcomeKind::Sum {
                series: s,
                from,
                to,
            } => series(s)[from..=to].iter().sum(),
            OutcomeKind::Mean {
                series: s,
                from,
                to,
            } => series(s)[from..=to].iter().sum::<f64>() / (to - from + 1) as f64,
            OutcomeKind::Max {
                series: s,
                from,
                to,
            } => series(s)[from..=to]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max),
            OutcomeKind::Min {
                series: s,
                from,
                to,
            } => series(s)[from..=to]
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min),
            OutcomeKind::Final { series: s } => series(s)[horizon - 1],
            OutcomeKind::FirstMonth {
                series: s,
                op,
                threshold,
            } => series(s)
                .iter()
                .position(|&value| op.holds(value, threshold))
                .map_or(f64::NAN, |month| month as f64),
            OutcomeKind::Any {
                series: s,
                op,
                threshold,
                from,
                to,
            } => f64::from(u8::from(
                series(s)[from..=to]
                    .iter()
                    .any(|&value| op.holds(value, threshold)),
            )),
            OutcomeKind::All {
                series: s,
                op,
                threshold,
                from,
                to,
            } => f64::from(u8::from(
                series(s)[from..=to]
                    .iter()
                    .all(|&value| op.holds(value, threshold)),
            )),
            OutcomeKind::EventFired { event } => {
                f64::from(u8::from(output.event_months[event].is_some()))
            }
            OutcomeKind::EventMonth { event } => {
                output.event_months[event].map_or(f64::NAN, f64::from)
            }
        };
        output.outcomes[index] = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept value is returned only for the very same argument bits (0.0 and -0.0 differ).
    #[test]
    fn remembered_computes_only_for_new_arguments() {
        let mut remembered = Remembered::default();
        let mut computed = 0;
        let mut get = |remembered: &mut Remembered, arguments: (f64, f64)| {
            remembered.get(arguments, || {
                computed += 1;
                arguments.0.powf(arguments.1)
            })
        };
        assert_eq!(get(&mut remembered, (2.0, 0.5)), 2f64.powf(0.5));
        assert_eq!(get(&mut remembered, (2.0, 0.5)), 2f64.powf(0.5));
        assert_eq!(get(&mut remembered, (2.0, 1.5)), 2f64.powf(1.5));
        assert_eq!(get(&mut remembered, (0.0, 1.0)), 0.0);
        assert!(get(&mut remembered, (-0.0, 1.0)).is_sign_negative());
        assert_eq!(computed, 4);
    }
}
