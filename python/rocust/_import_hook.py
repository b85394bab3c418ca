"""Makes ``import locust`` (and ``locust.*``) mean ``rocust._locust`` in this process.

``install()`` puts a finder first on ``sys.meta_path``. For ``locust`` or ``locust.X.Y`` it
imports ``rocust._locust`` or ``rocust._locust.X.Y`` and hands back that very module
object, so ``locust.events is rocust._locust.events`` and a class imported through
either name is the same class. Nothing is written to disk and nothing happens unless
``install()`` is called: ``rocust -f`` calls it first thing, and elsewhere
``_locust_fallback`` calls it only when no other ``locust`` can be found, so a real
Locust installed in the same environment stays what every other process imports.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from types import ModuleType
from typing import Optional, Sequence

__all__ = ["ALIAS", "TARGET", "LocustAliasFinder", "fallback_spec", "install", "installed", "uninstall"]

ALIAS = "locust"
TARGET = "rocust._locust"


def _target_name(fullname: str) -> Optional[str]:
    """``locust.user.task`` -> ``rocust._locust.user.task``; None for other names."""
    if fullname == ALIAS:
        return TARGET
    if fullname.startswith(ALIAS + "."):
        return TARGET + fullname[len(ALIAS) :]
    return None


class _AliasLoader(importlib.abc.Loader):
    """Loads an alias by importing its target and returning the target module itself."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._target_spec: Optional[importlib.machinery.ModuleSpec] = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self._target_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system has just set module.__spec__ to the alias spec; give the
        # module its own back so reload(), pickling and tracebacks see the real name.
        if self._target_spec is not None:
            module.__spec__ = self._target_spec


class LocustAliasFinder(importlib.abc.MetaPathFinder):
    """Serves ``locust`` and its submodules from ``rocust._locust``."""

    def find_spec(
        self,
        fullname: str,
        path: Optional[Sequence[str]] = None,
        target: Optional[ModuleType] = None,
    ) -> Optional[importlib.machinery.ModuleSpec]:
        target_name = _target_name(fullname)
        if target_name is None:
            return None
        target_spec = importlib.util.find_spec(target_name)
        if target_spec is None:
            # The remaining finders search locust.__path__, which is rocust's
            # directory, so the import fails as "No module named 'locust.x'".
            return None
        is_package = target_spec.submodule_search_locations is not None
        spec = importlib.machinery.ModuleSpec(fullname, _AliasLoader(target_name), is_package=is_package)
        if is_package:
            spec.submodule_search_locations = list(target_spec.submodule_search_locations or [])
        return spec


class _ImportLocustLoader(_AliasLoader):
    """``import locust`` outside ``rocust -f`` (see ``_locust_fallback``): first what
    Locust's ``locust/__init__.py`` does, gevent's monkey patching unless
    ``LOCUST_SKIP_MONKEY_PATCH`` is set, then the hook for every ``locust.*`` module."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        if not os.getenv("LOCUST_SKIP_MONKEY_PATCH"):
            from gevent import monkey

            monkey.patch_all()
        install()
        return super().create_module(spec)


def fallback_spec() -> Optional[importlib.machinery.ModuleSpec]:
    """The spec of ``locust`` as rocust's API, for a process where no other ``locust``
    can be found. Nothing is imported until the import system uses it."""
    target_spec = importlib.util.find_spec(TARGET)
    if target_spec is None:
        return None
    spec = importlib.machinery.ModuleSpec(ALIAS, _ImportLocustLoader(TARGET), is_package=True)
    spec.submodule_search_locations = list(target_spec.submodule_search_locations or [])
    return spec


_finder: Optional[LocustAliasFinder] = None


def installed() -> bool:
    """Whether the hook is active in this process."""
    return _finder is not None and _finder in sys.meta_path


def install() -> None:
    """Activates the alias (idempotent). Fails if a different ``locust`` module was
    already imported in this process: two copies of the API would mean two
    ``events`` objects and classes that are not the engine's."""
    global _finder
    if installed():
        return
    for name, module in list(sys.modules.items()):
        if _target_name(name) is None or module is None:
            continue
        real_name = getattr(module, "__name__", "")
        if _target_name(name) != real_name:
            raise RuntimeError(
                f"module {name!r} was imported from {getattr(module, '__file__', '?')} before rocust could "
                "provide it; rocust must install its `locust` API before anything imports locust"
            )
    _finder = LocustAliasFinder()
    sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Removes the hook and forgets the ``locust`` aliases (mainly for tests)."""
    global _finder
    if _finder is not None and _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _finder = None
    for name in [n for n in sys.modules if _target_name(n) is not None]:
        module = sys.modules[name]
        if module is not None and getattr(module, "__name__", "") == _target_name(name):
            del sys.modules[name]
