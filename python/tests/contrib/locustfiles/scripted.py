"""What the protocol users' locustfiles share: each runs one scripted pass of its protocol (the same
requests, successes and failures every time, so Locust and rocust must report the same rows) and
then ends the run."""

from __future__ import annotations

import json
import time
from typing import Any, Callable, List, Tuple

import gevent

from locust import events

SEEN: List[Tuple[str, str, bool]] = []
"""(request type, name, failed) of every request so far."""


@events.request.add_listener
def _seen(request_type: str, name: str, exception: Any = None, **kwargs: Any) -> None:
    SEEN.append((request_type, name, exception is not None))


def count(request_type: str, name: str) -> int:
    return sum(1 for t, n, _ in SEEN if (t, n) == (request_type, name))


def wait_until(ready: Callable[[], bool], timeout: float = 15.0) -> None:
    """Sleeps (yielding to other greenlets) until ``ready()``; the run then fails its comparison."""
    deadline = time.monotonic() + timeout
    while not ready() and time.monotonic() < deadline:
        gevent.sleep(0.02)
    if not ready():
        print(f"SCRIPT TIMEOUT waiting in {ready}; seen: {SEEN}", flush=True)


def finish(user: Any) -> None:
    """Prints the failures and task exceptions so far, then ends the run. (Locust's CSV files
    of a run this short are written before any request: it writes them every second and not
    again at ``runner.quit()``.)"""
    runner = user.environment.runner
    failures = sorted(
        [e["method"], e["name"], e["error"], e["occurrences"]] for e in (f.to_dict() for f in runner.stats.errors.values())
    )
    print("SCRIPT FAILURES " + json.dumps(failures), flush=True)
    print("SCRIPT EXCEPTIONS " + json.dumps(sorted(e["msg"] for e in runner.exceptions.values())), flush=True)
    print("SCRIPT DONE", flush=True)
    runner.quit()
