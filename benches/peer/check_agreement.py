"""Does the NumPy peer agree with secsim in distribution? Two-sample KS on every outcome.

For each scenario: secsim runs N replications (`secsim run --runs N --threads 1 --no-charts
--no-parameters`; $SECSIM, else the repository's target/release/secsim) and the NumPy peer runs N of its own
(numpy_model.py, another generator, another seed); every outcome's two samples go through a
two-sample Kolmogorov-Smirnov test (scipy.stats.ks_2samp). Then the per-replication Python loop
(python_loop.py, fewer runs: it is slow) is tested the same way against the NumPy peer.

Reading the table:
- An outcome a replication may lack (`FirstMonth`, `EventMonth`: the threshold never crossed,
  the event never fired) is tested as min(T, H), "not within the horizon H" ranked last, as
  MODEL.md ("Summaries") ranks it; the share of replications without a value is also shown.
- Values are compared to 12 significant digits: secsim computes on `libm`, the peers on NumPy, and
  an atom of an outcome (a capacity that takes a few values) can land on adjacent floats.
- Many outcomes are discrete (counts, months, yes/no). The KS test's p-value is computed for a
  continuous law; with ties it is conservative (too large), so a discrete outcome that passes
  has passed a weaker test than a continuous one, and one that fails has failed a stricter one.
  The `z` column (difference of means over its standard error) is shown as a second look at the
  mean; it is not part of the verdict.
- Verdict: any p < 0.001 fails the check (exit 1) and is named. Bonferroni: with n tests and
  every law equal, the chance that some p falls below 0.001 is at most n x 0.001 (1.5% for the
  15 outcomes of the two shipped scenarios). How large a difference the test sees at a given N
  is measured in README.md ("What the test can see").

`--extra-outcomes` adds, to a temporary copy of each scenario (resolved by secsim), outcomes on
what the shipped outcomes do not read: each event type's events and deaths, the state's side's
events, capacity, intelligence, control and stability at the end and on average, month 0 alone,
every group's final strength and the worst month's deaths. Their tests are counted in n.

    python check_agreement.py [--runs 4000] [--loop-runs 1000] [--extra-outcomes] [--out FILE.md]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from scipy import stats

import numpy_model
import python_loop
import scenario as sc

SCENARIOS = ["scenarios/niger_realignment.ron", "scenarios/niger_2021_2023.ron"]
ALPHA = 0.001


def read_outcomes(path):
    with open(path, encoding="utf-8") as file:
        header = file.readline().strip().split(",")
        rows = [line.rstrip("\n").split(",") for line in file if line.strip()]
    return {
        name: np.array([float(row[i]) if row[i] != "" else np.nan for row in rows])
        for i, name in enumerate(header)
        if name != "run"
    }


def run_secsim(path, runs, seed, workdir):
    out = os.path.join(workdir, "secsim_out")
    subprocess.run(
        [sc.secsim_binary(), "run", path, "--runs", str(runs), "--seed", str(seed), "--threads", "1",
         "--no-charts", "--no-parameters", "--quiet", "--force", "--out", out],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return read_outcomes(os.path.join(out, "outcomes.csv"))


def extra_outcomes(scn):
    """RON outcome entries for what the scenario's own outcomes do not read."""
    state = scn.states[0]["name"]
    items = []

    def add(kind, name, metric, actor, extra=""):
        items.append(f'{kind}(name: "x_{name}", metric: {metric}, actor: {sc.quoted(actor)}{extra}),')

    metrics = ["attacks", "fatalities"]
    if scn.typed:
        metrics += ["battles", "remote_violence", "violence_against_civilians", "battles_fatalities",
                    "remote_violence_fatalities", "violence_against_civilians_fatalities", "state_initiated"]
    for metric in metrics:
        add("Sum", f"{metric}_sum", metric, state)
    add("Sum", "attacks_month0", "attacks", state, ", from: 0, to: 0")
    add("Sum", "fatalities_month0", "fatalities", state, ", from: 0, to: 0")
    add("Max", "fatalities_worst_month", "fatalities", state)
    for metric in ["capacity", "intelligence", "control", "stability"]:
        add("Final", f"{metric}_final", metric, state)
        add("Mean", f"{metric}_mean", metric, state)
    add("Min", "control_min", "control", state)
    for group in scn.groups:
        slug = re.sub(r"\W+", "_", group["name"]).lower()
        add("Final", f"strength_{slug}", "strength", group["name"])
    return "\n        ".join(items)


def with_extra_outcomes(path, workdir):
    """A temporary copy of the scenario, as `secsim validate --resolved` prints it (so that a
    variant's `extends` needs no relative path), with the extra outcomes first in its list. The
    resolved text runs to the same bytes as its file (checked for niger_realignment_no_return)."""
    text = subprocess.run([sc.secsim_binary(), "validate", "--resolved", path], check=True,
                          capture_output=True, text=True).stdout
    scn = sc.Scenario(sc.ron.loads(text))
    marker = re.search(r"\boutcomes\s*:\s*\[", text)
    if marker is None:
        raise SystemExit(f"{path}: no outcomes list to extend")
    text = text[: marker.end()] + "\n        " + extra_outcomes(scn) + "\n" + text[marker.end():]
    extended = os.path.join(workdir, os.path.basename(path))
    with open(extended, "w", encoding="utf-8") as file:
        file.write(text)
    return extended


