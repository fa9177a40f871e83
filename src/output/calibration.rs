//! The files of `secsim calibrate`: `posterior.csv` (one row per particle of the last
//! generation), `calibration.json` (the summary), the table on stdout, charts and
//! `report.html`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use crate::calibration::{Posterior, Stop, weighted_moments, weighted_quantile};
use crate::output::charts::distribution::{Bin, DistributionChart, DistributionSeries};
use crate::output::charts::lines::{Line, LineChart, XAxis};
use crate::output::charts::scatter::{ScatterChart, ScatterPoint, ScatterSeries};
use crate::output::charts::{Chart, ChartFile, Frame, file_stem, short_number};
use crate::output::report::{self, Figure, escape};
use crate::output::{OutputError, format_number, json_number};

/// The marker file of a calibration folder.
pub const CALIBRATION_JSON: &str = "calibration.json";
/// One row per particle.
pub const POSTERIOR_CSV: &str = "posterior.csv";

/// What the writers read besides the posterior.
pub struct CalibrationResults<'a> {
    /// The scenarios' names, in the order given.
    pub scenarios: Vec<String>,
    pub seed: u64,
    pub particles: usize,
    pub runs_per_particle: u64,
    pub posterior: &'a Posterior,
}

/// Posterior summary of one parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterSummary {
    pub mean: f64,
    pub sd: f64,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// Weighted mean, sd and 5/50/95% of parameter `index` in the last generation.
pub fn parameter_summary(posterior: &Posterior, index: usize) -> ParameterSummary {
    let particles = &posterior.last().particles;
    let (mean, sd) = weighted_moments(particles, index);
    let mut pairs: Vec<(f64, f64)> = particles
        .iter()
        .map(|particle| (particle.values[index], particle.weight))
        .collect();
    ParameterSummary {
        mean,
        sd,
        p05: weighted_quantile(&mut pairs, 0.05),
        p50: weighted_quantile(&mut pairs, 0.5),
        p95: weighted_quantile(&mut pairs, 0.95),
    }
}

fn number(value: f64) -> String {
    format_number(Some(value))
}

/// Writes `posterior.csv`: `particle,weight,<parameter>...`.
pub fn write_posterior(posterior: &Posterior, writer: impl Write) -> Result<(), OutputError> {
    let mut csv = csv::Writer::from_writer(writer);
    let mut header = vec!["particle".to_owned(), "weight".to_owned()];
    header.extend(posterior.parameters.iter().map(|p| p.name.clone()));
    csv.write_record(&header)?;
    for (index, particle) in posterior.last().particles.iter().enumerate() {
        let mut record = vec![index.to_string(), number(particle.weight)];
        record.extend(particle.values.iter().map(|value| number(*value)));
        csv.write_record(&record)?;
    }
    csv.flush()
        .map_err(OutputError::io(Path::new(POSTERIOR_CSV), "cannot write"))?;
    Ok(())
}

fn stop_json(stop: &Stop) -> Value {
    match stop {
        Stop::Generations => json!({"reason": "generations"}),
        Stop::AcceptanceFloor { generation, rate } => {
            json!({"reason": "acceptance_floor", "generation": generation, "rate": rate})
        }
        Stop::Exhausted {
            generation,
            proposed,
        } => json!({"reason": "exhausted", "generation": generation, "proposed": proposed}),
    }
}

fn describe_stop(stop: &Stop) -> String {
    match stop {
        Stop::Generations => "all generations ran".to_owned(),
        Stop::AcceptanceFloor { generation, rate } => format!(
            "stopped after generation {generation}: its acceptance rate {:.4} is below the floor",
            rate
        ),
        Stop::Exhausted {
            generation,
            proposed,
        } => format!(
            "generation {generation} could not accept its particles in {proposed} proposals (below the acceptance floor) and was dropped"
        ),
    }
}

/// A tolerance for tables: generation 0 has none.
fn tolerance_text(tolerance: f64) -> String {
    if tolerance.is_finite() {
        format!("{tolerance:.4}")
    } else {
        "none".to_owned()
    }
}

/// `calibration.json`.
pub fn render_json(results: &CalibrationResults<'_>) -> Result<String, serde_json::Error> {
    let posterior = results.posterior;
    let parameters: Vec<Value> = posterior
        .parameters
        .iter()
        .enumerate()
        .map(|(index, parameter)| {
            let summary = parameter_summary(posterior, index);
            json!({
                "name": parameter.name,
                "prior": format!("{:?}", parameter.prior),
                "mean": json_number(summary.mean),
                "sd": json_number(summary.sd),
                "p05": json_number(summary.p05),
                "p50": json_number(summary.p50),
                "p95": json_number(summary.p95),
            })
        })
        .collect();
    let generations: Vec<Value> = posterior
        .generations
        .iter()
        .map(|generation| {
            json!({
                "generation": generation.index,
                "tolerance": json_number(generation.tolerance),
                "proposed": generation.proposed,
                "accepted": generation.accepted,
                "acceptance_rate": json_number(generation.acceptance_rate()),
                "ess": json_number(generation.ess),
            })
        })
        .collect();
    let statistics: Vec<Value> = posterior
        .statistics
        .iter()
        .map(|statistic| {
            json!({
                "name": statistic.name,
                "observed": json_number(statistic.observed),
                "scale": json_number(statistic.scale),
            })
        })
        .collect();
    let document = json!({
        "scenarios": results.scenarios,
        "seed": results.seed,
        "particles": results.particles,
        "runs_per_particle": results.runs_per_particle,
        "version": env!("CARGO_PKG_VERSION"),
        "stop": stop_json(&posterior.stop),
        "parameters": parameters,
        "generations": generations,
        "statistics": statistics,
    });
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    Ok(text)
}

