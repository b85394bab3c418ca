"""Locust's module surface under rocust (issue 7, item 13).

1. What locustfiles and plugins import beyond the package top (``locust.util``,
   ``locust.user.inspectuser``, the locustfile helpers of ``locust.argument_parser``,
   ``locust.stats``' entries, tables, CSV writer and history): the scenario
   scenarios/module_surface.py runs under real Locust 2.47.0 and under rocust and
   must print the same.
2. Settings a locustfile assigns in ``locust.stats`` reach the engine's console
   tables and CSV files as they reach Locust's: the same locustfiles run with
   ``locust -f`` and ``rocust -f`` and the tables and CSV files are compared.
"""

from __future__ import annotations

import csv
import io
import os
import re
import statistics
from typing import Iterator, List, Tuple

import pytest
import testdeps
from conftest import needs_locust, run_both
from rocust_cli.harness import LoopbackServer, RunPool, RunResult, RunSpec
from test_conformance import assert_same

# -- 1. the modules -------------------------------------------------------------------------


@needs_locust
def test_module_surface_matches_locust() -> None:
    rocust, locust = run_both("module_surface")
    assert_same(rocust, locust)


def test_engine_gets_what_the_locustfile_set() -> None:
    import rocust._locust.stats as stats
    from rocust._locust._stats_output import engine_report_settings

    defaults = engine_report_settings()
    assert defaults == {
        "percentiles": [0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0],
        "console_interval": 2.0,
        "csv_interval": 1.0,
        "history_interval": 5.0,
        "name_width": None,
    }
    saved = (stats.PERCENTILES_TO_REPORT, stats.CSV_STATS_INTERVAL_SEC, stats.STATS_NAME_WIDTH)
    try:
        stats.PERCENTILES_TO_REPORT = [0.5, 1]
        stats.CSV_STATS_INTERVAL_SEC = 0.5
        stats.STATS_NAME_WIDTH = stats.STATS_NAME_WIDTH + 7
        changed = engine_report_settings()
    finally:
        stats.PERCENTILES_TO_REPORT, stats.CSV_STATS_INTERVAL_SEC, stats.STATS_NAME_WIDTH = saved
    assert changed["percentiles"] == [0.5, 1.0]
    assert changed["csv_interval"] == 0.5
    assert changed["name_width"] == saved[2] + 7


# -- 2. settings under `rocust -f` and `locust -f` ------------------------------------------

_USER = """
import json

import gevent
from locust import HttpUser, constant, events, stats, task

{settings}


class Web(HttpUser):
    wait_time = constant(0.05)

    # Slow enough that the current percentiles are above 0 ms under both tools.
    @task
    def slow(self):
        self.client.get("/slow")


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # Locust 2.47 counts -t from gevent's cached loop time (see test_rocust_cli.py).
    gevent.get_hub().loop.update_now()


@events.test_stop.add_listener
def _report(environment, **_kwargs):
    entry, total = environment.stats.get("/slow", "GET"), environment.stats.total
    print("@@ " + json.dumps(["rows", str(entry), entry.to_string(current=False), str(total)]), flush=True)
    current = [total.get_current_response_time_percentile(0.5), entry.get_current_response_time_percentile(0.95)]
    print("@@ " + json.dumps(["current"] + current), flush=True)
"""

LOCUSTFILES = {
    # Odd percentiles (7.0% is Python's title for 0.07), slower CSV and console tables.
    "settings": "stats.PERCENTILES_TO_REPORT = [0.07, 0.5, 0.999, 1.0]\n"
    "stats.CSV_STATS_INTERVAL_SEC = 2\n"
    "stats.CONSOLE_STATS_INTERVAL_SEC = 30\n",
    # No percentile columns at all, and a narrow name column.
    "no_percentiles": "stats.PERCENTILES_TO_REPORT = []\nstats.STATS_NAME_WIDTH = 40\n",
    "bad_chart": "stats.PERCENTILES_TO_CHART = [0.5, 1.0]\n",
    "zero_interval": "stats.CSV_STATS_INTERVAL_SEC = 0\n",
}
RUN_ARGS = ("--headless", "-u", "2", "-r", "10", "-t", "5", "-H", "{host}", "--csv", "out")
# Locust busy-loops on a zero interval; rocust refuses it.
ROCUST_ONLY = {"zero_interval"}


