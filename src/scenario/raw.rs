//! The scenario file as written: serde types that mirror the RON text one to one.
//!
//! Nothing here is checked beyond what serde checks (syntax, types, unknown fields). Turning a
//! [`RawScenario`] into a validated [`crate::scenario::Scenario`] happens in `validate.rs`, which
//! collects every problem with its field path. Serialising a `RawScenario` gives the canonical
//! text that `scenario_hash` is computed from.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A number in a scenario: a literal, or the name of an `uncertain` parameter whose draw for the
/// replication stands in its place.
#[derive(Debug, Clone, PartialEq)]
pub enum Num {
    /// A literal number, as written.
    Literal(f64),
    /// The name of an uncertain parameter.
    Param(String),
}

impl Num {
    /// Shorthand used by serde defaults.
    pub const fn lit(value: f64) -> Num {
        Num::Literal(value)
    }
}

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Num::Literal(value) => serializer.serialize_f64(*value),
            Num::Param(name) => serializer.serialize_str(name),
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumVisitor;
        impl Visitor<'_> for NumVisitor {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or the name of an uncertain parameter in quotes")
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Num, E> {
                Ok(Num::Literal(value))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Num, E> {
                Ok(Num::Literal(value as f64))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Num, E> {
                Ok(Num::Literal(value as f64))
            }
            fn visit_i128<E: de::Error>(self, value: i128) -> Result<Num, E> {
                Ok(Num::Literal(value as f64))
            }
            fn visit_u128<E: de::Error>(self, value: u128) -> Result<Num, E> {
                Ok(Num::Literal(value as f64))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Num, E> {
                Ok(Num::Param(value.to_owned()))
            }
        }
        deserializer.deserialize_any(NumVisitor)
    }
}

/// Integer fields: they read any number RON can write, so that `horizon: 12.5` or
/// `horizon: -12` is refused as a value, with what would be valid, at its line and column,
/// rather than as a syntax error ("Expected comma") or "Integer is out of bounds".
pub(crate) mod whole {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::Deserializer;
    use serde::de::{self, Unexpected, Visitor};

    use crate::scenario::{MAX_HORIZON_MONTHS, MAX_RUNS};

    struct Whole<T> {
        expecting: String,
        marker: PhantomData<T>,
    }

    impl<T> Whole<T> {
        fn new(expecting: String) -> Self {
            Whole {
                expecting,
                marker: PhantomData,
            }
        }

        fn refuse<E: de::Error>(&self, found: impl fmt::Display) -> E {
            E::invalid_value(
                Unexpected::Other(&format!("`{found}`")),
                &self.expecting.as_str(),
            )
        }
    }

    impl<T: TryFrom<u64> + TryFrom<i64>> Visitor<'_> for Whole<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(&self.expecting)
        }
        fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
            T::try_from(value).map_err(|_| self.refuse(value))
        }
        fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
            T::try_from(value).map_err(|_| self.refuse(value))
        }
        fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
            // `{:?}` keeps the decimal point: `12.0`, not `12`.
            Err(self.refuse(format!("{value:?}")))
        }
    }

    struct Optional<T>(Whole<T>);

    impl<'de, T: TryFrom<u64> + TryFrom<i64>> Visitor<'de> for Optional<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(&self.0.expecting)
        }
        fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
            deserializer.deserialize_any(self.0).map(Some)
        }
    }

    fn required<'de, D: Deserializer<'de>, T: TryFrom<u64> + TryFrom<i64>>(
        deserializer: D,
        expecting: String,
    ) -> Result<T, D::Error> {
        deserializer.deserialize_any(Whole::new(expecting))
    }

    fn optional<'de, D: Deserializer<'de>, T: TryFrom<u64> + TryFrom<i64>>(
        deserializer: D,
        expecting: String,
    ) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_option(Optional(Whole::new(expecting)))
    }

    /// A scenario's `horizon`.
    pub fn horizon<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
        required(
            deserializer,
            format!("a whole number of months (1..={MAX_HORIZON_MONTHS})"),
        )
    }

    /// A number of replications (`runs`).
    pub fn runs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        required(
            deserializer,
            format!("a whole number of replications (1..={MAX_RUNS})"),
        )
    }

    /// An optional number of replications.
    pub fn optional_runs<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u64>, D::Error> {
        optional(
            deserializer,
            format!("a whole number of replications (1..={MAX_RUNS})"),
        )
    }

    /// A seed.
    pub fn seed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        required(deserializer, format!("a whole number (0..={})", u64::MAX))
    }

    /// An optional seed.
    pub fn optional_seed<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u64>, D::Error> {
        optional(deserializer, format!("a whole number (0..={})", u64::MAX))
    }

    /// A number of consecutive months (a `When` trigger's `months`).
    pub fn months<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
        required(
            deserializer,
            format!("a whole number of months (1..={MAX_HORIZON_MONTHS})"),
        )
    }

    /// An optional month of the horizon (an outcome window's `from` and `to`).
    pub fn optional_month<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u32>, D::Error> {
        optional(
            deserializer,
            "a month: a whole number from 0 (the first month) to the horizon - 1".to_owned(),
        )
    }

    /// A count of design points or samples.
    pub fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
        required(deserializer, "a whole number, 1 or more".to_owned())
    }
}

