"""``locust.contrib.fasthttp``: FastHttpUser and its client, FastHttpSession.

The API is Locust's geventhttpclient-based one (FastResponse, its own failure rule and
error texts); the exchange itself is the engine's, through the same ``Transport`` as
HttpSession (see ``locust.clients``).
"""

from __future__ import annotations

import datetime
import json as _json
import re
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, Union
from urllib.parse import urlencode

from ..clients import (
    _UNSET,
    RawResponse,
    RequestsCookieJar,
    RestMixin,
    Transport,
    basic_auth,
    detect_encoding,
    encode_multipart,
    encode_params,
    encoding_from_headers,
    engine_error,
    request_listeners_allow_delegation,
    requote_uri,
    split_credentials,
    warn_once,
)
from ..exception import CatchResponseError, LocustError, ResponseError, StopTest
from ..user.users import NO_HOST_MESSAGE, User, make_client

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

absolute_http_url_regexp = re.compile(r"^https?://", re.IGNORECASE)

#: Statuses FastHttpUser counts as successes; the rest fail with LocustBadStatusCode.
VALID_RESPONSE_CODES = frozenset([200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 301, 302, 303, 304, 307, 308])

#: geventhttpclient's User-Agent (the version Locust 2.47.0 is installed with).
USER_AGENT = "python/gevent-http-client-2.6.1"

_BODY_METHODS = frozenset(["POST", "PUT", "PATCH"])
_NEEDS_REQUOTE = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,/:;=?@\[\]]")
_NO_CATCH = (
    "If you want to change the state of the request, you must pass catch_response=True. "
    "See http://docs.locust.io/en/stable/writing-a-locustfile.html#validating-responses"
)
_NOT_ENTERED = (
    "Tried to set status on a request that has not yet been made. Make sure you use a with-block, like this:"
    "\n\nwith self.client.request(..., catch_response=True) as response:\n    response.{}"
)


class ConnectionError(Exception):
    """geventhttpclient's ConnectionError: ``URL <url>: <text>``."""

    def __init__(self, url: Any, *args: Any, **kw: Any) -> None:
        self.url = url
        self.__dict__.update(kw)
        if args and isinstance(args[0], str):
            self.text = args[0] if len(args) == 1 else args[0] + ": " + str(args[1:])
        else:
            self.text = str(args[0]) if len(args) == 1 else ""
        self.kw_text = ", ".join(f"{key}={val}" for key, val in kw.items())
        if kw:
            self.text += (", " if self.text else "") + self.kw_text

    def __str__(self) -> str:
        return f"URL {self.url}: {self.text}" if self.text else f"URL {self.url}"

    def __repr__(self) -> str:
        text = super().__repr__()
        return text.replace(")", f", {self.kw_text})") if self.kw_text else text


class LocustBadStatusCode(ConnectionError):
    """A status outside VALID_RESPONSE_CODES; repr() is ``LocustBadStatusCode(code=N)``."""

    code: int
    response: Any
    request: Any

    def __repr__(self) -> str:
        text = super().__repr__()
        return text.replace(repr(self.url) + ", ", "") if self.kw_text else text


