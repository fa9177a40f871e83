//! `secsim batch`: design points and their order, the documented tables, agreement with
//! `secsim run`, fixed uncertain parameters, common random numbers, thread independence, the
//! three designs, several bases, refused experiments, the shipped example and the progress bar.
//!
//! Scenarios and experiments are in `tests/data/batch/`; experiments that must fail are written
//! into each test's temporary folder, naming the base scenario by its absolute path.

use crate::common::{assert_success, secsim, stderr, stdout};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Outcomes of `tests/data/batch/base.ron`, in file order.
const OUTCOMES: [&str; 4] = [
    "attacks_total",
    "control_final",
    "first_month_over_14",
    "benin_capacity",
];
/// `grid.ron`: values of each parameter, and replications per point.
const GRID_ARMS: [f64; 3] = [0.0, 20.0, 60.0];
const GRID_BENIN: [f64; 2] = [0.75, 1.5];
const GRID_CHAD: [f64; 2] = [1.0, 50.0];
const GRID_RUNS: usize = 25;
const GRID_SEED: &str = "17";
/// Provenance file an output folder may hold besides its results.
const MANIFEST: &str = "manifest.json";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/batch")
        .join(name)
}

fn data_arg(name: &str) -> String {
    data(name).to_str().unwrap().to_owned()
}

fn shipped(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// `secsim batch EXPERIMENT --out OUT [extra]` in `dir`, which must succeed.
fn batch(dir: &Path, experiment: &str, out: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec!["batch", experiment, "--out", out];
    args.extend_from_slice(extra);
    assert_success(&secsim(dir, &args));
    dir.join(out)
}

/// A CSV file as (header, rows of cells).
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Table {
        let mut reader = csv::Reader::from_path(path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|record| record.unwrap().iter().map(str::to_owned).collect())
            .collect();
        Table { header, rows }
    }

    fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|cell| cell == name)
            .unwrap_or_else(|| panic!("no column {name:?} in {:?}", self.header))
    }

    /// The cells of column `name`, as numbers.
    fn numbers(&self, name: &str) -> Vec<f64> {
        let column = self.column(name);
        self.rows.iter().map(|row| number(&row[column])).collect()
    }
}

fn number(cell: &str) -> f64 {
    cell.parse()
        .unwrap_or_else(|_| panic!("{cell:?} is not a number"))
}

/// The first line of a file.
fn first_line(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

/// The documented experiments.csv header.
fn experiments_header(leading: &[&str], outcomes: &[&str]) -> Vec<String> {
    let mut header = vec!["point".to_owned()];
    header.extend(leading.iter().map(|name| (*name).to_owned()));
    for outcome in outcomes {
        for statistic in ["mean", "p05", "p50", "p95"] {
            header.push(format!("{outcome}_{statistic}"));
        }
    }
    header
}

/// The documented runs.csv header.
fn runs_header(leading: &[&str], outcomes: &[&str]) -> Vec<String> {
    ["point", "run"]
        .iter()
        .chain(leading)
        .chain(outcomes)
        .map(|name| (*name).to_owned())
        .collect()
}

/// Every file under `dir` (relative path -> bytes; folders map to no bytes).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.insert(path.strip_prefix(root).unwrap().join(""), Vec::new());
                walk(root, &path, files);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// [`snapshot`] without `manifest.json`, which records timestamps and the thread count and so
/// differs between reruns by design.
fn results_snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = snapshot(dir);
    files.remove(Path::new(MANIFEST));
    files
}

