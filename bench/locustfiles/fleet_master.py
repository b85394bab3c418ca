"""The master's locustfile for bench/master.sh: one user class, which only the
(fake) workers would run."""

from locust import HttpUser, task


class FleetUser(HttpUser):
    @task
    def nothing(self) -> None:
        pass
