//! Raw scenario -> validated [`Scenario`]: every check, every problem collected with its path.

use std::collections::{HashMap, HashSet};

use super::raw::{
    self, Num, RawActor, RawDistribution, RawEffect, RawEvent, RawFlow, RawMetricLabel, RawOutcome,
    RawPressure, RawScenario, RawTrigger,
};
use super::{
    ActorRef, CrossCheck, CrossRule, Distribution, EVENT_TYPES, Effect, Event, EventTypeSlots,
    Flow, Group, Metric, MetricLabel, ModelSlots, Outcome, OutcomeKind, PressureLink, Problem,
    Scenario, Series, Slot, Slots, Source, State, Trigger, Uncertain, YearMonth, stream_key,
};

/// Longest horizon a scenario may ask for, in months (50 years).
pub const MAX_HORIZON_MONTHS: u32 = 600;
/// Most replications one command may ask for.
pub const MAX_RUNS: u64 = 100_000_000;
/// Largest number of items in any one collection (actors, flows, events, ...).
pub const MAX_ITEMS: usize = 10_000;
/// Most (series x month) cells a scenario may record: each needs its own quantile sketch in
/// every block being summarised, so this bounds memory (about 1 KB a cell per block).
pub const MAX_SERIES_MONTHS: usize = 100_000;
/// Longest name, in characters.
const MAX_NAME_CHARS: usize = 200;

/// An inclusive valid range for a numeric field, with the way to say it in messages.
#[derive(Clone, Copy)]
struct Range {
    min: f64,
    max: f64,
}

const fn range(min: f64, max: f64) -> Range {
    Range { min, max }
}

const SHARE: Range = range(0.0, 1.0);
const OPEN_SHARE: Range = range(0.01, 0.99);
const NON_NEGATIVE: Range = range(0.0, 1e9);
const ELASTICITY: Range = range(0.0, 10.0);
const MONTHS_LAG: Range = range(0.0, 120.0);

impl Range {
    fn contains(self, value: f64) -> bool {
        value >= self.min && value <= self.max
    }
    fn describe(self) -> String {
        format!("{}..={}", self.min, self.max)
    }
}

/// Checks a parsed scenario and resolves it. Returns every problem found, not only the first.
pub fn validate(raw: RawScenario) -> Result<Scenario, Vec<Problem>> {
    let mut checker = Checker::default();
    let scenario = checker.scenario(&raw);
    if checker.problems.is_empty() {
        let mut scenario = scenario;
        scenario.hash = super::hash_of(&raw);
        scenario.raw = raw;
        Ok(scenario)
    } else {
        Err(checker.problems)
    }
}

#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
    slots: Slots,
    slot_by_path: HashMap<String, Slot>,
    /// Support of each uncertain parameter's distribution.
    uncertain_support: HashMap<String, (usize, f64, f64)>,
    horizon: u32,
    /// Checks across several numeric fields, for design points to repeat (`overrides`).
    cross_checks: Vec<CrossCheck>,
}

/// Names of actors by kind, resolved once.
#[derive(Default)]
struct ActorIndex {
    states: HashMap<String, usize>,
    groups: HashMap<String, usize>,
    all: HashSet<String>,
}

impl ActorIndex {
    fn resolve(&self, name: &str) -> Option<ActorRef> {
        if let Some(&index) = self.states.get(name) {
            Some(ActorRef::State(index))
        } else {
            self.groups.get(name).map(|&index| ActorRef::Group(index))
        }
    }
}

/// A name in quotes, as it appears in paths and messages. A name too long to be valid (it is
/// reported as such) is cut short, so that one absurd name cannot fill the screen.
pub(crate) fn quoted(name: &str) -> String {
    if name.chars().count() > MAX_NAME_CHARS {
        let start: String = name.chars().take(40).collect();
        format!("{:?}...", start)
    } else {
        format!("{name:?}")
    }
}

/// Most names listed as the valid choices in one message.
const MAX_NAMES_LISTED: usize = 30;

fn known_list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let mut names: Vec<&String> = names.collect();
    names.sort();
    if names.is_empty() {
        "none".to_owned()
    } else {
        let mut listed: Vec<String> = names
            .iter()
            .take(MAX_NAMES_LISTED)
            .map(|name| quoted(name))
            .collect();
        if names.len() > MAX_NAMES_LISTED {
            listed.push(format!("and {} more", names.len() - MAX_NAMES_LISTED));
        }
        listed.join(", ")
    }
}

/// What is wrong with a name, if anything: names become CSV columns, chart titles and (through
/// `charts::file_stem`) parts of file names.
pub(crate) fn name_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        Some("name is empty".to_owned())
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!(
            "name is {} characters long, over the limit of {MAX_NAME_CHARS}",
            name.chars().count()
        ))
    } else if name.chars().any(char::is_control) {
        Some(
            "name contains control characters (a line break, a tab, ...): use plain text"
                .to_owned(),
        )
    } else {
        None
    }
}

impl Checker {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn scenario(&mut self, raw: &RawScenario) -> Scenario {
        self.horizon = raw.horizon;
        self.name("name", &raw.name);
        let start = self.start_month(&raw.start);
        if raw.horizon == 0 || raw.horizon > MAX_HORIZON_MONTHS {
            self.problem(
                "horizon",
                format!("{} months is outside 1..={MAX_HORIZON_MONTHS}", raw.horizon),
            );
        }
        if let Some(runs) = raw.runs
            && (runs == 0 || runs > MAX_RUNS)
        {
            self.problem(
                "runs",
                format!(
                    "{runs} is outside 1..={MAX_RUNS} (the most replications one command may run)"
                ),
            );
        }
        for (collection, len) in [
            ("actors", raw.actors.len()),
            ("flows", raw.flows.len()),
            ("pressure", raw.pressure.len()),
            ("events", raw.events.len()),
            ("uncertain", raw.uncertain.len()),
            ("outcomes", raw.outcomes.len()),
        ] {
            if len > MAX_ITEMS {
                self.problem(
                    collection,
                    format!("{len} entries, over the limit of {MAX_ITEMS}"),
                );
            }
        }

        let uncertain = self.uncertain(&raw.uncertain);
        let model = self.model(&raw.model);
        let actors = self.actor_index(&raw.actors);
        let states = self.states(&raw.actors, &actors);
        let groups = self.groups(&raw.actors, &actors, raw.model.event_types.as_ref());
        let flows = self.flows(&raw.flows, &actors);
        let links = self.pressure(&raw.pressure, &actors);
        let series = build_series(&states, &groups, model.event_types.is_some());
        let cells = series.len() * raw.horizon as usize;
        if cells > MAX_SERIES_MONTHS {
            self.problem(
                "horizon",
                format!(
                    "{} recorded series x {} months = {cells} series-months, over the limit of {MAX_SERIES_MONTHS}: use fewer states and groups or a shorter horizon",
                    series.len(),
                    raw.horizon
                ),
            );
        }
        let series_of = |metric: Metric, actor: ActorRef| {
            series
                .iter()
                .position(|series| series.metric == metric && series.actor == actor)
        };
        let flow_index: HashMap<&str, usize> = raw
            .flows
            .iter()
            .enumerate()
            .map(|(index, flow)| (flow.name.as_str(), index))
            .collect();
        let events = self.events(&raw.events, &actors, &flow_index, &series_of);
        let event_index: HashMap<&str, usize> = raw
            .events
            .iter()
            .enumerate()
            .map(|(index, event)| (event.name.as_str(), index))
            .collect();
        let outcomes = self.outcomes(&raw.outcomes, &actors, &event_index, &series_of);
        let metric_labels = self.metric_labels(&raw.metrics);
        let warnings = reference_warnings(&states, &flows, &self.slots, &uncertain);

