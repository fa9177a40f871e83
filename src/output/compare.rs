//! The files of `secsim compare` ([`crate::commands::compare`]) besides each scenario's own
//! results folder: `comparison.csv` (paired replication by replication against the first
//! scenario), overlaid charts and `report.html`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::engine::Aggregate;
use crate::engine::RunPlan;
use crate::output::charts::difference::{DifferencePanel, DifferenceRow};
use crate::output::figures::{self};
use crate::output::files::{CHARTS_FOLDER, REPORT_FILE};
use crate::output::findings;
use crate::output::manifest::MANIFEST_FILE;
use crate::output::outcomes::OutcomesReader;
use crate::output::report::{self, escape};
use crate::output::summary::{ProbabilitySummary, outcome_summary};
use crate::output::{OutputError, format_number};
use crate::scenario::{OutcomeScale, Scenario};
use crate::stats::Paired;

/// File name of the comparison table.
pub const COMPARISON_FILE: &str = "comparison.csv";
/// Its header, fixed: other tools read these names (new columns only ever go at the end).
///
/// For the month something first happens, `mean` is the restricted mean over every run (a run
/// where it never happens counts as `restricted_to`), `p05`-`p95` are Kaplan-Meier quantiles
/// (empty: not reached) and `diff_mean` is the difference in restricted means; `probability`
/// and its difference say how much more often it happens at all. For a yes/no outcome
/// `probability` is the mean.
pub const HEADER: [&str; 17] = [
    "outcome",
    "scenario",
    "mean",
    "p05",
    "p50",
    "p95",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "prob_greater",
    "n",
    "probability",
    "probability_ci_low",
    "probability_ci_high",
    "diff_probability",
    "diff_probability_ci_low",
    "diff_probability_ci_high",
];

/// One scenario to compare: where it came from and what it is.
pub struct Compared {
    pub file: PathBuf,
    pub scenario: Scenario,
}

/// One row of `comparison.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    pub outcome: String,
    /// The outcome's name for readers (its label where a scenario gives one).
    pub label: String,
    pub scenario: String,
    pub scale: OutcomeScale,
    /// Runs behind the row's figures: with a value, or every run for a month outcome.
    pub n: u64,
    pub mean: Option<f64>,
    /// The mean's Monte Carlo standard error, for rounding.
    pub mcse: Option<f64>,
    pub p05: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    /// That a yes/no outcome is yes, or that a month outcome happens within the horizon.
    pub probability: Option<ProbabilitySummary>,
    /// For a month outcome: the horizon its restricted mean is taken to.
    pub restricted_to: Option<usize>,
    /// Against the first scenario, in the same replications; None for the first scenario and
    /// where either scenario lacks the outcome.
    pub paired: Option<PairedOutcome>,
}

/// One outcome of one scenario against the first, replication by replication.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PairedOutcome {
    /// The values; for a month outcome min(month, restricted_to) in every run, so that runs
    /// where it never happens take part instead of being dropped from one side only.
    pub value: Paired,
    /// For a month outcome: 1 when it happens within the horizon, else 0.
    pub happens: Option<Paired>,
}

impl PairedOutcome {
    fn add(&mut self, first: f64, second: f64, restricted_to: Option<f64>) {
        let Some(limit) = restricted_to else {
            self.value.add(first, second);
            return;
        };
        let capped = |value: f64| {
            if value.is_nan() {
                limit
            } else {
                value.min(limit)
            }
        };
        let happens = |value: f64| f64::from(u8::from(!value.is_nan() && value < limit));
        self.value.add(capped(first), capped(second));
        self.happens
            .get_or_insert_with(Paired::default)
            .add(happens(first), happens(second));
    }

    /// The paired difference of probabilities: of a month outcome happening, or of a yes/no
    /// outcome being yes.
    pub fn probability(&self, scale: OutcomeScale) -> Option<Paired> {
        match scale {
            OutcomeScale::Month => self.happens,
            OutcomeScale::YesNo => Some(self.value),
            OutcomeScale::Number => None,
        }
    }
}

