"""Nested TaskSets left with self.interrupt() and InterruptTaskSet (with and without reschedule)."""

from locust import HttpUser, TaskSet, constant, task
from locust.exception import InterruptTaskSet


class Thread(TaskSet):
    """Two levels down: reads a post or two, then raises InterruptTaskSet."""

    @task(2)
    def read_post(self) -> None:
        self.client.get("/forum/thread/post")

    @task(1)
    def back_to_forum(self) -> None:
        self.client.get("/forum/thread/back")
        raise InterruptTaskSet(reschedule=False)


class Forum(TaskSet):
    tasks = {Thread: 1}

    def on_start(self) -> None:
        self.client.get("/forum/enter")

    def on_stop(self) -> None:
        self.client.get("/forum/exit")

    @task(3)
    def browse(self) -> None:
        self.client.get("/forum/browse")

    @task(1)
    def leave(self) -> None:
        self.client.get("/forum/leave")
        self.interrupt()


class ForumUser(HttpUser):
    wait_time = constant(0)
    tasks = {Forum: 2}

    @task(1)
    def home(self) -> None:
        self.client.get("/home")
