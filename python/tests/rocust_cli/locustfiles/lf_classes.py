"""Two classes with weights, a nested TaskSet and tags; every task prints what ran."""

from __future__ import annotations

import json

import gevent
from locust import TaskSet, User, constant, events, tag, task


def ran(user, name):
    print("@@ " + json.dumps(["ran", type(user).__name__, name]), flush=True)


class Browse(TaskSet):
    @task(3)
    def read(self):
        ran(self.user, "read")

    @task(1)
    def leave(self):
        self.interrupt()


class Reader(User):
    weight = 3
    wait_time = constant(0.1)
    tasks = {Browse: 2}

    @tag("write")
    @task(1)
    def write(self):
        ran(self, "write")


class Admin(User):
    weight = 1
    wait_time = constant(0.1)

    @tag("admin")
    @task
    def audit(self):
        ran(self, "audit")

    @tag("admin", "write")
    @task(2)
    def purge(self):
        ran(self, "purge")


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # Locust 2.47 counts -t from gevent's cached loop time, stale by the whole start-up on a busy
    # machine (its runs then end early): refresh it so -t counts from here under both tools.
    gevent.get_hub().loop.update_now()