/// Folder names for the scenarios: their file stems, made unique with `_2`, `_3`, ...; a stem
/// named like the comparison's own files, or starting with a dot, gets a `scenario_` prefix.
pub fn folder_names(compared: &[Compared]) -> Vec<String> {
    let reserved = [CHARTS_FOLDER, REPORT_FILE, COMPARISON_FILE, MANIFEST_FILE];
    let mut names: Vec<String> = Vec::new();
    for item in compared {
        let stem = item.file.file_stem().map_or_else(
            || "scenario".to_owned(),
            |stem| stem.to_string_lossy().into_owned(),
        );
        // A stem that would clash with the comparison's own files, or start with a dot (`..`),
        // gets a prefix.
        let stem = if stem.is_empty() || stem.starts_with('.') || reserved.contains(&stem.as_str())
        {
            format!("scenario_{}", stem.trim_start_matches('.'))
        } else {
            stem
        };
        let mut name = stem.clone();
        let mut suffix = 2;
        while names.contains(&name) {
            name = format!("{stem}_{suffix}");
            suffix += 1;
        }
        names.push(name);
    }
    names
}

/// Outcome names over all scenarios, in order of first appearance.
pub fn all_outcomes(compared: &[Compared]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for item in compared {
        for outcome in &item.scenario.outcomes {
            if !names.contains(&outcome.name) {
                names.push(outcome.name.clone());
            }
        }
    }
    names
}

/// Paired statistics of each later scenario against the first, per outcome index of the first
/// scenario, read back from the `outcomes.csv` files in one pass over all of them together.
pub fn paired_statistics(
    compared: &[Compared],
    outcome_files: &[PathBuf],
) -> Result<Vec<Vec<Option<PairedOutcome>>>, OutputError> {
    let first = &compared[0].scenario;
    let mut readers = outcome_files
        .iter()
        .map(|file| OutcomesReader::open(file))
        .collect::<Result<Vec<_>, _>>()?;
    // columns[j][k]: where scenario j's file holds the first scenario's outcome k, if it does.
    let columns: Vec<Vec<Option<usize>>> = readers
        .iter()
        .map(|reader| {
            first
                .outcomes
                .iter()
                .map(|outcome| reader.column_of(&outcome.name))
                .collect()
        })
        .collect();
    // A month outcome is compared up to the shorter of the two horizons.
    let restricted_to: Vec<Vec<Option<f64>>> = compared
        .iter()
        .map(|item| {
            first
                .outcomes
                .iter()
                .map(|outcome| {
                    (outcome.kind.scale() == OutcomeScale::Month)
                        .then(|| first.horizon_months.min(item.scenario.horizon_months) as f64)
                })
                .collect()
        })
        .collect();
    let mut paired: Vec<Vec<Option<PairedOutcome>>> = columns
        .iter()
        .map(|columns| {
            columns
                .iter()
                .map(|column| column.map(|_| PairedOutcome::default()))
                .collect()
        })
        .collect();
    let mut rows: Vec<Vec<f64>> = vec![Vec::new(); readers.len()];
    loop {
        let mut more = false;
        for (reader, row) in readers.iter_mut().zip(rows.iter_mut()) {
            row.clear();
            if let Some(values) = reader.next_row()? {
                row.extend_from_slice(values);
                more = true;
            }
        }
        if !more {
            break;
        }
        let value = |scenario: usize, column: Option<usize>| {
            column
                .and_then(|column| rows[scenario].get(column).copied())
                .unwrap_or(f64::NAN)
        };
        for (scenario_index, scenario_columns) in columns.iter().enumerate().skip(1) {
            for (outcome_index, column) in scenario_columns.iter().enumerate() {
                let Some(pair) = paired[scenario_index][outcome_index].as_mut() else {
                    continue;
                };
                let first_value = value(0, columns[0][outcome_index]);
                pair.add(
                    first_value,
                    value(scenario_index, *column),
                    restricted_to[scenario_index][outcome_index],
                );
            }
        }
    }
    Ok(paired)
}

