"""``locust.clients``: HttpUser's ``client`` (HttpSession) and its responses.

The HTTP exchange itself is the engine's: an HttpSession prepares what requests
would send (URL, headers, body) and hands it to a per-user ``Transport``; the answer
comes back as a ``RawResponse`` and is dressed as a requests-like Response. Reporting
follows Locust's HttpSession rules (names, failure rule, catch_response).

When nobody listens to the request event, a non-catch_response request is recorded
by the engine itself (``record_name``) and Python only fires the event for failures,
which keeps the Python cost of a request to a few microseconds.

The pieces (exceptions, headers, cookies, encodings, responses) live in ``_http``;
this module re-exports the names locustfiles import from ``locust.clients``.
"""

# `from x import A as A` marks the names this public module re-exports (PEP 484): every
# name it had before its parts moved to _http stays importable from it.
# ruff: noqa: PLC0414
from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from typing import Any, Callable
from urllib.parse import urlsplit

from ._http.cookies import RequestsCookieJar as RequestsCookieJar
from ._http.cookies import _cookie_matches as _cookie_matches
from ._http.cookies import _MemoryCookies as _MemoryCookies
from ._http.cookies import _response_cookies as _response_cookies
from ._http.cookies import cookie_header as cookie_header
from ._http.cookies import make_cookie as make_cookie
from ._http.encoding import _guess_filename as _guess_filename
from ._http.encoding import _multipart_param as _multipart_param
from ._http.encoding import basic_auth as basic_auth
from ._http.encoding import detect_encoding as detect_encoding
from ._http.encoding import encode_multipart as encode_multipart
from ._http.encoding import encode_params as encode_params
from ._http.encoding import encoding_from_headers as encoding_from_headers
from ._http.encoding import prepare_body as prepare_body
from ._http.encoding import prepare_url as prepare_url
from ._http.encoding import requests_body
from ._http.encoding import to_key_val_list as to_key_val_list
from ._http.exceptions import _ABORTED as _ABORTED
from ._http.exceptions import _ERROR_BASES as _ERROR_BASES
from ._http.exceptions import _GHC_ERROR as _GHC_ERROR
from ._http.exceptions import ConnectionError as ConnectionError
from ._http.exceptions import ConnectTimeout as ConnectTimeout
from ._http.exceptions import CookieConflictError as CookieConflictError
from ._http.exceptions import HTTPError as HTTPError
from ._http.exceptions import InvalidHeader as InvalidHeader
from ._http.exceptions import InvalidJSONError as InvalidJSONError
from ._http.exceptions import InvalidSchema as InvalidSchema
from ._http.exceptions import InvalidURL as InvalidURL
from ._http.exceptions import JSONDecodeError as JSONDecodeError
from ._http.exceptions import MissingSchema as MissingSchema
from ._http.exceptions import ReadTimeout as ReadTimeout
from ._http.exceptions import RequestException as RequestException
from ._http.exceptions import Timeout as Timeout
from ._http.exceptions import TooManyRedirects as TooManyRedirects
from ._http.exceptions import _EngineError as _EngineError
from ._http.exceptions import _error_classes as _error_classes
from ._http.exceptions import _str_of as _str_of
from ._http.exceptions import _WrappedConnectionError as _WrappedConnectionError
from ._http.exceptions import engine_error as engine_error
from ._http.exceptions import http_error_message as http_error_message
from ._http.exceptions import requests_connection_error as requests_connection_error
from ._http.response import _MISSING_CATCH_RESPONSE as _MISSING_CATCH_RESPONSE
from ._http.response import _NOT_ENTERED as _NOT_ENTERED
from ._http.response import _UNSET as _UNSET
from ._http.response import _WITH_NEEDS_CATCH as _WITH_NEEDS_CATCH
from ._http.response import PreparedRequest as PreparedRequest
from ._http.response import RequestInfo as RequestInfo
from ._http.response import Response as Response
from ._http.response import ResponseContextManager as ResponseContextManager
from ._http.response import RestResponseContextManager as RestResponseContextManager
from ._http.rest import RestMixin as RestMixin
from ._http.limits import LimitedTransport, pool_manager_limit, shared_limits
from ._http.session import SessionBase
from ._http.session import _warned as _warned
from ._http.session import logger as logger
from ._http.session import warn_once as warn_once
from ._http.stream import StreamedBody
from ._http.structures import CaseInsensitiveDict as CaseInsensitiveDict
from ._http.structures import _header_value as _header_value
from ._http.tls import merged_verify, requests_tls
from ._http.transport import RawResponse as RawResponse
from ._http.transport import TlsConfig
from ._http.transport import Transport as Transport
from ._http.transport import new_transport
from ._http.transport import (
    request_listeners_allow_delegation as request_listeners_allow_delegation,
)
from ._http.urls import _NEEDS_REQUOTE as _NEEDS_REQUOTE
from ._http.urls import _UNRESERVED as _UNRESERVED
from ._http.urls import _path_url as _path_url
from ._http.urls import absolute_http_url_regexp as absolute_http_url_regexp
from ._http.urls import match_absolute_http, search_needs_requote
from ._http.urls import requote_uri as requote_uri
from ._http.urls import split_credentials as split_credentials
from .event import EventHook as EventHook
from .exception import CatchResponseError as CatchResponseError
from .exception import LocustError as LocustError
from .exception import ResponseError as ResponseError

