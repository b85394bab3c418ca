"""Memory benchmark task: one GET /fast, then wait between(1, 2) s (HttpUser)."""

from locust import HttpUser, between, task


class IdleUser(HttpUser):
    wait_time = between(1, 2)

    @task
    def fast(self):
        self.client.get("/fast")
