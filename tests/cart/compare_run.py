"""Compares `secsim discover --method cart` on a run with EMA Workbench's CART fitted with many
scikit-learn seeds: how many different trees scikit-learn fits, which seeds give secsim's boxes
to the last bit, and how the densest box's restricted dimensions vary with the seed. The
README's numbers on ties come from it.

    secsim run scenarios/niger_realignment.ron --runs 1000 --out output/realign
    secsim discover output/realign --outcome attacks_total --above 8000 --method cart
    /tmp/emavenv/bin/python tests/cart/compare_run.py output/realign attacks_total 8000

Needs the venv of tests/cart/make_fixtures.py (ema_workbench 2.5.3, scikit-learn 1.9.1). An
event that did not fire counts as month 60, the shipped scenarios' horizon (as secsim's
discover reads timeseries.csv for it).
"""

import csv
import pathlib
import sys
from collections import Counter

import numpy as np
import pandas as pd
from sklearn import tree

from ema_workbench.analysis import cart

SEEDS = 50
HORIZON = 60.0
MASS_MIN = 0.05


def main(results, outcome, above):
    results = pathlib.Path(results)
    with open(results / "parameters.csv") as f:
        parameters = list(csv.reader(f))
    with open(results / "outcomes.csv") as f:
        outcomes = list(csv.reader(f))
    names = parameters[0][1:]
    x = pd.DataFrame(
        {
            name: [HORIZON if row[i + 1] == "" else float(row[i + 1]) for row in parameters[1:]]
            for i, name in enumerate(names)
        }
    )
    column = outcomes[0].index(outcome)
    y = np.array([float(row[column]) > above for row in outcomes[1:]])

    with open(results / f"discover_cart_{outcome}" / "boxes.csv") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    ours = []
    for start in range(0, len(rows), len(names)):
        chunk = rows[start : start + len(names)]
        ours.append(
            (
                float(chunk[0][header.index("density")]),
                float(chunk[0][header.index("mass")]),
                tuple((float(r[header.index("lower")]), float(r[header.index("upper")])) for r in chunk),
            )
        )

    trees, matching, densest = set(), [], Counter()
    for seed in range(SEEDS):
        model = cart.CART(x, y, mass_min=MASS_MIN)
        model.clf = tree.DecisionTreeClassifier(
            min_samples_leaf=int(MASS_MIN * len(y)), random_state=seed
        ).fit(model._x, y)
        trees.add(tuple(model.clf.tree_.threshold))
        boxes = sorted(
            (
                (
                    float(stats["density"]),
                    float(stats["mass"]),
                    tuple((float(box.loc[0, c]), float(box.loc[1, c])) for c in names),
                )
                for box, stats in zip(model.boxes, model.stats)
            ),
            key=lambda entry: (-entry[0], -entry[1]),
        )
        if boxes == ours:
            matching.append(seed)
        first = boxes[0]
        restricted = tuple(
            c for c, limits in zip(names, first[2]) if limits != (x[c].min(), x[c].max())
        )
        densest[(first[0], first[1], restricted)] += 1
    print(f"{len(trees)} different trees over {SEEDS} seeds")
    print(f"seeds whose boxes equal secsim's: {matching}")
    print("densest box (density, mass, restricted dimensions) by number of seeds:")
    for key, count in densest.most_common():
        print(f"  {count}  {key}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
