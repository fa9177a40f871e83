//! Fan chart: the median by month with 50% and 90% bands, one colour per scenario.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, GRID, TEXT, colour, describe, padded_range, short_number};
use crate::scenario::YearMonth;

/// One scenario's bands.
#[derive(Debug, Clone)]
pub struct FanSeries {
    pub label: String,
    /// Per month: [p05, p25, p50, p75, p95].
    pub quantiles: Vec<[f64; 5]>,
}

/// Median and bands over time for one metric of one actor.
#[derive(Debug, Clone)]
pub struct FanChart {
    pub start: YearMonth,
    pub y_label: String,
    pub series: Vec<FanSeries>,
}

impl FanChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let months = self
            .series
            .iter()
            .map(|series| series.quantiles.len())
            .max()
            .unwrap_or(1);
        let x_max = (months.max(2) - 1) as f64;
        let (y_low, y_high) = padded_range(
            self.series
                .iter()
                .flat_map(|series| series.quantiles.iter().flat_map(|q| [q[0], q[4]])),
            true,
        );
        let start = self.start;
        let date = move |x: &f64| start.plus(x.round().max(0.0) as usize).to_string();
        let mut chart = ChartBuilder::on(area)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..x_max, y_low..y_high)
            .map_err(describe)?;
        chart
            .configure_mesh()
            .x_labels(12)
            .y_labels(8)
            .x_label_formatter(&date)
            .y_label_formatter(&|y| short_number(*y))
            .x_desc("month")
            .y_desc(self.y_label.as_str())
            .label_style((FONT, 15).into_font().color(&TEXT))
            .axis_desc_style((FONT, 17).into_font().color(&TEXT))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .draw()
            .map_err(describe)?;

        let single = self.series.len() == 1;
        for (index, series) in self.series.iter().enumerate() {
            let base = colour(index);
            let band = |low: usize, high: usize| {
                let upper = series
                    .quantiles
                    .iter()
                    .enumerate()
                    .map(|(m, q)| (m as f64, q[high]));
                let lower = series
                    .quantiles
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(m, q)| (m as f64, q[low]));
                upper.chain(lower).collect::<Vec<_>>()
            };
            let outer_alpha = if single { 0.18 } else { 0.12 };
            let inner_alpha = if single { 0.38 } else { 0.22 };
            let outer = chart
                .draw_series(std::iter::once(Polygon::new(
                    band(0, 4),
                    base.mix(outer_alpha).filled(),
                )))
                .map_err(describe)?;
            if single {
                outer.label("90% band (p05-p95)").legend(move |(x, y)| {
                    Rectangle::new(
                        [(x, y - 6), (x + 24, y + 6)],
                        base.mix(outer_alpha).filled(),
                    )
                });
            }
            let inner = chart
                .draw_series(std::iter::once(Polygon::new(
                    band(1, 3),
                    base.mix(inner_alpha).filled(),
                )))
                .map_err(describe)?;
            if single {
                inner.label("50% band (p25-p75)").legend(move |(x, y)| {
                    Rectangle::new(
                        [(x, y - 6), (x + 24, y + 6)],
                        base.mix(inner_alpha).filled(),
                    )
                });
            }
            let median = chart
                .draw_series(LineSeries::new(
                    series
                        .quantiles
                        .iter()
                        .enumerate()
                        .map(|(m, q)| (m as f64, q[2])),
                    base.stroke_width(3),
                ))
                .map_err(describe)?;
            let label = if single {
                "median".to_owned()
            } else {
                format!("{} (median, 50% and 90% bands)", series.label)
            };
            median.label(label).legend(move |(x, y)| {
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
