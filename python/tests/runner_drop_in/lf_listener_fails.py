"""A test_stop listener that raises: logged, the run ends normally, exit code 2."""

from locust import User, constant, events, task


@events.init.add_listener
def _refresh_clock(environment, **_kwargs):
    import gevent

    gevent.get_hub().loop.update_now()


@events.test_stop.add_listener
def _stop(environment, **_kwargs):
    raise RuntimeError("test_stop listener fails")


class Idle(User):
    wait_time = constant(0.2)

    @task
    def work(self):
        pass
