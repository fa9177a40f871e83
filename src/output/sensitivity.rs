//! The files of `secsim sensitivity` ([`crate::commands::sensitivity`]): which uncertain
//! parameters drive each outcome. Sobol indices
//! (Saltelli sampling, Saltelli 2010 first-order and Jansen total estimators, bootstrap 95%
//! intervals) or Morris elementary effects, over the scenario's `uncertain` parameters. Each
//! design point fixes every uncertain parameter and runs `runs` replications with the shared
//! seed (common random numbers across points); the indices are computed on the points' mean
//! outcomes. The folder gets a `manifest.json`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::experiment::analysis::{Method, OutcomeIndices, SensitivityDesign, SensitivityPlan};
use crate::experiment::{
    DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_MORRIS_LEVELS, Factor, MORRIS_BOOTSTRAP_RESAMPLES,
    MorrisEffects, SobolIndices, morris_ranking,
};
use crate::output::charts::bars::{Bar, BarChart, BarRow};
use crate::output::charts::{Chart, ChartFile, Frame, file_stem};
use crate::output::figures::{caption, outcome_unit};
use crate::output::findings::{Table, plain, rounded, with_interval};
use crate::output::report::{self, Figure, escape};
use crate::output::{OutputError, format_number};
use crate::scenario::Scenario;

/// File names inside a sensitivity folder.
pub const SENSITIVITY_FILE: &str = "sensitivity.csv";
pub const POINTS_FILE: &str = "points.csv";

fn writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>, OutputError> {
    let file = File::create(path).map_err(OutputError::io(path, "cannot create"))?;
    Ok(csv::Writer::from_writer(BufWriter::new(file)))
}

/// Columns of a Morris `sensitivity.csv`; README "Sensitivity analysis" says what each means.
pub const MORRIS_COLUMNS: [&str; 13] = [
    "outcome",
    "parameter",
    "mu_star",
    "sigma",
    "mu_star_scaled",
    "mu_star_scaled_low",
    "mu_star_scaled_high",
    "sigma_scaled",
    "sigma_scaled_low",
    "sigma_scaled_high",
    "mu",
    "screening_width",
    "rank",
];

/// Writes `sensitivity.csv`: a row per outcome and parameter, in factor order.
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
        // mu_star and sigma keep their first meaning (per unit of the parameter) for the tools
        // that read them; the comparable measures come after.
        Method::Morris => csv.write_record(MORRIS_COLUMNS)?,
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
                    record.extend(
                        [
                            e.mu_star,
                            e.sigma,
                            e.mu_star_scaled,
                            e.mu_star_scaled_low,
                            e.mu_star_scaled_high,
                            e.sigma_scaled,
                            e.sigma_scaled_low,
                            e.sigma_scaled_high,
                            e.mu,
                            e.screening_width,
                        ]
                        .map(|v| format_number(Some(v))),
                    );
                    let rank = morris_ranking(all)
                        .iter()
                        .position(|&ranked| ranked == index)
                        .map_or(0, |position| position + 1);
                    record.push(rank.to_string());
                }
                OutcomeIndices::Missing => {
                    let width = if method == Method::Sobol {
                        6
                    } else {
                        MORRIS_COLUMNS.len() - 2
                    };
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
                    "{} over each parameter's screening range, its 0.5% to 99.5% quantiles",
                    outcome_unit(scenario, &outcome.kind)
                ),
                design
                    .factors
                    .iter()
                    .zip(all)
                    .map(|(factor, e)| {
                        (
                            e.mu_star_scaled,
                            BarRow {
                                label: factor.name.clone(),
                                bars: vec![
                                    Bar {
                                        value: e.mu_star_scaled,
                                        interval: Some((
                                            e.mu_star_scaled_low,
                                            e.mu_star_scaled_high,
                                        )),
                                    },
                                    Bar {
                                        value: e.sigma_scaled,
                                        interval: Some((e.sigma_scaled_low, e.sigma_scaled_high)),
                                    },
                                ],
                            },
                        )
                    })
                    .collect(),
            ),
            OutcomeIndices::Missing => continue,
        };
        // Stable: equal measures keep factor order, as in the printed table.
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

