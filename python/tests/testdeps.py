"""What the tests need from outside this package, and what a missing piece does to a run.

The comparison tests are only worth something when they compared: a run that skipped them because
real Locust was not installed must not look green. So a missing dependency (real Locust 2.47.0,
the installed `rocust` command, ...) is

- a skip, with the reason, when the tests are run by hand (`python -m pytest python/tests/...`);
- a failure, with the reason and how to install it, under CI (`CI` set) and under
  scripts/test.sh (which sets ROCUST_REQUIRE_TEST_DEPS=1).

Tests call `missing(why)` instead of `pytest.skip(why)`; conftest.py also turns any other skip into
a failure in strict mode, except `not_applicable(why)` (a test that has nothing to check for this
parameter, whatever is installed).

The browser tests (web/test_browser.py) need Chromium, its ChromeDriver (Debian's `chromium` and
`chromium-driver`, or $ROCUST_CHROMIUM and $ROCUST_CHROMEDRIVER) and the `selenium` package in
this interpreter: `why_no_browser()` says which is missing.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NoReturn, Optional, Tuple

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCUST_VERSION = "2.47.0"
NOT_APPLICABLE = "not applicable: "
INSTALL_HINT = "bash scripts/install-test-deps.sh installs the test dependencies"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


# CI (the `CI` variable, as CI services set it) or scripts/test.sh: every dependency is required.
STRICT = _flag("CI") or _flag("ROCUST_REQUIRE_TEST_DEPS")


def missing(why: str) -> NoReturn:
    """A dependency of this test is missing: skip by hand, fail in CI and under scripts/test.sh."""
    if STRICT:
        pytest.fail(f"missing test dependency: {why}\n({INSTALL_HINT}; in CI nothing is skipped)", pytrace=False)
    pytest.skip(why)


def not_applicable(why: str) -> NoReturn:
    """Nothing to check for this parameter: a skip that strict mode accepts."""
    pytest.skip(NOT_APPLICABLE + why)


def locust_venv() -> Path:
    """The venv holding real Locust: $ROCUST_LOCUST_VENV, else <repo>/.venv-locust."""
    return Path(os.environ.get("ROCUST_LOCUST_VENV") or REPO_ROOT / ".venv-locust")


def locust_python() -> str:
    """The interpreter that runs real Locust: $LOCUST_PYTHON, else the Locust venv's python."""
    return os.environ.get("LOCUST_PYTHON") or str(locust_venv() / "bin" / "python")


@functools.lru_cache(maxsize=None)
def why_no_locust(python: Optional[str] = None) -> Optional[str]:
    """None when `python` (default locust_python()) runs Locust 2.47.0, else what is wrong."""
    python = python or locust_python()
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return f"real Locust's interpreter not found: {python} (set LOCUST_PYTHON or ROCUST_LOCUST_VENV)"
    try:
        proc = subprocess.run(
            [python, "-c", "import importlib.metadata as m; print(m.version('locust'))"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{python} does not run: {e}"
    version = proc.stdout.strip()
    if proc.returncode != 0 or version != LOCUST_VERSION:
        return f"{python} has locust {version or 'not installed'}, the tests compare with {LOCUST_VERSION}"
    return None


BROWSER_INSTALL_HINT = (
    "bash scripts/install-test-deps.sh installs chromium and chromium-driver (apt-get), "
    "scripts/install-python-package.sh installs selenium (scripts/requirements/test.txt)"
)


def chromium_binary() -> Optional[str]:
    """The Chromium the browser tests drive: $ROCUST_CHROMIUM, else `chromium` on PATH."""
    return os.environ.get("ROCUST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def chromedriver_binary() -> Optional[str]:
    """Its ChromeDriver: $ROCUST_CHROMEDRIVER, else `chromedriver` on PATH (Debian's chromium-driver)."""
    return os.environ.get("ROCUST_CHROMEDRIVER") or shutil.which("chromedriver")


def _major_version(command: str) -> Tuple[Optional[int], str]:
    """The major version `command --version` prints ("Chromium 156.0...", "ChromeDriver 156.0...")."""
    try:
        proc = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"{command} --version does not run: {e}"
    match = re.search(r"\b(\d+)\.\d+\.\d+", proc.stdout)
    if proc.returncode != 0 or match is None:
        return None, f"{command} --version failed (exit {proc.returncode}): {(proc.stdout + proc.stderr).strip()[:300]}"
    return int(match.group(1)), proc.stdout.strip()


@functools.lru_cache(maxsize=None)
def why_no_browser() -> Optional[str]:
    """None when the browser tests can run (selenium, Chromium and a matching ChromeDriver), else
    what is missing and how to install it."""
    problems = []
    if importlib.util.find_spec("selenium") is None:
        problems.append(f"the selenium package is not installed in {sys.executable}")
    chromium = chromium_binary()
    driver = chromedriver_binary()
    if chromium is None or not _runnable(chromium):
        where = chromium or "no chromium on PATH"
        problems.append(f"Chromium not found ({where}; apt-get install chromium, or set ROCUST_CHROMIUM)")
    if driver is None or not _runnable(driver):
        where = driver or "no chromedriver on PATH"
        problems.append(f"ChromeDriver not found ({where}; apt-get install chromium-driver, or set ROCUST_CHROMEDRIVER)")
    if not problems:
        assert chromium is not None and driver is not None
        browser_major, browser_text = _major_version(chromium)
        driver_major, driver_text = _major_version(driver)
        if browser_major is None:
            problems.append(browser_text)
        elif driver_major is None:
            problems.append(driver_text)
        elif browser_major != driver_major:
            problems.append(f"ChromeDriver does not match Chromium: {driver_text!r} drives {browser_text!r}")
    if not problems:
        return None
    return "the browser tests cannot run: " + "; ".join(problems) + f" ({BROWSER_INSTALL_HINT})"


def _runnable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)
