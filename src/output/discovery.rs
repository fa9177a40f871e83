//! Scenario discovery's files (`secsim discover`): `trajectory.csv` (every box PRIM went
//! through), `boxes.csv` (the chosen box, one row per dimension), `stability.csv` (how often
//! resampled PRIM runs restrict each dimension), `charts/tradeoff.png` and `.svg` (coverage
//! against density along the trajectory), `charts/box_limits.png` and `.svg` (the box's limits
//! against the full ranges), `report.html` (the findings in plain words, the tables and the
//! charts), and the table and sentence printed on stdout.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use crate::experiment::prim::{Discovery, Limits, PrimSettings, Reproducibility, Step};
use crate::output::charts::limits::{LimitsChart, LimitsRow};
use crate::output::charts::tradeoff::{TradeoffChart, TradeoffPoint};
use crate::output::charts::{Chart, ChartFile, Frame};
use crate::output::files::{CHARTS_FOLDER, REPORT_FILE};
use crate::output::report::{self, Figure, escape};
use crate::output::results::write_charts;
use crate::output::{OutputError, findings, format_number};

/// File of the trajectory, and the marker of a discovery folder for [`crate::output::StagedDir`].
pub const TRAJECTORY_FILE: &str = "trajectory.csv";
/// File of the chosen box.
pub const BOXES_FILE: &str = "boxes.csv";
/// File of the resampling stability.
pub const STABILITY_FILE: &str = "stability.csv";

/// The files of a discovery folder besides `manifest.json`, and whether each is written only
/// with charts (`--no-charts` skips those): the list the tests hold a folder against.
pub const DISCOVERY_FILES: [(&str, bool); 8] = [
    (TRAJECTORY_FILE, false),
    (BOXES_FILE, false),
    (STABILITY_FILE, false),
    (REPORT_FILE, false),
    ("charts/tradeoff.png", true),
    ("charts/tradeoff.svg", true),
    ("charts/box_limits.png", true),
    ("charts/box_limits.svg", true),
];

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
/// File stem of the box-limits chart, in `charts/`.
pub const BOX_LIMITS_STEM: &str = "box_limits";

/// The coverage-density trade-off: one point per step of the trajectory, coloured by its
/// number of restricted dimensions (EMA's `show_tradeoff`), the reported box ringed.
pub fn tradeoff_chart(result: &DiscoveryResult) -> ChartFile {
    let steps = &result.discovery.trajectory.steps;
    let points = steps
        .iter()
        .map(|step| TradeoffPoint {
            coverage: step.coverage,
            density: step.density,
            restricted: step.restricted.len(),
        })
        .collect();
    ChartFile {
        chart: Chart::Tradeoff(TradeoffChart {
            x_label: "coverage (share of the cases of interest in the box)".to_owned(),
            y_label: "density (share of the box's runs that are cases of interest)".to_owned(),
            points,
            reported: Some((result.step, format!("step {} (reported)", result.step))),
        }),
        frame: Frame {
            title: format!("PRIM's trade-off: {}", report::readable(result.case)),
            caption: format!(
                "One point per box of the peeling and pasting trajectory ({} steps); step {} reported.",
                steps.len(),
                result.step
            ),
        },
        stem: TRADEOFF_STEM.to_owned(),
    }
}

/// A dimension's name in words: an uncertain parameter's identifier as words,
/// `<event>_fired` as "whether <event> happens" and `<event>_month` as "month of <event>".
pub fn dimension_label(name: &str) -> String {
    if let Some(event) = name.strip_suffix("_fired") {
        return format!("whether {} happens", report::readable(event));
    }
    if let Some(event) = name.strip_suffix("_month") {
        return format!("month of {}", report::readable(event));
    }
    report::readable(name)
}

