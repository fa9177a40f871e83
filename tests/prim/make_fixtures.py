"""Fixtures for secsim's PRIM (src/experiment/prim.rs), made by EMA Workbench itself.

How to rerun (from the repository root; needs network access to PyPI once):

    python3 -m venv /tmp/emavenv
    /tmp/emavenv/bin/pip install ema_workbench==2.5.3
    cargo build --release        # for niger_realignment, which runs target/release/secsim
    /tmp/emavenv/bin/python tests/prim/make_fixtures.py [NAME ...]   # all data sets by default

Produced with ema_workbench 2.5.3 (numpy 2.4.6, pandas 3.1.1, scipy 1.17.1) on Python 3.11;
PyPI's newest, 3.0.0, needs a newer Python. It takes about five minutes (EMA's resampling),
and niger_realignment about three minutes more of CPU time. The data come from numpy's PCG64 with fixed seeds, so a rerun with the same numpy
gives the same CSV files; the fixtures then depend only on EMA's PRIM.

Data sets: synthetic (three uniform floats), shifted (four floats on different scales, two
correlated, peel_alpha 0.1), mixed (two floats and an integer column), niger_realignment (a run
of the shipped scenario, joined as `secsim discover` joins it: see niger_realignment()).

For each data set NAME it writes:
  NAME.csv   the inputs (floats, shortest round-trip repr) and y (0 or 1), one row per case
  NAME.json  EMA's settings, its peeling and pasting trajectory (coverage, density, mean,
             mass, res_dim, n, k, box limits and quasi-p-values of every step) and the box
             find_box() returned (its step, or null for EMA's dump box)
"""

import csv
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

import ema_workbench
from ema_workbench.analysis import prim

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# The run behind niger_realignment.csv; tests/it/discover.rs runs the same command.
NIGER_RUN = ["run", "scenarios/niger_realignment.ron", "--runs", "2000", "--seed", "19",
             "--no-charts", "--quiet"]
NIGER_OUTCOME = "attacks_total"
NIGER_ABOVE = 8000.0
# Fewer resamples than the synthetic sets: EMA takes about 0.75 s for each PRIM on 1,000 rows of
# 14 columns (measured), so 200 take some two and a half minutes.
RESAMPLES_NIGER = 200


def synthetic():
    """1,000 rows of three uniform inputs; y = x1 > 0.6 and x2 < 0.4, 5% of labels flipped."""
    rng = np.random.default_rng(19)
    n = 1000
    x = pd.DataFrame({f"x{i}": rng.uniform(0.0, 1.0, n) for i in (1, 2, 3)})
    y = (x["x1"] > 0.6) & (x["x2"] < 0.4)
    flip = rng.uniform(0.0, 1.0, n) < 0.05
    return x, (y ^ flip).to_numpy()


def shifted():
    """800 rows of four inputs on different scales, two of them correlated; the box of interest
    is x1 < 8 and x4 > 30 (x3 follows x1, so it competes for the same cut), 3% of labels flipped."""
    rng = np.random.default_rng(2016)
    n = 800
    x1 = rng.normal(10.0, 3.0, n)
    x2 = rng.uniform(-5.0, 5.0, n)
    x3 = 0.5 * x1 + rng.normal(0.0, 1.0, n)
    x4 = rng.uniform(0.0, 100.0, n)
    x = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "x4": x4})
    y = (x1 < 8.0) & (x4 > 30.0)
    flip = rng.uniform(0.0, 1.0, n) < 0.03
    return x, y ^ flip


def mixed():
    """600 rows: two uniform floats and whole numbers k in 0..9, given to EMA as floats (many
    ties, which get_quantile steps over); the box of interest is k >= 6 and x1 < 0.5, 5% of
    labels flipped. As an int64 column, EMA 2.5.3 crashes with pandas 2.3 when it pastes one
    (_real_paste writes a midpoint such as 5.5 into the int64 box limits), so its integer path
    cannot serve as a reference."""
    rng = np.random.default_rng(1999)
    n = 600
    x1 = rng.uniform(0.0, 1.0, n)
    k = rng.integers(0, 10, n).astype(float)
    x2 = rng.uniform(0.0, 1.0, n)
    x = pd.DataFrame({"x1": x1, "k": k, "x2": x2})
    y = (k >= 6) & (x1 < 0.5)
    flip = rng.uniform(0.0, 1.0, n) < 0.05
    return x, y ^ flip