def censored(values, horizon):
    return np.where(np.isnan(values), float(horizon), values)


def significant(values, digits=12):
    """Values rounded to `digits` significant digits. Outcomes with atoms (a capacity that takes
    a few values, a flat series' mean) are computed by secsim on `libm` and by the peers on NumPy,
    which can differ in the last bit of a float (0.5^(1/4), a sum's order): the same atom then sits
    at two adjacent floats and the KS test would see every such tie as a difference."""
    finite = np.isfinite(values) & (values != 0.0)
    magnitude = np.zeros_like(values)
    magnitude[finite] = np.floor(np.log10(np.abs(values[finite])))
    scale = 10.0 ** (digits - 1 - magnitude)
    return np.where(finite, np.round(values * scale) / scale, values)


def compare_samples(names, first, second, horizon):
    rows = []
    for name in names:
        a, b = first[name], second[name]
        missing = (np.isnan(a).mean(), np.isnan(b).mean())
        a, b = significant(censored(a, horizon)), significant(censored(b, horizon))
        if np.all(a == a[0]) and np.all(b == b[0]) and a[0] == b[0]:
            d, p = 0.0, 1.0
        else:
            test = stats.ks_2samp(a, b)
            d, p = float(test.statistic), float(test.pvalue)
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        # A series flat up to rounding (intelligence without any flow) has a spread of a few
        # ulps: no z for it.
        flat = se <= 1e-12 * max(abs(a.mean()), abs(b.mean()), 1.0)
        z = 0.0 if flat else (a.mean() - b.mean()) / se
        rows.append({"outcome": name, "mean_a": a.mean(), "mean_b": b.mean(), "z": z, "D": d, "p": p,
                     "missing_a": missing[0], "missing_b": missing[1]})
    return rows


def table(title, label_a, label_b, n_a, n_b, rows):
    lines = [f"### {title}", "", f"{label_a}: {n_a} runs; {label_b}: {n_b} runs", "",
             f"| outcome | mean {label_a} | mean {label_b} | z | no value {label_a} / {label_b} | KS D | p | |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        flag = "**FAIL**" if row["p"] < ALPHA else "ok"
        lines.append(
            f"| {row['outcome']} | {row['mean_a']:.5g} | {row['mean_b']:.5g} | {row['z']:+.2f} "
            f"| {row['missing_a']:.3f} / {row['missing_b']:.3f} | {row['D']:.4f} | {row['p']:.3g} | {flag} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=4000, help="replications per side, secsim vs NumPy")
    parser.add_argument("--loop-runs", type=int, default=1000, help="Python-loop replications (0: skip)")
    parser.add_argument("--seed", type=int, default=12345, help="seed of both peers (secsim's own --seed too)")
    parser.add_argument("--extra-outcomes", action="store_true")
    parser.add_argument("--scenario", action="append", help="scenario file(s) [default: the two Niger ones]")
    parser.add_argument("--out", help="also write the tables (markdown) here")
    args = parser.parse_args(argv)
    repo = sc.REPO
    paths = args.scenario or [os.path.join(repo, p) for p in SCENARIOS]
    report = []
    failures = []
    n_tests = 0
    with tempfile.TemporaryDirectory() as workdir:
        for path in paths:
            run_path = with_extra_outcomes(path, workdir) if args.extra_outcomes else path
            scn = sc.load(run_path)
            names = scn.outcome_names
            ss = run_secsim(run_path, args.runs, args.seed, workdir)
            peer = numpy_model.simulate(scn, args.runs, args.seed + 1)
            rows = compare_samples(names, ss, peer, scn.horizon)
            report.append(table(f"{scn.name}: secsim against the NumPy peer", "secsim", "numpy",
                                args.runs, args.runs, rows))
            failures += [(scn.name, "secsim vs numpy", r) for r in rows if r["p"] < ALPHA]
            n_tests += len(rows)
            if args.loop_runs > 0:
                loop = python_loop.simulate(scn, args.loop_runs, args.seed + 2)
                rows = compare_samples(names, peer, loop, scn.horizon)
                report.append(table(f"{scn.name}: the NumPy peer against the Python loop", "numpy", "loop",
                                    args.runs, args.loop_runs, rows))
                failures += [(scn.name, "numpy vs loop", r) for r in rows if r["p"] < ALPHA]
                n_tests += len(rows)
            print("\n".join(report[-2 if args.loop_runs > 0 else -1:]), flush=True)
    verdict = (f"{n_tests} tests at p < {ALPHA}: if every pair of laws is equal, some test fails with "
               f"probability at most {n_tests * ALPHA:.1%} (Bonferroni).")
    if failures:
        verdict += "\n\nFAILED:\n" + "\n".join(
            f"- {name}, {pair}: {r['outcome']} (D = {r['D']:.4f}, p = {r['p']:.3g})" for name, pair, r in failures)
    else:
        verdict += " No test failed."
    print(verdict)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as file:
            file.write("\n".join(report) + "\n" + verdict + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
