"""The Python half of the seam: RunnerCommands answers every command of the Rust
runner exactly once, with the right answer, also commands it does not know.

The commands are the engine's own classes (``rocust._engine.Command``); the engine is
a recorder of the answers, so these tests run without a Rust runner.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Tuple

import gevent
import pytest

from rocust import _engine
from rocust._backend import UserGroupController
from rocust._engine import Command, Event
from rocust._locust import User, constant, log, task
from rocust._locust.env import Environment
from rocust._locust.event import Events
from rocust._runner import RunnerCommands


class Answers:
    """Stands in for the Engine: records each answer."""

    def __init__(self) -> None:
        self.answers: List[Tuple[str, Any]] = []
        self.unhandled = False
        self.exit_code: Optional[int] = None
        self.counts: Dict[str, int] = {}

    def done(self, token: int) -> None:
        self.answers.append(("done", token))

    def failed(self, token: int, message: str) -> None:
        self.answers.append(("failed", (token, message)))

    def shape_tick(self, token: int, *tick: Any) -> None:
        self.answers.append(("shape", (token, tick)))

    def mark_unhandled_exception(self) -> None:
        self.unhandled = True

    def set_process_exit_code(self, code: int) -> None:
        self.exit_code = code

    def stop_test(self, reason: str) -> None:
        self.answers.append(("stop_test", reason))

    def set_count(self, name: str, count: int) -> None:
        self.counts[name] = count


class Quick(User):
    wait_time = constant(10)

    @task
    def t(self) -> None:
        pass


class SlowInit(User):
    wait_time = constant(10)
    made = 0

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        gevent.sleep(0.05)
        SlowInit.made += 1

    @task
    def t(self) -> None:
        pass


class Broken(User):
    wait_time = constant(10)

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        raise ValueError("boom")

    @task
    def t(self) -> None:
        pass


@pytest.fixture
def setup() -> Any:
    log.unhandled_greenlet_exception = False
    engine = Answers()
    classes = [Quick, SlowInit, Broken]
    environment = Environment(user_classes=list(classes), events=Events())
    controller = UserGroupController(environment, classes, on_count=engine.set_count)
    commands = RunnerCommands(engine, environment, controller, {c.__name__: c for c in classes}, None)  # type: ignore[arg-type]
    yield engine, environment, controller, commands
    controller.kill_all()
    log.unhandled_greenlet_exception = False


def settle(engine: Answers, n: int) -> None:
    for _ in range(200):
        if len(engine.answers) >= n:
            return
        gevent.sleep(0.01)
    raise AssertionError(f"expected {n} answers, got {engine.answers}")


def test_an_unknown_command_is_answered_with_an_error(setup: Any) -> None:
    engine, _env, _controller, commands = setup

    class Future:
        token = 41

    commands(Future())
    assert engine.answers and engine.answers[0][0] == "failed"
    token, message = engine.answers[0][1]
    assert token == 41 and "does not know the command" in message


def test_spawn_is_answered_after_the_constructors_have_run(setup: Any) -> None:
    engine, _env, controller, commands = setup
    SlowInit.made = 0
    commands(Command.Spawn(token=7, user_class="SlowInit", count=3))
    settle(engine, 1)
    assert engine.answers == [("done", 7)]
    assert SlowInit.made == 3
    assert engine.counts["SlowInit"] == 3 == controller.user_count


def test_a_constructor_that_raises_fails_the_spawn_like_locusts_greenlet(
    setup: Any, caplog: pytest.LogCaptureFixture
) -> None:
    engine, _env, _controller, commands = setup
    with caplog.at_level(logging.CRITICAL, logger="locust.runners"):
        commands(Command.Spawn(token=8, user_class="Broken", count=2))
        settle(engine, 1)
    [(kind, (token, message))] = engine.answers
    assert (kind, token) == ("failed", 8) and "boom" in message
    assert engine.unhandled
    assert any("Unhandled exception in greenlet" in r.getMessage() for r in caplog.records)


def test_a_listener_that_raises_marks_the_run_and_the_event_is_still_answered(setup: Any) -> None:
    engine, environment, _controller, commands = setup

    def bad(**_kwargs: Any) -> None:
        raise RuntimeError("listener fails")

    environment.events.test_start.add_listener(bad)
    environment.process_exit_code = 5
    commands(Command.FireEvent(token=9, event=Event.TestStart))
    settle(engine, 1)
    assert engine.answers == [("done", 9)]
    assert engine.unhandled and engine.exit_code == 5


def test_every_answered_command_gets_exactly_one_answer(setup: Any) -> None:
    engine, _env, _controller, commands = setup
    commands(Command.SelectClasses(token=1, names=["Quick"]))
    commands(Command.ApplyFilter(token=2, tags=None, exclude_tags=None, equal_weights=False))
    commands(Command.Spawn(token=3, user_class="Quick", count=2))
    settle(engine, 3)
    commands(Command.StopUsers(token=4, counts={"Quick": 1}, stop_timeout=None))
    commands(Command.FireEvent(token=5, event=Event.TestStop))
    commands(Command.SpawningComplete(token=6, user_count=1))
    commands(Command.Quit(token=10, exit_code=0))
    commands(Command.KillAll(token=11))
    settle(engine, 8)
    gevent.sleep(0.05)
    assert sorted(token for kind, token in engine.answers) == [1, 2, 3, 4, 5, 6, 10, 11]
    assert {kind for kind, _token in engine.answers} == {"done"}


def test_exit_is_the_one_command_without_an_answer(setup: Any) -> None:
    engine, _env, _controller, commands = setup
    commands(Command.Exit(code=3))
    assert commands.exit_code.get(timeout=1) == 3
    assert engine.answers == []
    assert isinstance(_engine.Command.Exit(code=1), Command)
