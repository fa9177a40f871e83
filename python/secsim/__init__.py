"""secsim from Python: run scenarios and get pandas data frames, with the CLI's numbers.

Every function here runs the very command the ``secsim`` binary runs, in-process (the Rust
extension ``secsim._secsim`` parses the same arguments into the same command and calls it with
Python's global interpreter lock released), into a temporary results folder, then reads that
folder. So a result's files are the files ``secsim run`` writes for the same scenario, seed and
runs, byte for byte, and its data frames are those files read with pandas.

A scenario may be given as a path to a RON file, as the name of a scenario in the binary's
library (where the binary has one: ``secsim scenarios`` lists them), or as RON text (a string
that is not an existing file and holds a ``(``); RON text is written to a temporary file named
after its ``name`` field, so that results are named as the CLI would name them.

    >>> import secsim
    >>> result = secsim.run("scenarios/niger_realignment.ron", runs=2000, seed=7)
    >>> result.outcomes["attacks_total"].describe()
    >>> result.summary["outcomes"]["attacks_total"]["p95"]
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
import warnings
import weakref
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import pandas as pd

from . import _secsim
from ._secsim import ScenarioError

__all__ = [
    "ScenarioError",
    "Result",
    "Comparison",
    "Batch",
    "Sensitivity",
    "run",
    "compare",
    "batch",
    "sensitivity",
    "validate",
    "execute",
    "version",
]

ScenarioLike = Union[str, "os.PathLike[str]"]

# Where an error raised here in Python (a bad keyword argument) knows no file position: the
# extension sets these on the errors of scenario files.
ScenarioError.file = None
ScenarioError.line = None
ScenarioError.column = None
ScenarioError.problems = []

# The CLI's exit codes (src/commands/mod.rs).
_EXIT_SUCCESS = 0
_EXIT_BAD_INPUT = 2


def version() -> str:
    """The version of secsim compiled into this package (as ``secsim --version`` prints it)."""
    return _secsim.version()


def execute(*args: Union[str, "os.PathLike[str]"]) -> Tuple[int, str, str]:
    """Runs ``secsim ARGS...`` in-process and returns ``(exit_code, stdout, stderr)``.

    The escape hatch for any command or option this package has no function for, e.g.
    ``secsim.execute("check", "scenarios/niger_baseline.ron", "--baseline", "base.json")``.
    Raises :class:`ScenarioError` (the message the binary prints after ``error:``) where the
    binary exits with code 2 on an error, and ``KeyboardInterrupt`` on Ctrl-C, which stops the
    command where it stops the binary (a run at the end of a group of blocks).
    """
    return _secsim.execute([os.fspath(arg) for arg in args])


# --- Results ------------------------------------------------------------------------------


# The files hold the shortest text that reads back to the same bits. Before pandas 3 the
# default parser could be off by an ulp; pandas 3 reads them exactly and deprecates the option.
_PANDAS_BEFORE_3 = int(pd.__version__.split(".")[0]) < 3


def _read_csv(path: Path) -> pd.DataFrame:
    if _PANDAS_BEFORE_3:
        return pd.read_csv(path, float_precision="round_trip")
    return pd.read_csv(path)


def _read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as file:
        return json.load(file)


class _Folder:
    """A results folder written by a command, removed when the object is no longer used
    (unless it is a subfolder of another result, whose owner removes it)."""

    folder: Path
    text: str
    # What keeps this folder from being removed while it is used: the result it is part of.
    _owner: Optional["_Folder"] = None

    def __init__(self, folder: Path, text: str, owner: Optional[Path] = None) -> None:
        self.folder = folder
        #: What the command printed (the results table), as the CLI prints it.
        self.text = text
        if owner is not None:
            self._cleanup = weakref.finalize(self, shutil.rmtree, owner, ignore_errors=True)

    @property
    def manifest(self) -> Dict[str, Any]:
        """``manifest.json``: where the results came from (version, seed, runs, threads...)."""
        return _read_json(self.folder / "manifest.json")

    def files(self) -> List[str]:
        """The files of the results folder, as paths relative to it, sorted."""
        return sorted(
            path.relative_to(self.folder).as_posix()
            for path in self.folder.rglob("*")
            if path.is_file()
        )

    def write(self, folder: Union[str, "os.PathLike[str]"], force: bool = False) -> Path:
        """Copies the results folder to ``folder``, file for file: the same files the CLI
        writes. ``folder`` must not exist unless ``force`` is true, which replaces it. The copy
        is made beside it and moved into place when complete, so a failure leaves nothing
        half-written. Returns the folder's path."""
        destination = Path(folder)
        if destination.exists() and not force:
            raise FileExistsError(
                f"{destination} exists; choose another folder, or pass force=True to replace it"
            )
        partial = destination.with_name(f".{destination.name}.partial-{uuid.uuid4().hex[:12]}")
        try:
            shutil.copytree(self.folder, partial)
            if destination.is_dir():
                shutil.rmtree(destination)
            elif destination.exists():
                destination.unlink()
            os.replace(partial, destination)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return destination

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<{type(self).__name__} in {self.folder}>"


