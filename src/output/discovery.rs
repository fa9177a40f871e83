//! Scenario discovery's files (`secsim discover`): `trajectory.csv` (every box PRIM went
//! through), `boxes.csv` (the chosen box, one row per dimension), `stability.csv` (how often
//! resampled PRIM runs restrict each dimension), `charts/tradeoff.png` and `.svg` (coverage
//! against density along the trajectory), and the table and sentence printed on stdout.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use crate::experiment::prim::{Discovery, Limits, Reproducibility, Step};
use crate::output::charts::scatter::{ScatterChart, ScatterPoint, ScatterSeries};
use crate::output::charts::{self, Chart, ChartFile, Frame};
use crate::output::files::CHARTS_FOLDER;
use crate::output::{OutputError, format_number};

/// File of the trajectory, and the marker of a discovery folder for [`crate::output::StagedDir`].
pub const TRAJECTORY_FILE: &str = "trajectory.csv";
/// File of the chosen box.
pub const BOXES_FILE: &str = "boxes.csv";
/// File of the resampling stability.
pub const STABILITY_FILE: &str = "stability.csv";

/// `trajectory.csv`'s header: one row per step; `restricted` is the number of restricted
/// dimensions and `dimensions` their names joined by `;`.
pub const TRAJECTORY_HEADER: [&str; 8] = [
    "step",
    "coverage",
    "density",
    "mass",
    "runs",
    "runs_of_interest",
    "restricted",
    "dimensions",
];

/// `boxes.csv`'s header: one row per dimension of the chosen box (restricted or not, 1 or 0),
/// its limits (both included), the quasi-p-value of each restricted limit (empty for a limit
/// left at the full range), the dimension's full range over all runs, and the box's statistics.
pub const BOXES_HEADER: [&str; 13] = [
    "step",
    "dimension",
    "restricted",
    "lower",
    "upper",
    "quasi_p_lower",
    "quasi_p_upper",
    "full_lower",
    "full_upper",
    "coverage",
    "density",
    "mass",
    "runs",
];

/// `stability.csv`'s header: per dimension, the percentage of resamples that restrict it in
/// the box nearest the chosen one's coverage, and in the box nearest its density.
pub const STABILITY_HEADER: [&str; 3] = [
    "dimension",
    "reproduce_coverage_percent",
    "reproduce_density_percent",
];

/// What a discovery found, as the writers need it.
pub struct DiscoveryResult<'a> {
    /// The dimensions' names, in column order.
    pub names: &'a [String],
    /// PRIM's trajectory and choice.
    pub discovery: &'a Discovery,
    /// The step reported: PRIM's choice, `--box K`, or 0 (all runs) when PRIM chose none.
    pub step: usize,
    /// Whether `step` was PRIM's own choice or `--box` (false: no box reached the threshold).
    pub chosen: bool,
    /// Resampling stability of `step`, sorted as `resample_stability` sorts it.
    pub stability: &'a [Reproducibility],
    /// The cases of interest in words, such as `attacks_total above 8000`.
    pub case: &'a str,
}

impl DiscoveryResult<'_> {
    fn box_step(&self) -> &Step {
        &self.discovery.trajectory.steps[self.step]
    }

    fn full_range(&self) -> &[Limits] {
        &self.discovery.trajectory.steps[0].limits
    }
}

/// File stem of the coverage-density trade-off chart, in `charts/`.
pub const TRADEOFF_STEM: &str = "tradeoff";

/// The coverage-density trade-off: one point per step of the trajectory, one colour per number
/// of restricted dimensions (EMA's `show_tradeoff`).
pub fn tradeoff_chart(result: &DiscoveryResult) -> ChartFile {
    let steps = &result.discovery.trajectory.steps;
    let most = steps
        .iter()
        .map(|step| step.restricted.len())
        .max()
        .unwrap_or(0);
    let series = (0..=most)
        .filter_map(|restricted| {
            let points: Vec<ScatterPoint> = steps
                .iter()
                .filter(|step| step.restricted.len() == restricted)
                .map(|step| ScatterPoint {
                    x: step.coverage,
                    mean: step.density,
                    low: step.density,
                    high: step.density,
                })
                .collect();
            (!points.is_empty()).then(|| ScatterSeries {
                label: format!("{restricted} restricted"),
                points,
                connect: false,
            })
        })
        .collect();
    ChartFile {
        chart: Chart::Scatter(ScatterChart {
            x_label: "coverage (share of the cases of interest in the box)".to_owned(),
            y_label: "density (share of the box's runs of interest)".to_owned(),
            series,
        }),
        frame: Frame {
            title: format!("PRIM's trade-off: {}", result.case),
            caption: format!(
                "One point per box of the trajectory ({} steps); step {} reported. One colour per number of restricted dimensions.",
                steps.len(),
                result.step
            ),
        },
        stem: TRADEOFF_STEM.to_owned(),
    }
}

