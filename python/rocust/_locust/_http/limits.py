"""Limits on the requests a session has in flight per origin, as Locust's clients have:
geventhttpclient's pool of ``concurrency`` connections per host:port (FastHttpUser, or an
HTTPClientPool shared by users) and urllib3's ``block=True`` pools (a shared
``pool_manager``). A request beyond the limit waits for a free slot, and its response
time and start time include the wait, as Locust's timer around the whole call does.

FastHttpSession takes and gives back its slots in its own request path (plain counters,
no extra call: every FastHttpUser request passes there) and wraps its transport in
``WaitReporting`` only once a request has had to wait; HttpSession, whose limit is rare,
wraps its transport in ``LimitedTransport``. The engine itself opens a new connection
whenever all are busy (requests' pools do the same when they do not block), so sessions
without a limit need nothing from here.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Deque, Dict, Optional, Tuple
from urllib.parse import urlsplit

from gevent import getcurrent
from gevent.hub import Waiter, get_hub

from .transport import BodyStream, RawResponse, TlsConfig, Transport, WebSocketChannel

#: Origins (scheme://netloc as cut from URLs) remembered per limit table.
_MAX_CACHED_ORIGINS = 256


class Slots:
    """``size`` requests at once; the next ones wait in turn. Plain counters on the
    common path (a gevent Semaphore costs a microsecond per request)."""

    __slots__ = ("free", "waiters")

    def __init__(self, size: int) -> None:
        self.free = size
        self.waiters: Deque[Waiter[Any]] = deque()

    def wait(self) -> None:
        """Blocks the calling greenlet until a slot is handed to it."""
        waiter: Waiter[Any] = Waiter()
        self.waiters.append(waiter)
        try:
            waiter.get()
        except BaseException:
            try:
                self.waiters.remove(waiter)
            except ValueError:  # the slot was handed over meanwhile: pass it on
                self.release()
            raise

    def release(self) -> None:
        """Frees a slot, or hands it to the first waiter."""
        if self.waiters:
            get_hub().loop.run_callback(self.waiters.popleft().switch, None)
        else:
            self.free += 1


class OriginLimits:
    """One ``Slots`` of ``size`` per (host, port), shared by every session that holds
    this table (one session, or all users of a shared pool)."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"concurrency must be at least 1 (got {size})")
        self.size = size
        self._by_key: Dict[Tuple[str, int], Slots] = {}
        self._by_origin: Dict[str, Slots] = {}
        self._last_prefix = "\0"
        self._last = Slots(size)  # (never used: no URL starts with NUL)

    def slots(self, url: str) -> Slots:
        """The slots of ``url``'s origin (an absolute URL)."""
        if url.startswith(self._last_prefix):
            return self._last
        cut = url.find("/", url.find("//") + 2)
        origin = url if cut < 0 else url[:cut]
        found = self._by_origin.get(origin)
        if found is None:
            parts = urlsplit(url)
            https = parts.scheme.lower() == "https"
            key = ((parts.hostname or "").lower(), parts.port or (443 if https else 80))
            found = self._by_key.get(key)
            if found is None:
                found = self._by_key[key] = Slots(self.size)
            if cut < 0 or len(self._by_origin) >= _MAX_CACHED_ORIGINS:
                return found
            self._by_origin[origin] = found
        self._last_prefix, self._last = origin + "/", found
        return found


#: Limit tables of pools shared between users, by id (the pool is kept alive beside it).
_shared: Dict[int, Tuple[Any, OriginLimits]] = {}


def shared_limits(pool: Any, size: int) -> OriginLimits:
    """The one table of ``pool`` (an HTTPClientPool or PoolManager shared by users)."""
    entry = _shared.get(id(pool))
    if entry is None or entry[0] is not pool:
        entry = _shared[id(pool)] = (pool, OriginLimits(size))
    return entry[1]