pub fn comparison_rows(
    compared: &[Compared],
    aggregates: &[&Aggregate],
    paired: &[Vec<Option<PairedOutcome>>],
) -> Vec<ComparisonRow> {
    let first = &compared[0].scenario;
    let mut rows = Vec::new();
    for outcome in all_outcomes(compared) {
        let definition = compared
            .iter()
            .flat_map(|item| &item.scenario.outcomes)
            .find(|candidate| candidate.name == outcome);
        let label = definition.map_or_else(|| report::readable(&outcome), figures::outcome_label);
        let first_index = first
            .outcomes
            .iter()
            .position(|candidate| candidate.name == outcome);
        for (scenario_index, (item, aggregate)) in compared.iter().zip(aggregates).enumerate() {
            let own = item
                .scenario
                .outcomes
                .iter()
                .position(|candidate| candidate.name == outcome);
            let pair = if scenario_index == 0 {
                None
            } else {
                first_index.and_then(|index| paired[scenario_index][index])
            };
            let Some(own) = own else {
                // Listed under the kind the scenarios that have it give it.
                let scale =
                    definition.map_or(OutcomeScale::Number, |candidate| candidate.kind.scale());
                rows.push(ComparisonRow {
                    outcome: outcome.clone(),
                    label: label.clone(),
                    scenario: item.scenario.name.clone(),
                    scale,
                    n: 0,
                    mean: None,
                    mcse: None,
                    p05: None,
                    p50: None,
                    p95: None,
                    probability: None,
                    restricted_to: None,
                    paired: pair,
                });
                continue;
            };
            let scale = item.scenario.outcomes[own].kind.scale();
            let summary = outcome_summary(
                scale,
                &aggregate.outcomes[own],
                aggregate.runs,
                item.scenario.horizon_months,
            );
            let row = match &summary.within_horizon {
                Some(within) => ComparisonRow {
                    outcome: outcome.clone(),
                    label: label.clone(),
                    scenario: item.scenario.name.clone(),
                    scale,
                    n: within.runs,
                    mean: within.restricted_mean,
                    mcse: within.restricted_mean_mcse,
                    p05: within.p05,
                    p50: within.p50,
                    p95: within.p95,
                    probability: within.probability,
                    restricted_to: Some(within.restricted_to),
                    paired: pair,
                },
                None => ComparisonRow {
                    outcome: outcome.clone(),
                    label: label.clone(),
                    scenario: item.scenario.name.clone(),
                    scale,
                    n: summary.n,
                    mean: summary.mean,
                    mcse: summary.mcse,
                    p05: summary.p05,
                    p50: summary.p50,
                    p95: summary.p95,
                    probability: summary.probability,
                    restricted_to: None,
                    paired: pair,
                },
            };
            rows.push(row);
        }
    }
    rows
}

pub fn write_table(rows: &[ComparisonRow], path: &Path) -> Result<(), OutputError> {
    let file = File::create(path).map_err(OutputError::io(path, "cannot create"))?;
    let mut csv = csv::Writer::from_writer(BufWriter::new(file));
    csv.write_record(HEADER)?;
    for row in rows {
        let value = row.paired.map(|pair| pair.value);
        let interval = value.and_then(|pair| pair.confidence_interval());
        let probability = row.paired.and_then(|pair| pair.probability(row.scale));
        let probability_interval = probability.and_then(|pair| pair.confidence_interval());
        csv.write_record([
            row.outcome.clone(),
            row.scenario.clone(),
            format_number(row.mean),
            format_number(row.p05),
            format_number(row.p50),
            format_number(row.p95),
            format_number(value.and_then(|pair| pair.mean())),
            format_number(interval.map(|interval| interval.0)),
            format_number(interval.map(|interval| interval.1)),
            format_number(value.and_then(|pair| pair.probability_greater())),
            // Empty where the scenario lacks the outcome, like its other cells.
            if row.n == 0 && row.mean.is_none() {
                String::new()
            } else {
                row.n.to_string()
            },
            format_number(row.probability.map(|p| p.estimate)),
            format_number(row.probability.map(|p| p.ci_low)),
            format_number(row.probability.map(|p| p.ci_high)),
            format_number(probability.and_then(|pair| pair.mean())),
            format_number(probability_interval.map(|interval| interval.0)),
            format_number(probability_interval.map(|interval| interval.1)),
        ])?;
    }
    csv.flush().map_err(csv::Error::from)?;
    Ok(())
}

pub fn difference_panels(compared: &[Compared], rows: &[ComparisonRow]) -> Vec<DifferencePanel> {
    let mut panels: Vec<DifferencePanel> = Vec::new();
    for row in rows {
        let value = row.paired.map(|pair| pair.value);
        let (Some(pair), Some((low, high))) =
            (value, value.and_then(|pair| pair.confidence_interval()))
        else {
            continue;
        };
        let Some(mean) = pair.mean() else { continue };
        let scenario_index = compared
            .iter()
            .position(|item| item.scenario.name == row.scenario)
            .unwrap_or(1);
        let difference = DifferenceRow {
            scenario: row.scenario.clone(),
            scenario_index,
            mean,
            low,
            high,
        };
        match panels.iter_mut().find(|panel| panel.outcome == row.label) {
            Some(panel) => panel.rows.push(difference),
            None => {
                let unit = compared[0]
                    .scenario
                    .outcomes
                    .iter()
                    .find(|outcome| outcome.name == row.outcome)
                    .map(|outcome| figures::outcome_unit_for(&compared[0].scenario, outcome))
                    .unwrap_or_default();
                panels.push(DifferencePanel {
                    outcome: row.label.clone(),
                    unit,
                    rows: vec![difference],
                });
            }
        }
    }
    panels
}

