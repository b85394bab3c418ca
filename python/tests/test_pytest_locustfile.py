"""pytest-style locustfiles (issue 7, item 12): a file of ``test_*`` functions taking
the ``session`` / ``fastsession`` fixtures.

- ``rocust -f test_file.py`` runs each function as a user, as ``locust -f`` does: the
  same requests are recorded, a request error the test lets escape is swallowed and
  the function restarts.
- plain ``pytest test_file.py -H host`` runs the same file as tests where rocust is
  installed and Locust is not (rocust's pytest plugin provides the fixtures), with
  the outcomes real Locust's plugin gives.
- with real Locust installed beside rocust, Locust's plugin serves the fixtures and
  rocust's stays out: no "Multiple fixtures found" when loading the file, no clash
  of the ``--host`` option.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import testdeps
from conftest import LOCUST_PYTHON, needs_locust
from rocust_cli.harness import LoopbackServer, RunPool, RunResult, RunSpec

LOCUSTFILE = '''
import time

import gevent
from locust import events
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpSession


def test_index(session: HttpSession):
    time.sleep(0.05)  # users of pytest-style locustfiles have no wait_time
    session.get("/index")
    response = session.get("/missing")  # a 404: a failure in the stats
    response.raise_for_status()  # under locust -f: swallowed, the function starts over
    session.get("/never")


def test_fast(fastsession: FastHttpSession):
    with fastsession.get("/fast", catch_response=True) as response:
        if response.text != "ok":
            response.failure("unexpected body")
    time.sleep(0.05)


def helper(session):  # not a test: never a user
    session.get("/helper")


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # Locust 2.47 counts -t from gevent's cached loop time, stale by its start-up (which
    # collects this file with pytest): refresh it so -t counts from here.
    gevent.get_hub().loop.update_now()
'''


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    s = LoopbackServer()
    try:
        yield s
    finally:
        s.close()


# -- rocust -f / locust -f --------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(server: LoopbackServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunPool]:
    pool = RunPool(tmp_path_factory.mktemp("pytest_lf"), server.url, 2)
    args = ("-f", "test_lf.py", "--headless", "-u", "2", "-r", "10", "-t", "3", "-H", "{host}", "--csv", "out")
    for tool in ("rocust", "locust"):
        pool.submit(f"run/{tool}", RunSpec(tool=tool, args=args, files=(("test_lf.py", LOCUSTFILE),)))
    try:
        yield pool
    finally:
        pool.close()


def _stats(result: RunResult) -> Dict[Tuple[str, str], Tuple[int, int]]:
    """(method, name) -> (requests, failures) from the stats CSV, total left out."""
    rows = list(csv.DictReader(io.StringIO(result.file("out_stats.csv").read_text())))
    return {
        (r["Type"], r["Name"]): (int(r["Request Count"]), int(r["Failure Count"]))
        for r in rows
        if r["Name"] != "Aggregated"
    }


def test_functions_run_as_users_like_locust(runs: RunPool) -> None:
    rocust, locust = runs.get("run/rocust"), runs.get("run/locust")
    if rocust.skipped:
        testdeps.missing(rocust.skipped)
    results = [rocust] + ([] if locust.skipped else [locust])
    for result in results:
        assert not result.timed_out and result.exit_code == 1, result.context()  # failures: exit code 1
        stats = _stats(result)
        assert set(stats) == {("GET", "/index"), ("GET", "/missing"), ("GET", "/fast")}, result.context()
        index, missing, fast = stats[("GET", "/index")], stats[("GET", "/missing")], stats[("GET", "/fast")]
        # raise_for_status() restarted the function: every /index is followed by a failed /missing.
        assert index[0] >= 3 and index[1] == 0 and missing[1] == missing[0], result.context()
        assert abs(index[0] - missing[0]) <= 2, result.context()
        assert fast[0] >= 3 and fast[1] == 0, result.context()


# -- plain pytest -----------------------------------------------------------------------------


def _pytest(python: str, directory: Path, host: str, extra_path: str = "") -> "subprocess.CompletedProcess[str]":
    """``python -m pytest test_lf.py -H host`` in ``directory`` (``extra_path`` is
    appended to sys.path first: a package installed beside the interpreter's own)."""
    code = textwrap.dedent(
        f"""
        import sys
        if {extra_path!r}:
            sys.path.append({extra_path!r})
        import pytest
        sys.exit(pytest.main(["-p", "no:cacheprovider", "-rA", "test_lf.py", "-H", {host!r}]))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "PYTEST_"))}
    env["HOME"] = str(directory)
    return subprocess.run(
        [python, "-c", code], cwd=str(directory), env=env, capture_output=True, text=True, timeout=120
    )


def _outcomes(proc: "subprocess.CompletedProcess[str]") -> Dict[str, str]:
    """test name -> PASSED/FAILED/ERROR from pytest's -rA summary."""
    found: Dict[str, str] = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("PASSED", "FAILED", "ERROR") and "::" in parts[1]:
            found[parts[1].split("::")[-1]] = parts[0]
    return found


def test_plain_pytest_runs_the_file_where_only_rocust_is_installed(server: LoopbackServer, tmp_path: Path) -> None:
    (tmp_path / "test_lf.py").write_text(LOCUSTFILE)
    ours = _pytest(sys.executable, tmp_path, server.url)
    want = {"test_index": "FAILED", "test_fast": "PASSED"}
    assert _outcomes(ours) == want, ours.stdout + ours.stderr
    assert "HTTPError" in ours.stdout and "404" in ours.stdout, ours.stdout
    if testdeps.why_no_locust() is None:
        theirs = _pytest(LOCUST_PYTHON, tmp_path, server.url)
        assert _outcomes(theirs) == want, theirs.stdout + theirs.stderr


def test_rocust_plugin_provides_the_fixtures_and_host_option(tmp_path: Path) -> None:
    """Collection only: the fixtures and ``-H`` exist under plain pytest."""
    (tmp_path / "test_lf.py").write_text(LOCUSTFILE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "PYTEST_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--fixtures", "-H", "http://127.0.0.1:1"],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "rocust/_pytest_fixtures.py" in proc.stdout, proc.stdout
    for fixture in ("session", "fastsession"):
        assert any(line.startswith(f"{fixture} ") or line == fixture for line in proc.stdout.splitlines()), proc.stdout


def _locust_site_packages() -> str:
    out = subprocess.run(
        [LOCUST_PYTHON, "-c", "import locust, os; print(os.path.dirname(os.path.dirname(locust.__file__)))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.stdout.strip()


LOADER = """
import json, sys
from gevent import monkey
monkey.patch_all()  # as under rocust -f: first thing, before ssl is imported
sys.path.append(sys.argv[2])
from rocust import _import_hook
_import_hook.install()  # as under rocust -f: the file imports locust
from rocust._locust.util.load_locustfile import load_locustfile_pytest
users = load_locustfile_pytest(sys.argv[1])
print(json.dumps({
    name: [f.fixturedef.func.__module__ for f in cls.functions] for name, cls in sorted(users.items())
}))
"""


@pytest.mark.parametrize("beside", ["nothing", "locust"])
def test_loading_finds_one_fixture_whichever_plugins_are_installed(tmp_path: Path, beside: str) -> None:
    """rocust's loader collects the file through pytest: with rocust alone its own
    fixtures are found; with real Locust beside it, Locust's, and only those (two
    definitions would stop the load with "Multiple fixtures found")."""
    why = testdeps.why_no_locust() if beside == "locust" else None
    if why is not None:
        testdeps.missing(why)
    path = tmp_path / "test_lf.py"
    path.write_text(LOCUSTFILE)
    extra = _locust_site_packages() if beside == "locust" else ""
    proc = subprocess.run(
        [sys.executable, "-c", LOADER, str(path), extra or str(tmp_path)],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    modules: Dict[str, List[str]] = json.loads(proc.stdout.strip().splitlines()[-1])
    provider = "pytest_locust.plugin" if beside == "locust" else "rocust._pytest_fixtures"
    assert modules == {"test_fast": [provider], "test_index": [provider]}


@needs_locust
def test_plain_pytest_with_locust_beside_uses_locusts_plugin(server: LoopbackServer, tmp_path: Path) -> None:
    """Both plugins loaded in one pytest run: no option clash, Locust's fixtures win."""
    (tmp_path / "test_lf.py").write_text(
        LOCUSTFILE
        + "\n\ndef test_provider(session):\n"
        + "    assert type(session).__module__ == 'locust.clients', type(session).__module__\n"
    )
    proc = _pytest(sys.executable, tmp_path, server.url, extra_path=_locust_site_packages())
    assert _outcomes(proc) == {"test_index": "FAILED", "test_fast": "PASSED", "test_provider": "PASSED"}, (
        proc.stdout + proc.stderr
    )
