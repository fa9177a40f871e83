//! The files of `secsim sensitivity` ([`crate::commands::sensitivity`]): which uncertain
//! parameters drive each outcome. Sobol indices
//! (Saltelli sampling, Saltelli 2010 first-order and Jansen total estimators, bootstrap 95%
//! intervals) or Morris elementary effects, over the scenario's `uncertain` parameters. Each
//! design point fixes every uncertain parameter and runs `runs` replications with the shared
//! seed (common random numbers across points); the indices are computed on the points' mean
//! outcomes. The folder gets a `manifest.json`.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::experiment::Factor;
use crate::experiment::analysis::{Method, OutcomeIndices, SensitivityDesign, SensitivityPlan};
use crate::output::charts::bars::{Bar, BarChart, BarRow};
use crate::output::charts::{Chart, ChartFile, Frame, file_stem};
use crate::output::figures::{caption, outcome_unit};
use crate::output::{OutputError, format_number};
use crate::scenario::Scenario;

/// File names inside a sensitivity folder.
pub const SENSITIVITY_FILE: &str = "sensitivity.csv";
pub const POINTS_FILE: &str = "points.csv";

fn writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>, OutputError> {
    let file = File::create(path).map_err(OutputError::io(path, "cannot create"))?;
    Ok(csv::Writer::from_writer(BufWriter::new(file)))
}

pub fn write_indices(
    path: &Path,
    method: Method,
    factors: &[Factor],
    results: &[(String, OutcomeIndices)],
) -> Result<(), OutputError> {
    let mut csv = writer(path)?;
    match method {
        Method::Sobol => csv.write_record([
            "outcome",
            "parameter",
            "s1",
            "s1_low",
            "s1_high",
            "st",
            "st_low",
            "st_high",
        ])?,
        Method::Morris => csv.write_record(["outcome", "parameter", "mu_star", "sigma"])?,
    }
    for (outcome, indices) in results {
        for (index, factor) in factors.iter().enumerate() {
            let mut record = vec![outcome.clone(), factor.name.clone()];
            match indices {
                OutcomeIndices::Sobol(all) => {
                    let i = &all[index];
                    record.extend(
                        [i.s1, i.s1_low, i.s1_high, i.st, i.st_low, i.st_high]
                            .map(|v| format_number(Some(v))),
                    );
                }
                OutcomeIndices::Morris(all) => {
                    let e = &all[index];
                    record.extend([e.mu_star, e.sigma].map(|v| format_number(Some(v))));
                }
                OutcomeIndices::Missing => {
                    let width = if method == Method::Sobol { 6 } else { 2 };
                    record.extend(std::iter::repeat_n(String::new(), width));
                }
            }
            csv.write_record(&record)?;
        }
    }
    csv.flush().map_err(csv::Error::from)?;
    Ok(())
}

pub fn write_points(
    path: &Path,
    scenario: &Scenario,
    design: &SensitivityDesign,
    means: &[Vec<f64>],
) -> Result<(), OutputError> {
    let mut csv = writer(path)?;
    let header = std::iter::once("point".to_owned())
        .chain(design.factors.iter().map(|factor| factor.name.clone()))
        .chain(
            scenario
                .outcomes
                .iter()
                .map(|outcome| format!("{}_mean", outcome.name)),
        );
    csv.write_record(header)?;
    for (index, values) in design.values.iter().enumerate() {
        let record = std::iter::once(index.to_string())
            .chain(values.iter().map(|value| value.to_string()))
            .chain(means.iter().map(|outcome| {
                format_number(outcome.get(index).copied().filter(|v| v.is_finite()))
            }));
        csv.write_record(record)?;
    }
    csv.flush().map_err(csv::Error::from)?;
    Ok(())
}

pub fn charts(
    scenario: &Scenario,
    design: &SensitivityDesign,
    plan: &SensitivityPlan,
    results: &[(String, OutcomeIndices)],
) -> Vec<ChartFile> {
    let mut files = Vec::new();
    for ((outcome_name, indices), outcome) in results.iter().zip(&scenario.outcomes) {
        let (measures, x_label, mut rows): (Vec<String>, String, Vec<(f64, BarRow)>) = match indices
        {
            OutcomeIndices::Sobol(all) => (
                vec!["first-order index S1".into(), "total index ST".into()],
                "share of the outcome's variance".into(),
                design
                    .factors
                    .iter()
                    .zip(all)
                    .map(|(factor, i)| {
                        (
                            i.st,
                            BarRow {
                                label: factor.name.clone(),
                                bars: vec![
                                    Bar {
                                        value: i.s1,
                                        interval: Some((i.s1_low, i.s1_high)),
                                    },
                                    Bar {
                                        value: i.st,
                                        interval: Some((i.st_low, i.st_high)),
                                    },
                                ],
                            },
                        )
                    })
                    .collect(),
            ),
            OutcomeIndices::Morris(all) => (
                vec![
                    "mu* (mean |elementary effect|)".into(),
                    "sigma (interactions, non-linearity)".into(),
                ],
                format!(
                    "{} per unit of the parameter",
                    outcome_unit(scenario, &outcome.kind)
                ),
                design
                    .factors
                    .iter()
                    .zip(all)
                    .map(|(factor, e)| {
                        (
                            e.mu_star,
                            BarRow {
                                label: factor.name.clone(),
                                bars: vec![
                                    Bar {
                                        value: e.mu_star,
                                        interval: None,
                                    },
                                    Bar {
                                        value: e.sigma,
                                        interval: None,
                                    },
                                ],
                            },
                        )
                    })
                    .collect(),
            ),
            OutcomeIndices::Missing => continue,
        };
        rows.sort_by(|a, b| b.0.total_cmp(&a.0));
        let method = if matches!(indices, OutcomeIndices::Sobol(_)) {
            "Sobol indices"
        } else {
            "Morris screening"
        };
        files.push(ChartFile {
            chart: Chart::Bars(BarChart {
                x_label,
                measures,
                rows: rows.into_iter().map(|(_, row)| row).collect(),
            }),
            frame: Frame {
                title: format!("{}: what drives {outcome_name}? ({method})", scenario.name),
                caption: caption(
                    plan.runs,
                    plan.seed,
                    &format!(
                        "{} design points of {} runs each, on each point's mean outcome.",
                        design.len(),
                        plan.runs
                    ),
                ),
            },
            stem: file_stem(&["sensitivity", outcome_name]),
        });
    }
    files
}
