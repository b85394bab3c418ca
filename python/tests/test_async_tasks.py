"""``async def`` tasks and hooks (rocust awaits them; Locust 2.47 drops the coroutine unawaited).

Most tests run ``rocust -f`` on a locustfile written here against rocust-demo-target (the
``demo_target`` fixture; built by ``cargo build``, found in target/debug or target/release or at
$ROCUST_DEMO_TARGET) and check what the run reports: request counts in the JSON and CSV outputs,
exceptions CSV, exit code, and "@@ <json list>" lines the locustfiles print. The runs start
together, on a thread pool, when the first test asks for one. A few checks run users in-process.

See docs/async.md for what is promised; python/rocust/_locust/user/_coroutine.py for how.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import subprocess
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import gevent
import pytest
from gevent.pool import Group

import testdeps
from conformance.harness import AGGREGATED, RowKey, ToolRun, rocust_tool, run_tool
from contrib.servers import DemoTarget

SEED = "/work/shared/seeds/003_cfe08b603e770c69.txt"

# -- locustfiles -------------------------------------------------------------------------------

PRELUDE = '''
import asyncio
import json
import time

import gevent
from locust import HttpUser, User, constant, events, task


def mark(*what):
    print("@@ " + json.dumps(list(what)), flush=True)


def record(user, name, started, length, exception=None):
    user.environment.events.request.fire(
        request_type="GET",
        name=name,
        response_time=(time.perf_counter() - started) * 1000,
        response_length=length,
        exception=exception,
        context={},
    )


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # -t counts from gevent's loop clock: refresh it (stale by the start-up on a busy machine).
    gevent.get_hub().loop.update_now()
'''

CLIENTS = (
    PRELUDE
    + '''
import aiohttp
import httpx

LOOPS = set()


class HttpxUser(User):
    wait_time = constant(0.2)

    async def on_start(self):
        self.http = httpx.AsyncClient(base_url=self.host)

    @task(3)
    async def fast(self):
        LOOPS.add(id(asyncio.get_running_loop()))
        started = time.perf_counter()
        response = await self.http.get("/fast")
        record(self, "httpx /fast", started, len(response.content))

    @task
    async def unavailable(self):
        started = time.perf_counter()
        response = await self.http.get("/status/503")
        try:
            response.raise_for_status()
        except httpx.HTTPStatusError as e:
            record(self, "httpx /status/503", started, len(response.content), exception=e)

    async def on_stop(self):
        await self.http.aclose()
        mark("closed", "httpx")


class AiohttpUser(User):
    wait_time = constant(0.2)

    async def on_start(self):
        self.http = aiohttp.ClientSession(self.host)

    @task
    async def fast(self):
        LOOPS.add(id(asyncio.get_running_loop()))
        started = time.perf_counter()
        async with self.http.get("/fast") as response:
            body = await response.read()
        record(self, "aiohttp /fast", started, len(body))

    async def on_stop(self):
        await self.http.close()
        mark("closed", "aiohttp")


@events.quitting.add_listener
def _quitting(**_kwargs):
    mark("loops", len(LOOPS))
'''
)

FLOW = (
    PRELUDE
    + '''
from locust import MarkovTaskSet, SequentialTaskSet, TaskSet, transition
from locust.exception import RescheduleTask, StopUser


class Inner(TaskSet):
    async def on_start(self):
        await asyncio.sleep(0)
        mark("inner.on_start")

    @task
    async def leave(self):
        await asyncio.sleep(0.01)
        mark("inner.leave")
        self.interrupt(reschedule=False)
        mark("not reached")

    async def on_stop(self):
        await asyncio.sleep(0)
        mark("inner.on_stop")


async def plain_function(parent):
    await asyncio.sleep(0)
    mark("plain_function", type(parent).__name__)


class Chain(MarkovTaskSet):
    @transition("b")
    async def a(self):
        await asyncio.sleep(0)
        mark("markov.a")

    @transition("a")
    async def b(self):
        mark("markov.b")
        self.interrupt()


class Steps(SequentialTaskSet):
    passes = 0

    async def on_start(self):
        mark("steps.on_start")

    tasks = [Inner, plain_function, Chain]

    @task
    async def fail(self):
        await asyncio.sleep(0)
        if Steps.passes == 0:
            raise ValueError("async task failed")

    @task
    def sync_step(self):
        mark("sync_step")

    @task
    async def reschedule(self):
        raise RescheduleTask()

    @task
    async def count(self):
        Steps.passes += 1
        mark("pass", Steps.passes)
        if Steps.passes == 2:
            raise StopUser()

    async def on_stop(self):
        await asyncio.sleep(0)
        mark("steps.on_stop")


class Flow(User):
    wait_time = constant(0)
    tasks = [Steps]

    async def on_start(self):
        await asyncio.sleep(0)
        mark("user.on_start")

    async def on_stop(self):
        await asyncio.sleep(0)
        mark("user.on_stop")


@events.user_error.add_listener
def _user_error(user_instance, exception, tb, **_kwargs):
    mark("user_error", type(user_instance).__name__, type(exception).__name__, str(exception))
'''
)

CANCEL = (
    PRELUDE
    + """
