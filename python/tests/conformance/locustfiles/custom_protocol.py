"""A user that only fires the request event (a custom protocol), with and without an exception."""

from locust import User, constant, task


class ProtocolUser(User):
    wait_time = constant(0.005)

    @task(2)
    def ok_call(self) -> None:
        self.environment.events.request.fire(
            request_type="CUSTOM",
            name="ok_call",
            response_time=12.5,
            response_length=100,
            response=None,
            context={},
            exception=None,
        )

    @task(1)
    def failing_call(self) -> None:
        self.environment.events.request.fire(
            request_type="CUSTOM",
            name="failing_call",
            response_time=40,
            response_length=0,
            response=None,
            context={},
            exception=RuntimeError("custom protocol failure"),
        )

    @task(1)
    def string_failure(self) -> None:
        self.environment.events.request.fire(
            request_type="RPC",
            name="string_failure",
            response_time=7,
            response_length=3,
            response=None,
            context={"k": "v"},
            exception="plain string failure",
        )
