//! Observed data: the tidy CSV files `secsim score` reads, checked against a scenario once, with
//! names resolved to series indices before anything runs.
//!
//! Series observations: header `metric,actor,date,value`, one row per metric, actor and
//! calendar month (`YYYY-MM`). `metric` is one of secsim's metrics and `actor` the name of a
//! state or group of the scenario that records it. Rows before the scenario's start are the
//! history that benchmark forecasts are built from; rows from its start to the end of its
//! horizon are scored; rows past the horizon are skipped and counted. The per-type metrics of
//! ACLED (see [`Metric::STATE_TYPED`]) are produced only by a scenario whose model types events;
//! for any other scenario their rows are skipped and counted too.
//!
//! Outcome observations: header `outcome,value`, one row per outcome of the scenario.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::scenario::{Metric, Scenario, YearMonth};

/// Header of an observed series file.
pub const HEADER: [&str; 4] = ["metric", "actor", "date", "value"];
/// Header of an observed outcomes file.
pub const OUTCOMES_HEADER: [&str; 2] = ["outcome", "value"];

/// Observed files larger than this are refused before reading (a mistaken path: a country's
/// monthly series for a century is a few hundred kilobytes).
pub const MAX_OBSERVED_BYTES: u64 = 64 * 1024 * 1024;

/// One observed series: its scenario series and its values by month (months counted from the
/// scenario's start; negative before it).
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedSeries {
    pub series_index: usize,
    /// Observations before the start, oldest first: (month, value).
    pub history: Vec<(i64, f64)>,
    /// Observations inside the horizon, in month order: (month, value).
    pub scored: Vec<(usize, f64)>,
}

/// An observed series file, checked against a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Series with at least one observation, in the scenario's series order.
    pub series: Vec<ObservedSeries>,
    /// Rows dated after the last month of the horizon.
    pub past_horizon: usize,
    /// Rows of metrics the model does not produce, by metric.
    pub not_modelled: BTreeMap<String, usize>,
}

/// An observed outcome value.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedOutcome {
    pub outcome_index: usize,
    pub value: f64,
}

/// Why an observed file was refused: the file, the line when there is one, and the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedError {
    pub path: PathBuf,
    pub line: Option<u64>,
    pub message: String,
}

impl fmt::Display for ObservedError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ObservedError {}

/// Reads `path`, refusing files over [`MAX_OBSERVED_BYTES`] and text that is not UTF-8.
fn read_text(path: &Path) -> Result<String, ObservedError> {
    let refuse = |message: String| ObservedError {
        path: path.to_path_buf(),
        line: None,
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|error| refuse(format!("cannot read: {error}")))?
        .len();
    if size > MAX_OBSERVED_BYTES {
        return Err(refuse(format!(
            "the file is {size} bytes, more than the {MAX_OBSERVED_BYTES} an observed file may have"
        )));
    }
    let bytes = std::fs::read(path).map_err(|error| refuse(format!("cannot read: {error}")))?;
    String::from_utf8(bytes).map_err(|error| {
        refuse(format!(
            "not UTF-8 text (byte {} is invalid); save it as UTF-8 CSV",
            error.utf8_error().valid_up_to()
        ))
    })
}

