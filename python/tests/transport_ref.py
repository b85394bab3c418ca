"""A reference implementation of ``rocust._locust.clients.Transport`` for the tests.

It does what the Rust engine's transport does, in plain Python (http.client over
loopback, blocking; cooperative when gevent has patched the process): keep-alive
connections, redirects with requests' method rules, a cookie jar, gzip/deflate
decoding, the error texts Locust shows for connection failures, and the
``record_name`` delegation (recorded requests go to ``self.recorded``).

``install_factories()`` registers it as the transport factory of every session, the
way the engine does at start-up.
"""

from __future__ import annotations

import email.message
import http.client
import http.cookiejar
import socket
import time
import urllib.request
import zlib
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urljoin, urlsplit

FAST_OK = frozenset([200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 301, 302, 303, 304, 307, 308])
REDIRECTS = frozenset([301, 302, 303, 307, 308])


class RefRawResponse:
    """The plain object the engine returns from ``send``."""

    def __init__(self) -> None:
        self.status = 0
        self.reason = ""
        self.headers: List[Tuple[str, str]] = []
        self.body = b""
        self.url = ""
        self.history: List[Any] = []
        self.elapsed = 0.0
        self.error: Optional[str] = None
        self.recorded = False
        self.request_headers: List[Tuple[str, str]] = []
        self.start_time = 0.0
        self.stream: Optional[RefBodyStream] = None


class RefBodyStream:
    """A "streamed" body: already read in full, handed out on demand (decoded)."""

    def __init__(self, body: bytes, chunked: bool) -> None:
        self.body = body
        self.chunked = chunked
        self.closed = False

    def close(self) -> None:
        self.closed = True


class _Resp:
    """What http.cookiejar needs from a response."""

    def __init__(self, headers: List[Tuple[str, str]]) -> None:
        self._msg = email.message.Message()
        for k, v in headers:
            self._msg[k] = v

    def info(self) -> email.message.Message:
        return self._msg


def _failed(status: int, fail_rule: int) -> bool:
    if fail_rule == 1:
        return status not in FAST_OK
    return status == 0 or status >= 400


def _error_text(exc: BaseException, url: str, timeout: Optional[float], fail_rule: int) -> str:
    """The repr Locust's stats show for a connection-level failure."""
    parts = urlsplit(url)
    if isinstance(exc, socket.timeout):
        if fail_rule == 1:
            return f"RetriesExceeded('{url}', 0, original=timed out)"
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        return (
            f"ReadTimeout(ReadTimeoutError(\"HTTPConnectionPool(host='{host}', port={port}): "
            f'Read timed out. (read timeout={timeout})"))'
        )
    if isinstance(exc, http.client.RemoteDisconnected) and fail_rule == 1:
        return "HTTPConnectionClosed('connection closed.')"
    return repr(exc)


