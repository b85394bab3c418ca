"""Wait behaviour: constant_pacing on the user vs on a TaskSet, TaskSet wait_time
override, deprecated min/max_wait, missing wait time, wait() in a task, states,
schedule_task(first=True), StopTest in a task."""

import logging
import time

import gevent
from _harness import Harness, emit
from locust import TaskSet, User, constant, constant_pacing, task
from locust.exception import StopTest, StopUser

logging.disable(logging.CRITICAL)
result = {}
marks = []
errors = []


def check_intervals(times, expected, tolerance=0.06):
    """Pacing holds when no gap is short and the typical (median) gap is right: a loaded
    machine may stall one gap, which says nothing about the wait time."""
    gaps = sorted(b - a for a, b in zip(times, times[1:]))
    if not gaps:
        return ["no gaps"]
    median = gaps[len(gaps) // 2]
    if gaps[0] < expected - tolerance or abs(median - expected) > tolerance:
        return [f"off:min={gaps[0]:.3f},median={median:.3f}"]
    return ["ok"] * len(gaps)


class PacedUser(User):
    wait_time = constant_pacing(0.2)

    @task
    def t(self):
        marks.append(time.perf_counter())
        gevent.sleep(0.05)
        if len(marks) >= 5:
            raise StopUser()


class PacedSet(TaskSet):
    wait_time = constant_pacing(0.15)

    @task
    def inner(self):
        marks.append(time.perf_counter())
        gevent.sleep(0.03)
        if len(marks) >= 5:
            raise StopUser()


class SetPacedUser(User):
    wait_time = constant(1.0)
    tasks = [PacedSet]


for cls, expected in [(PacedUser, 0.2), (SetPacedUser, 0.15)]:
    marks.clear()
    h = Harness([cls])
    h.spawn(cls.__name__, 1)
    h.join(5)
    result[cls.__name__] = check_intervals(marks, expected)


class OldStyle(User):
    wait_time = None
    min_wait = 100
    max_wait = 100

    @task
    def t(self):
        marks.append(time.perf_counter())
        if len(marks) >= 3:
            raise StopUser()


marks.clear()
h = Harness([OldStyle])
h.spawn("OldStyle", 1)
h.join(5)
result["OldStyle"] = check_intervals(marks, 0.1)


class NoWait(User):
    wait_time = None

    @task
    def t(self):
        marks.append("t")
        if len(marks) >= 2:
            raise StopUser()


import locust  # noqa: E402

locust.events.user_error.add_listener(
    lambda user_instance, exception, tb: errors.append([type(exception).__name__, str(exception)])
)
marks.clear()
h = Harness([NoWait])
h.spawn("NoWait", 1)
gevent.sleep(0.05)
h.stop({"NoWait": 1}, None)
result["NoWait"] = {"marks": marks[:], "errors": sorted(set(map(tuple, errors)))}

states = []


class Waits(User):
    wait_time = constant(0.05)

    @task
    def t(self):
        states.append(["task", self._state])
        gevent.spawn_later(0.01, lambda: states.append(["during wait()", self._state]))
        self.wait()
        states.append(["after wait()", self._state])
        self.schedule_first()

    def schedule_first(self):
        self._taskset_instance.schedule_task(type(self).queued, first=True)

    def queued(self):
        states.append(["queued", self._state])
        raise StopTest("done")

    def on_stop(self):
        states.append(["on_stop", self._state])


h = Harness([Waits])
h.spawn("Waits", 1)
h.join(5)
result["Waits"] = states
emit(result)
