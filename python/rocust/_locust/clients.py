"""``locust.clients``: HttpUser's ``client`` (HttpSession) and its responses.

The HTTP exchange itself is the engine's: an HttpSession prepares what requests
would send (URL, headers, body) and hands it to a per-user ``Transport``; the answer
comes back as a ``RawResponse`` and is dressed as a requests-like Response. Reporting
follows Locust's HttpSession rules (names, failure rule, catch_response).

When nobody listens to the request event, a non-catch_response request is recorded
by the engine itself (``record_name``) and Python only fires the event for failures,
which keeps the Python cost of a request to a few microseconds.
"""

from __future__ import annotations

import ast
import base64
import binascii
import builtins
import datetime
import http.client
import json as _json
import logging
import os
import re
import socket
import time
import traceback
from contextlib import contextmanager
from http.cookiejar import Cookie
from http.cookies import SimpleCookie
from typing import (
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    MutableMapping,
    Optional,
    Protocol,
    Set,
    Tuple,
    Union,
)
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from .event import EventHook
from .exception import CatchResponseError, LocustError, ResponseError

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

logger = logging.getLogger("locust.clients")

absolute_http_url_regexp = re.compile(r"^https?://", re.IGNORECASE)

#: Marks a lazily computed attribute that is not computed yet.
_UNSET: Any = object()

#: Characters that make requests' requote_uri change a URL (or need a fragment cut).
_NEEDS_REQUOTE = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,/:;=?@\[\]]")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

#: requests' default session headers (Locust adds none). The version is the one
#: Locust 2.47.0 is installed with, so servers see the same User-Agent.
DEFAULT_HEADERS: Tuple[Tuple[str, str], ...] = (
    ("User-Agent", "python-requests/2.34.2"),
    ("Accept-Encoding", "gzip, deflate, br"),
    ("Accept", "*/*"),
    ("Connection", "keep-alive"),
)


class RawResponse(Protocol):
    """What ``Transport.send`` returns (a plain object made by the engine)."""

    status: int  # 0 on a connection-level error
    reason: str
    headers: List[Tuple[str, str]]  # as received, repeated names kept
    body: bytes  # content-encoding (gzip/deflate/br) already undone
    url: str  # final URL, after redirects
    history: List["RawResponse"]  # redirect hops, oldest first (body b"")
    elapsed: float  # seconds from start to the full body
    error: Optional[str]  # repr() text Locust shows for a connection error, else None
    recorded: bool  # the engine recorded it in its stats (see Transport.send)
    request_headers: List[Tuple[str, str]]  # sent on the final hop, defaults included
    start_time: float  # epoch seconds


class Transport(Protocol):
    """One user's HTTP connection pool and cookie jar, implemented by the engine."""

    def send(
        self,
        method: str,
        url: str,
        headers: List[Tuple[str, str]],
        body: Optional[bytes],
        timeout: Optional[float],
        allow_redirects: bool,
        verify: Optional[bool],
        record_name: Optional[str],
        fail_rule: int,
    ) -> RawResponse:
        """Blocks the calling greenlet (not the hub) until the exchange is complete.

        ``url`` is absolute and already quoted; ``headers`` (a list shared between
        requests: never modify it) is everything to send except Host, Content-Length
        (added for a non-None body unless present) and the jar's Cookie header (added
        unless ``headers`` has a Cookie). ``timeout`` applies to connecting and to
        each read. With
        ``record_name`` the engine records the request under that name when it is
        a success by ``fail_rule`` (0: requests' rule, status >= 400 or a connection
        error fails; 1: FastHttpUser's, statuses other than 200-208, 226, 301, 302,
        303, 304, 307, 308 fail) and sets ``recorded``; otherwise Python fires the
        request event.
        """
        ...

    def cookies(self) -> List[Tuple[str, str, str, str]]:
        """The jar as (name, value, domain, path); domain "" matches every host."""
        ...

    def set_cookie(self, name: str, value: str, domain: str, path: str) -> None: ...

    def clear_cookies(self) -> None: ...

    def close(self) -> None: ...


# --- exceptions (requests' names and hierarchy) -------------------------------------


class RequestException(OSError):
    """Base of the errors of a request (requests.exceptions.RequestException)."""

    def __init__(self, *args: Any, response: Any = None, request: Any = None) -> None:
        super().__init__(*args)
        self.response = response
        self.request = request if request is not None or response is None else getattr(response, "request", None)


class HTTPError(RequestException):
    """An HTTP status of 400-599 (from ``raise_for_status``)."""


class ConnectionError(RequestException):
    """The connection failed."""


class Timeout(RequestException):
    """The request timed out."""


class ConnectTimeout(ConnectionError, Timeout):
    """Connecting timed out."""


class ReadTimeout(Timeout):
    """The server did not answer in time."""


class TooManyRedirects(RequestException):
    """More redirects than allowed."""


class InvalidURL(RequestException, ValueError):
    """The URL is not valid."""


class MissingSchema(RequestException, ValueError):
    """The URL has no scheme."""


class InvalidSchema(RequestException, ValueError):
    """The URL's scheme is not http or https."""


class InvalidHeader(RequestException, ValueError):
    """A header name or value is not valid."""


class InvalidJSONError(RequestException):
    """A JSON error."""


class JSONDecodeError(InvalidJSONError, _json.JSONDecodeError):
    """The body is not valid JSON (both a RequestException and json's error)."""

    def __init__(self, msg: str, doc: str, pos: int) -> None:
        _json.JSONDecodeError.__init__(self, msg, doc, pos)
        self.response = None
        self.request = None


class CookieConflictError(RuntimeError):
    """Several cookies have the asked name."""


