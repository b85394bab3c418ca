"""The runner under the engine, Python's half: the ``environment.runner`` facade whose
state is the Rust runner's, and ``RunnerCommands``, which carries out what the Rust
runner asks of the Python side (create and stop users, fire listeners, tick the shape).

Each command is answered exactly once (``Engine.done``/``failed``/``shape_tick``),
also one this module does not know, so the Rust side never waits forever.
"""

from __future__ import annotations

import functools
import json
import logging
import time
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

import gevent
from gevent.event import AsyncResult

from ._backend import UserGroupController
from ._engine import Command, Engine, Event
from ._locust import log
from ._locust.exception import StopTest
from ._locust.runners import LocalRunner, MasterRunner, Message, WorkerRunner

logger = logging.getLogger("locust.runners")


class EngineDriver:
    """``runner.start/stop/quit`` from a locustfile, carried to the Rust runner."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start(self, user_count: int, spawn_rate: float, user_classes: Optional[List[Any]]) -> None:
        names = [c.__name__ for c in user_classes] if user_classes is not None else None
        self.engine.start(user_count, spawn_rate, names)

    def stop(self) -> None:
        self.engine.stop()

    def quit(self) -> None:
        self.engine.quit()


class _EngineState:
    """State and counts of the Rust runner, shared by the facades below."""

    _engine: Engine

    @property
    def state(self) -> str:
        return self._engine.runner_state

    @state.setter
    def state(self, value: str) -> None:
        pass

    @property
    def target_user_count(self) -> int:
        """What the last start asked for, set before ``test_start`` fires (as Locust)."""
        return self._engine.target_user_count

    @target_user_count.setter
    def target_user_count(self, value: int) -> None:
        pass

    def log_exception(self, node_id: str, msg: str, formatted_tb: str) -> None:
        """The exceptions table here, or (on a worker) the master's."""
        self._engine.log_exception(msg, formatted_tb)


class EngineRunner(_EngineState, LocalRunner):
    """The runner facade whose state is the Rust runner's. Named LocalRunner, which is
    what locustfiles print and compare."""

    def __init__(self, environment: Any, engine: Engine) -> None:
        self._engine = engine
        super().__init__(environment)


EngineRunner.__name__ = EngineRunner.__qualname__ = "LocalRunner"


class WorkerNodeView:
    """A worker as ``MasterRunner.clients`` shows it (read-only, from the engine)."""

    def __init__(self, id: str, state: str, user_count: int, cpu_usage: float, memory_usage: int) -> None:
        self.id = id
        self.state = state
        self.user_count = user_count
        self.cpu_usage = cpu_usage
        self.memory_usage = memory_usage

    def __repr__(self) -> str:
        return f"<WorkerNode {self.id} {self.state} users={self.user_count}>"


class EngineMasterRunner(_EngineState, MasterRunner):
    """``environment.runner`` under ``--master``: custom messages to the workers, the
    workers as the Rust master sees them."""

    def __init__(self, environment: Any, engine: Engine) -> None:
        self._engine = engine
        super().__init__(environment)

    @property
    def clients(self) -> Dict[str, WorkerNodeView]:
        return {w[0]: WorkerNodeView(*w) for w in self._engine.workers()}

    @property
    def worker_count(self) -> int:
        return self._engine.worker_count

    def send_message(self, msg_type: str, data: Any = None, client_id: Optional[str] = None) -> None:
        """To one worker, or every worker when ``client_id`` is None."""
        self._engine.send_message(msg_type, data, client_id)


EngineMasterRunner.__name__ = EngineMasterRunner.__qualname__ = "MasterRunner"


class EngineWorkerRunner(_EngineState, WorkerRunner):
    """``environment.runner`` under ``--worker``: custom messages to the master, the
    index the master gave this worker."""

    def __init__(self, environment: Any, engine: Engine) -> None:
        self._engine = engine
        super().__init__(environment)

        def on_user_error(user_instance: Any, exception: BaseException, tb: Any) -> None:
            self.log_exception(self.client_id, str(exception), "".join(traceback.format_tb(tb)))

        environment.events.user_error.add_listener(on_user_error)

    @property
    def client_id(self) -> str:
        """This worker's node id (``{hostname}_{uuid4 hex}``)."""
        return self._engine.node_id or ""

    @property
    def worker_index(self) -> int:
        return self._engine.worker_index

    def send_message(self, msg_type: str, data: Any = None, client_id: Optional[str] = None) -> None:
        """To the master (``client_id`` is not used)."""
        self._engine.send_message(msg_type, data, None)


