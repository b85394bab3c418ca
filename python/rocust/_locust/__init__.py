"""The ``locust`` package as seen by locustfiles run by rocust.

The import hook (``rocust._import_hook``) makes ``import locust`` and ``locust.*`` resolve
to this package and its modules inside the rocust process, so an unchanged locustfile
gets these classes. Unlike Locust, importing this package does not monkey patch: the
rocust entry point patches gevent before it installs the hook.
"""

from __future__ import annotations

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

# Pre-1.0 names: subclassing them raises ImportError with the new name.
from .util.deprecation import DeprecatedHttpLocustClass as HttpLocust
from .util.deprecation import DeprecatedLocustClass as Locust

#: The process-wide event hooks; the engine's Environment uses this very object.
events = Events()

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
