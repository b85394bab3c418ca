"""Shared fixtures and the real-Locust comparison helper.

``run_both(script)`` runs a scenario under real Locust 2.47.0 (the interpreter in
$LOCUST_PYTHON, default /work/venv-locust/bin/python) and under rocust (this
interpreter, through run_under_rocust.py) and returns both JSON results. Tests that
need real Locust are skipped when that interpreter is missing.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest

TESTS = Path(__file__).resolve().parent
PYTHON_DIR = TESTS.parent
SCENARIOS = TESTS / "scenarios"
LOCUST_PYTHON = os.environ.get("LOCUST_PYTHON", "/work/venv-locust/bin/python")

if str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))

has_real_locust = Path(LOCUST_PYTHON).exists()
needs_locust = pytest.mark.skipif(not has_real_locust, reason=f"real Locust interpreter not found: {LOCUST_PYTHON}")


def _parse(proc: "subprocess.CompletedProcess[str]", label: str) -> Any:
    marker = "@@RESULT@@"
    for line in proc.stdout.splitlines():
        if line.startswith(marker):
            return json.loads(line[len(marker) :])
    raise AssertionError(
        f"{label} printed no result (exit {proc.returncode})\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    )


def run_rocust(script: Path, *args: str, timeout: float = 60) -> Any:
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR), PYTHONHASHSEED="0")
    proc = subprocess.run(
        [sys.executable, str(TESTS / "run_under_rocust.py"), str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    return _parse(proc, f"rocust {script.name}")


def run_locust(script: Path, *args: str, timeout: float = 60) -> Any:
    env = dict(os.environ, PYTHONPATH=str(SCENARIOS), PYTHONHASHSEED="0")
    proc = subprocess.run(
        [LOCUST_PYTHON, str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=str(SCENARIOS),
    )
    return _parse(proc, f"locust {script.name}")


@functools.lru_cache(maxsize=None)
def run_both(name: str, *args: str) -> Tuple[Any, Any]:
    """(rocust result, Locust result) of scenarios/<name>.py (cached per session)."""
    script = SCENARIOS / f"{name}.py"
    return run_rocust(script, *args), run_locust(script, *args)


@pytest.fixture
def env() -> Iterator[Any]:
    """A fresh Environment with its own Events."""
    from rocust._locust.env import Environment

    yield Environment()
