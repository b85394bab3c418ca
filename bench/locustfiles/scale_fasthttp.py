"""bench/scale.sh's load test for Locust 2.47.0, the peer: scale_http.py's users as
FastHttpUsers (Locust's fastest HTTP client)."""

import itertools
import os

from locust import FastHttpUser, between, task

HOSTS = itertools.cycle(h for h in os.environ.get("BENCH_SCALE_HOSTS", "").split(",") if h)


class TargetA(FastHttpUser):
    host = next(HOSTS)
    wait_time = between(1, 2)

    @task
    def fast(self):
        self.client.get("/fast")


class TargetB(TargetA):
    host = next(HOSTS)


class TargetC(TargetA):
    host = next(HOSTS)