fn zero() -> Num {
    Num::lit(0.0)
}
fn one() -> Num {
    Num::lit(1.0)
}
fn one_month() -> u32 {
    1
}

/// A whole scenario file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Scenario")]
pub struct RawScenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// First simulated month, `YYYY-MM`.
    pub start: String,
    /// Number of simulated months.
    #[serde(deserialize_with = "whole::horizon")]
    pub horizon: u32,
    #[serde(default, deserialize_with = "whole::optional_runs")]
    pub runs: Option<u64>,
    #[serde(default, deserialize_with = "whole::optional_seed")]
    pub seed: Option<u64>,
    #[serde(default)]
    pub model: RawModel,
    pub actors: Vec<RawActor>,
    #[serde(default)]
    pub flows: Vec<RawFlow>,
    #[serde(default)]
    pub pressure: Vec<RawPressure>,
    #[serde(default)]
    pub events: Vec<RawEvent>,
    #[serde(default)]
    pub uncertain: Vec<RawUncertain>,
    #[serde(default)]
    pub outcomes: Vec<RawOutcome>,
    /// Names and units for readers of the metrics the scenario's charts show.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<RawMetricLabel>,
}

/// Global model coefficients; MODEL.md gives each one's equation and default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[serde(rename = "Model")]
pub struct RawModel {
    pub capacity_per_military_usd_m: Num,
    pub capacity_per_financial_usd_m: Num,
    pub capacity_per_trainer: Num,
    pub capacity_per_troop: Num,
    pub area_fire_effectiveness: Num,
    pub collateral_recruitment: Num,
    pub attack_dispersion: Num,
    pub severity_sigma: Num,
    pub max_deaths_per_attack: Num,
    pub severity_capacity_sensitivity: Num,
    pub severity_intelligence_sensitivity: Num,
    pub control_adjustment: Num,
    pub control_elasticity: Num,
    pub stability_adjustment: Num,
    pub stability_control_elasticity: Num,
    pub stability_violence_elasticity: Num,
    /// Events typed as ACLED types them, and initiated by either side (MODEL.md, M6c-M7c);
    /// absent: every event is an armed group's, untyped, as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_types: Option<RawEventTypes>,
}

/// The event-type mechanisms (MODEL.md, M6c, M6d, M7c); every field has a default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[serde(rename = "EventTypes")]
pub struct RawEventTypes {
    /// Share of a link's reference-condition events initiated by the state's side (its forces,
    /// partners, contractors and auxiliaries), 0..0.95.
    pub state_initiated_share: Num,
    /// Elasticity of state-initiated events to the state's capacity against its reference.
    pub operations_capacity_elasticity: Num,
    /// Share of state-initiated events that are violence against civilians at the reference
    /// intelligence; it grows with the intelligence gap (M6d).
    pub state_civilian_share: Num,
    /// Share of the state's other events that are remote violence (air and drone strikes,
    /// artillery) rather than battles.
    pub state_remote_share: Num,
    /// Shares of a group's events by type, for groups that give none of their own.
    pub group_shares: RawEventTypeWeights,
    /// Deaths per event of each type, relative to one another (M7c).
    pub severity: RawEventTypeWeights,
}

impl Default for RawEventTypes {
    fn default() -> Self {
        // The defaults and their reasons are listed in MODEL.md, section "Model coefficients".
        RawEventTypes {
            state_initiated_share: Num::lit(0.0),
            operations_capacity_elasticity: Num::lit(1.0),
            state_civilian_share: Num::lit(0.2),
            state_remote_share: Num::lit(0.2),
            group_shares: RawEventTypeWeights::equal(),
            severity: RawEventTypeWeights::equal(),
        }
    }
}

