"""The seam the Rust engine drives: a UserGroupController owns the Python users.

The engine's PythonBackend (the ``rocust_core::exec::UserBackend`` of Python
locustfiles) calls these methods on the main thread, where gevent's hub and every user
greenlet live. Methods that wait (``stop``, ``kill_all``) block the calling greenlet, so
they must run in a greenlet of their own, never in a hub callback: the engine spawns
one per command (``spawn_stop``) and acknowledges the command when it returns.

Nothing here imports the engine; it is plain Python + gevent, testable on its own.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Type

import gevent
from gevent import Greenlet, getcurrent
from gevent.pool import Group

from ._locust.env import Environment, assign_equal_weights
from ._locust.user.task import LOCUST_STATE_STOPPING, TaskSet, filter_tasks_by_tags
from ._locust.user.users import User

__all__ = ["UserGroupController", "task_tree"]

logger = logging.getLogger("locust.runners")

#: A task as ``--show-task-ratio`` sees it: {"name", "weight", "children"}, where
#: children is None for a function and a list of the same for a nested TaskSet.
TaskNode = Dict[str, Any]


def task_tree(tasks: Iterable[Any], _seen: Optional[Set[int]] = None) -> List[TaskNode]:
    """Groups a weighted task list into nodes, one per distinct task in order of first
    appearance, its weight being how often it appears (what Locust's task ratio uses).

    A TaskSet that (indirectly) lists itself is shown once with no children, instead
    of recursing forever.
    """
    seen = set() if _seen is None else _seen
    nodes: List[TaskNode] = []
    index: Dict[int, TaskNode] = {}
    for item in tasks:
        node = index.get(id(item))
        if node is not None:
            node["weight"] += 1
            continue
        children: Optional[List[TaskNode]] = None
        if isinstance(item, type) and issubclass(item, TaskSet):
            if id(item) in seen:
                children = []
            else:
                children = task_tree(item.tasks, seen | {id(item)})
        node = {"name": getattr(item, "__name__", repr(item)), "weight": 1, "children": children}
        index[id(item)] = node
        nodes.append(node)
    return nodes


class UserGroupController:
    """Spawns, counts and stops the users of one test, Locust's Runner semantics.

    Users are kept per class in start order, so stopping takes the most recently
    started ones first (Locust takes them in set-iteration order, i.e. no defined
    order; the engine's native backend stops the newest, and so does this).
    """

    def __init__(
        self,
        environment: Environment,
        user_classes: Iterable[Type[User]],
        on_count: Optional[Callable[[str, int], None]] = None,
    ) -> None:
        self.environment = environment
        self._on_count = on_count
        """Told (class name, live users) whenever a class's count changes (the engine
        mirrors the counts for its runner)."""
        self.user_classes: List[Type[User]] = list(user_classes)
        if not environment.user_classes:
            environment.user_classes = list(self.user_classes)
        self.group = Group()
        """Every user greenlet; the runner facade exposes it as ``user_greenlets``."""
        # class name -> {greenlet: user}; dicts keep start order, reversed() = newest first.
        self._alive: Dict[str, Dict[Greenlet[Any, Any], User]] = {c.__name__: {} for c in self.user_classes}
        self._by_name: Dict[str, Type[User]] = {c.__name__: c for c in self.user_classes}
        # One exit callback per class, shared by its users (no closure per user).
        self._on_exit = {name: self._forget(name) for name in self._alive}

    # -- test preparation ------------------------------------------------------

    def user_classes_info(self) -> List[Dict[str, Any]]:
        """Each class as the engine's UserClassInfo: name, weight, fixed_count, host,
        abstract, tasks (a task tree, see ``task_tree``)."""
        return [
            {
                "name": c.__name__,
                "weight": c.weight,
                "fixed_count": c.fixed_count,
                "host": c.host,
                "abstract": bool(c.abstract),
                "tasks": task_tree(c.tasks),
            }
            for c in self.user_classes
        ]

    def apply_filter(
        self,
        tags: Optional[Iterable[str]] = None,
        exclude_tags: Optional[Iterable[str]] = None,
        equal_weights: bool = False,
    ) -> None:
        """``--equal-weights`` then ``--tags``/``--exclude-tags`` on this controller's
        classes, in Locust's order (it equalises at init and filters at test start).
        Both happen once per environment, as in Locust: classes are changed in place,
        so a second pass would work on what the first one left."""
        tag_list = list(tags) if tags is not None else None
        exclude_list = list(exclude_tags) if exclude_tags is not None else None
        self.environment.tags = tag_list
        self.environment.exclude_tags = exclude_list
        if self.environment._tasks_filtered:
            return
        self.environment._tasks_filtered = True
        if equal_weights:
            assign_equal_weights(self.user_classes)
        tag_set = set(tag_list) if tag_list is not None else None
        exclude_set = set(exclude_list) if exclude_list is not None else None
        for user_class in self.user_classes:
            filter_tasks_by_tags(user_class, tag_set, exclude_set)

    # -- users -----------------------------------------------------------------

    def spawn(self, class_name: str, count: int) -> List[User]:
        """Starts ``count`` users of ``class_name`` and returns them.

        ``environment.host`` (``--host``) overrides the class's host first, as Locust's
        runner does at each start. An exception from a user's constructor (e.g.
        StopTest from an HttpUser without host) goes to the caller; the users created
        before it keep running. The engine treats StopTest as Locust does: log it and
        stop the test.
        """
        user_class = self._by_name[class_name]
        if self.environment.host:
            user_class.host = self.environment.host
        alive = self._alive[class_name]
        started: List[User] = []
        try:
            for _ in range(count):
                user = user_class(self.environment)
                assert hasattr(user, "environment"), (
                    f"Attribute 'environment' is missing on user {class_name}. Perhaps you defined your own __init__ "
                    "and forgot to call the base constructor? (super().__init__(*args, **kwargs))"
                )
                greenlet = user.start(self.group)
                alive[greenlet] = user
                greenlet.rawlink(self._on_exit[class_name])
                started.append(user)
        finally:
            if self._on_count is not None:
                self._on_count(class_name, len(alive))
        return started

    def _forget(self, class_name: str) -> Callable[[Greenlet[Any, Any]], None]:
        alive = self._alive[class_name]

        def on_user_exit(greenlet: Greenlet[Any, Any]) -> None:
            alive.pop(greenlet, None)
            if self._on_count is not None:
                self._on_count(class_name, len(alive))

        return on_user_exit

    def user_classes_count(self) -> Dict[str, int]:
        """Live users per class name (every class listed, 0 included)."""
        return {name: len(alive) for name, alive in self._alive.items()}

    @property
    def user_count(self) -> int:
        return sum(len(alive) for alive in self._alive.values())

    def users(self, class_name: Optional[str] = None) -> List[User]:
        """Live users (of one class, or all), oldest first."""
        names = [class_name] if class_name is not None else list(self._alive)
        return [u for n in names for u in self._alive[n].values()]

    def stop(self, counts: Dict[str, int], stop_timeout: Optional[float]) -> None:
        """Stops ``counts[class]`` users of each class (newest first) and returns once
        they are gone. Blocks the calling greenlet.

        Without a stop timeout (None or 0) the users are killed at once (on_stop
        runs). With one, waiting users are killed at once, running ones finish their
        current task (marked "stopping"), and whatever is still alive when the
        timeout ends is killed. A user stopping itself (it called runner.quit()) is
        killed without waiting, since it cannot wait for its own end.
        """
        stop_calls = Group()
        stopping = Group()
        for class_name, count in counts.items():
            alive = self._alive.get(class_name)
            if not alive or count <= 0:
                continue
            chosen = list(reversed(alive.items()))[:count]
            for greenlet, user in chosen:
                if greenlet is getcurrent():
                    user.group.killone(greenlet, block=False)
                elif stop_timeout:
                    # A user a ramp-down already marked "stopping" is only waited for.
                    if user._state != LOCUST_STATE_STOPPING:
                        stop_calls.add(gevent.spawn_later(0, user.stop, force=False))
                    stopping.add(greenlet)
                else:
                    stop_calls.add(gevent.spawn_later(0, user.stop, force=True))
        stop_calls.join()
        if not stopping.join(timeout=stop_timeout):
            logger.info(f"Not all users finished their tasks & terminated in {stop_timeout} seconds. Stopping them...")
            stopping.kill(block=True)

    def spawn_stop(
        self,
        counts: Dict[str, int],
        stop_timeout: Optional[float],
        on_done: Optional[Callable[[], None]] = None,
    ) -> Greenlet[Any, Any]:
        """Runs ``stop`` in a new greenlet (for callers on the hub, which must not
        block) and calls ``on_done`` when it has finished, also if it failed."""

        def run() -> None:
            try:
                self.stop(counts, stop_timeout)
            finally:
                if on_done is not None:
                    on_done()

        return gevent.spawn(run)

    def kill_all(self) -> None:
        """Kills every user now, also those already stopping; their on_stop runs.
        Blocks until they are gone."""
        self.group.kill(block=True)
