"""Scale benchmark (bench/scale.sh): three user classes, each on its own target process
(BENCH_SCALE_HOSTS, comma-separated base URLs), one GET /fast then wait between(1, 2) s."""

import itertools
import os

from locust import HttpUser, between, task

HOSTS = itertools.cycle(h for h in os.environ.get("BENCH_SCALE_HOSTS", "").split(",") if h)


class TargetA(HttpUser):
    host = next(HOSTS)
    wait_time = between(1, 2)

    @task
    def fast(self):
        self.client.get("/fast")


class TargetB(TargetA):
    host = next(HOSTS)


class TargetC(TargetA):
    host = next(HOSTS)
