"""``locust.contrib.oai``: a User whose client is the OpenAI SDK's, timed per HTTP call.

(Named ``oai`` so that it does not shadow the ``openai`` package.) Each HTTP exchange
the SDK makes is one row: the method, and the URL path unless ``rename_request`` names
it. ``response_length`` is the reply's ``usage.output_tokens``, which says more about an
LLM call than its size in bytes. Like Locust's module, importing it without
``OPENAI_API_KEY`` in the environment fails.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional

import httpx
from openai import OpenAI

from ..event import EventHook
from ..user.users import User

if "OPENAI_API_KEY" not in os.environ:
    raise Exception("You need to set OPENAI_API_KEY env var to use OpenAIUser")


class OpenAIClient(OpenAI):
    def __init__(self, request_event: EventHook, user: Any, *args: Any, **kwargs: Any) -> None:
        self.request_name: Optional[str] = None
        """Overrides the URL path as the row name while set (``rename_request``)."""
        self.user = user

        # Locust keeps the start on the request itself, where listeners may look.
        def on_request(request: httpx.Request) -> None:
            setattr(request, "start_time", time.time())
            setattr(request, "start_perf_counter", time.perf_counter())

        def on_response(response: httpx.Response) -> None:
            response.read()
            request = response.request
            elapsed_ms = (time.perf_counter() - getattr(request, "start_perf_counter")) * 1000
            exception: Optional[Exception] = None
            try:
                response.raise_for_status()
            except httpx.HTTPStatusError as e:
                exception = e
            request_event.fire(
                request_type=request.method,
                name=self.request_name or response.url.path,
                context={},
                response=response,
                exception=exception,
                start_time=getattr(request, "start_time"),
                response_time=elapsed_ms,
                response_length=response.json().get("usage", {}).get("output_tokens", 0),
                url=response.url,
            )

        hooks: Dict[str, List[Callable[..., Any]]] = {"request": [on_request], "response": [on_response]}
        # The SDK takes any httpx-like client; its annotation names its own httpx fork.
        super().__init__(*args, **kwargs, http_client=httpx.Client(event_hooks=hooks))  # type: ignore[arg-type]

    @contextmanager
    def rename_request(self, name: str) -> Iterator[None]:
        """Records the calls made inside the ``with`` block under ``name``."""
        self.request_name = name
        try:
            yield
        finally:
            self.request_name = None


class OpenAIUser(User):
    """``self.client`` is an OpenAIClient (API key and base URL from the usual
    ``OPENAI_*`` environment variables, or set on the client)."""

    abstract = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = OpenAIClient(self.environment.events.request, user=self)
