"""MODEL.md in NumPy, vectorised across replications: the benchmark peer of issue 21.

Written from MODEL.md (equations M1-M12, M6c, M6d, M7b, M7c, "Order of a month", "Floors and
clamps", "Events", "Uncertain parameters"), as an expert would write it for speed: every quantity
is an array over replications (states, groups, flows and cells as a leading axis), and the only
Python loop that grows with the work is the one over months (the loops inside it run over the
scenario's few states, groups, flows, links and events, never over replications or attacks).
The per-attack severities of a month are drawn in one call for all replications and cells and
summed per cell with `np.add.reduceat`.

Random numbers come from NumPy's PCG64 generator; they do not reproduce secsim's streams, so the
peer agrees with secsim in distribution, not run by run (check_agreement.py tests that).

    python numpy_model.py SCENARIO.ron|resolved.json [--runs N] [--seed S] [--out outcomes.csv]

A `.ron` file is resolved by `secsim validate --resolved` ($SECSIM, default
target/release/secsim); a `.json` file is that resolution saved by `python ron.py` (so that a
timed run does not start secsim).
"""

import argparse
import sys
import time

import numpy as np

import scenario as sc

RATIO_FLOOR = 1e-9
ROOM_FLOOR = 1e-3
MAX_ATTRITION = 0.95
MAX_POISSON_MEAN = 1e6
VIOLENCE_WEIGHT = 0.25
NEVER = np.iinfo(np.int64).max // 4


def poisson(rng, mean):
    """Poisson draws with the model's cap on the mean (M6); 0 for a mean <= 0 or NaN."""
    mean = np.where(np.isnan(mean) | (mean <= 0.0), 0.0, np.minimum(mean, MAX_POISSON_MEAN))
    return rng.poisson(mean).astype(float)


def odds(p):
    with np.errstate(divide="ignore"):
        return p / (1.0 - p)


def from_odds(o):
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(o), 1.0, o / (1.0 + o))


def split_three(rng, counts, shares):
    """A multinomial split of `counts` into three types with probabilities `shares` (3, ...),
    as two binomials (M6d)."""
    p0, p1, p2 = shares
    first = rng.binomial(counts.astype(np.int64), np.clip(p0, 0.0, 1.0))
    rest = counts.astype(np.int64) - first
    tail = p1 + p2
    with np.errstate(invalid="ignore", divide="ignore"):
        p_second = np.where(tail > 0.0, p1 / tail, 0.0)
    second = rng.binomial(rest, np.clip(p_second, 0.0, 1.0))
    return np.stack([first, second, rest - second]).astype(float)


def normalised(shares):
    """Type shares normalised to sum 1 (equal thirds when they sum to 0), shape (3, ...)."""
    total = shares.sum(axis=0)
    safe = np.where(total > 0.0, total, 1.0)
    return np.where(total > 0.0, shares / safe, 1.0 / 3.0)


