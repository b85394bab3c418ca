"""Benchmark task: one GET /fast per iteration, no wait (FastHttpUser)."""

from locust import FastHttpUser, constant, task


class FastUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def fast(self):
        self.client.get("/fast")