        Scenario {
            name: raw.name.clone(),
            description: raw.description.clone(),
            start: start.unwrap_or(YearMonth {
                year: 2000,
                month: 1,
            }),
            horizon_months: raw.horizon as usize,
            default_runs: raw.runs,
            default_seed: raw.seed,
            hash: String::new(),
            raw: raw.clone(),
            library: None,
            slots: std::mem::take(&mut self.slots),
            model,
            states,
            groups,
            flows,
            links,
            events,
            uncertain,
            outcomes,
            series,
            metric_labels,
            cross_checks: std::mem::take(&mut self.cross_checks),
            warnings,
        }
    }

    fn name(&mut self, path: &str, name: &str) {
        if let Some(message) = name_problem(name) {
            self.problem(path, message);
        }
    }

    fn unique_names<'a>(&mut self, collection: &str, names: impl Iterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for name in names {
            let path = format!("{collection}[{}]", quoted(name));
            self.name(&format!("{path}.name"), name);
            if !seen.insert(name) {
                self.problem(
                    format!("{path}.name"),
                    format!(
                        "duplicate name {}: names in {collection} must be unique",
                        quoted(name)
                    ),
                );
            }
        }
    }

    fn start_month(&mut self, text: &str) -> Option<YearMonth> {
        let parsed = YearMonth::parse(text);
        if parsed.is_none() {
            self.problem(
                "start",
                format!(
                    "{} is not a month written YYYY-MM (e.g. \"2025-06\")",
                    quoted(text)
                ),
            );
        }
        parsed
    }

    /// Smallest and largest values a number can take: itself if literal, its distribution's
    /// support if an uncertain parameter; None for an unknown parameter (reported elsewhere).
    fn bounds(&self, value: &Num) -> Option<(f64, f64)> {
        match value {
            Num::Literal(literal) => Some((*literal, *literal)),
            Num::Param(name) => self
                .uncertain_support
                .get(name)
                .map(|&(_, low, high)| (low, high)),
        }
    }

    /// Reports `path` unless `later` is certainly greater than `earlier` (or at least equal,
    /// when `allow_equal`), whatever their uncertain parameters draw.
    fn ordered(&mut self, path: String, earlier: &Num, later: &Num, allow_equal: bool, what: &str) {
        let (Some((earlier_low, earlier_high)), Some((later_low, later_high))) =
            (self.bounds(earlier), self.bounds(later))
        else {
            return;
        };
        let earlier = Bounds {
            low: earlier_low,
            high: earlier_high,
            literal: matches!(earlier, Num::Literal(_)),
        };
        let later = Bounds {
            low: later_low,
            high: later_high,
            literal: matches!(later, Num::Literal(_)),
        };
        if let Some(message) = order_problem(earlier, later, allow_equal, what) {
            self.problem(path, message);
        }
    }

    /// Records an [`order_problem`] check between two registered slots, made when `position`
    /// slots had been registered, for design points that change either slot.
    fn record_order(
        &mut self,
        position: usize,
        path: String,
        (earlier, later): (Slot, Slot),
        allow_equal: bool,
        what: &'static str,
    ) {
        self.cross_checks.push(CrossCheck {
            position,
            path,
            rule: CrossRule::Ordered {
                earlier,
                later,
                allow_equal,
                what,
            },
        });
    }

    /// Registers a numeric field and checks it against its range.
    fn num(
        &mut self,
        path: String,
        value: &Num,
        valid: Range,
        whole_months: bool,
        dynamic: bool,
    ) -> Slot {
        let source = match value {
            Num::Literal(literal) => {
                if let Some(message) = literal_problem(*literal, (valid.min, valid.max)) {
                    self.problem(&path, message);
                }
                Source::Literal(*literal)
            }
            Num::Param(name) => match self.uncertain_support.get(name) {
                Some(&(index, low, high)) => {
                    if let Some(message) =
                        support_problem(name, (low, high), (valid.min, valid.max))
                    {
                        self.problem(&path, message);
                    }
                    Source::Param(index)
                }
                None => {
                    let known = known_list(self.uncertain_support.keys());
                    self.problem(
                        &path,
                        format!(
                            "unknown uncertain parameter {} (defined: {known})",
                            quoted(name)
                        ),
                    );
                    Source::Literal(valid.min)
                }
            },
        };
        let slot = Slot(self.slots.sources.len() as u32);
        self.slots.sources.push(source);
        self.slots.paths.push(path.clone());
        self.slots.whole_months.push(whole_months);
        self.slots.dynamic.push(dynamic);
        self.slots.ranges.push((valid.min, valid.max));
        self.slot_by_path.insert(path, slot);
        slot
    }

    fn param(&mut self, path: String, value: &Num, valid: Range) -> Slot {
        self.num(path, value, valid, false, true)
    }

    fn fixed(&mut self, path: String, value: &Num, valid: Range) -> Slot {
        self.num(path, value, valid, false, false)
    }

    fn month(&mut self, path: String, value: &Num, valid: Range) -> Slot {
        self.num(path, value, valid, true, false)
    }

    fn horizon_range(&self) -> Range {
        range(0.0, self.horizon.saturating_sub(1) as f64)
    }

    fn uncertain(&mut self, uncertain: &[raw::RawUncertain]) -> Vec<Uncertain> {
        self.unique_names("uncertain", uncertain.iter().map(|item| item.name.as_str()));
        let mut resolved = Vec::with_capacity(uncertain.len());
        // The first parameter of each joint table: (its name, rows, weights).
        let mut tables: HashMap<&str, (&str, usize, &[f64])> = HashMap::new();
        for (index, item) in uncertain.iter().enumerate() {
            let path = format!("uncertain[{}].dist", quoted(&item.name));
            let distribution = self.distribution(&path, &item.dist);
            let (low, high) = distribution.as_ref().map_or((0.0, 0.0), support);
            self.uncertain_support
                .entry(item.name.clone())
                .or_insert((index, low, high));
            // A joint table's columns share one random stream, keyed by the table's name: with
            // the same weights, the same uniform number picks the same row for every column.
            let key = match &item.dist {
                RawDistribution::Joint {
                    table,
                    values,
                    weights,
                } => {
                    match tables.get(table.as_str()) {
                        None => {
                            tables.insert(table, (&item.name, values.len(), weights));
                        }
                        Some((first, rows, first_weights)) => {
                            if *rows != values.len() || *first_weights != weights.as_slice() {
                                self.problem(
                                    format!("{path}.weights"),
                                    format!(
                                        "joint table {}: {} rows and weights differ from those of {} ({} rows): columns of one table must have the same rows and the same weights",
                                        quoted(table),
                                        values.len(),
                                        quoted(first),
                                        rows
                                    ),
                                );
                            }
                        }
                    }
                    format!("joint:{table}")
                }
                _ => format!("uncertain:{}", item.name),
            };
            resolved.push(Uncertain {
                name: item.name.clone(),
                distribution: distribution.unwrap_or(Distribution::Uniform { min: 0.0, max: 0.0 }),
                stream_key: stream_key(&key),
            });
        }
        resolved
    }

    fn distribution(&mut self, path: &str, dist: &RawDistribution) -> Option<Distribution> {
        let problems_before = self.problems.len();
        let need = |checker: &mut Checker, field: &str, value: f64, condition: bool, rule: &str| {
            if !value.is_finite() {
                checker.problem(
                    format!("{path}.{field}"),
                    format!("{value} is not a finite number"),
                );
            } else if !condition {
                checker.problem(format!("{path}.{field}"), format!("{value}: {rule}"));
            }
        };
        let distribution = match dist {
            RawDistribution::Uniform { min, max } => {
                need(self, "min", *min, true, "");
                need(
                    self,
                    "max",
                    *max,
                    max > min,
                    &format!("max must be greater than min ({min})"),
                );
                Distribution::Uniform {
                    min: *min,
                    max: *max,
                }
            }
            RawDistribution::Normal { mean, sd, min, max } => {
                need(self, "mean", *mean, true, "");
                need(self, "sd", *sd, *sd > 0.0, "sd must be greater than 0");
                let low = min.unwrap_or(f64::NEG_INFINITY);
                let high = max.unwrap_or(f64::INFINITY);
                if let Some(min) = min {
                    need(self, "min", *min, true, "");
                }
                if let Some(max) = max {
                    need(
                        self,
                        "max",
                        *max,
                        *max > low,
                        &format!("max must be greater than min ({low})"),
                    );
                }
                Distribution::Normal {
                    mean: *mean,
                    sd: *sd,
                    min: low,
                    max: high,
                }
            }
            RawDistribution::LogNormal {
                median,
                sigma,
                min,
                max,
            } => {
                let low = min.unwrap_or(0.0);
                let high = max.unwrap_or(f64::INFINITY);
                if let Some(min) = min {
                    need(self, "min", *min, *min >= 0.0, "min must be 0 or more");
                }
                if let Some(max) = max {
                    need(
                        self,
                        "max",
                        *max,
                        *max > low,
                        &format!("max must be greater than min ({low})"),
                    );
                }
                need(
                    self,
                    "median",
                    *median,
                    *median > 0.0,
                    "median must be greater than 0",
                );
                need(
                    self,
                    "sigma",
                    *sigma,
                    *sigma > 0.0,
                    "sigma must be greater than 0",
                );
                Distribution::LogNormal {
                    median: *median,
                    sigma: *sigma,
                    min: low,
                    max: high,
                }
            }
            RawDistribution::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                need(
                    self,
                    "alpha",
                    *alpha,
                    *alpha > 0.0,
                    "alpha must be greater than 0",
                );
                need(
                    self,
                    "beta",
                    *beta,
                    *beta > 0.0,
                    "beta must be greater than 0",
                );
                let low = min.unwrap_or(0.0);
                let high = max.unwrap_or(1.0);
                need(self, "min", low, true, "");
                need(
                    self,
                    "max",
                    high,
                    high > low,
                    &format!("max must be greater than min ({low})"),
                );
                Distribution::Beta {
                    alpha: *alpha,
                    beta: *beta,
                    min: low,
                    max: high,
                }
            }
            RawDistribution::Triangular { min, mode, max } => {
                need(self, "min", *min, true, "");
                need(
                    self,
                    "mode",
                    *mode,
                    mode >= min && mode <= max,
                    &format!("mode must lie between min ({min}) and max ({max})"),
                );
                need(
                    self,
                    "max",
                    *max,
                    max > min,
                    &format!("max must be greater than min ({min})"),
                );
                Distribution::Triangular {
                    min: *min,
                    mode: *mode,
                    max: *max,
                }
            }
            RawDistribution::Discrete { values, weights }
            | RawDistribution::Joint {
                values, weights, ..
            } => {
                if values.is_empty() || values.len() != weights.len() {
                    self.problem(
                        format!("{path}.weights"),
                        format!(
                            "{} values and {} weights: give at least one value and one weight per value",
                            values.len(),
                            weights.len()
                        ),
                    );
                }
                for (index, value) in values.iter().enumerate() {
                    need(self, &format!("values[{index}]"), *value, true, "");
                }
                for (index, weight) in weights.iter().enumerate() {
                    need(
                        self,
                        &format!("weights[{index}]"),
                        *weight,
                        *weight >= 0.0,
                        "weights must be 0 or more",
                    );
                }
                let total: f64 = weights.iter().sum();
                if self.problems.len() == problems_before && total <= 0.0 {
                    self.problem(
                        format!("{path}.weights"),
                        "weights sum to 0: at least one must be positive",
                    );
                }
                let mut running = 0.0;
                let cumulative_weights = weights
                    .iter()
                    .map(|weight| {
                        running += weight / total;
                        running
                    })
                    .collect();
                Distribution::Discrete {
                    values: values.clone(),
                    cumulative_weights,
                }
            }
        };
        (self.problems.len() == problems_before).then_some(distribution)
    }

    fn model(&mut self, model: &raw::RawModel) -> ModelSlots {
        let coefficient = range(0.0, 100.0);
        let slot = |checker: &mut Checker, field: &str, value: &Num, valid: Range| {
            checker.param(format!("model.{field}"), value, valid)
        };
        ModelSlots {
            capacity_per_military_usd_m: slot(
                self,
                "capacity_per_military_usd_m",
                &model.capacity_per_military_usd_m,
                coefficient,
            ),
            capacity_per_financial_usd_m: slot(
                self,
                "capacity_per_financial_usd_m",
                &model.capacity_per_financial_usd_m,
                coefficient,
            ),
            capacity_per_trainer: slot(
                self,
                "capacity_per_trainer",
                &model.capacity_per_trainer,
                coefficient,
            ),
            capacity_per_troop: slot(
                self,
                "capacity_per_troop",
                &model.capacity_per_troop,
                coefficient,
            ),
            area_fire_effectiveness: slot(
                self,
                "area_fire_effectiveness",
                &model.area_fire_effectiveness,
                SHARE,
            ),
            collateral_recruitment: slot(
                self,
                "collateral_recruitment",
                &model.collateral_recruitment,
                ELASTICITY,
            ),
            attack_dispersion: slot(
                self,
                "attack_dispersion",
                &model.attack_dispersion,
                range(0.01, 1e6),
            ),
            severity_sigma: slot(
                self,
                "severity_sigma",
                &model.severity_sigma,
                range(0.0, 5.0),
            ),
            max_deaths_per_attack: slot(
                self,
                "max_deaths_per_attack",
                &model.max_deaths_per_attack,
                range(1.0, 1e6),
            ),
            severity_capacity_sensitivity: slot(
                self,
                "severity_capacity_sensitivity",
                &model.severity_capacity_sensitivity,
                range(-10.0, 10.0),
            ),
            severity_intelligence_sensitivity: slot(
                self,
                "severity_intelligence_sensitivity",
                &model.severity_intelligence_sensitivity,
                range(-10.0, 10.0),
            ),
            control_adjustment: slot(self, "control_adjustment", &model.control_adjustment, SHARE),
            control_elasticity: slot(
                self,
                "control_elasticity",
                &model.control_elasticity,
                ELASTICITY,
            ),
            stability_adjustment: slot(
                self,
                "stability_adjustment",
                &model.stability_adjustment,
                SHARE,
            ),
            stability_control_elasticity: slot(
                self,
                "stability_control_elasticity",
                &model.stability_control_elasticity,
                ELASTICITY,
            ),
            stability_violence_elasticity: slot(
                self,
                "stability_violence_elasticity",
                &model.stability_violence_elasticity,
                ELASTICITY,
            ),
            event_types: model
                .event_types
                .as_ref()
                .map(|types| self.event_types(types)),
        }
    }

    fn event_types(&mut self, types: &raw::RawEventTypes) -> EventTypeSlots {
        let slot = |checker: &mut Checker, field: &str, value: &Num, valid: Range| {
            checker.param(format!("model.event_types.{field}"), value, valid)
        };
        let severity = types.severity.as_array();
        EventTypeSlots {
            state_initiated_share: slot(
                self,
                "state_initiated_share",
                &types.state_initiated_share,
                range(0.0, 0.95),
            ),
            operations_capacity_elasticity: slot(
                self,
                "operations_capacity_elasticity",
                &types.operations_capacity_elasticity,
                ELASTICITY,
            ),
            state_civilian_share: slot(
                self,
                "state_civilian_share",
                &types.state_civilian_share,
                SHARE,
            ),
            state_remote_share: slot(self, "state_remote_share", &types.state_remote_share, SHARE),
            severity: std::array::from_fn(|index| {
                slot(
                    self,
                    &format!("severity.{}", EVENT_TYPES[index]),
                    severity[index],
                    range(0.01, 100.0),
                )
            }),
        }
    }

    /// Relative shares of events by type at `path`: each 0 or more, not all a literal 0.
    fn type_shares(&mut self, path: &str, shares: &raw::RawEventTypeWeights) -> [Slot; 3] {
        let values = shares.as_array();
        if values.iter().all(|value| **value == Num::Literal(0.0)) {
            self.problem(
                path.to_owned(),
                "all shares are 0: at least one event type must have a positive share",
            );
        }
        std::array::from_fn(|index| {
            self.fixed(
                format!("{path}.{}", EVENT_TYPES[index]),
                values[index],
                range(0.0, 1e6),
            )
        })
    }

    fn actor_index(&mut self, actors: &[RawActor]) -> ActorIndex {
        self.unique_names("actors", actors.iter().map(RawActor::name));
        let mut index = ActorIndex::default();
        for actor in actors {
            index.all.insert(actor.name().to_owned());
            match actor {
                RawActor::State { name, .. } => {
                    let next = index.states.len();
                    index.states.entry(name.clone()).or_insert(next);
                }
                RawActor::Group { name, .. } => {
                    let next = index.groups.len();
                    index.groups.entry(name.clone()).or_insert(next);
                }
                RawActor::Partner { .. } | RawActor::RegionalBody { .. } => {}
            }
        }
        if index.states.is_empty() {
            self.problem(
                "actors",
                "no State actor: a scenario needs at least one state",
            );
        }
        index
    }

    fn state_ref(&mut self, path: String, name: &str, actors: &ActorIndex) -> Option<usize> {
        let found = actors.states.get(name).copied();
        if found.is_none() {
            let what = if actors.all.contains(name) {
                format!("{} is not a State actor", quoted(name))
            } else {
                format!("unknown actor {}", quoted(name))
            };
            let known = known_list(actors.states.keys());
            self.problem(path, format!("{what} (states: {known})"));
        }
        found
    }

    fn group_ref(&mut self, path: String, name: &str, actors: &ActorIndex) -> Option<usize> {
        let found = actors.groups.get(name).copied();
        if found.is_none() {
            let what = if actors.all.contains(name) {
                format!("{} is not a Group actor", quoted(name))
            } else {
                format!("unknown actor {}", quoted(name))
            };
            let known = known_list(actors.groups.keys());
            self.problem(path, format!("{what} (groups: {known})"));
        }
        found
    }

    fn states(&mut self, actors: &[RawActor], index: &ActorIndex) -> Vec<State> {
        let mut states = Vec::new();
        let mut seen = HashSet::new();
        for actor in actors {
            let RawActor::State {
                name,
                capacity,
                control,
                stability,
                intelligence,
                neighbours,
                reference,
            } = actor
            else {
                continue;
            };
            if !seen.insert(name) {
                continue;
            }
            let path = format!("actors[{}]", quoted(name));
            let self_index = states.len();
            let mut neighbour_indices = Vec::new();
            for (position, neighbour) in neighbours.iter().enumerate() {
                let neighbour_path = format!("{path}.neighbours[{position}]");
                if let Some(found) = self.state_ref(neighbour_path.clone(), neighbour, index) {
                    if found == self_index {
                        self.problem(neighbour_path, "a state cannot neighbour itself");
                    } else if neighbour_indices.contains(&found) {
                        self.problem(
                            neighbour_path,
                            format!("{} is listed twice", quoted(neighbour)),
                        );
                    } else {
                        neighbour_indices.push(found);
                    }
                }
            }
            states.push(State {
                name: name.clone(),
                capacity: self.fixed(format!("{path}.capacity"), capacity, range(0.001, 1e6)),
                control: self.fixed(format!("{path}.control"), control, OPEN_SHARE),
                stability: self.fixed(format!("{path}.stability"), stability, OPEN_SHARE),
                intelligence: self.param(
                    format!("{path}.intelligence"),
                    intelligence,
                    range(0.0, 0.99),
                ),
                neighbours: neighbour_indices,
                stream_key: stream_key(&format!("state:{name}")),
                reference: reference.as_ref().map(|reference| {
                    (
                        self.fixed(
                            format!("{path}.reference.capacity"),
                            &reference.capacity,
                            range(0.001, 1e6),
                        ),
                        self.fixed(
                            format!("{path}.reference.intelligence"),
                            &reference.intelligence,
                            range(0.0, 0.999),
                        ),
                    )
                }),
            });
        }
        states
    }

    fn groups(
        &mut self,
        actors: &[RawActor],
        index: &ActorIndex,
        model_types: Option<&raw::RawEventTypes>,
    ) -> Vec<Group> {
        let mut groups = Vec::new();
        let mut seen = HashSet::new();
        for actor in actors {
            let RawActor::Group {
                name,
                strength,
                areas,
                recruitment,
                attrition,
                lethality,
                ceiling,
                event_shares,
            } = actor
            else {
                continue;
            };
            if !seen.insert(name) {
                continue;
            }
            let path = format!("actors[{}]", quoted(name));
            if areas.is_empty() {
                self.problem(
                    format!("{path}.areas"),
                    "empty: a group must operate in at least one state",
                );
            }
            let mut area_slots = Vec::new();
            let mut weight_slots = Vec::with_capacity(areas.len());
            for (position, area) in areas.iter().enumerate() {
                let area_path = format!("{path}.areas[{position}]");
                let state = self.state_ref(format!("{area_path}.state"), &area.state, index);
                let weight =
                    self.fixed(format!("{area_path}.weight"), &area.weight, range(0.0, 1e6));
                weight_slots.push(weight);
                if let Some(state) = state {
                    if area_slots.iter().any(|&(existing, _)| existing == state) {
                        self.problem(
                            format!("{area_path}.state"),
                            format!("{} is listed twice", quoted(&area.state)),
                        );
                    } else {
                        area_slots.push((state, weight));
                    }
                }
            }
            if !areas.is_empty() {
                if areas.iter().all(|area| area.weight == Num::Literal(0.0)) {
                    self.problem(format!("{path}.areas"), ALL_WEIGHTS_ZERO);
                }
                self.cross_checks.push(CrossCheck {
                    position: self.slots.len(),
                    path: format!("{path}.areas"),
                    rule: CrossRule::SomeWeightPositive {
                        weights: weight_slots,
                    },
                });
            }
            let position = self.slots.len();
            let what = "the ceiling must be greater than the initial strength in fighters";
            self.ordered(format!("{path}.ceiling"), strength, ceiling, false, what);
            let strength = self.fixed(format!("{path}.strength"), strength, range(0.0, 1e7));
            let recruitment = self.param(format!("{path}.recruitment"), recruitment, SHARE);
            let attrition = self.param(format!("{path}.attrition"), attrition, SHARE);
            let lethality = self.param(format!("{path}.lethality"), lethality, range(0.0, 1000.0));
            let ceiling = self.param(format!("{path}.ceiling"), ceiling, range(1.0, 1e8));
            self.record_order(
                position,
                format!("{path}.ceiling"),
                (strength, ceiling),
                false,
                what,
            );
            let event_shares = match (event_shares, model_types) {
                (Some(shares), Some(_)) => {
                    Some(self.type_shares(&format!("{path}.event_shares"), shares))
                }
                (None, Some(types)) => Some(self.type_shares(
                    &format!("{path}.event_shares (model.event_types.group_shares)"),
                    &types.group_shares,
                )),
                (Some(_), None) => {
                    self.problem(
                        format!("{path}.event_shares"),
                        "shares of event types need the model's `event_types` (MODEL.md, M6d): \
                         add `event_types: ()` to `model`, or remove them",
                    );
                    None
                }
                (None, None) => None,
            };
            groups.push(Group {
                name: name.clone(),
                strength,
                areas: area_slots,
                recruitment,
                attrition,
                lethality,
                ceiling,
                stream_key: stream_key(&format!("group:{name}")),
                event_shares,
            });
        }
        groups
    }

    fn flows(&mut self, flows: &[RawFlow], actors: &ActorIndex) -> Vec<Flow> {
        self.unique_names("flows", flows.iter().map(|flow| flow.name.as_str()));
        let months = range(-(MAX_HORIZON_MONTHS as f64), MAX_HORIZON_MONTHS as f64);
        let mut resolved = Vec::new();
        for flow in flows {
            let path = format!("flows[{}]", quoted(&flow.name));
            if !actors.all.contains(&flow.from) {
                let known = known_list(actors.all.iter());
                self.problem(
                    format!("{path}.from"),
                    format!("unknown actor {} (actors: {known})", quoted(&flow.from)),
                );
            } else if actors.groups.contains_key(&flow.from) {
                self.problem(
                    format!("{path}.from"),
                    format!(
                        "{} is a Group: support comes from states, partners or regional bodies",
                        quoted(&flow.from)
                    ),
                );
            }
            let to = self.state_ref(format!("{path}.to"), &flow.to, actors);
            if flow.standby && flow.start.is_some() {
                self.problem(
                    format!("{path}.start"),
                    "a standby flow starts when an event starts it: remove start",
                );
            }
            let start = flow.start.clone().unwrap_or(Num::Literal(0.0));
            if flow.standby && flow.end.is_some() {
                self.problem(format!("{path}.end"), "a standby flow starts when an event starts it: give its length as duration, not end");
            }
            if !flow.standby && flow.duration.is_some() {
                self.problem(
                    format!("{path}.duration"),
                    "duration is for standby flows: give end instead, or set standby: true",
                );
            }
            let position = self.slots.len();
            let what = "the end month must be after the start month";
            if let Some(end) = &flow.end {
                self.ordered(format!("{path}.end"), &start, end, false, what);
            }
            let volume = self.param(format!("{path}.volume"), &flow.volume, NON_NEGATIVE);
            let start =
                (!flow.standby).then(|| self.month(format!("{path}.start"), &start, months));
            let end = flow
                .end
                .as_ref()
                .map(|end| self.month(format!("{path}.end"), end, months));
            // A standby flow with an end is refused above; any other has both slots.
            if let (Some(start), Some(end)) = (start, end) {
                self.record_order(position, format!("{path}.end"), (start, end), false, what);
            }
            resolved.push(Flow {
                name: flow.name.clone(),
                from: flow.from.clone(),
                to: to.unwrap_or(0),
                kind: flow.kind,
                volume,
                start,
                end,
                standby: flow.standby,
                duration: flow.duration.as_ref().map(|duration| {
                    self.month(
                        format!("{path}.duration"),
                        duration,
                        range(1.0, MAX_HORIZON_MONTHS as f64),
                    )
                }),
                reliability: self.param(format!("{path}.reliability"), &flow.reliability, SHARE),
                lag: self.month(format!("{path}.lag"), &flow.lag, MONTHS_LAG),
                decay: self.fixed(
                    format!("{path}.decay"),
                    &flow.decay,
                    range(0.0, MAX_HORIZON_MONTHS as f64),
                ),
                stream_key: stream_key(&format!("flow:{}", flow.name)),
            });
        }
        resolved
    }

    fn pressure(&mut self, pressure: &[RawPressure], actors: &ActorIndex) -> Vec<PressureLink> {
        let mut seen = HashSet::new();
        let mut links = Vec::new();
        for link in pressure {
            let key = format!("{}:{}", link.group, link.state);
            let path = format!("pressure[{}]", quoted(&key));
            if !seen.insert(key.clone()) {
                self.problem(
                    path.clone(),
                    format!(
                        "duplicate pressure of {} on {}",
                        quoted(&link.group),
                        quoted(&link.state)
                    ),
                );
            }
            let group = self.group_ref(format!("{path}.group"), &link.group, actors);
            let state = self.state_ref(format!("{path}.state"), &link.state, actors);
            let base_rate = self.param(
                format!("{path}.base_rate"),
                &link.base_rate,
                range(0.0, 1e5),
            );
            let capacity_sensitivity = self.param(
                format!("{path}.capacity_sensitivity"),
                &link.capacity_sensitivity,
                ELASTICITY,
            );
            let intelligence_sensitivity = self.param(
                format!("{path}.intelligence_sensitivity"),
                &link.intelligence_sensitivity,
                ELASTICITY,
            );
            let spillover = self.param(format!("{path}.spillover"), &link.spillover, SHARE);
            let lethality = link.lethality.as_ref().map(|lethality| {
                self.param(format!("{path}.lethality"), lethality, range(0.0, 1000.0))
            });
            if let (Some(group), Some(state)) = (group, state) {
                links.push(PressureLink {
                    group,
                    state,
                    base_rate,
                    capacity_sensitivity,
                    intelligence_sensitivity,
                    spillover,
                    lethality,
                });
            }
        }
        links
    }

    fn events(
        &mut self,
        events: &[RawEvent],
        actors: &ActorIndex,
        flow_index: &HashMap<&str, usize>,
        series_of: &dyn Fn(Metric, ActorRef) -> Option<usize>,
    ) -> Vec<Event> {
        self.unique_names("events", events.iter().map(|event| event.name.as_str()));
        let mut resolved = Vec::new();
        for event in events {
            let path = format!("events[{}]", quoted(&event.name));
            let trigger = self.trigger(&format!("{path}.when"), &event.when, actors, series_of);
            if event.effects.is_empty() {
                self.problem(
                    format!("{path}.effects"),
                    "empty: an event needs at least one effect",
                );
            }
            let effects = event
                .effects
                .iter()
                .enumerate()
                .filter_map(|(position, effect)| {
                    self.effect(
                        &format!("{path}.effects[{position}]"),
                        effect,
                        actors,
                        flow_index,
                    )
                })
                .collect();
            let label = self.reader_text(&format!("{path}.label"), event.label.as_deref());
            resolved.push(Event {
                name: event.name.clone(),
                label,
                trigger: trigger.unwrap_or(Trigger::At { month: Slot(0) }),
                effects,
                stream_key: stream_key(&format!("event:{}", event.name)),
            });
        }
        resolved
    }

    fn trigger(
        &mut self,
        path: &str,
        trigger: &RawTrigger,
        actors: &ActorIndex,
        series_of: &dyn Fn(Metric, ActorRef) -> Option<usize>,
    ) -> Option<Trigger> {
        let within = self.horizon_range();
        Some(match trigger {
            RawTrigger::At { month } => Trigger::At {
                month: self.month(format!("{path}.month"), month, within),
            },
            RawTrigger::Hazard { monthly, from, to } => {
                let position = self.slots.len();
                if let Some(to) = to {
                    self.ordered(format!("{path}.to"), from, to, true, WINDOW_ORDER);
                }
                let monthly = self.fixed(format!("{path}.monthly"), monthly, SHARE);
                let from = self.month(format!("{path}.from"), from, within);
                let to = to
                    .as_ref()
                    .map(|to| self.month(format!("{path}.to"), to, within));
                if let Some(to) = to {
                    self.record_order(
                        position,
                        format!("{path}.to"),
                        (from, to),
                        true,
                        WINDOW_ORDER,
                    );
                }
                Trigger::Hazard { monthly, from, to }
            }
            RawTrigger::Window {
                probability,
                from,
                to,
            } => {
                let position = self.slots.len();
                self.ordered(format!("{path}.to"), from, to, true, WINDOW_ORDER);
                let probability = self.fixed(format!("{path}.probability"), probability, SHARE);
                let from = self.month(format!("{path}.from"), from, within);
                let to = self.month(format!("{path}.to"), to, within);
                self.record_order(
                    position,
                    format!("{path}.to"),
                    (from, to),
                    true,
                    WINDOW_ORDER,
                );
                Trigger::Window {
                    probability,
                    from,
                    to,
                }
            }
            RawTrigger::When {
                metric,
                actor,
                op,
                threshold,
                months,
                probability,
                delay,
            } => {
                let series = self.series_ref(path, *metric, actor, actors, series_of);
                if *months == 0 || *months > self.horizon.max(1) {
                    self.problem(
                        format!("{path}.months"),
                        format!("{months} is outside 1..={}", self.horizon.max(1)),
                    );
                }
                let delay = delay.as_ref().and_then(|delay| {
                    let delay_path = format!("{path}.delay");
                    if matches!(delay, RawDistribution::Joint { .. }) {
                        self.problem(
                            delay_path,
                            "Joint is for uncertain parameters only: use Discrete for a delay",
                        );
                        return None;
                    }
                    let distribution = self.distribution(&delay_path, delay)?;
                    let (low, _) = support(&distribution);
                    if low < 0.0 {
                        self.problem(delay_path, format!("can draw {low} months: a delay distribution must be bounded below by 0"));
                    }
                    Some(distribution)
                });
                Trigger::When {
                    series: series?,
                    op: *op,
                    threshold: self.fixed(
                        format!("{path}.threshold"),
                        threshold,
                        range(-1e12, 1e12),
                    ),
                    months: *months,
                    probability: self.fixed(format!("{path}.probability"), probability, SHARE),
                    delay,
                }
            }
        })
    }

    fn series_ref(
        &mut self,
        path: &str,
        metric: Metric,
        actor: &str,
        actors: &ActorIndex,
        series_of: &dyn Fn(Metric, ActorRef) -> Option<usize>,
    ) -> Option<usize> {
        let Some(actor_ref) = actors.resolve(actor) else {
            let what = if actors.all.contains(actor) {
                format!(
                    "{} is a partner or regional body: metrics exist for states and groups",
                    quoted(actor)
                )
            } else {
                format!("unknown actor {}", quoted(actor))
            };
            let known = known_list(actors.states.keys().chain(actors.groups.keys()));
            self.problem(
                format!("{path}.actor"),
                format!("{what} (states and groups: {known})"),
            );
            return None;
        };
        let found = series_of(metric, actor_ref);
        if found.is_none() {
            let valid = match actor_ref {
                ActorRef::State(_) => &Metric::STATE[..],
                ActorRef::Group(_) => &Metric::GROUP[..],
            };
            let valid: Vec<&str> = valid.iter().map(|metric| metric.as_str()).collect();
            self.problem(
                format!("{path}.metric"),
                format!(
                    "{} has no metric {} (valid: {})",
                    quoted(actor),
                    metric.as_str(),
                    valid.join(", ")
                ),
            );
        }
        found
    }

    fn flow_ref(
        &mut self,
        path: String,
        name: &str,
        flow_index: &HashMap<&str, usize>,
    ) -> Option<usize> {
        let found = flow_index.get(name).copied();
        if found.is_none() {
            let known = known_list(
                flow_index
                    .keys()
                    .map(|name| name.to_string())
                    .collect::<Vec<_>>()
                    .iter(),
            );
            self.problem(
                path,
                format!("unknown flow {} (flows: {known})", quoted(name)),
            );
        }
        found
    }

    fn effect(
        &mut self,
        path: &str,
        effect: &RawEffect,
        actors: &ActorIndex,
        flow_index: &HashMap<&str, usize>,
    ) -> Option<Effect> {
        let factor_range = range(0.0, 1e6);
        match effect {
            RawEffect::EndFlow { flow } => Some(Effect::EndFlow {
                flow: self.flow_ref(format!("{path}.flow"), flow, flow_index)?,
            }),
            RawEffect::StartFlow { flow } => Some(Effect::StartFlow {
                flow: self.flow_ref(format!("{path}.flow"), flow, flow_index)?,
            }),
            RawEffect::ScaleFlow { flow, factor } => {
                let factor = self.fixed(format!("{path}.factor"), factor, factor_range);
                Some(Effect::ScaleFlow {
                    flow: self.flow_ref(format!("{path}.flow"), flow, flow_index)?,
                    factor,
                })
            }
            RawEffect::Shock {
                actor,
                variable,
                change,
            } => {
                let change = self.fixed(format!("{path}.change"), change, range(-1e9, 1e9));
                let actor_ref = actors.resolve(actor);
                let valid = match actor_ref {
                    Some(ActorRef::State(_)) => matches!(
                        variable,
                        Metric::Capacity
                            | Metric::Control
                            | Metric::Stability
                            | Metric::Intelligence
                    ),
                    Some(ActorRef::Group(_)) => matches!(variable, Metric::Strength),
                    None => {
                        let known = known_list(actors.states.keys().chain(actors.groups.keys()));
                        self.problem(
                            format!("{path}.actor"),
                            format!(
                                "unknown state or group {} (states and groups: {known})",
                                quoted(actor)
                            ),
                        );
                        return None;
                    }
                };
                if !valid {
                    self.problem(
                        format!("{path}.variable"),
                        format!("{} cannot be shocked for {} (states: capacity, control, stability, intelligence; groups: strength)", variable.as_str(), quoted(actor)),
                    );
                    return None;
                }
                Some(Effect::Shock {
                    actor: actor_ref?,
                    variable: *variable,
                    change,
                })
            }
            RawEffect::SetParameter {
                path: target,
                value,
            }
            | RawEffect::ScaleParameter {
                path: target,
                factor: value,
            } => {
                let target_slot = self.dynamic_slot(&format!("{path}.path"), target)?;
                if let RawEffect::SetParameter { .. } = effect {
                    let (min, max) = self.slots.ranges[target_slot.0 as usize];
                    let value = self.fixed(format!("{path}.value"), value, range(min, max));
                    Some(Effect::SetParameter {
                        target: target_slot,
                        value,
                    })
                } else {
                    let factor = self.fixed(format!("{path}.factor"), value, factor_range);
                    Some(Effect::ScaleParameter {
                        target: target_slot,
                        factor,
                    })
                }
            }
        }
    }

    fn dynamic_slot(&mut self, path: &str, target: &str) -> Option<Slot> {
        match self.slot_by_path.get(target) {
            Some(&slot) if self.slots.dynamic[slot.0 as usize] => Some(slot),
            Some(_) => {
                self.problem(
                    path,
                    format!("{} is fixed at month 0 or by the calendar: use Shock for a state's or group's variables, and EndFlow/StartFlow for a flow's timing", quoted(target)),
                );
                None
            }
            None => {
                self.problem(
                    path,
                    format!("{} does not name a numeric field (e.g. \"pressure[\\\"JNIM:Niger\\\"].base_rate\", \"flows[\\\"russia_intel\\\"].volume\", \"model.severity_sigma\")", quoted(target)),
                );
                None
            }
        }
    }

    /// A label or unit for readers: plain text of at most [`MAX_NAME_CHARS`] characters.
    fn reader_text(&mut self, path: &str, text: Option<&str>) -> Option<String> {
        let text = text?;
        match name_problem(text) {
            Some(problem) => {
                self.problem(path, problem.replacen("name", "text", 1));
                None
            }
            None => Some(text.to_owned()),
        }
    }

    fn metric_labels(&mut self, labels: &[RawMetricLabel]) -> Vec<MetricLabel> {
        let mut resolved: Vec<MetricLabel> = Vec::new();
        for (index, item) in labels.iter().enumerate() {
            let path = format!("metrics[{index}]");
            if resolved.iter().any(|other| other.metric == item.metric) {
                self.problem(
                    format!("{path}.metric"),
                    format!("{} is labelled twice", item.metric.as_str()),
                );
                continue;
            }
            resolved.push(MetricLabel {
                metric: item.metric,
                label: self.reader_text(&format!("{path}.label"), item.label.as_deref()),
                unit: self.reader_text(&format!("{path}.unit"), item.unit.as_deref()),
            });
        }
        resolved
    }

    fn outcomes(
        &mut self,
        outcomes: &[RawOutcome],
        actors: &ActorIndex,
        event_index: &HashMap<&str, usize>,
        series_of: &dyn Fn(Metric, ActorRef) -> Option<usize>,
    ) -> Vec<Outcome> {
        self.unique_names("outcomes", outcomes.iter().map(RawOutcome::name));
        for outcome in outcomes {
            if outcome.name() == "run" {
                self.problem(
                    format!("outcomes[{}].name", quoted(outcome.name())),
                    "\"run\" is reserved: it is the first column of outcomes.csv",
                );
            }
        }
        let last = self.horizon.saturating_sub(1);
        let mut resolved = Vec::new();
        for outcome in outcomes {
            let path = format!("outcomes[{}]", quoted(outcome.name()));
            let window = |checker: &mut Checker, from: &Option<u32>, to: &Option<u32>| {
                let from_month = from.unwrap_or(0);
                let to_month = to.unwrap_or(last);
                if from_month > last {
                    checker.problem(
                        format!("{path}.from"),
                        format!("month {from_month} is past the last month {last}"),
                    );
                }
                if to_month > last {
                    checker.problem(
                        format!("{path}.to"),
                        format!("month {to_month} is past the last month {last}"),
                    );
                }
                if to_month < from_month {
                    checker.problem(
                        format!("{path}.to"),
                        format!("month {to_month} is before from month {from_month}"),
                    );
                }
                (from_month as usize, to_month as usize)
            };
            let event_ref = |checker: &mut Checker, name: &str| {
                let found = event_index.get(name).copied();
                if found.is_none() {
                    let known = known_list(
                        event_index
                            .keys()
                            .map(|name| name.to_string())
                            .collect::<Vec<_>>()
                            .iter(),
                    );
                    checker.problem(
                        format!("{path}.event"),
                        format!("unknown event {} (events: {known})", quoted(name)),
                    );
                }
                found
            };
            let check_threshold = |checker: &mut Checker, threshold: f64| {
                if !threshold.is_finite() {
                    checker.problem(
                        format!("{path}.threshold"),
                        format!("{threshold} is not a finite number"),
                    );
                }
            };
            let kind = match outcome {
                RawOutcome::Sum {
                    metric,
                    actor,
                    from,
                    to,
                    ..
                }
                | RawOutcome::Mean {
                    metric,
                    actor,
                    from,
                    to,
                    ..
                }
                | RawOutcome::Max {
                    metric,
                    actor,
                    from,
                    to,
                    ..
                }
                | RawOutcome::Min {
                    metric,
                    actor,
                    from,
                    to,
                    ..
                } => {
                    let series = self.series_ref(&path, *metric, actor, actors, series_of);
                    let (from, to) = window(self, from, to);
                    series.map(|series| match outcome {
                        RawOutcome::Sum { .. } => OutcomeKind::Sum { series, from, to },
                        RawOutcome::Mean { .. } => OutcomeKind::Mean { series, from, to },
                        RawOutcome::Max { .. } => OutcomeKind::Max { series, from, to },
                        _ => OutcomeKind::Min { series, from, to },
                    })
                }
                RawOutcome::Final { metric, actor, .. } => self
                    .series_ref(&path, *metric, actor, actors, series_of)
                    .map(|series| OutcomeKind::Final { series }),
                RawOutcome::FirstMonth {
                    metric,
                    actor,
                    op,
                    threshold,
                    ..
                } => {
                    check_threshold(self, *threshold);
                    self.series_ref(&path, *metric, actor, actors, series_of)
                        .map(|series| OutcomeKind::FirstMonth {
                            series,
                            op: *op,
                            threshold: *threshold,
                        })
                }
                RawOutcome::Any {
                    metric,
                    actor,
                    op,
                    threshold,
                    from,
                    to,
                    ..
                }
                | RawOutcome::All {
                    metric,
                    actor,
                    op,
                    threshold,
                    from,
                    to,
                    ..
                } => {
                    check_threshold(self, *threshold);
                    let series = self.series_ref(&path, *metric, actor, actors, series_of);
                    let (from, to) = window(self, from, to);
                    let (op, threshold) = (*op, *threshold);
                    series.map(|series| match outcome {
                        RawOutcome::Any { .. } => OutcomeKind::Any {
                            series,
                            op,
                            threshold,
                            from,
                            to,
                        },
                        _ => OutcomeKind::All {
                            series,
                            op,
                            threshold,
                            from,
                            to,
                        },
                    })
                }
                RawOutcome::EventFired { event, .. } => {
                    event_ref(self, event).map(|event| OutcomeKind::EventFired { event })
                }
                RawOutcome::EventMonth { event, .. } => {
                    event_ref(self, event).map(|event| OutcomeKind::EventMonth { event })
                }
            };
            if let Some(kind) = kind {
                let (label, unit) = outcome.reader_text();
                resolved.push(Outcome {
                    name: outcome.name().to_owned(),
                    kind,
                    label: self.reader_text(&format!("{path}.label"), label),
                    unit: self.reader_text(&format!("{path}.unit"), unit),
                });
            }
        }
        resolved
    }
}