def simulate(scn, runs, seed):
    """Runs `runs` replications; returns {outcome name: array of runs} (NaN: no value)."""
    rng = np.random.default_rng(seed)
    H = scn.horizon
    V = sc.slot_values(scn, sc.draw_parameters(scn, rng, runs), runs)
    M = scn.model
    n_states, n_groups, n_flows = len(scn.states), len(scn.groups), len(scn.flows)

    # (M1) flows: timing and the effect already built up before month 0.
    retention = np.zeros((n_flows, runs))
    lag = np.zeros((n_flows, runs), dtype=np.int64)
    start = np.full((n_flows, runs), NEVER, dtype=np.int64)
    end = np.full((n_flows, runs), NEVER, dtype=np.int64)
    scale = np.ones((n_flows, runs))
    effect = np.zeros((n_flows, runs))
    for f, flow in enumerate(scn.flows):
        half_life = V[flow["decay"]]
        with np.errstate(divide="ignore"):
            retention[f] = np.where(half_life > 0.0, 0.5 ** (1.0 / np.where(half_life > 0, half_life, 1.0)), 0.0)
        lag[f] = V[flow["lag"]].astype(np.int64)
        if flow["start"] is not None:
            start[f] = V[flow["start"]].astype(np.int64)
            if flow["end"] is not None:
                end[f] = V[flow["end"]].astype(np.int64)
        sent = -1 - lag[f]
        steady_state = (start[f] <= sent) & (sent < end[f])
        r = V[flow["reliability"]]
        denominator = 1.0 - (1.0 - r) * retention[f]
        expected = np.where(denominator > 0.0, V[flow["volume"]] * r / np.where(denominator > 0, denominator, 1.0), 0.0)
        effect[f] = np.where(steady_state, expected, 0.0)

    own_capacity = np.stack([V[s["capacity"]] for s in scn.states])
    control = np.stack([V[s["control"]] for s in scn.states])
    stability = np.stack([V[s["stability"]] for s in scn.states])
    control0, stability0 = control.copy(), stability.copy()

    def support():
        """(M2, M3) capacity and intelligence of every state, (states, runs) each."""
        capacity = own_capacity.copy()
        intel_sum = np.zeros((n_states, runs))
        for f, flow in enumerate(scn.flows):
            if flow["kind"] == "intelligence":
                intel_sum[flow["to"]] += effect[f]
            else:
                capacity[flow["to"]] += V[scn.slot_index[sc.CAPACITY_PER_UNIT[flow["kind"]]]] * effect[f]
        own_intel = np.stack([V[s["intelligence"]] for s in scn.states])
        return capacity, 1.0 - (1.0 - own_intel) * np.exp(-intel_sum)

    capacity, intelligence = support()
    capacity_ref, intelligence_ref = capacity.copy(), intelligence.copy()
    for s, state in enumerate(scn.states):
        if state["reference"] is not None:
            capacity_ref[s] = V[state["reference"][0]]
            intelligence_ref[s] = V[state["reference"][1]]

    def effectiveness(capacity, intelligence):
        """(M8) e_s = C (a + (1 - a) I)."""
        a = V[M["area_fire_effectiveness"]]
        return capacity * (a + (1.0 - a) * intelligence)

    effectiveness_ref = np.maximum(effectiveness(capacity_ref, intelligence_ref), RATIO_FLOOR)

    # Groups: strength, room to recruit, normalised area weights (groups, states, runs).
    strength = np.stack([V[g["strength"]] for g in scn.groups]) if n_groups else np.zeros((0, runs))
    strength0 = strength.copy()
    room0 = np.zeros((n_groups, runs))
    weights = np.zeros((n_groups, n_states, runs))
    for g, group in enumerate(scn.groups):
        room0[g] = np.maximum(1.0 - strength[g] / V[group["ceiling"]], ROOM_FLOOR)
        total = sum(V[w] for _, w in group["areas"])
        for s, w in group["areas"]:
            weights[g, s] += np.where(total > 0.0, V[w] / np.where(total > 0, total, 1.0), 0.0)
    fighters0 = (strength[:, None, :] * weights).sum(axis=0)

    def lethality():
        """l_gs: the pressure entry's lethality where it has one, else the group's (M7)."""
        out = np.stack([np.stack([V[g["lethality"]]] * n_states) for g in scn.groups])
        for link in scn.links:
            if link["lethality"] is not None:
                out[link["group"], link["state"]] = V[link["lethality"]]
        return out

    def group_types():
        """(M6d, M7c) each group's type shares (groups, 3, runs) and m_gk = w_k / sum_j p_gj w_j."""
        relative = np.stack([V[k] for k in scn.types["severity"]])
        shares = []
        scales = []
        for group in scn.groups:
            slots = group["event_shares"] or scn.types["group_shares"]
            p = normalised(np.stack([V[k] for k in slots]))
            shares.append(p)
            scales.append(relative / (p * relative).sum(axis=0))
        return np.stack(shares), np.stack(scales)

    def state_shares(intelligence, at_reference):
        """(M6d) the state's side's type shares (states, 3, runs)."""
        q_v = V[scn.types["state_civilian_share"]]
        q_r = V[scn.types["state_remote_share"]]
        if at_reference:
            gap = 1.0
        else:
            gap = (1.0 - intelligence) / np.maximum(1.0 - intelligence_ref, RATIO_FLOOR)
        civilians = np.minimum(q_v * gap * np.ones((n_states, runs)), 1.0)
        remote = (1.0 - civilians) * q_r
        return np.stack([1.0 - civilians - remote, remote, civilians], axis=1)

    def expected_events(capacity, intelligence, at_start):
        """(M4, M5, M6c) lambda_gs and sigma_gs, (groups, states, runs) each."""
        lam = np.zeros((n_groups, n_states, runs))
        sig = np.zeros((n_groups, n_states, runs))
        for link in scn.links:
            g, s = link["group"], link["state"]
            base = V[link["base_rate"]]
            rate = base
            ratio = 1.0
            if not at_start:
                ratio = np.where(strength0[g] > 0.0, strength[g] / np.where(strength0[g] > 0, strength0[g], 1.0), 0.0)
                shortfall = capacity_ref[s] / np.maximum(capacity[s], RATIO_FLOOR)
                rate = (
                    base
                    * ratio
                    * shortfall ** V[link["capacity_sensitivity"]]
                    * np.exp(V[link["intelligence_sensitivity"]] * (intelligence_ref[s] - intelligence[s]))
                )
            if scn.typed:
                share = V[scn.types["state_initiated_share"]]
                tempo = 1.0
                if not at_start:
                    tempo = ratio * (capacity[s] / np.maximum(capacity_ref[s], RATIO_FLOOR)) ** V[
                        scn.types["operations_capacity_elasticity"]
                    ]
                sig[g, s] += share * base * tempo
                rate = rate * (1.0 - share)
            lam[g, s] += rate
            neighbours = scn.states[s]["neighbours"]
            if neighbours:
                spilled = rate * V[link["spillover"]] / len(neighbours)
                for n in neighbours:
                    lam[g, n] += spilled
        return lam, sig

    # (M12) V_s(-1): expected deaths under reference conditions.
    lam0, sig0 = expected_events(capacity, intelligence, True)
    leth = lethality()
    violence_ref = (lam0 * leth).sum(axis=0)
    if scn.typed:
        _, type_scale = group_types()
        q_ref = state_shares(intelligence, True)  # (states, 3, runs)
        state_leth = leth * (q_ref[None, :, :, :] * type_scale[:, None, :, :]).sum(axis=2)
        violence_ref = violence_ref + (sig0 * state_leth).sum(axis=0)
    violence = violence_ref.copy()

    # Events: window months drawn before month 0.
    n_events = len(scn.events)
    fired = np.full((n_events, runs), np.nan)
    pending = np.full((n_events, runs), -1, dtype=np.int64)
    streak = np.zeros((n_events, runs), dtype=np.int64)
    for e, event in enumerate(scn.events):
        trigger = event["trigger"]
        if trigger["kind"] == "Window":
            happens = rng.random(runs) < V[trigger["probability"]]
            lo = V[trigger["from"]].astype(np.int64)
            hi = np.maximum(V[trigger["to"]].astype(np.int64), lo)
            month = lo + (rng.random(runs) * (hi - lo + 1)).astype(np.int64)
            pending[e] = np.where(happens, month, -1)

    series = [np.zeros((runs, H)) for _ in scn.series]
    zeros = np.zeros(runs)
    for t in range(H):
        # (1) events due at t, in file order.
        for e, event in enumerate(scn.events):
            trigger = event["trigger"]
            open_ = np.isnan(fired[e])
            kind = trigger["kind"]
            if kind == "At":
                due = open_ & (V[trigger["month"]].astype(np.int64) == t)
            elif kind == "Hazard":
                window = t >= V[trigger["from"]].astype(np.int64)
                if trigger["to"] is not None:
                    window &= t <= V[trigger["to"]].astype(np.int64)
                due = open_ & window & (rng.random(runs) < V[trigger["monthly"]])
            else:
                due = open_ & (pending[e] == t)
            if not due.any():
                continue
            fired[e, due] = t
            for fx in event["effects"]:
                apply_effect(scn, fx, due, t, V, start, end, scale, own_capacity, control, stability, strength)

        # (2) flows deliver (M1): the tranche sent at t - lag, if it arrived.
        for f, flow in enumerate(scn.flows):
            sent = t - lag[f]
            active = (start[f] <= sent) & (sent < end[f])
            r = V[flow["reliability"]]
            arrives = active & ((r >= 1.0) | (rng.random(runs) < r))
            arrived = np.where(arrives, V[flow["volume"]] * scale[f], 0.0)
            effect[f] = np.maximum(arrived, retention[f] * effect[f])

        # (3) capacity and intelligence (M2, M3).
        capacity, intelligence = support()

        # (4) expected events (M4, M5, M6c).
        lam, sig = expected_events(capacity, intelligence, False)

        # (5) counts and deaths (M6, M6d, M7, M7b, M7c).
        dispersion = V[M["attack_dispersion"]]
        ok = np.isfinite(dispersion) & (dispersion > 0.0)
        k = np.where(ok, dispersion, 1.0)
        tempo = np.where(ok, rng.gamma(k[None, :] * np.ones((n_states, 1))) / k, 1.0)  # (states, runs)
        g_sev_c = V[M["severity_capacity_sensitivity"]]
        g_sev_i = V[M["severity_intelligence_sensitivity"]]
        shortfall = capacity_ref / np.maximum(capacity, RATIO_FLOOR)
        support_severity = np.where(
            (g_sev_c == 0.0) & (g_sev_i == 0.0),
            1.0,
            shortfall**g_sev_c * np.exp(g_sev_i * (intelligence_ref - intelligence)),
        )  # (states, runs)
        leth = lethality()  # (groups, states, runs)
        group_events = poisson(rng, lam * tempo[None])
        if scn.typed:
            group_share, type_scale = group_types()  # (groups, 3, runs)
            state_share = normalised(np.moveaxis(state_shares(intelligence, False), 1, 0))  # (3, states, runs)
            state_events = poisson(rng, sig * tempo[None])
            by_group = split_three(rng, group_events, np.moveaxis(group_share, 1, 0)[:, :, None, :])
            by_state = split_three(rng, state_events, state_share[:, None, :, :])
            # Segments: (side, type, group, state, runs); scales m_gk * m_s(t) for the group's
            # events, m_gk for the state's side's.
            counts = np.stack([by_group, by_state])
            gk = np.moveaxis(type_scale, 1, 0)[:, :, None, :]  # (3, groups, 1, runs)
            scales = np.stack([gk * support_severity[None, None], np.broadcast_to(gk, by_group.shape)])
            deaths = severities(rng, counts, scales, leth[None, None], V[M["severity_sigma"]], V[M["max_deaths_per_attack"]])
            attacks_cells = group_events + state_events
            typed_events = by_group + by_state  # (3, groups, states, runs)
            typed_deaths = deaths.sum(axis=0)
            fatalities_cells = typed_deaths.sum(axis=0)
        else:
            deaths = severities(rng, group_events, support_severity[None], leth, V[M["severity_sigma"]], V[M["max_deaths_per_attack"]])
            attacks_cells, fatalities_cells = group_events, deaths
            state_events = typed_events = typed_deaths = None

        # (6) groups lose and recruit fighters (M8-M10), from N_g(t), C(t), I(t), K(t).
        eff = effectiveness(capacity, intelligence)
        collateral = V[M["collateral_recruitment"]]
        harm = (1.0 + collateral * (1.0 - intelligence) * capacity / np.maximum(capacity_ref, RATIO_FLOOR)) / (
            1.0 + collateral * (1.0 - intelligence_ref)
        )
        ungoverned = (1.0 - control) / (1.0 - control0)
        new_strength = strength.copy()
        for g, group in enumerate(scn.groups):
            n = strength[g]
            alive = n > 0.0
            room = np.maximum(1.0 - n / V[group["ceiling"]], 0.0) / room0[g]
            recruits_mean = np.zeros(runs)
            losses_mean = np.zeros(runs)
            for s, _ in group["areas"]:
                fighters = n * weights[g, s]
                loss_rate = np.minimum(V[group["attrition"]] * eff[s] / effectiveness_ref[s], MAX_ATTRITION)
                losses_mean += fighters * loss_rate
                recruits_mean += fighters * V[group["recruitment"]] * ungoverned[s] * harm[s] * room
            recruits = poisson(rng, np.where(alive, recruits_mean, 0.0))
            losses = np.minimum(poisson(rng, np.where(alive, losses_mean, 0.0)), n)
            new_strength[g] = np.where(alive, np.maximum(n + recruits - losses, 0.0), n)
        strength[:] = new_strength

        # (7) control and stability (M11, M12), from F(t+1) and D(t).
        fighters = (strength[:, None, :] * weights).sum(axis=0)
        deaths_state = fatalities_cells.sum(axis=0)
        threat = (fighters + 1.0) / (fighters0 + 1.0)
        balance = eff / effectiveness_ref / threat
        target = from_odds(odds(control0) * balance ** V[M["control_elasticity"]])
        control[:] = np.clip(control + V[M["control_adjustment"]] * (target - control), 0.0, 1.0)
        violence[:] = (1.0 - VIOLENCE_WEIGHT) * violence + VIOLENCE_WEIGHT * deaths_state
        with np.errstate(divide="ignore"):
            target = from_odds(
                odds(stability0)
                * (control / control0) ** V[M["stability_control_elasticity"]]
                * ((violence + 1.0) / (violence_ref + 1.0)) ** (-V[M["stability_violence_elasticity"]])
            )
        stability[:] = np.clip(stability + V[M["stability_adjustment"]] * (target - stability), 0.0, 1.0)

        # (8) the month's record.
        for i, (metric, kind, index) in enumerate(scn.series):
            series[i][:, t] = record(
                metric, kind, index, capacity, intelligence, control, stability, strength,
                attacks_cells, fatalities_cells, typed_events, typed_deaths, state_events, zeros,
            )

        # (9) triggered events check their conditions on what was recorded.
        for e, event in enumerate(scn.events):
            trigger = event["trigger"]
            if trigger["kind"] != "When":
                continue
            open_ = np.isnan(fired[e]) & (pending[e] < 0)
            holds = sc.compare(trigger["op"], series[trigger["series"]][:, t], V[trigger["threshold"]])
            streak[e] = np.where(open_, np.where(holds, streak[e] + 1, 0), streak[e])
            ready = open_ & (streak[e] >= trigger["months"])
            if not ready.any():
                continue
            go = ready & (rng.random(runs) < V[trigger["probability"]])
            delay = np.zeros(runs)
            if trigger["delay"] is not None:
                delay = np.maximum(sc.round_half_away(sc.draw_one(trigger["delay"], rng, runs)), 0.0)
            pending[e] = np.where(go, t + 1 + delay.astype(np.int64), pending[e])

    return sc.outcomes_from_series(scn, series, fired)


