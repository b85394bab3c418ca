"""Per-user concurrency, run by test_clients_drop_in.py under `locust -f` and `rocust -f`:
one user's greenlets send DROPIN_N requests to /slow (DROPIN_SLOW seconds each) at once, and
the locustfile prints the wall time and the response times Locust records, so the test can
tell overlapping requests from waves. DROPIN_CLIENT picks the client: "fast" (FastHttpUser,
concurrency DROPIN_CONCURRENCY or the default), "http" (HttpUser), "http_pool" (HttpUser
with a shared PoolManager(maxsize=DROPIN_CONCURRENCY, block=True)), "fast_session"
(a FastHttpSession built in the task: geventhttpclient's defaults, one connection).
"""

import json
import os
import time

import gevent
from gevent.pool import Pool

from locust import FastHttpUser, HttpUser, constant, events, task
from locust.contrib.fasthttp import FastHttpSession
from locust.exception import StopUser

N = int(os.environ.get("DROPIN_N", "20"))
SLOW = float(os.environ["DROPIN_SLOW"])
CLIENT = os.environ["DROPIN_CLIENT"]
CONCURRENCY = os.environ.get("DROPIN_CONCURRENCY")
times = []


@events.request.add_listener
def _on_request(response_time, exception, **_kwargs):
    times.append([round(response_time / 1000, 3), exception is None])


def burst(client):
    times.clear()
    started = time.perf_counter()
    pool = Pool()
    for _ in range(N):
        pool.spawn(client.get, f"/slow?s={SLOW}", name="slow")
    pool.join()
    print("@@ " + json.dumps(["burst", time.perf_counter() - started, sorted(times)]), flush=True)


if CLIENT in ("fast", "fast_session"):

    class U(FastHttpUser):
        wait_time = constant(0)
        if CONCURRENCY:
            concurrency = int(CONCURRENCY)

        @task
        def t(self):
            if CLIENT == "fast_session":
                burst(FastHttpSession(self.host, self.environment.events.request, self, max_retries=0))
            else:
                burst(self.client)
            raise StopUser()

else:

    class U(HttpUser):
        wait_time = constant(0)
        if CLIENT == "http_pool":
            from urllib3 import PoolManager

            pool_manager = PoolManager(maxsize=int(CONCURRENCY), block=True)

        @task
        def t(self):
            burst(self.client)
            raise StopUser()


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # Locust 2.47 counts -t from gevent's cached loop time, stale by the whole start-up.
    gevent.get_hub().loop.update_now()
