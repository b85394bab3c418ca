"""Scale benchmark (bench/scale.sh): three user classes, each on its own target process
(BENCH_SCALE_HOSTS, comma-separated base URLs), one GET /fast then wait between(1, 2) s.
BENCH_SCALE_CLIENT=fasthttp makes them FastHttpUsers (Locust's fastest client, for the peer run)."""

import itertools
import os

from locust import FastHttpUser, HttpUser, between, task

HOSTS = itertools.cycle(h for h in os.environ.get("BENCH_SCALE_HOSTS", "").split(",") if h)
CLIENT = FastHttpUser if os.environ.get("BENCH_SCALE_CLIENT") == "fasthttp" else HttpUser


class TargetA(CLIENT):
    host = next(HOSTS)
    wait_time = between(1, 2)

    @task
    def fast(self):
        self.client.get("/fast")


class TargetB(TargetA):
    host = next(HOSTS)


class TargetC(TargetA):
    host = next(HOSTS)
