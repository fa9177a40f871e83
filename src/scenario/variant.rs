//! Variants: a scenario file that `extends` another and gives only what differs.
//!
//! A variant removes, adds, then sets: `remove` drops named actors, flows, pressure entries,
//! events, uncertain parameters and outcomes; `add` appends new ones; `set` replaces any field,
//! addressed by the field paths validation errors use (`flows["russia_intel"].volume`). The
//! result is an ordinary [`RawScenario`], validated like any other, whose hash is the hash of
//! the resolved scenario: a variant and its hand-expanded twin hash alike.
//!
//! Fields are edited on a JSON image of the scenario (serde's data model, which keeps enum
//! variant names as keys), then the image is read back into the typed scenario. Override values
//! are parsed as the type of the field they replace, because RON's untyped values drop the names
//! of enum variants (`Window(...)`, `attacks`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::raw::whole;
use super::raw::{
    Comparison, FlowKind, Metric, RawActor, RawArea, RawDistribution, RawEffect, RawEvent, RawFlow,
    RawModel, RawOutcome, RawPressure, RawScenario, RawTrigger, RawUncertain,
};
use super::{Origin, ScenarioError, describe_ron_error, ron_options, syntax_error};

/// The most variants a chain of `extends` may stack.
const MAX_DEPTH: usize = 32;

/// A variant file as written.
#[derive(Debug, Deserialize)]
#[serde(rename = "Scenario", deny_unknown_fields)]
pub struct RawVariant {
    /// The base scenario: a path relative to this file's folder, else a library scenario's
    /// name ([`Origin::base`]).
    pub extends: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "whole::optional_runs")]
    pub runs: Option<u64>,
    #[serde(default, deserialize_with = "whole::optional_seed")]
    pub seed: Option<u64>,
    #[serde(default)]
    pub remove: Removals,
    #[serde(default)]
    pub add: Additions,
    /// Field path -> new value, in RON, parsed as the type of the field it replaces.
    #[serde(default)]
    pub set: BTreeMap<String, Box<ron::value::RawValue>>,
}

/// Names to drop from the base, per collection. Pressure entries are named `"Group:State"`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removals {
    #[serde(default)]
    pub actors: Vec<String>,
    #[serde(default)]
    pub flows: Vec<String>,
    #[serde(default)]
    pub pressure: Vec<String>,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub uncertain: Vec<String>,
    #[serde(default)]
    pub outcomes: Vec<String>,
}

/// New items to append to the base, per collection.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Additions {
    #[serde(default)]
    pub actors: Vec<RawActor>,
    #[serde(default)]
    pub flows: Vec<RawFlow>,
    #[serde(default)]
    pub pressure: Vec<RawPressure>,
    #[serde(default)]
    pub events: Vec<RawEvent>,
    #[serde(default)]
    pub uncertain: Vec<RawUncertain>,
    #[serde(default)]
    pub outcomes: Vec<RawOutcome>,
}

/// Reads only whether a file extends another; every other field is skipped.
#[derive(Deserialize)]
#[serde(rename = "Scenario")]
struct Probe {
    #[serde(default)]
    extends: Option<String>,
}

/// Whether a scenario text is a variant: it has an `extends` field. When the text does not parse,
/// a line that starts with `extends:` decides, so that a syntax error in a variant is reported by
/// the variant parser, at its position, rather than as an unexpected `extends` in a scenario.
pub fn is_variant(text: &str) -> bool {
    match ron_options().from_str::<Probe>(text) {
        Ok(probe) => probe.extends.is_some(),
        Err(_) => text.lines().any(|line| {
            let line = line.trim_start();
            let line = line.strip_prefix("Scenario(").unwrap_or(line).trim_start();
            line.strip_prefix("extends")
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        }),
    }
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Field(String),
    Key(String),
    Index(usize),
}

