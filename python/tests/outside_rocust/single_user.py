"""Locust's documented debugging flow: `python single_user.py`, host from LOCUST_HOST,
a locust.conf, or --host."""

from locust import HttpUser, constant, run_single_user, task
from locust.exception import StopUser


class Debugged(HttpUser):
    wait_time = constant(0)
    calls = 0

    @task
    def visit(self):
        self.client.get("/hello")
        self.client.get("/missing")
        with self.client.get("/fail", catch_response=True) as response:
            response.success()
        Debugged.calls += 1
        if Debugged.calls == 2:
            raise StopUser()


if __name__ == "__main__":
    run_single_user(Debugged)
    print("@@ done", flush=True)
