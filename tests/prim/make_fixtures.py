"""Fixtures for secsim's PRIM (src/experiment/prim.rs), made by EMA Workbench itself.

How to rerun (from the repository root; needs network access to PyPI once):

    python3 -m venv /tmp/emavenv
    /tmp/emavenv/bin/pip install ema_workbench==2.5.3
    /tmp/emavenv/bin/python tests/prim/make_fixtures.py

Produced with ema_workbench 2.5.3 (numpy 2.4.6, pandas 3.1.1, scipy 1.17.1) on Python 3.11;
PyPI's newest, 3.0.0, needs a newer Python. It takes about five minutes (EMA's resampling). The data come from numpy's PCG64 with fixed seeds, so a rerun with the same numpy
gives the same CSV files; the fixtures then depend only on EMA's PRIM.

Data sets: synthetic (three uniform floats), shifted (four floats on different scales, two
correlated, peel_alpha 0.1), mixed (two floats and an integer column).

For each data set NAME it writes:
  NAME.csv   the inputs (floats, shortest round-trip repr) and y (0 or 1), one row per case
  NAME.json  EMA's settings, its peeling and pasting trajectory (coverage, density, mean,
             mass, res_dim, n, k, box limits and quasi-p-values of every step) and the box
             find_box() returned (its step, or null for EMA's dump box)
"""

import json
import pathlib

import numpy as np
import pandas as pd

import ema_workbench
from ema_workbench.analysis import prim

HERE = pathlib.Path(__file__).resolve().parent


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


if __name__ == "__main__":
    run("synthetic", *synthetic(), threshold=0.8, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05,
        resample_iterations=400)
    run("shifted", *shifted(), threshold=0.8, peel_alpha=0.1, paste_alpha=0.05, mass_min=0.05,
        resample_iterations=400)
    run("mixed", *mixed(), threshold=0.7, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05,
        resample_iterations=400)
