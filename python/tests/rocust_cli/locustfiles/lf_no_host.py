"""An HttpUser with no host anywhere."""

from __future__ import annotations

from locust import HttpUser, task


class Web(HttpUser):
    @task
    def index(self):
        self.client.get("/")
