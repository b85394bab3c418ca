"""Locust 2.47.0's protocol users (``locust.contrib.*``) under rocust and under Locust, against real
servers on loopback (contrib/servers.py): mosquitto, PostgreSQL, dnsmasq, a python-socketio server,
an OpenAI-compatible test server, Qdrant's local mode and Milvus Lite. MongoDB has no server
packaged here: its user talks to pymongo's mock server (mockupdb, contrib/mongo_server.py).

Each locustfile (contrib/locustfiles/) runs one scripted pass with successes and failures and
ends the run, so both tools must report exactly the same rows: request counts, failure counts,
failure texts and exceptions, and what the script prints. The expected rows are also written
out here, so that two runs broken the same way cannot pass.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Tuple

import pytest

import testdeps
from conformance.harness import AGGREGATED, RowKey, RunCache, Tool, ToolRun, locust_tool, rocust_tool, run_in_parallel, run_tool
from contrib.servers import Dnsmasq, Mosquitto, Postgres, PythonServer

LOCUSTFILES = Path(__file__).resolve().parent / "contrib" / "locustfiles"
#: The protocol modules (fasthttp, the other module of locust.contrib, has tests of its own:
#: test_clients*.py).
MODULES = ("csv_request_logger", "dns", "milvus", "mongodb", "mqtt", "oai", "postgres", "qdrant", "socketio")

Rows = Dict[RowKey, Tuple[int, int]]
"""(type, name) -> (requests, failures)"""


@dataclass(frozen=True)
class Case:
    locustfile: str
    users: int
    rows: Rows
    prints: Tuple[str, ...] = ()
    failures: Tuple[Tuple[str, str, str], ...] = ()
    """(type, name, error text) that must be among the failures."""
    pass_host: bool = False
    env: Tuple[str, ...] = field(default_factory=tuple)
    """The servers (fixture names) whose settings the locustfile reads."""


CASES: Dict[str, Case] = {
    "mqtt": Case(
        "mqtt_user.py",
        users=1,
        rows={
            ("MQTT", "connect"): (2, 1),
            ("MQTT", "subscribe:0:topic/a"): (1, 0),
            ("MQTT", "subscribe:1:topic/b"): (1, 0),
            ("MQTT", "subscribe:2:topic/c"): (1, 0),
            ("MQTT", "subscribe:0:topic/d"): (1, 0),
            ("MQTT", "subscribe:0:t"): (1, 0),
            ("MQTT", "publish:0:topic/a"): (1, 0),
            ("MQTT", "publish:1:topic/a"): (2, 1),
            ("MQTT", "publish:1:topic/b"): (1, 0),
            ("MQTT", "publish:2:topic/b"): (1, 0),
            ("MQTT", "disconnect"): (2, 1),
        },
        failures=(("MQTT", "connect", "Exception('5')"),),
        env=("mosquitto",),
    ),
    "postgres": Case(
        "postgres_user.py",
        users=1,
        rows={("postgres_success", "execute_query"): (4, 0), ("postgres_failure", "execute_query"): (3, 3)},
        env=("postgres",),
    ),
    "mongodb": Case(
        "mongodb_user.py",
        users=1,
        rows={("MONGODB", "QUERY"): (3, 1)},
        env=("mongo_server",),
    ),
    "dns": Case(
        "dns_user.py",
        users=1,
        rows={("DNS", "udp"): (2, 1), ("DNS", "tcp"): (1, 0), ("DNS", "named"): (1, 0), ("DNS", "silent"): (1, 1)},
        failures=(("DNS", "udp", "LocustError('No answer in DNS response')"),),
        env=("dnsmasq", "silent_udp_port"),
    ),
    "socketio": Case(
        "socketio_user.py",
        users=1,
        rows={
            ("WS", "connect"): (2, 1),
            ("WSE", "echo"): (2, 0),
            ("WSS", "greeting"): (1, 0),
            ("WSE", "message"): (1, 0),
            ("WSR", "echoed"): (2, 0),
            ("WSR", "message"): (1, 0),
            ("WSC", "ask"): (1, 0),
            ("WSE", "ask"): (1, 0),
            ("WSC", "slow"): (1, 1),
            ("WSE", "slow"): (1, 0),
        },
        prints=("ANSWER {'answer': 'question'}",),
        env=("socketio_server",),
    ),
    "oai": Case(
        "oai_user.py",
        users=1,
        rows={("POST", "/v1/responses"): (2, 1), ("POST", "/v1/chat/completions"): (1, 0), ("POST", "greeting"): (1, 0)},
        prints=("REPLY Hello from the swarm", "NOT FOUND 404"),
        env=("openai_server",),
    ),
    "qdrant": Case(
        "qdrant_user.py",
        users=1,
        rows={
            ("qdrant", "upsert"): (2, 1),
            ("qdrant", "search"): (2, 0),
            ("qdrant", "scroll"): (1, 0),
            ("qdrant", "delete"): (1, 0),
        },
        prints=("UPSERT True", "FOUND 3", "EMPTY True", "SCROLL 2"),
    ),
    "milvus": Case(
        "milvus_user.py",
        users=1,
        rows={
            ("milvus", "insert"): (2, 1),
            ("milvus", "search"): (1, 0),
            ("milvus", "recall"): (1, 0),
            ("milvus", "query"): (2, 0),
            ("milvus", "upsert"): (1, 0),
            ("milvus", "delete"): (1, 0),
        },
        prints=("INSERT True", "RECALL 1.0", "QUERY 2", "EMPTY True"),
    ),
    "csv_request_logger": Case(
        "csv_logger_user.py",
        users=1,
        rows={("GET", "/ok"): (1, 0), ("GET", "/status/404"): (1, 1), ("GET", "/refused"): (1, 1), ("CUSTOM", "fired"): (1, 0)},
        pass_host=True,
    ),
}


# --- servers --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mosquitto() -> Iterator[Mapping[str, str]]:
    with Mosquitto() as broker:
        yield {"CONTRIB_MQTT_PORT": str(broker.port)}


@pytest.fixture(scope="module")
def postgres() -> Iterator[Mapping[str, str]]:
    with Postgres() as server:
        yield {"CONTRIB_PG": server.conninfo}


@pytest.fixture(scope="module")
def dnsmasq() -> Iterator[Mapping[str, str]]:
    with Dnsmasq() as server:
        yield {"CONTRIB_DNS_PORT": str(server.port)}


@pytest.fixture(scope="module")
def silent_udp_port() -> Iterator[Mapping[str, str]]:
    """A UDP port that is bound (so no ICMP refusal comes back) but never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield {"CONTRIB_SILENT_UDP_PORT": str(sock.getsockname()[1])}


