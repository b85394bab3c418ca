"""``locust.contrib.qdrant``: a User for the Qdrant vector database (qdrant-client).

The client's methods return Locust's result dicts (``success``, ``response_time``,
``result``, ``empty``, or the ``exception``); the user's methods of the same names record
each call as a ``qdrant`` row named after the method.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from qdrant_client import QdrantClient
from qdrant_client.models import VectorParams

from .. import events
from ..user.users import User
from ._results import Result, fire, timed


class QdrantLocustClient:
    """A QdrantClient bound to one collection."""

    def __init__(
        self, url: Optional[str], collection_name: str, api_key: Optional[str] = None, timeout: int = 60, **kwargs: Any
    ) -> None:
        self.url = url
        self.collection_name = collection_name
        self.api_key = api_key
        self.timeout = timeout
        self.client = QdrantClient(url=url, api_key=api_key, timeout=timeout, **kwargs)

    def close(self) -> None:
        self.client.close()

    def create_collection(self, vectors_config: Any, **kwargs: Any) -> None:
        """Creates the collection unless it exists."""
        if not self.client.collection_exists(collection_name=self.collection_name):
            self.client.create_collection(
                collection_name=self.collection_name, vectors_config=vectors_config, **kwargs
            )

    def upsert(self, points: Any) -> Result:
        return timed(lambda: self.client.upsert(collection_name=self.collection_name, points=points))

    def search(
        self,
        query: Any,
        limit: int = 10,
        query_filter: Any = None,
        search_params: Any = None,
        with_payload: Any = True,
    ) -> Result:
        """``query_points``; no point found is ``success: False`` without an exception."""
        return timed(
            lambda: self.client.query_points(
                collection_name=self.collection_name,
                query=query,
                limit=limit,
                query_filter=query_filter,
                search_params=search_params,
                with_payload=with_payload,
            ),
            is_empty=lambda found: len(found.points) == 0,
        )

    def scroll(self, scroll_filter: Any = None, limit: int = 10, with_payload: Any = True) -> Result:
        outcome = timed(
            lambda: self.client.scroll(
                collection_name=self.collection_name,
                scroll_filter=scroll_filter,
                limit=limit,
                with_payload=with_payload,
            ),
            is_empty=lambda page: len(page[0]) == 0,
        )
        if "result" in outcome:
            outcome["result"], outcome["next_offset"] = outcome["result"]
        return outcome

    def delete(self, points_selector: Any) -> Result:
        return timed(
            lambda: self.client.delete(collection_name=self.collection_name, points_selector=points_selector)
        )


class QdrantUser(User):
    """Set ``collection_name`` (and ``url``, ``vectors_config`` to create the collection,
    ``client_kwargs`` for QdrantClient, e.g. ``{"location": ":memory:"}`` with
    ``url = None``) on the subclass."""

    abstract = True
    client: QdrantLocustClient

    url: Optional[str] = "http://localhost:6333"
    api_key: Optional[str] = None
    collection_name: Optional[str] = None
    timeout: int = 60
    vectors_config: Optional[VectorParams] = None
    client_kwargs: Optional[Dict[str, Any]] = None
    collection_kwargs: Optional[Dict[str, Any]] = None

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        if self.collection_name is None:
            raise ValueError("'collection_name' must be provided for QdrantUser")
        self.client_type = "qdrant"
        self.client = QdrantLocustClient(
            url=self.url,
            api_key=self.api_key,
            collection_name=self.collection_name,
            timeout=self.timeout,
            **(self.client_kwargs or {}),
        )
        if self.vectors_config is not None:
            self.client.create_collection(vectors_config=self.vectors_config, **(self.collection_kwargs or {}))

    @staticmethod
    def _fire_event(request_type: str, name: str, result: Result) -> None:
        fire(events, request_type, name, result)

    def upsert(self, points: Any) -> Result:
        result = self.client.upsert(points)
        self._fire_event(self.client_type, "upsert", result)
        return result

    def search(
        self,
        query: Any,
        limit: int = 10,
        query_filter: Any = None,
        search_params: Any = None,
        with_payload: Any = True,
    ) -> Result:
        result = self.client.search(
            query=query, limit=limit, query_filter=query_filter, search_params=search_params, with_payload=with_payload
        )
        self._fire_event(self.client_type, "search", result)
        return result

    def scroll(self, scroll_filter: Any = None, limit: int = 10, with_payload: Any = True) -> Result:
        result = self.client.scroll(scroll_filter=scroll_filter, limit=limit, with_payload=with_payload)
        self._fire_event(self.client_type, "scroll", result)
        return result

    def delete(self, points_selector: Any) -> Result:
        result = self.client.delete(points_selector)
        self._fire_event(self.client_type, "delete", result)
        return result

    def on_stop(self) -> None:
        self.client.close()
