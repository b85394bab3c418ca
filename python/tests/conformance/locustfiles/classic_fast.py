"""FastHttpUser variant of classic.py: on_start login sets a cookie, index weight 2, about weight 1."""

from locust import FastHttpUser, constant, task


class WebsiteUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.client.post("/login", data={"username": "test", "password": "123456"})

    @task(2)
    def index(self) -> None:
        self.client.get("/")

    @task(1)
    def about(self) -> None:
        self.client.get("/about/")