class _EngineError:
    """Mixin of connection errors reported by the engine: repr() is the engine's text
    (what Locust's stats show), str() what the original exception would print."""

    text: str
    message: Optional[str] = None
    response: Any
    request: Any

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        if self.message is not None:
            return self.message
        ghc = _GHC_ERROR.match(self.text)
        if ghc:
            # geventhttpclient's ConnectionError(url, *args, **kw): "URL <url>: <args>, <kw>"
            return f"URL {ghc.group(1)}: {ghc.group(2)}"
        try:
            return _str_of(ast.parse(self.text, mode="eval").body, self.text)
        except (SyntaxError, ValueError, TypeError):
            return self.text


_GHC_ERROR = re.compile(r"^RetriesExceeded\('([^']*)', (.*)\)$", re.DOTALL)


def _str_of(node: ast.expr, source: str) -> str:
    """str() of the exception whose repr is ``node``."""
    if not isinstance(node, ast.Call):
        return str(ast.literal_eval(node))
    args = node.args
    if not args:
        return ""
    if len(args) == 1:
        return _str_of(args[0], source)
    values = [ast.get_source_segment(source, a) or "" for a in args]
    if len(args) == 2 and isinstance(args[0], ast.Constant) and isinstance(args[0].value, int):
        return f"[Errno {args[0].value}] {ast.literal_eval(args[1])}"
    return "(" + ", ".join(values) + ")"


_ERROR_BASES: Dict[str, type] = {
    "RemoteDisconnected": http.client.RemoteDisconnected,
    "IncompleteRead": http.client.IncompleteRead,
    "gaierror": socket.gaierror,
    "ConnectionError": ConnectionError,
    "ConnectTimeout": ConnectTimeout,
    "ReadTimeout": ReadTimeout,
    "Timeout": Timeout,
    "TooManyRedirects": TooManyRedirects,
    "InvalidURL": InvalidURL,
}
_error_classes: Dict[str, type] = {}


def engine_error(text: str, response: Any = None) -> BaseException:
    """The exception for the engine's error ``text``: named like the text's outermost
    call (a subclass of the builtin of that name when there is one), repr() = text."""
    name = text.partition("(")[0]
    cls = _error_classes.get(name)
    if cls is None:
        builtin = getattr(builtins, name, None)
        if isinstance(builtin, type) and issubclass(builtin, Exception):
            base: type = builtin
        else:
            base = _ERROR_BASES.get(name, ConnectionError)
        cls = type(name if name.isidentifier() else "ConnectionError", (_EngineError, base), {"__module__": __name__})
        _error_classes[name] = cls
    exc = cls(text)
    exc.text = text
    exc.response = response
    exc.request = getattr(response, "request", None)
    return exc  # type: ignore[no-any-return]


class _WrappedConnectionError(_EngineError, ConnectionError):
    """requests' ConnectionError around a connection failure (what HttpUser's
    ``response.error`` is); the request event reports the inner error."""


_WrappedConnectionError.__name__ = _WrappedConnectionError.__qualname__ = "ConnectionError"

_ABORTED = ("RemoteDisconnected(", "ConnectionResetError(", "BrokenPipeError(", "IncompleteRead(")


def requests_connection_error(inner: BaseException, url: str, response: Any) -> BaseException:
    """The requests exception that wraps ``inner`` (the engine's error) for ``url``:
    refused connections and aborted exchanges get requests' texts; others are kept."""
    text = repr(inner)
    if text.startswith("ConnectionRefusedError("):
        parts = urlsplit(url)
        https = parts.scheme == "https"
        host, port = parts.hostname, parts.port or (443 if https else 80)
        conn = f"HTTP{'S' if https else ''}Connection(host='{host}', port={port})"
        cause = f"NewConnectionError({conn + ': Failed to establish a new connection: ' + str(inner)!r})"
        message = (
            f"HTTP{'S' if https else ''}ConnectionPool(host='{host}', port={port}): Max retries exceeded with url: "
            f"{_path_url(url)} (Caused by {cause})"
        )
        outer, message_text = f"ConnectionError(MaxRetryError({message!r}))", message
    elif text.startswith(_ABORTED):
        outer = f"ConnectionError(ProtocolError('Connection aborted.', {text}))"
        message_text = f"('Connection aborted.', {text})"
    else:
        return inner
    exc = _WrappedConnectionError(outer)
    exc.text, exc.message, exc.response = outer, message_text, response
    exc.request = getattr(response, "request", None)
    return exc


# --- headers -------------------------------------------------------------------------


