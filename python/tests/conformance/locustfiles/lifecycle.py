"""on_start / on_stop of users and of a TaskSet, counted by the server (/start, /stop, /ts/start, /ts/stop)."""

from locust import HttpUser, TaskSet, constant, task


class Inner(TaskSet):
    def on_start(self) -> None:
        self.client.get("/ts/start")

    def on_stop(self) -> None:
        self.client.get("/ts/stop")

    @task
    def inner_work(self) -> None:
        self.client.get("/ts/work")


class LifecycleUser(HttpUser):
    wait_time = constant(0.01)
    tasks = [Inner]

    def on_start(self) -> None:
        self.client.get("/start")

    def on_stop(self) -> None:
        self.client.get("/stop")
