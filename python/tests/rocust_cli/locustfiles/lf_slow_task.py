"""A task that takes 1.5 s, for --stop-timeout."""

from __future__ import annotations

import json
import time

import gevent
from locust import User, constant, events, task


def mark(*what):
    print("@@ " + json.dumps(list(what)), flush=True)


class Slow(User):
    wait_time = constant(0)

    @task
    def slow(self):
        mark("task_start")
        time.sleep(1.5)  # monkey patched: a gevent sleep
        mark("task_end")

    def on_stop(self):
        mark("on_stop")


@events.quitting.add_listener
def _quitting(environment, **_kwargs):
    mark("quitting")


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # Locust 2.47 counts -t from gevent's cached loop time, stale by the whole start-up on a busy
    # machine (its runs then end early): refresh it so -t counts from here under both tools.
    gevent.get_hub().loop.update_now()
