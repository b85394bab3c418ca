"""``locust.log``: the log line format, and the process-wide state that decides the
exit code.

Locust exits with 1 when an ``init`` listener fails and with 2 when a greenlet or an
event listener raised without anyone handling it; the engine reads
``unhandled_greenlet_exception`` after each event it fires.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sys
from typing import Any, Callable, Optional

__all__ = ["HOSTNAME", "greenlet_exception_logger", "setup_logging", "unhandled_greenlet_exception"]

#: The host name in log lines: up to the first dot, as Locust (and the engine) print it.
HOSTNAME = re.sub(r"\..*", "", socket.gethostname())


def setup_logging(loglevel: str, logfile: Optional[str] = None) -> None:
    """Locust's log line format for Python loggers, to stderr or ``logfile`` (its
    directory made if need be); the engine's own lines look the same. The tables of
    ``locust.stats_logger`` go to stderr as they are, whatever the level or logfile."""
    fmt = f"[%(asctime)s] {HOSTNAME}/%(levelname)s/%(name)s: %(message)s"
    if logfile and os.path.dirname(logfile):
        os.makedirs(os.path.dirname(logfile), exist_ok=True)
    handler: logging.Handler = logging.FileHandler(logfile) if logfile else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(loglevel.upper())
    plain = logging.StreamHandler(sys.stderr)
    plain.setFormatter(logging.Formatter("%(message)s"))
    tables = logging.getLogger("locust.stats_logger")
    tables.handlers[:] = [plain]
    tables.setLevel(logging.INFO)
    tables.propagate = False


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