__all__ = [
    "CaseInsensitiveDict",
    "ConnectionError",
    "HTTPError",
    "HttpSession",
    "JSONDecodeError",
    "PreparedRequest",
    "RawResponse",
    "RequestException",
    "RequestsCookieJar",
    "Response",
    "ResponseContextManager",
    "RestMixin",
    "RestResponseContextManager",
    "Timeout",
    "Transport",
]

#: requests' default session headers (Locust adds none). The version is the one
#: Locust 2.47.0 is installed with, so servers see the same User-Agent.
DEFAULT_HEADERS: tuple[tuple[str, str], ...] = (
    ("User-Agent", "python-requests/2.34.2"),
    ("Accept-Encoding", "gzip, deflate, br"),
    ("Accept", "*/*"),
    ("Connection", "keep-alive"),
)


class _AuthRequest:
    """What a callable ``auth`` (a requests AuthBase) gets to modify."""

    def __init__(self, method: str, url: str, headers: CaseInsensitiveDict, body: bytes | None) -> None:
        self.method, self.url, self.headers, self.body = method, url, headers, body

    def register_hook(self, event: str, hook: Any) -> None:
        warn_once("auth-hooks", "rocust: hooks registered by auth handlers are ignored")


_KNOWN_KWARGS = frozenset(
    [
        "params",
        "headers",
        "cookies",
        "files",
        "auth",
        "timeout",
        "allow_redirects",
        "proxies",
        "hooks",
        "stream",
        "verify",
        "cert",
    ]
)


def _requests_session_init(self: Any) -> None:
    """requests.Session.__init__, which HttpSession passes its extra arguments to: it
    takes none, so any raises Python's TypeError for them, as under Locust."""


_requests_session_init.__qualname__ = "Session.__init__"


def _pool_manager_transport(transport: Transport, pool_manager: Any) -> Transport:
    """Honours a shared urllib3 PoolManager's ``block=True`` limit (``maxsize`` requests per
    origin in flight, shared by the users that hold it); its connections themselves are not
    shared: each session keeps its own, as the engine pools them."""
    size = pool_manager_limit(pool_manager)
    honoured = f"its limit of {size} connections per host (block=True) is honoured, but " if size else ""
    warn_once(
        "pool_manager",
        f"rocust: HttpUser.pool_manager: {honoured}its connections are not shared between users "
        "(each user keeps its own)",
    )
    if size is None:
        return transport
    return LimitedTransport(transport, shared_limits(pool_manager, size))


def _valid_port(parts: Any) -> bool:
    """False when the URL's port is not a number in 0-65535 (requests' InvalidURL)."""
    try:
        parts.port
    except ValueError:
        return False
    return True


#: No TLS setting resolved yet (see HttpSession._session_tls).
_UNRESOLVED: Any = object()


