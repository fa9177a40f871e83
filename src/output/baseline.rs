//! Baselines for `secsim check`: a run's results reduced to a digest of the exact result files
//! and the summaries a statistical comparison needs, in one JSON file without timestamps.
//!
//! The digest is the SHA-256 of three per-file digests: `summary.json` without its `version`
//! and `scenario_hash` fields, `timeseries.csv` and `outcomes.csv`. It covers the results and
//! nothing else: a release that changes no result keeps it, and so does an edit of the scenario
//! that moves no result (its description, say), whose hash is compared and reported on its own.
//! The files are never written: the run streams them into hashers, in memory.
//!
//! Each summary carries the Monte Carlo standard error (MCSE) of its mean, sd / sqrt(n), and of
//! each quantile, estimated from the quantile sketch by the order-statistic method: for the
//! p-quantile of n values, (Q(p + d) - Q(p - d)) / 2 with d = sqrt(p (1 - p) / n), the
//! probabilities clamped to [0, 1]. The number of values below the true p-quantile is
//! Binomial(n, p), whose standard deviation in proportion is d, so Q(p - d)..Q(p + d) is about
//! a one-standard-error interval of the estimate (the normal approximation behind the
//! distribution-free confidence interval of a quantile; Conover, *Practical Nonparametric
//! Statistics*, 3rd ed., section 3.2).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::engine::{Aggregate, RunPlan};
use crate::output::files;
use crate::output::hex;
use crate::scenario::{MAX_RUNS, Scenario};
use crate::stats::{Distribution, EventCounts, QUANTILE_RELATIVE_ACCURACY, QUANTILES};

/// The `format` field of every baseline file.
pub const FORMAT: &str = "secsim-baseline";
/// The `format_version` this secsim reads and writes.
pub const FORMAT_VERSION: u64 = 1;
/// Baseline files larger than this are refused before parsing (a mistaken path, not a
/// baseline: the largest scenario makes a few megabytes).
pub const MAX_BASELINE_BYTES: u64 = 512 * 1024 * 1024;

/// Summary of one quantity: outcome, series-month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Replications with a value.
    pub n: u64,
    /// Mean; None when no replication has a value (as `sd`, `mcse` and the quantiles).
    pub mean: Option<f64>,
    /// Sample standard deviation.
    pub sd: Option<f64>,
    /// Monte Carlo standard error of the mean, sd / sqrt(n).
    pub mcse: Option<f64>,
    /// 5% quantile (sketch); `p25`..`p95` likewise.
    pub p05: Option<f64>,
    /// Monte Carlo standard error of `p05` (order-statistic method, see the module docs).
    pub p05_mcse: Option<f64>,
    pub p25: Option<f64>,
    pub p25_mcse: Option<f64>,
    pub p50: Option<f64>,
    pub p50_mcse: Option<f64>,
    pub p75: Option<f64>,
    pub p75_mcse: Option<f64>,
    pub p95: Option<f64>,
    pub p95_mcse: Option<f64>,
}

impl Stats {
    /// The summary of `distribution`, with quantile standard errors.
    pub fn of(distribution: &Distribution) -> Stats {
        let summary = distribution.summary();
        let mcse = QUANTILES.map(|p| quantile_mcse(distribution, p));
        let [p05, p25, p50, p75, p95] = summary.quantiles;
        Stats {
            n: summary.n,
            mean: summary.mean,
            sd: summary.sd,
            mcse: summary.mcse,
            p05,
            p05_mcse: mcse[0],
            p25,
            p25_mcse: mcse[1],
            p50,
            p50_mcse: mcse[2],
            p75,
            p75_mcse: mcse[3],
            p95,
            p95_mcse: mcse[4],
        }
    }

