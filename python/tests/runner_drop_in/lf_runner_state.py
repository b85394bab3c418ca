"""What listeners see of the runner: target_user_count in test_start, and
spawning_complete only once every user's (slow) constructor has run."""

import json

import gevent
from locust import User, constant, events, task

constructed = []


def mark(*what):
    print("@@ " + json.dumps(list(what)), flush=True)


@events.init.add_listener
def _refresh_clock(environment, **_kwargs):
    gevent.get_hub().loop.update_now()


@events.test_start.add_listener
def _start(environment, **_kwargs):
    mark("test_start", environment.runner.target_user_count)


@events.spawning_complete.add_listener
def _complete(user_count, **_kwargs):
    mark("spawning_complete", user_count, len(constructed))


class Slow(User):
    wait_time = constant(1)

    def __init__(self, environment):
        super().__init__(environment)
        gevent.sleep(0.4)
        constructed.append(1)

    @task
    def work(self):
        pass
