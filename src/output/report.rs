//! `report.html`: one self-contained page (inline SVG, no scripts, no external assets) that a
//! policy reader can open offline and print.

use std::fmt::Write as _;

use crate::engine::Aggregate;
use crate::output::figures::{event_label, outcome_label, outcome_unit_for};
use crate::output::findings;
use crate::output::summary::{OutcomeSummary, outcome_summaries};
use crate::scenario::Scenario;
use crate::scenario::raw::{Num, RawDistribution, RawEffect, RawTrigger};
use crate::stats::{EventCounts, wilson_interval};

/// A chart to embed: its title, its file stem (which says what kind of chart it is) and its
/// SVG text.
pub struct Figure {
    pub title: String,
    pub stem: String,
    pub svg: String,
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;color:#222;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.45}\
h1{font-size:1.7em;margin-bottom:.2em}.question{font-size:1.15em}ul.findings li{margin:.35em 0}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\
.meta{color:#555;font-size:.9em}table{border-collapse:collapse;margin:1em 0;font-size:.92em}\
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}\
th{background:#f3f3f3}figure{margin:1.5em 0;page-break-inside:avoid}figure svg{width:100%;height:auto;border:1px solid #eee}\
figcaption{font-size:.9em;color:#555}@media print{body{margin:0;max-width:none}h2{page-break-before:auto}}";

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

fn num(value: &Num) -> String {
    match value {
        Num::Literal(literal) => format!("{literal}"),
        Num::Param(name) => format!("{name} (uncertain)"),
    }
}

fn distribution(dist: &RawDistribution) -> String {
    match dist {
        RawDistribution::Uniform { min, max } => format!("uniform {min} to {max}"),
        RawDistribution::Normal { mean, sd, min, max } => {
            let bounds = match (min, max) {
                (None, None) => String::new(),
                (low, high) => format!(
                    ", kept within {} to {}",
                    low.map_or("-inf".into(), |v| v.to_string()),
                    high.map_or("inf".into(), |v| v.to_string())
                ),
            };
            format!("normal, mean {mean}, sd {sd}{bounds}")
        }
        RawDistribution::LogNormal {
            median,
            sigma,
            min,
            max,
        } => {
            let bounds = match (min, max) {
                (None, None) => String::new(),
                (low, high) => format!(
                    ", kept within {} to {}",
                    low.unwrap_or(0.0),
                    high.map_or("inf".into(), |v| v.to_string())
                ),
            };
            format!("lognormal, median {median}, sigma {sigma}{bounds}")
        }
        RawDistribution::Beta {
            alpha,
            beta,
            min,
            max,
        } => {
            format!(
                "beta({alpha}, {beta}) on {} to {}",
                min.unwrap_or(0.0),
                max.unwrap_or(1.0)
            )
        }
        RawDistribution::Triangular { min, mode, max } => {
            format!("triangular {min} / {mode} / {max}")
        }
        RawDistribution::Discrete { values, weights } => {
            let pairs: Vec<String> = values
                .iter()
                .zip(weights)
                .map(|(v, w)| format!("{v} (weight {w})"))
                .collect();
            format!("one of {}", pairs.join(", "))
        }
        RawDistribution::Joint { table, values, .. } => {
            format!("joint table {table:?} ({} weighted rows)", values.len())
        }
    }
}

fn trigger(when: &RawTrigger) -> String {
    match when {
        RawTrigger::At { month } => format!("at month {}", num(month)),
        RawTrigger::Hazard { monthly, from, to } => format!(
            "each month from {} to {} with probability {}",
            num(from),
            to.as_ref().map_or("the end".to_owned(), num),
            num(monthly)
        ),
        RawTrigger::Window {
            probability,
            from,
            to,
        } => {
            format!(
                "with probability {} at a month between {} and {}",
                num(probability),
                num(from),
                num(to)
            )
        }
        RawTrigger::When {
            metric,
            actor,
            op,
            threshold,
            months,
            probability,
            delay,
        } => {
            let op = match op {
                crate::scenario::Comparison::Above => "above",
                crate::scenario::Comparison::Below => "below",
                crate::scenario::Comparison::AtLeast => "at least",
                crate::scenario::Comparison::AtMost => "at most",
            };
            let mut text = format!(
                "when {actor}'s {} is {op} {} for {months} month(s)",
                metric.as_str(),
                num(threshold)
            );
            if *probability != Num::Literal(1.0) {
                let _ = write!(
                    text,
                    ", then each month with probability {}",
                    num(probability)
                );
            }
            if let Some(delay) = delay {
                let _ = write!(text, ", after a delay of {} months", distribution(delay));
            }
            text
        }
    }
}

fn effect(effect: &RawEffect) -> String {
    match effect {
        RawEffect::EndFlow { flow } => format!("ends flow {flow}"),
        RawEffect::StartFlow { flow } => format!("starts flow {flow}"),
        RawEffect::ScaleFlow { flow, factor } => format!("scales flow {flow} by {}", num(factor)),
        RawEffect::Shock {
            actor,
            variable,
            change,
        } => format!("changes {actor}'s {} by {}", variable.as_str(), num(change)),
        RawEffect::SetParameter { path, value } => {
            format!("sets {} to {}", readable_path(path), num(value))
        }
        RawEffect::ScaleParameter { path, factor } => {
            format!("multiplies {} by {}", readable_path(path), num(factor))
        }
    }
}

/// The scenario's description and key assumptions: flows, events, uncertain parameters.
pub fn assumptions(scenario: &Scenario, aggregate: Option<&Aggregate>) -> String {
    let raw = &scenario.raw;
    let mut html = String::new();
    let _ = write!(html, "<p>{}</p>", escape(&raw.description));
    let _ = write!(
        html,
        "<p class=\"meta\">From {} for {} months. Scenario hash {}.</p>",
        scenario.start,
        scenario.horizon_months,
        escape(&scenario.hash)
    );
    if !raw.flows.is_empty() {
        html.push_str("<h3>Support flows</h3><table><tr><th>flow</th><th>from &rarr; to</th><th>kind</th><th>volume a month</th><th>months</th><th>reliability</th><th>lag</th><th>half-life after it stops</th></tr>");
        for flow in &raw.flows {
            let months = if flow.standby {
                format!(
                    "when an event starts it{}",
                    flow.duration
                        .as_ref()
                        .map_or(String::new(), |d| format!(", for {}", num(d)))
                )
            } else {
                format!(
                    "from {}{}",
                    flow.start.as_ref().map_or("0".to_owned(), num),
                    flow.end
                        .as_ref()
                        .map_or(String::new(), |end| format!(" to {}", num(end)))
                )
            };
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{} &rarr; {}</td><td>{:?}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&flow.name),
                escape(&flow.from),
                escape(&flow.to),
                flow.kind,
                escape(&num(&flow.volume)),
                escape(&months),
                escape(&num(&flow.reliability)),
                escape(&num(&flow.lag)),
                escape(&num(&flow.decay)),
            );
        }
        html.push_str("</table><p class=\"meta\">Volumes: military and financial in USD million, training in trainers, troops in soldiers, intelligence in units where 1 is a major partner's full ISR sharing. Months count from the start month (0).</p>");
    }
    if !raw.events.is_empty() {
        html.push_str("<h3>Events</h3><table><tr><th>event</th><th>when</th><th>what it does</th>");
        if aggregate.is_some() {
            html.push_str("<th>probability</th><th>median month</th>");
        }
        html.push_str("</tr>");
        for (index, event) in raw.events.iter().enumerate() {
            let effects: Vec<String> = event.effects.iter().map(effect).collect();
            let _ = write!(
                html,
                "<tr><td>{}<br><span class=\"meta\">{}</span></td><td>{}</td><td>{}</td>",
                escape(&event.name),
                escape(&event.description),
                escape(&trigger(&event.when)),
                escape(&effects.join("; "))
            );
            if let Some(counts) = aggregate.and_then(|aggregate| aggregate.events.get(index)) {
                let _ = write!(
                    html,
                    "<td class=\"n\">{:.3}</td><td class=\"n\">{}</td>",
                    counts.probability(),
                    counts
                        .median_month()
                        .map_or("&ndash;".to_owned(), |m| format!(
                            "{m} ({})",
                            scenario.start.plus(m.floor() as usize)
                        ))
                );
            }
            html.push_str("</tr>");
        }
        html.push_str("</table>");
    }
    if !raw.uncertain.is_empty() {
        html.push_str("<h3>Uncertain parameters (drawn once per run)</h3><table><tr><th>parameter</th><th>distribution</th></tr>");
        for item in &raw.uncertain {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(&item.name),
                escape(&distribution(&item.dist))
            );
        }
        html.push_str("</table>");
    }
    html
}