/// Factor indices from the most to the least influential on one outcome: by total index ST
/// (Sobol) or by μ* over each parameter's range (Morris); ties keep factor order.
fn ranking(indices: &OutcomeIndices) -> Vec<usize> {
    match indices {
        OutcomeIndices::Sobol(all) => {
            let mut order: Vec<usize> = (0..all.len()).collect();
            order.sort_by(|&a, &b| all[b].st.total_cmp(&all[a].st));
            order
        }
        OutcomeIndices::Morris(all) => morris_ranking(all),
        OutcomeIndices::Missing => Vec::new(),
    }
}

/// Which measure the results table is sorted by, for its title.
fn ranked_by(method: Method) -> &'static str {
    match method {
        Method::Sobol => "ranked by total index ST",
        Method::Morris => "ranked by mu* over each parameter's range",
    }
}

/// One outcome's results table, most influential parameter first: header, rows, and which
/// columns are numbers. None for an outcome left out.
fn outcome_table(factors: &[Factor], indices: &OutcomeIndices) -> Option<Table> {
    let order = ranking(indices);
    let row_start =
        |rank: usize, factor: usize| vec![(rank + 1).to_string(), factors[factor].name.clone()];
    match indices {
        OutcomeIndices::Sobol(all) => Some(Table {
            header: [
                "rank",
                "parameter",
                "ST (95% interval)",
                "S1 (95% interval)",
            ]
            .map(String::from)
            .to_vec(),
            rows: order
                .iter()
                .enumerate()
                .map(|(rank, &factor)| {
                    let i = &all[factor];
                    let mut row = row_start(rank, factor);
                    row.push(with_interval(i.st, i.st_low, i.st_high));
                    row.push(with_interval(i.s1, i.s1_low, i.s1_high));
                    row
                })
                .collect(),
            right_aligned: vec![true, false, true, true],
        }),
        OutcomeIndices::Morris(all) => Some(Table {
            header: [
                "rank",
                "parameter",
                "mu* over range (95% interval)",
                "sigma over range (95% interval)",
                "mu* per unit",
            ]
            .map(String::from)
            .to_vec(),
            rows: order
                .iter()
                .enumerate()
                .map(|(rank, &factor)| {
                    let e = &all[factor];
                    let mut row = row_start(rank, factor);
                    row.push(with_interval(
                        e.mu_star_scaled,
                        e.mu_star_scaled_low,
                        e.mu_star_scaled_high,
                    ));
                    row.push(with_interval(
                        e.sigma_scaled,
                        e.sigma_scaled_low,
                        e.sigma_scaled_high,
                    ));
                    row.push(plain(e.mu_star));
                    row
                })
                .collect(),
            right_aligned: vec![true, false, true, true, true],
        }),
        OutcomeIndices::Missing => None,
    }
}

const MISSING_OUTCOME: &str =
    "no value at some design points (a threshold never crossed): left out";

/// The results printed on stdout: per outcome, its parameters from the most to the least
/// influential with their intervals, columns aligned whatever the names' lengths.
pub fn render_table(
    scenario: &Scenario,
    method: Method,
    factors: &[Factor],
    results: &[(String, OutcomeIndices)],
) -> String {
    let mut text = String::new();
    for ((outcome, indices), definition) in results.iter().zip(&scenario.outcomes) {
        let _ = writeln!(
            text,
            "\n{outcome} ({}), {}",
            outcome_unit(scenario, &definition.kind),
            ranked_by(method)
        );
        match outcome_table(factors, indices) {
            Some(table) => text.push_str(&table.text("  ")),
            None => {
                let _ = writeln!(text, "  {MISSING_OUTCOME}");
            }
        }
    }
    text
}

/// Every (outcome, parameter, reason) whose Sobol estimates are not converged
/// ([`SobolIndices::not_converged`]), in outcome then factor order.
pub fn unconverged(
    factors: &[Factor],
    results: &[(String, OutcomeIndices)],
) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for (outcome, indices) in results {
        if let OutcomeIndices::Sobol(all) = indices {
            for (factor, index) in factors.iter().zip(all) {
                if let Some(why) = index.not_converged() {
                    found.push((outcome.clone(), factor.name.clone(), why));
                }
            }
        }
    }
    found
}

/// A total index's share below which a parameter, even at the top of its interval, is called
/// negligible in the findings: under 5% of the variance, a common screening cut-off.
const NEGLIGIBLE_TOTAL_INDEX: f64 = 0.05;

