"""The locustfile of the browser tests (python/tests/web/test_browser.py).

One HttpUser with a short constant wait against the tests' loopback server
(python/tests/rocust_cli/harness.py LoopbackServer): a request that succeeds (GET /), one that
takes a few milliseconds (GET /slow, so response times are above 0 ms) and one that fails
(GET /fail answers 500), so the Statistics table has several rows and a failure count.
"""

from __future__ import annotations

from locust import HttpUser, constant, task


class BrowserUser(HttpUser):
    wait_time = constant(0.2)

    @task(3)
    def index(self) -> None:
        self.client.get("/")

    @task(2)
    def slow(self) -> None:
        self.client.get("/slow")

    @task(1)
    def fail(self) -> None:
        self.client.get("/fail")
