//! Explicit reference conditions (MODEL.md, "Notation"): a state's rates are relative to its
//! `reference`, not to the support its file lists at month 0. So removing a flow from the file
//! and ending it at month 0 describe the same world, and adding support never raises expected
//! attacks through a change of reference. Comparisons use summary.json's means and their Monte
//! Carlo standard errors: two means agree when they differ by less than 4 combined standard
//! errors, sqrt(mcse_a^2 + mcse_b^2) (runs share random streams, so this is conservative).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{assert_success, secsim, stderr};

fn base() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/niger_baseline.ron")
        .display()
        .to_string()
}

/// Runs a variant of niger_baseline.ron (its body after `extends` and `name`) and returns
/// attacks_total's (mean, mcse).
fn attacks(dir: &Path, name: &str, body: &str) -> (f64, f64) {
    let file = dir.join(format!("{name}.ron"));
    fs::write(
        &file,
        format!(
            "Scenario(\n    extends: {:?},\n    name: {name:?},\n{body}\n)\n",
            base()
        ),
    )
    .unwrap();
    let out = dir.join(name);
    let output = secsim(
        dir,
        &[
            "run",
            file.to_str().unwrap(),
            "--runs",
            "4000",
            "--seed",
            "2025",
            "--no-charts",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_success(&output);
    let summary: Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let stats = &summary["outcomes"]["attacks_total"];
    (
        stats["mean"].as_f64().unwrap(),
        stats["mcse"].as_f64().unwrap(),
    )
}

fn tolerance(a: (f64, f64), b: (f64, f64)) -> f64 {
    4.0 * (a.1 * a.1 + b.1 * b.1).sqrt()
}

#[test]
fn removing_a_flow_and_ending_it_at_month_0_give_the_same_distribution() {
    let dir = tempfile::tempdir().unwrap();
    let removed = attacks(
        dir.path(),
        "removed",
        r#"    remove: (flows: ["russia_intel"]),"#,
    );
    let ended = attacks(
        dir.path(),
        "ended",
        r#"    add: (events: [Event(name: "end_russia_intel", when: At(month: 0),
                             effects: [EndFlow(flow: "russia_intel")])]),"#,
    );
    let difference = (removed.0 - ended.0).abs();
    assert!(
        difference < tolerance(removed, ended),
        "removed {removed:?}, ended at month 0 {ended:?}"
    );
    // And both are the world without Russia's intelligence: more attacks than with it.
    let kept = attacks(dir.path(), "kept", "");
    assert!(
        removed.0 > kept.0 + tolerance(removed, kept),
        "{removed:?} vs {kept:?}"
    );
}

#[test]
fn adding_support_never_raises_expected_attacks() {
    let dir = tempfile::tempdir().unwrap();
    let kept = attacks(dir.path(), "kept", "");
    let us = r#"Flow(name: "us_isr", from: "United States", to: "Niger", kind: intelligence,
                          volume: 1.0, start: -12, reliability: 0.95)"#;
    let small_russia = r#"Flow(name: "russia_extra", from: "Russia", to: "Niger", kind: intelligence,
                          volume: 0.1, start: -12, reliability: 0.9)"#;
    let with_us = attacks(
        dir.path(),
        "with_us",
        &format!("    add: (actors: [Partner(name: \"United States\")], flows: [{us}]),"),
    );
    let with_both = attacks(
        dir.path(),
        "with_both",
        &format!(
            "    add: (actors: [Partner(name: \"United States\")], flows: [{us}, {small_russia}]),"
        ),
    );
    assert!(
        with_us.0 < kept.0,
        "US ISR added: {with_us:?} against {kept:?}"
    );
    assert!(
        with_both.0 <= with_us.0 + tolerance(with_both, with_us),
        "a small Russian flow on top of the US's raised attacks: {with_both:?} against {with_us:?}"
    );
}

#[test]
fn validate_warns_when_a_state_has_support_in_place_and_no_reference() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(base()).unwrap();
    let without: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("reference:"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("intelligence: 0.2,\n", "intelligence: 0.2),\n");
    let file: PathBuf = dir.path().join("no_reference.ron");
    fs::write(&file, without).unwrap();
    let output = secsim(dir.path(), &["validate", file.to_str().unwrap()]);
    assert_success(&output);
    let message = stderr(&output);
    assert!(
        message.contains("warning:")
            && message.contains("no `reference`")
            && message.contains("\"russia_intel\""),
        "{message}"
    );
    let with = secsim(dir.path(), &["validate", &base()]);
    assert!(stderr(&with).is_empty(), "{}", stderr(&with));
}

/// Severity follows support (MODEL.md, M7b): with `severity_capacity_sensitivity` 1 and the
/// state at half its reference capacity, each attack kills twice `lethality` on average. With
/// attack counts not depending on capacity (`capacity_sensitivity` 0), a replication's deaths
/// per attack has expectation 2 * 2.0 = 4 given its attacks (stochastic rounding keeps the
/// mean); the test allows 4 standard errors of the mean of 2,000 replications' ratios.
#[test]
fn deaths_per_attack_scale_with_the_loss_of_capacity() {
    let text = r#"Scenario(
    name: "severity", start: "2030-01", horizon: 12,
    model: (severity_capacity_sensitivity: 1.0, severity_sigma: 0.5),
    actors: [
        State(name: "Land", capacity: 1.0, control: 0.5, stability: 0.5,
              reference: (capacity: 2.0, intelligence: 0.2)),
        Group(name: "Band", strength: 500, areas: [(state: "Land", weight: 1.0)],
              recruitment: 0.0, attrition: 0.0, lethality: 2.0, ceiling: 2000),
    ],
    pressure: [(group: "Band", state: "Land", base_rate: 20.0, capacity_sensitivity: 0.0)],
    outcomes: [
        Sum(name: "attacks", metric: attacks, actor: "Land"),
        Sum(name: "deaths", metric: fatalities, actor: "Land"),
    ],
)"#;
    let scenario = secsim::scenario::validate(secsim::scenario::parse_str(text).unwrap()).unwrap();
    let plan = secsim::engine::RunPlan {
        seed: 8,
        runs: 2000,
    };
    let mut ratios = Vec::new();
    secsim::engine::run(&scenario, &plan, |block| {
        ratios.extend(
            block
                .rows()
                .filter(|(_, row)| row[0] > 0.0)
                .map(|(_, row)| row[1] / row[0]),
        );
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap();
    let n = ratios.len() as f64;
    let mean = ratios.iter().sum::<f64>() / n;
    let sd = (ratios.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / (n - 1.0)).sqrt();
    let standard_error = sd / n.sqrt();
    assert!(
        (mean - 4.0).abs() < 4.0 * standard_error,
        "deaths per attack {mean} (standard error {standard_error}), expected 4"
    );
}
