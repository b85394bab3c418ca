"""The building blocks of HttpUser's and FastHttpUser's clients.

``locust.clients`` (HttpSession) and ``locust.contrib.fasthttp`` (FastHttpSession) are
the public modules; they re-export what locustfiles import from here. Classes defined
here for them carry the public module as ``__module__`` (``present_as``), so reprs,
tracebacks and pickles keep naming ``locust.clients`` / ``locust.contrib.fasthttp``.
"""

from __future__ import annotations

CLIENTS = "rocust._locust.clients"
FASTHTTP = "rocust._locust.contrib.fasthttp"


def present_as(module: str, *classes: type) -> None:
    """Makes ``module`` (a public module that exports them) the home of ``classes``."""
    for cls in classes:
        cls.__module__ = module
