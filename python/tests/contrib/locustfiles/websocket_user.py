"""WebSocketUser against rocust-demo-target's /ws echo server: a connect offering the ``echo``
subprotocol, text and binary round trips, a named send and receive, a ping, a receive that times
out, a handshake the server refuses (400), a connection the server closes (``close_after``), a
send after it and a refused connect. With CONTRIB_WS_LISTENER=1 a request listener is added, so
Python reports every request instead of the engine: the rows must be the same."""

from __future__ import annotations

import os

from scripted import finish

from locust import constant, events, task
from locust.contrib.websocket import WebSocketUser

CLOSED = f"ws://127.0.0.1:{os.environ['CONFORMANCE_CLOSED_PORT']}/nowhere"

if os.environ.get("CONTRIB_WS_LISTENER") == "1":

    @events.request.add_listener
    def _classes(exception=None, **kwargs):
        if exception is not None:
            print("EXCEPTION", type(exception).__name__, isinstance(exception, Exception), flush=True)


class Script(WebSocketUser):
    wait_time = constant(0)

    @task
    def script(self) -> None:
        ws = self.ws
        print("CONNECT", ws.connect("/ws", subprotocols=["echo"], headers=[("X-Test", "1")]), ws.subprotocol, flush=True)
        ws.send("hello")
        print("TEXT", repr(ws.recv()), flush=True)
        ws.send(b"\x00\x01\x02", name="bytes")
        print("BINARY", repr(ws.recv(name="bytes back")), flush=True)
        print("PING", ws.ping(), flush=True)
        print("TIMEOUT", ws.recv(timeout=0.2), ws.connected, flush=True)
        print("STRICT", ws.connect("/ws?strict", name="strict"), ws.connected, flush=True)
        ws.connect("/ws?close_after=1", name="closing")
        ws.send("one")
        ws.recv()
        print("CLOSED BY SERVER", ws.recv(name="after close"), ws.connected, flush=True)
        print("SEND CLOSED", ws.send("nobody", name="send closed"), flush=True)
        print("REFUSED", ws.connect(CLOSED), flush=True)
        ws.connect("/ws")
        ws.close()
        print("AFTER CLOSE", ws.connected, flush=True)
        finish(self)
