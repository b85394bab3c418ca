"""``PytestUser`` (``locust.user.users.PytestUser``): a user whose life is a loop over
pytest test functions, for pytest-style locustfiles (``load_locustfile_pytest``).

Each user builds every function's fixture once, passing itself (the ``session`` and
``fastsession`` fixtures then record into its environment), and calls the functions
in turn, without waiting in between. A request error the test lets escape (e.g.
from ``raise_for_status()``) is logged at debug level and the loop goes on; any
other exception ends the user, as in Locust.
"""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING, Any, List

from .._http.exceptions import RequestException
from .._http.fast_response import ConnectionError as FastConnectionError
from ..exception import CatchResponseError
from .task import LOCUST_STATE_RUNNING
from .users import User

if TYPE_CHECKING:
    import pytest

__all__ = ["PytestUser"]

logger = logging.getLogger("locust.user.users")


class PytestUser(User):
    """Base of the classes made from test functions (one class per function name)."""

    abstract = True
    functions: List["pytest.Function"]
    """The collected test functions, each with the ``fixturedef`` of its argument."""
    fixtures: List[Any]

    def run(self) -> None:  # the loop replaces User's task scheduling
        self._state = LOCUST_STATE_RUNNING
        self.fixtures = [next(f.fixturedef.func(self)) for f in self.functions]  # type: ignore[attr-defined]
        while True:
            for function, fixture in zip(self.functions, self.fixtures):
                try:
                    function.obj(fixture)
                except RequestException as e:
                    if isinstance(e, ValueError):  # MissingSchema and the like: a broken test
                        raise
                    logger.debug("%s\n%s", e, traceback.format_exc())
                except (CatchResponseError, FastConnectionError) as e:
                    logger.debug("%s\n%s", e, traceback.format_exc())
