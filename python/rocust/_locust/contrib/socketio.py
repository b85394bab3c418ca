"""``locust.contrib.socketio``: a User with a python-socketio client that records what
it sends and receives.

Rows: ``WS connect`` (timed), ``WSS`` for ``send`` and ``WSE`` for ``emit`` (time 0, the
payload length), ``WSC`` for ``call`` (timed until the acknowledgement) and ``WSR`` for
every event received (time 0: a reply cannot be told from a push in general; override
``on_message`` where the payload says when it was sent).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import gevent
import socketio  # type: ignore[import-untyped]

from ..event import EventHook
from ..user.users import User


class SocketIOClient(socketio.Client):  # type: ignore[misc]
    def __init__(self, request_event: EventHook, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_event = request_event

    def _record_sent(self, request_type: str, name: str, data: Any, exception: Optional[Exception]) -> None:
        self.request_event.fire(
            request_type=request_type,
            name=name,
            response_time=0,
            response_length=len(data or []),
            exception=exception,
            context={},
        )

    def connect(self, *args: Any, **kwargs: Any) -> None:
        """``socketio.Client.connect``, timed; a failure is recorded, not raised."""
        with self.request_event.measure("WS", "connect"):
            super().connect(*args, **kwargs)

    def send(self, data: Any, namespace: Optional[str] = None, callback: Any = None, name: str = "Unnamed") -> None:
        """``socketio.Client.send``, recorded under ``name``; a failure is recorded, not raised."""
        exception: Optional[Exception] = None
        try:
            super().send(data, namespace, callback)
        except Exception as e:
            exception = e
        self._record_sent("WSS", name, data, exception)

    def emit(self, event: Any, data: Any = None, namespace: Optional[str] = None, callback: Any = None) -> None:
        """``socketio.Client.emit``, recorded under the event's name; a failure is recorded, not raised."""
        exception: Optional[Exception] = None
        try:
            super().emit(event, data, namespace, callback)
        except Exception as e:
            exception = e
        self._record_sent("WSE", str(event), data, exception)

    def call(self, event: Any, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        """``socketio.Client.call``, timed until the acknowledgement; None after a failure."""
        with self.request_event.measure("WSC", event):
            return super().call(event, data, *args, **kwargs)
        return None

    def on_message(self, event: str, data: str) -> None:
        """The catch-all handler: one ``WSR`` row per event received."""
        self.request_event.fire(
            request_type="WSR",
            name=event,
            response_time=0,
            response_length=len(data or []),
            exception=None,
            context={},
        )


class SocketIOUser(User):
    """``self.sio`` is a SocketIOClient made with ``options`` (socketio.Client's keyword
    arguments) whose events are read by a greenlet of its own."""

    abstract = True
    options: Dict[str, Any] = {}
    sio: SocketIOClient

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sio = SocketIOClient(self.environment.events.request, **self.options)
        self.sio_greenlet = gevent.spawn(self.sio.wait)
        self.sio.on("*", self.sio.on_message)