/// Why a trigger's window is refused.
const WINDOW_ORDER: &str = "the window must not end before it starts";
/// Why a group's areas are refused when every weight is a literal 0.
pub(crate) const ALL_WEIGHTS_ZERO: &str = "all weights are 0: at least one must be positive";

/// The smallest and largest values a number can take, and whether it is a literal (for the
/// wording of [`order_problem`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub low: f64,
    pub high: f64,
    pub literal: bool,
}

/// What is wrong with a literal `value` in a field whose valid range is `(min, max)`, if anything.
pub(crate) fn literal_problem(value: f64, (min, max): (f64, f64)) -> Option<String> {
    let valid = range(min, max);
    if !value.is_finite() {
        Some(format!("{value} is not a finite number"))
    } else if !valid.contains(value) {
        Some(format!(
            "{value} is outside the valid range {}",
            valid.describe()
        ))
    } else {
        None
    }
}

/// What is wrong with uncertain parameter `name`, whose values lie in `(low, high)`, standing in
/// a field whose valid range is `(min, max)`, if anything.
pub(crate) fn support_problem(
    name: &str,
    (low, high): (f64, f64),
    (min, max): (f64, f64),
) -> Option<String> {
    (low < min || high > max).then(|| {
        format!(
            "uncertain parameter {} can take values in {low}..={high}, outside the valid range {} (bound its distribution)",
            quoted(name),
            range(min, max).describe()
        )
    })
}

