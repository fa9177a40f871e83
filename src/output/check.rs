//! `secsim check`: re-runs a scenario with a baseline's seed and runs, in memory, and compares.
//!
//! - Exact mode: the digest of the result files must equal the baseline's. On a mismatch, the
//!   summaries that differ are listed: outcomes and events first, each group by how many Monte
//!   Carlo standard errors apart the two values are.
//! - Statistical mode, with K the tolerance multiple (default 4):
//!   each mean within K combined Monte Carlo standard errors,
//!   |m - m0| <= K sqrt(mcse^2 + mcse0^2); each quantile within the sketch's relative accuracy
//!   plus K combined quantile standard errors,
//!   |q - q0| <= QUANTILE_RELATIVE_ACCURACY |q0| + K sqrt(se_q^2 + se_q0^2); each event's
//!   probability within K combined binomial standard errors. For every outcome, every
//!   series-month and every event.
//!
//! In both modes an outcome, series or event present on one side only is a failure, and a
//! changed scenario hash is reported but does not fail by itself.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::output::baseline::{Baseline, Stats};
use crate::output::summary::QUANTILE_KEYS;
use crate::stats::QUANTILE_RELATIVE_ACCURACY;

/// Default tolerance multiple K of statistical mode: a mean four combined standard errors
/// away happens by chance about once in 16,000 comparisons of independent estimates (normal
/// tails), rare enough for the thousands of series-months of a scenario.
pub const DEFAULT_TOLERANCE: f64 = 4.0;
/// Rows of the table of worst offenders in the text report.
pub const MAX_TABLE_ROWS: usize = 20;

/// How results are compared with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The digest of the result files must match.
    Exact,
    /// Means, quantiles and event probabilities within Monte Carlo error.
    Statistical,
}

impl Mode {
    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Exact => "exact",
            Mode::Statistical => "statistical",
        }
    }
}

/// What to check and how.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// Exact or statistical.
    pub mode: Mode,
    /// The multiple K of statistical mode.
    pub tolerance: f64,
    /// Worker threads; all cores when `None`. Results do not depend on it.
    pub threads: Option<usize>,
}

/// Which kind of quantity a comparison is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// An outcome, by name.
    Outcome { name: String },
    /// A series-month: metric and actor as in `timeseries.csv`, month index and its date.
    Series {
        metric: String,
        actor: String,
        month: usize,
        date: String,
    },
    /// An event's probability of firing, by name.
    Event { name: String },
}

impl Item {
    /// A short label: `outcome attacks_total`, `attacks Niger month 12 (2026-05)`.
    pub fn label(&self) -> String {
        match self {
            Item::Outcome { name } => format!("outcome {name}"),
            Item::Series {
                metric,
                actor,
                month,
                date,
            } => format!("{metric} {actor} month {month} ({date})"),
            Item::Event { name } => format!("event {name}"),
        }
    }

    /// Outcomes and events are what a scenario is read for; series-months are the detail
    /// behind them, so reports list them after.
    pub fn is_headline(&self) -> bool {
        !matches!(self, Item::Series { .. })
    }

    fn kind(&self) -> &'static str {
        match self {
            Item::Outcome { .. } => "outcome",
            Item::Series { .. } => "series",
            Item::Event { .. } => "event",
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Item::Outcome { name } | Item::Event { name } => json!({
                "kind": self.kind(),
                "name": name,
                "metric": null,
                "actor": null,
                "month": null,
            }),
            Item::Series {
                metric,
                actor,
                month,
                ..
            } => json!({
                "kind": "series",
                "name": null,
                "metric": metric,
                "actor": actor,
                "month": month,
            }),
        }
    }
}

/// One statistic of one item, then and now.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// What is compared.
    pub item: Item,
    /// `mean`, `p05`..`p95`, `probability`; in exact mode also `n` and `sd`.
    pub statistic: &'static str,
    /// The baseline's value.
    pub baseline: Option<f64>,
    /// The value now.
    pub now: Option<f64>,
    /// now - baseline, when both exist.
    pub difference: Option<f64>,
    /// The statistical tolerance, when the statistic has one (means, quantiles, probabilities).
    pub tolerance: Option<f64>,
    /// The combined Monte Carlo standard error of the two values, sqrt(se^2 + se0^2), when both
    /// sides have one.
    pub standard_error: Option<f64>,
    /// |difference| / tolerance: infinite when a value appeared or vanished, or when it moved
    /// with a zero tolerance; 0 when equal.
    pub ratio: f64,
    /// Within the mode's rule: bit-identical in exact mode, within the tolerance in statistical
    /// mode.
    pub pass: bool,
}

impl Comparison {
    /// |difference| / standard error: how far apart the two values are in Monte Carlo noise.
    /// Infinite when a value with no Monte Carlo error (a standard error of 0) moved; `None`
    /// when there is no standard error (`n`, `sd`) or one side has no value.
    pub fn standard_errors(&self) -> Option<f64> {
        let difference = self.difference?;
        let standard_error = self.standard_error?;
        Some(if difference == 0.0 {
            0.0
        } else if standard_error > 0.0 {
            difference.abs() / standard_error
        } else {
            f64::INFINITY
        })
    }

