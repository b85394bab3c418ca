"""CsvRequestLogger beside an HttpUser: every request (a success, a 404 and a refused connection)
becomes one row of requests.csv in the run's folder."""

from __future__ import annotations

import os

from scripted import finish

from locust import HttpUser, constant, events, task
from locust.contrib.csv_request_logger import CsvRequestLogger

logger = CsvRequestLogger("requests.csv")
CLOSED = f"http://127.0.0.1:{os.environ['CONFORMANCE_CLOSED_PORT']}"


@events.init.add_listener
def on_locust_init(environment, **kwargs):
    logger.register(environment)


class Script(HttpUser):
    wait_time = constant(0)

    @task
    def script(self) -> None:
        self.client.get("/ok")
        self.client.get("/status/404")
        self.client.get(f"{CLOSED}/refused")
        events.request.fire(request_type="CUSTOM", name="fired", response_time=1.25, response_length=3)
        finish(self)
