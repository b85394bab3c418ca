"""catch_response: failure on a 200, success on a 404, the status deciding, failure(Exception),
ResponseError raised in the block (a failure) and another exception raised in the block (not reported,
counted as an exception)."""

from locust import HttpUser, constant, task
from locust.exception import ResponseError


class CatchUser(HttpUser):
    wait_time = constant(0.002)

    @task
    def checks(self) -> None:
        with self.client.get("/status/200", catch_response=True, name="fail_on_200") as resp:
            if resp.status_code == 200:
                resp.failure("200 is not what we wanted")
        with self.client.get("/status/404", catch_response=True, name="success_on_404") as resp:
            if resp.status_code == 404:
                resp.success()
        with self.client.get("/status/200", catch_response=True, name="untouched_200"):
            pass
        with self.client.get("/status/500", catch_response=True, name="untouched_500"):
            pass
        with self.client.post("/status/201", catch_response=True, name="failure_exception") as resp:
            resp.failure(RuntimeError("custom failure object"))
        with self.client.get("/status/200", catch_response=True, name="response_error"):
            raise ResponseError("raised inside the block")

    @task
    def exception_in_block(self) -> None:
        with self.client.get("/status/200", catch_response=True, name="exception_in_block"):
            raise ValueError("boom inside catch_response")
