//! Ranked horizontal bars: one row per parameter, the most influential at the top, with one bar
//! per measure (e.g. first-order and total Sobol indices) and its 95% interval where known.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FONT, GRID, TEXT, box_key, colour, describe, draw_legend, padded_range, short_number};

/// One measure of one parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub value: f64,
    /// 95% interval, where the measure has one.
    pub interval: Option<(f64, f64)>,
}

/// One parameter's row: a bar per measure, in the order of [`BarChart::measures`].
#[derive(Debug, Clone)]
pub struct BarRow {
    pub label: String,
    pub bars: Vec<Bar>,
}

/// Parameters ranked by a measure.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub x_label: String,
    /// Names of the measures, for the legend.
    pub measures: Vec<String>,
    /// Rows, most influential first.
    pub rows: Vec<BarRow>,
}

/// Width kept left of the plot for the parameters' names.
const LABEL_WIDTH: u32 = 300;

impl BarChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let (labels, plot) = area.split_horizontally(LABEL_WIDTH);
        let values = self.rows.iter().flat_map(|row| {
            row.bars.iter().flat_map(|bar| {
                let (low, high) = bar.interval.unwrap_or((bar.value, bar.value));
                [bar.value, low, high]
            })
        });
        let (x_low, x_high) = padded_range(values, true);
        let n_rows = self.rows.len().max(1);
        let mut chart = ChartBuilder::on(&plot)
            .x_label_area_size(50)
            .y_label_area_size(0)
            .build_cartesian_2d(x_low..x_high, 0.0..n_rows as f64)
            .map_err(describe)?;
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(0)
            .x_label_formatter(&|x| short_number(*x))
            .x_desc(self.x_label.as_str())
            .disable_y_mesh()
            .label_style((FONT, 15).into_font().color(&TEXT))
            .axis_desc_style((FONT, 17).into_font().color(&TEXT))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .draw()
            .map_err(describe)?;
        let n_measures = self.measures.len().max(1);
        let slot = 0.8 / n_measures as f64;
        for (row_index, row) in self.rows.iter().enumerate() {
            // The first row at the top.
            let top = n_rows as f64 - row_index as f64 - 0.1;
            for (measure, bar) in row.bars.iter().enumerate() {
                let base = colour(measure);
                let (y_high, y_low) = (
                    top - measure as f64 * slot,
                    top - (measure + 1) as f64 * slot + 0.02,
                );
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, y_low), (bar.value, y_high)],
                        base.mix(0.75).filled(),
                    )))
                    .map_err(describe)?;
                if let Some((low, high)) = bar.interval {
                    let middle = (y_low + y_high) / 2.0;
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            [(low, middle), (high, middle)],
                            BLACK.stroke_width(2),
                        )))
                        .map_err(describe)?;
                }
            }
            let label_y = plot.get_base_pixel().1 - labels.get_base_pixel().1
                + chart.backend_coord(&(0.0, top - 0.4)).1
                - plot.get_base_pixel().1;
            labels
                .draw(&Text::new(
                    row.label.clone(),
                    (LABEL_WIDTH as i32 - 12, label_y),
                    (FONT, 15)
                        .into_font()
                        .color(&TEXT)
                        .pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .map_err(describe)?;
        }
        for (measure, name) in self.measures.iter().enumerate() {
            let base = colour(measure);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, 0.0), (0.0, 0.0)],
                    base.filled(),
                )))
                .map_err(describe)?
                .label(format!("{name} (black line: 95% interval)"))
                .legend(box_key(base.mix(0.75).filled()));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)
    }
}