/// What is wrong when `later` is not certainly greater than `earlier` (or at least equal, when
/// `allow_equal`), whatever their uncertain parameters draw; `what` says the rule.
pub(crate) fn order_problem(
    earlier: Bounds,
    later: Bounds,
    allow_equal: bool,
    what: &str,
) -> Option<String> {
    let violated = if allow_equal {
        later.low < earlier.high
    } else {
        later.low <= earlier.high
    };
    violated.then(|| {
        let can = if earlier.literal && later.literal {
            "is"
        } else {
            "can be"
        };
        format!(
            "{what}: {} {can} {} {}",
            later.low,
            if allow_equal { "before" } else { "at or below" },
            earlier.high
        )
    })
}

/// A warning for each state without `reference` that receives support before month 0: its
/// rates are then relative to the support its file lists, so removing such a flow from the file
/// and ending it at month 0 would not mean the same (MODEL.md, "Notation").
fn reference_warnings(
    states: &[State],
    flows: &[Flow],
    slots: &Slots,
    uncertain: &[Uncertain],
) -> Vec<String> {
    let lowest = |slot: Slot| match slots.sources.get(slot.0 as usize) {
        Some(Source::Literal(value)) => *value,
        Some(Source::Param(index)) => uncertain
            .get(*index)
            .map_or(0.0, |parameter| support(&parameter.distribution).0),
        None => 0.0,
    };
    states
        .iter()
        .enumerate()
        .filter(|(_, state)| state.reference.is_none())
        .filter_map(|(index, state)| {
            let in_place: Vec<String> = flows
                .iter()
                .filter(|flow| flow.to == index)
                .filter(|flow| flow.start.is_some_and(|start| lowest(start) < 0.0))
                .map(|flow| quoted(&flow.name))
                .collect();
            (!in_place.is_empty()).then(|| {
                format!(
                    "actors[{}]: support in place before month 0 ({}) but no `reference`: the rates of this state are read against the support the file lists at month 0, so removing a flow from the file is not the same as ending it at month 0. Give `reference: (capacity: C, intelligence: I)`, the conditions its base rates were measured under (MODEL.md, \"Notation\").",
                    quoted(&state.name),
                    in_place.join(", ")
                )
            })
        })
        .collect()
}

