"""Process-wide logging state that decides the exit code.

Locust exits with 1 when an ``init`` listener fails and with 2 when a greenlet or an
event listener raised without anyone handling it; the engine reads
``unhandled_greenlet_exception`` at those two points.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

__all__ = ["greenlet_exception_logger", "unhandled_greenlet_exception"]

#: Set when an event listener or a background greenlet raised an unhandled exception.
unhandled_greenlet_exception: bool = False


def mark_unhandled_exception() -> None:
    """Records that something went wrong unhandled, so the exit code can say so."""
    global unhandled_greenlet_exception
    unhandled_greenlet_exception = True


def greenlet_exception_logger(logger: logging.Logger, level: int = logging.CRITICAL) -> Callable[[Any], None]:
    """Returns a ``link_exception`` callback that logs a dead greenlet's exception and
    marks the run as having an unhandled exception (locust-plugins use this)."""

    def on_greenlet_error(greenlet: Any) -> None:
        exc_info = greenlet.exc_info
        if exc_info and exc_info[0] is SystemExit:
            logger.log(
                min(logging.INFO, level),
                f"sys.exit({exc_info[1]}) called (use log level DEBUG for callstack)",
            )
            logger.log(logging.DEBUG, "Unhandled exception in greenlet: %s", greenlet, exc_info=exc_info)
        else:
            logger.log(level, "Unhandled exception in greenlet: %s", greenlet, exc_info=exc_info)
        mark_unhandled_exception()

    return on_greenlet_error
