"""Locust's documented pattern: a greenlet started at test_start calls runner.quit()."""

from __future__ import annotations

import json

import gevent
from locust import User, constant, events, task


def mark(*what):
    print("@@ " + json.dumps(list(what)), flush=True)


class Idle(User):
    wait_time = constant(0.1)

    @task
    def work(self):
        pass

    def on_stop(self):
        mark("on_stop")


@events.test_start.add_listener
def _start(environment, **_kwargs):
    def later():
        gevent.sleep(1.0)
        mark("quit_called", environment.runner.state)
        environment.runner.quit()

    gevent.spawn(later)


@events.quitting.add_listener
def _quitting(environment, **_kwargs):
    mark("quitting")


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # Locust 2.47 counts -t from gevent's cached loop time, stale by the whole start-up on a busy
    # machine (its runs then end early): refresh it so -t counts from here under both tools.
    gevent.get_hub().loop.update_now()