def severities(rng, counts, scales, lethality, sigma, cap):
    """(M7, M7b, M7c) deaths of each segment of events: the sum over its events of
    min(cap, LogNormal(ln l - sigma^2/2, sigma) * scale), rounded stochastically to a whole
    number. All arrays broadcast to `counts`' shape, whose last axis is the replication.

    The month's per-event draws are made in one call; each segment's log-mean, ln l - sigma^2/2
    + ln(scale), is repeated over its events (np.repeat, cheaper than a gather), and the events are
    summed per segment with np.add.reduceat over the non-empty segments."""
    shape = counts.shape
    counts = counts.astype(np.int64).ravel()
    lethality = np.broadcast_to(lethality, shape).ravel()
    counts = np.where(lethality > 0.0, counts, 0)
    total = np.zeros(counts.size)
    n_events = int(counts.sum())
    if n_events:
        sigma = np.broadcast_to(sigma, shape).ravel()
        scale = np.broadcast_to(scales, shape).ravel()
        with np.errstate(divide="ignore"):
            log_mean = np.log(lethality) - 0.5 * sigma * sigma + np.log(scale)
        draws = rng.standard_normal(n_events)
        # sigma and cap are model coefficients: one value for every event unless a scenario
        # makes them uncertain.
        if sigma.min() == sigma.max():
            draws *= sigma[0]
        else:
            draws *= np.repeat(sigma, counts)
        draws += np.repeat(log_mean, counts)
        np.exp(draws, out=draws)
        cap = np.broadcast_to(cap, shape).ravel()
        np.minimum(draws, cap[0] if cap.min() == cap.max() else np.repeat(cap, counts), out=draws)
        busy = counts > 0
        starts = np.cumsum(counts) - counts
        total[busy] = np.add.reduceat(draws, starts[busy])
    whole = np.floor(total)
    rounded = whole + (rng.random(counts.size) < total - whole)
    return rounded.reshape(shape)


