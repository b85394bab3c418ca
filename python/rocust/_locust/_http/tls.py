"""The TLS setting of each request, as Locust's clients decide it.

HttpSession follows requests: ``verify`` (bool, or a CA bundle file or directory) and
``cert`` (a PEM with the key, or (cert, key)) on the session or per request, and
``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` when ``trust_env`` is set (read when the
session's settings are first used or change). Missing files raise the OSError
Locust's HttpSession raises.

FastHttpSession follows geventhttpclient: ``insecure`` and ``ssl_context_factory``.
The factory returns an ``ssl.SSLContext``, which the engine's TLS (rustls) cannot use
as such: rocust runs the factory as geventhttpclient does and watches what it loads
(``load_verify_locations``, ``load_default_certs``, ``load_cert_chain``), then reads
the context's ``verify_mode``, ``check_hostname`` and TLS versions. What cannot be
carried over fails loudly (a password-protected key, TLS versions below 1.2) or is
logged once (cipher lists, CRL checks).
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

from .session import warn_once
from .transport import TlsConfig

# --- HttpSession (requests) -----------------------------------------------------------


def merged_verify(request_verify: Any, session_verify: Any, trust_env: bool) -> Any:
    """requests' ``verify`` for a request: the environment's CA bundle replaces a
    True/None request value (even over a session's False, as in requests), then the
    request's value wins over the session's."""
    if trust_env and (request_verify is True or request_verify is None):
        request_verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or request_verify
    return session_verify if request_verify is None else request_verify


def requests_tls(verify: Any, cert: Any, https: bool) -> TlsConfig | None:
    """The TlsConfig of requests' merged ``verify`` and ``cert`` for a request (None:
    the default, verified against the default roots). Raises the OSError of Locust's
    HttpSession for a client certificate or key file that does not exist, and for a CA
    bundle path that does not exist when the request is https."""
    cert_file = key_file = None
    if cert:
        if isinstance(cert, (str, os.PathLike)):
            cert_file = os.fspath(cert)
        else:
            cert_file = os.fspath(cert[0]) if cert[0] else None
            key_file = os.fspath(cert[1]) if cert[1] else None
        if cert_file and not os.path.exists(cert_file):
            raise OSError(f"Could not find the TLS certificate file, invalid path: {cert_file}")
        if key_file and not os.path.exists(key_file):
            raise OSError(f"Could not find the TLS key file, invalid path: {key_file}")
    if not verify:
        return TlsConfig.of(verify=False, cert_file=cert_file, key_file=key_file)
    if isinstance(verify, os.PathLike):
        verify = os.fspath(verify)
    if isinstance(verify, str):
        if https and not os.path.exists(verify):
            raise OSError(f"Could not find a suitable TLS CA certificate bundle, invalid path: {verify}")
        if os.path.isdir(verify):
            return TlsConfig.of(ca_dirs=(verify,), cert_file=cert_file, key_file=key_file)
        return TlsConfig.of(ca_files=(verify,), cert_file=cert_file, key_file=key_file)
    if cert_file is None:
        return None
    return TlsConfig.of(cert_file=cert_file, key_file=key_file)


# --- FastHttpSession (geventhttpclient) ------------------------------------------------


@functools.lru_cache(maxsize=None)
def _default_ca_certs() -> str | None:
    """geventhttpclient's CA bundle: OpenSSL's default file, else certifi's."""
    paths = ssl.get_default_verify_paths()
    found = paths.cafile or paths.capath
    if not found or os.path.isdir(found):
        try:
            import certifi  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            return None
        return str(certifi.where())
    return found


class _Loads:
    """What the SSL contexts made while watching loaded, per context."""

    def __init__(self) -> None:
        self.by_context: dict[int, list[tuple[str, tuple[Any, ...]]]] = {}

    def note(self, ctx: Any, what: str, args: tuple[Any, ...]) -> None:
        self.by_context.setdefault(id(ctx), []).append((what, args))


_watchers: list[_Loads] = []
#: The context class's own attributes replaced while watching (None: inherited).
_saved: dict[str, Any] = {}


def _context_class() -> type:
    """The standard library's SSLContext (gevent's, when patched, derives from it)."""
    import _ssl

    for cls in ssl.SSLContext.__mro__:
        if _ssl._SSLContext in cls.__bases__:
            return cls
    return ssl.SSLContext


def _wrap(original: Callable[..., Any], what: str) -> Callable[..., Any]:
    def watched(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        for loads in _watchers:
            loads.note(self, what, (*args, *kwargs.items()))
        return result

    return watched


_WATCHED = {
    "load_verify_locations": "ca",
    "load_default_certs": "default",
    "set_default_verify_paths": "default",
    "load_cert_chain": "cert",
    "set_ciphers": "ciphers",
}


@contextmanager
def _watching_loads() -> Iterator[_Loads]:
    """Records what SSL contexts load while the block runs (re-entrant: greenlets
    building sessions at the same time each get their own record)."""
    cls = _context_class()
    loads = _Loads()
    if not _watchers:
        for name, what in _WATCHED.items():
            _saved[name] = cls.__dict__.get(name)
            setattr(cls, name, _wrap(getattr(cls, name), what))
    _watchers.append(loads)
    try:
        yield loads
    finally:
        _watchers.remove(loads)
        if not _watchers:
            for name, own in _saved.items():
                if own is None:
                    delattr(cls, name)
                else:
                    setattr(cls, name, own)
            _saved.clear()


def _ca_args(args: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    """(cafile, capath, cadata) of a load_verify_locations call."""
    named = dict(a for a in args if isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], str))
    positional = [a for a in args if not (isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], str))]
    positional += [None] * 3
    return (
        named.get("cafile", positional[0]),
        named.get("capath", positional[1]),
        named.get("cadata", positional[2]),
    )


