//! Numbers written as their intervals support them, and the aligned text and HTML tables that
//! `sensitivity` and `batch` print and put in their reports.
//!
//! A policy reader copies numbers as they are printed, so a printed digit must mean something:
//! an estimate gets the decimals that show its interval's width to two significant digits, and
//! more only where the interval's ends would otherwise print alike ("-0.18 (-0.18 to -0.18)"
//! claims a precision the interval does not have, and hides the interval).

use std::fmt::Write as _;

use crate::output::report::escape;

/// Most decimals ever printed: beyond 15, an f64's digits are noise.
const MAX_DECIMALS: usize = 15;

/// `value` with `decimals` decimals, never "-0" or "-0.00" (a negative number that rounds to 0
/// is 0 to the reader).
pub fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(unsigned) if unsigned.chars().all(|c| c == '0' || c == '.') => unsigned.to_owned(),
        _ => text,
    }
}

/// The decimals to print an estimate with the interval `low` to `high`: enough to show the
/// interval's width to two significant digits, and more until its two ends differ. None when
/// the interval has no width (or is not finite): there is nothing to round to.
pub fn decimals_for(low: f64, high: f64) -> Option<usize> {
    let width = high - low;
    if !(width.is_finite() && width > 0.0) {
        return None;
    }
    let mut decimals = 0;
    let mut scaled = width;
    while scaled < 10.0 && decimals < MAX_DECIMALS {
        scaled *= 10.0;
        decimals += 1;
    }
    while fixed(low, decimals) == fixed(high, decimals) && decimals < MAX_DECIMALS {
        decimals += 1;
    }
    Some(decimals)
}

/// A number with no interval to round to: whole numbers as such, others to three significant
/// digits (at least one decimal is kept so that 0.5 does not print as 1).
pub fn plain(value: f64) -> String {
    if !value.is_finite() {
        return "-".to_owned();
    }
    if value == value.round() {
        return fixed(value, 0);
    }
    let mut decimals = 1;
    let mut scaled = value.abs();
    while scaled < 100.0 && decimals < MAX_DECIMALS {
        scaled *= 10.0;
        decimals += 1;
    }
    fixed(value, decimals.saturating_sub(1).max(1))
}

/// An estimate and its interval as three texts, rounded alike (see [`decimals_for`]); an
/// interval with no width gives the estimate as [`plain`] and both ends equal to it.
pub fn rounded(estimate: f64, low: f64, high: f64) -> (String, String, String) {
    match decimals_for(low, high) {
        Some(decimals) => (
            fixed(estimate, decimals),
            fixed(low, decimals),
            fixed(high, decimals),
        ),
        None => {
            let text = plain(estimate);
            (text.clone(), text.clone(), text)
        }
    }
}

/// "0.62 (0.55 to 0.70)"; "0 (no spread)" when the interval has no width (every resample or
/// run gave the same value), so that no interval is printed as a single point.
pub fn with_interval(estimate: f64, low: f64, high: f64) -> String {
    if decimals_for(low, high).is_none() {
        return format!("{} (no spread)", plain(estimate));
    }
    let (estimate, low, high) = rounded(estimate, low, high);
    format!("{estimate} ({low} to {high})")
}

/// A table to print or report: a header, rows of cells, and which columns hold numbers
/// (right-aligned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub right_aligned: Vec<bool>,
}

impl Table {
    /// As text; see [`text_table`].
    pub fn text(&self, indent: &str) -> String {
        text_table(&self.header, &self.rows, &self.right_aligned, indent)
    }

    /// As HTML; see [`html_table`].
    pub fn html(&self) -> String {
        html_table(&self.header, &self.rows, &self.right_aligned)
    }
}

