//! Scenario files: parse RON into [`raw`] types, validate into a [`Scenario`].
//!
//! Invariant: a `Scenario` is valid. Every name is resolved to an index, every literal number is
//! finite and in range, and every uncertain parameter's support lies inside the range of each
//! field it stands in. Everything downstream takes `&Scenario` and never re-checks.

pub mod experiment;
pub mod raw;
mod validate;
pub mod variant;

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use raw::{Comparison, FlowKind, Metric};
pub use validate::{MAX_HORIZON_MONTHS, MAX_RUNS, validate};

/// Scenario files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// One problem found while validating, with the field path it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path such as `flows["russia_intel"].to`.
    pub path: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    // The cause is part of the message, not a `#[source]`, so that printing the error chain
    // does not say it twice.
    #[error("{file}: cannot read: {cause}")]
    Io {
        file: PathBuf,
        cause: std::io::Error,
    },
    #[error("{file}: file is {bytes} bytes, over the limit of {limit} bytes for a scenario file")]
    TooLarge {
        file: PathBuf,
        bytes: u64,
        limit: u64,
    },
    #[error("{file}: not UTF-8 text (is it a binary file?)")]
    NotText { file: PathBuf },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: extends {base}: {message}")]
    Variant {
        file: PathBuf,
        base: PathBuf,
        message: String,
    },
    #[error("{file}: {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, format_problems(problems))]
    Invalid {
        file: PathBuf,
        problems: Vec<Problem>,
    },
}

