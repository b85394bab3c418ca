"""Tasks and task sets (``locust.user.task``): the loop every user runs.

A user's behaviour is a flat list of tasks in which a task of weight n appears n
times, so picking one uniformly at random is the weighted choice. The list is built
once, when the class is created (``TaskSetMeta``), from the base classes, the ``tasks``
attribute and the ``@task`` methods, in that order. Keeping exactly that list (not a
table of weights) matters: the order and the repetitions are observable through
``tasks``, ``--show-task-ratio`` and seeded random choices.
"""

from __future__ import annotations

import logging
import random
import traceback
from collections import deque
from time import perf_counter, time
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Deque,
    Dict,
    Iterable,
    List,
    Optional,
    Set,
    Tuple,
    TypeVar,
    Union,
    overload,
)

import gevent
from gevent import GreenletExit

from ..exception import (
    InterruptTaskSet,
    MissingWaitTimeError,
    RescheduleTask,
    RescheduleTaskImmediately,
    StopTest,
    StopUser,
)
from ._coroutine import await_result, run_hook

if TYPE_CHECKING:
    from .users import User

__all__ = [
    "LOCUST_STATE_RUNNING",
    "LOCUST_STATE_STOPPING",
    "LOCUST_STATE_WAITING",
    "DefaultTaskSet",
    "TaskSet",
    "TaskSetMeta",
    "filter_tasks_by_tags",
    "get_tasks_from_base_classes",
    "tag",
    "task",
]

# Logger names are Locust's, so log lines look the same under both tools.
logger = logging.getLogger("locust.user.task")

#: ``User._state`` values. "waiting" means sleeping between tasks, where a graceful
#: stop may kill the user at once; "stopping" means finish this task, then stop.
LOCUST_STATE_RUNNING, LOCUST_STATE_WAITING, LOCUST_STATE_STOPPING = ["running", "waiting", "stopping"]

TaskT = TypeVar("TaskT", bound=Callable[..., Any])
#: A task: a function taking the user or task set, or a TaskSet class.
TaskLike = Any


@overload
def task(weight: TaskT) -> TaskT: ...


@overload
def task(weight: int = 1) -> Callable[[TaskT], TaskT]: ...


def task(weight: Union[TaskT, int] = 1) -> Union[TaskT, Callable[[TaskT], TaskT]]:
    """Marks a method (or a nested TaskSet class) as a task, ``weight`` times as likely
    to be picked as a weight-1 task. Works bare (``@task``) and called (``@task(3)``)."""
    if callable(weight):
        return _mark_task(weight, 1)

    def decorator(func: TaskT) -> TaskT:
        return _mark_task(func, weight)

    return decorator


def _mark_task(func: TaskT, weight: Any) -> TaskT:
    if func.__name__ in ["on_stop", "on_start"]:
        # A task named on_start would also run as the start hook: rarely what was meant.
        logging.warning(
            "You have tagged your on_stop/start function with @task. This will make the method get called "
            "both as a task AND on stop/start."
        )
    if func.__name__ == "run":
        raise Exception(
            "User.run() is a method used internally by Locust, and you must not override it or register it as a task"
        )
    func.locust_task_weight = weight  # type: ignore[attr-defined]
    return func


def tag(*tags: str) -> Callable[[TaskT], TaskT]:
    """Tags a task, or every task of a TaskSet, for ``--tags``/``--exclude-tags``.

    Tagging a TaskSet class tags the functions in its ``tasks`` list themselves (not
    the class), so filtering can keep or drop them one by one.
    """
    if len(tags) == 0 or callable(tags[0]):
        raise ValueError("No tag name was supplied")

    def apply(decorated: TaskT) -> TaskT:
        if hasattr(decorated, "tasks"):
            decorated.tasks = [tag(*tags)(t) for t in decorated.tasks]
        else:
            # Only the object's own set: a subclass or wrapper must not share its parent's.
            if "locust_tag_set" not in decorated.__dict__:
                decorated.locust_tag_set = set()  # type: ignore[attr-defined]
            decorated.locust_tag_set |= set(tags)  # type: ignore[attr-defined]
        return decorated

    return apply


def get_tasks_from_base_classes(bases: Iterable[type], class_dict: Dict[str, Any]) -> List[TaskLike]:
    """The flat task list of a class being created: the bases' lists, then its
    ``tasks`` attribute (a list, a {task: weight} dict or (task, weight) pairs), then
    its ``@task`` members, each repeated by its weight."""
    collected: List[TaskLike] = []
    for base in bases:
        if hasattr(base, "tasks") and base.tasks:
            collected += base.tasks

    declared = class_dict.get("tasks")
    if "tasks" in class_dict and declared is not None:
        items: Iterable[Any] = declared.items() if isinstance(declared, dict) else declared
        for item in items:
            if isinstance(item, tuple):
                the_task, count = item
                collected.extend(the_task for _ in range(count))
            else:
                collected.append(item)

    for member in class_dict.values():
        # dir(), not hasattr(): a TaskSet class inherits the mark of a decorated base.
        if "locust_task_weight" in dir(member):
            collected.extend(member for _ in range(member.locust_task_weight))
    return collected


