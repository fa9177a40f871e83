//! `secsim discover --method cart`: every box's statistics are recomputed here from the run's
//! CSV files alone, and every bad request exits 2 and writes nothing.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use secsim::output::cart::CART_BOXES_HEADER;

use crate::common::{assert_success, secsim, stderr, stdout};
use crate::discover::{OUTCOME, number, p75, read_csv, run};

fn discover_cart(dir: &Path, threshold: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "discover",
        "r",
        "--outcome",
        OUTCOME,
        "--above",
        threshold,
        "--method",
        "cart",
    ];
    args.extend_from_slice(extra);
    secsim(dir, &args)
}

/// The files exist with their documented header; boxes are numbered 1, 2, ... by density then
/// mass, each with a row per dimension of parameters.csv; every box's full ranges, restricted
/// flags, runs, coverage, density and mass are exactly what the runs inside its limits in
/// outcomes.csv and parameters.csv give; every box keeps --min-mass of the runs; the boxes (the
/// tree's leaves) split the runs between them; and the sentence describes box 1.
#[test]
fn every_box_holds_what_the_csv_files_say() {
    let dir = tempfile::tempdir().unwrap();
    let results = run(dir.path(), &[]);
    let threshold = p75(&results);
    let output = discover_cart(dir.path(), &threshold, &[]);
    assert_success(&output);
    let folder = results.join("discover_cart_attacks_total");
    assert!(folder.join("manifest.json").is_file());
    assert!(!folder.join("trajectory.csv").exists(), "PRIM's file");

    // The runs: outcome and dimensions, joined by run.
    let (outcome_header, outcome_rows) = read_csv(&results.join("outcomes.csv"));
    let (parameter_header, parameter_rows) = read_csv(&results.join("parameters.csv"));
    let outcome_column = outcome_header
        .iter()
        .position(|name| name == OUTCOME)
        .unwrap();
    let threshold_value = number(&threshold);
    let of_interest: Vec<bool> = outcome_rows
        .iter()
        .zip(&parameter_rows)
        .map(|(outcome_row, parameter_row)| {
            assert_eq!(outcome_row[0], parameter_row[0], "joined by run");
            number(&outcome_row[outcome_column]) > threshold_value
        })
        .collect();
    let (n_runs, n_of_interest) = (
        of_interest.len(),
        of_interest.iter().filter(|&&case| case).count(),
    );
    assert_eq!(n_runs, 1000);
    // The shipped scenario's horizon: an event that did not fire counts as month 60.
    let horizon = 60.0;
    let n_dimensions = parameter_header.len() - 1;
    let dimensions: Vec<Vec<f64>> = (1..=n_dimensions)
        .map(|column| {
            parameter_rows
                .iter()
                .map(|row| {
                    if row[column].is_empty() {
                        assert!(parameter_header[column].ends_with("_month"));
                        horizon
                    } else {
                        number(&row[column])
                    }
                })
                .collect()
        })
        .collect();

    let (header, rows) = read_csv(&folder.join("boxes.csv"));
    assert_eq!(header, CART_BOXES_HEADER);
    let column = |name: &str| header.iter().position(|known| known == name).unwrap();
    assert_eq!(rows.len() % n_dimensions, 0);
    let n_boxes = rows.len() / n_dimensions;
    assert!(n_boxes >= 2, "the tree splits at least once");
    let mut runs_in_boxes = 0;
    let mut previous: Option<(f64, f64)> = None;
    for (index, box_rows) in rows.chunks(n_dimensions).enumerate() {
        let mut inside = vec![true; n_runs];
        for (dimension, box_row) in box_rows.iter().enumerate() {
            assert_eq!(box_row[column("box")], (index + 1).to_string());
            assert_eq!(
                box_row[column("dimension")],
                parameter_header[dimension + 1]
            );
            let values = &dimensions[dimension];
            let full_lower = values.iter().copied().fold(f64::INFINITY, f64::min);
            let full_upper = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(number(&box_row[column("full_lower")]), full_lower);
            assert_eq!(number(&box_row[column("full_upper")]), full_upper);
            let (lower, upper) = (
                number(&box_row[column("lower")]),
                number(&box_row[column("upper")]),
            );
            assert_eq!(
                box_row[column("restricted")],
                u8::from(lower != full_lower || upper != full_upper).to_string()
            );
            // A quasi-p-value for each restricted side, in [0, 1], and none for the others.
            for (limit, full, quasi_p) in [
                (lower, full_lower, "quasi_p_lower"),
                (upper, full_upper, "quasi_p_upper"),
            ] {
                let field = &box_row[column(quasi_p)];
                if limit == full {
                    assert!(field.is_empty(), "box {} {quasi_p}", index + 1);
                } else {
                    assert!((0.0..=1.0).contains(&number(field)), "{field}");
                }
            }
            for (run, &x) in values.iter().enumerate() {
                inside[run] &= lower <= x && x <= upper;
            }
        }
        let box_runs = inside.iter().filter(|&&is_inside| is_inside).count();
        let box_cases = inside
            .iter()
            .zip(&of_interest)
            .filter(|&(&is_inside, &case)| is_inside && case)
            .count();
        for box_row in box_rows {
            assert_eq!(number(&box_row[column("runs")]), box_runs as f64);
            assert_eq!(
                number(&box_row[column("density")]),
                box_cases as f64 / box_runs as f64
            );
            assert_eq!(
                number(&box_row[column("coverage")]),
                box_cases as f64 / n_of_interest as f64
            );
            assert_eq!(
                number(&box_row[column("mass")]),
                box_runs as f64 / n_runs as f64
            );
        }
        // min_samples_leaf = int(0.05 * 1000) = 50 runs.
        assert!(box_runs >= 50, "box {}: {box_runs} runs", index + 1);
        runs_in_boxes += box_runs;
        let order = (
            number(&box_rows[0][column("density")]),
            number(&box_rows[0][column("mass")]),
        );
        if let Some(previous) = previous {
            assert!(
                order.0 < previous.0 || (order.0 == previous.0 && order.1 <= previous.1),
                "box {} after {previous:?}",
                index + 1
            );
        }
        previous = Some(order);
    }
    assert_eq!(runs_in_boxes, n_runs, "the leaves split the runs");

    let printed = stdout(&output);
    let density = number(&rows[0][column("density")]);
    assert!(
        printed.contains(&format!(
            "box 1 (the densest): {OUTCOME} above {threshold} in {:.0}% of the runs where",
            density * 100.0
        )),
        "{printed}"
    );
}

