"""``locust.debug``: ``run_single_user``, one user in the current process for debugging.

It builds a minimal Environment around ``locust.events``, prints every request as a
tab-separated line and runs the user in the calling greenlet, so a debugger's
breakpoints in tasks just work. Like Locust, it fires ``init`` (once) and
``test_start`` but never ``test_stop`` or ``quit``.
"""

from __future__ import annotations

import inspect
import os
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Dict, Optional, Type

from .exception import CatchResponseError

if TYPE_CHECKING:
    from .env import Environment
    from .user.users import User

__all__ = ["PrintListener", "run_single_user"]


def _print_cell(value: Any) -> None:
    print(str(value), end="\t")


class PrintListener:
    """Prints one line per request: type, name, response time and error, plus the
    optional columns chosen at creation."""

    def __init__(
        self,
        env: "Environment",
        include_length: bool = False,
        include_time: bool = False,
        include_context: bool = False,
        include_payload: bool = False,
    ) -> None:
        env.events.request.add_listener(self.on_request)
        self.include_length = "length\t" if include_length else ""
        self.include_time = "time                    \t" if include_time else ""
        self.include_context = "context\t" if include_context else ""
        self.include_payload = "payload\t" if include_payload else ""
        print(
            f"\n{self.include_time}type\t{'name'.ljust(50)}\tresp_ms\t{self.include_length}exception\t"
            f"{self.include_context}\t{self.include_payload}"
        )

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: Optional[float],
        response_length: int,
        exception: Optional[BaseException],
        context: Optional[Dict[str, Any]],
        start_time: Optional[float] = None,
        response: Any = None,
        **_kwargs: Any,
    ) -> None:
        if exception:
            if isinstance(exception, CatchResponseError):
                text = str(exception)
            else:
                try:
                    text = repr(exception)
                except AttributeError:
                    text = f"{exception.__class__} (and it has no string representation)"
            error_text = text[:500].replace("\n", " ")
        else:
            error_text = ""
        if response_time is None:
            response_time = -1
        padded_name = name.ljust(30) if name else ""

        if self.include_time:
            _print_cell(datetime.fromtimestamp(start_time, tz=timezone.utc) if start_time else datetime.now())
        _print_cell(request_type)
        _print_cell(padded_name.ljust(50))
        _print_cell(str(round(response_time)).ljust(7))
        if self.include_length:
            _print_cell(response_length)
        _print_cell(error_text.ljust(9))
        if self.include_context:
            _print_cell(context or "")
        if self.include_payload:
            _print_cell(getattr(getattr(response, "_request", None), "payload", ""))
        print()


_env: Optional["Environment"] = None


def run_single_user(
    user_class: Type["User"],
    include_length: bool = False,
    include_time: bool = False,
    include_context: bool = False,
    include_payload: bool = False,
    loglevel: Optional[str] = "WARNING",
) -> None:
    """Runs one ``user_class`` user until it stops, printing each request.

    The options come from ``sys.argv``, ``LOCUST_*`` environment variables and config
    files, as for the ``locust`` command, with the options ``init_command_line_parser``
    listeners add. The Environment is created on the first call and reused.
    """
    from .. import _options
    from . import events, log
    from .env import Environment

    global _env
    if loglevel:
        log.setup_logging(loglevel)

    if _env is None:
        parsed = _options.parse_options(["locust", *sys.argv[1:]], prog="locust")
        if isinstance(parsed, int):
            sys.exit(parsed)
        options = parsed.options
        # The file that called us, for locustfiles that look up their own name.
        options.locustfile = os.path.basename(inspect.stack()[1][0].f_code.co_filename)
        _env = Environment(events=events, locustfile=options.locustfile, host=options.host, parsed_options=options)
        PrintListener(
            _env,
            include_length=include_length,
            include_time=include_time,
            include_context=include_context,
            include_payload=include_payload,
        )
        _env.events.init.fire(environment=_env, runner=None, web_ui=None)
        if log.unhandled_greenlet_exception:
            os._exit(1)

    _env.user_classes = [user_class]
    _env._filter_tasks_by_tags()
    _env.events.test_start.fire(environment=_env)
    if _env.host:
        user_class.host = _env.host
    user = user_class(_env)
    setattr(_env, "single_user_instance", user)  # noqa: B010 (not a declared attribute)
    user.run()
