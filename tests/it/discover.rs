//! `secsim discover`: PRIM on a run's `outcomes.csv` and `parameters.csv`. The box's statistics
//! are recomputed here from the CSV files alone, and every bad request exits 2 and writes
//! nothing.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use secsim::output::discovery::{
    BOXES_HEADER, DISCOVERY_FILES, STABILITY_HEADER, TRAJECTORY_HEADER, dimension_label,
};

use crate::common::{assert_success, secsim, stderr, stdout};

pub(crate) const OUTCOME: &str = "attacks_total";

fn realignment() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/niger_realignment.ron")
        .to_string_lossy()
        .into_owned()
}

/// Runs the shipped realignment scenario 1000 times into `dir/r` (plus `extra` flags).
pub(crate) fn run(dir: &Path, extra: &[&str]) -> PathBuf {
    let scenario = realignment();
    let mut args = vec![
        "run",
        scenario.as_str(),
        "--runs",
        "1000",
        "--seed",
        "3",
        "--out",
        "r",
        "--no-charts",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    assert_success(&secsim(dir, &args));
    dir.join("r")
}

/// A CSV file's header and its rows, as text fields.
pub(crate) fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|record| record.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

pub(crate) fn number(field: &str) -> f64 {
    field
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {field:?}"))
}

/// The value of the outcome at the 75th percentile of its runs (a rank, no interpolation).
pub(crate) fn p75(results: &Path) -> String {
    let (header, rows) = read_csv(&results.join("outcomes.csv"));
    let column = header.iter().position(|name| name == OUTCOME).unwrap();
    let mut values: Vec<f64> = rows.iter().map(|row| number(&row[column])).collect();
    values.sort_by(f64::total_cmp);
    values[values.len() * 3 / 4].to_string()
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

/// The files of a discovery folder, relative to it, folders left out.
fn files_in(folder: &Path) -> BTreeSet<String> {
    paths_under(folder)
        .into_iter()
        .filter(|path| path.is_file())
        .map(|path| {
            let relative = path.strip_prefix(folder).unwrap();
            relative.to_string_lossy().replace('\\', "/")
        })
        .collect()
}

/// The files `DISCOVERY_FILES` lists, with or without charts, and `manifest.json`.
fn expected_files(charts: bool) -> BTreeSet<String> {
    DISCOVERY_FILES
        .iter()
        .filter(|(_, with_charts)| charts || !with_charts)
        .map(|(file, _)| (*file).to_owned())
        .chain(["manifest.json".to_owned()])
        .collect()
}

/// The files exist with their documented headers; the trajectory starts with all runs, peels
/// (mass and coverage falling) then pastes (mass rising); every step's statistics are its own
/// counts; and the box's coverage, density and mass are exactly what the runs inside its limits
/// in outcomes.csv and parameters.csv give.
#[test]
fn the_box_holds_what_the_csv_files_say() {
    let dir = tempfile::tempdir().unwrap();
    let results = run(dir.path(), &[]);
    let threshold = p75(&results);
    let output = secsim(
        dir.path(),
        &["discover", "r", "--outcome", OUTCOME, "--above", &threshold],
    );
    assert_success(&output);
    let printed = stdout(&output);
    assert!(
        printed.contains(&format!("{OUTCOME} above {threshold} in "))
            && printed.contains("(coverage)")
            && printed.contains("(mass)"),
        "{printed}"
    );
    let folder = results.join("discover_attacks_total");
    assert_eq!(files_in(&folder), expected_files(true));
    for (file, _) in DISCOVERY_FILES {
        assert!(fs::metadata(folder.join(file)).unwrap().len() > 0, "{file}");
    }

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
    let value = |row: &[String], column: usize| {
        if row[column].is_empty() {
            assert!(parameter_header[column].ends_with("_month"));
            horizon
        } else {
            number(&row[column])
        }
    };

    // trajectory.csv
    let (header, steps) = read_csv(&folder.join("trajectory.csv"));
    assert_eq!(header, TRAJECTORY_HEADER);
    assert!(steps.len() > 2, "{steps:?}");
    let column = |name: &str| header.iter().position(|known| known == name).unwrap();
    let (coverage, density, mass) = (column("coverage"), column("density"), column("mass"));
    let (runs, cases, restricted) = (
        column("runs"),
        column("runs_of_interest"),
        column("restricted"),
    );
    assert_eq!(
        (number(&steps[0][coverage]), number(&steps[0][mass])),
        (1.0, 1.0)
    );
    assert_eq!(steps[0][restricted], "0");
    for (index, step) in steps.iter().enumerate() {
        assert_eq!(step[0], index.to_string());
        let (box_runs, box_cases) = (number(&step[runs]), number(&step[cases]));
        assert_eq!(number(&step[density]), box_cases / box_runs, "step {index}");
        assert_eq!(number(&step[coverage]), box_cases / n_of_interest as f64);
        assert_eq!(number(&step[mass]), box_runs / n_runs as f64);
        assert!(number(&step[mass]) >= 0.05, "min mass at step {index}");
    }
    // Peeling takes runs away, pasting adds them back: mass falls, then (if at all) rises.
    let masses: Vec<f64> = steps.iter().map(|step| number(&step[mass])).collect();
    let peeled = masses
        .windows(2)
        .position(|pair| pair[1] > pair[0])
        .unwrap_or(masses.len() - 1);
    assert!(masses[..=peeled].windows(2).all(|pair| pair[1] < pair[0]));
    assert!(masses[peeled..].windows(2).all(|pair| pair[1] > pair[0]));
    let coverages: Vec<f64> = steps.iter().map(|step| number(&step[coverage])).collect();
    assert!(
        coverages[..=peeled]
            .windows(2)
            .all(|pair| pair[1] <= pair[0])
    );

    // boxes.csv: the chosen box, one row per dimension of parameters.csv.
    let (header, box_rows) = read_csv(&folder.join("boxes.csv"));
    assert_eq!(header, BOXES_HEADER);
    assert_eq!(box_rows.len(), parameter_header.len() - 1);
    let column = |name: &str| header.iter().position(|known| known == name).unwrap();
    let chosen_step: usize = box_rows[0][column("step")].parse().unwrap();
    assert_eq!(chosen_step, steps.len() - 1, "PRIM's rule: the last step");
    let mut inside = vec![true; n_runs];
    let mut n_restricted = 0;
    for (offset, box_row) in box_rows.iter().enumerate() {
        let dimension = offset + 1;
        assert_eq!(box_row[column("dimension")], parameter_header[dimension]);
        let values: Vec<f64> = parameter_rows
            .iter()
            .map(|row| value(row, dimension))
            .collect();
        let full_lower = values.iter().copied().fold(f64::INFINITY, f64::min);
        let full_upper = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(number(&box_row[column("full_lower")]), full_lower);
        assert_eq!(number(&box_row[column("full_upper")]), full_upper);
        let (lower, upper) = (
            number(&box_row[column("lower")]),
            number(&box_row[column("upper")]),
        );
        let is_restricted = lower != full_lower || upper != full_upper;
        assert_eq!(
            box_row[column("restricted")],
            u8::from(is_restricted).to_string()
        );
        n_restricted += usize::from(is_restricted);
        if !is_restricted {
            assert!(box_row[column("quasi_p_lower")].is_empty());
            assert!(box_row[column("quasi_p_upper")].is_empty());
        }
        for (run, &x) in values.iter().enumerate() {
            inside[run] &= lower <= x && x <= upper;
        }
    }
    assert_eq!(steps[chosen_step][restricted], n_restricted.to_string());
    let box_runs = inside.iter().filter(|&&is_inside| is_inside).count();
    let box_cases = inside
        .iter()
        .zip(&of_interest)
        .filter(|&(&is_inside, &case)| is_inside && case)
        .count();
    let first = &box_rows[0];
    assert_eq!(number(&first[column("runs")]), box_runs as f64);
    assert_eq!(
        number(&first[column("density")]),
        box_cases as f64 / box_runs as f64
    );
    assert_eq!(
        number(&first[column("coverage")]),
        box_cases as f64 / n_of_interest as f64
    );
    assert_eq!(
        number(&first[column("mass")]),
        box_runs as f64 / n_runs as f64
    );
    assert!(
        number(&first[column("density")]) >= 0.8,
        "the default threshold"
    );

    // stability.csv: percentages of restricted dimensions.
    let (header, stability) = read_csv(&folder.join("stability.csv"));
    assert_eq!(header, STABILITY_HEADER);
    for row in &stability {
        assert!(parameter_header.contains(&row[0]));
        for field in &row[1..] {
            assert!((0.0..=100.0).contains(&number(field)), "{row:?}");
        }
    }
}

/// The same request gives the same files (PRIM and its resamples are seeded, single-threaded).
#[test]
fn two_invocations_write_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let results = run(dir.path(), &[]);
    let threshold = p75(&results);
    let mut written = Vec::new();
    for out in ["one", "two"] {
        assert_success(&secsim(
            dir.path(),
            &[
                "discover",
                "r",
                "--outcome",
                OUTCOME,
                "--above",
                &threshold,
                "--out",
                out,
            ],
        ));
        written.push(
            [
                "trajectory.csv",
                "boxes.csv",
                "stability.csv",
                "report.html",
            ]
            .map(|file| fs::read(dir.path().join(out).join(file)).unwrap()),
        );
    }
    assert_eq!(written[0], written[1]);
}

/// `--box K` reports step K; `--true` takes a yes/no outcome; `--below` works on a month
/// outcome.
#[test]
fn box_true_and_below_choose_what_they_say() {
    let dir = tempfile::tempdir().unwrap();
    let results = run(dir.path(), &[]);
    let threshold = p75(&results);
    let output = secsim(
        dir.path(),
        &[
            "discover",
            "r",
            "--outcome",
            OUTCOME,
            "--above",
            &threshold,
            "--box",
            "3",
            "--out",
            "k",
        ],
    );
    assert_success(&output);
    // The printout says the box was picked by hand, not by PRIM.
    assert!(
        stdout(&output).starts_with("box: step 3 of 0..")
            && stdout(&output).contains("(selected with --box)"),
        "{}",
        stdout(&output)
    );
    let (_, rows) = read_csv(&dir.path().join("k/boxes.csv"));
    assert!(rows.iter().all(|row| row[0] == "3"));
    let (_, steps) = read_csv(&dir.path().join("k/trajectory.csv"));
    assert_eq!(rows[0][10], steps[3][2], "the density of step 3");

    let output = secsim(
        dir.path(),
        &[
            "discover",
            "r",
            "--outcome",
            "western_return",
            "--true",
            "--out",
            "t",
        ],
    );
    assert_success(&output);
    assert!(stdout(&output).contains("western_return true in"));
    let output = secsim(
        dir.path(),
        &[
            "discover",
            "r",
            "--outcome",
            "power_vacuum_month",
            "--below",
            "30",
            "--out",
            "m",
        ],
    );
    assert_success(&output);
}

/// Each bad request exits 2 with a message saying what is wrong, and writes nothing.
#[test]
fn bad_requests_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &[]);
    let plain = tempfile::tempdir().unwrap();
    let plain_results = run(plain.path(), &["--no-parameters"]);
    assert!(!plain_results.join("parameters.csv").exists());
    let cases: [(&Path, &[&str], &str); 8] = [
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
            &["--outcome", "western_return", "--true", "--box", "100000"],
            "--box 100000: the trajectory has steps 0 to",
        ),
        (
            dir.path(),
            &[
                "--outcome",
                OUTCOME,
                "--above",
                "1",
                "--method",
                "cart",
                "--alpha",
                "0.1",
            ],
            "CART has none",
        ),
        (
            dir.path(),
            &["--outcome", OUTCOME, "--above", "1", "--alpha", "0.7"],
            "(0, 0.5)",
        ),
    ];
    for (folder, flags, message) in cases {
        let before = paths_under(folder);
        let mut args = vec!["discover", "r"];
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

/// `--no-charts` writes the CSV files and the report, without images, and no `charts/`.
#[test]
fn no_charts_writes_no_charts_folder_and_a_report_without_images() {
    let dir = tempfile::tempdir().unwrap();
    let results = run(dir.path(), &[]);
    let threshold = p75(&results);
    assert_success(&secsim(
        dir.path(),
        &[
            "discover",
            "r",
            "--outcome",
            OUTCOME,
            "--above",
            &threshold,
            "--no-charts",
        ],
    ));
    let folder = results.join("discover_attacks_total");
    assert!(!folder.join("charts").exists());
    assert_eq!(files_in(&folder), expected_files(false));
    let report = fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(!report.contains("<svg"), "no images without charts");
    assert!(report.contains("<h2>Findings</h2>"));
}

/// The EMA Workbench fixture made from a run of the shipped realignment scenario
/// (`tests/prim/make_fixtures.py`, `niger_realignment`): the same command here gives the same
/// joined table as the fixture's CSV, and `secsim discover` on it gives EMA's trajectory and
/// box. Counts, coverage, density, mass and limits must be equal to the last bit (both follow
/// the same float operations, and both files write shortest round-trip numbers); quasi-p-values
/// to a relative 1e-9 (different incomplete beta functions, see `experiment::prim`). A change
/// to the model changes the run: then rerun the script (the fixture is a value-stability check
/// of the run as much as of PRIM).
#[test]
fn discover_on_the_fixture_run_gives_emas_trajectory_and_box() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = realignment();
    assert_success(&secsim(
        dir.path(),
        &[
            "run",
            &scenario,
            "--runs",
            "2000",
            "--seed",
            "19",
            "--no-charts",
            "--quiet",
            "--out",
            "r",
        ],
    ));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/prim");

    // The fixture's table is this run's parameters.csv and outcome, joined as discover joins
    // them (an event that did not fire: month 60, the horizon).
    let (fixture_header, fixture_rows) = read_csv(&fixtures.join("niger_realignment.csv"));
    let (parameter_header, parameter_rows) = read_csv(&dir.path().join("r/parameters.csv"));
    let (outcome_header, outcome_rows) = read_csv(&dir.path().join("r/outcomes.csv"));
    assert_eq!(
        fixture_header[..fixture_header.len() - 1],
        parameter_header[1..]
    );
    assert_eq!(fixture_rows.len(), parameter_rows.len());
    let outcome_column = outcome_header
        .iter()
        .position(|name| name == OUTCOME)
        .unwrap();
    for ((fixture_row, parameter_row), outcome_row) in
        fixture_rows.iter().zip(&parameter_rows).zip(&outcome_rows)
    {
        for (column, field) in parameter_row[1..].iter().enumerate() {
            let value = if field.is_empty() {
                60.0
            } else {
                number(field)
            };
            assert_eq!(
                number(&fixture_row[column]),
                value,
                "run {}",
                parameter_row[0]
            );
        }
        let of_interest = number(&outcome_row[outcome_column]) > 8000.0;
        assert_eq!(
            fixture_row[fixture_row.len() - 1],
            u8::from(of_interest).to_string()
        );
    }

    let output = secsim(
        dir.path(),
        &[
            "discover",
            "r",
            "--outcome",
            OUTCOME,
            "--above",
            "8000",
            "--out",
            "d",
        ],
    );
    assert_success(&output);
    let folder = dir.path().join("d");
    let text = fs::read_to_string(fixtures.join("niger_realignment.json")).unwrap();
    let ema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ema_steps = ema["trajectory"].as_array().unwrap();
    let (header, steps) = read_csv(&folder.join("trajectory.csv"));
    let column = |name: &str| header.iter().position(|known| known == name).unwrap();
    assert_eq!(steps.len(), ema_steps.len());
    for (index, (step, expected)) in steps.iter().zip(ema_steps).enumerate() {
        for (ours, theirs) in [
            ("coverage", "coverage"),
            ("density", "density"),
            ("mass", "mass"),
        ] {
            assert_eq!(
                number(&step[column(ours)]),
                expected[theirs].as_f64().unwrap(),
                "step {index} {ours}"
            );
        }
        for (ours, theirs) in [
            ("runs", "n"),
            ("runs_of_interest", "k"),
            ("restricted", "res_dim"),
        ] {
            assert_eq!(
                step[column(ours)],
                expected[theirs].as_u64().unwrap().to_string(),
                "step {index} {ours}"
            );
        }
    }

    // boxes.csv: EMA's find_box chose the same step, with the same limits and quasi-p-values.
    let chosen = ema["chosen"].as_u64().unwrap() as usize;
    let expected = &ema_steps[chosen];
    let (header, box_rows) = read_csv(&folder.join("boxes.csv"));
    let column = |name: &str| header.iter().position(|known| known == name).unwrap();
    let mut restricted = Vec::new();
    for row in &box_rows {
        assert_eq!(row[column("step")], chosen.to_string());
        let dimension = &row[column("dimension")];
        let limits = &expected["limits"][dimension];
        assert_eq!(
            number(&row[column("lower")]),
            limits[0].as_f64().unwrap(),
            "{dimension}"
        );
        assert_eq!(
            number(&row[column("upper")]),
            limits[1].as_f64().unwrap(),
            "{dimension}"
        );
        let quasi_p = &expected["qp"][dimension];
        for (side, ema_side) in [
            ("quasi_p_lower", &quasi_p[0]),
            ("quasi_p_upper", &quasi_p[1]),
        ] {
            match ema_side.as_f64() {
                Some(theirs) => {
                    let ours = number(&row[column(side)]);
                    assert!(
                        (ours - theirs).abs() <= 1e-9 * theirs,
                        "{dimension} {side}: {ours} vs EMA {theirs}"
                    );
                }
                None => assert!(row[column(side)].is_empty(), "{dimension} {side}"),
            }
        }
        if row[column("restricted")] == "1" {
            restricted.push(dimension.clone());
        }
    }
    assert_eq!(
        restricted.len() as u64,
        expected["res_dim"].as_u64().unwrap()
    );

    // The box-limits chart has a row per restricted dimension, named in words, and no other.
    let svg = fs::read_to_string(folder.join("charts/box_limits.svg")).unwrap();
    for row in &box_rows {
        let label = dimension_label(&row[column("dimension")]);
        assert_eq!(
            svg.contains(&format!(">\n{label}\n</text>")),
            restricted.contains(&row[column("dimension")]),
            "{label} in box_limits.svg"
        );
    }

    // The report opens with the sentence: EMA's density and coverage, the event's condition.
    let report = fs::read_to_string(folder.join("report.html")).unwrap();
    let percent = |key: &str| format!("{:.0}%", expected[key].as_f64().unwrap() * 100.0);
    let opening = format!(
        "<li>Attacks total above 8000 in {} of the runs where ",
        percent("density")
    );
    assert!(report.contains(&opening), "{opening} in {report}");
    assert_eq!(
        expected["limits"]["western_reengagement_fired"][1].as_f64(),
        Some(0.5)
    );
    assert!(report.contains("western reengagement does not happen"));
    assert!(report.contains(&format!(
        "they hold {} of all runs with attacks total above 8000 (coverage) and are {} of all runs (mass).</li>",
        percent("coverage"),
        percent("mass")
    )));
    assert!(
        report.find(&opening) < report.find("<svg"),
        "findings before the charts"
    );
}
