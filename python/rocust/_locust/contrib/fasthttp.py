"""``locust.contrib.fasthttp``: FastHttpUser and its client, FastHttpSession.

The API is Locust's geventhttpclient-based one (FastResponse, its own failure rule and
error texts); the exchange itself is the engine's, through the same ``Transport`` as
HttpSession (see ``locust.clients``). Responses, headers and errors live in ``_http``;
this module re-exports the names locustfiles import from ``locust.contrib.fasthttp``.
"""

# `from x import A as A` marks the names this public module re-exports (PEP 484): every
# name it had before its parts moved to _http stays importable from it.
# ruff: noqa: PLC0414
from __future__ import annotations

import http.client
import json as _json
import socket
import ssl
import time
from collections.abc import Iterator
from typing import Any, Callable
from urllib.parse import urlencode

from gevent import getcurrent

from .._http.cookies import RequestsCookieJar as RequestsCookieJar
from .._http.encoding import basic_auth as basic_auth
from .._http.encoding import detect_encoding as detect_encoding
from .._http.encoding import encode_multipart as encode_multipart
from .._http.encoding import encode_params as encode_params
from .._http.encoding import encoding_from_headers as encoding_from_headers
from .._http.exceptions import _GHC_ERROR, ErrorKinds
from .._http.exceptions import engine_error as engine_error
from .._http.fast_response import _NO_CATCH as _NO_CATCH
from .._http.fast_response import VALID_RESPONSE_CODES as VALID_RESPONSE_CODES
from .._http.fast_response import ConnectionError as ConnectionError
from .._http.fast_response import ErrorResponse as ErrorResponse
from .._http.fast_response import FastRequest as FastRequest
from .._http.fast_response import FastRequestInfo as FastRequestInfo
from .._http.fast_response import FastResponse as FastResponse
from .._http.fast_response import LocustBadStatusCode as LocustBadStatusCode
from .._http.fast_response import ResponseContextManager as ResponseContextManager
from .._http.fast_response import (
    RestResponseContextManager as RestResponseContextManager,
)
from .._http.limits import OriginLimits, Slots, WaitReporting, shared_limits
from .._http.response import _NOT_ENTERED as _NOT_ENTERED
from .._http.response import _UNSET as _UNSET
from .._http.rest import RestMixin as RestMixin
from .._http.session import SessionBase
from .._http.session import warn_once as warn_once
from .._http.stream import StreamedBody
from .._http.structures import Headers as Headers
from .._http.structures import _merge as _merge
from .._http.tls import fast_tls
from .._http.transport import RawResponse as RawResponse
from .._http.transport import Transport as Transport
from .._http.transport import new_transport
from .._http.transport import (
    request_listeners_allow_delegation as request_listeners_allow_delegation,
)
from .._http.urls import _NEEDS_REQUOTE as _NEEDS_REQUOTE
from .._http.urls import absolute_http_url_regexp as absolute_http_url_regexp
from .._http.urls import requote_uri as requote_uri
from .._http.urls import search_needs_requote
from .._http.urls import split_credentials as split_credentials
from ..exception import CatchResponseError as CatchResponseError
from ..exception import LocustError as LocustError
from ..exception import ResponseError as ResponseError
from ..exception import StopTest as StopTest
from ..user.users import NO_HOST_MESSAGE as NO_HOST_MESSAGE
from ..user.users import User as User
from ..util.deprecation import DeprecatedFastHttpLocustClass as FastHttpLocust  # noqa: F401 (renamed in 1.0)

__all__ = [
    "ErrorResponse",
    "FastHttpSession",
    "FastHttpUser",
    "FastRequest",
    "FastResponse",
    "Headers",
    "LocustBadStatusCode",
    "ResponseContextManager",
    "RestResponseContextManager",
]

#: What geventhttpclient's UserAgent and HTTPClient take besides FastHttpSession's own
#: arguments (FastHttpSession passes its other keyword arguments on to them).
_AGENT_ARGS = frozenset(
    [
        "max_redirects", "max_retries", "retry_delay", "headers", "block_size", "connection_timeout",
        "network_timeout", "disable_ipv6", "concurrency", "ssl_options", "proxy_host", "proxy_port",
        "proxy_user", "proxy_password", "version", "headers_type",
    ]
)  # fmt: skip
#: Connection settings the engine has no equivalent for.
_UNSUPPORTED_CONN_ARGS = ("proxy_host", "proxy_port", "proxy_user", "proxy_password", "ssl_options", "block_size")
#: Redirects the engine follows before failing with TooManyRedirects (requests' default).
ENGINE_MAX_REDIRECTS = 30