    /// (value, MCSE) of each quantile, in [`crate::output::summary::QUANTILE_KEYS`] order.
    pub fn quantiles(&self) -> [(Option<f64>, Option<f64>); 5] {
        [
            (self.p05, self.p05_mcse),
            (self.p25, self.p25_mcse),
            (self.p50, self.p50_mcse),
            (self.p75, self.p75_mcse),
            (self.p95, self.p95_mcse),
        ]
    }
}

/// Monte Carlo standard error of the p-quantile of `distribution` by the order-statistic
/// method: (Q(p + d) - Q(p - d)) / 2 with d = sqrt(p (1 - p) / n), clamped to [0, 1].
pub fn quantile_mcse(distribution: &Distribution, p: f64) -> Option<f64> {
    let n = distribution.moments.count;
    if n == 0 {
        return None;
    }
    let d = (p * (1.0 - p) / n as f64).sqrt();
    let upper = distribution.quantile((p + d).min(1.0))?;
    let lower = distribution.quantile((p - d).max(0.0))?;
    Some((upper - lower) / 2.0)
}

/// One outcome's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeStats {
    /// The outcome's name.
    pub name: String,
    /// Its summary.
    #[serde(flatten)]
    pub stats: Stats,
}

/// One event's probability of firing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventStats {
    /// The event's name.
    pub name: String,
    /// Share of replications in which it fired.
    pub probability: f64,
    /// Binomial standard error, sqrt(p (1 - p) / runs).
    pub mcse: f64,
}

impl EventStats {
    fn of(name: &str, counts: &EventCounts) -> EventStats {
        let probability = counts.probability();
        let mcse = if counts.runs == 0 {
            0.0
        } else {
            (probability * (1.0 - probability) / counts.runs as f64).sqrt()
        };
        EventStats {
            name: name.to_owned(),
            probability,
            mcse,
        }
    }
}

/// One series-month's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesStats {
    /// Metric name as in `timeseries.csv`.
    pub metric: String,
    /// Actor name.
    pub actor: String,
    /// Month index from the scenario's start.
    pub month: usize,
    /// Calendar month, for readers; not compared.
    #[serde(default)]
    pub date: String,
    /// Its summary.
    #[serde(flatten)]
    pub stats: Stats,
}

/// Per-file SHA-256 digests (lowercase hex) of the files the registry marks as digested
/// ([`files::RUN_FILES`]), in its order; written as a JSON object from file name to digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigests(Vec<(&'static str, String)>);

impl FileDigests {
    /// The digests of the digested files, given by file name; None unless `digest_of` names
    /// every digested file.
    pub fn from_fn(mut digest_of: impl FnMut(&str) -> Option<String>) -> Option<FileDigests> {
        files::RUN_FILES
            .iter()
            .filter(|file| file.digested)
            .map(|file| Some((file.name, digest_of(file.name)?)))
            .collect::<Option<Vec<_>>>()
            .map(FileDigests)
    }

    /// (file name, digest) pairs, in registry order.
    pub fn entries(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.0.iter().map(|(file, digest)| (*file, digest.as_str()))
    }

    /// The combined digest: SHA-256 of one line `<file> <digest>` per file, in registry order.
    pub fn combined(&self) -> String {
        let mut hasher = Sha256::new();
        for (file, digest) in self.entries() {
            hasher.update(format!("{file} {digest}\n").as_bytes());
        }
        hex(&hasher.finalize())
    }
}

impl Serialize for FileDigests {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.entries())
    }
}

