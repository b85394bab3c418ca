"""Events, Environment, the runner facade, shapes, stats and the argument parser."""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any, Dict, List

import gevent
import pytest

from rocust._backend import UserGroupController
from rocust._locust import LoadTestShape, User, constant, log, task
from rocust._locust.argument_parser import LocustArgumentParser, describe_custom_options
from rocust._locust.env import Environment
from rocust._locust.event import DeprecatedEventHook, EventHook, Events
from rocust._locust.exception import RunnerAlreadyExistsError, StopUser
from rocust._locust.runners import (
    STATE_CLEANUP,
    STATE_INIT,
    STATE_STOPPED,
    LocalRunner,
    MasterRunner,
    WorkerRunner,
)


def test_fire_logs_failing_listeners_and_marks_the_run(caplog: Any) -> None:
    hook = EventHook()
    seen: List[int] = []
    hook.add_listener(lambda **kw: 1 / 0)
    hook.add_listener(lambda **kw: seen.append(kw["x"]))
    log.unhandled_greenlet_exception = False
    with caplog.at_level(logging.ERROR):
        hook.fire(x=1)
    assert seen == [1] and log.unhandled_greenlet_exception
    assert "Uncaught exception in event handler" in caplog.text and "ZeroDivisionError" in caplog.text
    log.unhandled_greenlet_exception = False

    control = EventHook()

    def stop(**kw: Any) -> None:
        raise StopUser()

    control.add_listener(stop)
    control.add_listener(lambda **kw: seen.append(2))
    with pytest.raises(StopUser):
        control.fire()
    assert seen == [1]  # later listeners do not run after a control exception


def test_measure_swallows_the_exception_and_times_the_block() -> None:
    hook = EventHook()
    got: List[Dict[str, Any]] = []
    hook.add_listener(lambda **kw: got.append(kw))
    with hook.measure("GRPC", "call") as meta:
        gevent.sleep(0.02)
        meta["response_length"] = 9
        raise ValueError("failed call")
    assert got[0]["response_time"] >= 19 and got[0]["response_length"] == 9
    assert isinstance(got[0]["exception"], ValueError) and got[0]["context"] == {}


def test_events_subclasses_and_deprecated_hooks(caplog: Any) -> None:
    class MyEvents(Events):
        custom: EventHook
        legacy = "EventHook"

    events = MyEvents()
    assert isinstance(events.custom, EventHook) and isinstance(events.legacy, EventHook)
    assert isinstance(events.request, EventHook) and events.request is not Events().request

    old = DeprecatedEventHook("use the other event")
    with caplog.at_level(logging.WARNING):
        old.add_listener(lambda **kw: None)
    assert "use the other event" in caplog.text


def test_environment_defaults_and_stop_timeout_from_options() -> None:
    env = Environment()
    assert (env.host, env.stop_timeout, env.catch_exceptions, env.process_exit_code, env.runner) == (
        None,
        0.0,
        True,
        None,
        None,
    )
    env = Environment(parsed_options=argparse.Namespace(stop_timeout=7))
    assert env.stop_timeout == 7.0
    assert Environment(stop_timeout=3, parsed_options=argparse.Namespace(stop_timeout=7)).stop_timeout == 3


def test_tags_from_parsed_options_are_used_when_not_given() -> None:
    class Tagged(User):
        @task
        def untagged(self) -> None:
            pass

    from rocust._locust import tag

    @tag("x")
    def tagged(user: Any) -> None:
        pass

    Tagged.tasks.append(tagged)
    env = Environment(user_classes=[Tagged], parsed_options=argparse.Namespace(tags=["x"], exclude_tags=None))
    env._filter_tasks_by_tags()
    assert Tagged.tasks == [tagged]


class ShapeForTest(LoadTestShape):
    def tick(self) -> None:
        return None


