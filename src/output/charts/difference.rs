//! Paired differences against the first scenario: one panel per outcome, each comparison
//! scenario's mean difference as a dot with its 95% confidence interval as a bar, the scenarios
//! told apart by colour in a legend above the panels.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FONT, GRID, TEXT, colour, describe, padded_range, short_number};

/// One scenario's difference from the first for one outcome.
#[derive(Debug, Clone)]
pub struct DifferenceRow {
    pub scenario: String,
    /// Position of the scenario in the comparison (colour), 1 for the second scenario.
    pub scenario_index: usize,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// One outcome's panel.
#[derive(Debug, Clone)]
pub struct DifferencePanel {
    pub outcome: String,
    pub unit: String,
    pub rows: Vec<DifferenceRow>,
}

/// All outcomes' paired differences.
#[derive(Debug, Clone)]
pub struct DifferenceChart {
    pub panels: Vec<DifferencePanel>,
}

/// Height of the legend strip above the panels.
const LEGEND_HEIGHT: u32 = 34;

impl DifferenceChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let (legend, panels_area) = area.split_vertically(LEGEND_HEIGHT);
        self.draw_legend(&legend)?;
        let count = self.panels.len().max(1);
        let columns = (count as f64).sqrt().ceil() as usize;
        let rows = count.div_ceil(columns);
        let cells = panels_area.split_evenly((rows, columns));
        for (panel, cell) in self.panels.iter().zip(&cells) {
            draw_panel(panel, &cell.margin(6, 6, 6, 6), rows)?;
        }
        Ok(())
    }

    /// One entry per compared scenario: its colour and name, left to right.
    fn draw_legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let mut scenarios: Vec<(usize, &str)> = Vec::new();
        for row in self.panels.iter().flat_map(|panel| &panel.rows) {
            if !scenarios
                .iter()
                .any(|(index, _)| *index == row.scenario_index)
            {
                scenarios.push((row.scenario_index, &row.scenario));
            }
        }
        let style = (FONT, 16)
            .into_font()
            .color(&TEXT)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let mut x = 20;
        for (index, name) in scenarios {
            area.draw(&Circle::new((x, 16), 7, colour(index).filled()))
                .map_err(describe)?;
            area.draw(&Text::new(name.to_owned(), (x + 14, 16), style.clone()))
                .map_err(describe)?;
            let (width, _) = area.estimate_text_size(name, &style).map_err(describe)?;
            x += 14 + width as i32 + 36;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(
    panel: &DifferencePanel,
    area: &DrawingArea<DB, Shift>,
    grid_rows: usize,
) -> Result<(), String> {
    let n_rows = panel.rows.len().max(1);
    let (x_low, x_high) = padded_range(
        panel
            .rows
            .iter()
            .flat_map(|row| [row.low, row.high, row.mean]),
        true,
    );
    let caption = if panel.unit.is_empty() {
        panel.outcome.clone()
    } else {
        format!("{} ({})", panel.outcome, panel.unit)
    };
    let small = grid_rows > 2;
    let font = (FONT, if small { 14 } else { 17 }).into_font().color(&TEXT);
    let caption = fitted(area, caption, &font)?;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, font)
        .x_label_area_size(if small { 24 } else { 36 })
        .y_label_area_size(12)
        .build_cartesian_2d(x_low..x_high, -0.6..(n_rows as f64 - 0.4))
        .map_err(describe)?;
    chart
        .configure_mesh()
        .x_labels(5)
        .y_labels(0)
        .x_label_formatter(&|x| short_number(*x))
        .disable_y_mesh()
        .label_style((FONT, if small { 12 } else { 14 }).into_font().color(&TEXT))
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .draw()
        .map_err(describe)?;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, -0.6), (0.0, n_rows as f64 - 0.4)],
            6,
            4,
            BLACK.stroke_width(1),
        ))
        .map_err(describe)?;
    for (position, row) in panel.rows.iter().enumerate() {
        let base = colour(row.scenario_index);
        let y = position as f64;
        chart
            .draw_series(std::iter::once(PathElement::new(
                [(row.low, y), (row.high, y)],
                base.stroke_width(4),
            )))
            .map_err(describe)?;
        chart
            .draw_series(std::iter::once(Circle::new(
                (row.mean, y),
                7,
                base.filled(),
            )))
            .map_err(describe)?;
    }
    Ok(())
}

/// `text` cut short with an ellipsis where it is wider than `area`, so that neighbouring
/// panels' captions never run into each other (long labels a scenario gives its outcomes).
fn fitted<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: String,
    style: &TextStyle,
) -> Result<String, String> {
    let width = area.dim_in_pixel().0;
    let fits = |candidate: &str| -> Result<bool, String> {
        let (text_width, _) = area
            .estimate_text_size(candidate, style)
            .map_err(describe)?;
        Ok(text_width + 8 <= width)
    };
    if fits(&text)? {
        return Ok(text);
    }
    let mut characters: Vec<char> = text.chars().collect();
    while !characters.is_empty() {
        characters.pop();
        let candidate = format!(
            "{}\u{2026}",
            characters.iter().collect::<String>().trim_end()
        );
        if fits(&candidate)? {
            return Ok(candidate);
        }
    }
    Ok(String::new())
}