/// Files in a results folder, without `manifest.json`.
fn result_names(dir: &Path) -> Vec<String> {
    names_in(dir)
        .into_iter()
        .filter(|name| name != MANIFEST)
        .collect()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn close(found: f64, expected: f64) -> bool {
    (found - expected).abs() <= 1e-9 * expected.abs().max(1e-300)
}

/// Runs `experiment` (`grid.ron`) without charts into `dir/grid`.
fn run_grid(dir: &Path) -> (Table, Table) {
    let folder = batch(dir, &data_arg("grid.ron"), "grid", &["--no-charts"]);
    assert_eq!(result_names(&folder), ["experiments.csv", "runs.csv"]);
    (
        Table::read(&folder.join("experiments.csv")),
        Table::read(&folder.join("runs.csv")),
    )
}

/// Rows of runs.csv for one point.
fn rows_of_point(runs: &Table, point: usize) -> Vec<&Vec<String>> {
    let point = point.to_string();
    runs.rows.iter().filter(|row| row[0] == point).collect()
}

#[test]
fn grid_points_come_in_the_documented_order_with_the_documented_headers() {
    let dir = tempfile::tempdir().unwrap();
    let folder = batch(dir.path(), &data_arg("grid.ron"), "grid", &["--no-charts"]);
    let parameters = ["arms_volume", r#"uncertain["benin_cap"]"#, "chad_aid"];

    // Headers, exactly; a parameter without a name is headed by its path (quoted for CSV).
    let experiments = Table::read(&folder.join("experiments.csv"));
    assert_eq!(
        experiments.header,
        experiments_header(&parameters, &OUTCOMES)
    );
    assert!(
        first_line(&folder.join("experiments.csv"))
            .starts_with(r#"point,arms_volume,"uncertain[""benin_cap""]",chad_aid,attacks_total_mean,attacks_total_p05,attacks_total_p50,attacks_total_p95,control_final_mean,"#),
        "{}",
        first_line(&folder.join("experiments.csv"))
    );
    let runs = Table::read(&folder.join("runs.csv"));
    assert_eq!(runs.header, runs_header(&parameters, &OUTCOMES));
    assert_eq!(
        first_line(&folder.join("runs.csv")),
        r#"point,run,arms_volume,"uncertain[""benin_cap""]",chad_aid,attacks_total,control_final,first_month_over_14,benin_capacity"#
    );

    // 3 x 2 x 2 points, the last parameter fastest (nested loops, the first outermost).
    let mut expected = Vec::new();
    for arms in GRID_ARMS {
        for benin in GRID_BENIN {
            for chad in GRID_CHAD {
                expected.push([arms, benin, chad]);
            }
        }
    }
    assert_eq!(experiments.rows.len(), expected.len());
    for (index, (row, values)) in experiments.rows.iter().zip(&expected).enumerate() {
        assert_eq!(row[0], index.to_string());
        let found: Vec<f64> = row[1..4].iter().map(|cell| number(cell)).collect();
        assert_eq!(found, values, "point {index}");
    }

    // runs.csv: points x runs rows, points in order, replications in order within each, and
    // each row carries its point's parameter values.
    assert_eq!(runs.rows.len(), expected.len() * GRID_RUNS);
    for (index, row) in runs.rows.iter().enumerate() {
        let (point, run) = (index / GRID_RUNS, index % GRID_RUNS);
        assert_eq!(row[0], point.to_string(), "row {index}");
        assert_eq!(row[1], run.to_string(), "row {index}");
        assert_eq!(row[2..5], experiments.rows[point][1..4], "row {index}");
        assert_eq!(row.len(), 5 + OUTCOMES.len());
    }
    let out = stdout(&secsim(
        dir.path(),
        &[
            "batch",
            &data_arg("grid.ron"),
            "--out",
            "again",
            "--no-charts",
        ],
    ));
    assert!(out.contains("12 points, 300 replications"), "{out}");
}

/// Checks every point's `<outcome>_mean` against the mean of its rows in runs.csv (missing
/// values left out; an empty mean when the point has none).
/// The horizon of the month outcomes of `base.ron` (and of the other test bases).
const HORIZON: f64 = 12.0;

/// Whether `outcome` of the test bases is the month something first happens: summarised over
/// every run, censored at the horizon.
fn is_month_outcome(outcome: &str) -> bool {
    let base = secsim::scenario::load(&data("base.ron")).unwrap();
    base.outcomes.iter().any(|candidate| {
        candidate.name == outcome && candidate.kind.scale() == secsim::scenario::OutcomeScale::Month
    })
}

fn assert_means_match(experiments: &Table, runs: &Table, outcomes: &[&str]) {
    for outcome in outcomes {
        let (mean_column, run_column) = (
            experiments.column(&format!("{outcome}_mean")),
            runs.column(outcome),
        );
        let month = is_month_outcome(outcome);
        for (point, row) in experiments.rows.iter().enumerate() {
            // A month outcome counts every run, a run where it never happens as the horizon
            // (the restricted mean); the others count the runs with a value.
            let values: Vec<f64> = rows_of_point(runs, point)
                .iter()
                .filter(|run| month || !run[run_column].is_empty())
                .map(|run| {
                    if run[run_column].is_empty() {
                        HORIZON
                    } else {
                        number(&run[run_column])
                    }
                })
                .collect();
            if values.is_empty() {
                assert_eq!(row[mean_column], "", "{outcome} at point {point}");
                continue;
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let reported = number(&row[mean_column]);
            assert!(
                close(reported, mean),
                "{outcome} at point {point}: experiments.csv says {reported}, runs.csv {mean}"
            );
            // The quantiles lie within the rows' range; a month outcome's may be empty (not
            // reached, among the runs where it never happens).
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for statistic in ["p05", "p50", "p95"] {
                let cell = &row[experiments.column(&format!("{outcome}_{statistic}"))];
                if month && cell.is_empty() {
                    continue;
                }
                let value = number(cell);
                assert!(
                    value >= min - 1e-9 * min.abs() && value <= max + 1e-9 * max.abs(),
                    "{outcome}_{statistic} = {value} at point {point} outside [{min}, {max}]"
                );
            }
        }
    }
}

#[test]
fn point_means_are_the_means_of_their_rows_in_runs_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (experiments, runs) = run_grid(dir.path());
    // The test needs an outcome with missing values at some points.
    let first = runs.column("first_month_over_14");
    assert!(runs.rows.iter().any(|row| row[first].is_empty()));
    assert!(runs.rows.iter().any(|row| !row[first].is_empty()));
    assert_means_match(&experiments, &runs, &OUTCOMES);

    // Points of more than one engine block (1,200 runs: blocks of 1,000 and 200).
    let folder = batch(
        dir.path(),
        &data_arg("blocks.ron"),
        "blocks",
        &["--no-charts"],
    );
    let experiments = Table::read(&folder.join("experiments.csv"));
    let runs = Table::read(&folder.join("runs.csv"));
    assert_eq!(experiments.rows.len(), 4);
    assert_eq!(runs.rows.len(), 4 * 1200);
    for (index, row) in runs.rows.iter().enumerate() {
        assert_eq!(row[1], (index % 1200).to_string(), "row {index}");
    }
    assert_means_match(&experiments, &runs, &OUTCOMES);
}

#[test]
fn a_point_equals_secsim_run_of_the_scenario_edited_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let (experiments, runs) = run_grid(dir.path());
    // Point 10: arms_volume 60, benin_cap 1.5, chad_aid 1 (see grid_point_by_hand.ron).
    let point = 10;
    let values: Vec<f64> = experiments.rows[point][1..4]
        .iter()
        .map(|cell| number(cell))
        .collect();
    assert_eq!(values, [60.0, 1.5, 1.0]);

    let output = secsim(
        dir.path(),
        &[
            "run",
            &data_arg("grid_point_by_hand.ron"),
            "--seed",
            GRID_SEED,
            "--runs",
            &GRID_RUNS.to_string(),
            "--no-charts",
            "--out",
            "by_hand",
        ],
    );
    assert_success(&output);
    let by_hand = Table::read(&dir.path().join("by_hand/outcomes.csv"));
    let mut expected_header = vec!["run".to_owned()];
    expected_header.extend(OUTCOMES.iter().map(|name| (*name).to_owned()));
    assert_eq!(by_hand.header, expected_header);

    let point_rows = rows_of_point(&runs, point);
    assert_eq!(point_rows.len(), by_hand.rows.len());
    for (batch_row, run_row) in point_rows.iter().zip(&by_hand.rows) {
        // run, then the outcomes; runs.csv has the point and 3 parameters besides.
        assert_eq!(batch_row[1], run_row[0]);
        assert_eq!(
            batch_row[5..],
            run_row[1..],
            "replication {}: runs.csv differs from secsim run",
            run_row[0]
        );
    }
    // And the point's summary agrees with summary.json's mean.
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("by_hand/summary.json")).unwrap())
            .unwrap();
    for outcome in OUTCOMES {
        let reported = &experiments.rows[point][experiments.column(&format!("{outcome}_mean"))];
        let expected = if is_month_outcome(outcome) {
            summary["outcomes"][outcome]["within_horizon"]["restricted_mean"].as_f64()
        } else {
            summary["outcomes"][outcome]["mean"].as_f64()
        };
        assert!(close(number(reported), expected.unwrap()), "{outcome}");
    }
}

