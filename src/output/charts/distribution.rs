//! Distribution of an outcome over the replications: a histogram with its 5%, 50% and 95%
//! quantiles marked; several scenarios overlay as outlines.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Axes, FONT, TEXT, box_key, colour, describe, draw_legend, line_key, padded_range, percent,
    plot_with_axes, short_number,
};

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
    /// What the bars count: "runs" for an outcome's replications.
    pub counted: String,
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
        let axes = Axes {
            x: x_low..x_high,
            y: 0.0..y_high,
            x_labels: 10,
            y_labels: 8,
            x_format: &|x| short_number(*x),
            y_format: &percent,
            x_desc: &self.x_label,
            y_desc: &format!("share of {}", self.counted),
        };
        let mut chart = plot_with_axes(area, &axes)?;

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
                    .label(format!("share of {} in each bin", self.counted))
                    .legend(box_key(base.mix(0.55).filled()));
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
                    .legend(line_key(base, 2));
            }
            // Quantiles that coincide (common for counts and 0/1 outcomes) share one line and
            // one label, so that labels never overprint.
            let mut markers: Vec<(f64, Vec<&str>)> = Vec::new();
            for (marker, name) in series.markers.iter().zip(MARKER_NAMES) {
                let Some(value) = *marker else { continue };
                match markers.iter_mut().find(|(existing, _)| *existing == value) {
                    Some((_, names)) => names.push(name),
                    None => markers.push((value, vec![name])),
                }
            }
            for (value, names) in markers {
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
                    let text = format!("{} = {}", names.join(" = "), short_number(value));
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
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}
