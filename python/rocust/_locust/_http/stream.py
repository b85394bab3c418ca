"""Streamed response bodies (``stream=True``), read on demand through the transport.

``StreamedBody`` is the body on the engine; ``RawBody`` is requests' ``response.raw``
(urllib3's reads: ``read(amt)`` waits for ``amt`` bytes, undecoded unless asked) and
``FastStream`` geventhttpclient's ``response.stream`` (``read``, ``readline``,
iteration in 4 KB blocks), both over it. requests' ``iter_content`` hands a chunked
body out chunk by chunk as it arrives; other bodies in pieces of ``chunk_size``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import CLIENTS, FASTHTTP, present_as
from .exceptions import engine_error
from .transport import BodyStream, Transport

#: "Until the end of the body".
ALL = 1 << 62


class StreamedBody:
    """A streamed body on the transport; ``done`` once read to its end or closed."""

    __slots__ = ("_stream", "_transport", "chunked", "done")

    def __init__(self, transport: Transport, stream: BodyStream) -> None:
        self._transport = transport
        self._stream = stream
        self.chunked: bool = stream.chunked
        self.done = False

    def pieces(self, want: int | None, decode: bool) -> Iterator[bytes]:
        """The rest as it arrives: a chunked body chunk by chunk, others ``want`` bytes
        at a time."""
        while piece := self.read(want, decode, per_chunk=True):
            yield piece

    def read(self, want: int | None, decode: bool, per_chunk: bool = False, limit: int | None = None) -> bytes:
        """``want`` bytes (None: all the rest; fewer at the end; b"" once it ended) and
        up to ``limit`` of what already arrived, or with ``per_chunk`` the next chunk of
        a chunked body. Raises requests' error."""
        if self.done:
            return b""
        n = ALL if want is None else max(int(want), 1)
        data, error = self._transport.read_body(self._stream, n, max(n, limit or n), per_chunk, decode)
        if error is not None:
            self.done = True
            raise engine_error(error)
        if not data:
            self.done = True
        return data

    def close(self) -> None:
        """Releases the connection (closed unless the body was read to its end)."""
        self.done = True
        self._stream.close()


class RawBody:
    """requests' ``response.raw`` (urllib3's HTTPResponse) over a streamed body, or over
    nothing for a response whose body was already read."""

    __slots__ = ("_body", "decode_content", "headers", "status")

    def __init__(self, body: StreamedBody | None, status: int, headers: Any) -> None:
        self._body = body
        self.status = status
        self.headers = headers
        self.decode_content = False

    def read(self, amt: int | None = None, decode_content: bool | None = None, cache_content: bool = False) -> bytes:
        """Waits for ``amt`` bytes (all the rest when None); undecoded unless
        ``decode_content``."""
        if self._body is None:
            return b""
        decode = self.decode_content if decode_content is None else decode_content
        return self._body.read(amt, bool(decode))

    def stream(self, amt: int | None = 2**16, decode_content: bool | None = None) -> Iterator[bytes]:
        """The body in pieces: a chunked one chunk by chunk, others ``amt`` at a time."""
        if self._body is not None:
            yield from self._body.pieces(amt, bool(self.decode_content if decode_content is None else decode_content))

    def read_chunked(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        return self.stream(amt, decode_content)

    def readable(self) -> bool:
        return True

    def isclosed(self) -> bool:
        return self._body is None or self._body.done

    @property
    def closed(self) -> bool:
        return self.isclosed()

    def close(self) -> None:
        if self._body is not None:
            self._body.close()

    def release_conn(self) -> None:
        self.close()

    def __iter__(self) -> Iterator[bytes]:
        return self.stream()


class FastStream:
    """geventhttpclient's ``response.stream`` over a streamed body (None: a body already
    read): ``read(n)`` waits for ``n`` bytes (all the rest when None), undecoded;
    iterating gives 4 KB blocks."""

    __slots__ = ("_body", "_buffer")

    block_size = 4096

    def __init__(self, body: StreamedBody | None) -> None:
        self._body = body
        self._buffer = b""

    def read_rest(self) -> bytes:
        """The rest of the body, decompressed (FastResponse's ``content``)."""
        rest = b"" if self._body is None else self._body.read(None, decode=True)
        data, self._buffer = self._buffer + rest, b""
        return data

    def read(self, length: int | None = None) -> bytes:
        if length is not None and len(self._buffer) >= length:
            data, self._buffer = self._buffer[:length], self._buffer[length:]
            return data
        want = None if length is None else length - len(self._buffer)
        data, self._buffer = self._buffer + _fast_read(self._body, want), b""
        return data

    def readline(self, sep: bytes = b"\r\n") -> bytes:
        while sep not in self._buffer:
            # What has arrived, as geventhttpclient's recv(block_size) takes it.
            more = _fast_read(self._body, 1, self.block_size)
            if not more:
                line, self._buffer = self._buffer, b""
                return line
            self._buffer += more
        end = self._buffer.index(sep) + len(sep)
        line, self._buffer = self._buffer[:end], self._buffer[end:]
        return line

    @property
    def message_complete(self) -> bool:
        return (self._body is None or self._body.done) and not self._buffer

    def release(self) -> None:
        if self._body is not None:
            self._body.close()

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        data = self.read(self.block_size)
        if not data:
            raise StopIteration
        return data


def _fast_read(body: StreamedBody | None, want: int | None, limit: int | None = None) -> bytes:
    """geventhttpclient's read: a read that times out raises ``TimeoutError('timed
    out')`` as its gevent socket does."""
    if body is None:
        return b""
    try:
        return body.read(want, decode=False, limit=limit)
    except Exception as e:
        if repr(e).startswith("ConnectionError(ReadTimeoutError("):
            raise TimeoutError("timed out") from None
        raise


present_as(CLIENTS, StreamedBody, RawBody)
present_as(FASTHTTP, FastStream)