class _Wrapper:
    """A Transport around ``inner`` whose ``send`` changes; the rest goes straight through."""

    __slots__ = ("_inner",)

    def __init__(self, inner: Transport) -> None:
        self._inner = inner

    def read_body(
        self, stream: BodyStream, want: int, limit: int, per_chunk: bool, decode: bool
    ) -> tuple[bytes, str | None]:
        return self._inner.read_body(stream, want, limit, per_chunk, decode)

    def cookies(self) -> list[tuple[str, str, str, str]]:
        return self._inner.cookies()

    def set_cookie(self, name: str, value: str, domain: str, path: str) -> None:
        self._inner.set_cookie(name, value, domain, path)

    def clear_cookies(self) -> None:
        self._inner.clear_cookies()

    def close(self) -> None:
        self._inner.close()

    def websocket(self, request_type: str) -> WebSocketChannel:
        return self._inner.websocket(request_type)


class LimitedTransport(_Wrapper):
    """A Transport that lets at most ``limits.size`` requests per origin be in flight."""

    __slots__ = ("_limits", "_send")

    def __init__(self, inner: Transport, limits: OriginLimits) -> None:
        super().__init__(inner)
        self._limits = limits
        self._send = inner.send

    def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        timeout: float | None,
        allow_redirects: bool,
        tls: TlsConfig | None,
        record_name: str | None,
        fail_rule: int,
        stream: bool = False,
    ) -> RawResponse:
        limits = self._limits
        slots = limits._last if url.startswith(limits._last_prefix) else limits.slots(url)
        if slots.free > 0:
            slots.free -= 1
            try:
                return self._send(
                    method, url, headers, body, timeout, allow_redirects, tls, record_name, fail_rule, stream
                )
            finally:
                if slots.waiters:
                    slots.release()
                else:
                    slots.free += 1
        start_time = time.time()
        started = time.perf_counter()
        slots.wait()
        waited = time.perf_counter() - started
        try:
            # Recorded from Python, whose response time includes the wait.
            raw = self._inner.send(method, url, headers, body, timeout, allow_redirects, tls, None, fail_rule, stream)
        finally:
            slots.release()
        return _Waited(raw, waited, start_time)


class WaitReporting(_Wrapper):
    """The transport of a session whose requests have waited for a slot (wrapped at the
    first wait): the send that follows a wait, in the same greenlet, reports the wait in its
    time and start time, and leaves the recording to Python, which uses them."""

    __slots__ = ("_send", "waits")

    def __init__(self, inner: Transport) -> None:
        super().__init__(inner)
        self._send = inner.send
        #: (seconds waited, start time) by greenlet, set just before its request is sent.
        self.waits: Dict[Any, Tuple[float, float]] = {}

    def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        timeout: float | None,
        allow_redirects: bool,
        tls: TlsConfig | None,
        record_name: str | None,
        fail_rule: int,
        stream: bool = False,
    ) -> RawResponse:
        wait = self.waits.pop(getcurrent(), None) if self.waits else None
        if wait is None:
            return self._send(
                method, url, headers, body, timeout, allow_redirects, tls, record_name, fail_rule, stream
            )
        raw = self._send(method, url, headers, body, timeout, allow_redirects, tls, None, fail_rule, stream)
        return _Waited(raw, wait[0], wait[1])


class _Waited:
    """``raw`` with the wait for a free slot counted in its time."""

    def __init__(self, raw: RawResponse, waited: float, start_time: float) -> None:
        self._raw = raw
        self.elapsed = raw.elapsed + waited
        self.start_time = start_time
        self.recorded = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def pool_manager_limit(pool_manager: Any) -> Optional[int]:
    """The per-origin limit of a urllib3 PoolManager: its ``maxsize`` when it blocks
    (``block=True``), else None (urllib3 then opens extra connections, as the engine does)."""
    kw = getattr(pool_manager, "connection_pool_kw", None) or {}
    if not kw.get("block"):
        return None
    return int(kw.get("maxsize", 1))
