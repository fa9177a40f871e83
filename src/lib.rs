//! secsim: Monte Carlo scenarios of regional security outcomes.
//!
//! Data flows one way: [`scenario`] (parse and validate a RON file into a `Scenario`) ->
//! [`model`] (one replication, pure and seeded) -> [`engine`] (parallel replications,
//! fixed-order reduction) -> [`stats`] (mergeable summaries) -> [`output`] (files and tables).
//! The binary's `cli` only parses arguments and wires these together.

pub mod engine;
pub mod model;
pub mod output;
pub mod scenario;
pub mod stats;
