"""The clients' ``Transport`` on the engine: one per HttpSession/FastHttpSession, each
with its own engine session (cookie jar and connections) on an HTTP thread."""

from __future__ import annotations

from typing import List, Optional, Tuple, Union, cast

from gevent.hub import Waiter

from ._engine import WS_CLOSE, WS_PING, WS_RECV, WS_SEND, BodyStream, Engine, RawResponse, Session, Tls, WebSocket
from ._locust._http.transport import BodyStream as StreamHandle
from ._locust._http.transport import TlsConfig, TransportFactory, WsResult

__all__ = ["EngineTransport", "EngineWebSocket", "TransportFactory", "transport_factory"]


class EngineTransport:
    """Requests run on the engine's HTTP threads while the calling greenlet waits on a
    gevent Waiter (the hub switches back to it when the engine reports the answer)."""

    __slots__ = ("_engine", "_session")

    def __init__(self, engine: Engine, session: Session) -> None:
        self._engine = engine
        self._session = session

    def send(
        self,
        method: str,
        url: str,
        headers: List[Tuple[str, str]],
        body: Optional[bytes],
        timeout: Optional[float],
        allow_redirects: bool,
        tls: Optional[TlsConfig],
        record_name: Optional[str],
        fail_rule: int,
        stream: bool = False,
    ) -> RawResponse:
        waiter: Waiter[RawResponse] = Waiter()
        self._engine.send(
            self._session, waiter, method, url, headers, body, timeout, allow_redirects, record_name, fail_rule,
            None if tls is None else tls._handle or tls.handle(Tls), stream,
        )  # fmt: skip
        return waiter.get()

    def read_body(
        self, stream: StreamHandle, want: int, limit: int, per_chunk: bool, decode: bool
    ) -> Tuple[bytes, Optional[str]]:
        """The next piece of a streamed body (see ``Transport.read_body``); ``stream`` is
        the engine's own ``BodyStream`` of a response this transport returned."""
        waiter: Waiter[Tuple[bytes, Optional[str]]] = Waiter()
        self._engine.read_body(cast(BodyStream, stream), waiter, want, limit, per_chunk, decode)
        return waiter.get()

    def cookies(self) -> List[Tuple[str, str, str, str]]:
        return self._session.cookies()

    def set_cookie(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        self._session.set_cookie(name, value, domain, path)

    def clear_cookies(self) -> None:
        self._session.clear_cookies()

    def close(self) -> None:
        self._session.close()

    def websocket(self, request_type: str) -> EngineWebSocket:
        return EngineWebSocket(self._engine, self._engine.websocket(self._session, request_type))


class EngineWebSocket:
    """A WebSocket client on the engine's HTTP thread of its session: each operation runs
    there while the calling greenlet waits on a gevent Waiter."""

    __slots__ = ("_engine", "_socket")

    def __init__(self, engine: Engine, socket: WebSocket) -> None:
        self._engine = engine
        self._socket = socket

    @property
    def subprotocol(self) -> Optional[str]:
        return self._socket.subprotocol

    @property
    def connected(self) -> bool:
        return self._socket.connected

    def connect(
        self,
        url: str,
        headers: List[Tuple[str, str]],
        subprotocols: List[str],
        timeout: Optional[float],
        name: Optional[str],
        record: bool,
    ) -> WsResult:
        waiter: Waiter[WsResult] = Waiter()
        self._engine.ws_connect(self._socket, waiter, url, headers, subprotocols, timeout, name, record)
        return waiter.get()

    def _io(self, op: int, data: Union[str, bytes, None], timeout: Optional[float], name: Optional[str], record: bool) -> WsResult:
        waiter: Waiter[WsResult] = Waiter()
        self._engine.ws_io(self._socket, waiter, op, data, timeout, name, record)
        return waiter.get()

    def send(self, message: Union[str, bytes], name: Optional[str], record: bool) -> WsResult:
        return self._io(WS_SEND, message, None, name, record)

    def recv(self, timeout: Optional[float], name: Optional[str], record: bool) -> WsResult:
        return self._io(WS_RECV, None, timeout, name, record)

    def ping(self, timeout: Optional[float], name: Optional[str], record: bool) -> WsResult:
        return self._io(WS_PING, None, timeout, name, record)

    def close(self) -> None:
        self._io(WS_CLOSE, None, None, None, False)


def transport_factory(engine: Engine) -> TransportFactory:
    """Transports on ``engine``'s HTTP threads: each HttpSession/FastHttpSession, built by
    a user class or by user code, gets its own engine session."""

    def make(user_class: str, base_url: Optional[str], verify: bool) -> EngineTransport:
        return EngineTransport(engine, engine.session(user_class, verify, base_url))

    return make