/// Writes the three files and `charts/` into `folder`.
pub fn write_files(folder: &Path, result: &DiscoveryResult) -> Result<(), OutputError> {
    let charts = folder.join(CHARTS_FOLDER);
    std::fs::create_dir_all(&charts).map_err(OutputError::io(&charts, "cannot create"))?;
    charts::save(&tradeoff_chart(result), &charts)?;
    write_csv(&folder.join(TRAJECTORY_FILE), |csv| {
        write_trajectory(result, csv)
    })?;
    write_csv(&folder.join(BOXES_FILE), |csv| write_boxes(result, csv))?;
    write_csv(&folder.join(STABILITY_FILE), |csv| {
        write_stability(result, csv)
    })
}

fn write_csv(
    path: &Path,
    write: impl FnOnce(&mut csv::Writer<std::fs::File>) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    let file = std::fs::File::create(path).map_err(OutputError::io(path, "cannot create"))?;
    let mut csv = csv::Writer::from_writer(file);
    write(&mut csv)?;
    csv.flush().map_err(OutputError::io(path, "cannot write"))
}

fn write_trajectory<W: Write>(
    result: &DiscoveryResult,
    csv: &mut csv::Writer<W>,
) -> Result<(), OutputError> {
    csv.write_record(TRAJECTORY_HEADER)?;
    for (index, step) in result.discovery.trajectory.steps.iter().enumerate() {
        let dimensions: Vec<&str> = step
            .restricted
            .iter()
            .map(|&dimension| result.names[dimension].as_str())
            .collect();
        csv.write_record([
            index.to_string(),
            format_number(Some(step.coverage)),
            format_number(Some(step.density)),
            format_number(Some(step.mass)),
            step.n_rows.to_string(),
            step.n_of_interest.to_string(),
            step.restricted.len().to_string(),
            dimensions.join(";"),
        ])?;
    }
    Ok(())
}

fn write_boxes<W: Write>(
    result: &DiscoveryResult,
    csv: &mut csv::Writer<W>,
) -> Result<(), OutputError> {
    csv.write_record(BOXES_HEADER)?;
    let step = result.box_step();
    for (dimension, (limits, full)) in step.limits.iter().zip(result.full_range()).enumerate() {
        let quasi_p = step
            .quasi_p_values
            .iter()
            .find(|quasi_p| quasi_p.dimension == dimension);
        let restricted = step.restricted.contains(&dimension);
        csv.write_record([
            result.step.to_string(),
            result.names[dimension].clone(),
            u8::from(restricted).to_string(),
            format_number(Some(limits.lower)),
            format_number(Some(limits.upper)),
            format_number(quasi_p.and_then(|quasi_p| quasi_p.lower)),
            format_number(quasi_p.and_then(|quasi_p| quasi_p.upper)),
            format_number(Some(full.lower)),
            format_number(Some(full.upper)),
            format_number(Some(step.coverage)),
            format_number(Some(step.density)),
            format_number(Some(step.mass)),
            step.n_rows.to_string(),
        ])?;
    }
    Ok(())
}

fn write_stability<W: Write>(
    result: &DiscoveryResult,
    csv: &mut csv::Writer<W>,
) -> Result<(), OutputError> {
    csv.write_record(STABILITY_HEADER)?;
    for row in result.stability {
        csv.write_record([
            result.names[row.dimension].clone(),
            format_number(Some(row.reproduce_coverage_percent)),
            format_number(Some(row.reproduce_density_percent)),
        ])?;
    }
    Ok(())
}

