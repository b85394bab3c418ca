"""The ``locust`` package as seen by locustfiles run by rocust.

The import hook (``rocust._import_hook``) makes ``import locust`` and ``locust.*`` resolve
to this package and its modules inside the rocust process, so an unchanged locustfile
gets these classes. Unlike Locust, importing this package does not monkey patch: the
rocust entry point patches gevent before it installs the hook.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

from ._version import __version__
from .contrib.fasthttp import FastHttpUser
from .debug import run_single_user
from .event import Events
from .shape import LoadTestShape
from .user import wait_time
from .user.markov_taskset import MarkovTaskSet, transition, transitions
from .user.sequential_taskset import SequentialTaskSet
from .user.task import TaskSet, tag, task
from .user.users import HttpUser, User
from .user.wait_time import between, constant, constant_pacing, constant_throughput, poisson

#: The process-wide event hooks; the engine's Environment uses this very object.
events = Events()


class _RenamedClassMeta(type):
    """Subclassing a pre-1.0 name fails at import with the message Locust gives."""

    message = ""

    def __new__(mcs, classname: str, bases: Tuple[type, ...], class_dict: Dict[str, Any]) -> "_RenamedClassMeta":
        if not bases:
            return super().__new__(mcs, classname, bases, class_dict)
        raise ImportError(mcs.message)


class _LocustRenamed(_RenamedClassMeta):
    message = (
        "The Locust class has been renamed to User in version 1.0. "
        "For more info see: https://docs.locust.io/en/latest/changelog.html#changelog-1-0"
    )


class _HttpLocustRenamed(_RenamedClassMeta):
    message = (
        "The HttpLocust class has been renamed to HttpUser in version 1.0. "
        "For more info see: https://docs.locust.io/en/latest/changelog.html#changelog-1-0"
    )


class Locust(metaclass=_LocustRenamed):
    """Renamed to User in Locust 1.0; subclassing it raises ImportError."""


class HttpLocust(metaclass=_HttpLocustRenamed):
    """Renamed to HttpUser in Locust 1.0; subclassing it raises ImportError."""


__all__ = (
    "FastHttpUser",
    "HttpLocust",
    "HttpUser",
    "LoadTestShape",
    "Locust",
    "MarkovTaskSet",
    "SequentialTaskSet",
    "TaskSet",
    "User",
    "__version__",
    "between",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "events",
    "poisson",
    "run_single_user",
    "tag",
    "task",
    "transition",
    "transitions",
    "wait_time",
)