impl<'de> Deserialize<'de> for FileDigests {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut given = std::collections::BTreeMap::<String, String>::deserialize(deserializer)?;
        let digests = FileDigests::from_fn(|name| given.remove(name)).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "file_digests must name {:?}",
                files::names_where(|file| file.digested)
            ))
        })?;
        match given.keys().next() {
            Some(extra) => Err(serde::de::Error::custom(format!(
                "file_digests names {extra:?}, which is not a digested result file"
            ))),
            None => Ok(digests),
        }
    }
}

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] when written.
    pub format_version: u64,
    /// The scenario's `name`.
    pub scenario: String,
    /// SHA-256 of the canonical scenario text.
    pub scenario_hash: String,
    /// Master seed of the run.
    pub seed: u64,
    /// Replications of the run.
    pub runs: u64,
    /// The secsim version that made it; not part of the digest.
    pub version: String,
    /// [`QUANTILE_RELATIVE_ACCURACY`] of the secsim that made it.
    pub quantile_relative_accuracy: f64,
    /// [`FileDigests::combined`].
    pub digest: String,
    /// The digest of each result file.
    pub file_digests: FileDigests,
    /// Per outcome, in the scenario's order.
    pub outcomes: Vec<OutcomeStats>,
    /// Per event, in the scenario's order.
    pub events: Vec<EventStats>,
    /// Per series and month, in `timeseries.csv` order.
    pub series: Vec<SeriesStats>,
}

/// Why a baseline could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    // The cause is part of the message, not a `#[source]`, so that printing the error chain
    // does not say it twice.
    #[error("{path}: {message}: {cause}")]
    Io {
        path: PathBuf,
        message: &'static str,
        cause: std::io::Error,
    },
    #[error("{path}: file is {bytes} bytes, over the limit of {limit} bytes for a baseline")]
    TooLarge {
        path: PathBuf,
        bytes: u64,
        limit: u64,
    },
    /// `location` is `:line:column` when the problem has one, else empty.
    #[error("{path}{location}: not a valid baseline: {message}")]
    Malformed {
        path: PathBuf,
        location: String,
        message: String,
    },
    #[error("{path}: not a secsim baseline (its \"format\" is {found:?}, expected {FORMAT:?})")]
    NotABaseline { path: PathBuf, found: String },
    #[error(
        "{path}: baseline format version {found}, but this secsim reads version {FORMAT_VERSION}; make the baseline again with `secsim baseline`"
    )]
    UnsupportedVersion { path: PathBuf, found: u64 },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}: exists and is not a secsim baseline; choose another --out or remove it first")]
    WouldOverwrite { path: PathBuf },
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

fn io_error(path: &Path, message: &'static str) -> impl FnOnce(std::io::Error) -> BaselineError {
    move |cause| BaselineError::Io {
        path: path.to_path_buf(),
        message,
        cause,
    }
}

/// A `Write` that hashes what it is given and keeps nothing.
#[derive(Default)]
pub struct HashingWriter(Sha256);

impl Write for HashingWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl HashingWriter {
    /// The hex digest of everything written.
    pub fn hex(self) -> String {
        hex(&self.0.finalize())
    }
}

/// The baseline of a run of `plan` whose results are `aggregate` and whose files hash to
/// `file_digests`.
pub fn from_aggregate(
    scenario: &Scenario,
    plan: &RunPlan,
    aggregate: &Aggregate,
    file_digests: FileDigests,
) -> Baseline {
    let outcomes = scenario
        .outcomes
        .iter()
        .zip(&aggregate.outcomes)
        .map(|(outcome, distribution)| OutcomeStats {
            name: outcome.name.clone(),
            stats: Stats::of(distribution),
        })
        .collect();
    let events = scenario
        .events
        .iter()
        .zip(&aggregate.events)
        .map(|(event, counts)| EventStats::of(&event.name, counts))
        .collect();
    let horizon = scenario.horizon_months;
    let mut series = Vec::with_capacity(scenario.series.len() * horizon);
    for (series_index, one_series) in scenario.series.iter().enumerate() {
        for month in 0..horizon {
            series.push(SeriesStats {
                metric: one_series.metric.as_str().to_owned(),
                actor: one_series.actor_name.clone(),
                month,
                date: scenario.start.plus(month).to_string(),
                stats: Stats::of(&aggregate.series[series_index * horizon + month]),
            });
        }
    }
    Baseline {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        scenario: scenario.name.clone(),
        scenario_hash: scenario.hash.clone(),
        seed: plan.seed,
        runs: plan.runs,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        quantile_relative_accuracy: QUANTILE_RELATIVE_ACCURACY,
        digest: file_digests.combined(),
        file_digests,
        outcomes,
        events,
        series,
    }
}

