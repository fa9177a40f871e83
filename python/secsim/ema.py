"""A secsim scenario as an EMA Workbench model: a function of the uncertain parameters that
returns the outcomes.

    >>> import secsim.ema
    >>> from ema_workbench import Model, RealParameter, ScalarOutcome, perform_experiments
    >>> function = secsim.ema.model("scenarios/niger_realignment.ron",
    ...                             outcomes=["attacks_total", "western_return"], runs=50)
    >>> model = Model("niger", function=function)
    >>> model.uncertainties = [RealParameter("is_sahel_rate", 18.6, 40.6)]
    >>> model.outcomes = [ScalarOutcome("attacks_total"), ScalarOutcome("western_return")]
    >>> experiments, outcomes = perform_experiments(model, scenarios=20)

Each call runs one design point through the CLI's own ``secsim batch``: an experiment file
with the scenario as its base and every keyword argument fixed at its value, written to a
temporary folder. A fixed uncertain parameter takes its value in every replication and keeps
its random stream, so the other draws are those of any other point (common random numbers:
every call uses the same seed), and the point equals a run of the scenario with that
parameter's distribution replaced by the single value (``Discrete(values: [v], weights:
[1.0])``). Parameters not given keep their distributions.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from . import Batch, ScenarioError, ScenarioLike, _file_stem, _is_ron_text, _run_into_folder
from . import _secsim
from . import run as _run

__all__ = ["model", "ScenarioModel", "STATISTICS"]

#: The statistics of a point's runs an outcome can be reported as (``experiments.csv``'s
#: columns ``<outcome>_<statistic>``). For the month something first happens, the mean is the
#: restricted mean over every run (a run where it never happens counts as the horizon).
STATISTICS = ("mean", "p05", "p50", "p95")


def model(
    scenario: ScenarioLike,
    outcomes: Sequence[str],
    runs: int = 100,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    statistic: str = "mean",
    fields: Optional[Mapping[str, str]] = None,
) -> "ScenarioModel":
    """A callable for ``ema_workbench.Model(name, function=...)``.

    Args:
        scenario: a path, a library scenario's name, or RON text.
        outcomes: the scenario's outcomes to return, by name.
        runs: replications per call (per EMA experiment).
        seed: master seed shared by every call (default: the scenario's ``seed``, else 1).
        threads: worker threads (default: one per core). Results do not depend on it.
        statistic: which statistic of the runs each outcome is: ``"mean"``, ``"p05"``,
            ``"p50"`` or ``"p95"``.
        fields: more keyword arguments, each setting a numeric field by its field path
            (``{"us_volume": 'flows["us_intel_return"].volume'}``), for EMA levers.

    Returns:
        a :class:`ScenarioModel`: called with keyword arguments named after the scenario's
        uncertain parameters (any subset) and ``fields``, it returns ``{outcome: value}``.

    Raises:
        ScenarioError: a bad scenario, an unknown outcome or statistic.
    """
    return ScenarioModel(scenario, outcomes, runs, seed, threads, statistic, fields)


class ScenarioModel:
    """A secsim scenario as a function of its uncertain parameters (see :func:`model`).

    Attributes:
        parameters: the scenario's uncertain parameters, in the scenario's order: the keyword
            arguments a call takes, besides ``fields``.
        outcomes: the outcomes a call returns.
        seed: the seed every call uses.
        runs: replications per call.
    """

    parameters: List[str]
    outcomes: List[str]
    seed: int
    runs: int

    def __init__(
        self,
        scenario: ScenarioLike,
        outcomes: Sequence[str],
        runs: int = 100,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        statistic: str = "mean",
        fields: Optional[Mapping[str, str]] = None,
    ) -> None:
        if statistic not in STATISTICS:
            raise ScenarioError(
                f"statistic must be one of {', '.join(STATISTICS)}, got {statistic!r}"
            )
        if isinstance(outcomes, str):
            raise TypeError("outcomes is a list of outcome names, not one string")
        self._folder = Path(tempfile.mkdtemp(prefix="secsim-ema-"))
        weakref.finalize(self, shutil.rmtree, self._folder, ignore_errors=True)
        self._base = self._base_file(scenario)
        # One replication tells the scenario's seed, outcomes and uncertain parameters.
        probe = _run(self._base, runs=1, seed=seed, threads=threads)
        known = list(probe.summary["outcomes"])
        unknown = [name for name in outcomes if name not in known]
        if unknown:
            raise ScenarioError(
                f"unknown outcome {', '.join(map(repr, unknown))}: "
                f"{probe.summary['scenario']} has {', '.join(known)}"
            )
        if not outcomes:
            raise ScenarioError(
                f"give at least one outcome: {probe.summary['scenario']} has {', '.join(known)}"
            )
        self.outcomes = list(outcomes)
        self.parameters = _uncertain_names(probe.parameters, probe.events)
        self.seed = int(probe.summary["seed"])
        self.runs = runs
        self._threads = threads
        self._statistic = statistic
        self._fields = dict(fields or {})
        self._scenario_name = probe.summary["scenario"]
        clash = sorted(set(self._fields) & set(self.parameters))
        if clash:
            raise ScenarioError(f"fields {clash} have the names of uncertain parameters")

    def _base_file(self, scenario: ScenarioLike) -> str:
        """An absolute path the experiment file can name as its base."""
        if isinstance(scenario, os.PathLike) or (
            isinstance(scenario, str) and os.path.exists(scenario)
        ):
            return str(Path(scenario).resolve())
        if not isinstance(scenario, str):
            raise TypeError(
                f"a scenario is a path, a library name or RON text, not {type(scenario).__name__}"
            )
        if _is_ron_text(scenario):
            text = scenario
        else:
            # A library scenario: the binary prints it resolved, a file of its own.
            _, text, _ = _secsim.execute(["validate", "--resolved", scenario])
        path = self._folder / f"{_file_stem(text, 'scenario')}.ron"
        path.write_text(text, encoding="utf-8")
        return str(path)

    def experiment_text(self, **values: float) -> str:
        """The experiment file a call with these keyword arguments runs (``secsim batch``)."""
        unknown = [
            name for name in values if name not in self.parameters and name not in self._fields
        ]
        if unknown:
            raise ScenarioError(
                f"unknown parameter {', '.join(map(repr, unknown))}: {self._scenario_name}'s "
                f"uncertain parameters are {', '.join(self.parameters) or 'none'}"
                + (f"; fields: {', '.join(self._fields)}" if self._fields else "")
            )
        if not values:
            raise ScenarioError(
                "give at least one parameter: "
                f"{', '.join(self.parameters + list(self._fields)) or 'the scenario has none'}"
            )
        rows = []
        for name, value in values.items():
            path = self._fields.get(name, f'uncertain["{name}"]')
            rows.append(
                f"        (name: {_ron_string(name)}, path: {_ron_string(path)}, "
                f"values: [{_ron_number(name, value)}]),"
            )
        return "\n".join(
            [
                "Experiment(",
                f"    name: {_ron_string('ema_' + self._scenario_name)},",
                f"    scenarios: [{_ron_string(self._base)}],",
                "    parameters: [",
                *rows,
                "    ],",
                "    design: Grid,",
                f"    runs: {int(self.runs)},",
                f"    seed: {self.seed},",
                ")",
                "",
            ]
        )

    def run_point(self, **values: float) -> Batch:
        """Runs the point and returns the whole :class:`secsim.Batch` (``runs.csv`` too)."""
        text = self.experiment_text(**values)
        folder = Path(tempfile.mkdtemp(dir=self._folder))
        try:
            experiment = folder / "experiment.ron"
            experiment.write_text(text, encoding="utf-8")
            # --quiet: the base's warnings were issued once, by the probe run.
            args = ["batch", str(experiment), "--quiet", "--no-charts"]
            if self._threads is not None:
                args += ["--threads", str(int(self._threads))]
            return _run_into_folder(args, Batch)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def __call__(self, **values: float) -> Dict[str, float]:
        """The outcomes at these parameter values: ``{outcome: statistic of its runs}`` (NaN
        when no run has a value)."""
        point = self.run_point(**values).experiments.iloc[0]
        return {name: float(point[f"{name}_{self._statistic}"]) for name in self.outcomes}

    def __repr__(self) -> str:
        return (
            f"<ScenarioModel {self._scenario_name}: parameters {self.parameters}, "
            f"outcomes {self.outcomes}, {self.runs} runs, seed {self.seed}>"
        )


def _uncertain_names(parameters, events) -> List[str]:
    """parameters.csv's columns after ``run`` and before the events' ``_fired`` and ``_month``
    columns are the uncertain parameters, in the scenario's order."""
    if parameters is None:
        return []
    event_columns = {f"{event}_{suffix}" for event in events for suffix in ("fired", "month")}
    return [column for column in parameters.columns[1:] if column not in event_columns]


def _ron_string(text: str) -> str:
    # JSON's escapes of `"`, `\` and control characters are RON's too; other characters stay.
    return json.dumps(text, ensure_ascii=False)


def _ron_number(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ScenarioError(f"{name} must be a finite number, got {number}")
    # repr: the shortest text that reads back to the same float.
    return repr(number)
