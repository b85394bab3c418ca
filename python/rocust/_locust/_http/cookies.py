"""Cookies: requests' RequestsCookieJar as a view of a cookie store (the engine's jar
for a session, a private list for a response), and the Cookie header of a request."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from http.cookiejar import Cookie
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from . import CLIENTS, present_as
from .exceptions import CookieConflictError


class _MemoryCookies:
    """A cookie store outside the engine (response cookies, copies)."""

    def __init__(self, items: list[tuple[str, str, str, str]] | None = None) -> None:
        self.items: list[tuple[str, str, str, str]] = items or []

    def cookies(self) -> list[tuple[str, str, str, str]]:
        return list(self.items)

    def set_cookie(self, name: str, value: str, domain: str, path: str) -> None:
        self.items = [c for c in self.items if (c[0], c[2], c[3]) != (name, domain, path)]
        self.items.append((name, value, domain, path))

    def clear_cookies(self) -> None:
        self.items = []


def make_cookie(name: str, value: str, domain: str = "", path: str = "/") -> Cookie:
    """An http.cookiejar.Cookie like requests' create_cookie makes."""
    return Cookie(
        0, name, value, None, False, domain, bool(domain), domain.startswith("."), path, bool(path),
        False, None, False, None, None, {}, False,
    )  # fmt: skip


class RequestsCookieJar:
    """requests' RequestsCookieJar (a dict-like view of cookies) over a store: the
    engine's jar for a session, a private list for a response. Iterating yields
    http.cookiejar.Cookie objects, like requests."""

    def __init__(self, store: Any = None) -> None:
        self._store = store if store is not None else _MemoryCookies()

    def _all(self) -> list[tuple[str, str, str, str]]:
        return list(self._store.cookies())

    def __iter__(self) -> Iterator[Cookie]:
        return iter([make_cookie(*c) for c in self._all()])

    def __len__(self) -> int:
        return len(self._all())

    def __bool__(self) -> bool:
        return True

    def get(self, name: str, default: Any = None, domain: str | None = None, path: str | None = None) -> Any:
        try:
            return self._find(name, domain, path)
        except KeyError:
            return default

    def _find(self, name: str, domain: str | None = None, path: str | None = None) -> str:
        found = [
            c
            for c in self._all()
            if c[0] == name and (domain is None or c[2] == domain) and (path is None or c[3] == path)
        ]
        if not found:
            raise KeyError(f"name={name!r}, domain={domain!r}, path={path!r}")
        if len({(c[2], c[3]) for c in found}) > 1 and domain is None:
            raise CookieConflictError(f"There are multiple cookies with name, {name!r}")
        return found[0][1]

    def set(self, name: str, value: Any, **kwargs: Any) -> Cookie | None:
        domain, path = kwargs.get("domain") or "", kwargs.get("path") or "/"
        if value is None:
            self.clear(domain=kwargs.get("domain"), path=kwargs.get("path"), name=name)
            return None
        value = value.value if hasattr(value, "value") else str(value)
        self._store.set_cookie(name, value, domain, path)
        return make_cookie(name, value, domain, path)

    def set_cookie(self, cookie: Any, *args: Any, **kwargs: Any) -> None:
        self._store.set_cookie(cookie.name, cookie.value or "", cookie.domain or "", cookie.path or "/")

    def __getitem__(self, name: str) -> str:
        return self._find(name)

    def __setitem__(self, name: str, value: Any) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        if not any(c[0] == name for c in self._all()):
            raise KeyError(name)
        self.clear(name=name)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            return any(c[0] == name for c in self._all())
        return any(getattr(name, "name", None) == c[0] for c in self._all())

    def clear(self, domain: str | None = None, path: str | None = None, name: str | None = None) -> None:
        """Removes every cookie, or those of ``domain`` (and ``path``, ``name``)."""
        kept = []
        if domain is not None or name is not None:
            kept = [
                c
                for c in self._all()
                if not (
                    (domain is None or c[2] == domain)
                    and (path is None or c[3] == path)
                    and (name is None or c[0] == name)
                )
            ]
        self._store.clear_cookies()
        for c in kept:
            self._store.set_cookie(*c)

    def clear_session_cookies(self) -> None:
        self.clear()

    def keys(self) -> list[str]:
        return [c[0] for c in self._all()]

    def values(self) -> list[str]:
        return [c[1] for c in self._all()]

    def items(self) -> list[tuple[str, str]]:
        return [(c[0], c[1]) for c in self._all()]

    iterkeys = keys
    itervalues = values
    iteritems = items

    def list_domains(self) -> list[str]:
        return list(dict.fromkeys(c[2] for c in self._all()))

    def list_paths(self) -> list[str]:
        return list(dict.fromkeys(c[3] for c in self._all()))

    def multiple_domains(self) -> bool:
        return len(self.list_domains()) > 1

    def get_dict(self, domain: str | None = None, path: str | None = None) -> dict[str, str]:
        return {
            c[0]: c[1] for c in self._all() if (domain is None or c[2] == domain) and (path is None or c[3] == path)
        }

    def update(self, other: Any) -> None:
        if isinstance(other, RequestsCookieJar):
            for c in other._all():
                self._store.set_cookie(*c)
        elif isinstance(other, Mapping):
            for k, v in other.items():
                self.set(k, v)
        else:
            for cookie in other:
                self.set_cookie(cookie)

    def copy(self) -> RequestsCookieJar:
        return RequestsCookieJar(_MemoryCookies(self._all()))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}[{', '.join(str(c) for c in self)}]>"


def _cookie_matches(cookie: tuple[str, str, str, str], host: str, path: str) -> bool:
    domain = cookie[2].lstrip(".")
    if domain and host != domain and not host.endswith("." + domain):
        return False
    cpath = cookie[3] or "/"
    return path == cpath or path.startswith(cpath if cpath.endswith("/") else cpath + "/")


def cookie_header(store: Any, url: str, extra: Any) -> str:
    """The Cookie header requests sends for ``url`` with per-request ``extra`` cookies:
    the jar's matching cookies, overridden by ``extra`` (which is not persisted)."""
    parts = urlsplit(url)
    host, path = (parts.hostname or "").lower(), parts.path or "/"
    merged = {c[0]: c[1] for c in store.cookies() if _cookie_matches(c, host, path)}
    if isinstance(extra, RequestsCookieJar):
        merged.update(extra.get_dict())
    elif isinstance(extra, Mapping):
        merged.update({k: str(v) for k, v in extra.items() if v is not None})
    else:
        merged.update({c.name: c.value for c in extra})
    return "; ".join(f"{k}={v}" for k, v in merged.items())


def _response_cookies(headers: list[tuple[str, str]], url: str) -> RequestsCookieJar:
    """The cookies a response sets (its Set-Cookie headers)."""
    jar = RequestsCookieJar()
    parts = urlsplit(url)
    default_path = parts.path.rpartition("/")[0] or "/"
    for k, v in headers:
        if k.lower() != "set-cookie":
            continue
        parsed: SimpleCookie = SimpleCookie()
        try:
            parsed.load(v)
        except Exception:  # noqa: BLE001, S112  a malformed Set-Cookie is ignored, as http.cookiejar does
            continue
        for name, morsel in parsed.items():
            jar._store.set_cookie(
                name, morsel.value, morsel["domain"] or parts.hostname or "", morsel["path"] or default_path
            )
    return jar


present_as(CLIENTS, _MemoryCookies, RequestsCookieJar)
