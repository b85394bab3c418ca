"""QdrantUser on Qdrant's local mode (in memory): upserts, searches (one finds nothing: recorded
as a success, as Locust does), scrolls, a delete and an upsert of a vector of the wrong size (a
failure)."""

from __future__ import annotations

from qdrant_client.models import Distance, FieldCondition, Filter, MatchValue, PointIdsList, PointStruct, VectorParams
from scripted import finish

from locust import constant, task
from locust.contrib.qdrant import QdrantUser


class Script(QdrantUser):
    url = None
    client_kwargs = {"location": ":memory:"}
    collection_name = "items"
    vectors_config = VectorParams(size=4, distance=Distance.COSINE)
    wait_time = constant(0)

    @task
    def script(self) -> None:
        points = [PointStruct(id=i, vector=[1.0, i, 0.5, 0.25], payload={"color": "red"}) for i in range(1, 6)]
        print("UPSERT", self.upsert(points)["success"], flush=True)
        found = self.search([1.0, 2.0, 0.5, 0.25], limit=3)
        print("FOUND", len(found["result"].points), flush=True)
        blue = Filter(must=[FieldCondition(key="color", match=MatchValue(value="blue"))])
        print("EMPTY", self.search([1.0, 2.0, 0.5, 0.25], query_filter=blue)["empty"], flush=True)
        print("SCROLL", len(self.scroll(limit=2)["result"]), flush=True)
        self.delete(PointIdsList(points=[1, 2]))
        self.upsert([PointStruct(id=9, vector=[1.0, 2.0], payload={})])
        finish(self)