@pytest.fixture(scope="module")
def mongo_server() -> Iterator[Mapping[str, str]]:
    with PythonServer("mongo_server.py") as server:
        yield {"CONTRIB_MONGO": f"mongodb://127.0.0.1:{server.port}/?serverSelectionTimeoutMS=5000"}


@pytest.fixture(scope="module")
def socketio_server() -> Iterator[Mapping[str, str]]:
    with PythonServer("socketio_server.py") as server:
        yield {"CONTRIB_SOCKETIO_URL": f"http://127.0.0.1:{server.port}"}


@pytest.fixture(scope="module")
def openai_server() -> Iterator[Mapping[str, str]]:
    with PythonServer("openai_server.py") as server:
        yield {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": f"http://127.0.0.1:{server.port}/v1"}


# --- runs -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> RunCache:
    return RunCache(tmp_path_factory.mktemp("contrib"))


def _tools() -> List[Tool]:
    tools = []
    for finder in (rocust_tool, locust_tool):
        tool, why = finder()
        if tool is None:
            testdeps.missing(why)
        tools.append(tool)
    return tools


def _runs(cache: RunCache, name: str, request: pytest.FixtureRequest) -> Dict[str, ToolRun]:
    case = CASES[name]
    env: Dict[str, str] = {}
    for fixture in case.env:
        env.update(request.getfixturevalue(fixture))
    args = ("-u", str(case.users), "-r", str(case.users), "-t", "60s")

    def make() -> Dict[str, ToolRun]:
        def job(tool: Tool) -> Callable[[], ToolRun]:
            folder = cache.folder(name, tool.name)
            return lambda: run_tool(
                tool, LOCUSTFILES / case.locustfile, args, folder, pass_host=case.pass_host, env=env, timeout=90
            )

        return {run.tool: run for run in run_in_parallel(job(tool) for tool in _tools())}

    runs: Dict[str, ToolRun] = cache.get(name, make)
    return runs


def _printed(run: ToolRun, what: str) -> Any:
    """What scripted.finish printed: failures ([type, name, error text, occurrences]) or exceptions."""
    marker = f"SCRIPT {what} "
    for line in run.stdout.splitlines():
        if line.startswith(marker):
            return json.loads(run.normalise(line[len(marker) :]))
    raise AssertionError(f"no {marker!r} line\n{run.context()}")


def _rows(run: ToolRun) -> Rows:
    counts, failures = run.counts(), run.failure_counts()
    return {key: (counts[key], failures[key]) for key in counts if key != AGGREGATED}


@pytest.mark.parametrize("name", sorted(CASES))
def test_protocol_user_reports_what_locust_reports(cache: RunCache, name: str, request: pytest.FixtureRequest) -> None:
    case = CASES[name]
    runs = _runs(cache, name, request)
    rocust, locust = runs["rocust"], runs["locust"]
    for run in (locust, rocust):
        assert "SCRIPT DONE" in run.stdout and "SCRIPT TIMEOUT" not in run.stdout, run.context(4000) + run.stdout
        assert run.exit_code == 1 if any(f for _, f in case.rows.values()) else 0, run.context()
    assert _rows(locust) == case.rows, f"Locust itself: {_rows(locust)}\n{locust.context()}"
    assert _rows(rocust) == _rows(locust), rocust.context(4000)
    failures = _printed(rocust, "FAILURES")
    assert failures == _printed(locust, "FAILURES")
    assert _printed(rocust, "EXCEPTIONS") == _printed(locust, "EXCEPTIONS") == []
    for failure in case.failures:
        assert list(failure) in [f[:3] for f in failures], failures
    for text in case.prints:
        assert text in rocust.stdout and text in locust.stdout, (text, rocust.stdout, locust.stdout)


def test_csv_request_logger_writes_what_locust_writes(cache: RunCache, request: pytest.FixtureRequest) -> None:
    runs = _runs(cache, "csv_request_logger", request)

    def table(run: ToolRun) -> List[List[str]]:
        lines = (cache.folder("csv_request_logger", run.tool) / "requests.csv").read_text(encoding="utf-8").splitlines()
        rows = [line.split(",") for line in lines]
        # Drop the timestamp and response time; keep the columns that must match.
        return [[run.normalise(c) for i, c in enumerate(row) if i not in (0, 3)] for row in rows]

    rocust, locust = table(runs["rocust"]), table(runs["locust"])
    assert rocust == locust
    assert rocust[0] == ["timestamp", "request_type", "name", "response_time_ms", "response_length", "status_code", "exception"][1:3] + [
        "response_length",
        "status_code",
        "exception",
    ]
    assert len(rocust) == 5


# --- imports --------------------------------------------------------------------------------------

SURFACE = r"""
import importlib, inspect, json, os, sys
os.environ.setdefault("OPENAI_API_KEY", "x")
if sys.argv[1] == "rocust":
    from rocust import _import_hook
    _import_hook.install()
def sig(v):
    params = []
    for p in inspect.signature(v).parameters.values():
        default = "" if p.default is inspect.Parameter.empty else "=" + repr(p.default)
        params.append(f"{p.kind.name} {p.name}{default}")
    return params
out = {}
for name in sys.argv[2:]:
    module = importlib.import_module("locust.contrib." + name)
    found = {}
    for attr, value in sorted(vars(module).items()):
        if attr.startswith("__") or attr == "TYPE_CHECKING" or inspect.ismodule(value) or getattr(value, "__module__", module.__name__) != module.__name__:
            continue
        if inspect.isclass(value):
            members = {}
            # Inherited members count too, but not those of User (tested elsewhere) or of the
            # client library's base class.
            own = [k for k in value.__mro__ if ".contrib." in k.__module__]
            for m, v in sorted({m: v for k in reversed(own) for m, v in vars(k).items()}.items()):
                if m.startswith("__") and m != "__init__":
                    continue
                try:
                    members[m] = sig(v) if callable(v) else type(v).__name__
                except (TypeError, ValueError):
                    members[m] = type(v).__name__
            library = [(b.__module__ + "." + b.__name__).replace("rocust._locust", "locust") for b in value.__mro__ if b not in own]
            found[attr] = ["class", library, members]
        elif callable(value):
            found[attr] = ["function", sig(value)]
        else:
            found[attr] = ["value", repr(value)]
    out[name] = found
print(json.dumps(out))
"""


def _surface(python: str, which: str) -> Dict[str, object]:
    proc = subprocess.run([python, "-c", SURFACE, which, *MODULES], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    import json

    return json.loads(proc.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_every_contrib_module_has_locusts_names_and_signatures() -> None:
    """The same public classes, functions, constants, methods and argument lists, module by module."""
    locust_python = testdeps.locust_python()
    why = testdeps.why_no_locust(locust_python)
    if why is not None:
        testdeps.missing(why)
    rocust, locust = _surface(sys.executable, "rocust"), _surface(locust_python, "locust")
    for module in MODULES:
        assert _public(rocust[module]) == _public(locust[module]), module
        # Private names a subclass may override are kept too; rocust may have more helpers.
        for name, theirs in locust[module].items():
            assert name in rocust[module], f"{module}.{name}"
            ours = rocust[module][name]
            if theirs[0] == "class":
                for member, value in theirs[2].items():
                    assert ours[2].get(member) == value, f"{module}.{name}.{member}"


def _public(names: Any) -> Any:
    """Public names, and the public members (and __init__) of classes."""
    shown = {}
    for name, value in names.items():
        if name.startswith("_"):
            continue
        if value[0] == "class":
            members = {m: v for m, v in value[2].items() if not m.startswith("_") or m == "__init__"}
            value = [value[0], value[1], members]
        shown[name] = value
    return shown


BLOCKER = r"""
import importlib.abc, os, sys
os.environ.setdefault("OPENAI_API_KEY", "x")
hidden = sys.argv[2]
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == hidden or name.startswith(hidden + "."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Hide())
if sys.argv[1] == "rocust":
    from rocust import _import_hook
    _import_hook.install()
try:
    __import__("locust.contrib." + sys.argv[3])
except ImportError as e:
    print(type(e).__name__, e)
"""

LIBRARIES = {
    "dns": "dns",
    "milvus": "pymilvus",
    "mongodb": "pymongo",
    "mqtt": "paho",
    "oai": "openai",
    "postgres": "psycopg",
    "qdrant": "qdrant_client",
    "socketio": "socketio",
}


@pytest.mark.parametrize("module", sorted(LIBRARIES))
def test_a_missing_client_library_fails_the_import_as_in_locust(module: str) -> None:
    locust_python = testdeps.locust_python()
    outputs = []
    for python, which in ((sys.executable, "rocust"), (locust_python, "locust")):
        proc = subprocess.run(
            [python, "-c", BLOCKER, which, LIBRARIES[module], module], capture_output=True, text=True, timeout=60
        )
        outputs.append(proc.stdout.strip())
    assert outputs[0] == outputs[1] and outputs[0].startswith("ModuleNotFoundError"), outputs


def test_oai_needs_an_api_key_as_in_locust() -> None:
    locust_python = testdeps.locust_python()
    code = "import sys\nif sys.argv[1] == 'rocust':\n    from rocust import _import_hook; _import_hook.install()\n"
    code += "try:\n    import locust.contrib.oai\nexcept Exception as e:\n    print(type(e).__name__, e)\n"
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    outputs = [
        subprocess.run([python, "-c", code, which], capture_output=True, text=True, env=env, timeout=60).stdout.strip()
        for python, which in ((sys.executable, "rocust"), (locust_python, "locust"))
    ]
    assert outputs == ["Exception You need to set OPENAI_API_KEY env var to use OpenAIUser"] * 2
