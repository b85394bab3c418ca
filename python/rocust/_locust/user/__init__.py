"""``locust.user``: users, task sets and their helpers."""

from __future__ import annotations

from .task import TaskSet, tag, task
from .users import HttpUser, User

__all__ = ("HttpUser", "TaskSet", "User", "tag", "task")