fn format_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|problem| format!("  {problem}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads, parses and validates a scenario file.
pub fn load(file: &Path) -> Result<Scenario, ScenarioError> {
    let raw = parse_file(file)?;
    validate(raw).map_err(|problems| ScenarioError::Invalid {
        file: file.to_path_buf(),
        problems,
    })
}

/// Reads and parses a scenario file without validating it; a variant (`extends`) comes back
/// resolved against its base.
pub fn parse_file(file: &Path) -> Result<raw::RawScenario, ScenarioError> {
    let mut chain: Vec<PathBuf> = file.canonicalize().into_iter().collect();
    parse_chain(file, &mut chain)
}

/// [`parse_file`] within a chain of `extends`, for cycle detection.
fn parse_chain(file: &Path, chain: &mut Vec<PathBuf>) -> Result<raw::RawScenario, ScenarioError> {
    let io_error = |cause| ScenarioError::Io {
        file: file.to_path_buf(),
        cause,
    };
    let bytes_on_disk = std::fs::metadata(file).map_err(io_error)?.len();
    if bytes_on_disk > MAX_FILE_BYTES {
        return Err(ScenarioError::TooLarge {
            file: file.to_path_buf(),
            bytes: bytes_on_disk,
            limit: MAX_FILE_BYTES,
        });
    }
    let bytes = std::fs::read(file).map_err(io_error)?;
    let text = String::from_utf8(bytes).map_err(|_| ScenarioError::NotText {
        file: file.to_path_buf(),
    })?;
    if variant::is_variant(&text) {
        return variant::resolve(file, &text, chain);
    }
    parse_str(&text).map_err(|error| ScenarioError::Syntax {
        file: file.to_path_buf(),
        line: error.span.start.line,
        column: error.span.start.col,
        message: error.code.to_string(),
    })
}

/// Parses scenario text. `Some(..)` may be left out around optional values.
pub fn parse_str(text: &str) -> Result<raw::RawScenario, ron::error::SpannedError> {
    ron_options().from_str(text)
}

pub(crate) fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// The canonical RON text of a parsed scenario: field order fixed, comments and layout dropped.
pub fn canonical_text(raw: &raw::RawScenario) -> String {
    // Serialising our own types cannot fail: no maps with non-string keys, no non-finite floats
    // reach here unvalidated that RON could not print.
    ron_options()
        .to_string_pretty(raw, ron::ser::PrettyConfig::default())
        .unwrap_or_else(|error| format!("unserialisable scenario: {error}"))
}

/// SHA-256 of the canonical text, as lowercase hex.
pub fn hash_of(raw: &raw::RawScenario) -> String {
    let digest = Sha256::digest(canonical_text(raw).as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearMonth {
    pub year: i32,
    /// 1..=12
    pub month: u32,
}

impl YearMonth {
    /// The month `offset` months after this one.
    pub fn plus(self, offset: usize) -> YearMonth {
        let index = self.year as i64 * 12 + (self.month as i64 - 1) + offset as i64;
        YearMonth {
            year: index.div_euclid(12) as i32,
            month: index.rem_euclid(12) as u32 + 1,
        }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Index of a numeric field in [`Slots`]; the model reads its value for the replication there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(pub u32);

/// Where a numeric field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    Literal(f64),
    /// Index into [`Scenario::uncertain`].
    Param(usize),
}

/// Every numeric field of the scenario, flattened, with its path.
#[derive(Debug, Clone, Default)]
pub struct Slots {
    pub sources: Vec<Source>,
    pub paths: Vec<String>,
    /// Month-valued fields are rounded to the nearest whole month after drawing.
    pub whole_months: Vec<bool>,
    /// Fields the model reads every month, which events may set or scale.
    pub dynamic: Vec<bool>,
    /// Valid range of each field, inclusive; values set or scaled by events are clamped to it.
    pub ranges: Vec<(f64, f64)>,
}

impl Slots {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// True when there are no slots.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

/// A validated scenario: names resolved to indices, numbers checked.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub start: YearMonth,
    pub horizon_months: usize,
    pub default_runs: Option<u64>,
    pub default_seed: Option<u64>,
    /// SHA-256 of the canonical scenario text.
    pub hash: String,
    /// The parsed file, kept for reports and for printing the resolved scenario.
    pub raw: raw::RawScenario,
    pub slots: Slots,
    pub model: ModelSlots,
    pub states: Vec<State>,
    pub groups: Vec<Group>,
    pub flows: Vec<Flow>,
    pub links: Vec<PressureLink>,
    pub events: Vec<Event>,
    pub uncertain: Vec<Uncertain>,
    pub outcomes: Vec<Outcome>,
    /// Per-actor monthly series the model records, in output order.
    pub series: Vec<Series>,
}

/// Slots of the global model coefficients.
#[derive(Debug, Clone)]
pub struct ModelSlots {
    pub capacity_per_military_usd_m: Slot,
    pub capacity_per_financial_usd_m: Slot,
    pub capacity_per_trainer: Slot,
    pub capacity_per_troop: Slot,
    pub area_fire_effectiveness: Slot,
    pub collateral_recruitment: Slot,
    pub attack_dispersion: Slot,
    pub severity_sigma: Slot,
    pub max_deaths_per_attack: Slot,
    pub control_adjustment: Slot,
    pub control_elasticity: Slot,
    pub stability_adjustment: Slot,
    pub stability_control_elasticity: Slot,
    pub stability_violence_elasticity: Slot,
}

/// A state actor.
#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    pub capacity: Slot,
    pub control: Slot,
    pub stability: Slot,
    pub intelligence: Slot,
    /// Indices into [`Scenario::states`].
    pub neighbours: Vec<usize>,
    pub stream_key: u64,
}

/// An insurgent group.
#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub strength: Slot,
    /// (state index, weight slot); weights are normalised to sum to 1 per replication.
    pub areas: Vec<(usize, Slot)>,
    pub recruitment: Slot,
    pub attrition: Slot,
    pub lethality: Slot,
    pub ceiling: Slot,
    pub stream_key: u64,
}

/// Support flowing to a state.
#[derive(Debug, Clone)]
pub struct Flow {
    pub name: String,
    pub from: String,
    /// Index into [`Scenario::states`].
    pub to: usize,
    pub kind: FlowKind,
    pub volume: Slot,
    /// None for a standby flow, which starts only when an event starts it.
    pub start: Option<Slot>,
    pub end: Option<Slot>,
    pub standby: bool,
    pub duration: Option<Slot>,
    pub reliability: Slot,
    pub lag: Slot,
    pub decay: Slot,
    pub stream_key: u64,
}

/// Pressure of one group on one state.
#[derive(Debug, Clone)]
pub struct PressureLink {
    pub group: usize,
    pub state: usize,
    pub base_rate: Slot,
    pub capacity_sensitivity: Slot,
    pub intelligence_sensitivity: Slot,
    pub spillover: Slot,
}

/// Which actor a series or trigger refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorRef {
    State(usize),
    Group(usize),
}

/// One recorded monthly series.
#[derive(Debug, Clone)]
pub struct Series {
    pub metric: Metric,
    pub actor: ActorRef,
    pub actor_name: String,
}

/// A scenario event.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub trigger: Trigger,
    pub effects: Vec<Effect>,
    pub stream_key: u64,
}

