"""Locust's classic locustfile, unchanged: runs under `locust -f` and `rocust -f` alike.

    rocust -f examples/locustfile.py --headless -u 20 -r 5 -t 20s -H http://127.0.0.1:8089
"""

from locust import HttpUser, between, task


class WebsiteUser(HttpUser):
    wait_time = between(1, 5)

    def on_start(self):
        self.client.post("/login", {"username": "ellen_key", "password": "education"})

    @task(2)
    def index(self):
        self.client.get("/")

    @task(1)
    def about(self):
        self.client.get("/about/")