/// A text table: a header and rows of cells, each column as wide as its widest cell (counted
/// in characters, so any name length stays aligned), two spaces apart, `indent` before each
/// line. `right_aligned[column]` right-aligns a column (numbers); the others are left-aligned.
pub fn text_table(
    header: &[String],
    rows: &[Vec<String>],
    right_aligned: &[bool],
    indent: &str,
) -> String {
    let columns = header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            std::iter::once(&header[column])
                .chain(rows.iter().filter_map(|row| row.get(column)))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let mut line = String::from(indent);
        for (column, width) in widths.iter().enumerate() {
            let cell = row.get(column).map_or("", String::as_str);
            let padding = width - cell.chars().count();
            if column > 0 {
                line.push_str("  ");
            }
            if right_aligned.get(column).copied().unwrap_or(false) {
                line.push_str(&" ".repeat(padding));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(padding));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// The same table in HTML, cells escaped; right-aligned columns get the report's numeric style.
pub fn html_table(header: &[String], rows: &[Vec<String>], right_aligned: &[bool]) -> String {
    let mut html = String::from("<table><tr>");
    for cell in header {
        let _ = write!(html, "<th>{}</th>", escape(cell));
    }
    html.push_str("</tr>");
    for row in rows {
        html.push_str("<tr>");
        for (column, cell) in row.iter().enumerate() {
            if right_aligned.get(column).copied().unwrap_or(false) {
                let _ = write!(html, "<td class=\"n\">{}</td>", escape(cell));
            } else {
                let _ = write!(html, "<td>{}</td>", escape(cell));
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_get_the_decimals_their_interval_supports() {
        assert_eq!(with_interval(0.6234, 0.5512, 0.7049), "0.62 (0.55 to 0.70)");
        assert_eq!(with_interval(8712.4, 7903.2, 9511.0), "8712 (7903 to 9511)");
        assert_eq!(with_interval(5.734, 5.2, 6.31), "5.7 (5.2 to 6.3)");
    }

    /// The case issue 18 names: an interval that rounds to one point gets digits until its ends
    /// differ.
    #[test]
    fn an_interval_never_prints_as_a_single_point() {
        let text = with_interval(-0.1812, -0.18124, -0.18116);
        assert_eq!(text, "-0.181200 (-0.181240 to -0.181160)");
        assert_eq!(with_interval(0.2, 0.1949, 0.2049), "0.200 (0.195 to 0.205)");
        assert_eq!(decimals_for(0.1949, 0.2049), Some(3));
    }

    #[test]
    fn intervals_without_width_say_so() {
        assert_eq!(with_interval(0.0, 0.0, 0.0), "0 (no spread)");
        assert_eq!(with_interval(5.7, 5.7, 5.7), "5.70 (no spread)");
        assert_eq!(decimals_for(1.0, f64::NAN), None);
        assert_eq!(rounded(3.0, 3.0, 3.0).1, "3");
    }

    #[test]
    fn no_negative_zero() {
        assert_eq!(fixed(-0.001, 2), "0.00");
        assert_eq!(fixed(-0.0, 0), "0");
        assert_eq!(fixed(-0.01, 2), "-0.01");
        assert_eq!(
            with_interval(-0.0001, -0.03, 0.02),
            "0.000 (-0.030 to 0.020)"
        );
    }

    #[test]
    fn plain_numbers_keep_three_significant_digits() {
        assert_eq!(plain(0.123456), "0.123");
        assert_eq!(plain(12.3456), "12.3");
        assert_eq!(plain(1234.5), "1234.5");
        assert_eq!(plain(42.0), "42");
        assert_eq!(plain(f64::NAN), "-");
    }

    #[test]
    fn text_tables_align_any_name_length() {
        let header = vec!["parameter".to_owned(), "value".to_owned()];
        let rows = vec![
            vec!["a_very_long_parameter_name".to_owned(), "1.5".to_owned()],
            vec!["x".to_owned(), "10.25".to_owned()],
        ];
        let table = text_table(&header, &rows, &[false, true], "  ");
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines,
            [
                "  parameter                   value",
                "  a_very_long_parameter_name    1.5",
                "  x                           10.25",
            ]
        );
    }

    #[test]
    fn html_tables_escape_their_cells() {
        let html = html_table(&["a<b".to_owned()], &[vec!["x&y".to_owned()]], &[true]);
        assert_eq!(
            html,
            "<table><tr><th>a&lt;b</th></tr><tr><td class=\"n\">x&amp;y</td></tr></table>"
        );
    }
}
