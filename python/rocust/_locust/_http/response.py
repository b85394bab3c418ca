"""HttpSession's responses: requests' Response over the engine's RawResponse, and
ResponseContextManager, which reports the request (at once, or at the exit of a
catch_response with-block). Also the catch_response surface both clients share."""

from __future__ import annotations

import datetime
import json as _json
import re
from collections.abc import Iterator
from typing import Any, Optional

from ..exception import CatchResponseError, LocustError, ResponseError
from . import CLIENTS, present_as
from .cookies import RequestsCookieJar, _response_cookies
from .encoding import detect_encoding, encoding_from_headers
from .exceptions import HTTPError, JSONDecodeError, StreamConsumedError, http_error_message
from .stream import RawBody, StreamedBody
from .structures import CaseInsensitiveDict, case_insensitive_from_pairs
from .transport import RawResponse
from .urls import _path_url

#: Marks a lazily computed attribute that is not computed yet.
_UNSET: Any = object()

_MISSING_CATCH_RESPONSE = (
    "If you want to change the state of the request using .success() or .failure(), you must pass "
    "catch_response=True. See http://docs.locust.io/en/stable/writing-a-locustfile.html#validating-responses"
)
_NOT_ENTERED = (
    "Tried to set status on a request that has not yet been made. Make sure you use a with-block, like this:"
    "\n\nwith self.client.request(..., catch_response=True) as response:\n    response.{}"
)
_WITH_NEEDS_CATCH = "In order to use a with-block for requests, you must also pass catch_response=True"


class CatchResponse:
    """``success()`` and ``failure()`` of both clients' ResponseContextManager: inside
    a catch_response with-block they decide how the request is reported at its exit."""

    # Empty, so that it fits any response layout; the responses have a __dict__ for
    # what is set here (hence the ignores).
    __slots__ = ()

    _manual_result: bool | BaseException | None = None
    _entered: bool = False

    def success(self) -> None:
        """Reports the request as a success (inside a catch_response with-block)."""
        if not self._entered:
            raise LocustError(_NOT_ENTERED.format("success()"))
        self._manual_result = True  # type: ignore[misc]

    def failure(self, exc: Any) -> None:
        """Reports the request as failed with ``exc`` (a string becomes a CatchResponseError)."""
        if not self._entered:
            raise LocustError(_NOT_ENTERED.format("failure(...)"))
        self._manual_result = exc if isinstance(exc, Exception) else CatchResponseError(exc)  # type: ignore[misc]


class PreparedRequest:
    """The request as sent (the surface of requests' PreparedRequest)."""

    __slots__ = ("__dict__", "body", "headers", "method", "url")

    def __init__(self, method: str, url: str | None, headers: CaseInsensitiveDict, body: Any) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body

    @property
    def path_url(self) -> str:
        return _path_url(self.url or "")

    def __repr__(self) -> str:
        return f"<PreparedRequest [{self.method}]>"


