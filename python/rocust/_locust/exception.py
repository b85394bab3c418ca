"""Exceptions of the ``locust.exception`` module.

User code raises the control exceptions (StopUser, RescheduleTask, ...) to steer the
task loop in ``user/task.py``; locustfiles also catch the response errors. The class
hierarchy matters as much as the names: ``except LocustError`` in a locustfile has to
catch exactly what it catches under Locust.
"""

from __future__ import annotations

__all__ = [
    "CatchResponseError",
    "InterruptTaskSet",
    "LocustError",
    "MissingWaitTimeError",
    "RPCError",
    "RPCReceiveError",
    "RPCSendError",
    "RescheduleTask",
    "RescheduleTaskImmediately",
    "ResponseError",
    "RunnerAlreadyExistsError",
    "StopTest",
    "StopUser",
]


class LocustError(Exception):
    """Base of the errors that mean the locustfile or the API was used wrongly."""


class ResponseError(Exception):
    """A response did not meet the expectations of the code that asked for it."""


class CatchResponseError(Exception):
    """What a request reports as its failure when ``response.failure(msg)`` is called
    inside a ``catch_response`` block; its text is the failure message."""


class MissingWaitTimeError(LocustError):
    """Neither the user nor the task set says how long to wait between tasks."""


class InterruptTaskSet(Exception):
    """Leaves the running (nested) task set and hands control back to its parent.

    ``reschedule`` chooses what the parent does next: True runs its next task at once,
    False makes it wait first.
    """

    def __init__(self, reschedule: bool = True) -> None:
        self.reschedule = reschedule


class StopTest(Exception):
    """Raised in user code: ends this user (its on_stop runs). Raised while users are
    being created (e.g. an HttpUser without host): stops the whole test."""


class StopUser(Exception):
    """Ends the user that raises it, after its task sets' and its own on_stop."""


class RescheduleTask(Exception):
    """Ends the current task early, like ``return``; the user then waits as usual."""


class RescheduleTaskImmediately(Exception):
    """Ends the current task early and starts the next one without waiting."""


class RPCError(Exception):
    """The master/worker connection broke (kept for locustfiles that catch it)."""


class RPCSendError(Exception):
    """A message could not be sent to another node."""


class RPCReceiveError(Exception):
    """A message from another node was cut short or corrupt; ``addr`` says from where."""

    def __init__(self, *args: object, addr: str | None = None) -> None:
        super().__init__(*args)
        self.addr = addr


class RunnerAlreadyExistsError(Exception):
    """An Environment got a second runner."""
