"""``locust.runners``: the runner as locustfiles see it.

Under rocust the real runner is Rust (ramp-up, timers, shapes, reports). What a
locustfile touches is this facade on ``environment.runner``: ``state`` (kept up to date
by the engine), ``user_count`` (counted from the live user greenlets), ``stats``,
``quit()``/``stop()`` (sent to the engine), ``greenlet`` (for background greenlets),
custom messages. Under ``--master`` and ``--worker`` the runner is a MasterRunner or
a WorkerRunner whose messages travel on Locust's wire protocol.

The engine connects a runner with ``attach(controller, driver)``: the controller
(``rocust._backend.UserGroupController``) owns the users, the driver carries
start/stop/quit to the Rust runner. Without a driver, ``stop``/``quit`` stop the users
here in Python, which is what library use and tests need.
"""

from __future__ import annotations

import logging
import socket
import traceback
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, Type
from uuid import uuid4

from gevent import GreenletExit, getcurrent
from gevent.pool import Group

if TYPE_CHECKING:
    from typing import Protocol

    from .env import Environment
    from .stats import StatsError
    from .user.users import User

    class RunnerDriver(Protocol):
        """What the engine provides to carry runner commands to the Rust runner."""

        def start(self, user_count: int, spawn_rate: float, user_classes: Optional[List[Type[User]]]) -> None: ...

        def stop(self) -> None: ...

        def quit(self) -> None: ...

    class UserController(Protocol):
        """The part of ``rocust._backend.UserGroupController`` the runner reads."""

        group: Group

        def user_classes_count(self) -> Dict[str, int]: ...

        def spawn(self, class_name: str, count: int) -> List[User]: ...

        def stop(self, counts: Dict[str, int], stop_timeout: Optional[float]) -> None: ...


__all__ = [
    "STATE_CLEANUP",
    "STATE_INIT",
    "STATE_MISSING",
    "STATE_RUNNING",
    "STATE_SPAWNING",
    "STATE_STOPPED",
    "STATE_STOPPING",
    "LocalRunner",
    "MasterRunner",
    "Runner",
    "WorkerRunner",
]

logger = logging.getLogger("locust.runners")

STATE_INIT, STATE_SPAWNING, STATE_RUNNING, STATE_CLEANUP, STATE_STOPPING, STATE_STOPPED, STATE_MISSING = [
    "ready",
    "spawning",
    "running",
    "cleanup",
    "stopping",
    "stopped",
    "missing",
]
WORKER_REPORT_INTERVAL = 3.0
WORKER_LOG_REPORT_INTERVAL = 10
CPU_MONITOR_INTERVAL = 10.0
CPU_WARNING_THRESHOLD = 90
HEARTBEAT_INTERVAL = 1
HEARTBEAT_LIVENESS = 3
HEARTBEAT_DEAD_INTERNAL = -60
MASTER_HEARTBEAT_TIMEOUT = 60
FALLBACK_INTERVAL = 5
CONNECT_TIMEOUT = 5
CONNECT_RETRY_COUNT = 60


class Message:
    """A custom message between nodes; locally, what ``send_message`` hands to the
    registered listener."""

    def __init__(self, message_type: str, data: Any, node_id: Optional[str]) -> None:
        self.type = message_type
        self.data = data
        self.node_id = node_id

    def __repr__(self) -> str:
        return f"<Message {self.type}:{self.node_id}>"


