"""Writes the shared coefficients calibrated on both realignments into the shipped scenarios.

    secsim calibrate \
        scenarios/backtest/types/mali_2022_08_types.ron=data/observed/mali.csv \
        scenarios/backtest/types/burkina_faso_2022_10_types.ron=data/observed/burkina_faso.csv \
        --out output/types_both
    python3 scenarios/backtest/types/make_shared.py output/types_both

The calibration's posterior (500 weighted particles, posterior.csv) is reduced to ROWS
equally weighted rows by systematic resampling with the fixed offset 1/2 (no random number:
row i is the particle where the cumulative weight first reaches (i + 1/2) / ROWS), so the
reduction is reproducible and keeps the joint posterior's shape. The rows go, as `Joint`
uncertain parameters of one table, between the BEGIN and END markers of every scenario in
FILES; `tests/it/backtests.rs` checks that each row is a particle of that calibration and that
every file holds the same block.
"""

import csv
import sys
from pathlib import Path

from make_loco import SHARED

ROWS = 100
TABLE = "shared_posterior"
ROOT = Path(__file__).resolve().parents[3]
FILES = [
    "scenarios/niger_2021_2023.ron",
    "scenarios/niger_baseline.ron",
    "scenarios/niger_realignment.ron",
    "scenarios/niger_realignment_western_surge.ron",
    "scenarios/sahel_regional.ron",
]
BEGIN = "        // BEGIN shared coefficients"
END = "        // END shared coefficients"


def resample(rows: list[dict]) -> list[dict]:
    total = sum(float(row["weight"]) for row in rows)
    chosen, cumulative, index = [], 0.0, -1
    for i in range(ROWS):
        target = (i + 0.5) / ROWS * total
        while cumulative < target:
            index += 1
            cumulative += float(rows[index]["weight"])
        chosen.append(rows[index])
    return chosen


def block(rows: list[dict]) -> str:
    ones = ", ".join("1" for _ in rows)
    lines = [
        BEGIN + " (scenarios/backtest/types/make_shared.py; do not edit by hand):\n",
        "        // MODEL.md's M6c-M7c and M7b coefficients, shared by every country, drawn jointly\n",
        "        // from their posterior calibrated on Mali's and Burkina Faso's realignments\n",
        "        // (MODEL.md, \"Validation\"; 100 rows resampled from 500 particles).\n",
    ]
    for name in SHARED:
        values = ", ".join(row[name] for row in rows)
        lines.append(
            f'        (name: "{name}", dist: Joint(table: "{TABLE}",\n'
            f"            values: [{values}],\n"
            f"            weights: [{ones}])),\n"
        )
    lines.append(END + "\n")
    return "".join(lines)


def main() -> None:
    with open(Path(sys.argv[1]) / "posterior.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    text = block(resample(rows))
    for name in FILES:
        path = ROOT / name
        lines = path.read_text().splitlines(keepends=True)
        start = next(i for i, line in enumerate(lines) if line.startswith(BEGIN))
        end = next(i for i, line in enumerate(lines) if line.startswith(END))
        path.write_text("".join(lines[:start]) + text + "".join(lines[end + 1 :]))


if __name__ == "__main__":
    main()
