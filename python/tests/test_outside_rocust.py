"""``import locust`` outside ``rocust -f``: where rocust is installed and real Locust is
not, scripts, unit tests and ``run_single_user`` get rocust's API and its engine
(started on first use, stopped at exit); where real Locust is installed beside
rocust, it wins.

Each script runs with the interpreter of rocust's venv (next to $ROCUST_CMD, no real
Locust there) and with real Locust's ($LOCUST_PYTHON); their outputs are compared.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from rocust_cli.harness import LoopbackServer, locust_command, rocust_command

HERE = Path(__file__).resolve().parent / "outside_rocust"


def interpreters() -> Dict[str, str]:
    rocust, why = rocust_command()
    assert rocust is not None, why
    locust, why = locust_command()
    assert locust is not None, why
    return {"rocust": str(Path(rocust[0]).parent / "python"), "locust": locust[0]}


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    s = LoopbackServer()
    yield s
    s.close()


def run(python: str, args: List[str], cwd: Path, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "PYTHONPATH"))}
    clean.update(env or {}, HOME=str(cwd))
    return subprocess.run([python, *args], cwd=str(cwd), env=clean, capture_output=True, text=True, timeout=60)


def marks(proc: subprocess.CompletedProcess[str]) -> List[Any]:
    found = []
    for line in proc.stdout.splitlines():
        if line.startswith("@@ "):
            text = line[3:]
            found.append(json.loads(text) if text[:1] in "[{" else text)
    return found


def request_lines(stdout: str) -> List[List[str]]:
    """run_single_user's printed requests: type, name, exception (the time varies)."""
    rows = []
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) >= 4 and cells[0] in ("GET", "POST"):
            rows.append([cells[0], cells[1], cells[3]])
    return rows


@pytest.mark.parametrize("how", ["env", "config", "argv"])
def test_run_single_user_in_python_locustfile(how: str, server: LoopbackServer, tmp_path: Path) -> None:
    results = {}
    for tool, python in interpreters().items():
        cwd = tmp_path / tool
        cwd.mkdir()
        env, args = {}, [str(HERE / "single_user.py")]
        if how == "env":
            env["LOCUST_HOST"] = server.url
        elif how == "config":
            (cwd / "locust.conf").write_text(f"host = {server.url}\n")
        else:
            args += ["--host", server.url]
        proc = run(python, args, cwd, env)
        assert proc.returncode == 0, f"{tool}: {proc.stderr}"
        assert marks(proc) == ["done"], f"{tool}: {proc.stdout}\n{proc.stderr}"
        results[tool] = request_lines(proc.stdout)
    assert results["rocust"] == results["locust"]
    assert [row[:2] for row in results["rocust"]] == [["GET", "/hello"], ["GET", "/missing"], ["GET", "/fail"]] * 2
    assert results["rocust"][1][2].startswith("HTTPError('404 Client Error"), results["rocust"]


def test_a_user_built_in_a_unit_test(server: LoopbackServer, tmp_path: Path) -> None:
    outputs = {}
    for tool, python in interpreters().items():
        proc = run(python, [str(HERE / "unit_test_user.py"), server.url], tmp_path)
        assert proc.returncode == 0, f"{tool}: {proc.stderr}"
        outputs[tool] = marks(proc)
    assert outputs["rocust"] == outputs["locust"]
    assert outputs["rocust"][0][:3] == [200, "ok", 404]


def test_an_http_session_in_a_script(server: LoopbackServer, tmp_path: Path) -> None:
    outputs = {}
    for tool, python in interpreters().items():
        proc = run(python, [str(HERE / "script_session.py"), server.url], tmp_path)
        assert proc.returncode == 0, f"{tool}: {proc.stderr}"
        assert "Traceback" not in proc.stderr, f"{tool}: {proc.stderr}"
        outputs[tool] = marks(proc)
    assert outputs["rocust"] == outputs["locust"]


def test_real_locust_installed_beside_rocust_wins(tmp_path: Path) -> None:
    pythons = interpreters()
    locust_site = subprocess.run(
        [pythons["locust"], "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    code = "import locust, json; print('@@ ' + json.dumps([locust.__file__, locust.__version__]))"
    beside = run(pythons["rocust"], ["-c", code], tmp_path, {"PYTHONPATH": locust_site})
    assert beside.returncode == 0, beside.stderr
    [(path, version)] = marks(beside)
    assert path.startswith(locust_site), path
    assert version == "2.47.0"
    alone = run(pythons["rocust"], ["-c", code], tmp_path)
    assert alone.returncode == 0, alone.stderr
    [(path, _version)] = marks(alone)
    assert "/rocust/_locust/" in path, path
