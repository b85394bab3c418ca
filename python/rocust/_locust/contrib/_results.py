"""The result dicts the vector-database clients (qdrant, milvus) return, as Locust's do:
``success``, ``response_time`` (ms) and ``result``, plus ``empty`` for reads, or
``success: False`` and the ``exception`` instead of raising it."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Optional

Result = Dict[str, Any]


def timed(call: Callable[[], Any], is_empty: Optional[Callable[[Any], bool]] = None) -> Result:
    """Runs ``call``; with ``is_empty``, an empty answer is ``success: False`` (but no
    exception, so the request still counts as a success in the stats)."""
    started = time.time()
    try:
        result = call()
    except Exception as e:
        return {"success": False, "response_time": (time.time() - started) * 1000, "exception": e}
    outcome: Result = {"success": True, "response_time": (time.time() - started) * 1000}
    if is_empty is not None:
        empty = is_empty(result)
        outcome["success"] = not empty
        outcome["empty"] = empty
    outcome["result"] = result
    return outcome


def fire(events: Any, request_type: str, name: str, result: Result) -> None:
    """One request row from a result dict (whole milliseconds, as Locust's users fire)."""
    events.request.fire(
        request_type=request_type,
        name=name,
        response_time=int(result.get("response_time", 0)),
        response_length=0,
        exception=result.get("exception"),
    )
