"""LoadTestShape (``locust.LoadTestShape``): a class whose ``tick()`` the runner calls
about once a second to get the user count and spawn rate it should move to."""

from __future__ import annotations

import time
from abc import ABCMeta, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Dict, List, Optional, Tuple, Type, Union

if TYPE_CHECKING:
    from .runners import Runner
    from .user.users import User

__all__ = ["LoadTestShape", "LoadTestShapeMeta"]

#: What tick() returns: (users, spawn rate), optionally with the user classes to use,
#: or None to stop the test.
TickResult = Optional[Union[Tuple[int, float], Tuple[int, float, Optional[List[Type["User"]]]]]]


class LoadTestShapeMeta(ABCMeta):
    """Makes every shape class concrete unless its own body says ``abstract = True``
    (so a locustfile can hold a base shape that is not picked up)."""

    def __new__(
        mcs, classname: str, bases: Tuple[type, ...], class_dict: Dict[str, Any], **kwargs: Any
    ) -> "LoadTestShapeMeta":
        class_dict["abstract"] = class_dict.get("abstract", False)
        return super().__new__(mcs, classname, bases, class_dict, **kwargs)


class LoadTestShape(metaclass=LoadTestShapeMeta):
    """Base class for custom load shapes; subclasses implement ``tick``."""

    runner: Optional["Runner"] = None
    """The runner, set by the engine before the first tick."""

    abstract: ClassVar[bool] = True

    use_common_options: ClassVar[bool] = False
    """When True, --users/--spawn-rate/--run-time stay usable alongside the shape."""

    def __init__(self) -> None:
        self.start_time = time.perf_counter()

    def reset_time(self) -> None:
        """Restarts the shape's clock (the runner does so when the shape starts)."""
        self.start_time = time.perf_counter()

    def get_run_time(self) -> float:
        """Seconds since the shape started."""
        return time.perf_counter() - self.start_time

    def get_current_user_count(self) -> int:
        """Users running now, according to the runner."""
        assert self.runner is not None, "get_current_user_count() needs the runner (set when the test starts)"
        return self.runner.user_count

    @abstractmethod
    def tick(self) -> TickResult:
        """(user_count, spawn_rate) or (user_count, spawn_rate, user_classes) to move
        to, or None to stop the test."""
        ...
