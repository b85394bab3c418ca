"""What HttpSession and FastHttpSession share: base URL joining, ``rename_request``,
``close`` and the one-time warnings about arguments the engine does not support."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .transport import Transport
from .urls import match_absolute_http

logger = logging.getLogger("locust.clients")

_warned: set[str] = set()


def warn_once(key: str, message: str) -> None:
    """Logs ``message`` the first time ``key`` is seen in this process."""
    if key not in _warned:
        _warned.add(key)
        logger.warning(message)


class SessionBase:
    """The part of both clients' API that does not depend on the request model."""

    base_url: Any
    request_name: str | None
    transport: Transport

    def _build_url(self, path: str) -> str:
        """``path`` appended to base_url, unless it is an absolute http(s) URL."""
        return path if match_absolute_http(path) else f"{self.base_url}{path}"

    @contextmanager
    def rename_request(self, name: str) -> Iterator[None]:
        """Reports the requests made in the with-block under ``name``."""
        self.request_name = name
        try:
            yield
        finally:
            self.request_name = None

    def close(self) -> None:
        self.transport.close()
