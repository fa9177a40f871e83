//! Numbers for readers: rounded to what their Monte Carlo error supports, intervals whose ends
//! stay apart, shares as percentages.
//!
//! Used by the printed tables and the reports only; files keep every digit.

use crate::stats::{Paired, Z_95};

/// Most decimals any figure gets: beyond this the digits are noise in every secsim output.
const MAX_DECIMALS: usize = 6;

/// Decimals that show a figure whose Monte Carlo standard error is `standard_error`: the digit
/// of the error's leading figure, so the last digit shown is the first uncertain one. None when
/// the error is 0 or not finite (an exact figure: shown as it is).
pub fn decimals_for(standard_error: f64) -> Option<usize> {
    if !(standard_error.is_finite() && standard_error > 0.0) {
        return None;
    }
    let leading = standard_error.log10().floor();
    Some((-leading).clamp(0.0, MAX_DECIMALS as f64) as usize)
}

/// A figure with the decimals its standard error supports; whole numbers and exact figures as
/// they are, with at most [`MAX_DECIMALS`].
pub fn estimate(value: f64, standard_error: f64) -> String {
    match decimals_for(standard_error) {
        Some(decimals) => fixed(value, decimals),
        None => plain(value),
    }
}

/// Both ends of an interval with the decimals of `standard_error`, and more when needed so the
/// two ends differ: an interval never reads as a point unless its ends are equal.
pub fn interval(low: f64, high: f64, standard_error: f64) -> (String, String) {
    let mut decimals = decimals_for(standard_error).unwrap_or_else(|| natural_decimals(low, high));
    loop {
        let (left, right) = (fixed(low, decimals), fixed(high, decimals));
        if left != right || low == high || decimals >= MAX_DECIMALS + 4 {
            return (left, right);
        }
        decimals += 1;
    }
}

/// A share (0 to 1) as a percentage with the decimals its standard error supports, at least
/// none and at most two.
pub fn percent(share: f64, standard_error: f64) -> String {
    let decimals = decimals_for(100.0 * standard_error).map_or(1, |decimals| decimals.min(2));
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
    let (left, right) = interval(100.0 * low, 100.0 * high, 100.0 * error);
    format!("{left}% to {right}%")
}

/// A paired difference and its 95% interval as "+2876 (2800 to 2950)", rounded to its
/// standard error; shares of runs (`percentage_points`) as "+12.3 pp (11.0 to 13.6)".
pub fn difference(pair: &Paired, percentage_points: bool) -> Option<String> {
    let mean = pair.mean()?;
    let (low, high) = pair.confidence_interval()?;
    let scale = if percentage_points { 100.0 } else { 1.0 };
    let error = scale * pair.differences.mcse();
    let (left, right) = interval(scale * low, scale * high, error);
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

fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    // "-0" and "-0.0" read as a sign that is not there.
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        text.trim_start_matches('-').to_owned()
    } else {
        text
    }
}

fn plain(value: f64) -> String {
    if value == value.round() {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.MAX_DECIMALS$}");
        text.trim_end_matches('0').to_owned()
    }
}

/// Decimals for exact figures: enough for the smaller magnitude to show three figures.
fn natural_decimals(low: f64, high: f64) -> usize {
    let magnitude = low.abs().max(high.abs());
    if magnitude == 0.0 || magnitude >= 100.0 {
        0
    } else {
        (2.0 - magnitude.log10().floor()).clamp(0.0, MAX_DECIMALS as f64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_keep_the_first_uncertain_digit() {
        assert_eq!(estimate(6012.347, 31.0), "6012");
        assert_eq!(estimate(9.6412, 0.034), "9.64");
        assert_eq!(estimate(0.41237, 0.0049), "0.412");
        assert_eq!(estimate(12.0, 0.0), "12");
        assert_eq!(estimate(-0.0001, 0.01), "0.00");
    }

    #[test]
    fn an_interval_never_rounds_to_a_point() {
        // The case a user hit: "-0.18 (-0.18 to -0.18)".
        let (low, high) = interval(-0.1842, -0.1797, 0.0011);
        assert_ne!(low, high);
        assert_eq!((low.as_str(), high.as_str()), ("-0.184", "-0.180"));
        let (low, high) = interval(1.0, 1.0, 0.1);
        assert_eq!(low, high);
        let (low, high) = interval(3847.0, 9462.0, 40.0);
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
