"""Type hints of the extension module (python/src/lib.rs)."""

from typing import List, Optional, Tuple

class ScenarioError(ValueError):
    """Bad input: what the secsim binary reports with exit code 2, with the same message.

    ``file``, ``line`` and ``column`` say where a scenario file is malformed (None when not
    known); ``problems`` holds an invalid scenario's ``(field path, message)`` pairs.
    """

    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    problems: List[Tuple[str, str]]

def execute(args: List[str]) -> Tuple[int, str, str]:
    """Runs ``secsim ARGS...`` in-process: ``(exit code, stdout, stderr)``."""

def version() -> str:
    """secsim's version."""
