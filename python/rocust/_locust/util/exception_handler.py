"""``locust.util.exception_handler``: retry a call after a failure."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Sequence, Tuple, Type, TypeVar, Union

__all__ = ["retry"]

logger = logging.getLogger("locust.util.exception_handler")

F = TypeVar("F", bound=Callable[..., Any])
ExceptionTypes = Union[Type[BaseException], Tuple[Type[BaseException], ...]]


def retry(delays: Sequence[float] = (1, 3, 5), exception: ExceptionTypes = Exception) -> Callable[[F], F]:
    """Decorator: when the call raises ``exception``, log it, sleep the next delay and
    try again; after the last delay the exception propagates. ``time.sleep`` is
    gevent's under monkey patching, so other greenlets run meanwhile."""

    def decorator(function: F) -> F:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            attempts = 0
            for delay in (*delays, None):
                try:
                    return function(*args, **kwargs)
                except exception as e:
                    if delay is None:
                        logger.info("Retry failed after %d times." % attempts)
                        raise
                    attempts += 1
                    logger.info("Exception found on retry %d: -- retry after %ds" % (attempts, delay))
                    logger.exception(e)
                    time.sleep(delay)
            return None  # not reached: the last attempt returns or raises

        return wrapper  # type: ignore[return-value]

    return decorator
