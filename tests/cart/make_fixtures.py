"""Fixtures for secsim's CART (src/experiment/cart.rs), made by EMA Workbench's CART itself.

How to rerun (from the repository root; needs network access to PyPI once):

    python3 -m venv /tmp/emavenv
    /tmp/emavenv/bin/pip install ema_workbench==2.5.3 scikit-learn==1.9.1
    /tmp/emavenv/bin/python tests/cart/make_fixtures.py

Produced with ema_workbench 2.5.3 and scikit-learn 1.9.1 (numpy 2.4.6, pandas 3.1.1) on
Python 3.11; it takes a few seconds. The data are tests/prim/NAME.csv (made by
tests/prim/make_fixtures.py), read here, not copied: CART runs on the same data sets as PRIM.

EMA's CART (`ema_workbench.analysis.cart.CART`) fits scikit-learn's DecisionTreeClassifier
with min_samples_leaf = int(mass_min * n) and no random_state. scikit-learn visits the features
in a random order and keeps the first of equally good splits, so a tie between two features
would make the tree depend on the seed. To show the fixtures have no such tie, every data set
is also fitted with random_state 0..49 and the script stops unless all 50 trees equal EMA's
(same features, thresholds and leaf sizes); mass_min is chosen per data set for that (see the
end of this file). secsim breaks such ties by taking the first column.

For each data set NAME it writes NAME.json: the versions, mass_min, min_samples_leaf, the
columns, and one entry per leaf in EMA's order (the tree's node ids, depth first, left child
first) with the box's limits per column (EMA's `CART.boxes`), EMA's statistics (`CART.stats`:
coverage, density, mass, res dim), the rows and cases of interest inside the box
(`_in_box`, as EMA's stats count them) and the rows the tree put in the leaf (`apply`).
"""

import csv
import json
import pathlib

import numpy as np
import pandas as pd
import sklearn
from sklearn import tree

import ema_workbench
from ema_workbench.analysis import cart
from ema_workbench.analysis import scenario_discovery_util as sdutil

HERE = pathlib.Path(__file__).resolve().parent
PRIM = HERE.parent / "prim"
SEEDS = 50


def read(name):
    # Python's float() is correctly rounded, as Rust's parser is: both read the shortest
    # round-trip repr the CSV holds back to the same double (pandas' own parser need not).
    with open(PRIM / f"{name}.csv") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    x = pd.DataFrame({c: [float(row[i]) for row in rows] for i, c in enumerate(header[:-1])})
    y = np.array([row[-1] == "1" for row in rows])
    return x, y


def same_tree(a, b):
    return (
        np.array_equal(a.tree_.feature, b.tree_.feature)
        and np.array_equal(a.tree_.threshold, b.tree_.threshold)
        and np.array_equal(a.tree_.n_node_samples, b.tree_.n_node_samples)
    )


def run(name, mass_min):
    x, y = read(name)
    model = cart.CART(x, y, mass_min=mass_min)
    model.build_tree()
    min_samples_leaf = int(mass_min * x.shape[0])
    for seed in range(SEEDS):
        seeded = tree.DecisionTreeClassifier(min_samples_leaf=min_samples_leaf, random_state=seed)
        seeded.fit(model._x, y)
        if not same_tree(model.clf, seeded):
            raise SystemExit(f"{name}: random_state {seed} gives another tree (a tie); change the data")
    leaf_of_row = model.clf.apply(model._x)
    leaves = np.argwhere(model.clf.tree_.children_left == -1)[:, 0]
    entries = []
    for leaf, box, stats in zip(leaves, model.boxes, model.stats):
        inside = np.asarray(sdutil._in_box(x, box))
        entries.append(
            {
                "node": int(leaf),
                "limits": {c: [float(box.loc[0, c]), float(box.loc[1, c])] for c in x.columns},
                "coverage": float(stats["coverage"]),
                "density": float(stats["density"]),
                "mass": float(stats["mass"]),
                "res_dim": int(stats["res dim"]),
                "n": int(inside.sum()),
                "k": int(y[inside].sum()),
                "leaf_n": int((leaf_of_row == leaf).sum()),
                "leaf_k": int(y[leaf_of_row == leaf].sum()),
            }
        )
    fixture = {
        "ema_workbench": ema_workbench.__version__,
        "scikit_learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "mass_min": mass_min,
        "min_samples_leaf": min_samples_leaf,
        "columns": list(x.columns),
        "rows": int(x.shape[0]),
        "boxes": entries,
    }
    with open(HERE / f"{name}.json", "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    densest = max(entries, key=lambda e: (e["density"], e["mass"]))
    print(f"{name}: {len(entries)} leaves, densest {densest['limits']} density {densest['density']}")


if __name__ == "__main__":
    # mass_min differs per data set only to avoid ties: at 0.05, shifted gives 8 different
    # trees over the 50 seeds and mixed 2 (nearly pure nodes of 60 to 100 rows where two
    # features separate the same few cases equally well).
    run("synthetic", mass_min=0.05)
    run("shifted", mass_min=0.06)
    run("mixed", mass_min=0.04)
