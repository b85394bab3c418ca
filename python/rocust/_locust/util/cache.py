"""``locust.util.cache``: one cached result per function, for a while."""

from __future__ import annotations

import functools
import time
from typing import Any, Callable, Dict, TypeVar

__all__ = ["memoize"]

F = TypeVar("F", bound=Callable[..., Any])


def memoize(timeout: float, dynamic_timeout: bool = False) -> Callable[[F], F]:
    """Decorator: the function runs at most once per ``timeout`` seconds and the last
    result is returned in between, whatever the arguments (one result per function,
    as in Locust). With ``dynamic_timeout``, a call slower than the timeout doubles
    it. The wrapper's ``clear_cache()`` forgets the result."""
    state: Dict[str, Any] = {"timeout": timeout}

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.time()
            if "time" not in state or started - state["time"] > state["timeout"]:
                state["result"] = func(*args, **kwargs)
                state["time"] = time.time()
                if dynamic_timeout and state["time"] - started > state["timeout"]:
                    state["timeout"] *= 2
            return state["result"]

        def clear_cache() -> None:
            state.pop("time", None)
            state.pop("result", None)

        wrapper.clear_cache = clear_cache  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
