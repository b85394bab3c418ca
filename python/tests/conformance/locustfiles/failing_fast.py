"""Failing statuses (404, 500) and a refused connection (a closed loopback port: status 0) with FastHttpUser."""

import os

from locust import FastHttpUser, constant, task

CLOSED_PORT = os.environ["CONFORMANCE_CLOSED_PORT"]


class FastFailingUser(FastHttpUser):
    wait_time = constant(0.005)

    @task
    def not_found(self) -> None:
        self.client.get("/status/404")

    @task
    def server_error(self) -> None:
        self.client.post("/status/500")

    @task
    def refused(self) -> None:
        self.client.get(f"http://127.0.0.1:{CLOSED_PORT}/refused", name="refused")

    @task
    def fine(self) -> None:
        self.client.get("/status/200")
