//! Exceedance curve: the probability that an outcome exceeds x, for every x. The chart a reader
//! asks for when the question is "how likely is it to get this bad".

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Axes, colour, draw_legend, draw_wide_line, line_key, padded_range, percent, plot_with_axes,
    short_number,
};

/// One scenario's curve: points (x, probability that the outcome exceeds x), x increasing.
#[derive(Debug, Clone)]
pub struct ExceedanceSeries {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// Exceedance curves of one outcome.
#[derive(Debug, Clone)]
pub struct ExceedanceChart {
    pub x_label: String,
    pub series: Vec<ExceedanceSeries>,
}

impl ExceedanceChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let (x_low, x_high) = padded_range(
            self.series
                .iter()
                .flat_map(|series| series.points.iter().map(|point| point.0)),
            false,
        );
        let axes = Axes {
            x: x_low..x_high,
            y: 0.0..1.02,
            x_labels: 10,
            y_labels: 11,
            x_format: &|x| short_number(*x),
            y_format: &percent,
            x_desc: &self.x_label,
            y_desc: "probability the outcome exceeds x",
        };
        let mut chart = plot_with_axes(area, &axes)?;
        for (index, series) in self.series.iter().enumerate() {
            let base = colour(index);
            // A step curve: the probability holds until the next observed value.
            let mut steps = Vec::with_capacity(series.points.len() * 2 + 2);
            steps.push((x_low, 1.0));
            let mut previous = 1.0;
            for &(x, probability) in &series.points {
                steps.push((x, previous));
                steps.push((x, probability));
                previous = probability;
            }
            steps.push((x_high, previous));
            draw_wide_line(&mut chart, &steps, base, 3)?
                .label(series.label.as_str())
                .legend(line_key(base, 3));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}
