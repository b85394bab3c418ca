"""The example locustfiles of the seed documents (/work/shared/seeds/*.txt), typos fixed and pointed at a
local recording server (python/tests/seed_examples/, each file's header says what was fixed), run
headless for ~3 s under rocust AND under real Locust: an example that is broken for Locust too fails
its Locust test, so it is not blamed on rocust.

Each run must: exit with the expected code, report the expected request names (stats CSV and JSON),
not report names that should not run (tag filters), record no exceptions, print no traceback, and
print what the example prints (where checked).

Not extracted (they cannot run against a loopback server headless): seed 002's web_ui route (needs the
Flask web UI, and its init listener takes `env` positionally so it fails under Locust too), its MqttUser
(a plain User without a client) and the contrib users (MQTT, Socket.IO, PostgreSQL, MongoDB, Milvus, DNS:
they point at external services; test_contrib.py runs each contrib user against a server on loopback);
seed 003's async httpx user (Locust does not await coroutine tasks: test_async_tasks.py runs it under
rocust); seed 004 has no locustfile (EventHook internals of Locust 1.x); seed 001's shell commands
use Locust 0.x options.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterator, List, Tuple

import pytest

import testdeps
from conformance.harness import (
    AGGREGATED,
    RowKey,
    RunCache,
    Tool,
    ToolRun,
    locust_tool,
    rocust_tool,
    run_in_parallel,
    run_tool,
)

SEED_EXAMPLES = Path(__file__).resolve().parent / "seed_examples"
SEEDS = Path("/work/shared/seeds")

RUN_SHORT = ("-u", "4", "-r", "4", "-t", "3s")
RUN_10U = ("-u", "10", "-r", "10", "-t", "3s")


def GET(name: str) -> RowKey:
    return ("GET", name)


def POST(name: str) -> RowKey:
    return ("POST", name)


@dataclass(frozen=True)
class Example:
    file: str
    present: FrozenSet[RowKey]
    args: Tuple[str, ...] = RUN_SHORT
    pass_host: bool = True
    """False when the example's own host attribute (CONFORMANCE_HOST) points at the server."""
    absent: FrozenSet[RowKey] = frozenset()
    any_of: FrozenSet[RowKey] = frozenset()
    """At least one of these (random first picks of a short run)."""
    exit_code: int = 0
    stdout_contains: Tuple[str, ...] = ()


def rows(*keys: RowKey) -> FrozenSet[RowKey]:
    return frozenset(keys) | {AGGREGATED}


EXAMPLES: List[Example] = [
    Example("s000_demo.py", rows(GET("login"), GET("index")), pass_host=False),
    Example(
        "s000_simulation.py",
        rows(POST("/loginReq"), GET("index")),
        args=RUN_10U,
        pass_host=False,
        stdout_contains=("开始压测，当前时间为: ", "压测结束，当前时间为: ", "当前环境为: LocalRunner"),
    ),
    Example("s000_weight.py", rows()),
    Example("s000_assert_res.py", rows(POST("/login"), GET("index")), pass_host=False),
    Example(
        "s000_tag.py",
        rows(GET("index")),
        args=(*RUN_SHORT, "--tags", "tag1", "tag2", "--exclude-tags", "tag3"),
        pass_host=False,
    ),
    Example(
        "s001_website.py",
        rows(POST("/login")),
        args=RUN_10U,
        pass_host=False,
        any_of=frozenset({GET("/"), GET("/about/")}),
    ),
    Example("s001_taskset_decorator.py", rows(GET("/job1"), GET("/job2"))),
    Example("s001_tasks_dict.py", rows(GET("/job1"), GET("/job2"))),
    Example("s001_taskset_unweighted.py", rows(GET("/job1"), GET("/job2"))),
    Example("s001_tasks_list.py", rows(GET("/job1"), GET("/job2"))),
    Example("s002_browse.py", rows(GET("/api/products"))),
    Example(
        "s002_checkout_tags.py",
        rows(POST("/orders")),
        args=(*RUN_SHORT, "--tags", "pay"),
        absent=frozenset({POST("/orders/pay")}),
    ),
    Example("s002_ramp_shape.py", rows(GET("/shaped")), args=()),
    Example("s002_trace_listener.py", rows(GET("/traced")), stdout_contains=("queued metrics: some",)),
]

TOOLS = ("locust", "rocust")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunCache]:
    yield RunCache(tmp_path_factory.mktemp("seeds"))


def _available() -> Dict[str, Tool]:
    found: Dict[str, Tool] = {}
    for name, finder in (("locust", locust_tool), ("rocust", rocust_tool)):
        tool, _ = finder()
        if tool is not None:
            found[name] = tool
    return found


def _run(cache: RunCache, example: Example, tool_name: str) -> ToolRun:
    tool, why = (locust_tool if tool_name == "locust" else rocust_tool)()
    if tool is None:
        testdeps.missing(why)

    def make() -> Dict[str, ToolRun]:
        tools = list(_available().values())
        path = SEED_EXAMPLES / example.file

        def job(tool: Tool) -> Callable[[], ToolRun]:
            folder = cache.folder(example.file, tool.name)
            return lambda: run_tool(tool, path, example.args, folder, pass_host=example.pass_host)

        runs = run_in_parallel([job(t) for t in tools])
        return {r.tool: r for r in runs}

    runs: Dict[str, ToolRun] = cache.get(example.file, make)
    return runs[tool_name]


def _problems(example: Example, run: ToolRun) -> List[str]:
    problems: List[str] = []
    if run.exit_code != example.exit_code:
        problems.append(f"exit code {run.exit_code}, expected {example.exit_code}")
    if run.missing_outputs:
        problems.append(f"missing outputs: {run.missing_outputs}")
    if AGGREGATED not in run.stats_csv:
        problems.append("no Aggregated row in the stats CSV")
    got = run.rows
    missing = example.present - got
    if missing:
        problems.append(f"request names missing: {sorted(missing)}")
    unexpected = got & example.absent
    if unexpected:
        problems.append(f"request names that should not run: {sorted(unexpected)}")
    if example.any_of and not (got & example.any_of):
        problems.append(f"none of {sorted(example.any_of)} ran")
    if example.present - {AGGREGATED} and not run.records:
        problems.append("the server received no request")
    if run.exceptions:
        problems.append(f"exceptions recorded: {sorted(run.exceptions)}")
    if "Traceback" in run.stderr:
        problems.append("a traceback was printed")
    for text in example.stdout_contains:
        if text not in run.stdout:
            problems.append(f"stdout lacks {text!r}; stdout was: {run.stdout[-500:]!r}")
    return problems


@pytest.mark.parametrize("tool_name", TOOLS)
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.file[:-3] for e in EXAMPLES])
def test_seed_example_runs(cache: RunCache, example: Example, tool_name: str) -> None:
    run = _run(cache, example, tool_name)
    problems = _problems(example, run)
    if problems:
        pytest.fail("\n".join(problems) + "\n\n" + run.context(3000), pytrace=False)


def test_every_seed_example_is_checked_and_names_its_seed() -> None:
    files = sorted(p.name for p in SEED_EXAMPLES.glob("*.py"))
    assert files == sorted(e.file for e in EXAMPLES)
    for name in files:
        head = (SEED_EXAMPLES / name).read_text(encoding="utf-8").splitlines()[:2]
        assert head[0].startswith("# Seed: /work/shared/seeds/"), name
        assert head[1].startswith("# Fixed"), name
        seed = head[0].split()[2].rstrip(",")
        if SEEDS.exists():
            assert Path(seed).exists(), f"{name} names a seed that does not exist: {seed}"
