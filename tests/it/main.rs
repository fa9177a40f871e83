//! secsim's integration tests, in one test crate: each module was once a file of its own under
//! `tests/`, and so a test binary linking the whole library. One crate links it once.
//!
//! Run one module's tests with a filter on its path, e.g.
//! `cargo test --release --test it check::` or `cargo test --release --test it scale::`.
//! The property tests stay in their own crate (`tests/properties.rs`, `--test properties`).
//!
//! Tests that need programs beyond the Rust toolchain, bash and coreutils are scripts run by
//! `.ci/run` after `cargo test`: `tests/parallel/run.sh` (GNU parallel), `tests/disk/run.sh`
//! (tmpfs mounts, root) and `tests/slurm/run.sh` (a real Slurm).

mod common;

mod atomic;
mod backtests;
mod bad_files;
mod bad_input;
mod batch;
mod calibrate;
mod calibration;
mod charts;
mod check;
mod cli;
mod compare;
mod determinism;
mod discover;
mod discover_cart;
mod event_types;
mod examples;
mod experiment_library;
mod help_flags;
mod layers;
mod library;
mod observed_data;
mod parameters;
mod reference;
mod regressions;
mod samplers;
mod scale;
mod score;
mod selftest;
mod sensitivity;
mod statistical;
mod stdout;
mod uncertain_fields;
mod variants;
