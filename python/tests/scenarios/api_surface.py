"""Public names, exception hierarchy, EventHook semantics, wait times, shapes, stats
helpers: everything observable without running users."""

import inspect
import logging
import random

import locust
import locust.event
import locust.exception
import locust.runners
import locust.stats
from _harness import emit
from locust import LoadTestShape, User, between, constant, constant_pacing, constant_throughput, poisson, tag, task
from locust.contrib.fasthttp import FastHttpUser

logging.disable(logging.CRITICAL)
result = {}

result["__all__"] = sorted(locust.__all__)
result["version"] = locust.__version__

# Exception hierarchy.
exc_names = [
    "LocustError",
    "ResponseError",
    "CatchResponseError",
    "MissingWaitTimeError",
    "InterruptTaskSet",
    "StopTest",
    "StopUser",
    "RescheduleTask",
    "RescheduleTaskImmediately",
    "RPCError",
    "RPCSendError",
    "RPCReceiveError",
    "RunnerAlreadyExistsError",
]
result["exceptions"] = {n: [c.__name__ for c in getattr(locust.exception, n).__mro__] for n in exc_names}
result["interrupt_default"] = [
    locust.exception.InterruptTaskSet().reschedule,
    locust.exception.InterruptTaskSet(False).reschedule,
]
result["rpc_receive_addr"] = locust.exception.RPCReceiveError("x", addr="a").addr

# Events.
events = locust.event.Events()
result["event_names"] = sorted(k for k, v in vars(events).items() if isinstance(v, locust.event.EventHook))

hook = locust.event.EventHook()
calls = []


def first(**kw):
    calls.append(["first", sorted(kw)])


def failing(**kw):
    calls.append(["failing"])
    raise ValueError("listener broke")


def remover(**kw):
    calls.append(["remover"])
    hook.remove_listener(remover)


result["add_returns_handler"] = hook.add_listener(first) is first
hook.add_listener(failing)
hook.add_listener(remover)
hook.fire(a=1, b=2)
hook.fire(a=1, b=2)
hook.fire(reverse=True, c=3)
result["fire_calls"] = calls
try:
    hook.remove_listener(remover)
    result["remove_missing"] = "no error"
except Exception as e:
    result["remove_missing"] = type(e).__name__
try:
    hook.fire(1)
    result["positional_fire"] = "accepted"
except TypeError:
    result["positional_fire"] = "TypeError"

passed = {}
for name in [
    "StopUser",
    "StopTest",
    "RescheduleTask",
    "RescheduleTaskImmediately",
    "InterruptTaskSet",
    "CatchResponseError",
    "LocustError",
]:
    h = locust.event.EventHook()
    exc = getattr(locust.exception, name)

    def raiser(exc=exc, **kw):
        raise exc()

    h.add_listener(raiser)
    try:
        h.fire()
        passed[name] = "swallowed"
    except Exception as e:
        passed[name] = "raised " + type(e).__name__
result["listener_exceptions"] = passed

got = []
req = locust.event.EventHook()
req.add_listener(lambda **kw: got.append(kw))
with req.measure("CUSTOM", "ok-name", response_length=5) as meta:
    meta["extra"] = "x"
with req.measure("CUSTOM", "fail-name", context={"k": 1}):
    raise KeyError("inside")
result["measure"] = [
    {
        "keys": sorted(kw),
        "type": kw["request_type"],
        "name": kw["name"],
        "length": kw["response_length"],
        "context": kw["context"],
        "exception": type(kw["exception"]).__name__ if kw["exception"] else None,
        "rt_float": isinstance(kw["response_time"], float) and kw["response_time"] >= 0,
    }
    for kw in got
]

# Wait times, seeded.
random.seed(5)
b = between(1, 3)
p = poisson(2)
result["between"] = [round(b(None), 9) for _ in range(5)]
result["poisson"] = [round(p(None), 9) for _ in range(5)]
result["constant"] = constant(2.5)(None)
for label, make in [("throughput_zero", lambda: constant_throughput(0)), ("poisson_neg", lambda: poisson(-1))]:
    try:
        make()
        result[label] = "ok"
    except ValueError as e:
        result[label] = str(e)


class Paced:
    def __init__(self):
        import time

        self._cp_last_run = time.perf_counter() - 0.25
        self._cp_last_wait_time = 0


paced = constant_pacing(1)
first_wait = paced(Paced())
result["pacing_first"] = round(first_wait, 1)