fn sobol_finding(outcome: &str, factors: &[Factor], all: &[SobolIndices]) -> String {
    let order = ranking(&OutcomeIndices::Sobol(all.to_vec()));
    let Some(&top) = order.first() else {
        return String::new();
    };
    let best = &all[top];
    if best.st_high <= 0.0 {
        return format!(
            "{outcome} does not vary across the design points: no parameter explains it."
        );
    }
    let index_text = |i: &SobolIndices| {
        let (estimate, low, high) = rounded(i.st, i.st_low, i.st_high);
        if low == high {
            format!("total index {estimate}")
        } else {
            format!("total index {estimate}, 95% interval {low} to {high}")
        }
    };
    let share = if best.st_low > 0.5 {
        "explains most of the variance of"
    } else {
        "explains the largest share of the variance of"
    };
    let mut text = format!(
        "{} {share} {outcome} ({})",
        factors[top].name,
        index_text(best)
    );
    if let Some(&second) = order.get(1) {
        let next = &all[second];
        if next.st_high >= best.st_low {
            let _ = write!(
                text,
                "; {} ({}) cannot be told apart from it with these samples",
                factors[second].name,
                index_text(next)
            );
        } else {
            let _ = write!(
                text,
                ", ahead of {} ({})",
                factors[second].name,
                index_text(next)
            );
        }
    }
    text.push('.');
    let negligible: Vec<&str> = order
        .iter()
        .skip(1)
        .filter(|&&factor| all[factor].st_high < NEGLIGIBLE_TOTAL_INDEX)
        .map(|&factor| factors[factor].name.as_str())
        .collect();
    if !negligible.is_empty() {
        let _ = write!(
            text,
            " {} {} under {:.0}% of it even at the top of {} interval: fixing {} would change little.",
            negligible.join(", "),
            if negligible.len() == 1 {
                "explains"
            } else {
                "each explain"
            },
            NEGLIGIBLE_TOTAL_INDEX * 100.0,
            if negligible.len() == 1 {
                "its"
            } else {
                "their"
            },
            if negligible.len() == 1 { "it" } else { "them" },
        );
    }
    text
}

fn morris_finding(outcome: &str, unit: &str, factors: &[Factor], all: &[MorrisEffects]) -> String {
    let order = morris_ranking(all);
    let Some(&top) = order.first() else {
        return String::new();
    };
    let best = &all[top];
    if best.mu_star_scaled == 0.0 {
        return format!("no parameter changes {outcome} at any step of the design.");
    }
    let effect_text = |e: &MorrisEffects| {
        let (estimate, low, high) = rounded(
            e.mu_star_scaled,
            e.mu_star_scaled_low,
            e.mu_star_scaled_high,
        );
        if low == high {
            estimate
        } else {
            format!("{estimate} (95% interval {low} to {high})")
        }
    };
    let mut text = format!(
        "{} moves {outcome} ({unit}) most: across its range, by {} on average",
        factors[top].name,
        effect_text(best)
    );
    if let Some(&second) = order.get(1) {
        let next = &all[second];
        if next.mu_star_scaled_high >= best.mu_star_scaled_low {
            let _ = write!(
                text,
                "; {}, at {}, cannot be told apart from it with these trajectories",
                factors[second].name,
                effect_text(next)
            );
        } else {
            let _ = write!(
                text,
                ", against {} for {}",
                effect_text(next),
                factors[second].name
            );
        }
    }
    text.push('.');
    text
}

/// The findings in plain words: an introduction ("Of N uncertain parameters:"), then one or
/// two sentences per outcome. Plain text: the report escapes it.
pub fn findings(
    scenario: &Scenario,
    factors: &[Factor],
    results: &[(String, OutcomeIndices)],
) -> Vec<String> {
    let sentences: Vec<String> = results
        .iter()
        .zip(&scenario.outcomes)
        .map(|((outcome, indices), definition)| match indices {
            OutcomeIndices::Sobol(all) => sobol_finding(outcome, factors, all),
            OutcomeIndices::Morris(all) => morris_finding(
                outcome,
                &outcome_unit(scenario, &definition.kind),
                factors,
                all,
            ),
            OutcomeIndices::Missing => format!("{outcome} has {MISSING_OUTCOME}."),
        })
        .filter(|sentence| !sentence.is_empty())
        .collect();
    let count = factors.len();
    let mut all = vec![format!(
        "Of {count} uncertain parameter{}:",
        if count == 1 { "" } else { "s" }
    )];
    all.extend(sentences);
    all
}