/// A number to three significant digits for reading (the files keep every digit).
fn readable(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let digits = 2 - value.abs().log10().floor() as i32;
    if digits <= 0 {
        let scale = 10f64.powi(-digits);
        format!("{}", (value / scale).round() * scale)
    } else {
        format!("{:.*}", digits as usize, value)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// The box's restricted limits in words: `x is below 0.3`, `y is above 30`, `z is between 1 and
/// 2` (a side counts as restricted when it differs from the full range).
fn conditions(result: &DiscoveryResult) -> Vec<String> {
    let step = result.box_step();
    step.restricted
        .iter()
        .map(|&dimension| {
            let (limits, full) = (step.limits[dimension], result.full_range()[dimension]);
            let name = &result.names[dimension];
            let (low, high) = (limits.lower != full.lower, limits.upper != full.upper);
            if let Some(event) = name.strip_suffix("_fired") {
                // A 0/1 column: a box keeps one of the two values when it is restricted.
                if limits.upper < 1.0 {
                    return format!("{event} did not fire");
                }
                if limits.lower > 0.0 {
                    return format!("{event} fired");
                }
            }
            match (low, high) {
                _ if limits.lower == limits.upper => {
                    format!("{name} is {}", readable(limits.lower))
                }
                (true, false) => format!("{name} is above {}", readable(limits.lower)),
                (false, true) => format!("{name} is below {}", readable(limits.upper)),
                _ => format!(
                    "{name} is between {} and {}",
                    readable(limits.lower),
                    readable(limits.upper)
                ),
            }
        })
        .collect()
}

/// The sentence in plain words, such as "attacks_total above 8000 in 87% of the runs where x is
/// below 0.3 and y is above 30: they hold 61% of all runs with attacks_total above 8000
/// (coverage) and are 24% of all runs (mass)".
pub fn sentence(result: &DiscoveryResult) -> String {
    let step = result.box_step();
    let conditions = conditions(result);
    if conditions.is_empty() {
        return format!(
            "{} in {} of all runs; no box restricts any parameter",
            result.case,
            percent(step.density)
        );
    }
    format!(
        "{} in {} of the runs where {}: they hold {} of all runs with {} (coverage) and are {} of all runs (mass)",
        result.case,
        percent(step.density),
        conditions.join(" and "),
        percent(step.coverage),
        result.case,
        percent(step.mass)
    )
}

/// The table printed on stdout: the box's statistics, its restricted dimensions with limits,
/// full range and quasi-p-values, then the sentence.
pub fn render(result: &DiscoveryResult) -> String {
    let step = result.box_step();
    let steps = result.discovery.trajectory.steps.len();
    let mut text = String::new();
    let how = match (result.chosen, result.discovery.chosen) {
        (false, _) => "no box reached the density threshold; all runs",
        (true, Some(choice)) if choice == result.step => "PRIM's choice",
        (true, _) => "selected with --box",
    };
    let _ = writeln!(
        text,
        "box: step {} of 0..{} ({how}), coverage {}, density {}, mass {}, {} runs",
        result.step,
        steps - 1,
        readable(step.coverage),
        readable(step.density),
        readable(step.mass),
        step.n_rows
    );
    if !step.restricted.is_empty() {
        let width = step
            .restricted
            .iter()
            .map(|&dimension| result.names[dimension].len())
            .max()
            .unwrap_or(0)
            .max("dimension".len());
        let _ = writeln!(
            text,
            "\n{:<width$}  {:>10}  {:>10}  {:>10}  {:>10}  {:>8}  {:>8}",
            "dimension", "lower", "upper", "full low", "full high", "qp low", "qp high"
        );
        for &dimension in &step.restricted {
            let (limits, full) = (step.limits[dimension], result.full_range()[dimension]);
            let quasi_p = step
                .quasi_p_values
                .iter()
                .find(|quasi_p| quasi_p.dimension == dimension);
            let p =
                |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |p| format!("{p:.2e}"));
            let _ = writeln!(
                text,
                "{:<width$}  {:>10}  {:>10}  {:>10}  {:>10}  {:>8}  {:>8}",
                result.names[dimension],
                readable(limits.lower),
                readable(limits.upper),
                readable(full.lower),
                readable(full.upper),
                p(quasi_p.and_then(|quasi_p| quasi_p.lower)),
                p(quasi_p.and_then(|quasi_p| quasi_p.upper)),
            );
        }
    }
    let _ = writeln!(text, "\n{}", sentence(result));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::prim::Trajectory;

    fn step(limits: &[(f64, f64)], restricted: Vec<usize>) -> Step {
        Step {
            coverage: 0.61,
            density: 0.87,
            mass: 0.24,
            n_rows: 240,
            n_of_interest: 209,
            limits: limits
                .iter()
                .map(|&(lower, upper)| Limits { lower, upper })
                .collect(),
            restricted,
            quasi_p_values: Vec::new(),
        }
    }

    /// Each restricted side in words: below, above, between, and an event that did not fire;
    /// an unrestricted dimension is not named.
    #[test]
    fn the_sentence_names_each_restricted_limit() {
        let full = [(0.0, 1.0), (10.0, 40.0), (0.0, 5.0), (0.0, 1.0), (0.0, 9.0)];
        let chosen = [(0.0, 0.3), (30.0, 40.0), (1.0, 2.5), (0.0, 0.5), (0.0, 9.0)];
        let discovery = Discovery {
            trajectory: Trajectory {
                steps: vec![step(&full, Vec::new()), step(&chosen, vec![0, 1, 2, 3])],
            },
            chosen: Some(1),
        };
        let names: Vec<String> = ["return_probability", "rate", "share", "coup_fired", "other"]
            .map(String::from)
            .to_vec();
        let result = DiscoveryResult {
            names: &names,
            discovery: &discovery,
            step: 1,
            chosen: true,
            stability: &[],
            case: "attacks_total above 8000",
        };
        assert_eq!(
            sentence(&result),
            "attacks_total above 8000 in 87% of the runs where return_probability is below 0.3 \
             and rate is above 30 and share is between 1 and 2.5 and coup did not fire: they \
             hold 61% of all runs with attacks_total above 8000 (coverage) and are 24% of all \
             runs (mass)"
        );
        let all_runs = DiscoveryResult { step: 0, ..result };
        assert_eq!(
            sentence(&all_runs),
            "attacks_total above 8000 in 87% of all runs; no box restricts any parameter"
        );
    }

    #[test]
    fn readable_keeps_three_significant_digits() {
        assert_eq!(readable(8123.4), "8120");
        assert_eq!(readable(0.31234), "0.312");
        assert_eq!(readable(30.0), "30");
        assert_eq!(readable(1.0), "1");
        assert_eq!(readable(0.0), "0");
    }
}