#[test]
fn a_fixed_uncertain_parameter_takes_its_value_in_every_replication() {
    let dir = tempfile::tempdir().unwrap();
    let (experiments, runs) = run_grid(dir.path());
    // benin_capacity reports the replication's value of benin_cap (Benin's own capacity, which
    // nothing changes).
    let fixed = runs.column(r#"uncertain["benin_cap"]"#);
    let reported = runs.column("benin_capacity");
    for row in &runs.rows {
        assert_eq!(number(&row[reported]), number(&row[fixed]), "{row:?}");
    }
    for row in &experiments.rows {
        let value = number(&row[2]);
        for statistic in ["mean", "p05", "p50", "p95"] {
            let cell = &row[experiments.column(&format!("benin_capacity_{statistic}"))];
            assert!(close(number(cell), value), "point {}: {cell}", row[0]);
        }
    }

    // Unfixed, in the base scenario, it is drawn in each replication.
    assert_success(&secsim(
        dir.path(),
        &["run", &data_arg("base.ron"), "--no-charts", "--out", "base"],
    ));
    let base = Table::read(&dir.path().join("base/outcomes.csv"));
    let mut drawn = base.numbers("benin_capacity");
    assert!(drawn.iter().all(|value| (0.5..=2.0).contains(value)));
    drawn.sort_by(f64::total_cmp);
    drawn.dedup();
    assert!(drawn.len() > 20, "{drawn:?}");
}

#[test]
fn points_that_differ_only_in_a_parameter_without_effect_share_their_results() {
    let dir = tempfile::tempdir().unwrap();
    let (experiments, runs) = run_grid(dir.path());
    // chad_aid (the last parameter) supports a state no group or outcome touches: points 2m and
    // 2m + 1 differ only in it, and share random numbers, so every outcome of every replication
    // is the same.
    let outcome_columns = 5..5 + OUTCOMES.len();
    for pair in 0..experiments.rows.len() / 2 {
        let (low, high) = (
            rows_of_point(&runs, 2 * pair),
            rows_of_point(&runs, 2 * pair + 1),
        );
        assert_eq!(low.len(), GRID_RUNS);
        for (a, b) in low.iter().zip(&high) {
            assert_eq!(a[1], b[1]);
            assert_eq!(a[3], b[3], "same benin_cap");
            assert_ne!(a[4], b[4], "different chad_aid");
            assert_eq!(
                a[outcome_columns.clone()],
                b[outcome_columns.clone()],
                "points {} and {}, run {}",
                2 * pair,
                2 * pair + 1,
                a[1]
            );
        }
        // The summaries too (columns after the point and three parameters).
        assert_eq!(
            experiments.rows[2 * pair][4..],
            experiments.rows[2 * pair + 1][4..]
        );
    }
    // Arms deliveries do change attacks: points 0 (no arms) and 8 (60) differ.
    let attacks = runs.column("attacks_total");
    let differ = rows_of_point(&runs, 0)
        .iter()
        .zip(rows_of_point(&runs, 8))
        .filter(|(a, b)| a[attacks] != b[attacks])
        .count();
    assert!(differ > GRID_RUNS / 2, "{differ} of {GRID_RUNS} differ");
}

#[test]
fn outputs_are_byte_identical_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    // Points of two blocks each, with charts.
    let one = batch(
        dir.path(),
        &data_arg("blocks.ron"),
        "one",
        &["--threads", "1"],
    );
    let two = batch(
        dir.path(),
        &data_arg("blocks.ron"),
        "two",
        &["--threads", "2"],
    );
    let (one, two) = (results_snapshot(&one), results_snapshot(&two));
    assert!(
        one.keys().any(|name| name.starts_with("charts")),
        "{:?}",
        one.keys()
    );
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        two.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &one {
        assert!(two[name] == *bytes, "{} differs", name.display());
    }
    // The grid too, with several points per wave.
    let one = batch(
        dir.path(),
        &data_arg("grid.ron"),
        "grid1",
        &["--threads", "1"],
    );
    let two = batch(
        dir.path(),
        &data_arg("grid.ron"),
        "grid2",
        &["--threads", "2"],
    );
    assert!(
        results_snapshot(&one) == results_snapshot(&two),
        "grid.ron differs"
    );
}

