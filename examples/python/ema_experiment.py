"""An EMA Workbench experiment over niger_realignment, with secsim as the model.

    pip install ./python ema_workbench==2.5.3
    python examples/python/ema_experiment.py [--experiments 32] [--runs 40]

`secsim.ema.model` turns the scenario into a function of its uncertain parameters that
returns outcome values (here each outcome's mean over `--runs` replications, every call with
the scenario's seed: common random numbers). EMA Workbench samples the three parameters the
question turns on by Latin hypercube, calls the function once per experiment, and gathers the
outcomes; the script then says which parameter moves each outcome most (Spearman rank
correlation) and writes the experiments and outcomes to a CSV file.
"""

import argparse
from pathlib import Path

import numpy as np
from ema_workbench import Model, RealParameter, ScalarOutcome, perform_experiments

import secsim.ema

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "niger_realignment.ron"
OUTCOMES = ["attacks_total", "fatalities_total", "western_return", "control_below_40pct_any"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiments", type=int, default=32, help="EMA experiments (scenarios)")
    parser.add_argument("--runs", type=int, default=40, help="secsim replications per experiment")
    parser.add_argument(
        "--sample-seed", type=int, default=1, help="seed of EMA's Latin hypercube sample"
    )
    parser.add_argument("--out", type=Path, default=Path("ema_experiments.csv"))
    args = parser.parse_args()

    function = secsim.ema.model(SCENARIO, outcomes=OUTCOMES, runs=args.runs)
    model = Model("niger", function=function)  # EMA takes letters and digits only
    # The ranges of the scenario's own distributions (scenarios/niger_realignment.ron); the
    # five shared coefficients not named here keep their joint posterior in every run.
    model.uncertainties = [
        RealParameter("is_sahel_rate", 18.6, 40.6),
        RealParameter("western_return_probability", 0.0, 0.9),
        RealParameter("western_intel_volume", 0.2, 0.8),
    ]
    model.outcomes = [ScalarOutcome(name) for name in OUTCOMES]

    # EMA Workbench 2.5.3 samples with numpy's global generator: seeded, the same experiments.
    np.random.seed(args.sample_seed)
    experiments, outcomes = perform_experiments(model, scenarios=args.experiments)

    table = experiments[[u.name for u in model.uncertainties]].copy()
    for name in OUTCOMES:
        table[name] = outcomes[name]
    assert len(table) == args.experiments and table[OUTCOMES].notna().all().all()
    table.to_csv(args.out, index=False)

    correlations = table.corr(method="spearman").loc[
        [u.name for u in model.uncertainties], OUTCOMES
    ]
    print(f"{args.experiments} experiments of {args.runs} runs each, seed {function.seed}\n")
    print("outcome means over the experiments:")
    print(
        table[OUTCOMES]
        .describe()
        .loc[["mean", "min", "max"]]
        .to_string(float_format="{:,.3f}".format)
    )
    print("\nSpearman rank correlation of each outcome with each parameter:")
    print(correlations.to_string(float_format="{:+.2f}".format))
    for name in OUTCOMES:
        strongest = correlations[name].abs().idxmax()
        print(f"{name}: moved most by {strongest} ({correlations.loc[strongest, name]:+.2f})")
    print(f"\nexperiments and outcomes written to {args.out}")


if __name__ == "__main__":
    main()
