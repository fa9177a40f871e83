//! Numbers written as their intervals or standard errors support them, and the aligned text and HTML tables that
//! `sensitivity` and `batch` print and put in their reports.
//!
//! A policy reader copies numbers as they are printed, so a printed digit must mean something:
//! an estimate gets the decimals that show its interval's width to two significant digits, and
//! more only where the interval's ends would otherwise print alike ("-0.18 (-0.18 to -0.18)"
//! claims a precision the interval does not have, and hides the interval).

use std::fmt::Write as _;

use crate::output::report::escape;
use crate::stats::{Paired, Z_95};

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

/// An introduction and a list, escaped: one finding per line reads faster than a paragraph.
pub fn findings_html(sentences: &[String]) -> String {
    let Some((intro, items)) = sentences.split_first() else {
        return String::new();
    };
    let mut html = format!(
        "<p class=\"findings\">{}</p><ul class=\"findings\">",
        escape(intro)
    );
    for item in items {
        let _ = write!(html, "<li>{}</li>", escape(item));
    }
    html.push_str("</ul>");
    html
}

// Figures whose Monte Carlo standard error is known (means, shares, paired differences):
// the last digit shown is the first uncertain one.

/// Most decimals a figure rounded to its standard error gets: beyond this the digits are noise
/// in every secsim output.
const MAX_ERROR_DECIMALS: usize = 6;

/// Decimals that show a figure whose Monte Carlo standard error is `standard_error`: the digit
/// of the error's leading figure, so the last digit shown is the first uncertain one. None when
/// the error is 0 or not finite (an exact figure: shown as it is).
pub fn decimals_for_error(standard_error: f64) -> Option<usize> {
    if !(standard_error.is_finite() && standard_error > 0.0) {
        return None;
    }
    let leading = standard_error.log10().floor();
    Some((-leading).clamp(0.0, MAX_ERROR_DECIMALS as f64) as usize)
}

/// A figure with the decimals its standard error supports; whole numbers and exact figures as
/// they are, with at most [`MAX_ERROR_DECIMALS`].
pub fn estimate(value: f64, standard_error: f64) -> String {
    match decimals_for_error(standard_error) {
        Some(decimals) => fixed(value, decimals),
        None => plain(value),
    }
}

/// Both ends of an interval with the decimals of `standard_error`, and more when needed so the
/// two ends differ: an interval never reads as a point unless its ends are equal.
pub fn interval_for_error(low: f64, high: f64, standard_error: f64) -> (String, String) {
    let mut decimals =
        decimals_for_error(standard_error).unwrap_or_else(|| natural_decimals(low, high));
    loop {
        let (left, right) = (fixed(low, decimals), fixed(high, decimals));
        if left != right || low == high || decimals >= MAX_ERROR_DECIMALS + 4 {
            return (left, right);
        }
        decimals += 1;
    }
}

/// A share (0 to 1) as a percentage with the decimals its standard error supports, at least
/// none and at most two.
pub fn percent(share: f64, standard_error: f64) -> String {
    let decimals = decimals_for_error(100.0 * standard_error).map_or(1, |decimals| decimals.min(2));
    format!("{}%", fixed(100.0 * share, decimals))
}

/// A 95% interval of a share as "a% to b%", with digits enough to tell the ends apart.
pub fn percent_interval(low: f64, high: f64, standard_error: f64) -> String {
    // At 0 or 1 runs' worth of share the estimate has no spread, but the interval has a width:
    // its ends are shown to the digit that width supports.
    let error = if standard_error > 0.0 {
        standard_error
    } else {
        (high - low) / (2.0 * Z_95)
    };
    let (left, right) = interval_for_error(100.0 * low, 100.0 * high, 100.0 * error);
    format!("{left}% to {right}%")
}

/// A paired difference and its 95% interval as "+2876 (2800 to 2950)", rounded to its
/// standard error; shares of runs (`percentage_points`) as "+12.3 pp (11.0 to 13.6)".
pub fn difference(pair: &Paired, percentage_points: bool) -> Option<String> {
    let mean = pair.mean()?;
    let (low, high) = pair.confidence_interval()?;
    let scale = if percentage_points { 100.0 } else { 1.0 };
    let error = scale * pair.differences.mcse();
    let (left, right) = interval_for_error(scale * low, scale * high, error);
    let centre = estimate(scale * mean, error);
    let sign = if centre.starts_with('-') || centre.trim_start_matches(['0', '.']).is_empty() {
        ""
    } else {
        "+"
    };
    let unit = if percentage_points { " pp" } else { "" };
    Some(format!("{sign}{centre}{unit} ({left} to {right})"))
}

/// The standard error of a share `p` estimated from `n` runs.
pub fn share_error(p: f64, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        (p * (1.0 - p) / n as f64).sqrt()
    }
}

/// Decimals for exact figures: enough for the smaller magnitude to show three figures.
fn natural_decimals(low: f64, high: f64) -> usize {
    let magnitude = low.abs().max(high.abs());
    if magnitude == 0.0 || magnitude >= 100.0 {
        0
    } else {
        (2.0 - magnitude.log10().floor()).clamp(0.0, MAX_ERROR_DECIMALS as f64) as usize
    }
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

    #[test]
    fn estimates_keep_the_first_uncertain_digit() {
        assert_eq!(estimate(6012.347, 31.0), "6012");
        assert_eq!(estimate(9.6412, 0.034), "9.64");
        assert_eq!(estimate(0.41237, 0.0049), "0.412");
        assert_eq!(estimate(12.0, 0.0), "12");
        assert_eq!(estimate(-0.0001, 0.01), "0.00");
    }

    #[test]
    fn an_interval_rounded_to_its_error_never_reads_as_a_point() {
        // The case a user hit: "-0.18 (-0.18 to -0.18)".
        let (low, high) = interval_for_error(-0.1842, -0.1797, 0.0011);
        assert_ne!(low, high);
        assert_eq!((low.as_str(), high.as_str()), ("-0.184", "-0.180"));
        let (low, high) = interval_for_error(1.0, 1.0, 0.1);
        assert_eq!(low, high);
        let (low, high) = interval_for_error(3847.0, 9462.0, 40.0);
        assert_eq!((low.as_str(), high.as_str()), ("3847", "9462"));
    }

    #[test]
    fn shares_read_as_percentages() {
        assert_eq!(percent(0.9844, share_error(0.9844, 10_000)), "98.4%");
        assert_eq!(percent(0.5, share_error(0.5, 100)), "50%");
        assert_eq!(percent(1.0, 0.0), "100.0%");
        assert_eq!(
            percent_interval(0.4021, 0.4219, share_error(0.412, 10_000)),
            "40.2% to 42.2%"
        );
    }
}