#[test]
fn latin_hypercube_puts_one_point_in_each_stratum_of_each_range() {
    let dir = tempfile::tempdir().unwrap();
    let folder = batch(dir.path(), &data_arg("lhs.ron"), "lhs", &["--no-charts"]);
    let experiments = Table::read(&folder.join("experiments.csv"));
    let parameters = ["arms_volume", "reliability", "benin_cap"];
    assert_eq!(
        experiments.header,
        experiments_header(&parameters, &OUTCOMES)
    );
    let points = 9;
    assert_eq!(experiments.rows.len(), points);
    for (name, min, max) in [
        ("arms_volume", 2.0, 50.0),
        ("reliability", 0.25, 0.75),
        ("benin_cap", 0.5, 2.0),
    ] {
        let values = experiments.numbers(name);
        assert!(
            values.iter().all(|value| (min..=max).contains(value)),
            "{name}: {values:?}"
        );
        let mut strata: Vec<usize> = values
            .iter()
            .map(|value| ((value - min) / (max - min) * points as f64).floor() as usize)
            .collect();
        strata.sort_unstable();
        assert_eq!(
            strata,
            (0..points).collect::<Vec<_>>(),
            "{name}: {values:?}"
        );
    }
    let runs = Table::read(&folder.join("runs.csv"));
    assert_eq!(runs.rows.len(), points * 5);
    // The fixed uncertain parameter holds its point's value.
    let benin = experiments.numbers("benin_cap");
    for row in &runs.rows {
        let point: usize = row[0].parse().unwrap();
        assert_eq!(number(&row[runs.column("benin_capacity")]), benin[point]);
    }
}

#[test]
fn saltelli_design_has_n_times_k_plus_2_points_in_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let folder = batch(
        dir.path(),
        &data_arg("saltelli.ron"),
        "saltelli",
        &["--no-charts"],
    );
    let experiments = Table::read(&folder.join("experiments.csv"));
    let (n, k) = (4, 3);
    assert_eq!(experiments.rows.len(), n * (k + 2));
    let runs = Table::read(&folder.join("runs.csv"));
    assert_eq!(runs.rows.len(), n * (k + 2) * 5);
    let ranges = [(0.0, 40.0), (5.0, 15.0), (1.0, 3.0)];
    for row in &experiments.rows {
        for (cell, (min, max)) in row[1..=k].iter().zip(ranges) {
            let value = number(cell);
            assert!(min <= value && value <= max, "{row:?}");
        }
    }
    // Blocks A, B, then A with column i from B, row by row.
    let values = |point: usize| &experiments.rows[point][1..=k];
    for row in 0..n {
        let (a, b) = (values(row), values(n + row));
        for factor in 0..k {
            let a_b = values((2 + factor) * n + row);
            for column in 0..k {
                let source = if column == factor { b } else { a };
                assert_eq!(a_b[column], source[column], "row {row}, factor {factor}");
            }
        }
    }
}

