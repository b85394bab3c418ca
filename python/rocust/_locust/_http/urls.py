"""URL text helpers shared by both clients (requests' quoting rules)."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

absolute_http_url_regexp = re.compile(r"^https?://", re.IGNORECASE)

#: Characters that make requests' requote_uri change a URL (or need a fragment cut).
_NEEDS_REQUOTE = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,/:;=?@\[\]]")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

# The request path calls these bound methods rather than ``pattern.method()``: CPython
# 3.11 compiles a method call on an imported name as an attribute load, which builds a
# bound method per call.
match_absolute_http = absolute_http_url_regexp.match
search_needs_requote = _NEEDS_REQUOTE.search


def requote_uri(uri: str) -> str:
    """requests' requote_uri: unquote unreserved characters, quote what is illegal."""
    pieces = uri.split("%")
    out = [pieces[0]]
    for piece in pieces[1:]:
        h = piece[:2]
        if len(h) == 2 and h.isalnum():
            try:
                c = chr(int(h, 16))
            except ValueError:
                # An invalid escape: every "%" is quoted as well.
                return quote(uri, safe="!#$&'()*+,/:;=?@[]~")
            out.append(c + piece[2:] if c in _UNRESERVED else "%" + piece)
        else:
            out.append("%" + piece)
    return quote("".join(out), safe="!#$%&'()*+,/:;=?@[]~")


def _path_url(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + ("?" + parts.query if parts.query else "")


def split_credentials(base_url: str) -> tuple[str, tuple[str, str] | None]:
    """``base_url`` without user:password@, and the (percent-decoded) credentials."""
    from urllib.parse import unquote, urlparse, urlunparse

    parsed = urlparse(base_url)
    if parsed.username and parsed.password:
        netloc = parsed.netloc.rpartition("@")[2]
        stripped = urlunparse((parsed.scheme, netloc, parsed.path, parsed.params, parsed.query, parsed.fragment))
        return stripped, (unquote(parsed.username), unquote(parsed.password))
    return base_url, None
