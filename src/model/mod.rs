//! One replication of the model in MODEL.md: a pure function of (scenario, seed, replication
//! index). No I/O, no global state, no dependence on the thread it runs on.
//!
//! The equations are numbered in MODEL.md; comments here point to them as (M1), (M2), ...
//! Each step of a month is one function that takes the parts of the [`Workspace`] it reads and
//! the parts it writes, in the order of MODEL.md's "Order of a month".

pub mod rng;
pub mod sample;
mod workspace;
mod ziggurat_tables;

use rand::RngExt;

use crate::math;
use crate::scenario::{ActorRef, Effect, FlowKind, Metric, OutcomeKind, Scenario, Source, Trigger};
use rng::{ElementStreams, INIT_SLOT, StreamRng, mix, month_slot, stream};
use workspace::{
    Cells, Events, Flows, Groups, RATIO_FLOOR, Remembered, States, Values, effectiveness, reset,
};

/// Smoothing weight of the latest month in the violence memory behind stability (M12): about a
/// three-month memory, long enough that one bad month does not topple a regime on its own.
const VIOLENCE_MEMORY_WEIGHT: f64 = 0.25;
/// Attrition cannot remove more than this share of a group's fighters in one month.
const MAX_MONTHLY_ATTRITION: f64 = 0.95;
/// Floor of room_g(0) (M10): a group that starts at its ceiling still recruits in proportion.
const ROOM_FLOOR: f64 = 1e-3;

/// What one replication produces.
#[derive(Debug, Clone, Default)]
pub struct RunOutput {
    /// Recorded series, series-major: `series[series_index * horizon + month]`.
    pub series: Vec<f64>,
    /// Month each event fired in, if it did.
    pub event_months: Vec<Option<u32>>,
    /// Each uncertain parameter's value drawn for this replication, in the order of
    /// `Scenario::uncertain` (as drawn: before a month-valued field rounds it).
    pub parameters: Vec<f64>,
    /// One value per outcome; NaN where the replication has none (e.g. a threshold never crossed).
    pub outcomes: Vec<f64>,
}

/// Scratch space reused across replications on one thread, so that the month loop allocates
/// nothing: the replication's parameter values and the state of each kind of element.
#[derive(Debug, Default)]
pub struct Workspace {
    draws: Vec<f64>,
    values: Values,
    flows: Flows,
    states: States,
    groups: Groups,
    cells: Cells,
    events: Events,
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
    let ws = workspace;
    // Not cleared: `record` writes every series-month before anything reads it.
    output.series.resize(scenario.series.len() * horizon, 0.0);
    reset(&mut output.event_months, scenario.events.len(), None);
    reset(&mut output.outcomes, scenario.outcomes.len(), f64::NAN);

    draw_values(scenario, seed, run_index, &mut ws.draws, &mut ws.values);
    // A copy of a few numbers per replication, outside the month loop; no allocation once the
    // vector has grown to the scenario's parameter count.
    output.parameters.clear();
    output.parameters.extend_from_slice(&ws.draws);
    element_streams(scenario, seed, run_index, ws);
    refresh_severity(scenario, &ws.values, &mut ws.groups, &mut ws.cells);
    start_flows(scenario, &ws.values, &mut ws.flows);
    start_states(scenario, &ws.values, &ws.flows, &mut ws.states);
    start_groups(scenario, &ws.values, &mut ws.groups, &mut ws.states);
    start_violence(
        scenario,
        &ws.values,
        &ws.groups,
        &mut ws.cells,
        &mut ws.states,
    );
    start_events(scenario, &ws.values, &mut ws.events);

    for month in 0..horizon {
        fire_due_events(scenario, month, ws, output);
        deliver_flows(scenario, month, &ws.values, &mut ws.flows);
        support_levels(scenario, &ws.values, &ws.flows, &mut ws.states);
        expected_attacks(
            scenario,
            &ws.values,
            &ws.groups,
            &mut ws.states,
            &mut ws.cells,
            false,
        );
        draw_violence(
            scenario,
            month,
            &ws.values,
            &ws.states,
            &ws.groups,
            &mut ws.cells,
        );
        update_groups(scenario, month, &ws.values, &ws.states, &mut ws.groups);
        update_states(scenario, &ws.values, &ws.groups, &ws.cells, &mut ws.states);
        record(scenario, month, &ws.states, &ws.groups, &ws.cells, output);
        check_triggers(scenario, month, &ws.values, &mut ws.events, output);
    }
    compute_outcomes(scenario, output);
}