/// A quasi-p-value for reading: three decimals, or two significant digits with an exponent
/// below 0.001 (values near 1e-40 are common and say "far from chance").
pub fn quasi_p_text(value: f64) -> String {
    if value >= 0.001 {
        format!("{value:.3}")
    } else {
        format!("{value:.1e}")
    }
}

/// The quasi-p-values of a restricted dimension's restricted sides, such as "lower 6.4e-47" or
/// "lower 0.010, upper 0.200".
fn quasi_p_sides(step: &Step, dimension: usize) -> String {
    let Some(quasi_p) = step
        .quasi_p_values
        .iter()
        .find(|quasi_p| quasi_p.dimension == dimension)
    else {
        return String::new();
    };
    let sides: Vec<String> = [("lower", quasi_p.lower), ("upper", quasi_p.upper)]
        .into_iter()
        .filter_map(|(side, value)| value.map(|value| format!("{side} {}", quasi_p_text(value))))
        .collect();
    sides.join(", ")
}

/// A limit of a `<event>_fired` column in words: "no" at the lower end when the box keeps the
/// runs where it did not happen (0), "yes" at the upper end when it keeps those where it did
/// (1), nothing at an end that cuts the value out (a limit of 0.5 is a midpoint, not a value).
fn fired_limit(name: &str, value: f64, lower: bool) -> Option<String> {
    name.ends_with("_fired").then(|| {
        match (lower, value) {
            (true, value) if value <= 0.0 => "no",
            (false, value) if value >= 1.0 => "yes",
            _ => "",
        }
        .to_owned()
    })
}

/// The box-limits chart's rows: one per restricted dimension, in column order, each limit as
/// a share of the dimension's full range over all runs.
pub fn limits_rows(result: &DiscoveryResult) -> Vec<LimitsRow> {
    let step = result.box_step();
    step.restricted
        .iter()
        .map(|&dimension| {
            let (limits, full) = (step.limits[dimension], result.full_range()[dimension]);
            let span = full.upper - full.lower;
            let share = |value: f64| {
                if span > 0.0 {
                    (value - full.lower) / span
                } else {
                    0.0
                }
            };
            let name = &result.names[dimension];
            let text = |value: f64, lower: bool| {
                fired_limit(name, value, lower).unwrap_or_else(|| readable(value))
            };
            LimitsRow {
                label: dimension_label(name),
                lower: share(limits.lower),
                upper: if span > 0.0 { share(limits.upper) } else { 1.0 },
                lower_text: text(limits.lower, true),
                upper_text: text(limits.upper, false),
                lower_restricted: limits.lower != full.lower,
                upper_restricted: limits.upper != full.upper,
                quasi_p: quasi_p_sides(step, dimension),
            }
        })
        .collect()
}

/// The chosen box's limits against the full ranges (EMA's `inspect(style="graph")`).
pub fn box_limits_chart(result: &DiscoveryResult) -> ChartFile {
    let step = result.box_step();
    ChartFile {
        chart: Chart::Limits(LimitsChart {
            rows: limits_rows(result),
            when_empty: "No dimension is restricted: these are all the runs (see trajectory.csv for the boxes)".to_owned(),
        }),
        frame: Frame {
            title: format!(
                "Box at step {}: coverage {}, density {}, mass {}",
                result.step,
                percent(step.coverage),
                percent(step.density),
                percent(step.mass)
            ),
            caption: format!(
                "Cases of interest: {}. A quasi-p-value above 0.05 says the limit may be chance.",
                report::readable(result.case)
            ),
        },
        stem: BOX_LIMITS_STEM.to_owned(),
    }
}

/// How the discovery was made, for the report.
pub struct ReportContext<'a> {
    /// The scenario's name (from the results folder's manifest).
    pub scenario: &'a str,
    /// PRIM's settings.
    pub settings: &'a PrimSettings,
    /// Resamples behind `stability.csv` and their seed.
    pub resamples: usize,
    pub seed: u64,
}

