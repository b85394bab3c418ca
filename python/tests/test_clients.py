"""HttpSession / FastHttpSession (``locust.clients``, ``locust.contrib.fasthttp``) on the
reference transport against a real HTTP server on 127.0.0.1, plus the same calls under
real Locust 2.47.0 compared observation by observation (test_same_as_locust)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from clients.server import LocalServer, closed_port
from conftest import LOCUST_PYTHON, TESTS, needs_locust
from rocust._locust import clients as C
from rocust._locust.clients import HttpSession, engine_error
from rocust._locust.contrib.fasthttp import FastHttpSession, LocustBadStatusCode
from rocust._locust.env import Environment
from rocust._locust.event import EventHook, Events
from rocust._locust.exception import LocustError
from rocust._locust._http.transport import set_transport_factory
from transport_ref import RefRawResponse, RefTransport, install_factories


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


class Recorder:
    """A request listener; ``engine`` marks it as the engine's own, which keeps the
    delegation of successes to the transport on."""

    def __init__(self, hook: EventHook, engine: bool = False) -> None:
        self.events: List[Dict[str, Any]] = []
        if engine:
            self.rocust_engine_recorder = True
        hook.add_listener(self)

    def __call__(self, **kw: Any) -> None:
        self.events.append(kw)


@pytest.fixture(autouse=True)
def ref_transports() -> Iterator[List[RefTransport]]:
    """Every session built in a test gets a RefTransport (as under the engine)."""
    made = install_factories()
    try:
        yield made
    finally:
        set_transport_factory(None)


def http(server: LocalServer, user: Any = None) -> Tuple[HttpSession, RefTransport]:
    session = HttpSession(server.url, EventHook(), user)
    assert isinstance(session.transport, RefTransport)
    return session, session.transport


def fast(server: LocalServer, **kw: Any) -> Tuple[FastHttpSession, RefTransport]:
    session = FastHttpSession(server.url, EventHook(), None, **kw)
    assert isinstance(session.transport, RefTransport)
    return session, session.transport


def echo(resp: Any) -> Dict[str, Any]:
    doc: Dict[str, Any] = json.loads(resp.text)
    doc["headers"] = {k.lower(): v for k, v in doc["headers"]}
    return doc


# --- delegation of successes to the engine --------------------------------------


def test_successes_are_recorded_by_the_engine_when_nobody_listens(server: LocalServer) -> None:
    session, transport = http(server)
    engine = Recorder(session.request_event, engine=True)
    resp = session.get("/status/200")
    assert resp.status_code == 200 and resp.text == "status 200"
    assert [r[:2] + r[3:] for r in transport.recorded] == [("GET", "/status/200", 10)]
    assert engine.events == []
    assert resp.request_meta["name"] == "/status/200" and resp.request_meta["response_length"] == 10

    resp = session.get("/status/404")
    assert len(transport.recorded) == 1, "a failure is reported from Python"
    (event,) = engine.events
    assert repr(event["exception"]) == "HTTPError('404 Client Error: Not Found for url: /status/404')"
    assert event["name"] == "/status/404" and event["response"] is resp and event["url"] == server.url + "/status/404"

    fsession, ftransport = fast(server)
    fsession.get("/status/200")
    fsession.get("/status/302")
    assert [r[1] for r in ftransport.recorded] == ["/status/200", "/status/302"]


def test_listeners_catch_response_stream_and_odd_methods_are_not_delegated(server: LocalServer) -> None:
    session, transport = http(server)
    with session.get("/status/200", catch_response=True):
        pass
    session.get("/bigbody?n=10", stream=True)
    session.request("get", "/status/200")
    assert transport.recorded == []
    listener = Recorder(session.request_event)
    session.get("/status/200")
    assert transport.recorded == [] and len(listener.events) == 1
    assert [e["request_type"] for e in listener.events] == ["GET"]


def test_user_context_is_merged_into_event_context(server: LocalServer) -> None:
    class U:
        def context(self) -> Dict[str, Any]:
            return {"uid": 1, "k": "user"}

    session, _ = http(server, U())
    listener = Recorder(session.request_event)
    session.get("/status/200", context={"k": "call"})
    assert listener.events[0]["context"] == {"uid": 1, "k": "call"}


# --- HttpSession requests -------------------------------------------------------------


def test_session_headers_are_merged_and_changes_apply(server: LocalServer) -> None:
    session, _ = http(server)
    first = echo(session.get("/echo"))["headers"]
    assert first["user-agent"].startswith("python-requests/") and first["accept"] == "*/*"
    session.headers["X-A"] = "1"
    assert echo(session.get("/echo"))["headers"]["x-a"] == "1"
    del session.headers["x-a"]
    sent = echo(session.get("/echo", headers={"Accept": None, "X-B": b"bytes"}))["headers"]
    assert "x-a" not in sent and "accept" not in sent and sent["x-b"] == "bytes"
    session.headers = {"User-Agent": "mine"}
    assert echo(session.get("/echo"))["headers"]["user-agent"] == "mine"
    with pytest.raises(C.InvalidHeader, match="must be of type str or bytes"):
        session.get("/echo", headers={"X-N": 1})


def test_base_url_path_credentials_and_changes(server: LocalServer) -> None:
    session = HttpSession(server.url.replace("://", "://u:p%40ss@") + "/api", EventHook(), None)
    listener = Recorder(session.request_event)
    doc = echo(session.get("/echo"))
    assert doc["path"] == "/api/echo" and doc["headers"]["authorization"] == C.basic_auth("u", "p@ss")
    assert listener.events[0]["name"] == "/api/echo" and session.base_url == server.url + "/api"
    session.base_url = server.url
    assert echo(session.get("/echo"))["path"] == "/echo"


def test_invalid_urls_raise_requests_errors() -> None:
    session = HttpSession("127.0.0.1:1", EventHook(), None)
    with pytest.raises(C.InvalidSchema, match="No connection adapters were found for '127.0.0.1:1/x'"):
        session.get("/x")
    session = HttpSession("", EventHook(), None)
    with pytest.raises(C.MissingSchema, match=r"Invalid URL '/x': No scheme supplied"):
        session.get("/x")
    with pytest.raises(C.InvalidURL, match="No host supplied"):
        session.get("http:///x")
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        session.get("http://h/x", nope=1)


def test_request_preparation_matches_requests() -> None:
    assert C.requote_uri("http://h/a b?x=\u00e9") == "http://h/a%20b?x=%C3%A9"
    assert C.requote_uri("http://h/%41%2F?q=%7e") == "http://h/A%2F?q=~"
    assert C.requote_uri("http://h/%41%2F%zz?q=%7e") == "http://h/%2541%252F%25zz?q=%257e"
    assert C.encode_params({"a": [1, 2], "b": None, "c": "x y", "\u00e9": b"\xff"}) == "a=1&a=2&c=x+y&%C3%A9=%FF"
    body, ctype = C.encode_multipart(
        {"f": ("a.txt", b"hello", "text/plain"), "g": ('n"q', "str")}, {"k": ["v1", "v2"], "n": 3}, boundary="B"
    )
    assert ctype == "multipart/form-data; boundary=B"
    assert body == (
        b'--B\r\nContent-Disposition: form-data; name="k"\r\n\r\nv1\r\n'
        b'--B\r\nContent-Disposition: form-data; name="k"\r\n\r\nv2\r\n'
        b'--B\r\nContent-Disposition: form-data; name="n"\r\n\r\n3\r\n'
        b'--B\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n'
        b'--B\r\nContent-Disposition: form-data; name="g"; filename="n%22q"\r\n\r\nstr\r\n--B--\r\n'
    )
    assert C.prepare_url("http://H:80/p?a=1#frag", {"b": 2}) == "http://h:80/p?a=1&b=2#frag"
    assert C.prepare_body(None, {"x": float("1")}, None) == (b'{"x": 1.0}', "application/json")
    with pytest.raises(C.InvalidJSONError):
        C.prepare_body(None, {"x": float("nan")}, None)


def test_auth_timeout_redirects_and_cookies(server: LocalServer) -> None:
    session, transport = http(server)
    assert echo(session.get("/echo", auth=("a", "b")))["headers"]["authorization"] == "Basic YTpi"

    def token(req: Any) -> Any:
        req.headers["Authorization"] = "Bearer t"
        return req

    assert echo(session.get("/echo", auth=token))["headers"]["authorization"] == "Bearer t"
    started = time.perf_counter()
    slow = session.get("/slow?s=2", timeout=(5, 0.2))
    assert slow.status_code == 0 and time.perf_counter() - started < 1.5
    assert isinstance(slow.error, C.Timeout) and "Read timed out" in str(slow.error)
    chain = session.get("/redirect/2")
    assert [h.status_code for h in chain.history] == [302, 302] and chain.url == server.url + "/redirect/0"
    assert session.head("/redirect/1").status_code == 302
    assert session.head("/redirect/1", allow_redirects=True).status_code == 200

    session.get("/set-cookie?a=1")
    session.cookies.set("b", "2")
    session.cookies["c"] = "3"
    assert json.loads(session.get("/cookies").text) == {"a": "1", "b": "2", "c": "3"}
    assert json.loads(session.get("/cookies", cookies={"tmp": "x"}).text)["tmp"] == "x"
    assert "tmp" not in session.cookies and session.cookies.get("a") == "1" and len(session.cookies) == 3
    assert json.loads(session.get("/cookies", headers={"Cookie": "only=1"}).text) == {"only": "1"}
    del session.cookies["c"]
    session.cookies.set("b", None)
    assert session.cookies.get_dict() == {"a": "1"} and [c.name for c in session.cookies] == ["a"]
    with pytest.raises(KeyError):
        session.cookies["zz"]
    session.cookies.clear()
    assert json.loads(session.get("/cookies").text) == {} and transport.cookies() == []


def test_response_surface(server: LocalServer) -> None:
    session, _ = http(server)
    resp = session.get("/json")
    assert resp.json() == {"hello": "world", "n": [1, 2, 3]} and resp.encoding == "utf-8"
    assert resp and repr(resp) == "<Response [200]>" and resp.ok and resp.reason == "OK"
    assert resp.headers["content-type"] == resp.headers["Content-Type"] == "application/json"
    assert resp.elapsed.total_seconds() > 0 and resp.request.method == "GET"
    assert resp.request.headers["User-Agent"].startswith("python-requests/") and resp.request.path_url == "/json"
    bad = session.get("/status/200")
    with pytest.raises(C.JSONDecodeError) as info:
        bad.json()
    assert isinstance(info.value, json.JSONDecodeError) and isinstance(info.value, C.RequestException)
    lines = session.get("/stream-lines")
    assert list(lines.iter_lines()) == [b"line1", b"line2", b"line3"]
    assert list(lines.iter_lines(decode_unicode=True, chunk_size=4))[0] == "line1"
    text = session.get("/text?ct=text/html")
    assert text.encoding == "ISO-8859-1" and text.text == "h\u00e9llo w\u00f6rld".encode().decode("latin-1")
    text.encoding = "utf-8"
    assert text.text == "h\u00e9llo w\u00f6rld"
    missing = session.get("/status/404")
    assert not missing and missing.ok is False
    with pytest.raises(C.HTTPError, match=f"404 Client Error: Not Found for url: {server.url}/status/404"):
        missing.raise_for_status()
    multi = session.get("/multi-header")
    assert multi.headers["x-multi"] == "a, b" and multi.cookies.get_dict() == {"m1": "1", "m2": "2"}
    with pytest.raises(LocustError, match="must pass catch_response=True"):
        session.get("/redirect/1").history[0].success()
    zipped = session.get("/gzip")
    assert zipped.content == b"zipped text " * 10


def test_connection_errors(server: LocalServer) -> None:
    session, _ = http(server)
    listener = Recorder(session.request_event)
    refused = session.get(f"http://127.0.0.1:{closed_port()}/x")
    assert refused.status_code == 0 and refused.content is None and refused.text == "" and refused.url is None
    event = listener.events[0]
    assert repr(event["exception"]) == "ConnectionRefusedError(111, 'Connection refused')"
    assert isinstance(event["exception"], ConnectionRefusedError) and event["response_length"] == 0
    assert str(event["exception"]) == "[Errno 111] Connection refused"
    assert repr(refused.error).startswith(
        "ConnectionError(MaxRetryError('HTTPConnectionPool(host=\\'127.0.0.1\\', port="
    )
    assert str(refused.error).endswith('Failed to establish a new connection: [Errno 111] Connection refused"))')
    with pytest.raises(C.ConnectionError):
        _ = refused.ok


# --- catch_response ---------------------------------------------------------------------


def test_catch_response_outcomes(server: LocalServer) -> None:
    session, _ = http(server)
    listener = Recorder(session.request_event)
    with session.get("/status/500", catch_response=True) as r:
        r.success()
    with session.get("/status/200", catch_response=True) as r:
        r.failure("nope")
    with session.get("/status/200", catch_response=True, name="rerr") as r:
        raise C.ResponseError("in block")
    with pytest.raises(ValueError):
        with session.get("/status/200", catch_response=True, name="lost"):
            raise ValueError("x")
    with session.get("/status/503", catch_response=True, name="by-status"):
        pass
    outcomes = [(e["name"], repr(e["exception"])) for e in listener.events]
    assert outcomes == [
        ("/status/500", "None"),
        ("/status/200", "CatchResponseError('nope')"),
        ("rerr", "ResponseError('in block')"),
        ("by-status", "HTTPError('503 Server Error: Service Unavailable for url: by-status')"),
    ]
    with pytest.raises(LocustError, match="you must also pass catch_response=True"):
        with session.get("/status/200"):
            pass
    with pytest.raises(LocustError, match="has not yet been made"):
        session.get("/status/200", catch_response=True).failure("x")


def test_rest_on_an_http_user(server: LocalServer) -> None:
    from rocust._locust.user.users import HttpUser

    class Api(HttpUser):
        host = server.url

    env = Environment(events=Events())
    listener = Recorder(env.events.request)
    user = Api(env)
    with user.rest("POST", "/echo", json={"a": 1}) as resp:
        assert resp.js["headers"] and resp.js["method"] == "POST"
    with user.rest("GET", "/status/200") as resp:
        pass
    with user.rest("GET", "/json") as resp:
        raise RuntimeError("oops")
    with user.rest_("GET", "/json") as resp:
        if resp.js["n"] != [1, 2]:  # (pytest rewrites assert messages in this module)
            raise AssertionError("short,")
    sent = {k.lower(): v for k, v in json.loads(listener.events[0]["response"].text)["headers"]}
    assert sent["content-type"] == "application/json" and sent["accept"] == "application/json"
    texts = [str(e["exception"]) for e in listener.events]
    assert texts[0] == "None"
    assert (
        texts[1]
        == "Could not parse response as JSON. status 200, response code 200, error Expecting value: line 1 column 1 (char 0)"
    )
    assert texts[2].startswith("RuntimeError: oops at ") and "test_clients.py:" in texts[2]
    assert texts[2].endswith('. Response was {"hello": "world", "n": [1, 2, 3]}')
    assert texts[3] == 'short, response was {"hello": "world", "n": [1, 2, 3]}'
    assert listener.events[3]["name"] == "/json?_=..."


# --- engine error texts ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, cls, text_str",
    [
        ("ConnectionRefusedError(111, 'Connection refused')", ConnectionRefusedError, "[Errno 111] Connection refused"),
        (
            "ReadTimeout(ReadTimeoutError(\"HTTPConnectionPool(host='h', port=1): Read timed out. (read timeout=0.1)\"))",
            C.Timeout,
            "HTTPConnectionPool(host='h', port=1): Read timed out. (read timeout=0.1)",
        ),
        (
            "RemoteDisconnected('Remote end closed connection without response')",
            ConnectionResetError,
            "Remote end closed connection without response",
        ),
        (
            "RetriesExceeded('http://h/x', 0, original=timed out)",
            C.ConnectionError,
            "URL http://h/x: 0, original=timed out",
        ),
        ("HTTPConnectionClosed('connection closed.')", C.ConnectionError, "connection closed."),
        ("ProtocolError('Connection aborted.', X('y'))", C.ConnectionError, "('Connection aborted.', X('y'))"),
        ("not a repr at all", C.ConnectionError, "not a repr at all"),
    ],
)
def test_engine_errors_show_the_engine_text(text: str, cls: type, text_str: str) -> None:
    error = engine_error(text)
    assert repr(error) == text and isinstance(error, cls) and str(error) == text_str
    assert type(error).__name__ == (
        text.partition("(")[0] if text.partition("(")[0].isidentifier() else "ConnectionError"
    )


# --- FastHttpSession ----------------------------------------------------------------


def test_fast_session_requests(server: LocalServer) -> None:
    session, transport = fast(server, headers={"X-Default": "d"})
    listener = Recorder(session.request_event)
    doc = echo(session.get("/echo", params={"p": 1}, timeout=5))
    assert doc["path"] == "/echo?p=1&timeout=5", "unknown keyword arguments become query parameters"
    assert doc["headers"]["user-agent"] == "python/gevent-http-client-2.6.1" and doc["headers"]["x-default"] == "d"
    assert listener.events[0]["name"] == "/echo" and listener.events[0]["url"] == server.url + "/echo"
    form = echo(session.post("/echo", data={"a": ["x", "y"]}))
    assert form["body"] == "a=%5B%27x%27%2C+%27y%27%5D"
    assert form["headers"]["content-type"] == "application/x-www-form-urlencoded; charset=utf-8"
    missing = session.get("/status/404")
    error = listener.events[-1]["exception"]
    assert isinstance(error, LocustBadStatusCode) and error is missing.error
    assert repr(error) == "LocustBadStatusCode(code=404)" and str(error) == f"URL {server.url}/status/404: code=404"
    assert missing.ok is False and missing.text == "status 404" and missing.headers["content-type"] == "text/plain"
    with pytest.raises(LocustBadStatusCode):
        missing.raise_for_status()
    with pytest.raises(LocustError, match="you must pass catch_response=True"):
        missing.success()
    assert list(session.iter_lines("/stream-lines")) == ["line1", "line2\r", "line3"]
    with session.get("/status/500", catch_response=True) as r:
        r.success()
    assert listener.events[-1]["exception"] is None and type(listener.events[-1]["response"]).__name__ == "FastResponse"
    with session.rename_request("grouped"):
        session.get("/status/200")
    assert listener.events[-1]["name"] == "grouped" and transport.recorded == []

    multi = session.get("/multi-header")
    assert multi.headers["X-Multi"] == ["a", "b"] and multi.headers.getlist("x-multi") == ["a", "b"]
    assert [v for k, v in multi.headers.items() if k == "Set-Cookie"] == ["m1=1; Path=/", "m2=2; Path=/"]
    assert sorted(c.name for c in session.cookiejar) == ["m1", "m2"]
    refused = session.get(f"http://127.0.0.1:{closed_port()}/x")
    assert type(refused).__name__ == "ErrorResponse" and refused.headers is None and refused.text is None
    assert repr(listener.events[-1]["exception"]) == "ConnectionRefusedError(111, 'Connection refused')"


def test_fast_session_timeout_comes_from_the_user(server: LocalServer) -> None:
    session, _ = fast(server, network_timeout=0.2)
    listener = Recorder(session.request_event)
    started = time.perf_counter()
    session.get("/slow?s=2")
    assert time.perf_counter() - started < 1.5
    assert repr(listener.events[0]["exception"]) == f"RetriesExceeded('{server.url}/slow?s=2', 0, original=timed out)"


# --- cost of the Python layer -----------------------------------------------------------


class _StubRaw:
    __slots__ = (
        "body",
        "elapsed",
        "error",
        "headers",
        "history",
        "reason",
        "recorded",
        "request_headers",
        "start_time",
        "status",
        "stream",
        "url",
    )


class _StubTransport:
    """Answers at once (no network), recording like the engine would."""

    def send(self, method: str, url: str, headers: Any, body: Any, timeout: Any, allow_redirects: bool,
             tls: Any, record_name: Any, fail_rule: int, stream: bool = False) -> _StubRaw:  # fmt: skip
        raw = _StubRaw()
        raw.stream = None
        raw.status, raw.reason, raw.headers, raw.body, raw.url = 200, "OK", [("Content-Length", "2")], b"ok", url
        raw.history, raw.elapsed, raw.error, raw.request_headers, raw.start_time = [], 0.001, None, headers, 0.0
        raw.recorded = record_name is not None
        return raw

    def cookies(self) -> List[Tuple[str, str, str, str]]:
        return []


def _per_request_us(call: Any, n: int = 20000) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(n):
            call("/hello")
        best = min(best, (time.perf_counter() - started) / n * 1e6)
    return best


def test_python_cost_per_delegated_request_is_a_few_microseconds() -> None:
    set_transport_factory(lambda *_: _StubTransport())  # type: ignore[arg-type, return-value]
    session = HttpSession("http://127.0.0.1:1", EventHook(), None)
    fsession = FastHttpSession("http://127.0.0.1:1", EventHook(), None, concurrency=10, max_retries=0)
    http_us, fast_us = _per_request_us(session.get), _per_request_us(fsession.get)
    print(f"Python cost per request: HttpSession {http_us:.2f} us, FastHttpSession {fast_us:.2f} us")
    # A few microseconds on an idle machine; the bound leaves room for a busy one.
    assert http_us < 40 and fast_us < 40


def test_ref_transport_raw_response_shape(server: LocalServer) -> None:
    raw = RefTransport().send("GET", server.url + "/redirect/1", [], None, None, True, None, None, 0)
    assert isinstance(raw, RefRawResponse)
    for attr in C.RawResponse.__annotations__:
        assert hasattr(raw, attr), attr
    assert raw.history[0].status == 302 and raw.url.endswith("/redirect/0") and raw.body == b"done"


# --- the same calls under real Locust ------------------------------------------------


@needs_locust
def test_same_as_locust(server: LocalServer) -> None:
    refused = f"http://127.0.0.1:{closed_port()}"
    script = str(TESTS / "clients" / "scenario_clients.py")
    env = dict(os.environ, PYTHONHASHSEED="0")
    procs = {
        "locust": subprocess.Popen(
            [LOCUST_PYTHON, script, server.url, refused], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ),
        "rocust": subprocess.Popen(
            [sys.executable, str(TESTS / "run_under_rocust.py"), script, server.url, refused],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        ),
    }  # fmt: skip
    results = {}
    for label, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert "@@RESULT@@" in out, f"{label} failed:\n{err[-3000:]}"
        results[label] = json.loads(out.split("@@RESULT@@", 1)[1])
    locust, rocust = results["locust"], results["rocust"]
    assert sorted(rocust) == sorted(locust)
    assert len(locust) > 100
    differences = [
        f"{step}:\n  locust: {json.dumps(locust[step])[:1500]}\n  rocust: {json.dumps(rocust[step])[:1500]}"
        for step in sorted(locust)
        if locust[step] != rocust[step]
    ]
    assert not differences, "\n".join(differences)
