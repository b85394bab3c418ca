"""``locust.contrib.dns``: a User whose client times dnspython's ``dns.query`` functions.

``self.client.udp(message, "127.0.0.1")`` calls ``dns.query.udp`` and records a ``DNS``
row named after the function (or ``name=``). A DNSException, or a reply without answer
records, is a failure; any other exception propagates unrecorded.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Optional

import dns.query
from dns.exception import DNSException
from dns.message import Message

from ..event import EventHook
from ..exception import LocustError
from ..user.users import User


class DNSClient:
    def __init__(self, request_event: EventHook) -> None:
        self.request_event = request_event

    def __getattr__(self, function_name: str) -> Callable[..., Message]:
        query = getattr(dns.query, function_name)
        request_event = self.request_event

        def timed(message: Message, *args: Any, name: Optional[str] = None, **kwargs: Any) -> Message:
            started = time.time()
            started_perf = time.perf_counter()
            response: Any = None
            exception: Optional[Exception] = None
            try:
                response = query(message, *args, **kwargs)
            except DNSException as e:
                exception = e
            else:
                if not response.answer:
                    exception = LocustError("No answer in DNS response")
            request_event.fire(
                request_type="DNS",
                name=name or function_name,
                start_time=started,
                response_length=0,
                context={},
                exception=exception,
                response_time=(time.perf_counter() - started_perf) * 1000,
                response=response,
            )
            # None after a failure, as with Locust's client.
            return response  # type: ignore[no-any-return]

        return timed


class DNSUser(User):
    """``self.client`` is a DNSClient on this environment's request event."""

    abstract = True

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.client = DNSClient(environment.events.request)