def record(metric, kind, index, capacity, intelligence, control, stability, strength,
           attacks, fatalities, typed_events, typed_deaths, state_events, zeros):
    """One recorded metric of one actor in the current month (MODEL.md, "Order of a month", 8)."""
    if kind == "group":
        if metric == "strength":
            return strength[index]
        if metric == "attacks":
            return attacks[index].sum(axis=0)
        if metric == "fatalities":
            return fatalities[index].sum(axis=0)
        return zeros
    s = index
    simple = {
        "attacks": lambda: attacks[:, s].sum(axis=0),
        "fatalities": lambda: fatalities[:, s].sum(axis=0),
        "capacity": lambda: capacity[s],
        "control": lambda: control[s],
        "stability": lambda: stability[s],
        "intelligence": lambda: intelligence[s],
    }
    if metric in simple:
        return simple[metric]()
    typed = {
        "battles": (typed_events, 0),
        "remote_violence": (typed_events, 1),
        "violence_against_civilians": (typed_events, 2),
        "battles_fatalities": (typed_deaths, 0),
        "remote_violence_fatalities": (typed_deaths, 1),
        "violence_against_civilians_fatalities": (typed_deaths, 2),
    }
    if metric in typed:
        table, k = typed[metric]
        return zeros if table is None else table[k, :, s].sum(axis=0)
    if metric == "state_initiated":
        return zeros if state_events is None else state_events[:, s].sum(axis=0)
    return zeros


