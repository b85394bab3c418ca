"""``--processes``: forking the worker processes and waiting for them, as Locust does
(its children become workers; the parent is their master or, with ``--worker``, only
waits for them)."""

from __future__ import annotations

import logging
import os
import signal
import time
from typing import Any, List, Optional

logger = logging.getLogger("locust.main")


def fork_workers(count: int) -> Optional[List[int]]:
    """Forks ``count`` children: ``None`` in a child, the children's pids in the parent."""
    children: List[int] = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            return None
        children.append(pid)
    return children


def _exit_code(status: int) -> int:
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 128 + os.WTERMSIG(status)


def _reap(children: List[int]) -> int:
    """Collects the children that ended; returns the highest exit code among them."""
    code = 0
    for pid in list(children):
        ended, status = os.waitpid(pid, os.WNOHANG)
        if ended == pid:
            children.remove(pid)
            code = max(code, _exit_code(status))
    return code


def reap_after_master(children: List[int], master_code: int) -> int:
    """After the master's run: 3 s for the children to end, then SIGINT; the highest of
    their exit codes and the master's."""
    code = 0
    deadline = time.monotonic() + 3
    interrupted = False
    while children:
        code = max(code, _reap(children))
        if children and not interrupted and time.monotonic() > deadline:
            for pid in children:
                os.kill(pid, signal.SIGINT)
            interrupted = True
        time.sleep(0.05)
    if code > 1:
        logger.error(f"Bad response code from worker children: {code}")
    return max(master_code, code)


def supervise_workers(children: List[int]) -> int:
    """``--processes`` with ``--worker``: waits for the workers, ignoring the first
    Ctrl-C (theirs to handle) and killing them at the second."""
    interrupts = 0

    def on_sigint(_signum: int, _frame: Any) -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts > 1:
            for pid in children:
                os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGINT, on_sigint)
    code = 0
    while children:
        code = max(code, _reap(children))
        time.sleep(0.05)
    return code