/// The table on stdout.
pub fn render_table(results: &CalibrationResults<'_>) -> String {
    let posterior = results.posterior;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}: {} particles, {} runs each, seed {}",
        results.scenarios.join(" + "),
        results.particles,
        results.runs_per_particle,
        results.seed
    );
    let _ = writeln!(
        text,
        "\n{:>10} {:>12} {:>10} {:>12} {:>8}",
        "generation", "tolerance", "proposed", "acceptance", "ESS"
    );
    for generation in &posterior.generations {
        let _ = writeln!(
            text,
            "{:>10} {:>12} {:>10} {:>11.1}% {:>8.0}",
            generation.index,
            tolerance_text(generation.tolerance),
            generation.proposed,
            generation.acceptance_rate() * 100.0,
            generation.ess
        );
    }
    let _ = writeln!(text, "{}", describe_stop(&posterior.stop));
    let width = posterior
        .parameters
        .iter()
        .map(|parameter| parameter.name.len())
        .max()
        .unwrap_or(9)
        .max(9);
    let _ = writeln!(
        text,
        "\n{:<width$} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "parameter", "mean", "sd", "p05", "p50", "p95"
    );
    for (index, parameter) in posterior.parameters.iter().enumerate() {
        let summary = parameter_summary(posterior, index);
        let _ = writeln!(
            text,
            "{:<width$} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>10.4}",
            parameter.name, summary.mean, summary.sd, summary.p05, summary.p50, summary.p95
        );
    }
    text
}

const BINS: usize = 30;

fn histogram(values: &[(f64, f64)], low: f64, high: f64) -> Vec<Bin> {
    let width = (high - low) / BINS as f64;
    let mut shares = [0.0; BINS];
    let total: f64 = values.iter().map(|(_, weight)| weight).sum();
    for (value, weight) in values {
        let bin = (((value - low) / width) as usize).min(BINS - 1);
        shares[bin] += weight / total;
    }
    shares
        .iter()
        .enumerate()
        .map(|(index, share)| Bin {
            low: low + index as f64 * width,
            high: low + (index + 1) as f64 * width,
            share: *share,
        })
        .collect()
}

/// Weighted correlation of parameters `a` and `b` in the last generation.
fn correlation(posterior: &Posterior, a: usize, b: usize) -> f64 {
    let particles = &posterior.last().particles;
    let (mean_a, sd_a) = weighted_moments(particles, a);
    let (mean_b, sd_b) = weighted_moments(particles, b);
    let covariance: f64 = particles
        .iter()
        .map(|p| p.weight * (p.values[a] - mean_a) * (p.values[b] - mean_b))
        .sum();
    if sd_a > 0.0 && sd_b > 0.0 {
        covariance / (sd_a * sd_b)
    } else {
        0.0
    }
}