class Headers(Dict[str, Any]):
    """geventhttpclient's Headers: case-insensitive, a repeated field reads as a list
    of its values; iterating gives the lower-cased names."""

    def __init__(self, headers: Any = None, **kwargs: Any) -> None:
        super().__init__()
        if headers is not None:
            self.extend(headers)
        if kwargs:
            self.extend(kwargs)

    @classmethod
    def _from_pairs(cls, pairs: List[Tuple[str, str]]) -> "Headers":
        h = cls()
        for k, v in pairs:
            h.add(k, v)
        return h

    def add(self, field: str, value: Any) -> None:
        if isinstance(value, (list, tuple)):
            for item in value:
                self.add(field, item)
            return
        lower = field.lower()
        old = dict.get(self, lower)
        if old is None:
            dict.__setitem__(self, lower, (field, value))
        elif isinstance(old, tuple):
            dict.__setitem__(self, lower, [old, (field, value)])
        else:
            old.append((field, value))

    def extend(self, other: Any = (), **kwargs: Any) -> None:
        items = other.items() if hasattr(other, "items") else other
        for field, value in items:
            self.add(field, value)
        for field, value in kwargs.items():
            self.add(field, value)

    def __setitem__(self, field: str, value: Any) -> None:
        if isinstance(value, (list, tuple)):
            dict.__setitem__(self, field.lower(), [(field, item) for item in value])
        else:
            dict.__setitem__(self, field.lower(), (field, value))

    def __getitem__(self, field: str) -> Any:
        vals = dict.__getitem__(self, field.lower())
        return vals[1] if isinstance(vals, tuple) else [v[1] for v in vals]

    def __delitem__(self, field: str) -> None:
        dict.__delitem__(self, field.lower())

    def __contains__(self, field: object) -> bool:
        return isinstance(field, str) and dict.__contains__(self, field.lower())

    def get(self, field: str, default: Any = None) -> Any:
        try:
            return self[field]
        except KeyError:
            return default

    def getlist(self, field: str) -> List[str]:
        vals = dict.get(self, field.lower())
        if vals is None:
            return []
        return [vals[1]] if isinstance(vals, tuple) else [v[1] for v in vals]

    getheaders = getallmatchingheaders = getlist

    def get_all(self, field: str, failobj: Any = None) -> Any:
        return self.getlist(field) or failobj

    def pop(self, field: str, *default: Any) -> Any:
        try:
            value = self[field]
        except KeyError:
            if default:
                return default[0]
            raise
        del self[field]
        return value

    def discard(self, field: str) -> None:
        dict.pop(self, field.lower(), None)

    def setdefault(self, field: str, default: Any = "") -> Any:
        if field in self:
            return self[field]
        self[field] = default
        return default

    def update(self, other: Any = (), **kwargs: Any) -> None:  # type: ignore[override]
        items = other.items() if hasattr(other, "items") else other
        for field, value in items:
            self[field] = value
        for field, value in kwargs.items():
            self[field] = value

    def items(self) -> Iterator[Tuple[str, str]]:  # type: ignore[override]
        """Every header line, repeated fields included."""
        for vals in dict.values(self):
            if isinstance(vals, tuple):
                yield vals
            else:
                yield from vals

    def values(self) -> List[Any]:  # type: ignore[override]
        return [self[k] for k in self]

    def itermerged(self) -> Iterator[Tuple[str, str]]:
        for vals in dict.values(self):
            yield vals if isinstance(vals, tuple) else (vals[0][0], ", ".join(v[1] for v in vals))

    def compatible_dict(self) -> Dict[str, str]:
        return dict(self.itermerged())

    def copy(self) -> "Headers":
        return Headers(list(self.items()))

    def __len__(self) -> int:
        return sum(1 if isinstance(v, tuple) else len(v) for v in dict.values(self))

    def __eq__(self, other: object) -> bool:
        if not hasattr(other, "keys"):
            return False
        other_h = other if isinstance(other, Headers) else Headers(other)
        return {k: self[k] for k in self} == {k: other_h[k] for k in other_h}

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"Headers({dict(self.itermerged())})"

    def __str__(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.items())


class FastRequest:
    """The request as sent (geventhttpclient's CompatRequest surface)."""

    def __init__(self, url: str, method: str, headers: Headers, payload: Any) -> None:
        self.url = url
        self.method = method
        self.headers = headers
        self.payload = payload

    @property
    def body(self) -> Any:
        return self.payload

    @property
    def full_url(self) -> str:
        return self.url

    def get_full_url(self) -> str:
        return self.url

    def get_method(self) -> str:
        return self.method

    def __repr__(self) -> str:
        return f"<FastRequest {self.method} {self.url}>"


#: (request_type, name, built url, payload, stream, method on the wire, sent headers).
FastRequestInfo = Tuple[str, str, str, Any, bool, str, List[Tuple[str, str]]]


