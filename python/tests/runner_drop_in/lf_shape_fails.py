"""A shape whose tick() raises on its third call."""

from locust import LoadTestShape, User, constant, task


class Idle(User):
    wait_time = constant(0.2)

    @task
    def work(self):
        pass


class Failing(LoadTestShape):
    calls = 0

    def tick(self):
        self.calls += 1
        if self.calls >= 3:
            raise ValueError("tick fails")
        return (2, 10)
