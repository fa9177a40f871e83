//! Scenario files: parse RON into [`raw`] types, validate into a [`Scenario`].
//!
//! Invariant: a `Scenario` is valid. Every name is resolved to an index, every literal number is
//! finite and in range, and every uncertain parameter's support lies inside the range of each
//! field it stands in. Everything downstream takes `&Scenario` and never re-checks.

pub mod library;
pub mod origin;
pub mod overrides;
pub mod raw;
pub(crate) mod validate;
pub mod variant;

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use origin::Origin;
pub use raw::{Comparison, FlowKind, Metric};
pub use validate::{MAX_HORIZON_MONTHS, MAX_RUNS, validate};

/// Scenario and experiment files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// RON's recursion limit. Scenarios need about six levels of brackets; the limit keeps the
/// parser's recursion, and so its stack, bounded on any input. RON counts some levels twice
/// (a `set` value, skipped before it is typed, counts each bracket twice), so about 30 levels
/// of brackets are read, whatever their kind.
const MAX_NESTING: usize = 64;

/// Most problems printed for one file; the rest are counted.
const MAX_PROBLEMS_SHOWN: usize = 100;

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
    /// `bytes` is None when the file is not a regular file (a device or a pipe) and reading
    /// stopped at the limit.
    #[error(
        "{file}: file is {}, over the limit of {limit} bytes ({} MiB) for a scenario or experiment file (a fixed limit)",
        .bytes.map_or_else(|| format!("more than {limit} bytes"), |bytes| format!("{bytes} bytes")),
        .limit / (1024 * 1024)
    )]
    TooLarge {
        file: PathBuf,
        bytes: Option<u64>,
        limit: u64,
    },
    #[error(
        "{file}:{line}:{column}: Not UTF-8 text (byte 0x{byte:02X}): save the file as UTF-8, or is it a binary file?"
    )]
    NotText {
        file: PathBuf,
        line: usize,
        column: usize,
        /// The first byte that is not valid UTF-8.
        byte: u8,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// Neither a file nor the name of a library scenario.
    #[error(
        "{file}: cannot read: {cause}; nor is it the name of a built-in scenario, which are:\n{}",
        library::name_list()
    )]
    Unknown {
        file: PathBuf,
        cause: std::io::Error,
    },
    /// A scenario named by a field of another file (an experiment's base) that is neither a
    /// file nor a library scenario; `file` is the file tried.
    #[error("{file}: {message}")]
    NotFound { file: PathBuf, message: String },
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
    /// A file named by a field of `file` (an experiment's base scenario) could not be loaded.
    #[error("{file}: {field}: {cause}")]
    Within {
        file: PathBuf,
        field: String,
        cause: Box<ScenarioError>,
    },
}

fn format_problems(problems: &[Problem]) -> String {
    let mut lines: Vec<String> = problems
        .iter()
        .take(MAX_PROBLEMS_SHOWN)
        .map(|problem| format!("  {problem}"))
        .collect();
    if problems.len() > MAX_PROBLEMS_SHOWN {
        lines.push(format!(
            "  ... and {} more problems",
            problems.len() - MAX_PROBLEMS_SHOWN
        ));
    }
    lines.join("\n")
}

/// Reads, parses and validates a scenario file.
pub fn load(file: &Path) -> Result<Scenario, ScenarioError> {
    load_origin(&Origin::File(file.to_path_buf()))
}

/// Reads, parses and validates the scenario a command-line argument names: a file, else a
/// library scenario of that name ([`Origin::find`]).
pub fn load_named(argument: &Path) -> Result<Scenario, ScenarioError> {
    load_origin(&Origin::find(argument)?)
}

/// Reads, parses and validates a scenario from a file or the library.
pub fn load_origin(origin: &Origin) -> Result<Scenario, ScenarioError> {
    let raw = parse_origin(origin)?;
    let mut scenario = validate(raw).map_err(|problems| ScenarioError::Invalid {
        file: origin.label(),
        problems,
    })?;
    scenario.library = origin.library_name();
    Ok(scenario)
}

/// Reads and parses a scenario file without validating it; a variant (`extends`) comes back
/// resolved against its base.
pub fn parse_file(file: &Path) -> Result<raw::RawScenario, ScenarioError> {
    parse_origin(&Origin::File(file.to_path_buf()))
}

