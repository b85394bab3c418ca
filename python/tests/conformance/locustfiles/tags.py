"""@tag on tasks and on a TaskSet; run with --tags and with --exclude-tags."""

from locust import HttpUser, TaskSet, constant, tag, task


@tag("set")
class Tagged(TaskSet):
    @task
    def inner(self) -> None:
        self.client.get("/tag/set/inner")

    @tag("b")
    @task
    def inner_b(self) -> None:
        self.client.get("/tag/set/inner_b")
        self.interrupt()


class TagUser(HttpUser):
    wait_time = constant(0)
    tasks = {Tagged: 1}

    @tag("a")
    @task(2)
    def only_a(self) -> None:
        self.client.get("/tag/a")

    @tag("b")
    @task
    def only_b(self) -> None:
        self.client.get("/tag/b")

    @tag("a", "c")
    @task
    def a_and_c(self) -> None:
        self.client.get("/tag/ac")

    @task
    def untagged(self) -> None:
        self.client.get("/tag/none")
