"""An init listener that raises: fatal, exit 1 before the test starts (Locust 2.47)."""

from locust import User, constant, events, task


@events.init.add_listener
def _init(environment, **_kwargs):
    raise RuntimeError("init listener fails")


class Idle(User):
    wait_time = constant(1)

    @task
    def work(self):
        pass