/// The outcome tables of one run: quantities, yes/no outcomes, months something first happens.
pub fn outcome_table(scenario: &Scenario, aggregate: &Aggregate) -> String {
    let mut numbers_html = String::new();
    let mut yes_no_html = String::new();
    let mut months_html = String::new();
    for (outcome, summary) in scenario
        .outcomes
        .iter()
        .zip(outcome_summaries(scenario, aggregate))
    {
        let name = match &outcome.label {
            Some(label) => format!(
                "{}<br><span class=\"meta\">{}</span>",
                escape(label),
                escape(&outcome.name)
            ),
            None => escape(&outcome.name),
        };
        if let Some(within) = &summary.within_horizon {
            let probability = within.probability.map_or("&ndash;".to_owned(), |p| {
                let error = findings::share_error(p.estimate, within.runs);
                format!(
                    "{} ({})",
                    findings::percent(p.estimate, error),
                    findings::percent_interval(p.ci_low, p.ci_high, error)
                )
            });
            let month = |value: Option<f64>| {
                value.map_or("not reached".to_owned(), |month| format!("{month:.0}"))
            };
            let _ = write!(
                months_html,
                "<tr><td>{name}</td><td class=\"n\">{probability}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                month(within.p05),
                month(within.p50),
                month(within.p95),
                within
                    .restricted_mean
                    .map_or("&ndash;".to_owned(), |mean| findings::estimate(
                        mean,
                        within.restricted_mean_mcse.unwrap_or(0.0)
                    )),
                within.runs
            );
        } else if let Some(p) = summary.probability {
            let error = findings::share_error(p.estimate, summary.n);
            let _ = write!(
                yes_no_html,
                "<tr><td>{name}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                findings::percent(p.estimate, error),
                findings::percent_interval(p.ci_low, p.ci_high, error),
                summary.n
            );
        } else {
            let error = summary.mcse.unwrap_or(0.0);
            let (low, high) = match (summary.p05, summary.p95) {
                (Some(low), Some(high)) => findings::interval_for_error(low, high, error),
                _ => ("&ndash;".to_owned(), "&ndash;".to_owned()),
            };
            let median = summary.p50.map_or("&ndash;".to_owned(), |median| {
                findings::estimate(median, error)
            });
            let _ = write!(
                numbers_html,
                "<tr><td>{name}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{low}</td><td class=\"n\">{median}</td><td class=\"n\">{high}</td><td class=\"n\">{}</td></tr>",
                escape(&outcome_unit_for(scenario, outcome)),
                summary
                    .mean
                    .map_or("&ndash;".to_owned(), |mean| findings::estimate(mean, error)),
                summary.n
            );
        }
    }
    let mut html = String::new();
    if !numbers_html.is_empty() {
        let _ = write!(
            html,
            "<table><tr><th>outcome</th><th>unit</th><th>mean</th><th>5%</th><th>median</th><th>95%</th><th>runs</th></tr>{numbers_html}</table>"
        );
    }
    if !yes_no_html.is_empty() {
        let _ = write!(
            html,
            "<table><tr><th>yes/no outcome</th><th>probability</th><th>95% interval</th><th>runs</th></tr>{yes_no_html}</table>"
        );
    }
    if !months_html.is_empty() {
        let _ = write!(
            html,
            "<table><tr><th>month it first happens</th><th>within {} months (95% interval)</th><th>5%</th><th>median</th><th>95%</th><th>restricted mean month</th><th>runs</th></tr>{months_html}</table><p class=\"meta\">Months count from the start month (0). Every run counts: a run where it does not happen within the horizon ranks after every month (Kaplan-Meier, all runs followed to the horizon), so a quantile among those runs is \"not reached\"; the restricted mean counts such a run as the horizon.</p>",
            scenario.horizon_months
        );
    }
    html
}

