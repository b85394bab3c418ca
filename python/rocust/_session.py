"""One ``rocust -f`` run after monkey patching: locustfiles, options, Environment, and
the loop that serves the engine (see ``_run`` for the order of things)."""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import os
import socket
import signal
import sys
import time
import traceback
from typing import Any, Dict, List, Optional, Tuple, Type

import gevent
from gevent.event import AsyncResult
from gevent.hub import Waiter, get_hub

from . import _engine, _import_hook
from ._backend import UserGroupController
from ._locust.runners import LocalRunner
from ._run import _exit_on_import_error, locustfile_option, locustfile_paths


def run_session(args: List[str]) -> int:
    _import_hook.install()
    from ._locust import events
    from ._locust.argument_parser import LocustArgumentParser, describe_custom_options

    paths = locustfile_paths(locustfile_option(args))
    user_classes, shapes = load_locustfiles(paths)

    parser = LocustArgumentParser(prog="rocust", add_help=False)
    events.init_command_line_parser.fire(parser=parser)
    custom = [a for a in describe_custom_options(parser) if a["option_strings"]]
    parsed = _engine.parse_args(args, custom)
    if isinstance(parsed, int):
        return parsed
    options = argparse.Namespace(**parsed.namespace())
    if custom:
        # The engine already applied config files and env_var= values (custom_args is in
        # precedence order), so plain argparse parses it; LocustArgumentParser would read
        # the environment a second time.
        custom_values, _rest = argparse.ArgumentParser.parse_known_args(parser, list(parsed.custom_args))
        for name, value in vars(custom_values).items():
            setattr(options, name, value)
    options.locustfile = parsed.locustfile

    if not getattr(options, "skip_log_setup", False):
        setup_logging(str(getattr(options, "loglevel", "INFO")), getattr(options, "logfile", None))

    if len(shapes) > 1:
        names = ", ".join(type(s).__name__ for s in shapes)
        sys.stderr.write(f"Only one LoadTestShape class is allowed per locustfile (found {names}).\n")
        return 1
    return Session(options, parsed, paths, user_classes, shapes[0] if shapes else None).run()


def load_locustfiles(paths: List[str]) -> Tuple[Dict[str, Type[Any]], List[Any]]:
    """Imports each locustfile like Locust does; collects User and shape classes."""
    import importlib.machinery
    import importlib.util

    from ._locust.shape import LoadTestShape
    from ._locust.user.users import User

    sys.path.insert(0, os.getcwd())
    user_classes: Dict[str, Type[Any]] = {}
    shapes: List[Any] = []
    for path in paths:
        directory, filename = os.path.split(path)
        if directory not in sys.path:
            sys.path.insert(0, directory)
        module_name = os.path.splitext(filename)[0]
        if module_name == "locust":
            module_name = "locustfile"
        loader = importlib.machinery.SourceFileLoader(module_name, path)
        spec = importlib.util.spec_from_file_location(module_name, path, loader=loader)
        if spec is None:
            sys.stderr.write(f"Unable to get module spec for {module_name} in {path}")
            sys.exit(1)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module.__name__] = module
        try:
            loader.exec_module(module)
        except Exception as e:  # a broken locustfile: show where, exit 1
            _exit_on_import_error(path, e)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, User) and value.abstract is False:
                user_classes[name] = value
            elif (
                inspect.isclass(value)
                and issubclass(value, LoadTestShape)
                and not getattr(value, "abstract", True)
                and not any(type(s) is value for s in shapes)
            ):
                shapes.append(value())
    return user_classes, shapes


def setup_logging(loglevel: str, logfile: Optional[str]) -> None:
    """Locust's log line format for Python loggers (the engine logs the same way)."""
    hostname = socket.gethostname()
    fmt = f"[%(asctime)s] {hostname}/%(levelname)s/%(name)s: %(message)s"
    handler: logging.Handler = logging.FileHandler(logfile) if logfile else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(loglevel.upper())