#[test]
fn several_base_scenarios_add_a_scenario_column() {
    let dir = tempfile::tempdir().unwrap();
    let folder = batch(dir.path(), &data_arg("two_bases.ron"), "two", &[]);
    let parameters = ["scenario", "arms_volume", "capacity_sensitivity"];
    let experiments = Table::read(&folder.join("experiments.csv"));
    assert_eq!(
        experiments.header,
        experiments_header(&parameters, &OUTCOMES)
    );
    let runs = Table::read(&folder.join("runs.csv"));
    assert_eq!(runs.header, runs_header(&parameters, &OUTCOMES));
    assert!(first_line(&folder.join("runs.csv")).starts_with("point,run,scenario,arms_volume,"));

    // The grid (2 x 3) on each base, the first base first.
    assert_eq!(experiments.rows.len(), 12);
    assert_eq!(runs.rows.len(), 12 * 10);
    for (index, row) in experiments.rows.iter().enumerate() {
        assert_eq!(row[0], index.to_string());
        let expected = if index < 6 {
            "batch_base"
        } else {
            "batch_heavy"
        };
        assert_eq!(row[1], expected, "point {index}");
        assert_eq!(row[2..4], experiments.rows[index % 6][2..4]);
    }
    for row in &runs.rows {
        let point: usize = row[0].parse().unwrap();
        assert_eq!(row[2..5], experiments.rows[point][1..4]);
    }
    assert_means_match(&experiments, &runs, &OUTCOMES);
    // The heavier base has more attacks at every grid point.
    let attacks = experiments.numbers("attacks_total_mean");
    for point in 0..6 {
        assert!(attacks[point + 6] > attacks[point], "{attacks:?}");
    }
    // A chart of each outcome against each varied parameter (not against `scenario`).
    let mut expected = Vec::new();
    for outcome in OUTCOMES {
        for parameter in &parameters[1..] {
            for extension in ["png", "svg"] {
                expected.push(format!("scatter_{outcome}_{parameter}.{extension}"));
            }
        }
    }
    expected.sort();
    assert_eq!(names_in(&folder.join("charts")), expected);
}

/// Writes an experiment over `tests/data/batch/base.ron` (absolute path) into `dir`.
fn write_experiment(dir: &Path, file: &str, base: &str, parameters: &str, design: &str) -> String {
    let text = format!(
        "Experiment(name: \"bad\", scenarios: [{base:?}], parameters: [{parameters}], \
         design: {design}, runs: 3, seed: 1)\n"
    );
    fs::write(dir.join(file), text).unwrap();
    file.to_owned()
}

