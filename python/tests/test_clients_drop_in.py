"""Locust's client surface as real locustfiles use it, under `rocust -f` and real Locust 2.47.0
(issue 7, items 5, 8 and 10): sessions built by user code with Locust's constructors,
requests' exception classes, and how many requests of one user overlap.

Each test runs the same locustfile (python/tests/clients/lf_*.py) with both tools against
loopback servers and compares what the locustfile observed ("@@" lines) and what the stats
recorded. Tools as in test_rocust_cli.py ($ROCUST_CMD, $LOCUST_PYTHON).
"""

from __future__ import annotations

import csv
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import testdeps
from clients.server import LocalServer, closed_port
from rocust_cli.harness import RunResult, RunSpec, execute

CLIENTS = Path(__file__).resolve().parent / "clients"
TOOLS = ("rocust", "locust")


@pytest.fixture(scope="module")
def servers() -> Iterator[Tuple[LocalServer, LocalServer]]:
    with LocalServer() as main, LocalServer() as other:
        yield main, other


def run_both(
    tmp: Path, host: str, args: Tuple[str, ...], env: Dict[str, str], timeout: float = 60.0
) -> Dict[str, RunResult]:
    """The same command line under rocust and Locust, at the same time."""
    specs = {tool: RunSpec(tool, args, env=tuple(env.items()), timeout=timeout) for tool in TOOLS}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {tool: pool.submit(execute, spec, tmp / tool, host) for tool, spec in specs.items()}
        results = {tool: f.result() for tool, f in futures.items()}
    for result in results.values():
        if result.skipped:
            testdeps.missing(result.skipped)
        assert not result.timed_out, result.context()
    return results


def observations(result: RunResult) -> Dict[str, List[Any]]:
    """The locustfile's "@@" lines, grouped by their first element (users interleave)."""
    grouped: Dict[str, List[Any]] = {}
    for mark in result.marks:
        grouped.setdefault(str(mark[0]), []).append(mark[1:])
    return grouped


def stats_rows(result: RunResult) -> Dict[Tuple[str, str], Tuple[str, str]]:
    """(Type, Name) -> (Request Count, Failure Count) of the stats CSV."""
    with open(result.file("out_stats.csv"), newline="") as f:
        return {(r["Type"], r["Name"]): (r["Request Count"], r["Failure Count"]) for r in csv.DictReader(f)}


def test_user_built_sessions_errors_and_bodies_same_as_locust(
    servers: Tuple[LocalServer, LocalServer], tmp_path: Path
) -> None:
    main, other = servers
    refused = f"http://127.0.0.1:{closed_port()}"
    args = ("-f", str(CLIENTS / "lf_drop_in.py"), "--headless", "-u", "2", "-r", "10", "-t", "4")
    args += ("-H", "{host}", "--csv", "out")
    results = run_both(tmp_path, main.url, args, {"DROPIN_OTHER": other.url, "DROPIN_REFUSED": refused})
    rocust, locust = (observations(results[t]) for t in TOOLS)
    context = "\n".join(results[t].context() for t in TOOLS)
    assert len(locust) > 20, context
    differences = [
        f"{key}:\n  locust: {locust.get(key)}\n  rocust: {rocust.get(key)}"
        for key in sorted(set(locust) | set(rocust))
        if locust.get(key) != rocust.get(key)
    ]
    assert not differences, "\n".join(differences) + "\n" + context
    # Requests of sessions built in the task are recorded under their own names, as in Locust.
    rows = {tool: stats_rows(results[tool]) for tool in TOOLS}
    assert rows["rocust"] == rows["locust"]
    assert rows["locust"][("GET", "other-404")] == ("1", "1") and ("GET", "/api/status/201") in rows["locust"]
    assert results["rocust"].exit_code == results["locust"].exit_code == 1


def burst(
    servers: Tuple[LocalServer, LocalServer], tmp: Path, client: str, slow: float, n: int = 20, concurrency: str = ""
) -> Dict[str, Tuple[float, List[List[Any]]]]:
    """Per tool: (wall seconds of N parallel requests of one user, [response time s, ok])."""
    env = {"DROPIN_CLIENT": client, "DROPIN_SLOW": str(slow), "DROPIN_N": str(n)}
    if concurrency:
        env["DROPIN_CONCURRENCY"] = concurrency
    args = ("-f", str(CLIENTS / "lf_concurrency.py"), "--headless", "-u", "1", "-r", "1", "-t", "1")
    args += ("-H", "{host}", "--stop-timeout", "60")
    results = run_both(tmp, servers[0].url, args, env, timeout=90.0)
    out = {}
    for tool, result in results.items():
        marks = result.marked("burst")
        assert len(marks) == 1, result.context()
        out[tool] = (float(marks[0][1]), marks[0][2])
    print({tool: round(wall, 2) for tool, (wall, _) in out.items()}, file=sys.stderr)
    return out