/// [`parse_file`] for a file or a library scenario.
pub fn parse_origin(origin: &Origin) -> Result<raw::RawScenario, ScenarioError> {
    let mut chain: Vec<Origin> = origin.canonical().into_iter().collect();
    parse_chain(origin, &mut chain)
}

/// [`parse_origin`] within a chain of `extends`, for cycle detection.
fn parse_chain(
    origin: &Origin,
    chain: &mut Vec<Origin>,
) -> Result<raw::RawScenario, ScenarioError> {
    let text = origin.text()?;
    if variant::is_variant(&text) {
        return variant::resolve(origin, &text, chain);
    }
    parse_str(&text).map_err(|error| syntax_error(&origin.label(), &text, &error))
}

/// The text of a scenario or experiment file: at most [`MAX_FILE_BYTES`] (never more is read,
/// even from a device or a pipe), UTF-8, not empty. A leading byte-order mark is dropped.
pub fn read_text(file: &Path) -> Result<String, ScenarioError> {
    use std::io::Read;
    let io_error = |cause| ScenarioError::Io {
        file: file.to_path_buf(),
        cause,
    };
    let too_large = |bytes| ScenarioError::TooLarge {
        file: file.to_path_buf(),
        bytes,
        limit: MAX_FILE_BYTES,
    };
    let opened = std::fs::File::open(file).map_err(io_error)?;
    let metadata = opened.metadata().map_err(io_error)?;
    if metadata.is_dir() {
        return Err(io_error(std::io::Error::other(
            "it is a folder: name a scenario or experiment file",
        )));
    }
    if metadata.is_file() && metadata.len() > MAX_FILE_BYTES {
        return Err(too_large(Some(metadata.len())));
    }
    let mut bytes = Vec::new();
    opened
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(None));
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let byte = error.as_bytes()[valid.len()];
        // The valid prefix is UTF-8 by definition, so its lines and characters can be counted.
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line = 1 + valid.matches('\n').count();
        let column = 1 + valid
            .rsplit('\n')
            .next()
            .map_or(0, |last| last.chars().count());
        ScenarioError::NotText {
            file: file.to_path_buf(),
            line,
            column,
            byte,
        }
    })?;
    if text.trim().is_empty() {
        return Err(ScenarioError::Syntax {
            file: file.to_path_buf(),
            line: 1,
            column: 1,
            message: "The file is empty: a scenario is written `Scenario( ... )` (scenarios/README.md), an experiment `Experiment( ... )`".to_owned(),
        });
    }
    Ok(match text.strip_prefix('\u{feff}') {
        Some(without_mark) => without_mark.to_owned(),
        None => text,
    })
}

/// A RON error in `file`, whose text is `text`, as a `file:line:column` error.
pub(crate) fn syntax_error(
    file: &Path,
    text: &str,
    error: &ron::error::SpannedError,
) -> ScenarioError {
    let (line, column) = (error.span.start.line, error.span.start.col);
    let mut message = describe_ron_error(&error.code);
    // Errors about what follows a value, where a string left open earlier ends up.
    let after_a_value = matches!(
        error.code,
        ron::Error::ExpectedComma
            | ron::Error::ExpectedArrayEnd
            | ron::Error::ExpectedStructLikeEnd
            | ron::Error::ExpectedMapColon
            | ron::Error::ExpectedMapEnd
            | ron::Error::ExpectedIdentifier
            | ron::Error::TrailingCharacters
    );
    if text.trim_start().starts_with('{') && (line, column) == (1, 1) {
        message
            .push_str(" (this looks like JSON: scenarios are RON, `Scenario(name: \"...\", ...)`)");
    } else if let Some(opened) = string_opened_before(text, line, column).filter(|_| after_a_value)
    {
        message.push_str(&format!(
            " (is a closing `\"` missing on line {opened}? The string that starts there ends on line {line})"
        ));
    }
    ScenarioError::Syntax {
        file: file.to_path_buf(),
        line,
        column,
        message,
    }
}

