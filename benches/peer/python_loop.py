"""MODEL.md as a plain per-replication Python loop: the baseline of issue 21's "at least 100x".

The same model as numpy_model.py (it shares the scenario reading, the parameter draws and the
outcome definitions in scenario.py), written the way a researcher writes a first simulation: one
replication after another, month by month, state by state and group by group, in Python floats.
Random numbers come from NumPy's generator, one scalar call per draw, except that a cell's
per-attack severities are drawn in one call of the month's size (`standard_normal(n)`): a
researcher would not loop over attacks in Python, and the baseline should not be slower than it
needs to be.

    python python_loop.py SCENARIO.ron|resolved.json [--runs N] [--seed S] [--out outcomes.csv]
"""

import argparse
import math
import sys
import time

import numpy as np

import scenario as sc

RATIO_FLOOR = 1e-9
ROOM_FLOOR = 1e-3
MAX_ATTRITION = 0.95
MAX_POISSON_MEAN = 1e6
VIOLENCE_WEIGHT = 0.25
NEVER = 1 << 60


def poisson(rng, mean):
    if not mean > 0.0:  # also NaN
        return 0.0
    return float(rng.poisson(min(mean, MAX_POISSON_MEAN)))


def from_odds(o):
    return 1.0 if math.isinf(o) else o / (1.0 + o)


def odds(p):
    return math.inf if p >= 1.0 else p / (1.0 - p)


def shares3(values):
    total = sum(values)
    return [v / total for v in values] if total > 0.0 else [1.0 / 3.0] * 3


def split3(rng, n, p):
    """A multinomial split of n events into three types (M6d)."""
    if n <= 0:
        return [0.0, 0.0, 0.0]
    first = int(rng.binomial(int(n), min(max(p[0], 0.0), 1.0)))
    rest = int(n) - first
    tail = p[1] + p[2]
    second = int(rng.binomial(rest, min(max(p[1] / tail, 0.0), 1.0))) if tail > 0.0 and rest > 0 else 0
    return [float(first), float(second), float(rest - second)]


def deaths(rng, n, lethality, sigma, scale, cap):
    """(M7, M7b, M7c) the deaths of n events, rounded stochastically."""
    if n <= 0 or lethality <= 0.0:
        return 0.0
    log_median = math.log(lethality) - 0.5 * sigma * sigma
    draws = np.exp(log_median + sigma * rng.standard_normal(int(n))) * scale
    total = float(np.minimum(draws, cap).sum())
    whole = math.floor(total)
    return whole + (1.0 if rng.random() < total - whole else 0.0)


