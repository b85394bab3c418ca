"""One ``rocust -f`` run after monkey patching, in the order of Locust's ``main()``:
the ``locust`` import hook, the locustfiles, ``init_command_line_parser`` listeners,
the command line (parsed in Rust; the locustfile's custom options by argparse),
logging, the Environment and runner facade. Then the engine runs the test: the runner,
timers, console tables and reports live on a Rust control thread, user greenlets here
on the main thread, and ``Pump`` carries everything between them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from typing import Any, Dict, List, Optional, Tuple, Type

from . import _engine, _import_hook
from ._backend import UserGroupController
from ._locust.stats import StatsError
from ._options import parse_options
from ._pump import Pump
from ._run import _exit_on_import_error, locustfile_option
from ._runner import EngineDriver, RunnerCommands, runner_facade
from ._stats import EngineStats
from ._transport import transport_factory


def run_session(args: List[str]) -> int:
    """The whole run; returns the process exit code. ``--processes`` forks first."""
    early = _engine.early_options(args)
    if isinstance(early, int):
        return early
    if early["processes"] is None:
        return run_one(args)
    return run_processes(args, early)


def run_processes(args: List[str], early: Dict[str, Any]) -> int:
    """``--processes N``: N forked workers (one per CPU with -1); this process becomes
    their master unless ``--worker`` is given, then it only waits for them. Forked
    before the engine exists, so each child starts its own."""
    from . import _processes

    count = early["processes"] if early["processes"] > 0 else (os.cpu_count() or 1)
    host = early["master_host"] if early["worker"] else "127.0.0.1"
    port = early["master_port"] if early["worker"] else early["master_bind_port"]
    child_args = ["--worker", "--processes", "0", "--master-host", host, "--master-port", str(port)]
    children = _processes.fork_workers(count)
    if children is None:
        return run_one([*args, *child_args])
    if early["worker"]:
        return _processes.supervise_workers(children)
    code = run_one([*args, "--master", "--expect-workers", str(count), "--processes", "0"])
    return _processes.reap_after_master(children, code)


def run_one(args: List[str]) -> int:
    """The run of this process."""
    _import_hook.install()
    from ._locust._http.transport import set_transport_factory
    from ._locust.log import setup_logging

    engine = _engine.Engine()
    # Before the locustfiles: a session built at import time is this engine's too.
    set_transport_factory(transport_factory(engine))
    from ._locust.argument_parser import parse_locustfile_paths

    option = locustfile_option(args)
    if option == "-":
        paths = locustfiles_from_master(args)
    else:
        paths = parse_locustfile_paths([p.strip() for p in option.split(",")])
    user_classes, shapes = load_locustfiles(paths)

    result = parse_options(args)
    if isinstance(result, int):
        return result
    options, parsed, web_ui_options = result
    from ._locust.stats import validate_stats_configuration

    validate_stats_configuration()

    if not getattr(options, "skip_log_setup", False):
        setup_logging(str(getattr(options, "loglevel", "INFO")), getattr(options, "logfile", None))

    # Like Locust, the first shape class found is the test's shape.
    run = LocustfileRun(engine, options, parsed, paths, user_classes, shapes[0] if shapes else None)
    return run.run(web_ui_options)


def locustfiles_from_master(args: List[str]) -> List[str]:
    """``-f -``: a worker's locustfiles come from its master."""
    from ._locust.argument_parser import parse_locustfile_paths, retrieve_locustfiles_from_master

    found = _engine.early_options(args)
    if isinstance(found, int):
        sys.exit(found)
    options = argparse.Namespace(
        worker=found["worker"], master_host=found["master_host"], master_port=found["master_port"]
    )
    return parse_locustfile_paths(retrieve_locustfiles_from_master(options))


def load_locustfiles(paths: List[str]) -> Tuple[Dict[str, Type[Any]], List[Any]]:
    """Imports each locustfile like Locust does; collects User and shape classes. A
    locustfile that does not import: its traceback and exit 1."""
    from ._locust.util.load_locustfile import load_locustfiles as load

    return load(paths, on_import_error=_exit_on_import_error)