/// Parses `flows["russia_intel"].volume`, `events['x'].effects[0].factor`, `model.severity_sigma`.
pub fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut chars = path.chars().peekable();
    let mut expect_field = true;
    while let Some(&next) = chars.peek() {
        match next {
            '.' if !segments.is_empty() && !expect_field => {
                chars.next();
                expect_field = true;
            }
            '[' => {
                chars.next();
                match chars.peek() {
                    Some(&quote @ ('"' | '\'')) => {
                        chars.next();
                        let mut key = String::new();
                        loop {
                            match chars.next() {
                                Some('\\') => key.extend(chars.next()),
                                Some(c) if c == quote => break,
                                Some(c) => key.push(c),
                                None => return Err(format!("unclosed quote in path {path:?}")),
                            }
                        }
                        segments.push(Segment::Key(key));
                    }
                    _ => {
                        let digits: String =
                            std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect();
                        let index = digits.parse().map_err(|_| {
                            format!("expected a quoted name or an index after '[' in path {path:?}")
                        })?;
                        segments.push(Segment::Index(index));
                    }
                }
                if chars.next() != Some(']') {
                    return Err(format!("expected ']' in path {path:?}"));
                }
                expect_field = false;
            }
            c if expect_field && (c.is_ascii_alphabetic() || c == '_') => {
                let name: String = std::iter::from_fn(|| {
                    chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_')
                })
                .collect();
                segments.push(Segment::Field(name));
                expect_field = false;
            }
            other => return Err(format!("unexpected {other:?} in path {path:?}")),
        }
    }
    if segments.is_empty() || expect_field {
        return Err(format!("incomplete path {path:?}"));
    }
    Ok(segments)
}

/// The object inside an enum's JSON image (`{"State": {...}}` -> `{...}`), or the node itself.
fn variant_body(node: &Value) -> &Value {
    match node {
        Value::Object(map) if map.len() == 1 => {
            let (key, inner) = map.iter().next().expect("one entry");
            if key.starts_with(|c: char| c.is_ascii_uppercase()) && inner.is_object() {
                inner
            } else {
                node
            }
        }
        _ => node,
    }
}

fn variant_body_mut(node: &mut Value) -> &mut Value {
    let is_variant = matches!(node, Value::Object(map) if map.len() == 1
        && map.iter().next().is_some_and(|(key, inner)| key.starts_with(|c: char| c.is_ascii_uppercase()) && inner.is_object()));
    if is_variant {
        node.as_object_mut()
            .and_then(|map| map.values_mut().next())
            .expect("checked above")
    } else {
        node
    }
}

/// The name an element of a collection is addressed by.
fn element_key(element: &Value) -> Option<String> {
    let body = variant_body(element);
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        return Some(name.to_owned());
    }
    // Pressure entries are addressed as "Group:State".
    match (
        body.get("group").and_then(Value::as_str),
        body.get("state").and_then(Value::as_str),
    ) {
        (Some(group), Some(state)) => Some(format!("{group}:{state}")),
        _ => None,
    }
}

/// The node a path points at, or why there is none.
fn locate<'a>(root: &'a mut Value, segments: &[Segment]) -> Result<&'a mut Value, String> {
    let mut node = root;
    for segment in segments {
        node = match segment {
            Segment::Field(name) => {
                let body = variant_body_mut(node);
                let Value::Object(map) = body else {
                    return Err(format!("has no field `{name}`"));
                };
                let known: Vec<String> = map.keys().cloned().collect();
                map.get_mut(name).ok_or_else(|| {
                    format!("has no field `{name}` (fields here: {})", known.join(", "))
                })?
            }
            Segment::Key(key) => {
                let Value::Array(items) = node else {
                    return Err(format!(
                        "[{key:?}] addresses a list by name, but this is not a list"
                    ));
                };
                let names: Vec<String> = items.iter().filter_map(element_key).collect();
                items
                    .iter_mut()
                    .find(|item| element_key(item).as_deref() == Some(key.as_str()))
                    .ok_or_else(|| {
                        format!("has no element named {key:?} (names: {})", names.join(", "))
                    })?
            }
            Segment::Index(index) => {
                let Value::Array(items) = node else {
                    return Err(format!(
                        "[{index}] addresses a list, but this is not a list"
                    ));
                };
                let len = items.len();
                items
                    .get_mut(*index)
                    .ok_or_else(|| format!("has no element {index} (it has {len})"))?
            }
        };
    }
    Ok(node)
}

fn typed<T: DeserializeOwned + serde::Serialize>(text: &str) -> Result<Value, String> {
    let value: T = ron_options()
        .from_str(text)
        .map_err(|error| describe_ron_error(&error.code))?;
    serde_json::to_value(value).map_err(|error| error.to_string())
}

fn untyped(text: &str) -> Result<Value, String> {
    let value: ron::Value = ron_options()
        .from_str(text)
        .map_err(|error| describe_ron_error(&error.code))?;
    serde_json::to_value(value).map_err(|error| error.to_string())
}