/// The rows of a CSV text with header `header`: (line, fields).
fn rows(
    text: &str,
    path: &Path,
    header: &[&str],
) -> Result<Vec<(u64, Vec<String>)>, ObservedError> {
    let error_at = |line: Option<u64>, message: String| ObservedError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let found = reader
        .headers()
        .map_err(|error| error_at(Some(1), format!("cannot read the header: {error}")))?
        .clone();
    if found.iter().collect::<Vec<_>>() != header {
        return Err(error_at(
            Some(1),
            format!(
                "the header must be `{}`, found `{}`",
                header.join(","),
                found.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| {
            let line = error.position().map(|position| position.line());
            error_at(
                line,
                format!("not a row of {} fields: {error}", header.len()),
            )
        })?;
        let line = record.position().map_or(0, |position| position.line());
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(rows)
}

fn parse_value(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(format!("value {text:?} is not a finite number")),
    }
}

fn all_metrics() -> impl Iterator<Item = Metric> {
    Metric::STATE
        .iter()
        .chain(&Metric::STATE_TYPED)
        .chain(&Metric::GROUP)
        .copied()
}

fn metric_named(name: &str) -> Option<Metric> {
    all_metrics().find(|metric| metric.as_str() == name)
}

/// Reads an observed series file and checks it against `scenario`.
pub fn read_series(path: &Path, scenario: &Scenario) -> Result<Observed, ObservedError> {
    parse_series(&read_text(path)?, path, scenario)
}

/// [`read_series`] on text already read; `path` names it in errors.
pub fn parse_series(
    text: &str,
    path: &Path,
    scenario: &Scenario,
) -> Result<Observed, ObservedError> {
    let error_at = |line: u64, message: String| ObservedError {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    let horizon = scenario.horizon_months as i64;
    let mut by_series: BTreeMap<usize, BTreeMap<i64, f64>> = BTreeMap::new();
    let mut first_line: BTreeMap<(usize, i64), u64> = BTreeMap::new();
    let mut past_horizon = 0;
    let mut not_modelled = BTreeMap::new();
    // Whether the scenario's model types events, and so produces ACLED's per-type series.
    let typed = scenario
        .series
        .iter()
        .any(|series| series.metric == Metric::Battles);
    for (line, fields) in rows(text, path, &HEADER)? {
        let [metric_name, actor, date, value] = [0, 1, 2, 3].map(|i| fields[i].as_str());
        let Some(metric) = metric_named(metric_name) else {
            let known: Vec<&str> = all_metrics()
                .map(|metric| metric.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            return Err(error_at(
                line,
                format!(
                    "unknown metric {metric_name:?}: secsim's metrics are {}",
                    known.join(", "),
                ),
            ));
        };
        // A scenario that does not type events skips ACLED's per-type rows (its model does not
        // produce them) rather than refusing the file they come in.
        if Metric::STATE_TYPED.contains(&metric) && !typed {
            *not_modelled.entry(metric_name.to_owned()).or_insert(0) += 1;
            continue;
        }
        let Some(series_index) = scenario
            .series
            .iter()
            .position(|series| series.metric == metric && series.actor_name == actor)
        else {
            let actors: Vec<&str> = scenario
                .series
                .iter()
                .filter(|series| series.metric == metric)
                .map(|series| series.actor_name.as_str())
                .collect();
            return Err(error_at(
                line,
                format!(
                    "unknown actor {actor:?} for metric {metric_name}: scenario {} records it \
                     for {}",
                    scenario.name,
                    actors.join(", ")
                ),
            ));
        };
        let Some(month) = YearMonth::parse(date) else {
            return Err(error_at(
                line,
                format!("date {date:?} is not a month written YYYY-MM (e.g. \"2022-08\")"),
            ));
        };
        let value = parse_value(value).map_err(|message| error_at(line, message))?;
        if metric.is_count() && value < 0.0 {
            return Err(error_at(
                line,
                format!("value {value} is negative; {metric_name} is a count"),
            ));
        }
        let offset = month.months_since(scenario.start);
        if let Some(first) = first_line.insert((series_index, offset), line) {
            return Err(error_at(
                line,
                format!("duplicate: {metric_name} of {actor} in {date} is already on line {first}"),
            ));
        }
        if offset >= horizon {
            past_horizon += 1;
            continue;
        }
        by_series
            .entry(series_index)
            .or_default()
            .insert(offset, value);
    }
    let series: Vec<ObservedSeries> = by_series
        .into_iter()
        .map(|(series_index, values)| ObservedSeries {
            series_index,
            history: values
                .iter()
                .filter(|(month, _)| **month < 0)
                .map(|(month, value)| (*month, *value))
                .collect(),
            scored: values
                .iter()
                .filter(|(month, _)| **month >= 0)
                .map(|(month, value)| (*month as usize, *value))
                .collect(),
        })
        .collect();
    if series.iter().all(|series| series.scored.is_empty()) {
        let last = scenario.start.plus(scenario.horizon_months - 1);
        return Err(ObservedError {
            path: path.to_path_buf(),
            line: None,
            message: format!(
                "no observation of a modelled series falls inside the scenario's horizon ({} to \
                 {last}): nothing to score",
                scenario.start
            ),
        });
    }
    Ok(Observed {
        series,
        past_horizon,
        not_modelled,
    })
}

/// Reads an observed outcomes file (`outcome,value`) and checks it against `scenario`.
pub fn read_outcomes(
    path: &Path,
    scenario: &Scenario,
) -> Result<Vec<ObservedOutcome>, ObservedError> {
    parse_outcomes(&read_text(path)?, path, scenario)
}

/// [`read_outcomes`] on text already read.
pub fn parse_outcomes(
    text: &str,
    path: &Path,
    scenario: &Scenario,
) -> Result<Vec<ObservedOutcome>, ObservedError> {
    let error_at = |line: u64, message: String| ObservedError {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    let mut first_line: BTreeMap<usize, u64> = BTreeMap::new();
    let mut observed = Vec::new();
    for (line, fields) in rows(text, path, &OUTCOMES_HEADER)? {
        let name = fields[0].as_str();
        let Some(outcome_index) = scenario
            .outcomes
            .iter()
            .position(|outcome| outcome.name == name)
        else {
            let names: Vec<&str> = scenario
                .outcomes
                .iter()
                .map(|outcome| outcome.name.as_str())
                .collect();
            return Err(error_at(
                line,
                format!(
                    "unknown outcome {name:?}: scenario {} has {}",
                    scenario.name,
                    names.join(", ")
                ),
            ));
        };
        let value = parse_value(&fields[1]).map_err(|message| error_at(line, message))?;
        if let Some(first) = first_line.insert(outcome_index, line) {
            return Err(error_at(
                line,
                format!("duplicate: outcome {name} is already on line {first}"),
            ));
        }
        observed.push(ObservedOutcome {
            outcome_index,
            value,
        });
    }
    observed.sort_by_key(|outcome| outcome.outcome_index);
    Ok(observed)
}
