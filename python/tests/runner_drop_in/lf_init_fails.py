"""Users whose constructor raises: the run goes on until -t and exits 2 (Locust 2.47)."""

from locust import User, constant, events, task


@events.init.add_listener
def _refresh_clock(environment, **_kwargs):
    # Locust counts -t from a gevent clock that is stale by its start-up time.
    import gevent

    gevent.get_hub().loop.update_now()


class Broken(User):
    wait_time = constant(1)

    def __init__(self, environment):
        super().__init__(environment)
        raise ValueError("boom in __init__")

    @task
    def work(self):
        pass
