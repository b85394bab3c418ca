"""``locust.util.load_locustfile``: import a locustfile and find its users and shape.

``load_locustfile`` imports one file the way Locust does (its directory first on
``sys.path`` while it imports, the module named after the file) and returns its
concrete User classes and an instance of each LoadTestShape. When no file of a run
defines a User, ``load_locustfile_pytest`` turns the ``test_*`` functions of a
pytest-style locustfile into users instead (see ``locust.user.users.PytestUser``).
``load_locustfiles`` is what ``rocust -f`` does with all of them (Locust's
``merge_locustfiles_content``).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

from ..shape import LoadTestShape
from ..user.users import PytestUser, User

__all__ = ["is_shape_class", "is_user_class", "load_locustfile", "load_locustfile_pytest", "load_locustfiles"]


def is_user_class(item: Any) -> bool:
    """A User subclass that may be spawned (not abstract)."""
    return bool(inspect.isclass(item) and issubclass(item, User) and item.abstract is False)


def is_shape_class(item: Any) -> bool:
    """A LoadTestShape subclass that is not marked abstract."""
    return bool(inspect.isclass(item) and issubclass(item, LoadTestShape) and not getattr(item, "abstract", True))


def load_locustfile(path: str) -> Tuple[Dict[str, Type[User]], List[LoadTestShape]]:
    """Imports ``path`` and returns ``({name: User class}, [shape instance, ...])``.

    The working directory is put first on ``sys.path`` (and stays), the file's
    directory too while it imports, so it can import its neighbours. A file named
    ``locust.py`` is imported as ``locustfile``. Exceptions of the import propagate.
    """
    sys.path.insert(0, os.getcwd())
    directory, filename = os.path.split(path)
    added = directory not in sys.path
    moved_from: Optional[int] = None
    if added:
        sys.path.insert(0, directory)
    else:
        # Already on the path but maybe behind another directory with a file of the
        # same name: first while importing, then back where it was.
        index = sys.path.index(directory)
        if index != 0:
            moved_from = index
            del sys.path[index]
            sys.path.insert(0, directory)

    module_name = os.path.splitext(filename)[0]
    if module_name == "locust":
        module_name = "locustfile"
    loader = importlib.machinery.SourceFileLoader(module_name, path)
    spec = importlib.util.spec_from_file_location(module_name, path, loader=loader)
    if spec is None:
        sys.stderr.write(f"Unable to get module spec for {module_name} in {path}")
        sys.exit(1)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module.__name__] = module
    loader.exec_module(module)

    if added:
        del sys.path[0]
    if moved_from is not None:
        del sys.path[0]
        sys.path.insert(moved_from, directory)
    users = {name: value for name, value in vars(module).items() if is_user_class(value)}
    shapes = [value() for value in vars(module).values() if is_shape_class(value)]
    return users, shapes


def load_locustfile_pytest(path: str) -> Dict[str, Type[User]]:
    """One user class per ``test_*`` function name collected by pytest from ``path``.

    Each function must take one fixture (``session`` or ``fastsession``, or any
    generator fixture that accepts the user); the user creates it once and calls the
    function in a loop. pytest's own collection finds the functions and fixtures, so
    conftest.py files, ``-p`` plugins and collection hooks apply as they do under
    pytest. Needs pytest installed.
    """
    import pytest

    config = pytest.Config.fromdictargs({}, ["-q", "-s", path])
    config._do_configure()
    session = pytest.Session.from_config(config)
    config.hook.pytest_sessionstart(session=session)
    session.perform_collect()
    config.hook.pytest_collection_modifyitems(session=session, config=config, items=session.items)
    fixtures = session._fixturemanager

    users: Dict[str, Type[PytestUser]] = {}
    for item in session.items:
        if not isinstance(item, pytest.Function):
            continue
        for name in inspect.signature(item.obj).parameters:
            defs = fixtures.getfixturedefs(name, item)
            if not defs:
                raise ValueError(f"Could not find fixture for parameter {name!r} in {item.name}")
            if len(defs) > 1:
                raise ValueError(f"Multiple fixtures found for parameter {name!r} in {item.name}: {defs}")
            item.fixturedef = defs[0]  # type: ignore[attr-defined]
        user_class = users.get(item.name)
        if user_class is None:
            user_class = users[item.name] = type(item.name, (PytestUser,), {"functions": []})
        user_class.functions.append(item)
    return dict(users)


def _pytest_installed() -> bool:
    """pytest-style locustfiles need pytest (a dependency of rocust, as of Locust);
    without it, a run without User classes ends as "No User class found!"."""
    return importlib.util.find_spec("pytest") is not None


def load_locustfiles(
    paths: List[str], on_import_error: Optional[Callable[[str, BaseException], None]] = None
) -> Tuple[Dict[str, Type[User]], List[LoadTestShape]]:
    """Every locustfile's users and shapes, merged as Locust does: a class found
    twice in the same file (one locustfile imported the other) counts once, the same
    name from two files exits with an error; without any User class, the files are
    read as pytest-style locustfiles. ``on_import_error(path, error)`` is called when
    a file does not import (by default the exception propagates)."""
    users: Dict[str, Type[User]] = {}
    shapes: Dict[str, LoadTestShape] = {}

    def merge(found_users: Dict[str, Type[User]], found_shapes: List[LoadTestShape]) -> None:
        for shape in found_shapes:
            name = type(shape).__name__
            if name in shapes:
                if inspect.getfile(type(shapes[name])) == inspect.getfile(type(shape)):
                    continue
                sys.stderr.write(f"Duplicate shape classes: {name}\n")
                sys.exit(1)
            shapes[name] = shape
        for name, user_class in found_users.items():
            if name in users:
                previous, new = inspect.getfile(users[name]), inspect.getfile(user_class)
                if previous == new:
                    continue
                sys.stderr.write(f"Duplicate user class names: {name} is defined in both {previous} and {new}\n")
                sys.exit(1)
            users[name] = user_class

    for path in paths:
        try:
            merge(*load_locustfile(path))
        except Exception as e:
            if on_import_error is None:
                raise
            on_import_error(path, e)
    if not users and _pytest_installed():
        for path in paths:
            merge(load_locustfile_pytest(path), [])
    return users, list(shapes.values())
