//! An outcome against a varied parameter: each design point's mean with the interval that holds
//! 90% of its runs. Several base scenarios get one colour each.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, GRID, TEXT, colour, describe, padded_range, short_number};

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
        let mut chart = ChartBuilder::on(area)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x_low..x_high, y_low..y_high)
            .map_err(describe)?;
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&|x| short_number(*x))
            .y_label_formatter(&|y| short_number(*y))
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .label_style((FONT, 15).into_font().color(&TEXT))
            .axis_desc_style((FONT, 17).into_font().color(&TEXT))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .draw()
            .map_err(describe)?;
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
                .label(format!("{} (dot: mean; bar: 5%-95% of runs)", series.label))
                .legend(move |(x, y)| Circle::new((x + 12, y), 5, base.filled()));
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