/// When an event fires.
#[derive(Debug, Clone)]
pub enum Trigger {
    At {
        month: Slot,
    },
    Hazard {
        monthly: Slot,
        from: Slot,
        to: Option<Slot>,
    },
    Window {
        probability: Slot,
        from: Slot,
        to: Slot,
    },
    When {
        /// Index into [`Scenario::series`].
        series: usize,
        op: Comparison,
        threshold: Slot,
        months: u32,
        probability: Slot,
        delay: Option<Distribution>,
    },
}

/// What an event does.
#[derive(Debug, Clone)]
pub enum Effect {
    EndFlow {
        flow: usize,
    },
    StartFlow {
        flow: usize,
    },
    ScaleFlow {
        flow: usize,
        factor: Slot,
    },
    Shock {
        actor: ActorRef,
        variable: Metric,
        change: Slot,
    },
    SetParameter {
        target: Slot,
        value: Slot,
    },
    ScaleParameter {
        target: Slot,
        factor: Slot,
    },
}

/// A validated distribution.
#[derive(Debug, Clone)]
pub enum Distribution {
    Uniform {
        min: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
        min: f64,
        max: f64,
    },
    LogNormal {
        median: f64,
        sigma: f64,
        min: f64,
        max: f64,
    },
    Beta {
        alpha: f64,
        beta: f64,
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Discrete {
        values: Vec<f64>,
        cumulative_weights: Vec<f64>,
    },
}

/// An uncertain parameter.
#[derive(Debug, Clone)]
pub struct Uncertain {
    pub name: String,
    pub distribution: Distribution,
    pub stream_key: u64,
}

/// How an outcome reduces a series, or which event it reads.
#[derive(Debug, Clone)]
pub enum OutcomeKind {
    Sum {
        series: usize,
        from: usize,
        to: usize,
    },
    Mean {
        series: usize,
        from: usize,
        to: usize,
    },
    Max {
        series: usize,
        from: usize,
        to: usize,
    },
    Min {
        series: usize,
        from: usize,
        to: usize,
    },
    Final {
        series: usize,
    },
    FirstMonth {
        series: usize,
        op: Comparison,
        threshold: f64,
    },
    Any {
        series: usize,
        op: Comparison,
        threshold: f64,
        from: usize,
        to: usize,
    },
    All {
        series: usize,
        op: Comparison,
        threshold: f64,
        from: usize,
        to: usize,
    },
    EventFired {
        event: usize,
    },
    EventMonth {
        event: usize,
    },
}

/// A named scalar outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: String,
    pub kind: OutcomeKind,
}

impl Comparison {
    /// Whether `value` compares true against `threshold`.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Above => value > threshold,
            Comparison::Below => value < threshold,
            Comparison::AtLeast => value >= threshold,
            Comparison::AtMost => value <= threshold,
        }
    }
}

impl Metric {
    /// The name used in files and paths.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Attacks => "attacks",
            Metric::Fatalities => "fatalities",
            Metric::Capacity => "capacity",
            Metric::Control => "control",
            Metric::Stability => "stability",
            Metric::Intelligence => "intelligence",
            Metric::Strength => "strength",
        }
    }

    /// Metrics recorded for every state, in output order.
    pub const STATE: [Metric; 6] = [
        Metric::Attacks,
        Metric::Fatalities,
        Metric::Capacity,
        Metric::Control,
        Metric::Stability,
        Metric::Intelligence,
    ];

    /// Metrics recorded for every insurgent group, in output order.
    pub const GROUP: [Metric; 3] = [Metric::Strength, Metric::Attacks, Metric::Fatalities];
}

impl Scenario {
    /// Position of a (metric, actor) series in [`Scenario::series`].
    pub fn series_index(&self, metric: Metric, actor: ActorRef) -> Option<usize> {
        self.series
            .iter()
            .position(|series| series.metric == metric && series.actor == actor)
    }
}

/// A stable 64-bit key for a stochastic element (FNV-1a of its label), so that its random
/// stream depends on its name, not on its position in the file.
pub fn stream_key(label: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in label.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