class Awaiting(User):
    wait_time = constant(0)

    @task
    async def long(self):
        mark("awaiting.start", id(self))
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            mark("awaiting.cancelled", id(self))
            await asyncio.sleep(0.05)  # cleanup may still await
            mark("awaiting.cleaned_up", id(self))
            raise
        mark("not reached")

    async def on_stop(self):
        await asyncio.sleep(0)
        mark("awaiting.on_stop", id(self))


class Blocking(HttpUser):
    # self.client blocks the loop's greenlet (documented); a kill must still end it at once.
    wait_time = constant(0)

    @task
    async def long(self):
        mark("blocking.start")
        try:
            self.client.get("/slow?ms=10000")
        except asyncio.CancelledError:
            mark("blocking.cancelled")
            raise
        mark("not reached")

    def on_stop(self):
        mark("blocking.on_stop")
"""
)

MANY = (
    PRELUDE
    + """
import aiohttp

LOOPS = set()
USERS = set()
FIRED = [0]


class Many(User):
    wait_time = constant(1)

    async def on_start(self):
        self.http = aiohttp.ClientSession(self.host)

    @task
    async def fast(self):
        LOOPS.add(asyncio.get_running_loop())
        started = time.perf_counter()
        async with self.http.get("/fast") as response:
            body = await response.read()
        record(self, "/fast", started, len(body))
        FIRED[0] += 1
        USERS.add(id(self))

    async def on_stop(self):
        await self.http.close()


@events.quitting.add_listener
def _quitting(**_kwargs):
    mark("loops", len(LOOPS), sorted(type(loop).__name__ for loop in LOOPS))
    mark("users_with_requests", len(USERS))
    mark("fired", FIRED[0])
"""
)

MIXED = (
    PRELUDE
    + '''
import httpx
from locust.user import _coroutine

LOOPS = set()
ASYNCIO_RUN_LOOPS = set()  # ids: a freed loop's id may come again, but never the live shared loop's


class ClientInAsync(HttpUser):
    wait_time = constant(0.1)

    @task
    async def both(self):
        LOOPS.add(id(asyncio.get_running_loop()))
        self.client.get("/fast", name="self.client in async")  # blocks the loop's greenlet
        await asyncio.to_thread(self.client.get, "/fast", name="self.client via to_thread")


class HttpxUser(User):
    wait_time = constant(0.1)

    async def on_start(self):
        self.http = httpx.AsyncClient(base_url=self.host)

    @task
    async def fast(self):
        LOOPS.add(id(asyncio.get_running_loop()))
        started = time.perf_counter()
        response = await self.http.get("/fast")
        record(self, "httpx /fast", started, len(response.content))


class OwnAsyncioRun(User):
    # A plain task with its own asyncio.run(): works beside the shared loop. One user only: two
    # greenlets each inside asyncio.run() see each other's loop, under Locust too.
    fixed_count = 1
    wait_time = constant(0.1)

    @task
    def run_own_loop(self):
        async def inner():
            await asyncio.sleep(0.01)
            return id(asyncio.get_running_loop())

        started = time.perf_counter()
        ASYNCIO_RUN_LOOPS.add(asyncio.run(inner()))
        record(self, "asyncio.run", started, 0)


@events.quitting.add_listener
def _quitting(**_kwargs):
    mark("loops", len(LOOPS), len(ASYNCIO_RUN_LOOPS), bool(LOOPS & ASYNCIO_RUN_LOOPS))
'''
)

PLAIN = """
import json
import sys