/// Parses an override value as the type of the field the path points at.
fn parse_value(segments: &[Segment], text: &str) -> Result<Value, String> {
    let root = match segments.first() {
        Some(Segment::Field(name)) => name.as_str(),
        _ => "",
    };
    let last_field = segments.iter().rev().find_map(|segment| match segment {
        Segment::Field(name) => Some(name.as_str()),
        _ => None,
    });
    let ends_in_element = matches!(segments.last(), Some(Segment::Key(_) | Segment::Index(_)));
    if segments.len() == 1 {
        return match root {
            "actors" => typed::<Vec<RawActor>>(text),
            "flows" => typed::<Vec<RawFlow>>(text),
            "pressure" => typed::<Vec<RawPressure>>(text),
            "events" => typed::<Vec<RawEvent>>(text),
            "uncertain" => typed::<Vec<RawUncertain>>(text),
            "outcomes" => typed::<Vec<RawOutcome>>(text),
            "model" => typed::<RawModel>(text),
            _ => untyped(text),
        };
    }
    if ends_in_element {
        return match last_field {
            Some("actors") => typed::<RawActor>(text),
            Some("flows") => typed::<RawFlow>(text),
            Some("pressure") => typed::<RawPressure>(text),
            Some("events") => typed::<RawEvent>(text),
            Some("uncertain") => typed::<RawUncertain>(text),
            Some("outcomes") => typed::<RawOutcome>(text),
            Some("areas") => typed::<RawArea>(text),
            Some("effects") => typed::<RawEffect>(text),
            _ => untyped(text),
        };
    }
    match last_field {
        Some("when") => typed::<RawTrigger>(text),
        Some("dist") => typed::<RawDistribution>(text),
        Some("delay") => typed::<Option<RawDistribution>>(text),
        Some("metric" | "variable") => typed::<Metric>(text),
        Some("op") => typed::<Comparison>(text),
        Some("kind") => typed::<FlowKind>(text),
        Some("effects") => typed::<Vec<RawEffect>>(text),
        Some("areas") => typed::<Vec<RawArea>>(text),
        _ => untyped(text),
    }
}

fn remove_named<T>(
    items: &mut Vec<T>,
    names: &[String],
    key: impl Fn(&T) -> String,
    collection: &str,
) -> Result<(), String> {
    for name in names {
        let before = items.len();
        items.retain(|item| key(item) != *name);
        if items.len() == before {
            return Err(format!(
                "remove.{collection}: no element named {name:?} to remove"
            ));
        }
    }
    Ok(())
}

/// Applies a variant to its resolved base.
fn apply(mut base: RawScenario, variant: RawVariant) -> Result<RawScenario, String> {
    let removals = &variant.remove;
    remove_named(
        &mut base.actors,
        &removals.actors,
        |actor| actor.name().to_owned(),
        "actors",
    )?;
    remove_named(
        &mut base.flows,
        &removals.flows,
        |flow| flow.name.clone(),
        "flows",
    )?;
    remove_named(
        &mut base.pressure,
        &removals.pressure,
        |link| format!("{}:{}", link.group, link.state),
        "pressure",
    )?;
    remove_named(
        &mut base.events,
        &removals.events,
        |event| event.name.clone(),
        "events",
    )?;
    remove_named(
        &mut base.uncertain,
        &removals.uncertain,
        |item| item.name.clone(),
        "uncertain",
    )?;
    remove_named(
        &mut base.outcomes,
        &removals.outcomes,
        |outcome| outcome.name().to_owned(),
        "outcomes",
    )?;

    let additions = variant.add;
    base.actors.extend(additions.actors);
    base.flows.extend(additions.flows);
    base.pressure.extend(additions.pressure);
    base.events.extend(additions.events);
    base.uncertain.extend(additions.uncertain);
    base.outcomes.extend(additions.outcomes);

    base.name = variant.name;
    if let Some(description) = variant.description {
        base.description = description;
    }
    if variant.runs.is_some() {
        base.runs = variant.runs;
    }
    if variant.seed.is_some() {
        base.seed = variant.seed;
    }
    let edits: Vec<(&str, &str)> = variant
        .set
        .iter()
        .map(|(path, value)| (path.as_str(), value.get_ron()))
        .collect();
    set_fields(base, &edits)
}

/// Sets fields of a scenario by path: each edit is (field path, new value in RON, written as
/// that field is written in a scenario file). Errors name the path.
pub fn set_fields(base: RawScenario, edits: &[(&str, &str)]) -> Result<RawScenario, String> {
    set_fields_at(base, edits)
        .map_err(|(index, message)| format!("set[{:?}]: {message}", edits[index].0))
}