class CaseInsensitiveDict(MutableMapping[str, Any]):
    """requests' CaseInsensitiveDict: keys compare case-insensitively and keep the
    case they were last set with."""

    __slots__ = ("_store", "_version")

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        self._store: Dict[str, Tuple[str, Any]] = {}
        self._version = 0
        if data is not None:
            self.update(data)
        if kwargs:
            self.update(kwargs)

    @classmethod
    def _from_pairs(cls, pairs: List[Tuple[str, str]]) -> "CaseInsensitiveDict":
        """Received headers: repeated names joined with ", " like urllib3."""
        d = cls()
        store = d._store
        for k, v in pairs:
            lk = k.lower()
            old = store.get(lk)
            store[lk] = (k, v) if old is None else (old[0], old[1] + ", " + v)
        return d

    def __setitem__(self, key: str, value: Any) -> None:
        self._store[key.lower()] = (key, value)
        self._version += 1

    def __getitem__(self, key: str) -> Any:
        return self._store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]
        self._version += 1

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._store

    def lower_items(self) -> Iterator[Tuple[str, Any]]:
        return ((lk, kv[1]) for lk, kv in self._store.items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return dict(self.lower_items()) == dict(CaseInsensitiveDict(other).lower_items())

    def copy(self) -> "CaseInsensitiveDict":
        return CaseInsensitiveDict(self._store.values())

    def __repr__(self) -> str:
        return str(dict(self.items()))


def _header_value(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    raise InvalidHeader(f"Header part ({value!r}) from {(name, value)} must be of type str or bytes, not {type(value)}")


# --- cookies -------------------------------------------------------------------------


class _MemoryCookies:
    """A cookie store outside the engine (response cookies, copies)."""

    def __init__(self, items: Optional[List[Tuple[str, str, str, str]]] = None) -> None:
        self.items: List[Tuple[str, str, str, str]] = items or []

    def cookies(self) -> List[Tuple[str, str, str, str]]:
        return list(self.items)

    def set_cookie(self, name: str, value: str, domain: str, path: str) -> None:
        self.items = [c for c in self.items if (c[0], c[2], c[3]) != (name, domain, path)]
        self.items.append((name, value, domain, path))

    def clear_cookies(self) -> None:
        self.items = []


def make_cookie(name: str, value: str, domain: str = "", path: str = "/") -> Cookie:
    """An http.cookiejar.Cookie like requests' create_cookie makes."""
    return Cookie(
        0, name, value, None, False, domain, bool(domain), domain.startswith("."), path, bool(path),
        False, None, False, None, None, {}, False,
    )  # fmt: skip


class RequestsCookieJar:
    """requests' RequestsCookieJar (a dict-like view of cookies) over a store: the
    engine's jar for a session, a private list for a response. Iterating yields
    http.cookiejar.Cookie objects, like requests."""

    def __init__(self, store: Any = None) -> None:
        self._store = store if store is not None else _MemoryCookies()

    def _all(self) -> List[Tuple[str, str, str, str]]:
        return list(self._store.cookies())

    def __iter__(self) -> Iterator[Cookie]:
        return iter([make_cookie(*c) for c in self._all()])

    def __len__(self) -> int:
        return len(self._all())

    def __bool__(self) -> bool:
        return True

    def get(self, name: str, default: Any = None, domain: Optional[str] = None, path: Optional[str] = None) -> Any:
        try:
            return self._find(name, domain, path)
        except KeyError:
            return default

    def _find(self, name: str, domain: Optional[str] = None, path: Optional[str] = None) -> str:
        found = [
            c
            for c in self._all()
            if c[0] == name and (domain is None or c[2] == domain) and (path is None or c[3] == path)
        ]
        if not found:
            raise KeyError(f"name={name!r}, domain={domain!r}, path={path!r}")
        if len({(c[2], c[3]) for c in found}) > 1 and domain is None:
            raise CookieConflictError(f"There are multiple cookies with name, {name!r}")
        return found[0][1]

    def set(self, name: str, value: Any, **kwargs: Any) -> Optional[Cookie]:
        domain, path = kwargs.get("domain") or "", kwargs.get("path") or "/"
        if value is None:
            self.clear(domain=kwargs.get("domain"), path=kwargs.get("path"), name=name)
            return None
        value = value.value if hasattr(value, "value") else str(value)
        self._store.set_cookie(name, value, domain, path)
        return make_cookie(name, value, domain, path)

    def set_cookie(self, cookie: Any, *args: Any, **kwargs: Any) -> None:
        self._store.set_cookie(cookie.name, cookie.value or "", cookie.domain or "", cookie.path or "/")

    def __getitem__(self, name: str) -> str:
        return self._find(name)

    def __setitem__(self, name: str, value: Any) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        if not any(c[0] == name for c in self._all()):
            raise KeyError(name)
        self.clear(name=name)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            return any(c[0] == name for c in self._all())
        return any(getattr(name, "name", None) == c[0] for c in self._all())

    def clear(self, domain: Optional[str] = None, path: Optional[str] = None, name: Optional[str] = None) -> None:
        """Removes every cookie, or those of ``domain`` (and ``path``, ``name``)."""
        kept = []
        if domain is not None or name is not None:
            kept = [
                c
                for c in self._all()
                if not (
                    (domain is None or c[2] == domain)
                    and (path is None or c[3] == path)
                    and (name is None or c[0] == name)
                )
            ]
        self._store.clear_cookies()
        for c in kept:
            self._store.set_cookie(*c)

    def clear_session_cookies(self) -> None:
        self.clear()

    def keys(self) -> List[str]:
        return [c[0] for c in self._all()]

    def values(self) -> List[str]:
        return [c[1] for c in self._all()]

    def items(self) -> List[Tuple[str, str]]:
        return [(c[0], c[1]) for c in self._all()]

    iterkeys = keys
    itervalues = values
    iteritems = items

    def list_domains(self) -> List[str]:
        return list(dict.fromkeys(c[2] for c in self._all()))

    def list_paths(self) -> List[str]:
        return list(dict.fromkeys(c[3] for c in self._all()))

    def multiple_domains(self) -> bool:
        return len(self.list_domains()) > 1

    def get_dict(self, domain: Optional[str] = None, path: Optional[str] = None) -> Dict[str, str]:
        return {
            c[0]: c[1] for c in self._all() if (domain is None or c[2] == domain) and (path is None or c[3] == path)
        }

    def update(self, other: Any) -> None:
        if isinstance(other, RequestsCookieJar):
            for c in other._all():
                self._store.set_cookie(*c)
        elif isinstance(other, Mapping):
            for k, v in other.items():
                self.set(k, v)
        else:
            for cookie in other:
                self.set_cookie(cookie)

    def copy(self) -> "RequestsCookieJar":
        return RequestsCookieJar(_MemoryCookies(self._all()))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}[{', '.join(str(c) for c in self)}]>"


def _cookie_matches(cookie: Tuple[str, str, str, str], host: str, path: str) -> bool:
    domain = cookie[2].lstrip(".")
    if domain and host != domain and not host.endswith("." + domain):
        return False
    cpath = cookie[3] or "/"
    return path == cpath or path.startswith(cpath if cpath.endswith("/") else cpath + "/")


def cookie_header(store: Any, url: str, extra: Any) -> str:
    """The Cookie header requests sends for ``url`` with per-request ``extra`` cookies:
    the jar's matching cookies, overridden by ``extra`` (which is not persisted)."""
    parts = urlsplit(url)
    host, path = (parts.hostname or "").lower(), parts.path or "/"
    merged = {c[0]: c[1] for c in store.cookies() if _cookie_matches(c, host, path)}
    if isinstance(extra, RequestsCookieJar):
        merged.update(extra.get_dict())
    elif isinstance(extra, Mapping):
        merged.update({k: str(v) for k, v in extra.items() if v is not None})
    else:
        merged.update({c.name: c.value for c in extra})
    return "; ".join(f"{k}={v}" for k, v in merged.items())


def _response_cookies(headers: List[Tuple[str, str]], url: str) -> RequestsCookieJar:
    """The cookies a response sets (its Set-Cookie headers)."""
    jar = RequestsCookieJar()
    parts = urlsplit(url)
    default_path = parts.path.rpartition("/")[0] or "/"
    for k, v in headers:
        if k.lower() != "set-cookie":
            continue
        parsed: SimpleCookie = SimpleCookie()
        try:
            parsed.load(v)
        except Exception:  # a malformed Set-Cookie is ignored, as http.cookiejar does
            continue
        for name, morsel in parsed.items():
            jar._store.set_cookie(
                name, morsel.value, morsel["domain"] or parts.hostname or "", morsel["path"] or default_path
            )
    return jar


# --- request preparation (requests' encodings) -----------------------------------


def requote_uri(uri: str) -> str:
    """requests' requote_uri: unquote unreserved characters, quote what is illegal."""
    pieces = uri.split("%")
    out = [pieces[0]]
    for piece in pieces[1:]:
        h = piece[:2]
        if len(h) == 2 and h.isalnum():
            try:
                c = chr(int(h, 16))
            except ValueError:
                # An invalid escape: every "%" is quoted as well.
                return quote(uri, safe="!#$&'()*+,/:;=?@[]~")
            out.append(c + piece[2:] if c in _UNRESERVED else "%" + piece)
        else:
            out.append("%" + piece)
    return quote("".join(out), safe="!#$%&'()*+,/:;=?@[]~")


def to_key_val_list(value: Any) -> List[Any]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, bool, int)):
        raise ValueError("cannot encode objects that are not 2-tuples")
    if isinstance(value, Mapping):
        return list(value.items())
    return list(value)


