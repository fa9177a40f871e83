//! An outcome against a varied parameter: each design point's mean with the interval that holds
//! 90% of its runs. Each series (a base scenario, or a combination of the other parameters'
//! values) gets its own colour and legend entry; series that share x values are set slightly
//! apart so that their intervals do not hide one another.

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

/// The points of one series: a base scenario, or the points where the other parameters take
/// one set of values.
#[derive(Debug, Clone)]
pub struct ScatterSeries {
    pub label: String,
    pub points: Vec<ScatterPoint>,
    /// Join the means by a line in x order: for a series that is one curve (a grid's points
    /// with the other parameters fixed), not for points that differ in other ways too.
    pub connect: bool,
}

/// Height of a legend line as a share of the plotted y range (20 px of the plot's ~600).
const LEGEND_LINE_SHARE: f64 = 0.045;

/// Share of the smallest gap between distinct x values that the dodged series spread over:
/// enough to separate their interval bars, little enough that each stays read as its x.
const DODGE_SHARE: f64 = 0.3;

/// Horizontal offset of each series: 0 unless several series have a point at the same x, else
/// spread over [`DODGE_SHARE`] of the smallest gap between distinct x values.
fn dodge_offsets(series: &[ScatterSeries]) -> Vec<f64> {
    let mut xs: Vec<f64> = series
        .iter()
        .flat_map(|series| series.points.iter().map(|point| point.x))
        .filter(|x| x.is_finite())
        .collect();
    xs.sort_by(f64::total_cmp);
    let shared = series.iter().enumerate().any(|(index, one)| {
        one.points.iter().any(|point| {
            series[index + 1..]
                .iter()
                .any(|other| other.points.iter().any(|q| q.x == point.x))
        })
    });
    if !shared || series.len() < 2 {
        return vec![0.0; series.len()];
    }
    xs.dedup();
    let gap = xs
        .windows(2)
        .map(|pair| pair[1] - pair[0])
        .fold(f64::INFINITY, f64::min);
    let gap = if gap.is_finite() {
        gap
    } else {
        // A single x: spread over a unit-sized neighbourhood of it.
        xs.first().map_or(1.0, |x| x.abs().max(1.0))
    };
    let step = gap * DODGE_SHARE / (series.len() - 1) as f64;
    let middle = (series.len() - 1) as f64 / 2.0;
    (0..series.len())
        .map(|index| (index as f64 - middle) * step)
        .collect()
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
        let offsets = dodge_offsets(&self.series);
        let (x_low, x_high) = padded_range(
            self.series
                .iter()
                .zip(&offsets)
                .flat_map(|(series, offset)| {
                    series.points.iter().map(move |point| point.x + offset)
                }),
            false,
        );
        let (y_low, y_high) = padded_range(
            all().flat_map(|point| [point.low, point.high, point.mean]),
            false,
        );
        // Room above the data for the legend (upper left), a line per series, so that it does
        // not cover the highest intervals.
        let y_high = y_high + LEGEND_LINE_SHARE * self.series.len() as f64 * (y_high - y_low);
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
        for (index, (series, &offset)) in self.series.iter().zip(&offsets).enumerate() {
            let base = colour(index);
            if series.connect {
                let mut line: Vec<(f64, f64)> = series
                    .points
                    .iter()
                    .map(|point| (point.x + offset, point.mean))
                    .collect();
                line.sort_by(|a, b| a.0.total_cmp(&b.0));
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        line,
                        base.mix(0.6).stroke_width(1),
                    )))
                    .map_err(describe)?;
            }
            chart
                .draw_series(series.points.iter().map(|point| {
                    PathElement::new(
                        [
                            (point.x + offset, point.low),
                            (point.x + offset, point.high),
                        ],
                        base.mix(0.45).stroke_width(2),
                    )
                }))
                .map_err(describe)?;
            chart
                .draw_series(
                    series
                        .points
                        .iter()
                        .map(|point| Circle::new((point.x + offset, point.mean), 5, base.filled())),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn series(xs: &[f64]) -> ScatterSeries {
        ScatterSeries {
            label: String::new(),
            points: xs
                .iter()
                .map(|&x| ScatterPoint {
                    x,
                    mean: 0.0,
                    low: 0.0,
                    high: 0.0,
                })
                .collect(),
            connect: true,
        }
    }

    #[test]
    fn series_sharing_x_values_are_set_apart_within_the_gap() {
        let offsets = dodge_offsets(&[series(&[0.0, 0.5, 1.0]), series(&[0.0, 0.5, 1.0])]);
        // Smallest gap 0.5, spread over 30% of it, centred on each x.
        assert_eq!(offsets, [-0.075, 0.075]);
        let three = dodge_offsets(&[series(&[1.0]), series(&[1.0]), series(&[1.0])]);
        // A single x: 30% of a unit neighbourhood, over two steps.
        assert_eq!(three, [-0.15, 0.0, 0.15]);
    }

    #[test]
    fn series_with_their_own_x_values_stay_in_place() {
        assert_eq!(
            dodge_offsets(&[series(&[0.0, 1.0]), series(&[0.5, 1.5])]),
            [0.0, 0.0]
        );
        assert_eq!(dodge_offsets(&[series(&[0.0, 0.0])]), [0.0]);
    }
}