/// [`set_fields`], with the index in `edits` of the edit that failed and why, for callers that
/// name edits their own way (an experiment's `parameters[i].path`).
pub(crate) fn set_fields_at(
    base: RawScenario,
    edits: &[(&str, &str)],
) -> Result<RawScenario, (usize, String)> {
    if edits.is_empty() {
        return Ok(base);
    }
    let image = serde_json::to_value(&base)
        .map_err(|error| (0, format!("cannot edit the base: {error}")))?;
    if serde_json::from_value::<RawScenario>(image.clone()).is_err() {
        // JSON has no infinity or NaN: a base holding one does not survive the round trip.
        // Such a number is invalid in every field, so validation of the unedited base reports
        // it with its path, which is the error to show.
        return Ok(base);
    }
    let edited = apply_edits(image.clone(), edits)?;
    match serde_json::from_value(edited) {
        Ok(scenario) => Ok(scenario),
        Err(error) => Err(blame(image, edits)
            .unwrap_or_else(|| (0, format!("the result is not a scenario: {error}")))),
    }
}

fn apply_edits(mut image: Value, edits: &[(&str, &str)]) -> Result<Value, (usize, String)> {
    for (index, (path, value)) in edits.iter().enumerate() {
        let segments = parse_path(path).map_err(|message| (index, message))?;
        let new_value = parse_value(&segments, value)
            .map_err(|error| (index, format!("invalid value: {error}")))?;
        let node =
            locate(&mut image, &segments).map_err(|error| (index, format!("the base {error}")))?;
        *node = new_value;
    }
    Ok(image)
}

/// The first edit after which the scenario no longer reads back, with serde's reason: a value
/// of the wrong type for a field parsed without a type (`horizon: "long"`). Only run on failure.
fn blame(mut image: Value, edits: &[(&str, &str)]) -> Option<(usize, String)> {
    for (index, edit) in edits.iter().enumerate() {
        image = apply_edits(image, std::slice::from_ref(edit)).ok()?;
        if let Err(error) = serde_json::from_value::<RawScenario>(image.clone()) {
            return Some((index, format!("invalid value: {error}")));
        }
    }
    None
}

/// Resolves `origin` (a variant, whose text is `text`) against the chain of scenarios it
/// extends. `chain` holds the origins already being resolved, to detect cycles.
pub fn resolve(
    origin: &Origin,
    text: &str,
    chain: &mut Vec<Origin>,
) -> Result<RawScenario, ScenarioError> {
    let file = origin.label();
    let variant: RawVariant = ron_options()
        .from_str(text)
        .map_err(|error| syntax_error(&file, text, &error))?;
    let failure = |base: PathBuf, message: String| ScenarioError::Variant {
        file: file.clone(),
        base,
        message,
    };
    let base = origin
        .base(&variant.extends)
        .map_err(|(tried, message)| failure(tried, message))?;
    let base_label = base.label();
    if chain.len() >= MAX_DEPTH {
        return Err(failure(
            base_label,
            format!("more than {MAX_DEPTH} levels of extends"),
        ));
    }
    let canonical = base
        .canonical()
        .map_err(|error| failure(base_label.clone(), format!("cannot read the base: {error}")))?;
    if chain.contains(&canonical) {
        let cycle: Vec<String> = chain
            .iter()
            .chain([&canonical])
            .map(|origin| origin.label().display().to_string())
            .collect();
        return Err(failure(
            base_label,
            format!("extends forms a cycle: {}", cycle.join(" -> ")),
        ));
    }
    chain.push(canonical);
    let resolved = super::parse_chain(&base, chain)?;
    chain.pop();
    apply(resolved, variant).map_err(|message| failure(base_label, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_with_either_quote() {
        assert_eq!(
            parse_path(r#"flows["russia_intel"].volume"#).unwrap(),
            vec![
                Segment::Field("flows".into()),
                Segment::Key("russia_intel".into()),
                Segment::Field("volume".into())
            ]
        );
        assert_eq!(
            parse_path("events['x'].effects[2].factor").unwrap(),
            vec![
                Segment::Field("events".into()),
                Segment::Key("x".into()),
                Segment::Field("effects".into()),
                Segment::Index(2),
                Segment::Field("factor".into())
            ]
        );
        assert!(parse_path("flows[").is_err());
        assert!(parse_path("flows.").is_err());
        assert!(parse_path("").is_err());
        assert!(parse_path("flows[\"x\"]volume").is_err());
    }
}
