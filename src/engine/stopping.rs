//! Adaptive run counts: stop adding blocks once every named outcome's mean is known to the
//! precision asked for.
//!
//! The rule reads the running total after each whole block, in block order, so the stopping
//! point is a function of the seed and the scenario alone, never of the thread count.

use std::fmt;

use super::Aggregate;
use crate::scenario::Scenario;

/// How precisely an outcome's mean must be known: a bound on its Monte Carlo standard error
/// (sd / sqrt(n)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// In the outcome's own unit.
    Absolute(f64),
    /// As a percentage of the absolute value of the mean (written `2%` on the command line,
    /// held as 2, so that it prints as written).
    RelativePercent(f64),
}

/// One `--precision OUTCOME=VALUE` request, the outcome resolved to its index.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecisionTarget {
    pub outcome: usize,
    pub name: String,
    pub tolerance: Tolerance,
}

/// Why a run ended where it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Every `--precision` target was met.
    PrecisionMet,
    /// The run count (the cap, with `--precision`) was reached.
    RunsReached,
    /// Stopped on request (Ctrl-C or SIGTERM); a checkpoint holds the work done.
    Interrupted,
}

impl StopReason {
    /// The words `summary.json` and the command use.
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::PrecisionMet => "precision reached",
            StopReason::RunsReached => "run cap reached",
            StopReason::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Tolerance::Absolute(value) => write!(f, "{value}"),
            Tolerance::RelativePercent(percent) => write!(f, "{percent}%"),
        }
    }
}

impl fmt::Display for PrecisionTarget {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}={}", self.name, self.tolerance)
    }
}

/// One `--precision OUTCOME=VALUE[%]` request as typed, before the outcome name is looked up
/// in a scenario: clap parses it with [`str::parse`], so a malformed one is a usage error.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecisionRequest {
    pub name: String,
    pub tolerance: Tolerance,
}

impl std::str::FromStr for PrecisionRequest {
    type Err = String;

    /// Parses `OUTCOME=VALUE` (absolute) or `OUTCOME=VALUE%` (relative). The error says what
    /// would be valid.
    fn from_str(text: &str) -> Result<PrecisionRequest, String> {
        let Some((name, value)) = text.split_once('=') else {
            return Err(format!(
                "expected OUTCOME=VALUE (standard error in the outcome's unit) or OUTCOME=VALUE% (relative to the mean), got {text:?}"
            ));
        };
        let value = value.trim();
        let (number, relative) = match value.strip_suffix('%') {
            Some(number) => (number.trim(), true),
            None => (value, false),
        };
        let parsed = number
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0);
        let Some(parsed) = parsed else {
            return Err(format!(
                "{number:?} in {text:?} is not a positive finite number"
            ));
        };
        let tolerance = if relative {
            Tolerance::RelativePercent(parsed)
        } else {
            Tolerance::Absolute(parsed)
        };
        Ok(PrecisionRequest {
            name: name.trim().to_owned(),
            tolerance,
        })
    }
}

impl PrecisionRequest {
    /// The target this request names in `scenario`; the error lists the scenario's outcomes.
    pub fn resolve(&self, scenario: &Scenario) -> Result<PrecisionTarget, String> {
        let Some(outcome) = scenario.outcomes.iter().position(|o| o.name == self.name) else {
            let known: Vec<String> = scenario
                .outcomes
                .iter()
                .map(|o| format!("{:?}", o.name))
                .collect();
            return Err(format!(
                "--precision {}={}: unknown outcome {:?} (outcomes: {})",
                self.name,
                self.tolerance,
                self.name,
                known.join(", ")
            ));
        };
        Ok(PrecisionTarget {
            outcome,
            name: self.name.clone(),
            tolerance: self.tolerance,
        })
    }
}

impl PrecisionTarget {
    /// Parses `OUTCOME=VALUE` (absolute) or `OUTCOME=VALUE%` (relative) against `scenario`'s
    /// outcomes.
    pub fn parse(scenario: &Scenario, text: &str) -> Result<PrecisionTarget, String> {
        text.parse::<PrecisionRequest>()
            .map_err(|message| format!("--precision {text:?}: {message}"))?
            .resolve(scenario)
    }

    /// The outcome's standard error in `aggregate`, None while fewer than two runs have a value.
    pub fn standard_error(&self, aggregate: &Aggregate) -> Option<f64> {
        let moments = aggregate.outcomes.get(self.outcome)?.moments;
        (moments.count >= 2).then(|| moments.mcse())
    }

    /// True when `aggregate` knows the outcome's mean to this precision.
    pub fn met(&self, aggregate: &Aggregate) -> bool {
        let Some(error) = self.standard_error(aggregate) else {
            return false;
        };
        let mean = aggregate.outcomes[self.outcome].moments.mean;
        match self.tolerance {
            Tolerance::Absolute(bound) => error <= bound,
            Tolerance::RelativePercent(percent) => error <= percent / 100.0 * mean.abs(),
        }
    }
}

/// True when every target is met (and there is at least one).
pub fn all_met(targets: &[PrecisionTarget], aggregate: &Aggregate) -> bool {
    !targets.is_empty() && targets.iter().all(|target| target.met(aggregate))
}
