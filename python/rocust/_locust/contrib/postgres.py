"""``locust.contrib.postgres``: a User that runs SQL through psycopg 3.

Rows are named ``execute_query``; the outcome is in the request type
(``postgres_success`` or ``postgres_failure``) as well as in the failure count.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg

from .. import events
from ..user.users import User


def _elapsed_ms(started: float) -> int:
    return int((time.time() - started) * 1000)


class PostgresClient:
    """One connection; every query is one request."""

    def __init__(self, conn_string: str) -> None:
        self.connection: psycopg.Connection[Any] = psycopg.connect(conn_string)

    def execute_query(self, query: Any) -> None:
        """Runs ``query``; any error is recorded, never raised."""
        started = time.time()
        try:
            self.connection.execute(query)
        except Exception as e:
            events.request.fire(
                request_type="postgres_failure",
                name="execute_query",
                response_time=_elapsed_ms(started),
                response_length=0,
                exception=e,
            )
        else:
            events.request.fire(
                request_type="postgres_success",
                name="execute_query",
                response_time=_elapsed_ms(started),
                response_length=0,
            )

    def close(self) -> None:
        self.connection.close()


class PostgresUser(User):
    """Set ``conn_string`` (a libpq connection string) on the subclass."""

    abstract = True
    conn_string: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = PostgresClient(conn_string=self.conn_string)

    def on_stop(self) -> None:
        self.client.close()
