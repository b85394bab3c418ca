"""Header containers: requests' CaseInsensitiveDict (HttpSession) and
geventhttpclient's Headers (FastHttpSession), with how each client turns header
values into the text sent."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

# typing's generic aliases as bases (not dict or collections.abc's) keep typing.Generic
# in the classes' MRO.
from typing import Any, Dict, MutableMapping  # noqa: UP035

from . import CLIENTS, FASTHTTP, present_as
from .exceptions import InvalidHeader


class CaseInsensitiveDict(MutableMapping[str, Any]):
    """requests' CaseInsensitiveDict: keys compare case-insensitively and keep the
    case they were last set with."""

    __slots__ = ("_store", "_version")

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        self._store: dict[str, tuple[str, Any]] = {}
        self._version = 0
        if data is not None:
            self.update(data)
        if kwargs:
            self.update(kwargs)

    @classmethod
    def _from_pairs(cls, pairs: list[tuple[str, str]]) -> CaseInsensitiveDict:
        """Received headers: repeated names joined with ", " like urllib3."""
        d = cls()
        store = d._store
        for k, v in pairs:
            lk = k.lower()
            old = store.get(lk)
            store[lk] = (k, v) if old is None else (old[0], old[1] + ", " + v)
        return d

    def __setitem__(self, key: str, value: Any) -> None:
        self._store[key.lower()] = (key, value)
        self._version += 1

    def __getitem__(self, key: str) -> Any:
        return self._store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]
        self._version += 1

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._store

    def lower_items(self) -> Iterator[tuple[str, Any]]:
        return ((lk, kv[1]) for lk, kv in self._store.items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return dict(self.lower_items()) == dict(CaseInsensitiveDict(other).lower_items())

    def copy(self) -> CaseInsensitiveDict:
        return CaseInsensitiveDict(self._store.values())

    def __repr__(self) -> str:
        return str(dict(self.items()))


def _header_value(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    raise InvalidHeader(f"Header part ({value!r}) from {(name, value)} must be of type str or bytes, not {type(value)}")


class Headers(Dict[str, Any]):  # noqa: UP006
    """geventhttpclient's Headers: case-insensitive, a repeated field reads as a list
    of its values; iterating gives the lower-cased names."""

    def __init__(self, headers: Any = None, **kwargs: Any) -> None:
        super().__init__()
        if headers is not None:
            self.extend(headers)
        if kwargs:
            self.extend(kwargs)

    @classmethod
    def _from_pairs(cls, pairs: list[tuple[str, str]]) -> Headers:
        h = cls()
        for k, v in pairs:
            h.add(k, v)
        return h

    def add(self, field: str, value: Any) -> None:
        if isinstance(value, (list, tuple)):
            for item in value:
                self.add(field, item)
            return
        lower = field.lower()
        old = dict.get(self, lower)
        if old is None:
            dict.__setitem__(self, lower, (field, value))
        elif isinstance(old, tuple):
            dict.__setitem__(self, lower, [old, (field, value)])
        else:
            old.append((field, value))

    def extend(self, other: Any = (), **kwargs: Any) -> None:
        items = other.items() if hasattr(other, "items") else other
        for field, value in items:
            self.add(field, value)
        for field, value in kwargs.items():
            self.add(field, value)

    def __setitem__(self, field: str, value: Any) -> None:
        if isinstance(value, (list, tuple)):
            dict.__setitem__(self, field.lower(), [(field, item) for item in value])
        else:
            dict.__setitem__(self, field.lower(), (field, value))

    def __getitem__(self, field: str) -> Any:
        vals = dict.__getitem__(self, field.lower())
        return vals[1] if isinstance(vals, tuple) else [v[1] for v in vals]

    def __delitem__(self, field: str) -> None:
        dict.__delitem__(self, field.lower())

    def __contains__(self, field: object) -> bool:
        return isinstance(field, str) and dict.__contains__(self, field.lower())

    def get(self, field: str, default: Any = None) -> Any:
        try:
            return self[field]
        except KeyError:
            return default

    def getlist(self, field: str) -> list[str]:
        vals = dict.get(self, field.lower())
        if vals is None:
            return []
        return [vals[1]] if isinstance(vals, tuple) else [v[1] for v in vals]

    getheaders = getallmatchingheaders = getlist

    def get_all(self, field: str, failobj: Any = None) -> Any:
        return self.getlist(field) or failobj

    def pop(self, field: str, *default: Any) -> Any:
        try:
            value = self[field]
        except KeyError:
            if default:
                return default[0]
            raise
        del self[field]
        return value

    def discard(self, field: str) -> None:
        dict.pop(self, field.lower(), None)

    def setdefault(self, field: str, default: Any = "") -> Any:
        if field in self:
            return self[field]
        self[field] = default
        return default

    def update(self, other: Any = (), **kwargs: Any) -> None:  # type: ignore[override]
        items = other.items() if hasattr(other, "items") else other
        for field, value in items:
            self[field] = value
        for field, value in kwargs.items():
            self[field] = value

    def items(self) -> Iterator[tuple[str, str]]:  # type: ignore[override]
        """Every header line, repeated fields included."""
        for vals in dict.values(self):
            if isinstance(vals, tuple):
                yield vals
            else:
                yield from vals

    def values(self) -> list[Any]:  # type: ignore[override]
        return [self[k] for k in self]

    def itermerged(self) -> Iterator[tuple[str, str]]:
        for vals in dict.values(self):
            yield vals if isinstance(vals, tuple) else (vals[0][0], ", ".join(v[1] for v in vals))

    def compatible_dict(self) -> dict[str, str]:
        return dict(self.itermerged())

    def copy(self) -> Headers:
        return Headers(list(self.items()))

    def __len__(self) -> int:
        return sum(1 if isinstance(v, tuple) else len(v) for v in dict.values(self))

    def __eq__(self, other: object) -> bool:
        if not hasattr(other, "keys"):
            return False
        other_h = other if isinstance(other, Headers) else Headers(other)
        return {k: self[k] for k in self} == {k: other_h[k] for k in other_h}

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"Headers({dict(self.itermerged())})"

    def __str__(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.items())


def _merge(pairs: list[tuple[str, str]], extra: Any) -> list[tuple[str, str]]:
    """``pairs`` with ``extra`` set over them case-insensitively (geventhttpclient's
    Headers.update: a replaced field keeps its place and takes the new name's case)."""
    out: dict[str, tuple[str, Any]] = {k.lower(): (k, v) for k, v in pairs}
    for k, v in extra.items():
        out[k.lower()] = (k, v)
    lines: list[tuple[str, str]] = []
    for k, v in out.values():
        if isinstance(v, (list, tuple)):
            lines += [(k, str(item)) for item in v]
        else:
            lines.append((k, v.decode("latin-1") if isinstance(v, bytes) else str(v)))
    return lines


# The responses build their headers with these bound classmethods (see
# urls.search_needs_requote for why not ``Class._from_pairs()``).
case_insensitive_from_pairs = CaseInsensitiveDict._from_pairs
headers_from_pairs = Headers._from_pairs

present_as(CLIENTS, CaseInsensitiveDict)
present_as(FASTHTTP, Headers)
