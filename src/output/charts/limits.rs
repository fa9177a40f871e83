//! A box's limits against the full ranges, in the style of EMA Workbench's
//! `box.inspect(style="graph")`: one row per restricted dimension, its full range in the runs
//! as a grey bar from 0 to 1, the box's limits on the same scale as a coloured bar, the limits'
//! values at the bar's ends, and the quasi-p-values of the restricted limits beside the row.
//!
//! Drawn in pixels rather than on a plotters chart: the rows are not a numeric axis, and every
//! text's place depends on the widths of the others.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FONT, GRID, TEXT, colour, describe};

/// One restricted dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitsRow {
    /// The dimension in words.
    pub label: String,
    /// The box's lower and upper limits as shares of the full range (0 = the smallest value in
    /// the runs, 1 = the largest).
    pub lower: f64,
    pub upper: f64,
    /// The limits' values as written at the bar's ends.
    pub lower_text: String,
    pub upper_text: String,
    /// Whether each side is restricted (an unrestricted side is written in grey).
    pub lower_restricted: bool,
    pub upper_restricted: bool,
    /// The quasi-p-values of the restricted sides, as written beside the row.
    pub quasi_p: String,
}

/// A box's restricted dimensions, in the order given (top to bottom).
#[derive(Debug, Clone)]
pub struct LimitsChart {
    pub rows: Vec<LimitsRow>,
    /// What the chart says instead when no dimension is restricted.
    pub when_empty: String,
}

const FULL_RANGE: RGBColor = RGBColor(0xC8, 0xC8, 0xC8);
const UNRESTRICTED_TEXT: RGBColor = RGBColor(0x88, 0x88, 0x88);
/// Tallest a row gets, in pixels: with few rows, bars stay bars rather than blocks.
const MAX_ROW_HEIGHT: i32 = 70;
const HEADER_HEIGHT: i32 = 34;
const AXIS_HEIGHT: i32 = 80;
const GAP: i32 = 14;

impl LimitsChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let (width, height) = area.dim_in_pixel();
        let (width, height) = (width as i32, height as i32);
        let font = (FONT, 16).into_font().color(&TEXT);
        if self.rows.is_empty() {
            return area
                .draw(&Text::new(
                    self.when_empty.clone(),
                    (width / 2, height / 2),
                    font.pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(describe);
        }
        let small = (FONT, 15).into_font().color(&TEXT);
        let text_width = |text: &str, style: &TextStyle| -> Result<i32, String> {
            area.estimate_text_size(text, style)
                .map(|(w, _)| w as i32)
                .map_err(describe)
        };
        let mut label_width = text_width("restricted dimension", &font)?;
        let mut quasi_p_width = text_width("quasi-p-value", &font)?;
        let mut end_width = 0;
        for row in &self.rows {
            label_width = label_width.max(text_width(&row.label, &font)?);
            quasi_p_width = quasi_p_width.max(text_width(&row.quasi_p, &small)?);
            end_width = end_width
                .max(text_width(&row.lower_text, &small)?)
                .max(text_width(&row.upper_text, &small)?);
        }
        // Columns: names (right-aligned), the bars with room for the limits' values at either
        // end, then the quasi-p-values.
        let names_right = 10 + label_width;
        let bar_left = names_right + GAP + end_width + 8;
        let quasi_p_left = width - 10 - quasi_p_width;
        let bar_right = quasi_p_left - GAP - end_width - 8;
        if bar_right <= bar_left + 50 {
            return Err("the dimensions' names are too long for the chart's width".to_owned());
        }
        let x = |share: f64| {
            bar_left + (share.clamp(0.0, 1.0) * f64::from(bar_right - bar_left)) as i32
        };
        let n_rows = self.rows.len().max(1) as i32;
        let row_height = ((height - HEADER_HEIGHT - AXIS_HEIGHT) / n_rows).min(MAX_ROW_HEIGHT);
        let top = HEADER_HEIGHT;
        let anchored = |h, v| font.clone().pos(Pos::new(h, v));
        let grey = (FONT, 15).into_font().color(&UNRESTRICTED_TEXT);
        let small_at = |restricted: bool, h| {
            if restricted { &small } else { &grey }
                .clone()
                .pos(Pos::new(h, VPos::Center))
        };
        let draw_text = |text: &str, at: (i32, i32), style| {
            area.draw(&Text::new(text.to_owned(), at, style))
                .map_err(describe)
        };
        draw_text(
            "restricted dimension",
            (names_right, top / 2),
            anchored(HPos::Right, VPos::Center),
        )?;
        draw_text(
            "box limits within the full range of the runs",
            ((bar_left + bar_right) / 2, top / 2),
            anchored(HPos::Center, VPos::Center),
        )?;
        draw_text(
            "quasi-p-value",
            (quasi_p_left, top / 2),
            anchored(HPos::Left, VPos::Center),
        )?;
        let box_colour = colour(0);
        for (index, row) in self.rows.iter().enumerate() {
            let middle = top + index as i32 * row_height + row_height / 2;
            if index > 0 {
                let line = top + index as i32 * row_height;
                area.draw(&PathElement::new(
                    [(10, line), (width - 10, line)],
                    GRID.stroke_width(1),
                ))
                .map_err(describe)?;
            }
            draw_text(
                &row.label,
                (names_right, middle),
                anchored(HPos::Right, VPos::Center),
            )?;
            let thin = (row_height / 10).max(3);
            let thick = (row_height / 4).max(6);
            area.draw(&Rectangle::new(
                [(x(0.0), middle - thin), (x(1.0), middle + thin)],
                FULL_RANGE.filled(),
            ))
            .map_err(describe)?;
            // A box that keeps a single value still shows as a mark.
            let (left, right) = (x(row.lower), x(row.upper).max(x(row.lower) + 3));
            area.draw(&Rectangle::new(
                [(left, middle - thick), (right, middle + thick)],
                box_colour.filled(),
            ))
            .map_err(describe)?;
            draw_text(
                &row.lower_text,
                (left - 8, middle),
                small_at(row.lower_restricted, HPos::Right),
            )?;
            draw_text(
                &row.upper_text,
                (right + 8, middle),
                small_at(row.upper_restricted, HPos::Left),
            )?;
            draw_text(
                &row.quasi_p,
                (quasi_p_left, middle),
                small_at(true, HPos::Left),
            )?;
        }
        // The scale under the rows, and what the bars are.
        let axis = top + n_rows * row_height + 10;
        area.draw(&PathElement::new(
            [(x(0.0), axis), (x(1.0), axis)],
            TEXT.stroke_width(1),
        ))
        .map_err(describe)?;
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            area.draw(&PathElement::new(
                [(x(tick), axis), (x(tick), axis + 5)],
                TEXT.stroke_width(1),
            ))
            .map_err(describe)?;
            draw_text(
                &format!("{tick}"),
                (x(tick), axis + 8),
                small.clone().pos(Pos::new(HPos::Center, VPos::Top)),
            )?;
        }
        let key = axis + 46;
        let mut key_x = x(0.0);
        for (style, label) in [
            (
                FULL_RANGE.filled(),
                "full range of the runs (0 = smallest value, 1 = largest)",
            ),
            (
                box_colour.filled(),
                "the box's limits (grey values: side not restricted)",
            ),
        ] {
            area.draw(&Rectangle::new(
                [(key_x, key - 6), (key_x + 24, key + 6)],
                style,
            ))
            .map_err(describe)?;
            draw_text(label, (key_x + 32, key), small_at(true, HPos::Left))?;
            key_x += 32 + text_width(label, &small)? + 40;
        }
        Ok(())
    }
}