/// One number per ACLED political-violence event type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Types")]
pub struct RawEventTypeWeights {
    pub battles: Num,
    pub remote_violence: Num,
    pub violence_against_civilians: Num,
}

impl RawEventTypeWeights {
    fn equal() -> Self {
        RawEventTypeWeights {
            battles: Num::lit(1.0),
            remote_violence: Num::lit(1.0),
            violence_against_civilians: Num::lit(1.0),
        }
    }

    /// The three numbers in the order of [`crate::scenario::EVENT_TYPES`].
    pub fn as_array(&self) -> [&Num; 3] {
        [
            &self.battles,
            &self.remote_violence,
            &self.violence_against_civilians,
        ]
    }
}

impl Default for RawModel {
    fn default() -> Self {
        // The defaults and their reasons are listed in MODEL.md, section "Model coefficients".
        RawModel {
            capacity_per_military_usd_m: Num::lit(0.02),
            capacity_per_financial_usd_m: Num::lit(0.01),
            capacity_per_trainer: Num::lit(0.0005),
            capacity_per_troop: Num::lit(0.0002),
            area_fire_effectiveness: Num::lit(0.3),
            collateral_recruitment: Num::lit(0.5),
            attack_dispersion: Num::lit(6.0),
            severity_sigma: Num::lit(1.4),
            max_deaths_per_attack: Num::lit(1000.0),
            severity_capacity_sensitivity: Num::lit(0.0),
            severity_intelligence_sensitivity: Num::lit(0.0),
            control_adjustment: Num::lit(0.1),
            control_elasticity: Num::lit(1.0),
            stability_adjustment: Num::lit(0.05),
            stability_control_elasticity: Num::lit(1.0),
            stability_violence_elasticity: Num::lit(0.3),
            event_types: None,
        }
    }
}

/// One actor. The variant decides what the model does with it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename = "Actor", deny_unknown_fields)]
pub enum RawActor {
    State {
        name: String,
        /// Own counter-insurgency capacity, in capacity units.
        capacity: Num,
        /// Share of territory under state control, 0..1.
        control: Num,
        /// Regime stability index, 0..1.
        stability: Num,
        /// Own intelligence coverage, 0..1.
        #[serde(default = "own_intelligence_default")]
        intelligence: Num,
        #[serde(default)]
        neighbours: Vec<String>,
        /// The support conditions the rates of this state were measured under (MODEL.md,
        /// "Notation"); without it, the month-0 support the file lists.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<RawReference>,
    },
    Partner {
        name: String,
    },
    RegionalBody {
        name: String,
        #[serde(default)]
        members: Vec<String>,
    },
    Group {
        name: String,
        /// Fighters at month 0.
        strength: Num,
        /// States the group operates in, with the share of its fighters in each.
        areas: Vec<RawArea>,
        /// Monthly recruits as a share of strength under the month-0 conditions.
        recruitment: Num,
        /// Monthly losses as a share of strength under the month-0 conditions.
        attrition: Num,
        /// Mean deaths per attack.
        lethality: Num,
        /// Strength the group's recruiting base cannot exceed (fighters).
        ceiling: Num,
        /// Relative shares of the group's events by type (MODEL.md, M6d); only with the model's
        /// `event_types`, whose `group_shares` apply when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_shares: Option<RawEventTypeWeights>,
    },
}

fn own_intelligence_default() -> Num {
    Num::lit(0.2)
}

impl RawActor {
    /// The actor's name, whatever its kind.
    pub fn name(&self) -> &str {
        match self {
            RawActor::State { name, .. }
            | RawActor::Partner { name }
            | RawActor::RegionalBody { name, .. }
            | RawActor::Group { name, .. } => name,
        }
    }
}

/// A state's reference conditions: the total capacity and intelligence coverage (own and
/// partners') under which the base rates, attrition and recruitment of its links were measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Reference")]
pub struct RawReference {
    /// Capacity units.
    pub capacity: Num,
    /// Share 0..1.
    pub intelligence: Num,
}

/// A state a group operates in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Area")]
pub struct RawArea {
    pub state: String,
    pub weight: Num,
}

/// Kinds of support; MODEL.md gives each one's unit and effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    Military,
    Intelligence,
    Training,
    Financial,
    Troops,
}

