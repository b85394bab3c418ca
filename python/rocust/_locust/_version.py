"""The Locust version whose API rocust provides (``locust.__version__``)."""

from __future__ import annotations

version = __version__ = "2.47.0"
