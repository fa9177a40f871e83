"""The Python package gives the CLI's results: the same files, the same numbers, the same
errors. Every comparison is exact: both sides run the same command on the same seed."""

import csv
import filecmp
import math
import re
import gc
import json
import _thread
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import secsim
import secsim.ema

from conftest import REPO

DEMO = """Scenario(
    name: "demo", start: "2025-01", horizon: 12,
    actors: [
        State(name: "Niger", capacity: 1.0, control: 0.5, stability: 0.5),
        Group(name: "JNIM", strength: 600, areas: [(state: "Niger", weight: 1.0)],
              recruitment: 0.0, attrition: 0.0, lethality: 2.0, ceiling: 2000),
    ],
    pressure: [(group: "JNIM", state: "Niger", base_rate: "rate")],
    uncertain: [(name: "rate", dist: Uniform(min: 5.0, max: 15.0))],
    outcomes: [Sum(name: "attacks_total", metric: attacks, actor: "Niger")],
)
"""


def read_csv(path):
    return secsim._read_csv(path)


def result_files(folder):
    """Every file of a results folder but manifest.json, the only one with times and paths."""
    return sorted(
        path.relative_to(folder).as_posix()
        for path in Path(folder).rglob("*")
        if path.is_file() and path.name != "manifest.json"
    )


