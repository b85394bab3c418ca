"""SequentialTaskSet (``locust.SequentialTaskSet``): tasks in declaration order, cycling.

Order is the class body's order, which is why the metaclass walks the class dict
itself: a ``tasks`` list or dict is inserted where the attribute is declared, among the
``@task`` methods around it. Weights still repeat a task: ``@task(3)`` runs it three
times in a row.
"""

from __future__ import annotations

from itertools import cycle
from typing import Any, Dict, Iterator, List, Tuple

from ..exception import LocustError
from .task import TaskLike, TaskSet, TaskSetMeta

__all__ = ["SequentialTaskSet", "SequentialTaskSetMeta"]


class SequentialTaskSetMeta(TaskSetMeta):
    """Builds ``tasks`` in declaration order (bases' tasks first)."""

    def __new__(mcs, classname: str, bases: Tuple[type, ...], class_dict: Dict[str, Any]) -> "SequentialTaskSetMeta":
        ordered: List[TaskLike] = []
        for base in bases:
            if hasattr(base, "tasks") and base.tasks:
                ordered += base.tasks
        for key, value in class_dict.items():
            if key == "tasks":
                if isinstance(value, list):
                    ordered.extend(value)
                elif isinstance(value, dict):
                    for the_task, weight in value.items():
                        ordered.extend(the_task for _ in range(weight))
                else:
                    raise ValueError("The 'tasks' attribute can only be set to list or dict")
            if "locust_task_weight" in dir(value):
                ordered.extend(value for _ in range(value.locust_task_weight))
        class_dict["tasks"] = ordered
        # Deliberately not TaskSetMeta.__new__: that would reorder the tasks.
        return type.__new__(mcs, classname, bases, class_dict)


class SequentialTaskSet(TaskSet, metaclass=SequentialTaskSetMeta):
    """A TaskSet that runs its tasks one after the other, from the first again after
    the last; each instance starts at the first task."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._task_cycle: Iterator[TaskLike] = cycle(self.tasks)

    def get_next_task(self) -> TaskLike:
        if not self.tasks:
            raise LocustError(
                "No tasks defined. Use the @task decorator or set the 'tasks' attribute of the SequentialTaskSet"
            )
        return next(self._task_cycle)