#: FastHttpUser's errors: geventhttpclient's (or the socket's), none of them requests'.
FAST_ERRORS = ErrorKinds(
    {
        "RetriesExceeded": ConnectionError,
        "HTTPConnectionClosed": http.client.HTTPException,
        "RemoteDisconnected": http.client.RemoteDisconnected,
        "gaierror": socket.gaierror,
        "SSLError": ssl.SSLError,
    },
    ConnectionError,
)

def _as_requested(text: str, url: str) -> str:
    """geventhttpclient's RetriesExceeded names the URL as requested (query kept, without
    ``params=``); the engine's text has the URL it sent without its query."""
    match = _GHC_ERROR.match(text)
    return f"RetriesExceeded({url!r}, {match.group(2)})" if match else text


#: geventhttpclient's User-Agent (the version Locust 2.47.0 is installed with).
USER_AGENT = "python/gevent-http-client-2.6.1"

_BODY_METHODS = frozenset(["POST", "PUT", "PATCH"])


class FastHttpSession(SessionBase):
    """FastHttpUser's client: Locust's FastHttpSession API on the engine's transport.

    Differences from HttpSession that Locust has and rocust keeps: the stats name
    defaults to the ``url`` argument; statuses outside VALID_RESPONSE_CODES fail with
    LocustBadStatusCode; ``data`` dicts are form-encoded without list expansion;
    unknown keyword arguments become query parameters (POST: form fields).

    Built as Locust builds it, by FastHttpUser (which passes its class attributes) or by
    user code: the settings not given are geventhttpclient's defaults (5 s timeouts, one
    connection per host, 3 redirects, 3 retries), and with a shared ``client_pool`` the
    connection settings are the pool's.
    """

    auth_header: str | None = None

    def __init__(
        self,
        base_url: str | None,
        request_event: Any,
        user: Any,
        insecure: bool = True,
        client_pool: Any = None,
        ssl_context_factory: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> None:
        unknown = set(kwargs) - _AGENT_ARGS
        if unknown:
            raise TypeError(f"HTTPClient.__init__() got an unexpected keyword argument '{min(unknown)}'")
        self.request_event = request_event
        self.user = user
        self.request_name: str | None = None
        """Stats name used while ``rename_request`` is active."""
        self.max_redirects = int(kwargs.get("max_redirects", 3))
        self.max_retries = int(kwargs.get("max_retries", 3))
        # The connections' settings: the session's own pool, or the shared one's (whose
        # HTTPClients are made from its own arguments only, as geventhttpclient does).
        conn = dict(kwargs, insecure=insecure, ssl_context_factory=ssl_context_factory)
        if client_pool is not None:
            conn = dict(getattr(client_pool, "client_args", None) or {})
        self.insecure: bool = bool(conn.get("insecure", False))
        self.ssl_context_factory: Callable[..., Any] | None = conn.get("ssl_context_factory")
        self.network_timeout: float | None = conn.get("network_timeout", 5.0)
        self.connection_timeout: float | None = conn.get("connection_timeout", 5.0)
        self.concurrency = int(conn.get("concurrency", 1))
        self._follow_redirects = self.max_redirects > 0
        self.default_headers = _merge([("User-Agent", USER_AGENT)], kwargs.get("headers") or {})
        self._plain_headers = _merge(self.default_headers, {"Accept-Encoding": "gzip, deflate, br"})
        self._warn_unsupported(conn)

        transport = new_transport(type(user).__name__ if user is not None else "", base_url, not self.insecure)
        self.transport: Transport = transport
        self.cookiejar = RequestsCookieJar(transport)
        # The TLS setting of every request, decided as geventhttpclient does; a factory
        # is called by the first request (geventhttpclient's pool calls it then too).
        factory = self.ssl_context_factory
        self._tls = fast_tls(self.insecure, None) if factory is None else None
        self._tls_factory = None if factory is None else (self.insecure, factory)
        self.base_url: str | None = base_url
        if base_url:
            self.base_url, credentials = split_credentials(base_url)
            if credentials:
                self.auth_header = basic_auth(*credentials)
        # geventhttpclient's connections per host: requests beyond them wait (see limits).
        self._limits = (
            OriginLimits(self.concurrency) if client_pool is None else shared_limits(client_pool, self.concurrency)
        )
        self._slots_base = self.base_url
        self._base_slots: Slots | None = self._limits.slots(self.base_url) if self.base_url else None

    def _warn_unsupported(self, conn: dict[str, Any]) -> None:
        """Says once which settings the engine cannot honour (never ignored silently)."""
        unsupported = []
        if self.max_retries > 0:
            unsupported.append(f"max_retries={self.max_retries} (requests are not retried)")
        if self.max_redirects > 0 and self.max_redirects != ENGINE_MAX_REDIRECTS:
            unsupported.append(f"max_redirects={self.max_redirects} (up to {ENGINE_MAX_REDIRECTS} are followed)")
        if self.connection_timeout != self.network_timeout:
            unsupported.append(
                f"connection_timeout={self.connection_timeout} (network_timeout={self.network_timeout} "
                "applies to connecting too)"
            )
        for key in _UNSUPPORTED_CONN_ARGS:
            if conn.get(key) is not None:
                unsupported.append(f"{key}={conn[key]!r} (ignored)")
        if unsupported:
            warn_once("fasthttp:" + ",".join(unsupported), "rocust: FastHttpSession: " + "; ".join(unsupported))

    def request(
        self,
        method: str,
        url: str,
        name: str | None = None,
        data: Any = None,
        catch_response: bool = False,
        stream: bool = False,
        headers: dict[str, Any] | None = None,
        auth: tuple[Any, Any] | None = None,
        json: Any = None,
        allow_redirects: bool = True,
        context: dict[str, Any] = {},  # noqa: B006  Locust's signature; never mutated
        **kwargs: Any,
    ) -> Any:
        """Sends a request and reports it. Returns a FastResponse, or with
        ``catch_response`` a ResponseContextManager for a with-block."""
        if self.request_name and not name:
            name = self.request_name
        built_url = self._build_url(url)
        wire = method.upper()
        if not (headers or auth or self.auth_header or data is not None or json is not None or kwargs):
            body = b"" if wire in _BODY_METHODS else None
            wire_url = built_url if search_needs_requote(built_url) is None else requote_uri(built_url)
            # A slot of the origin's concurrency limit, inline: this is every plain request's path.
            slots = self._base_slots if built_url is not url and self.base_url is self._slots_base else None
            if slots is None or slots.free <= 0:
                return self._exchange_in_slot(
                    method, wire, name or url, built_url, wire_url, self._plain_headers, body, None, stream,
                    allow_redirects and self._follow_redirects, catch_response, context,
                )  # fmt: skip
            slots.free -= 1
            try:
                return self._exchange(
                    method, wire, name or url, built_url, wire_url, self._plain_headers, body, None, stream,
                    allow_redirects and self._follow_redirects, catch_response, context,
                )  # fmt: skip
            finally:
                if slots.waiters:
                    slots.release()
                else:
                    slots.free += 1

        hdrs: dict[str, Any] = dict(headers) if headers else {}
        if auth:
            hdrs["Authorization"] = basic_auth(auth[0], auth[1])
        elif self.auth_header:
            hdrs["Authorization"] = self.auth_header
        if "Accept-Encoding" not in hdrs and "accept-encoding" not in hdrs:
            hdrs["Accept-Encoding"] = "gzip, deflate, br"
        if not data and json is not None:
            data = _json.dumps(json)
            if "Content-Type" not in hdrs and "content-type" not in hdrs:
                hdrs["Content-Type"] = "application/json"
            if "Accept" not in hdrs and "accept" not in hdrs:
                hdrs["Accept"] = "application/json"
        params = kwargs.pop("params", None)
        files = kwargs.pop("files", None)
        max_redirects = kwargs.pop("max_redirects", None)
        if int(kwargs.pop("max_retries", None) or 0) > 0:
            warn_once("max_retries", "rocust: FastHttpSession: max_retries is not supported (requests are not retried)")
        for key in ("to_string", "debug_stream"):
            kwargs.pop(key, None)
        if kwargs:
            # geventhttpclient's urlopen turns other keyword arguments into form fields
            # (POST) or query parameters.
            if wire == "POST":
                if data is None:
                    data = kwargs
                elif isinstance(data, dict):
                    data.update(kwargs)
            elif params is None:
                params = kwargs
            elif isinstance(params, dict):
                params.update(kwargs)
        pairs = _merge(self.default_headers, hdrs)
        payload, shown, extra = self._payload(data, files, {k.lower() for k, _ in pairs})
        pairs += extra
        body = payload if payload is not None else (b"" if wire in _BODY_METHODS else None)
        wire_url = built_url
        if params is not None:
            enc = encode_params(params)
            enc = enc.decode("utf-8") if isinstance(enc, bytes) else enc
            head, sep, fragment = built_url.partition("#")
            wire_url = (head + ("&" if "?" in head else "?") + enc if enc else head) + sep + fragment
        if search_needs_requote(wire_url) is not None:
            wire_url = requote_uri(wire_url)
        follow = self._follow_redirects if max_redirects is None else int(max_redirects) > 0
        return self._exchange_in_slot(
            method, wire, name or url, built_url, wire_url, pairs, body, shown, stream, allow_redirects and follow,
            catch_response, context,
        )  # fmt: skip

    def _exchange_in_slot(self, *args: Any) -> Any:
        """``_exchange(*args)`` once a slot of the concurrency limit of the URL's origin
        (``args[3]``) is free; a request that had to wait reports the wait in its time."""
        slots = self._limits.slots(args[3])
        if slots.free > 0:
            slots.free -= 1
            try:
                return self._exchange(*args)
            finally:
                slots.release()
        start_time, started = time.time(), time.perf_counter()
        slots.wait()
        transport = self.transport
        try:
            if not isinstance(transport, WaitReporting):
                transport = self.transport = WaitReporting(transport)
            transport.waits[getcurrent()] = (time.perf_counter() - started, start_time)
            return self._exchange(*args)
        finally:
            if isinstance(transport, WaitReporting):
                transport.waits.pop(getcurrent(), None)
            slots.release()

    @staticmethod
    def _payload(data: Any, files: Any, present: set[str]) -> tuple[bytes | None, Any, list[tuple[str, str]]]:
        """geventhttpclient's body encoding: (body, the request's ``body`` as Locust shows
        it, headers it adds). Dicts and strings without a Content-Type are shown encoded."""
        if files:
            body, ctype = encode_multipart(files, data)
            return body, body, [("content-type", ctype), ("content-length", str(len(body)))]
        if not data:
            return None, data, []
        if isinstance(data, dict):
            body = urlencode(data).encode()
            extra = (
                []
                if "content-type" in present
                else [("content-type", "application/x-www-form-urlencoded; charset=utf-8")]
            )
            return body, body, extra + [("content-length", str(len(body)))]
        if isinstance(data, str):
            body = data.encode("utf-8")
            if "content-type" in present:
                return body, data, []
            return body, body, [("content-type", "text/plain; charset=utf-8"), ("content-length", str(len(body)))]
        extra = [] if "content-type" in present else [("content-type", "application/octet-stream")]
        shown = data
        if hasattr(data, "read"):
            data = data.read()
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            data = b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in data)
        return bytes(data), shown, extra

    def _exchange(
        self,
        rtype: str,
        wire: str,
        name: str,
        built_url: str,
        wire_url: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        payload: Any,
        stream: bool,
        allow_redirects: bool,
        catch_response: bool,
        context: dict[str, Any],
    ) -> Any:
        event = self.request_event
        record = None
        if not catch_response and not stream and wire == rtype and request_listeners_allow_delegation(event):
            record = name
        if self._tls_factory is not None:
            self._tls, self._tls_factory = fast_tls(*self._tls_factory), None
        raw = self.transport.send(
            wire, wire_url, headers, body, self.network_timeout, allow_redirects, self._tls, record, 1, stream
        )
        info = (rtype, name, built_url, payload, stream, wire, headers)
        if raw.recorded:
            return FastResponse(raw, info)
        body_stream = StreamedBody(self.transport, raw.stream) if stream and raw.stream is not None else None
        if self.user:
            context = {**self.user.context(), **context}
        meta: dict[str, Any] = {
            "request_type": rtype, "name": name, "context": context, "response": None, "exception": None,
            "start_time": raw.start_time, "url": built_url, "response_length": 0,
        }  # fmt: skip
        resp = ErrorResponse(raw, info) if raw.error is not None else FastResponse(raw, info)
        if body_stream is not None:
            resp._body = body_stream
        meta["response"] = resp
        if raw.error is not None:
            resp.error = engine_error(_as_requested(raw.error, built_url), resp, FAST_ERRORS)
        else:
            if stream:
                length = resp.headers.get("content-length") if resp.headers is not None else None
                meta["response_length"] = int(length) if length else 0
            else:
                meta["response_length"] = len(raw.body)
            if raw.status not in VALID_RESPONSE_CODES:
                error = LocustBadStatusCode(resp.url, code=raw.status)
                error.response, error.request = resp, resp.request
                resp.error = error
        meta["response_time"] = raw.elapsed * 1000
        if catch_response:
            # The event gets the plain response, the with-block its wrapper (as in Locust).
            wrapper = ResponseContextManager(raw, info, event, meta, True)
            wrapper.error = resp.error
            if body_stream is not None:
                wrapper._body = body_stream
            return wrapper
        meta["exception"] = resp.error
        event.fire(**meta)
        return resp

    def delete(self, url: str, **kwargs: Any) -> Any:
        """Sends a DELETE request."""
        return self.request("DELETE", url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        """Sends a GET request."""
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Any:
        """Sends a HEAD request."""
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> Any:
        """Sends an OPTIONS request."""
        return self.request("OPTIONS", url, **kwargs)

    def patch(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        """Sends a PATCH request."""
        return self.request("PATCH", url, data=data, **kwargs)

    def post(self, url: str, data: Any = None, json: Any = None, **kwargs: Any) -> Any:
        """Sends a POST request."""
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        """Sends a PUT request."""
        return self.request("PUT", url, data=data, **kwargs)

    def iter_lines(self, url: str, method: str = "GET", **kwargs: Any) -> Iterator[str]:
        """Sends a stream=True request and yields the body's lines (split on "\\n")."""
        response = self.request(method, url, stream=True, **kwargs)
        response.raise_for_status()
        buffer = ""
        for chunk in response.iter_content(chunk_size=1024, decode_content=True):
            buffer += chunk.decode("utf-8", errors="replace") if isinstance(chunk, bytes) else chunk
            while "\n" in buffer:
                line, buffer = buffer.split("\n", 1)
                yield line
        if buffer:
            yield buffer


class FastHttpUser(User, RestMixin):
    """An HTTP user with FastHttpUser's defaults: 60 s timeouts, TLS not verified,
    statuses outside 2xx-with-exceptions/redirects count as failures."""

    network_timeout: float = 60.0
    """Seconds to wait for a response (per read)."""
    connection_timeout: float = 60.0
    """Seconds to wait for a connection."""
    max_redirects: int = 30
    """Redirects followed before giving up."""
    max_retries: int = 0
    """Retries of a failed request."""
    insecure: bool = True
    """Do not verify TLS certificates (FastHttpUser's default, unlike HttpUser)."""
    default_headers: dict[str, str] | None = None
    """Headers sent with every request."""
    concurrency: int = 10
    """Requests a user has in flight at once per host (from several greenlets); more wait."""
    proxy_host: str | None = None
    proxy_port: int | None = None
    client_pool: Any = None
    """A geventhttpclient HTTPClientPool shared by users: its ``concurrency`` limit per host is
    shared by them and its timeouts and ``insecure`` apply (each user keeps its own connections)."""
    ssl_context_factory: Callable[..., Any] | None = None

    abstract = True

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        if self.host is None:
            raise StopTest(NO_HOST_MESSAGE)
        self.client: FastHttpSession = FastHttpSession(
            base_url=self.host,
            request_event=self.environment.events.request,
            network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout,
            max_redirects=self.max_redirects,
            max_retries=self.max_retries,
            insecure=self.insecure,
            concurrency=self.concurrency,
            user=self,
            client_pool=self.client_pool,
            ssl_context_factory=self.ssl_context_factory,
            headers=self.default_headers,
            proxy_host=self.proxy_host,
            proxy_port=self.proxy_port,
        )
        """The user's HTTP session; it keeps cookies between requests."""
