"""SocketIOUser against a python-socketio server (socketio_server.py): connect, emit (answered by
an event), send (answered by a message), call (acknowledged; socketio's call and send also emit, so
they add WSE rows), a call acknowledged too late (a timeout failure) and a connect to a port nobody serves (a failure)."""

from __future__ import annotations

import os

from scripted import count, finish, wait_until

from locust import constant, task
from locust.contrib.socketio import SocketIOClient, SocketIOUser

URL = os.environ["CONTRIB_SOCKETIO_URL"]
CLOSED_URL = f"http://127.0.0.1:{os.environ['CONFORMANCE_CLOSED_PORT']}"


class Script(SocketIOUser):
    wait_time = constant(0)
    options = {"reconnection": False}

    @task
    def script(self) -> None:
        self.sio.connect(URL, transports=["websocket"])
        self.sio.emit("echo", "hello")
        self.sio.emit("echo", {"k": "v"})
        self.sio.send("hi", name="greeting")
        wait_until(lambda: count("WSR", "echoed") == 2 and count("WSR", "message") == 1)
        answer = self.sio.call("ask", "question", timeout=5)
        print("ANSWER", answer, flush=True)
        self.sio.call("slow", "question", timeout=0.5)
        other = SocketIOClient(self.environment.events.request, reconnection=False)
        other.connect(CLOSED_URL, transports=["websocket"], wait_timeout=2)
        self.sio.disconnect()
        finish(self)
