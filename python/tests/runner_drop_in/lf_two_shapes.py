"""Two shape classes in one locustfile: Locust runs the first one defined."""

from locust import LoadTestShape, User, constant, task


class Idle(User):
    wait_time = constant(0.2)

    @task
    def work(self):
        pass


class FirstShape(LoadTestShape):
    def tick(self):
        return (1, 10) if self.get_run_time() < 1 else None


class SecondShape(LoadTestShape):
    def tick(self):
        return (3, 10) if self.get_run_time() < 1 else None