def waves(times: List[List[Any]], slow: float) -> List[int]:
    """Which wave each request went in, from its recorded time: a request of wave k waited
    for k - 1 slow requests before its own, so its time is about k * slow or more (a few ms
    less when clocks differ), and less than (k + 0.9) * slow unless the machine delays it by
    almost a whole slow request."""
    return sorted(int(t / slow + 0.1) for t, _ok in times)


# Long enough for the noise of a loaded 2-core machine (measured up to half of it).
SLOW = 0.8


@pytest.mark.parametrize(
    "client, concurrency, expected",
    [
        # FastHttpUser with concurrency = 20: all 20 at once.
        ("fast", "20", [1] * 20),
        # The default concurrency of 10: two waves of 10.
        ("fast", "", [1] * 10 + [2] * 10),
        # HttpUser: requests' pool opens more connections instead of blocking.
        ("http", "", [1] * 20),
        # A shared urllib3 PoolManager(maxsize=5, block=True): four waves of 5.
        ("http_pool", "5", [1] * 5 + [2] * 5 + [3] * 5 + [4] * 5),
    ],
)
def test_requests_of_one_user_overlap_as_in_locust(
    servers: Tuple[LocalServer, LocalServer], tmp_path: Path, client: str, concurrency: str, expected: List[int]
) -> None:
    runs = burst(servers, tmp_path, client, SLOW, concurrency=concurrency)
    for tool, (wall, times) in runs.items():
        assert all(ok for _t, ok in times), (tool, times)
        assert waves(times, SLOW) == expected, (tool, wall, times)
        rounds = max(expected)
        assert rounds * SLOW <= wall < (rounds + 1) * SLOW, (tool, wall)


def test_a_fast_session_built_by_user_code_has_one_connection_per_host(
    servers: Tuple[LocalServer, LocalServer], tmp_path: Path
) -> None:
    # geventhttpclient's default concurrency is 1: requests of one session go one at a time.
    runs = burst(servers, tmp_path, "fast_session", 0.5, n=4)
    for tool, (_wall, times) in runs.items():
        assert waves(times, 0.5) == [1, 2, 3, 4], (tool, times)



# --- the same pieces in-process (reference transport, no engine) ------------------------------


@pytest.fixture
def ref_transports() -> Iterator[List[Any]]:
    from rocust._locust._http.transport import set_transport_factory
    from transport_ref import install_factories

    made = install_factories()
    try:
        yield made
    finally:
        set_transport_factory(None)


def test_without_a_registered_factory_sessions_need_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from rocust._locust.clients import HttpSession
    from rocust._locust.event import EventHook

    # As long as there is no standalone engine module (or when it cannot be imported).
    monkeypatch.setitem(sys.modules, "rocust._standalone", None)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="need the rocust engine"):
        HttpSession("http://127.0.0.1:1", EventHook(), None)


def test_the_factory_gets_the_user_class_base_url_and_tls_default(ref_transports: List[Any]) -> None:
    from rocust._locust._http import transport as T
    from rocust._locust.clients import HttpSession
    from rocust._locust.contrib.fasthttp import FastHttpSession
    from rocust._locust.event import EventHook

    seen: List[Tuple[str, Any, bool]] = []
    factory = T._factory
    assert factory is not None
    T.set_transport_factory(lambda *args: seen.append(args) or factory(*args))  # type: ignore[func-returns-value]

    class Owner:
        def context(self) -> Dict[str, Any]:
            return {}

    HttpSession("http://h:1/base", EventHook(), Owner())
    FastHttpSession("http://h:2", EventHook(), None)
    FastHttpSession("https://h:3", EventHook(), None, insecure=False)
    assert seen == [("Owner", "http://h:1/base", True), ("", "http://h:2", False), ("", "https://h:3", True)]