/// Writes the three CSV files, `report.html` and, with `charts`, `charts/` into `folder`.
pub fn write_files(
    folder: &Path,
    result: &DiscoveryResult,
    context: &ReportContext,
    charts: bool,
) -> Result<(), OutputError> {
    let figures = if charts {
        write_charts(
            &[box_limits_chart(result), tradeoff_chart(result)],
            &folder.join(CHARTS_FOLDER),
        )?
    } else {
        Vec::new()
    };
    write_csv(&folder.join(TRAJECTORY_FILE), |csv| {
        write_trajectory(result, csv)
    })?;
    write_csv(&folder.join(BOXES_FILE), |csv| write_boxes(result, csv))?;
    write_csv(&folder.join(STABILITY_FILE), |csv| {
        write_stability(result, csv)
    })?;
    let path = folder.join(REPORT_FILE);
    std::fs::write(&path, report_html(result, context, &figures))
        .map_err(OutputError::io(&path, "cannot write"))
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
pub(crate) fn readable(value: f64) -> String {
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

pub(crate) fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// A box as the sentence reads it, whichever method found it: PRIM's step or a CART leaf
/// (`output::cart`), so that both say the same thing in the same words.
pub(crate) struct BoxInWords<'a> {
    pub names: &'a [String],
    pub restricted: &'a [usize],
    pub limits: &'a [Limits],
    pub full_range: &'a [Limits],
    pub coverage: f64,
    pub density: f64,
    pub mass: f64,
}

impl DiscoveryResult<'_> {
    fn in_words(&self) -> BoxInWords<'_> {
        let step = self.box_step();
        BoxInWords {
            names: self.names,
            restricted: &step.restricted,
            limits: &step.limits,
            full_range: self.full_range(),
            coverage: step.coverage,
            density: step.density,
            mass: step.mass,
        }
    }
}