EngineWorkerRunner.__name__ = EngineWorkerRunner.__qualname__ = "WorkerRunner"


#: Locust's events of distributed runs, which the engine forwards once they have a listener.
DISTRIBUTED_EVENTS = ("report_to_master", "worker_report", "worker_connect", "heartbeat_sent", "heartbeat_received")


def runner_facade(environment: Any, engine: Engine) -> Any:
    """The ``environment.runner`` for this process's mode (``--master``, ``--worker``)."""
    options = environment.parsed_options
    master, worker = getattr(options, "master", False), getattr(options, "worker", False)
    if master or worker:
        for name in DISTRIBUTED_EVENTS:
            hook = getattr(environment.events, name)
            hook._on_listen = functools.partial(engine.want_event, name)
            if hook._handlers:
                engine.want_event(name)
    if master:
        return EngineMasterRunner(environment, engine)
    if worker:
        return EngineWorkerRunner(environment, engine)
    return EngineRunner(environment, engine)


class RunnerCommands:
    """Carries out the Rust runner's commands on the main thread (see ``Pump``)."""

    def __init__(
        self,
        engine: Engine,
        environment: Any,
        controller: UserGroupController,
        available: Dict[str, Type[Any]],
        shape: Any,
    ) -> None:
        self.engine = engine
        self.environment = environment
        self.controller = controller
        self.available = available
        self.shape = shape
        self._shape_ticked = False
        self.exit_code: AsyncResult[int] = AsyncResult()
        """Set by the engine's last command: the process's exit code."""

    def __call__(self, command: Command) -> None:
        """In a hub callback: never blocks; slow work goes to a greenlet."""
        if isinstance(command, Command.Spawn):
            self._spawn(command)
        elif isinstance(command, Command.StopUsers):
            token = command.token
            self.controller.spawn_stop(command.counts, command.stop_timeout, on_done=lambda: self.engine.done(token))
        elif isinstance(command, Command.KillAll):
            self._in_greenlet(command.token, self.controller.kill_all)
        elif isinstance(command, Command.FireEvent):
            self._in_greenlet(command.token, self._fire, command.event)
        elif isinstance(command, Command.SpawningComplete):
            hook = self.environment.events.spawning_complete
            self._in_greenlet(command.token, hook.fire, user_count=command.user_count)
        elif isinstance(command, Command.Quit):
            self._in_greenlet(command.token, self.environment.events.quit.fire, exit_code=command.exit_code)
        elif isinstance(command, Command.CustomMessage):
            gevent.spawn(self._custom_message, command.msg_type, command.data, command.node_id)
        elif isinstance(command, Command.DistEvent):
            gevent.spawn(self._dist_event, command.token, command.name, command.kwargs)
        elif isinstance(command, Command.SetHost):
            self._now(command.token, self._set_host, command.host)
        elif isinstance(command, Command.CustomOptions):
            self._custom_options(command.token, command.form, command.apply)
        elif isinstance(command, Command.WebRequest):
            gevent.spawn(self._web_request, command)
        elif isinstance(command, Command.WebAfterRequest):
            gevent.spawn(self._web_after_request, command.token, command.path, command.body)
        elif isinstance(command, Command.WebAuthCheck):
            web_ui = self.environment.web_ui
            if web_ui is not None and web_ui._is_logged_in(list(command.headers)):
                self.engine.done(command.token)
            else:
                self.engine.failed(command.token, "not logged in")
        elif isinstance(command, Command.WebAuthArgs):
            web_ui = self.environment.web_ui
            self.engine.text_reply(command.token, web_ui._auth_args(list(command.headers)) if web_ui is not None else "{}")
        elif isinstance(command, Command.UpdateUserClass):
            self._now(command.token, self.environment.update_user_class, json.loads(command.settings))
        elif isinstance(command, Command.WebTemplateArgs):
            web_ui = self.environment.web_ui
            self.engine.text_reply(command.token, web_ui._extra_template_args() if web_ui is not None else "{}")
        elif isinstance(command, Command.ShapeTick):
            gevent.spawn(self._shape_tick, command.token, command.started)
        elif isinstance(command, Command.SelectClasses):
            self._now(command.token, self._select, command.names)
        elif isinstance(command, Command.ApplyFilter):
            self._now(
                command.token, self.controller.apply_filter, command.tags, command.exclude_tags, command.equal_weights
            )
        elif isinstance(command, Command.Exit):
            self.exit_code.set(command.code)
        else:
            unknown: Optional[int] = getattr(command, "token", None)
            if unknown is not None:
                self.engine.failed(unknown, f"rocust's Python side does not know the command {command!r}")

    # -- how commands run ----------------------------------------------------------

    def _now(self, token: int, f: Callable[..., Any], *args: Any) -> None:
        """Quick work, done in the hub callback itself."""
        try:
            f(*args)
        except Exception as e:
            logging.error("Uncaught exception in the engine's command: \n%s", traceback.format_exc())
            self.engine.failed(token, repr(e))
        else:
            self.engine.done(token)

    def _in_greenlet(self, token: int, f: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Work that may block (listeners, stopping users), in a greenlet of its own."""

        def run() -> None:
            try:
                f(*args, **kwargs)
            except StopTest as e:
                self.engine.stop_test(str(e) or "StopTest raised")
            except Exception as e:
                logging.error("Uncaught exception in the engine's command: \n%s", traceback.format_exc())
                self.engine.failed(token, repr(e))
                return
            finally:
                self._report_exit_state()
            self.engine.done(token)

        gevent.spawn(run)

    def _report_exit_state(self) -> None:
        """What listeners may have changed that decides the exit code."""
        code = self.environment.process_exit_code
        if code is not None:
            self.engine.set_process_exit_code(int(code))
        if log.unhandled_greenlet_exception:
            self.engine.mark_unhandled_exception()

    # -- the commands ----------------------------------------------------------------

    def _spawn(self, command: Any) -> None:
        """Creates the users in a greenlet of their own, like Locust's spawning
        greenlet: if a constructor raises, it dies with Locust's log lines (critical
        "Unhandled exception in greenlet") and the ramp ends; StopTest stops the test."""
        token, class_name, count = command.token, command.user_class, command.count
        greenlet = gevent.spawn(lambda: self.controller.spawn(class_name, count))

        def on_error(dead: Any) -> None:
            error = dead.exception
            if isinstance(error, StopTest):
                logger.error(error)
                self.engine.stop_test(str(error) or "StopTest raised")
                self.engine.done(token)
                return
            log.greenlet_exception_logger(logger)(dead)
            self.engine.mark_unhandled_exception()
            self.engine.failed(token, repr(error))

        greenlet.link_value(lambda _g: self.engine.done(token))
        greenlet.link_exception(on_error)

    def _custom_options(self, token: int, form: List[Tuple[str, str]], apply: bool) -> None:
        """The web UI's values for ``parsed_options``, checked (and set when ``apply``)."""
        from ._locust.argument_parser import coerce_web_ui_values

        options = self.environment.parsed_options
        if options is None:
            self.engine.done(token)
            return
        values, error = coerce_web_ui_values(options, form)
        if error is not None:
            self.engine.failed(token, error)
            return
        if apply:
            for key, value in values.items():
                setattr(options, key, value)
        self.engine.done(token)

    def _web_request(self, command: Any) -> None:
        """A request for the locustfile's web routes, in its own greenlet (a route may block)."""
        web_ui = self.environment.web_ui
        try:
            if web_ui is None:
                raise RuntimeError("no web UI")
            status, headers, body = web_ui._handle(
                command.method, command.path, command.query, list(command.headers), bytes(command.body)
            )
            self.engine.web_reply(command.token, status, headers, body)
        except Exception:
            logging.error("Uncaught exception in a web UI route:\n%s", traceback.format_exc())
            self.engine.failed(command.token, "Internal Server Error")

    def _web_after_request(self, token: int, path: str, body: bytes) -> None:
        web_ui = self.environment.web_ui
        try:
            changed = web_ui._after_request(path, bytes(body)) if web_ui is not None else None
        except Exception:
            logging.error("Uncaught exception in a web UI after_request hook:\n%s", traceback.format_exc())
            changed = None
        if changed is None:
            self.engine.done(token)
        else:
            self.engine.web_reply(token, 200, [], changed)

    def _dist_event(self, token: int, name: str, packed: bytes) -> None:
        """Fires a distributed event; ``report_to_master`` answers with what its
        listeners added to ``data``."""
        kwargs: Dict[str, Any] = self.engine.unpack(packed)
        hook = getattr(self.environment.events, name)
        if name != "report_to_master":
            hook.fire(**kwargs)
            return
        data: Dict[str, Any] = {}
        try:
            hook.fire(data=data, **kwargs)
            self.engine.text_reply(token, json.dumps(data, default=str))
        except BaseException as e:
            self.engine.failed(token, repr(e))
            raise

    def _custom_message(self, msg_type: str, data: bytes, node_id: str) -> None:
        """A message from the master or a worker for ``register_message``'s listener."""
        runner = self.environment.runner
        registered = runner.custom_messages.get(msg_type)
        if registered is None:
            if isinstance(runner, MasterRunner):
                logger.warning(f"Unknown message type received from worker {node_id}: {msg_type}")
            else:
                logger.warning(f"Unknown message type received: {msg_type}")
            return
        listener, concurrent = registered
        try:
            message = Message(msg_type, self.engine.unpack(data), node_id)
            if concurrent:
                gevent.spawn(listener, environment=self.environment, msg=message)
            else:
                listener(environment=self.environment, msg=message)
        except Exception:
            logger.error(f"Uncaught exception in handler for {msg_type}\n{traceback.format_exc()}")

    def _set_host(self, host: Optional[str]) -> None:
        """The web UI's host field: users spawned from now on aim at it (Locust's
        ``/swarm`` sets ``environment.host`` and ``parsed_options.host``)."""
        self.environment.host = host
        if self.environment.parsed_options is not None:
            self.environment.parsed_options.host = host

    def _select(self, names: List[str]) -> None:
        by_name = {c.__name__: c for c in self.available.values()}
        self.environment.user_classes = [by_name[n] for n in names if n in by_name]

    def _fire(self, event: Event) -> None:
        events = self.environment.events
        environment = self.environment
        if event == Event.Init:
            events.init.fire(environment=environment, runner=environment.runner, web_ui=environment.web_ui)
        elif event == Event.TestStart:
            events.test_start.fire(environment=environment)
        elif event == Event.TestStopping:
            events.test_stopping.fire(environment=environment)
        elif event == Event.TestStop:
            events.test_stop.fire(environment=environment)
        elif event == Event.ResetStats:
            events.reset_stats.fire()
        elif event == Event.Quitting:
            events.quitting.fire(environment=environment, reverse=True)
        else:
            raise ValueError(f"unknown event {event!r}")

    def _shape_tick(self, token: int, started: float) -> None:
        """Locust's shape greenlet, one tick: the first one also starts the shape's
        clock, back-dated to when the runner started the shape (Python may see the
        command late; the runner's ticks are a second apart from its start)."""
        try:
            if not self._shape_ticked:
                self._shape_ticked = True
                self.shape.reset_time()
                self.shape.start_time -= max(0.0, time.time() - started)
            result = self.shape.tick()
        except Exception as e:
            logger.critical("Unhandled exception in greenlet: %s", gevent.getcurrent(), exc_info=True)
            log.mark_unhandled_exception()
            self.engine.failed(token, repr(e))
            return
        if result is None:
            self.engine.shape_tick(token)
            return
        user_count, spawn_rate = result[0], result[1]
        classes = result[2] if len(result) > 2 else None
        names = [c if isinstance(c, str) else c.__name__ for c in classes] if classes is not None else None
        self.engine.shape_tick(token, max(0, int(user_count)), float(spawn_rate), names)
