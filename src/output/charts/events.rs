//! Event timing: the probability that an event has fired by the end of each month.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Axes, colour, draw_legend, draw_wide_line, line_key, month_label, percent, plot_with_axes,
};
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
            let points: Vec<(f64, f64)> = series
                .cumulative
                .iter()
                .enumerate()
                .map(|(month, &p)| (month as f64, p))
                .collect();
            draw_wide_line(&mut chart, &points, base, 3)?
                .label(series.label.as_str())
                .legend(line_key(base, 3));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::charts::{Chart, ChartFile, Frame, SIZE, render_pixels};

    /// Runs (of 2,000) in which `power_vacuum` first fired, month by month: niger_realignment,
    /// seed 2025, the chart the dip was seen on.
    const FIRED_IN_MONTH: [u32; 60] = [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 174, 445, 537, 341, 67, 1, 1, 0, 0, 0,
        0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 2, 2, 0, 0, 1, 1, 4, 1, 4, 3, 2, 3, 3, 2, 3, 1, 3, 2,
        3, 0, 0,
    ];

    /// Regression: a cumulative probability drawn with plotters' wide `LineSeries` dipped in
    /// the PNG, by a pixel over a stretch of about 15 (a flat stretch just before the rise).
    /// Column by column, the line's upper edge must never come lower in the image than it was
    /// anywhere to its left; its lower edge may come lower by one pixel, no more, because the
    /// bitmap's filler makes flat segments a pixel thicker than sloped ones.
    #[test]
    fn a_cumulative_probability_never_dips_in_the_png() {
        let mut fired = 0;
        let cumulative = FIRED_IN_MONTH
            .iter()
            .map(|&count| {
                fired += count;
                f64::from(fired) / 2000.0
            })
            .collect();
        let file = ChartFile {
            chart: Chart::EventTiming(EventTimingChart {
                start: YearMonth {
                    year: 2025,
                    month: 5,
                },
                series: vec![EventTimingSeries {
                    label: "power_vacuum".to_owned(),
                    cumulative,
                }],
            }),
            frame: Frame {
                title: "when does power_vacuum happen?".to_owned(),
                caption: String::new(),
            },
            stem: "event".to_owned(),
        };
        let pixels = render_pixels(&file);
        let (width, height) = (SIZE.0 as usize, SIZE.1 as usize);
        let line = colour(0);
        // Mostly the line's colour: edge pixels blended with white by half or less do not count.
        let is_line = |x: usize, y: usize| {
            let pixel = &pixels[(y * width + x) * 3..][..3];
            let distance = |channel: u8, target: u8| (i32::from(channel) - i32::from(target)).abs();
            distance(pixel[0], line.0) < 60
                && distance(pixel[1], line.1) < 60
                && distance(pixel[2], line.2) < 60
        };
        // Below the title and the legend's key (the top 160 rows); the curve's highest value,
        // 81%, is drawn lower.
        let edges: Vec<(usize, usize, usize)> = (0..width)
            .filter_map(|x| {
                let rows: Vec<usize> = (160..height).filter(|&y| is_line(x, y)).collect();
                Some((x, *rows.first()?, *rows.last()?))
            })
            .collect();
        assert!(edges.len() > width * 3 / 4, "the line was not found");
        let (_, mut highest_top, mut highest_bottom) = edges[0];
        for &(x, top, bottom) in &edges {
            assert!(
                top <= highest_top && bottom <= highest_bottom + 1,
                "the line dips in column {x}: edges at rows {top} and {bottom}, \
                 below {highest_top} and {highest_bottom} further left"
            );
            highest_top = highest_top.min(top);
            highest_bottom = highest_bottom.min(bottom);
        }
    }
}
