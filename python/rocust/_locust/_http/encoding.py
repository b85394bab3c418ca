"""requests' request preparation (URL, query parameters, bodies, multipart, Basic
auth) and the charset rules for decoding bodies; FastHttpSession uses some of them."""

from __future__ import annotations

import base64
import binascii
import json as _json
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from .exceptions import InvalidJSONError, InvalidSchema, InvalidURL, MissingSchema
from .urls import requote_uri


def to_key_val_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, bool, int)):
        raise ValueError("cannot encode objects that are not 2-tuples")  # noqa: TRY004  requests raises ValueError
    if isinstance(value, Mapping):
        return list(value.items())
    return list(value)


def encode_params(data: Any) -> Any:
    """requests' _encode_params: str/bytes as they are, pairs urlencoded (lists of
    values repeat the key, None values are dropped)."""
    if isinstance(data, (str, bytes)) or hasattr(data, "read"):
        return data
    if hasattr(data, "__iter__"):
        result = []
        for k, vs in to_key_val_list(data):
            if isinstance(vs, (str, bytes)) or not hasattr(vs, "__iter__"):
                vs = [vs]
            for v in vs:
                if v is not None:
                    result.append(
                        (k.encode("utf-8") if isinstance(k, str) else k, v.encode("utf-8") if isinstance(v, str) else v)
                    )
        return urlencode(result, doseq=True)
    return data


def _guess_filename(obj: Any) -> str | None:
    name = getattr(obj, "name", None)
    if name and isinstance(name, (str, bytes)) and name[0] != "<" and name[-1] != ">":
        return os.path.basename(name.decode() if isinstance(name, bytes) else name)
    return None


def _multipart_param(name: str, value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return f'{name}="' + str(value).translate({10: "%0A", 13: "%0D", 34: "%22"}) + '"'


def encode_multipart(files: Any, data: Any, boundary: str | None = None) -> tuple[bytes, str]:
    """requests' _encode_files (urllib3's multipart/form-data layout): data fields
    first, then the files."""
    if not files:
        raise ValueError("Files must be provided.")
    if isinstance(data, (str, bytes)):
        raise ValueError("Data must not be a string.")  # noqa: TRY004  requests raises ValueError
    boundary = boundary or binascii.hexlify(os.urandom(16)).decode()
    parts: list[bytes] = []

    def add(name: Any, payload: Any, filename: str | None = None, ctype: str | None = None, extra: Any = None) -> None:
        disposition = "form-data; " + "; ".join(
            _multipart_param(k, v) for k, v in (("name", name), ("filename", filename)) if v is not None
        )
        lines = [f"Content-Disposition: {disposition}"]
        if ctype:
            lines.append(f"Content-Type: {ctype}")
        lines += [f"{k}: {v}" for k, v in (extra or {}).items() if v]
        if isinstance(payload, int):
            payload = str(payload)
        body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
        parts.append(f"--{boundary}\r\n".encode() + "\r\n".join(lines).encode() + b"\r\n\r\n" + body + b"\r\n")

    for field, val in to_key_val_list(data or {}):
        if isinstance(val, (str, bytes)) or not hasattr(val, "__iter__"):
            val = [val]
        for v in val:
            if v is not None:
                add(field.decode("utf-8") if isinstance(field, bytes) else field, v if isinstance(v, bytes) else str(v))
    for k, v in to_key_val_list(files):
        ft = fh = None
        if isinstance(v, (tuple, list)):
            if len(v) == 2:
                fn, fp = v
            elif len(v) == 3:
                fn, fp, ft = v
            else:
                fn, fp, ft, fh = v
        else:
            fn, fp = _guess_filename(v) or k, v
        if fp is None:
            continue
        fdata = fp if isinstance(fp, (str, bytes, bytearray)) else fp.read() if hasattr(fp, "read") else fp
        add(k, fdata, fn, ft, fh)
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def basic_auth(username: Any, password: Any) -> str:
    """The Authorization value of HTTP Basic auth (latin-1 credentials)."""
    user = username.encode("latin1") if isinstance(username, str) else username
    pw = password.encode("latin1") if isinstance(password, str) else password
    return "Basic " + base64.b64encode(b":".join((user, pw))).strip().decode("ascii")


#: urllib3's parse_url grammar for the authority's host[:port] (IPv6 simplified).
_HOST_PORT = re.compile(
    r"^((?:[^\[\]%:/?#]|%[a-fA-F0-9]{2})*|\[[0-9a-fA-F:.]+(?:%25[^\]]+)?\])(?::0*?(|0|[1-9][0-9]{0,4}))?$", re.DOTALL
)
_HOST_INVALID_CHAR = re.compile(r"[\x00-\x20\x7f]")
_AUTHORITY = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//([^\\/?#]*)")


def _check_host_port(url: str) -> None:
    """requests' InvalidURL for an authority urllib3 cannot parse (its texts)."""
    authority = _AUTHORITY.match(url)
    if authority is None:
        return
    host_port = authority.group(1).rpartition("@")[2]
    if _HOST_PORT.fullmatch(host_port) is None:
        invalid = _HOST_INVALID_CHAR.search(host_port)
        if invalid:
            raise InvalidURL(f"Failed to parse: Host {host_port!r} contains invalid character {invalid.group()!r}")
        raise InvalidURL(f"Failed to parse: {host_port!r} is not a valid host or port")


def prepare_url(url: str, params: Any) -> str:
    """requests' PreparedRequest.prepare_url: checks, params appended, requoted."""
    if ":" in url and not url.lower().startswith("http"):
        raise InvalidSchema(f"No connection adapters were found for {url!r}")
    _check_host_port(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise InvalidURL(f"Failed to parse: {url}") from e
    if not parts.scheme:
        raise MissingSchema(f"Invalid URL {url!r}: No scheme supplied. Perhaps you meant https://{url}?")
    if not parts.hostname:
        raise InvalidURL(f"Invalid URL {url!r}: No host supplied")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = parts.netloc.rpartition("@")[0]
    netloc = (netloc + "@" if netloc else "") + host + (f":{port}" if port is not None else "")
    query = parts.query
    if params:
        enc = encode_params(params)
        if isinstance(enc, bytes):
            enc = enc.decode("utf-8")
        if enc:
            query = f"{query}&{enc}" if query else enc
    return requote_uri(urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, parts.fragment)))


