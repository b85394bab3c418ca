"""UserGroupController: the seam the engine drives."""

from __future__ import annotations

import ast
import time
from pathlib import Path
from typing import Any, List

import gevent
import pytest

from rocust._backend import UserGroupController, task_tree
from rocust._locust import HttpUser, MarkovTaskSet, TaskSet, User, constant, tag, task, transition
from rocust._locust.env import Environment
from rocust._locust.exception import StopTest
from rocust._locust._http.transport import set_transport_factory
from transport_ref import RefTransport


def make_classes() -> Any:
    class Inner(TaskSet):
        @task(2)
        def i1(self) -> None:
            pass

        @tag("deep")
        @task
        def i2(self) -> None:
            pass

    class Chain(MarkovTaskSet):
        @transition("m")
        def m(self) -> None:
            pass

    def free(user: Any) -> None:
        pass

    class Web(User):
        weight = 3
        host = "http://web"
        wait_time = constant(10)
        tasks = {Inner: 2, free: 1, Chain: 1}

        @tag("web")
        @task(4)
        def index(self) -> None:
            pass

    class Fixed(User):
        fixed_count = 2
        wait_time = constant(10)

        @task
        def only(self) -> None:
            pass

    class Base(User):
        abstract = True

    return Web, Fixed, Base


def test_user_classes_info_gives_the_task_tree() -> None:
    web, fixed, base = make_classes()
    ctl = UserGroupController(Environment(), [web, fixed, base])
    info = {c["name"]: c for c in ctl.user_classes_info()}
    assert info["Web"]["weight"] == 3 and info["Web"]["fixed_count"] == 0 and info["Web"]["host"] == "http://web"
    assert info["Fixed"]["fixed_count"] == 2 and info["Fixed"]["host"] is None
    assert info["Base"]["abstract"] is True and info["Web"]["abstract"] is False
    assert info["Web"]["tasks"] == [
        {
            "name": "Inner",
            "weight": 2,
            "children": [
                {"name": "i1", "weight": 2, "children": None},
                {"name": "i2", "weight": 1, "children": None},
            ],
        },
        {"name": "free", "weight": 1, "children": None},
        {"name": "Chain", "weight": 1, "children": []},
        {"name": "index", "weight": 4, "children": None},
    ]


def test_task_tree_stops_at_a_task_set_that_contains_itself() -> None:
    class Loop(TaskSet):
        @task
        def a(self) -> None:
            pass

    Loop.tasks.append(Loop)
    tree = task_tree([Loop])
    assert tree == [
        {
            "name": "Loop",
            "weight": 1,
            "children": [
                {"name": "a", "weight": 1, "children": None},
                {"name": "Loop", "weight": 1, "children": []},
            ],
        }
    ]


def test_apply_filter_tags_and_equal_weights() -> None:
    web, fixed, _ = make_classes()
    ctl = UserGroupController(Environment(), [web, fixed])
    ctl.apply_filter(tags=["web", "deep"], exclude_tags=None, equal_weights=False)
    names = [t["name"] for t in ctl.user_classes_info()[0]["tasks"]]
    assert names == ["Inner", "Chain", "index"]  # a MarkovTaskSet always passes
    assert ctl.user_classes_info()[0]["tasks"][0]["children"] == [{"name": "i2", "weight": 1, "children": None}]
    assert fixed.tasks == []  # nothing tagged

    web, fixed, _ = make_classes()
    ctl = UserGroupController(Environment(), [web, fixed])
    ctl.apply_filter(None, ["web"], equal_weights=True)
    assert web.weight == 1
    assert sorted(t.__name__ for t in web.tasks) == ["free", "i1", "i2"]  # Chain has no tasks: dropped


def test_spawn_counts_and_newest_first_stop() -> None:
    web, fixed, _ = make_classes()
    ctl = UserGroupController(Environment(), [web, fixed])
    first = ctl.spawn("Web", 3)
    ctl.spawn("Fixed", 2)
    gevent.sleep(0.01)
    assert ctl.user_classes_count() == {"Web": 3, "Fixed": 2} and ctl.user_count == 5
    ctl.stop({"Web": 2, "Fixed": 0}, None)
    # counts are right as soon as stop() returns
    assert ctl.user_classes_count() == {"Web": 1, "Fixed": 2}
    assert ctl.users("Web") == [first[0]]
    ctl.kill_all()
    assert ctl.user_count == 0 and len(ctl.group) == 0


