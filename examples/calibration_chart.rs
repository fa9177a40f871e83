//! Chart of the historical check (`tests/it/calibration.rs`): Niger's simulated monthly attacks and
//! fatalities from `scenarios/niger_2021_2023.ron` (90% and 50% bands, median) against ACLED's
//! observed monthly political-violence events and deaths, January 2021 to July 2023.
//!
//! Run with `cargo run --release --example calibration_chart`; writes
//! `docs/calibration_niger_2021_2023.png` (1200x800). Text uses the bundled DejaVu Sans
//! (`assets/DejaVuSans.ttf`, licence in `assets/DejaVu-LICENSE.txt`), so no system font library
//! is needed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use secsim::engine::{RunPlan, run};
use secsim::scenario::{ActorRef, Metric, Scenario, load};

const SCENARIO: &str = "scenarios/niger_2021_2023.ron";
const OBSERVED: &str = "data/acled_political_violence_monthly_2021_2023-07.csv";
const OUTPUT: &str = "docs/calibration_niger_2021_2023.png";
const COUNTRY: &str = "Niger";
const SIZE: (u32, u32) = (1200, 800);

/// Okabe-Ito blue, for the model.
const MODEL: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Okabe-Ito vermillion, for the observations.
const OBSERVATION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);
const BAND_90_ALPHA: f64 = 0.18;
const BAND_50_ALPHA: f64 = 0.38;

const FONT: &str = "sans-serif";
static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// One observed month.
#[derive(Debug, serde::Deserialize)]
struct ObservedMonth {
    country: String,
    month: String,
    events: f64,
    fatalities: f64,
}

/// One panel's data, per month.
struct Panel {
    title: &'static str,
    unit: &'static str,
    /// [p05, p25, p50, p75, p95] per month.
    quantiles: Vec<[f64; 5]>,
    mean: Vec<f64>,
    observed: Vec<f64>,
}

impl Panel {
    fn new(
        scenario: &Scenario,
        aggregate: &secsim::engine::Aggregate,
        metric: Metric,
        observed: Vec<f64>,
        title: &'static str,
        unit: &'static str,
    ) -> Result<Panel> {
        let series = scenario
            .series_index(metric, ActorRef::State(0))
            .ok_or_else(|| anyhow!("no {} series for {COUNTRY}", metric.as_str()))?;
        let horizon = scenario.horizon_months;
        let mut quantiles = Vec::with_capacity(horizon);
        let mut mean = Vec::with_capacity(horizon);
        for month in 0..horizon {
            let summary = aggregate.series[series * horizon + month].summary();
            let mut row = [0.0; 5];
            for (slot, value) in row.iter_mut().zip(summary.quantiles) {
                *slot = value.ok_or_else(|| anyhow!("empty distribution in month {month}"))?;
            }
            quantiles.push(row);
            mean.push(summary.mean.unwrap_or(f64::NAN));
        }
        Ok(Panel {
            title,
            unit,
            quantiles,
            mean,
            observed,
        })
    }

    /// Observed months inside the 90% band.
    fn covered(&self) -> usize {
        self.observed
            .iter()
            .zip(&self.quantiles)
            .filter(|(value, q)| **value >= q[0] && **value <= q[4])
            .count()
    }

    fn coverage(&self) -> f64 {
        self.covered() as f64 / self.observed.len() as f64
    }

    fn simulated_mean(&self) -> f64 {
        self.mean.iter().sum::<f64>() / self.mean.len() as f64
    }

    fn observed_mean(&self) -> f64 {
        self.observed.iter().sum::<f64>() / self.observed.len() as f64
    }

    /// Upper end of the y axis: the highest value shown plus headroom, rounded up to a multiple
    /// of a step that suits the scale.
    fn y_max(&self) -> f64 {
        let top = self
            .quantiles
            .iter()
            .map(|q| q[4])
            .chain(self.observed.iter().copied())
            .fold(0.0, f64::max)
            * 1.08;
        let step = if top > 200.0 { 50.0 } else { 10.0 };
        (top / step).ceil() * step
    }
}