/// One difference in plain words, or None where there is no pair.
fn difference_finding(row: &ComparisonRow, first: &ComparisonRow) -> Option<(f64, String)> {
    let pair = row.paired?;
    let name = format!("<b>{}</b>", escape(&row.label));
    let strength = |paired: &Paired| {
        let error = paired.differences.mcse();
        paired.mean().map_or(0.0, |mean| {
            if error > 0.0 {
                (mean / error).abs()
            } else if mean != 0.0 {
                f64::INFINITY
            } else {
                0.0
            }
        })
    };
    let share = |row: &ComparisonRow| {
        row.probability.map_or("&ndash;".to_owned(), |p| {
            findings::percent(p.estimate, findings::share_error(p.estimate, row.n))
        })
    };
    match row.scale {
        OutcomeScale::Number => {
            let text = findings::difference(&pair.value, false)?;
            let mean = |row: &ComparisonRow| {
                row.mean.map_or("&ndash;".to_owned(), |mean| {
                    findings::estimate(mean, row.mcse.unwrap_or(0.0))
                })
            };
            Some((
                strength(&pair.value),
                format!(
                    "{name}: {text} in the same runs ({} against {} on average).",
                    mean(row),
                    mean(first)
                ),
            ))
        }
        OutcomeScale::YesNo => {
            let text = findings::difference(&pair.value, true)?;
            Some((
                strength(&pair.value),
                format!(
                    "{name}: in {} of runs against {}: {text}.",
                    share(row),
                    share(first)
                ),
            ))
        }
        OutcomeScale::Month => {
            let happens = pair.happens?;
            let probability = findings::difference(&happens, true)?;
            let months = findings::difference(&pair.value, false)?;
            let median = |row: &ComparisonRow| {
                row.p50
                    .map_or("not reached".to_owned(), |month| format!("{month:.0}"))
            };
            Some((
                strength(&happens).max(strength(&pair.value)),
                format!(
                    "{name}: happens within the horizon in {} of runs against {}: {probability}; median month {} against {}; restricted mean month {months}.",
                    share(row),
                    share(first),
                    median(row),
                    median(first)
                ),
            ))
        }
    }
}

/// Whether a paired difference's 95% interval leaves out 0.
fn clear(row: &ComparisonRow) -> bool {
    let Some(pair) = row.paired else { return false };
    let excludes_zero = |paired: &Paired| {
        paired
            .confidence_interval()
            .is_some_and(|(low, high)| low > 0.0 || high < 0.0)
    };
    excludes_zero(&pair.value) || pair.happens.is_some_and(|happens| excludes_zero(&happens))
}