/// Support from one actor to a state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Flow")]
pub struct RawFlow {
    pub name: String,
    pub from: String,
    pub to: String,
    pub kind: FlowKind,
    pub volume: Num,
    /// First month a tranche is sent; absent: month 0 (not allowed on standby flows).
    #[serde(default)]
    pub start: Option<Num>,
    #[serde(default)]
    pub end: Option<Num>,
    /// A standby flow does nothing until an event starts it.
    #[serde(default)]
    pub standby: bool,
    /// Months a standby flow runs once started; absent: until the horizon or an event ends it.
    #[serde(default)]
    pub duration: Option<Num>,
    #[serde(default = "one")]
    pub reliability: Num,
    #[serde(default = "zero")]
    pub lag: Num,
    #[serde(default = "zero")]
    pub decay: Num,
}

/// How hard one group presses on one state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Pressure")]
pub struct RawPressure {
    pub group: String,
    pub state: String,
    pub base_rate: Num,
    #[serde(default = "zero")]
    pub capacity_sensitivity: Num,
    #[serde(default = "zero")]
    pub intelligence_sensitivity: Num,
    #[serde(default = "zero")]
    pub spillover: Num,
    /// Mean deaths per attack of this group in this state, where it differs from the group's
    /// `lethality` (MODEL.md, M7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lethality: Option<Num>,
}

/// Something that can happen during a replication.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Event")]
pub struct RawEvent {
    pub name: String,
    /// How charts and reports name it; its identifier, made readable, when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default)]
    pub description: String,
    pub when: RawTrigger,
    pub effects: Vec<RawEffect>,
}

/// When an event fires.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename = "Trigger", deny_unknown_fields)]
pub enum RawTrigger {
    /// At a fixed month.
    At { month: Num },
    /// With a fixed probability each month between `from` and `to` (inclusive).
    Hazard {
        monthly: Num,
        #[serde(default = "zero")]
        from: Num,
        #[serde(default)]
        to: Option<Num>,
    },
    /// With probability `probability`, at a uniformly drawn month between `from` and `to`.
    Window {
        probability: Num,
        from: Num,
        to: Num,
    },
    /// When a metric of an actor compares true for `months` consecutive months.
    When {
        metric: Metric,
        actor: String,
        op: Comparison,
        threshold: Num,
        #[serde(default = "one_month", deserialize_with = "whole::months")]
        months: u32,
        #[serde(default = "one")]
        probability: Num,
        #[serde(default)]
        delay: Option<RawDistribution>,
    },
}

/// What an event does when it fires.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename = "Effect", deny_unknown_fields)]
pub enum RawEffect {
    EndFlow {
        flow: String,
    },
    StartFlow {
        flow: String,
    },
    ScaleFlow {
        flow: String,
        factor: Num,
    },
    Shock {
        actor: String,
        variable: Metric,
        change: Num,
    },
    SetParameter {
        path: String,
        value: Num,
    },
    ScaleParameter {
        path: String,
        factor: Num,
    },
}

/// Per-actor monthly metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Attacks,
    Fatalities,
    Capacity,
    Control,
    Stability,
    Intelligence,
    Strength,
    Battles,
    RemoteViolence,
    ViolenceAgainstCivilians,
    BattlesFatalities,
    RemoteViolenceFatalities,
    ViolenceAgainstCiviliansFatalities,
    StateInitiated,
}

/// A comparison against a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Above,
    Below,
    AtLeast,
    AtMost,
}

/// A parameter drawn once per replication.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Uncertain")]
pub struct RawUncertain {
    pub name: String,
    pub dist: RawDistribution,
}

