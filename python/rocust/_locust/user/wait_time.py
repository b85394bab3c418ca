"""Wait-time factories (``locust.wait_time``), used as ``wait_time = between(1, 2)``.

Each returns a plain function assigned as a class attribute, so Python binds it as a
method: the argument it receives is the User or the TaskSet the attribute was set on.
That is why ``constant_pacing`` keeps its bookkeeping on that object: pacing set on a
TaskSet is tracked per TaskSet instance, pacing set on a User per user.
"""

from __future__ import annotations

import random
from time import perf_counter
from typing import Any, Callable

__all__ = ["between", "constant", "constant_pacing", "constant_throughput", "poisson"]

WaitTimeFunc = Callable[[Any], float]


def between(min_wait: float, max_wait: float) -> WaitTimeFunc:
    """Uniformly random wait in [min_wait, max_wait] seconds."""

    def wait_between(owner: Any) -> float:
        return min_wait + random.random() * (max_wait - min_wait)

    return wait_between


def constant(wait_time: float) -> WaitTimeFunc:
    """Always the same wait, in seconds."""

    def wait_constant(owner: Any) -> float:
        return wait_time

    return wait_constant


def constant_pacing(wait_time: float) -> WaitTimeFunc:
    """Waits so that a task plus its wait take ``wait_time`` seconds (0 when the task
    alone took longer). The time of the previous task is measured from the end of the
    previous wait, stored on the owner as ``_cp_last_run``/``_cp_last_wait_time``."""

    def wait_pacing(owner: Any) -> float:
        task_run_time: float = perf_counter() - owner._cp_last_run - owner._cp_last_wait_time
        owner._cp_last_wait_time = max(0, wait_time - task_run_time)
        owner._cp_last_run = perf_counter()
        return float(owner._cp_last_wait_time)

    return wait_pacing


def constant_throughput(task_runs_per_second: float) -> WaitTimeFunc:
    """``task_runs_per_second`` tasks per second per user: constant_pacing(1 / rate)."""
    if task_runs_per_second <= 0:
        raise ValueError(f"constant_throughput() requires a positive rate, got: {task_runs_per_second}")
    return constant_pacing(1 / task_runs_per_second)


def poisson(rate: float) -> WaitTimeFunc:
    """Exponentially distributed waits with mean 1/rate: tasks arrive as a Poisson
    process of ``rate`` per second per user, like independent real visitors."""
    if rate <= 0:
        raise ValueError(f"poisson() requires a positive rate, got: {rate}")

    def wait_poisson(owner: Any) -> float:
        return random.expovariate(rate)

    return wait_poisson