# Decorators.
for label, make in [
    ("task_on_run", lambda: task(lambda: None) and task(type("F", (), {"__name__": "run", "__call__": lambda s: 0})())),
    ("tag_empty", lambda: tag()),
    ("tag_callable", lambda: tag(lambda: None)),
]:
    try:
        make()
        result[label] = "ok"
    except Exception as e:
        result[label] = [type(e).__name__, str(e)]

# Users.
result["user_defaults"] = {
    "host": User.host,
    "weight": User.weight,
    "fixed_count": User.fixed_count,
    "abstract": User.abstract,
    "wait_time": User.wait_time(None),
    "tasks": User.tasks,
    "min_wait": User.min_wait,
}
result["http_abstract"] = [locust.HttpUser.abstract, FastHttpUser.abstract]
result["fast_defaults"] = {
    k: getattr(FastHttpUser, k)
    for k in [
        "network_timeout",
        "connection_timeout",
        "max_redirects",
        "max_retries",
        "insecure",
        "default_headers",
        "concurrency",
        "proxy_host",
        "proxy_port",
        "client_pool",
        "ssl_context_factory",
    ]
}


class JsonUser(User):
    host = "http://h"
    weight = 4

    @task(2)
    def a(self):
        pass


result["user_json"] = JsonUser.json()
result["user_fullname"] = JsonUser.fullname().replace(__name__, "MOD")
result["user_context"] = JsonUser(None).context()


class ConcreteShape(LoadTestShape):
    def tick(self):
        return None


class AbstractShape(LoadTestShape):
    abstract = True

    def tick(self):
        return None


class FakeRunner:
    user_count = 7


shape = ConcreteShape()
shape.runner = FakeRunner()
result["shape"] = {
    "abstract": [LoadTestShape.abstract, ConcreteShape.abstract, AbstractShape.abstract],
    "use_common_options": ConcreteShape.use_common_options,
    "count": shape.get_current_user_count(),
    "run_time_small": 0 <= shape.get_run_time() < 1,
    "runner_default": LoadTestShape.runner,
    "isabstract": inspect.isabstract(LoadTestShape),
}
try:
    LoadTestShape()
    result["shape_instantiate"] = "ok"
except TypeError:
    result["shape_instantiate"] = "TypeError"

result["states"] = [
    getattr(locust.runners, n)
    for n in [
        "STATE_INIT",
        "STATE_SPAWNING",
        "STATE_RUNNING",
        "STATE_CLEANUP",
        "STATE_STOPPING",
        "STATE_STOPPED",
        "STATE_MISSING",
    ]
]

# Stats helpers.
s = locust.stats
result["stats_consts"] = [
    s.PERCENTILES_TO_REPORT,
    s.CONSOLE_STATS_INTERVAL_SEC,
    s.CSV_STATS_INTERVAL_SEC,
    s.HISTORY_STATS_INTERVAL_SEC,
    s.PERCENTILES_TO_CHART,
    s.PERCENTILES_TO_STATISTICS,
]
result["buckets"] = [s.bucket_response_time(x) for x in [0.4, 2.5, 99.6, 145, 155, 999, 3432, 58760, 10500]]
result["readable"] = s.get_readable_percentiles([0.5, 0.999, 0.9999, 1.0])
stats = s.RequestStats()
for rt in [10, 20, 30, 400, 5000, None]:
    stats.log_request("GET", "/a", rt, 100)
stats.log_error("GET", "/a", locust.exception.CatchResponseError("bad status"))
stats.log_error("GET", "/a", ValueError("x"))
stats.log_error("GET", "/a", ValueError("x"))
e = stats.get("/a", "GET")
result["entry"] = {
    "num": [e.num_requests, e.num_none_requests, e.num_failures],
    "avg": e.avg_response_time,
    "median": e.median_response_time,
    "min_max": [e.min_response_time, e.max_response_time],
    "p": [e.get_response_time_percentile(q) for q in [0.5, 0.9, 0.95, 1.0]],
    "fail_ratio": e.fail_ratio,
    "avg_content": e.avg_content_length,
    "total_num": stats.total.num_requests,
}
result["errors"] = sorted([err.to_name(), err.occurrences] for err in stats.errors.values())
result["parse_error"] = s.StatsError.parse_error("<Foo object at 0x7f00deadbeef> and more")
emit(result)
