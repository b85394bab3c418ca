"""The engine's way into the gevent hub.

Rust threads queue finished requests and runner commands and make one descriptor
readable (``Engine.fd``); the hub watches it and, in one callback, wakes every greenlet
whose request finished and hands each command to the command handler. Rust has
returned before any greenlet switches, so no switch ever happens with a Rust frame on
the stack.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from gevent.hub import get_hub

from ._engine import Command, Engine

CommandHandler = Callable[[Command], None]


class Pump:
    """Watches one engine's descriptor on the current thread's hub."""

    def __init__(self, engine: Engine, on_command: Optional[CommandHandler] = None) -> None:
        self.engine = engine
        self._on_command = on_command
        self._watcher: Any = get_hub().loop.io(engine.fd, 1)

    def start(self) -> None:
        self._watcher.start(self._on_ready)

    def stop(self) -> None:
        self._watcher.stop()

    def _on_ready(self) -> None:
        """In the hub: everything the engine has queued, at once."""
        done, commands = self.engine.drain()
        for waiter, raw in done:
            waiter.switch(raw)
        for command in commands:
            if self._on_command is not None:
                self._on_command(command)
            else:
                self._refuse(command)

    def _refuse(self, command: Command) -> None:
        token = getattr(command, "token", None)
        if token is not None:
            self.engine.failed(token, f"no runner here to carry out {type(command).__name__}")
