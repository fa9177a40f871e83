//! Distribution of an outcome over the replications: a histogram with its 5%, 50% and 95%
//! quantiles marked; several scenarios overlay as outlines. The quantiles' labels are laid out
//! by [`layout_labels`], so that close quantiles never print over each other.

use plotters::coord::{ReverseCoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Axes, FONT, TEXT, colour, describe, draw_legend, draw_wide_line, line_key, padded_range,
    percent, plot_with_axes, short_number,
};

/// One histogram bin: [low, high) and the share of replications in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    pub share: f64,
}

/// One scenario's histogram.
#[derive(Debug, Clone)]
pub struct DistributionSeries {
    pub label: String,
    pub bins: Vec<Bin>,
    /// p05, p50, p95.
    pub markers: [Option<f64>; 3],
}

/// Histogram of one outcome.
#[derive(Debug, Clone)]
pub struct DistributionChart {
    pub x_label: String,
    /// What the bars count: "runs" for an outcome's replications.
    pub counted: String,
    pub series: Vec<DistributionSeries>,
}

const MARKER_NAMES: [&str; 3] = ["p05", "p50", "p95"];
/// Pixels between a marker's line and its label, between labels, and above the first row.
const LABEL_GAP: f64 = 6.0;

/// A label's box in pixels, from the plotting area's top-left corner, y downwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelBox {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl LabelBox {
    pub fn right(&self) -> f64 {
        self.left + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }

    /// Whether the two boxes share any area (touching edges do not count).
    pub fn intersects(&self, other: &LabelBox) -> bool {
        self.left < other.right()
            && other.left < self.right()
            && self.top < other.bottom()
            && other.top < self.bottom()
    }
}

/// Where the labels of markers go: `labels` are (marker x, label width) in pixels, `height` the
/// labels' height, `plot_width` the plotting area's width; the boxes come back in the same order.
///
/// A label starts just right of its marker (just left of it where it would leave the plot), in
/// rows counted down from the top of the plot: each label, taken from left to right, goes one
/// row below the lowest label already placed that it would come within `LABEL_GAP` of. So no
/// two labels overlap, whatever the markers' values (equal ones included), and a marker's line,
/// drawn from the axis up to its own label, passes under the labels to its left that reach over
/// it, which sit in higher rows.
pub fn layout_labels(labels: &[(f64, f64)], height: f64, plot_width: f64) -> Vec<LabelBox> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by(|&a, &b| labels[a].0.total_cmp(&labels[b].0));
    let mut placed: Vec<(usize, LabelBox)> = Vec::with_capacity(labels.len());
    let mut rows = vec![0; labels.len()];
    for index in order {
        let (x, width) = labels[index];
        let left = if x + LABEL_GAP + width <= plot_width {
            x + LABEL_GAP
        } else {
            (x - LABEL_GAP - width).max(0.0)
        };
        let near = |other: &LabelBox| {
            left < other.right() + LABEL_GAP && other.left < left + width + LABEL_GAP
        };
        let row = placed
            .iter()
            .filter(|(_, other)| near(other))
            .map(|(other_index, _)| rows[*other_index] + 1)
            .max()
            .unwrap_or(0);
        rows[index] = row;
        let label = LabelBox {
            left,
            top: LABEL_GAP + row as f64 * (height + LABEL_GAP),
            width,
            height,
        };
        placed.push((index, label));
    }
    placed.sort_by_key(|(index, _)| *index);
    placed.into_iter().map(|(_, label)| label).collect()
}

impl DistributionChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let bins = self.series.iter().flat_map(|series| series.bins.iter());
        let (x_low, x_high) = padded_range(bins.clone().flat_map(|bin| [bin.low, bin.high]), false);
        let y_high = bins.map(|bin| bin.share).fold(0.0, f64::max).max(1e-9) * 1.18;
        let axes = Axes {
            x: x_low..x_high,
            y: 0.0..y_high,
            x_labels: 10,
            y_labels: 8,
            x_format: &|x| short_number(*x),
            y_format: &percent,
            x_desc: &self.x_label,
            y_desc: &format!("share of {}", self.counted),
        };
        let mut chart = plot_with_axes(area, &axes)?;

        let single = self.series.len() == 1;
        for (index, series) in self.series.iter().enumerate() {
            let base = colour(index);
            if single {
                chart
                    .draw_series(series.bins.iter().map(|bin| {
                        Rectangle::new(
                            [(bin.low, 0.0), (bin.high, bin.share)],
                            base.mix(0.55).filled(),
                        )
                    }))
                    .map_err(describe)?;
            } else {
                let outline: Vec<(f64, f64)> = series
                    .bins
                    .iter()
                    .flat_map(|bin| [(bin.low, bin.share), (bin.high, bin.share)])
                    .collect();
                draw_wide_line(&mut chart, &outline, base, 2)?
                    .label(format!(
                        "{} (line: histogram, dashes: p05, p50, p95)",
                        series.label
                    ))
                    .legend(line_key(base, 2));
            }
            // Quantiles that coincide (common for counts and 0/1 outcomes) share one line and
            // one label, so that labels never overprint.
            let mut markers: Vec<(f64, Vec<&str>)> = Vec::new();
            for (marker, name) in series.markers.iter().zip(MARKER_NAMES) {
                let Some(value) = *marker else { continue };
                match markers.iter_mut().find(|(existing, _)| *existing == value) {
                    Some((_, names)) => names.push(name),
                    None => markers.push((value, vec![name])),
                }
            }
            if single {
                draw_labelled_markers(&mut chart, &markers, base)?;
            } else {
                let top = y_high * (0.97 - 0.05 * index as f64);
                for (value, _) in &markers {
                    chart
                        .draw_series(DashedLineSeries::new(
                            [(*value, 0.0), (*value, top)],
                            8,
                            5,
                            base.stroke_width(2),
                        ))
                        .map_err(describe)?;
                }
            }
        }
        // One scenario needs no legend (the axis says what the bars are, the caption what the
        // dashes are), and one in the upper corner would cover the quantiles' labels there.
        if single {
            Ok(())
        } else {
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
        }
    }
}