#[test]
fn bad_experiments_exit_2_and_write_nothing() {
    let base = data_arg("base.ron");
    let missing = data_arg("no_such_base.ron");
    let arms = r##"(name: "arms_volume", path: r#"flows["arms"].volume"#, values: [1.0, 2.0])"##;
    // (file, base, parameters, design, what stderr must say)
    let cases: Vec<(&str, &str, String, &str, Vec<&str>)> = vec![
        (
            "unknown_flow.ron",
            base.as_str(),
            r##"(path: r#"flows["nonexistent"].volume"#, values: [1.0])"##.into(),
            "Grid",
            vec!["nonexistent"],
        ),
        (
            "unknown_uncertain.ron",
            base.as_str(),
            r##"(path: r#"uncertain["nope"]"#, values: [1.0])"##.into(),
            "Grid",
            vec!["nope"],
        ),
        (
            "path_syntax.ron",
            base.as_str(),
            r##"(path: r#"flows["arms".volume"#, values: [1.0])"##.into(),
            "Grid",
            vec!["parameters[0].path"],
        ),
        (
            "not_a_number.ron",
            base.as_str(),
            r##"(path: r#"flows["arms"].kind"#, values: [1.0])"##.into(),
            "Grid",
            vec!["kind"],
        ),
        (
            // Reliability 1.5 at points 1 and 3 (arms_volume 1 and 2).
            "out_of_range.ron",
            base.as_str(),
            format!(
                r##"{arms}, (name: "rel", path: r#"flows["arms"].reliability"#, values: [0.5, 1.5])"##
            ),
            "Grid",
            vec![
                "points[1] (arms_volume = 1, rel = 1.5)",
                "points[3] (arms_volume = 2, rel = 1.5)",
                r#"flows["arms"].reliability"#,
                "1.5 is outside the valid range 0..=1",
            ],
        ),
        (
            // A fixed uncertain parameter outside the range of the field it stands in.
            "uncertain_out_of_range.ron",
            base.as_str(),
            r##"(path: r#"uncertain["benin_cap"]"#, values: [1.0, -1.0])"##.into(),
            "Grid",
            vec!["points[1]", r#"actors["Benin"].capacity"#],
        ),
        (
            "empty_grid.ron",
            base.as_str(),
            format!(r##"{arms}, (path: r#"flows["chad_aid"].volume"#, values: [])"##),
            "Grid",
            vec!["parameters[1].values", "empty"],
        ),
        (
            "lhs_without_max.ron",
            base.as_str(),
            r##"(path: r#"flows["arms"].volume"#, min: 1.0)"##.into(),
            "LatinHypercube(points: 4)",
            vec!["parameters[0].min", "max"],
        ),
        (
            "lhs_without_range.ron",
            base.as_str(),
            r##"(path: r#"flows["arms"].volume"#, values: [1.0, 2.0])"##.into(),
            "LatinHypercube(points: 4)",
            vec!["parameters[0].min"],
        ),
        (
            "lhs_no_points.ron",
            base.as_str(),
            r##"(path: r#"flows["arms"].volume"#, min: 1.0, max: 2.0)"##.into(),
            "LatinHypercube(points: 0)",
            vec!["design.points"],
        ),
        (
            "saltelli_one_sample.ron",
            base.as_str(),
            r##"(path: r#"flows["arms"].volume"#, min: 1.0, max: 2.0)"##.into(),
            "Saltelli(base_samples: 1)",
            vec!["design.base_samples"],
        ),
        (
            "no_parameters.ron",
            base.as_str(),
            String::new(),
            "Grid",
            vec!["parameters"],
        ),
        (
            "missing_base.ron",
            missing.as_str(),
            arms.into(),
            "Grid",
            vec!["no_such_base.ron"],
        ),
    ];
    for (file, base, parameters, design, messages) in cases {
        let dir = tempfile::tempdir().unwrap();
        let experiment = write_experiment(dir.path(), file, base, &parameters, design);
        let before = names_in(dir.path());
        for args in [
            vec!["batch", experiment.as_str(), "--out", "results"],
            vec!["batch", experiment.as_str()],
            vec!["validate", experiment.as_str()],
        ] {
            let output = secsim(dir.path(), &args);
            let message = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
            assert!(message.starts_with("error: "), "{args:?}: {message}");
            for expected in &messages {
                assert!(message.contains(expected), "{args:?}: {message}");
            }
            assert!(!message.contains("panicked"), "{args:?}: {message}");
            assert_eq!(names_in(dir.path()), before, "{args:?} wrote something");
        }
    }
}

#[test]
fn a_failed_batch_leaves_earlier_results_alone() {
    let dir = tempfile::tempdir().unwrap();
    let folder = batch(
        dir.path(),
        &data_arg("grid.ron"),
        "results",
        &["--no-charts"],
    );
    let before = snapshot(&folder);
    let experiment = write_experiment(
        dir.path(),
        "bad.ron",
        &data_arg("base.ron"),
        r##"(path: r#"flows["arms"].reliability"#, values: [2.0])"##,
        "Grid",
    );
    let output = secsim(dir.path(), &["batch", &experiment, "--out", "results"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(snapshot(&folder), before);
    assert_eq!(names_in(dir.path()), ["bad.ron", "results"]);
}

#[test]
fn validate_accepts_the_shipped_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(
        dir.path(),
        &["validate", &shipped("examples/niger_sweep.ron")],
    );
    assert_success(&output);
    let out = stdout(&output);
    assert!(
        out.contains("niger_sweep.ron: ok (experiment niger_sweep, 15 points of 400 runs)"),
        "{out}"
    );
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

#[test]
fn the_shipped_experiment_runs_and_charts_each_outcome_against_each_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(
        dir.path(),
        &[
            "batch",
            &shipped("examples/niger_sweep.ron"),
            "--out",
            "sweep",
        ],
    );
    assert_success(&output);
    assert_eq!(names_in(dir.path()), ["sweep"]);
    let folder = dir.path().join("sweep");
    let parameters = ["western_return_probability", "western_intel_volume"];
    let runs = Table::read(&folder.join("runs.csv"));
    assert_eq!(
        runs.header[..4],
        ["point", "run", parameters[0], parameters[1]]
    );
    let outcomes: Vec<&str> = runs.header[4..].iter().map(String::as_str).collect();
    assert!(outcomes.len() >= 2, "{outcomes:?}");
    assert_eq!(runs.rows.len(), 15 * 400);
    let experiments = Table::read(&folder.join("experiments.csv"));
    assert_eq!(
        experiments.header,
        experiments_header(&parameters, &outcomes)
    );
    assert_eq!(experiments.rows.len(), 15);

    let mut expected = Vec::new();
    for outcome in &outcomes {
        for parameter in parameters {
            for extension in ["png", "svg"] {
                expected.push(format!("scatter_{outcome}_{parameter}.{extension}"));
            }
        }
    }
    expected.sort();
    let charts = folder.join("charts");
    assert_eq!(names_in(&charts), expected);
    for name in &expected {
        let bytes = fs::read(charts.join(name)).unwrap();
        if name.ends_with(".png") {
            assert!(bytes.starts_with(b"\x89PNG"), "{name}");
        } else {
            assert!(String::from_utf8_lossy(&bytes).contains("<svg"), "{name}");
        }
    }
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    // Enough replications (4,800) that a visible bar would draw.
    let output = secsim(
        dir.path(),
        &[
            "batch",
            &data_arg("blocks.ron"),
            "--out",
            "blocks",
            "--no-charts",
        ],
    );
    assert_success(&output);
    let message = stderr(&output);
    for bar in ['\r', '\u{1b}', '█', '░', '▏', '▉'] {
        assert!(!message.contains(bar), "{bar:?} in stderr: {message:?}");
    }
    assert!(!message.contains("runs/s") && !message.contains("elapsed"));
    // What stderr does say: the size of the batch, on a line of its own.
    assert!(
        message
            .lines()
            .any(|line| line == "blocks: 4 points x 1200 runs = 4800 replications"),
        "{message:?}"
    );
}

/// Writes `text` into `dir/file` and returns the file name.
fn write(dir: &Path, file: &str, text: &str) -> String {
    fs::write(dir.join(file), text).unwrap();
    file.to_owned()
}

/// Integer fields are numeric fields too: a grid over `horizon` runs each point with that
/// horizon, as `set` in a variant does (`"horizon": 24`).
#[test]
fn an_integer_field_such_as_the_horizon_can_be_varied() {
    let dir = tempfile::tempdir().unwrap();
    let experiment = write_experiment(
        dir.path(),
        "horizons.ron",
        &data_arg("base.ron"),
        r#"(name: "horizon", path: "horizon", values: [9, 12])"#,
        "Grid",
    );
    let output = secsim(
        dir.path(),
        &["batch", &experiment, "--out", "horizons", "--no-charts"],
    );
    assert_success(&output);
    let runs = Table::read(&dir.path().join("horizons/runs.csv"));
    assert_eq!(runs.rows.len(), 2 * 3);

    // Point 0 is the base with a horizon of 9 months (its event window ends at month 8).
    let variant = format!(
        "Scenario(extends: {:?}, name: \"nine_months\", set: {{ \"horizon\": 9 }})\n",
        data_arg("base.ron")
    );
    let variant = write(dir.path(), "nine_months.ron", &variant);
    assert_success(&secsim(
        dir.path(),
        &[
            "run",
            &variant,
            "--seed",
            "1",
            "--runs",
            "3",
            "--no-charts",
            "--out",
            "nine",
        ],
    ));
    let by_hand = Table::read(&dir.path().join("nine/outcomes.csv"));
    for (batch_row, run_row) in rows_of_point(&runs, 0).iter().zip(&by_hand.rows) {
        assert_eq!(batch_row[3..], run_row[1..]);
    }
}

/// A parameter's column must not share a name with an outcome's column: runs.csv would have two
/// `attacks_total` columns, experiments.csv two `attacks_total_mean` columns.
#[test]
fn a_parameter_named_like_an_outcome_column_is_refused() {
    for name in ["attacks_total", "attacks_total_mean", "benin_capacity_p95"] {
        let dir = tempfile::tempdir().unwrap();
        let parameters =
            format!(r##"(name: "{name}", path: r#"flows["arms"].volume"#, values: [1.0, 2.0])"##);
        let experiment = write_experiment(
            dir.path(),
            "clash.ron",
            &data_arg("base.ron"),
            &parameters,
            "Grid",
        );
        let output = secsim(
            dir.path(),
            &["batch", &experiment, "--out", "clash", "--no-charts"],
        );
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {message}");
        assert!(message.contains("parameters[0].name"), "{name}: {message}");
        assert!(message.contains(name), "{name}: {message}");
        assert_eq!(names_in(dir.path()), ["clash.ron"], "{name}");
    }
}

/// `uncertain["x"]` fixes a parameter, but a longer path into it (a number of its distribution)
/// is an ordinary field path, as in a variant's `set`.
#[test]
fn a_number_inside_an_uncertain_parameters_distribution_can_be_varied() {
    let dir = tempfile::tempdir().unwrap();
    let path = r#"uncertain["g_rate"].dist.values[1]"#;
    let experiment = write_experiment(
        dir.path(),
        "discrete.ron",
        &data_arg("discrete.ron"),
        &format!("(name: \"high_rate\", path: r#\"{path}\"#, values: [20.0, 30.0])"),
        "Grid",
    );
    let output = secsim(
        dir.path(),
        &["batch", &experiment, "--out", "discrete", "--no-charts"],
    );
    assert_success(&output);
    let runs = Table::read(&dir.path().join("discrete/runs.csv"));
    assert_eq!(runs.rows.len(), 2 * 3);

    // Point 1 equals the variant that sets the same number.
    let variant = format!(
        "Scenario(extends: {:?}, name: \"high\", set: {{ r#\"{path}\"#: 30.0 }})\n",
        data_arg("discrete.ron")
    );
    let variant = write(dir.path(), "high.ron", &variant);
    assert_success(&secsim(
        dir.path(),
        &[
            "run",
            &variant,
            "--seed",
            "1",
            "--runs",
            "3",
            "--no-charts",
            "--out",
            "high",
        ],
    ));
    let by_hand = Table::read(&dir.path().join("high/outcomes.csv"));
    for (batch_row, run_row) in rows_of_point(&runs, 1).iter().zip(&by_hand.rows) {
        assert_eq!(batch_row[3..], run_row[1..]);
    }
}

/// RON allows block comments; an experiment file that starts with one is still an experiment.
#[test]
fn validate_recognises_an_experiment_after_a_block_comment() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "/* A sweep over the arms volume. */\n\
         Experiment(name: \"commented\", scenarios: [{:?}],\n    \
         parameters: [(path: r#\"flows[\"arms\"].volume\"#, values: [1.0, 2.0])],\n    \
         design: Grid, runs: 3, seed: 1)\n",
        data_arg("base.ron")
    );
    let experiment = write(dir.path(), "commented.ron", &text);
    // batch reads it as an experiment ...
    assert_success(&secsim(
        dir.path(),
        &["batch", &experiment, "--out", "out", "--no-charts"],
    ));
    // ... and so must validate.
    let output = secsim(dir.path(), &["validate", &experiment]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("commented.ron: ok (experiment commented, 2 points of 3 runs)"),
        "{}",
        stdout(&output)
    );
}

/// Points are values checked against the fields' ranges, so their number is bounded by the
/// memory they hold until the batch ends (mostly a summary of each outcome), not by the
/// base's numeric fields: 100,000 points of one base pass, 13 such bases do not, and the
/// refusal comes before any point is expanded.
#[test]
fn the_memory_the_points_would_hold_bounds_an_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let base = fs::read_to_string(data("base.ron")).unwrap();
    let mut bases = Vec::new();
    for index in 0..13 {
        let name = format!("base_{index}.ron");
        fs::write(
            dir.path().join(&name),
            base.replace("\"batch_base\"", &format!("\"base_{index}\"")),
        )
        .unwrap();
        bases.push(format!("{name:?}"));
    }
    let experiment = |bases: &[String]| {
        format!(
            "Experiment(name: \"big\", scenarios: [{}], \
             parameters: [(name: \"arms\", path: r#\"flows[\"arms\"].volume\"#, min: 0.0, max: 20.0)], \
             design: LatinHypercube(points: 100000), runs: 1, seed: 1)\n",
            bases.join(", ")
        )
    };
    let one = write(dir.path(), "one.ron", &experiment(&bases[..1]));
    let output = secsim(dir.path(), &["validate", &one]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("(experiment big, 100000 points of 1 runs)"),
        "{}",
        stdout(&output)
    );
    let all = write(dir.path(), "all.ron", &experiment(&bases));
    let output = secsim(dir.path(), &["validate", &all]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        message.contains(
            "design.points: 100000 points on each of 13 base scenarios, with 1 parameter and 4 outcomes, would hold about 1049 MiB"
        ),
        "{message}"
    );
}

/// `secsim batch` prints the table of design points, columns aligned, and writes report.html:
/// the findings first (the points with the highest and lowest mean of each outcome, as
/// experiments.csv has them), then the table, the charts and the details.
#[test]
fn batch_prints_its_table_and_reports_the_findings_first() {
    let dir = tempfile::tempdir().unwrap();
    let output = secsim(
        dir.path(),
        &["batch", &data_arg("grid.ron"), "--out", "grid", "--quiet"],
    );
    assert_success(&output);
    let printed = stdout(&output);
    let lines: Vec<&str> = printed.lines().collect();
    let header = lines
        .iter()
        .position(|line| line.starts_with("point"))
        .unwrap_or_else(|| panic!("no table: {printed}"));
    let table = &lines[header..header + 13];
    assert!(table[0].contains("attacks_total"), "{}", table[0]);
    assert!(
        lines[header + 13]
            .starts_with("(each outcome: mean over the point's runs (interval holding 90% of them")
            && lines[header + 13].contains("attacks_total: events"),
        "{}",
        lines[header + 13]
    );
    for (point, row) in table[1..].iter().enumerate() {
        let first: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(first[0], point.to_string(), "{row}");
        assert!(row.contains(" to "), "{row}");
    }
    let widths: Vec<usize> = table.iter().map(|line| line.chars().count()).collect();
    assert!(
        widths.windows(2).all(|pair| pair[0] == pair[1]),
        "not aligned:\n{}",
        table.join("\n")
    );

    let folder = dir.path().join("grid");
    let report = fs::read_to_string(folder.join("report.html")).unwrap();
    let findings = report
        .find("<h2>Findings</h2><p class=\"findings\">Over 12 design points of grid")
        .unwrap_or_else(|| panic!("no findings first: {report}"));
    assert_eq!(report.find("<h2>"), Some(findings));
    let paragraph = &report[findings..];
    let paragraph = &paragraph[..paragraph.find("</ul>").unwrap()];
    // The point with the highest and the lowest mean attacks, from experiments.csv.
    let experiments = Table::read(&folder.join("experiments.csv"));
    let column = experiments.column("attacks_total_mean");
    let means: Vec<f64> = experiments
        .rows
        .iter()
        .map(|row| number(&row[column]))
        .collect();
    let highest = (0..means.len())
        .max_by(|&a, &b| means[a].total_cmp(&means[b]).then(b.cmp(&a)))
        .unwrap();
    let lowest = (0..means.len())
        .min_by(|&a, &b| means[a].total_cmp(&means[b]).then(a.cmp(&b)))
        .unwrap();
    assert!(means[highest] > means[lowest], "{means:?}");
    let sentence = &paragraph[paragraph
        .find("attacks_total (events) is highest, ")
        .unwrap()..];
    let low_part = sentence.find("; and lowest, ").unwrap();
    assert!(
        sentence[..low_part].contains(&format!("at point {highest} (arms_volume = ")),
        "{sentence}"
    );
    assert!(
        sentence[low_part..].contains(&format!("at point {lowest} (arms_volume = ")),
        "{sentence}"
    );
    assert!(sentence.contains("(90% of runs "), "{sentence}");
    let table = report.find("<table>").unwrap();
    let charts = report.find("<figure").unwrap();
    let details = report.find("<h2>Details</h2>").unwrap();
    assert!(findings < table && table < charts && charts < details);
    assert_eq!(report.matches("<tr>").count(), 13, "a row per point");
}