/// Every slot's value: uncertain parameters drawn once per replication, each from its own
/// stream; month-valued slots rounded.
fn draw_values(
    scenario: &Scenario,
    seed: u64,
    run_index: u64,
    draws: &mut Vec<f64>,
    values: &mut Values,
) {
    draws.clear();
    for uncertain in &scenario.uncertain {
        let mut rng = stream(seed, uncertain.stream_key, run_index, INIT_SLOT);
        draws.push(sample::draw(&uncertain.distribution, &mut rng));
    }
    values.0.clear();
    for (index, source) in scenario.slots.sources.iter().enumerate() {
        let value = match *source {
            Source::Literal(value) => value,
            Source::Param(param) => draws[param],
        };
        values.0.push(if scenario.slots.whole_months[index] {
            value.round()
        } else {
            value
        });
    }
}

/// Hashes (seed, element, replication) once for every element that draws in the month loop.
fn element_streams(scenario: &Scenario, seed: u64, run_index: u64, ws: &mut Workspace) {
    let fill = |streams: &mut Vec<ElementStreams>, keys: &mut dyn Iterator<Item = u64>| {
        streams.clear();
        streams.extend(keys.map(|key| ElementStreams::new(seed, key, run_index)));
    };
    fill(
        &mut ws.states.streams,
        &mut scenario.states.iter().map(|state| state.stream_key),
    );
    fill(
        &mut ws.groups.streams,
        &mut scenario.groups.iter().map(|group| group.stream_key),
    );
    fill(
        &mut ws.flows.streams,
        &mut scenario.flows.iter().map(|flow| flow.stream_key),
    );
    fill(
        &mut ws.events.streams,
        &mut scenario.events.iter().map(|event| event.stream_key),
    );
    // A cell's key combines its group's and its state's, in group-major order like the cells.
    let mut cell_keys = scenario.groups.iter().flat_map(|group| {
        scenario
            .states
            .iter()
            .map(|state| mix(group.stream_key ^ mix(state.stream_key)))
    });
    fill(&mut ws.cells.streams, &mut cell_keys);
}

/// Flows (M1): timing, and the effect already built up before month 0.
fn start_flows(scenario: &Scenario, values: &Values, flows: &mut Flows) {
    let n_flows = scenario.flows.len();
    reset(&mut flows.start, n_flows, 0);
    reset(&mut flows.end, n_flows, i64::MAX);
    reset(&mut flows.scale, n_flows, 1.0);
    reset(&mut flows.effect, n_flows, 0.0);
    reset(&mut flows.retention, n_flows, 0.0);
    reset(&mut flows.lag, n_flows, 0);
    for (index, flow) in scenario.flows.iter().enumerate() {
        let half_life = values.get(flow.decay);
        flows.retention[index] = if half_life > 0.0 {
            math::pow(0.5, 1.0 / half_life)
        } else {
            0.0
        };
        flows.lag[index] = values.get(flow.lag) as i64;
        match flow.start {
            // A standby flow sends nothing until an event starts it.
            None => flows.start[index] = i64::MAX,
            Some(start) => {
                flows.start[index] = values.get(start) as i64;
                flows.end[index] = flow.end.map_or(i64::MAX, |end| values.get(end) as i64);
            }
        }
        let sent = -1 - flows.lag[index];
        if flows.start[index] <= sent && sent < flows.end[index] {
            // The flow's expected effect in its steady state (M1): a tranche arrives with
            // probability r, else the effect decays by rho, so E[E] = v r / (1 - (1 - r) rho).
            // Starting from it (not from the full volume) keeps month 0 at the reference in
            // expectation, so an unreliable flow does not make the baseline drift.
            let reliability = values.get(flow.reliability);
            let retention = flows.retention[index];
            let steady = 1.0 - (1.0 - reliability) * retention;
            flows.effect[index] = if steady > 0.0 {
                values.get(flow.volume) * reliability / steady
            } else {
                0.0
            };
        }
    }
}

/// States: initial conditions and the references that rates are relative to (M2, M3, M8).
fn start_states(scenario: &Scenario, values: &Values, flows: &Flows, states: &mut States) {
    let n_states = scenario.states.len();
    for cache in [
        &mut states.capacity_factor,
        &mut states.intelligence_factor,
        &mut states.intelligence_exp,
        &mut states.operations_factor,
    ] {
        reset(cache, n_states, Remembered::default());
    }
    reset(&mut states.own_capacity, n_states, 0.0);
    reset(&mut states.control, n_states, 0.0);
    reset(&mut states.stability, n_states, 0.0);
    for (index, state) in scenario.states.iter().enumerate() {
        states.own_capacity[index] = values.get(state.capacity);
        states.control[index] = values.get(state.control);
        states.stability[index] = values.get(state.stability);
    }
    states.control_start.clone_from(&states.control);
    states.stability_start.clone_from(&states.stability);
    support_levels(scenario, values, flows, states);
    // The reference the rates are relative to: the state's explicit `reference` when it has
    // one; otherwise the month-0 support computed above (what the file lists as in place).
    states.capacity_ref.clone_from(&states.capacity);
    states.intelligence_ref.clone_from(&states.intelligence);
    for (index, state) in scenario.states.iter().enumerate() {
        if let Some((capacity, intelligence)) = state.reference {
            states.capacity_ref[index] = values.get(capacity);
            states.intelligence_ref[index] = values.get(intelligence);
        }
    }
    let area_fire = values.get(scenario.model.area_fire_effectiveness);
    states.effectiveness_ref.clear();
    for state in 0..n_states {
        let reference = effectiveness(
            states.capacity_ref[state],
            states.intelligence_ref[state],
            area_fire,
        );
        states.effectiveness_ref.push(reference.max(RATIO_FLOOR));
    }
}

