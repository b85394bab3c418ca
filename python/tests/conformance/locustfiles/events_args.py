"""test_start / test_stop listeners and a custom command line argument (init_command_line_parser)."""

import urllib.request
from urllib.parse import quote

from locust import HttpUser, constant, events, task


@events.init_command_line_parser.add_listener
def _(parser, **kwargs):  # type: ignore[no-untyped-def]
    parser.add_argument("--conformance-value", type=str, default="unset", help="echoed to the server")


def _ping(environment, what: str) -> None:  # type: ignore[no-untyped-def]
    value = quote(environment.parsed_options.conformance_value)
    with urllib.request.urlopen(f"{environment.host}/events/{what}?value={value}", timeout=5) as resp:
        resp.read()


@events.test_start.add_listener
def on_test_start(environment, **kwargs):  # type: ignore[no-untyped-def]
    _ping(environment, "test_start")


@events.test_stop.add_listener
def on_test_stop(environment, **kwargs):  # type: ignore[no-untyped-def]
    _ping(environment, "test_stop")


class ArgUser(HttpUser):
    wait_time = constant(0.01)

    @task
    def work(self) -> None:
        self.client.get("/arg", headers={"X-Custom-Arg": self.environment.parsed_options.conformance_value})
