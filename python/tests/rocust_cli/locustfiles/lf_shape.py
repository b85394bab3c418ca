"""A LoadTestShape: 2 users for 1 s, 4 users until 2 s, then stop.

Each tick prints its run time, a probe prints the user count. An init listener starts a
greenlet that prepares data without yielding for 0.3 s (as reading a data file would): that
must not make the shape's ticks come early.
"""

from __future__ import annotations

import json
import time

import gevent
from locust import LoadTestShape, User, constant, events, task


def mark(*what):
    print("@@ " + json.dumps(list(what)), flush=True)


class Idle(User):
    wait_time = constant(0.1)

    @task
    def work(self):
        pass


class TwoSteps(LoadTestShape):
    def tick(self):
        run_time = self.get_run_time()
        mark("tick", run_time)
        if run_time < 1.0:
            return (2, 100)
        if run_time < 2.0:
            return (4, 100)
        return None


@events.init.add_listener
def _init(environment, **_kwargs):
    def prepare_data():
        end = time.perf_counter() + 0.3
        while time.perf_counter() < end:
            pass

    gevent.spawn(prepare_data)


@events.test_start.add_listener
def _start(environment, **_kwargs):
    started = time.monotonic()

    def probe():
        while True:
            mark("count", round(time.monotonic() - started, 2), environment.runner.user_count)
            gevent.sleep(0.2)

    gevent.spawn(probe)