/// Groups: strength, room to recruit and area weights at month 0, and the fighters each state
/// faces then (F_s(0), M11).
fn start_groups(scenario: &Scenario, values: &Values, groups: &mut Groups, states: &mut States) {
    let n_groups = scenario.groups.len();
    reset(&mut groups.strength, n_groups, 0.0);
    reset(&mut groups.room_start, n_groups, 1.0);
    groups.area_weights.resize(n_groups, Vec::new());
    reset(&mut states.fighters_start, scenario.states.len(), 0.0);
    for (index, group) in scenario.groups.iter().enumerate() {
        let strength = values.get(group.strength);
        groups.strength[index] = strength;
        groups.room_start[index] = (1.0 - strength / values.get(group.ceiling)).max(ROOM_FLOOR);
        let total: f64 = group
            .areas
            .iter()
            .map(|&(_, weight)| values.get(weight))
            .sum();
        let weights = &mut groups.area_weights[index];
        weights.clear();
        for &(state, weight) in &group.areas {
            let share = if total > 0.0 {
                values.get(weight) / total
            } else {
                0.0
            };
            weights.push(share);
            states.fighters_start[state] += strength * share;
        }
    }
    groups.strength_start.clone_from(&groups.strength);
}

/// Expected deaths per state under reference conditions, V_s(-1), the start of the violence
/// memory (M12); and the cells' monthly counts emptied.
fn start_violence(
    scenario: &Scenario,
    values: &Values,
    groups: &Groups,
    cells: &mut Cells,
    states: &mut States,
) {
    let n_states = scenario.states.len();
    let n_cells = scenario.groups.len() * n_states;
    reset(&mut cells.expected_attacks, n_cells, 0.0);
    reset(&mut cells.state_rate, n_cells, 0.0);
    reset(&mut cells.attacks, n_cells, 0.0);
    reset(&mut cells.fatalities, n_cells, 0.0);
    reset(&mut cells.typed_events, n_cells, [0.0; 3]);
    reset(&mut cells.typed_deaths, n_cells, [0.0; 3]);
    reset(&mut cells.state_events, n_cells, 0.0);
    expected_attacks(scenario, values, groups, states, cells, true);
    reset(&mut states.violence_ref, n_states, 0.0);
    let typed = scenario.model.event_types.is_some();
    let state_shares = state_type_shares(scenario, values, states, None);
    for group in 0..scenario.groups.len() {
        for state in 0..n_states {
            let cell = group * n_states + state;
            let lethality = cells.severity[cell].mean_deaths();
            // A group's own events average its lethality over its shares (M7c); the state's
            // events in its cells weigh each type's severity by the state's shares.
            let state_lethality = if typed {
                lethality
                    * (0..3)
                        .map(|kind| state_shares[kind] * groups.type_scale[group][kind])
                        .sum::<f64>()
            } else {
                0.0
            };
            states.violence_ref[state] +=
                cells.expected_attacks[cell] * lethality + cells.state_rate[cell] * state_lethality;
        }
    }
    states.violence_memory.clone_from(&states.violence_ref);
}

/// Events: window events draw their month once, up front.
fn start_events(scenario: &Scenario, values: &Values, events: &mut Events) {
    reset(&mut events.streak, scenario.events.len(), 0);
    reset(&mut events.pending, scenario.events.len(), None);
    for (index, event) in scenario.events.iter().enumerate() {
        if let Trigger::Window {
            probability,
            from,
            to,
        } = event.trigger
        {
            let mut rng = events.streams[index].month(INIT_SLOT);
            if rng.random::<f64>() < values.get(probability) {
                let (from, to) = (values.get(from) as usize, values.get(to) as usize);
                let to = to.max(from);
                events.pending[index] =
                    Some(from + (rng.random::<f64>() * (to - from + 1) as f64) as usize);
            }
        }
    }
}

