"""MarkovTaskSet (``locust.MarkovTaskSet``): tasks chained by weighted transitions.

Each task declares where the user may go next (``@transition``/``@transitions``); the
chain starts at the first decorated method of the class body. The chain is checked
when the class is created, so a typo in a target name fails at import time, not in
the middle of a test. Transition weights become repeated names, so the next task is a
uniform choice over that list (like ``tasks``).
"""

from __future__ import annotations

import logging
import random
from typing import Any, Callable, Dict, List, Set, Tuple, Union

from ..exception import LocustError
from .task import TaskSet, TaskSetMeta

__all__ = [
    "InvalidTransitionError",
    "MarkovTaskSet",
    "MarkovTaskSetMeta",
    "MarkovTaskTagError",
    "NoMarkovTasksError",
    "NonMarkovTaskTransitionError",
    "transition",
    "transitions",
]

MarkovTaskT = Callable[..., Any]


class NoMarkovTasksError(LocustError):
    """A concrete MarkovTaskSet has no method with transitions."""


class InvalidTransitionError(LocustError):
    """A transition names something the class does not have."""


class NonMarkovTaskTransitionError(LocustError):
    """A transition names a member that has no transitions of its own (a dead end)."""


class MarkovTaskTagError(LocustError):
    """A Markov task is tagged: filtering by tags could break the chain."""


def is_markov_task(candidate: Any) -> bool:
    """Whether ``candidate`` carries transitions (was decorated)."""
    return "transitions" in dir(candidate)


def transition(func_name: str, weight: int = 1) -> Callable[[MarkovTaskT], MarkovTaskT]:
    """Adds a transition to the method ``func_name`` with ``weight``."""

    def add(decorated: MarkovTaskT) -> MarkovTaskT:
        if not hasattr(decorated, "transitions"):
            decorated.transitions = {}  # type: ignore[attr-defined]
        decorated.transitions[func_name] = weight  # type: ignore[attr-defined]
        return decorated

    return add


def transitions(
    weights: Union[Dict[str, int], List[Union[Tuple[str, int], str]]],
) -> Callable[[MarkovTaskT], MarkovTaskT]:
    """Adds several transitions: a {name: weight} dict, or a list of names (weight 1)
    and (name, weight) pairs."""

    def as_pair(item: Union[Tuple[str, int], str]) -> Tuple[str, int]:
        return item if isinstance(item, tuple) else (item, 1)

    def add(decorated: MarkovTaskT) -> MarkovTaskT:
        if not hasattr(decorated, "transitions"):
            decorated.transitions = {}  # type: ignore[attr-defined]
        if isinstance(weights, dict):
            decorated.transitions.update(weights)  # type: ignore[attr-defined]
        else:
            decorated.transitions.update(dict(as_pair(item) for item in weights))  # type: ignore[attr-defined]
        return decorated

    return add


def get_markov_tasks(class_dict: Dict[str, Any]) -> List[Any]:
    """The decorated members of a class body, in declaration order."""
    return [member for member in class_dict.values() if is_markov_task(member)]


def to_weighted_list(weights: Dict[str, int]) -> List[str]:
    """{name: weight} as a list with each name repeated weight times."""
    return [name for name in weights.keys() for _ in range(weights[name])]


def validate_has_markov_tasks(tasks: List[Any], classname: str) -> None:
    if not tasks:
        raise NoMarkovTasksError(
            f"No Markov tasks defined in class {classname}. Use the @transition(s) decorators to define some."
        )


def validate_transitions(tasks: List[Any], class_dict: Dict[str, Any], classname: str) -> None:
    """Every target must exist in the class body and have transitions itself."""
    for source in tasks:
        for dest in source.transitions.keys():
            dest_task = class_dict.get(dest)
            if not dest_task:
                raise InvalidTransitionError(
                    f"Transition to {dest} from {source.__name__} is invalid since no such element exists on class "
                    f"{classname}"
                )
            if not is_markov_task(dest_task):
                raise NonMarkovTaskTransitionError(
                    f"{classname}.{dest} cannot be used as a target for a transition since it does not define any "
                    f"transitions of its own.Used as a transition from {source.__name__}."
                )


def validate_no_unreachable_tasks(tasks: List[Any], class_dict: Dict[str, Any], classname: str) -> List[Any]:
    """Warns about tasks the chain can never reach from its first task."""
    visited: Set[str] = set()
    pending = [tasks[0].__name__]
    while pending:
        name = pending.pop()
        if name in visited:
            continue
        visited.add(name)
        # Through the weighted list so that weight-0 transitions do not count.
        pending.extend(d for d in set(to_weighted_list(class_dict[name].transitions)) if d not in visited)
    unreachable = {t.__name__ for t in tasks} - visited
    if len(unreachable) > 0:
        logging.warning(f"The following markov tasks are unreachable in class {classname}: {unreachable}")
    return tasks


def validate_no_tags(candidate: Any, classname: str) -> None:
    if "locust_tag_set" in dir(candidate):
        raise MarkovTaskTagError(
            "Tags are unsupported for MarkovTaskSet since they can make the markov chain invalid. "
            f"Tags detected on {classname}.{candidate.__name__}: {candidate.locust_tag_set}"
        )


def validate_task_name(decorated_func: Any) -> None:
    if decorated_func.__name__ in ["on_stop", "on_start"]:
        logging.warning(
            "You have tagged your on_stop/start function with @transition. This will make the method get called "
            "both as a step AND on stop/start."
        )
    if decorated_func.__name__ == "run":
        raise Exception(
            "TaskSet.run() is a method used internally by Locust, and you must not override it or annotate it "
            "with transitions"
        )


def validate_markov_chain(tasks: List[Any], class_dict: Dict[str, Any], classname: str) -> None:
    """All the class-creation checks, in Locust's order."""
    validate_has_markov_tasks(tasks, classname)
    validate_transitions(tasks, class_dict, classname)
    validate_no_unreachable_tasks(tasks, class_dict, classname)
    for member in tasks:
        validate_task_name(member)
        validate_no_tags(member, classname)


class MarkovTaskSetMeta(TaskSetMeta):
    """Validates the chain of a concrete MarkovTaskSet and sets its start (``current``).

    Transitions are read from the class body only, and ``tasks`` stays empty: the
    chain, not a weighted list, decides what runs.
    """

    def __new__(mcs, classname: str, bases: Tuple[type, ...], class_dict: Dict[str, Any]) -> "MarkovTaskSetMeta":
        if not class_dict.get("abstract"):
            class_dict["abstract"] = False
            chain = get_markov_tasks(class_dict)
            validate_markov_chain(chain, class_dict, classname)
            class_dict["current"] = chain[0]
            for member in chain:
                member.transitions = to_weighted_list(member.transitions)
        return type.__new__(mcs, classname, bases, class_dict)


class MarkovTaskSet(TaskSet, metaclass=MarkovTaskSetMeta):
    """A TaskSet that walks a Markov chain: run the current task, then move to one of
    its transitions, chosen with the transitions' weights. Each instance starts at
    the chain's first task."""

    current: Any

    abstract: bool = True
    """Abstract MarkovTaskSets (base classes) are not validated."""

    def get_next_task(self) -> Any:
        """Returns the current task and moves ``current`` along one transition."""
        this_task = self.current
        self.current = getattr(self, random.choice(this_task.transitions))
        return this_task