class Result(_Folder):
    """The results of one scenario's runs (``secsim run``), as data frames.

    Attributes:
        outcomes: ``outcomes.csv``: ``run``, then one column per outcome, one row per
            replication (NaN where a replication has no value).
        timeseries: ``timeseries.csv``: ``metric, actor, month, date, mean, sd, p05, p25, p50,
            p75, p95``.
        summary: ``summary.json`` as a dict.
        events: ``summary.json``'s ``events``: per event its probability and months.
        parameters: ``parameters.csv`` (each run's uncertain parameter values and event
            months), or None when the scenario has neither or ``parameters=False`` was given.
        folder: the results folder (temporary: use :meth:`write` to keep it).
        text: the table the CLI prints.
    """

    outcomes: pd.DataFrame
    timeseries: pd.DataFrame
    summary: Dict[str, Any]
    events: Dict[str, Any]
    parameters: Optional[pd.DataFrame]

    def __init__(self, folder: Path, text: str, owner: Optional[Path] = None) -> None:
        super().__init__(folder, text, owner)
        self.summary = _read_json(folder / "summary.json")
        self.events = self.summary.get("events", {})
        self.outcomes = _read_csv(folder / "outcomes.csv")
        self.timeseries = _read_csv(folder / "timeseries.csv")
        parameters = folder / "parameters.csv"
        self.parameters = _read_csv(parameters) if parameters.exists() else None


class Comparison(_Folder):
    """The results of ``secsim compare``.

    Attributes:
        comparison: ``comparison.csv``: per outcome and scenario its summary and its paired
            difference from the first scenario.
        results: each scenario's own results (a :class:`Result`), by the name of its
            subfolder (the scenario file's stem), in the order given.
    """

    comparison: pd.DataFrame
    results: Dict[str, Result]

    def __init__(self, folder: Path, text: str, owner: Optional[Path] = None) -> None:
        super().__init__(folder, text, owner)
        self.comparison = _read_csv(folder / "comparison.csv")
        self.results = {}
        for scenario in dict.fromkeys(self.comparison["scenario"]):
            for sub in sorted(path for path in folder.iterdir() if path.is_dir()):
                if (sub / "summary.json").exists() and sub.name not in self.results:
                    if _read_json(sub / "summary.json").get("scenario") == scenario:
                        result = Result(sub, "")
                        # The comparison owns the folder: keep it alive while a result is used.
                        result._owner = self
                        self.results[sub.name] = result
                        break


class Batch(_Folder):
    """The results of ``secsim batch``.

    Attributes:
        experiments: ``experiments.csv``: one row per design point, its parameters and per
            outcome ``<outcome>_mean, _p05, _p50, _p95``.
        runs: ``runs.csv``: ``point, run``, the parameters and the outcomes, one row per
            replication.
    """

    experiments: pd.DataFrame
    runs: pd.DataFrame

    def __init__(self, folder: Path, text: str, owner: Optional[Path] = None) -> None:
        super().__init__(folder, text, owner)
        self.experiments = _read_csv(folder / "experiments.csv")
        self.runs = _read_csv(folder / "runs.csv")


class Sensitivity(_Folder):
    """The results of ``secsim sensitivity``.

    Attributes:
        indices: ``sensitivity.csv``: Sobol indices (``s1, st`` and their intervals) or Morris
            measures (``mu_star, sigma, ...``), one row per outcome and parameter.
        points: ``points.csv``: each design point's parameter values and mean outcomes.
    """

    indices: pd.DataFrame
    points: pd.DataFrame

    def __init__(self, folder: Path, text: str, owner: Optional[Path] = None) -> None:
        super().__init__(folder, text, owner)
        self.indices = _read_csv(folder / "sensitivity.csv")
        self.points = _read_csv(folder / "points.csv")


# --- Arguments ----------------------------------------------------------------------------

_NAME_FIELD = re.compile(r"\bname\s*:\s*\"([^\"]*)\"")


def _is_ron_text(text: str) -> bool:
    return "(" in text and not os.path.exists(text)


