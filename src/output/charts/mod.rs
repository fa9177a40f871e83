//! Charts (plotters), each written as PNG and SVG of the same layout, 1200x800.
//!
//! One file per chart kind. Every chart has a title, axis labels with units, a legend where there
//! is more than one thing to tell apart, and a caption (runs and seed). Text uses the bundled
//! DejaVu Sans, so no system font library is needed. Colours are Okabe-Ito, safe for the common
//! forms of colour blindness.

pub mod bars;
pub mod difference;
pub mod distribution;
pub mod events;
pub mod exceedance;
pub mod fan;
pub mod limits;
pub mod lines;
pub mod scatter;
pub mod tradeoff;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Chart size in pixels (PNG) and user units (SVG).
pub const SIZE: (u32, u32) = (1200, 800);
/// Font family name the bundled font is registered under.
pub const FONT: &str = "sans-serif";
/// DejaVu Sans (Bitstream Vera licence, `assets/DejaVu-LICENSE.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");

/// Okabe & Ito's colour-blind-safe palette, in the order series get their colours.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
];
/// Text colour.
pub const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Light grid lines.
pub const GRID: RGBColor = RGBColor(0xE6, 0xE6, 0xE6);

const TITLE_HEIGHT: u32 = 56;
const CAPTION_HEIGHT: u32 = 36;

/// The colour of the `index`-th series.
pub fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// Registers the bundled font once per process.
fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS)
                .map_err(|_| "the bundled font could not be read".to_owned())
        })
        .clone()
}

/// A chart file name from parts (metric, actor, ...): lowercase `[a-z0-9_-]` only, so names
/// taken from a scenario can never reach a path as they are.
pub fn file_stem(parts: &[&str]) -> String {
    let mut stem = String::new();
    for part in parts {
        if !stem.is_empty() {
            stem.push('_');
        }
        let mut last_was_separator = true;
        for character in part.chars().flat_map(char::to_lowercase) {
            if character.is_ascii_alphanumeric() || character == '-' {
                stem.push(character);
                last_was_separator = false;
            } else if !last_was_separator {
                stem.push('_');
                last_was_separator = true;
            }
        }
        while stem.ends_with('_') {
            stem.pop();
        }
    }
    if stem.is_empty() {
        "chart".to_owned()
    } else {
        stem
    }
}

/// The same charts, with `_2`, `_3`, ... appended to stems already taken by an earlier chart:
/// different names can sanitise alike ("attacks total" and "Attacks_Total"), and two charts
/// must never write one file.
pub fn with_unique_stems(files: &[ChartFile]) -> Vec<ChartFile> {
    let mut taken = std::collections::HashSet::new();
    files
        .iter()
        .map(|file| {
            let mut file = file.clone();
            let mut suffix = 2;
            let base = file.stem.clone();
            while !taken.insert(file.stem.clone()) {
                file.stem = format!("{base}_{suffix}");
                suffix += 1;
            }
            file
        })
        .collect()
}

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot draw chart: {message}")]
pub struct ChartError {
    pub path: PathBuf,
    pub message: String,
}

/// The frame around a chart's plot: title above, caption below.
#[derive(Debug, Clone)]
pub struct Frame {
    pub title: String,
    pub caption: String,
}

/// Any chart secsim draws.
#[derive(Debug, Clone)]
pub enum Chart {
    Fan(fan::FanChart),
    Distribution(distribution::DistributionChart),
    Exceedance(exceedance::ExceedanceChart),
    EventTiming(events::EventTimingChart),
    Difference(difference::DifferenceChart),
    Scatter(scatter::ScatterChart),
    Bars(bars::BarChart),
    Lines(lines::LineChart),
    Tradeoff(tradeoff::TradeoffChart),
    Limits(limits::LimitsChart),
}

/// A chart to write: what, its frame, and its file stem.
#[derive(Debug, Clone)]
pub struct ChartFile {
    pub chart: Chart,
    pub frame: Frame,
    pub stem: String,
}

impl Chart {
    fn draw_plot<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        match self {
            Chart::Fan(chart) => chart.draw(area),
            Chart::Distribution(chart) => chart.draw(area),
            Chart::Exceedance(chart) => chart.draw(area),
            Chart::EventTiming(chart) => chart.draw(area),
            Chart::Difference(chart) => chart.draw(area),
            Chart::Scatter(chart) => chart.draw(area),
            Chart::Bars(chart) => chart.draw(area),
            Chart::Lines(chart) => chart.draw(area),
            Chart::Tradeoff(chart) => chart.draw(area),
            Chart::Limits(chart) => chart.draw(area),
        }
    }
}

/// Turns a plotters error into text.
pub fn describe<E: std::fmt::Debug>(error: E) -> String {
    format!("{error:?}")
}

fn render<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    file: &ChartFile,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(describe)?;
    let (header, rest) = root.split_vertically(TITLE_HEIGHT);
    let (body, footer) = rest.split_vertically(SIZE.1 - TITLE_HEIGHT - CAPTION_HEIGHT);
    header
        .draw(&Text::new(
            file.frame.title.as_str(),
            (SIZE.0 as i32 / 2, 16),
            (FONT, 24)
                .into_font()
                .color(&TEXT)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(describe)?;
    footer
        .draw(&Text::new(
            file.frame.caption.as_str(),
            (20, 8),
            (FONT, 15)
                .into_font()
                .color(&TEXT)
                .pos(Pos::new(HPos::Left, VPos::Top)),
        ))
        .map_err(describe)?;
    file.chart.draw_plot(&body.margin(0, 0, 10, 30))?;
    root.present().map_err(describe)
}

/// Writes `file` as `<stem>.png` and `<stem>.svg` in `folder`, returning both paths.
pub fn save(file: &ChartFile, folder: &Path) -> Result<[PathBuf; 2], ChartError> {
    let png = folder.join(format!("{}.png", file.stem));
    let svg = folder.join(format!("{}.svg", file.stem));
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |message| ChartError { path, message }
    };
    ensure_font().map_err(failed(&png))?;
    render(BitMapBackend::new(&png, SIZE).into_drawing_area(), file).map_err(failed(&png))?;
    render(SVGBackend::new(&svg, SIZE).into_drawing_area(), file).map_err(failed(&svg))?;
    Ok([png, svg])
}