fn build_series(states: &[State], groups: &[Group], typed: bool) -> Vec<Series> {
    let typed_metrics: &[Metric] = if typed { &Metric::STATE_TYPED } else { &[] };
    let state_series = states.iter().enumerate().flat_map(|(index, state)| {
        Metric::STATE
            .iter()
            .chain(typed_metrics)
            .map(move |&metric| Series {
                metric,
                actor: ActorRef::State(index),
                actor_name: state.name.clone(),
            })
    });
    let group_series = groups.iter().enumerate().flat_map(|(index, group)| {
        Metric::GROUP.iter().map(move |&metric| Series {
            metric,
            actor: ActorRef::Group(index),
            actor_name: group.name.clone(),
        })
    });
    state_series.chain(group_series).collect()
}

/// Smallest and largest values a distribution can produce.
pub(crate) fn support(distribution: &Distribution) -> (f64, f64) {
    match distribution {
        Distribution::Uniform { min, max } | Distribution::Triangular { min, max, .. } => {
            (*min, *max)
        }
        Distribution::Normal { min, max, .. } | Distribution::Beta { min, max, .. } => (*min, *max),
        Distribution::LogNormal { min, max, .. } => (*min, *max),
        Distribution::Discrete { values, .. } => values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &value| {
                (low.min(value), high.max(value))
            }),
    }
}
