"""The rule that keeps CI honest: in strict mode (CI, scripts/test.sh) a test that skips for want of
a dependency fails, whoever wrote the skip; by hand it is skipped. Checked by running a small test
file under pytest with this directory's conftest.py as a plugin, in both modes."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict

import pytest

TESTS = Path(__file__).resolve().parent

SAMPLE = """
import pytest
import testdeps

def test_plain_skip():
    pytest.skip("wrk not found")

def test_missing_dependency():
    testdeps.missing("real Locust not found")

@pytest.mark.skipif(True, reason="marked skip")
def test_marked_skip():
    pass

def test_not_applicable():
    testdeps.not_applicable("no share comparison for this case")

@pytest.mark.xfail(reason="known bug", strict=True)
def test_expected_failure():
    assert False

def test_passes():
    pass
"""


def _outcomes(tmp_path: Path, strict: bool) -> Dict[str, str]:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "ROCUST_REQUIRE_TEST_DEPS")}
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")])
    if strict:
        env["ROCUST_REQUIRE_TEST_DEPS"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--junitxml", str(tmp_path / "report.xml"), str(tmp_path / "test_sample.py")],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert (tmp_path / "report.xml").exists(), proc.stdout + proc.stderr
    outcomes: Dict[str, str] = {}
    for case in ET.parse(tmp_path / "report.xml").iter("testcase"):
        outcome = "PASSED"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "FAILED"
            elif child.tag == "skipped":
                outcome = "XFAIL" if child.get("type") == "pytest.xfail" else "SKIPPED"
        outcomes[case.get("name", "")] = outcome
    assert len(outcomes) == 6, proc.stdout + proc.stderr
    return outcomes


def test_by_hand_a_missing_dependency_skips(tmp_path: Path) -> None:
    assert _outcomes(tmp_path, strict=False) == {
        "test_plain_skip": "SKIPPED",
        "test_missing_dependency": "SKIPPED",
        "test_marked_skip": "SKIPPED",
        "test_not_applicable": "SKIPPED",
        "test_expected_failure": "XFAIL",
        "test_passes": "PASSED",
    }


def test_in_strict_mode_every_skip_but_not_applicable_fails(tmp_path: Path) -> None:
    assert _outcomes(tmp_path, strict=True) == {
        "test_plain_skip": "FAILED",
        "test_missing_dependency": "FAILED",
        "test_marked_skip": "FAILED",
        "test_not_applicable": "SKIPPED",
        "test_expected_failure": "XFAIL",
        "test_passes": "PASSED",
    }


@pytest.mark.parametrize("value, strict", [("true", True), ("1", True), ("", False), ("0", False), ("false", False)])
def test_ci_variable_turns_strict_mode_on(value: str, strict: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "ROCUST_REQUIRE_TEST_DEPS")}
    env["CI"] = value
    env["PYTHONPATH"] = str(TESTS)
    proc = subprocess.run(
        [sys.executable, "-c", "import testdeps; print(testdeps.STRICT)"], env=env, capture_output=True, text=True
    )
    assert proc.stdout.strip() == str(strict), proc.stderr


def test_a_missing_browser_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser tests' check (web/test_browser.py) names what is missing and how to install it."""
    import testdeps

    monkeypatch.setenv("ROCUST_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("ROCUST_CHROMEDRIVER", "/nonexistent/chromedriver")
    why = testdeps.why_no_browser.__wrapped__()  # not the cached answer
    assert why is not None
    assert "Chromium not found (/nonexistent/chromium;" in why, why
    assert "ChromeDriver not found (/nonexistent/chromedriver;" in why, why
    assert "apt-get install chromium-driver" in why and "scripts/install-test-deps.sh" in why, why
