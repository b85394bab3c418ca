"""User code that raises: one class in on_start, one in every task."""

from __future__ import annotations

import gevent
from locust import User, constant, events, task


class StartFails(User):
    wait_time = constant(0.2)

    def on_start(self):
        raise ValueError("broken on_start")

    @task
    def never(self):
        print("@@ [\"StartFails task ran\"]", flush=True)


class TaskFails(User):
    wait_time = constant(0.2)

    @task
    def boom(self):
        raise KeyError("broken task")


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # Locust 2.47 counts -t from gevent's cached loop time, stale by the whole start-up on a busy
    # machine (its runs then end early): refresh it so -t counts from here under both tools.
    gevent.get_hub().loop.update_now()
