"""TLS settings (issue 7, item 7) and streamed responses (item 9): the same locustfiles
(tls_streaming/locustfiles) under real Locust 2.47.0 and under rocust, against loopback
HTTPS servers with certificates made by the openssl command for the test, and a loopback
server whose bodies come slowly. What must agree: every request event (name, length,
failure text, and for streams whether it was timed to the head), what the requests
raised instead of recording, the bodies read and how their pieces arrived.

Failure texts are compared without the ``(_ssl.c:NNNN)`` position Python's ssl module
adds (it depends on the Python build), ports and the temporary directory; a client
certificate refused by the server reads differently (see servers.normalise).

Tools as in test_rocust_cli.py: $ROCUST_CMD (or the `rocust` next to this Python) and
$LOCUST_PYTHON (real Locust 2.47.0); a missing tool fails the tests (they have nothing to
compare otherwise).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from rocust_cli.harness import RunResult, RunSpec, command_for, execute
from tls_streaming.servers import StreamServer, TlsServer, environment, make_pki, normalise

LOCUSTFILES = Path(__file__).resolve().parent / "tls_streaming" / "locustfiles"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Dict[str, str], Tuple[Tuple[str, str], ...]]]:
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    servers: Dict[str, Any] = {
        "ca": TlsServer(pki["server"], pki["server_key"]),
        "self": TlsServer(pki["self"], pki["self_key"]),
        "localhost": TlsServer(pki["localhost"], pki["localhost_key"]),
        "mtls": TlsServer(pki["server"], pki["server_key"], client_ca=pki["ca"]),
        "plain": StreamServer(),
    }
    try:
        yield pki, environment(pki, servers)
    finally:
        for server in servers.values():
            server.close()


def _both(
    world: Tuple[Dict[str, str], Tuple[Tuple[str, str], ...]],
    tmp_path: Path,
    locustfile: str,
    users: int = 1,
    env: Tuple[Tuple[str, str], ...] = (),
) -> Dict[str, RunResult]:
    """Runs the locustfile under both tools at once (headless, -t 20s as a backstop:
    the locustfiles quit when they are done), each with a streaming server of its own
    (it counts the streams it is writing)."""
    for tool in ("locust", "rocust"):
        command, why_not = command_for(tool)
        if command is None:
            pytest.fail(why_not)
    _, variables = world
    args = ("-f", str(LOCUSTFILES / locustfile), "--headless", "-u", str(users), "-r", "100", "-t", "20")
    streams = {tool: StreamServer() for tool in ("locust", "rocust")}
    specs = {
        tool: RunSpec(tool, args, timeout=45.0, env=variables + env + (("STREAM_URL", streams[tool].url),))
        for tool in ("locust", "rocust")
    }
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {tool: pool.submit(execute, spec, tmp_path / tool, "") for tool, spec in specs.items()}
            return {tool: f.result() for tool, f in futures.items()}
    finally:
        for server in streams.values():
            server.close()


def _observations(run: RunResult) -> List[List[Any]]:
    return [[normalise(v) if isinstance(v, str) else v for v in mark] for mark in run.marks]


def _compare(runs: Dict[str, RunResult], ordered: bool = True, users: int = 1) -> List[List[Any]]:
    """The observations of both runs, which must be equal; each user went through its
    sequence exactly once (a task that raised would have started it again)."""
    locust, rocust = (_observations(runs[t]) for t in ("locust", "rocust"))
    context = "\n\n".join(r.context() for r in runs.values())
    assert locust.count(["done"]) == users, "Locust did not run the sequence once per user:\n" + context
    if not ordered:
        locust, rocust = sorted(locust, key=repr), sorted(rocust, key=repr)
    if locust != rocust:
        lines = [f"{'':2}{'locust':<100} | rocust"]
        for i in range(max(len(locust), len(rocust))):
            a = locust[i] if i < len(locust) else "-"
            b = rocust[i] if i < len(rocust) else "-"
            lines.append(f"{'  ' if a == b else '! '}{str(a)[:100]:<100} | {str(b)[:160]}")
        pytest.fail("observations differ:\n" + "\n".join(lines) + "\n\n" + context, pytrace=False)
    for tool, run in runs.items():
        assert run.exit_code in (0, 1), f"{tool} exit code {run.exit_code}\n{run.context()}"
    return rocust


def _requests(observations: List[List[Any]]) -> Dict[str, List[Any]]:
    return {o[1]: o[2:] for o in observations if o[0] == "request"}


def test_http_user_tls_settings_as_locust(world: Any, tmp_path: Path) -> None:
    seen = _compare(_both(world, tmp_path, "lf_tls_http.py"))
    requests = _requests(seen)
    # The comparison has teeth: verification failed where it should and passed elsewhere.
    assert "self-signed certificate" in requests["self-default"][1]
    assert "IP address mismatch" in requests["localhost-by-ip"][1]
    assert requests["mtls-no-cert"] == [0, "<client certificate refused>"]
    assert requests["perreq-off"] == [14, None] and requests["mtls-both"] == [8, None]
    raised = {o[1]: o[2] for o in seen if o[0] == "raised"}
    assert raised["missing-cert"].startswith("OSError('Could not find the TLS certificate file")
    assert "missing-ca-http" not in raised


def test_requests_ca_bundle_from_the_environment_as_locust(world: Any, tmp_path: Path) -> None:
    pki, _ = world
    seen = _compare(_both(world, tmp_path, "lf_tls_env.py", env=(("REQUESTS_CA_BUNDLE", pki["ca"]),)))
    requests = _requests(seen)
    assert "unable to get local issuer certificate" in requests["env-ignored"][1]
    assert requests["env-default"] == [15, None] and requests["env-off"][1] is None
    assert "self-signed certificate" in requests["env-over-session"][1]
    assert requests["no-trust-env"][1] is None


def test_fast_http_user_insecure_and_ssl_context_factory_as_locust(world: Any, tmp_path: Path) -> None:
    seen = _compare(_both(world, tmp_path, "lf_tls_fast.py", users=5), ordered=False, users=5)
    requests = _requests(seen)
    assert requests["insecure-self"][1] is None and requests["secure-self"][1] is not None
    assert requests["factory-client-cert"] == [5, None]


def test_http_user_streaming_as_locust(world: Any, tmp_path: Path) -> None:
    seen = _compare(_both(world, tmp_path, "lf_stream_http.py"))
    requests = _requests(seen)
    # Timed to the head (True) or to the end of the body that comes 400 ms later.
    assert requests["plain"] == [10, None, False]
    assert requests["stream"] == [10, None, True] and requests["session-stream"] == [10, None, True]
    marks = {o[0]: o[1:] for o in seen}
    assert marks["iter_lines"][0] == [["data: 0", True], ["", False], ["data: 1", True], ["", False],
                                      ["data: 2", True], ["", False]]  # fmt: skip
    assert marks["open-after-close"] == ["open 0"] and marks["open-after-forget"] == ["open 0"]


def test_fast_http_user_streaming_as_locust(world: Any, tmp_path: Path) -> None:
    seen = _compare(_both(world, tmp_path, "lf_stream_fast.py"))
    requests = _requests(seen)
    assert requests["plain"] == [10, None, False] and requests["stream"] == [10, None, True]
    assert requests["chunked-no-length"] == [0, None, True]
    marks = {o[0]: o[1:] for o in seen}
    assert marks["open-after-release"] == ["open 0"]


# --- how the clients resolve TLS settings (no network) -------------------------------------


def test_ssl_context_factory_is_read_from_what_it_loads(world: Any, caplog: pytest.LogCaptureFixture) -> None:
    import ssl

    from rocust._locust._http.tls import _default_ca_certs, fast_tls
    from rocust._locust._http.transport import TlsConfig

    pki, _ = world
    ca_text = Path(pki["ca"]).read_text()

    def factory() -> ssl.SSLContext:
        ctx = ssl.create_default_context(cadata=ca_text)
        ctx.load_cert_chain(pki["client"], pki["client_key"])
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        return ctx

    tls = fast_tls(False, factory)
    assert tls.verify and tls.check_hostname and tls.cert_file == pki["client"] and tls.key_file == pki["client_key"]
    assert tls.ca_data == (ca_text.encode(),) and tls.min_version == "TLSv1_3"
    # The factory takes no cafile: geventhttpclient loads its default bundle afterwards.
    default = _default_ca_certs()
    assert tls.ca_files == ((default,) if default else ())
    # insecure (FastHttpUser's default) turns only the hostname check off.
    relaxed = fast_tls(True, lambda cafile=None: ssl.create_default_context(cafile=pki["ca"]))
    assert relaxed.verify and not relaxed.check_hostname and relaxed.ca_files == (pki["ca"],)
    assert fast_tls(True, None) is TlsConfig.of(verify=False)
    # What cannot be carried over fails loudly, or is said once.
    with pytest.raises(ValueError, match="password"):
        fast_tls(False, lambda: _with_password(pki))
    old = ssl.create_default_context()
    with pytest.warns(DeprecationWarning):
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises(ValueError, match="TLS 1.2 and 1.3 only"):
        fast_tls(False, lambda: old)
    def with_ciphers() -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        ctx.set_ciphers("ECDHE+AESGCM")
        return ctx

    with caplog.at_level("WARNING"):
        fast_tls(False, with_ciphers)
    assert any("set_ciphers" in r.getMessage() for r in caplog.records)
    # The stdlib's SSLContext is left as it was.
    assert "load_cert_chain" not in ssl.SSLContext.__dict__


def _with_password(pki: Dict[str, str]) -> Any:
    import ssl

    ctx = ssl.create_default_context()
    ctx.load_cert_chain(pki["client"], pki["client_key"], password="unused")
    return ctx


def test_requests_verify_and_cert_resolve_as_requests_merges_them(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rocust._locust._http.tls import merged_verify, requests_tls
    from rocust._locust._http.transport import TlsConfig

    pki, _ = world
    assert requests_tls(True, None, True) is None
    assert requests_tls(False, pki["client-both"], True) is TlsConfig.of(verify=False, cert_file=pki["client-both"])
    assert requests_tls(pki["cas"], None, True) is TlsConfig.of(ca_dirs=(pki["cas"],))
    assert requests_tls(Path(pki["ca"]), (pki["client"], pki["client_key"]), True) is TlsConfig.of(
        ca_files=(pki["ca"],), cert_file=pki["client"], key_file=pki["client_key"]
    )
    with pytest.raises(OSError, match="Could not find a suitable TLS CA certificate bundle"):
        requests_tls("/nonexistent.pem", None, True)
    assert requests_tls("/nonexistent.pem", None, False) is TlsConfig.of(ca_files=("/nonexistent.pem",))
    with pytest.raises(OSError, match="Could not find the TLS key file"):
        requests_tls(True, (pki["client"], "/nonexistent.key"), False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", pki["ca"])
    assert merged_verify(None, False, True) == pki["ca"] and merged_verify(True, False, True) == pki["ca"]
    assert merged_verify(False, True, True) is False and merged_verify(None, False, False) is False
