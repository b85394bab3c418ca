"""MongoDBUser against pymongo's mock server (mongo_server.py): finds that work and one the
server refuses."""

from __future__ import annotations

import os

from scripted import finish

from locust import constant, task
from locust.contrib.mongodb import MongoDBUser


class Script(MongoDBUser):
    conn_string = os.environ["CONTRIB_MONGO"]
    db_name = "db"
    wait_time = constant(0)

    @task
    def script(self) -> None:
        self.client.execute_query("items", {"a": 1})
        self.client.execute_query("items", {})
        self.client.execute_query("broken", {"a": 1})
        finish(self)