/// Capacity and intelligence of every state from its own means and the current support (M2, M3).
fn support_levels(scenario: &Scenario, values: &Values, flows: &Flows, states: &mut States) {
    let model = &scenario.model;
    states.capacity.clone_from(&states.own_capacity);
    reset(&mut states.intel_sum, scenario.states.len(), 0.0);
    for (index, flow) in scenario.flows.iter().enumerate() {
        let effect = flows.effect[index];
        let per_unit = match flow.kind {
            FlowKind::Intelligence => {
                states.intel_sum[flow.to] += effect;
                continue;
            }
            FlowKind::Military => model.capacity_per_military_usd_m,
            FlowKind::Financial => model.capacity_per_financial_usd_m,
            FlowKind::Training => model.capacity_per_trainer,
            FlowKind::Troops => model.capacity_per_troop,
        };
        states.capacity[flow.to] += values.get(per_unit) * effect;
    }
    states.intelligence.clear();
    for (index, state) in scenario.states.iter().enumerate() {
        let own = values.get(state.intelligence);
        let sum = states.intel_sum[index];
        let gap_left = states.intelligence_exp[index].get((sum, 0.0), || math::exp(-sum));
        states.intelligence.push(1.0 - (1.0 - own) * gap_left);
    }
}

/// Tranches sent `lag` months ago arrive with probability `reliability`; the effect is the
/// latest arrival or the decayed previous effect, whichever is larger (M1).
fn deliver_flows(scenario: &Scenario, month: usize, values: &Values, flows: &mut Flows) {
    for (index, flow) in scenario.flows.iter().enumerate() {
        let sent = month as i64 - flows.lag[index];
        let mut arrived = 0.0;
        if flows.start[index] <= sent && sent < flows.end[index] {
            // A uniform draw is below 1, so a fully reliable flow's tranche arrives without one;
            // the stream is this flow's for this month alone, so no other number moves.
            let reliability = values.get(flow.reliability);
            let arrives = reliability >= 1.0 || {
                let mut rng = flows.streams[index].month(month_slot(sent));
                rng.random::<f64>() < reliability
            };
            if arrives {
                arrived = values.get(flow.volume) * flows.scale[index];
            }
        }
        flows.effect[index] = arrived.max(flows.retention[index] * flows.effect[index]);
    }
}

/// Expected monthly attacks of every group on every state, with spillover (M4, M5), and with
/// event types the events the state's side initiates in every cell (M6c). With `at_start`, the
/// month-0 rates (all ratios 1) for the references.
fn expected_attacks(
    scenario: &Scenario,
    values: &Values,
    groups: &Groups,
    states: &mut States,
    cells: &mut Cells,
    at_start: bool,
) {
    let n_states = scenario.states.len();
    cells
        .expected_attacks
        .iter_mut()
        .for_each(|rate| *rate = 0.0);
    let operations = scenario.model.event_types.as_ref().map(|types| {
        cells.state_rate.iter_mut().for_each(|rate| *rate = 0.0);
        (
            values.get(types.state_initiated_share),
            values.get(types.operations_capacity_elasticity),
        )
    });
    for link in &scenario.links {
        let base_rate = values.get(link.base_rate);
        let mut rate = base_rate;
        let mut strength_ratio = 1.0;
        if !at_start {
            strength_ratio = groups.strength_ratio(link.group);
            let capacity_ratio = states.capacity_shortfall(link.state);
            let capacity_sensitivity = values.get(link.capacity_sensitivity);
            let capacity_factor = states.capacity_factor[link.state]
                .get((capacity_ratio, capacity_sensitivity), || {
                    math::pow(capacity_ratio, capacity_sensitivity)
                });
            let intelligence_gap = states.intelligence_gap(link.state);
            let intelligence_sensitivity = values.get(link.intelligence_sensitivity);
            let intelligence_factor = states.intelligence_factor[link.state]
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
                let capacity =
                    states.capacity[link.state] / states.capacity_ref[link.state].max(RATIO_FLOOR);
                strength_ratio
                    * states.operations_factor[link.state]
                        .get((capacity, elasticity), || math::pow(capacity, elasticity))
            };
            cells.state_rate[cell] += share * base_rate * tempo;
            rate *= 1.0 - share;
        }
        cells.expected_attacks[cell] += rate;
        let neighbours = &scenario.states[link.state].neighbours;
        if !neighbours.is_empty() {
            let spilled = rate * values.get(link.spillover) / neighbours.len() as f64;
            for &neighbour in neighbours {
                cells.expected_attacks[link.group * n_states + neighbour] += spilled;
            }
        }
    }
}

/// Shares of the state's side's events by type (M6d): violence against civilians grows with
/// the state's intelligence gap, the rest splits between remote violence and battles. `state`
/// None: at the reference (gap 0). Zeros without event types.
fn state_type_shares(
    scenario: &Scenario,
    values: &Values,
    states: &States,
    state: Option<usize>,
) -> [f64; 3] {
    let Some(types) = &scenario.model.event_types else {
        return [0.0; 3];
    };
    let civilian_share = values.get(types.state_civilian_share);
    let gap_ratio = state.map_or(1.0, |state| {
        (1.0 - states.intelligence[state]) / (1.0 - states.intelligence_ref[state]).max(RATIO_FLOOR)
    });
    let civilians = (civilian_share * gap_ratio).min(1.0);
    let remote = (1.0 - civilians) * values.get(types.state_remote_share);
    [1.0 - civilians - remote, remote, civilians]
}

