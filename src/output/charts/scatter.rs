//! An outcome against a varied parameter: each design point's mean with the interval that holds
//! 90% of its runs. Several base scenarios get one colour each.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Axes, colour, describe, draw_legend, padded_range, plot_with_axes, short_number};

/// One design point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScatterPoint {
    pub x: f64,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// The points of one base scenario.
#[derive(Debug, Clone)]
pub struct ScatterSeries {
    pub label: String,
    pub points: Vec<ScatterPoint>,
}

/// Outcome against parameter.
#[derive(Debug, Clone)]
pub struct ScatterChart {
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<ScatterSeries>,
}

impl ScatterChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let all = || self.series.iter().flat_map(|series| series.points.iter());
        let (x_low, x_high) = padded_range(all().map(|point| point.x), false);
        let (y_low, y_high) = padded_range(
            all().flat_map(|point| [point.low, point.high, point.mean]),
            false,
        );
        let axes = Axes {
            x: x_low..x_high,
            y: y_low..y_high,
            x_labels: 10,
            y_labels: 8,
            x_format: &|x| short_number(*x),
            y_format: &|y| short_number(*y),
            x_desc: &self.x_label,
            y_desc: &self.y_label,
        };
        let mut chart = plot_with_axes(area, &axes)?;
        for (index, series) in self.series.iter().enumerate() {
            let base = colour(index);
            chart
                .draw_series(series.points.iter().map(|point| {
                    PathElement::new(
                        [(point.x, point.low), (point.x, point.high)],
                        base.mix(0.45).stroke_width(2),
                    )
                }))
                .map_err(describe)?;
            chart
                .draw_series(
                    series
                        .points
                        .iter()
                        .map(|point| Circle::new((point.x, point.mean), 5, base.filled())),
                )
                .map_err(describe)?
                .label(
                    if series.points.iter().all(|point| point.low == point.high) {
                        // Points without an interval (a posterior's particles): no bars to explain.
                        series.label.clone()
                    } else {
                        format!("{} (dot: mean; bar: 5%-95% of runs)", series.label)
                    },
                )
                .legend(move |(x, y)| Circle::new((x + 12, y), 5, base.filled()));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