def _cert_args(args: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    """(certfile, keyfile, password) of a load_cert_chain call."""
    named = dict(a for a in args if isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], str))
    positional = [a for a in args if not (isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], str))]
    positional += [None] * 3
    return (
        named.get("certfile", positional[0]),
        named.get("keyfile", positional[1]),
        named.get("password", positional[2]),
    )


_VERSIONS = {
    ssl.TLSVersion.TLSv1_2: "TLSv1_2",
    ssl.TLSVersion.TLSv1_3: "TLSv1_3",
}


def context_tls(ctx: Any, loads: list[tuple[str, tuple[Any, ...]]]) -> TlsConfig:
    """The TlsConfig equivalent of an SSLContext and what was loaded into it."""
    verify = ctx.verify_mode != ssl.CERT_NONE
    ca_files: list[str] = []
    ca_dirs: list[str] = []
    ca_data: list[bytes] = []
    default_roots = False
    cert_file = key_file = None
    for what, args in loads:
        if what == "default":
            default_roots = True
        elif what == "ca":
            cafile, capath, cadata = _ca_args(args)
            if cafile:
                ca_files.append(os.fspath(cafile))
            if capath:
                ca_dirs.append(os.fspath(capath))
            if cadata:
                ca_data.append(cadata.encode("ascii") if isinstance(cadata, str) else bytes(cadata))
        elif what == "cert":
            certfile, keyfile, password = _cert_args(args)
            if password is not None:
                raise ValueError(
                    "rocust: the ssl_context_factory loads a client key with a password, which the engine's TLS "
                    "cannot decrypt; give it the key without a password (openssl pkey -in key.pem -out plain.pem)"
                )
            cert_file = os.fspath(certfile)
            key_file = os.fspath(keyfile) if keyfile else None
        elif what == "ciphers":
            warn_once(
                "ssl-ciphers",
                "rocust: the cipher list set by ssl_context_factory (set_ciphers) is not used: the engine's TLS "
                "(rustls) offers its own secure cipher suites",
            )
    if verify and ctx.verify_flags & (ssl.VERIFY_CRL_CHECK_LEAF | ssl.VERIFY_CRL_CHECK_CHAIN):
        warn_once("ssl-crl", "rocust: CRL checks (verify_flags) set by ssl_context_factory are not performed")
    min_version, max_version = _versions(ctx)
    return TlsConfig.of(
        verify=verify,
        check_hostname=bool(ctx.check_hostname),
        ca_files=tuple(ca_files),
        ca_dirs=tuple(ca_dirs),
        ca_data=tuple(ca_data),
        default_roots=default_roots or not (ca_files or ca_dirs or ca_data),
        cert_file=cert_file,
        key_file=key_file,
        min_version=min_version,
        max_version=max_version,
    )


def _versions(ctx: Any) -> tuple[str | None, str | None]:
    low, high = ctx.minimum_version, ctx.maximum_version
    options = ctx.options
    if options & ssl.OP_NO_TLSv1_2 and low <= ssl.TLSVersion.TLSv1_2:
        low = ssl.TLSVersion.TLSv1_3
    if options & ssl.OP_NO_TLSv1_3 and high >= ssl.TLSVersion.TLSv1_3:
        high = ssl.TLSVersion.TLSv1_2
    if high != ssl.TLSVersion.MAXIMUM_SUPPORTED and high < ssl.TLSVersion.TLSv1_2:
        raise ValueError(
            f"rocust: the ssl_context_factory allows at most {high.name}; the engine's TLS speaks TLS 1.2 and 1.3 only"
        )
    return _VERSIONS.get(low), _VERSIONS.get(high)


def fast_tls(insecure: bool, ssl_context_factory: Callable[..., Any] | None) -> TlsConfig:
    """FastHttpSession's TlsConfig, decided as geventhttpclient does: the factory
    (default: an unverified context when ``insecure``, else ``create_default_context``)
    is called with the default CA bundle as ``cafile`` (without, and the bundle loaded
    afterwards, if it takes no such argument); then the hostname is checked, and the
    certificate required, unless ``insecure``."""
    ca_certs = _default_ca_certs()
    if ssl_context_factory is None:
        # What geventhttpclient's default factories make, without making them.
        if insecure:
            return TlsConfig.of(verify=False)
        return TlsConfig.of(ca_files=(ca_certs,)) if ca_certs else TlsConfig.of()
    with _watching_loads() as loads:
        try:
            ctx = ssl_context_factory(cafile=ca_certs)
        except TypeError:
            ctx = ssl_context_factory()
            if ca_certs:
                ctx.load_verify_locations(cafile=ca_certs)
        ctx.check_hostname = not insecure
        if not insecure:
            ctx.verify_mode = ssl.CERT_REQUIRED
    return context_tls(ctx, loads.by_context.get(id(ctx), []))