import greenlet
from locust import HttpUser, constant, events, task
from locust.user import _coroutine


class Plain(HttpUser):
    wait_time = constant(0.05)

    @task
    def fast(self):
        self.client.get("/fast")


@events.quitting.add_listener
def _quitting(**_kwargs):
    state = [_coroutine._LOOP is None, "asyncio" in sys.modules, greenlet.gettrace() is None]
    print("@@ " + json.dumps(["plain", *state]), flush=True)
"""

# Seed 003's AsyncUser, indentation restored, otherwise verbatim (the seed lost its indentation).
SEED_003 = '''\
# Seed: /work/shared/seeds/003_cfe08b603e770c69.txt
# Fixed: indentation only (lost in the seed).
from locust import HttpUser, task, between
import asyncio
import httpx
class AsyncUser(HttpUser):
    wait_time = between(1, 2)
    host = "http://localhost:8080" # Replace with your target host
    async def fetch_data(self, url):
        async with httpx.AsyncClient() as client:
            try:
                response = await client.get(url)
                response.raise_for_status()
                return response.json()
            except httpx.HTTPStatusError as e:
                print(f"HTTP error occurred: {e}")
                return None
            except httpx.RequestError as e:
                print(f"An error occurred while requesting {e.request.url!r}: {e}")
                return None
    @task
    async def get_user_data(self):
        user_id = 1
        data = await self.fetch_data(f"/users/{user_id}")
        if data:
            self.environment.events.request.fire(
                request_type="GET",
                name=f"/users/{user_id}",
                response_time=0, # httpx doesn't directly expose this per request easily for reporting, will be handled by Locust's internal timing
                response_length=len(str(data))
            )
    @task
    async def get_posts_data(self):
        post_id = 10
        data = await self.fetch_data(f"/posts/{post_id}")
        if data:
            self.environment.events.request.fire(
                request_type="GET",
                name=f"/posts/{post_id}",
                response_time=0,
                response_length=len(str(data))
            )
    async def on_start(self):
        print("Starting async user...")
        # You can perform async setup here if needed
'''
SEED_003_BASE_URL = SEED_003.replace("httpx.AsyncClient()", "httpx.AsyncClient(base_url=self.host)")

# -- servers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_target() -> Iterator[str]:
    """rocust-demo-target on a free loopback port; yields its URL."""
    with DemoTarget() as target:
        yield target.url


class JsonServer:
    """Answers every GET with a small JSON object (seed 003 reads ``response.json()`` from
    /users/1 and /posts/10, which rocust-demo-target does not serve); counts what it served."""

    def __init__(self) -> None:
        served = self.served = [0]
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = json.dumps({"path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with lock:
                    served[0] += 1

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# -- the runs ----------------------------------------------------------------------------------

# name -> (locustfile text, arguments after -f/--headless/--csv/--json-file; {host} = the target)
RUNS: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "many": (MANY, ("-u", "1000", "-r", "1000", "-t", "6s", "-H", "{host}")),
    "clients": (CLIENTS, ("-u", "10", "-r", "10", "-t", "4s", "-H", "{host}")),
    "flow": (FLOW, ("-u", "1", "-r", "1", "-t", "3s", "-H", "{host}")),
    "awaiting": (CANCEL, ("-u", "3", "-r", "10", "-t", "2s", "--stop-timeout", "1", "-H", "{host}", "Awaiting")),
    "blocking": (CANCEL, ("-u", "1", "-r", "10", "-t", "2s", "-H", "{host}", "Blocking")),
    "mixed": (MIXED, ("-u", "5", "-r", "10", "-t", "3s", "-H", "{host}")),
    "plain": (PLAIN, ("-u", "2", "-r", "10", "-t", "2s", "-H", "{host}")),
    "seed": (SEED_003, ("-u", "4", "-r", "4", "-t", "4s", "-H", "{json}")),
    "seed_base_url": (SEED_003_BASE_URL, ("-u", "4", "-r", "4", "-t", "4s", "-H", "{json}")),
}


class Runs:
    """Every run of RUNS, started together on first use; ``get(name)`` waits for one."""

    def __init__(self, root: Path, host: str, json_server: JsonServer) -> None:
        tool, why = rocust_tool()
        if tool is None:
            testdeps.missing(why)
        for library in ("httpx", "aiohttp"):
            if importlib.util.find_spec(library) is None:
                testdeps.missing(f"{library} is not installed (scripts/requirements/protocols.txt)")
        # Not all at once on a 2-core machine: the 1,000 users alone take a core for seconds.
        self._pool = ThreadPoolExecutor(max_workers=4)
        self.json_server = json_server
        self._futures: Dict[str, Future[ToolRun]] = {}
        for name, (text, args) in RUNS.items():
            folder = root / name
            folder.mkdir(parents=True)
            path = folder / f"lf_{name}.py"
            path.write_text(text, encoding="utf-8")
            filled = tuple(a.replace("{host}", host).replace("{json}", json_server.url) for a in args)
            self._futures[name] = self._pool.submit(run_tool, tool, path, filled, folder, pass_host=False)

    def get(self, name: str) -> ToolRun:
        return self._futures[name].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, demo_target: str) -> Iterator[Runs]:
    json_server = JsonServer()
    pool = Runs(tmp_path_factory.mktemp("async"), demo_target, json_server)
    try:
        yield pool
    finally:
        pool.close()
        json_server.close()


def marks(run: ToolRun) -> List[List[Any]]:
    found = []
    for line in run.stdout.splitlines():
        if line.startswith("@@ "):
            found.append(json.loads(line[3:]))
    return found


def marked(run: ToolRun, name: str) -> List[List[Any]]:
    return [m for m in marks(run) if m and m[0] == name]


def exceptions_csv(run: ToolRun) -> List[Dict[str, str]]:
    path = Path(run.command[run.command.index("--csv") + 1] + "_exceptions.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def log_time(run: ToolRun, text: str) -> datetime:
    """When the run logged ``text`` (the first line with it)."""
    for line in run.stderr.splitlines():
        if text in line:
            stamp = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\]", line)
            assert stamp, line
            return datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S,%f")
    raise AssertionError(f"{text!r} not logged\n{run.context()}")


def GET(name: str) -> RowKey:
    return ("GET", name)


def assert_clean(run: ToolRun, exit_code: int = 0, never_awaited: Tuple[str, ...] = ()) -> None:
    """Exit code, no traceback and no coroutine left unawaited (but those named)."""
    assert run.exit_code == exit_code, run.context()
    assert "Traceback" not in run.stderr, run.context(6000)
    unawaited = set(re.findall(r"coroutine '([^']+)' was never awaited", run.stderr))
    assert unawaited <= set(never_awaited), run.context()


# -- the tests ---------------------------------------------------------------------------------


def test_httpx_and_aiohttp_users_with_wait_times(runs: Runs) -> None:
    run = runs.get("clients")
    assert_clean(run, exit_code=1)  # the 503s are failures, hence exit code 1
    counts, failures = run.counts(), run.failure_counts()
    # 5 users per class for ~4 s, each waiting 0.2 s after every task: at most ~21 tasks a user.
    upper = 5 * (4 / 0.2 + 1)
    assert 20 <= counts[GET("aiohttp /fast")] <= upper, counts
    assert 15 <= counts[GET("httpx /fast")] + counts[GET("httpx /status/503")] <= upper, counts
    assert failures[GET("httpx /status/503")] == counts[GET("httpx /status/503")] > 0, failures
    assert failures[GET("httpx /fast")] == failures[GET("aiohttp /fast")] == 0, failures
    # The CSV says the same as the JSON.
    for key in (GET("aiohttp /fast"), GET("httpx /fast"), GET("httpx /status/503")):
        assert int(run.stats_csv[key]["Request Count"]) == counts[key]
    assert int(run.stats_csv[AGGREGATED]["Request Count"]) == sum(counts.values())
    # The failure (an httpx exception passed to the request event) is in the stats' errors.
    assert any(name == "httpx /status/503" and "503" in error for _, name, error in run.failures), run.failures
    # Async on_stop ran for every user when -t ended the run; one loop served both libraries.
    assert sorted(m[1] for m in marked(run, "closed")) == ["aiohttp"] * 5 + ["httpx"] * 5
    assert marked(run, "loops") == [["loops", 1]]


def test_control_flow_exceptions_and_hooks_of_async_tasks(runs: Runs) -> None:
    run = runs.get("flow")
    assert run.exit_code == 1, run.context()  # a user raised
    passes = [
        ["inner.on_start"],
        ["inner.leave"],
        ["inner.on_stop"],
        ["plain_function", "Steps"],
        ["markov.a"],
        ["markov.b"],
    ]
    expected = (
        [["user.on_start"], ["steps.on_start"]]
        + passes
        + [["user_error", "Steps", "ValueError", "async task failed"], ["sync_step"], ["pass", 1]]
        + passes
        + [["sync_step"], ["pass", 2], ["steps.on_stop"], ["user.on_stop"]]
    )
    assert marks(run) == expected, run.context()
    # Logged like a plain task's exception, with the coroutine's frame, and counted once.
    assert "ValueError: async task failed" in run.stderr
    assert 'in fail\n    raise ValueError("async task failed")' in run.stderr
    (row,) = exceptions_csv(run)
    assert row["Count"] == "1" and row["Message"] == "async task failed", row
    assert 'raise ValueError("async task failed")' in row["Traceback"]


def test_run_time_limit_cancels_a_coroutine_mid_await(runs: Runs) -> None:
    run = runs.get("awaiting")
    assert_clean(run)
    by_user: Dict[int, List[str]] = {}
    for name, user in marks(run):
        by_user.setdefault(user, []).append(name)
    steps = ["awaiting.start", "awaiting.cancelled", "awaiting.cleaned_up", "awaiting.on_stop"]
    assert list(by_user.values()) == [steps] * 3, run.context()
    assert "Not all users finished their tasks & terminated in 1.0 seconds" in run.stderr
    took = log_time(run, "Shutting down") - log_time(run, "--run-time limit reached")
    assert took.total_seconds() < 1 + 1.5, run.context()  # the stop timeout, then at once


def test_a_kill_interrupts_a_coroutine_blocked_in_the_gevent_client(runs: Runs) -> None:
    run = runs.get("blocking")
    assert_clean(run)
    assert marks(run) == [["blocking.start"], ["blocking.cancelled"], ["blocking.on_stop"]], run.context()
    took = log_time(run, "Shutting down") - log_time(run, "--run-time limit reached")
    assert took.total_seconds() < 1.5, run.context()  # not the 10 s of /slow


def test_a_thousand_coroutine_users_share_one_loop(runs: Runs) -> None:
    run = runs.get("many")
    assert_clean(run)
    assert marked(run, "loops") == [["loops", 1, ["_UnixSelectorEventLoop"]]], run.context()
    assert marked(run, "users_with_requests") == [["users_with_requests", 1000]], run.context()
    (fired,) = marked(run, "fired")
    counts = run.counts()
    assert counts[GET("/fast")] == fired[1] >= 1000, (counts, fired)
    assert run.failure_counts()[GET("/fast")] == 0


def test_gevent_client_to_thread_and_a_plain_asyncio_run_beside_the_loop(runs: Runs) -> None:
    run = runs.get("mixed")
    # A user killed inside its own asyncio.run() may be killed again (the run's final kill) while
    # asyncio.run() cleans up, leaving its cleanup coroutine unawaited: so under Locust too.
    assert_clean(run, never_awaited=("BaseEventLoop.shutdown_asyncgens", "BaseEventLoop.shutdown_default_executor"))
    counts = run.counts()
    for name in ("self.client in async", "self.client via to_thread", "httpx /fast", "asyncio.run"):
        assert counts.get(GET(name), 0) > 0, counts
    # The two calls are one task: a run ending between them leaves one more of either kind per user.
    assert abs(counts[GET("self.client in async")] - counts[GET("self.client via to_thread")]) <= 5, counts
    # One shared loop for the coroutines; asyncio.run() made its own, never ours.
    (loops,) = marked(run, "loops")
    assert loops[1] == 1 and loops[2] >= 1 and loops[3] is False, loops


def test_plain_users_never_start_the_loop(runs: Runs) -> None:
    run = runs.get("plain")
    assert_clean(run)
    assert run.counts()[GET("/fast")] > 10
    # No loop, no switch tracer, not even asyncio imported.
    assert marked(run, "plain") == [["plain", True, False, True]], run.context()


def test_seed_003_here_is_the_seed_with_its_indentation_restored() -> None:
    if not Path(SEED).exists():
        testdeps.not_applicable(f"{SEED} is not on this machine")
    seed = [line.strip() for line in Path(SEED).read_text(encoding="utf-8").splitlines()]
    ours = [line.strip() for line in SEED_003.splitlines()[2:]]  # after the two header comments
    start = seed.index(ours[0])
    assert seed[start : start + len(ours)] == ours


def test_seed_003_verbatim_fails_on_its_relative_url(runs: Runs) -> None:
    """httpx.AsyncClient() without base_url rejects "/users/1": the example catches the
    RequestError, prints it and fires no request event, so nothing is recorded."""
    run = runs.get("seed")
    assert_clean(run)
    assert run.stdout.count("Starting async user...") == 4
    assert "Request URL is missing an 'http://' or 'https://' protocol." in run.stdout
    assert run.counts() == {}
    assert set(run.stats_csv) == {AGGREGATED} and run.stats_csv[AGGREGATED]["Request Count"] == "0"


def test_seed_003_with_base_url_records_its_requests(runs: Runs) -> None:
    run = runs.get("seed_base_url")
    assert_clean(run)
    counts = run.counts()
    assert counts.get(GET("/users/1"), 0) > 0 and counts.get(GET("/posts/10"), 0) > 0, counts
    # 4 users waiting between(1, 2) s for ~4 s: a few tasks each. Every recorded request reached
    # the server (a request in flight when the run ended reached it but was not recorded).
    recorded = sum(counts.values())
    assert 4 <= recorded <= 4 * (4 / 1 + 1), counts
    assert recorded <= runs.json_server.served[0] <= recorded + 4


# -- in-process --------------------------------------------------------------------------------


@pytest.fixture
def fresh_loop() -> Iterator[None]:
    """Closes the loop an in-process test started, so later tests in this process have none."""
    from rocust._locust.user import _coroutine

    _coroutine.close_loop()
    yield
    _coroutine.close_loop()


def test_catch_exceptions_false_ends_the_user_with_the_coroutines_error(fresh_loop: None) -> None:
    from rocust._locust import User, constant, task
    from rocust._locust.env import Environment

    errors: List[str] = []

    class Failing(User):
        wait_time = constant(0)

        @task
        async def t(self) -> None:
            raise KeyError("boom")

    env = Environment(catch_exceptions=False)
    env.events.user_error.add_listener(lambda user_instance, exception, tb: errors.append(repr(exception)))
    greenlet = Failing(env).start(Group())
    greenlet.join(2)
    assert errors == ["KeyError('boom')"]
    assert isinstance(greenlet.exception, KeyError)


def test_a_killed_user_cancels_its_coroutine_then_runs_on_stop(fresh_loop: None) -> None:
    import asyncio

    from rocust._locust import User, constant, task
    from rocust._locust.env import Environment

    trace: List[str] = []

    class Sleeper(User):
        wait_time = constant(0)

        @task
        async def t(self) -> None:
            trace.append("start")
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                trace.append("cancelled")
                raise

        async def on_stop(self) -> None:
            await asyncio.sleep(0)
            trace.append("on_stop")

    user = Sleeper(Environment())
    greenlet = user.start(Group())
    gevent.sleep(0.05)
    assert trace == ["start"]
    assert user.stop(force=True)
    assert greenlet.dead and trace == ["start", "cancelled", "on_stop"]


def test_a_coroutine_cannot_wait_for_a_task_from_inside_the_loop(fresh_loop: None) -> None:
    from rocust._locust.user._coroutine import run_coroutine

    async def nothing() -> int:
        return 1

    async def nested() -> None:
        run_coroutine(nothing())

    assert run_coroutine(nothing()) == 1
    with pytest.raises(RuntimeError, match="from inside the asyncio event loop"):
        run_coroutine(nested())