/// Severity of an attack relative to a group's lethality from the loss of support (M7b): deaths
/// per attack rise as capacity and intelligence fall below the reference. Exactly 1 at the
/// default sensitivities of 0.
fn support_severity(states: &States, state: usize, capacity: f64, intelligence: f64) -> f64 {
    if capacity == 0.0 && intelligence == 0.0 {
        return 1.0;
    }
    math::pow(states.capacity_shortfall(state), capacity)
        * math::exp(intelligence * states.intelligence_gap(state))
}

/// Attack counts (negative binomial per state, M6) and their deaths (lognormal severity, M7,
/// M7b); with event types, both sides' events by type and their deaths (M6c, M6d, M7c). A
/// state's monthly tempo multiplies every rate there: violence in a country rises and falls
/// together (season, offensives), which is where ACLED's overdispersion is measured.
fn draw_violence(
    scenario: &Scenario,
    month: usize,
    values: &Values,
    states: &States,
    groups: &Groups,
    cells: &mut Cells,
) {
    let n_states = scenario.states.len();
    let typed = scenario.model.event_types.is_some();
    let dispersion = values.get(scenario.model.attack_dispersion);
    let severity_capacity = values.get(scenario.model.severity_capacity_sensitivity);
    let severity_intelligence = values.get(scenario.model.severity_intelligence_sensitivity);
    let slot = month_slot(month as i64);
    cells.severity_draws.clear();
    reset(&mut cells.first_call, cells.attacks.len(), usize::MAX);
    for state_index in 0..n_states {
        let mut tempo_rng = states.streams[state_index].month(slot);
        let tempo = sample::tempo(dispersion, &mut tempo_rng);
        let severity = support_severity(
            states,
            state_index,
            severity_capacity,
            severity_intelligence,
        );
        let state_cumulative = if typed {
            cumulative(state_type_shares(
                scenario,
                values,
                states,
                Some(state_index),
            ))
        } else {
            [0.0; 3]
        };
        for group_index in 0..scenario.groups.len() {
            let cell = group_index * n_states + state_index;
            if typed {
                let rng = cells.streams[cell].month(slot);
                let rates = (
                    cells.expected_attacks[cell] * tempo,
                    cells.state_rate[cell] * tempo,
                );
                let shares = (&groups.type_cumulative[group_index], &state_cumulative);
                let scale = groups.type_scale[group_index].map(|scale| scale * severity);
                draw_typed_cell(
                    cells,
                    cell,
                    rates,
                    shares,
                    scale,
                    groups.type_scale[group_index],
                    rng,
                );
                continue;
            }
            let rate = cells.expected_attacks[cell] * tempo;
            if rate <= 0.0 {
                cells.attacks[cell] = 0.0;
                cells.fatalities[cell] = 0.0;
                continue;
            }
            let mut rng: StreamRng = cells.streams[cell].month(slot);
            let attacks = sample::poisson(rate, &mut rng);
            cells.attacks[cell] = attacks;
            cells.first_call[cell] = cells.severity_draws.len();
            let cell_severity = cells.severity[cell];
            cells
                .severity_draws
                .push(&cell_severity, attacks, severity, &mut rng);
        }
    }
    // Every cell's deaths, from the month's severities taken together.
    cells.severity_draws.finish();
    for cell in 0..cells.first_call.len() {
        let first = cells.first_call[cell];
        if first == usize::MAX {
            continue;
        }
        let draws = &cells.severity_draws;
        if typed {
            let deaths: [f64; 3] = std::array::from_fn(|kind| {
                draws.total(first + 2 * kind) + draws.total(first + 2 * kind + 1)
            });
            cells.typed_deaths[cell] = deaths;
            cells.fatalities[cell] = deaths.iter().sum();
        } else {
            cells.fatalities[cell] = draws.total(first);
        }
    }
}

