"""Writes the leave-one-country-out test files of this folder from two calibrations.

    secsim calibrate scenarios/backtest/types/mali_2022_08_types.ron \
        --observed data/observed/mali.csv --out output/types_mali
    secsim calibrate scenarios/backtest/types/burkina_faso_2022_10_types.ron \
        --observed data/observed/burkina_faso.csv --out output/types_bf
    python3 scenarios/backtest/types/make_loco.py output/types_mali output/types_bf

Each `<country>_loco.ron` is the country's `_types` file with the shared coefficients drawn
jointly from the posterior calibrated on the *other* country (posterior.csv's weight and
columns, as written); the country's own uncertain parameters keep their priors.
"""

import csv
import sys
from pathlib import Path

SHARED = [
    "state_initiated_share",
    "operations_capacity_elasticity",
    "state_civilian_share",
    "severity_capacity_sensitivity",
    "severity_intelligence_sensitivity",
]
HERE = Path(__file__).resolve().parent


def joint(posterior: Path) -> list[str]:
    with open(posterior / "posterior.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    weights = ", ".join(row["weight"] for row in rows)
    lines = []
    for name in SHARED:
        values = ", ".join(row[name] for row in rows)
        lines.append(
            f'            (name: "{name}", dist: Joint(table: "posterior",\n'
            f"                values: [{values}],\n"
            f"                weights: [{weights}])),\n"
        )
    return lines


def write(test: str, calibrated_on: str, posterior: Path) -> None:
    removed = ", ".join(f'"{name}"' for name in SHARED)
    text = (
        f"// Leave-one-country-out test of the event-type mechanisms and M7b (MODEL.md, \"Validation\"):\n"
        f"// {test}_types.ron with the shared coefficients drawn jointly from the posterior calibrated\n"
        f"// on {calibrated_on}'s realignment months. Nothing here was fitted to this back-test's months.\n"
        f"// Written by make_loco.py from {posterior.name}/posterior.csv; do not edit by hand.\n"
        f"Scenario(\n"
        f'    extends: "{test}_types.ron",\n'
        f'    name: "{test}_loco",\n'
        f"    remove: (uncertain: [{removed}]),\n"
        f"    add: (\n"
        f"        uncertain: [\n" + "".join(joint(posterior)) + "        ],\n"
        f"    ),\n"
        f")\n"
    )
    (HERE / f"{test}_loco.ron").write_text(text)


if __name__ == "__main__":
    mali, burkina_faso = map(Path, sys.argv[1:3])
    write("burkina_faso_2022_10", "Mali", mali)
    write("mali_2022_08", "Burkina Faso", burkina_faso)