fn read_observed() -> Result<Vec<ObservedMonth>> {
    let mut reader = csv::Reader::from_path(path(OBSERVED)).with_context(|| OBSERVED)?;
    let mut rows = Vec::new();
    for row in reader.deserialize::<ObservedMonth>() {
        let row: ObservedMonth = row.with_context(|| OBSERVED)?;
        if row.country == COUNTRY {
            rows.push(row);
        }
    }
    Ok(rows)
}

fn main() -> Result<()> {
    register_font(FONT, FontStyle::Normal, DEJAVU_SANS)
        .map_err(|_| anyhow!("assets/DejaVuSans.ttf is not a usable font"))?;

    let scenario = load(&path(SCENARIO))?;
    let observed = read_observed()?;
    let months: Vec<String> = (0..scenario.horizon_months)
        .map(|offset| scenario.start.plus(offset).to_string())
        .collect();
    let observed_months: Vec<&str> = observed.iter().map(|row| row.month.as_str()).collect();
    if observed_months != months {
        bail!(
            "{OBSERVED}: {COUNTRY} months {:?} do not match the scenario's {:?}",
            observed_months,
            months
        );
    }

    let plan = RunPlan {
        seed: scenario
            .default_seed
            .ok_or_else(|| anyhow!("{SCENARIO} sets no seed"))?,
        runs: scenario
            .default_runs
            .ok_or_else(|| anyhow!("{SCENARIO} sets no run count"))?,
    };
    let aggregate = run(&scenario, &plan, |_| Ok::<(), std::convert::Infallible>(()))
        .unwrap_or_else(|never| match never {});

    let panels = [
        Panel::new(
            &scenario,
            &aggregate,
            Metric::Attacks,
            observed.iter().map(|row| row.events).collect(),
            "Political-violence events (model: attacks)",
            "events per month",
        )?,
        Panel::new(
            &scenario,
            &aggregate,
            Metric::Fatalities,
            observed.iter().map(|row| row.fatalities).collect(),
            "Reported deaths in those events (model: fatalities)",
            "deaths per month",
        )?,
    ];

    let output = path(OUTPUT);
    if let Some(directory) = output.parent() {
        std::fs::create_dir_all(directory)
            .with_context(|| format!("creating {}", directory.display()))?;
    }
    draw(&output, &scenario, &plan, &months, &panels)?;

    for panel in &panels {
        println!(
            "{}: 90% band covers {} of {} months ({:.1}%); mean {:.1} simulated, {:.1} observed",
            panel.unit,
            panel.covered(),
            panel.observed.len(),
            100.0 * panel.coverage(),
            panel.simulated_mean(),
            panel.observed_mean()
        );
    }
    println!("wrote {}", output.display());
    Ok(())
}

/// Pixels of the drawing per pixel of the PNG. The chart is drawn at this multiple of its size
/// and averaged down: plotters places each glyph on whole pixels, which makes letter spacing
/// uneven at small sizes, and drawing larger hides that (and smooths lines).
const SUPERSAMPLE: u32 = 2;

/// A length in output pixels, in drawing pixels.
fn px(length: i32) -> i32 {
    length * SUPERSAMPLE as i32
}

/// The bundled font at `size` output pixels.
fn font(size: u32) -> TextStyle<'static> {
    (FONT, f64::from(size * SUPERSAMPLE))
        .into_font()
        .color(&TEXT)
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

fn draw(
    output: &Path,
    scenario: &Scenario,
    plan: &RunPlan,
    months: &[String],
    panels: &[Panel; 2],
) -> Result<()> {
    let (width, height) = (SIZE.0 * SUPERSAMPLE, SIZE.1 * SUPERSAMPLE);
    let mut pixels = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        draw_chart(&root, scenario, plan, months, panels)?;
        root.present()?;
    }
    let pixels = downsample(
        &pixels,
        width as usize,
        height as usize,
        SUPERSAMPLE as usize,
    );
    let image = BitMapElement::with_owned_buffer((0, 0), SIZE, pixels)
        .ok_or_else(|| anyhow!("downsampled image has the wrong size"))?;
    let root = BitMapBackend::new(output, SIZE).into_drawing_area();
    root.draw(&image)?;
    root.present()
        .with_context(|| format!("writing {}", output.display()))?;
    Ok(())
}

