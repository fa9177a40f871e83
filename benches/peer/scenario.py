"""The scenario both peers run, read from secsim's own resolution of the file.

`secsim validate --resolved FILE.ron` prints the validated scenario with every default filled in
(ron.py turns it into Python data); this module resolves names to indices and every numeric field
to a *slot*, as secsim does (MODEL.md, "Uncertain parameters"): a slot holds a literal or the name
of an uncertain parameter, whether it is a whole number of months (rounded after the draw), and
its valid range (where `SetParameter` / `ScaleParameter` clamp). The peers keep one value per slot
and replication, so an uncertain parameter or an event's change to a coefficient reaches every
place that reads it, month by month.

Nothing here copies secsim's code: the field names and ranges are those of scenarios/README.md and
the validation messages; the equations are in the peers, written from MODEL.md.
"""

import json
import os
import subprocess

import numpy as np

import ron

EVENT_TYPES = ("battles", "remote_violence", "violence_against_civilians")
SHARE = (0.0, 1.0)
ELASTICITY = (0.0, 10.0)
COEFFICIENT = (0.0, 100.0)
WIDE = (-np.inf, np.inf)
# Model coefficients and their valid ranges (scenarios/README.md).
MODEL_FIELDS = {
    "capacity_per_military_usd_m": COEFFICIENT,
    "capacity_per_financial_usd_m": COEFFICIENT,
    "capacity_per_trainer": COEFFICIENT,
    "capacity_per_troop": COEFFICIENT,
    "area_fire_effectiveness": SHARE,
    "collateral_recruitment": ELASTICITY,
    "attack_dispersion": (0.01, 1e6),
    "severity_sigma": (0.0, 5.0),
    "max_deaths_per_attack": (1.0, 1e6),
    "severity_capacity_sensitivity": (-10.0, 10.0),
    "severity_intelligence_sensitivity": (-10.0, 10.0),
    "control_adjustment": SHARE,
    "control_elasticity": ELASTICITY,
    "stability_adjustment": SHARE,
    "stability_control_elasticity": ELASTICITY,
    "stability_violence_elasticity": ELASTICITY,
}
TYPE_FIELDS = {
    "state_initiated_share": (0.0, 0.95),
    "operations_capacity_elasticity": ELASTICITY,
    "state_civilian_share": SHARE,
    "state_remote_share": SHARE,
}
FLOW_KINDS = ("military", "financial", "training", "troops", "intelligence")
# The model coefficient that turns one unit of a flow of each kind into capacity (M2).
CAPACITY_PER_UNIT = {
    "military": "model.capacity_per_military_usd_m",
    "financial": "model.capacity_per_financial_usd_m",
    "training": "model.capacity_per_trainer",
    "troops": "model.capacity_per_troop",
}


def quoted(name):
    """A name in quotes, as secsim writes paths: `actors["JNIM"].recruitment`."""
    return json.dumps(name, ensure_ascii=False)


REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def secsim_binary():
    """$SECSIM, else the repository's target/release/secsim."""
    return os.environ.get("SECSIM") or os.path.join(REPO, "target", "release", "secsim")


