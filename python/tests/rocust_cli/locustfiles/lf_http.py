"""Two HttpUsers on the test's server: /fast always, /fail (500) only with --with-failures."""

from __future__ import annotations

import gevent
from locust import HttpUser, constant, events, task


@events.init_command_line_parser.add_listener
def _options(parser, **_kwargs):
    parser.add_argument("--with-failures", action="store_true", default=False)


class Web(HttpUser):
    wait_time = constant(0.05)

    @task
    def fast(self):
        self.client.get("/fast")
        if self.environment.parsed_options.with_failures:
            self.client.get("/fail", name="failing")


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # Locust 2.47 counts -t from gevent's cached loop time, stale by the whole start-up on a busy
    # machine (its runs then end early): refresh it so -t counts from here under both tools.
    gevent.get_hub().loop.update_now()
