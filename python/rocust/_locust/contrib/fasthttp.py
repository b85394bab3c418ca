"""``locust.contrib.fasthttp``: FastHttpUser, the geventhttpclient-style user.

Its class attributes are Locust's (locustfiles set them), and so is the host check;
the ``client`` comes from the engine through the "FastHttpUser" client factory
(see ``user.users.set_client_factory``).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from ..exception import StopTest
from ..user.users import NO_HOST_MESSAGE, User, make_client

__all__ = ["FastHttpUser"]


class FastHttpUser(User):
    """An HTTP user with FastHttpUser's defaults: 60 s timeouts, TLS not verified,
    statuses outside 2xx-with-exceptions/redirects count as failures."""

    network_timeout: float = 60.0
    """Seconds to wait for a response (per read)."""
    connection_timeout: float = 60.0
    """Seconds to wait for a connection."""
    max_redirects: int = 30
    """Redirects followed before giving up."""
    max_retries: int = 0
    """Retries of a failed request."""
    insecure: bool = True
    """Do not verify TLS certificates (FastHttpUser's default, unlike HttpUser)."""
    default_headers: Optional[Dict[str, str]] = None
    """Headers sent with every request."""
    concurrency: int = 10
    """Connections per user for ``client.request`` called from several greenlets."""
    proxy_host: Optional[str] = None
    proxy_port: Optional[int] = None
    client_pool: Any = None
    """A connection pool shared between users (accepted; rocust pools per engine)."""
    ssl_context_factory: Optional[Callable[..., Any]] = None

    abstract = True

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        if self.host is None:
            raise StopTest(NO_HOST_MESSAGE)
        self.client: Any = make_client("FastHttpUser", self)
