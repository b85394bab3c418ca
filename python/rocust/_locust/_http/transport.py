"""What the engine provides to the clients: a per-session ``Transport`` whose ``send``
returns a ``RawResponse``, the rule for letting it record successes itself, and the
registry through which sessions get their transport.

Sessions are built as in Locust (``HttpSession(base_url, request_event, user)``), by
HttpUser or by user code, so they ask ``new_transport`` for their connection pool and
cookie jar. Whoever runs the engine registers the factory (``rocust -f`` does at start-up);
without one, the standalone engine (``rocust._standalone``) provides it.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Optional, Protocol

from . import CLIENTS, present_as


class RawResponse(Protocol):
    """What ``Transport.send`` returns (a plain object made by the engine)."""

    status: int  # 0 on a connection-level error
    reason: str
    headers: list[tuple[str, str]]  # as received, repeated names kept
    body: bytes  # content-encoding (gzip/deflate/br) already undone
    url: str  # final URL, after redirects
    history: list[RawResponse]  # redirect hops, oldest first (body b"")
    elapsed: float  # seconds from start to the full body
    error: str | None  # repr() text Locust shows for a connection error, else None
    recorded: bool  # the engine recorded it in its stats (see Transport.send)
    request_headers: list[tuple[str, str]]  # sent on the final hop, defaults included
    start_time: float  # epoch seconds


class Transport(Protocol):
    """One session's HTTP connection pool and cookie jar, implemented by the engine."""

    def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        timeout: float | None,
        allow_redirects: bool,
        verify: bool | None,
        record_name: str | None,
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

    def cookies(self) -> list[tuple[str, str, str, str]]:
        """The jar as (name, value, domain, path); domain "" matches every host."""
        ...

    def set_cookie(self, name: str, value: str, domain: str, path: str) -> None: ...

    def clear_cookies(self) -> None: ...

    def close(self) -> None: ...


#: Makes a session's transport: (user class name, base URL, verify TLS certificates).
TransportFactory = Callable[[str, Optional[str], bool], Transport]

_factory: TransportFactory | None = None


def set_transport_factory(factory: TransportFactory | None) -> None:
    """Registers (or with None removes) the factory every new session gets its transport from."""
    global _factory
    _factory = factory


def new_transport(user_class_name: str, base_url: str | None, verify: bool = True) -> Transport:
    """A new transport (own connections and cookie jar) for a session of a user of class
    ``user_class_name`` ("" without a user) talking to ``base_url``; ``verify`` is the
    session's default for TLS certificate checks."""
    factory = _factory
    if factory is None:
        try:
            standalone = importlib.import_module("rocust._standalone")
        except ModuleNotFoundError as e:
            if e.name != "rocust._standalone":
                raise
            raise RuntimeError(
                "HTTP sessions need the rocust engine, which starts with `rocust -f locustfile.py`; "
                "this rocust has no engine for other Python processes"
            ) from None
        factory = standalone.transport_factory()
    return factory(user_class_name, base_url, verify)


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


present_as(CLIENTS, RawResponse, Transport)