/// Draws each marker as a dashed line from the axis up to its label, the labels laid out by
/// [`layout_labels`] on a white ground, so that another marker's line never hides their text.
fn draw_labelled_markers<'a, DB: DrawingBackend + 'a>(
    chart: &mut super::Plot<'a, DB>,
    markers: &[(f64, Vec<&str>)],
    colour: RGBColor,
) -> Result<(), String> {
    let font = (FONT, 15).into_font().color(&TEXT);
    let plotting = chart.plotting_area().strip_coord_spec();
    let (plot_width, _) = plotting.dim_in_pixel();
    let base = plotting.get_base_pixel();
    let texts: Vec<String> = markers
        .iter()
        .map(|(value, names)| format!("{} = {}", names.join(" = "), short_number(*value)))
        .collect();
    let mut sizes = Vec::with_capacity(texts.len());
    for text in &texts {
        sizes.push(plotting.estimate_text_size(text, &font).map_err(describe)?);
    }
    // The box is a little larger than the text, so that its white ground frames it.
    let padding = 3.0;
    let height = sizes
        .iter()
        .map(|size| f64::from(size.1))
        .fold(0.0, f64::max)
        + 2.0 * padding;
    let labels: Vec<(f64, f64)> = markers
        .iter()
        .zip(&sizes)
        .map(|((value, _), size)| {
            let x = chart.backend_coord(&(*value, 0.0)).0 - base.0;
            (f64::from(x), f64::from(size.0) + 2.0 * padding)
        })
        .collect();
    let boxes = layout_labels(&labels, height, f64::from(plot_width));
    for ((value, _), label) in markers.iter().zip(&boxes) {
        let bottom = (base.0, base.1 + label.bottom().round() as i32);
        let top = chart
            .as_coord_spec()
            .reverse_translate(bottom)
            .map_or(0.0, |(_, y)| y);
        chart
            .draw_series(DashedLineSeries::new(
                [(*value, 0.0), (*value, top)],
                8,
                5,
                colour.stroke_width(2),
            ))
            .map_err(describe)?;
    }
    for (text, label) in texts.iter().zip(&boxes) {
        let corner = (label.left.round() as i32, label.top.round() as i32);
        let far = (label.right().round() as i32, label.bottom().round() as i32);
        plotting
            .draw(&Rectangle::new([corner, far], WHITE.mix(0.9).filled()))
            .map_err(describe)?;
        plotting
            .draw(&Text::new(
                text.as_str(),
                (corner.0 + padding as i32, corner.1 + padding as i32),
                font.pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .map_err(describe)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_apart(labels: &[(f64, f64)], plot_width: f64) -> Vec<LabelBox> {
        let boxes = layout_labels(labels, 20.0, plot_width);
        assert_eq!(boxes.len(), labels.len());
        for (index, label) in boxes.iter().enumerate() {
            assert!(
                label.left >= 0.0 && label.right() <= plot_width,
                "{label:?} leaves the plot"
            );
            for other in &boxes[index + 1..] {
                assert!(!label.intersects(other), "{label:?} and {other:?} overlap");
            }
        }
        boxes
    }

    /// The case of the issue: p05 = 17, p50 = 19, p95 = 21 a few pixels apart printed as
    /// "p05 = 1750 = 1995 = 21". Close, equal, and at the plot's edges, labels never overlap.
    #[test]
    fn labels_of_close_or_equal_markers_do_not_overlap() {
        let width = 64.0;
        for markers in [
            [200.0, 248.0, 296.0],
            [200.0, 204.0, 208.0],
            [200.0, 200.0, 200.0],
            [200.0, 200.0, 201.0],
            [0.0, 0.0, 1.0],
            [1000.0, 1040.0, 1079.0],
            [1079.0, 1079.0, 1079.0],
        ] {
            let labels: Vec<(f64, f64)> = markers.iter().map(|&x| (x, width)).collect();
            assert_apart(&labels, 1080.0);
        }
        // Markers far apart stay on one row.
        let boxes = assert_apart(&[(100.0, width), (400.0, width), (700.0, width)], 1080.0);
        assert!(boxes.iter().all(|label| label.top == boxes[0].top));
    }

    /// A marker's line runs from the axis (the bottom) up to its own label; no other label
    /// may sit across it below that label.
    #[test]
    fn no_marker_line_crosses_another_label() {
        let labels = [(200.0, 90.0), (204.0, 60.0), (230.0, 60.0), (300.0, 60.0)];
        let boxes = assert_apart(&labels, 1080.0);
        for (index, (x, _)) in labels.iter().enumerate() {
            for (other_index, other) in boxes.iter().enumerate() {
                if other_index != index {
                    let across = other.left <= *x && *x <= other.right();
                    assert!(
                        !(across && other.bottom() > boxes[index].bottom()),
                        "the line at {x} crosses {other:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn labels_sit_beside_their_marker() {
        let boxes = layout_labels(&[(100.0, 50.0), (1070.0, 50.0)], 20.0, 1080.0);
        assert_eq!(boxes[0].left, 100.0 + LABEL_GAP);
        assert_eq!(boxes[1].right(), 1070.0 - LABEL_GAP);
    }
}