def _file_stem(text: str, fallback: str) -> str:
    """A file name for RON text: its first ``name`` field, in the characters a file name may
    safely hold."""
    found = _NAME_FIELD.search(text)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", found.group(1)).strip("._") if found else ""
    return stem or fallback


class _Inputs:
    """Scenario arguments as the CLI takes them: paths and library names as given, RON text
    written to files in a temporary folder (removed by :meth:`close`)."""

    def __init__(self) -> None:
        self._folder: Optional[Path] = None

    def argument(self, scenario: ScenarioLike, fallback: str = "scenario") -> str:
        if not isinstance(scenario, (str, os.PathLike)):
            raise TypeError(
                f"a scenario is a path, a library name or RON text, not {type(scenario).__name__}"
            )
        if isinstance(scenario, os.PathLike) or not _is_ron_text(scenario):
            return os.fspath(scenario)
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="secsim-input-"))
        # A folder per text, so that two texts with the same name do not overwrite each other.
        folder = Path(tempfile.mkdtemp(dir=self._folder))
        path = folder / f"{_file_stem(scenario, fallback)}.ron"
        path.write_text(scenario, encoding="utf-8")
        return str(path)

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> "_Inputs":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _count(name: str, value: Optional[int], minimum: int = 1) -> List[str]:
    """``--name value`` for an optional whole number, checked as the CLI would check it but
    raised as a Python error naming the keyword argument."""
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, not {type(value).__name__}")
    if value < minimum:
        raise ScenarioError(f"{name} must be at least {minimum}, got {value}")
    return [f"--{name}", str(value)]


def _common(
    runs: Optional[int], seed: Optional[int], threads: Optional[int], charts: bool
) -> List[str]:
    # Not --quiet: the scenario's warnings come back as Python warnings, and the CLI's progress
    # bar shows where the CLI would show it (on a terminal's stderr, never in a notebook).
    args = _count("runs", runs) + _count("seed", seed, minimum=0) + _count("threads", threads)
    if not charts:
        args.append("--no-charts")
    return args


def _run_into_folder(args: List[str], kind: type) -> Any:
    """Runs a command that writes a results folder into a fresh temporary one and reads it as
    ``kind``; the folder is removed when the result is, or at once if the command fails."""
    owner = Path(tempfile.mkdtemp(prefix="secsim-"))
    folder = owner / "results"
    try:
        code, stdout, stderr = _secsim.execute(args + ["--out", str(folder)])
        _warn(stderr)
        _raise_for_code(code, stderr)
        return kind(folder, stdout, owner)
    except BaseException:
        shutil.rmtree(owner, ignore_errors=True)
        raise


def _warn(stderr: str, stacklevel: int = 4) -> None:
    """Issues each ``warning:`` line a command printed as a Python warning, attributed to the
    caller of the public function (``stacklevel`` counts from here)."""
    for line in stderr.splitlines():
        if line.startswith("warning: "):
            warnings.warn(line[len("warning: ") :], UserWarning, stacklevel=stacklevel)


def _raise_for_code(code: int, stderr: str) -> None:
    if code == _EXIT_SUCCESS:
        return
    if code == 130:
        raise KeyboardInterrupt(stderr.strip())
    message = _error_text(stderr) or f"secsim exited with code {code}"
    raise ScenarioError(message)


def _error_text(stderr: str) -> str:
    """The errors a command printed, without the ``error: `` prefix and without warnings."""
    blocks: List[str] = []
    for line in stderr.splitlines():
        if line.startswith("error: "):
            blocks.append(line[len("error: ") :])
        elif line.startswith("warning: "):
            continue
        elif blocks:
            blocks[-1] += "\n" + line
    return "\n".join(blocks)


# --- Commands -----------------------------------------------------------------------------


def run(
    scenario: ScenarioLike,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    *,
    charts: bool = False,
    parameters: bool = True,
) -> Result:
    """Runs a scenario's replications, as ``secsim run``, and returns its results.

    Args:
        scenario: a path to a RON file, a library scenario's name, or RON text.
        runs: replications (default: the scenario's ``runs``, else 1000).
        seed: master seed (default: the scenario's ``seed``, else 1).
        threads: worker threads (default: one per core). Results do not depend on it.
        charts: also write ``charts/`` and ``report.html`` (as the CLI does by default; off
            here because a notebook rarely wants them and they take time).
        parameters: write ``parameters.csv`` (``False`` is the CLI's ``--no-parameters``).

    Returns:
        a :class:`Result`: ``.outcomes``, ``.timeseries``, ``.parameters`` (data frames),
        ``.summary``, ``.events`` (dicts), ``.text`` (the printed table) and ``.write(folder)``.

    Raises:
        ScenarioError: a malformed or invalid scenario (with ``file``, ``line``, ``column`` for
            a syntax error and ``problems`` for an invalid one) or a bad argument.
    """
    with _Inputs() as inputs:
        args = ["run", inputs.argument(scenario)] + _common(runs, seed, threads, charts)
        if not parameters:
            args.append("--no-parameters")
        return _run_into_folder(args, Result)


