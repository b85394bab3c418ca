"""The web API call sequence that pins Locust 2.47.0's HTTP API, for any tool that serves it.

Real Locust and rocust are driven through the same steps here, so the golden file
(golden/locust_2_47_api.json, written by tools/web-reference/capture.py from Locust 2.47.0) and
a rocust run (test_web_api.py) come out of one piece of code and compare as plain data. Only the
standard library is used: capture.py runs this module with the Locust venv's python.

`capture_all(command)` starts `command -f <locustfile> --web-host 127.0.0.1 -P <port> ...` once
per scenario (see SCENARIOS), performs that scenario's fixed call sequence with urllib and returns
the normalized record of every call. Values that depend on timing, ports or the clock are
replaced before anything is recorded:

- URLs and ports: the load target's URL becomes "<target>", the web UI's "<web>", their port
  numbers "<target-port>"/"<web-port>"; "0x..." addresses "0x?"; times "<time>".
- JSON values named in a call's rules become their kind: "<int>", "<float>", "<number>" (int or
  float: Locust sends an int 0 before the first request and a float after), "<int|null>",
  "<time>", "<str>", "<list>", "<traceback>". A value of the wrong kind becomes
  "<expected KIND, got TYPE: VALUE>", so a wrong type shows up in the diff as a changed string.
  Everything else is kept exactly, ints and floats apart (JSON 0 and 0.0 differ).
- Bodies: JSON (normalized), exact text when it is deterministic, else its first line; from
  HTML pages the window.templateArgs / window.authArgs JSON.

Every call needs a fixed sleep here and there (the 2 s cache of /stats/requests, spawning);
they are named in the sequences. Only loopback traffic: the target is a local http.server.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

REPO_ROOT = Path(__file__).resolve().parents[3]
#: The locustfiles every scenario runs (kept beside capture.py).
LOCUSTFILES = REPO_ROOT / "tools" / "web-reference"
GOLDEN = Path(__file__).resolve().parent / "golden" / "locust_2_47_api.json"
#: Bumped when the record layout changes (the golden file must then be regenerated).
FORMAT = 1

Form = Sequence[Tuple[str, str]]
Rules = Mapping[str, str]

# --- the load target -------------------------------------------------------------------------


class _TargetHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        status = {"/": 200, "/error": 500}.get(path, 404)
        body = b"ok" if status == 200 else b"no"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a user stopped mid-response: nothing to report


class Target:
    """The load target on 127.0.0.1: 200 on /, 500 on /error, 404 on anything else (/missing)."""

    def __init__(self) -> None:
        self.server = _QuietServer(("127.0.0.1", 0), _TargetHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- HTTP client -----------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are recorded, not followed."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> Optional[urllib.request.Request]:
        return None


# No proxy from the environment: every request goes to 127.0.0.1 directly.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


@dataclass
class Reply:
    status: int
    headers: Dict[str, str]  # lower-case names
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _header_dict(message: Message) -> Dict[str, str]:
    headers: Dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def http(
    base: str,
    method: str,
    path: str,
    *,
    form: Optional[Form] = None,
    json_body: Any = None,
    timeout: float = 15.0,
) -> Reply:
    """One request; any HTTP status is a Reply (only a transport failure raises OSError)."""
    data: Optional[bytes] = None
    headers: Dict[str, str] = {}
    if form is not None:
        data = urllib.parse.urlencode(list(form)).encode("ascii")
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif json_body is not None:
        data = json.dumps(json_body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Reply(response.status, _header_dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        try:
            body = error.read()
        finally:
            error.close()
        return Reply(error.code, _header_dict(error.headers), body)


# --- normalization ---------------------------------------------------------------------------

_LOG_LINE = re.compile(
    r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] [^/\s]+/(DEBUG|INFO|WARNING|ERROR|CRITICAL)/([\w.]+): (.*)$"
)
_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
# format_safe_timestamp in download names: 2026-12-03-07h44
_FILE_TIME = re.compile(r"\d{4}-\d\d-\d\d-\d\dh\d\d")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


@dataclass
class Scrubber:
    """Replaces what changes from run to run (URLs, ports, addresses, times) in text."""

    web: str  # http://127.0.0.1:PORT of the web UI
    target: str = ""  # the load target's URL ("" when the scenario has none)

    def text(self, value: str) -> str:
        pairs: List[Tuple[str, str]] = []
        if self.target:
            pairs.append((self.target, "<target>"))
        pairs.append((self.web, "<web>"))
        for old, new in pairs:
            value = value.replace(old, new)
        for url, name in ((self.target, "<target-port>"), (self.web, "<web-port>")):
            if url:
                port = url.rsplit(":", 1)[1]
                value = re.sub(rf"(?<![\d.]){port}(?!\d)", name, value)
        value = _ADDRESS.sub("0x?", value)
        value = _ISO_TIME.sub("<time>", value)
        return _FILE_TIME.sub("<time>", value)

    def log(self, stderr: str, loggers: Optional[Sequence[str]] = None) -> List[str]:
        """The first line of each log record, as "LEVEL/logger: message", scrubbed."""
        lines: List[str] = []
        for line in stderr.splitlines():
            match = _LOG_LINE.match(line)
            if match and (loggers is None or match.group(2) in loggers):
                lines.append(self.text(f"{match.group(1)}/{match.group(2)}: {match.group(3)}"))
        return lines

    def other_stderr(self, stderr: str) -> List[str]:
        """stderr lines that are neither log records, tracebacks nor the final stats table."""
        kept: List[str] = []
        for line in stderr.splitlines():
            if not line.strip() or line[0].isspace() or _LOG_LINE.match(line):
                continue
            if line.startswith(("Traceback (most recent call last)", "Type ", "--------", "Response time percentiles")):
                continue
            kept.append(self.text(line))
        return kept


def _kind_of(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def placeholder(kind: str, value: Any) -> str:
    """`value` as its kind ("<int>", ...), or a mismatch marker that cannot equal one."""
    is_int = isinstance(value, int) and not isinstance(value, bool)
    is_float = isinstance(value, float)
    ok = {
        "int": is_int,
        "float": is_float,
        "number": is_int or is_float,
        "int|null": is_int or value is None,
        "time": is_int or is_float,
        "str": isinstance(value, str),
        "list": isinstance(value, list),
        "traceback": isinstance(value, str) and bool(value),
    }.get(kind)
    if ok is None:
        raise ValueError(f"unknown kind {kind!r}")
    if ok:
        return f"<{kind}>"
    return f"<expected {kind}, got {_kind_of(value)}: {json.dumps(value)[:80]}>"


def normalize(value: Any, scrub: Scrubber, rules: Optional[Rules] = None, key: str = "", parent: str = "") -> Any:
    """A JSON value with its volatile parts replaced. A rule is looked up as "parent/key",
    then "parent/*", then "key"."""
    if rules and key:
        for name in (f"{parent}/{key}", f"{parent}/*", key):
            if name in rules:
                return placeholder(rules[name], value)
    if isinstance(value, dict):
        return {k: normalize(v, scrub, rules, str(k), key) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v, scrub, rules, "", key) for v in value]
    if isinstance(value, str):
        return scrub.text(value)
    return value


def _embedded_json(html: str, marker: str) -> Any:
    """The JSON value that follows `marker` (e.g. "window.templateArgs = ") in a page."""
    at = html.find(marker)
    if at < 0:
        raise ValueError(f"{marker.strip()} not found")
    value, _end = json.JSONDecoder().raw_decode(html, at + len(marker))
    return value


# --- rules for the running state --------------------------------------------------------------

#: Current response-time percentiles: None until the response-time cache has a second that fits
#: the ~10 s window (so even the ready state changes: null soon after start, 0 later).
READY_STATS_RULES: Dict[str, str] = {"current_response_time_percentiles/*": "int|null"}
#: /stats/requests (and its entries) while users run.
STATS_RULES: Dict[str, str] = {
    "num_requests": "int",
    "num_failures": "int",
    "occurrences": "int",
    "avg_response_time": "float",
    "min_response_time": "float",
    "max_response_time": "float",
    # Locust clamps the median to the min and max, which are floats: fast requests give a float.
    "median_response_time": "number",
    "response_time_percentile_0.95": "int",
    "response_time_percentile_0.99": "int",
    "avg_content_length": "float",
    "current_rps": "number",
    "current_fail_per_sec": "number",
    "total_rps": "float",
    "total_fail_per_sec": "float",
    "fail_ratio": "float",
    **READY_STATS_RULES,
    "first_seen": "time",
    "last_seen": "time",
}
EXCEPTION_RULES: Dict[str, str] = {"count": "int", "traceback": "traceback"}
#: templateArgs while a test runs or after it (history grows every 5 s).
TEMPLATE_RULES: Dict[str, str] = {"history": "list"}
#: The report's templateArgs values kept (the rest are statistics, pinned by crates/report).
REPORT_KEYS = ("host", "is_report", "locustfile", "percentiles_to_chart", "profile", "show_download_link")
#: Headers recorded when present (lower-case).
HEADERS = ("access-control-allow-origin", "allow", "content-disposition", "location", "www-authenticate")


# --- recording calls -------------------------------------------------------------------------


@dataclass
class Session:
    """Performs calls against one running server and records each one."""

    base: str  # the web UI's URL, without a trailing slash
    scrub: Scrubber
    calls: List[Dict[str, Any]] = field(default_factory=list)

    def call(
        self,
        call_id: str,
        method: str,
        path: str,
        *,
        form: Optional[Form] = None,
        json_body: Any = None,
        body: str = "json",
        rules: Optional[Rules] = None,
        select: Optional[Sequence[str]] = None,
        note: str = "",
    ) -> Dict[str, Any]:
        """Calls `method path` and records it. `body` says what is kept of the body:
        json, text (exact), first_line, template_args, auth_args, csv (the header line),
        report, logs or none; `select` keeps only these keys of a JSON object / templateArgs."""
        record: Dict[str, Any] = {"id": call_id, "method": method, "path": path}
        if note:
            record["note"] = note
        if form is not None:
            record["form"] = [[k, self.scrub.text(v)] for k, v in form]
        if json_body is not None:
            record["json_body"] = json_body
        try:
            reply = http(self.base, method, path, form=form, json_body=json_body)
        except OSError as error:
            record["transport_error"] = type(error).__name__
            self.calls.append(record)
            return record
        record["status"] = reply.status
        record["content_type"] = reply.headers.get("content-type")
        record["headers"] = {h: self._header(h, reply.headers[h]) for h in HEADERS if h in reply.headers}
        try:
            record.update(self._body(reply, body, rules, select))
        except ValueError as error:  # not the expected kind of body (JSON, a page, ...)
            record["body_error"] = f"{type(error).__name__}: {error}"
            record["first_line"] = self.scrub.text(_first_line(reply.text))
        self.calls.append(record)
        return record

    def _header(self, name: str, value: str) -> str:
        if name == "allow":  # Werkzeug lists the methods of a set: their order changes per process
            return ", ".join(sorted(m.strip() for m in value.split(",")))
        return self.scrub.text(value)

    def _body(self, reply: Reply, body: str, rules: Optional[Rules], select: Optional[Sequence[str]]) -> Dict[str, Any]:
        text = reply.text
        if body == "none":
            return {}
        if body == "text":
            return {"text": self.scrub.text(text)}
        if body == "first_line":
            return {"first_line": self.scrub.text(_first_line(text))}
        if body == "csv":
            return {"csv_header": _first_line(text)}
        if body == "json":
            value = json.loads(text)
            if select is not None:
                value = _select(value, select)
            return {"json": normalize(value, self.scrub, rules)}
        if body == "template_args":
            args = _embedded_json(text, "window.templateArgs = ")
            if not isinstance(args, dict):
                raise ValueError("templateArgs is not an object")
            out: Dict[str, Any] = {"template_args_keys": sorted(args)}
            out["template_args"] = normalize(_select(args, select) if select is not None else args, self.scrub, rules)
            return out
        if body == "auth_args":
            return {"auth_args": normalize(_embedded_json(text, "window.authArgs = "), self.scrub)}
        if body == "report":
            args = _embedded_json(text, "window.templateArgs = ")
            if not isinstance(args, dict):
                raise ValueError("templateArgs is not an object")
            theme = _embedded_json(text, "window.theme = ")
            return {
                "first_line": _first_line(text),
                "template_args_keys": sorted(args),
                "template_args": normalize(_select(args, REPORT_KEYS), self.scrub),
                "theme": theme,
            }
        if body == "logs":
            return {"logs": _logs_summary(json.loads(text), self.scrub)}
        raise ValueError(f"unknown body kind {body!r}")

    def pause(self, seconds: float) -> None:
        """A fixed wait (spawning, the 2 s /stats/requests cache); part of the sequence."""
        time.sleep(seconds)


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def _select(value: Any, keys: Sequence[str]) -> Any:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {_kind_of(value)}")
    return {k: value.get(k, "<absent>") for k in keys}


def _logs_summary(logs: Any, scrub: Scrubber) -> Dict[str, Any]:
    """/logs: its structure, the format of the master lines, and what the web UI logged."""
    if not isinstance(logs, dict):
        raise ValueError("/logs is not an object")
    master = logs.get("master")
    lines = [x for x in master if isinstance(x, str)] if isinstance(master, list) else []
    first_lines = [line.split("\n", 1)[0] for line in lines]
    return {
        "keys": sorted(logs),
        "master_is_list_of_str": isinstance(master, list) and len(lines) == len(master),
        "every_line_is_a_log_record": bool(lines) and all(_LOG_LINE.match(first) for first in first_lines),
        "a_traceback_stays_in_its_record": any("\nTraceback (most recent call last):\n" in line for line in lines),
        "workers": normalize(logs.get("workers", "<absent>"), scrub),
        # The web UI's own records (failed /swarm calls and the like), in order.
        "web_records": scrub.log("\n".join(first_lines), ("locust.web",)),
    }


# --- the scenarios ---------------------------------------------------------------------------


def _swarm(s: Session, call_id: str, form: Form, note: str = "", body: str = "json") -> None:
    s.call(call_id, "POST", "/swarm", form=form, body=body, note=note)


def _state(s: Session, call_id: str, note: str = "", extra: Sequence[str] = ()) -> None:
    """GET / and keep the state and user count (templateArgs are never cached)."""
    s.call(
        call_id,
        "GET",
        "/",
        body="template_args",
        select=("state", "user_count", *extra),
        rules=TEMPLATE_RULES,
        note=note,
    )


def main_sequence(s: Session, target: str) -> None:
    """The plain web UI: ready state, every invalid /swarm, a run, editing, stopping."""
    # Ready: nothing has run yet, everything is deterministic and recorded whole.
    s.call("index.ready", "GET", "/", body="template_args")
    s.call("stats.ready", "GET", "/stats/requests", rules=READY_STATS_RULES)
    s.call("tasks.ready", "GET", "/tasks")
    s.call("exceptions.ready", "GET", "/exceptions")
    s.call("worker_count.ready", "GET", "/worker-count")
    s.call("login.without_web_login", "GET", "/login", body="text")

    # Invalid /swarm values, each with valid partners (in form order) so that the message says
    # which check caught it; none of them starts a test.
    bad_user_counts = [("minus_one", "-1"), ("abc", "abc"), ("empty", ""), ("exponent", "1e3")]
    for name, value in bad_user_counts:
        _swarm(s, f"swarm.user_count.{name}", [("user_count", value), ("spawn_rate", "1")])
    _swarm(
        s,
        "swarm.user_count.huge_with_zero_rate",
        [("user_count", "99999999999999999999"), ("spawn_rate", "0")],
        note="the zero rate keeps it from starting: the message tells whether the count parsed",
    )
    for name, value in [("zero", "0"), ("minus_one", "-1"), ("nan", "nan"), ("inf", "inf"), ("x", "x")]:
        _swarm(s, f"swarm.spawn_rate.{name}", [("user_count", "1"), ("spawn_rate", value)])
    for name, value in [("bad", "bad"), ("10x", "10x")]:
        _swarm(s, f"swarm.run_time.{name}", [("user_count", "1"), ("spawn_rate", "1"), ("run_time", value)])
    # What parses (Python's int(), float() and parse_timespan decide): each value comes with an
    # invalid partner, so the message says "Missing or invalid ..." when the value parsed.
    for name, value in [("spaces", " 2 "), ("plus", "+3"), ("underscore", "1_000"), ("arabic_indic_digit", "\u0663")]:
        _swarm(s, f"swarm.user_count_parses.{name}", [("user_count", value), ("spawn_rate", "0")])
    for name, value in [
        ("exponent", "1e-3"),
        ("spaces", " 2 "),
        ("underscore", "1_0"),
        ("infinity", "Infinity"),
        ("hex", "0x10"),
    ]:
        _swarm(s, f"swarm.spawn_rate_parses.{name}", [("user_count", "-1"), ("spawn_rate", value)])
    for name, value in [
        ("plain_number", "20"),
        ("composite", "1h20m"),
        ("fraction", "1.5s"),
        ("zero", "0"),
        ("negative", "-5s"),
        ("space", " 10s"),
    ]:
        _swarm(s, f"swarm.run_time_parses.{name}", [("user_count", "-1"), ("spawn_rate", "1"), ("run_time", value)])
    _swarm(
        s,
        "swarm.two_bad_fields",
        [("spawn_rate", "x"), ("user_count", "abc")],
        note="both invalid: which one is reported",
    )
    _swarm(s, "swarm.missing.everything", [])
    _swarm(s, "swarm.missing.user_count", [("spawn_rate", "1")])
    _swarm(s, "swarm.missing.spawn_rate", [("user_count", "1")])
    _swarm(
        s,
        "swarm.custom_int.abc",
        [("user_count", "2"), ("spawn_rate", "2"), ("my_int", "abc")],
        body="text",
        note="a custom int option that does not parse",
    )
    _swarm(
        s,
        "swarm.host_with_bad_run_time",
        [("host", target), ("user_count", "1"), ("spawn_rate", "1"), ("run_time", "bad")],
        note="is /swarm atomic? the host comes first in the form",
    )
    s.call(
        "index.after_invalid_swarms",
        "GET",
        "/",
        body="template_args",
        select=("host", "num_users", "run_time", "spawn_rate", "state", "user_count"),
        note="what the failed /swarm calls left changed",
    )

    # Calls that do start a test, each stopped again.
    _swarm(
        s,
        "swarm.unknown_keys",
        [
            ("user_count", "0"),
            ("spawn_rate", "1"),
            ("no_such_option", "1"),
            ("host", f"{target}/<b>x</b>"),
            ("other", "x"),
        ],
        note="unknown keys; < and > are stripped from the host (no user runs against it)",
    )
    s.pause(0.5)
    _state(s, "index.after_unknown_keys", extra=("host",))
    s.call("stop.after_unknown_keys", "POST", "/stop")
    _swarm(
        s,
        "swarm.user_classes_without_picker",
        [("user_count", "1"), ("spawn_rate", "1"), ("user_classes", "Nope"), ("host", target)],
        note="no --class-picker: the name is not checked",
    )
    s.pause(1.0)
    _state(s, "index.after_user_classes_without_picker")
    s.call("stop.after_user_classes_without_picker", "POST", "/stop")
    _swarm(s, "swarm.user_count.huge", [("user_count", "99999999999999999999"), ("spawn_rate", "1")])
    s.pause(0.5)
    s.call("index.after_huge_user_count", "GET", "/", body="template_args", select=("num_users", "state"))
    s.call("stop.after_huge_user_count", "POST", "/stop")

    # A valid run: 2 users against the target for (at most) 30 s.
    _swarm(s, "swarm.start", [("user_count", "2"), ("spawn_rate", "2"), ("host", target), ("run_time", "30s")])
    s.pause(3.5)  # all users spawned, the ready-state /stats/requests cache long expired
    s.call(
        "index.running",
        "GET",
        "/",
        body="template_args",
        rules=TEMPLATE_RULES,
        select=("host", "missing_host_warning", "num_users", "run_time", "spawn_rate", "state", "user_count"),
    )
    stats = s.call("stats.running", "GET", "/stats/requests", rules=STATS_RULES)
    # Errors come in the order they were first seen: sort them so the record is stable.
    errors = stats.get("json", {}).get("errors") if isinstance(stats.get("json"), dict) else None
    if isinstance(errors, list):
        errors.sort(key=lambda e: json.dumps(e, sort_keys=True))
    s.call("exceptions.running", "GET", "/exceptions", rules=EXCEPTION_RULES)
    s.call("tasks.running", "GET", "/tasks")
    s.call("logs.running", "GET", "/logs", body="logs")
    s.call("worker_count.running", "GET", "/worker-count")
    s.call("csv.requests", "GET", "/stats/requests/csv", body="csv")
    s.call("csv.failures", "GET", "/stats/failures/csv", body="csv")
    s.call("csv.exceptions", "GET", "/exceptions/csv", body="csv")
    s.call("csv.full_history", "GET", "/stats/requests_full_history/csv", body="text", note="no --csv-full-history")
    s.call("report", "GET", "/stats/report", body="report")
    s.call("report.download", "GET", "/stats/report?download=1", body="report")
    s.call("report.dark", "GET", "/stats/report?theme=dark", body="report")

    # Editing the running test, custom options included.
    _swarm(
        s,
        "swarm.edit",
        [
            ("user_count", "3"),
            ("spawn_rate", "3"),
            ("my_int", "7"),
            ("my_str", "y"),
            ("my_flag", "true"),
            ("my_choice", "green"),
        ],
    )
    s.pause(1.5)
    _state(s, "index.after_edit", extra=("num_users", "spawn_rate", "extra_options"))
    s.call("reset.post", "POST", "/stats/reset", body="text")
    s.call("reset.get", "GET", "/stats/reset", body="text")
    s.call("stop.get", "GET", "/stop", body="text")
    s.call("stop.post", "POST", "/stop")
    s.pause(2.1)  # past the /stats/requests cache
    s.call("stats.stopped", "GET", "/stats/requests", select=("state", "user_count"))
    _state(s, "index.stopped")

    # Errors of the HTTP layer.
    s.call("unknown_path", "GET", "/nope", body="text")
    s.call("wrong_method.get_swarm", "GET", "/swarm", body="text")
    s.call("wrong_method.delete_index", "DELETE", "/", body="text")
    s.call("options.swarm", "OPTIONS", "/swarm", body="text")
    s.call("assets.missing", "GET", "/assets/no-such-file.js", body="text")

    # POST /user (the class picker's edit modal; it works without the picker too).
    s.call(
        "user.update",
        "POST",
        "/user",
        json_body={"user_class_name": "WebUser", "weight": 2, "tasks": ["index", "boom"]},
    )
    s.call("index.after_user_update", "GET", "/", body="template_args", select=("available_user_tasks", "users"))
    s.call("user.unknown_class", "POST", "/user", json_body={"user_class_name": "Nope", "weight": 1}, body="text")


def class_picker_sequence(s: Session) -> None:
    """--class-picker with UserA, UserB and RampShape."""
    s.call("index.ready", "GET", "/", body="template_args")
    _swarm(s, "swarm.user_classes.UserA", [("user_classes", "UserA"), ("user_count", "1"), ("spawn_rate", "1")])
    s.pause(1.0)
    _state(s, "index.after_UserA")
    s.call("tasks.after_UserA", "GET", "/tasks")
    s.call("stop.after_UserA", "POST", "/stop")
    _swarm(s, "swarm.user_classes.Nope", [("user_classes", "Nope"), ("user_count", "1"), ("spawn_rate", "1")])
    s.pause(1.0)
    _state(s, "index.after_Nope")
    s.call("stop.after_Nope", "POST", "/stop")
    _swarm(
        s, "swarm.shape_class.Nope", [("shape_class", "Nope"), ("user_count", "1"), ("spawn_rate", "1")], body="text"
    )
    _swarm(s, "swarm.shape_class.RampShape", [("shape_class", "RampShape"), ("user_count", "5"), ("spawn_rate", "5")])
    s.pause(1.5)
    _state(s, "index.after_RampShape", extra=("hide_common_options", "shape_use_common_options"))
    s.call("stop.after_RampShape", "POST", "/stop")
    s.pause(0.5)
    _swarm(
        s,
        "swarm.all_classes",
        [("user_count", "3"), ("spawn_rate", "3"), ("shape_class", "Default")],
        note="no user_classes: all of them",
    )
    s.pause(1.5)
    _state(s, "index.after_all_classes")
    s.call("tasks.after_all_classes", "GET", "/tasks")
    s.call("stop.after_all_classes", "POST", "/stop")


def base_path_sequence(s: Session) -> None:
    """--web-base-path /locust (the session's base is the server root)."""
    s.call("base_path.no_slash", "GET", "/locust", body="first_line")
    s.call("base_path.index", "GET", "/locust/", body="template_args", select=("locustfile", "state"))
    s.call("base_path.stats", "GET", "/locust/stats/requests", select=("state",))
    s.call("root.index", "GET", "/", body="first_line")
    s.call("root.stats", "GET", "/stats/requests", body="first_line")


def web_login_no_secret_sequence(s: Session) -> None:
    """--web-login without a secret key (the locustfile configures nothing)."""
    s.call("stats", "GET", "/stats/requests", body="first_line")
    s.call("index", "GET", "/", body="first_line")
    s.call("login", "GET", "/login", body="auth_args")


def web_login_sequence(s: Session) -> None:
    """--web-login set up like examples/web_ui_auth: unauthenticated calls."""
    s.call("stats", "GET", "/stats/requests", body="text")
    s.call("index", "GET", "/", body="text")
    s.call("swarm", "POST", "/swarm", form=[("user_count", "1"), ("spawn_rate", "1")], body="text")
    s.call("login", "GET", "/login", body="auth_args")


@dataclass(frozen=True)
class Scenario:
    name: str
    locustfile: str  # in LOCUSTFILES
    args: Tuple[str, ...] = ()
    # The call sequence (the target's URL is passed to those that take it), or None for a start
    # that is expected to fail: then its exit code and stderr are recorded.
    sequence: Optional[Callable[..., None]] = None
    needs_target: bool = False
    hold_port: bool = False  # occupy the web port first
    note: str = ""


SCENARIOS: Tuple[Scenario, ...] = (
    Scenario("main", "locustfile.py", sequence=main_sequence, needs_target=True),
    Scenario("class_picker", "class_picker_locustfile.py", ("--class-picker",), sequence=class_picker_sequence),
    Scenario("base_path", "locustfile.py", ("--web-base-path", "/locust"), sequence=base_path_sequence),
    Scenario("web_login_no_secret", "locustfile.py", ("--web-login",), sequence=web_login_no_secret_sequence),
    Scenario("web_login", "login_locustfile.py", ("--web-login",), sequence=web_login_sequence),
    Scenario("port_in_use", "locustfile.py", hold_port=True, note="another socket listens on the web port"),
    Scenario("base_path_without_slash", "locustfile.py", ("--web-base-path", "locust")),
    Scenario("autoquit_without_autostart", "locustfile.py", ("--autoquit", "2")),
)

# Loggers whose records are kept from a serving run's stderr (the users' own errors are not).
_RUN_LOGGERS = ("locust.main", "locust.web", "locust.runners")
_RUNNER_MESSAGES = ("Ramping to ", "All users spawned", "Shape test", "Shape worker", "Unhandled exception")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(home: Path) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    env["HOME"] = str(home)  # no ~/.locust.conf
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ beside the locustfiles
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _wait_until_serving(base: str, proc: "subprocess.Popen[bytes]", timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before serving")
        try:
            http(base, "GET", "/worker-count", timeout=2.0)  # any status: it serves
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing served on {base} after {timeout} s")


def _stop(proc: "subprocess.Popen[bytes]") -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_scenario(command: Sequence[str], scenario: Scenario, work: Path, target: Optional[Target]) -> Dict[str, Any]:
    """Starts the tool for one scenario in `work`, performs its calls, stops it."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = ["--web-host", "127.0.0.1", "-P", str(port), *scenario.args]
    base = f"http://127.0.0.1:{port}"
    scrub = Scrubber(web=base, target=target.url if target is not None and scenario.needs_target else "")
    record: Dict[str, Any] = {
        "locustfile": scenario.locustfile,
        "args": [scrub.text(a) for a in args],
    }
    if scenario.note:
        record["note"] = scenario.note
    stderr_path = work / f"{scenario.name}.stderr"
    full = [*command, "-f", str(LOCUSTFILES / scenario.locustfile), *args]
    held: Optional[socket.socket] = None
    if scenario.hold_port:
        held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        held.bind(("127.0.0.1", port))
        held.listen(1)
    try:
        with open(stderr_path, "wb") as err, open(work / f"{scenario.name}.stdout", "wb") as out:
            proc = subprocess.Popen(
                full, cwd=str(work), env=_env(work), stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )
            try:
                if scenario.sequence is None:
                    try:
                        record["exit_code"] = proc.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        record["exit_code"] = "<still running after 30 s>"
                else:
                    try:
                        _wait_until_serving(base, proc, 30.0)
                    except RuntimeError as error:  # recorded: the other scenarios still run
                        record["start_error"] = str(error)
                    else:
                        session = Session(base, scrub)
                        if scenario.needs_target:
                            assert target is not None
                            scenario.sequence(session, target.url)
                        else:
                            scenario.sequence(session)
                        record["calls"] = session.calls
            finally:
                _stop(proc)
    finally:
        if held is not None:
            held.close()
    stderr = stderr_path.read_bytes().decode("utf-8", "replace")
    if "start_error" in record:
        record["stderr_tail"] = [scrub.text(line) for line in stderr.splitlines()[-20:]]
    if scenario.sequence is None:
        record["log"] = scrub.log(stderr)
        record["other_stderr"] = scrub.other_stderr(stderr)
    else:
        log = scrub.log(stderr, _RUN_LOGGERS)
        # Up to our SIGTERM: the shutdown's exit code depends on whether a failure happened last.
        if "INFO/locust.main: Got SIGTERM signal" in log:
            log = log[: log.index("INFO/locust.main: Got SIGTERM signal")]
        record["log"] = [
            line
            for line in log
            if "/locust.runners: " not in line or line.split(": ", 1)[1].startswith(_RUNNER_MESSAGES)
        ]
    return record


def capture_all(
    command: Sequence[str], only: Optional[Sequence[str]] = None, work: Optional[Path] = None
) -> Dict[str, Any]:
    """Every scenario (or those named in `only`) run with `command` (e.g. [python, "-m", "locust"]
    or ["rocust"]), one after another: {scenario name: record}."""
    results: Dict[str, Any] = {}
    target = Target()
    try:
        with tempfile.TemporaryDirectory(prefix="web-api-") as tmp:
            root = work or Path(tmp)
            for scenario in SCENARIOS:
                if only is not None and scenario.name not in only:
                    continue
                results[scenario.name] = run_scenario(command, scenario, root / scenario.name, target)
    finally:
        target.close()
    return results
