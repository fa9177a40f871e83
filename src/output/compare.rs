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
use crate::output::manifest::MANIFEST_FILE;
use crate::output::outcomes::OutcomesReader;
use crate::output::report::{self, escape};
use crate::output::{OutputError, format_number};
use crate::scenario::Scenario;
use crate::stats::Paired;

/// File name of the comparison table.
pub const COMPARISON_FILE: &str = "comparison.csv";
/// Its header, fixed: other tools read these names.
pub const HEADER: [&str; 10] = [
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
    pub scenario: String,
    pub mean: Option<f64>,
    pub p05: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    /// Against the first scenario, in the same replications; None for the first scenario and
    /// where either scenario lacks the outcome.
    pub paired: Option<Paired>,
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
) -> Result<Vec<Vec<Option<Paired>>>, OutputError> {
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
    let mut paired: Vec<Vec<Option<Paired>>> = columns
        .iter()
        .map(|columns| {
            columns
                .iter()
                .map(|column| column.map(|_| Paired::default()))
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
                pair.add(first_value, value(scenario_index, *column));
            }
        }
    }
    Ok(paired)
}

pub fn comparison_rows(
    compared: &[Compared],
    aggregates: &[&Aggregate],
    paired: &[Vec<Option<Paired>>],
) -> Vec<ComparisonRow> {
    let first = &compared[0].scenario;
    let mut rows = Vec::new();
    for outcome in all_outcomes(compared) {
        let first_index = first
            .outcomes
            .iter()
            .position(|candidate| candidate.name == outcome);
        for (scenario_index, (item, aggregate)) in compared.iter().zip(aggregates).enumerate() {
            let own_index = item
                .scenario
                .outcomes
                .iter()
                .position(|candidate| candidate.name == outcome);
            let summary = own_index.map(|index| aggregate.outcomes[index].summary());
            let pair = if scenario_index == 0 {
                None
            } else {
                first_index.and_then(|index| paired[scenario_index][index])
            };
            rows.push(ComparisonRow {
                outcome: outcome.clone(),
                scenario: item.scenario.name.clone(),
                mean: summary.as_ref().and_then(|summary| summary.mean),
                p05: summary.as_ref().and_then(|summary| summary.quantiles[0]),
                p50: summary.as_ref().and_then(|summary| summary.quantiles[2]),
                p95: summary.as_ref().and_then(|summary| summary.quantiles[4]),
                paired: pair,
            });
        }
    }
    rows
}

pub fn write_table(rows: &[ComparisonRow], path: &Path) -> Result<(), OutputError> {
    let file = File::create(path).map_err(OutputError::io(path, "cannot create"))?;
    let mut csv = csv::Writer::from_writer(BufWriter::new(file));
    csv.write_record(HEADER)?;
    for row in rows {
        let interval = row.paired.and_then(|pair| pair.confidence_interval());
        csv.write_record([
            row.outcome.clone(),
            row.scenario.clone(),
            format_number(row.mean),
            format_number(row.p05),
            format_number(row.p50),
            format_number(row.p95),
            format_number(row.paired.and_then(|pair| pair.mean())),
            format_number(interval.map(|interval| interval.0)),
            format_number(interval.map(|interval| interval.1)),
            format_number(row.paired.and_then(|pair| pair.probability_greater())),
        ])?;
    }
    csv.flush().map_err(csv::Error::from)?;
    Ok(())
}

pub fn difference_panels(compared: &[Compared], rows: &[ComparisonRow]) -> Vec<DifferencePanel> {
    let mut panels: Vec<DifferencePanel> = Vec::new();
    for row in rows {
        let (Some(pair), Some((low, high))) = (
            row.paired,
            row.paired.and_then(|pair| pair.confidence_interval()),
        ) else {
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
        match panels.iter_mut().find(|panel| panel.outcome == row.outcome) {
            Some(panel) => panel.rows.push(difference),
            None => {
                let unit = compared[0]
                    .scenario
                    .outcomes
                    .iter()
                    .find(|outcome| outcome.name == row.outcome)
                    .map(|outcome| figures::outcome_unit(&compared[0].scenario, &outcome.kind))
                    .unwrap_or_default();
                panels.push(DifferencePanel {
                    outcome: row.outcome.clone(),
                    unit,
                    rows: vec![difference],
                });
            }
        }
    }
    panels
}

pub fn comparison_report(
    compared: &[Compared],
    aggregates: &[&Aggregate],
    folders: &[String],
    rows: &[ComparisonRow],
    plan: &RunPlan,
    figures: &[report::Figure],
) -> String {
    let mut body = String::new();
    body.push_str("<h2>What is compared</h2><p>Every scenario ran the same replications with the same seed: replication i of each draws the same random numbers for every element the scenarios share (common random numbers), so a difference between scenarios reflects the scenarios, not simulation noise. Differences are taken replication by replication against the first scenario.</p><table><tr><th>scenario</th><th>description</th><th>its own results</th></tr>");
    for (item, folder) in compared.iter().zip(folders) {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td><a href=\"{folder}/report.html\">{folder}/report.html</a></td></tr>",
            escape(&item.scenario.name),
            escape(&item.scenario.description),
            folder = escape(folder)
        );
    }
    body.push_str("</table><h2>Outcomes</h2><table><tr><th>outcome</th><th>scenario</th><th>mean</th><th>5%</th><th>median</th><th>95%</th><th>difference from the first (95% CI)</th><th>P(higher than the first in the same run)</th></tr>");
    let number = |value: Option<f64>| {
        value.map_or("&ndash;".to_owned(), crate::output::charts::short_number)
    };
    for row in rows {
        let difference = match (
            row.paired.and_then(|pair| pair.mean()),
            row.paired.and_then(|pair| pair.confidence_interval()),
        ) {
            (Some(mean), Some((low, high))) => format!(
                "{} ({} to {})",
                number(Some(mean)),
                number(Some(low)),
                number(Some(high))
            ),
            _ => "&ndash;".to_owned(),
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&row.outcome),
            escape(&row.scenario),
            number(row.mean),
            number(row.p05),
            number(row.p50),
            number(row.p95),
            difference,
            row.paired
                .and_then(|pair| pair.probability_greater())
                .map_or("&ndash;".to_owned(), |p| format!("{p:.3}")),
        );
    }
    body.push_str("</table>");
    for (item, aggregate) in compared.iter().zip(aggregates) {
        let _ = write!(body, "<h2>Scenario {}</h2>", escape(&item.scenario.name));
        body.push_str(&report::assumptions(&item.scenario, Some(aggregate)));
    }
    if !figures.is_empty() {
        body.push_str("<h2>Charts</h2>");
        body.push_str(&report::figures(figures));
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
