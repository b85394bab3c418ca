# Seed: /work/shared/seeds/001_d747a14e6cb82a8b.txt, the first example ("简单示例").
# Fixed (Locust 0.x API to 2.x): HttpLocust -> HttpUser, task_set = WebsiteTasks -> tasks = [WebsiteTasks],
#        min_wait = 1000 / max_wait = 5000 (ms) -> wait_time = between(1, 5); host https://debugtalk.com ->
#        the local test server (CONFORMANCE_HOST).
import os

from locust import HttpUser, TaskSet, between, task

class WebsiteTasks(TaskSet):
    def on_start(self):
        self.client.post("/login", {
            "username": "test",
            "password": "123456"
        })

    @task(2)
    def index(self):
        self.client.get("/")

    @task(1)
    def about(self):
        self.client.get("/about/")

class WebsiteUser(HttpUser):
    tasks = [WebsiteTasks]
    host = os.environ.get("CONFORMANCE_HOST", "https://debugtalk.com")
    wait_time = between(1, 5)