/// A chart's plotting area, in value coordinates on both axes.
pub(crate) type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The axes of a chart: ranges, how many labels and how to write them, and what each axis is.
pub(crate) struct Axes<'a> {
    pub x: Range<f64>,
    pub y: Range<f64>,
    pub x_labels: usize,
    pub y_labels: usize,
    pub x_format: &'a dyn Fn(&f64) -> String,
    pub y_format: &'a dyn Fn(&f64) -> String,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
}

/// A plot on `area` with the house style: labelled axes, light grid at the labels only.
pub(crate) fn plot_with_axes<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    axes: &Axes,
) -> Result<Plot<'a, DB>, String> {
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(axes.x.clone(), axes.y.clone())
        .map_err(describe)?;
    chart
        .configure_mesh()
        .x_labels(axes.x_labels)
        .y_labels(axes.y_labels)
        .x_label_formatter(axes.x_format)
        .y_label_formatter(axes.y_format)
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .label_style((FONT, 15).into_font().color(&TEXT))
        .axis_desc_style((FONT, 17).into_font().color(&TEXT))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .draw()
        .map_err(describe)?;
    Ok(chart)
}

/// Draws the legend of the labelled series at `position`.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Plot<'a, DB>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, 15).into_font().color(&TEXT))
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .draw()
        .map_err(describe)
}

/// Draws a polyline `width` pixels wide as one straight segment per pair of points, with a disc
/// at each inner point as a round join, and returns the segments for a legend entry.
///
/// Not `LineSeries`: plotters' bitmap backend turns a wide polyline into one polygon
/// (`plotters_backend::rasterizer::polygonize`) whose offset vertices are truncated where three
/// points are collinear and rounded elsewhere, so near a bend the outline folds over itself and
/// the scanline fill pairs the wrong edges: a cumulative probability, which never falls, showed
/// dips in the PNG that the SVG (a native stroke) does not have. A two-point segment becomes a
/// plain quadrilateral and a disc is a disc in both backends, so PNG and SVG show one shape.
pub(crate) fn draw_wide_line<'a, 'b, DB: DrawingBackend + 'a>(
    chart: &'b mut Plot<'a, DB>,
    points: &[(f64, f64)],
    colour: RGBColor,
    width: u32,
) -> Result<&'b mut plotters::chart::SeriesAnno<'a, DB>, String> {
    let inner = points.get(1..points.len().saturating_sub(1)).unwrap_or(&[]);
    chart
        .draw_series(
            inner
                .iter()
                .map(|&point| Circle::new(point, width / 2, colour.filled())),
        )
        .map_err(describe)?;
    chart
        .draw_series(
            points
                .windows(2)
                .map(|pair| PathElement::new([pair[0], pair[1]], colour.stroke_width(width))),
        )
        .map_err(describe)
}

/// A legend key that is a short line.
pub(crate) fn line_key(
    colour: RGBColor,
    width: u32,
) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(width))
}

/// A legend key that is a filled box.
pub(crate) fn box_key(style: ShapeStyle) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], style)
}

/// Labels as percentages of 1.
pub(crate) fn percent(value: &f64) -> String {
    format!("{:.0}%", value * 100.0)
}

/// A month index as its calendar month, for time axes.
pub(crate) fn month_label(start: crate::scenario::YearMonth) -> impl Fn(&f64) -> String {
    move |x: &f64| start.shifted(x.round() as i64).to_string()
}

/// A readable number for labels: no more digits than the value needs.
pub fn short_number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1000.0 || value == value.round() {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// An axis range that contains `values` with a little headroom; never empty.
pub fn padded_range(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let (mut low, mut high) = values
        .filter(|value| value.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), value| {
            (low.min(value), high.max(value))
        });
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    if include_zero {
        low = low.min(0.0);
        high = high.max(0.0);
    }
    let span = high - low;
    let pad = if span > 0.0 {
        span * 0.05
    } else {
        high.abs().max(1.0) * 0.5
    };
    let low = if include_zero && low >= 0.0 {
        low
    } else {
        low - pad
    };
    (low, high + pad)
}

/// The chart as the PNG would show it: RGB pixels, row by row, `SIZE` pixels.
#[cfg(test)]
pub(crate) fn render_pixels(file: &ChartFile) -> Vec<u8> {
    ensure_font().unwrap();
    let mut pixels = vec![0; (SIZE.0 * SIZE.1 * 3) as usize];
    render(
        BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area(),
        file,
    )
    .unwrap();
    pixels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_sanitised() {
        assert_eq!(
            file_stem(&["attacks", "Burkina Faso"]),
            "attacks_burkina_faso"
        );
        assert_eq!(file_stem(&["../../etc/passwd"]), "etc_passwd");
        assert_eq!(
            file_stem(&["/abs\u{7}olute", "Côte d'Ivoire"]),
            "abs_olute_c_te_d_ivoire"
        );
        assert_eq!(file_stem(&["..", "//"]), "chart");
        assert!(
            file_stem(&["Islamic State Sahel"])
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        );
    }
}
