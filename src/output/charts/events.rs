//! Event timing: the probability that an event has fired by the end of each month.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Axes, colour, describe, draw_legend, line_key, month_label, percent, plot_with_axes};
use crate::scenario::YearMonth;

/// One scenario's cumulative probabilities by month.
#[derive(Debug, Clone)]
pub struct EventTimingSeries {
    pub label: String,
    pub cumulative: Vec<f64>,
}

/// When one event fires.
#[derive(Debug, Clone)]
pub struct EventTimingChart {
    pub start: YearMonth,
    pub series: Vec<EventTimingSeries>,
}

impl EventTimingChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let months = self
            .series
            .iter()
            .map(|series| series.cumulative.len())
            .max()
            .unwrap_or(1);
        let date = month_label(self.start);
        let axes = Axes {
            x: 0.0..(months.max(2) - 1) as f64,
            y: 0.0..1.02,
            x_labels: 12,
            y_labels: 11,
            x_format: &date,
            y_format: &percent,
            x_desc: "month",
            y_desc: "probability it has happened by this month",
        };
        let mut chart = plot_with_axes(area, &axes)?;
        for (index, series) in self.series.iter().enumerate() {
            let base = colour(index);
            let points = series
                .cumulative
                .iter()
                .enumerate()
                .map(|(month, &p)| (month as f64, p));
            chart
                .draw_series(LineSeries::new(points, base.stroke_width(3)))
                .map_err(describe)?
                .label(series.label.as_str())
                .legend(line_key(base, 3));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