    /// Why the comparison failed, in words and numbers; `None` when it passed.
    pub fn reason(&self, mode: Mode) -> Option<String> {
        if self.pass {
            return None;
        }
        let (then, now) = match (self.baseline, self.now) {
            (Some(then), Some(now)) => (then, now),
            (None, _) => return Some("no value in the baseline".to_owned()),
            (_, None) => return Some("no value now".to_owned()),
        };
        Some(match mode {
            // Shortest round-trip formatting shows the digits that differ, which the table's
            // six significant digits may hide.
            Mode::Exact => {
                let within = if self.ratio <= 1.0 {
                    "within"
                } else {
                    "outside"
                };
                match self.standard_errors() {
                    Some(apart) if apart.is_finite() => format!(
                        "bytes differ: {then} vs {now} ({} standard errors apart, {within} \
                         statistical mode's tolerance)",
                        standard_errors_text(apart)
                    ),
                    Some(_) => format!(
                        "bytes differ: {then} vs {now} (standard error 0, {within} statistical \
                         mode's tolerance)"
                    ),
                    None => format!("bytes differ: {then} vs {now}"),
                }
            }
            Mode::Statistical => {
                let difference = trimmed(number(Some((now - then).abs())));
                match (self.standard_error, self.tolerance) {
                    (Some(standard_error), Some(tolerance)) if standard_error > 0.0 => format!(
                        "differs by {:.1} standard errors; tolerance {:.1}",
                        (now - then).abs() / standard_error,
                        tolerance / standard_error
                    ),
                    (Some(_), Some(tolerance)) => format!(
                        "differs by {difference} with a standard error of 0; tolerance {}",
                        trimmed(number(Some(tolerance)))
                    ),
                    _ => format!("differs by {difference}; no standard error to compare with"),
                }
            }
        })
    }

    /// How far the values moved in units of what statistical mode allows, for ordering: the
    /// ratio to the tolerance. Exact mode allows no difference, so this gives it the scale: a
    /// quantile with a standard error of 0 that moved by a hair (the sketch's resolution) stays
    /// below a mean that moved by a standard error. Rows with no tolerance (`n` and `sd`, in
    /// exact mode) come last: nothing says how much their difference matters.
    fn severity(&self) -> f64 {
        match (self.baseline, self.now, self.tolerance) {
            (Some(_), Some(_), None) => -1.0,
            _ => self.ratio,
        }
    }

    /// |difference| / max(|baseline|, |now|): how much, whatever the unit. Infinite when a
    /// value appeared or vanished.
    pub fn relative_difference(&self) -> f64 {
        match (self.baseline, self.now) {
            (Some(then), Some(now)) if then.to_bits() == now.to_bits() => 0.0,
            (Some(then), Some(now)) => (now - then).abs() / then.abs().max(now.abs()),
            (None, None) => 0.0,
            _ => f64::INFINITY,
        }
    }
}

/// The outcome of a check.
#[derive(Debug, Clone)]
pub struct Report {
    /// The verdict: exit 0 when true, 1 when false.
    pub pass: bool,
    /// How it compared.
    pub mode: Mode,
    /// The multiple K of statistical mode (also used for the tolerances shown in exact mode).
    pub tolerance: f64,
    /// The scenario's name now.
    pub scenario: String,
    /// The scenario file as named on the command line.
    pub scenario_file: PathBuf,
    /// The baseline file as named on the command line.
    pub baseline_file: PathBuf,
    /// The scenario's hash when the baseline was made.
    pub scenario_hash_baseline: String,
    /// The scenario's hash now.
    pub scenario_hash_now: String,
    /// The baseline's seed, used again.
    pub seed: u64,
    /// The baseline's runs, used again.
    pub runs: u64,
    /// Worker threads of the run now (results do not depend on it).
    pub threads: usize,
    /// The secsim version that made the baseline.
    pub version_baseline: String,
    /// This secsim's version.
    pub version_now: String,
    /// The baseline's digest.
    pub digest_baseline: String,
    /// The digest of the results now.
    pub digest_now: String,
    /// (file, digest in the baseline, digest now).
    pub file_digests: Vec<(&'static str, String, String)>,
    /// Items of the baseline the scenario no longer produces.
    pub missing: Vec<Item>,
    /// Items the scenario produces that the baseline lacks.
    pub added: Vec<Item>,
    /// Every comparison in report order ([`report_order`]): failures first; within them and
    /// within the rest, outcomes and events before series-months; then the largest ratio of the
    /// difference to statistical mode's tolerance first.
    pub comparisons: Vec<Comparison>,
}

impl Report {
    /// Whether the scenario changed since the baseline was made.
    pub fn scenario_changed(&self) -> bool {
        self.scenario_hash_baseline != self.scenario_hash_now
    }

    /// Whether the result files are identical to the baseline's.
    pub fn digest_matches(&self) -> bool {
        self.digest_baseline == self.digest_now
    }

    /// Comparisons outside the mode's rule.
    pub fn failures(&self) -> usize {
        self.comparisons.iter().filter(|item| !item.pass).count()
    }

