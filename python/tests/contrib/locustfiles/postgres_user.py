"""PostgresUser against a PostgreSQL server: queries that work, one with a syntax error, one after
it (the transaction is aborted), a rollback and one more that works."""

from __future__ import annotations

import os

from scripted import finish

from locust import constant, task
from locust.contrib.postgres import PostgresUser


class Script(PostgresUser):
    conn_string = os.environ["CONTRIB_PG"]
    wait_time = constant(0)

    @task
    def script(self) -> None:
        self.client.execute_query("SELECT 1")
        self.client.execute_query("CREATE TEMP TABLE IF NOT EXISTS t (x int)")
        self.client.execute_query("INSERT INTO t VALUES (1), (2)")
        self.client.execute_query("SELEC 1")
        self.client.execute_query("SELECT x FROM t")
        self.client.connection.rollback()
        self.client.execute_query("SELECT 2")
        self.client.execute_query("SELECT * FROM no_such_table")
        finish(self)
