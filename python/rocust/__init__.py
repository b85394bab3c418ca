"""rocust's Python side: the ``locust`` API that locustfiles import, served from
``rocust._locust`` by an import hook, and the seam the Rust engine drives.

Importing this package has no side effects (no monkey patching, no import hook):
the engine decides when to patch gevent and install the hook, so merely having
rocust installed never changes what ``import locust`` means for other programs.
"""

from __future__ import annotations

__all__ = ["LOCUST_API_VERSION"]

#: The Locust release whose public API and behaviour ``rocust._locust`` follows.
LOCUST_API_VERSION = "2.47.0"