/// The same request gives the same bytes; `--box K` describes box K and `--min-mass` makes
/// bigger leaves, so fewer boxes.
#[test]
fn same_bytes_twice_and_box_and_min_mass_do_what_they_say() {
    let dir = tempfile::tempdir().unwrap();
    let results = run(dir.path(), &[]);
    let threshold = p75(&results);
    let mut written = Vec::new();
    for out in ["one", "two"] {
        assert_success(&discover_cart(dir.path(), &threshold, &["--out", out]));
        written.push(fs::read(dir.path().join(out).join("boxes.csv")).unwrap());
    }
    assert_eq!(written[0], written[1]);

    let output = discover_cart(dir.path(), &threshold, &["--box", "2", "--out", "k"]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("box 2 (selected with --box): "),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        fs::read(dir.path().join("k/boxes.csv")).unwrap(),
        written[0],
        "--box changes only the printout"
    );

    let boxes = |folder: &str| {
        let (_, rows) = read_csv(&dir.path().join(folder).join("boxes.csv"));
        rows.iter()
            .map(|row| row[0].clone())
            .collect::<BTreeSet<_>>()
            .len()
    };
    assert_success(&discover_cart(
        dir.path(),
        &threshold,
        &["--min-mass", "0.2", "--out", "big"],
    ));
    assert!(
        boxes("big") < boxes("one"),
        "{} {}",
        boxes("big"),
        boxes("one")
    );
    // At least 200 runs a leaf: at most 5 leaves.
    assert!(boxes("big") <= 5);
}

/// Every path under `dir`, files and folders, hidden ones too.
fn paths_under(dir: &Path) -> BTreeSet<PathBuf> {
    let mut paths = BTreeSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path.clone());
            }
            paths.insert(path);
        }
    }
    paths
}

/// Each bad request with `--method cart` exits 2 with a message saying what is wrong, and
/// writes nothing.
#[test]
fn bad_cart_requests_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &[]);
    let plain = tempfile::tempdir().unwrap();
    run(plain.path(), &["--no-parameters"]);
    let cases: [(&Path, &[&str], &str); 9] = [
        (
            dir.path(),
            &["--outcome", "attacks", "--above", "1"],
            "the outcomes are attacks_total, fatalities_total",
        ),
        (
            dir.path(),
            &["--outcome", OUTCOME, "--above", "1e12"],
            "no run has attacks_total above",
        ),
        (
            dir.path(),
            &["--outcome", OUTCOME, "--below", "1e12"],
            "every run has attacks_total below",
        ),
        (
            plain.path(),
            &["--outcome", OUTCOME, "--above", "1"],
            "without --no-parameters",
        ),
        (
            dir.path(),
            &["--outcome", OUTCOME, "--true"],
            "--true needs a yes/no outcome",
        ),
        (
            dir.path(),
            &["--outcome", "western_return", "--true", "--box", "0"],
            "--box 0: CART found boxes 1 to",
        ),
        (
            dir.path(),
            &["--outcome", "western_return", "--true", "--box", "1000"],
            "--box 1000: CART found boxes 1 to",
        ),
        (
            dir.path(),
            &["--outcome", OUTCOME, "--above", "5000", "--alpha", "0.1"],
            "CART has none",
        ),
        (
            dir.path(),
            &["--outcome", OUTCOME, "--above", "5000", "--min-mass", "1.5"],
            "[0, 1]",
        ),
    ];
    for (folder, flags, message) in cases {
        let before = paths_under(folder);
        let mut args = vec!["discover", "r", "--method", "cart"];
        args.extend_from_slice(flags);
        let output = secsim(folder, &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{flags:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(message),
            "{flags:?}: {}",
            stderr(&output)
        );
        assert_eq!(paths_under(folder), before, "{flags:?} wrote something");
    }
}