def test_stop_with_timeout_lets_running_users_finish_their_task() -> None:
    done: List[str] = []

    class Busy(User):
        wait_time = constant(0)

        @task
        def t(self) -> None:
            gevent.sleep(0.2)
            done.append("task")

        def on_stop(self) -> None:
            done.append("on_stop:" + str(self._state))

    ctl = UserGroupController(Environment(), [Busy])
    ctl.spawn("Busy", 1)
    gevent.sleep(0.05)
    started = time.perf_counter()
    ctl.stop({"Busy": 1}, 5)
    assert 0.1 < time.perf_counter() - started < 1
    assert done == ["task", "on_stop:stopping"]

    done.clear()
    ctl.spawn("Busy", 1)
    gevent.sleep(0.05)
    started = time.perf_counter()
    ctl.stop({"Busy": 1}, 0.05)  # shorter than the task: killed at the timeout
    assert time.perf_counter() - started < 0.18
    assert done == ["on_stop:stopping"]


def test_spawn_stop_runs_in_its_own_greenlet_and_reports_done() -> None:
    web, _, _ = make_classes()
    ctl = UserGroupController(Environment(), [web])
    ctl.spawn("Web", 2)
    gevent.sleep(0)
    acks: List[int] = []
    greenlet = ctl.spawn_stop({"Web": 2}, None, on_done=lambda: acks.append(ctl.user_count))
    assert acks == []  # nothing happened yet: the caller did not block
    greenlet.join(2)
    assert acks == [0]


def test_kill_all_also_kills_users_already_stopping_and_runs_on_stop() -> None:
    stopped: List[str] = []

    class Slow(User):
        wait_time = constant(0)

        @task
        def t(self) -> None:
            gevent.sleep(5)

        def on_stop(self) -> None:
            stopped.append(str(self._state))

    ctl = UserGroupController(Environment(), [Slow])
    ctl.spawn("Slow", 2)
    gevent.sleep(0.01)
    stopper = ctl.spawn_stop({"Slow": 2}, 30)  # graceful: would wait 5 s
    gevent.sleep(0.01)
    started = time.perf_counter()
    ctl.kill_all()
    stopper.join(1)
    assert time.perf_counter() - started < 0.5
    assert stopped == ["stopping", "stopping"] and ctl.user_count == 0


def test_a_user_stopping_itself_does_not_deadlock() -> None:
    seen: List[str] = []
    holder: List[UserGroupController] = []

    class SelfStopper(User):
        wait_time = constant(0)

        @task
        def t(self) -> None:
            holder[0].stop({"SelfStopper": 1}, 10)
            seen.append("after stop (still running until next switch)")
            gevent.sleep(1)
            seen.append("never")

        def on_stop(self) -> None:
            seen.append("on_stop")

    ctl = UserGroupController(Environment(), [SelfStopper])
    holder.append(ctl)
    ctl.spawn("SelfStopper", 1)
    ctl.group.join(2)
    assert seen == ["after stop (still running until next switch)", "on_stop"]


def test_host_option_overrides_class_host_and_missing_host_raises_stop_test() -> None:
    created: List[str] = []

    def factory(cls: str, host: Any, verify: bool) -> RefTransport:
        created.append(host)
        return RefTransport()

    set_transport_factory(factory)
    try:

        class Site(HttpUser):
            wait_time = constant(10)

            @task
            def t(self) -> None:
                pass

        ctl = UserGroupController(Environment(host="http://from-cli"), [Site])
        users = ctl.spawn("Site", 1)
        assert created == ["http://from-cli"] and users[0].client.base_url == "http://from-cli"

        class NoHost(HttpUser):
            @task
            def t(self) -> None:
                pass

        ctl2 = UserGroupController(Environment(), [NoHost])
        with pytest.raises(StopTest, match="You must specify the base host"):
            ctl2.spawn("NoHost", 1)
        ctl.kill_all()
    finally:
        set_transport_factory(None)


def test_controller_imports_nothing_from_the_engine() -> None:
    source = Path(__file__).resolve().parents[1] / "rocust" / "_backend.py"
    roots = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom):
            roots.add("." if node.level else (node.module or "").split(".")[0])
        elif isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
    assert roots <= {"__future__", "logging", "typing", "gevent", "."}, roots


def test_apply_filter_happens_once_and_accepts_any_iterable() -> None:
    web, fixed, _ = make_classes()
    ctl = UserGroupController(Environment(), [web, fixed])
    ctl.apply_filter(iter(["web"]), None, equal_weights=True)
    after_first = list(web.tasks)
    assert [t.__name__ for t in after_first] == ["index"]
    ctl.apply_filter(["other"], None, equal_weights=True)
    assert web.tasks == after_first
