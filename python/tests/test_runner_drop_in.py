"""What the runner does around user code, compared with Locust 2.47: users whose
constructor raises, listeners that raise (``init`` is fatal, others make exit code 2),
a shape whose ``tick()`` raises, two shape classes, and the runner state listeners see
(``target_user_count`` in ``test_start``, ``spawning_complete`` after the constructors).

Each locustfile in ``runner_drop_in/`` runs under both tools at once (see
``rocust_cli/harness.py``); the tests compare exit codes, log lines and marks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest

from rocust_cli.harness import LoopbackServer, RunPool, RunResult, RunSpec

HERE = Path(__file__).resolve().parent / "runner_drop_in"
TOOLS = ("rocust", "locust")

RUNS: Dict[str, Tuple[str, ...]] = {
    "init_fails": ("-f", str(HERE / "lf_init_fails.py"), "--headless", "-u", "3", "-r", "10", "-t", "3"),
    "init_listener_fails": ("-f", str(HERE / "lf_init_listener_fails.py"), "--headless", "-u", "1", "-t", "5"),
    "listener_fails": ("-f", str(HERE / "lf_listener_fails.py"), "--headless", "-u", "2", "-r", "10", "-t", "2"),
    "runner_state": ("-f", str(HERE / "lf_runner_state.py"), "--headless", "-u", "3", "-r", "100", "-t", "3"),
    "shape_fails": ("-f", str(HERE / "lf_shape_fails.py"), "--headless"),
    "two_shapes": ("-f", str(HERE / "lf_two_shapes.py"), "--headless"),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunPool]:
    server = LoopbackServer()
    pool = RunPool(tmp_path_factory.mktemp("runner_drop_in"), server.url, workers=4)
    for name, args in RUNS.items():
        for tool in TOOLS:
            pool.submit(f"{name}/{tool}", RunSpec(tool=tool, args=args, timeout=30.0))
    try:
        yield pool
    finally:
        pool.close()
        server.close()


def both(runs: RunPool, name: str) -> Tuple[RunResult, RunResult]:
    rocust, locust = runs.get(f"{name}/rocust"), runs.get(f"{name}/locust")
    for result in (rocust, locust):
        assert result.skipped is None, result.skipped
        assert not result.timed_out, result.context()
    return rocust, locust


def test_a_user_that_cannot_be_created_runs_until_the_end_and_exits_2(runs: RunPool) -> None:
    rocust, locust = both(runs, "init_fails")
    context = rocust.context() + "\n" + locust.context()
    assert locust.exit_code == 2, context
    assert rocust.exit_code == 2, context
    for result in (rocust, locust):
        assert "CRITICAL/locust.runners: Unhandled exception in greenlet" in result.stderr, context
        assert "ValueError: boom in __init__" in result.stderr, context
        assert "--run-time limit reached" in result.stderr, context
        assert "All users spawned" not in result.stderr, context
        # The run is not cut short: it lasts its run time.
        assert result.seconds >= 2.5, context


def test_an_init_listener_that_raises_is_fatal(runs: RunPool) -> None:
    rocust, locust = both(runs, "init_listener_fails")
    context = rocust.context() + "\n" + locust.context()
    assert locust.exit_code == 1, context
    assert rocust.exit_code == 1, context
    for result in (rocust, locust):
        assert "Uncaught exception in event handler" in result.stderr, context
        assert "RuntimeError: init listener fails" in result.stderr, context
        assert "Ramping to" not in result.stderr, context


def test_a_listener_that_raises_later_makes_exit_code_2(runs: RunPool) -> None:
    rocust, locust = both(runs, "listener_fails")
    context = rocust.context() + "\n" + locust.context()
    assert (rocust.exit_code, locust.exit_code) == (2, 2), context
    for result in (rocust, locust):
        assert "RuntimeError: test_stop listener fails" in result.stderr, context
        assert "Shutting down (exit code 2)" in result.stderr, context


def test_listeners_see_the_target_user_count_and_spawning_completes_after_the_constructors(
    runs: RunPool,
) -> None:
    rocust, locust = both(runs, "runner_state")
    context = rocust.context() + "\n" + locust.context()
    for result in (rocust, locust):
        assert result.exit_code == 0, context
        assert result.marked("test_start") == [["test_start", 3]], context
        # user_count, then how many constructors had finished: all of them.
        assert result.marked("spawning_complete") == [["spawning_complete", 3, 3]], context


def test_a_shape_whose_tick_raises_ends_the_test_with_exit_code_2(runs: RunPool) -> None:
    rocust, locust = both(runs, "shape_fails")
    context = rocust.context() + "\n" + locust.context()
    assert (rocust.exit_code, locust.exit_code) == (2, 2), context
    for result in (rocust, locust):
        assert "Unhandled exception in greenlet" in result.stderr, context
        assert "ValueError: tick fails" in result.stderr, context
        assert result.seconds < 15, context


def test_of_two_shape_classes_the_first_one_runs(runs: RunPool) -> None:
    rocust, locust = both(runs, "two_shapes")
    context = rocust.context() + "\n" + locust.context()
    for result in (rocust, locust):
        assert result.exit_code == 0, context
        assert "Shape test updating to 1 users" in result.stderr, context
        assert "Shape test updating to 3 users" not in result.stderr, context