/// The baseline as text: pretty JSON with one line per outcome, event and series-month, so
/// that a change to results reads as a line-by-line diff in review.
pub fn render(baseline: &Baseline) -> Result<String, serde_json::Error> {
    let value = serde_json::to_value(baseline)?;
    let mut text = String::new();
    write_json(&value, 0, &mut text)?;
    text.push('\n');
    Ok(text)
}

/// Depth at which objects and arrays are written on one line.
const COMPACT_DEPTH: usize = 2;

fn write_json(value: &Value, depth: usize, text: &mut String) -> Result<(), serde_json::Error> {
    let indent = |depth: usize| "  ".repeat(depth);
    match value {
        Value::Object(object) if depth < COMPACT_DEPTH && !object.is_empty() => {
            text.push_str("{\n");
            for (index, (key, item)) in object.iter().enumerate() {
                text.push_str(&indent(depth + 1));
                text.push_str(&serde_json::to_string(key)?);
                text.push_str(": ");
                write_json(item, depth + 1, text)?;
                text.push_str(if index + 1 < object.len() {
                    ",\n"
                } else {
                    "\n"
                });
            }
            text.push_str(&indent(depth));
            text.push('}');
        }
        Value::Array(items) if depth < COMPACT_DEPTH && !items.is_empty() => {
            text.push_str("[\n");
            for (index, item) in items.iter().enumerate() {
                text.push_str(&indent(depth + 1));
                write_json(item, depth + 1, text)?;
                text.push_str(if index + 1 < items.len() { ",\n" } else { "\n" });
            }
            text.push_str(&indent(depth));
            text.push(']');
        }
        _ => text.push_str(&serde_json::to_string(value)?),
    }
    Ok(())
}

/// Reads and checks a baseline file.
pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
    let bytes_on_disk = fs::metadata(path)
        .map_err(io_error(path, "cannot read the baseline"))?
        .len();
    if bytes_on_disk > MAX_BASELINE_BYTES {
        return Err(BaselineError::TooLarge {
            path: path.to_path_buf(),
            bytes: bytes_on_disk,
            limit: MAX_BASELINE_BYTES,
        });
    }
    let text = fs::read(path).map_err(io_error(path, "cannot read the baseline"))?;
    let malformed = |error: serde_json::Error| BaselineError::Malformed {
        path: path.to_path_buf(),
        location: if error.line() > 0 {
            format!(":{}:{}", error.line(), error.column())
        } else {
            String::new()
        },
        // serde_json appends " at line L column C", which the location already says.
        message: error
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    // The format fields first, so that another kind of JSON file, or a later format, is named
    // as such rather than as a missing field.
    let text = String::from_utf8(text).map_err(|_| BaselineError::Malformed {
        path: path.to_path_buf(),
        location: String::new(),
        message: "not UTF-8 text".to_owned(),
    })?;
    let value: Value = serde_json::from_str(&text).map_err(malformed)?;
    let format = value.get("format").and_then(Value::as_str).unwrap_or("");
    if format != FORMAT {
        return Err(BaselineError::NotABaseline {
            path: path.to_path_buf(),
            found: format.to_owned(),
        });
    }
    let format_version = value.get("format_version").and_then(Value::as_u64);
    if format_version != Some(FORMAT_VERSION) {
        return Err(BaselineError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: format_version.unwrap_or(0),
        });
    }
    // Read again, from the text: serde_json's `float_roundtrip` parser is correctly rounded, so
    // every number comes back bit for bit, as a baseline compares them; and, unlike reading from
    // `value`, a key given twice is refused and a wrong field is placed at its line and column.
    let baseline: Baseline = serde_json::from_str(&text).map_err(malformed)?;
    let invalid = |message: String| BaselineError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    if !(1..=MAX_RUNS).contains(&baseline.runs) {
        return Err(invalid(format!(
            "runs is {}, outside the valid range 1..={MAX_RUNS}",
            baseline.runs
        )));
    }
    let is_digest = |text: &str| text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit());
    for (file, digest) in baseline.file_digests.entries() {
        if !is_digest(digest) {
            return Err(invalid(format!(
                "file_digests[{file:?}] is not a SHA-256 digest: {digest:?}"
            )));
        }
    }
    if baseline.digest != baseline.file_digests.combined() {
        return Err(invalid(
            "digest does not match file_digests (was the file edited by hand?)".to_owned(),
        ));
    }
    Ok(baseline)
}

