"""A small HTTP/1.1 test server (stdlib, one thread per connection) for the client tests.

Routes (query strings configure them):
  /status/<code>            that status, body "status <code>"
  /redirect/<n>             302 chain down to /redirect/0 (200 "done")
  /redirect-to?url=U&code=C redirect to U with status C (default 302)
  /set-cookie?k=v&...       Set-Cookie k=v; Path=/ for each pair, then 200
  /cookies                  JSON object of the Cookie header received
  /json                     {"hello": "world", "n": [1, 2, 3]}
  /echo, /echo/...          JSON: method, path, headers (pairs), body (latin-1 text)
  /slow?s=0.3               sleeps, then 200 "slow"
  /gzip                     gzip-encoded text body
  /text?charset=C&ct=T      fixed text body; Content-Type T (default text/plain) with charset C
  /multi-header             repeated X-Multi headers and two Set-Cookie headers
  /close                    closes the connection without answering
  /bigbody?n=N              N bytes of "x"
  /stream-lines             "line1\\nline2\\r\\nline3"
  /api/<route>              the same as /<route> (for base URLs with a path)
  anything else             200 "ok <path>"
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "TestServer/1.0"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(
        self,
        code: int,
        body: bytes = b"",
        headers: Optional[List[Tuple[str, str]]] = None,
        content_type: Optional[str] = "text/plain",
    ) -> None:
        self.send_response(code)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for k, v in headers or []:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self) -> None:
        split = urlsplit(self.path)
        path, query = split.path, dict(parse_qsl(split.query, keep_blank_values=True))
        if path.startswith("/api/"):
            path = path[4:]
        body = self._body()
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self._send(code, b"" if code in (204, 304) else f"status {code}".encode())
        elif path.startswith("/redirect/"):
            n = int(path.rsplit("/", 1)[1])
            if n <= 0:
                self._send(200, b"done")
            else:
                self._send(302, b"", [("Location", f"/redirect/{n - 1}")])
        elif path == "/redirect-to":
            self._send(int(query.get("code", "302")), b"", [("Location", query["url"])])
        elif path == "/set-cookie":
            self._send(200, b"set", [("Set-Cookie", f"{k}={v}; Path=/") for k, v in query.items()])
        elif path == "/cookies":
            jar = {}
            for part in (self.headers.get("Cookie") or "").split(";"):
                if "=" in part:
                    k, v = part.strip().split("=", 1)
                    jar[k] = v
            self._send(200, json.dumps(jar, sort_keys=True).encode(), content_type="application/json")
        elif path == "/json":
            self._send(200, b'{"hello": "world", "n": [1, 2, 3]}', content_type="application/json")
        elif path == "/echo" or path.startswith("/echo/"):
            doc = {
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("latin-1"),
            }
            self._send(200, json.dumps(doc).encode(), content_type="application/json")
        elif path == "/slow":
            time.sleep(float(query.get("s", "0.3")))
            self._send(200, b"slow")
        elif path == "/gzip":
            self._send(200, gzip.compress(b"zipped text " * 10), [("Content-Encoding", "gzip")])
        elif path == "/text":
            ct = query.get("ct", "text/plain")
            if "charset" in query:
                ct += f"; charset={query['charset']}"
            self._send(200, "h\u00e9llo w\u00f6rld".encode(query.get("charset") or "utf-8"), content_type=ct)
        elif path == "/multi-header":
            self._send(
                200,
                b"multi",
                [("X-Multi", "a"), ("X-Multi", "b"), ("Set-Cookie", "m1=1; Path=/"), ("Set-Cookie", "m2=2; Path=/")],
            )
        elif path == "/close":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        elif path == "/bigbody":
            self._send(200, b"x" * int(query.get("n", "100000")))
        elif path == "/stream-lines":
            self._send(200, b"line1\nline2\r\nline3")
        else:
            self._send(200, f"ok {path}".encode())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any


class _QuietServer(ThreadingHTTPServer):
    # socketserver's backlog of 5 drops the SYNs of a burst of connections (retried 1 s later).
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up (timeouts, closed connections) are expected here


class LocalServer:
    """The server on 127.0.0.1 (a free port) served by a daemon thread."""

    def __init__(self) -> None:
        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "LocalServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


if __name__ == "__main__":
    with LocalServer() as srv:
        print(srv.url, flush=True)
        threading.Event().wait()
