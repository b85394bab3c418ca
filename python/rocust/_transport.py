"""The clients' ``Transport`` on the engine: one per HttpSession/FastHttpSession, each
with its own engine session (cookie jar and connections) on an HTTP thread."""

from __future__ import annotations

from typing import List, Optional, Tuple

from gevent.hub import Waiter

from ._engine import Engine, RawResponse, Session
from ._locust._http.transport import TransportFactory

__all__ = ["EngineTransport", "TransportFactory", "transport_factory"]


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
        verify: Optional[bool],
        record_name: Optional[str],
        fail_rule: int,
    ) -> RawResponse:
        waiter: Waiter[RawResponse] = Waiter()
        self._engine.send(
            self._session, waiter, method, url, headers, body, timeout, allow_redirects, record_name, fail_rule
        )
        return waiter.get()

    def cookies(self) -> List[Tuple[str, str, str, str]]:
        return self._session.cookies()

    def set_cookie(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        self._session.set_cookie(name, value, domain, path)

    def clear_cookies(self) -> None:
        self._session.clear_cookies()

    def close(self) -> None:
        self._session.close()


def transport_factory(engine: Engine) -> TransportFactory:
    """Transports on ``engine``'s HTTP threads: each HttpSession/FastHttpSession, built by
    a user class or by user code, gets its own engine session."""

    def make(user_class: str, base_url: Optional[str], verify: bool) -> EngineTransport:
        return EngineTransport(engine, engine.session(user_class, verify, base_url))

    return make