def _keys(name: str) -> List[str]:
    return [f"{name}/rocust"] + ([] if name in ROCUST_ONLY else [f"{name}/locust"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunPool]:
    server = LoopbackServer()
    pool = RunPool(tmp_path_factory.mktemp("surface"), server.url, int(os.environ.get("ROCUST_CLI_WORKERS", "6")))
    for name, settings in LOCUSTFILES.items():
        text = _USER.format(settings=settings)
        for key in _keys(name):
            spec = RunSpec(tool=key.split("/")[1], args=("-f", "lf.py") + RUN_ARGS, files=(("lf.py", text),))
            pool.submit(key, spec)
    try:
        yield pool
    finally:
        pool.close()
        server.close()


def _pair(runs: RunPool, name: str) -> Tuple[RunResult, RunResult]:
    rocust, locust = runs.get(f"{name}/rocust"), runs.get(f"{name}/locust")
    if rocust.skipped:
        testdeps.missing(rocust.skipped)
    if locust.skipped:
        testdeps.missing(locust.skipped)
    return rocust, locust


def _ctx(*results: RunResult) -> str:
    return "\n".join(r.context() for r in results)


def _percentile_table(stderr: str) -> List[str]:
    """The final percentile table: title, header, separator, rows (Locust's logger
    prints it plain, one line each)."""
    lines = stderr.splitlines()
    start = max(i for i, line in enumerate(lines) if line == "Response time percentiles (approximated)")
    end = next(i for i in range(start + 3, len(lines)) if lines[i] == "")
    return lines[start:end]


def _numbers_masked(line: str) -> Tuple[int, List[str]]:
    """A table row without its numbers (two runs measure different ones): its
    length and its words with each number as N."""
    return len(line), [re.sub(r"\d+", "N", word) for word in line.split()]


def _csv(result: RunResult, name: str) -> List[List[str]]:
    return list(csv.reader(io.StringIO(result.file(f"out_{name}.csv").read_text())))


def _history_seconds(result: RunResult) -> List[int]:
    return [int(row[0]) for row in _csv(result, "stats_history")[1:]]


def test_percentile_columns_follow_the_locustfile(runs: RunPool) -> None:
    rocust, locust = _pair(runs, "settings")
    for result in (rocust, locust):
        assert result.exit_code == 0, _ctx(result)
    ours, theirs = _percentile_table(rocust.stderr), _percentile_table(locust.stderr)
    assert ours[:3] == theirs[:3], _ctx(rocust, locust)
    assert ours[1].split() == ["Type", "Name", "7.0%", "50%", "99.9%", "100%", "#", "reqs"]
    # Same rows, numbers aside (response times differ between two runs).
    assert [_numbers_masked(line) for line in ours[3:]] == [_numbers_masked(line) for line in theirs[3:]]
    for name in ("stats", "stats_history"):
        assert _csv(rocust, name)[0] == _csv(locust, name)[0], name
        for result in (rocust, locust):
            rows = _csv(result, name)
            assert {len(row) for row in rows} == {len(rows[0])}, (name, _ctx(result))
    assert _csv(rocust, "stats")[0][11:] == ["7.0%", "50%", "99.9%", "100%"]
    assert [row[:2] for row in _csv(rocust, "stats")] == [row[:2] for row in _csv(locust, "stats")]


def test_entries_print_their_rows_and_current_percentiles(runs: RunPool) -> None:
    """``str(entry)`` is the console row and the current percentiles are known after
    a few seconds (under rocust the engine computes them), in a test_stop listener."""
    for name in ("settings", "no_percentiles"):
        rocust, locust = _pair(runs, name)
        (ours,), (theirs,) = rocust.marked("rows"), locust.marked("rows")
        assert [_numbers_masked(row) for row in ours[1:]] == [_numbers_masked(row) for row in theirs[1:]], _ctx(
            rocust, locust
        )
        for result in (rocust, locust):
            (current,) = result.marked("current")
            assert all(isinstance(value, int) and value > 0 for value in current[1:]), _ctx(result)


def test_csv_and_console_intervals_follow_the_locustfile(runs: RunPool) -> None:
    rocust, locust = _pair(runs, "settings")
    for result in (rocust, locust):
        seconds = _history_seconds(result)
        # A 5 s run writes a history row every 2 s (the default writes one a second).
        assert 3 <= len(seconds) <= 4, _ctx(result)
        assert statistics.median(b - a for a, b in zip(seconds, seconds[1:])) == 2, (seconds, _ctx(result))
        # CONSOLE_STATS_INTERVAL_SEC = 30: the table printed at the start and the final one.
        assert result.stderr.count("# fails |") == 2, _ctx(result)
    # rocust writes once more at shutdown (the last second of the run), Locust does not.
    assert len(_history_seconds(locust)) <= len(_history_seconds(rocust)) <= len(_history_seconds(locust)) + 1


def test_no_percentiles_and_a_narrow_name_column(runs: RunPool) -> None:
    rocust, locust = _pair(runs, "no_percentiles")
    ours, theirs = _percentile_table(rocust.stderr), _percentile_table(locust.stderr)
    assert ours[:3] == theirs[:3], _ctx(rocust, locust)
    assert [_numbers_masked(line) for line in ours[3:]] == [_numbers_masked(line) for line in theirs[3:]]
    assert len(ours[2]) == 8 + 1 + 40 + 1 + 8
    header = next(line for line in rocust.stderr.splitlines() if line.startswith("Type     Name "))
    assert header == next(line for line in locust.stderr.splitlines() if line.startswith("Type     Name "))
    for name in ("stats", "stats_history"):
        assert _csv(rocust, name)[0] == _csv(locust, name)[0], name
    assert _csv(rocust, "stats")[0][-1] == "Failures/s"


def test_invalid_chart_percentiles_exit_like_locust(runs: RunPool) -> None:
    rocust, locust = _pair(runs, "bad_chart")
    message = "stats.PERCENTILES_TO_CHART parameter need to be float and value between. 0 < percentile < 1 Eg 0.95"
    for result in (rocust, locust):
        assert result.exit_code == 1, _ctx(result)
        assert message in result.stderr, _ctx(result)
    assert not rocust.file("out_stats.csv").exists()


def test_zero_interval_is_refused(runs: RunPool) -> None:
    result = runs.get("zero_interval/rocust")
    if result.skipped:
        testdeps.missing(result.skipped)
    assert result.exit_code == 1, _ctx(result)
    assert "stats.CSV_STATS_INTERVAL_SEC must be a positive number of seconds, got 0.0" in result.stderr, _ctx(result)
