"""FastHttpSession's responses and errors: geventhttpclient's surface (FastResponse,
its request, ConnectionError) with FastHttpUser's failure rule (LocustBadStatusCode)."""

from __future__ import annotations

import datetime
import json as _json
from collections.abc import Iterator
from typing import Any

from ..exception import LocustError, ResponseError
from . import FASTHTTP, present_as
from .encoding import detect_encoding, encoding_from_headers
from .exceptions import ConnectionError as RequestsConnectionError
from .response import _UNSET, CatchResponse
from .stream import FastStream, StreamedBody
from .structures import Headers, headers_from_pairs
from .transport import RawResponse

#: Statuses FastHttpUser counts as successes; the rest fail with LocustBadStatusCode.
VALID_RESPONSE_CODES = frozenset([200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 301, 302, 303, 304, 307, 308])

_NO_CATCH = (
    "If you want to change the state of the request, you must pass catch_response=True. "
    "See http://docs.locust.io/en/stable/writing-a-locustfile.html#validating-responses"
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
FastRequestInfo = tuple[str, str, str, Any, bool, str, list[tuple[str, str]]]


class FastResponse:
    """FastHttpSession's response (Locust's FastResponse over the engine's answer)."""

    __slots__ = ("__dict__", "_headers", "_history", "_info", "_pos", "_raw", "_req_obj", "encoding")

    error: BaseException | None = None
    """The connection error, or LocustBadStatusCode for a failing status."""
    _headers: Headers | None
    _req_obj: FastRequest
    _history: list[FastResponse]
    _body: StreamedBody | None = None
    """The body still to read, for a streamed response (``stream=True``)."""

    def __init__(self, raw: RawResponse, info: FastRequestInfo) -> None:
        self._raw = raw
        self._info = info
        self._pos = 0 if info[4] else -1
        self.encoding: str | None = None
        """Set it before reading ``text`` to override the detected encoding."""

    @property
    def status_code(self) -> int:
        return self._raw.status

    @property
    def headers(self) -> Headers | None:
        """The response headers (None after a connection error)."""
        cached = getattr(self, "_headers", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        self._headers = None if self._raw.error is not None else headers_from_pairs(self._raw.headers)
        return self._headers

    @headers.setter
    def headers(self, value: Headers | None) -> None:
        self._headers = value

    @property
    def content(self) -> bytes | None:
        """The body, decompressed; a streamed one is read (the rest of it) on first use."""
        if self._raw.error is not None:
            return None
        body = self._body
        if body is not None:
            cached = self.__dict__.get("_content")
            if cached is None:
                cached = self.__dict__["_content"] = self._fast_stream().read_rest()
            return cached
        self._pos = -1
        return self._raw.body

    @property
    def text(self) -> str | None:
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
    def url(self) -> str | None:
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
    def history(self) -> list[FastResponse]:
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

    @property
    def stream(self) -> FastStream:
        """The body as geventhttpclient's socket response: ``read(n)``, ``readline()``,
        iteration in 4 KB blocks (a body not streamed has already been read)."""
        return self._fast_stream()

    def _fast_stream(self) -> FastStream:
        stream = self.__dict__.get("_stream")
        if stream is None:
            stream = self.__dict__["_stream"] = FastStream(self._body)
        return stream

    def read(self, n: int | None = None) -> bytes:
        """The next ``n`` bytes of a stream=True body (b"" once consumed)."""
        if self._body is not None:
            return self._fast_stream().read(n)
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
            try:
                chunk: Any = self.read(chunk_size)
            except RequestsConnectionError:
                # A connection that broke off ends the iteration, as in Locust.
                break
            if not chunk:
                break
            if decode_content:
                try:
                    chunk = chunk.decode("utf-8")
                except UnicodeDecodeError:
                    pass
            yield chunk

    def info(self) -> Headers | None:
        return self.headers

    @property
    def status(self) -> str:
        return str(self.status_code)

    @property
    def data(self) -> bytes | None:
        return self.content

    def release(self) -> None:
        """Releases a streamed response's connection (closed unless its body was read
        to the end)."""
        if self._body is not None:
            self._body.close()

    def isclosed(self) -> bool:
        return self._body is None or self._body.done

    def __len__(self) -> int:
        headers = self.headers
        if headers is None:
            return 0
        length = headers.get("content-length")
        return int(length) if isinstance(length, str) else len(self._raw.body)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *args: Any) -> Any:  # noqa: PYI036  subclasses take (exc, value, tb)
        self.release()

    def success(self) -> None:
        raise LocustError(_NO_CATCH)

    def failure(self, *_args: Any, **_kwargs: Any) -> None:
        raise LocustError(_NO_CATCH)


class ErrorResponse(FastResponse):
    """The response of a request that got no HTTP answer: status 0, no headers,
    content and text None, ``error`` is what went wrong."""

    __slots__ = ()


class ResponseContextManager(CatchResponse, FastResponse):
    """FastHttpSession's response with catch_response=True: a context manager that
    reports the request at its exit (success()/failure() decide, else the status)."""

    __slots__ = ("_catch_response", "_request_event", "request_meta")

    def __init__(
        self, raw: RawResponse, info: FastRequestInfo, request_event: Any, request_meta: dict[str, Any], catch: bool
    ) -> None:
        super().__init__(raw, info)
        self._request_event = request_event
        self.request_meta = request_meta
        self._catch_response = catch

    def __enter__(self) -> ResponseContextManager:  # noqa: PYI034  typing.Self needs Python 3.11
        if not self._catch_response:
            raise LocustError("In order to use a with-block for requests, you must also pass catch_response=True")
        self._entered = True
        return self

    def __exit__(self, exc: object, value: object, tb: object) -> bool:
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


present_as(
    FASTHTTP,
    ConnectionError,
    LocustBadStatusCode,
    FastRequest,
    FastResponse,
    ErrorResponse,
    ResponseContextManager,
    RestResponseContextManager,
)