def encode_params(data: Any) -> Any:
    """requests' _encode_params: str/bytes as they are, pairs urlencoded (lists of
    values repeat the key, None values are dropped)."""
    if isinstance(data, (str, bytes)) or hasattr(data, "read"):
        return data
    if hasattr(data, "__iter__"):
        result = []
        for k, vs in to_key_val_list(data):
            if isinstance(vs, (str, bytes)) or not hasattr(vs, "__iter__"):
                vs = [vs]
            for v in vs:
                if v is not None:
                    result.append(
                        (k.encode("utf-8") if isinstance(k, str) else k, v.encode("utf-8") if isinstance(v, str) else v)
                    )
        return urlencode(result, doseq=True)
    return data


def _guess_filename(obj: Any) -> Optional[str]:
    name = getattr(obj, "name", None)
    if name and isinstance(name, (str, bytes)) and name[0] != "<" and name[-1] != ">":
        return os.path.basename(name.decode() if isinstance(name, bytes) else name)
    return None


def _multipart_param(name: str, value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return f'{name}="' + str(value).translate({10: "%0A", 13: "%0D", 34: "%22"}) + '"'


def encode_multipart(files: Any, data: Any, boundary: Optional[str] = None) -> Tuple[bytes, str]:
    """requests' _encode_files (urllib3's multipart/form-data layout): data fields
    first, then the files."""
    if not files:
        raise ValueError("Files must be provided.")
    if isinstance(data, (str, bytes)):
        raise ValueError("Data must not be a string.")
    boundary = boundary or binascii.hexlify(os.urandom(16)).decode()
    parts: List[bytes] = []

    def add(
        name: Any, payload: Any, filename: Optional[str] = None, ctype: Optional[str] = None, extra: Any = None
    ) -> None:
        disposition = "form-data; " + "; ".join(
            _multipart_param(k, v) for k, v in (("name", name), ("filename", filename)) if v is not None
        )
        lines = [f"Content-Disposition: {disposition}"]
        if ctype:
            lines.append(f"Content-Type: {ctype}")
        lines += [f"{k}: {v}" for k, v in (extra or {}).items() if v]
        if isinstance(payload, int):
            payload = str(payload)
        body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
        parts.append(f"--{boundary}\r\n".encode() + "\r\n".join(lines).encode() + b"\r\n\r\n" + body + b"\r\n")

    for field, val in to_key_val_list(data or {}):
        if isinstance(val, (str, bytes)) or not hasattr(val, "__iter__"):
            val = [val]
        for v in val:
            if v is not None:
                add(field.decode("utf-8") if isinstance(field, bytes) else field, v if isinstance(v, bytes) else str(v))
    for k, v in to_key_val_list(files):
        ft = fh = None
        if isinstance(v, (tuple, list)):
            if len(v) == 2:
                fn, fp = v
            elif len(v) == 3:
                fn, fp, ft = v
            else:
                fn, fp, ft, fh = v
        else:
            fn, fp = _guess_filename(v) or k, v
        if fp is None:
            continue
        fdata = fp if isinstance(fp, (str, bytes, bytearray)) else fp.read() if hasattr(fp, "read") else fp
        add(k, fdata, fn, ft, fh)
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def basic_auth(username: Any, password: Any) -> str:
    """The Authorization value of HTTP Basic auth (latin-1 credentials)."""
    user = username.encode("latin1") if isinstance(username, str) else username
    pw = password.encode("latin1") if isinstance(password, str) else password
    return "Basic " + base64.b64encode(b":".join((user, pw))).strip().decode("ascii")


def split_credentials(base_url: str) -> Tuple[str, Optional[Tuple[str, str]]]:
    """``base_url`` without user:password@, and the (percent-decoded) credentials."""
    from urllib.parse import unquote, urlparse, urlunparse

    parsed = urlparse(base_url)
    if parsed.username and parsed.password:
        netloc = parsed.netloc.rpartition("@")[2]
        stripped = urlunparse((parsed.scheme, netloc, parsed.path, parsed.params, parsed.query, parsed.fragment))
        return stripped, (unquote(parsed.username), unquote(parsed.password))
    return base_url, None


_warned: Set[str] = set()


def warn_once(key: str, message: str) -> None:
    """Logs ``message`` the first time ``key`` is seen in this process."""
    if key not in _warned:
        _warned.add(key)
        logger.warning(message)


def request_listeners_allow_delegation(request_event: Any) -> bool:
    """True when no Python listener needs the request event of a success: no
    listeners, or only ones marked ``rocust_engine_recorder = True`` by the engine."""
    handlers = getattr(request_event, "_handlers", None)
    if handlers is None:
        return False
    for h in handlers:
        if not getattr(h, "rocust_engine_recorder", False):
            return False
    return True


def detect_encoding(content: bytes) -> str:
    """Stand-in for charset detection (requests' apparent_encoding): ascii, utf-8,
    else ISO-8859-1 (which decodes anything)."""
    if content.isascii():
        return "ascii"
    try:
        content.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "ISO-8859-1"


def encoding_from_headers(content_type: Optional[str]) -> Optional[str]:
    """requests' get_encoding_from_headers for a Content-Type value."""
    if not content_type:
        return None
    ctype, _, params = content_type.partition(";")
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("'\"")
    if "text" in ctype:
        return "ISO-8859-1"
    if "application/json" in ctype:
        return "utf-8"
    return None


def http_error_message(status: int, reason: Any, url: Any) -> str:
    """requests' raise_for_status text, "" when the status is not an error."""
    if isinstance(reason, bytes):
        try:
            reason = reason.decode("utf-8")
        except UnicodeDecodeError:
            reason = reason.decode("iso-8859-1")
    if 400 <= status < 500:
        return f"{status} Client Error: {reason} for url: {url}"
    if 500 <= status < 600:
        return f"{status} Server Error: {reason} for url: {url}"
    return ""


# --- responses -----------------------------------------------------------------------

_MISSING_CATCH_RESPONSE = (
    "If you want to change the state of the request using .success() or .failure(), you must pass "
    "catch_response=True. See http://docs.locust.io/en/stable/writing-a-locustfile.html#validating-responses"
)
_NOT_ENTERED = (
    "Tried to set status on a request that has not yet been made. Make sure you use a with-block, like this:"
    "\n\nwith self.client.request(..., catch_response=True) as response:\n    response.{}"
)
_WITH_NEEDS_CATCH = "In order to use a with-block for requests, you must also pass catch_response=True"


class PreparedRequest:
    """The request as sent (the surface of requests' PreparedRequest)."""

    __slots__ = ("__dict__", "body", "headers", "method", "url")

    def __init__(self, method: str, url: Optional[str], headers: CaseInsensitiveDict, body: Optional[bytes]) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body

    @property
    def path_url(self) -> str:
        parts = urlsplit(self.url or "")
        return (parts.path or "/") + ("?" + parts.query if parts.query else "")

    def __repr__(self) -> str:
        return f"<PreparedRequest [{self.method}]>"


#: What a Response knows of its request: (request_type, name, url of the first hop,
#: body, stream, method on the wire).
RequestInfo = Tuple[str, Optional[str], str, Optional[bytes], bool, str]


class Response:
    """requests.Response over the engine's RawResponse; everything but the status is
    computed on first use."""

    __slots__ = (
        "__dict__",
        "_content",
        "_cookies",
        "_encoding",
        "_headers",
        "_history",
        "_raw",
        "_reason",
        "_req",
        "_request",
        "_url",
        "status_code",
    )  # fmt: skip

    _raw: RawResponse
    _req: RequestInfo
    _url: Optional[str]
    _headers: CaseInsensitiveDict
    _content: Optional[bytes]
    _encoding: Optional[str]
    _reason: Optional[str]
    _request: PreparedRequest
    _history: List["Response"]
    _cookies: RequestsCookieJar

    def __init__(self, raw: RawResponse, req: RequestInfo) -> None:
        self._raw = raw
        self._req = req
        self.status_code: int = raw.status

    @property
    def url(self) -> Optional[str]:
        """The final URL (after redirects); None after a connection error."""
        cached = getattr(self, "_url", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        return None if self._raw.error is not None else self._raw.url

    @url.setter
    def url(self, value: Optional[str]) -> None:
        self._url = value

    @property
    def headers(self) -> CaseInsensitiveDict:
        cached = getattr(self, "_headers", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        self._headers = CaseInsensitiveDict._from_pairs(self._raw.headers)
        return self._headers

    @headers.setter
    def headers(self, value: CaseInsensitiveDict) -> None:
        self._headers = value

    @property
    def content(self) -> Optional[bytes]:
        """The body (decompressed); None after a connection error."""
        cached = getattr(self, "_content", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        return None if self._raw.error is not None else self._raw.body

    @content.setter
    def content(self, value: Optional[bytes]) -> None:
        self._content = value

    @property
    def encoding(self) -> Optional[str]:
        """From the Content-Type header (requests' rules); settable."""
        cached = getattr(self, "_encoding", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        self._encoding = encoding_from_headers(self.headers.get("content-type"))
        return self._encoding

    @encoding.setter
    def encoding(self, value: Optional[str]) -> None:
        self._encoding = value

    @property
    def apparent_encoding(self) -> str:
        return detect_encoding(self.content or b"")

    @property
    def text(self) -> str:
        content = self.content
        if not content:
            return ""
        encoding = self.encoding or self.apparent_encoding
        try:
            return str(content, encoding, errors="replace")
        except (LookupError, TypeError):
            return str(content, errors="replace")

    @property
    def reason(self) -> Optional[str]:
        cached = getattr(self, "_reason", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        return None if self._raw.error is not None else self._raw.reason

    @reason.setter
    def reason(self, value: Optional[str]) -> None:
        self._reason = value

    @property
    def history(self) -> List["Response"]:
        """The redirect responses, oldest first."""
        cached = getattr(self, "_history", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        method = self._req[5]
        self._history = [Response(h, (method, None, h.url, None, False, method)) for h in self._raw.history]
        return self._history

    @history.setter
    def history(self, value: List["Response"]) -> None:
        self._history = value

    @property
    def elapsed(self) -> datetime.timedelta:
        return datetime.timedelta(seconds=self._raw.elapsed)

    @property
    def request(self) -> PreparedRequest:
        """The request of the final hop."""
        cached = getattr(self, "_request", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        raw, req = self._raw, self._req
        url = req[2] if raw.error is not None or not raw.url else raw.url
        body = req[3] if not raw.history else None
        self._request = PreparedRequest(req[5], url, CaseInsensitiveDict(raw.request_headers), body)
        return self._request

    @request.setter
    def request(self, value: PreparedRequest) -> None:
        self._request = value

    @property
    def cookies(self) -> RequestsCookieJar:
        """The cookies this response set."""
        cached = getattr(self, "_cookies", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        self._cookies = _response_cookies(self._raw.headers, self.url or self._req[2])
        return self._cookies

    @property
    def ok(self) -> bool:
        try:
            self.raise_for_status()
        except HTTPError:
            return False
        return True

    @property
    def is_redirect(self) -> bool:
        return "location" in self.headers and self.status_code in (301, 302, 303, 307, 308)

    @property
    def is_permanent_redirect(self) -> bool:
        return "location" in self.headers and self.status_code in (301, 308)

    @property
    def links(self) -> Dict[str, Dict[str, str]]:
        """The parsed Link header, keyed by rel (or url)."""
        links: Dict[str, Dict[str, str]] = {}
        for val in re.split(r", *<", self.headers.get("link") or ""):
            if not val:
                continue
            url, _, params = val.partition(";")
            link = {"url": url.strip("<> '\"")}
            for param in params.split(";"):
                key, _, value = param.partition("=")
                if value:
                    link[key.strip(" '\"")] = value.strip(" '\"")
            links[link.get("rel") or link["url"]] = link
        return links

    @property
    def next(self) -> None:
        return None

    @property
    def raw(self) -> None:
        """There is no urllib3 response under rocust."""
        return None

    def json(self, **kwargs: Any) -> Any:
        try:
            return _json.loads(self.text, **kwargs)
        except _json.JSONDecodeError as e:
            raise JSONDecodeError(e.msg, e.doc, e.pos) from None

    def raise_for_status(self) -> None:
        """HTTPError for statuses 400-599, with requests' message."""
        msg = http_error_message(self.status_code, self.reason, self.url)
        if msg:
            raise HTTPError(msg, response=self)

    def iter_content(self, chunk_size: Optional[int] = 1, decode_unicode: bool = False) -> Iterator[Any]:
        if chunk_size is not None and not isinstance(chunk_size, int):
            raise TypeError(f"chunk_size must be an int, it is instead a {type(chunk_size)}.")
        content = self.content or b""
        size = chunk_size or len(content) or 1
        chunks = (content[i : i + size] for i in range(0, len(content), size))
        if decode_unicode and self.encoding:
            import codecs

            decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
            return (s for s in [*(decoder.decode(c) for c in chunks), decoder.decode(b"", final=True)] if s)
        return chunks

    def iter_lines(
        self, chunk_size: int = 512, decode_unicode: bool = False, delimiter: Optional[Any] = None
    ) -> Iterator[Any]:
        pending = None
        for chunk in self.iter_content(chunk_size=chunk_size, decode_unicode=decode_unicode):
            if pending is not None:
                chunk = pending + chunk
            lines = chunk.split(delimiter) if delimiter else chunk.splitlines()
            pending = lines.pop() if lines and lines[-1] and chunk and lines[-1][-1] == chunk[-1] else None
            yield from lines
        if pending is not None:
            yield pending

    def close(self) -> None:
        """Nothing to release: the engine has read the whole body."""

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *args: Any) -> Any:
        self.close()

    def __bool__(self) -> bool:
        return self.ok

    def __iter__(self) -> Iterator[Any]:
        return self.iter_content(128)

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"

    def success(self) -> None:
        raise LocustError(_MISSING_CATCH_RESPONSE)

    def failure(self, *_args: Any, **_kwargs: Any) -> None:
        raise LocustError(_MISSING_CATCH_RESPONSE)


class ResponseContextManager(Response):
    """What HttpSession's requests return: a Response that, with catch_response=True,
    is a context manager deciding at its exit how the request is reported."""

    __slots__ = ("_catch_response", "_meta", "_request_event")

    error: Optional[BaseException] = None
    """The connection error, if the request got no response."""
    _manual_result: Union[bool, BaseException, None] = None
    _entered: bool = False
    _inner_error: Optional[BaseException] = None
    _request_event: Any
    _catch_response: bool
    _meta: Dict[str, Any]

    def __init__(self, raw: RawResponse, req: RequestInfo, request_event: Any, catch_response: bool) -> None:
        self._raw = raw
        self._req = req
        self.status_code = raw.status
        self._request_event = request_event
        self._catch_response = catch_response

    @property
    def request_meta(self) -> Dict[str, Any]:
        """The keyword arguments of the request event."""
        cached = getattr(self, "_meta", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        raw, req = self._raw, self._req
        length = int(self.headers.get("content-length") or 0) if req[4] else len(self.content or b"")
        self._meta = {
            "request_type": req[0], "response_time": raw.elapsed * 1000, "name": req[1], "context": {},
            "response": self, "exception": None, "start_time": raw.start_time, "url": req[2],
            "response_length": length,
        }  # fmt: skip
        return self._meta

    @request_meta.setter
    def request_meta(self, value: Dict[str, Any]) -> None:
        self._meta = value

    def raise_for_status(self) -> None:
        """Also raises the connection error, or what failure() was given."""
        manual = self._manual_result
        if not manual:
            if self.error:
                raise self.error
            Response.raise_for_status(self)
        elif isinstance(manual, BaseException):
            raise manual

    def _report_by_status(self) -> None:
        meta = self.request_meta
        exc = self.error
        if exc is not None:
            # Locust reports the innermost cause of a connection error.
            exc = self._inner_error or exc
        elif 400 <= self.status_code < 600:
            # Locust names the failure after the request name, not its URL, so that
            # one name does not spread over many error entries.
            exc = HTTPError(http_error_message(self.status_code, self.reason, meta["name"]), response=self)
        meta["exception"] = exc
        self._request_event.fire(**meta)

    def __enter__(self) -> "ResponseContextManager":
        self._entered = True
        if not self._catch_response:
            raise LocustError(_WITH_NEEDS_CATCH)
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
            self._request_event.fire(**self.request_meta)
        else:
            self._report_by_status()
        return True

    def success(self) -> None:
        """Reports the request as a success (inside a catch_response with-block)."""
        if not self._entered:
            raise LocustError(_NOT_ENTERED.format("success()"))
        self._manual_result = True

    def failure(self, exc: Any) -> None:
        """Reports the request as failed with ``exc`` (a string becomes a CatchResponseError)."""
        if not self._entered:
            raise LocustError(_NOT_ENTERED.format("failure(...)"))
        self._manual_result = exc if isinstance(exc, Exception) else CatchResponseError(exc)


class RestResponseContextManager(ResponseContextManager):
    """The response of ``rest()``: ``js`` holds the parsed JSON (None if none)."""

    js: Any


# --- the session ---------------------------------------------------------------------


def prepare_url(url: str, params: Any) -> str:
    """requests' PreparedRequest.prepare_url: checks, params appended, requoted."""
    if ":" in url and not url.lower().startswith("http"):
        raise InvalidSchema(f"No connection adapters were found for {url!r}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise InvalidURL(f"Failed to parse: {url}") from e
    if not parts.scheme:
        raise MissingSchema(f"Invalid URL {url!r}: No scheme supplied. Perhaps you meant https://{url}?")
    if not parts.hostname:
        raise InvalidURL(f"Invalid URL {url!r}: No host supplied")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = parts.netloc.rpartition("@")[0]
    netloc = (netloc + "@" if netloc else "") + host + (f":{port}" if port is not None else "")
    query = parts.query
    if params:
        enc = encode_params(params)
        if isinstance(enc, bytes):
            enc = enc.decode("utf-8")
        if enc:
            query = f"{query}&{enc}" if query else enc
    return requote_uri(urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, parts.fragment)))


def _path_url(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + ("?" + parts.query if parts.query else "")


def prepare_body(data: Any, json: Any, files: Any) -> Tuple[Optional[bytes], Optional[str]]:
    """requests' prepare_body: (body, Content-Type to set when none is given)."""
    if not data and json is not None:
        try:
            return _json.dumps(json, allow_nan=False).encode("utf-8"), "application/json"
        except ValueError as ve:
            raise InvalidJSONError(ve) from ve
    if files:
        return encode_multipart(files, data)
    if hasattr(data, "read"):
        chunk = data.read()
        return (chunk.encode("utf-8") if isinstance(chunk, str) else chunk), None
    if hasattr(data, "__iter__") and not isinstance(data, (str, bytes, list, tuple, Mapping)):
        return b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in data), None
    if not data:
        return None, None
    body = encode_params(data)
    ctype = None if isinstance(data, (str, bytes)) else "application/x-www-form-urlencoded"
    return (body.encode("utf-8") if isinstance(body, str) else body), ctype


class _AuthRequest:
    """What a callable ``auth`` (a requests AuthBase) gets to modify."""

    def __init__(self, method: str, url: str, headers: CaseInsensitiveDict, body: Optional[bytes]) -> None:
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


class HttpSession:
    """HttpUser's client: requests.Session's API (cookies kept per user), every request
    reported to ``request_event`` with Locust's rules.

    ``url`` may be a path (appended to ``base_url``) or an absolute http(s) URL. Extra
    arguments of the request methods: ``name`` (the stats name instead of the path),
    ``catch_response`` (decide success/failure in a with-block) and ``context``.
    """

    def __init__(
        self,
        base_url: str,
        request_event: EventHook,
        user: Any,
        transport: Transport,
        *args: Any,
        pool_manager: Any = None,
        **kwargs: Any,
    ) -> None:
        self.base_url, credentials = split_credentials(base_url)
        self.request_event = request_event
        self.user = user
        self.transport = transport
        self.request_name: Optional[str] = None
        """Stats name used while ``rename_request`` is active."""
        self.headers: MutableMapping[str, Any] = CaseInsensitiveDict(DEFAULT_HEADERS)
        self.auth: Any = credentials
        self.cookies = RequestsCookieJar(transport)
        self.params: Dict[str, Any] = {}
        self.hooks: Dict[str, List[Callable[..., Any]]] = {"response": []}
        self.verify: Any = True
        self.stream = False
        self.cert: Any = None
        self.proxies: Dict[str, str] = {}
        self.max_redirects = 30
        self.trust_env = True
        self.adapters: Dict[str, Any] = {}
        self.pool_manager = pool_manager
        self._headers_cache: Tuple[Any, int, List[Tuple[str, str]]] = (None, -1, [])
        self._base_src: Any = None
        self._fast_base: Optional[str] = None
        self._base_path = ""
        self._check_base()

    def _check_base(self) -> Optional[str]:
        """base_url when plain paths can be appended to it without requests' URL
        preparation (then the name is base path + path), else None."""
        base = self.base_url
        self._base_src, self._fast_base = base, None
        if isinstance(base, str) and absolute_http_url_regexp.match(base) and not _NEEDS_REQUOTE.search(base):
            parts = urlsplit(base)
            if parts.hostname and not parts.query and not parts.fragment and parts.netloc == parts.netloc.lower():
                self._fast_base, self._base_path = base, parts.path
        return self._fast_base

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

    def _session_headers(self) -> List[Tuple[str, str]]:
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
        name: Optional[str] = None,
        catch_response: bool = False,
        context: Dict[str, Any] = {},  # Locust's signature; never mutated
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
            or _NEEDS_REQUOTE.search(url) is not None
            or self.auth is not None
            or self.params
            or self.stream
            or self.hooks.get("response")
        ):
            return self._request_full(method, url, name, catch_response, context, data, json, allow_redirects, kwargs)
        wire = method.upper()
        return self._exchange(
            method, wire, base + url, name or self._base_path + url, self._session_headers(),
            None if wire == "GET" or wire == "HEAD" else b"", None, allow_redirects, self.verify is not False,
            False, catch_response, context, None,
        )  # fmt: skip

    def _request_full(
        self,
        method: str,
        url: Any,
        name: Optional[str],
        catch_response: bool,
        context: Dict[str, Any],
        data: Any,
        json: Any,
        allow_redirects: bool,
        kwargs: Dict[str, Any],
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
            headers, body = CaseInsensitiveDict(prepared.headers), prepared.body
        cookies = kwargs.get("cookies")
        if cookies and "cookie" not in headers:
            headers["Cookie"] = cookie_header(self.transport, full_url, cookies)

        timeout = kwargs.get("timeout")
        if isinstance(timeout, tuple):
            # (connect, read): the transport has one timeout, applied per read like
            # requests' read timeout (which is what catches a slow server).
            timeout = timeout[1]
        verify = kwargs.get("verify")
        verify = self.verify if verify is None else verify
        if isinstance(verify, str):
            warn_once("verify-path", "rocust: verify=<CA bundle path> is not supported; the system roots are used")
            verify = True
        for key in ("cert", "proxies"):
            if kwargs.get(key) or getattr(self, key):
                warn_once(key, f"rocust: the '{key}' argument of requests is not supported and is ignored")
        stream = kwargs.get("stream")
        stream = self.stream if stream is None else stream
        hooks = list(self.hooks.get("response") or [])
        extra = (kwargs.get("hooks") or {}).get("response")
        if extra:
            hooks += extra if isinstance(extra, (list, tuple)) else [extra]
        pairs = [(k, _header_value(k, v)) for k, v in headers.items() if v is not None]
        return self._exchange(
            method, wire, full_url, name, pairs, body, timeout, allow_redirects, bool(verify), bool(stream),
            catch_response, context, hooks,
        )  # fmt: skip

    def _exchange(
        self,
        rtype: str,
        wire: str,
        url: str,
        name: str,
        headers: List[Tuple[str, str]],
        body: Optional[bytes],
        timeout: Optional[float],
        allow_redirects: bool,
        verify: bool,
        stream: bool,
        catch_response: bool,
        context: Dict[str, Any],
        hooks: Optional[List[Callable[..., Any]]],
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
        raw = self.transport.send(wire, url, headers, body, timeout, allow_redirects, verify, record, 0)
        resp = ResponseContextManager(raw, (rtype, name, url, body, stream, wire), event, catch_response)
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
        elif stream:
            length = int(resp.headers.get("content-length") or 0)
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

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> "HttpSession":
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()


# --- rest() --------------------------------------------------------------------------


class RestMixin:
    """``rest`` and ``rest_`` for users with an HTTP ``client`` (HttpUser, FastHttpUser)."""

    _callstack_regex = re.compile(r'  File "(\/.[^"]*)", line (\d*),(.*)')
    client: Any

    @contextmanager
    def rest(self, method: str, url: str, headers: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Iterator[Any]:
        """A catch_response request with JSON headers whose parsed body is ``resp.js``;
        invalid JSON and exceptions raised in the with-block become failures."""
        headers = dict(headers) if headers else {}
        if not ("Content-Type" in headers or "content-type" in headers):
            headers["Content-Type"] = "application/json"
        if not ("Accept" in headers or "accept" in headers):
            headers["Accept"] = "application/json"
        with self.client.request(method, url, catch_response=True, headers=headers, **kwargs) as resp:
            resp.js = None
            if resp.content is None:
                resp.failure(str(resp.error))
            elif resp.text:
                try:
                    resp.js = resp.json()
                except _json.JSONDecodeError as e:
                    resp.failure(
                        f"Could not parse response as JSON. {resp.text[:250]}, response code {resp.status_code}, error {e}"
                    )
            try:
                yield resp
            except AssertionError as e:
                if not e.args:
                    resp.failure("Assertion failed")
                elif isinstance(e.args[0], str) and e.args[0].endswith(","):
                    short_resp = resp.text[:200] if resp.text else resp.text
                    resp.failure(f"{e.args[0][:-1]}, response was {short_resp}")
                else:
                    resp.failure(e.args[0])
            except Exception as e:  # rest() turns any error in the block into a failure
                places = []
                for line in traceback.format_exc().split("\n"):
                    m = self._callstack_regex.match(line)
                    if m:
                        filename = re.sub(r"/((home|Users)/\w*)/", "~/", m.group(1))
                        places.append(filename + ":" + m.group(2) + m.group(3))
                short_resp = resp.text[:200] if resp.text else resp.text
                resp.failure(f"{e.__class__.__name__}: {e} at {', '.join(places)}. Response was {short_resp}")

    @contextmanager
    def rest_(self, method: str, url: str, name: Optional[str] = None, **kwargs: Any) -> Iterator[Any]:
        """``rest`` with a cache-busting ``_=<milliseconds>`` query parameter; the
        stats name ends in ``_=...``."""
        separator = "&" if "?" in url else "?"
        if name is None:
            name = url + separator + "_=..."
        with self.rest(method, f"{url}{separator}_={int(time.time() * 1000)}", name=name, **kwargs) as resp:
            yield resp
