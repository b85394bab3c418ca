"""Shared fixtures and the real-Locust comparison helper.

``run_both(script)`` runs a scenario under real Locust 2.47.0 (the interpreter in
$LOCUST_PYTHON, default the venv $ROCUST_LOCUST_VENV or <repo>/.venv-locust) and under rocust
(this interpreter, through run_under_rocust.py) and returns both JSON results. rocust is
the package installed in this interpreter (the wheel scripts/test.sh builds), never the
source tree, which lacks the compiled engine. Tests that need
real Locust are skipped when it is missing, and fail instead in CI and under scripts/test.sh
(see testdeps.py; any other skip fails there too).
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

import testdeps

TESTS = Path(__file__).resolve().parent
PYTHON_DIR = TESTS.parent
SCENARIOS = TESTS / "scenarios"
LOCUST_PYTHON = testdeps.locust_python()

@pytest.fixture
def real_locust() -> str:
    """LOCUST_PYTHON, checked to run Locust 2.47.0 (testdeps.missing otherwise)."""
    why = testdeps.why_no_locust(LOCUST_PYTHON)
    if why is not None:
        testdeps.missing(why)
    return LOCUST_PYTHON


needs_locust = pytest.mark.usefixtures("real_locust")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: "pytest.CallInfo[None]") -> Iterator[None]:
    """In strict mode (CI, scripts/test.sh) a skip is a failure unless it says "not applicable":
    a skipped comparison must not pass for a green one, whoever wrote the skip."""
    outcome = yield
    report = outcome.get_result()
    if not (testdeps.STRICT and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if reason.startswith("Skipped: "):
        reason = reason[len("Skipped: ") :]
    if reason.startswith(testdeps.NOT_APPLICABLE):
        return
    report.outcome = "failed"
    report.longrepr = (
        f"skipped in strict mode (CI or scripts/test.sh), which allows no skip: {reason}\n"
        f"({testdeps.INSTALL_HINT}; a test with nothing to check calls testdeps.not_applicable)"
    )


def _parse(proc: "subprocess.CompletedProcess[str]", label: str) -> Any:
    marker = "@@RESULT@@"
    for line in proc.stdout.splitlines():
        if line.startswith(marker):
            return json.loads(line[len(marker) :])
    raise AssertionError(
        f"{label} printed no result (exit {proc.returncode})\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    )


def run_rocust(script: Path, *args: str, timeout: float = 60) -> Any:
    env = dict(os.environ, PYTHONHASHSEED="0")
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
