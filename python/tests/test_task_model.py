"""In-process checks of the user/task model details the scenarios do not reach."""

from __future__ import annotations

import logging
import warnings
from typing import Any, List

import gevent
import pytest

from rocust._locust import (
    FastHttpUser,
    HttpUser,
    SequentialTaskSet,
    TaskSet,
    User,
    constant,
    constant_pacing,
    tag,
    task,
)
from rocust._locust.env import Environment
from rocust._locust.exception import InterruptTaskSet, LocustError, StopTest
from rocust._locust._http.transport import set_transport_factory
from transport_ref import RefTransport


def test_task_decorator_forms_and_guards(caplog: Any) -> None:
    @task
    def bare(u: Any) -> None:
        pass

    @task(5)
    def weighted(u: Any) -> None:
        pass

    assert bare.locust_task_weight == 1 and weighted.locust_task_weight == 5  # type: ignore[attr-defined]

    with caplog.at_level(logging.WARNING):

        @task
        def on_start(u: Any) -> None:
            pass

    assert "on_stop/start function with @task" in caplog.text

    def run(u: Any) -> None:
        pass

    with pytest.raises(Exception, match="User.run\\(\\) is a method used internally"):
        task(run)


def test_tag_sets_are_per_object_and_task_sets_tag_their_functions() -> None:
    with pytest.raises(ValueError, match="No tag name was supplied"):
        tag()

    @tag("a")
    @tag("b", "c")
    def f(u: Any) -> None:
        pass

    assert f.locust_tag_set == {"a", "b", "c"}  # type: ignore[attr-defined]

    @tag("set")
    class Tagged(TaskSet):
        @task
        def inner(self) -> None:
            pass

    assert "locust_tag_set" not in Tagged.__dict__
    assert Tagged.tasks[0].locust_tag_set == {"set"}


def test_sequential_cycle_is_per_instance() -> None:
    order: List[str] = []

    class Seq(SequentialTaskSet):
        @task
        def one(self) -> None:
            order.append("one")

        @task(2)
        def two(self) -> None:
            order.append("two")

    class Owner(User):
        pass

    owner = Owner(Environment())
    first, second = Seq(owner), Seq(owner)
    picks = [first.get_next_task().__name__ for _ in range(4)] + [second.get_next_task().__name__]
    assert picks == ["one", "two", "two", "one", "one"]

    class Empty(SequentialTaskSet):
        pass

    with pytest.raises(LocustError, match="No tasks defined. Use the @task decorator"):
        Empty(owner).get_next_task()


def test_constant_pacing_state_lives_on_the_owner() -> None:
    class PacedSet(TaskSet):
        wait_time = constant_pacing(1)

    class Owner(User):
        wait_time = constant_pacing(2)

    owner = Owner(Environment())
    taskset = PacedSet(owner)
    assert 1.9 < owner.wait_time() <= 2  # type: ignore[misc]
    assert 0.9 < taskset.wait_time() <= 1
    assert owner._cp_last_wait_time > 1.9 and taskset._cp_last_wait_time <= 1


def test_abstract_flags() -> None:
    class Concrete(User):
        pass

    class StillAbstract(User):
        abstract = True

    class Child(StillAbstract):
        pass

    assert (User.abstract, HttpUser.abstract, FastHttpUser.abstract) == (True, True, True)
    assert (Concrete.abstract, StillAbstract.abstract, Child.abstract) == (False, True, False)


@pytest.mark.parametrize("kind", [HttpUser, FastHttpUser])
def test_http_users_need_a_host_and_get_their_transport_from_the_factory(kind: Any) -> None:
    class NoHost(kind):  # type: ignore[misc, valid-type]
        pass

    class WithHost(kind):  # type: ignore[misc, valid-type]
        host = "http://127.0.0.1:1"

    with pytest.raises(StopTest, match="You must specify the base host"):
        NoHost(Environment())
    made: List[Any] = []
    set_transport_factory(lambda *args: made.append(args) or RefTransport())  # type: ignore[func-returns-value]
    try:
        client = WithHost(Environment()).client
    finally:
        set_transport_factory(None)
    assert type(client).__name__ == ("HttpSession" if kind is HttpUser else "FastHttpSession")
    # FastHttpUser does not verify certificates by default (insecure = True).
    assert made == [("WithHost", "http://127.0.0.1:1", kind is HttpUser)]


def test_taskset_client_is_the_users_client() -> None:
    class Owner(User):
        pass

    owner = Owner(Environment())
    owner.client = "c"
    assert TaskSet(owner).client == "c"
    with pytest.raises(AttributeError):
        _ = TaskSet(Owner(Environment())).client


def test_stop_in_an_unexpected_state_is_an_error() -> None:
    class Owner(User):
        @task
        def t(self) -> None:
            pass

    owner = Owner(Environment())
    owner._state = "weird"
    with pytest.raises(Exception, match="unexpected state: weird"):
        owner.stop()


def test_catch_exceptions_false_ends_the_user_with_the_error() -> None:
    errors: List[str] = []

    class Failing(User):
        wait_time = constant(0)

        @task
        def t(self) -> None:
            raise KeyError("boom")

    env = Environment(catch_exceptions=False)
    env.events.user_error.add_listener(lambda user_instance, exception, tb: errors.append(repr(exception)))
    user = Failing(env)
    from gevent.pool import Group

    greenlet = user.start(Group())
    greenlet.join(1)
    assert errors == ["KeyError('boom')"]
    assert isinstance(greenlet.exception, KeyError)


def test_interrupt_outside_a_nested_task_set_via_on_start() -> None:
    """InterruptTaskSet in a TaskSet's on_start hands control straight back."""
    trace: List[str] = []

    class Refuses(TaskSet):
        def on_start(self) -> None:
            trace.append("refuses.on_start")
            raise InterruptTaskSet(reschedule=False)

    class Owner(User):
        wait_time = constant(0.01)
        tasks = [Refuses]

    env = Environment()
    user = Owner(env)
    from gevent.pool import Group

    greenlet = user.start(Group())
    gevent.sleep(0.035)
    user.stop(force=True)
    assert 2 <= len(trace) <= 5 and greenlet.dead


def test_renamed_pre_1_0_classes_fail_at_definition() -> None:
    from rocust._locust import HttpLocust, Locust

    with pytest.raises(ImportError, match="renamed to User"):

        class Old(Locust):
            pass

    with pytest.raises(ImportError, match="renamed to HttpUser"):

        class OldHttp(HttpLocust):
            pass


def test_task_set_attribute_is_deprecated() -> None:
    class Legacy(TaskSet):
        pass

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        class Old(User):
            task_set = Legacy

    assert any("Usage of User.task_set is deprecated" in str(w.message) for w in caught)
