"""``locust.contrib.csv_request_logger``: one CSV row per request, for analyses that
need every data point rather than the aggregated ``--csv`` statistics.

``CsvRequestLogger(path).register(environment)`` (typically in an ``init`` listener)
truncates ``path``, writes the header and then a row per ``request`` event; the file is
closed when ``quitting`` fires. Columns: ``timestamp`` (request start, Unix seconds),
``request_type``, ``name``, ``response_time_ms`` (2 decimals), ``response_length``,
``status_code`` (0 without an HTTP response) and ``exception`` (its text, or empty).
"""

from __future__ import annotations

import csv
import logging
import time
from typing import IO, Any, Optional

logger = logging.getLogger("locust.contrib.csv_request_logger")

CSV_COLUMNS = (
    "timestamp",
    "request_type",
    "name",
    "response_time_ms",
    "response_length",
    "status_code",
    "exception",
)


def _status_code(response: Any, exception: Any) -> int:
    """The response's HTTP status, or 0 when there is none (connection errors, other
    protocols, anything without an integer ``status_code``)."""
    if exception is not None and response is None:
        return 0
    try:
        return int(response.status_code)
    except (AttributeError, TypeError, ValueError):
        return 0


class CsvRequestLogger:
    """Writes a row per request to ``filepath``, flushing every ``flush_interval`` rows
    (1: every row reaches the file at once, at a cost on fast tests)."""

    def __init__(self, filepath: str, *, flush_interval: int = 1) -> None:
        self.filepath = filepath
        self.flush_interval = max(1, flush_interval)
        self._filehandle: Optional[IO[str]] = None
        self._writer: Any = None
        self._pending = 0

    def register(self, environment: Any) -> None:
        """Listens to ``environment``'s request and quitting events and starts the file."""
        environment.events.request.add_listener(self._on_request)
        environment.events.quitting.add_listener(self._on_quitting)
        self._open()
        logger.debug("CsvRequestLogger: writing per-request log to %s", self.filepath)

    def close(self) -> None:
        """Flushes and closes the file; calling it again does nothing."""
        if self._filehandle is not None and not self._filehandle.closed:
            self._filehandle.flush()
            self._filehandle.close()
            logger.debug("CsvRequestLogger: closed %s", self.filepath)
        self._filehandle = None
        self._writer = None
        self._pending = 0

    def _open(self) -> None:
        self.close()
        self._filehandle = open(self.filepath, "w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._filehandle)
        self._writer.writerow(CSV_COLUMNS)
        self._filehandle.flush()

    def _on_request(
        self,
        *,
        request_type: str,
        name: str,
        response_time: Optional[float],
        response_length: int,
        exception: Any = None,
        response: Any = None,
        start_time: Optional[float] = None,
        context: Any = None,
        **kwargs: Any,
    ) -> None:
        if self._writer is None or self._filehandle is None:
            return
        self._writer.writerow(
            [
                round(start_time if start_time is not None else time.time(), 6),
                request_type,
                name,
                "" if response_time is None else round(response_time, 2),
                response_length,
                _status_code(response, exception),
                "" if exception is None else str(exception),
            ]
        )
        self._pending += 1
        if self._pending >= self.flush_interval:
            self._filehandle.flush()
            self._pending = 0

    def _on_quitting(self, **kwargs: Any) -> None:
        self.close()
