//! Lines by month or by step: one line with markers per series (a score of the model and of
//! each benchmark, month by month; a tolerance, generation by generation).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Axes, colour, describe, draw_legend, draw_wide_line, line_key, month_label, padded_range,
    plot_with_axes, short_number,
};
use crate::scenario::YearMonth;

/// One line: (month from the start, value) points, months increasing.
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub points: Vec<(usize, f64)>,
}

/// Formats an axis value.
type Label = dyn Fn(&f64) -> String;

/// What the x axis counts.
#[derive(Debug, Clone)]
pub enum XAxis {
    /// Months from `start`, labelled with their calendar month.
    Months(YearMonth),
    /// Steps 0, 1, 2, ... with this axis label (generations, say).
    Steps(String),
}

/// Several lines over the same months (or steps).
#[derive(Debug, Clone)]
pub struct LineChart {
    pub x_axis: XAxis,
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
        let (x_format, x_desc): (Box<Label>, &str) = match &self.x_axis {
            XAxis::Months(start) => (Box::new(month_label(*start)), "month"),
            XAxis::Steps(label) => (Box::new(|x: &f64| format!("{}", x.round())), label),
        };
        let x_labels = match self.x_axis {
            XAxis::Months(_) => 12,
            XAxis::Steps(_) => last_month + 1,
        };
        let axes = Axes {
            x: -0.25..last_month as f64 + 0.25,
            y: y_low..y_high,
            x_labels,
            y_labels: 8,
            x_format: &x_format,
            y_format: &|y| short_number(*y),
            x_desc,
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
            draw_wide_line(&mut chart, &coordinates, base, width)?
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
