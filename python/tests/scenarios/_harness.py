"""Runs users the same way under real Locust and under rocust, for comparison.

A scenario script imports ``locust`` (real, or rocust's through the import hook) and
drives users through ``Harness``: with real Locust via its LocalRunner's
spawn_users/stop_users, with rocust via ``rocust._backend.UserGroupController``.
Scenarios print one JSON document; the tests compare the two outputs.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, Iterable, List, Optional

import locust
from locust.env import Environment

ROCUST = locust.__name__ == "rocust._locust"


class Harness:
    def __init__(
        self,
        classes: Iterable[type],
        *,
        catch_exceptions: bool = True,
        tags: Optional[List[str]] = None,
        exclude_tags: Optional[List[str]] = None,
        equal_weights: bool = False,
        host: Optional[str] = None,
    ) -> None:
        self.classes = list(classes)
        self.env = Environment(
            user_classes=list(self.classes), events=locust.events, catch_exceptions=catch_exceptions, host=host
        )
        if ROCUST:
            from rocust._backend import UserGroupController

            self.ctl: Any = UserGroupController(self.env, self.classes)
            self.ctl.apply_filter(tags, exclude_tags, equal_weights)
        else:
            if equal_weights:
                self.env.assign_equal_weights()
            self.env.tags = tags
            self.env.exclude_tags = exclude_tags
            self.runner = self.env.create_local_runner()
            self.env._filter_tasks_by_tags()

    def spawn(self, name: str, count: int) -> None:
        if ROCUST:
            self.ctl.spawn(name, count)
        else:
            for cls in self.runner.user_classes:
                if self.env.host:
                    cls.host = self.env.host
            self.runner.spawn_users({name: count})

    def stop(self, counts: Dict[str, int], stop_timeout: Optional[float]) -> None:
        if ROCUST:
            self.ctl.stop(counts, stop_timeout)
        else:
            self.env.stop_timeout = stop_timeout  # type: ignore[assignment]
            self.runner.stop_users(counts)

    def counts(self) -> Dict[str, int]:
        if ROCUST:
            return dict(self.ctl.user_classes_count())
        return dict(self.runner.user_classes_count)

    def join(self, timeout: float = 10) -> None:
        group = self.ctl.group if ROCUST else self.runner.user_greenlets
        group.join(timeout=timeout)


def names(tasks: Iterable[Any]) -> List[Any]:
    """A task list as names, nested TaskSets as [name, [their tasks]]."""
    out: List[Any] = []
    for t in tasks:
        if isinstance(t, tuple):
            out.append(["tuple"] + names(t))
        elif isinstance(t, type) and hasattr(t, "tasks"):
            out.append([t.__name__, names(t.tasks)])
        else:
            out.append(getattr(t, "__name__", repr(t)))
    return out


def emit(result: Any) -> None:
    sys.stdout.write("\n@@RESULT@@" + json.dumps(result, sort_keys=True, default=repr) + "\n")
    sys.stdout.flush()
