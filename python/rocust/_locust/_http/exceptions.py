"""requests' exception classes (names and hierarchy) and the texts of errors: the
engine's connection errors keep its text as repr() (what Locust's stats show), and
HttpUser's connection errors are wrapped the way requests wraps them."""

from __future__ import annotations

import ast
import builtins
import http.client
import json as _json
import re
import socket
from typing import Any
from urllib.parse import urlsplit

from . import CLIENTS, present_as
from .urls import _path_url


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


class StreamConsumedError(RequestException, TypeError):
    """The content of a streamed response was already handed out."""


class CookieConflictError(RuntimeError):
    """Several cookies have the asked name."""


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
    "ReadTimeout": ReadTimeout,
    "Timeout": Timeout,
    "TooManyRedirects": TooManyRedirects,
    "InvalidURL": InvalidURL,
}
_error_classes: dict[str, type] = {}


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
        cls = type(name if name.isidentifier() else "ConnectionError", (_EngineError, base), {"__module__": CLIENTS})
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


present_as(
    CLIENTS,
    RequestException,
    HTTPError,
    ConnectionError,
    Timeout,
    ConnectTimeout,
    ReadTimeout,
    TooManyRedirects,
    InvalidURL,
    MissingSchema,
    InvalidSchema,
    InvalidHeader,
    InvalidJSONError,
    JSONDecodeError,
    StreamConsumedError,
    CookieConflictError,
    _EngineError,
    _WrappedConnectionError,
)
