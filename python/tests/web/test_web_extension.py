"""A Python locustfile that extends the web UI as Locust's documentation shows
(locustfiles/extend_web_ui.py): its Flask routes and blueprint answer under rocust's
server, its after_request hook adds extended_stats to /stats/requests, its template_args
reach the page, render_template("index.html") renders rocust's page, web_ui.stop() ends the
run; the login and the cross-site guard cover its routes too."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

import pytest

import testdeps
from rocust_cli.harness import LoopbackServer, rocust_command

LOCUSTFILE = Path(__file__).resolve().parent / "locustfiles" / "extend_web_ui.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(url: str, method: str = "GET", headers: Optional[Dict[str, str]] = None) -> Tuple[int, str]:
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def template_args(page: str) -> Dict[str, object]:
    found = re.search(r"window\.templateArgs = (.*?);</script>", page, re.S)
    assert found, page[:300]
    return dict(json.loads(found.group(1)))


@pytest.fixture
def target() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    yield server
    server.close()


def start(tmp_path: Path, target: LoopbackServer, *args: str, env: Optional[Dict[str, str]] = None) -> Tuple[str, "subprocess.Popen[bytes]"]:
    return start_with(tmp_path, target, LOCUSTFILE, *args, env=env)


def start_with(
    tmp_path: Path, target: LoopbackServer, locustfile: Path, *args: str, env: Optional[Dict[str, str]] = None
) -> Tuple[str, "subprocess.Popen[bytes]"]:
    command, why = rocust_command()
    if command is None:
        testdeps.missing(why)
    port = free_port()
    stderr = open(tmp_path / "stderr.txt", "wb")
    proc = subprocess.Popen(
        [*command, "-f", str(locustfile), "-H", target.url, "--web-host", "127.0.0.1", "-P", str(port), *args],
        cwd=tmp_path,
        env={**os.environ, "HOME": str(tmp_path), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, (tmp_path / "stderr.txt").read_text()
        try:
            call(f"{base}/stats/requests")
            return base, proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the web UI did not answer")


def stop(proc: "subprocess.Popen[bytes]") -> None:
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_locustfile_extends_the_web_ui_as_in_locust(tmp_path: Path, target: LoopbackServer) -> None:
    base, proc = start(tmp_path, target)
    try:
        assert call(f"{base}/hello?who=ann") == (200, '{"hello":"ann"}\n')
        status, body = call(f"{base}/stats/requests")
        stats = json.loads(body)
        assert status == 200 and stats["state"] == "ready"
        assert stats["extended_stats"] == [{"key": "content-length", "data": [{"name": "/", "content_length": 12}]}]
        args = template_args(call(f"{base}/")[1])
        assert args["extended_tabs"] == [{"title": "Content Length", "key": "content-length"}]
        assert args["locustfile"] == "extend_web_ui.py"  # rocust's own keys win, as in Locust
        status, page = call(f"{base}/extend")
        extended = template_args(page)
        assert status == 200 and extended["is_extended"] is True and extended["locustfile"] == "extend_web_ui.py"
        assert "./assets/app.js" in page
        # A background task runs beside the users.
        assert json.loads(call(f"{base}/ticks")[1])["ticks"] > 0
        # A route the locustfile does not have: Flask's 404.
        assert call(f"{base}/nothing")[0] == 404
        # A POST from another site reaches no route, the locustfile's included.
        assert call(f"{base}/quit", "POST", {"Origin": "http://evil.example"})[0] == 403
        assert call(f"{base}/quit", "POST") == (200, "bye")
        assert proc.wait(timeout=30) == 0, (tmp_path / "stderr.txt").read_text()
    finally:
        stop(proc)


def test_the_login_covers_the_locustfiles_routes(tmp_path: Path, target: LoopbackServer) -> None:
    base, proc = start(tmp_path, target, "--web-login", env={"ROCUST_WEB_LOGIN": "ann:s3cret"})
    try:
        assert call(f"{base}/hello")[0] == 401
        assert call(f"{base}/hello", headers={"Authorization": "Basic YW5uOnMzY3JldA=="}) == (200, '{"hello":"world"}\n')
    finally:
        stop(proc)


class Client:
    """urllib with a cookie jar and no redirects followed."""

    def __init__(self, base: str) -> None:
        import http.cookiejar

        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def call(self, path: str, form: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(f"{self.base}{path}", data=data, timeout=10) as reply:
                return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode("utf-8", "replace")


def test_a_login_written_in_the_locustfile_as_locust_documents_it(tmp_path: Path, target: LoopbackServer) -> None:
    base, proc = start_with(tmp_path, target, Path(__file__).resolve().parent / "locustfiles" / "own_login.py", "--web-login")
    try:
        browser = Client(base)
        status, headers, _ = browser.call("/")
        assert (status, headers.get("location")) == (302, "./login")
        assert browser.call("/stats/requests")[0] == 401
        assert browser.call("/whoami")[0] == 302  # Flask-Login sends it to the login page
        status, _, page = browser.call("/login")
        assert status == 200 and 'action="/check_login"' in page
        status, headers, _ = browser.call("/check_login", {"username": "ann", "password": "nope"})
        assert status == 302
        assert "Wrong password" in browser.call("/login")[2]
        status, headers, _ = browser.call("/check_login", {"username": "ann", "password": "open sesame"})
        assert status == 302
        assert browser.call("/stats/requests")[0] == 200
        assert browser.call("/whoami")[:1] == (200,)
        assert "window.templateArgs" in browser.call("/")[2]
    finally:
        stop(proc)
