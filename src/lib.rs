//! secsim: Monte Carlo scenarios of regional security outcomes.
//!
//! Dependencies point one way: [`cli`] (arguments) -> [`commands`] (one module per command,
//! wiring the rest) -> [`engine`] (parallel replications, fixed-order reduction, per-block
//! sinks), [`experiment`] (designs and estimators) and [`output`] (writers only) -> [`model`]
//! (one replication, pure and seeded) and [`stats`] (mergeable summaries) -> [`scenario`]
//! (parse and validate a RON file into a `Scenario`).
//!
//! Running a scenario from a program:
//!
//! ```
//! use secsim::engine::{RunPlan, run};
//! use secsim::scenario::{parse_str, validate};
//!
//! let text = r#"Scenario(
//!     name: "demo", start: "2025-01", horizon: 12,
//!     actors: [
//!         State(name: "Niger", capacity: 1.0, control: 0.5, stability: 0.5),
//!         Group(name: "JNIM", strength: 600, areas: [(state: "Niger", weight: 1.0)],
//!               recruitment: 0.0, attrition: 0.0, lethality: 2.0, ceiling: 2000),
//!     ],
//!     pressure: [(group: "JNIM", state: "Niger", base_rate: 10.0)],
//!     outcomes: [Sum(name: "attacks_total", metric: attacks, actor: "Niger")],
//! )"#;
//! let scenario = validate(parse_str(text)?).expect("a valid scenario");
//! let plan = RunPlan { seed: 7, runs: 2000 };
//! let aggregate = run(&scenario, &plan, |_block| Ok::<(), std::convert::Infallible>(()))?;
//! let attacks = aggregate.outcomes[0].summary();
//! // A constant rate of 10 attacks a month for 12 months: mean 120, within 4 standard errors.
//! let (mean, mcse) = (attacks.mean.unwrap(), attacks.mcse.unwrap());
//! assert!((mean - 120.0).abs() < 4.0 * mcse);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod calibration;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod experiment;
pub mod math;
pub mod model;
pub mod output;
pub mod scenario;
pub mod scoring;
pub mod stats;
