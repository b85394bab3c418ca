"""Harness self-test only: classic.py with index and about at weight 1:1 (a deliberately wrong variant)."""

from locust import HttpUser, constant, task


class WebsiteUser(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.client.post("/login", {"username": "test", "password": "123456"})

    @task(1)
    def index(self) -> None:
        self.client.get("/")

    @task(1)
    def about(self) -> None:
        self.client.get("/about/")