def replication(scn, v, rng):
    """One replication with slot values v (a list); returns (series rows, event months)."""
    H = scn.horizon
    M = scn.model
    states, groups, flows = scn.states, scn.groups, scn.flows
    n_states = len(states)

    retention, lag, start, end, scale, effect = [], [], [], [], [], []
    for flow in flows:
        half_life = v[flow["decay"]]
        rho = 0.5 ** (1.0 / half_life) if half_life > 0.0 else 0.0
        retention.append(rho)
        lag.append(int(v[flow["lag"]]))
        s0 = NEVER if flow["start"] is None else int(v[flow["start"]])
        e0 = NEVER if flow["start"] is None or flow["end"] is None else int(v[flow["end"]])
        start.append(s0)
        end.append(e0)
        scale.append(1.0)
        sent = -1 - lag[-1]
        e = 0.0
        if s0 <= sent < e0:
            r = v[flow["reliability"]]
            steady = 1.0 - (1.0 - r) * rho
            e = v[flow["volume"]] * r / steady if steady > 0.0 else 0.0
        effect.append(e)

    own_capacity = [v[s["capacity"]] for s in states]
    control = [v[s["control"]] for s in states]
    stability = [v[s["stability"]] for s in states]
    control0, stability0 = list(control), list(stability)

    def support():
        capacity = list(own_capacity)
        intel = [0.0] * n_states
        for f, flow in enumerate(flows):
            if flow["kind"] == "intelligence":
                intel[flow["to"]] += effect[f]
            else:
                capacity[flow["to"]] += v[scn.slot_index[sc.CAPACITY_PER_UNIT[flow["kind"]]]] * effect[f]
        return capacity, [1.0 - (1.0 - v[s["intelligence"]]) * math.exp(-intel[i]) for i, s in enumerate(states)]

    capacity, intelligence = support()
    cap_ref, int_ref = list(capacity), list(intelligence)
    for i, s in enumerate(states):
        if s["reference"] is not None:
            cap_ref[i], int_ref[i] = v[s["reference"][0]], v[s["reference"][1]]

    def eff(c, i):
        a = v[M["area_fire_effectiveness"]]
        return c * (a + (1.0 - a) * i)

    eff_ref = [max(eff(cap_ref[i], int_ref[i]), RATIO_FLOOR) for i in range(n_states)]

    strength = [v[g["strength"]] for g in groups]
    strength0 = list(strength)
    room0 = [max(1.0 - strength[i] / v[g["ceiling"]], ROOM_FLOOR) for i, g in enumerate(groups)]
    weights = []
    fighters0 = [0.0] * n_states
    for i, g in enumerate(groups):
        total = sum(v[w] for _, w in g["areas"])
        ws = [(s, v[w] / total if total > 0.0 else 0.0) for s, w in g["areas"]]
        weights.append(ws)
        for s, w in ws:
            fighters0[s] += strength[i] * w

    def lethality(g, s):
        for link in scn.links:
            if link["group"] == g and link["state"] == s and link["lethality"] is not None:
                return v[link["lethality"]]
        return v[groups[g]["lethality"]]

    def group_types(g):
        relative = [v[k] for k in scn.types["severity"]]
        p = shares3([v[k] for k in (groups[g]["event_shares"] or scn.types["group_shares"])])
        mean = sum(p[k] * relative[k] for k in range(3))
        return p, [relative[k] / mean for k in range(3)]

    def state_shares(s, at_reference):
        q_v = v[scn.types["state_civilian_share"]]
        gap = 1.0 if at_reference else (1.0 - intelligence[s]) / max(1.0 - int_ref[s], RATIO_FLOOR)
        civilians = min(q_v * gap, 1.0)
        remote = (1.0 - civilians) * v[scn.types["state_remote_share"]]
        return [1.0 - civilians - remote, remote, civilians]

    def expected(at_start):
        lam = {}
        sig = {}
        for link in scn.links:
            g, s = link["group"], link["state"]
            base = v[link["base_rate"]]
            rate, ratio = base, 1.0
            if not at_start:
                ratio = strength[g] / strength0[g] if strength0[g] > 0.0 else 0.0
                shortfall = cap_ref[s] / max(capacity[s], RATIO_FLOOR)
                rate = base * ratio * shortfall ** v[link["capacity_sensitivity"]] * math.exp(
                    v[link["intelligence_sensitivity"]] * (int_ref[s] - intelligence[s]))
            if scn.typed:
                share = v[scn.types["state_initiated_share"]]
                tempo = 1.0 if at_start else ratio * (capacity[s] / max(cap_ref[s], RATIO_FLOOR)) ** v[
                    scn.types["operations_capacity_elasticity"]]
                sig[g, s] = sig.get((g, s), 0.0) + share * base * tempo
                rate *= 1.0 - share
            lam[g, s] = lam.get((g, s), 0.0) + rate
            neighbours = states[s]["neighbours"]
            for n in neighbours:
                lam[g, n] = lam.get((g, n), 0.0) + rate * v[link["spillover"]] / len(neighbours)
        return lam, sig

    lam0, sig0 = expected(True)
    violence_ref = [0.0] * n_states
    for (g, s), rate in lam0.items():
        violence_ref[s] += rate * lethality(g, s)
    if scn.typed:
        for (g, s), rate in sig0.items():
            _, m = group_types(g)
            q = state_shares(s, True)
            violence_ref[s] += rate * lethality(g, s) * sum(q[k] * m[k] for k in range(3))
    violence = list(violence_ref)

    n_events = len(scn.events)
    fired = [None] * n_events
    pending = [None] * n_events
    streak = [0] * n_events
    for e, event in enumerate(scn.events):
        trigger = event["trigger"]
        if trigger["kind"] == "Window" and rng.random() < v[trigger["probability"]]:
            lo = int(v[trigger["from"]])
            hi = max(int(v[trigger["to"]]), lo)
            pending[e] = lo + int(rng.random() * (hi - lo + 1))

    series = [[0.0] * H for _ in scn.series]
    for t in range(H):
        # (1) events
        for e, event in enumerate(scn.events):
            if fired[e] is not None:
                continue
            trigger = event["trigger"]
            kind = trigger["kind"]
            if kind == "At":
                due = int(v[trigger["month"]]) == t
            elif kind == "Hazard":
                due = t >= int(v[trigger["from"]]) and (trigger["to"] is None or t <= int(v[trigger["to"]]))
                due = due and rng.random() < v[trigger["monthly"]]
            else:
                due = pending[e] == t
            if not due:
                continue
            fired[e] = t
            for fx in event["effects"]:
                k = fx["kind"]
                if k == "EndFlow":
                    end[fx["flow"]] = min(end[fx["flow"]], t)
                elif k == "StartFlow":
                    f = fx["flow"]
                    duration = flows[f]["duration"]
                    if duration is not None:
                        end[f] = t + int(v[duration])
                    elif end[f] <= t:
                        end[f] = NEVER
                    start[f] = t
                elif k == "ScaleFlow":
                    scale[fx["flow"]] *= v[fx["factor"]]
                elif k == "Shock":
                    change = v[fx["change"]]
                    actor_kind, i = fx["actor"]
                    var = fx["variable"]
                    if actor_kind == "state" and var == "capacity":
                        own_capacity[i] = max(own_capacity[i] + change, 0.0)
                    elif actor_kind == "state" and var == "control":
                        control[i] = min(max(control[i] + change, 0.0), 1.0)
                    elif actor_kind == "state" and var == "stability":
                        stability[i] = min(max(stability[i] + change, 0.0), 1.0)
                    elif actor_kind == "state" and var == "intelligence":
                        slot = states[i]["intelligence"]
                        v[slot] = min(max(v[slot] + change, 0.0), 0.99)
                    elif actor_kind == "group" and var == "strength":
                        strength[i] = max(strength[i] + change, 0.0)
                else:
                    target = fx["target"]
                    low, high = scn.slot_range[target]
                    new = v[fx["value"]] if k == "SetParameter" else v[target] * v[fx["value"]]
                    v[target] = min(max(new, low), high)
        # (2) flows
        for f, flow in enumerate(flows):
            sent = t - lag[f]
            arrived = 0.0
            if start[f] <= sent < end[f]:
                r = v[flow["reliability"]]
                if r >= 1.0 or rng.random() < r:
                    arrived = v[flow["volume"]] * scale[f]
            effect[f] = max(arrived, retention[f] * effect[f])
        # (3)
        capacity, intelligence = support()
        # (4)
        lam, sig = expected(False)
        # (5)
        k_disp = v[M["attack_dispersion"]]
        sigma = v[M["severity_sigma"]]
        cap = v[M["max_deaths_per_attack"]]
        gc, gi = v[M["severity_capacity_sensitivity"]], v[M["severity_intelligence_sensitivity"]]
        attacks = {}
        fatalities = {}
        typed_events = {}
        typed_deaths = {}
        state_events = {}
        for s in range(n_states):
            tempo = rng.gamma(k_disp) / k_disp if math.isfinite(k_disp) and k_disp > 0.0 else 1.0
            m_s = 1.0 if gc == 0.0 and gi == 0.0 else (
                (cap_ref[s] / max(capacity[s], RATIO_FLOOR)) ** gc * math.exp(gi * (int_ref[s] - intelligence[s])))
            q_state = shares3(state_shares(s, False)) if scn.typed else None
            for g in range(len(groups)):
                l_gs = lethality(g, s)
                n_group = poisson(rng, lam.get((g, s), 0.0) * tempo)
                if scn.typed:
                    p, m = group_types(g)
                    n_state = poisson(rng, sig.get((g, s), 0.0) * tempo)
                    by_group = split3(rng, n_group, p)
                    by_state = split3(rng, n_state, q_state)
                    d = [deaths(rng, by_group[k], l_gs, sigma, m[k] * m_s, cap)
                         + deaths(rng, by_state[k], l_gs, sigma, m[k], cap) for k in range(3)]
                    typed_events[g, s] = [by_group[k] + by_state[k] for k in range(3)]
                    typed_deaths[g, s] = d
                    state_events[g, s] = n_state
                    attacks[g, s] = n_group + n_state
                    fatalities[g, s] = sum(d)
                else:
                    attacks[g, s] = n_group
                    fatalities[g, s] = deaths(rng, n_group, l_gs, sigma, m_s, cap)
        # (6)
        collateral = v[M["collateral_recruitment"]]
        new_strength = list(strength)
        for g, group in enumerate(groups):
            n = strength[g]
            if n <= 0.0:
                continue
            room = max(1.0 - n / v[group["ceiling"]], 0.0) / room0[g]
            rec_mean = loss_mean = 0.0
            for s, w in weights[g]:
                fighters = n * w
                loss_mean += fighters * min(v[group["attrition"]] * eff(capacity[s], intelligence[s]) / eff_ref[s], MAX_ATTRITION)
                harm = (1.0 + collateral * (1.0 - intelligence[s]) * capacity[s] / max(cap_ref[s], RATIO_FLOOR)) / (
                    1.0 + collateral * (1.0 - int_ref[s]))
                rec_mean += fighters * v[group["recruitment"]] * (1.0 - control[s]) / (1.0 - control0[s]) * harm * room
            recruits = poisson(rng, rec_mean)
            losses = min(poisson(rng, loss_mean), n)
            new_strength[g] = max(n + recruits - losses, 0.0)
        strength[:] = new_strength
        # (7)
        for s in range(n_states):
            fighters = sum(strength[g] * w for g in range(len(groups)) for st, w in weights[g] if st == s)
            d_s = sum(fatalities[g, s] for g in range(len(groups)))
            balance = eff(capacity[s], intelligence[s]) / eff_ref[s] / ((fighters + 1.0) / (fighters0[s] + 1.0))
            target = from_odds(odds(control0[s]) * balance ** v[M["control_elasticity"]])
            control[s] = min(max(control[s] + v[M["control_adjustment"]] * (target - control[s]), 0.0), 1.0)
            violence[s] = (1.0 - VIOLENCE_WEIGHT) * violence[s] + VIOLENCE_WEIGHT * d_s
            ratio_k = control[s] / control0[s]
            target = from_odds(
                odds(stability0[s])
                * ratio_k ** v[M["stability_control_elasticity"]]
                * ((violence[s] + 1.0) / (violence_ref[s] + 1.0)) ** (-v[M["stability_violence_elasticity"]])
            )
            stability[s] = min(max(stability[s] + v[M["stability_adjustment"]] * (target - stability[s]), 0.0), 1.0)
        # (8)
        for i, (metric, kind, index) in enumerate(scn.series):
            series[i][t] = record(metric, kind, index, len(groups), capacity, intelligence, control, stability,
                                  strength, attacks, fatalities, typed_events, typed_deaths, state_events)
        # (9)
        for e, event in enumerate(scn.events):
            trigger = event["trigger"]
            if trigger["kind"] != "When" or fired[e] is not None or pending[e] is not None:
                continue
            holds = sc.compare(trigger["op"], series[trigger["series"]][t], v[trigger["threshold"]])
            streak[e] = streak[e] + 1 if holds else 0
            if streak[e] >= trigger["months"] and rng.random() < v[trigger["probability"]]:
                delay = 0
                if trigger["delay"] is not None:
                    delay = int(max(sc.round_half_away(sc.draw_one(trigger["delay"], rng, 1))[0], 0.0))
                pending[e] = t + 1 + delay
    return series, fired


