"""What the engine provides to the clients: a per-session ``Transport`` whose ``send``
returns a ``RawResponse``, the TLS settings the clients hand it (``TlsConfig``), the
rule for letting it record successes itself, and the registry through which sessions
get their transport.

Sessions are built as in Locust (``HttpSession(base_url, request_event, user)``), by
HttpUser or by user code, so they ask ``new_transport`` for their connection pool and
cookie jar. Whoever runs the engine registers the factory (``rocust -f`` does at start-up);
without one, the standalone engine (``rocust._standalone``) provides it.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, ClassVar, Optional, Protocol, Sequence, Tuple, Union

from . import CLIENTS, present_as


class TlsConfig:
    """A TLS setting for requests, as the clients resolve it from requests' ``verify``
    and ``cert`` or from FastHttpUser's ``insecure`` and ``ssl_context_factory``: how
    the server's certificate is checked, against which CAs, and which client
    certificate is shown. Immutable; equal settings are one object (``TlsConfig.of``),
    so a transport converts each setting once (``handle``)."""

    __slots__ = (
        "_handle",
        "ca_data",
        "ca_dirs",
        "ca_files",
        "cert_file",
        "check_hostname",
        "default_roots",
        "key_file",
        "max_version",
        "min_version",
        "verify",
    )

    verify: bool  # check the server's certificate chain
    check_hostname: bool  # and that it is for the host (only with verify)
    ca_files: tuple[str, ...]  # trusted CA files (PEM); none given: the default roots
    ca_dirs: tuple[str, ...]  # directories of CA files
    ca_data: tuple[bytes, ...]  # CA certificates in memory (PEM text or DER)
    default_roots: bool  # the default roots as well as the CAs given
    cert_file: str | None  # client certificate (PEM; its key too when key_file is None)
    key_file: str | None
    min_version: str | None  # "TLSv1_2" or "TLSv1_3"
    max_version: str | None
    _handle: Any  # the transport's own form, once made

    _interned: ClassVar[dict[tuple[Any, ...], TlsConfig]] = {}

    @classmethod
    def of(
        cls,
        verify: bool = True,
        check_hostname: bool = True,
        ca_files: tuple[str, ...] = (),
        ca_dirs: tuple[str, ...] = (),
        ca_data: tuple[bytes, ...] = (),
        default_roots: bool = False,
        cert_file: str | None = None,
        key_file: str | None = None,
        min_version: str | None = None,
        max_version: str | None = None,
    ) -> TlsConfig:
        key = (
            verify, check_hostname and verify, ca_files, ca_dirs, ca_data, default_roots, cert_file, key_file,
            min_version, max_version,
        )  # fmt: skip
        found = cls._interned.get(key)
        if found is None:
            found = object.__new__(cls)
            for name, value in zip(cls._FIELDS, key):
                object.__setattr__(found, name, value)
            object.__setattr__(found, "_handle", None)
            cls._interned[key] = found
        return found

    _FIELDS: ClassVar[tuple[str, ...]] = (
        "verify", "check_hostname", "ca_files", "ca_dirs", "ca_data", "default_roots", "cert_file", "key_file",
        "min_version", "max_version",
    )  # fmt: skip

    def handle(self, make: Callable[..., Any]) -> Any:
        """The transport's own form of this setting: ``make(**fields)``, made once."""
        h = self._handle
        if h is None:
            h = make(**{name: getattr(self, name) for name in self._FIELDS})
            object.__setattr__(self, "_handle", h)
        return h

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("TlsConfig is immutable")

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._FIELDS)
        return f"TlsConfig({fields})"


class BodyStream(Protocol):
    """A streamed response's body, still on the transport (read with
    ``Transport.read_body``); closing or forgetting it releases its connection."""

    chunked: bool  # the body comes in chunks of its own (HTTP chunked coding)

    def close(self) -> None: ...