class HttpSession(SessionBase):
    """HttpUser's client: requests.Session's API (cookies kept per user), every request
    reported to ``request_event`` with Locust's rules.

    ``url`` may be a path (appended to ``base_url``) or an absolute http(s) URL. Extra
    arguments of the request methods: ``name`` (the stats name instead of the path),
    ``catch_response`` (decide success/failure in a with-block) and ``context``.
    """

    def __init__(
        self, base_url: str, request_event: EventHook, user: Any, *args: Any, pool_manager: Any = None, **kwargs: Any
    ) -> None:
        _requests_session_init(self, *args, **kwargs)
        self.base_url, credentials = split_credentials(base_url)
        self.request_event = request_event
        self.user = user
        transport = new_transport(type(user).__name__ if user is not None else "", base_url)
        if pool_manager is not None:
            transport = _pool_manager_transport(transport, pool_manager)
        self.transport = transport
        self.request_name: str | None = None
        """Stats name used while ``rename_request`` is active."""
        self.headers: MutableMapping[str, Any] = CaseInsensitiveDict(DEFAULT_HEADERS)
        self.auth: Any = credentials
        self.cookies = RequestsCookieJar(transport)
        self.params: dict[str, Any] = {}
        self.hooks: dict[str, list[Callable[..., Any]]] = {"response": []}
        self.verify: Any = True
        self.stream = False
        self.cert: Any = None
        self.proxies: dict[str, str] = {}
        self.max_redirects = 30
        self._trust_env = True
        # The TLS setting of the verify/cert values last resolved (see _session_tls). Set
        # here, so that every session has the same attributes in the same order: its dict
        # then shares its keys; one added later costs about 1.5 KB per user.
        self._tls_verify: Any = _UNRESOLVED
        self._tls_cert: Any = None
        self._tls: TlsConfig | None = None
        self.adapters: dict[str, Any] = {}
        self.pool_manager = pool_manager
        self._headers_cache: tuple[Any, int, list[tuple[str, str]]] = (None, -1, [])
        self._base_src: Any = None
        self._fast_base: str | None = None
        self._base_path = ""
        self._check_base()

    def _check_base(self) -> str | None:
        """base_url when plain paths can be appended to it without requests' URL
        preparation (then the name is base path + path), else None."""
        base = self.base_url
        self._base_src, self._fast_base = base, None
        if isinstance(base, str) and match_absolute_http(base) and not search_needs_requote(base):
            parts = urlsplit(base)
            if (
                parts.hostname
                and not parts.query
                and not parts.fragment
                and parts.netloc == parts.netloc.lower()
                and _valid_port(parts)
            ):
                self._fast_base, self._base_path = base, parts.path
        return self._fast_base

    def _session_headers(self) -> list[tuple[str, str]]:
        h = self.headers
        cache = self._headers_cache
        if h.__class__ is CaseInsensitiveDict and cache[0] is h and cache[1] == h._version:
            return cache[2]
        pairs = [(k, _header_value(k, v)) for k, v in h.items() if v is not None]
        self._headers_cache = (h, getattr(h, "_version", -1) if h.__class__ is CaseInsensitiveDict else -2, pairs)
        return pairs

    def request(
        self,
        method: str,
        url: Any,
        name: str | None = None,
        catch_response: bool = False,
        context: dict[str, Any] = {},  # noqa: B006  Locust's signature; never mutated
        *,
        data: Any = None,
        json: Any = None,
        **kwargs: Any,
    ) -> ResponseContextManager:
        """Sends a request and reports it; returns its Response (a context manager
        when ``catch_response`` is True). Takes requests' keyword arguments."""
        if self.request_name and not name:
            name = self.request_name
        allow_redirects = kwargs.pop("allow_redirects", True) if kwargs else True
        base = self._fast_base if self.base_url is self._base_src else self._check_base()
        if (
            kwargs
            or data is not None
            or json is not None
            or base is None
            or url.__class__ is not str
            or url[:1] != "/"
            or search_needs_requote(url) is not None
            or self.auth is not None
            or self.params
            or self.stream
            or self.hooks.get("response")
        ):
            return self._request_full(method, url, name, catch_response, context, data, json, allow_redirects, kwargs)
        wire = method.upper()
        tls = self._tls if self.verify is self._tls_verify and self.cert is self._tls_cert else self._session_tls(base)
        return self._exchange(
            method, wire, base + url, name or self._base_path + url, self._session_headers(),
            None if wire == "GET" or wire == "HEAD" else b"", None, allow_redirects, tls, False, False,
            catch_response, context, None,
        )  # fmt: skip

    @property
    def trust_env(self) -> bool:
        """Whether the environment's CA bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) is
        used, as requests does; HttpUser turns it off, as Locust does."""
        return self._trust_env

    @trust_env.setter
    def trust_env(self, value: bool) -> None:
        self._trust_env = value
        self._tls_verify = _UNRESOLVED

    def _session_tls(self, url: str) -> TlsConfig | None:
        """The TLS setting of the session's ``verify`` and ``cert`` (and of the
        environment's CA bundle), kept until they change. A CA path that does not exist
        is looked at again on each https request (Locust raises then)."""
        verify, cert = self.verify, self.cert
        merged = merged_verify(None, verify, self.trust_env)
        tls = requests_tls(merged, cert, url[:6].lower() == "https:")
        if not isinstance(merged, str) or os.path.exists(merged):
            self._tls_verify, self._tls_cert, self._tls = verify, cert, tls
        return tls

    def _tls_for(self, verify: Any, cert: Any, url: str) -> TlsConfig | None:
        """The TLS setting of a request given ``verify=`` and ``cert=`` (None: the
        session's), merged as requests merges them."""
        if verify is None and cert is None:
            if self.verify is self._tls_verify and self.cert is self._tls_cert:
                return self._tls
            return self._session_tls(url)
        merged = merged_verify(verify, self.verify, self.trust_env)
        return requests_tls(merged, self.cert if cert is None else cert, url[:6].lower() == "https:")

    def _request_full(
        self,
        method: str,
        url: Any,
        name: str | None,
        catch_response: bool,
        context: dict[str, Any],
        data: Any,
        json: Any,
        allow_redirects: bool,
        kwargs: dict[str, Any],
    ) -> ResponseContextManager:
        unknown = set(kwargs) - _KNOWN_KWARGS
        if unknown:
            raise TypeError(f"Session.request() got an unexpected keyword argument '{min(unknown)}'")
        if isinstance(url, bytes):
            url = url.decode("utf-8")
        params = self.params
        if kwargs.get("params") is not None:
            req_params = kwargs["params"]
            if isinstance(req_params, Mapping) and params:
                params = {**params, **req_params}
                params = {k: v for k, v in params.items() if v is not None}
            else:
                params = req_params
        full_url = prepare_url(self._build_url(str(url)), params)
        name = name or _path_url(full_url)
        wire = method.upper()

        headers = CaseInsensitiveDict(self.headers)
        if kwargs.get("headers"):
            headers.update(kwargs["headers"])
        body, ctype = prepare_body(data, json, kwargs.get("files"))
        shown_body = requests_body(data, json, kwargs.get("files"), body)
        if ctype and "content-type" not in headers:
            headers["Content-Type"] = ctype
        if body is None and wire != "GET" and wire != "HEAD" and headers.get("content-length") is None:
            body = b""
        auth = kwargs.get("auth")
        auth = auth if auth is not None else self.auth
        if isinstance(auth, (tuple, list)) and len(auth) == 2:
            headers["Authorization"] = basic_auth(auth[0], auth[1])
        elif callable(auth):
            prepared = _AuthRequest(wire, full_url, headers, body)
            auth(prepared)
            if prepared.body is not body:
                shown_body = prepared.body
            headers, body = CaseInsensitiveDict(prepared.headers), prepared.body
        cookies = kwargs.get("cookies")
        if cookies and "cookie" not in headers:
            headers["Cookie"] = cookie_header(self.transport, full_url, cookies)

        timeout = kwargs.get("timeout")
        if isinstance(timeout, tuple):
            # (connect, read): the transport has one timeout, applied per read like
            # requests' read timeout (which is what catches a slow server).
            timeout = timeout[1]
        tls = self._tls_for(kwargs.get("verify"), kwargs.get("cert"), full_url)
        if kwargs.get("proxies") or self.proxies:
            warn_once("proxies", "rocust: the 'proxies' argument of requests is not supported and is ignored")
        # Locust takes the length of a response from its Content-Length header when the
        # request says stream=True; a session-wide stream only defers reading the body.
        header_length = bool(kwargs.get("stream", False))
        stream = kwargs.get("stream")
        stream = self.stream if stream is None else stream
        hooks = list(self.hooks.get("response") or [])
        extra = (kwargs.get("hooks") or {}).get("response")
        if extra:
            hooks += extra if isinstance(extra, (list, tuple)) else [extra]
        pairs = [(k, _header_value(k, v)) for k, v in headers.items() if v is not None]
        return self._exchange(
            method, wire, full_url, name, pairs, body, timeout, allow_redirects, tls, bool(stream), header_length,
            catch_response, context, hooks, shown_body,
        )  # fmt: skip

    def _exchange(
        self,
        rtype: str,
        wire: str,
        url: str,
        name: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        timeout: float | None,
        allow_redirects: bool,
        tls: TlsConfig | None,
        stream: bool,
        header_length: bool,
        catch_response: bool,
        context: dict[str, Any],
        hooks: list[Callable[..., Any]] | None,
        shown_body: Any = None,
    ) -> ResponseContextManager:
        event = self.request_event
        record = None
        if (
            not catch_response
            and not stream
            and not hooks
            and wire == rtype
            and request_listeners_allow_delegation(event)
        ):
            record = name
        raw = self.transport.send(wire, url, headers, body, timeout, allow_redirects, tls, record, 0, stream)
        resp = ResponseContextManager(raw, (rtype, name, url, shown_body, header_length, wire), event, catch_response)
        if stream and raw.stream is not None:
            resp._body = StreamedBody(self.transport, raw.stream)
        if hooks:
            for hook in hooks:
                replaced = hook(resp)
                if isinstance(replaced, ResponseContextManager):
                    resp = replaced
        if raw.recorded:
            return resp
        if self.user:
            context = {**self.user.context(), **context}
        inner = None
        if raw.error is not None:
            inner = engine_error(raw.error, resp)
            resp.error = requests_connection_error(inner, url, resp)
            length = 0
        elif header_length:
            length = int(resp.headers.get("content-length") or 0)
        elif resp._body is not None:
            length = len(resp.content or b"")
        else:
            length = len(raw.body)
        resp._meta = {
            "request_type": rtype, "response_time": raw.elapsed * 1000, "name": name, "context": context,
            "response": resp, "exception": None, "start_time": raw.start_time, "url": url, "response_length": length,
        }  # fmt: skip
        if inner is not None:
            resp._inner_error = inner
        if not catch_response:
            resp._report_by_status()
        return resp

    def get(self, url: Any, *, data: Any = None, json: Any = None, **kwargs: Any) -> ResponseContextManager:
        """Sends a GET request."""
        return self.request("GET", url, data=data, json=json, **kwargs)

    def options(self, url: Any, *, data: Any = None, json: Any = None, **kwargs: Any) -> ResponseContextManager:
        """Sends an OPTIONS request."""
        return self.request("OPTIONS", url, data=data, json=json, **kwargs)

    def head(self, url: Any, *, data: Any = None, json: Any = None, **kwargs: Any) -> ResponseContextManager:
        """Sends a HEAD request (redirects are not followed unless allow_redirects=True)."""
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, data=data, json=json, **kwargs)

    def post(self, url: Any, data: Any = None, json: Any = None, **kwargs: Any) -> ResponseContextManager:
        """Sends a POST request."""
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: Any, data: Any = None, *, json: Any = None, **kwargs: Any) -> ResponseContextManager:
        """Sends a PUT request."""
        return self.request("PUT", url, data=data, json=json, **kwargs)

    def patch(self, url: Any, data: Any = None, *, json: Any = None, **kwargs: Any) -> ResponseContextManager:
        """Sends a PATCH request."""
        return self.request("PATCH", url, data=data, json=json, **kwargs)

    def delete(self, url: Any, *, data: Any = None, json: Any = None, **kwargs: Any) -> ResponseContextManager:
        """Sends a DELETE request."""
        return self.request("DELETE", url, data=data, json=json, **kwargs)

    def mount(self, prefix: str, adapter: Any) -> None:
        """Accepted for compatibility: the engine's transport serves every URL."""
        self.adapters[prefix] = adapter

    def __enter__(self) -> HttpSession:  # noqa: PYI034  typing.Self needs Python 3.11
        return self

    def __exit__(self, *args: object) -> None:
        self.close()
