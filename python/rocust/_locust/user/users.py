"""Users (``locust.user.users``): one simulated user is one greenlet running ``run``.

HttpUser builds its ``client`` as Locust's does; the session gets its connections from
the engine (see ``locust.clients``).
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from gevent import Greenlet, GreenletExit
from gevent.pool import Group

from ..clients import HttpSession, RestMixin
from ..exception import StopTest, StopUser
from ..util.deprecation import check_for_deprecated_task_set_attribute
from ._coroutine import run_hook
from .task import (
    LOCUST_STATE_RUNNING,
    LOCUST_STATE_STOPPING,
    LOCUST_STATE_WAITING,
    DefaultTaskSet,
    TaskLike,
    TaskSet,
    get_tasks_from_base_classes,
)
from .wait_time import constant

__all__ = ["HttpUser", "User", "UserMeta"]

logger = logging.getLogger("locust.user.users")

NO_HOST_MESSAGE = (
    "You must specify the base host. Either in the host attribute in the User class, or on the command line "
    "using the --host option."
)


class UserMeta(type):
    """Builds ``tasks`` like TaskSetMeta and makes every class concrete
    (``abstract = False``) unless its own body says ``abstract = True``."""

    def __new__(mcs, classname: str, bases: Tuple[type, ...], class_dict: Dict[str, Any]) -> "UserMeta":
        class_dict["tasks"] = get_tasks_from_base_classes(bases, class_dict)
        if not class_dict.get("abstract"):
            class_dict["abstract"] = False
        check_for_deprecated_task_set_attribute(class_dict)
        return type.__new__(mcs, classname, bases, class_dict)


class User(metaclass=UserMeta):
    """A simulated user: runs on_start, then its tasks with waits in between, and
    on_stop when it is stopped or killed.

    The class attributes are what the runner reads: ``weight`` (relative share of the
    users), ``fixed_count`` (exactly this many, spawned first, weight ignored),
    ``host``, ``wait_time`` and ``abstract`` (never spawned; for base classes).
    """

    host: Optional[str] = None
    """Base URL of the system under test, e.g. http://127.0.0.1:8080."""

    min_wait: Optional[float] = None
    max_wait: Optional[float] = None
    wait_function: Optional[Callable[..., Any]] = None

    wait_time: Optional[Callable[..., float]] = constant(0)
    """Seconds between tasks, e.g. ``between(1, 3)``; TaskSets may override it."""

    tasks: List[TaskLike] = []
    """The tasks, weighted by repetition; see ``@task`` and TaskSet.tasks."""

    weight: float = 1
    """Relative chance of this class when users are spawned."""

    fixed_count: int = 0
    """When above 0: spawn exactly this many users of the class, before weighted ones."""

    abstract: bool = True
    """True for base classes that must not be spawned themselves."""

    client: Any
    """Set by user types that have one (HttpUser, FastHttpUser); plain Users have none."""

    def __init__(self, environment: Any) -> None:
        super().__init__()
        self.environment = environment
        """The Environment this user runs in."""
        self._state: Optional[str] = None
        self._greenlet: Optional[Greenlet[Any, Any]] = None
        self._group: Group
        self._taskset_instance: Optional[TaskSet] = None
        # Bookkeeping for a constant_pacing wait_time defined on the user.
        self._cp_last_run: float = time.perf_counter()
        self._cp_last_wait_time: float = 0

    def on_start(self) -> Optional[Awaitable[None]]:
        """Runs once when the user starts, before its first task; may be ``async def``."""

    def on_stop(self) -> Optional[Awaitable[None]]:
        """Runs once when the user is stopped or killed (not after an on_start error); may
        be ``async def``."""

    def run(self) -> None:
        """The user's life. Not meant to be overridden.

        An exception in on_start other than StopUser/StopTest fires ``user_error`` and
        ends the user without on_stop (the greenlet dies with it); StopUser, StopTest
        and a kill end it after on_stop.
        """
        self._state = LOCUST_STATE_RUNNING
        self._taskset_instance = DefaultTaskSet(self)
        try:
            try:
                run_hook(self.on_start)
            except Exception as e:
                # The task loop logs task errors; on_start runs before it, so log here.
                logger.error("%s\n%s", e, traceback.format_exc())
                if not isinstance(e, (StopUser, StopTest)):
                    self.environment.events.user_error.fire(user_instance=self, exception=e, tb=e.__traceback__)
                raise
            self._taskset_instance.run()
        except (GreenletExit, StopUser, StopTest):
            run_hook(self.on_stop)

    def wait(self) -> None:
        """Sleeps for the current wait time, as between tasks; a graceful stop may end
        the user during this sleep (use gevent.sleep to avoid that)."""
        assert self._taskset_instance is not None, "wait() is only available while the user runs"
        self._taskset_instance.wait()

    def start(self, group: Group) -> Greenlet[Any, Any]:
        """Runs the user in a new greenlet of ``group``; the greenlet's first argument is
        the user, which is how runners find the user of a greenlet."""

        def run_user(user: "User") -> None:
            user.run()

        self._greenlet = group.spawn(run_user, self)
        self._group = group
        return self._greenlet

    def stop(self, force: bool = False) -> bool:
        """Stops the user: killed at once (on_stop still runs) when ``force`` or when it
        is waiting between tasks or has not started; otherwise marked "stopping" so it
        ends after the current task. Returns whether it was killed now."""
        if force or self._state in (None, LOCUST_STATE_WAITING):
            assert self._greenlet is not None, "stop() before start()"
            self._group.killone(self._greenlet)
            return True
        if self._state == LOCUST_STATE_RUNNING:
            self._state = LOCUST_STATE_STOPPING
            return False
        raise Exception(f"Tried to stop User in an unexpected state: {self._state}. This should never happen.")

    @property
    def group(self) -> Group:
        """The gevent Group the user's greenlet belongs to."""
        return self._group

    @property
    def greenlet(self) -> Optional[Greenlet[Any, Any]]:
        """The greenlet running this user (None before ``start``)."""
        return self._greenlet

    def context(self) -> Dict[str, Any]:
        """Extra entries for the ``context`` of this user's request events; override
        it to tag requests (e.g. with a user id)."""
        return {}

    @classmethod
    def json(cls) -> Dict[str, Any]:
        """The class as the web UI lists it."""
        return {
            "host": cls.host,
            "weight": cls.weight,
            "fixed_count": cls.fixed_count,
            "tasks": [t.__name__ for t in cls.tasks],
        }

    @classmethod
    def fullname(cls) -> str:
        """Module path and qualified name, e.g. ``my_module.MyUser``."""
        parts = (cls.__module__ + "." + cls.__qualname__).split(".")
        return ".".join(p for p in parts if p != "<locals>")


class HttpUser(User, RestMixin):
    """A user with an HTTP ``client`` (requests.Session-like, cookies kept per user;
    see ``locust.clients.HttpSession``) and the ``rest()`` helper.

    Without a host (class attribute or ``--host``) creating one raises StopTest, which
    stops the whole test with Locust's message.
    """

    abstract: bool = True

    pool_manager: Any = None
    """A urllib3 PoolManager shared by users; rocust honours its ``block=True`` limit of
    ``maxsize`` connections per host (each user still keeps its own connections)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.host is None:
            raise StopTest(NO_HOST_MESSAGE)
        self.client: HttpSession = HttpSession(
            base_url=self.host,
            request_event=self.environment.events.request,
            user=self,
            pool_manager=self.pool_manager,
        )
        """The user's HTTP session; it keeps cookies between requests."""
        # As Locust: HttpUser's client ignores REQUESTS_CA_BUNDLE and other
        # environment settings (an HttpSession made by user code reads them).
        self.client.trust_env = False


# Defined beside User, exported here as in Locust.
from .pytest_user import PytestUser as PytestUser  # noqa: E402
