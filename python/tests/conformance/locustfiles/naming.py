"""name= grouping: many URLs under one name, and the default names (path with query)."""

import random

from locust import HttpUser, constant, task


class NamingUser(HttpUser):
    wait_time = constant(0)

    @task(3)
    def item(self) -> None:
        self.client.get(f"/item?id={random.randint(1, 1000)}", name="/item?id=[id]")

    @task(1)
    def blog(self) -> None:
        self.client.get(f"/blog/{random.randint(1, 50)}/comments", name="/blog/[n]/comments")

    @task(1)
    def plain(self) -> None:
        self.client.get("/plain?x=1&y=two")

    @task(1)
    def post_named(self) -> None:
        self.client.post(f"/form/{random.randint(1, 9)}", data={"a": "1"}, name="form post")