def prepare_body(data: Any, json: Any, files: Any) -> tuple[bytes | None, str | None]:
    """requests' prepare_body: (body, Content-Type to set when none is given)."""
    if not data and json is not None:
        try:
            return _json.dumps(json, allow_nan=False).encode("utf-8"), "application/json"
        except ValueError as ve:
            raise InvalidJSONError(ve) from ve
    if files:
        return encode_multipart(files, data)
    if hasattr(data, "read"):
        chunk = data.read()
        return (chunk.encode("utf-8") if isinstance(chunk, str) else chunk), None
    if hasattr(data, "__iter__") and not isinstance(data, (str, bytes, list, tuple, Mapping)):
        return b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in data), None
    if not data:
        return None, None
    body = encode_params(data)
    ctype = None if isinstance(data, (str, bytes)) else "application/x-www-form-urlencoded"
    return (body.encode("utf-8") if isinstance(body, str) else body), ctype


def requests_body(data: Any, json: Any, files: Any, body: bytes | None) -> Any:
    """PreparedRequest.body as requests leaves it for ``prepare_body``'s arguments: bytes
    for JSON and multipart, str for strings and form data, a stream or iterable itself."""
    if not data and json is not None or files:
        return body
    if hasattr(data, "read") or (
        hasattr(data, "__iter__") and not isinstance(data, (str, bytes, list, tuple, Mapping))
    ):
        return data
    if body is None or isinstance(data, bytes):
        return body
    return body.decode("utf-8")


def detect_encoding(content: bytes) -> str:
    """Stand-in for charset detection (requests' apparent_encoding): ascii, utf-8,
    else ISO-8859-1 (which decodes anything)."""
    if content.isascii():
        return "ascii"
    try:
        content.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "ISO-8859-1"


def encoding_from_headers(content_type: str | None) -> str | None:
    """requests' get_encoding_from_headers for a Content-Type value."""
    if not content_type:
        return None
    ctype, _, params = content_type.partition(";")
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("'\"")
    if "text" in ctype:
        return "ISO-8859-1"
    if "application/json" in ctype:
        return "utf-8"
    return None