class RawResponse(Protocol):
    """What ``Transport.send`` returns (a plain, read-only object made by the engine)."""

    @property
    def status(self) -> int: ...  # 0 on a connection-level error
    @property
    def reason(self) -> str: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...  # as received, repeated names kept
    @property
    def body(self) -> bytes: ...  # content-encoding (gzip/deflate/br) already undone
    @property
    def url(self) -> str: ...  # final URL, after redirects
    @property
    def history(self) -> Sequence[RawResponse]: ...  # redirect hops, oldest first (body b"")
    @property
    def elapsed(self) -> float: ...  # seconds from start to the full body
    @property
    def error(self) -> str | None: ...  # repr() text Locust shows for a connection error, else None
    @property
    def recorded(self) -> bool: ...  # the engine recorded it in its stats (see Transport.send)
    @property
    def request_headers(self) -> list[tuple[str, str]]: ...  # sent on the final hop, defaults included
    @property
    def start_time(self) -> float: ...  # epoch seconds
    @property
    def stream(self) -> BodyStream | None: ...  # the body still to read, for a stream=True request


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
        tls: TlsConfig | None,
        record_name: str | None,
        fail_rule: int,
        stream: bool = False,
    ) -> RawResponse:
        """Blocks the calling greenlet (not the hub) until the exchange is complete.

        ``url`` is absolute and already quoted; ``headers`` (a list shared between
        requests: never modify it) is everything to send except Host, Content-Length
        (added for a non-None body unless present) and the jar's Cookie header (added
        unless ``headers`` has a Cookie). ``timeout`` applies to connecting and to
        each read. ``tls`` is the TLS setting of the request (None: verify the server
        against the default roots, no client certificate); connections made with one
        setting never serve another. With
        ``record_name`` the engine records the request under that name when it is
        a success by ``fail_rule`` (0: requests' rule, status >= 400 or a connection
        error fails; 1: FastHttpUser's, statuses other than 200-208, 226, 301, 302,
        303, 304, 307, 308 fail) and sets ``recorded``; otherwise Python fires the
        request event. With ``stream`` the exchange is complete at the final response's
        head (``elapsed`` ends there); its body is ``stream``, read with ``read_body``.
        """
        ...

    def read_body(
        self, stream: BodyStream, want: int, limit: int, per_chunk: bool, decode: bool
    ) -> tuple[bytes, str | None]:
        """Blocks the calling greenlet until the next part of a streamed body is there:
        ``want`` bytes (fewer at its end; b"" once it has ended), and up to ``limit``
        of what already arrived; with ``per_chunk`` a chunked body's next chunk (at
        most ``want`` bytes of it) instead. Decoded from its Content-Encoding or as
        sent (``decode``). A failure is (b"", the repr text of requests' exception)."""
        ...

    def cookies(self) -> list[tuple[str, str, str, str]]:
        """The jar as (name, value, domain, path); domain "" matches every host."""
        ...

    def set_cookie(self, name: str, value: str, domain: str, path: str) -> None: ...

    def clear_cookies(self) -> None: ...

    def close(self) -> None: ...

    def websocket(self, request_type: str) -> WebSocketChannel:
        """A WebSocket client on this transport's thread, recording as ``request_type``."""
        ...


#: (name, failure text or None, response time in ms, length, message received).
WsResult = Tuple[str, Optional[str], float, int, Union[str, bytes, None]]


class WebSocketChannel(Protocol):
    """One user's WebSocket client in the engine. Every call blocks the calling greenlet
    until it is done and returns a WsResult: the row name (the URL's path for a connect,
    else "send", "recv" or "ping", unless ``name`` is given), the failure (the repr text
    of websocket-client's exception, or of the socket error), the time taken and the
    payload length. With ``record`` the engine records a success itself (and
    only then): the caller fires the request event for everything else."""

    @property
    def subprotocol(self) -> str | None: ...

    @property
    def connected(self) -> bool: ...

    def connect(
        self,
        url: str,
        headers: list[tuple[str, str]],
        subprotocols: list[str],
        timeout: float | None,
        name: str | None,
        record: bool,
    ) -> WsResult: ...

    def send(self, message: str | bytes, name: str | None, record: bool) -> WsResult: ...

    def recv(self, timeout: float | None, name: str | None, record: bool) -> WsResult: ...

    def ping(self, timeout: float | None, name: str | None, record: bool) -> WsResult: ...

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


present_as(CLIENTS, TlsConfig, BodyStream, RawResponse, Transport)