def apply_effect(scn, fx, due, t, V, start, end, scale, own_capacity, control, stability, strength):
    """An event's effect in the replications where it fires (MODEL.md, "Events")."""
    kind = fx["kind"]
    if kind == "EndFlow":
        f = fx["flow"]
        end[f] = np.where(due, np.minimum(end[f], t), end[f])
    elif kind == "StartFlow":
        f = fx["flow"]
        duration = scn.flows[f]["duration"]
        if duration is not None:
            new_end = t + V[duration].astype(np.int64)
        else:
            new_end = np.where(end[f] > t, end[f], NEVER)
        end[f] = np.where(due, new_end, end[f])
        start[f] = np.where(due, t, start[f])
    elif kind == "ScaleFlow":
        f = fx["flow"]
        scale[f] = np.where(due, scale[f] * V[fx["factor"]], scale[f])
    elif kind == "Shock":
        change = V[fx["change"]]
        actor_kind, i = fx["actor"]
        variable = fx["variable"]
        if actor_kind == "state" and variable == "capacity":
            own_capacity[i] = np.where(due, np.maximum(own_capacity[i] + change, 0.0), own_capacity[i])
        elif actor_kind == "state" and variable == "control":
            control[i] = np.where(due, np.clip(control[i] + change, 0.0, 1.0), control[i])
        elif actor_kind == "state" and variable == "stability":
            stability[i] = np.where(due, np.clip(stability[i] + change, 0.0, 1.0), stability[i])
        elif actor_kind == "state" and variable == "intelligence":
            slot = scn.states[i]["intelligence"]
            V[slot] = np.where(due, np.clip(V[slot] + change, 0.0, 0.99), V[slot])
        elif actor_kind == "group" and variable == "strength":
            strength[i] = np.where(due, np.maximum(strength[i] + change, 0.0), strength[i])
    elif kind in ("SetParameter", "ScaleParameter"):
        target = fx["target"]
        low, high = scn.slot_range[target]
        new = V[fx["value"]] if kind == "SetParameter" else V[target] * V[fx["value"]]
        V[target] = np.where(due, np.clip(new, low, high), V[target])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--runs", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--out", help="write outcomes.csv here (secsim's layout)")
    parser.add_argument("--block", type=int, default=10000,
                        help="replications simulated at once (bounds memory; default 10000)")
    args = parser.parse_args(argv)
    scn = sc.load(args.scenario)
    runs = args.runs or scn.runs
    seed = args.seed if args.seed is not None else scn.seed
    began = time.perf_counter()
    seeds = np.random.SeedSequence(seed).spawn((runs + args.block - 1) // args.block)
    parts = []
    for b, child in enumerate(seeds):
        n = min(args.block, runs - b * args.block)
        parts.append(simulate(scn, n, child))
    outcomes = {name: np.concatenate([p[name] for p in parts]) for name in scn.outcome_names}
    elapsed = time.perf_counter() - began
    if args.out:
        sc.write_outcomes(args.out, scn, outcomes)
    print(f"{scn.name}: {runs} runs in {elapsed:.3f} s ({runs / elapsed:.0f} runs/s), numpy peer", file=sys.stderr)


if __name__ == "__main__":
    main()
