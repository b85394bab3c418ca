"""Benchmark task: one GET /fast per iteration, no wait (HttpUser)."""

from locust import HttpUser, constant, task


class FastUser(HttpUser):
    wait_time = constant(0)

    @task
    def fast(self):
        self.client.get("/fast")