class LocustfileRun:
    """The Environment, runner facade, users and engine of one run."""

    def __init__(
        self,
        engine: _engine.Engine,
        options: argparse.Namespace,
        parsed: _engine.ParsedOptions,
        paths: List[str],
        user_classes: Dict[str, Type[Any]],
        shape: Any,
    ) -> None:
        from ._locust import events
        from ._locust.env import Environment

        self.engine = engine
        self.parsed = parsed
        self.shape = shape
        self.environment = Environment(
            user_classes=list(user_classes.values()),
            shape_class=shape,
            events=events,
            host=getattr(options, "host", None) or None,
            reset_stats=bool(getattr(options, "reset_stats", False)),
            parsed_options=options,
            parsed_locustfiles=paths,
            locustfile=os.path.basename(paths[0]) if paths else None,
            available_user_classes=dict(user_classes),
            available_user_tasks={name: list(cls.tasks) for name, cls in user_classes.items()},
            available_shape_classes={type(shape).__name__: shape} if shape is not None else {},
        )
        self.environment.stats = EngineStats(self.engine)
        if _web_ui_enabled(options):
            from ._locust.web import WebUI

            self.environment.web_ui = WebUI(self.environment, self.engine, web_login=bool(getattr(options, "web_login", False)))
        self.runner = self.environment._create_runner(lambda env: runner_facade(env, self.engine))
        self.controller = UserGroupController(
            self.environment, list(user_classes.values()), on_count=self.engine.set_count
        )
        self.runner.attach(self.controller, EngineDriver(self.engine))
        events.request._recorder = self._record
        self.commands = RunnerCommands(self.engine, self.environment, self.controller, dict(user_classes), shape)

    def _record(
        self,
        request_type: str,
        name: str,
        response_time: Optional[float],
        response_length: Optional[int],
        exception: Optional[Exception] = None,
        response: Any = None,
        **_kwargs: Any,
    ) -> None:
        """A request reported from Python (``events.request.fire``), into Rust's stats;
        an HTTP response's status code goes to the status code breakdown."""
        error = StatsError.parse_error(exception) if exception else None
        status = getattr(response, "status_code", None)
        status_code = status if isinstance(status, int) and 0 <= status < 65536 else None
        self.engine.record(request_type, name, response_time, int(response_length or 0), error, status_code)

    def run(self, web_ui_options: Dict[str, Dict[str, Any]]) -> int:
        infos = self.controller.user_classes_info()
        logging.getLogger().addHandler(_WebLogHandler(self.engine))
        pump = Pump(self.engine, self.commands)
        pump.start()
        # Ctrl-C belongs to the engine (it stops the run and writes the reports); the
        # Python handler would raise KeyboardInterrupt in whichever greenlet runs. Set
        # before the engine starts, which then installs its own handler over this.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        from ._locust._stats_output import configure_engine

        configure_engine(self.engine)  # what the locustfiles set in locust.stats
        self.engine.run(
            self.parsed,
            infos,
            self.shape is not None,
            _http_threads(),
            shape_use_common_options=bool(getattr(self.shape, "use_common_options", False)),
            locustfile=self.environment.locustfile or "",
            shape_name=type(self.shape).__name__ if self.shape is not None else None,
            web_ui_options=json.dumps(web_ui_options, default=str),
        )
        try:
            code = self.commands.exit_code.get()
        finally:
            pump.stop()
            self.engine.close()
        logging.shutdown()
        sys.stdout.flush()
        return code if code is not None else 2


class _WebLogHandler(logging.Handler):
    """Python's log lines, in Locust's format, for the web UI's ``/logs`` (the
    engine keeps the last 500, its own lines included)."""

    def __init__(self, engine: _engine.Engine) -> None:
        super().__init__()
        self.engine = engine
        from ._locust.log import HOSTNAME

        self.setFormatter(logging.Formatter(f"[%(asctime)s] {HOSTNAME}/%(levelname)s/%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.engine.log_line(self.format(record))
        except Exception:
            self.handleError(record)


def _web_ui_enabled(options: argparse.Namespace) -> bool:
    """Whether the engine starts the web UI (Locust's rule: not headless, not a worker)."""
    return not getattr(options, "headless", False) and not getattr(options, "worker", False)


def _http_threads() -> int:
    value = os.environ.get("ROCUST_HTTP_THREADS", "1")
    try:
        return max(1, int(value))
    except ValueError:
        return 1
