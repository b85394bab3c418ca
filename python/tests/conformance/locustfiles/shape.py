"""A LoadTestShape: three short stages (2, then 4, then 1 user), then None ends the test."""

from locust import HttpUser, LoadTestShape, constant, task


class ShapedUser(HttpUser):
    wait_time = constant(0.02)

    def on_start(self) -> None:
        self.client.get("/start")

    def on_stop(self) -> None:
        self.client.get("/stop")

    @task
    def work(self) -> None:
        self.client.get("/work")


class Stages(LoadTestShape):
    stages = [(1.0, 2, 10.0), (2.0, 4, 10.0), (3.0, 1, 10.0)]

    def tick(self):  # type: ignore[no-untyped-def]
        run_time = self.get_run_time()
        for until, users, rate in self.stages:
            if run_time < until:
                return users, rate
        return None
