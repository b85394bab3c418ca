"""bench/websocket.sh's Python user under rocust: the Rust example's FloodUser written with
WebSocketUser (locust.contrib.websocket): echoes of a text and of a binary message, no wait, one
connection per user."""

from locust import constant, task
from locust.contrib.websocket import WebSocketUser

TEXT = "hello from rocust: a small chat message"
BINARY = bytes([0x72, 0x6F, 0x63, 0x75, 0x73, 0x74, 0x00, 0x01, 0xFE, 0xFF])


class FloodUser(WebSocketUser):
    wait_time = constant(0)

    def connected(self) -> bool:
        return self.ws.connected or self.ws.connect("/ws", subprotocols=["echo"])

    @task
    def echo_text(self) -> None:
        if self.connected() and self.ws.send(TEXT):
            self.ws.recv()

    @task
    def echo_binary(self) -> None:
        if self.connected() and self.ws.send(BINARY, name="send binary"):
            self.ws.recv(name="recv binary")
