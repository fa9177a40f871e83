//! Lines by month: one line with markers per series (e.g. a score of the model and of each
//! benchmark, month by month).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Axes, colour, describe, draw_legend, line_key, month_label, padded_range, plot_with_axes,
    short_number,
};
use crate::scenario::YearMonth;

/// One line: (month from the start, value) points, months increasing.
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub points: Vec<(usize, f64)>,
}

/// Several lines over the same months.
#[derive(Debug, Clone)]
pub struct LineChart {
    pub start: YearMonth,
    pub y_label: String,
    pub lines: Vec<Line>,
}

impl LineChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let points = || self.lines.iter().flat_map(|line| line.points.iter());
        let last_month = points().map(|(month, _)| *month).max().unwrap_or(1).max(1);
        let (y_low, y_high) = padded_range(points().map(|(_, value)| *value), true);
        let date = month_label(self.start);
        let axes = Axes {
            x: -0.25..last_month as f64 + 0.25,
            y: y_low..y_high,
            x_labels: 12,
            y_labels: 8,
            x_format: &date,
            y_format: &|y| short_number(*y),
            x_desc: "month",
            y_desc: &self.y_label,
        };
        let mut chart = plot_with_axes(area, &axes)?;
        for (index, line) in self.lines.iter().enumerate() {
            let base = colour(index);
            // The first line (the model) drawn heavier than the references.
            let width = if index == 0 { 3 } else { 2 };
            let coordinates: Vec<(f64, f64)> = line
                .points
                .iter()
                .map(|&(month, value)| (month as f64, value))
                .collect();
            chart
                .draw_series(LineSeries::new(
                    coordinates.iter().copied(),
                    base.stroke_width(width),
                ))
                .map_err(describe)?
                .label(line.label.as_str())
                .legend(line_key(base, width));
            chart
                .draw_series(
                    coordinates
                        .iter()
                        .map(|&point| Circle::new(point, 4, base.filled())),
                )
                .map_err(describe)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}
