"""requests' exception classes and the texts of errors: the engine's connection errors
keep its text as repr() (what Locust's stats show), and HttpUser's connection errors are
wrapped the way requests wraps them.

The classes are requests' own (``requests.exceptions``), so ``except
requests.exceptions.RequestException`` in a locustfile catches what rocust raises, as
under Locust.
"""

from __future__ import annotations

import ast
import builtins
import http.client
import re
import socket
from typing import Any, Dict
from urllib.parse import urlsplit

from requests.cookies import CookieConflictError
from requests.exceptions import (
    ChunkedEncodingError,
    ConnectionError,
    ConnectTimeout,
    ContentDecodingError,
    HTTPError,
    InvalidHeader,
    InvalidJSONError,
    InvalidSchema,
    InvalidURL,
    JSONDecodeError,
    MissingSchema,
    ReadTimeout,
    RequestException,
    SSLError,
    StreamConsumedError,
    Timeout,
    TooManyRedirects,
)

from . import CLIENTS, present_as
from .urls import _path_url

# Re-exported: locust.clients and the rest of the package take them from here.
__all__ = [
    "ChunkedEncodingError",
    "ConnectTimeout",
    "ConnectionError",
    "ContentDecodingError",
    "CookieConflictError",
    "HTTPError",
    "InvalidHeader",
    "InvalidJSONError",
    "InvalidSchema",
    "InvalidURL",
    "JSONDecodeError",
    "MissingSchema",
    "ReadTimeout",
    "RequestException",
    "SSLError",
    "StreamConsumedError",
    "Timeout",
    "TooManyRedirects",
]


class _EngineError:
    """Mixin of connection errors reported by the engine: repr() is the engine's text
    (what Locust's stats show), str() what the original exception would print."""

    text: str
    message: str | None = None
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


_ERROR_BASES: dict[str, type] = {
    "RemoteDisconnected": http.client.RemoteDisconnected,
    "IncompleteRead": http.client.IncompleteRead,
    "gaierror": socket.gaierror,
    "ConnectionError": ConnectionError,
    "ConnectTimeout": ConnectTimeout,
    # urllib3's, which requests wraps in ConnectTimeout.
    "ConnectTimeoutError": TimeoutError,
    "ReadTimeout": ReadTimeout,
    "Timeout": Timeout,
    "TooManyRedirects": TooManyRedirects,
    "InvalidURL": InvalidURL,
    "ChunkedEncodingError": ChunkedEncodingError,
    "ContentDecodingError": ContentDecodingError,
}


class ErrorKinds:
    """How one client turns the engine's error texts into exceptions: the base class for
    a text's outermost name (builtins are found by name), else ``default``."""

    def __init__(self, bases: Dict[str, type], default: type) -> None:
        self.bases = bases
        self.default = default
        self.classes: Dict[str, type] = {}


#: HttpUser's errors: requests' classes.
HTTP_ERRORS = ErrorKinds(_ERROR_BASES, ConnectionError)
_error_classes = HTTP_ERRORS.classes

_GHC_ORIGINAL = re.compile(r"(?:^|, )original=(.*)$", re.DOTALL)


def engine_error(text: str, response: Any = None, kinds: ErrorKinds = HTTP_ERRORS) -> BaseException:
    """The exception for the engine's error ``text``: named like the text's outermost
    call (a subclass of the builtin of that name when there is one), repr() = text.
    geventhttpclient's RetriesExceeded also gets its ``url`` and ``original`` error."""
    name = text.partition("(")[0]
    cls = kinds.classes.get(name)
    if cls is None:
        builtin = getattr(builtins, name, None)
        if isinstance(builtin, type) and issubclass(builtin, Exception):
            base: type = builtin
        else:
            base = kinds.bases.get(name, kinds.default)
        cls = type(name if name.isidentifier() else "ConnectionError", (_EngineError, base), {"__module__": CLIENTS})
        kinds.classes[name] = cls
    exc = cls(text)
    exc.text = text
    exc.response = response
    exc.request = getattr(response, "request", None)
    ghc = _GHC_ERROR.match(text)
    if ghc:
        exc.url = ghc.group(1)
        original = _GHC_ORIGINAL.search(ghc.group(2))
        if original:
            exc.original = _original_error(original.group(1))
    return exc  # type: ignore[no-any-return]


def _original_error(text: str) -> BaseException:
    """The error geventhttpclient gave up on, from its str() in a RetriesExceeded text."""
    if text == "timed out":
        return socket.timeout("timed out")
    return OSError(text)


class _WrappedConnectionError(_EngineError, ConnectionError):
    """requests' ConnectionError around a connection failure (what HttpUser's
    ``response.error`` is); the request event reports the inner error."""


_WrappedConnectionError.__name__ = _WrappedConnectionError.__qualname__ = "ConnectionError"


class _WrappedConnectTimeout(_EngineError, ConnectTimeout):
    """requests' ConnectTimeout around urllib3's ConnectTimeoutError."""


_WrappedConnectTimeout.__name__ = _WrappedConnectTimeout.__qualname__ = "ConnectTimeout"

_ABORTED = ("RemoteDisconnected(", "ConnectionResetError(", "BrokenPipeError(", "IncompleteRead(")


def requests_connection_error(inner: BaseException, url: str, response: Any) -> BaseException:
    """The requests exception for ``inner`` (the engine's error) for ``url``, which is what
    HttpUser's ``response.error`` is: errors requests raises as they are, others wrapped
    in ConnectionError (refused connections and aborted exchanges with requests' texts)."""
    text = repr(inner)
    wrapper: type[ConnectionError] = _WrappedConnectionError
    if isinstance(inner, RequestException):
        return inner
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
        if text.startswith("ConnectTimeoutError("):
            wrapper = _WrappedConnectTimeout
        outer, message_text = f"{wrapper.__name__}({text})", str(inner)
    exc: Any = wrapper(outer)
    exc.text, exc.message, exc.response = outer, message_text, response
    exc.request = getattr(response, "request", None)
    exc.__context__ = inner
    return exc  # type: ignore[no-any-return]


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


present_as(CLIENTS, _EngineError, _WrappedConnectionError, _WrappedConnectTimeout)