/// Charts: each parameter's marginal posterior against its prior (generation 0's particles),
/// the particles of the two most correlated parameters, and the tolerance by generation.
pub fn charts(results: &CalibrationResults<'_>) -> Vec<ChartFile> {
    let posterior = results.posterior;
    let caption = format!(
        "{} particles, {} runs each, seed {}, secsim {}.",
        results.particles,
        results.runs_per_particle,
        results.seed,
        env!("CARGO_PKG_VERSION")
    );
    let mut files = Vec::new();
    let prior = &posterior.generations[0].particles;
    let last = &posterior.last().particles;
    for (index, parameter) in posterior.parameters.iter().enumerate() {
        let prior_values: Vec<(f64, f64)> = prior.iter().map(|p| (p.values[index], 1.0)).collect();
        let posterior_values: Vec<(f64, f64)> =
            last.iter().map(|p| (p.values[index], p.weight)).collect();
        let all = prior_values
            .iter()
            .chain(&posterior_values)
            .map(|(v, _)| *v);
        let low = all.clone().fold(f64::INFINITY, f64::min);
        let high = all.fold(f64::NEG_INFINITY, f64::max);
        let high = if high > low { high } else { low + 1.0 };
        let summary = parameter_summary(posterior, index);
        files.push(ChartFile {
            chart: Chart::Distribution(DistributionChart {
                x_label: parameter.name.clone(),
                counted: "particles (weighted)".to_owned(),
                series: vec![
                    DistributionSeries {
                        label: "prior".to_owned(),
                        bins: histogram(&prior_values, low, high),
                        markers: [None; 3],
                    },
                    DistributionSeries {
                        label: format!("posterior (generation {})", posterior.last().index),
                        bins: histogram(&posterior_values, low, high),
                        markers: [Some(summary.p05), Some(summary.p50), Some(summary.p95)],
                    },
                ],
            }),
            frame: Frame {
                title: format!("{}: posterior against prior", parameter.name),
                caption: format!(
                    "{caption} Posterior 90% interval {} to {}.",
                    short_number(summary.p05),
                    short_number(summary.p95)
                ),
            },
            stem: file_stem(&["posterior", &parameter.name]),
        });
    }
    let n = posterior.parameters.len();
    if n >= 2 {
        let mut best = (0, 1, correlation(posterior, 0, 1));
        for a in 0..n {
            for b in a + 1..n {
                let r = correlation(posterior, a, b);
                if r.abs() > best.2.abs() {
                    best = (a, b, r);
                }
            }
        }
        let (a, b, r) = best;
        files.push(ChartFile {
            chart: Chart::Scatter(ScatterChart {
                x_label: posterior.parameters[a].name.clone(),
                y_label: posterior.parameters[b].name.clone(),
                series: vec![ScatterSeries {
                    label: format!("particles of generation {}", posterior.last().index),
                    points: last
                        .iter()
                        .map(|p| ScatterPoint {
                            x: p.values[a],
                            mean: p.values[b],
                            low: p.values[b],
                            high: p.values[b],
                        })
                        .collect(),
                    connect: false,
                }],
            }),
            frame: Frame {
                title: format!(
                    "{} and {}: joint posterior (correlation {r:.2})",
                    posterior.parameters[a].name, posterior.parameters[b].name
                ),
                caption: format!("{caption} The two most correlated parameters; every particle drawn, whatever its weight."),
            },
            stem: "posterior_pair".to_owned(),
        });
    }
    let tolerances: Vec<(usize, f64)> = posterior
        .generations
        .iter()
        .filter(|generation| generation.tolerance.is_finite())
        .map(|generation| (generation.index, generation.tolerance))
        .collect();
    if !tolerances.is_empty() {
        files.push(ChartFile {
            chart: Chart::Lines(LineChart {
                x_axis: XAxis::Steps("generation".to_owned()),
                y_label: "tolerance (scaled distance)".to_owned(),
                lines: vec![Line {
                    label: "tolerance".to_owned(),
                    points: tolerances,
                }],
            }),
            frame: Frame {
                title: "ABC-SMC tolerance by generation".to_owned(),
                caption: format!(
                    "{caption} Each tolerance is a quantile of the previous generation's distances."
                ),
            },
            stem: "tolerance".to_owned(),
        });
    }
    files
}

/// The calibration section of a report.
pub fn report_section(results: &CalibrationResults<'_>, figures: &[Figure]) -> String {
    let posterior = results.posterior;
    let mut html = String::from("<h2>Calibration (ABC-SMC)</h2>");
    let _ = write!(
        html,
        "<p>{} calibrated to observed data: {} particles, {} runs each. {}.</p>",
        escape(&results.scenarios.join(" + ")),
        results.particles,
        results.runs_per_particle,
        escape(&describe_stop(&posterior.stop))
    );
    html.push_str("<table><tr><th>parameter</th><th>posterior mean</th><th>sd</th><th>5%</th><th>median</th><th>95%</th></tr>");
    for (index, parameter) in posterior.parameters.iter().enumerate() {
        let s = parameter_summary(posterior, index);
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td></tr>",
            escape(&parameter.name),
            s.mean,
            s.sd,
            s.p05,
            s.p50,
            s.p95
        );
    }
    html.push_str("</table><table><tr><th>generation</th><th>tolerance</th><th>proposed</th><th>acceptance</th><th>ESS</th></tr>");
    for generation in &posterior.generations {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.0}</td></tr>",
            generation.index,
            tolerance_text(generation.tolerance),
            generation.proposed,
            generation.acceptance_rate() * 100.0,
            generation.ess
        );
    }
    html.push_str(
        "</table><table><tr><th>summary statistic</th><th>observed</th><th>scale</th></tr>",
    );
    for statistic in &posterior.statistics {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&statistic.name),
            short_number(statistic.observed),
            short_number(statistic.scale)
        );
    }
    html.push_str("</table>");
    html.push_str(&report::figures(figures));
    html
}

/// The report of a calibration.
pub fn report(results: &CalibrationResults<'_>, figures: &[Figure]) -> String {
    report::page(
        &format!("secsim calibrate: {}", results.scenarios.join(" + ")),
        &format!(
            "seed {}, secsim {}",
            results.seed,
            env!("CARGO_PKG_VERSION")
        ),
        &report_section(results, figures),
    )
}
