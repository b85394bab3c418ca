"""Runs a locustfile under a tool (real Locust or rocust) against its own recording server and
collects what the comparisons need: exit code, stats CSV rows, the JSON stats, failures and
exceptions CSVs, and the server's record.

Tools:
- real Locust: ``$LOCUST_PYTHON -m locust`` (default: testdeps.locust_python());
- rocust: ``$ROCUST_CMD`` split with shlex, default the ``rocust`` script next to sys.executable.
  Set ROCUST_CMD="$LOCUST_PYTHON -m locust" to check the harness (Locust vs itself).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import testdeps

from .server import ClosedPort, Recorded, RecordingServer

HERE = Path(__file__).resolve().parent
LOCUSTFILES = HERE / "locustfiles"
RUN_TIMEOUT_S = 60.0

RowKey = Tuple[str, str]
"""(method, name) of a stats row; the total row is ("", "Aggregated")."""

AGGREGATED: RowKey = ("", "Aggregated")


@dataclass(frozen=True)
class Tool:
    name: str
    command: Tuple[str, ...]


def _runnable(first: str) -> bool:
    if os.sep in first:
        return Path(first).is_file() and os.access(first, os.X_OK)
    return shutil.which(first) is not None


def locust_tool() -> Tuple[Optional[Tool], str]:
    """Real Locust, or None and the reason it is missing."""
    python = testdeps.locust_python()
    why = testdeps.why_no_locust(python)
    if why is not None:
        return None, why
    return Tool("locust", (python, "-m", "locust")), ""


def rocust_tool() -> Tuple[Optional[Tool], str]:
    """rocust ($ROCUST_CMD or the script next to sys.executable), or None and the reason."""
    raw = os.environ.get("ROCUST_CMD")
    if raw:
        parts = tuple(shlex.split(raw))
        if not parts or not _runnable(parts[0]):
            return None, f"ROCUST_CMD is set but not runnable: {raw!r}"
        return Tool("rocust", parts), ""
    script = Path(sys.executable).parent / "rocust"
    if not _runnable(str(script)):
        return None, f"rocust not installed: {script} missing (pip install . or set ROCUST_CMD)"
    return Tool("rocust", (str(script),)), ""


@dataclass
class ToolRun:
    """What one run of one locustfile under one tool produced."""

    tool: str
    command: List[str]
    exit_code: Optional[int]
    stdout: str
    stderr: str
    seconds: float
    port: int
    closed_port: int
    stats_csv: Dict[RowKey, Dict[str, str]] = field(default_factory=dict)
    json_entries: Dict[RowKey, Dict[str, Any]] = field(default_factory=dict)
    failures: Set[Tuple[str, str, str]] = field(default_factory=set)
    exceptions: Set[str] = field(default_factory=set)
    records: List[Recorded] = field(default_factory=list)
    missing_outputs: List[str] = field(default_factory=list)

    @property
    def rows(self) -> Set[RowKey]:
        """Stats rows: the CSV (Locust's lags up to a second, so it can miss late rows) and the JSON
        written at shutdown."""
        return set(self.stats_csv) | set(self.json_entries)

    def counts(self) -> Dict[RowKey, int]:
        return {k: int(e["num_requests"]) for k, e in self.json_entries.items()}

    def failure_counts(self) -> Dict[RowKey, int]:
        return {k: int(e["num_failures"]) for k, e in self.json_entries.items()}

    def normalise(self, text: str) -> str:
        return normalise_ports(text, {self.port: "{PORT}", self.closed_port: "{CLOSED_PORT}"})

    def context(self, tail: int = 1500) -> str:
        """A short description for assertion messages."""
        missing = f" missing outputs: {', '.join(self.missing_outputs)};" if self.missing_outputs else ""
        return (
            f"[{self.tool}] exit {self.exit_code} after {self.seconds:.1f}s;{missing} command: "
            f"{shlex.join(self.command)}\n--- stderr tail ---\n{self.stderr[-tail:]}"
        )


def normalise_ports(text: str, ports: Mapping[int, str]) -> str:
    for port, label in ports.items():
        text = re.sub(rf"(?<!\d){port}(?!\d)", label, text)
    return text


def _read_csv(path: Path) -> Optional[List[Dict[str, str]]]:
    if not path.exists():
        return None
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _collect(run: ToolRun, prefix: Path) -> None:
    stats = _read_csv(Path(f"{prefix}_stats.csv"))
    if stats is None:
        run.missing_outputs.append("_stats.csv")
    else:
        run.stats_csv = {(r["Type"], r["Name"]): r for r in stats}
    failures = _read_csv(Path(f"{prefix}_failures.csv"))
    if failures is None:
        run.missing_outputs.append("_failures.csv")
    else:
        run.failures = {(r["Method"], r["Name"], run.normalise(r["Error"])) for r in failures}
    exceptions = _read_csv(Path(f"{prefix}_exceptions.csv"))
    if exceptions is None:
        run.missing_outputs.append("_exceptions.csv")
    else:
        run.exceptions = {run.normalise(r["Message"]) for r in exceptions}
    json_path = Path(f"{prefix}.json")
    if not json_path.exists():
        run.missing_outputs.append(".json")
    else:
        try:
            entries = json.loads(json_path.read_text(encoding="utf-8"))
            run.json_entries = {(e["method"], e["name"]): e for e in entries}
        except (ValueError, KeyError, TypeError) as exc:
            run.missing_outputs.append(f".json (unreadable: {exc})")


def _child_env(extra: Mapping[str, str]) -> Dict[str, str]:
    # LOCUST_* settings of the calling shell must not change what the tools run.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run_tool(
    tool: Tool,
    locustfile: Path,
    args: Sequence[str],
    workdir: Path,
    *,
    pass_host: bool = True,
    env: Optional[Mapping[str, str]] = None,
    env_for: Optional[Callable[[RecordingServer], Mapping[str, str]]] = None,
    timeout: float = RUN_TIMEOUT_S,
) -> ToolRun:
    """Run ``tool -f locustfile --headless --csv P --json-file P [-H server] args`` in ``workdir``
    against a fresh recording server and a refused loopback port (CONFORMANCE_CLOSED_PORT)."""
    workdir.mkdir(parents=True, exist_ok=True)
    prefix = workdir / "out"
    with RecordingServer() as server, ClosedPort() as closed:
        extra = {"CONFORMANCE_CLOSED_PORT": str(closed.port), "CONFORMANCE_HOST": server.url}
        extra.update(env or {})
        if env_for is not None:
            extra.update(env_for(server))
        command = [*tool.command, "-f", str(locustfile), "--headless", "--csv", str(prefix)]
        command += ["--json-file", str(prefix)]
        if pass_host:
            command += ["-H", server.url]
        command += list(args)
        started = time.monotonic()
        try:
            proc = subprocess.run(
                command,
                cwd=str(workdir),
                env=_child_env(extra),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            exit_code: Optional[int] = proc.returncode
            stdout, stderr = proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            exit_code = None
            stdout = _text(exc.stdout)
            stderr = _text(exc.stderr) + f"\n[harness] killed after {timeout:.0f}s"
        seconds = time.monotonic() - started
        run = ToolRun(
            tool=tool.name,
            command=command,
            exit_code=exit_code,
            stdout=stdout,
            stderr=stderr,
            seconds=seconds,
            port=server.port,
            closed_port=closed.port,
        )
        run.records = server.records()
    _collect(run, prefix)
    return run


def _text(data: Any) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)


def run_in_parallel(jobs: Iterable[Callable[[], ToolRun]]) -> List[ToolRun]:
    """Run jobs concurrently (each is a subprocess plus its own server); results in job order."""
    job_list = list(jobs)
    with ThreadPoolExecutor(max_workers=max(1, len(job_list))) as pool:
        futures = [pool.submit(job) for job in job_list]
        return [f.result() for f in futures]


class RunCache:
    """Runs each key once per session (thread-safe), in a fresh folder under ``root``."""

    def __init__(self, root: Optional[Path] = None) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="rocust-conformance-"))
        self._lock = threading.Lock()
        self._done: Dict[str, Any] = {}

    def folder(self, *parts: str) -> Path:
        path = self.root.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def get(self, key: str, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._done:
                self._done[key] = make()
            return self._done[key]