/// When the error at `line:column` follows an odd number of quotes on its line, the first of
/// them most likely closes a string left open on an earlier line (a missing `"`, which RON
/// reports only where the text stops making sense): that earlier line.
fn string_opened_before(text: &str, line: usize, column: usize) -> Option<usize> {
    fn unescaped_quotes(text: &str) -> impl Iterator<Item = usize> + '_ {
        let mut escaped = false;
        text.char_indices().filter_map(move |(at, character)| {
            let quote = character == '"' && !escaped;
            escaped = character == '\\' && !escaped;
            quote.then_some(at)
        })
    }
    let error_line = text.split('\n').nth(line.checked_sub(1)?)?;
    let before: String = error_line.chars().take(column.saturating_sub(1)).collect();
    if unescaped_quotes(&before).count().is_multiple_of(2) {
        return None;
    }
    let earlier: usize = text
        .split('\n')
        .take(line - 1)
        .map(|line| line.len() + 1)
        .sum();
    let earlier = text.get(..earlier.min(text.len()))?;
    let opening = unescaped_quotes(earlier).last()?;
    Some(1 + earlier[..opening].matches('\n').count())
}

/// RON's message, reworded where it speaks of the parser's internals rather than the file.
pub(crate) fn describe_ron_error(error: &ron::Error) -> String {
    match error {
        ron::Error::ExceededRecursionLimit => {
            "Brackets nested too deeply: a scenario needs fewer than 10 levels, and secsim reads at most about 30".to_owned()
        }
        ron::Error::Eof => {
            "Unexpected end of the file: a closing `)`, `]`, `}` or `\"` is missing".to_owned()
        }
        ron::Error::ExpectedString => "Expected a string in double quotes".to_owned(),
        ron::Error::TrailingCharacters => {
            "Text after the end: a file holds one `Scenario( ... )` or `Experiment( ... )`"
                .to_owned()
        }
        ron::Error::MissingStructField { field, outer } => format!(
            "Missing field `{field}`{}: it is required",
            outer
                .as_ref()
                .map_or_else(String::new, |outer| format!(" in `{outer}`"))
        ),
        other => other.to_string(),
    }
}

/// Parses scenario text. `Some(..)` may be left out around optional values.
pub fn parse_str(text: &str) -> Result<raw::RawScenario, ron::error::SpannedError> {
    ron_options().from_str(text)
}

pub(crate) fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(MAX_NESTING)
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
    hex(&Sha256::digest(canonical_text(raw).as_bytes()))
}

/// Lowercase hex of some bytes: the one spelling of every digest secsim writes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearMonth {
    pub year: i32,
    /// 1..=12
    pub month: u32,
}