def is_markov_taskset(candidate: Any) -> bool:
    """Whether ``candidate`` is a MarkovTaskSet class (checked by metaclass name to
    avoid importing markov_taskset here)."""
    return type(candidate).__name__ == "MarkovTaskSetMeta"


def filter_tasks_by_tags(
    task_holder: Any,
    tags: Optional[Set[str]] = None,
    exclude_tags: Optional[Set[str]] = None,
    checked: Optional[Dict[Any, bool]] = None,
) -> None:
    """Drops, recursively and in place, the tasks the tag options exclude.

    A task passes with ``tags`` if it has one of them and with ``exclude_tags`` if it
    has none of those. A nested TaskSet passes if any of its tasks do (a MarkovTaskSet
    always passes: its chain cannot be filtered). ``checked`` remembers verdicts so a
    TaskSet reached twice is filtered once.
    """
    if checked is None:
        checked = {}
    kept: List[TaskLike] = []
    for candidate in task_holder.tasks:
        if candidate in checked:
            if checked[candidate]:
                kept.append(candidate)
            continue

        passing = True
        if hasattr(candidate, "tasks"):
            filter_tasks_by_tags(candidate, tags, exclude_tags, checked)
            passing = len(candidate.tasks) > 0 or is_markov_taskset(candidate)
        else:
            has_tags = "locust_tag_set" in dir(candidate)
            if tags is not None:
                passing &= has_tags and len(candidate.locust_tag_set & tags) > 0
            if exclude_tags is not None:
                passing &= not has_tags or len(candidate.locust_tag_set & exclude_tags) == 0

        if passing:
            kept.append(candidate)
        checked[candidate] = passing

    task_holder.tasks = kept
    if not kept and not is_markov_taskset(task_holder) and not getattr(task_holder, "functions", False):
        logging.warning(f"{task_holder.__name__} had no tasks left after filtering, instantiating it will fail!")


class TaskSetMeta(type):
    """Builds the flat ``tasks`` list of every TaskSet class at class creation."""

    def __new__(mcs, classname: str, bases: Tuple[type, ...], class_dict: Dict[str, Any]) -> "TaskSetMeta":
        class_dict["tasks"] = get_tasks_from_base_classes(bases, class_dict)
        return type.__new__(mcs, classname, bases, class_dict)