/// One cell's month with event types: the group's events and then the state's side's
/// (`rates`), from the cell's stream, typed one by one by their cumulative `shares`, then each
/// type's severity draws pushed to the month's batch, the group's scaled by `group_scale` (M7b
/// and M7c), the state's side's by `state_scale` (M7c), in the order group then state for each
/// type; `draw_violence` sums them once the month is drawn.
fn draw_typed_cell(
    cells: &mut Cells,
    cell: usize,
    (group_rate, state_rate): (f64, f64),
    (group_shares, state_shares): (&[f64; 3], &[f64; 3]),
    group_scale: [f64; 3],
    state_scale: [f64; 3],
    mut rng: StreamRng,
) {
    let group_events = if group_rate > 0.0 {
        sample::poisson(group_rate, &mut rng)
    } else {
        0.0
    };
    let by_group = split_by_type(group_events, group_shares, &mut rng);
    let state_events = if state_rate > 0.0 {
        sample::poisson(state_rate, &mut rng)
    } else {
        0.0
    };
    let by_state = split_by_type(state_events, state_shares, &mut rng);
    let severity = cells.severity[cell];
    cells.first_call[cell] = cells.severity_draws.len();
    for kind in 0..3 {
        cells
            .severity_draws
            .push(&severity, by_group[kind], group_scale[kind], &mut rng);
        cells
            .severity_draws
            .push(&severity, by_state[kind], state_scale[kind], &mut rng);
    }
    cells.typed_events[cell] = std::array::from_fn(|kind| by_group[kind] + by_state[kind]);
    cells.state_events[cell] = state_events;
    cells.attacks[cell] = group_events + state_events;
}

fn cumulative(shares: [f64; 3]) -> [f64; 3] {
    let total: f64 = shares.iter().sum();
    if total <= 0.0 {
        return [1.0 / 3.0, 2.0 / 3.0, 1.0];
    }
    [shares[0] / total, (shares[0] + shares[1]) / total, 1.0]
}

/// `events` typed one by one by a uniform draw against cumulative shares (M6d): a multinomial
/// split, exact for any count. An event's type is the number of edges at or below its draw
/// (the first edge above it, as the edges never decrease and the last is 1). The loop only
/// counts the draws at or above each of the two inner edges, in registers and without a
/// branch: the draws are random, so a branch on them would be mispredicted often.
fn split_by_type(events: f64, cumulative: &[f64; 3], rng: &mut StreamRng) -> [f64; 3] {
    let events = events as u64;
    let (mut from_first, mut from_second) = (0u64, 0u64);
    for _ in 0..events {
        let draw: f64 = rng.random();
        from_first += u64::from(draw >= cumulative[0]);
        from_second += u64::from(draw >= cumulative[1]);
    }
    [
        (events - from_first) as f64,
        (from_first - from_second) as f64,
        from_second as f64,
    ]
}

/// Attrition and recruitment of every group (M8, M9, M10).
fn update_groups(
    scenario: &Scenario,
    month: usize,
    values: &Values,
    states: &States,
    groups: &mut Groups,
) {
    let model = &scenario.model;
    let area_fire = values.get(model.area_fire_effectiveness);
    let collateral = values.get(model.collateral_recruitment);
    for (index, group) in scenario.groups.iter().enumerate() {
        let strength = groups.strength[index];
        if strength <= 0.0 {
            continue;
        }
        let recruitment = values.get(group.recruitment);
        let attrition = values.get(group.attrition);
        let room = (1.0 - strength / values.get(group.ceiling)).max(0.0) / groups.room_start[index];
        let mut expected_recruits = 0.0;
        let mut expected_losses = 0.0;
        for (area, &(state, _)) in group.areas.iter().enumerate() {
            let fighters = strength * groups.area_weights[index][area];
            let capacity = states.capacity[state];
            let intelligence = states.intelligence[state];
            let loss_rate = (attrition * states.effectiveness(state, area_fire)
                / states.effectiveness_ref[state])
                .min(MAX_MONTHLY_ATTRITION);
            expected_losses += fighters * loss_rate;
            let ungoverned = (1.0 - states.control[state]) / (1.0 - states.control_start[state]);
            let harm = (1.0
                + collateral * (1.0 - intelligence) * capacity
                    / states.capacity_ref[state].max(RATIO_FLOOR))
                / (1.0 + collateral * (1.0 - states.intelligence_ref[state]));
            expected_recruits += fighters * recruitment * ungoverned * harm * room;
        }
        let mut rng = groups.streams[index].month(month_slot(month as i64));
        let recruits = sample::poisson(expected_recruits, &mut rng);
        let losses = sample::poisson(expected_losses, &mut rng).min(strength);
        groups.strength[index] = (strength + recruits - losses).max(0.0);
    }
}

