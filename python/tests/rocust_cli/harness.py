"""Runs `rocust` and real Locust as subprocesses for test_rocust_cli.py.

A run is described by a `RunSpec` (which tool, which locustfile, which arguments, extra files,
an optional signal to send once users run). Every run gets its own working directory, used as
HOME too, so no locust.conf of the machine leaks in. Runs go in parallel on a thread pool;
`{host}` and `{dir}` in arguments become the test server's URL and the run's directory.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import testdeps

LOCUSTFILES = Path(__file__).resolve().parent / "locustfiles"
# Lines a locustfile prints for the test: "@@ " and a JSON list.
MARK = "@@ "


def _runnable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def rocust_command() -> Tuple[Optional[List[str]], str]:
    """The rocust command ($ROCUST_CMD, shlex-split, else `rocust` next to this Python)."""
    raw = os.environ.get("ROCUST_CMD")
    if raw:
        parts = shlex.split(raw)
        if not parts or not _runnable(parts[0]):
            return None, f"ROCUST_CMD is set but not runnable: {raw!r}"
        return parts, ""
    script = Path(sys.executable).parent / "rocust"
    if not _runnable(str(script)):
        return None, f"rocust is not installed: {script} is missing (scripts/install-python-package.sh or ROCUST_CMD)"
    return [str(script)], ""


def locust_command() -> Tuple[Optional[List[str]], str]:
    """Real Locust 2.47: `$LOCUST_PYTHON -m locust`."""
    python = testdeps.locust_python()
    why = testdeps.why_no_locust(python)
    if why is not None:
        return None, why
    return [python, "-m", "locust"], ""


def command_for(tool: str) -> Tuple[Optional[List[str]], str]:
    return rocust_command() if tool == "rocust" else locust_command()


@dataclass(frozen=True)
class RunSpec:
    tool: str  # "rocust" or "locust"
    args: Tuple[str, ...]
    # Files written into the run's directory first (name -> text).
    files: Tuple[Tuple[str, str], ...] = ()
    # Send this signal (e.g. "SIGINT") this many seconds after "All users spawned" is logged.
    signal: Optional[str] = None
    signal_delay: float = 1.0
    timeout: float = 40.0
    env: Tuple[Tuple[str, str], ...] = ()


@dataclass
class RunResult:
    spec: RunSpec
    command: List[str]
    directory: Path
    exit_code: Optional[int]
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    signalled_at: Optional[float] = None
    skipped: Optional[str] = None
    marks: List[List[Any]] = field(default_factory=list)

    def context(self) -> str:
        """Everything about the run, for assertion messages."""
        return (
            f"--- {self.spec.tool}: {' '.join(self.command)} (cwd {self.directory})\n"
            f"exit code {self.exit_code}{' (timed out)' if self.timed_out else ''} after {self.seconds:.1f} s\n"
            f"--- stderr (last 4000 chars):\n{self.stderr[-4000:]}\n"
            f"--- stdout (last 2000 chars):\n{self.stdout[-2000:]}"
        )

    def marked(self, name: str) -> List[List[Any]]:
        """The lines the locustfile marked with this first element."""
        return [m for m in self.marks if m and m[0] == name]

    def file(self, name: str) -> Path:
        return self.directory / name


def _clean_env(extra: Iterable[Tuple[str, str]], home: Path) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    env["HOME"] = str(home)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def _parse_marks(stdout: str) -> List[List[Any]]:
    marks: List[List[Any]] = []
    for line in stdout.splitlines():
        if line.startswith(MARK):
            try:
                value = json.loads(line[len(MARK) :])
            except ValueError:
                continue
            if isinstance(value, list):
                marks.append(value)
    return marks


def execute(spec: RunSpec, directory: Path, host: str) -> RunResult:
    """Runs one spec to its end (or its timeout) in `directory`."""
    command, why_not = command_for(spec.tool)
    directory.mkdir(parents=True, exist_ok=True)
    if command is None:
        return RunResult(spec, [], directory, None, "", "", 0.0, skipped=why_not)
    for name, text in spec.files:
        (directory / name).write_text(text)
    args = [a.replace("{host}", host).replace("{dir}", str(directory)) for a in spec.args]
    full = command + args
    started = time.monotonic()
    proc = subprocess.Popen(
        full,
        cwd=str(directory),
        env=_clean_env(spec.env, directory),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    out_chunks: List[str] = []
    err_chunks: List[str] = []
    spawned = threading.Event()

    def read_stdout() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out_chunks.append(line)

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err_chunks.append(line)
            if "All users spawned" in line:
                spawned.set()

    readers = [threading.Thread(target=read_stdout, daemon=True), threading.Thread(target=read_stderr, daemon=True)]
    for r in readers:
        r.start()
    signalled_at: Optional[float] = None
    timed_out = False
    deadline = started + spec.timeout
    if spec.signal is not None:
        if spawned.wait(timeout=max(0.0, deadline - time.monotonic())):
            time.sleep(spec.signal_delay)
            if proc.poll() is None:
                proc.send_signal(getattr(signal, spec.signal))
                signalled_at = time.monotonic() - started
    try:
        proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        proc.wait()
    for r in readers:
        r.join(timeout=5)
    seconds = time.monotonic() - started
    stdout = "".join(out_chunks)
    return RunResult(
        spec=spec,
        command=full,
        directory=directory,
        exit_code=None if timed_out else proc.returncode,
        stdout=stdout,
        stderr="".join(err_chunks),
        seconds=seconds,
        timed_out=timed_out,
        signalled_at=signalled_at,
        marks=_parse_marks(stdout),
    )


class RunPool:
    """Starts runs on a thread pool; `get(key)` waits for one."""

    def __init__(self, root: Path, host: str, workers: int) -> None:
        self.root = root
        self.host = host
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rocust-cli-run")
        self.futures: Dict[str, "Future[RunResult]"] = {}
        self.specs: Dict[str, RunSpec] = {}

    def submit(self, key: str, spec: RunSpec) -> None:
        if key in self.futures:
            return
        self.specs[key] = spec
        folder = self.root / key.replace("/", "_")
        self.futures[key] = self.pool.submit(execute, spec, folder, self.host)

    def get(self, key: str) -> RunResult:
        return self.futures[key].result()

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        if path == "/slow":
            time.sleep(SLOW_SECONDS)
        status = 500 if path == "/fail" else 404 if path == "/missing" else 200
        body = b"failed" if status == 500 else b"ok"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _reply
    do_POST = _reply

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        pass


#: How long /slow takes: long enough that its response times never round to 0 ms.
SLOW_SECONDS = 0.005


class LoopbackServer:
    """A loopback HTTP server: /fail answers 500, /missing 404, /slow 200 "ok" after
    SLOW_SECONDS, anything else 200 "ok"."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