/// Writes `baseline` to `path` atomically: into a temporary file in the same folder, renamed
/// over `path` when complete. An existing `path` is replaced only if it is a baseline.
pub fn write(baseline: &Baseline, path: &Path) -> Result<(), BaselineError> {
    if path.is_dir() {
        return Err(BaselineError::WouldOverwrite {
            path: path.to_path_buf(),
        });
    }
    if path.exists() {
        let too_large = fs::metadata(path)
            .map_err(io_error(path, "cannot read the existing file"))?
            .len()
            > MAX_BASELINE_BYTES;
        if too_large {
            return Err(BaselineError::WouldOverwrite {
                path: path.to_path_buf(),
            });
        }
        let existing = fs::read(path).map_err(io_error(path, "cannot read the existing file"))?;
        let is_baseline = serde_json::from_slice::<Value>(&existing)
            .ok()
            .is_some_and(|value| value.get("format").and_then(Value::as_str) == Some(FORMAT));
        if !is_baseline {
            return Err(BaselineError::WouldOverwrite {
                path: path.to_path_buf(),
            });
        }
    }
    let text = render(baseline)?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_error(&parent, "cannot create the folder"))?;
    let name = path.file_name().map_or_else(
        || "baseline".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let mut file = tempfile::Builder::new()
        .prefix(&format!(".{name}.partial-"))
        .tempfile_in(&parent)
        .map_err(io_error(&parent, "cannot create a temporary file"))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .map_err(io_error(file.path(), "cannot write"))?;
    set_readable(file.path());
    file.persist(path)
        .map_err(|error| io_error(path, "cannot move the baseline into place")(error.error))?;
    Ok(())
}

#[cfg(unix)]
fn set_readable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Temporary files are created private (0600); a baseline is an ordinary file to commit.
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o644));
}