/// Territorial control and regime stability move toward targets set by the balance of forces
/// and by recent violence (M11, M12).
fn update_states(
    scenario: &Scenario,
    values: &Values,
    groups: &Groups,
    cells: &Cells,
    states: &mut States,
) {
    let model = &scenario.model;
    let n_states = scenario.states.len();
    let area_fire = values.get(model.area_fire_effectiveness);
    let control_rate = values.get(model.control_adjustment);
    let control_elasticity = values.get(model.control_elasticity);
    let stability_rate = values.get(model.stability_adjustment);
    let stability_control = values.get(model.stability_control_elasticity);
    let stability_violence = values.get(model.stability_violence_elasticity);
    for state in 0..n_states {
        let mut fighters = 0.0;
        let mut deaths = 0.0;
        for (group_index, group) in scenario.groups.iter().enumerate() {
            deaths += cells.fatalities[group_index * n_states + state];
            if let Some(area) = group
                .areas
                .iter()
                .position(|&(area_state, _)| area_state == state)
            {
                fighters += groups.strength[group_index] * groups.area_weights[group_index][area];
            }
        }
        let threat = (fighters + 1.0) / (states.fighters_start[state] + 1.0);
        let balance =
            states.effectiveness(state, area_fire) / states.effectiveness_ref[state] / threat;
        let control_target =
            from_odds(odds(states.control_start[state]) * math::pow(balance, control_elasticity));
        states.control[state] = (states.control[state]
            + control_rate * (control_target - states.control[state]))
            .clamp(0.0, 1.0);

        states.violence_memory[state] = (1.0 - VIOLENCE_MEMORY_WEIGHT)
            * states.violence_memory[state]
            + VIOLENCE_MEMORY_WEIGHT * deaths;
        let control_ratio = states.control[state] / states.control_start[state];
        let violence_ratio =
            (states.violence_memory[state] + 1.0) / (states.violence_ref[state] + 1.0);
        let stability_target = from_odds(
            odds(states.stability_start[state])
                * math::pow(control_ratio, stability_control)
                * math::pow(violence_ratio, -stability_violence),
        );
        states.stability[state] = (states.stability[state]
            + stability_rate * (stability_target - states.stability[state]))
            .clamp(0.0, 1.0);
    }
}

