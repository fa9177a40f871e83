//! Distribution of an outcome over the replications: a histogram with its 5%, 50% and 95%
//! quantiles marked; several scenarios overlay as outlines.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FONT, GRID, TEXT, colour, describe, padded_range, short_number};

/// One histogram bin: [low, high) and the share of replications in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    pub share: f64,
}

/// One scenario's histogram.
#[derive(Debug, Clone)]
pub struct DistributionSeries {
    pub label: String,
    pub bins: Vec<Bin>,
    /// p05, p50, p95.
    pub markers: [Option<f64>; 3],
}

/// Histogram of one outcome.
#[derive(Debug, Clone)]
pub struct DistributionChart {
    pub x_label: String,
    pub series: Vec<DistributionSeries>,
}

const MARKER_NAMES: [&str; 3] = ["p05", "p50", "p95"];

impl DistributionChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let bins = self.series.iter().flat_map(|series| series.bins.iter());
        let (x_low, x_high) = padded_range(bins.clone().flat_map(|bin| [bin.low, bin.high]), false);
        let y_high = bins.map(|bin| bin.share).fold(0.0, f64::max).max(1e-9) * 1.18;
        let mut chart = ChartBuilder::on(area)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x_low..x_high, 0.0..y_high)
            .map_err(describe)?;
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&|x| short_number(*x))
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .x_desc(self.x_label.as_str())
            .y_desc("share of runs")
            .label_style((FONT, 15).into_font().color(&TEXT))
            .axis_desc_style((FONT, 17).into_font().color(&TEXT))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .draw()
            .map_err(describe)?;

        let single = self.series.len() == 1;
        for (index, series) in self.series.iter().enumerate() {
            let base = colour(index);
            if single {
                chart
                    .draw_series(series.bins.iter().map(|bin| {
                        Rectangle::new(
                            [(bin.low, 0.0), (bin.high, bin.share)],
                            base.mix(0.55).filled(),
                        )
                    }))
                    .map_err(describe)?
                    .label("share of runs in each bin")
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 24, y + 6)], base.mix(0.55).filled())
                    });
            } else {
                let outline: Vec<(f64, f64)> = series
                    .bins
                    .iter()
                    .flat_map(|bin| [(bin.low, bin.share), (bin.high, bin.share)])
                    .collect();
                chart
                    .draw_series(LineSeries::new(outline, base.stroke_width(2)))
                    .map_err(describe)?
                    .label(format!(
                        "{} (line: histogram, dashes: p05, p50, p95)",
                        series.label
                    ))
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 24, y)], base.stroke_width(2))
                    });
            }
            for (marker, name) in series.markers.iter().zip(MARKER_NAMES) {
                let Some(value) = *marker else { continue };
                let top = y_high
                    * if single {
                        0.93
                    } else {
                        0.97 - 0.05 * index as f64
                    };
                chart
                    .draw_series(DashedLineSeries::new(
                        [(value, 0.0), (value, top)],
                        8,
                        5,
                        base.stroke_width(2),
                    ))
                    .map_err(describe)?;
                if single {
                    let text = format!("{name} = {}", short_number(value));
                    let style = (FONT, 15)
                        .into_font()
                        .color(&TEXT)
                        .pos(Pos::new(HPos::Center, VPos::Bottom));
                    chart
                        .draw_series(std::iter::once(Text::new(text, (value, top), style)))
                        .map_err(describe)?;
                }
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 15).into_font().color(&TEXT))
            .background_style(WHITE.mix(0.85))
            .border_style(GRID)
            .draw()
            .map_err(describe)
    }
}
