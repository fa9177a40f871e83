//! Fan chart: the median by month with 50% and 90% bands, one colour per scenario; overlaid
//! scenarios' 90% bands are outlined in their colour.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Axes, box_key, colour, describe, draw_legend, draw_wide_line, line_key, month_label,
    padded_range, plot_with_axes, short_number,
};
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
    /// Observed values to draw on the bands as points: (month from the start, negative
    /// before it; value). Empty for a forecast alone.
    pub observed: Vec<(i64, f64)>,
    /// The legend entry of the observed points.
    pub observed_label: String,
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
        let (y_low, y_high) = padded_range(
            self.series
                .iter()
                .flat_map(|series| series.quantiles.iter().flat_map(|q| [q[0], q[4]]))
                .chain(self.observed.iter().map(|(_, value)| *value)),
            true,
        );
        let first_month = self
            .observed
            .iter()
            .map(|(month, _)| *month)
            .min()
            .unwrap_or(0)
            .min(0);
        let date = month_label(self.start);
        let axes = Axes {
            x: first_month as f64..(months.max(2) - 1) as f64,
            y: y_low..y_high,
            x_labels: 12,
            y_labels: 8,
            x_format: &date,
            y_format: &|y| short_number(*y),
            x_desc: "month",
            y_desc: &self.y_label,
        };
        let mut chart = plot_with_axes(area, &axes)?;
        // One scenario: its bands get legend entries. Several: one entry per scenario, and each
        // scenario's 90% band drawn as dashed boundaries in its colour over a faint fill, its 50%
        // band as a stronger fill with thin edges: fills alone blend where bands overlap (blue
        // and vermillion make grey-brown) and no longer say whose band is whose; coloured edges
        // do. One-pixel lines are drawn alike by both backends (no wide-line polygon).
        let single = self.series.len() == 1;
        let (outer_alpha, inner_alpha) = if single { (0.18, 0.38) } else { (0.06, 0.2) };
        let band = |series: &FanSeries, low: usize, high: usize| {
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
        // Layer by layer across scenarios, so that no scenario's fill covers another's lines.
        for ((low, high), alpha, label) in [
            ((0, 4), outer_alpha, "90% band (p05-p95)"),
            ((1, 3), inner_alpha, "50% band (p25-p75)"),
        ] {
            for (index, series) in self.series.iter().enumerate() {
                let fill = colour(index).mix(alpha).filled();
                let drawn = chart
                    .draw_series(std::iter::once(Polygon::new(band(series, low, high), fill)))
                    .map_err(describe)?;
                if single {
                    drawn.label(label).legend(box_key(fill));
                }
            }
        }
        if !single {
            for (index, series) in self.series.iter().enumerate() {
                for quantile in [1, 3] {
                    chart
                        .draw_series(LineSeries::new(
                            series
                                .quantiles
                                .iter()
                                .enumerate()
                                .map(|(m, q)| (m as f64, q[quantile])),
                            colour(index).stroke_width(1),
                        ))
                        .map_err(describe)?;
                }
                for quantile in [0, 4] {
                    chart
                        .draw_series(DashedLineSeries::new(
                            series
                                .quantiles
                                .iter()
                                .enumerate()
                                .map(|(m, q)| (m as f64, q[quantile])),
                            9,
                            6,
                            colour(index).stroke_width(2),
                        ))
                        .map_err(describe)?;
                }
            }
        }
        for (index, series) in self.series.iter().enumerate() {
            let base = colour(index);
            let label = if single {
                "median".to_owned()
            } else {
                format!(
                    "{} (median; 50% band shaded; 90% band dashed)",
                    series.label
                )
            };
            let median: Vec<(f64, f64)> = series
                .quantiles
                .iter()
                .enumerate()
                .map(|(m, q)| (m as f64, q[2]))
                .collect();
            draw_wide_line(&mut chart, &median, base, 3)?
                .label(label)
                .legend(line_key(base, 3));
        }
        if !self.observed.is_empty() {
            chart
                .draw_series(
                    self.observed.iter().map(|&(month, value)| {
                        Circle::new((month as f64, value), 5, BLACK.filled())
                    }),
                )
                .map_err(describe)?
                .label(self.observed_label.as_str())
                .legend(|(x, y)| Circle::new((x + 12, y), 5, BLACK.filled()));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
