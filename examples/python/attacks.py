"""The two Niger scenarios' distributions of political violence over five years, as a chart.

    python examples/python/attacks.py [--runs N] [--out attacks.png]

Runs niger_baseline (Russian and Turkish intelligence sharing stays in place) and
niger_realignment (it ends in May 2025) with common random numbers through `secsim.compare`,
then draws each one's histogram of attacks_total (ACLED events in Niger over 60 months) with
its mean, and saves a PNG.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files; no display needed
import matplotlib.pyplot as plt
from matplotlib.ticker import StrMethodFormatter

import secsim

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2000, help="replications per scenario")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, default=Path("attacks.png"), help="the PNG to write")
    args = parser.parse_args()

    comparison = secsim.compare(
        SCENARIOS / "niger_baseline.ron",
        SCENARIOS / "niger_realignment.ron",
        runs=args.runs,
        seed=args.seed,
    )
    figure, axes = plt.subplots(figsize=(10, 5.5), layout="constrained")
    colours = {"niger_baseline": "#4477aa", "niger_realignment": "#cc6677"}
    attacks = {
        name: result.outcomes["attacks_total"] for name, result in comparison.results.items()
    }
    low = min(values.min() for values in attacks.values())
    high = max(values.max() for values in attacks.values())
    bins = [low + (high - low) * i / 60 for i in range(61)]
    for name, values in attacks.items():
        summary = comparison.results[name].summary["outcomes"]["attacks_total"]
        label = (
            f"{name}: mean {summary['mean']:,.0f}, "
            f"90% of runs {summary['p05']:,.0f} to {summary['p95']:,.0f}"
        )
        axes.hist(values, bins=bins, alpha=0.6, color=colours.get(name), label=label)
        axes.axvline(summary["mean"], color=colours.get(name), linestyle="--", linewidth=1.5)
    axes.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_xlabel("political-violence events in Niger over five years (ACLED events)")
    axes.set_ylabel(f"runs (of {args.runs})")
    axes.set_title(
        "Niger, May 2025 to April 2030: with and without the Russian intelligence sharing"
    )
    axes.legend(loc="upper right")
    figure.savefig(args.out, dpi=120)
    print(comparison.text, end="")
    print(f"chart written to {args.out}")


if __name__ == "__main__":
    main()
