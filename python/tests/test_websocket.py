"""WebSocketUser (``locust.contrib.websocket``, rocust's own) against rocust-demo-target's /ws echo
server: what it records, with the engine recording successes itself (no request listener) and with
Python reporting everything (a listener), which must give the same rows and failures."""

from __future__ import annotations

from typing import Dict, Iterator, List

import pytest

import testdeps
from conformance.harness import RunCache, ToolRun, rocust_tool, run_tool
from contrib.servers import DemoTarget

from test_contrib import _printed, _rows

LOCUSTFILE = testdeps.REPO_ROOT / "python" / "tests" / "contrib" / "locustfiles" / "websocket_user.py"

ROWS = {
    ("WS", "/ws"): (2, 0),
    ("WS", "send"): (2, 0),
    ("WS", "recv"): (3, 1),
    ("WS", "bytes"): (1, 0),
    ("WS", "bytes back"): (1, 0),
    ("WS", "ping"): (1, 0),
    ("WS", "strict"): (1, 1),
    ("WS", "closing"): (1, 0),
    ("WS", "after close"): (1, 1),
    ("WS", "send closed"): (1, 1),
    ("WS", "/nowhere"): (1, 1),
}

FAILURES = [
    ["WS", "/nowhere", "ConnectionRefusedError(111, 'Connection refused')", 1],
    ["WS", "after close", "WebSocketConnectionClosedException('Connection closed by the server (code 1000: close_after)')", 1],
    ["WS", "recv", "WebSocketTimeoutException('recv timed out (timeout=0.2)')", 1],
    ["WS", "send closed", "WebSocketConnectionClosedException('Connection is already closed.')", 1],
    ["WS", "strict", "WebSocketBadStatusException('Handshake status 400 Bad Request')", 1],
]

PRINTS = [
    "CONNECT True echo",
    "TEXT 'hello'",
    "BINARY b'\\x00\\x01\\x02'",
    "PING True",
    "TIMEOUT None True",
    "STRICT False False",
    "CLOSED BY SERVER None False",
    "SEND CLOSED False",
    "REFUSED False",
    "AFTER CLOSE False",
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, ToolRun]]:
    tool, why = rocust_tool()
    if tool is None:
        testdeps.missing(why)
    cache = RunCache(tmp_path_factory.mktemp("websocket"))
    with DemoTarget() as target:
        args = ["-H", target.url, "-u", "1", "-r", "1", "-t", "30s"]
        yield {
            mode: run_tool(
                tool,
                LOCUSTFILE,
                args,
                cache.folder(mode),
                pass_host=False,
                env={"CONTRIB_WS_LISTENER": "1" if mode == "listener" else "0"},
            )
            for mode in ("engine", "listener")
        }


@pytest.mark.parametrize("mode", ["engine", "listener"])
def test_websocket_user_records_every_connect_message_and_failure(runs: Dict[str, ToolRun], mode: str) -> None:
    run = runs[mode]
    assert "SCRIPT DONE" in run.stdout, run.context(3000) + run.stdout
    assert run.exit_code == 1, run.context()
    assert _rows(run) == ROWS, run.context()
    assert _printed(run, "FAILURES") == FAILURES
    assert _printed(run, "EXCEPTIONS") == []
    lines: List[str] = run.stdout.splitlines()
    for text in PRINTS:
        assert any(line.startswith(text) for line in lines), (text, run.stdout)


def test_listeners_get_websocket_client_exception_classes(runs: Dict[str, ToolRun]) -> None:
    seen = sorted({line for line in runs["listener"].stdout.splitlines() if line.startswith("EXCEPTION ")})
    assert seen == [
        "EXCEPTION ConnectionRefusedError True",
        "EXCEPTION WebSocketBadStatusException True",
        "EXCEPTION WebSocketConnectionClosedException True",
        "EXCEPTION WebSocketTimeoutException True",
    ]
