"""The locustfile of the web API reference run (tools/web-reference/capture.py) and of the test
that replays it against rocust (python/tests/test_web_api.py).

One HttpUser with a constant 0.1 s wait: a request that succeeds (GET /), two that fail (GET
/missing answers 404, GET /error 500) and a task that raises, so /exceptions has a row. The
custom arguments cover every kind of field the start form draws: int, str, bool, choices and a
secret.
"""

from __future__ import annotations

from typing import Any

from locust import HttpUser, constant, events, task


@events.init_command_line_parser.add_listener
def _custom_arguments(parser: Any, **_kwargs: Any) -> None:
    parser.add_argument("--my-int", type=int, default=3, help="an int option")
    parser.add_argument("--my-str", type=str, default="x", help="a str option")
    parser.add_argument("--my-flag", action="store_true", default=False, help="a bool option")
    parser.add_argument("--my-choice", choices=["red", "green"], default="red", help="an option with choices")
    parser.add_argument("--my-secret", type=str, default="hunter2", is_secret=True, help="a secret option")


class WebUser(HttpUser):
    wait_time = constant(0.1)

    @task
    def index(self) -> None:
        self.client.get("/")

    @task
    def missing(self) -> None:
        self.client.get("/missing")

    @task
    def error(self) -> None:
        self.client.get("/error")

    @task
    def boom(self) -> None:
        raise RuntimeError("boom")
