"""Redirects (302 -> /page, followed or not) and cookies (set by /login, sent back afterwards)."""

from locust import HttpUser, constant, task


class BrowserUser(HttpUser):
    wait_time = constant(0.005)

    def on_start(self) -> None:
        self.client.post("/login", data={"user": "u", "pw": "p"})

    @task(2)
    def follow(self) -> None:
        self.client.get("/redirect")

    @task(1)
    def no_follow(self) -> None:
        with self.client.get(
            "/redirect?to=/elsewhere", allow_redirects=False, name="no_follow", catch_response=True
        ) as resp:
            if resp.status_code != 302:
                resp.failure(f"expected 302, got {resp.status_code}")

    @task(1)
    def with_cookie(self) -> None:
        self.client.get("/needs-cookie")