class EngineTransport:
    """The Transport of ``clients.py``: requests run on the engine's HTTP threads while
    the calling greenlet waits on a gevent Waiter."""

    __slots__ = ("_engine", "_session")

    def __init__(self, engine: Any, session: Any) -> None:
        self._engine = engine
        self._session = session

    def send(
        self,
        method: str,
        url: str,
        headers: List[Tuple[str, str]],
        body: Optional[bytes],
        timeout: Optional[float],
        allow_redirects: bool,
        tls: Any,
        record_name: Optional[str],
        fail_rule: int,
        stream: bool = False,
    ) -> Any:
        waiter: Waiter[Any] = Waiter()
        self._engine.send(
            self._session, waiter, method, url, headers, body, timeout, allow_redirects, record_name, fail_rule,
            None if tls is None else tls._handle or tls.handle(_engine.Tls), stream,
        )  # fmt: skip
        return waiter.get()

    def read_body(
        self, stream: Any, want: int, limit: int, per_chunk: bool, decode: bool
    ) -> Tuple[bytes, Optional[str]]:
        waiter: Waiter[Tuple[bytes, Optional[str]]] = Waiter()
        self._engine.read_body(stream, waiter, want, limit, per_chunk, decode)
        return waiter.get()

    def cookies(self) -> List[Tuple[str, str, str, str]]:
        result: List[Tuple[str, str, str, str]] = self._session.cookies()
        return result

    def set_cookie(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        self._session.set_cookie(name, value, domain, path)

    def clear_cookies(self) -> None:
        self._session.clear_cookies()

    def close(self) -> None:
        self._session.close()


class Session:
    """The Environment, runner facade, users and the engine of one run."""

    def __init__(
        self,
        options: argparse.Namespace,
        parsed: Any,
        paths: List[str],
        user_classes: Dict[str, Type[Any]],
        shape: Any,
    ) -> None:
        from ._locust import events
        from ._locust.env import Environment

        self.engine = _engine.Engine()
        self.options = options
        self.parsed = parsed
        self.available = user_classes
        self.shape = shape
        self.shape_ticked = False
        self.environment = Environment(
            user_classes=list(user_classes.values()),
            shape_class=shape,
            events=events,
            host=getattr(options, "host", None) or None,
            reset_stats=bool(getattr(options, "reset_stats", False)),
            parsed_options=options,
            parsed_locustfiles=paths,
            available_user_classes=dict(user_classes),
            available_shape_classes={type(shape).__name__: shape} if shape is not None else {},
        )
        self.environment.stats = EngineStats(self.engine)
        self.runner = self.environment._create_runner(lambda env: EngineRunner(env, self.engine))
        self.controller = UserGroupController(
            self.environment, list(user_classes.values()), on_count=self.engine.set_count
        )
        self.runner.attach(self.controller, EngineDriver(self.engine))
        events.request._recorder = self._record
        self.exit_code: AsyncResult[int] = AsyncResult()
        self._install_clients()

    # -- requests reported from Python -------------------------------------------

    def _record(
        self,
        request_type: str,
        name: str,
        response_time: Optional[float],
        response_length: Optional[int],
        exception: Optional[Exception] = None,
        **_kwargs: Any,
    ) -> None:
        from ._locust.stats import StatsError

        error = StatsError.parse_error(exception) if exception else None
        self.engine.record(request_type, name, response_time, int(response_length or 0), error)

    def _install_clients(self) -> None:
        from ._locust.user.users import set_client_factory

        try:
            from ._locust.clients import HttpSession
        except ImportError:  # pragma: no cover - the clients module is part of the package
            return
        from ._locust.contrib.fasthttp import FastHttpSession

        engine = self.engine
        environment = self.environment

        def http_client(user: Any) -> Any:
            transport = EngineTransport(engine, engine.session(type(user).__name__, True, user.host))
            return HttpSession(
                base_url=user.host, request_event=environment.events.request, user=user, transport=transport
            )

        def fast_client(user: Any) -> Any:
            insecure = getattr(user, "insecure", True)
            transport = EngineTransport(engine, engine.session(type(user).__name__, not insecure, user.host))
            return FastHttpSession(
                environment, base_url=user.host, user=user, transport=transport, insecure=insecure,
                ssl_context_factory=getattr(user, "ssl_context_factory", None),
            )  # fmt: skip

        set_client_factory("HttpUser", http_client)
        set_client_factory("FastHttpUser", fast_client)

    # -- the run -----------------------------------------------------------------

    def run(self) -> int:
        infos = self.controller.user_classes_info()
        hub = get_hub()
        watcher = hub.loop.io(self.engine.fd, 1)
        watcher.start(self._on_ready)
        # Ctrl-C belongs to the engine (it stops the run and writes the reports); the
        # Python handler would raise KeyboardInterrupt in whichever greenlet runs. Set
        # before the engine starts, which then installs its own handler over this.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.engine.run(self.parsed, infos, self.shape is not None, _http_threads())
        try:
            code = self.exit_code.get()
        finally:
            watcher.stop()
            self.engine.close()
        logging.shutdown()
        sys.stdout.flush()
        return code if code is not None else 2

    def _on_ready(self) -> None:
        """In the hub: everything the engine has queued, at once."""
        done, commands = self.engine.drain()
        for waiter, raw in done:
            waiter.switch(raw)
        for command in commands:
            self._command(command)

    def _command(self, command: Tuple[Any, ...]) -> None:
        kind = command[0]
        if kind == "spawn":
            gevent.spawn(self._spawn, command[1], command[2])
        elif kind == "stop":
            token = command[1]
            self.controller.spawn_stop(command[2], command[3], on_done=lambda: self.engine.reply(token))
        elif kind == "event":
            gevent.spawn(self._fire, command[1], command[2], command[3])
        elif kind == "shape_tick":
            gevent.spawn(self._shape_tick, command[1], command[2])
        elif kind == "kill_all":
            gevent.spawn(self.controller.kill_all)
        elif kind == "select":
            self._guarded(command[1], self._select, command[2])
        elif kind == "apply_filter":
            self._guarded(command[1], self.controller.apply_filter, command[2], command[3], command[4])
        elif kind == "exit":
            self.exit_code.set(command[1])

    def _guarded(self, token: int, f: Any, *args: Any) -> None:
        try:
            f(*args)
        except Exception:
            logging.error("Uncaught exception in the engine's command: \n%s", traceback.format_exc())
        finally:
            self.engine.reply(token)

    def _select(self, names: List[str]) -> None:
        by_name = {c.__name__: c for c in self.available.values()}
        self.environment.user_classes = [by_name[n] for n in names if n in by_name]

    def _spawn(self, class_name: str, count: int) -> None:
        from ._locust.exception import StopTest

        try:
            self.controller.spawn(class_name, count)
        except StopTest as e:
            self.engine.stop_test(str(e) or "StopTest raised")
        except Exception as e:
            logging.error("%s\n%s", e, traceback.format_exc())
            self.engine.stop_test(f"Could not start a {class_name} user: {e!r}")

    def _fire(self, token: int, name: str, arg: Optional[int]) -> None:
        events = self.environment.events
        try:
            if name == "init":
                events.init.fire(environment=self.environment, runner=self.runner, web_ui=None)
            elif name in ("test_start", "test_stopping", "test_stop"):
                getattr(events, name).fire(environment=self.environment)
            elif name == "quitting":
                events.quitting.fire(environment=self.environment, reverse=True)
            elif name == "spawning_complete":
                events.spawning_complete.fire(user_count=arg)
            elif name == "reset_stats":
                events.reset_stats.fire()
            elif name == "quit":
                events.quit.fire(exit_code=arg)
        except Exception:
            logging.error("Uncaught exception in event handler: \n%s", traceback.format_exc())
        finally:
            code = self.environment.process_exit_code
            if code is not None:
                self.engine.set_process_exit_code(int(code))
            self.engine.reply(token)

    def _shape_tick(self, token: int, started: float) -> None:
        """Locust's shape greenlet, one tick: the first one also starts the shape's
        clock, back-dated to when the runner started the shape (Python may see the
        command late; the runner's ticks are a second apart from its start)."""
        result: Any = None
        try:
            if not self.shape_ticked:
                self.shape_ticked = True
                self.shape.reset_time()
                self.shape.start_time -= max(0.0, time.time() - started)
            result = self.shape.tick()
        except Exception:
            logging.error("Uncaught exception in the shape's tick(): \n%s", traceback.format_exc())
        finally:
            self.engine.reply(token, tuple(result) if result is not None else None)


def _http_threads() -> int:
    value = os.environ.get("ROCUST_HTTP_THREADS", "1")
    try:
        return max(1, int(value))
    except ValueError:
        return 1


class EngineDriver:
    """``runner.start/stop/quit`` from a locustfile, carried to the Rust runner."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def start(self, user_count: int, spawn_rate: float, user_classes: Optional[List[Any]]) -> None:
        names = [c.__name__ for c in user_classes] if user_classes is not None else None
        self.engine.start(user_count, spawn_rate, names)

    def stop(self) -> None:
        self.engine.stop()

    def quit(self) -> None:
        self.engine.quit()


class EngineRunner(LocalRunner):
    """The runner facade whose state is the Rust runner's. Named LocalRunner, which is
    what locustfiles print and compare."""

    def __init__(self, environment: Any, engine: Any) -> None:
        self._engine = engine
        super().__init__(environment)

    @property
    def state(self) -> str:
        state: str = self._engine.runner_state
        return state

    @state.setter
    def state(self, value: str) -> None:
        pass

    def log_exception(self, node_id: str, msg: str, formatted_tb: str) -> None:
        self._engine.log_exception(msg, formatted_tb)


EngineRunner.__name__ = EngineRunner.__qualname__ = "LocalRunner"


class EngineStats:
    """``environment.stats`` under the engine: a snapshot of Rust's stats, taken when
    read (locustfiles read it in listeners, e.g. ``stats.total.fail_ratio``)."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def _snapshot(self) -> Any:
        from ._locust.stats import RequestStats, StatsEntry, StatsError

        data = json.loads(self._engine.stats_json() or "{}")
        stats = RequestStats()

        def fill(entry: StatsEntry, d: Dict[str, Any]) -> StatsEntry:
            for key, value in d.items():
                if key in ("response_times", "num_reqs_per_sec", "num_fail_per_sec"):
                    value = {int(k): v for k, v in value.items()}
                if key not in ("name", "method"):
                    setattr(entry, key, value)
            return entry

        for d in data.get("stats", []):
            fill(stats.get(d["name"], d["method"]), d)
        if "stats_total" in data:
            fill(stats.total, data["stats_total"])
        for key, e in data.get("errors", {}).items():
            error = StatsError(e["method"], e["name"], e["error"], e["occurrences"])
            stats.errors[key] = error
        return stats

    @property
    def total(self) -> Any:
        return self._snapshot().total

    @property
    def entries(self) -> Any:
        return self._snapshot().entries

    @property
    def errors(self) -> Any:
        return self._snapshot().errors

    @property
    def num_requests(self) -> int:
        return int(self._snapshot().num_requests)

    @property
    def num_failures(self) -> int:
        return int(self._snapshot().num_failures)

    def get(self, name: str, method: str) -> Any:
        return self._snapshot().get(name, method)

    def reset_all(self) -> None:
        self._engine.reset_stats()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._snapshot(), name)
