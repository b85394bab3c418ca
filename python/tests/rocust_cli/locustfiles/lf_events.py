"""Event listeners, parsed options, runner state and stats as a locustfile sees them."""

from __future__ import annotations

import json

import gevent
from locust import User, constant, events, task

PLAIN = (int, float, str, bool, list, type(None))


def mark(*what):
    print("@@ " + json.dumps(list(what)), flush=True)


@events.init_command_line_parser.add_listener
def _options(parser, **_kwargs):
    parser.add_argument("--my-opt", type=int, default=7, help="a custom option")
    parser.add_argument("--my-conf", default="unset", help="set in locust.conf")
    parser.add_argument("--my-default", default="the default", help="not set anywhere")


@events.init.add_listener
def _init(environment, runner, **_kwargs):
    options = {
        k: (v if isinstance(v, PLAIN) else repr(v)) for k, v in sorted(vars(environment.parsed_options).items())
    }
    mark(
        "init",
        {
            "runner_is_environment_runner": runner is environment.runner,
            "runner_class": type(runner).__name__,
            "state": runner.state,
            "options": options,
        },
    )


@events.test_start.add_listener
def _test_start(environment, **_kwargs):
    mark("test_start", environment.runner.state, environment.runner.user_count)

    def probe():
        gevent.sleep(1.0)
        mark("probe", environment.runner.state, environment.runner.user_count)

    gevent.spawn(probe)


@events.spawning_complete.add_listener
def _spawning_complete(user_count, **_kwargs):
    mark("spawning_complete", user_count)


@events.test_stopping.add_listener
def _test_stopping(environment, **_kwargs):
    mark("test_stopping", environment.runner.state)


@events.test_stop.add_listener
def _test_stop(environment, **_kwargs):
    mark("test_stop", environment.runner.state)


@events.quitting.add_listener
def _quitting(environment, **_kwargs):
    total = environment.stats.total
    mark("quitting", environment.runner.state, total.num_requests, total.num_failures, total.fail_ratio)
    if total.fail_ratio > 0.25:
        environment.process_exit_code = 3


@events.quit.add_listener
def _quit(exit_code, **_kwargs):
    mark("quit", exit_code)


class Reporter(User):
    """One good and one failed request per task, reported through events.request."""

    wait_time = constant(0.1)

    @task
    def report(self):
        request = self.environment.events.request
        request.fire(request_type="X", name="good", response_time=1.0, response_length=0, exception=None, context={})
        request.fire(
            request_type="X", name="bad", response_time=1.0, response_length=0, exception=Exception("no"), context={}
        )


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # Locust 2.47 counts -t from gevent's cached loop time, stale by the whole start-up on a busy
    # machine (its runs then end early): refresh it so -t counts from here under both tools.
    gevent.get_hub().loop.update_now()
