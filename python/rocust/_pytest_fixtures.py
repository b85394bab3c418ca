"""The fixtures of pytest-style locustfiles, registered by ``_pytest_plugin``.

Under pytest a fixture gets no user: the session talks to ``--host`` and its requests
are not recorded. Under ``rocust -f`` each user calls the fixture function itself with
the user as argument (see PytestUser), so the session records into the run's stats
like the client of an HttpUser or FastHttpUser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterator, Optional

import pytest

if TYPE_CHECKING:
    from ._locust.clients import HttpSession
    from ._locust.contrib.fasthttp import FastHttpSession
    from ._locust.user.users import User

__all__ = ["fastsession", "session"]

#: The pytest config of the current session (set by the plugin at configure time).
config: Optional[pytest.Config] = None


class NoOpEvent:
    """A request event nobody listens to (plain pytest records nothing)."""

    def fire(self, *, reverse: bool = False, **kwargs: Any) -> None:
        pass


def _host() -> Optional[str]:
    if config is None:
        return None
    host: Optional[str] = config.getoption("--host")
    return host


def _arguments(user: "Optional[User]") -> Dict[str, Any]:
    """Locust's constructor arguments for a fixture's session."""
    if user is None:
        return {"base_url": _host(), "request_event": NoOpEvent(), "user": None}
    return {"base_url": user.host, "request_event": user.environment.events.request, "user": user}


@pytest.fixture
def session(user: "Optional[User]" = None) -> "Iterator[HttpSession]":
    """An HttpUser's client (requests.Session API); closed after the test."""
    # Imported here: the locust API pulls in gevent, which plain pytest runs that do
    # not use these fixtures should not pay for.
    from ._locust.clients import HttpSession

    s = HttpSession(**_arguments(user))
    yield s
    s.close()


@pytest.fixture
def fastsession(user: "Optional[User]" = None) -> "Iterator[FastHttpSession]":
    """A FastHttpUser's client."""
    from ._locust.contrib.fasthttp import FastHttpSession

    yield FastHttpSession(**_arguments(user))
