"""``locust.util.url``: whether a ``-f`` value is a URL to download."""

from __future__ import annotations

from urllib.parse import urlparse

__all__ = ["is_url"]


def is_url(url: str) -> bool:
    """True for an http(s) URL with a host; False for anything else, paths included."""
    try:
        parsed = urlparse(url)
    except ValueError:
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)
