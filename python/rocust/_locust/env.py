"""``locust.env``: the Environment every user and listener reaches.

It holds what locustfiles read (``host``, ``parsed_options``, ``events``, ``runner``,
``stats``, ``process_exit_code``) and the test-start preparation of the user classes
(dropping weight-0 classes, ``--equal-weights``, tag filtering), which is pure Python
and therefore done here for the engine as well.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Set, Type

from .event import Events
from .exception import RunnerAlreadyExistsError
from .runners import LocalRunner, Runner
from .shape import LoadTestShape
from .stats import RequestStats
from .user.task import filter_tasks_by_tags
from .user.users import User

__all__ = ["Environment", "assign_equal_weights"]


def assign_equal_weights(user_classes: List[Type[User]]) -> None:
    """``--equal-weights``: every class gets weight 1 and every task function one
    entry, nested TaskSets flattened into their functions (which then run with the
    user as ``self``, exactly as in Locust)."""
    for user_class in user_classes:
        user_class.weight = 1
        flat: List[Any] = []
        # Walks u.tasks as a stack, consuming it, so the order matches Locust's.
        frontier = user_class.tasks
        while len(frontier) != 0:
            item = frontier.pop()
            if hasattr(item, "tasks"):
                frontier.extend(item.tasks)
            elif callable(item):
                if item not in flat:
                    flat.append(item)
            else:
                raise ValueError("Unrecognized task type in user")
        user_class.tasks = flat


class Environment:
    """The shared state of one test run."""

    def __init__(
        self,
        *,
        user_classes: Optional[List[Type[User]]] = None,
        shape_class: Optional[LoadTestShape] = None,
        tags: Optional[List[str]] = None,
        locustfile: Optional[str] = None,
        exclude_tags: Optional[List[str]] = None,
        events: Optional[Events] = None,
        host: Optional[str] = None,
        reset_stats: bool = False,
        stop_timeout: Optional[float] = None,
        catch_exceptions: bool = True,
        parsed_options: Any = None,
        parsed_locustfiles: Optional[List[str]] = None,
        available_user_classes: Optional[Dict[str, Type[User]]] = None,
        available_shape_classes: Optional[Dict[str, LoadTestShape]] = None,
        available_user_tasks: Optional[Dict[str, List[Any]]] = None,
        dispatcher_class: Any = None,
        profile: Optional[str] = None,
    ) -> None:
        self.runner: Optional[Runner] = None
        """The runner (a LocalRunner under rocust)."""
        self.web_ui: Any = None
        self.process_exit_code: Optional[int] = None
        """When set, the process exits with this code (overrides the usual rules)."""
        self.events = events if events else Events()
        """The event hooks; ``locust.events`` under the engine."""
        self.locustfile = locustfile
        self.user_classes: List[Type[User]] = user_classes or []
        self.shape_class = shape_class
        self.tags = tags
        """Only tasks with one of these tags run (None: use parsed_options.tags)."""
        self.exclude_tags = exclude_tags
        """Tasks with one of these tags do not run (None: use parsed_options)."""
        self.stats: Any = RequestStats()
        """Request statistics; the engine replaces this with its Rust-backed view."""
        self.host = host
        """Base URL given on the command line; overrides the classes' ``host``."""
        self.reset_stats = reset_stats
        self.profile = profile
        if stop_timeout is not None:
            self.stop_timeout: float = stop_timeout
        elif parsed_options:
            self.stop_timeout = float(getattr(parsed_options, "stop_timeout", 0.0) or 0.0)
        else:
            self.stop_timeout = 0.0
        self.catch_exceptions = catch_exceptions
        """False: an exception in a task ends the user instead of being logged."""
        self.parsed_options = parsed_options
        """The parsed command line (an argparse.Namespace), custom options included."""
        self.parsed_locustfiles = parsed_locustfiles
        self.available_user_classes = available_user_classes
        self.available_shape_classes = available_shape_classes
        self.available_user_tasks = available_user_tasks
        self.dispatcher_class = dispatcher_class
        self.worker_logs: Dict[str, List[str]] = {}
        self._tasks_filtered = False

        self._remove_user_classes_with_weight_zero()
        self._validate_user_class_name_uniqueness()
        self._validate_shape_class_instance()

    def _create_runner(self, runner_class: Callable[["Environment"], Runner]) -> Runner:
        if self.runner is not None:
            raise RunnerAlreadyExistsError(f"Environment.runner already exists ({self.runner})")
        self.runner = runner_class(self)
        if self.shape_class:
            self.shape_class.runner = self.runner
        return self.runner

    def create_local_runner(self) -> LocalRunner:
        """Creates the runner facade (the engine attaches its users and commands)."""
        runner = self._create_runner(LocalRunner)
        assert isinstance(runner, LocalRunner)
        return runner

    def create_master_runner(self, master_bind_host: str = "*", master_bind_port: int = 5557) -> Runner:
        raise NotImplementedError("rocust runs tests in a single process; distributed mode is not available")

    def create_worker_runner(self, master_host: str, master_port: int) -> Runner:
        raise NotImplementedError("rocust runs tests in a single process; distributed mode is not available")

    def create_web_ui(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("rocust has no web UI")

    def update_user_class(self, user_settings: Dict[str, Any]) -> None:
        """Locust's: the web UI's class editor sets the class's attributes; ``tasks``
        keeps the class's own tasks of those names."""
        user_class_name = user_settings.get("user_class_name")
        user_class = (self.available_user_classes or {})[str(user_class_name)]
        user_tasks = (self.available_user_tasks or {}).get(str(user_class_name), list(user_class.tasks))
        for key, value in user_settings.items():
            if key not in ["user_class_name", "tasks"]:
                setattr(user_class, key, value)
            if key == "tasks":
                user_class.tasks = [task for task in user_tasks if task.__name__ in value]

    def _filter_tasks_by_tags(self) -> None:
        """Applies the tag options to every user class, once per environment."""
        if self._tasks_filtered:
            return
        self._tasks_filtered = True

        if self.tags is not None:
            tags: Optional[Set[str]] = set(self.tags)
        elif self.parsed_options and getattr(self.parsed_options, "tags", False):
            tags = set(self.parsed_options.tags)
        else:
            tags = None

        if self.exclude_tags is not None:
            exclude_tags: Optional[Set[str]] = set(self.exclude_tags)
        elif self.parsed_options and getattr(self.parsed_options, "exclude_tags", False):
            exclude_tags = set(self.parsed_options.exclude_tags)
        else:
            exclude_tags = None

        for user_class in self.user_classes:
            filter_tasks_by_tags(user_class, tags, exclude_tags)

    def _remove_user_classes_with_weight_zero(self) -> None:
        if len(self.user_classes) == 0:
            return
        kept = [c for c in self.user_classes if c.weight > 0 or c.fixed_count > 0]
        if len(kept) == 0:
            raise ValueError("There are no users with weight > 0.")
        self.user_classes[:] = kept

    def assign_equal_weights(self) -> None:
        """``--equal-weights`` for this environment's classes."""
        assign_equal_weights(self.user_classes)

    def _validate_user_class_name_uniqueness(self) -> None:
        if len({c.__name__ for c in self.user_classes}) != len(self.user_classes):
            raise ValueError(
                "The following user classes have the same class name: {}".format(
                    ", ".join(c.fullname() for c in self.user_classes)
                )
            )

    def _validate_shape_class_instance(self) -> None:
        if self.shape_class is not None and not isinstance(self.shape_class, LoadTestShape):
            raise ValueError(
                "shape_class should be instance of LoadTestShape or subclass LoadTestShape, but got: "
                f"{self.shape_class}"
            )

    @property
    def user_classes_by_name(self) -> Dict[str, Type[User]]:
        return {c.__name__: c for c in self.user_classes}
