"""fixed_count and weight classes: each user announces its class at /class/<Name> on start and sends an
X-User-Class header with each request."""

from locust import HttpUser, constant, task


class Base(HttpUser):
    abstract = True
    wait_time = constant(0.01)

    def on_start(self) -> None:
        self.client.get(f"/class/{type(self).__name__}", name="/class/[name]")

    @task
    def work(self) -> None:
        self.client.get("/work", headers={"X-User-Class": type(self).__name__})


class Fixed(Base):
    fixed_count = 1


class Heavy(Base):
    weight = 3


class Light(Base):
    weight = 1