def test_a_session_has_all_its_attributes_from_the_start(
    ref_transports: List[Any], servers: Tuple[LocalServer, LocalServer]
) -> None:
    """No attribute is added at the first request: every session's dict then shares its
    keys (an attribute added later costs about 1.5 KB per user, see bench/python.sh)."""
    from rocust._locust.clients import HttpSession
    from rocust._locust.event import EventHook

    session = HttpSession(servers[0].url, EventHook(), None)
    session.trust_env = False  # as HttpUser does
    before = list(vars(session))
    session.get("/")
    session.get("/", verify=False)
    assert list(vars(session)) == before


def test_requests_own_exception_classes() -> None:
    import requests

    from rocust._locust import clients as C
    from rocust._locust._http import exceptions as X

    for name in ("RequestException", "ConnectionError", "Timeout", "ReadTimeout", "ConnectTimeout", "HTTPError",
                 "TooManyRedirects", "InvalidURL", "MissingSchema", "InvalidSchema", "InvalidHeader",
                 "JSONDecodeError", "InvalidJSONError"):  # fmt: skip
        assert getattr(C, name) is getattr(requests.exceptions, name), name
    assert X.SSLError is requests.exceptions.SSLError and X.CookieConflictError is requests.cookies.CookieConflictError
    assert requests.exceptions.RequestException.__module__ == "requests.exceptions"  # not renamed by rocust


@pytest.mark.parametrize(
    "text, outer, outer_repr",
    [
        ("gaierror(-2, 'Name or service not known')", "ConnectionError", "ConnectionError(gaierror(-2, 'Name or"),
        ("ConnectTimeoutError('Connection to h timed out. (connect timeout=1)')", "ConnectTimeout", "ConnectTimeout("),
        ("ConnectionRefusedError(111, 'Connection refused')", "ConnectionError", "ConnectionError(MaxRetryError("),
        ("RemoteDisconnected('Remote end closed')", "ConnectionError", "ConnectionError(ProtocolError("),
        ("ReadTimeout(ReadTimeoutError(\"h: Read timed out. (read timeout=1)\"))", "ReadTimeout", "ReadTimeout("),
        ("TooManyRedirects('Exceeded 30 redirects.')", "TooManyRedirects", "TooManyRedirects("),
        ("ContentDecodingError(\"('Received response with content-encoding: gzip', ...)\")", "ContentDecodingError",
         "ContentDecodingError("),
        ("OSError('broken')", "ConnectionError", "ConnectionError(OSError('broken'))"),
    ],
)
def test_http_user_errors_are_requests_exceptions(text: str, outer: str, outer_repr: str) -> None:
    import requests

    from rocust._locust._http.exceptions import engine_error, requests_connection_error

    inner = engine_error(text)
    error = requests_connection_error(inner, "http://h:1/x", None)
    assert isinstance(error, requests.exceptions.RequestException) and type(error).__name__ == outer
    assert isinstance(error, getattr(requests.exceptions, outer)) and repr(error).startswith(outer_repr)
    assert repr(inner) == text, "the request event reports the engine's text"


def test_fast_http_errors_are_geventhttpclients_with_original() -> None:
    import requests

    from rocust._locust.contrib.fasthttp import FAST_ERRORS, ConnectionError as FastConnectionError
    from rocust._locust._http.exceptions import engine_error

    error = engine_error("RetriesExceeded('http://h/slow', 0, original=timed out)", None, FAST_ERRORS)
    assert isinstance(error, FastConnectionError) and not isinstance(error, requests.exceptions.RequestException)
    # The socket's timeout error (TimeoutError from Python 3.10 on), as gevent raises it.
    original, url = getattr(error, "original", None), getattr(error, "url", None)
    assert isinstance(original, socket.timeout) and str(original) == "timed out"
    assert url == "http://h/slow" and str(error) == "URL http://h/slow: 0, original=timed out"
    closed = engine_error("HTTPConnectionClosed('connection closed.')", None, FAST_ERRORS)
    assert not isinstance(closed, requests.exceptions.RequestException) and not hasattr(closed, "original")


class _SleepyRaw:
    def __init__(self, url: str, record_name: Any) -> None:
        self.status, self.reason, self.headers, self.body, self.url, self.history = 200, "OK", [], b"ok", url, []
        self.elapsed, self.error, self.request_headers, self.start_time = 0.2, None, [], 0.0
        self.recorded = record_name is not None


class _SleepyTransport:
    """Answers after 0.2 s, yielding to other greenlets meanwhile (as the engine's does)."""

    def send(self, method: str, url: str, *args: Any) -> _SleepyRaw:
        import gevent

        gevent.sleep(0.2)
        return _SleepyRaw(url, args[5])

    def cookies(self) -> List[Any]:
        return []


