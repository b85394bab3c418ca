"""Locust's module surface beyond the package top: locust.util, locust.user.inspectuser,
the locustfile helpers of locust.argument_parser and locust.stats' entries, tables, CSV
writer and history. Everything here is deterministic (time is mocked where it matters)."""

import argparse
import contextlib
import csv
import io
import json
import logging
import os
import sys
import tempfile
import threading
import warnings
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace
from unittest import mock

import locust
import locust.argument_parser as ap
import locust.stats as S
from _harness import emit
from locust import HttpUser, LoadTestShape, TaskSet, User, constant, task
from locust.event import Events
from locust.exception import CatchResponseError
from locust.user import inspectuser
from locust.util import cache, date, deprecation, directory, exception_handler, load_locustfile, rounding, url
from locust.util.timespan import parse_timespan

logging.disable(logging.CRITICAL)
result = {}
TMP = tempfile.mkdtemp()


def outcome(f, *args, **kwargs):
    """What a call gives: its value, or the exception's type and text, or the exit
    code and what went to stderr."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return ["ok", f(*args, **kwargs)]
    except SystemExit as e:
        return ["exit", e.code, err.getvalue()]
    except Exception as e:
        return ["raised", type(e).__name__, str(e)]


def printed(f, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        f(*args)
    return out.getvalue()


# -- locust.util ----------------------------------------------------------------------

result["timespan"] = [outcome(parse_timespan, s) for s in ["20", "20s", "3m", "2h", "1h20m", "3h30m10s", "", "5x", "1m2h"]]
result["proper_round"] = [rounding.proper_round(v, d) for v, d in [(0.5, 0), (1.5, 0), (2.5, 0), (2.675, 2), (12.345, 2), (7, 0)]]
result["dates"] = [
    date.format_utc_timestamp(1700000000.7),
    [date.format_duration(0, s) for s in [0, 1, 59, 61, 3600, 3661, 90061, 172800]],
]
result["is_url"] = [url.is_url(u) for u in ["http://a", "https://a.b/c.py", "ftp://a", "a.py", "http://", "/x"]]
tree = os.path.join(TMP, "tree")
for rel in ["a.py", "_private.py", "b.txt", "sub/c.py", "sub/_d.py", "_pkg/e.py"]:
    os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
    open(os.path.join(tree, rel), "w").close()
# (Locust's extension=None raises TypeError; rocust's lists every file.)
result["abspaths"] = sorted(os.path.relpath(p, tree) for p in directory.get_abspaths_in(tree, extension=".py"))

calls = []


@cache.memoize(timeout=1000)
def remembered(x):
    calls.append(x)
    return x * 2


first = remembered(1)
second = remembered(2)  # one cached result per function, whatever the arguments
remembered.clear_cache()
third = remembered(3)
result["memoize"] = [first, second, third, calls]

attempts = []


@exception_handler.retry(delays=(0, 0), exception=ValueError)
def flaky(fail_times):
    attempts.append(1)
    if len(attempts) <= fail_times:
        raise ValueError("nope")
    return len(attempts)


result["retry"] = [outcome(flaky, 2)]
attempts.clear()
result["retry"].append(outcome(flaky, 5))
result["retry"].append(len(attempts))

renamed = {}
for name, base in [("Locust", locust.Locust), ("HttpLocust", locust.HttpLocust)]:
    renamed[name] = [base.__name__, outcome(lambda b=base: type("Mine", (b,), {}))]
from locust.contrib.fasthttp import FastHttpLocust  # noqa: E402

renamed["FastHttpLocust"] = [FastHttpLocust.__name__, outcome(lambda: type("Mine", (FastHttpLocust,), {}))]
result["renamed"] = renamed


class OldTaskSet(TaskSet):
    @task
    def t(self):
        pass


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    deprecation.check_for_deprecated_task_set_attribute({"task_set": OldTaskSet})
    deprecation.check_for_deprecated_task_set_attribute({"tasks": [OldTaskSet]})
result["task_set_warning"] = [[w.category.__name__, str(w.message)] for w in caught]

# -- locust.util.load_locustfile ----------------------------------------------------------

lf_dir = os.path.join(TMP, "lfs")
os.makedirs(lf_dir)
with open(os.path.join(lf_dir, "helper_mod.py"), "w") as f:
    f.write("VALUE = 'helper'\n")
with open(os.path.join(lf_dir, "my_locustfile.py"), "w") as f:
    f.write(
        "from locust import User, HttpUser, LoadTestShape, task\n"
        "import helper_mod\n"
        "class Base(User):\n    abstract = True\n"
        "class Real(Base):\n    @task\n    def t(self):\n        pass\n"
        "class Web(HttpUser):\n    host = 'http://127.0.0.1:1'\n"
        "class Shape(LoadTestShape):\n    def tick(self):\n        return None\n"
        "class AbstractShape(LoadTestShape):\n    abstract = True\n"
    )
with open(os.path.join(lf_dir, "locust.py"), "w") as f:
    f.write("from locust import User\nclass Named(User):\n    pass\n")
users, shapes = load_locustfile.load_locustfile(os.path.join(lf_dir, "my_locustfile.py"))
result["load_locustfile"] = {
    "users": sorted(users),
    "shapes": [type(s).__name__ for s in shapes],
    "module": users["Real"].__module__,
    "cwd_first_on_path": sys.path[0] == os.getcwd(),
    "lf_dir_left_on_path": lf_dir in sys.path,
}
users2, _ = load_locustfile.load_locustfile(os.path.join(lf_dir, "locust.py"))
result["load_locust_py"] = [sorted(users2), users2["Named"].__module__, "locustfile" in sys.modules]
result["is_class"] = [
    load_locustfile.is_user_class(users["Real"]),
    load_locustfile.is_user_class(User),
    load_locustfile.is_user_class(HttpUser),
    load_locustfile.is_shape_class(type(shapes[0])),
    load_locustfile.is_shape_class(LoadTestShape),
    load_locustfile.is_user_class(42),
]

# -- locust.user.inspectuser --------------------------------------------------------------


class Nested(TaskSet):
    @task(3)
    def inner_a(self):
        pass

    @task
    def inner_b(self):
        pass


class Browser(User):
    weight = 3
    wait_time = constant(0)
    tasks = {Nested: 2}

    @task
    def home(self):
        pass


class Admin(User):
    fixed_count = 1

    @task
    def admin(self):
        pass


result["task_ratio"] = [
    printed(inspectuser.print_task_ratio, [Browser, Admin], 5, False),
    printed(inspectuser.print_task_ratio, [Browser, Admin], None, True),
    printed(inspectuser.print_task_ratio_json, [Browser, Admin], 7),
    inspectuser.get_ratio([Browser, Admin], {"Browser": 3, "Admin": 1}, True),
]

# -- locust.argument_parser ---------------------------------------------------------------

os.chdir(TMP)
open(os.path.join(TMP, "one.py"), "w").close()
result["locustfile_paths"] = [
    [os.path.relpath(p, TMP) for p in ap.parse_locustfile_paths(["one.py", "tree"])],
    outcome(ap.parse_locustfile_paths, ["missing.py"]),
    outcome(ap.parse_locustfile_paths, ["one.txt"]),
    [os.path.relpath(p, TMP) for p in ap.parse_locustfile_paths([os.path.join("tree", "sub", "_d.py")])],
]
os.makedirs(os.path.join(TMP, "empty_dir"))
result["empty_dir"] = outcome(ap.parse_locustfile_paths, ["empty_dir"])
opts = ap.parse_locustfile_option(["-f", "one.py,tree", "--headless", "-u", "3"])
result["locustfile_option"] = [
    opts.locustfile,
    opts.help,
    opts.version,
    opts.worker,
    opts.master_host,
    opts.master_port,
    sorted(os.path.relpath(p, TMP) for p in ap.get_locustfiles_locally(opts)),
]
with mock.patch.dict(os.environ, {"LOCUST_LOCUSTFILE": "from_env.py"}):
    result["locustfile_env"] = ap.parse_locustfile_option([]).locustfile
result["locustfile_default"] = ap.parse_locustfile_option(["--headless"]).locustfile
result["dash_without_worker"] = outcome(ap.get_locustfiles_locally, argparse.Namespace(locustfile="-", worker=False))
result["types"] = [
    outcome(ap.timespan, "1h2m"),
    outcome(ap.timespan, "soon"),
    outcome(ap.positive_integer, "3"),
    outcome(ap.positive_integer, "0"),
    outcome(ap.positive_integer, "x"),
    outcome(ap.gt_zero(float), "0.5"),
    outcome(ap.gt_zero(float), "0"),
    outcome(ap.gt_zero(float), "inf"),
    outcome(ap.json_user_config, '{"user_class_name": "A", "weight": 2}'),
    outcome(ap.json_user_config, '[{"weight": 2}]'),
    outcome(ap.json_user_config, "{nope"),
]


class _Serve(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"from locust import User\n\nclass Downloaded(User):\n    pass\n" if self.path.endswith(".py") else b"not ( python"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), _Serve)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}"
downloaded = ap.parse_locustfile_paths([f"{base}/remote_lf_surface.py"])
result["download"] = [
    [os.path.basename(p) for p in downloaded],
    open(downloaded[0]).read(),
    json.loads(json.dumps(outcome(ap.parse_locustfile_paths, [f"{base}/broken"])).replace(base, "BASE")),
]
server.shutdown()
written = ap.parse_locustfiles_from_master([{"filename": "from_master_surface.py", "contents": "X = 1\n"}, "/abs/other.py"])
result["from_master"] = [os.path.basename(written[0]), open(written[0]).read(), written[1]]

# -- locust.stats -------------------------------------------------------------------------

T = 1700000000.0
now = [T + 0.25]
S.STATS_NAME_WIDTH = 60
S.PERCENTILES_TO_REPORT = [0.07, 0.5, 0.95, 0.999, 1.0]
with mock.patch.object(S.time, "time", lambda: now[0]):
    stats = S.RequestStats()
    for second in range(14):
        for k in range(3):
            now[0] = T + second + 0.1 + 0.3 * k
            stats.log_request("GET", "/a", 10.0 + second * 13 + k, 100)
            stats.log_request("POST", "/b, with comma", None if k == 1 else 2.5 * (second + 1), 7)
            if (second + k) % 5 == 0:
                stats.log_error("GET", "/a", CatchResponseError("bad 'thing'"))
                stats.log_error("POST", "/b, with comma", ValueError("<Foo object at 0x7f0012345678>"))
    now[0] = T + 15.5
    a = stats.get("/a", "GET")
    result["entry"] = {
        "str": str(a),
        "total_row": a.to_string(current=False),
        "percentile_row": a.percentile(),
        "current": [a.get_current_response_time_percentile(p) for p in [0.5, 0.95, 1.0]],
        "total_current": stats.total.get_current_response_time_percentile(0.5),
        "to_dict": a.to_dict(),
        "serialize_keys": list(a.serialize()),
        "unserialized": S.StatsEntry.unserialize(a.serialize(), stats).to_string(current=False),
        "cache_keys": [len(a.response_times_cache), min(a.response_times_cache), max(a.response_times_cache)],
        "cached_fields": list(S.CachedResponseTimes._fields),
        "diff": S.diff_response_time_dicts({1: 5, 2: 3, 4: 1}, {1: 2, 2: 3}),
        "no_cache": outcome(S.StatsEntry(stats, "x", "GET").get_current_response_time_percentile, 0.5),
    }
    result["tables"] = {
        "stats": S.get_stats_summary(stats, current=True),
        "percentiles": S.get_percentile_stats_summary(stats),
        "errors": S.get_error_report_summary(stats),
    }
    env = SimpleNamespace(stats=stats, runner=SimpleNamespace(exceptions={}, user_count=4))
    for full in (False, True):
        writer = S.StatsCSVFileWriter(env, S.PERCENTILES_TO_REPORT, os.path.join(TMP, f"csv{full}"), full_history=full)
        buf = io.StringIO()
        w = csv.writer(buf)
        writer.requests_csv(w)
        writer.failures_csv(w)
        w.writerow(writer.stats_history_csv_columns)
        writer._stats_history_data_rows(w, now[0])
        writer.close_files()
        result[f"csv_full_{full}"] = buf.getvalue()
    runner = SimpleNamespace(stats=stats, user_count=4, state="running")
    S.update_stats_history(runner, "2023-11-14T22:13:35Z")
    result["history"] = stats.history[-1]
    result["sort_stats"] = [e.name for e in S.sort_stats(stats.entries)]
    result["serialize_errors"] = sorted(stats.serialize_errors().values(), key=lambda e: e["name"])

    # A worker's report merged by a master.
    worker_events, master_events = Events(), Events()
    master_stats = S.RequestStats()
    S.setup_distributed_stats_event_listeners(worker_events, stats)
    S.setup_distributed_stats_event_listeners(master_events, master_stats)
    report = {}
    worker_events.report_to_master.fire(client_id="w1", data=report)
    master_events.worker_report.fire(client_id="w1", data=report)
    result["merged"] = {
        "rows": S.get_stats_summary(master_stats, current=False),
        "errors": sorted(e.occurrences for e in master_stats.errors.values()),
        "worker_after": [stats.total.num_requests, len(stats.errors)],
    }

S.PERCENTILES_TO_CHART = [0.5, 1.0]
result["validate_chart"] = outcome(S.validate_stats_configuration)
S.PERCENTILES_TO_CHART = [0.1] * 7
result["validate_chart_count"] = outcome(S.validate_stats_configuration)
S.PERCENTILES_TO_CHART = [0.5, 0.95]
S.PERCENTILES_TO_STATISTICS = ["x"]
result["validate_statistics"] = outcome(S.validate_stats_configuration)
S.PERCENTILES_TO_STATISTICS = [0.95, 0.99]
result["validate_ok"] = outcome(S.validate_stats_configuration)
result["settings"] = [
    S.STATS_TYPE_WIDTH,
    S.CSV_STATS_FLUSH_INTERVAL_SEC,
    S.CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW,
    S.STATS_AUTORESIZE,
]
emit(json.loads(json.dumps(result, default=repr)))