/// Inline SVG figures, the XML prologue removed. Each chart draws its own title and caption,
/// so the figure adds none; its id is the chart's file stem, for links.
pub fn figures(figures: &[Figure]) -> String {
    let mut html = String::new();
    for figure in figures {
        let svg = figure.svg.trim_start();
        let svg = match svg.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(rest, |(_, after)| after),
            None => svg,
        };
        let _ = write!(
            html,
            "<figure id=\"{}\" aria-label=\"{}\">{}</figure>",
            escape(&figure.stem),
            escape(&figure.title),
            svg.trim()
        );
    }
    html
}

/// A field path as words: `actors["Islamic State Sahel"].recruitment` reads "Islamic State
/// Sahel's recruitment", `model.severity_sigma` "the model's severity sigma".
pub fn readable_path(path: &str) -> String {
    let (owner, field) = match path.rsplit_once('.') {
        Some((owner, field)) => (owner, field),
        None => return readable(path),
    };
    let owner = match owner.split_once("[\"") {
        Some((_, rest)) => rest.trim_end_matches("\"]").replace("\\\"", "\""),
        None if owner == "model" => "the model".to_owned(),
        None => readable(owner),
    };
    format!("{owner}'s {}", readable(field))
}

/// An identifier as words: `attacks_total` reads "attacks total".
pub fn readable(identifier: &str) -> String {
    identifier.replace('_', " ")
}