impl YearMonth {
    /// Reads `YYYY-MM` (year 1000..=9999, month 01..=12); None for anything else.
    pub fn parse(text: &str) -> Option<YearMonth> {
        let (year, month) = text.split_once('-')?;
        let valid_shape = year.len() == 4 && month.len() == 2;
        let year: i32 = year.parse().ok()?;
        let month: u32 = month.parse().ok()?;
        (valid_shape && (1000..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(YearMonth { year, month })
    }

    /// Months from `earlier` to this month (negative when `earlier` is later).
    pub fn months_since(self, earlier: YearMonth) -> i64 {
        let index = |ym: YearMonth| ym.year as i64 * 12 + ym.month as i64 - 1;
        index(self) - index(earlier)
    }

    /// The month `offset` months after this one.
    pub fn plus(self, offset: usize) -> YearMonth {
        self.shifted(offset as i64)
    }

    /// The month `offset` months after this one (before it when negative).
    pub fn shifted(self, offset: i64) -> YearMonth {
        let index = self.year as i64 * 12 + (self.month as i64 - 1) + offset;
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
    /// The library name it was loaded by (`secsim run niger_baseline`); None when it was read
    /// from a file or made in memory. Not part of the hash: the same text hashes alike.
    pub library: Option<&'static str>,
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
    /// Names and units for readers the scenario gives metrics.
    pub metric_labels: Vec<MetricLabel>,
    /// The checks validation made across several numeric fields, in the order it made them.
    pub cross_checks: Vec<CrossCheck>,
    /// What validation accepts but a reader should know: the meaning of a state's rates that
    /// depends on which support its file lists at month 0.
    pub warnings: Vec<String>,
}

/// A check validation makes across several numeric fields, kept so that a design point that
/// changes one of them is checked again ([`overrides`]) as validating it whole would.
#[derive(Debug, Clone)]
pub struct CrossCheck {
    /// How many slots were registered when validation made the check: where its problem comes
    /// among the fields' own problems.
    pub position: usize,
    /// Field path of the problem.
    pub path: String,
    pub rule: CrossRule,
}

/// What a [`CrossCheck`] requires.
#[derive(Debug, Clone)]
pub enum CrossRule {
    /// `later` is greater than `earlier` (or equal, when `allow_equal`) whatever their
    /// uncertain parameters draw: a group's strength below its ceiling, a flow's start before
    /// its end, a trigger's window not ending before it starts. `what` states the rule.
    Ordered {
        earlier: Slot,
        later: Slot,
        allow_equal: bool,
        what: &'static str,
    },
    /// Not every one of a group's area weights is a literal 0 (a weight read from an uncertain
    /// parameter counts as positive).
    SomeWeightPositive { weights: Vec<Slot> },
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
    pub severity_capacity_sensitivity: Slot,
    pub severity_intelligence_sensitivity: Slot,
    pub control_adjustment: Slot,
    pub control_elasticity: Slot,
    pub stability_adjustment: Slot,
    pub stability_control_elasticity: Slot,
    pub stability_violence_elasticity: Slot,
    /// The event-type mechanisms (M6c, M6d, M7c), when the scenario turns them on.
    pub event_types: Option<EventTypeSlots>,
}

/// ACLED's political-violence event types, in the order the model keeps them.
pub const EVENT_TYPES: [&str; 3] = ["battles", "remote_violence", "violence_against_civilians"];

/// Slots of the event-type coefficients (MODEL.md, M6c, M6d, M7c).
#[derive(Debug, Clone)]
pub struct EventTypeSlots {
    pub state_initiated_share: Slot,
    pub operations_capacity_elasticity: Slot,
    pub state_civilian_share: Slot,
    pub state_remote_share: Slot,
    /// Relative deaths per event, per type.
    pub severity: [Slot; 3],
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
    /// Explicit reference conditions (capacity, intelligence); None: the month-0 support.
    pub reference: Option<(Slot, Slot)>,
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
    /// Relative shares of the group's events by type (the group's own or the model's), when
    /// the model types events.
    pub event_shares: Option<[Slot; 3]>,
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
    /// Deaths per attack of the group in this state, when the link gives its own.
    pub lethality: Option<Slot>,
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
    /// For readers, where the scenario gives one.
    pub label: Option<String>,
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
#[derive(Debug, Clone, PartialEq)]
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

/// What an outcome's values mean, which decides how it is summarised and drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum OutcomeScale {
    /// A quantity: mean and quantiles over every run.
    Number,
    /// 0 or 1 in every run: a probability.
    YesNo,
    /// The month something first happens, missing in runs where it never does within the
    /// horizon: censored at the horizon.
    Month,
}

impl OutcomeKind {
    /// How the outcome's values are summarised.
    pub fn scale(&self) -> OutcomeScale {
        match self {
            OutcomeKind::FirstMonth { .. } | OutcomeKind::EventMonth { .. } => OutcomeScale::Month,
            OutcomeKind::Any { .. } | OutcomeKind::All { .. } | OutcomeKind::EventFired { .. } => {
                OutcomeScale::YesNo
            }
            OutcomeKind::Sum { .. }
            | OutcomeKind::Mean { .. }
            | OutcomeKind::Max { .. }
            | OutcomeKind::Min { .. }
            | OutcomeKind::Final { .. } => OutcomeScale::Number,
        }
    }
}

/// A named scalar outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: String,
    pub kind: OutcomeKind,
    /// For readers: a label and a unit, where the scenario gives them.
    pub label: Option<String>,
    pub unit: Option<String>,
}

/// A metric's name and unit for readers, where the scenario gives them.
#[derive(Debug, Clone)]
pub struct MetricLabel {
    pub metric: Metric,
    pub label: Option<String>,
    pub unit: Option<String>,
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
            Metric::Battles => "battles",
            Metric::RemoteViolence => "remote_violence",
            Metric::ViolenceAgainstCivilians => "violence_against_civilians",
            Metric::BattlesFatalities => "battles_fatalities",
            Metric::RemoteViolenceFatalities => "remote_violence_fatalities",
            Metric::ViolenceAgainstCiviliansFatalities => "violence_against_civilians_fatalities",
            Metric::StateInitiated => "state_initiated",
        }
    }

    /// Whether the metric counts events or deaths (whole numbers a month).
    pub fn is_count(self) -> bool {
        !matches!(
            self,
            Metric::Capacity
                | Metric::Control
                | Metric::Stability
                | Metric::Intelligence
                | Metric::Strength
        )
    }

