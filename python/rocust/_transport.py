"""The clients' ``Transport`` on the engine: one per HttpSession/FastHttpSession, each
with its own engine session (cookie jar and connections) on an HTTP thread."""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Tuple

from gevent.hub import Waiter

from ._engine import Engine, RawResponse, Session

#: Makes the transport of a new client: (user class name, base URL) -> Transport.
TransportFactory = Callable[[str, Optional[str]], "EngineTransport"]


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


def transport_factory(engine: Engine, verify: bool = True) -> TransportFactory:
    """Transports on ``engine``'s HTTP threads."""

    def make(user_class: str, base_url: Optional[str]) -> EngineTransport:
        return EngineTransport(engine, engine.session(user_class, verify, base_url))

    return make


def install_client_factories(engine: Engine, environment: Any) -> None:
    """HttpUser and FastHttpUser clients on the engine's transport."""
    from ._locust.clients import HttpSession
    from ._locust.contrib.fasthttp import FastHttpSession
    from ._locust.user.users import set_client_factory

    def http_client(user: Any) -> Any:
        transport = EngineTransport(engine, engine.session(type(user).__name__, True, user.host))
        return HttpSession(base_url=user.host, request_event=environment.events.request, user=user, transport=transport)

    def fast_client(user: Any) -> Any:
        insecure = getattr(user, "insecure", True)
        transport = EngineTransport(engine, engine.session(type(user).__name__, not insecure, user.host))
        return FastHttpSession(environment, base_url=user.host, user=user, transport=transport, insecure=insecure)

    set_client_factory("HttpUser", http_client)
    set_client_factory("FastHttpUser", fast_client)