/// Distributions for uncertain parameters and event delays.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename = "Distribution", deny_unknown_fields)]
pub enum RawDistribution {
    Uniform {
        min: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    LogNormal {
        median: f64,
        sigma: f64,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    Beta {
        alpha: f64,
        beta: f64,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Discrete {
        values: Vec<f64>,
        weights: Vec<f64>,
    },
    /// One column of a table of joint draws (a calibrated posterior, say): every uncertain
    /// parameter whose `Joint` names the same `table` draws the same row in a replication, so
    /// the values at one position go together. Uncertain parameters only.
    Joint {
        table: String,
        values: Vec<f64>,
        weights: Vec<f64>,
    },
}

/// A scalar computed from each replication.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename = "Outcome", deny_unknown_fields)]
pub enum RawOutcome {
    Sum {
        name: String,
        /// How charts and reports name it; its identifier, made readable, when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Its unit for readers; the unit the model gives it when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        metric: Metric,
        actor: String,
        #[serde(default, deserialize_with = "whole::optional_month")]
        from: Option<u32>,
        #[serde(default, deserialize_with = "whole::optional_month")]
        to: Option<u32>,
    },
    Mean {
        name: String,
        /// How charts and reports name it; its identifier, made readable, when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Its unit for readers; the unit the model gives it when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        metric: Metric,
        actor: String,
        #[serde(default, deserialize_with = "whole::optional_month")]
        from: Option<u32>,
        #[serde(default, deserialize_with = "whole::optional_month")]
        to: Option<u32>,
    },
    Max {
        name: String,
        /// How charts and reports name it; its identifier, made readable, when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Its unit for readers; the unit the model gives it when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        metric: Metric,
        actor: String,
        #[serde(default, deserialize_with = "whole::optional_month")]
        from: Option<u32>,
        #[serde(default, deserialize_with = "whole::optional_month")]
        to: Option<u32>,
    },
    Min {
        name: String,
        /// How charts and reports name it; its identifier, made readable, when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Its unit for readers; the unit the model gives it when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        metric: Metric,
        actor: String,
        #[serde(default, deserialize_with = "whole::optional_month")]
        from: Option<u32>,
        #[serde(default, deserialize_with = "whole::optional_month")]
        to: Option<u32>,
    },
    Final {
        name: String,
        /// How charts and reports name it; its identifier, made readable, when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Its unit for readers; the unit the model gives it when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        metric: Metric,
        actor: String,
    },
    FirstMonth {
        name: String,
        /// How charts and reports name it; its identifier, made readable, when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Its unit for readers; the unit the model gives it when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        metric: Metric,
        actor: String,
        op: Comparison,
        threshold: f64,
    },
    Any {
        name: String,
        /// How charts and reports name it; its identifier, made readable, when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Its unit for readers; the unit the model gives it when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        metric: Metric,
        actor: String,
        op: Comparison,
        threshold: f64,
        #[serde(default, deserialize_with = "whole::optional_month")]
        from: Option<u32>,
        #[serde(default, deserialize_with = "whole::optional_month")]
        to: Option<u32>,
    },
    All {
        name: String,
        /// How charts and reports name it; its identifier, made readable, when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Its unit for readers; the unit the model gives it when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        metric: Metric,
        actor: String,
        op: Comparison,
        threshold: f64,
        #[serde(default, deserialize_with = "whole::optional_month")]
        from: Option<u32>,
        #[serde(default, deserialize_with = "whole::optional_month")]
        to: Option<u32>,
    },
    EventFired {
        name: String,
        /// How charts and reports name it; its identifier, made readable, when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Its unit for readers; the unit the model gives it when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        event: String,
    },
    EventMonth {
        name: String,
        /// How charts and reports name it; its identifier, made readable, when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Its unit for readers; the unit the model gives it when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        event: String,
    },
}

impl RawOutcome {
    /// The outcome's name, whatever its kind.
    pub fn name(&self) -> &str {
        match self {
            RawOutcome::Sum { name, .. }
            | RawOutcome::Mean { name, .. }
            | RawOutcome::Max { name, .. }
            | RawOutcome::Min { name, .. }
            | RawOutcome::Final { name, .. }
            | RawOutcome::FirstMonth { name, .. }
            | RawOutcome::Any { name, .. }
            | RawOutcome::All { name, .. }
            | RawOutcome::EventFired { name, .. }
            | RawOutcome::EventMonth { name, .. } => name,
        }
    }

    /// The label and unit given for readers, if any.
    pub fn reader_text(&self) -> (Option<&str>, Option<&str>) {
        match self {
            RawOutcome::Sum { label, unit, .. }
            | RawOutcome::Mean { label, unit, .. }
            | RawOutcome::Max { label, unit, .. }
            | RawOutcome::Min { label, unit, .. }
            | RawOutcome::Final { label, unit, .. }
            | RawOutcome::FirstMonth { label, unit, .. }
            | RawOutcome::Any { label, unit, .. }
            | RawOutcome::All { label, unit, .. }
            | RawOutcome::EventFired { label, unit, .. }
            | RawOutcome::EventMonth { label, unit, .. } => (label.as_deref(), unit.as_deref()),
        }
    }
}

/// How charts and reports name a metric and its unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename = "MetricLabel", deny_unknown_fields)]
pub struct RawMetricLabel {
    pub metric: Metric,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}
