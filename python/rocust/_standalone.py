"""The engine for HTTP clients outside ``rocust -f``: ``run_single_user`` in
``python locustfile.py``, ``MyHttpUser(env)`` in a unit test, an ``HttpSession`` in
any script.

It starts on the first client made in a thread (its HTTP thread and the hub watcher
of that thread's gevent hub) and stops at interpreter exit. Nothing records requests
in Rust here: every request goes through ``events.request`` as in Locust.
"""

from __future__ import annotations

import atexit
import threading
from typing import Optional

from ._engine import Engine
from ._pump import Pump
from ._transport import TransportFactory
from ._transport import transport_factory as _engine_transport_factory

_local = threading.local()


class _StandaloneEngine:
    def __init__(self) -> None:
        self.engine = Engine()
        self.engine.start_http(1)
        self.pump = Pump(self.engine)
        self.pump.start()
        atexit.register(self.close)

    def close(self) -> None:
        self.pump.stop()
        self.engine.close()


def _current() -> _StandaloneEngine:
    standalone: Optional[_StandaloneEngine] = getattr(_local, "standalone", None)
    if standalone is None:
        standalone = _StandaloneEngine()
        _local.standalone = standalone
    return standalone


def transport_factory() -> TransportFactory:
    """Transports on this thread's standalone engine (started on first use): the
    waiting greenlet and the hub that wakes it must be on the same thread."""
    return _engine_transport_factory(_current().engine)