class TaskSet(metaclass=TaskSetMeta):
    """A group of tasks a user runs, possibly nested: a TaskSet listed as a task runs
    its own loop until it calls ``interrupt()``, then its parent resumes.

    ``wait_time`` defaults to the user's; defining one on the TaskSet overrides it for
    the tasks of this set only.
    """

    tasks: List[TaskLike] = []
    """The tasks, weighted by repetition (see the module docstring)."""

    # Deprecated wait settings (milliseconds), used only when no wait_time exists.
    min_wait: Optional[float] = None
    max_wait: Optional[float] = None
    wait_function: Optional[Callable[..., Any]] = None

    _user: "User"
    _parent: Any

    def __init__(self, parent: Any) -> None:
        self._task_queue: Deque[TaskLike] = deque()
        self._time_start = time()
        self._user = parent.user if isinstance(parent, TaskSet) else parent
        self._parent = parent

        if not self.min_wait:
            self.min_wait = self.user.min_wait
        if not self.max_wait:
            self.max_wait = self.user.max_wait
        if not self.wait_function:
            self.wait_function = self.user.wait_function
        # Bookkeeping for a constant_pacing wait_time defined on this TaskSet.
        self._cp_last_run: float = perf_counter()
        self._cp_last_wait_time: float = 0

    @property
    def user(self) -> "User":
        """The User running this task set (also for deeply nested sets)."""
        return self._user

    @property
    def parent(self) -> Any:
        """The TaskSet that started this one, or the User for a top-level set."""
        return self._parent

    def on_start(self) -> Optional[Awaitable[None]]:
        """Runs when the user enters this task set, before its first task; may be ``async def``."""

    def on_stop(self) -> Optional[Awaitable[None]]:
        """Runs when the user leaves this task set: interrupt(), stop or kill; may be ``async def``."""

    def run(self) -> None:
        """The task loop. Not meant to be overridden.

        Control exceptions end a task early (RescheduleTask: then wait,
        RescheduleTaskImmediately: no wait) or leave this set (InterruptTaskSet: this
        set's on_stop runs, then the parent continues; StopUser, StopTest or a kill:
        on_stop runs, then the exception goes up). Any other exception fires
        ``user_error``, is logged and the loop goes on after a wait (or is raised when
        the environment does not catch exceptions).
        """
        try:
            run_hook(self.on_start)
        except InterruptTaskSet as e:
            # Interrupting before the loop has started goes straight back to the parent.
            if e.reschedule:
                raise RescheduleTaskImmediately(e.reschedule).with_traceback(e.__traceback__)  # noqa: B904
            raise RescheduleTask(e.reschedule).with_traceback(e.__traceback__)  # noqa: B904

        while True:
            try:
                if not self._task_queue:
                    self.schedule_task(self.get_next_task())

                try:
                    if self.user._state == LOCUST_STATE_STOPPING:
                        raise StopUser()
                    self.execute_next_task()
                except RescheduleTaskImmediately:
                    pass
                except RescheduleTask:
                    self.wait()
                else:
                    self.wait()
            except InterruptTaskSet as e:
                try:
                    run_hook(self.on_stop)
                except (StopUser, StopTest, GreenletExit):
                    raise
                except Exception:
                    logging.error("Uncaught exception in on_stop: \n%s", traceback.format_exc())
                if e.reschedule:
                    raise RescheduleTaskImmediately(e.reschedule) from e
                raise RescheduleTask(e.reschedule) from e
            except (StopUser, StopTest, GreenletExit):
                try:
                    run_hook(self.on_stop)
                except Exception:
                    logging.error("Uncaught exception in on_stop: \n%s", traceback.format_exc())
                raise
            except Exception as e:
                self.user.environment.events.user_error.fire(user_instance=self, exception=e, tb=e.__traceback__)
                if not self.user.environment.catch_exceptions:
                    raise
                logger.error("%s\n%s", e, traceback.format_exc())
                self.wait()

    def execute_next_task(self) -> None:
        """Runs the task at the head of the queue."""
        self.execute_task(self._task_queue.popleft())

    def execute_task(self, the_task: TaskLike) -> None:
        """Calls a task: a method bound to this set as is, a TaskSet class by running a
        new instance of it nested in this set, a plain function with this set. A task
        that returns a coroutine (``async def``) is awaited (see ``_coroutine``)."""
        if hasattr(the_task, "__self__") and the_task.__self__ == self:
            result = the_task()
        elif hasattr(the_task, "tasks") and issubclass(the_task, TaskSet):
            the_task(self).run()
            return
        else:
            result = the_task(self)
        if result is not None:
            await_result(result)

    def schedule_task(self, task_callable: TaskLike, first: bool = False) -> None:
        """Queues a task to run next (``first``) or after those already queued; the
        loop only picks at random when the queue is empty."""
        if first:
            self._task_queue.appendleft(task_callable)
        else:
            self._task_queue.append(task_callable)

    def get_next_task(self) -> TaskLike:
        """Picks the next task: uniformly from the weighted list."""
        if not self.tasks:
            if getattr(self, "task", None):
                extra_message = ", but you have set a 'task' attribute - maybe you meant to set 'tasks'?"
            else:
                extra_message = "."
            raise Exception(
                f"No tasks defined on {self.__class__.__name__}{extra_message} use the @task decorator or set the "
                "'tasks' attribute of the TaskSet"
            )
        return random.choice(self.tasks)

    def wait_time(self) -> float:
        """Seconds to wait after a task: the user's wait_time unless this set has one."""
        if self.user.wait_time:
            return self.user.wait_time()
        if self.min_wait is not None and self.max_wait is not None:
            return random.randint(int(self.min_wait), int(self.max_wait)) / 1000.0
        # Locust 2.47 prints this text with the braces as they are (not an f-string).
        raise MissingWaitTimeError(
            "You must define a wait_time method on either the {type(self.user).__name__} or {type(self).__name__} class"
        )

    def wait(self) -> None:
        """Sleeps for ``wait_time()``, marking the user "waiting" meanwhile so that a
        graceful stop can end it right away; raises StopUser if a stop was asked."""
        if self.user._state == LOCUST_STATE_STOPPING:
            raise StopUser()
        self.user._state = LOCUST_STATE_WAITING
        self._sleep(self.wait_time())
        if self.user._state == LOCUST_STATE_STOPPING:
            raise StopUser()
        self.user._state = LOCUST_STATE_RUNNING

    def _sleep(self, seconds: float) -> None:
        gevent.sleep(seconds)

    def interrupt(self, reschedule: bool = True) -> None:
        """Leaves this task set for its parent; with ``reschedule`` the parent runs its
        next task without waiting first."""
        raise InterruptTaskSet(reschedule)

    @property
    def client(self) -> Any:
        """The user's client, so tasks of a set can write ``self.client``."""
        return self.user.client


class DefaultTaskSet(TaskSet):
    """The root task set of every user: runs ``User.tasks`` with the user itself as
    the tasks' ``self`` (and nested TaskSets with the user as parent)."""

    def get_next_task(self) -> TaskLike:
        if not self.user.tasks:
            if getattr(self.user, "task", None):
                extra_message = ", but you have set a 'task' attribute on your class - maybe you meant to set 'tasks'?"
            else:
                extra_message = "."
            raise Exception(
                f"No tasks defined on {self.user.__class__.__name__}{extra_message} Use the @task decorator or set "
                "the 'tasks' attribute of the User (or mark it as abstract = True if you only intend to subclass it)"
            )
        return random.choice(self.user.tasks)

    def execute_task(self, the_task: TaskLike) -> None:
        if hasattr(the_task, "tasks") and issubclass(the_task, TaskSet):
            the_task(self.user).run()
            return
        result = the_task(self.user)
        if result is not None:
            await_result(result)
