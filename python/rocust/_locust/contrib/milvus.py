"""``locust.contrib.milvus``: a User for the Milvus vector database (pymilvus' MilvusClient).

As in Locust, importing it patches gevent and makes grpc cooperate with it. The client's
methods return Locust's result dicts; the user's methods record each call as a
``milvus`` row named after the method, and ``search(..., calculate_recall=True,
ground_truth=...)`` adds a ``recall`` row whose response time is the recall in percent.
"""

from __future__ import annotations

import gevent.monkey

if not gevent.monkey.is_module_patched("socket"):
    gevent.monkey.patch_all()
import grpc.experimental.gevent as grpc_gevent  # type: ignore[import-untyped]

grpc_gevent.init_gevent()

from abc import ABC, abstractmethod  # noqa: E402
from typing import Any, Optional, Sequence  # noqa: E402

from pymilvus import CollectionSchema, MilvusClient  # type: ignore[import-untyped]  # noqa: E402
from pymilvus.milvus_client import IndexParams  # type: ignore[import-untyped]  # noqa: E402

from .. import events  # noqa: E402
from ..user.users import User  # noqa: E402
from ._results import Result, fire, timed  # noqa: E402


def _no_hits(found: Any) -> bool:
    return len(found) == 0 or all(len(hits) == 0 for hits in found)