def assert_same_files(ours, theirs):
    files = result_files(theirs)
    assert result_files(ours) == files
    _, mismatch, errors = filecmp.cmpfiles(ours, theirs, files, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_run_gives_the_cli_files_and_numbers(cli, realignment, tmp_path):
    # 1,500 runs: two blocks, reduced in a fixed order whatever the threads.
    cli(
        "run",
        realignment,
        "--runs",
        1500,
        "--seed",
        11,
        "--threads",
        1,
        "--no-charts",
        "--quiet",
        "--out",
        tmp_path / "cli",
    )
    result = secsim.run(realignment, runs=1500, seed=11, threads=2)

    assert_same_files(result.folder, tmp_path / "cli")
    pd.testing.assert_frame_equal(result.outcomes, read_csv(tmp_path / "cli" / "outcomes.csv"))
    pd.testing.assert_frame_equal(result.timeseries, read_csv(tmp_path / "cli" / "timeseries.csv"))
    pd.testing.assert_frame_equal(result.parameters, read_csv(tmp_path / "cli" / "parameters.csv"))
    summary = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert result.summary == summary
    assert result.events == summary["events"]
    assert list(result.events) == ["russia_intel_ends", "western_reengagement", "power_vacuum"]
    assert list(result.outcomes.columns) == ["run"] + list(summary["outcomes"])
    assert len(result.outcomes) == 1500
    assert result.manifest["threads"] == 2
    # Every number is the file's to the last bit (pandas' float parsing is not trusted).
    with open(result.folder / "outcomes.csv", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == list(result.outcomes.columns)
    for row, (_, frame_row) in zip(rows[1:], result.outcomes.iterrows()):
        for cell, value in zip(row, frame_row):
            assert math.isnan(value) if cell == "" else float(cell) == value, (cell, value)
    assert "niger_realignment: 1500 runs, seed 11" in result.text


def test_the_scenario_defaults_are_the_cli_defaults(cli, tmp_path):
    scenario = tmp_path / "demo.ron"
    scenario.write_text(DEMO)
    cli("run", scenario, "--no-charts", "--quiet", "--out", tmp_path / "cli")
    result = secsim.run(scenario)
    assert result.summary["runs"] == 1000 and result.summary["seed"] == 1
    assert_same_files(result.folder, tmp_path / "cli")


def test_ron_text_runs_as_its_file_would(tmp_path):
    scenario = tmp_path / "demo.ron"
    scenario.write_text(DEMO)
    from_text = secsim.run(DEMO, runs=300, seed=4)
    from_file = secsim.run(scenario, runs=300, seed=4)
    assert from_text.summary == from_file.summary
    pd.testing.assert_frame_equal(from_text.outcomes, from_file.outcomes)
    # The temporary file is named after the scenario, as the manifest records.
    assert Path(from_text.manifest["inputs"][0]["file"]).name == "demo.ron"


def test_the_scenario_warnings_are_python_warnings():
    text = DEMO.replace(
        "    pressure:",
        '    flows: [Flow(name: "aid", from: "France", to: "Niger", kind: military, volume: 1.0,'
        " start: -3)],\n    pressure:",
    ).replace("actors: [", 'actors: [\n        Partner(name: "France"),')
    with pytest.warns(UserWarning, match=r'actors\["Niger"\]: support in place before month 0'):
        secsim.run(text, runs=10)
    with pytest.warns(UserWarning, match="no `reference`"):
        secsim.validate(text)


def test_charts_and_report_when_asked(realignment):
    result = secsim.run(realignment, runs=50, seed=1, charts=True)
    files = result.files()
    assert "report.html" in files
    assert "charts/distribution_attacks_total.png" in files
    assert "report.html" not in secsim.run(realignment, runs=50, seed=1).files()


def test_no_parameters(realignment):
    result = secsim.run(realignment, runs=20, parameters=False)
    assert result.parameters is None
    assert "parameters.csv" not in result.files()


def test_write_copies_the_exact_files_and_refuses_to_overwrite(realignment, tmp_path):
    result = secsim.run(realignment, runs=100, seed=2)
    kept = result.write(tmp_path / "kept")
    assert sorted(result.files()) == sorted(
        p.relative_to(kept).as_posix() for p in kept.rglob("*") if p.is_file()
    )
    _, mismatch, errors = filecmp.cmpfiles(result.folder, kept, result.files(), shallow=False)
    assert (mismatch, errors) == ([], [])
    with pytest.raises(FileExistsError):
        result.write(tmp_path / "kept")
    (kept / "outcomes.csv").write_text("changed")
    result.write(tmp_path / "kept", force=True)
    assert filecmp.cmp(result.folder / "outcomes.csv", kept / "outcomes.csv", shallow=False)
    assert [p.name for p in tmp_path.iterdir()] == ["kept"], "no partial copy is left behind"


def test_temporary_folders_are_removed(realignment):
    result = secsim.run(realignment, runs=10)
    folder = result.folder
    assert folder.exists()
    del result
    gc.collect()
    assert not folder.exists()


def test_a_failed_run_leaves_no_folder(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(secsim.ScenarioError):
        secsim.run('Scenario(name: "broken", start: "2025-01",')
    assert list(tmp_path.iterdir()) == []


def test_malformed_ron_gives_the_cli_message_and_its_position(cli, tmp_path):
    broken = tmp_path / "broken.ron"
    broken.write_text(DEMO.replace("horizon: 12,", "horizon: 12,\n    horizon: 13,"))
    with pytest.raises(secsim.ScenarioError) as raised:
        secsim.run(broken)
    done = cli("run", broken, check=False)
    assert done.returncode == 2
    assert f"error: {raised.value}\n" == done.stderr
    assert (raised.value.file, raised.value.line) == (str(broken), 3)
    assert raised.value.column >= 1
    assert str(raised.value).startswith(f"{broken}:3:{raised.value.column}: ")


def test_malformed_ron_text_has_its_position():
    text = DEMO.replace("horizon: 12", "horizon: twelve")
    with pytest.raises(secsim.ScenarioError) as raised:
        secsim.run(text)
    assert raised.value.line == 2
    assert raised.value.file.endswith("demo.ron")
    assert isinstance(raised.value, ValueError)


def test_invalid_scenario_lists_its_problems(cli, tmp_path):
    invalid = tmp_path / "invalid.ron"
    invalid.write_text(DEMO.replace('state: "Niger", base_rate', 'state: "Nigerr", base_rate'))
    with pytest.raises(secsim.ScenarioError) as raised:
        secsim.run(invalid)
    assert f"error: {raised.value}\n" == cli("run", invalid, check=False).stderr
    assert (raised.value.file, raised.value.line) == (str(invalid), None)
    assert raised.value.problems == [
        ('pressure["JNIM:Nigerr"].state', 'unknown actor "Nigerr" (states: "Niger")')
    ]


def test_a_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(secsim.ScenarioError, match="cannot read") as raised:
        secsim.run(tmp_path / "nowhere.ron")
    assert raised.value.file == str(tmp_path / "nowhere.ron")


@pytest.mark.parametrize(
    "keywords, error, message",
    [
        ({"runs": 0}, secsim.ScenarioError, "runs must be at least 1"),
        ({"threads": 0}, secsim.ScenarioError, "threads must be at least 1"),
        ({"seed": -1}, secsim.ScenarioError, "seed must be at least 0"),
        ({"runs": "100"}, TypeError, "runs must be a whole number"),
        ({"runs": 2.5}, TypeError, "runs must be a whole number"),
        ({"threads": 5000}, secsim.ScenarioError, "1024"),
    ],
)
def test_bad_arguments(realignment, keywords, error, message):
    with pytest.raises(error, match=message):
        secsim.run(realignment, **keywords)


def test_a_usage_error_gets_the_cli_message(cli, realignment):
    with pytest.raises(secsim.ScenarioError) as raised:
        secsim.execute("run", str(realignment), "--bogus")
    done = cli("run", realignment, "--bogus", check=False)
    assert done.returncode == 2
    assert str(raised.value) in done.stderr
    assert "--bogus" in str(raised.value)


def test_execute_runs_any_command(realignment):
    code, stdout, stderr = secsim.execute("validate", str(realignment))
    assert (code, stdout, stderr) == (0, f"{realignment}: ok (niger_realignment)\n", "")
    assert secsim.execute("--version")[1].startswith("secsim ")


def test_compare_gives_the_cli_comparison(cli, baseline, realignment, tmp_path):
    cli(
        "compare",
        baseline,
        realignment,
        "--runs",
        300,
        "--seed",
        3,
        "--no-charts",
        "--quiet",
        "--out",
        tmp_path / "cli",
    )
    comparison = secsim.compare(baseline, realignment, runs=300, seed=3)
    assert_same_files(comparison.folder, tmp_path / "cli")
    pd.testing.assert_frame_equal(
        comparison.comparison, read_csv(tmp_path / "cli" / "comparison.csv")
    )
    assert list(comparison.results) == ["niger_baseline", "niger_realignment"]
    assert list(dict.fromkeys(comparison.comparison["scenario"])) == list(comparison.results)
    for name, result in comparison.results.items():
        assert result.summary["runs"] == 300
        pd.testing.assert_frame_equal(
            result.outcomes, read_csv(tmp_path / "cli" / name / "outcomes.csv")
        )
    with pytest.raises(secsim.ScenarioError, match="at least 2"):
        secsim.compare(baseline)


def test_a_comparison_result_outlives_its_comparison(baseline, realignment):
    results = secsim.compare(baseline, realignment, runs=20).results
    gc.collect()
    assert (results["niger_baseline"].folder / "outcomes.csv").exists()


def test_batch(realignment):
    experiment = f"""Experiment(
        name: "sweep",
        scenarios: ["{realignment}"],
        parameters: [(name: "rate", path: r#"uncertain["is_sahel_rate"]"#, values: [20.0, 35.0])],
        design: Grid, runs: 30, seed: 9,
    )"""
    result = secsim.batch(experiment)
    assert list(result.experiments["rate"]) == [20.0, 35.0]
    assert list(result.experiments.columns[:2]) == ["point", "rate"]
    assert "attacks_total_mean" in result.experiments.columns
    assert result.runs.shape[0] == 60
    assert list(result.runs.columns[:3]) == ["point", "run", "rate"]
    # Common random numbers: a higher Islamic State Sahel rate gives more attacks in every run.
    by_point = result.runs.pivot(index="run", columns="point", values="attacks_total")
    assert (by_point[1] > by_point[0]).all()


def test_batch_of_the_shipped_sweep_equals_the_cli(cli, tmp_path):
    text = (REPO / "examples" / "niger_sweep.ron").read_text().replace("runs: 400", "runs: 10")
    experiment = tmp_path / "examples" / "sweep.ron"
    experiment.parent.mkdir()
    experiment.write_text(text.replace("../scenarios/", f"{REPO}/scenarios/"))
    cli("batch", experiment, "--no-charts", "--quiet", "--out", tmp_path / "cli")
    result = secsim.batch(experiment)
    assert result.experiments.shape[0] == 15
    assert_same_files(result.folder, tmp_path / "cli")


def test_sensitivity(realignment):
    result = secsim.sensitivity(realignment, method="morris", samples=2, runs=4, seed=1)
    parameters = list(dict.fromkeys(result.indices["parameter"]))
    assert "is_sahel_rate" in parameters and "western_return_probability" in parameters
    assert {"outcome", "parameter", "mu_star", "rank"} <= set(result.indices.columns)
    assert result.indices.shape[0] == len(parameters) * result.indices["outcome"].nunique()
    assert result.points.shape[0] == 2 * (len(parameters) + 1)
    with pytest.raises(secsim.ScenarioError, match="sobol"):
        secsim.sensitivity(realignment, method="fast")


def test_validate(realignment):
    sweep = REPO / "examples" / "niger_sweep.ron"
    assert secsim.validate(realignment, str(sweep)) == {
        str(realignment): "niger_realignment",
        str(sweep): "experiment niger_sweep, 15 points of 400 runs",
    }
    assert secsim.validate(DEMO) == {DEMO: "demo"}


def test_validate_refuses_a_bad_file_with_its_position(realignment, tmp_path):
    broken = tmp_path / "broken.ron"
    broken.write_text("Scenario(\n  name: 3,\n)")
    with pytest.raises(secsim.ScenarioError) as raised:
        secsim.validate(realignment, broken)
    assert raised.value.line == 2 and raised.value.file == str(broken)


def test_runs_release_the_gil(realignment, tmp_path):
    """While a command computes, another Python thread keeps running. The main thread stamps
    the time as fast as it can while a worker thread is inside the extension; were the GIL
    held during the run, the stamps would stop for the whole run (a gap as long as the call
    itself, but for the microseconds of argument conversion). Released, the longest gap is
    the operating system's scheduling, far below half of a call that takes about a second;
    the run is sized so that even a loaded machine leaves a wide margin."""
    window = {}
    args = [
        "run",
        str(realignment),
        "--runs",
        "3000",
        "--seed",
        "1",
        "--threads",
        "1",
        "--no-charts",
        "--quiet",
        "--out",
        str(tmp_path / "out"),
    ]

    def run():
        window["start"] = time.perf_counter()
        secsim.execute(*args)
        window["end"] = time.perf_counter()

    worker = threading.Thread(target=run)
    stamps = []
    worker.start()
    while worker.is_alive():
        stamps.append(time.perf_counter())
    worker.join()
    start, end = window["start"], window["end"]
    inside = [start] + [t for t in stamps if start < t < end] + [end]
    longest_gap = max(b - a for a, b in zip(inside, inside[1:]))
    assert end - start > 0.2, "the run is too short to tell"
    assert longest_gap < (end - start) / 2, (longest_gap, end - start, len(inside))


def test_ctrl_c_stops_a_run_and_leaves_nothing(realignment, tmp_path, monkeypatch):
    """Ctrl-C (here `interrupt_main`, half a second in, long after the run has entered the
    extension) stops the run where the binary would stop (the end of its first group of
    blocks, a few thousand runs on one thread) rather than after the million runs asked for,
    and raises KeyboardInterrupt; the temporary folders are gone."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            secsim.run(realignment, runs=1_000_000, seed=1, threads=1)
    finally:
        timer.cancel()
    assert list(tmp_path.iterdir()) == []


def has_scenario_library():
    """Whether this secsim has the library of shipped scenarios (`secsim scenarios`)."""
    return re.search(r"^\s+scenarios\s", secsim.execute("--help")[1], re.MULTILINE) is not None


def test_a_library_name_runs_as_its_file(realignment):
    if not has_scenario_library():
        pytest.skip("this secsim has no scenario library (`secsim scenarios`) yet")
    by_name = secsim.run("niger_realignment", runs=100, seed=3)
    assert by_name.summary == secsim.run(realignment, runs=100, seed=3).summary
    function = secsim.ema.model("niger_realignment", outcomes=["attacks_total"], runs=20)
    same = secsim.ema.model(realignment, outcomes=["attacks_total"], runs=20)
    assert function(is_sahel_rate=22.0) == same(is_sahel_rate=22.0)


def test_execute_returns_the_cli_exit_code_and_output(cli, tmp_path):
    scenario = tmp_path / "demo.ron"
    scenario.write_text(DEMO)
    code, _, _ = secsim.execute("baseline", scenario, "--runs", "50", "--out", tmp_path / "b.json")
    assert code == 0
    scenario.write_text(DEMO.replace("max: 15.0", "max: 16.0"))
    ours = secsim.execute("check", scenario, "--baseline", tmp_path / "b.json")
    theirs = cli("check", scenario, "--baseline", tmp_path / "b.json", check=False)
    assert ours == (1, theirs.stdout, theirs.stderr)