/// One outcome in plain words, with its interval, rounded to its Monte Carlo error.
pub fn outcome_finding(
    scenario: &Scenario,
    name: &str,
    unit: &str,
    summary: &OutcomeSummary,
) -> String {
    let name = format!("<b>{}</b>", escape(name));
    if let Some(within) = &summary.within_horizon {
        let Some(p) = within.probability else {
            return format!("{name}: no runs.");
        };
        let error = findings::share_error(p.estimate, within.runs);
        let when = match within.p50 {
            Some(month) => format!(
                "half of all runs reach it by month {month:.0} ({})",
                scenario.start.plus(month.floor() as usize)
            ),
            None => "fewer than half of the runs reach it, so its median month is not reached"
                .to_owned(),
        };
        return format!(
            "{name}: happens within the {} months in {} of runs (95% interval {}); {when}.",
            within.restricted_to,
            findings::percent(p.estimate, error),
            findings::percent_interval(p.ci_low, p.ci_high, error),
        );
    }
    if let Some(p) = summary.probability {
        let error = findings::share_error(p.estimate, summary.n);
        return format!(
            "{name}: in {} of runs (95% interval {}).",
            findings::percent(p.estimate, error),
            findings::percent_interval(p.ci_low, p.ci_high, error),
        );
    }
    match (summary.mean, summary.p05, summary.p95) {
        (Some(mean), Some(low), Some(high)) => {
            let error = summary.mcse.unwrap_or(0.0);
            let (low, high) = findings::interval_for_error(low, high, error);
            // "6898 events on average", but "0.316 on average (share of territory, 0-1)".
            let mean = findings::estimate(mean, error);
            let amount = if unit.contains("0-1") || unit.contains(',') {
                format!("{mean} on average ({})", escape(unit))
            } else {
                format!("{mean} {} on average", escape(unit))
            };
            format!("{name}: {amount}; 90% of runs between {low} and {high}.")
        }
        _ => format!("{name}: no run has a value."),
    }
}