/// The comparison's report: the question and the differences that matter first, with the key
/// charts; then the tables, the other charts and each scenario's assumptions.
pub fn comparison_report(
    compared: &[Compared],
    aggregates: &[&Aggregate],
    folders: &[String],
    rows: &[ComparisonRow],
    plan: &RunPlan,
    figures: &[report::Figure],
) -> String {
    let mut body = String::new();
    let first = &compared[0].scenario;
    body.push_str("<h2>The question</h2><ul>");
    for item in compared {
        let _ = write!(
            body,
            "<li><b>{}</b>: {}</li>",
            escape(&item.scenario.name),
            escape(&item.scenario.description)
        );
    }
    let _ = write!(
        body,
        "</ul><h2>What changes against {}</h2>",
        escape(&first.name)
    );
    for item in compared.iter().skip(1) {
        let mut findings: Vec<(f64, String)> = Vec::new();
        let mut unclear: Vec<String> = Vec::new();
        for row in rows.iter().filter(|row| row.scenario == item.scenario.name) {
            let Some(first_row) = rows
                .iter()
                .find(|other| other.outcome == row.outcome && other.scenario == first.name)
            else {
                continue;
            };
            if !clear(row) {
                if row.paired.is_some() {
                    unclear.push(escape(&row.label));
                }
                continue;
            }
            if let Some(finding) = difference_finding(row, first_row) {
                findings.push(finding);
            }
        }
        // The clearest differences first: largest against their standard error.
        findings.sort_by(|a, b| b.0.total_cmp(&a.0));
        let _ = write!(
            body,
            "<h3>{}</h3><ul class=\"findings\">",
            escape(&item.scenario.name)
        );
        for (_, finding) in &findings {
            let _ = write!(body, "<li>{finding}</li>");
        }
        if findings.is_empty() {
            body.push_str("<li>No outcome differs clearly (every 95% interval of the difference includes 0).</li>");
        }
        body.push_str("</ul>");
        if !unclear.is_empty() {
            let _ = write!(
                body,
                "<p class=\"meta\">No clear difference (the 95% interval includes 0): {}.</p>",
                unclear.join(", ")
            );
        }
    }
    let _ = write!(
        body,
        "<p class=\"meta\">Differences are each scenario's against {}, replication by replication in the same runs (common random numbers), with 95% confidence intervals; pp = percentage points. For the month something first happens, every run counts: the probability that it happens within the horizon, and the restricted mean month, where a run in which it never happens counts as the horizon.</p>",
        escape(&first.name)
    );
    // The key charts: the paired differences and the first time series.
    let key_count = figures
        .iter()
        .take_while(|figure| figure.stem == "paired_differences" || figure.stem.starts_with("fan_"))
        .count()
        .min(2);
    let (key, rest) = figures.split_at(key_count);
    body.push_str(&report::figures(key));
    body.push_str("<h2>Outcomes</h2><table><tr><th>outcome</th><th>scenario</th><th>mean</th><th>5%</th><th>median</th><th>95%</th><th>difference from the first (95% CI)</th><th>probability (95% interval)</th><th>its difference</th><th>runs</th></tr>");
    let dash = || "&ndash;".to_owned();
    for row in rows {
        let error = row.mcse.unwrap_or(0.0);
        let quantile = |value: Option<f64>| match (value, row.scale) {
            (Some(value), _) => findings::estimate(value, error),
            (None, OutcomeScale::Month) if row.n > 0 => "not reached".to_owned(),
            (None, _) => dash(),
        };
        let probability = row.probability.map_or_else(dash, |p| {
            let error = findings::share_error(p.estimate, row.n);
            format!(
                "{} ({})",
                findings::percent(p.estimate, error),
                findings::percent_interval(p.ci_low, p.ci_high, error)
            )
        });
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&row.outcome),
            escape(&row.scenario),
            row.mean
                .map_or_else(dash, |mean| findings::estimate(mean, error)),
            quantile(row.p05),
            quantile(row.p50),
            quantile(row.p95),
            row.paired
                .and_then(|pair| findings::difference(
                    &pair.value,
                    row.scale == OutcomeScale::YesNo
                ))
                .unwrap_or_else(dash),
            probability,
            row.paired
                .and_then(|pair| pair.probability(row.scale))
                .and_then(|pair| findings::difference(&pair, true))
                .unwrap_or_else(dash),
            row.n,
        );
    }
    body.push_str("</table><p class=\"meta\">For the month something first happens, the mean is the restricted mean over every run (a run where it never happens counts as the horizon) and the quantiles are Kaplan-Meier quantiles (\"not reached\" when it happens in too few runs).</p>");
    if !rest.is_empty() {
        body.push_str("<h2>Charts</h2>");
        body.push_str(&report::figures(rest));
    }
    for (item, (aggregate, folder)) in compared.iter().zip(aggregates.iter().zip(folders)) {
        let _ = write!(
            body,
            "<h2>Scenario {}</h2><p class=\"meta\">Its own results: <a href=\"{folder}/report.html\">{folder}/report.html</a></p>",
            escape(&item.scenario.name),
            folder = escape(folder)
        );
        body.push_str(&report::assumptions(&item.scenario, Some(aggregate)));
    }
    let names: Vec<&str> = compared
        .iter()
        .map(|item| item.scenario.name.as_str())
        .collect();
    report::page(
        &format!("secsim: {}", names.join(" vs ")),
        &format!(
            "{} runs each, seed {}, secsim {}",
            plan.runs,
            plan.seed,
            env!("CARGO_PKG_VERSION")
        ),
        &body,
    )
}