/// `report.html`: the findings first, then the warning if Sobol estimates are not converged,
/// the results tables, the charts, and how the analysis was made.
pub fn report(
    scenario: &Scenario,
    design: &SensitivityDesign,
    plan: &SensitivityPlan,
    results: &[(String, OutcomeIndices)],
    charts: &[Figure],
) -> String {
    let factors = &design.factors;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h2>Findings</h2>{}",
        crate::output::findings::findings_html(&findings(scenario, factors, results))
    );
    let not_converged = unconverged(factors, results);
    if !not_converged.is_empty() {
        let _ = write!(
            body,
            "<p class=\"warning\"><strong>Warning:</strong> with {} samples the Sobol estimates are not converged for {}. Read the ranking, not the decimals, or rerun with --samples {} (intervals about half as wide).</p>",
            plan.samples,
            escape(
                &not_converged
                    .iter()
                    .map(|(outcome, parameter, why)| format!("{outcome}, {parameter} ({why})"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            plan.samples * 4
        );
    }
    body.push_str("<h2>Results</h2>");
    for ((outcome, indices), definition) in results.iter().zip(&scenario.outcomes) {
        let _ = write!(
            body,
            "<h3>{} ({}), {}</h3>",
            escape(outcome),
            escape(&outcome_unit(scenario, &definition.kind)),
            ranked_by(plan.method)
        );
        match outcome_table(factors, indices) {
            Some(table) => body.push_str(&table.html()),
            None => {
                let _ = write!(body, "<p>{MISSING_OUTCOME}</p>");
            }
        }
    }
    body.push_str(match plan.method {
        Method::Sobol => "<p class=\"meta\">S1: the share of the outcome's variance a parameter explains alone; ST: the share it is involved in, alone or with others. Intervals: bootstrap 95%. A parameter whose ST is near 0 can be fixed without changing the answer.</p>",
        Method::Morris => "<p class=\"meta\">mu* over range: the mean absolute change in the outcome when the parameter moves by one step of the screening grid, expressed over its whole screening range (its 0.5% to 99.5% quantiles), so that parameters with different units and ranges compare. sigma over range: the spread of those changes; large when the effect depends on the other parameters or is not linear. mu* per unit: the same mean per unit of the parameter. Intervals: bootstrap 95%, resampling trajectories. Morris screening ranks parameters; it does not split the variance (use the Sobol method for shares).</p>",
    });
    if !charts.is_empty() {
        body.push_str("<h2>Charts</h2>");
        body.push_str(&report::figures(charts));
    }
    body.push_str("<h2>Details</h2>");
    let k = factors.len();
    let method = match plan.method {
        Method::Sobol => format!(
            "Sobol indices: Saltelli design of {} base samples ({} points = N x (k + 2) for k = {k} parameters), Saltelli et al. (2010) first-order and Jansen (1999) total estimators, {DEFAULT_BOOTSTRAP_RESAMPLES} bootstrap resamples.",
            plan.samples,
            design.len()
        ),
        Method::Morris => format!(
            "Morris screening: {} trajectories on a {DEFAULT_MORRIS_LEVELS}-level grid ({} points = r x (k + 1) for k = {k} parameters), mu* of Campolongo et al. (2007), {MORRIS_BOOTSTRAP_RESAMPLES} bootstrap resamples of the trajectories.",
            plan.samples,
            design.len()
        ),
    };
    let _ = write!(
        body,
        "<p>{}</p><p>Each design point fixes every uncertain parameter and runs {} replications with seed {} (the same random numbers at every point); the indices are computed on each point's mean outcome. Files: sensitivity.csv (the indices), points.csv (each point's values and mean outcomes), charts/.</p>",
        escape(&method),
        plan.runs,
        plan.seed
    );
    body.push_str("<h3>Scenario</h3>");
    body.push_str(&report::assumptions(scenario, None));
    report::page(
        &format!("secsim sensitivity: {}", scenario.name),
        &format!(
            "{} points x {} runs, seed {}, secsim {}",
            design.len(),
            plan.runs,
            plan.seed,
            env!("CARGO_PKG_VERSION")
        ),
        &body,
    )
}
