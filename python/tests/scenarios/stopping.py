"""Stop semantics: stop_timeout None/0 vs a timeout, waiting vs running users,
users already stopping, partial stops, User.stop(force) return values."""

import time

import gevent
from _harness import Harness, emit
from locust import User, constant, task

trace = []


def note(*parts):
    trace.append(" ".join(str(p) for p in parts))


def bucket(elapsed, expected):
    """Coarse timing: did stop() return about when it should have?"""
    return "ok" if expected - 0.05 <= elapsed <= expected + 0.35 else f"off:{elapsed:.2f}"


class Waiter(User):
    wait_time = constant(10)

    @task
    def t(self):
        note("waiter.task")

    def on_stop(self):
        note("waiter.on_stop", self._state)


class Worker(User):
    wait_time = constant(0)
    task_seconds = 0.3

    @task
    def t(self):
        note("worker.task.begin", self._state)
        gevent.sleep(self.task_seconds)
        note("worker.task.end", self._state)

    def on_stop(self):
        note("worker.on_stop", self._state)


class SlowWorker(Worker):
    task_seconds = 2.0


result = {}


def case(label, cls, stop_timeout, expected_elapsed, settle=0.05, count=1, stop_count=1):
    trace.clear()
    h = Harness([cls])
    h.spawn(cls.__name__, count)
    gevent.sleep(settle)
    started = time.perf_counter()
    h.stop({cls.__name__: stop_count}, stop_timeout)
    elapsed = time.perf_counter() - started
    gevent.sleep(0.05)
    result[label] = {
        "trace": list(trace),
        "elapsed": bucket(elapsed, expected_elapsed),
        "counts": h.counts(),
    }
    h.stop(h.counts(), None)


case("waiting_no_timeout", Waiter, None, 0.0)
case("waiting_zero_timeout", Waiter, 0, 0.0)
case("running_no_timeout", Worker, None, 0.0)
case("waiting_with_timeout", Waiter, 2, 0.0)
case("running_with_timeout", Worker, 2, 0.25)
case("running_past_timeout", SlowWorker, 0.3, 0.3)
case("partial", Waiter, None, 0.0, count=3, stop_count=2)
case("more_than_alive", Waiter, None, 0.0, count=2, stop_count=5)

# A user a ramp-down already marked "stopping" is only waited for.
trace.clear()
h = Harness([Worker])
h.spawn("Worker", 1)
gevent.sleep(0.05)
user = (h.ctl.users() if hasattr(h, "ctl") else [g.args[0] for g in h.runner.user_greenlets])[0]
first = user.stop(force=False)
state_after = user._state
started = time.perf_counter()
h.stop({"Worker": 1}, 2)
result["already_stopping"] = {
    "first_stop": first,
    "state_after": state_after,
    "trace": list(trace),
    "elapsed": bucket(time.perf_counter() - started, 0.25),
    "counts": h.counts(),
}

# User.stop on a waiting user kills it at once and says so.
trace.clear()
h = Harness([Waiter])
h.spawn("Waiter", 1)
gevent.sleep(0.05)
user = (h.ctl.users() if hasattr(h, "ctl") else [g.args[0] for g in h.runner.user_greenlets])[0]
result["stop_waiting_direct"] = {"returned": user.stop(), "trace": list(trace), "dead": user.greenlet.dead}

# Two classes at once: each gets its own count.
trace.clear()
h = Harness([Waiter, Worker])
h.spawn("Waiter", 2)
h.spawn("Worker", 2)
gevent.sleep(0.05)
h.stop({"Waiter": 1, "Worker": 2}, None)
gevent.sleep(0.05)
result["two_classes"] = {"counts": h.counts(), "on_stops": sorted(t for t in trace if "on_stop" in t)}
h.stop(h.counts(), None)
emit(result)