class BaseClient(ABC):
    """What MilvusUser needs of a client."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def create_collection(self, schema: Any, index_params: Any, **kwargs: Any) -> None: ...

    @abstractmethod
    def insert(self, data: Any) -> Result: ...

    @abstractmethod
    def upsert(self, data: Any) -> Result: ...

    @abstractmethod
    def search(
        self,
        data: Any,
        anns_field: str,
        limit: int,
        filter: str = "",
        search_params: Any = None,
        output_fields: Optional[list[str]] = None,
        calculate_recall: bool = False,
        ground_truth: Optional[Sequence[Any]] = None,
    ) -> Result: ...

    @abstractmethod
    def hybrid_search(self, reqs: Any, ranker: Any, limit: int, output_fields: Optional[list[str]] = None) -> Result: ...

    @abstractmethod
    def query(self, filter: str, output_fields: Optional[list[str]] = None) -> Result: ...

    @abstractmethod
    def delete(self, filter: str) -> Result: ...


class MilvusV2Client(BaseClient):
    """A pymilvus MilvusClient bound to one collection."""

    def __init__(
        self, uri: str, collection_name: str, token: str = "root:Milvus", db_name: str = "default", timeout: int = 60
    ) -> None:
        self.uri = uri
        self.collection_name = collection_name
        self.token = token
        self.db_name = db_name
        self.timeout = timeout
        self.client = MilvusClient(uri=uri, token=token, db_name=db_name, timeout=timeout)

    def close(self) -> None:
        self.client.close()

    def create_collection(self, schema: Any, index_params: Any, **kwargs: Any) -> None:
        self.client.create_collection(
            collection_name=self.collection_name, schema=schema, index_params=index_params, **kwargs
        )

    def insert(self, data: Any) -> Result:
        return timed(lambda: self.client.insert(collection_name=self.collection_name, data=data))

    def upsert(self, data: Any) -> Result:
        return timed(lambda: self.client.upsert(collection_name=self.collection_name, data=data))

    def search(
        self,
        data: Any,
        anns_field: str,
        limit: int,
        filter: str = "",
        search_params: Any = None,
        output_fields: Optional[list[str]] = None,
        calculate_recall: bool = False,
        ground_truth: Optional[Sequence[Any]] = None,
    ) -> Result:
        """A search; no hit is ``success: False`` without an exception. With
        ``calculate_recall`` and ``ground_truth``, a found result also gets ``recall``."""
        fields = ["id"] if output_fields is None else output_fields
        outcome = timed(
            lambda: self.client.search(
                collection_name=self.collection_name,
                data=data,
                anns_field=anns_field,
                filter=filter,
                limit=limit,
                search_params=search_params,
                output_fields=fields,
            ),
            is_empty=_no_hits,
        )
        if calculate_recall and ground_truth is not None and outcome.get("empty") is False:
            outcome["recall"] = self.get_recall(outcome["result"], ground_truth, limit)
        return outcome

    def hybrid_search(self, reqs: Any, ranker: Any, limit: int, output_fields: Optional[list[str]] = None) -> Result:
        fields = ["id"] if output_fields is None else output_fields
        return timed(
            lambda: self.client.hybrid_search(
                collection_name=self.collection_name,
                reqs=reqs,
                ranker=ranker,
                limit=limit,
                output_fields=fields,
                timeout=self.timeout,
            ),
            is_empty=_no_hits,
        )

    @staticmethod
    def get_recall(search_results: Any, ground_truth: Sequence[Any], limit: Optional[int] = None) -> float:
        """The share of the first ``limit`` ground-truth ids found by the first query
        (0.0 when the results cannot be read or the ground truth is shorter than ``limit``)."""
        try:
            found_ids: list[Any] = []
            if isinstance(search_results, list) and search_results:
                first = search_results[0]
                for hit in first if isinstance(first, list) else search_results:
                    if isinstance(hit, dict) and "id" in hit:
                        found_ids.append(hit["id"])
                    elif hasattr(hit, "get"):
                        found_ids.append(hit.get("id"))
            if limit is None:
                limit = len(found_ids)
            if len(ground_truth) < limit:
                raise ValueError(f"Ground truth length is less than limit: {len(ground_truth)} < {limit}")
            expected = set(ground_truth[:limit])
            return len(expected & set(found_ids)) / len(expected)
        except Exception:
            return 0.0

    def query(self, filter: str, output_fields: Optional[list[str]] = None) -> Result:
        fields = ["id"] if output_fields is None else output_fields
        return timed(
            lambda: self.client.query(collection_name=self.collection_name, filter=filter, output_fields=fields),
            is_empty=lambda rows: len(rows) == 0,
        )

    def delete(self, filter: str) -> Result:
        return timed(lambda: self.client.delete(collection_name=self.collection_name, filter=filter))


class MilvusUser(User):
    """Pass the connection and collection to ``super().__init__`` from the subclass's
    ``__init__``; with ``schema``, the collection is created (extra keyword arguments go
    to ``create_collection``)."""

    abstract = True
    client: MilvusV2Client

    def __init__(
        self,
        environment: Any,
        uri: str = "http://localhost:19530",
        token: str = "root:Milvus",
        collection_name: str = "test_collection",
        db_name: str = "default",
        timeout: int = 60,
        schema: Optional[CollectionSchema] = None,
        index_params: Optional[IndexParams] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(environment)
        if uri is None:
            raise ValueError("'uri' must be provided for MilvusUser")
        if collection_name is None:
            raise ValueError("'collection_name' must be provided for MilvusUser")
        self.client_type = "milvus"
        self.client = MilvusV2Client(
            uri=uri, token=token, collection_name=collection_name, db_name=db_name, timeout=timeout
        )
        if schema is not None:
            self.client.create_collection(schema=schema, index_params=index_params, **kwargs)

    @staticmethod
    def _fire_event(request_type: str, name: str, result: Result) -> None:
        fire(events, request_type, name, result)

    @staticmethod
    def _fire_recall_event(request_type: str, name: str, result: Result) -> None:
        """A row whose response time is the recall in percent (0-100), for the charts."""
        events.request.fire(
            request_type=request_type,
            name=name,
            response_time=int(result.get("recall", 0.0) * 100),
            response_length=result.get("retrieved_count", 0),
            exception=result.get("exception"),
        )

    def insert(self, data: Any) -> Result:
        result = self.client.insert(data)
        self._fire_event(self.client_type, "insert", result)
        return result

    def upsert(self, data: Any) -> Result:
        result = self.client.upsert(data)
        self._fire_event(self.client_type, "upsert", result)
        return result

    def search(
        self,
        data: Any,
        anns_field: str,
        limit: int,
        filter: str = "",
        search_params: Any = None,
        output_fields: Optional[list[str]] = None,
        calculate_recall: bool = False,
        ground_truth: Optional[Sequence[Any]] = None,
    ) -> Result:
        result = self.client.search(
            data,
            anns_field,
            limit,
            filter=filter,
            search_params=search_params,
            output_fields=output_fields,
            calculate_recall=calculate_recall,
            ground_truth=ground_truth,
        )
        self._fire_event(self.client_type, "search", result)
        if calculate_recall and "recall" in result:
            self._fire_recall_event(self.client_type, "recall", result)
        return result

    def hybrid_search(self, reqs: Any, ranker: Any, limit: int, output_fields: Optional[list[str]] = None) -> Result:
        result = self.client.hybrid_search(reqs, ranker, limit, output_fields)
        self._fire_event(self.client_type, "hybrid_search", result)
        return result

    def query(self, filter: str, output_fields: Optional[list[str]] = None) -> Result:
        result = self.client.query(filter=filter, output_fields=output_fields)
        self._fire_event(self.client_type, "query", result)
        return result

    def delete(self, filter: str) -> Result:
        result = self.client.delete(filter)
        self._fire_event(self.client_type, "delete", result)
        return result

    def on_stop(self) -> None:
        self.client.close()