class FastResponse:
    """FastHttpSession's response (Locust's FastResponse over the engine's answer)."""

    __slots__ = ("__dict__", "_headers", "_history", "_info", "_pos", "_raw", "_req_obj", "encoding")

    error: Optional[BaseException] = None
    """The connection error, or LocustBadStatusCode for a failing status."""
    _headers: Optional[Headers]
    _req_obj: FastRequest
    _history: List["FastResponse"]

    def __init__(self, raw: RawResponse, info: FastRequestInfo) -> None:
        self._raw = raw
        self._info = info
        self._pos = 0 if info[4] else -1
        self.encoding: Optional[str] = None
        """Set it before reading ``text`` to override the detected encoding."""

    @property
    def status_code(self) -> int:
        return self._raw.status

    @property
    def headers(self) -> Optional[Headers]:
        """The response headers (None after a connection error)."""
        cached = getattr(self, "_headers", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        self._headers = None if self._raw.error is not None else Headers._from_pairs(self._raw.headers)
        return self._headers

    @headers.setter
    def headers(self, value: Optional[Headers]) -> None:
        self._headers = value

    @property
    def content(self) -> Optional[bytes]:
        if self._raw.error is not None:
            return None
        self._pos = -1
        return self._raw.body

    @property
    def text(self) -> Optional[str]:
        """The body decoded by Content-Type's charset (requests' rules), else detected."""
        content = self.content
        if content is None:
            return None
        if self.encoding is None:
            headers = self.headers
            self.encoding = encoding_from_headers(headers.get("content-type") if headers is not None else None)
            if not self.encoding:
                self.encoding = detect_encoding(content)
        return str(content, str(self.encoding), errors="replace")

    @property
    def url(self) -> Optional[str]:
        """The request URL (the final one after redirects)."""
        return self.request.url

    @property
    def request(self) -> FastRequest:
        """The request of the final hop."""
        cached = getattr(self, "_req_obj", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        raw, info = self._raw, self._info
        url, method, payload = info[2], info[5], info[3]
        if raw.history and raw.error is None:
            url = raw.url
            if method != "HEAD" and any(h.status in (301, 302, 303) for h in raw.history):
                method, payload = "GET", None
        self._req_obj = FastRequest(url, method, Headers(info[6]), payload)
        return self._req_obj

    @request.setter
    def request(self, value: FastRequest) -> None:
        self._req_obj = value

    @property
    def _request(self) -> FastRequest:
        return self.request

    @property
    def history(self) -> List["FastResponse"]:
        cached = getattr(self, "_history", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        # As in Locust: the hops share the final request (so its URL), and a
        # failing response has no history.
        if self._raw.status not in VALID_RESPONSE_CODES:
            self._history = []
        else:
            info, url = self._info, self.url or ""
            self._history = [
                FastResponse(h, (info[0], info[1], url, None, False, info[5], [])) for h in self._raw.history
            ]
        return self._history

    @property
    def elapsed(self) -> datetime.timedelta:
        return datetime.timedelta(seconds=self._raw.elapsed)

    @property
    def ok(self) -> bool:
        """True if the status is below 400 (also for a connection error: status 0)."""
        return self.status_code < 400

    def json(self) -> Any:
        return _json.loads(self.text)  # type: ignore[arg-type]

    def raise_for_status(self) -> None:
        """Raises the connection or bad-status error of the request, if any."""
        if self.error:
            raise self.error

    def read(self, n: Optional[int] = None) -> bytes:
        """The next ``n`` bytes of a stream=True body (b"" once consumed)."""
        if self._pos < 0 or self._raw.error is not None:
            return b""
        body = self._raw.body
        end = len(body) if n is None else min(len(body), self._pos + n)
        chunk = body[self._pos : end]
        self._pos = end
        return chunk

    def iter_content(self, chunk_size: int = 1024, decode_content: bool = True) -> Iterator[Any]:
        """The body of a stream=True response in chunks (str when decodable as UTF-8)."""
        if self._raw.error is not None:
            raise LocustError("Cannot iterate content on a response without _response attribute")
        while True:
            chunk: Any = self.read(chunk_size)
            if not chunk:
                break
            if decode_content:
                try:
                    chunk = chunk.decode("utf-8")
                except UnicodeDecodeError:
                    pass
            yield chunk

    def info(self) -> Optional[Headers]:
        return self.headers

    @property
    def status(self) -> str:
        return str(self.status_code)

    @property
    def data(self) -> Optional[bytes]:
        return self.content

    def release(self) -> None:
        """Nothing to release: the engine has read the whole body."""

    def isclosed(self) -> bool:
        return True

    def __len__(self) -> int:
        headers = self.headers
        if headers is None:
            return 0
        length = headers.get("content-length")
        return int(length) if isinstance(length, str) else len(self._raw.body)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *args: Any) -> Any:
        self.release()

    def success(self) -> None:
        raise LocustError(_NO_CATCH)

    def failure(self, *_args: Any, **_kwargs: Any) -> None:
        raise LocustError(_NO_CATCH)


class ErrorResponse(FastResponse):
    """The response of a request that got no HTTP answer: status 0, no headers,
    content and text None, ``error`` is what went wrong."""

    __slots__ = ()


class ResponseContextManager(FastResponse):
    """FastHttpSession's response with catch_response=True: a context manager that
    reports the request at its exit (success()/failure() decide, else the status)."""

    __slots__ = ("_catch_response", "_request_event", "request_meta")

    _manual_result: Union[bool, BaseException, None] = None
    _entered = False

    def __init__(
        self, raw: RawResponse, info: FastRequestInfo, request_event: Any, request_meta: Dict[str, Any], catch: bool
    ) -> None:
        super().__init__(raw, info)
        self._request_event = request_event
        self.request_meta = request_meta
        self._catch_response = catch

    def __enter__(self) -> "ResponseContextManager":
        if not self._catch_response:
            raise LocustError("In order to use a with-block for requests, you must also pass catch_response=True")
        self._entered = True
        return self

    def __exit__(self, exc: Any, value: Any, tb: Any) -> bool:
        manual = self._manual_result
        if manual is not None:
            self.request_meta["exception"] = None if manual is True else manual
            self._request_event.fire(**self.request_meta)
            return exc is None
        if exc:
            if not isinstance(value, ResponseError):
                return False
            self.request_meta["exception"] = value
        else:
            self.request_meta["exception"] = self.error
        self._request_event.fire(**self.request_meta)
        return True

    def success(self) -> None:
        """Reports the request as a success."""
        if not self._entered:
            raise LocustError(_NOT_ENTERED.format("success()"))
        self._manual_result = True

    def failure(self, exc: Any) -> None:
        """Reports the request as failed with ``exc`` (a string becomes a CatchResponseError)."""
        if not self._entered:
            raise LocustError(_NOT_ENTERED.format("failure(...)"))
        self._manual_result = exc if isinstance(exc, Exception) else CatchResponseError(exc)

    def raise_for_status(self) -> None:
        manual = self._manual_result
        if not manual:
            super().raise_for_status()
        elif isinstance(manual, BaseException):
            raise manual


class RestResponseContextManager(ResponseContextManager):
    """The response of ``rest()``: ``js`` holds the parsed JSON (None if none)."""

    __slots__ = ()
    js: Any


def _merge(pairs: List[Tuple[str, str]], extra: Any) -> List[Tuple[str, str]]:
    """``pairs`` with ``extra`` set over them case-insensitively (geventhttpclient's
    Headers.update: a replaced field keeps its place and takes the new name's case)."""
    out: Dict[str, Tuple[str, Any]] = {k.lower(): (k, v) for k, v in pairs}
    for k, v in extra.items():
        out[k.lower()] = (k, v)
    lines: List[Tuple[str, str]] = []
    for k, v in out.values():
        if isinstance(v, (list, tuple)):
            lines += [(k, str(item)) for item in v]
        else:
            lines.append((k, v.decode("latin-1") if isinstance(v, bytes) else str(v)))
    return lines


class FastHttpSession:
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

    auth_header: Optional[str] = None

    def __init__(
        self,
        environment: Any,
        base_url: Optional[str],
        user: Any,
        transport: Transport,
        insecure: bool = True,
        client_pool: Any = None,
        ssl_context_factory: Optional[Callable[..., Any]] = None,
        *,
        request_event: Any = None,
        network_timeout: Optional[float] = None,
        connection_timeout: Optional[float] = None,
        max_redirects: Optional[int] = None,
        max_retries: Optional[int] = None,
        headers: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> None:
        self.environment = environment
        self.request_event = request_event if request_event is not None else environment.events.request
        self.user = user
        self.transport = transport
        self.insecure = insecure
        self.request_name: Optional[str] = None
        """Stats name used while ``rename_request`` is active."""

        def setting(value: Any, attr: str, default: Any) -> Any:
            return value if value is not None else getattr(user, attr, default)

        self.network_timeout: Optional[float] = setting(network_timeout, "network_timeout", 60.0)
        self.connection_timeout: Optional[float] = setting(connection_timeout, "connection_timeout", 60.0)
        self.max_redirects: int = setting(max_redirects, "max_redirects", 30)
        self.max_retries: int = setting(max_retries, "max_retries", 0)
        if headers is None:
            headers = getattr(user, "default_headers", None)
        self.default_headers = _merge([("User-Agent", USER_AGENT)], headers or {})
        self._plain_headers = _merge(self.default_headers, {"Accept-Encoding": "gzip, deflate, br"})
        self.cookiejar = RequestsCookieJar(transport)
        if client_pool is not None or ssl_context_factory is not None:
            warn_once("client_pool", "rocust: FastHttpUser client_pool/ssl_context_factory are ignored")
        if kwargs.get("proxy_host"):
            warn_once("proxy", "rocust: FastHttpUser proxy_host/proxy_port are not supported and are ignored")
        self.base_url: Optional[str] = base_url
        if base_url:
            self.base_url, credentials = split_credentials(base_url)
            if credentials:
                self.auth_header = basic_auth(*credentials)

    def _build_url(self, path: str) -> str:
        """``path`` appended to base_url, unless it is an absolute http(s) URL."""
        return path if absolute_http_url_regexp.match(path) else f"{self.base_url}{path}"

    @contextmanager
    def rename_request(self, name: str) -> Iterator[None]:
        """Reports the requests made in the with-block under ``name``."""
        self.request_name = name
        try:
            yield
        finally:
            self.request_name = None

    def request(
        self,
        method: str,
        url: str,
        name: Optional[str] = None,
        data: Any = None,
        catch_response: bool = False,
        stream: bool = False,
        headers: Optional[Dict[str, Any]] = None,
        auth: Optional[Tuple[Any, Any]] = None,
        json: Any = None,
        allow_redirects: bool = True,
        context: Dict[str, Any] = {},  # Locust's signature; never mutated
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
            wire_url = built_url if _NEEDS_REQUOTE.search(built_url) is None else requote_uri(built_url)
            return self._exchange(
                method, wire, name or url, built_url, wire_url, self._plain_headers, body, None, stream,
                allow_redirects, catch_response, context,
            )  # fmt: skip

        hdrs: Dict[str, Any] = dict(headers) if headers else {}
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
        if _NEEDS_REQUOTE.search(wire_url) is not None:
            wire_url = requote_uri(wire_url)
        if max_redirects is not None and int(max_redirects) <= 0:
            allow_redirects = False
        return self._exchange(
            method, wire, name or url, built_url, wire_url, pairs, body, payload, stream, allow_redirects,
            catch_response, context,
        )  # fmt: skip

    @staticmethod
    def _payload(data: Any, files: Any, present: Set[str]) -> Tuple[Optional[bytes], List[Tuple[str, str]]]:
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
        headers: List[Tuple[str, str]],
        body: Optional[bytes],
        payload: Any,
        stream: bool,
        allow_redirects: bool,
        catch_response: bool,
        context: Dict[str, Any],
    ) -> Any:
        event = self.request_event
        record = None
        if not catch_response and not stream and wire == rtype and request_listeners_allow_delegation(event):
            record = name
        raw = self.transport.send(
            wire, wire_url, headers, body, self.network_timeout, allow_redirects, not self.insecure, record, 1
        )
        info = (rtype, name, built_url, payload, stream, wire, headers)
        if raw.recorded:
            return FastResponse(raw, info)
        if self.user:
            context = {**self.user.context(), **context}
        meta: Dict[str, Any] = {
            "request_type": rtype, "name": name, "context": context, "response": None, "exception": None,
            "start_time": raw.start_time, "url": built_url, "response_length": 0,
        }  # fmt: skip
        resp = ErrorResponse(raw, info) if raw.error is not None else FastResponse(raw, info)
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

    def close(self) -> None:
        self.transport.close()


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
    default_headers: Optional[Dict[str, str]] = None
    """Headers sent with every request."""
    concurrency: int = 10
    """Connections per user for ``client.request`` called from several greenlets."""
    proxy_host: Optional[str] = None
    proxy_port: Optional[int] = None
    client_pool: Any = None
    """A connection pool shared between users (accepted; rocust pools per engine)."""
    ssl_context_factory: Optional[Callable[..., Any]] = None

    abstract = True

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        if self.host is None:
            raise StopTest(NO_HOST_MESSAGE)
        self.client: Any = make_client("FastHttpUser", self)