def resolve_with_secsim(path):
    """Runs `secsim validate --resolved` and parses its RON."""
    text = subprocess.run(
        [secsim_binary(), "validate", "--resolved", path],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return ron.loads(text)


def read_raw(path):
    """A scenario file (.ron, resolved by secsim) or its resolved form saved as .json."""
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    return resolve_with_secsim(path)


class Scenario:
    """A resolved scenario: indices instead of names, slots instead of numbers."""

    def __init__(self, raw):
        self.raw = raw
        self.name = raw["name"]
        self.horizon = int(raw["horizon"])
        self.runs = raw.get("runs") or 1000
        self.seed = raw.get("seed") or 1
        # Slots: path -> index; per slot its literal (float) or parameter name, whole-months flag
        # and valid range.
        self.slot_index = {}
        self.slot_source = []
        self.slot_whole = []
        self.slot_range = []
        self.uncertain = raw.get("uncertain", [])
        self.param_names = [item["name"] for item in self.uncertain]

        actors = raw["actors"]
        state_names = [a["name"] for a in actors if a["__type"] == "State"]
        group_names = [a["name"] for a in actors if a["__type"] == "Group"]
        self.state_index = {name: i for i, name in enumerate(state_names)}
        self.group_index = {name: i for i, name in enumerate(group_names)}

        model = raw["model"]
        self.model = {
            field: self.slot(f"model.{field}", model[field], valid)
            for field, valid in MODEL_FIELDS.items()
        }
        types = model.get("event_types")
        self.typed = types is not None
        if self.typed:
            self.types = {
                field: self.slot(f"model.event_types.{field}", types[field], valid)
                for field, valid in TYPE_FIELDS.items()
            }
            self.types["group_shares"] = [
                self.slot(f"model.event_types.group_shares.{k}", types["group_shares"][k], (0, 1e6))
                for k in EVENT_TYPES
            ]
            self.types["severity"] = [
                self.slot(f"model.event_types.severity.{k}", types["severity"][k], (0.01, 100.0))
                for k in EVENT_TYPES
            ]

        self.states = []
        for actor in actors:
            if actor["__type"] != "State":
                continue
            path = f"actors[{quoted(actor['name'])}]"
            reference = actor.get("reference")
            self.states.append(
                {
                    "name": actor["name"],
                    "capacity": self.slot(f"{path}.capacity", actor["capacity"], (0.001, 1e6)),
                    "control": self.slot(f"{path}.control", actor["control"], (0.01, 0.99)),
                    "stability": self.slot(f"{path}.stability", actor["stability"], (0.01, 0.99)),
                    "intelligence": self.slot(
                        f"{path}.intelligence", actor.get("intelligence", 0.2), (0.0, 0.99)
                    ),
                    "neighbours": [self.state_index[n] for n in actor.get("neighbours", [])],
                    "reference": None
                    if reference is None
                    else (
                        self.slot(f"{path}.reference.capacity", reference["capacity"], WIDE),
                        self.slot(f"{path}.reference.intelligence", reference["intelligence"], WIDE),
                    ),
                }
            )

        self.groups = []
        for actor in actors:
            if actor["__type"] != "Group":
                continue
            path = f"actors[{quoted(actor['name'])}]"
            shares = actor.get("event_shares")
            self.groups.append(
                {
                    "name": actor["name"],
                    "strength": self.slot(f"{path}.strength", actor["strength"], WIDE),
                    "recruitment": self.slot(f"{path}.recruitment", actor["recruitment"], SHARE),
                    "attrition": self.slot(f"{path}.attrition", actor["attrition"], SHARE),
                    "lethality": self.slot(f"{path}.lethality", actor["lethality"], (0.0, 1000.0)),
                    "ceiling": self.slot(f"{path}.ceiling", actor["ceiling"], (1.0, 1e8)),
                    "areas": [
                        (
                            self.state_index[area["state"]],
                            self.slot(
                                f"{path}.areas[{quoted(area['state'])}].weight", area["weight"], WIDE
                            ),
                        )
                        for area in actor["areas"]
                    ],
                    "event_shares": None
                    if shares is None
                    else [
                        self.slot(f"{path}.event_shares.{k}", shares[k], (0, 1e6))
                        for k in EVENT_TYPES
                    ],
                }
            )

        self.flows = []
        self.flow_index = {}
        for flow in raw.get("flows", []):
            path = f"flows[{quoted(flow['name'])}]"

            def month_slot(field, value, path=path):
                return None if value is None else self.slot(f"{path}.{field}", value, WIDE, True)

            self.flow_index[flow["name"]] = len(self.flows)
            self.flows.append(
                {
                    "name": flow["name"],
                    "to": self.state_index[flow["to"]],
                    "kind": flow["kind"],
                    "volume": self.slot(f"{path}.volume", flow["volume"], (0.0, 1e9)),
                    # A scheduled flow without `start` starts at month 0 (scenarios/README.md);
                    # the resolved print keeps it as None.
                    "start": None
                    if flow.get("standby")
                    else month_slot("start", 0.0 if flow.get("start") is None else flow["start"]),
                    "end": month_slot("end", flow.get("end")),
                    "duration": month_slot("duration", flow.get("duration")),
                    "reliability": self.slot(f"{path}.reliability", flow["reliability"], SHARE),
                    "lag": month_slot("lag", flow.get("lag", 0.0)),
                    "decay": self.slot(f"{path}.decay", flow.get("decay", 0.0), WIDE),
                }
            )

        self.links = []
        for link in raw.get("pressure", []):
            path = f"pressure[{quoted(link['group'] + ':' + link['state'])}]"
            lethality = link.get("lethality")
            self.links.append(
                {
                    "group": self.group_index[link["group"]],
                    "state": self.state_index[link["state"]],
                    "base_rate": self.slot(f"{path}.base_rate", link["base_rate"], (0.0, 1e5)),
                    "capacity_sensitivity": self.slot(
                        f"{path}.capacity_sensitivity", link["capacity_sensitivity"], ELASTICITY
                    ),
                    "intelligence_sensitivity": self.slot(
                        f"{path}.intelligence_sensitivity",
                        link["intelligence_sensitivity"],
                        ELASTICITY,
                    ),
                    "spillover": self.slot(f"{path}.spillover", link.get("spillover", 0.0), SHARE),
                    "lethality": None
                    if lethality is None
                    else self.slot(f"{path}.lethality", lethality, (0.0, 1000.0)),
                }
            )

        # Series the outcomes and triggers read: (metric, "state"|"group", index).
        self.series = []
        self.series_index = {}
        self.events = []
        self.event_index = {}
        for index, event in enumerate(raw.get("events", [])):
            self.event_index[event["name"]] = index
        for event in raw.get("events", []):
            path = f"events[{quoted(event['name'])}].when"
            when = dict(event["when"])
            kind = when["__type"]
            trigger = {"kind": kind}
            if kind == "At":
                trigger["month"] = self.slot(f"{path}.month", when["month"], WIDE, True)
            elif kind == "Hazard":
                trigger["monthly"] = self.slot(f"{path}.monthly", when["monthly"], SHARE)
                trigger["from"] = self.slot(f"{path}.from", when.get("from", 0), WIDE, True)
                to = when.get("to")
                trigger["to"] = None if to is None else self.slot(f"{path}.to", to, WIDE, True)
            elif kind == "Window":
                trigger["probability"] = self.slot(f"{path}.probability", when["probability"], SHARE)
                trigger["from"] = self.slot(f"{path}.from", when["from"], WIDE, True)
                trigger["to"] = self.slot(f"{path}.to", when["to"], WIDE, True)
            elif kind == "When":
                trigger["series"] = self.series_of(when["metric"], when["actor"])
                trigger["op"] = when["op"]
                trigger["threshold"] = self.slot(f"{path}.threshold", when["threshold"], WIDE)
                trigger["months"] = int(when.get("months", 1))
                trigger["probability"] = self.slot(
                    f"{path}.probability", when.get("probability", 1.0), SHARE
                )
                trigger["delay"] = when.get("delay")
            else:
                raise ValueError(f"unknown trigger {kind}")
            effects = []
            for index, effect in enumerate(event["effects"]):
                epath = f"events[{quoted(event['name'])}].effects[{index}]"
                kind = effect["__type"]
                out = {"kind": kind}
                if kind in ("EndFlow", "StartFlow", "ScaleFlow"):
                    out["flow"] = self.flow_index[effect["flow"]]
                    if kind == "ScaleFlow":
                        out["factor"] = self.slot(f"{epath}.factor", effect["factor"], WIDE)
                elif kind == "Shock":
                    name = effect["actor"]
                    out["actor"] = (
                        ("state", self.state_index[name])
                        if name in self.state_index
                        else ("group", self.group_index[name])
                    )
                    out["variable"] = effect["variable"]
                    out["change"] = self.slot(f"{epath}.change", effect["change"], WIDE)
                elif kind in ("SetParameter", "ScaleParameter"):
                    out["target_path"] = effect["path"]
                    field = "value" if kind == "SetParameter" else "factor"
                    out["value"] = self.slot(f"{epath}.{field}", effect[field], WIDE)
                else:
                    raise ValueError(f"unknown effect {kind}")
                effects.append(out)
            self.events.append({"name": event["name"], "trigger": trigger, "effects": effects})
        # Targets of SetParameter / ScaleParameter, resolved once every slot exists.
        for event in self.events:
            for effect in event["effects"]:
                if "target_path" in effect:
                    effect["target"] = self.slot_index[effect["target_path"]]

        self.outcomes = []
        for outcome in raw.get("outcomes", []):
            kind = outcome["__type"]
            item = {"name": outcome["name"], "kind": kind}
            if kind in ("EventFired", "EventMonth"):
                item["event"] = self.event_index[outcome["event"]]
            else:
                item["series"] = self.series_of(outcome["metric"], outcome["actor"])
                frm, to = outcome.get("from"), outcome.get("to")
                item["from"] = 0 if frm is None else int(frm)
                item["to"] = self.horizon - 1 if to is None else int(to)
                if "op" in outcome:
                    item["op"] = outcome["op"]
                    item["threshold"] = float(outcome["threshold"])
            self.outcomes.append(item)
        self.outcome_names = [o["name"] for o in self.outcomes]

    def slot(self, path, value, valid, whole_months=False):
        if isinstance(value, str):
            if value not in self.param_names:
                raise ValueError(f"{path}: unknown uncertain parameter {value!r}")
        else:
            value = float(value)
        self.slot_index[path] = len(self.slot_source)
        self.slot_source.append(value)
        self.slot_whole.append(whole_months)
        self.slot_range.append(valid)
        return len(self.slot_source) - 1

    def series_of(self, metric, actor):
        if actor in self.state_index:
            key = (metric, "state", self.state_index[actor])
        else:
            key = (metric, "group", self.group_index[actor])
        if key not in self.series_index:
            self.series_index[key] = len(self.series)
            self.series.append(key)
        return self.series_index[key]


def load(path):
    return Scenario(read_raw(path))


def draw_parameters(scenario, rng, runs):
    """Every uncertain parameter's value for each replication: {name: array of `runs`}.

    The columns of one `Joint` table share the row drawn for a replication (MODEL.md,
    "Calibration by ABC-SMC": a run draws the parameters together, row by row).
    """
    rows = {}
    out = {}
    for item in scenario.uncertain:
        dist = item["dist"]
        kind = dist["__type"]
        if kind == "Uniform":
            value = rng.uniform(dist["min"], dist["max"], runs)
        elif kind == "Normal":
            value = dist["mean"] + dist["sd"] * rng.standard_normal(runs)
            value = np.clip(value, _bound(dist.get("min"), -np.inf), _bound(dist.get("max"), np.inf))
        elif kind == "LogNormal":
            value = dist["median"] * np.exp(dist["sigma"] * rng.standard_normal(runs))
            value = np.clip(value, _bound(dist.get("min"), -np.inf), _bound(dist.get("max"), np.inf))
        elif kind == "Beta":
            low, high = _bound(dist.get("min"), 0.0), _bound(dist.get("max"), 1.0)
            value = low + (high - low) * rng.beta(dist["alpha"], dist["beta"], runs)
        elif kind == "Triangular":
            low, mode, high = dist["min"], dist["mode"], dist["max"]
            value = np.full(runs, mode) if high <= low else rng.triangular(low, mode, high, runs)
        elif kind in ("Discrete", "Joint"):
            weights = np.asarray(dist["weights"], dtype=float)
            key = dist.get("table") if kind == "Joint" else None
            if key is not None and key in rows:
                row = rows[key]
            else:
                row = rng.choice(len(weights), size=runs, p=weights / weights.sum())
                if key is not None:
                    rows[key] = row
            value = np.asarray(dist["values"], dtype=float)[row]
        else:
            raise ValueError(f"unknown distribution {kind}")
        out[item["name"]] = value
    return out


def draw_one(dist, rng, size):
    """Draws of a delay distribution (the `When` trigger's `delay`)."""
    fake = Scenario.__new__(Scenario)
    fake.uncertain = [{"name": "x", "dist": dist}]
    return draw_parameters(fake, rng, size)["x"]


def _bound(value, default):
    return default if value is None else float(value)


def round_half_away(x):
    """Rounds as Rust's f64::round does (half away from zero), not to even as NumPy does."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def slot_values(scenario, params, runs):
    """The (slots, runs) array of every numeric field's value in each replication."""
    values = np.empty((len(scenario.slot_source), runs))
    for index, source in enumerate(scenario.slot_source):
        values[index] = params[source] if isinstance(source, str) else source
        if scenario.slot_whole[index]:
            values[index] = round_half_away(values[index])
    return values


def compare(op, value, threshold):
    if op == "above":
        return value > threshold
    if op == "below":
        return value < threshold
    if op == "at_least":
        return value >= threshold
    if op == "at_most":
        return value <= threshold
    raise ValueError(f"unknown comparison {op}")


def outcomes_from_series(scenario, series, event_months):
    """Outcomes from recorded series (list of (runs, horizon) arrays) and event months
    ((events, runs) arrays, NaN where an event did not fire): {name: array}, NaN where a
    replication has no value (a threshold never crossed, an event that did not fire)."""
    out = {}
    for outcome in scenario.outcomes:
        kind = outcome["kind"]
        if kind == "EventFired":
            out[outcome["name"]] = (~np.isnan(event_months[outcome["event"]])).astype(float)
            continue
        if kind == "EventMonth":
            out[outcome["name"]] = event_months[outcome["event"]].astype(float)
            continue
        values = series[outcome["series"]]
        window = values[:, outcome["from"] : outcome["to"] + 1]
        # Sums run month by month, left to right (np.cumsum), as secsim sums: NumPy's pairwise
        # `sum` can differ in the last bit, which splits ties (a flat series' mean) in a KS test.
        if kind == "Sum":
            result = np.cumsum(window, axis=1)[:, -1]
        elif kind == "Mean":
            result = np.cumsum(window, axis=1)[:, -1] / window.shape[1]
        elif kind == "Max":
            result = window.max(axis=1)
        elif kind == "Min":
            result = window.min(axis=1)
        elif kind == "Final":
            result = values[:, -1].copy()
        elif kind == "FirstMonth":
            hit = compare(outcome["op"], values, outcome["threshold"])
            result = np.where(hit.any(axis=1), hit.argmax(axis=1), np.nan)
        elif kind == "Any":
            result = compare(outcome["op"], window, outcome["threshold"]).any(axis=1).astype(float)
        elif kind == "All":
            result = compare(outcome["op"], window, outcome["threshold"]).all(axis=1).astype(float)
        else:
            raise ValueError(f"unknown outcome {kind}")
        out[outcome["name"]] = result
    return out


def write_outcomes(path, scenario, outcomes):
    """outcomes.csv in secsim's layout: `run`, then one column per outcome, empty for NaN."""
    names = scenario.outcome_names
    columns = [outcomes[name] for name in names]
    with open(path, "w", encoding="utf-8") as file:
        file.write(",".join(["run"] + names) + "\n")
        for run in range(len(columns[0]) if columns else 0):
            cells = [str(run)] + ["" if np.isnan(c[run]) else repr(float(c[run])) for c in columns]
            file.write(",".join(cells) + "\n")