    /// Whether the metric counts deaths.
    pub fn is_deaths(self) -> bool {
        matches!(
            self,
            Metric::Fatalities
                | Metric::BattlesFatalities
                | Metric::RemoteViolenceFatalities
                | Metric::ViolenceAgainstCiviliansFatalities
        )
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

    /// Metrics recorded for every state after [`Metric::STATE`] when the model types events
    /// (`model.event_types`): events and deaths by ACLED type, in the order of [`EVENT_TYPES`],
    /// then the events the state's side initiated.
    pub const STATE_TYPED: [Metric; 7] = [
        Metric::Battles,
        Metric::RemoteViolence,
        Metric::ViolenceAgainstCivilians,
        Metric::BattlesFatalities,
        Metric::RemoteViolenceFatalities,
        Metric::ViolenceAgainstCiviliansFatalities,
        Metric::StateInitiated,
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

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = include_str!("../../tests/data/valid_template.ron");

    fn syntax_message(text: &str) -> (usize, usize, String) {
        let error = parse_str(text).expect_err("a syntax error");
        match syntax_error(Path::new("x.ron"), text, &error) {
            ScenarioError::Syntax {
                line,
                column,
                message,
                ..
            } => (line, column, message),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn a_missing_closing_quote_is_traced_back_to_its_line() {
        // RON stops on line 3, where the string opened on line 2 ends.
        let text = TEMPLATE.replace("name: \"bad\"", "name: \"bad");
        let (line, _, message) = syntax_message(&text);
        assert_eq!(line, 3, "{message}");
        assert!(message.contains("missing on line 2"), "{message}");
        // A string of the wrong type is not mistaken for one left open.
        let text = TEMPLATE.replace("horizon: 12", "horizon: \"twelve\"");
        let (_, _, message) = syntax_message(&text);
        assert!(!message.contains("missing on line"), "{message}");
    }

    #[test]
    fn integer_fields_refuse_decimals_negatives_and_strings_saying_what_is_valid() {
        for (value, found) in [
            ("12.5", "`12.5`"),
            ("12.0", "`12.0`"),
            ("-12", "`-12`"),
            ("4294967296", "`4294967296`"),
            ("\"twelve\"", "\"twelve\""),
        ] {
            let text = TEMPLATE.replace("horizon: 12", &format!("horizon: {value}"));
            let (line, _, message) = syntax_message(&text);
            assert_eq!(line, 4, "{message}");
            assert!(
                message.contains("a whole number of months (1..=600)") && message.contains(found),
                "{value}: {message}"
            );
        }
        // Optional integers still read bare or in `Some(..)`.
        for runs in ["runs: 20", "runs: Some(20)"] {
            let raw = parse_str(&TEMPLATE.replace("runs: 20", runs)).unwrap();
            assert_eq!(raw.runs, Some(20));
        }
        let text = TEMPLATE.replace("runs: 20", "runs: -1");
        assert!(syntax_message(&text).2.contains("replications"));
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bom.ron");
        std::fs::write(&file, format!("\u{feff}{TEMPLATE}")).unwrap();
        assert_eq!(load(&file).unwrap().name, "bad");
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_at_its_first_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("latin1.ron");
        std::fs::write(&file, b"Scenario(\n  name: \"C\xf4te\"").unwrap();
        match read_text(&file) {
            Err(ScenarioError::NotText {
                line, column, byte, ..
            }) => assert_eq!((line, column, byte), (2, 11, 0xf4)),
            other => panic!("{other:?}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn reading_a_device_stops_at_the_size_limit() {
        // /dev/zero reports a size of 0 and never ends: reading must stop at the limit.
        match read_text(Path::new("/dev/zero")) {
            Err(ScenarioError::TooLarge { bytes: None, .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn long_lists_of_problems_are_cut_short() {
        let problems: Vec<Problem> = (0..250)
            .map(|index| Problem {
                path: format!("flows[{index}]"),
                message: "bad".into(),
            })
            .collect();
        let message = ScenarioError::Invalid {
            file: PathBuf::from("x.ron"),
            problems,
        }
        .to_string();
        assert!(message.starts_with("x.ron: 250 problems:"), "{message}");
        assert_eq!(message.lines().count(), 1 + MAX_PROBLEMS_SHOWN + 1);
        assert!(message.ends_with("... and 150 more problems"), "{message}");
    }
}