#: What a Response knows of its request: (request_type, name, url of the first hop,
#: body as requests shows it, whether the request event takes the length from
#: Content-Length (a ``stream=True`` argument), method on the wire).
RequestInfo = tuple[str, Optional[str], str, Any, bool, str]


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
    _url: str | None
    _headers: CaseInsensitiveDict
    _content: bytes | None
    _encoding: str | None
    _reason: str | None
    _request: PreparedRequest
    _history: list[Response]
    _cookies: RequestsCookieJar
    _body: StreamedBody | None = None
    """The body still to read, for a streamed response (``stream=True``)."""
    _iterated: bool = False
    """A streamed body was handed out by iter_content to its end (not kept)."""

    def __init__(self, raw: RawResponse, req: RequestInfo) -> None:
        self._raw = raw
        self._req = req
        self.status_code: int = raw.status

    @property
    def url(self) -> str | None:
        """The final URL (after redirects); None after a connection error."""
        cached = getattr(self, "_url", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        return None if self._raw.error is not None else self._raw.url

    @url.setter
    def url(self, value: str | None) -> None:
        self._url = value

    @property
    def headers(self) -> CaseInsensitiveDict:
        cached = getattr(self, "_headers", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        self._headers = case_insensitive_from_pairs(self._raw.headers)
        return self._headers

    @headers.setter
    def headers(self, value: CaseInsensitiveDict) -> None:
        self._headers = value

    @property
    def content(self) -> bytes | None:
        """The body (decompressed); None after a connection error. A streamed body is
        read (the rest of it) on first use."""
        cached = getattr(self, "_content", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        if self._raw.error is not None:
            return None
        body = self._body
        if body is None:
            return self._raw.body
        if self._iterated:
            raise RuntimeError("The content for this response was already consumed")
        self._content = body.read(None, decode=True)
        return self._content

    @content.setter
    def content(self, value: bytes | None) -> None:
        self._content = value

    @property
    def encoding(self) -> str | None:
        """From the Content-Type header (requests' rules); settable."""
        cached = getattr(self, "_encoding", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        self._encoding = encoding_from_headers(self.headers.get("content-type"))
        return self._encoding

    @encoding.setter
    def encoding(self, value: str | None) -> None:
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
    def reason(self) -> str | None:
        cached = getattr(self, "_reason", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        return None if self._raw.error is not None else self._raw.reason

    @reason.setter
    def reason(self, value: str | None) -> None:
        self._reason = value

    @property
    def history(self) -> list[Response]:
        """The redirect responses, oldest first."""
        cached = getattr(self, "_history", _UNSET)
        if cached is not _UNSET:
            return cached  # type: ignore[no-any-return]
        method = self._req[5]
        self._history = [Response(h, (method, None, h.url, None, False, method)) for h in self._raw.history]
        return self._history

    @history.setter
    def history(self, value: list[Response]) -> None:
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
    def links(self) -> dict[str, dict[str, str]]:
        """The parsed Link header, keyed by rel (or url)."""
        links: dict[str, dict[str, str]] = {}
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
    def raw(self) -> RawBody:
        """urllib3's response as requests exposes it: for a streamed response, its body
        (``raw.read(n)``: ``n`` bytes as sent, undecoded); else already read."""
        raw = self.__dict__.get("_raw_body")
        if raw is None:
            raw = self.__dict__["_raw_body"] = RawBody(self._body, self.status_code, self.headers)
        return raw

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

    def iter_content(self, chunk_size: int | None = 1, decode_unicode: bool = False) -> Iterator[Any]:
        """The body in pieces of ``chunk_size``; a streamed body as it arrives (a
        chunked one chunk by chunk, as requests does)."""
        body = self._body
        streaming = body is not None and getattr(self, "_content", _UNSET) is _UNSET
        if streaming and self._iterated:
            raise StreamConsumedError()
        if chunk_size is not None and not isinstance(chunk_size, int):
            raise TypeError(f"chunk_size must be an int, it is instead a {type(chunk_size)}.")
        chunks: Iterator[bytes]
        if streaming and body is not None:
            chunks = self._stream_chunks(body, chunk_size)
        else:
            content = self.content or b""
            size = chunk_size or len(content) or 1
            chunks = (content[i : i + size] for i in range(0, len(content), size))
        if decode_unicode and self.encoding:
            return _decoded(chunks, self.encoding)
        return chunks

    def _stream_chunks(self, body: StreamedBody, chunk_size: int | None) -> Iterator[bytes]:
        yield from body.pieces(chunk_size, decode=True)
        self._iterated = True

    def iter_lines(
        self, chunk_size: int = 512, decode_unicode: bool = False, delimiter: Any | None = None
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
        """Releases a streamed response's connection (closed if its body was not read
        to the end)."""
        body = self._body
        if body is not None and not body.done:
            body.close()

    def __enter__(self) -> Response:  # noqa: PYI034  typing.Self needs Python 3.11
        return self

    def __exit__(self, *args: Any) -> Any:  # noqa: PYI036  subclasses take (exc, value, tb)
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


def _decoded(chunks: Iterator[bytes], encoding: str) -> Iterator[str]:
    """Text pieces of byte pieces, decoded as they come (requests'
    stream_decode_response_unicode)."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    for chunk in chunks:
        text = decoder.decode(chunk)
        if text:
            yield text
    text = decoder.decode(b"", final=True)
    if text:
        yield text


class ResponseContextManager(CatchResponse, Response):
    """What HttpSession's requests return: a Response that, with catch_response=True,
    is a context manager deciding at its exit how the request is reported."""

    __slots__ = ("_catch_response", "_meta", "_request_event")

    error: BaseException | None = None
    """The connection error, if the request got no response."""
    _inner_error: BaseException | None = None
    _request_event: Any
    _catch_response: bool
    _meta: dict[str, Any]

    def __init__(self, raw: RawResponse, req: RequestInfo, request_event: Any, catch_response: bool) -> None:
        self._raw = raw
        self._req = req
        self.status_code = raw.status
        self._request_event = request_event
        self._catch_response = catch_response

    @property
    def request_meta(self) -> dict[str, Any]:
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
    def request_meta(self, value: dict[str, Any]) -> None:
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

    def __enter__(self) -> ResponseContextManager:  # noqa: PYI034  typing.Self needs Python 3.11
        self._entered = True
        if not self._catch_response:
            raise LocustError(_WITH_NEEDS_CATCH)
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
            self._request_event.fire(**self.request_meta)
        else:
            self._report_by_status()
        return True


class RestResponseContextManager(ResponseContextManager):
    """The response of ``rest()``: ``js`` holds the parsed JSON (None if none)."""

    js: Any


present_as(CLIENTS, PreparedRequest, Response, ResponseContextManager, RestResponseContextManager)