def niger_realignment():
    """2,000 runs of scenarios/niger_realignment.ron (the command is NIGER_RUN, with --out a
    temporary folder), joined as `secsim discover` joins them (src/commands/discover.rs,
    read_table): outcomes.csv and parameters.csv row by row on the same run; every uncertain
    parameter and every event's <event>_fired (0 or 1) and <event>_month as columns, a month left
    empty (the event did not fire) counted as the horizon, the number of months in
    timeseries.csv. y = attacks_total > 8000: about a third of the runs, and a dense box."""
    with tempfile.TemporaryDirectory() as folder:
        out = pathlib.Path(folder) / "run"
        subprocess.run([str(ROOT / "target/release/secsim"), *NIGER_RUN, "--out", str(out)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        with open(out / "timeseries.csv") as f:
            horizon = 1.0 + max(float(row["month"]) for row in csv.DictReader(f))
        with open(out / "outcomes.csv") as f:
            outcomes = list(csv.DictReader(f))
        with open(out / "parameters.csv") as f:
            parameters = list(csv.DictReader(f))
    if [row["run"] for row in outcomes] != [row["run"] for row in parameters]:
        raise SystemExit("outcomes.csv and parameters.csv list different runs")
    names = [name for name in parameters[0] if name != "run"]

    def value(name, field):
        if field == "" and name.endswith("_month"):
            return horizon
        return float(field)

    x = pd.DataFrame({name: [value(name, row[name]) for row in parameters] for name in names})
    y = np.array([float(row[NIGER_OUTCOME]) > NIGER_ABOVE for row in outcomes])
    return x, y


def number(value):
    return str(int(value)) if isinstance(value, (int, np.integer)) else repr(float(value))


def write_csv(path, x, y):
    with open(path, "w") as f:
        f.write(",".join(list(x.columns) + ["y"]) + "\n")
        for row, label in zip(x.itertuples(index=False), y):
            f.write(",".join(number(v) for v in row) + f",{int(label)}\n")


def run(name, x, y, threshold, peel_alpha, paste_alpha, mass_min, resample_iterations):
    write_csv(HERE / f"{name}.csv", x, y)
    p = prim.Prim(
        x, y, threshold=threshold, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min
    )
    box = p.find_box()
    # find_box returns the peeled and pasted box if its mean meets the threshold, else a
    # "dump" box: a fresh PrimBox holding all remaining data.
    chosen = None if len(box.peeling_trajectory) == 1 else int(box._cur_box)
    if chosen is None:
        raise SystemExit(f"{name}: EMA returned a dump box; pick a data set with a real box")
    steps = []
    for i, row in box.peeling_trajectory.iterrows():
        limits = box.box_lims[i]
        steps.append(
            {
                "coverage": float(row["coverage"]),
                "density": float(row["density"]),
                "mean": float(row["mean"]),
                "mass": float(row["mass"]),
                "res_dim": int(row["res_dim"]),
                "n": int(row["n"]),
                "k": int(row["k"]),
                "limits": {c: [float(limits.loc[0, c]), float(limits.loc[1, c])] for c in x.columns},
                # EMA writes -1 for a side that is not restricted; null here.
                "qp": {
                    c: [None if v == -1 else float(v) for v in values]
                    for c, values in box.qp[i].items()
                },
            }
        )
    fixture = {
        "ema_workbench": ema_workbench.__version__,
        "threshold": threshold,
        "peel_alpha": peel_alpha,
        "paste_alpha": paste_alpha,
        "mass_min": mass_min,
        "columns": list(x.columns),
        "chosen": chosen,
        "trajectory": steps,
    }
    if resample_iterations > 0:
        np.random.seed(19)
        scores = box.resample(chosen, iterations=resample_iterations)
        fixture["resample"] = {
            "iterations": resample_iterations,
            "percent": {
                c: [float(scores.loc[c, "reproduce coverage"]), float(scores.loc[c, "reproduce density"])]
                for c in x.columns
            },
        }
    with open(HERE / f"{name}.json", "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"{name}: {len(steps)} steps, chosen {chosen}, last {steps[-1]['limits']}")


DATA_SETS = {
    "synthetic": lambda: run("synthetic", *synthetic(), threshold=0.8, peel_alpha=0.05,
                             paste_alpha=0.05, mass_min=0.05, resample_iterations=400),
    "shifted": lambda: run("shifted", *shifted(), threshold=0.8, peel_alpha=0.1,
                           paste_alpha=0.05, mass_min=0.05, resample_iterations=400),
    "mixed": lambda: run("mixed", *mixed(), threshold=0.7, peel_alpha=0.05, paste_alpha=0.05,
                         mass_min=0.05, resample_iterations=400),
    # secsim discover's defaults: threshold 0.8, alphas and mass_min 0.05.
    "niger_realignment": lambda: run("niger_realignment", *niger_realignment(), threshold=0.8,
                                     peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05,
                                     resample_iterations=RESAMPLES_NIGER),
}

if __name__ == "__main__":
    for name in sys.argv[1:] or DATA_SETS:
        DATA_SETS[name]()