def compare(
    *scenarios: ScenarioLike,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    charts: bool = False,
) -> Comparison:
    """Runs several scenarios with common random numbers and compares each with the first, as
    ``secsim compare``.

    ``runs`` defaults to the largest ``runs`` among the scenarios and ``seed`` to the first
    one's. Returns a :class:`Comparison`: ``.comparison`` (``comparison.csv``) and
    ``.results``, each scenario's :class:`Result` by its file stem.
    """
    if len(scenarios) < 2:
        raise ScenarioError(f"compare needs at least 2 scenarios, got {len(scenarios)}")
    with _Inputs() as inputs:
        names = [
            inputs.argument(scenario, f"scenario_{i + 1}") for i, scenario in enumerate(scenarios)
        ]
        args = ["compare", *names] + _common(runs, seed, threads, charts)
        return _run_into_folder(args, Comparison)


def batch(
    experiment: ScenarioLike,
    threads: Optional[int] = None,
    *,
    charts: bool = False,
) -> Batch:
    """Runs every design point of an experiment file, as ``secsim batch``.

    ``experiment`` is a path or RON text; the experiment sets the runs per point and the seed.
    Base scenarios in RON text are found relative to the temporary file it is written to, so
    give them as absolute paths there. Returns a :class:`Batch`: ``.experiments``
    (``experiments.csv``, one row per point) and ``.runs`` (``runs.csv``, one row per run).
    """
    with _Inputs() as inputs:
        args = ["batch", inputs.argument(experiment, "experiment")] + _common(
            None, None, threads, charts
        )
        return _run_into_folder(args, Batch)


def sensitivity(
    scenario: ScenarioLike,
    method: str = "sobol",
    samples: Optional[int] = None,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    *,
    charts: bool = False,
) -> Sensitivity:
    """Which uncertain parameters drive each outcome, as ``secsim sensitivity``.

    Args:
        method: ``"sobol"`` (first-order and total indices) or ``"morris"`` (screening).
        samples: Sobol's base sample size N (default 64) or Morris' trajectories (default 20).
        runs: replications per design point (default 100).

    Returns a :class:`Sensitivity`: ``.indices`` (``sensitivity.csv``) and ``.points``
    (``points.csv``).
    """
    if method not in ("sobol", "morris"):
        raise ScenarioError(f'method must be "sobol" or "morris", got {method!r}')
    with _Inputs() as inputs:
        args = ["sensitivity", inputs.argument(scenario), "--method", method]
        args += _count("samples", samples) + _common(runs, seed, threads, charts)
        return _run_into_folder(args, Sensitivity)


def validate(*scenarios: ScenarioLike) -> Dict[str, str]:
    """Checks scenario and experiment files without running them, as ``secsim validate``.

    Returns, for each scenario as given, what the CLI says of it: the scenario's name, or
    ``experiment NAME, N points of R runs``. Warnings are issued as Python warnings. Raises
    :class:`ScenarioError` with every file's problems when any is invalid; when exactly one
    is, the error carries its ``file``, ``line``, ``column`` and ``problems``.
    """
    if not scenarios:
        raise ScenarioError("validate needs at least 1 scenario")
    with _Inputs() as inputs:
        paths = [inputs.argument(scenario) for scenario in scenarios]
        code, stdout, stderr = _secsim.execute(["validate", *paths])
        _warn(stderr, stacklevel=3)
        if code != _EXIT_SUCCESS:
            failed = [path for path in paths if "ok (" not in _verdict(stdout, path)]
            if len(failed) == 1:
                # Validate reports each file's error as text; loading the one bad file again
                # gives the error itself, with its position, and the same message.
                try:
                    _secsim.execute(["validate", "--resolved", failed[0]])
                except ScenarioError as error:
                    if str(error) == _error_text(stderr):
                        raise error from None
            _raise_for_code(code, stderr)
        return {
            _given(scenario): _verdict(stdout, path).split(": ok (", 1)[1][:-1]
            for scenario, path in zip(scenarios, paths)
        }


def _verdict(stdout: str, path: str) -> str:
    for line in stdout.splitlines():
        if line.startswith(f"{path}: ok ("):
            return line
    return ""


def _given(scenario: ScenarioLike) -> str:
    return os.fspath(scenario) if isinstance(scenario, os.PathLike) else scenario
