"""``locust.util.deprecation``: names removed in Locust 1.0 that old locustfiles
still use, and the warning for ``User.task_set``.

Subclassing ``Locust``, ``HttpLocust`` or ``FastHttpLocust`` raises ImportError at
import time with Locust's message (the class statement itself fails), so an old
locustfile stops with a pointer to the new name instead of running wrongly.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, Tuple

__all__ = [
    "DeprecatedFastHttpLocustClass",
    "DeprecatedHttpLocustClass",
    "DeprecatedLocustClass",
    "check_for_deprecated_task_set_attribute",
    "deprecated_locust_meta_class",
]

# Deprecation warnings from the locust API are shown, not filtered out by default
# (under rocust the modules are named rocust._locust.*).
warnings.filterwarnings("always", category=DeprecationWarning, module=r"(rocust\._)?locust")

_CHANGELOG = "For more info see: https://docs.locust.io/en/latest/changelog.html#changelog-1-0"
_PLACEHOLDERS = ("DeprecatedLocustClass", "DeprecatedHttpLocustClass", "DeprecatedFastHttpLocustClass")


def check_for_deprecated_task_set_attribute(class_dict: Dict[str, Any]) -> None:
    """Warns when a class body sets ``task_set`` to a TaskSet (the pre-1.0 way)."""
    from ..user.task import TaskSet

    task_set = class_dict.get("task_set")
    if task_set is None:
        return
    if isinstance(task_set, type) and issubclass(task_set, TaskSet) and not hasattr(task_set, "locust_task_weight"):
        warnings.warn(  # noqa: B028 (Locust warns at the default stack level)
            "Usage of User.task_set is deprecated since version 1.0. Set the tasks attribute instead "
            f"(tasks = [{task_set.__name__}])",
            DeprecationWarning,
        )


def deprecated_locust_meta_class(deprecation_message: str) -> type:
    """A metaclass that lets the placeholder classes below exist but makes any
    subclass of them raise ImportError(``deprecation_message``)."""

    class MetaClass(type):
        def __new__(mcs, classname: str, bases: Tuple[type, ...], class_dict: Dict[str, Any]) -> "MetaClass":
            if classname in _PLACEHOLDERS:
                return super().__new__(mcs, classname, bases, class_dict)
            raise ImportError(deprecation_message)

    return MetaClass


_LOCUST_RENAMED = f"The Locust class has been renamed to User in version 1.0. {_CHANGELOG}"
_HTTP_RENAMED = f"The HttpLocust class has been renamed to HttpUser in version 1.0. {_CHANGELOG}"
_FAST_RENAMED = f"The FastHttpLocust class has been renamed to FastHttpUser in version 1.0. {_CHANGELOG}"


class DeprecatedLocustClass(metaclass=deprecated_locust_meta_class(_LOCUST_RENAMED)):  # type: ignore[metaclass]
    """``locust.Locust``: renamed to User in 1.0."""


class DeprecatedHttpLocustClass(metaclass=deprecated_locust_meta_class(_HTTP_RENAMED)):  # type: ignore[metaclass]
    """``locust.HttpLocust``: renamed to HttpUser in 1.0."""


class DeprecatedFastHttpLocustClass(metaclass=deprecated_locust_meta_class(_FAST_RENAMED)):  # type: ignore[metaclass]
    """``locust.contrib.fasthttp.FastHttpLocust``: renamed to FastHttpUser in 1.0."""
