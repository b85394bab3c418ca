"""constant_pacing: task time + wait = the pacing interval, even when the task itself takes time."""

import itertools

from locust import HttpUser, constant_pacing, task

_ids = itertools.count(1)


class Paced(HttpUser):
    wait_time = constant_pacing(0.1)
    pace = "0.1"

    def on_start(self) -> None:
        self.uid = str(next(_ids))

    @task
    def tick(self) -> None:
        self.client.get("/slow?ms=40", name=f"paced {self.pace}s", headers={"X-Pace": self.pace, "X-User-Id": self.uid})


class SlowPaced(Paced):
    wait_time = constant_pacing(0.2)
    pace = "0.2"
