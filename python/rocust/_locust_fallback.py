"""``import locust`` in any Python process where real Locust is not installed.

rocust's wheel installs ``rocust_locust.pth`` into site-packages, which imports this
module at interpreter start-up. It appends a finder to the *end* of ``sys.meta_path``,
so it is only asked after the normal path search has failed to find a ``locust``: a
real Locust installed beside rocust always wins. Finding has no side effects (tools
probe with ``importlib.util.find_spec``); importing does what ``import locust`` does in
Locust (gevent's monkey patching, unless ``LOCUST_SKIP_MONKEY_PATCH`` is set) and
installs rocust's import hook, which then serves every ``locust.*`` module.

This runs in every interpreter of the environment, so it imports nothing at start-up.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any, Optional, Sequence


class LocustFallbackFinder:
    """Finds ``locust`` as rocust's API, after every other finder has said no."""

    @staticmethod
    def find_spec(fullname: str, path: Optional[Sequence[str]] = None, target: Optional[ModuleType] = None) -> Any:
        if fullname != "locust":
            return None
        from . import _import_hook

        return _import_hook.fallback_spec()


def install() -> None:
    """Appends the finder (idempotent)."""
    if not any(isinstance(f, LocustFallbackFinder) for f in sys.meta_path):
        sys.meta_path.append(LocustFallbackFinder())


install()