class RefTransport:
    """One user's transport: its connections and its cookie jar."""

    def __init__(self, max_redirects: int = 30) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.max_redirects = max_redirects
        self.conns: Dict[Tuple[str, str, int], http.client.HTTPConnection] = {}
        self.recorded: List[Tuple[str, str, float, int]] = []
        self.sent: List[Tuple[str, str]] = []

    def _conn(self, scheme: str, host: str, port: int, timeout: Optional[float]) -> http.client.HTTPConnection:
        key = (scheme, host, port)
        conn = self.conns.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            conn = cls(host, port, timeout=timeout)
            self.conns[key] = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def _one(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: Optional[bytes], timeout: Optional[float]
    ) -> Tuple[http.client.HTTPResponse, bytes, List[Tuple[str, str]]]:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname or ""
        sent = list(headers)
        names = {k.lower() for k, _ in headers}
        if "cookie" not in names:
            req = urllib.request.Request(url, method=method)
            self.jar.add_cookie_header(req)
            cookie = req.get_header("Cookie") or req.unredirected_hdrs.get("Cookie")
            if cookie:
                sent.append(("Cookie", cookie))
        if body is not None and "content-length" not in names and "transfer-encoding" not in names:
            sent.append(("Content-Length", str(len(body))))
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        key = (parts.scheme, host, port)
        for attempt in range(2):
            conn = self._conn(parts.scheme, host, port, timeout)
            reused = conn.sock is not None
            try:
                conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                if "host" not in names:
                    conn.putheader("Host", parts.netloc.rpartition("@")[2])
                for k, v in sent:
                    conn.putheader(k, v)
                conn.endheaders(body)
                resp = conn.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed meanwhile is retried once on a new one.
                conn.close()
                self.conns.pop(key, None)
                if attempt == 1 or not reused:
                    raise
        encoding = (resp.getheader("Content-Encoding") or "").lower()
        if encoding == "gzip":
            data = zlib.decompress(data, 16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            try:
                data = zlib.decompress(data)
            except zlib.error:
                data = zlib.decompress(data, -zlib.MAX_WBITS)
        self.jar.extract_cookies(_Resp(resp.getheaders()), urllib.request.Request(url))  # type: ignore[arg-type]
        return resp, data, sent

    def send(
        self,
        method: str,
        url: str,
        headers: List[Tuple[str, str]],
        body: Optional[bytes],
        timeout: Optional[float],
        allow_redirects: bool,
        tls: Any,
        record_name: Optional[str],
        fail_rule: int,
        stream: bool = False,
    ) -> RefRawResponse:
        raw = RefRawResponse()
        raw.start_time = time.time()
        started = time.perf_counter()
        raw.url = url
        self.sent.append((method, url))
        try:
            for _ in range(self.max_redirects + 1):
                resp, data, sent = self._one(method, url, headers, body, timeout)
                location = resp.getheader("Location")
                if allow_redirects and resp.status in REDIRECTS and location:
                    hop = RefRawResponse()
                    hop.status, hop.reason, hop.url = resp.status, resp.reason, url
                    hop.headers = resp.getheaders()
                    hop.request_headers = sent
                    raw.history.append(hop)
                    url = urljoin(url, location)
                    if resp.status == 303 and method != "HEAD" or resp.status in (301, 302) and method == "POST":
                        method, body = "GET", None
                        headers = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
                    headers = [(k, v) for k, v in headers if k.lower() != "cookie"]
                    continue
                raw.status, raw.reason, raw.headers, raw.body = resp.status, resp.reason, resp.getheaders(), data
                raw.url, raw.request_headers = url, sent
                break
            else:
                raw.status = 0
                raw.error = f"TooManyRedirects('Exceeded {self.max_redirects} redirects.')"
        except Exception as e:  # every failure is reported as a value
            raw.status, raw.headers, raw.body = 0, [], b""
            raw.error = _error_text(e, url, timeout, fail_rule)
            self.conns.clear()
        raw.elapsed = time.perf_counter() - started
        if stream and raw.error is None:
            chunked = any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in raw.headers)
            raw.stream, raw.body = RefBodyStream(raw.body, chunked), b""
        if record_name is not None and raw.error is None and not _failed(raw.status, fail_rule):
            self.recorded.append((method, record_name, raw.elapsed * 1000, len(raw.body)))
            raw.recorded = True
        return raw

    def read_body(
        self, stream: RefBodyStream, want: int, limit: int, per_chunk: bool, decode: bool
    ) -> Tuple[bytes, Optional[str]]:
        if stream.closed:
            return b"", None
        data, stream.body = stream.body[:want], stream.body[want:]
        return data, None

    def cookies(self) -> List[Tuple[str, str, str, str]]:
        return [(c.name, c.value or "", c.domain, c.path) for c in self.jar]

    def set_cookie(self, name: str, value: str, domain: str, path: str) -> None:
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0,
                name,
                value,
                None,
                False,
                domain,
                bool(domain),
                domain.startswith("."),
                path or "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )
        )

    def clear_cookies(self) -> None:
        self.jar.clear()

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()
        self.conns.clear()


def install_factories() -> List[RefTransport]:
    """Registers RefTransport as the transport of every new session (as the engine does at
    start-up); returns the list the transports made are appended to."""
    from rocust._locust._http.transport import set_transport_factory

    made: List[RefTransport] = []

    def factory(user_class: str, base_url: Optional[str], verify: bool) -> RefTransport:
        transport = RefTransport()
        made.append(transport)
        return transport

    set_transport_factory(factory)
    return made
