"""A recording HTTP/1.1 test server for the conformance suite (stdlib only).

One server per tool run, on 127.0.0.1 and a free port, so records never mix.
Every request (except GET /__record) is recorded: method, path, query, body (first 2000 bytes),
headers (lower-case names), cookies and the arrival time; the test reads the
record in-process (``RecordingServer.records()``) or over HTTP (GET /__record).

Routes (any method):
  /login            200 JSON {"code": 0, "msg": "ok"} and Set-Cookie session=<SESSION_COOKIE>
  /redirect         302 to /page  (/redirect?to=/x redirects to /x)
  /page             200 "page"
  /status/<code>    that status, body "status <code>"
  /slow?ms=N        sleeps N ms, then 200 "slow"
  /__record         JSON list of the records so far (not recorded itself)
  anything else     200 "ok <path>"
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

SESSION_COOKIE = "s3cr3t-42"


@dataclass
class Recorded:
    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    cookies: Dict[str, str]
    body: str = ""
    at: float = field(default=0.0)

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name.lower())


def _parse_cookies(raw: str) -> Dict[str, str]:
    jar: Dict[str, str] = {}
    for part in raw.split(";"):
        if "=" in part:
            k, v = part.strip().split("=", 1)
            jar[k] = v
    return jar


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ConformanceServer/1.0"
    # Headers and body go out in two writes; without TCP_NODELAY delayed ACKs add ~40 ms per request.
    disable_nagle_algorithm = True
    server: "_Server"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(
        self,
        code: int,
        body: bytes = b"",
        headers: Optional[List[Tuple[str, str]]] = None,
        content_type: str = "text/plain",
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        for k, v in headers or []:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        path = split.path
        if path == "/__record":
            doc = [asdict(r) for r in self.server.recorder.snapshot()]
            self._send(200, json.dumps(doc).encode(), content_type="application/json")
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.recorder.add(
            Recorded(
                method=self.command,
                path=path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers=headers,
                cookies=_parse_cookies(headers.get("cookie", "")),
                body=body[:2000].decode("latin-1"),
                at=time.monotonic(),
            )
        )
        if path == "/login":
            self._send(
                200,
                b'{"code": 0, "msg": "ok"}',
                [("Set-Cookie", f"session={SESSION_COOKIE}; Path=/")],
                content_type="application/json",
            )
        elif path == "/redirect":
            target = parse_qs(split.query).get("to", ["/page"])[0]
            self._send(302, b"", [("Location", target)])
        elif path == "/page":
            self._send(200, b"page")
        elif path.startswith("/status/"):
            try:
                code = int(path.rsplit("/", 1)[1])
            except ValueError:
                code = 400
            self._send(code, b"" if code in (204, 304) else f"status {code}".encode())
        elif path == "/slow":
            ms = float(parse_qs(split.query).get("ms", ["100"])[0])
            time.sleep(ms / 1000.0)
            self._send(200, b"slow")
        else:
            self._send(200, f"ok {path}".encode())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class _Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: List[Recorded] = []

    def add(self, rec: Recorded) -> None:
        with self._lock:
            self._records.append(rec)

    def snapshot(self) -> List[Recorded]:
        with self._lock:
            return list(self._records)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many users connect at once at spawn time; the default backlog of 5 drops SYNs.
    request_queue_size = 256
    recorder: _Recorder

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Users killed at the end of a run drop their connections mid-exchange; that is expected.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class RecordingServer:
    """The recording server, served by a daemon thread while the ``with`` block runs."""

    def __init__(self) -> None:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.recorder = _Recorder()
        self.port: int = int(self._httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> "RecordingServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def records(self) -> List[Recorded]:
        return self._httpd.recorder.snapshot()


class ClosedPort:
    """A loopback port that refuses connections: bound (so nobody else takes it) but never listening."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = int(self._sock.getsockname()[1])

    def __enter__(self) -> "ClosedPort":
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


if __name__ == "__main__":
    with RecordingServer() as srv:
        print(srv.url, flush=True)
        threading.Event().wait()
