"""Control exceptions, nested task sets, on_start/on_stop order, user_error, states."""

import random

import gevent
import locust
from _harness import Harness, emit
from locust import SequentialTaskSet, TaskSet, User, constant, task
from locust.exception import (
    InterruptTaskSet,
    RescheduleTask,
    RescheduleTaskImmediately,
    StopTest,
    StopUser,
)

trace = []
errors = []


def on_user_error(user_instance, exception, tb):
    errors.append([type(user_instance).__name__, type(exception).__name__, str(exception), tb is not None])


locust.events.user_error.add_listener(on_user_error)


def note(*parts):
    trace.append(" ".join(str(p) for p in parts))


class Inner(SequentialTaskSet):
    wait_time = constant(0.001)

    def on_start(self):
        note("inner.on_start", self.user._state, type(self.parent).__name__)

    def on_stop(self):
        note("inner.on_stop", self.user._state)
        if self.user.phase == "inner_stop_error":
            raise ValueError("inner on_stop failed")

    @task
    def a(self):
        note("inner.a")
        raise RescheduleTask()

    @task
    def b(self):
        note("inner.b")
        raise RescheduleTaskImmediately()

    @task
    def c(self):
        note("inner.c", self.user._state)
        raise ZeroDivisionError("inner boom")

    @task
    def d(self):
        note("inner.d")
        self.interrupt(reschedule=self.user.reschedule)


class InterruptsAtStart(TaskSet):
    def on_start(self):
        note("ias.on_start")
        self.interrupt(reschedule=False)

    def on_stop(self):
        note("ias.on_stop (never)")

    @task
    def never(self):
        note("ias.never")


class Outer(SequentialTaskSet):
    def on_start(self):
        note("outer.on_start")

    def on_stop(self):
        note("outer.on_stop", self.user._state)

    @task
    def first(self):
        note("outer.first", self.user._state)

    tasks = [Inner, InterruptsAtStart]

    @task
    def last(self):
        self.user.rounds += 1
        note("outer.last", self.user.rounds)
        if self.user.rounds == 2:
            self.user.phase = "inner_stop_error"
        if self.user.rounds >= 3:
            raise self.user.final_exception


class Person(User):
    wait_time = constant(0.002)
    tasks = [Outer]
    reschedule = True
    final_exception = StopUser()

    def __init__(self, environment):
        super().__init__(environment)
        self.rounds = 0
        self.phase = ""

    def on_start(self):
        note("user.on_start", self._state)

    def on_stop(self):
        note("user.on_stop", self._state)


class PersonNoReschedule(Person):
    reschedule = False
    final_exception = StopTest("test over")


class FailingStart(User):
    @task
    def t(self):
        note("failing_start.task (never)")

    def on_start(self):
        note("failing_start.on_start")
        raise KeyError("bad start")

    def on_stop(self):
        note("failing_start.on_stop (never)")


class StopUserAtStart(User):
    @task
    def t(self):
        note("stopuser_start.task (never)")

    def on_start(self):
        note("stopuser_start.on_start")
        raise StopUser()

    def on_stop(self):
        note("stopuser_start.on_stop")


class Uncaught(User):
    wait_time = constant(0)

    @task
    def t(self):
        note("uncaught.task")
        raise RuntimeError("not caught")

    def on_stop(self):
        note("uncaught.on_stop (never)")


class NoTasksUser(User):
    wait_time = constant(0.01)

    def on_stop(self):
        note("notasks.on_stop")


class InterruptsUser(User):
    """InterruptTaskSet in a User task leaves the root task set: the user ends
    (the converted RescheduleTaskImmediately escapes User.run)."""

    wait_time = constant(0)

    @task
    def t(self):
        note("interrupts_user.task")
        raise InterruptTaskSet()

    def on_stop(self):
        note("interrupts_user.on_stop (never)")


class StopTestInTask(User):
    wait_time = constant(0)

    @task
    def t(self):
        note("stoptest.task")
        raise StopTest("only this user")

    def on_stop(self):
        note("stoptest.on_stop")


result = {}
random.seed(1)
for cls in [Person, PersonNoReschedule, FailingStart, StopUserAtStart, NoTasksUser, InterruptsUser, StopTestInTask]:
    trace.clear()
    errors.clear()
    h = Harness([cls])
    h.spawn(cls.__name__, 1)
    if cls is NoTasksUser:
        gevent.sleep(0.05)
        h.stop({cls.__name__: 1}, None)
    h.join(5)
    gevent.sleep(0.01)
    # The no-tasks user fails once per wait: how many times depends on timing.
    seen = sorted(set(map(tuple, errors))) if cls is NoTasksUser else list(errors)
    result[cls.__name__] = {"trace": list(trace), "errors": seen, "counts": h.counts()}

trace.clear()
errors.clear()
h = Harness([Uncaught], catch_exceptions=False)
h.spawn("Uncaught", 1)
h.join(5)
gevent.sleep(0.01)
result["Uncaught"] = {"trace": list(trace), "errors": list(errors), "counts": h.counts()}
emit(result)
