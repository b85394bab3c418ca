"""`rocust -f` beyond the conformance cases: blocking libraries in user code stay
concurrent under gevent's monkey patching, and the README's example locustfile runs."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator, List

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import testdeps  # noqa: E402
from rocust_cli.harness import rocust_command  # noqa: E402


class _Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/slow"):
            time.sleep(0.5)
        body = b"ok"
        if self.path.startswith("/cookie"):
            body = (self.headers.get("Cookie") or "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _rocust() -> List[str]:
    command, reason = rocust_command()
    if command is None:
        testdeps.missing(reason)
    return command


BLOCKING = """
import time
import urllib.request
from locust import User, constant, events, task

class Blocking(User):
    wait_time = constant(10)

    @task
    def slow(self):
        start = time.time()
        urllib.request.urlopen(self.host + "/slow").read()
        events.request.fire(request_type="urllib", name="/slow", response_time=(time.time() - start) * 1000,
                            response_length=2, exception=None, context={})
"""


def test_blocking_stdlib_calls_in_tasks_run_concurrently(server: str, tmp_path: Path) -> None:
    """Five users each block 0.5 s in urllib at once: monkey patched, they overlap
    (about 0.5 s in all), they would take 2.5 s one after another."""
    (tmp_path / "blocking.py").write_text(BLOCKING)
    proc = subprocess.run(
        [
            *_rocust(),
            "-f",
            "blocking.py",
            "--headless",
            "-u",
            "5",
            "-r",
            "100",
            "-t",
            "3s",
            "-H",
            server,
            "--csv",
            "out",
            "--only-summary",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    rows = (tmp_path / "out_stats.csv").read_text().splitlines()
    slow = next(r for r in rows if r.startswith("urllib,/slow,"))
    fields = slow.split(",")
    assert int(fields[2]) == 5, slow  # five requests, one per user
    # Max response time: with overlap about 500 ms; serialised the last would wait ~2500 ms.
    assert float(fields[7]) < 1500, slow


def test_readme_example_locustfile_runs(server: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            *_rocust(),
            "-f",
            str(REPO / "examples" / "locustfile.py"),
            "--headless",
            # Each user's first task is "/" with p = 2/3: with 10 users one of them requests
            # it but for a chance of (1/3)^10 (with 3 users, none did in one CI run).
            "-u",
            "10",
            "-r",
            "10",
            "-t",
            "2s",
            "-H",
            server,
            "--csv",
            "out",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    names = {line.split(",")[1] for line in (tmp_path / "out_stats.csv").read_text().splitlines()[1:]}
    assert {"/login", "/", "Aggregated"} <= names
    assert "Response time percentiles" in proc.stderr


COOKIES = """
from locust import HttpUser, constant, task

class CookieUser(HttpUser):
    wait_time = constant(100)

    @task
    def t(self):
        self.client.cookies.set("token", "abc")
        self.client.cookies.set("scoped", "s", path="/cookie/deep")
        top = self.client.get("/cookie").text
        deep = self.client.get("/cookie/deep/x").text
        print("@@", top, "|", sorted(deep.split("; ")), "|", self.client.cookies.get("token"), flush=True)
"""


def test_cookies_set_by_user_code_are_sent(server: str, tmp_path: Path) -> None:
    """client.cookies.set(...) goes into the engine's jar for the user's host (and path)."""
    (tmp_path / "cookies.py").write_text(COOKIES)
    proc = subprocess.run(
        [*_rocust(), "-f", "cookies.py", "--headless", "-u", "1", "-r", "1", "-t", "2s", "-H", server],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("@@"))
    assert line == "@@ token=abc | ['scoped=s', 'token=abc'] | abc", proc.stdout