def record(metric, kind, index, n_groups, capacity, intelligence, control, stability, strength,
           attacks, fatalities, typed_events, typed_deaths, state_events):
    if kind == "group":
        if metric == "strength":
            return strength[index]
        if metric == "attacks":
            return sum(a for (g, _), a in attacks.items() if g == index)
        if metric == "fatalities":
            return sum(a for (g, _), a in fatalities.items() if g == index)
        return 0.0
    s = index
    cells = range(n_groups)
    if metric == "attacks":
        return sum(attacks[g, s] for g in cells)
    if metric == "fatalities":
        return sum(fatalities[g, s] for g in cells)
    if metric in ("capacity", "intelligence", "control", "stability"):
        return {"capacity": capacity, "intelligence": intelligence, "control": control, "stability": stability}[metric][s]
    types = ["battles", "remote_violence", "violence_against_civilians"]
    if metric in types:
        return sum(typed_events[g, s][types.index(metric)] for g in cells) if typed_events else 0.0
    if metric.endswith("_fatalities") and metric[: -len("_fatalities")] in types:
        return sum(typed_deaths[g, s][types.index(metric[: -len("_fatalities")])] for g in cells) if typed_deaths else 0.0
    if metric == "state_initiated":
        return sum(state_events[g, s] for g in cells) if state_events else 0.0
    return 0.0


def simulate(scn, runs, seed):
    rng = np.random.default_rng(seed)
    values = sc.slot_values(scn, sc.draw_parameters(scn, rng, runs), runs)
    series = [np.zeros((runs, scn.horizon)) for _ in scn.series]
    months = np.full((len(scn.events), runs), np.nan)
    for run in range(runs):
        rows, fired = replication(scn, values[:, run].tolist(), rng)
        for i, row in enumerate(rows):
            series[i][run] = row
        for e, month in enumerate(fired):
            if month is not None:
                months[e, run] = month
    return sc.outcomes_from_series(scn, series, months)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--runs", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--out", help="write outcomes.csv here (secsim's layout)")
    args = parser.parse_args(argv)
    scn = sc.load(args.scenario)
    runs = args.runs or scn.runs
    seed = args.seed if args.seed is not None else scn.seed
    began = time.perf_counter()
    outcomes = simulate(scn, runs, seed)
    elapsed = time.perf_counter() - began
    if args.out:
        sc.write_outcomes(args.out, scn, outcomes)
    print(f"{scn.name}: {runs} runs in {elapsed:.3f} s ({runs / elapsed:.0f} runs/s), python loop", file=sys.stderr)


if __name__ == "__main__":
    main()
