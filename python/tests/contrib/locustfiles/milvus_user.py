"""MilvusUser on Milvus Lite (a local Milvus server pymilvus starts for a ``.db`` path): insert,
search with recall, query, upsert, delete, an empty query (recorded as a success) and an insert
of a vector of the wrong size (a failure)."""

from __future__ import annotations

import os

from pymilvus import DataType, MilvusClient
from scripted import finish

from locust import constant, task
from locust.contrib.milvus import MilvusUser


def schema_and_index() -> tuple:
    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=4)
    index = MilvusClient.prepare_index_params()
    index.add_index(field_name="vector", index_type="FLAT", metric_type="L2")
    return schema, index


class Script(MilvusUser):
    wait_time = constant(0)

    def __init__(self, environment):
        schema, index = schema_and_index()
        uri = os.path.join(os.getcwd(), "milvus.db")
        super().__init__(environment, uri=uri, collection_name="items", schema=schema, index_params=index)

    @task
    def script(self) -> None:
        rows = [{"id": i, "vector": [float(i), 1.0, 0.5, 0.25]} for i in range(1, 6)]
        print("INSERT", self.insert(rows)["success"], flush=True)
        found = self.search([[1.0, 1.0, 0.5, 0.25]], "vector", 2, calculate_recall=True, ground_truth=[1, 2])
        print("RECALL", found.get("recall"), flush=True)
        print("QUERY", len(self.query("id >= 4")["result"]), flush=True)
        print("EMPTY", self.query("id > 100")["empty"], flush=True)
        self.upsert([{"id": 5, "vector": [5.0, 0.0, 0.0, 0.0]}])
        self.delete("id in [1, 2]")
        self.insert([{"id": 9, "vector": [1.0, 2.0]}])
        finish(self)