def test_a_limited_session_waits_for_a_slot_and_counts_the_wait() -> None:
    import gevent

    from rocust._locust._http.transport import set_transport_factory
    from rocust._locust.contrib.fasthttp import FastHttpSession
    from rocust._locust.event import EventHook

    hook = EventHook()
    events: List[Dict[str, Any]] = []
    hook.add_listener(lambda **kw: events.append(kw))
    hook.rocust_engine_recorder = True  # type: ignore[attr-defined]  (unused: a plain listener is there)
    set_transport_factory(lambda *_: _SleepyTransport())  # type: ignore[arg-type, return-value]
    try:
        session = FastHttpSession("http://127.0.0.1:1", hook, None, concurrency=2, max_retries=0, max_redirects=30)
    finally:
        set_transport_factory(None)
    started = time.perf_counter()
    gevent.joinall([gevent.spawn(session.get, "/x") for _ in range(5)], timeout=10)
    wall = time.perf_counter() - started
    times = sorted(e["response_time"] / 1000 for e in events)
    # Waves of 2, 2 and 1; each waiting request's time includes its wait (the transport says 0.2 s).
    assert [round(t, 1) for t in times] == [0.2, 0.2, 0.4, 0.4, 0.6] and 0.6 <= wall < 1.2
    starts = sorted(e["start_time"] for e in events)
    assert starts[:2] == [0.0, 0.0] and all(s > 0 for s in starts[2:]), "waiting requests start at their wait"


def test_slots_are_shared_per_host_and_pass_on_when_a_waiter_is_killed() -> None:
    import gevent

    from rocust._locust._http.limits import OriginLimits, shared_limits

    limits = OriginLimits(1)
    a, b = limits.slots("http://H:80/x"), limits.slots("http://h/y?z")
    assert a is b and limits.slots("http://h:81/") is not a and limits.slots("https://h") is not a
    a.free = 0  # taken
    order: List[str] = []

    def waiter(name: str) -> None:
        a.wait()
        order.append(name)

    first, second, third = (gevent.spawn(waiter, name) for name in ("first", "second", "third"))
    gevent.sleep(0)
    second.kill()  # while waiting: it leaves the queue
    first.kill(block=False)  # killed once the hub runs, after the slot is handed to it:
    a.release()  # the slot goes on to "third"
    gevent.joinall([first, second, third], timeout=2)
    assert order == ["third"] and a.free == 0 and not a.waiters
    pool = object()
    assert shared_limits(pool, 5) is shared_limits(pool, 5) and shared_limits(pool, 5).size == 5


def test_a_shared_client_pool_gives_its_limit_and_settings(ref_transports: List[Any]) -> None:
    from rocust._locust.contrib.fasthttp import FastHttpSession
    from rocust._locust.event import EventHook

    class HTTPClientPool:  # geventhttpclient's, as far as FastHttpSession reads it
        def __init__(self, **kw: Any) -> None:
            self.client_args = kw

    pool = HTTPClientPool(concurrency=3, network_timeout=2.0)
    a = FastHttpSession("http://h:1", EventHook(), None, network_timeout=60.0, client_pool=pool)
    b = FastHttpSession("http://h:1/other", EventHook(), None, insecure=True, client_pool=pool)
    # One limit for both users, per host; the pool's timeouts and TLS default (verify), as in Locust.
    assert a._base_slots is b._base_slots and a._limits.size == 3
    assert a.network_timeout == 2.0 and a.insecure is False and b.insecure is False
    assert len(ref_transports) == 2, "connections are still each session's own"


def test_settings_the_engine_cannot_honour_are_logged(
    ref_transports: List[Any], caplog: pytest.LogCaptureFixture
) -> None:
    from rocust._locust.contrib.fasthttp import FastHttpSession
    from rocust._locust.event import EventHook

    FastHttpSession("http://h:1", EventHook(), None, max_retries=2, max_redirects=5, connection_timeout=1.0)
    messages = "\n".join(r.getMessage() for r in caplog.records)
    assert "max_retries=2 (requests are not retried)" in messages
    assert "max_redirects=5 (up to 30 are followed)" in messages
    assert "connection_timeout=1.0 (network_timeout=5.0 applies to connecting too)" in messages
    caplog.clear()
    # FastHttpUser's own defaults need no warning.
    FastHttpSession("http://h:1", EventHook(), None, max_retries=0, max_redirects=30, network_timeout=60.0,
                    connection_timeout=60.0, concurrency=10)  # fmt: skip
    assert not caplog.records
