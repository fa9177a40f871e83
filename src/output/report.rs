//! `report.html`: one self-contained page (inline SVG, no scripts, no external assets) that a
//! policy reader can open offline and print.

use std::fmt::Write as _;

use crate::engine::Aggregate;
use crate::output::figures::outcome_unit;
use crate::scenario::Scenario;
use crate::scenario::raw::{Num, RawDistribution, RawEffect, RawTrigger};

/// A chart to embed: its title and its SVG text.
pub struct Figure {
    pub title: String,
    pub svg: String,
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;color:#222;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.45}\
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\
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

fn number(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => {
            if value.abs() >= 1000.0 || value == value.round() {
                format!("{value:.0}")
            } else if value.abs() >= 10.0 {
                format!("{value:.1}")
            } else {
                format!("{value:.3}")
            }
        }
        _ => "&ndash;".to_owned(),
    }
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
        RawEffect::SetParameter { path, value } => format!("sets {path} to {}", num(value)),
        RawEffect::ScaleParameter { path, factor } => {
            format!("multiplies {path} by {}", num(factor))
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

/// The outcome table of one run.
pub fn outcome_table(scenario: &Scenario, aggregate: &Aggregate) -> String {
    let mut html = String::from(
        "<table><tr><th>outcome</th><th>unit</th><th>mean</th><th>5%</th><th>median</th><th>95%</th><th>runs with a value</th></tr>",
    );
    for (outcome, distribution) in scenario.outcomes.iter().zip(&aggregate.outcomes) {
        let summary = distribution.summary();
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&outcome.name),
            escape(&outcome_unit(scenario, &outcome.kind)),
            number(summary.mean),
            number(summary.quantiles[0]),
            number(summary.quantiles[2]),
            number(summary.quantiles[4]),
            summary.n
        );
    }
    html.push_str("</table>");
    html
}

/// Inline SVG figures, the XML prologue removed.
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
            "<figure>{}<figcaption>{}</figcaption></figure>",
            svg.trim(),
            escape(&figure.title)
        );
    }
    html
}

/// A whole page from a title, a line under it and a body.
pub fn page(title: &str, subtitle: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head>\n<body><h1>{title}</h1><p class=\"meta\">{subtitle}</p>\n{body}\n</body></html>\n",
        title = escape(title),
        subtitle = escape(subtitle),
    )
}

/// The report of one run.
pub fn run_report(
    scenario: &Scenario,
    seed: u64,
    aggregate: &Aggregate,
    charts: &[Figure],
) -> String {
    let mut body = String::new();
    body.push_str("<h2>Scenario</h2>");
    body.push_str(&assumptions(scenario, Some(aggregate)));
    body.push_str("<h2>Outcomes</h2>");
    body.push_str(&outcome_table(scenario, aggregate));
    body.push_str("<p class=\"meta\">5%, median and 95%: quantiles over the runs. Missing values (a threshold never crossed) are left out; the last column counts the runs that have one.</p>");
    if !charts.is_empty() {
        body.push_str("<h2>Charts</h2>");
        body.push_str(&figures(charts));
    }
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
