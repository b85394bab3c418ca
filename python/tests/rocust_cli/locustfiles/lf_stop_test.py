"""Each user raises StopTest in its third task."""

from __future__ import annotations

import itertools
import json

import gevent
from locust import User, constant, events, task
from locust.exception import StopTest

_ids = itertools.count()


def mark(*what):
    print("@@ " + json.dumps(list(what)), flush=True)


class Stopper(User):
    wait_time = constant(0.1)

    def on_start(self):
        self.id = next(_ids)
        self.n = 0

    @task
    def work(self):
        self.n += 1
        mark("task", self.id, self.n)
        if self.n == 3:
            raise StopTest("enough for this user")

    def on_stop(self):
        mark("on_stop", self.id)


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # Locust 2.47 counts -t from gevent's cached loop time, stale by the whole start-up on a busy
    # machine (its runs then end early): refresh it so -t counts from here under both tools.
    gevent.get_hub().loop.update_now()
