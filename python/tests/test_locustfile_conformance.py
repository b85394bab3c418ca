"""Locustfile conformance: each file in conformance/locustfiles runs under real Locust 2.47.0 and under
rocust (the two runs in parallel, each against its own recording server), and what matters must agree:
stats rows, request shares, failures per row, failure texts, exceptions, exit codes and what the
server saw. See conformance/compare.py for the tolerances and conformance/cases.py for the cases.

Tools: $LOCUST_PYTHON (default the python of $ROCUST_LOCUST_VENV or <repo>/.venv-locust) and
$ROCUST_CMD (default the `rocust` script next to this interpreter); a missing one skips by hand and
fails in CI (testdeps.py). To check the harness itself before rocust exists:
    ROCUST_CMD="$LOCUST_PYTHON -m locust" python -m pytest python/tests/test_locustfile_conformance.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, List, Tuple

import pytest

import testdeps
from conformance import compare
from conformance.cases import CASES, GET, POST, Case
from conformance.harness import (
    LOCUSTFILES,
    RunCache,
    Tool,
    ToolRun,
    locust_tool,
    normalise_ports,
    rocust_tool,
    run_in_parallel,
    run_tool,
)

Pair = Tuple[ToolRun, ToolRun]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunCache]:
    yield RunCache(tmp_path_factory.mktemp("conformance"))


def _tools() -> Tuple[Tool, Tool]:
    locust, why_not_locust = locust_tool()
    if locust is None:
        testdeps.missing(why_not_locust)
    rocust, why_not_rocust = rocust_tool()
    if rocust is None:
        testdeps.missing(why_not_rocust)
    assert locust is not None and rocust is not None
    return locust, rocust


def _run_pair(cache: RunCache, case: Case) -> Pair:
    locust, rocust = _tools()

    def make() -> Pair:
        def job(tool: Tool) -> Callable[[], ToolRun]:
            folder = cache.folder(case.id, tool.name)
            return lambda: run_tool(tool, Path(case.path), case.args, folder, pass_host=case.pass_host)

        a, b = run_in_parallel([job(locust), job(rocust)])
        return a, b

    pair: Pair = cache.get(case.id, make)
    return pair


def _check(problems: List[str], pair: Pair) -> None:
    if problems:
        context = "\n\n".join(run.context() for run in pair)
        pytest.fail("\n".join(problems) + "\n\n" + context, pytrace=False)


cases = pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])


@cases
def test_exit_code(cache: RunCache, case: Case) -> None:
    pair = _run_pair(cache, case)
    _check(compare.exit_code_problems(*pair, expected=case.exit_code), pair)


@cases
def test_stats_rows(cache: RunCache, case: Case) -> None:
    pair = _run_pair(cache, case)
    _check(compare.rows_problems(*pair, expected=set(case.rows)), pair)


SHARE_CASES = [c for c in CASES if c.groups or c.weights]
FACT_CASES = [c for c in CASES if c.facts is not None]


@pytest.mark.parametrize("case", SHARE_CASES, ids=[c.id for c in SHARE_CASES])
def test_request_shares(cache: RunCache, case: Case) -> None:
    pair = _run_pair(cache, case)
    _check(compare.ratio_problems(*pair, case.groups, case.weights, case.dispersion), pair)


@cases
def test_failures_per_row(cache: RunCache, case: Case) -> None:
    pair = _run_pair(cache, case)
    problems = compare.failure_count_problems(*pair)
    exact = list(case.exact_counts)
    expected = {k: v for k, v in case.exact_counts.items() if v is not None}
    problems += compare.exact_count_problems(*pair, exact, expected)
    problems += compare.response_time_problems(*pair, case.fixed_timings)
    _check(problems, pair)


@cases
def test_failure_messages(cache: RunCache, case: Case) -> None:
    pair = _run_pair(cache, case)
    _check(compare.failure_message_problems(*pair), pair)


@cases
def test_exceptions(cache: RunCache, case: Case) -> None:
    pair = _run_pair(cache, case)
    _check(compare.exception_problems(*pair), pair)


@pytest.mark.parametrize("case", FACT_CASES, ids=[c.id for c in FACT_CASES])
def test_server_facts(cache: RunCache, case: Case) -> None:
    assert case.facts is not None
    pair = _run_pair(cache, case)
    locust_run, rocust_run = pair
    _check(compare.fact_problems(case.facts(locust_run), case.facts(rocust_run), case.expected_facts), pair)


# --- the harness itself (needs real Locust only) ---


def test_harness_catches_a_wrong_weight(cache: RunCache) -> None:
    """Locust on classic.py (index:about = 2:1) against Locust on a 1:1 variant must fail the share
    comparison, while the rows agree: the suite can tell a wrong weight from noise. The test needs
    about 450 requests per side to have the power; on a starved machine it runs once more."""
    locust, why = locust_tool()
    if locust is None:
        testdeps.missing(why)
    wrong = Tool("locust-wrong-variant", locust.command)
    group = (GET("/"), GET("/about/"))
    args = ("-u", "4", "-r", "4", "-t", "4s")
    for attempt in range(2):
        right_run, wrong_run = run_in_parallel(
            [
                lambda: run_tool(locust, LOCUSTFILES / "classic.py", args, cache.folder(f"self-test-{attempt}", "a")),
                lambda: run_tool(
                    wrong, LOCUSTFILES / "classic_wrong_weight.py", args, cache.folder(f"self-test-{attempt}", "b")
                ),
            ]
        )
        sizes = [sum(run.counts().get(k, 0) for k in group) for run in (right_run, wrong_run)]
        if min(sizes) >= 500:
            break
    assert compare.rows_problems(right_run, wrong_run) == [], right_run.context() + wrong_run.context()
    problems = compare.ratio_problems(right_run, wrong_run, [group])
    assert any("share of GET /" in p for p in problems), (problems, right_run.counts(), wrong_run.counts())
    assert compare.exit_code_problems(right_run, wrong_run, expected=0) == []


def test_share_comparison_power_and_noise() -> None:
    """2:1 against 1:1 fails at a few hundred requests; two samples of the same 2:1 pass."""
    a = {GET("/"): 400, GET("/about/"): 200}
    assert compare.share_problems(a, {GET("/"): 300, GET("/about/"): 300})
    assert compare.share_problems(a, {GET("/"): 5200, GET("/about/"): 2700}) == []
    assert compare.share_problems({GET("/"): 10, GET("/about/"): 5}, a)  # too few requests is a problem
    assert compare.expected_share_problems(a, {GET("/"): 2, GET("/about/"): 1}, label="x") == []
    assert compare.expected_share_problems(a, {GET("/"): 1, GET("/about/"): 1}, label="x")


def test_port_normalisation() -> None:
    text = "HTTPConnectionPool(host='127.0.0.1', port=41234): /x; other 412345 and 1234"
    assert normalise_ports(text, {41234: "{PORT}", 1234: "{CLOSED_PORT}"}) == (
        "HTTPConnectionPool(host='127.0.0.1', port={PORT}): /x; other 412345 and {CLOSED_PORT}"
    )


def test_fact_and_failure_kind_comparisons_report_differences() -> None:
    assert compare.fact_problems({"logins": 4}, {"logins": 3}, {"logins": 4}) == [
        "server fact 'logins': locust 4, rocust 3",
        "rocust: server fact 'logins' is 3, expected 4",
    ]
    assert compare._failure_kind(10, 10) == "always fails"
    assert compare._failure_kind(10, 0) == "never fails"
    assert compare._failure_kind(10, 3) == "sometimes fails"
    assert POST("x") == ("POST", "x")
