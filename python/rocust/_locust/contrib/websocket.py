"""``locust.contrib.websocket``: WebSocketUser, a user with a WebSocket client (rocust's own:
Locust 2.47.0 has none).

The client is the engine's (Rust, on an HTTP thread, like HttpUser's requests), so a
message costs about what an HTTP request does. Rows, with request type ``WS``:

- ``connect`` named after the URL's path, timed to the end of the handshake;
- each message sent, named ``send``, each received, ``recv`` (timed: the wait for it),
  and each ping, ``ping`` (the round trip to its pong); ``name=`` renames any of them;
- the length is the payload's size.

Failures (a refused connection, a handshake the server turned down, a subprotocol it did
not choose, a receive or ping that timed out, a connection the server closed) are
recorded, not raised, with the texts of websocket-client's exceptions; ``connect``,
``send`` and ``ping`` then return False and ``recv`` returns None. A timeout leaves the
connection open; any other failure closes it.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple, Union

from .._http.exceptions import ErrorKinds, engine_error
from .._http.transport import WebSocketChannel, WsResult, new_transport, request_listeners_allow_delegation
from ..user.users import User

__all__ = [
    "WebSocketAddressException",
    "WebSocketBadStatusException",
    "WebSocketConnectionClosedException",
    "WebSocketException",
    "WebSocketProtocolException",
    "WebSocketSession",
    "WebSocketTimeoutException",
    "WebSocketUser",
]


class WebSocketException(Exception):
    """Base of the failures, named as websocket-client names its exceptions."""


class WebSocketTimeoutException(WebSocketException):
    pass


class WebSocketConnectionClosedException(WebSocketException):
    pass


class WebSocketBadStatusException(WebSocketException):
    pass


class WebSocketProtocolException(WebSocketException):
    pass


class WebSocketAddressException(WebSocketException):
    pass


_ERRORS = ErrorKinds(
    {
        cls.__name__: cls
        for cls in (
            WebSocketTimeoutException,
            WebSocketConnectionClosedException,
            WebSocketBadStatusException,
            WebSocketProtocolException,
            WebSocketAddressException,
        )
    },
    WebSocketException,
)

Message = Union[str, bytes]


class WebSocketSession:
    """One user's WebSocket connection (one at a time; ``connect`` again after a close).

    ``base_url`` (the user's host) resolves relative URLs: ``connect("/chat")`` on host
    ``http://127.0.0.1:8080`` opens ``ws://127.0.0.1:8080/chat`` (``https`` gives
    ``wss``). ``headers`` go with every handshake.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        request_event: Any = None,
        user: Any = None,
        *,
        verify: bool = True,
        request_type: str = "WS",
        headers: Optional[Sequence[Tuple[str, str]]] = None,
    ) -> None:
        if request_event is None:
            from .. import events

            request_event = events.request
        self.base_url = base_url
        self.request_event = request_event
        self.user = user
        self.request_type = request_type
        self.headers: List[Tuple[str, str]] = list(headers or ())
        class_name = type(user).__name__ if user is not None else ""
        self._channel: WebSocketChannel = new_transport(class_name, base_url, verify).websocket(request_type)

    @property
    def connected(self) -> bool:
        return self._channel.connected

    @property
    def subprotocol(self) -> Optional[str]:
        """The subprotocol the server chose, if any."""
        return self._channel.subprotocol

    def connect(
        self,
        url: str,
        *,
        headers: Optional[Sequence[Tuple[str, str]]] = None,
        subprotocols: Optional[Sequence[str]] = None,
        timeout: Optional[float] = None,
        name: Optional[str] = None,
    ) -> bool:
        """Opens a connection (closing the open one); True on success. ``subprotocols``
        are offered in this order and the server must choose one of them."""
        if "://" not in url and self.base_url:
            url = f"{self.base_url}{url}"
        record = self._engine_records()
        all_headers = self.headers + list(headers or ())
        result = self._channel.connect(url, all_headers, list(subprotocols or ()), timeout, name, record)
        return self._report(result, record, url) is None

    def send(self, message: Message, *, name: Optional[str] = None) -> bool:
        """Sends a text (str) or binary (bytes) message; True on success."""
        record = self._engine_records()
        return self._report(self._channel.send(message, name, record), record) is None

    def recv(self, *, timeout: Optional[float] = None, name: Optional[str] = None) -> Optional[Message]:
        """The next text (str) or binary (bytes) message, waiting up to ``timeout``
        seconds (default 60); None after a failure."""
        record = self._engine_records()
        result = self._channel.recv(timeout, name, record)
        self._report(result, record)
        return result[4]

    def ping(self, *, timeout: Optional[float] = None, name: Optional[str] = None) -> bool:
        """Sends a ping and waits for its pong (messages arriving meanwhile are kept for
        ``recv``); True on success."""
        record = self._engine_records()
        return self._report(self._channel.ping(timeout, name, record), record) is None

    def close(self) -> None:
        """Closes the connection (a close handshake); nothing is recorded."""
        self._channel.close()

    def _engine_records(self) -> bool:
        return request_listeners_allow_delegation(self.request_event)

    def _report(self, result: WsResult, recorded: bool, url: Optional[str] = None) -> Optional[BaseException]:
        """Fires the request event unless the engine recorded the success itself; the
        failure, as an exception, or None."""
        name, error, response_time, length, _ = result
        exception = None if error is None else engine_error(error, kinds=_ERRORS)
        if exception is not None or not recorded:
            self.request_event.fire(
                request_type=self.request_type,
                name=name,
                response_time=response_time,
                response_length=length,
                exception=exception,
                context={},
                url=url,
            )
        return exception


class WebSocketUser(User):
    """A user with a WebSocket client, ``self.ws`` (also ``self.client``), whose relative
    URLs resolve against the user's host. Its connection is closed when the user stops."""

    abstract = True
    ws: WebSocketSession

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ws = WebSocketSession(self.host, self.environment.events.request, user=self)
        self.client = self.ws

    def on_stop(self) -> None:
        self.ws.close()
