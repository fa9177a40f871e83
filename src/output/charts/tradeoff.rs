//! PRIM's coverage-density trade-off (EMA Workbench's `show_tradeoff`): one point per box of
//! the peeling trajectory, coloured on a sequential scale by its number of restricted
//! dimensions, with the reported box ringed.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Axes, FONT, TEXT, describe, draw_legend, plot_with_axes};

/// One box of the trajectory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TradeoffPoint {
    pub coverage: f64,
    pub density: f64,
    pub restricted: usize,
}

/// The trajectory's boxes and the one reported.
#[derive(Debug, Clone)]
pub struct TradeoffChart {
    pub x_label: String,
    pub y_label: String,
    pub points: Vec<TradeoffPoint>,
    /// Index of the reported box in `points`, and its label.
    pub reported: Option<(usize, String)>,
}

/// Upper end of both axes: coverage and density are shares, at most 1, and a point at 1 keeps
/// its whole disc inside the plot.
pub const AXIS_END: f64 = 1.04;

/// Viridis (van der Walt & Smith, matplotlib's default sequential map) at 0, 0.22, 0.45, 0.67
/// and 0.9: perceptually even, readable in grey and with colour blindness; cut before its
/// pale yellow end, which is hard to see on white.
const SEQUENTIAL: [(u8, u8, u8); 5] = [
    (0x44, 0x01, 0x54),
    (0x3E, 0x4A, 0x89),
    (0x26, 0x82, 0x8E),
    (0x35, 0xB7, 0x79),
    (0xBD, 0xDF, 0x26),
];

/// The colour of `count` restricted dimensions out of at most `most`, on [`SEQUENTIAL`].
pub fn sequential_colour(count: usize, most: usize) -> RGBColor {
    let share = if most == 0 {
        0.0
    } else {
        count.min(most) as f64 / most as f64
    };
    let position = share * (SEQUENTIAL.len() - 1) as f64;
    let index = (position.floor() as usize).min(SEQUENTIAL.len() - 2);
    let within = position - index as f64;
    let (a, b) = (SEQUENTIAL[index], SEQUENTIAL[index + 1]);
    let mix = |from: u8, to: u8| {
        (f64::from(from) + (f64::from(to) - f64::from(from)) * within).round() as u8
    };
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl TradeoffChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let axes = Axes {
            x: 0.0..AXIS_END,
            y: 0.0..AXIS_END,
            x_labels: 11,
            y_labels: 11,
            x_format: &|x| format!("{x:.1}"),
            y_format: &|y| format!("{y:.1}"),
            x_desc: &self.x_label,
            y_desc: &self.y_label,
        };
        let mut chart = plot_with_axes(area, &axes)?;
        let most = self
            .points
            .iter()
            .map(|point| point.restricted)
            .max()
            .unwrap_or(0);
        for count in 0..=most {
            let colour = sequential_colour(count, most);
            let points: Vec<(f64, f64)> = self
                .points
                .iter()
                .filter(|point| point.restricted == count)
                .map(|point| (point.coverage, point.density))
                .collect();
            if points.is_empty() {
                continue;
            }
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|point| Circle::new(point, 6, colour.filled())),
                )
                .map_err(describe)?
                .label(format!(
                    "{count} restricted dimension{}",
                    if count == 1 { "" } else { "s" }
                ))
                .legend(move |(x, y)| Circle::new((x + 12, y), 6, colour.filled()));
        }
        if let Some((index, label)) = &self.reported
            && let Some(point) = self.points.get(*index)
        {
            let at = (point.coverage, point.density);
            chart
                .draw_series(std::iter::once(Circle::new(at, 12, TEXT.stroke_width(2))))
                .map_err(describe)?;
            // The label goes left of the ring, below it when the point is near the top.
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(at)
                        + Text::new(
                            label.clone(),
                            (-18, 14),
                            (FONT, 16)
                                .into_font()
                                .color(&TEXT)
                                .pos(Pos::new(HPos::Right, VPos::Top)),
                        ),
                ))
                .map_err(describe)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerLeft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequential_scale_runs_from_its_first_to_its_last_colour() {
        let (first, last) = (SEQUENTIAL[0], SEQUENTIAL[SEQUENTIAL.len() - 1]);
        assert_eq!(sequential_colour(0, 8), RGBColor(first.0, first.1, first.2));
        assert_eq!(sequential_colour(8, 8), RGBColor(last.0, last.1, last.2));
        assert_eq!(sequential_colour(0, 0), RGBColor(first.0, first.1, first.2));
        // Every count gets its own colour, however many there are.
        let colours: std::collections::HashSet<(u8, u8, u8)> = (0..=14)
            .map(|count| {
                let colour = sequential_colour(count, 14);
                (colour.0, colour.1, colour.2)
            })
            .collect();
        assert_eq!(colours.len(), 15);
    }
}