    /// What moved, by item rather than by statistic, whatever its rank among the comparisons.
    pub fn moved(&self) -> Moved {
        let mut moved = Moved::default();
        for comparison in self.comparisons.iter().filter(|item| !item.pass) {
            match &comparison.item {
                Item::Outcome { name } => add_statistic(&mut moved.outcomes, name, comparison),
                Item::Event { name } => add_statistic(&mut moved.events, name, comparison),
                Item::Series {
                    metric,
                    actor,
                    month,
                    ..
                } => {
                    let position = moved
                        .series
                        .iter()
                        .position(|(m, a, _)| m == metric && a == actor);
                    let months = match position {
                        Some(position) => &mut moved.series[position].2,
                        None => {
                            moved
                                .series
                                .push((metric.clone(), actor.clone(), Vec::new()));
                            &mut moved.series.last_mut().expect("just pushed").2
                        }
                    };
                    if !months.contains(month) {
                        months.push(*month);
                    }
                }
            }
        }
        for (_, statistics) in moved.outcomes.iter_mut().chain(moved.events.iter_mut()) {
            statistics.sort_by_key(|statistic| statistic_order(statistic));
        }
        for (_, _, months) in &mut moved.series {
            months.sort_unstable();
        }
        moved
    }
}

/// The items with a comparison outside the rule, in order of their worst comparison.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Moved {
    /// (outcome, statistics that moved).
    pub outcomes: Vec<(String, Vec<&'static str>)>,
    /// (event, statistics that moved).
    pub events: Vec<(String, Vec<&'static str>)>,
    /// (metric, actor, months that moved).
    pub series: Vec<(String, String, Vec<usize>)>,
}

fn add_statistic(list: &mut Vec<(String, Vec<&'static str>)>, name: &str, comparison: &Comparison) {
    match list.iter_mut().find(|(known, _)| known == name) {
        Some((_, statistics)) => statistics.push(comparison.statistic),
        None => list.push((name.to_owned(), vec![comparison.statistic])),
    }
}

fn statistic_order(statistic: &str) -> usize {
    [
        "n",
        "mean",
        "sd",
        "p05",
        "p25",
        "p50",
        "p75",
        "p95",
        "probability",
    ]
    .iter()
    .position(|known| *known == statistic)
    .unwrap_or(usize::MAX)
}

/// Compares two baselines of the same seed and runs: `then` from the file, `now` just made.
pub fn compare(then: &Baseline, now: &Baseline, mode: Mode, tolerance: f64) -> Report {
    let mut comparisons = Vec::new();
    let mut missing = Vec::new();
    let mut added = Vec::new();
    let rule = Rule { mode, k: tolerance };

    let outcome_item = |name: &str| Item::Outcome {
        name: name.to_owned(),
    };
    pair_up(
        &then.outcomes,
        &now.outcomes,
        |outcome| outcome.name.clone(),
        |outcome| outcome_item(&outcome.name),
        |item, old, new| rule.stats(item, &old.stats, &new.stats, &mut comparisons),
        &mut missing,
        &mut added,
    );
    pair_up(
        &then.series,
        &now.series,
        |row| (row.metric.clone(), row.actor.clone(), row.month),
        |row| Item::Series {
            metric: row.metric.clone(),
            actor: row.actor.clone(),
            month: row.month,
            date: row.date.clone(),
        },
        |item, old, new| rule.stats(item, &old.stats, &new.stats, &mut comparisons),
        &mut missing,
        &mut added,
    );
    pair_up(
        &then.events,
        &now.events,
        |event| event.name.clone(),
        |event| Item::Event {
            name: event.name.clone(),
        },
        |item, old, new| {
            comparisons.push(rule.compare(
                item,
                "probability",
                (Some(old.probability), Some(old.mcse)),
                (Some(new.probability), Some(new.mcse)),
                0.0,
            ));
        },
        &mut missing,
        &mut added,
    );

    comparisons.sort_by(report_order);
    let items_agree = missing.is_empty() && added.is_empty();
    let pass = items_agree
        && match mode {
            Mode::Exact => then.digest == now.digest,
            Mode::Statistical => comparisons.iter().all(|comparison| comparison.pass),
        };
    Report {
        pass,
        mode,
        tolerance,
        scenario: now.scenario.clone(),
        scenario_file: PathBuf::new(),
        baseline_file: PathBuf::new(),
        scenario_hash_baseline: then.scenario_hash.clone(),
        scenario_hash_now: now.scenario_hash.clone(),
        seed: now.seed,
        runs: now.runs,
        threads: 0,
        version_baseline: then.version.clone(),
        version_now: now.version.clone(),
        digest_baseline: then.digest.clone(),
        digest_now: now.digest.clone(),
        file_digests: then
            .file_digests
            .entries()
            .zip(now.file_digests.entries())
            .map(|((file, old), (_, new))| (file, old.to_owned(), new.to_owned()))
            .collect(),
        missing,
        added,
        comparisons,
    }
}

/// The order of a report's comparisons: failures first, so that the table shows what failed;
/// within each, the headline items (outcomes and events) before series-months, whose quantiles
/// of small monthly counts move by whole units and would otherwise lead; then by
/// [`Comparison::severity`] (the ratio to statistical mode's tolerance), largest first, and by relative difference to break ties.
pub fn report_order(a: &Comparison, b: &Comparison) -> std::cmp::Ordering {
    a.pass
        .cmp(&b.pass)
        .then(b.item.is_headline().cmp(&a.item.is_headline()))
        .then(b.severity().total_cmp(&a.severity()))
        .then(b.relative_difference().total_cmp(&a.relative_difference()))
}

/// Matches the rows of both sides by key, in the baseline's order then the new ones'.
fn pair_up<T, K: PartialEq>(
    then: &[T],
    now: &[T],
    key: impl Fn(&T) -> K,
    item: impl Fn(&T) -> Item,
    mut on_pair: impl FnMut(Item, &T, &T),
    missing: &mut Vec<Item>,
    added: &mut Vec<Item>,
) {
    // Both sides come in the scenario's order, so the same position nearly always matches;
    // the search is for scenarios whose outcomes or series changed.
    let now_keys: Vec<K> = now.iter().map(&key).collect();
    let mut matched = vec![false; now.len()];
    for (position, old) in then.iter().enumerate() {
        let old_key = key(old);
        let found = if now_keys.get(position) == Some(&old_key) && !matched[position] {
            Some(position)
        } else {
            now_keys
                .iter()
                .enumerate()
                .position(|(index, candidate)| !matched[index] && *candidate == old_key)
        };
        match found {
            Some(index) => {
                matched[index] = true;
                on_pair(item(old), old, &now[index]);
            }
            None => missing.push(item(old)),
        }
    }
    for (new, was_matched) in now.iter().zip(matched) {
        if !was_matched {
            added.push(item(new));
        }
    }
}

/// The mode's rule with its tolerance multiple.
struct Rule {
    mode: Mode,
    k: f64,
}

impl Rule {
    fn stats(&self, item: Item, then: &Stats, now: &Stats, comparisons: &mut Vec<Comparison>) {
        if self.mode == Mode::Exact {
            let count = |stats: &Stats| Some(stats.n as f64);
            comparisons.push(self.compare(
                item.clone(),
                "n",
                (count(then), None),
                (count(now), None),
                0.0,
            ));
        }
        comparisons.push(self.compare(
            item.clone(),
            "mean",
            (then.mean, then.mcse),
            (now.mean, now.mcse),
            0.0,
        ));
        if self.mode == Mode::Exact {
            comparisons.push(self.compare(
                item.clone(),
                "sd",
                (then.sd, None),
                (now.sd, None),
                0.0,
            ));
        }
        for ((key, old), new) in QUANTILE_KEYS
            .iter()
            .zip(then.quantiles())
            .zip(now.quantiles())
        {
            let relative_slack = QUANTILE_RELATIVE_ACCURACY * old.0.map_or(0.0, f64::abs);
            comparisons.push(self.compare(item.clone(), key, old, new, relative_slack));
        }
    }

    /// Compares (value, standard error) pairs: the tolerance is `slack` plus K combined
    /// standard errors.
    fn compare(
        &self,
        item: Item,
        statistic: &'static str,
        then: (Option<f64>, Option<f64>),
        now: (Option<f64>, Option<f64>),
        slack: f64,
    ) -> Comparison {
        let standard_error = match (then.1, now.1) {
            (Some(old), Some(new)) => Some(old.hypot(new)),
            _ => None,
        };
        let tolerance = standard_error.map(|standard_error| slack + self.k * standard_error);
        let difference = match (then.0, now.0) {
            (Some(old), Some(new)) => Some(new - old),
            _ => None,
        };
        let identical = match (then.0, now.0) {
            (Some(old), Some(new)) => old.to_bits() == new.to_bits(),
            (None, None) => true,
            _ => false,
        };
        let ratio = match (difference, tolerance) {
            _ if identical => 0.0,
            (Some(difference), Some(tolerance)) if tolerance > 0.0 => difference.abs() / tolerance,
            (Some(0.0), Some(_)) => 0.0,
            _ => f64::INFINITY,
        };
        let pass = match self.mode {
            Mode::Exact => identical,
            Mode::Statistical => identical || ratio <= 1.0,
        };
        Comparison {
            item,
            statistic,
            baseline: then.0,
            now: now.0,
            difference,
            tolerance,
            standard_error,
            ratio,
            pass,
        }
    }
}

/// The rule a report applies, in words.
pub fn rule_text(mode: Mode, tolerance: f64) -> String {
    match mode {
        Mode::Exact => "exact: the SHA-256 digest of summary.json (without \"version\" and \
                        \"scenario_hash\"), timeseries.csv and outcomes.csv must equal the \
                        baseline's"
            .to_owned(),
        Mode::Statistical => format!(
            "statistical, K = {tolerance}: |mean - mean0| <= K sqrt(mcse^2 + mcse0^2); \
             |q - q0| <= {QUANTILE_RELATIVE_ACCURACY} |q0| + K sqrt(se^2 + se0^2) for p05..p95 \
             (quantile standard errors by the order-statistic method); \
             |p - p0| <= K sqrt(p(1-p)/runs + p0(1-p0)/runs) for event probabilities; \
             for every outcome, series-month and event"
        ),
    }
}

/// A number for the table: six significant digits, scientific when very large or small.
fn number(value: Option<f64>) -> String {
    match value {
        None => "-".to_owned(),
        Some(0.0) => "0".to_owned(),
        Some(value) if value.is_infinite() => "inf".to_owned(),
        Some(value) if value.abs() >= 1e7 || value.abs() < 1e-3 => format!("{value:.4e}"),
        Some(value) => {
            let decimals = (5 - value.abs().log10().floor() as i32).clamp(0, 8) as usize;
            format!("{value:.decimals$}")
        }
    }
}

/// A number of standard errors: one decimal, and "<0.1" rather than a misleading "0.0".
fn standard_errors_text(apart: f64) -> String {
    if apart == 0.0 {
        "0".to_owned()
    } else if apart < 0.1 {
        "<0.1".to_owned()
    } else {
        format!("{apart:.1}")
    }
}

/// A table number without trailing zeros, for sentences: "2", not "2.00000".
fn trimmed(text: String) -> String {
    if text.contains('.') && !text.contains('e') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

fn short_hash(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// The report for a reader.
pub fn render_text(report: &Report) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "secsim check: {} ({}) against {}",
        report.scenario,
        report.scenario_file.display(),
        report.baseline_file.display()
    );
    let _ = writeln!(
        text,
        "mode {}, seed {}, {} runs on {} threads; baseline made by secsim {}, this is secsim {}",
        report.mode.as_str(),
        report.seed,
        report.runs,
        report.threads,
        report.version_baseline,
        report.version_now
    );
    if report.scenario_changed() {
        let _ = writeln!(
            text,
            "scenario CHANGED since the baseline: hash {} then, {} now",
            short_hash(&report.scenario_hash_baseline),
            short_hash(&report.scenario_hash_now)
        );
    } else {
        let _ = writeln!(
            text,
            "scenario unchanged (hash {})",
            short_hash(&report.scenario_hash_now)
        );
    }
    let _ = writeln!(text, "rule: {}", rule_text(report.mode, report.tolerance));
    if report.digest_matches() {
        let _ = writeln!(
            text,
            "digest: identical results ({})",
            short_hash(&report.digest_now)
        );
    } else {
        let differing: Vec<&str> = report
            .file_digests
            .iter()
            .filter(|(_, old, new)| old != new)
            .map(|(file, _, _)| *file)
            .collect();
        let _ = writeln!(
            text,
            "digest: results differ ({} then, {} now): {}",
            short_hash(&report.digest_baseline),
            short_hash(&report.digest_now),
            differing.join(", ")
        );
    }
    for (label, items) in [
        ("in the baseline but not produced now", &report.missing),
        ("produced now but not in the baseline", &report.added),
    ] {
        if !items.is_empty() {
            let names: Vec<String> = items.iter().take(MAX_TABLE_ROWS).map(Item::label).collect();
            let more = items.len().saturating_sub(MAX_TABLE_ROWS);
            let _ = writeln!(
                text,
                "{} {label}: {}{}",
                items.len(),
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
        }
    }
    let moved = report.moved();
    for (label, list) in [("outcomes", &moved.outcomes), ("events", &moved.events)] {
        if !list.is_empty() {
            let names: Vec<String> = list
                .iter()
                .map(|(name, statistics)| format!("{name} ({})", statistics.join(", ")))
                .collect();
            let _ = writeln!(text, "{label} that moved: {}", names.join("; "));
        }
    }
    if !moved.series.is_empty() {
        let names: Vec<String> = moved
            .series
            .iter()
            .map(|(metric, actor, months)| {
                format!(
                    "{metric} {actor} ({} month{})",
                    months.len(),
                    if months.len() == 1 { "" } else { "s" }
                )
            })
            .collect();
        let _ = writeln!(text, "series that moved: {}", names.join("; "));
    }
    let failures = report.failures();
    match report.mode {
        Mode::Exact => {
            if failures > 0 {
                let _ = writeln!(
                    text,
                    "\n{failures} of {} compared values differ; outcomes and events first, then the \
                     largest differences relative to statistical mode's tolerance (showing {}):",
                    report.comparisons.len(),
                    failures.min(MAX_TABLE_ROWS)
                );
                table(
                    &mut text,
                    report.mode,
                    &report.comparisons[..failures.min(MAX_TABLE_ROWS)],
                );
                let _ = writeln!(
                    text,
                    "(standard errors give the scale: --mode statistical allows {} of them, plus \
                     the sketch's accuracy for quantiles)",
                    report.tolerance
                );
            } else if !report.digest_matches() {
                let _ = writeln!(
                    text,
                    "\nno compared summary differs: the difference is in values the baseline does not keep (individual runs in outcomes.csv, minima, maxima, event months)"
                );
            }
        }
        Mode::Statistical => {
            let rows = report.comparisons.len().min(MAX_TABLE_ROWS);
            let _ = writeln!(
                text,
                "\n{failures} of {} compared values outside the tolerance; failures first, outcomes \
                 and events before series, the largest ratio to the tolerance first (showing {rows}):",
                report.comparisons.len()
            );
            table(&mut text, report.mode, &report.comparisons[..rows]);
        }
    }
    let _ = writeln!(
        text,
        "\n{}",
        if report.pass {
            "check passed"
        } else {
            "check FAILED: the results moved from the baseline"
        }
    );
    text
}

/// The comparison rows: every column as wide as its widest cell, so that columns line up
/// whatever the length of the names; the last column (the verdict and why) is free text.
fn table(text: &mut String, mode: Mode, comparisons: &[Comparison]) {
    let header = [
        "item",
        "statistic",
        "baseline",
        "now",
        "difference",
        "relative",
        "tolerance",
        "std errors",
        "result",
    ];
    let rows: Vec<Vec<String>> = comparisons
        .iter()
        .map(|comparison| {
            let relative = comparison.relative_difference();
            let mut row = vec![
                comparison.item.label(),
                comparison.statistic.to_owned(),
                number(comparison.baseline),
                number(comparison.now),
                number(comparison.difference),
                if relative.is_finite() {
                    format!("{:.2}%", 100.0 * relative)
                } else {
                    "-".to_owned()
                },
                number(comparison.tolerance),
            ];
            row.push(match comparison.standard_errors() {
                Some(apart) if apart.is_finite() => standard_errors_text(apart),
                Some(_) => "inf".to_owned(),
                None => "-".to_owned(),
            });
            row.push(match comparison.reason(mode) {
                Some(reason) => format!("FAIL: {reason}"),
                None if comparison.pass => "ok".to_owned(),
                None => "FAIL".to_owned(),
            });
            row
        })
        .collect();
    aligned(text, &header, &rows);
}

/// Writes `header` and `rows` as columns: the first left-aligned, the last unpadded, the others
/// right-aligned (numbers), each as wide as its widest cell.
fn aligned(text: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let last = header.len() - 1;
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .chain([header[column].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let header: Vec<String> = header.iter().map(|cell| (*cell).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            let width = widths[column];
            match column {
                0 => {
                    let _ = write!(line, "{cell:<width$}");
                }
                _ if column == last => {
                    let _ = write!(line, "  {cell}");
                }
                _ => {
                    let _ = write!(line, " {cell:>width$}");
                }
            }
        }
        let _ = writeln!(text, "{}", line.trim_end());
    }
}

fn finite(value: Option<f64>) -> Value {
    value
        .filter(|value| value.is_finite())
        .map_or(Value::Null, Value::from)
}

/// The report as JSON, for programs. Keys: `pass`, `mode`, `tolerance`, `rule`, `scenario`,
/// `scenario_file`, `baseline_file`, `scenario_hash` (`baseline`, `now`, `changed`), `seed`,
/// `runs`, `version` (`baseline`, `now`), `digest` (`baseline`, `now`, `match`,
/// `files`: per file `baseline`, `now`, `match`), `missing`, `added`, `compared`, `failed`,
/// `moved` (`outcomes` and `events`: `name`, `statistics`; `series`: `metric`, `actor`,
/// `months`), and `comparisons`: every comparison in the text report's order ([`report_order`]),
/// with `item` (`kind`, `name`, `metric`, `actor`, `month`), `statistic`, `baseline`, `now`,
/// `difference`, `tolerance`, `standard_error`, `ratio` (null when infinite), `pass` and
/// `reason` (null when it passed).
pub fn render_json(report: &Report) -> Result<String, serde_json::Error> {
    let files: serde_json::Map<String, Value> = report
        .file_digests
        .iter()
        .map(|(file, old, new)| {
            (
                (*file).to_owned(),
                json!({"baseline": old, "now": new, "match": old == new}),
            )
        })
        .collect();
    let comparisons: Vec<Value> = report
        .comparisons
        .iter()
        .map(|comparison| {
            json!({
                "item": comparison.item.to_json(),
                "statistic": comparison.statistic,
                "baseline": finite(comparison.baseline),
                "now": finite(comparison.now),
                "difference": finite(comparison.difference),
                "tolerance": finite(comparison.tolerance),
                "standard_error": finite(comparison.standard_error),
                "ratio": finite(Some(comparison.ratio)),
                "pass": comparison.pass,
                "reason": comparison.reason(report.mode),
            })
        })
        .collect();
    let items = |items: &[Item]| items.iter().map(Item::to_json).collect::<Vec<_>>();
    let moved = report.moved();
    let named = |list: &[(String, Vec<&'static str>)]| {
        list.iter()
            .map(|(name, statistics)| json!({"name": name, "statistics": statistics}))
            .collect::<Vec<_>>()
    };
    let moved = json!({
        "outcomes": named(&moved.outcomes),
        "events": named(&moved.events),
        "series": moved
            .series
            .iter()
            .map(|(metric, actor, months)| json!({"metric": metric, "actor": actor, "months": months}))
            .collect::<Vec<_>>(),
    });
    let document = json!({
        "pass": report.pass,
        "mode": report.mode.as_str(),
        "tolerance": report.tolerance,
        "rule": rule_text(report.mode, report.tolerance),
        "scenario": report.scenario,
        "scenario_file": report.scenario_file.to_string_lossy(),
        "baseline_file": report.baseline_file.to_string_lossy(),
        "scenario_hash": {
            "baseline": report.scenario_hash_baseline,
            "now": report.scenario_hash_now,
            "changed": report.scenario_changed(),
        },
        "seed": report.seed,
        "runs": report.runs,
        "threads": report.threads,
        "version": {"baseline": report.version_baseline, "now": report.version_now},
        "digest": {
            "baseline": report.digest_baseline,
            "now": report.digest_now,
            "match": report.digest_matches(),
            "files": files,
        },
        "missing": items(&report.missing),
        "added": items(&report.added),
        "compared": report.comparisons.len(),
        "failed": report.failures(),
        "moved": moved,
        "comparisons": comparisons,
    });
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(mode: Mode) -> Rule {
        Rule { mode, k: 4.0 }
    }

    fn item() -> Item {
        Item::Outcome {
            name: "x".to_owned(),
        }
    }

    fn outcome(name: &str) -> Item {
        Item::Outcome {
            name: name.to_owned(),
        }
    }

    fn series(month: usize) -> Item {
        Item::Series {
            metric: "attacks".to_owned(),
            actor: "Niger".to_owned(),
            month,
            date: "2025-01".to_owned(),
        }
    }

    /// The columns' right edges (numbers) and the result column's start, from the header.
    fn assert_aligned(text: &str) {
        let lines: Vec<&str> = text.lines().collect();
        let header = lines[0];
        let result_column = header.find("result").unwrap();
        let right_edges: Vec<usize> = ["statistic", "baseline", "now", "difference", "relative"]
            .iter()
            .chain(&["tolerance", "std errors"])
            .map(|name| header.find(name).unwrap() + name.len())
            .collect();
        for line in &lines[1..] {
            let characters: Vec<char> = line.chars().collect();
            for &edge in &right_edges {
                assert!(
                    characters[edge - 1] != ' ' && characters[edge] == ' ',
                    "a cell does not end at column {edge}:\n{text}"
                );
            }
            let result: String = characters[result_column..].iter().collect();
            assert!(
                result.starts_with("ok") || result.starts_with("FAIL"),
                "the result column does not start at {result_column}:\n{text}"
            );
        }
    }

    /// Columns line up whatever the length of an item's name: widths come from the cells.
    #[test]
    fn table_columns_align_for_any_name_length() {
        let long_name = "violence_against_civilians_fatalities_in_the_sahel_all_years";
        assert_eq!(long_name.len(), 60);
        for mode in [Mode::Exact, Mode::Statistical] {
            let comparisons = [
                rule(mode).compare(
                    outcome(long_name),
                    "mean",
                    (Some(1.0), Some(0.1)),
                    (Some(9.0), Some(0.1)),
                    0.0,
                ),
                rule(mode).compare(
                    item(),
                    "p05",
                    (Some(1234567.0), Some(0.1)),
                    (Some(1234567.0), Some(0.1)),
                    0.0,
                ),
                rule(mode).compare(series(7), "sd", (Some(3.5), None), (None, None), 0.0),
            ];
            let mut text = String::new();
            table(&mut text, mode, &comparisons);
            assert!(text.contains(long_name), "{text}");
            assert_aligned(&text);
        }
    }

    /// Failures first; among them outcomes and events before series-months (whose small
    /// monthly counts move by whole units); then the largest standardised difference first.
    #[test]
    fn failures_lead_then_headline_items_then_the_largest_standardised_difference() {
        for mode in [Mode::Exact, Mode::Statistical] {
            let rule = rule(mode);
            let mut comparisons = [
                // A series quantile 13 -> 14 with a large relative difference but 1.4 standard
                // errors: the row that used to lead the exact report.
                rule.compare(
                    series(5),
                    "p25",
                    (Some(13.0), Some(0.5)),
                    (Some(14.0), Some(0.5)),
                    0.0,
                ),
                // An outcome's mean 2 standard errors apart.
                rule.compare(
                    outcome("small_move"),
                    "mean",
                    (Some(100.0), Some(1.0)),
                    (Some(100.0 + 2.0 * 2f64.sqrt()), Some(1.0)),
                    0.0,
                ),
                // An outcome's mean 30 standard errors apart.
                rule.compare(
                    outcome("large_move"),
                    "mean",
                    (Some(100.0), Some(1.0)),
                    (Some(100.0 + 30.0 * 2f64.sqrt()), Some(1.0)),
                    0.0,
                ),
                // A series mean 50 standard errors apart.
                rule.compare(
                    series(9),
                    "mean",
                    (Some(10.0), Some(0.1)),
                    (Some(10.0 + 50.0 * 0.1 * 2f64.sqrt()), Some(0.1)),
                    0.0,
                ),
                // An outcome that did not move.
                rule.compare(
                    outcome("still"),
                    "mean",
                    (Some(5.0), Some(1.0)),
                    (Some(5.0), Some(1.0)),
                    0.0,
                ),
            ];
            comparisons.sort_by(report_order);
            let order: Vec<(String, bool)> = comparisons
                .iter()
                .map(|comparison| (comparison.item.label(), comparison.pass))
                .collect();
            let expected: Vec<(String, bool)> = match mode {
                // Exact mode fails every row that moved.
                Mode::Exact => vec![
                    ("outcome large_move".to_owned(), false),
                    ("outcome small_move".to_owned(), false),
                    (series(9).label(), false),
                    (series(5).label(), false),
                    ("outcome still".to_owned(), true),
                ],
                // Statistical mode (K = 4) passes the moves of 2 and 1.4 standard errors.
                Mode::Statistical => vec![
                    ("outcome large_move".to_owned(), false),
                    (series(9).label(), false),
                    ("outcome small_move".to_owned(), true),
                    ("outcome still".to_owned(), true),
                    (series(5).label(), true),
                ],
            };
            assert_eq!(order, expected, "{mode:?}");
        }
    }

    /// A failed row says why in words and numbers, never by a bare ratio.
    #[test]
    fn failed_rows_say_why() {
        let exact = rule(Mode::Exact).compare(
            series(5),
            "p25",
            (Some(13.0), Some(0.5)),
            (Some(14.0), Some(0.5)),
            0.0,
        );
        assert_eq!(
            exact.reason(Mode::Exact).unwrap(),
            "bytes differ: 13 vs 14 (1.4 standard errors apart, within statistical mode's tolerance)"
        );
        // Digits beyond the table's six significant ones are shown when they are the difference.
        let tiny = rule(Mode::Exact).compare(
            item(),
            "sd",
            (Some(4.07410001), None),
            (Some(4.0741), None),
            0.0,
        );
        assert_eq!(
            tiny.reason(Mode::Exact).unwrap(),
            "bytes differ: 4.07410001 vs 4.0741"
        );
        // sqrt(3^2 + 4^2) = 5: 30 apart is 6 standard errors, the tolerance 4 of them.
        let statistical = rule(Mode::Statistical).compare(
            item(),
            "mean",
            (Some(100.0), Some(3.0)),
            (Some(130.0), Some(4.0)),
            0.0,
        );
        assert_eq!(
            statistical.reason(Mode::Statistical).unwrap(),
            "differs by 6.0 standard errors; tolerance 4.0"
        );
        // A quantile with no Monte Carlo error: only the sketch's slack is allowed.
        let quantile = rule(Mode::Statistical).compare(
            series(7),
            "p05",
            (Some(1.0), Some(0.0)),
            (Some(3.0), Some(0.0)),
            QUANTILE_RELATIVE_ACCURACY,
        );
        assert_eq!(
            quantile.reason(Mode::Statistical).unwrap(),
            "differs by 2 with a standard error of 0; tolerance 0.005"
        );
        let vanished = rule(Mode::Statistical).compare(
            item(),
            "mean",
            (Some(1.0), Some(0.1)),
            (None, None),
            0.0,
        );
        assert_eq!(vanished.reason(Mode::Statistical).unwrap(), "no value now");
        let passed = rule(Mode::Statistical).compare(
            item(),
            "mean",
            (Some(100.0), Some(3.0)),
            (Some(101.0), Some(4.0)),
            0.0,
        );
        assert_eq!(passed.reason(Mode::Statistical), None);
        // The table shows the reason after FAIL.
        let mut text = String::new();
        table(&mut text, Mode::Exact, &[exact]);
        assert!(
            text.lines().nth(1).unwrap().ends_with("FAIL: bytes differ: 13 vs 14 (1.4 standard errors apart, within statistical mode's tolerance)"),
            "{text}"
        );
    }

    #[test]
    fn statistical_means_pass_within_k_combined_standard_errors() {
        // sqrt(3^2 + 4^2) = 5, so the tolerance is 20.
        let inside = rule(Mode::Statistical).compare(
            item(),
            "mean",
            (Some(100.0), Some(3.0)),
            (Some(119.9), Some(4.0)),
            0.0,
        );
        assert!(inside.pass);
        assert_eq!(inside.tolerance, Some(20.0));
        assert!((inside.ratio - 19.9 / 20.0).abs() < 1e-12);
        let outside = rule(Mode::Statistical).compare(
            item(),
            "mean",
            (Some(100.0), Some(3.0)),
            (Some(79.9), Some(4.0)),
            0.0,
        );
        assert!(!outside.pass);
        let exact = rule(Mode::Exact).compare(
            item(),
            "mean",
            (Some(100.0), Some(3.0)),
            (Some(100.0 + 1e-12), Some(4.0)),
            0.0,
        );
        assert!(!exact.pass, "exact mode wants the same bits");
    }

    #[test]
    fn a_value_that_appears_or_vanishes_fails_and_a_zero_tolerance_needs_equality() {
        let statistical = rule(Mode::Statistical);
        for (then, now) in [(Some(1.0), None), (None, Some(1.0))] {
            let comparison =
                statistical.compare(item(), "mean", (then, Some(0.1)), (now, Some(0.1)), 0.0);
            assert!(!comparison.pass);
            assert!(comparison.ratio.is_infinite());
        }
        let both_missing = statistical.compare(item(), "mean", (None, None), (None, None), 0.0);
        assert!(both_missing.pass);
        let constant = statistical.compare(
            item(),
            "mean",
            (Some(2.0), Some(0.0)),
            (Some(2.0), Some(0.0)),
            0.0,
        );
        assert!(constant.pass);
        let moved = statistical.compare(
            item(),
            "mean",
            (Some(2.0), Some(0.0)),
            (Some(2.5), Some(0.0)),
            0.0,
        );
        assert!(!moved.pass);
    }

    #[test]
    fn quantiles_get_the_sketch_accuracy_as_slack() {
        // 0.005 * 1000 = 5, plus 4 * 0 = 5.
        let quantile = rule(Mode::Statistical).compare(
            item(),
            "p50",
            (Some(1000.0), Some(0.0)),
            (Some(1004.9), Some(0.0)),
            QUANTILE_RELATIVE_ACCURACY * 1000.0,
        );
        assert!(quantile.pass, "{quantile:?}");
    }

    #[test]
    fn table_numbers_are_short() {
        assert_eq!(number(Some(7734.2134)), "7734.21");
        assert_eq!(number(Some(0.29934)), "0.299340");
        assert_eq!(number(Some(2.5e-5)), "2.5000e-5");
        assert_eq!(number(None), "-");
    }
}