/// One event in plain words: how likely, and when.
pub fn event_finding(scenario: &Scenario, name: &str, counts: &EventCounts) -> String {
    let p = counts.probability();
    let error = findings::share_error(p, counts.runs);
    let (low, high) = wilson_interval(counts.fired(), counts.runs).unwrap_or((0.0, 1.0));
    if let Some(month) = counts.certain_month() {
        return format!(
            "<b>{}</b> happens in every run, in month {month} ({}).",
            escape(name),
            scenario.start.plus(month)
        );
    }
    let when = match counts.median_month_within_horizon() {
        Some(month) => format!(
            "half of all runs see it by month {month:.0} ({})",
            scenario.start.plus(month.floor() as usize)
        ),
        None => "fewer than half of the runs see it within the horizon".to_owned(),
    };
    format!(
        "<b>{}</b> happens in {} of runs (95% interval {}); {when}.",
        escape(name),
        findings::percent(p, error),
        findings::percent_interval(low, high, error)
    )
}

/// A whole page from a title, a line under it and a body.
pub fn page(title: &str, subtitle: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head>\n<body><h1>{title}</h1><p class=\"meta\">{subtitle}</p>\n{body}\n</body></html>\n",
        title = escape(title),
        subtitle = escape(subtitle),
    )
}

/// The report of one run: the question and the findings first, with the key time series;
/// then the tables, the other charts and the scenario's assumptions.
pub fn run_report(
    scenario: &Scenario,
    seed: u64,
    aggregate: &Aggregate,
    charts: &[Figure],
) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<p class=\"question\">{}</p><h2>Findings</h2><ul class=\"findings\">",
        escape(&scenario.description)
    );
    for (outcome, summary) in scenario
        .outcomes
        .iter()
        .zip(outcome_summaries(scenario, aggregate))
    {
        let _ = write!(
            body,
            "<li>{}</li>",
            outcome_finding(
                scenario,
                &outcome_label(outcome),
                &outcome_unit_for(scenario, outcome),
                &summary
            )
        );
    }
    for (event, counts) in scenario.events.iter().zip(&aggregate.events) {
        let _ = write!(
            body,
            "<li>{}</li>",
            event_finding(scenario, &event_label(event), counts)
        );
    }
    let _ = write!(
        body,
        "</ul><p class=\"meta\">Over {} runs. Figures are rounded to what their Monte Carlo error supports; intervals of outcomes hold 90% of runs, intervals of probabilities are 95% confidence intervals.</p>",
        aggregate.runs
    );
    // The key time series: the first series the scenario records (its first state's attacks).
    let key_charts = usize::from(
        charts
            .first()
            .is_some_and(|figure| figure.stem.starts_with("fan_")),
    );
    let (key, rest) = charts.split_at(key_charts);
    body.push_str(&figures(key));
    body.push_str("<h2>Outcomes</h2>");
    body.push_str(&outcome_table(scenario, aggregate));
    if !rest.is_empty() {
        body.push_str("<h2>Charts</h2>");
        body.push_str(&figures(rest));
    }
    body.push_str("<h2>The scenario</h2>");
    body.push_str(&assumptions(scenario, Some(aggregate)));
    page(
        &format!("secsim: {}", scenario.name),
        &format!(
            "{} runs, seed {seed}, secsim {}",
            aggregate.runs,
            env!("CARGO_PKG_VERSION")
        ),
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_read_as_words() {
        assert_eq!(
            readable_path(r#"actors["Islamic State Sahel"].recruitment"#),
            "Islamic State Sahel's recruitment"
        );
        assert_eq!(
            readable_path(r#"pressure["JNIM:Niger"].base_rate"#),
            "JNIM:Niger's base rate"
        );
        assert_eq!(
            readable_path("model.severity_sigma"),
            "the model's severity sigma"
        );
        assert_eq!(readable_path("jnim_rate"), "jnim rate");
    }
}
