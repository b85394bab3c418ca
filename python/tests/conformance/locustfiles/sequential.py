"""SequentialTaskSet flows: steps in declaration order, a weight repeats a step, the flow ends with interrupt()."""

import itertools

from locust import HttpUser, SequentialTaskSet, constant, task

_ids = itertools.count(1)


class Checkout(SequentialTaskSet):
    @task
    def cart(self) -> None:
        self.client.get("/seq/cart", headers={"X-User-Id": self.user.uid})

    @task(2)
    def address(self) -> None:
        self.client.get("/seq/address", headers={"X-User-Id": self.user.uid})

    @task
    def pay(self) -> None:
        self.client.post("/seq/pay", headers={"X-User-Id": self.user.uid})

    @task
    def done(self) -> None:
        self.client.get("/seq/done", headers={"X-User-Id": self.user.uid})
        self.interrupt()


class Shopper(HttpUser):
    wait_time = constant(0)
    tasks = [Checkout]

    def on_start(self) -> None:
        self.uid = str(next(_ids))

    @task
    def landing(self) -> None:
        self.client.get("/seq/landing", headers={"X-User-Id": self.uid})