def test_runner_facade_counts_users_and_stops_them_without_an_engine() -> None:
    order: List[str] = []

    class Sleeper(User):
        wait_time = constant(10)

        @task
        def t(self) -> None:
            pass

        def on_stop(self) -> None:
            order.append("on_stop")

    shape = ShapeForTest()
    env = Environment(user_classes=[Sleeper], shape_class=shape)
    env.events.test_stopping.add_listener(lambda environment: order.append("test_stopping"))
    env.events.test_stop.add_listener(lambda environment: order.append("test_stop:" + environment.runner.state))
    runner = env.create_local_runner()
    assert shape.runner is runner and runner.state == STATE_INIT
    with pytest.raises(RunnerAlreadyExistsError):
        env.create_local_runner()
    ctl = UserGroupController(env, [Sleeper])
    runner.attach(ctl)
    runner.spawn_users({"Sleeper": 3})
    gevent.sleep(0)
    assert runner.user_count == 3 and shape.get_current_user_count() == 3
    assert runner.user_greenlets is ctl.group and len(runner.user_greenlets) == 3
    runner.stop()
    assert order == ["test_stopping", "on_stop", "on_stop", "on_stop", "test_stop:stopped"]
    assert runner.state == STATE_STOPPED and runner.user_count == 0
    assert runner.final_user_classes_count == {"Sleeper": 3}
    assert not isinstance(runner, (MasterRunner, WorkerRunner)) and isinstance(runner, LocalRunner)
    assert STATE_CLEANUP == "cleanup"


def test_runner_commands_go_to_the_driver_when_attached() -> None:
    calls: List[Any] = []

    class Driver:
        def start(self, user_count: int, spawn_rate: float, user_classes: Any) -> None:
            calls.append(("start", user_count, spawn_rate, user_classes))

        def stop(self) -> None:
            calls.append("stop")

        def quit(self) -> None:
            calls.append("quit")

    env = Environment()
    runner = env.create_local_runner()
    with pytest.raises(NotImplementedError):
        runner.start(1, 1)
    env.events.request.fire(request_type="GET", name="/", response_time=5, response_length=1, exception=None)
    assert env.stats.total.num_requests == 1  # no engine: Python records
    runner.attach(None, Driver())
    env.events.request.fire(request_type="GET", name="/", response_time=5, response_length=1, exception=None)
    assert env.stats.total.num_requests == 1  # engine attached: Rust records, Python does not
    runner.start(5, 2)
    runner.stop()
    runner.quit()
    assert calls == [("start", 5, 2, None), "stop", "quit"]


def test_runner_collects_user_errors_and_local_messages() -> None:
    env = Environment()
    runner = env.create_local_runner()
    try:
        raise ValueError("in a task")
    except ValueError as e:
        env.events.user_error.fire(user_instance=None, exception=e, tb=e.__traceback__)
        env.events.user_error.fire(user_instance=None, exception=e, tb=e.__traceback__)
    (row,) = runner.exceptions.values()
    assert row["count"] == 2 and row["msg"] == "in a task" and row["nodes"] == {"local"}

    got: List[Any] = []
    runner.register_message("ping", lambda environment, msg: got.append((msg.type, msg.data, msg.node_id)))
    runner.send_message("ping", {"n": 1})
    assert got == [("ping", {"n": 1}, "local")]
    with pytest.raises(Exception, match="already had a listener"):
        runner.register_message("ping", lambda **kw: None)


def test_stats_log_and_reset() -> None:
    stats = Environment().stats
    stats.log_request("GET", "/x", 120, 10)
    stats.log_error("GET", "/x", "boom")
    assert stats.total.num_requests == 1 and stats.total.num_failures == 1 and stats.total.fail_ratio == 1.0
    stats.reset_all()
    assert stats.total.num_requests == 0 and ("/x", "GET") in stats.entries and stats.errors == {}
    stats.clear_all()
    assert stats.entries == {}


def test_argument_parser_accepts_locust_keywords_and_env_vars(monkeypatch: Any) -> None:
    parser = LocustArgumentParser(add_help=False)
    events = Events()

    @events.init_command_line_parser.add_listener
    def add(parser: Any) -> None:
        parser.add_argument("--my-arg", type=int, default=1, env_var="LOCUST_MY_ARG", include_in_web_ui=False)
        group = parser.add_argument_group("custom")
        group.add_argument("--secret", default="", is_secret=True)
        group.add_argument("--flag", action="store_true", env_var="LOCUST_FLAG")

    events.init_command_line_parser.fire(parser=parser)
    monkeypatch.setitem(os.environ, "LOCUST_MY_ARG", "42")
    monkeypatch.setitem(os.environ, "LOCUST_FLAG", "true")
    options, rest = parser.parse_known_args(["--secret", "s", "--users", "3"])
    assert (options.my_arg, options.secret, options.flag, rest) == (42, "s", True, ["--users", "3"])
    described = {d["dest"]: d for d in describe_custom_options(parser)}
    assert described["my_arg"]["env_var"] == "LOCUST_MY_ARG" and described["my_arg"]["include_in_web_ui"] is False
    assert described["secret"]["is_secret"] is True and described["flag"]["takes_value"] is False
    assert list(parser.args_included_in_web_ui) == ["secret", "flag"]
