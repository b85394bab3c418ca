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

import json as _json
from collections.abc import Iterator
from typing import Any, Callable
from urllib.parse import urlencode

from .._http.cookies import RequestsCookieJar as RequestsCookieJar
from .._http.encoding import basic_auth as basic_auth
from .._http.encoding import detect_encoding as detect_encoding
from .._http.encoding import encode_multipart as encode_multipart
from .._http.encoding import encode_params as encode_params
from .._http.encoding import encoding_from_headers as encoding_from_headers
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
from ..user.users import make_client as make_client

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

#: geventhttpclient's User-Agent (the version Locust 2.47.0 is installed with).
USER_AGENT = "python/gevent-http-client-2.6.1"

_BODY_METHODS = frozenset(["POST", "PUT", "PATCH"])


class FastHttpSession(SessionBase):
    """FastHttpUser's client: Locust's FastHttpSession API on the engine's transport.

    Differences from HttpSession that Locust has and rocust keeps: the stats name
    defaults to the ``url`` argument; statuses outside VALID_RESPONSE_CODES fail with
    LocustBadStatusCode; ``data`` dicts are form-encoded without list expansion;
    unknown keyword arguments become query parameters (POST: form fields).

    Made by the engine's client factory as ``FastHttpSession(environment, base_url,
    user, transport, insecure=...)`` (the request event is ``environment.events.request``
    unless ``request_event=`` is given); timeouts, redirects and default headers not
    given are read from the user's class attributes.
    """

    auth_header: str | None = None

    def __init__(
        self,
        environment: Any,
        base_url: str | None,
        user: Any,
        transport: Transport,
        insecure: bool = True,
        client_pool: Any = None,
        ssl_context_factory: Callable[..., Any] | None = None,
        *,
        request_event: Any = None,
        network_timeout: float | None = None,
        connection_timeout: float | None = None,
        max_redirects: int | None = None,
        max_retries: int | None = None,
        headers: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.environment = environment
        self.request_event = request_event if request_event is not None else environment.events.request
        self.user = user
        self.transport = transport
        self.insecure = insecure
        self.request_name: str | None = None
        """Stats name used while ``rename_request`` is active."""

        def setting(value: Any, attr: str, default: Any) -> Any:
            return value if value is not None else getattr(user, attr, default)

        self.network_timeout: float | None = setting(network_timeout, "network_timeout", 60.0)
        self.connection_timeout: float | None = setting(connection_timeout, "connection_timeout", 60.0)
        self.max_redirects: int = setting(max_redirects, "max_redirects", 30)
        self.max_retries: int = setting(max_retries, "max_retries", 0)
        if headers is None:
            headers = getattr(user, "default_headers", None)
        self.default_headers = _merge([("User-Agent", USER_AGENT)], headers or {})
        self._plain_headers = _merge(self.default_headers, {"Accept-Encoding": "gzip, deflate, br"})
        self.cookiejar = RequestsCookieJar(transport)
        if client_pool is not None:
            warn_once("client_pool", "rocust: FastHttpUser client_pool is ignored")
        # The TLS setting of every request, decided as geventhttpclient does; a factory
        # is called by the first request (geventhttpclient's pool calls it then too).
        self._tls = fast_tls(insecure, None) if ssl_context_factory is None else None
        self._tls_factory = None if ssl_context_factory is None else (insecure, ssl_context_factory)
        if kwargs.get("proxy_host"):
            warn_once("proxy", "rocust: FastHttpUser proxy_host/proxy_port are not supported and are ignored")
        self.base_url: str | None = base_url
        if base_url:
            self.base_url, credentials = split_credentials(base_url)
            if credentials:
                self.auth_header = basic_auth(*credentials)

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
            return self._exchange(
                method, wire, name or url, built_url, wire_url, self._plain_headers, body, None, stream,
                allow_redirects, catch_response, context,
            )  # fmt: skip

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
        for key in ("max_retries", "to_string", "debug_stream"):
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
        payload, extra = self._payload(data, files, {k.lower() for k, _ in pairs})
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
        if max_redirects is not None and int(max_redirects) <= 0:
            allow_redirects = False
        return self._exchange(
            method, wire, name or url, built_url, wire_url, pairs, body, payload, stream, allow_redirects,
            catch_response, context,
        )  # fmt: skip

    @staticmethod
    def _payload(data: Any, files: Any, present: set[str]) -> tuple[bytes | None, list[tuple[str, str]]]:
        """geventhttpclient's body encoding: (body, headers it adds)."""
        if files:
            body, ctype = encode_multipart(files, data)
            return body, [("content-type", ctype), ("content-length", str(len(body)))]
        if not data:
            return None, []
        if isinstance(data, dict):
            body = urlencode(data).encode()
            extra = (
                []
                if "content-type" in present
                else [("content-type", "application/x-www-form-urlencoded; charset=utf-8")]
            )
            return body, extra + [("content-length", str(len(body)))]
        if isinstance(data, str):
            body = data.encode("utf-8")
            if "content-type" in present:
                return body, []
            return body, [("content-type", "text/plain; charset=utf-8"), ("content-length", str(len(body)))]
        extra = [] if "content-type" in present else [("content-type", "application/octet-stream")]
        if hasattr(data, "read"):
            data = data.read()
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            data = b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in data)
        return bytes(data), extra

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
            resp.error = engine_error(raw.error, resp)
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
    """Connections per user for ``client.request`` called from several greenlets."""
    proxy_host: str | None = None
    proxy_port: int | None = None
    client_pool: Any = None
    """A connection pool shared between users (accepted; rocust pools per engine)."""
    ssl_context_factory: Callable[..., Any] | None = None

    abstract = True

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        if self.host is None:
            raise StopTest(NO_HOST_MESSAGE)
        self.client: Any = make_client("FastHttpUser", self)
