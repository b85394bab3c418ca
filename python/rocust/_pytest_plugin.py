"""rocust's pytest plugin (entry point ``pytest11: rocust``): the ``session`` and
``fastsession`` fixtures of pytest-style locustfiles and the ``--host``/``-H`` option,
so ``pytest test_file.py -H http://...`` runs the same file ``rocust -f`` runs.

pytest loads this module in every session of an environment where rocust is
installed, so it imports nothing but pytest. Real Locust registers a plugin with the
same fixtures (entry point ``locust``); two definitions of one fixture would make a
pytest-style locustfile fail to load ("Multiple fixtures found"), so when Locust's
plugin is active it wins and rocust's fixtures are not registered.
"""

from __future__ import annotations

import pytest

__all__ = ["pytest_addoption", "pytest_configure"]

#: Entry point name of Locust's own pytest plugin.
LOCUST_PLUGIN = "locust"


def pytest_addoption(parser: pytest.Parser) -> None:
    try:
        parser.addoption("--host", "-H", action="store", default=None)
    except ValueError as e:
        # Locust's plugin (or another) defined it already: same meaning, keep theirs.
        if "already added" not in str(e):
            raise


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.has_plugin(LOCUST_PLUGIN):
        return
    from . import _pytest_fixtures

    _pytest_fixtures.config = config
    if not config.pluginmanager.is_registered(_pytest_fixtures):
        config.pluginmanager.register(_pytest_fixtures, "rocust-fixtures")
