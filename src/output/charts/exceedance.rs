//! Exceedance curve: the probability that an outcome exceeds x, for every x. The chart a reader
//! asks for when the question is "how likely is it to get this bad".

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, GRID, TEXT, colour, describe, padded_range, short_number};

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
        let mut chart = ChartBuilder::on(area)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x_low..x_high, 0.0..1.02)
            .map_err(describe)?;
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(11)
            .x_label_formatter(&|x| short_number(*x))
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .x_desc(self.x_label.as_str())
            .y_desc("probability the outcome exceeds x")
            .label_style((FONT, 15).into_font().color(&TEXT))
            .axis_desc_style((FONT, 17).into_font().color(&TEXT))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .draw()
            .map_err(describe)?;
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
            chart
                .draw_series(LineSeries::new(steps, base.stroke_width(3)))
                .map_err(describe)?
                .label(series.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], base.stroke_width(3))
                });
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
