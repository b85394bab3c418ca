"""Event hooks (``locust.event``): how locustfiles and the engine talk to each other.

Listeners are called with keyword arguments only, in the order they were added. A
listener that raises is logged and the others still run, because one broken plugin
must not silence the stats or the rest of the test; the task-control exceptions are
the exception to that rule, since a request listener may legitimately use them to
steer the user that fired the event.
"""

from __future__ import annotations

import logging
import time
import traceback
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, TypeVar

from . import log
from .exception import InterruptTaskSet, RescheduleTask, RescheduleTaskImmediately, StopTest, StopUser

__all__ = ["DeprecatedEventHook", "EventHook", "Events", "EVENT_NAMES"]

F = TypeVar("F", bound=Callable[..., Any])

#: Raised by a listener, these reach the code that fired the event instead of being logged.
_PASS_THROUGH = (StopUser, StopTest, RescheduleTask, RescheduleTaskImmediately, InterruptTaskSet)


class EventHook:
    """A list of listeners that ``fire`` calls with the same keyword arguments."""

    def __init__(self) -> None:
        self._handlers: List[Callable[..., Any]] = []
        self._recorder: Optional[Callable[..., Any]] = None
        """The engine's own listener (``request``: record in Rust's stats). Kept out of
        ``_handlers`` so that "nobody listens" still means no user listener."""
        self._on_listen: Optional[Callable[[], None]] = None
        """Told of every new listener (the engine forwards some events only to hooks
        that have one)."""

    def add_listener(self, handler: F) -> F:
        """Adds ``handler`` and returns it, so the method also works as a decorator."""
        self._handlers.append(handler)
        if self._on_listen is not None:
            self._on_listen()
        return handler

    def remove_listener(self, handler: Callable[..., Any]) -> None:
        """Removes the first registration of ``handler``; ValueError if it has none."""
        self._handlers.remove(handler)

    def fire(self, *, reverse: bool = False, **kwargs: Any) -> None:
        """Calls every listener with ``kwargs``; newest first when ``reverse``.

        The list is copied before the loop so a listener may add or remove listeners
        (itself included) without disturbing this round.
        """
        if self._recorder is not None:
            self._recorder(**kwargs)
        handlers = self._handlers[::-1] if reverse else list(self._handlers)
        for handler in handlers:
            try:
                handler(**kwargs)
            except _PASS_THROUGH:
                raise
            except Exception:
                logging.error("Uncaught exception in event handler: \n%s", traceback.format_exc())
                log.mark_unhandled_exception()

    @contextmanager
    def measure(
        self,
        request_type: str,
        name: str,
        response_length: int = 0,
        context: Optional[Dict[str, Any]] = None,
    ) -> Iterator[Dict[str, Any]]:
        """Times the ``with`` block and fires this event (meant for ``request``) at its end.

        The yielded dict is what the listeners receive, so the block can change any
        entry (e.g. ``response_length``). An exception inside the block becomes the
        request's ``exception`` and is not raised further, which is what lets custom
        clients report a failure and carry on with the task.
        """
        started_perf = time.perf_counter()
        request_meta: Dict[str, Any] = {
            "request_type": request_type,
            "name": name,
            "response_length": response_length,
            "context": context or {},
            "exception": None,
            "start_time": time.time(),
        }
        try:
            yield request_meta
        except Exception as e:
            request_meta["exception"] = e
        finally:
            request_meta["response_time"] = (time.perf_counter() - started_perf) * 1000
            self.fire(**request_meta)


class DeprecatedEventHook(EventHook):
    """An event kept for old plugins: adding a listener logs ``message`` as a warning."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__()

    def add_listener(self, handler: F) -> F:
        logging.warning(self.message)
        return super().add_listener(handler)


class Events:
    """All of Locust's events, one EventHook each (arguments are Locust's).

    Subclasses may declare more events as ``name: EventHook`` annotations; every
    annotated name along the class hierarchy gets its own hook.
    """

    request: EventHook
    """request_type, name, response_time (ms), response_length, response, context,
    exception (None on success), start_time, url. Fired for every request."""
    user_error: EventHook
    """user_instance, exception, tb: an exception escaped a task or on_start."""
    report_to_master: EventHook
    """client_id, data: a worker may add to the report it sends to the master."""
    worker_report: EventHook
    """client_id, data: the master received a worker's report."""
    worker_connect: EventHook
    """client_id: a worker connected to the master."""
    spawning_complete: EventHook
    """user_count: the ramp-up reached its target."""
    quitting: EventHook
    """environment: the process is about to exit (fired newest listener first)."""
    quit: EventHook
    """exit_code: fired last, just before the process exits."""
    init: EventHook
    """environment, runner, web_ui: the Environment and runner exist."""
    init_command_line_parser: EventHook
    """parser: add custom command line options here."""
    test_start: EventHook
    """environment: a test starts (not refired when the user count changes)."""
    test_stopping: EventHook
    """environment: a test is about to stop, before its users are stopped."""
    test_stop: EventHook
    """environment: a test stopped."""
    reset_stats: EventHook
    """(no arguments): the stats were reset from the web UI."""
    cpu_warning: EventHook
    """environment, cpu_usage: the load generator's CPU use went over the threshold."""
    heartbeat_sent: EventHook
    """client_id, timestamp: the master sent a heartbeat to a worker."""
    heartbeat_received: EventHook
    """client_id, timestamp: a worker received the master's heartbeat."""
    usage_monitor: EventHook
    """environment, cpu_usage, memory_usage: periodic resource report."""

    def __init__(self) -> None:
        for name in _event_names(type(self)):
            setattr(self, name, EventHook())


def _event_names(cls: type) -> List[str]:
    """The EventHook-annotated attribute names of ``cls`` and its bases, base first."""
    names: List[str] = []
    for klass in reversed(cls.__mro__):
        # Old plugins declare events as `name = "EventHook"` instead of annotating.
        for name, value in vars(klass).items():
            if isinstance(value, str) and value == "EventHook" and name not in names:
                names.append(name)
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            declared = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
            if declared == "EventHook" and name not in names:
                names.append(name)
    return names


#: Locust 2.47's event names, in declaration order.
EVENT_NAMES = tuple(_event_names(Events))
