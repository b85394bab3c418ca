"""Classic login / index / about: on_start logs in (the server sets a session cookie), index weight 2, about weight 1."""

from locust import HttpUser, constant, task


class WebsiteUser(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.client.post("/login", {"username": "test", "password": "123456"})

    @task(2)
    def index(self) -> None:
        self.client.get("/")

    @task(1)
    def about(self) -> None:
        self.client.get("/about/")