#[cfg(not(unix))]
fn set_readable(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::summary::QUANTILE_KEYS;

    fn distribution_of(values: impl IntoIterator<Item = f64>) -> Distribution {
        let mut distribution = Distribution::default();
        values.into_iter().for_each(|value| distribution.add(value));
        distribution
    }

    #[test]
    fn quantile_mcse_of_a_uniform_sample_matches_the_order_statistic_formula() {
        // 0..10000: Q(p) is about 10000 p, so the MCSE is about 10000 sqrt(p (1 - p) / n).
        let distribution = distribution_of((0..10_000).map(f64::from));
        for p in QUANTILES {
            let expected = 10_000.0 * (p * (1.0 - p) / 10_000.0).sqrt();
            let mcse = quantile_mcse(&distribution, p).unwrap();
            // Q(p - d) and Q(p + d) are each within the sketch's accuracy of the value.
            let sketch_error = 2.0 * QUANTILE_RELATIVE_ACCURACY * 10_000.0 * p + 1.0;
            assert!(
                (mcse - expected).abs() <= sketch_error,
                "p {p}: {mcse} vs {expected}"
            );
        }
    }

    #[test]
    fn quantile_mcse_is_zero_for_a_constant_and_none_when_empty() {
        let constant = distribution_of(std::iter::repeat_n(3.0, 50));
        assert_eq!(quantile_mcse(&constant, 0.5), Some(0.0));
        assert_eq!(quantile_mcse(&Distribution::default(), 0.5), None);
        // A single value: d = 0.5 reaches both ends, which are the value.
        let single = distribution_of([7.0]);
        assert_eq!(quantile_mcse(&single, 0.05), Some(0.0));
    }

    /// A baseline of one outcome whose summary holds `values`, with consistent digests.
    fn baseline_with(values: [f64; 5]) -> Baseline {
        let digest = "ab".repeat(32);
        let file_digests = FileDigests::from_fn(|_| Some(digest.clone())).unwrap();
        let [mean, sd, mcse, p05, p95] = values.map(Some);
        let stats = Stats {
            n: 12,
            mean,
            sd,
            mcse,
            p05,
            p05_mcse: None,
            p25: None,
            p25_mcse: None,
            p50: None,
            p50_mcse: None,
            p75: None,
            p75_mcse: None,
            p95,
            p95_mcse: None,
        };
        Baseline {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            scenario: "scenario".to_owned(),
            scenario_hash: "cd".repeat(32),
            seed: 7,
            runs: 12,
            version: "0.0.0".to_owned(),
            quantile_relative_accuracy: QUANTILE_RELATIVE_ACCURACY,
            digest: file_digests.combined(),
            file_digests,
            outcomes: vec![OutcomeStats {
                name: "o".to_owned(),
                stats,
            }],
            events: vec![],
            series: vec![],
        }
    }

    #[test]
    fn numbers_read_back_bit_for_bit() {
        // Values serde_json's parser reads one unit in the last place off without its
        // `float_roundtrip` feature.
        let values: [f64; 5] = [
            0.0009650074960886351,
            0.9073038322028689,
            1813.8734630502206,
            -2.5e-300,
            1e300,
        ];
        let baseline = baseline_with(values);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("base.json");
        write(&baseline, &path).unwrap();
        let read = load(&path).unwrap();
        let stats = &read.outcomes[0].stats;
        let read_values = [stats.mean, stats.sd, stats.mcse, stats.p05, stats.p95];
        for (read, written) in read_values.iter().zip(values) {
            assert_eq!(read.unwrap().to_bits(), written.to_bits(), "{written}");
        }
        assert_eq!(read, baseline);
    }

    #[test]
    fn a_key_given_twice_is_refused() {
        let text = render(&baseline_with([1.0; 5])).unwrap();
        let twice = text.replacen("\"n\":12,", "\"n\":12,\"n\":13,", 1);
        assert_ne!(twice, text);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("base.json");
        fs::write(&path, twice).unwrap();
        let error = load(&path).unwrap_err().to_string();
        assert!(error.contains("duplicate field `n`"), "{error}");
        fs::write(&path, text).unwrap();
        assert!(load(&path).is_ok());
    }

    #[test]
    fn rows_are_one_line_each() {
        let value = serde_json::json!({
            "a": 1,
            "rows": [{"x": 1, "y": [1, 2]}, {"x": 2, "y": []}],
            "empty": [],
        });
        let mut text = String::new();
        write_json(&value, 0, &mut text).unwrap();
        assert_eq!(
            text,
            "{\n  \"a\": 1,\n  \"rows\": [\n    {\"x\":1,\"y\":[1,2]},\n    {\"x\":2,\"y\":[]}\n  ],\n  \"empty\": []\n}"
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
    }

    #[test]
    fn quantile_keys_match_the_stats_fields() {
        let stats = Stats::of(&distribution_of((1..=100).map(f64::from)));
        let value = serde_json::to_value(&stats).unwrap();
        for ((key, (quantile, mcse)), p) in
            QUANTILE_KEYS.iter().zip(stats.quantiles()).zip(QUANTILES)
        {
            assert_eq!(value[key].as_f64(), quantile, "{key}");
            assert_eq!(value[format!("{key}_mcse")].as_f64(), mcse, "{key}_mcse");
            assert!(quantile.unwrap() >= 100.0 * p - 1.0);
        }
    }
}
