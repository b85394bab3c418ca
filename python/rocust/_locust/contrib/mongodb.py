"""``locust.contrib.mongodb``: a User whose client is a pymongo MongoClient that times
``find`` queries (rows ``MONGODB``/``QUERY``)."""

from __future__ import annotations

import time
from typing import Any, Mapping

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from .. import events
from ..user.users import User


class MongoDBClient(MongoClient):  # type: ignore[type-arg]
    """A MongoClient bound to one database."""

    def __init__(self, conn_string: str, db_name: str) -> None:
        super().__init__(conn_string)
        self.db = self[db_name]

    def execute_query(self, collection_name: str, query: Mapping[str, Any]) -> None:
        """Runs ``find(query)`` to the last document (a cursor alone sends nothing).
        pymongo's errors are recorded as failures; other exceptions propagate."""
        started = time.time()
        exception: PyMongoError | None = None
        try:
            list(self.db[collection_name].find(query))
        except PyMongoError as e:
            exception = e
        meta: dict[str, Any] = {
            "request_type": "MONGODB",
            "name": "QUERY",
            "response_time": int((time.time() - started) * 1000),
            "response_length": 0,
        }
        if exception is not None:
            meta["exception"] = exception
        events.request.fire(**meta)


class MongoDBUser(User):
    """Set ``conn_string`` and ``db_name`` on the subclass."""

    abstract = True
    conn_string: str
    db_name: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = MongoDBClient(conn_string=self.conn_string, db_name=self.db_name)

    def on_stop(self) -> None:
        self.client.close()
