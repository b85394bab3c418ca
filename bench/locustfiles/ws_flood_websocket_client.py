"""bench/websocket.sh's peer: the same FloodUser written as Locust users write one, with
websocket-client (the most used Python WebSocket client; gevent's monkey patching makes it
cooperative) and events.request for each message sent and received."""

import time

import websocket

from locust import User, constant, task

TEXT = "hello from rocust: a small chat message"
BINARY = bytes([0x72, 0x6F, 0x63, 0x75, 0x73, 0x74, 0x00, 0x01, 0xFE, 0xFF])


class FloodUser(User):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.ws = None

    def connected(self) -> bool:
        if self.ws is None:
            url = self.host.replace("http://", "ws://", 1) + "/ws"
            started = time.perf_counter()
            try:
                self.ws = websocket.create_connection(url, subprotocols=["echo"])
            except Exception as e:
                self.fire("/ws", started, 0, e)
                return False
            self.fire("/ws", started, 0, None)
        return True

    def fire(self, name: str, started: float, length: int, exception) -> None:
        self.environment.events.request.fire(
            request_type="WS",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=length,
            exception=exception,
            context={},
        )

    def echo(self, message, send_name: str, recv_name: str) -> None:
        if not self.connected():
            return
        started = time.perf_counter()
        try:
            if isinstance(message, bytes):
                self.ws.send_binary(message)
            else:
                self.ws.send(message)
        except Exception as e:
            self.ws = None
            self.fire(send_name, started, 0, e)
            return
        self.fire(send_name, started, len(message), None)
        started = time.perf_counter()
        try:
            reply = self.ws.recv()
        except Exception as e:
            self.ws = None
            self.fire(recv_name, started, 0, e)
            return
        self.fire(recv_name, started, len(reply), None)

    @task
    def echo_text(self) -> None:
        self.echo(TEXT, "send", "recv")

    @task
    def echo_binary(self) -> None:
        self.echo(BINARY, "send binary", "recv binary")

    def on_stop(self) -> None:
        if self.ws is not None:
            self.ws.close()
