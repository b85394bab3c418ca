"""``locust.user.inspectuser``: how often each task runs, per user class and in total
(what ``--show-task-ratio`` and ``--show-task-ratio-json`` print).

``rocust`` prints those two options from the engine; this module is the same
computation for locustfiles, plugins and tests that call it from Python.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, Dict, List, Optional, Sequence, Type

from .task import TaskSet
from .users import User

__all__ = ["get_ratio", "print_task_ratio", "print_task_ratio_json"]

RatioTree = Dict[str, Dict[str, Any]]


def print_task_ratio(user_classes: Sequence[Type[User]], num_users: Optional[int], total: bool) -> None:
    """Prints the ratio tree for ``num_users`` users; ``total`` gives each task's share
    of all tasks run, otherwise its share within its own class or TaskSet."""
    _print_task_ratio(get_ratio(user_classes, _calc_distribution(user_classes, num_users), total))


def print_task_ratio_json(user_classes: Sequence[Type[User]], num_users: Optional[int]) -> None:
    """Prints ``{"per_class": ..., "total": ...}`` as indented JSON."""
    distribution = _calc_distribution(user_classes, num_users)
    ratios = {
        "per_class": get_ratio(user_classes, distribution, False),
        "total": get_ratio(user_classes, distribution, True),
    }
    print(json.dumps(ratios, indent=4))


def _calc_distribution(user_classes: Sequence[Type[User]], num_users: Optional[int]) -> Dict[str, int]:
    """Users per class name for ``num_users`` (fixed counts first, the rest by weight);
    without a user count, the total weight (or 1 when any class has a fixed count)."""
    fixed = sum(u.fixed_count for u in user_classes if u.fixed_count)
    total_weight = sum(u.weight for u in user_classes if not u.fixed_count)
    wanted = num_users or (total_weight if not fixed else 1)
    weighted = max(0, wanted - fixed)
    return {
        u.__name__: round(u.fixed_count or (u.weight / total_weight) * weighted)
        for u in user_classes
    }


def get_ratio(user_classes: Sequence[Type[User]], user_spawned: Dict[str, int], total: bool) -> RatioTree:
    """``{class name: {"ratio": share of users, "tasks": {task name: {"ratio": ...,
    "tasks": ... for a TaskSet}}}}``."""
    user_count = sum(user_spawned.values()) or 1
    tree: RatioTree = {}
    for user_class in user_classes:
        share = user_spawned.get(user_class.__name__, 0) / user_count
        tree[user_class.__name__] = {"ratio": share, "tasks": _get_task_ratio(user_class.tasks, total, share)}
    return tree


def _get_task_ratio(tasks: List[Any], total: bool, parent_ratio: float) -> RatioTree:
    """A task's ratio is how often it appears in ``tasks`` over the list's length
    (times the parent's ratio when ``total``)."""
    scale = parent_ratio if total else 1.0
    counts: Dict[Any, int] = {}
    for task in tasks:
        counts[task] = counts.get(task, 0) + 1
    tree: RatioTree = {}
    for task, count in counts.items():
        ratio = count * scale / len(tasks)
        node: Dict[str, Any] = {"ratio": ratio}
        if inspect.isclass(task) and issubclass(task, TaskSet):
            node["tasks"] = _get_task_ratio(task.tasks, total, ratio)
        tree[task.__name__] = node
    return tree


def _print_task_ratio(tree: RatioTree, level: int = 0) -> None:
    padding = "  " * level
    for name, node in tree.items():
        percent = "%-6.1f" % (node.get("ratio", 1) * 100)
        print(" %-10s %-50s" % (padding + percent, padding + name))
        if "tasks" in node:
            _print_task_ratio(node["tasks"], level + 1)
