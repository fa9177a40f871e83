"""Replications per second per core: secsim against the NumPy peer and the Python loop.

Issue 21's targets are ratios measured interleaved in one run: per core, secsim at least 3x the
NumPy peer and at least 100x the per-replication Python loop. This script measures them:

- every process is pinned to one core (`taskset -c CPU`, when taskset exists) with
  OMP/OPENBLAS/MKL/NUMEXPR threads set to 1, and secsim runs with `--threads 1 --no-charts
  --no-parameters --quiet` (summaries and outcomes.csv are still written, as in normal use);
- the time is the whole process's wall time, start-up included (Python's imports, reading the
  scenario, secsim's parsing and writing its results);
- the peers read the scenario resolved once before timing (`secsim validate --resolved`, turned
  into JSON by ron.py), so that their time does not include a secsim process;
- a pilot run sizes each engine's runs so that one process takes about `--seconds`, which keeps
  start-up small against the work (it is also measured: secsim, and each peer, with 1 run);
- rounds alternate the three engines (the order rotates each round), so that a change of load
  on the machine affects all of them alike; each round gives a ratio of rates, and the min and
  median over rounds are reported.

    python compare_speed.py [--rounds 5] [--seconds 4] [--cpu 0] [--out results.md]

`--out` writes a markdown table there and the raw measurements as CSV next to it (.csv).
"""

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import scenario as sc

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = ["scenarios/niger_realignment.ron", "scenarios/niger_2021_2023.ron"]
ENGINES = ("secsim", "numpy", "loop")
SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}


def command(engine, ron_path, json_path, runs, workdir, pin):
    if engine == "secsim":
        cmd = [sc.secsim_binary(), "run", ron_path, "--runs", str(runs), "--threads", "1", "--no-charts",
               "--no-parameters", "--quiet", "--force", "--out", os.path.join(workdir, "secsim_out")]
    else:
        script = "numpy_model.py" if engine == "numpy" else "python_loop.py"
        cmd = [sys.executable, os.path.join(HERE, script), json_path, "--runs", str(runs)]
    return pin + cmd


def timed(cmd, env):
    began = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="target wall time of one process")
    parser.add_argument("--cpu", default="0", help="core to pin every process to (taskset -c)")
    parser.add_argument("--scenario", action="append", help="scenario file(s) [default: the two Niger ones]")
    parser.add_argument("--runs", nargs=3, type=int, metavar=("SECSIM", "NUMPY", "LOOP"),
                        help="fixed runs per process instead of sizing them by a pilot")
    parser.add_argument("--out", help="markdown results here, raw measurements in the same name .csv")
    args = parser.parse_args(argv)

    pin = ["taskset", "-c", args.cpu] if shutil.which("taskset") else []
    env = dict(os.environ, **SINGLE_THREAD_ENV)
    paths = args.scenario or [os.path.join(sc.REPO, p) for p in SCENARIOS]
    load_before = os.getloadavg()
    raw_rows = []
    summary = []
    startup_rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for path in paths:
            resolved = sc.resolve_with_secsim(path)
            name = resolved["name"]
            json_path = os.path.join(workdir, f"{name}.json")
            with open(json_path, "w", encoding="utf-8") as file:
                json.dump(resolved, file)

            def run(engine, runs):
                return timed(command(engine, path, json_path, runs, workdir, pin), env)

            # Start-up: a process that does (almost) no work; median of 5.
            startup = {engine: statistics.median(run(engine, 1) for _ in range(5)) for engine in ENGINES}
            for engine in ENGINES:
                startup_rows.append({"scenario": name, "engine": engine, "startup_s": startup[engine]})

            # Runs per process: a pilot's rate times the target time.
            if args.runs:
                runs = dict(zip(ENGINES, args.runs))
            else:
                pilot = {"secsim": 2000, "numpy": 2000, "loop": 40}
                runs = {}
                for engine in ENGINES:
                    seconds = max(run(engine, pilot[engine]) - startup[engine], 1e-3)
                    runs[engine] = max(int(pilot[engine] / seconds * args.seconds), pilot[engine] // 4)
            print(f"{name}: start-up {', '.join(f'{e} {startup[e] * 1000:.0f} ms' for e in ENGINES)}; "
                  f"runs per process {runs}", flush=True)

            rates = {engine: [] for engine in ENGINES}
            for round_index in range(args.rounds):
                order = ENGINES[round_index % 3:] + ENGINES[: round_index % 3]
                for engine in order:
                    wall = run(engine, runs[engine])
                    rates[engine].append(runs[engine] / wall)
                    raw_rows.append({"scenario": name, "round": round_index, "engine": engine,
                                     "runs": runs[engine], "wall_s": wall, "runs_per_s": runs[engine] / wall})
                print(f"  round {round_index + 1}: " + ", ".join(
                    f"{e} {rates[e][-1]:,.0f}/s" for e in ENGINES), flush=True)
            ratio_numpy = [s / n for s, n in zip(rates["secsim"], rates["numpy"])]
            ratio_loop = [s / p for s, p in zip(rates["secsim"], rates["loop"])]
            summary.append({
                "scenario": name,
                "runs": runs,
                "rates": {e: statistics.median(rates[e]) for e in ENGINES},
                "rate_min": {e: min(rates[e]) for e in ENGINES},
                "numpy": (min(ratio_numpy), statistics.median(ratio_numpy)),
                "loop": (min(ratio_loop), statistics.median(ratio_loop)),
                "startup": startup,
            })
    load_after = os.getloadavg()

    lines = [
        f"Pinned with `{' '.join(pin) or '(no taskset)'}`, {args.rounds} interleaved rounds, whole-process wall "
        f"time; load average before {load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} cores.",
        "",
        "| scenario | runs per process (secsim / numpy / loop) | secsim runs/s | NumPy runs/s | loop runs/s "
        "| secsim / NumPy (min, median) | secsim / loop (min, median) | start-up per process (secsim / numpy / loop) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in summary:
        r, s = row["rates"], row["startup"]
        lines.append(
            f"| {row['scenario']} | {row['runs']['secsim']:,} / {row['runs']['numpy']:,} / {row['runs']['loop']:,} "
            f"| {r['secsim']:,.0f} | {r['numpy']:,.0f} | {r['loop']:,.1f} "
            f"| {row['numpy'][0]:.2f}x, {row['numpy'][1]:.2f}x | {row['loop'][0]:.0f}x, {row['loop'][1]:.0f}x "
            f"| {s['secsim'] * 1000:.0f} ms / {s['numpy'] * 1000:.0f} ms / {s['loop'] * 1000:.0f} ms |")
    lines.append("")
    lines.append("Rates are medians over rounds; a ratio is secsim's rate over the peer's in the same round.")
    text = "\n".join(lines)
    print()
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as file:
            file.write(text + "\n")
        stem = os.path.splitext(args.out)[0]
        with open(stem + ".csv", "w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=["scenario", "round", "engine", "runs", "wall_s", "runs_per_s"])
            writer.writeheader()
            writer.writerows(raw_rows)
            for row in startup_rows:
                writer.writerow({"scenario": row["scenario"], "round": "startup", "engine": row["engine"],
                                 "runs": 1, "wall_s": row["startup_s"], "runs_per_s": ""})
    return 0


if __name__ == "__main__":
    sys.exit(main())
