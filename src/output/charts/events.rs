//! Event timing: the probability that an event has fired by the end of each month.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, GRID, TEXT, colour, describe};
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
        let x_max = (months.max(2) - 1) as f64;
        let start = self.start;
        let date = move |x: &f64| start.plus(x.round().max(0.0) as usize).to_string();
        let mut chart = ChartBuilder::on(area)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..x_max, 0.0..1.02)
            .map_err(describe)?;
        chart
            .configure_mesh()
            .x_labels(12)
            .y_labels(11)
            .x_label_formatter(&date)
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .x_desc("month")
            .y_desc("probability it has happened by this month")
            .label_style((FONT, 15).into_font().color(&TEXT))
            .axis_desc_style((FONT, 17).into_font().color(&TEXT))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .draw()
            .map_err(describe)?;
        for (index, series) in self.series.iter().enumerate() {
            let base = colour(index);
            chart
                .draw_series(LineSeries::new(
                    series
                        .cumulative
                        .iter()
                        .enumerate()
                        .map(|(month, &p)| (month as f64, p)),
                    base.stroke_width(3),
                ))
                .map_err(describe)?
                .label(series.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], base.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 15).into_font().color(&TEXT))
            .background_style(WHITE.mix(0.85))
            .border_style(GRID)
            .draw()
            .map_err(describe)
    }
}
