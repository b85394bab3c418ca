"""The --class-picker run of tools/web-reference/capture.py: two user classes and a shape.

The users make no requests (they only wait), so this run needs no target.
"""

from __future__ import annotations

from typing import Optional, Tuple

from locust import LoadTestShape, User, constant, task


class UserA(User):
    wait_time = constant(0.1)

    @task
    def idle_a(self) -> None:
        pass


class UserB(User):
    wait_time = constant(0.1)
    weight = 2

    @task(3)
    def idle_b(self) -> None:
        pass

    @task
    def other_b(self) -> None:
        pass


class RampShape(LoadTestShape):
    """One user for a minute (the capture stops it long before)."""

    def tick(self) -> Optional[Tuple[int, float]]:
        return (1, 1.0) if self.get_run_time() < 60 else None
