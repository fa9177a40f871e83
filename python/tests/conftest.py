"""Shared fixtures: the repository's scenarios and the secsim binary the results are compared
with (the path in $SECSIM, else the one `cargo test --release` builds)."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"


def secsim_binary() -> Path:
    return Path(os.environ.get("SECSIM", REPO / "target" / "release" / "secsim"))


@pytest.fixture(scope="session")
def cli():
    """Runs the secsim binary; returns the completed process (text output)."""
    binary = secsim_binary()
    if not binary.exists():
        pytest.fail(f"no secsim binary at {binary}: build it (cargo build --release) or set SECSIM")

    def run(*args, check=True):
        done = subprocess.run(
            [str(binary), *map(str, args)], capture_output=True, text=True, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(f"secsim {' '.join(map(str, args))}: {done.stderr}")
        return done

    return run


@pytest.fixture(scope="session")
def realignment() -> Path:
    return SCENARIOS / "niger_realignment.ron"


@pytest.fixture(scope="session")
def baseline() -> Path:
    return SCENARIOS / "niger_baseline.ron"