/// The box's restricted limits in words: `x is below 0.3`, `y is above 30`, `z is between 1 and
/// 2` (a side counts as restricted when it differs from the full range). With `words`, names
/// read as words ("is sahel rate", "western reengagement does not happen"); without, as the
/// files' identifiers ("western_reengagement did not fire").
pub(crate) fn conditions(found: &BoxInWords, words: bool) -> Vec<String> {
    found
        .restricted
        .iter()
        .map(|&dimension| {
            let (limits, full) = (found.limits[dimension], found.full_range[dimension]);
            let identifier = &found.names[dimension];
            let name = if words {
                dimension_label(identifier)
            } else {
                identifier.clone()
            };
            let (low, high) = (limits.lower != full.lower, limits.upper != full.upper);
            if let Some(event) = identifier.strip_suffix("_fired") {
                // A 0/1 column: a box keeps one of the two values when it is restricted.
                let event = if words {
                    report::readable(event)
                } else {
                    event.to_owned()
                };
                let (not, yes) = if words {
                    ("does not happen", "happens")
                } else {
                    ("did not fire", "fired")
                };
                if limits.upper < 1.0 {
                    return format!("{event} {not}");
                }
                if limits.lower > 0.0 {
                    return format!("{event} {yes}");
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
    sentence_in(result, false)
}

/// [`sentence`] with every name as words, for the report: "attacks total above 8000 in 87% of
/// the runs where western reengagement does not happen and is sahel rate is above 30: ...".
pub fn sentence_in_words(result: &DiscoveryResult) -> String {
    sentence_in(result, true)
}

fn sentence_in(result: &DiscoveryResult, words: bool) -> String {
    let case = if words {
        report::readable(result.case)
    } else {
        result.case.to_owned()
    };
    box_sentence(
        &result.in_words(),
        &case,
        words,
        "no box restricts any parameter",
    )
}

/// The sentence for a box: `unrestricted` ends it when no dimension is restricted.
pub(crate) fn box_sentence(
    found: &BoxInWords,
    case: &str,
    words: bool,
    unrestricted: &str,
) -> String {
    let conditions = conditions(found, words);
    if conditions.is_empty() {
        return format!(
            "{case} in {} of all runs; {unrestricted}",
            percent(found.density)
        );
    }
    format!(
        "{case} in {} of the runs where {}: they hold {} of all runs with {case} (coverage) and are {} of all runs (mass)",
        percent(found.density),
        conditions.join(" and "),
        percent(found.coverage),
        percent(found.mass)
    )
}

/// How the reported box was chosen, in words.
fn choice(result: &DiscoveryResult, settings: &PrimSettings) -> String {
    match (result.chosen, result.discovery.chosen) {
        (false, _) => format!(
            "No box reached the density threshold {}, so this is step 0, all runs; choose a box with --box K from trajectory.csv",
            settings.threshold
        ),
        (true, Some(choice)) if choice == result.step => format!(
            "PRIM's choice, by EMA Workbench's rule (find_box): the last box of the peeling and pasting trajectory, as its density reaches the threshold {}",
            settings.threshold
        ),
        (true, _) => format!(
            "Step {} of the trajectory, selected with --box {}",
            result.step, result.step
        ),
    }
}

/// The stability of the box's restricted dimensions in words: which ones every resample
/// restricts, and which ones fewer than half do.
fn stability_sentence(result: &DiscoveryResult, context: &ReportContext) -> Option<String> {
    let step = result.box_step();
    let of_box: Vec<&Reproducibility> = result
        .stability
        .iter()
        .filter(|entry| step.restricted.contains(&entry.dimension))
        .collect();
    if of_box.is_empty() {
        return None;
    }
    let names = |keep: &dyn Fn(f64) -> bool| -> Vec<String> {
        of_box
            .iter()
            .filter(|entry| keep(entry.reproduce_coverage_percent))
            .map(|entry| dimension_label(&result.names[entry.dimension]))
            .collect()
    };
    let always = names(&|percent| percent >= 100.0);
    let seldom = names(&|percent| percent < 50.0);
    let mut text = format!(
        "Rerun on {} resamples of half the runs, PRIM restricts ",
        context.resamples
    );
    if always.is_empty() {
        text.push_str("none of the box's dimensions every time");
    } else {
        text.push_str(&format!("{} every time", join_words(&always)));
    }
    if !seldom.is_empty() {
        text.push_str(&format!(
            "; {} in fewer than half of them, a less stable part of the box",
            join_words(&seldom)
        ));
    }
    Some(text)
}

/// The restricted dimensions whose every quasi-p-value is above 0.05, in words.
fn weak_limits(result: &DiscoveryResult) -> Option<String> {
    let step = result.box_step();
    let weak: Vec<String> = step
        .quasi_p_values
        .iter()
        .filter(|quasi_p| {
            [quasi_p.lower, quasi_p.upper]
                .into_iter()
                .flatten()
                .all(|value| value > 0.05)
        })
        .map(|quasi_p| dimension_label(&result.names[quasi_p.dimension]))
        .collect();
    (!weak.is_empty()).then(|| {
        format!(
            "The limits on {} have quasi-p-values above 0.05: the cases of interest are not clearly denser inside them than without them, so they may be chance",
            join_words(&weak)
        )
    })
}

/// `text` with its first letter upper case, to open a sentence.
fn capitalised(text: &str) -> String {
    let mut characters = text.chars();
    characters.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(characters).collect()
    })
}

/// A count with thousands separated by commas, as the reports write counts of runs.
fn count(value: usize) -> String {
    let digits = value.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// "a", "a and b", "a, b and c".
fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The box's table: each restricted dimension with its limits, full range, quasi-p-values and
/// how often resamples restrict it.
fn box_table(result: &DiscoveryResult) -> findings::Table {
    let step = result.box_step();
    let rows = step
        .restricted
        .iter()
        .map(|&dimension| {
            let (limits, full) = (step.limits[dimension], result.full_range()[dimension]);
            let quasi_p = step
                .quasi_p_values
                .iter()
                .find(|quasi_p| quasi_p.dimension == dimension);
            let p = |value: Option<f64>| value.map_or_else(|| "-".to_owned(), quasi_p_text);
            let stability = result
                .stability
                .iter()
                .find(|entry| entry.dimension == dimension)
                .map_or_else(
                    || "-".to_owned(),
                    |entry| format!("{:.0}%", entry.reproduce_coverage_percent),
                );
            vec![
                dimension_label(&result.names[dimension]),
                result.names[dimension].clone(),
                readable(limits.lower),
                readable(limits.upper),
                format!("{} to {}", readable(full.lower), readable(full.upper)),
                p(quasi_p.and_then(|quasi_p| quasi_p.lower)),
                p(quasi_p.and_then(|quasi_p| quasi_p.upper)),
                stability,
            ]
        })
        .collect();
    findings::Table {
        header: [
            "dimension",
            "column",
            "lower limit",
            "upper limit",
            "full range",
            "quasi-p lower",
            "quasi-p upper",
            "resamples restricting it",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        right_aligned: vec![false, false, true, true, true, true, true, true],
    }
}

/// Every dimension's stability, most stable first.
fn stability_table(result: &DiscoveryResult) -> findings::Table {
    let step = result.box_step();
    let rows = result
        .stability
        .iter()
        .map(|entry| {
            vec![
                dimension_label(&result.names[entry.dimension]),
                if step.restricted.contains(&entry.dimension) {
                    "yes"
                } else {
                    "no"
                }
                .to_owned(),
                format!("{:.0}%", entry.reproduce_coverage_percent),
                format!("{:.0}%", entry.reproduce_density_percent),
            ]
        })
        .collect();
    findings::Table {
        header: [
            "dimension",
            "restricted in the box",
            "resamples restricting it (box of nearest coverage)",
            "(box of nearest density)",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        right_aligned: vec![false, false, true, true],
    }
}

/// `report.html`: the question and the findings first (the sentence, how the box was chosen,
/// how stable it is), the box-limits chart, the box's table, the trade-off, the stability of
/// every dimension, and how the analysis was made.
pub fn report_html(
    result: &DiscoveryResult,
    context: &ReportContext,
    figures: &[Figure],
) -> String {
    let all = &result.discovery.trajectory.steps[0];
    let step = result.box_step();
    let mut body = String::new();
    let _ = write!(
        body,
        "<p class=\"question\">Under which conditions is {}? In {} of the {} runs ({}).</p><h2>Findings</h2><ul class=\"findings\">",
        escape(&report::readable(result.case)),
        count(all.n_of_interest),
        count(all.n_rows),
        percent(all.density)
    );
    let mut items = vec![
        capitalised(&sentence_in_words(result)),
        choice(result, context.settings),
    ];
    items.extend(stability_sentence(result, context));
    items.extend(weak_limits(result));
    for item in items {
        let _ = write!(body, "<li>{}.</li>", escape(&item));
    }
    body.push_str("</ul>");
    // The box-limits chart first, as `write_files` orders them; the trade-off after.
    let (limits, rest) = figures.split_at(
        figures
            .iter()
            .take_while(|figure| figure.stem == BOX_LIMITS_STEM)
            .count(),
    );
    let _ = write!(
        body,
        "<h2>The box</h2><p>Step {} of the trajectory: {} runs, {} of them cases of interest; coverage {} (share of all cases of interest inside the box), density {} (share of the box's runs that are cases of interest), mass {} (share of all runs inside the box).</p>",
        result.step,
        count(step.n_rows),
        count(step.n_of_interest),
        percent(step.coverage),
        percent(step.density),
        percent(step.mass)
    );
    body.push_str(&report::figures(limits));
    if step.restricted.is_empty() {
        body.push_str("<p>The box restricts no dimension.</p>");
    } else {
        body.push_str(&box_table(result).html());
        body.push_str("<p class=\"meta\">Limits include their values. A quasi-p-value (Bryant &amp; Lempert 2010) is the chance of a density at least the box's if that one limit were dropped: small values say the limit matters. Resamples restricting it: the share of PRIM reruns on half the runs whose box of nearest coverage restricts the dimension (Kwakkel &amp; Cunningham 2016).</p>");
    }
    if !rest.is_empty() {
        body.push_str("<h2>The trade-off</h2><p>Each peel makes the box denser and smaller; each point is one box of the trajectory. Choose another with --box K (trajectory.csv lists them).</p>");
        body.push_str(&report::figures(rest));
    }
    body.push_str("<h2>Stability of each dimension</h2>");
    body.push_str(&stability_table(result).html());
    let _ = write!(
        body,
        "<h2>How the box was chosen</h2><p>{}. PRIM (Friedman &amp; Fisher 1999) as EMA Workbench 2.5.3 runs it: peeling {} of the box's runs at a time, pasting {} back, no box smaller than {} of all runs; every parameter and event column is a dimension, an event that did not happen counting as the horizon in its month column. Stability: {} resamples of half the runs, seed {}.</p><p class=\"meta\">Files: trajectory.csv (every box), boxes.csv (the box's limits), stability.csv, charts/.</p>",
        escape(&choice(result, context.settings)),
        percent(context.settings.peel_alpha),
        percent(context.settings.paste_alpha),
        percent(context.settings.min_mass),
        context.resamples,
        context.seed
    );
    report::page(
        &format!("secsim discover: {}", context.scenario),
        &format!(
            "{}; {} runs; secsim {}",
            report::readable(result.case),
            count(all.n_rows),
            env!("CARGO_PKG_VERSION")
        ),
        &body,
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
    use crate::experiment::prim::{QuasiP, Trajectory};

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

    /// Five dimensions, four restricted: a fraction cut from above, a rate from below, a share
    /// from both sides, an event that did not fire; quasi-p-values on the restricted sides.
    fn example() -> (Vec<String>, Discovery) {
        let full = [(0.0, 1.0), (10.0, 40.0), (0.0, 5.0), (0.0, 1.0), (0.0, 9.0)];
        let chosen = [(0.0, 0.3), (30.0, 40.0), (1.0, 2.5), (0.0, 0.5), (0.0, 9.0)];
        let mut boxed = step(&chosen, vec![0, 1, 2, 3]);
        boxed.quasi_p_values = vec![
            QuasiP {
                dimension: 0,
                lower: None,
                upper: Some(0.2),
            },
            QuasiP {
                dimension: 1,
                lower: Some(3e-20),
                upper: None,
            },
            QuasiP {
                dimension: 2,
                lower: Some(0.01),
                upper: Some(0.04),
            },
            QuasiP {
                dimension: 3,
                lower: None,
                upper: Some(1e-5),
            },
        ];
        let discovery = Discovery {
            trajectory: Trajectory {
                steps: vec![step(&full, Vec::new()), boxed],
            },
            chosen: Some(1),
        };
        let names = [
            "return_probability",
            "is_sahel_rate",
            "share",
            "western_return_fired",
            "other",
        ]
        .map(String::from)
        .to_vec();
        (names, discovery)
    }

    /// One row per restricted dimension, in column order, limits as shares of the full range,
    /// values and quasi-p-values as written.
    #[test]
    fn the_limits_chart_has_a_row_per_restricted_dimension() {
        let (names, discovery) = example();
        let result = DiscoveryResult {
            names: &names,
            discovery: &discovery,
            step: 1,
            chosen: true,
            stability: &[],
            case: "attacks_total above 8000",
        };
        let rows = limits_rows(&result);
        let labels: Vec<&str> = rows.iter().map(|row| row.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "return probability",
                "is sahel rate",
                "share",
                "whether western return happens"
            ]
        );
        let shares: Vec<(f64, f64)> = rows.iter().map(|row| (row.lower, row.upper)).collect();
        assert_eq!(
            shares,
            [(0.0, 0.3), (20.0 / 30.0, 1.0), (0.2, 0.5), (0.0, 0.5)]
        );
        let sides: Vec<(bool, bool)> = rows
            .iter()
            .map(|row| (row.lower_restricted, row.upper_restricted))
            .collect();
        assert_eq!(
            sides,
            [(false, true), (true, false), (true, true), (false, true)]
        );
        let texts: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|row| {
                (
                    row.lower_text.as_str(),
                    row.upper_text.as_str(),
                    row.quasi_p.as_str(),
                )
            })
            .collect();
        assert_eq!(
            texts,
            [
                ("0", "0.3", "upper 0.200"),
                ("30", "40", "lower 3.0e-20"),
                ("1", "2.5", "lower 0.010, upper 0.040"),
                ("no", "", "upper 1.0e-5"),
            ]
        );
        let chart = box_limits_chart(&result);
        assert_eq!(
            chart.frame.title,
            "Box at step 1: coverage 61%, density 87%, mass 24%"
        );
        let all_runs = DiscoveryResult { step: 0, ..result };
        assert!(limits_rows(&all_runs).is_empty());
    }

    /// The report leads with the question and the sentence in words, then says how the box was
    /// chosen and which limits may be chance.
    #[test]
    fn the_report_leads_with_the_sentence_in_words() {
        let (names, discovery) = example();
        let stability = [
            Reproducibility {
                dimension: 1,
                reproduce_coverage_percent: 100.0,
                reproduce_density_percent: 100.0,
            },
            Reproducibility {
                dimension: 0,
                reproduce_coverage_percent: 30.0,
                reproduce_density_percent: 40.0,
            },
        ];
        let result = DiscoveryResult {
            names: &names,
            discovery: &discovery,
            step: 1,
            chosen: true,
            stability: &stability,
            case: "attacks_total above 8000",
        };
        let settings = PrimSettings::with_threshold(0.8);
        let context = ReportContext {
            scenario: "niger_realignment",
            settings: &settings,
            resamples: 10,
            seed: 1,
        };
        let html = report_html(&result, &context, &[]);
        let sentence = "<li>Attacks total above 8000 in 87% of the runs where return probability \
             is below 0.3 and is sahel rate is above 30 and share is between 1 and 2.5 and \
             western return does not happen: they hold 61% of all runs with attacks total above \
             8000 (coverage) and are 24% of all runs (mass).</li>";
        let findings = html.find("<h2>Findings</h2>").unwrap();
        assert!(html.contains(
            "Under which conditions is attacks total above 8000? In 209 of the 240 runs (87%)."
        ));
        assert_eq!(
            html.find(sentence),
            Some(findings + "<h2>Findings</h2><ul class=\"findings\">".len())
        );
        assert!(html.contains("PRIM&#39;s choice, by EMA Workbench&#39;s rule"));
        assert!(html.contains(
            "PRIM restricts is sahel rate every time; return probability in fewer than half of them"
        ));
        assert!(html.contains("The limits on return probability have quasi-p-values above 0.05"));
        assert!(!html.contains("<svg"));
        let chosen_by_hand = DiscoveryResult {
            step: 1,
            discovery: &Discovery {
                chosen: None,
                ..discovery.clone()
            },
            ..result
        };
        assert!(report_html(&chosen_by_hand, &context, &[]).contains("selected with --box 1"));
    }

    #[test]
    fn counts_and_quasi_p_values_read_well() {
        assert_eq!(count(2000), "2,000");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(quasi_p_text(0.0358), "0.036");
        assert_eq!(quasi_p_text(6.42e-47), "6.4e-47");
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