/// Averages each `factor` x `factor` block of an RGB image.
fn downsample(pixels: &[u8], width: usize, height: usize, factor: usize) -> Vec<u8> {
    let (out_width, out_height) = (width / factor, height / factor);
    let mut out = vec![0u8; out_width * out_height * 3];
    for y in 0..out_height {
        for x in 0..out_width {
            for channel in 0..3 {
                let mut sum = 0usize;
                for dy in 0..factor {
                    for dx in 0..factor {
                        let (sx, sy) = (x * factor + dx, y * factor + dy);
                        sum += usize::from(pixels[(sy * width + sx) * 3 + channel]);
                    }
                }
                let count = factor * factor;
                out[(y * out_width + x) * 3 + channel] = ((sum + count / 2) / count) as u8;
            }
        }
    }
    out
}

fn draw_chart(
    root: &Area,
    scenario: &Scenario,
    plan: &RunPlan,
    months: &[String],
    panels: &[Panel; 2],
) -> Result<()> {
    root.fill(&WHITE)?;
    let (header, rest) = root.split_vertically(px(76));
    let (body, footer) = rest.split_vertically(px(SIZE.1 as i32 - 76 - 72));

    let first = months.first().map(String::as_str).unwrap_or("");
    let last = months.last().map(String::as_str).unwrap_or("");
    header.draw(&Text::new(
        format!("{COUNTRY}, {first} to {last}: secsim's historical check against ACLED"),
        (px(SIZE.0 as i32 / 2), px(10)),
        font(22).pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    draw_legend(&header, px(48))?;

    let areas = body.split_evenly((2, 1));
    for (area, panel) in areas.iter().zip(panels) {
        draw_panel(area, months, panel)?;
    }

    let caption_style = font(14).pos(Pos::new(HPos::Left, VPos::Top));
    let [attacks, fatalities] = panels;
    let lines = [
        format!(
            "Model: scenario {} ({SCENARIO}), {} runs, seed {}; bands and median are quantiles \
             over the runs, month by month.",
            scenario.name, plan.runs, plan.seed
        ),
        format!(
            "Observed: ACLED political-violence events in {COUNTRY} (battles, explosions/remote \
             violence, violence against civilians) and their reported deaths."
        ),
        format!(
            "Coverage of the 90% band: events {} of {} months ({:.0}%), deaths {} of {} ({:.0}%); \
             required 85%. Mean per month, simulated vs observed: events {:.1} vs {:.1}, \
             deaths {:.1} vs {:.1}.",
            attacks.covered(),
            attacks.observed.len(),
            100.0 * attacks.coverage(),
            fatalities.covered(),
            fatalities.observed.len(),
            100.0 * fatalities.coverage(),
            attacks.simulated_mean(),
            attacks.observed_mean(),
            fatalities.simulated_mean(),
            fatalities.observed_mean()
        ),
    ];
    for (index, line) in lines.iter().enumerate() {
        footer.draw(&Text::new(
            line.as_str(),
            (px(16), px(6 + 21 * index as i32)),
            caption_style.clone(),
        ))?;
    }
    Ok(())
}

/// The legend, one row centred at height `y` of `area`.
fn draw_legend(area: &Area, y: i32) -> Result<()> {
    let style = font(15).pos(Pos::new(HPos::Left, VPos::Center));
    let entries = [
        "Simulated 90% band (p05-p95)",
        "Simulated 50% band (p25-p75)",
        "Simulated median",
        "Observed (ACLED)",
    ];
    let key_width = px(30);
    let key_gap = px(8);
    let entry_gap = px(34);
    let widths: Vec<i32> = entries
        .iter()
        .map(|label| {
            area.estimate_text_size(label, &style)
                .map(|(width, _)| width as i32)
                .map_err(|error| anyhow!("measuring legend text: {error:?}"))
        })
        .collect::<Result<_>>()?;
    let total: i32 = widths
        .iter()
        .map(|width| key_width + key_gap + width)
        .sum::<i32>()
        + entry_gap * (entries.len() as i32 - 1);
    let mut x = (area.dim_in_pixel().0 as i32 - total) / 2;
    for (index, (label, width)) in entries.iter().zip(&widths).enumerate() {
        let (left, right) = (x, x + key_width);
        let swatch = [(left, y - px(8)), (right, y + px(8))];
        match index {
            0 => area.draw(&Rectangle::new(swatch, MODEL.mix(BAND_90_ALPHA).filled()))?,
            1 => area.draw(&Rectangle::new(swatch, MODEL.mix(BAND_50_ALPHA).filled()))?,
            2 => area.draw(&PathElement::new(
                vec![(left, y), (right, y)],
                MODEL.stroke_width(px(3) as u32),
            ))?,
            _ => {
                area.draw(&PathElement::new(
                    vec![(left, y), (right, y)],
                    OBSERVATION.stroke_width(px(1) as u32),
                ))?;
                area.draw(&Circle::new(
                    ((left + right) / 2, y),
                    px(4),
                    OBSERVATION.filled(),
                ))?;
            }
        }
        area.draw(&Text::new(*label, (right + key_gap, y), style.clone()))?;
        x = right + key_gap + width + entry_gap;
    }
    Ok(())
}

fn draw_panel(area: &Area, months: &[String], panel: &Panel) -> Result<()> {
    // The x axis counts half months, so that the plot can extend half a month beyond the first
    // and last observations: month m sits at x = 2m. (Integer coordinates, because plotters
    // formats custom key points only on axes with default formatting, which f64 lacks.)
    let at = |month: usize| 2 * month as i32;
    let label = |x: &i32| {
        usize::try_from(x / 2)
            .ok()
            .and_then(|month| months.get(month))
            .filter(|_| x % 2 == 0)
            .cloned()
            .unwrap_or_default()
    };
    // A labelled tick every quarter, a light grid line every month.
    let x_axis = (-1..at(months.len() - 1) + 1)
        .with_key_points((0..months.len()).step_by(3).map(at).collect())
        .with_light_points((0..months.len()).map(at));
    let mut chart = ChartBuilder::on(area)
        .margin_left(px(16))
        .margin_right(px(28))
        .margin_top(px(6))
        .margin_bottom(px(6))
        .caption(panel.title, font(18))
        .x_label_area_size(px(34))
        .y_label_area_size(px(70))
        .build_cartesian_2d(x_axis, 0.0..panel.y_max())?;
    chart
        .configure_mesh()
        .x_label_formatter(&label)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_labels(10)
        .y_max_light_lines(1)
        .y_desc(panel.unit)
        .label_style(font(14))
        .axis_desc_style(font(15))
        .set_all_tick_mark_size(px(5))
        .bold_line_style(GRID.stroke_width(px(1) as u32))
        .light_line_style(GRID.mix(0.5).stroke_width(px(1) as u32))
        .axis_style(TEXT.mix(0.8).stroke_width(px(1) as u32))
        .draw()?;

    let x: Vec<i32> = (0..months.len()).map(at).collect();
    let band = |low: usize, high: usize| {
        let mut points: Vec<(i32, f64)> = x
            .iter()
            .zip(&panel.quantiles)
            .map(|(&m, q)| (m, q[high]))
            .collect();
        points.extend(
            x.iter()
                .zip(&panel.quantiles)
                .rev()
                .map(|(&m, q)| (m, q[low])),
        );
        points
    };
    chart.draw_series(std::iter::once(Polygon::new(
        band(0, 4),
        MODEL.mix(BAND_90_ALPHA).filled(),
    )))?;
    chart.draw_series(std::iter::once(Polygon::new(
        band(1, 3),
        MODEL.mix(BAND_50_ALPHA).filled(),
    )))?;
    chart.draw_series(LineSeries::new(
        x.iter().zip(&panel.quantiles).map(|(&m, q)| (m, q[2])),
        MODEL.stroke_width(px(3) as u32),
    ))?;
    chart.draw_series(LineSeries::new(
        x.iter().zip(&panel.observed).map(|(&m, &v)| (m, v)),
        OBSERVATION.stroke_width(px(1) as u32),
    ))?;
    chart.draw_series(
        x.iter()
            .zip(&panel.observed)
            .map(|(&m, &v)| Circle::new((m, v), px(4), OBSERVATION.filled())),
    )?;
    Ok(())
}