class Runner:
    """Runner facade: state, counts, commands. See the module docstring."""

    def __init__(self, environment: "Environment") -> None:
        self.environment = environment
        self.greenlet = Group()
        """Background greenlets of the test (killed by quit)."""
        self.state = STATE_INIT
        self.spawning_greenlet: Any = None
        self.shape_greenlet: Any = None
        self.shape_last_tick: Any = None
        self.current_cpu_usage: float = 0.0
        self.cpu_warning_emitted = False
        self.worker_cpu_warning_emitted = False
        self.current_memory_usage = 0
        self.exceptions: Dict[int, Dict[str, Any]] = {}
        self.target_user_classes_count: Dict[str, int] = {}
        self.target_user_count = 0
        self.custom_messages: Dict[str, Tuple[Callable[..., Any], bool]] = {}
        self.connection_broken = False
        self.final_user_classes_count: Dict[str, int] = {}
        self._controller: Optional[UserController] = None
        self._driver: Optional[RunnerDriver] = None
        self._user_greenlets = Group()
        self.environment.events.request.add_listener(self._record_request)

    def attach(self, controller: Optional["UserController"], driver: Optional["RunnerDriver"] = None) -> None:
        """Connects the users' owner and (under the engine) the command driver.

        With a driver the engine records requests in Rust, so the Python stats
        listener is removed: keeping it would count every request twice and cost
        CPU on the hot path.
        """
        self._controller = controller
        self._driver = driver
        if driver is not None and self._record_request in self.environment.events.request._handlers:
            self.environment.events.request.remove_listener(self._record_request)

    def _record_request(
        self,
        request_type: str,
        name: str,
        response_time: Optional[float],
        response_length: int,
        exception: Optional[BaseException] = None,
        **_kwargs: Any,
    ) -> None:
        """Records a request in ``environment.stats`` (runs without the engine only)."""
        self.stats.log_request(request_type, name, response_time, response_length)
        if exception:
            self.stats.log_error(request_type, name, exception)

    @property
    def user_greenlets(self) -> Group:
        """The Group of the user greenlets."""
        return self._controller.group if self._controller is not None else self._user_greenlets

    @property
    def user_classes(self) -> List[Type["User"]]:
        return self.environment.user_classes

    @property
    def user_classes_by_name(self) -> Dict[str, Type["User"]]:
        return self.environment.user_classes_by_name

    @property
    def stats(self) -> Any:
        """The environment's stats (RequestStats, or the engine's view of Rust's)."""
        return self.environment.stats

    @property
    def errors(self) -> Dict[str, "StatsError"]:
        errors: Dict[str, StatsError] = self.stats.errors
        return errors

    @property
    def user_count(self) -> int:
        """Users alive now."""
        return sum(self.user_classes_count.values())

    @property
    def user_classes_count(self) -> Dict[str, int]:
        """Users alive now, per class name (every class listed, 0 included)."""
        if self._controller is not None:
            return self._controller.user_classes_count()
        return {cls.__name__: 0 for cls in self.user_classes}

    def update_state(self, new_state: str) -> None:
        self.state = new_state

    def cpu_log_warning(self) -> bool:
        return self.cpu_warning_emitted

    def spawn_users(self, user_classes_spawn_count: Dict[str, int], wait: bool = False) -> List["User"]:
        """Starts that many more users per class, at once."""
        controller = self._require_controller()
        if self.state in (STATE_INIT, STATE_STOPPED):
            self.update_state(STATE_SPAWNING)
        new_users: List[User] = []
        for class_name, count in user_classes_spawn_count.items():
            new_users += controller.spawn(class_name, count)
        if wait:
            self.user_greenlets.join()
            logger.info("All users stopped\n")
        return new_users

    def stop_users(self, user_classes_stop_count: Dict[str, int]) -> None:
        """Stops that many users per class with the environment's stop_timeout."""
        self._require_controller().stop(user_classes_stop_count, self.environment.stop_timeout)

    def start(
        self,
        user_count: int,
        spawn_rate: float,
        wait: bool = False,
        user_classes: Optional[List[Type["User"]]] = None,
    ) -> None:
        """Asks the engine to ramp to ``user_count`` users (ramping is Rust's job)."""
        if self._driver is None:
            raise NotImplementedError("Runner.start() ramps users in the rocust engine; run with `rocust -f`.")
        self._driver.start(user_count, spawn_rate, user_classes)

    def stop(self) -> None:
        """Stops the test: every user ends (after on_stop), state becomes "stopped"."""
        if self._driver is not None:
            self._driver.stop()
            return
        if self.state == STATE_STOPPED:
            return
        self.environment.events.test_stopping.fire(environment=self.environment)
        self.final_user_classes_count = dict(self.user_classes_count)
        self.update_state(STATE_CLEANUP)
        if self._controller is not None:
            self._controller.stop(self.user_classes_count, self.environment.stop_timeout)
        self.update_state(STATE_STOPPED)
        self.environment.events.test_stop.fire(environment=self.environment)

    def quit(self) -> None:
        """Stops the test and ends the run (under the engine: the process exits)."""
        if self._driver is not None:
            self._driver.quit()
            if getcurrent() in self.user_greenlets.greenlets:
                # As in Locust, a user that calls quit() is stopped there: it does not go
                # back to its task (its on_stop still runs).
                raise GreenletExit
            return
        self.stop()
        self.greenlet.kill(block=True)

    def log_exception(self, node_id: str, msg: str, formatted_tb: str) -> None:
        """Counts an exception for the exceptions table, keyed by its traceback."""
        key = hash(formatted_tb)
        row = self.exceptions.setdefault(key, {"count": 0, "msg": msg, "traceback": formatted_tb, "nodes": set()})
        row["count"] += 1
        row["nodes"].add(node_id)

    def register_message(self, msg_type: str, listener: Callable[..., Any], concurrent: bool = False) -> None:
        """Registers the handler of a custom message type (one per type)."""
        if msg_type in self.custom_messages:
            raise Exception(f"Tried to register listener method for {msg_type}, but it already had a listener!")
        self.custom_messages[msg_type] = (listener, concurrent)

    def send_message(self, msg_type: str, data: Any = None, client_id: Optional[str] = None) -> None:
        raise NotImplementedError

    def _require_controller(self) -> "UserController":
        if self._controller is None:
            raise NotImplementedError("this runner has no users attached (see Runner.attach)")
        return self._controller


class LocalRunner(Runner):
    """The runner of a single-process test (rocust's only mode)."""

    def __init__(self, environment: "Environment") -> None:
        super().__init__(environment)
        self.worker_index = 0
        self.client_id = socket.gethostname() + "_" + uuid4().hex
        self.worker_count = 1

        def on_user_error(user_instance: Any, exception: BaseException, tb: Any) -> None:
            self.log_exception("local", str(exception), "".join(traceback.format_tb(tb)))

        self.environment.events.user_error.add_listener(on_user_error)

    def send_message(self, msg_type: str, data: Any = None, client_id: Optional[str] = None) -> None:
        """Locally a message goes straight to this process's own listener."""
        logger.debug(f"Running locally: sending {msg_type} message to self")
        if msg_type in self.custom_messages:
            listener, _concurrent = self.custom_messages[msg_type]
            listener(environment=self.environment, msg=Message(msg_type, data, "local"))
        else:
            logger.warning(f"Unknown message type received: {msg_type}")


class DistributedRunner(Runner):
    """Base of the distributed runners."""


class MasterRunner(DistributedRunner):
    """The runner of ``--master`` (under the engine, ``rocust._runner.EngineMasterRunner``)."""


class WorkerRunner(DistributedRunner):
    """The runner of ``--worker`` (under the engine, ``rocust._runner.EngineWorkerRunner``)."""