fn record(
    scenario: &Scenario,
    month: usize,
    states: &States,
    groups: &Groups,
    cells: &Cells,
    output: &mut RunOutput,
) {
    let horizon = scenario.horizon_months;
    let n_states = scenario.states.len();
    let n_groups = scenario.groups.len();
    for (series_index, series) in scenario.series.iter().enumerate() {
        let value = match series.actor {
            ActorRef::State(state) => {
                let sum = |cells: &[f64]| -> f64 {
                    (0..n_groups)
                        .map(|group| cells[group * n_states + state])
                        .sum()
                };
                let typed_sum = |cells: &[[f64; 3]], kind: usize| -> f64 {
                    (0..n_groups)
                        .map(|group| cells[group * n_states + state][kind])
                        .sum()
                };
                match series.metric {
                    Metric::Attacks => sum(&cells.attacks),
                    Metric::Fatalities => sum(&cells.fatalities),
                    Metric::Capacity => states.capacity[state],
                    Metric::Control => states.control[state],
                    Metric::Stability => states.stability[state],
                    Metric::Intelligence => states.intelligence[state],
                    Metric::Battles => typed_sum(&cells.typed_events, 0),
                    Metric::RemoteViolence => typed_sum(&cells.typed_events, 1),
                    Metric::ViolenceAgainstCivilians => typed_sum(&cells.typed_events, 2),
                    Metric::BattlesFatalities => typed_sum(&cells.typed_deaths, 0),
                    Metric::RemoteViolenceFatalities => typed_sum(&cells.typed_deaths, 1),
                    Metric::ViolenceAgainstCiviliansFatalities => typed_sum(&cells.typed_deaths, 2),
                    Metric::StateInitiated => sum(&cells.state_events),
                    Metric::Strength => 0.0,
                }
            }
            ActorRef::Group(group) => {
                let group_cells = group * n_states..(group + 1) * n_states;
                match series.metric {
                    Metric::Strength => groups.strength[group],
                    Metric::Attacks => cells.attacks[group_cells].iter().sum(),
                    Metric::Fatalities => cells.fatalities[group_cells].iter().sum(),
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
            Trigger::At { month: at } => ws.values.get(at) as usize == month,
            Trigger::Hazard { monthly, from, to } => {
                let in_window = month >= ws.values.get(from) as usize
                    && to.is_none_or(|to| month <= ws.values.get(to) as usize);
                in_window && {
                    let mut rng = ws.events.streams[index].month(month_slot(month as i64));
                    rng.random::<f64>() < ws.values.get(monthly)
                }
            }
            Trigger::Window { .. } | Trigger::When { .. } => {
                ws.events.pending[index] == Some(month)
            }
        };
        if !due {
            continue;
        }
        output.event_months[index] = Some(month as u32);
        for effect in &event.effects {
            apply_effect(scenario, effect, month, ws);
        }
        refresh_severity(scenario, &ws.values, &mut ws.groups, &mut ws.cells);
    }
}

/// Deaths per attack in every cell from the current parameter values (M7): the link's own
/// lethality where it gives one, else the group's; with event types, each type's share and
/// severity (M6d, M7c). At the start of a replication and after every event, the only times
/// parameter values change.
fn refresh_severity(scenario: &Scenario, values: &Values, groups: &mut Groups, cells: &mut Cells) {
    let sigma = values.get(scenario.model.severity_sigma);
    let cap = values.get(scenario.model.max_deaths_per_attack);
    let n_states = scenario.states.len();
    cells.severity.clear();
    for group in &scenario.groups {
        let severity = sample::Severity::new(values.get(group.lethality), sigma, cap);
        cells
            .severity
            .extend(std::iter::repeat_n(severity, n_states));
    }
    for link in &scenario.links {
        if let Some(lethality) = link.lethality {
            cells.severity[link.group * n_states + link.state] =
                sample::Severity::new(values.get(lethality), sigma, cap);
        }
    }
    let Some(types) = &scenario.model.event_types else {
        return;
    };
    // (M7c) Each type's deaths per event relative to the others, scaled so that the group's
    // events still average its lethality over its own shares.
    let relative = types.severity.map(|slot| values.get(slot));
    groups.type_cumulative.clear();
    groups.type_scale.clear();
    for group in &scenario.groups {
        let shares = group
            .event_shares
            .map_or([1.0; 3], |slots| slots.map(|slot| values.get(slot)));
        let cumulative = cumulative(shares);
        let share = [
            cumulative[0],
            cumulative[1] - cumulative[0],
            cumulative[2] - cumulative[1],
        ];
        let mean: f64 = (0..3).map(|kind| share[kind] * relative[kind]).sum();
        groups.type_cumulative.push(cumulative);
        groups.type_scale.push(relative.map(|value| value / mean));
    }
}

fn apply_effect(scenario: &Scenario, effect: &Effect, month: usize, ws: &mut Workspace) {
    let month = month as i64;
    let values = &mut ws.values;
    match *effect {
        Effect::EndFlow { flow } => ws.flows.end[flow] = ws.flows.end[flow].min(month),
        Effect::StartFlow { flow } => {
            // Sends from this month: a standby flow for its duration; a scheduled flow until its
            // own end if that is still ahead, else (restarting an ended flow) indefinitely.
            ws.flows.start[flow] = month;
            ws.flows.end[flow] = match scenario.flows[flow].duration {
                Some(duration) => month + values.get(duration) as i64,
                None if ws.flows.end[flow] > month => ws.flows.end[flow],
                None => i64::MAX,
            };
        }
        Effect::ScaleFlow { flow, factor } => ws.flows.scale[flow] *= values.get(factor),
        Effect::Shock {
            actor,
            variable,
            change,
        } => {
            let change = values.get(change);
            let states = &mut ws.states;
            match (actor, variable) {
                (ActorRef::State(state), Metric::Capacity) => {
                    states.own_capacity[state] = (states.own_capacity[state] + change).max(0.0);
                }
                (ActorRef::State(state), Metric::Control) => {
                    states.control[state] = (states.control[state] + change).clamp(0.0, 1.0);
                }
                (ActorRef::State(state), Metric::Stability) => {
                    states.stability[state] = (states.stability[state] + change).clamp(0.0, 1.0);
                }
                (ActorRef::State(state), Metric::Intelligence) => {
                    let slot = scenario.states[state].intelligence;
                    values.set(slot, (values.get(slot) + change).clamp(0.0, 0.99));
                }
                (ActorRef::Group(group), Metric::Strength) => {
                    ws.groups.strength[group] = (ws.groups.strength[group] + change).max(0.0);
                }
                // Validation admits no other pair.
                _ => {}
            }
        }
        Effect::SetParameter { target, value } => {
            let (min, max) = scenario.slots.ranges[target.0 as usize];
            values.set(target, values.get(value).clamp(min, max));
        }
        Effect::ScaleParameter { target, factor } => {
            let (min, max) = scenario.slots.ranges[target.0 as usize];
            let scaled = values.get(target) * values.get(factor);
            values.set(target, scaled.clamp(min, max));
        }
    }
}

/// A triggered event fires the month after its condition has held for `months` consecutive
/// months, plus its delay; each month the condition holds it fires with `probability`.
fn check_triggers(
    scenario: &Scenario,
    month: usize,
    values: &Values,
    events: &mut Events,
    output: &RunOutput,
) {
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
        if output.event_months[index].is_some() || events.pending[index].is_some() {
            continue;
        }
        let value = output.series[series * horizon + month];
        if op.holds(value, values.get(threshold)) {
            events.streak[index] += 1;
        } else {
            events.streak[index] = 0;
        }
        if events.streak[index] >= months {
            let mut rng = events.streams[index].month(month_slot(month as i64));
            if rng.random::<f64>() < values.get(probability) {
                let delay = delay
                    .as_ref()
                    .map_or(0.0, |delay| sample::draw(delay, &mut rng).round().max(0.0));
                // A delay drawn beyond any horizon (the cast saturates) must not overflow.
                events.pending[index] =
                    Some(month.saturating_add(1).saturating_add(delay as usize));
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
