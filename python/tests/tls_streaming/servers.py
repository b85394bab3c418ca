"""Loopback servers and certificates for test_tls_streaming.py.

``make_pki(dir)`` writes, with the ``openssl`` command: a test CA (ca.pem, and a
directory of it under OpenSSL's hashed name), a server certificate it signed for
127.0.0.1 and localhost, one for localhost only, a self-signed server certificate for
127.0.0.1 (made as ``openssl req -x509`` makes them: a CA certificate), and a client
certificate (client.pem + client.key, and both in client-both.pem).

``TlsServer`` serves HTTPS with one of them (optionally requiring a client certificate
from the test CA) and answers "ok <path>". ``StreamServer`` is plain HTTP whose bodies
come slowly:
  /delayed            Content-Length 10, the body 0.4 s after the head
  /chunked?n=N&gap=S  N chunked events "data: i\\n\\n", S seconds apart (default 3, 0.25)
  /close?n=N&gap=S    the same events without framing, then the connection closes
  /length?n=N&gap=S   the same events with a Content-Length
  /gzip               a gzip body sent in chunks 0.1 s apart
  /endless            chunked "tick\\n" every 50 ms until the client goes away
  /open               how many /endless streams are still being written ("open N")
  anything else       200 "ok <path>"
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(d: Path) -> Dict[str, str]:
    """Writes the certificates into ``d``; returns their paths by name."""
    if shutil.which("openssl") is None:
        raise RuntimeError("the openssl command is needed (apt-get install openssl)")
    d.mkdir(parents=True, exist_ok=True)
    days = ("-days", "2")
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", *days,
        "-subj", "/CN=rocust test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d,
    )  # fmt: skip
    for name, san, usage in (
        ("server", "IP:127.0.0.1,DNS:localhost", "serverAuth"),
        ("localhost", "DNS:localhost", "serverAuth"),
        ("client", "", "clientAuth"),
    ):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}", cwd=d)  # fmt: skip
        ext = f"basicConstraints=CA:FALSE\nextendedKeyUsage={usage}\n"
        if san:
            ext += f"subjectAltName={san}\n"
        (d / f"{name}.ext").write_text(ext)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.pem", *days, "-extfile", f"{name}.ext", cwd=d)  # fmt: skip
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.pem", *days,
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", cwd=d,
    )  # fmt: skip
    (d / "client-both.pem").write_text((d / "client.pem").read_text() + (d / "client.key").read_text())
    cas = d / "cas"
    cas.mkdir(exist_ok=True)
    shutil.copy(d / "ca.pem", cas / "ca.pem")
    _openssl("rehash", str(cas), cwd=d)
    paths = {p.stem: str(p) for p in d.glob("*.pem")}
    paths.update({f"{p.stem}_key": str(p) for p in d.glob("*.key")})
    paths["cas"] = str(cas)
    return paths


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        body = f"ok {self.path.split('?')[0]}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TlsServer:
    """HTTPS on 127.0.0.1 with ``cert``/``key``; with ``client_ca`` a client certificate
    signed by it is required."""

    def __init__(self, cert: str, key: str, client_ca: Optional[str] = None) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        if client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(client_ca)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
        self.server.daemon_threads = True
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _events(n: int) -> List[bytes]:
    return [f"data: {i}\n\n".encode() for i in range(n)]


class StreamServer:
    """Plain HTTP/1.1 on 127.0.0.1 whose bodies come slowly (see the module's doc)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.open_streams = 0
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.closed = True
        self.sock.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, buf = buf.split(b"\r\n\r\n", 1)
                target = head.split(b" ")[1].decode()
                if not self._answer(conn, target):
                    return
        except OSError:
            return
        finally:
            conn.close()

    def _answer(self, conn: socket.socket, target: str) -> bool:
        """Sends one answer; False when the connection is to be closed."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query))
        n, gap = int(query.get("n", "3")), float(query.get("gap", "0.25"))
        path = parts.path
        if path == "/delayed":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
            time.sleep(0.4)
            conn.sendall(b"0123456789")
        elif path == "/chunked":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            for event in _events(n):
                time.sleep(gap)
                conn.sendall(b"%x\r\n%s\r\n" % (len(event), event))
            conn.sendall(b"0\r\n\r\n")
        elif path == "/close":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
            for event in _events(n):
                time.sleep(gap)
                conn.sendall(event)
            return False
        elif path == "/length":
            events = _events(n)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % sum(map(len, events)))
            for event in events:
                time.sleep(gap)
                conn.sendall(event)
        elif path == "/gzip":
            body = gzip.compress(b"".join(_events(20)))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")
            for i in range(0, len(body), 40):
                part = body[i : i + 40]
                conn.sendall(b"%x\r\n%s\r\n" % (len(part), part))
                time.sleep(0.1)
            conn.sendall(b"0\r\n\r\n")
        elif path == "/endless":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            with self.lock:
                self.open_streams += 1
            try:
                while True:
                    conn.sendall(b"5\r\ntick\n\r\n")
                    time.sleep(0.05)
            except OSError:
                return False
            finally:
                with self.lock:
                    self.open_streams -= 1
        else:
            body = f"open {self.open_streams}" if path == "/open" else f"ok {path}"
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body.encode()))
        return True


#: A server that refuses a missing client certificate (TLS 1.3) sends an alert after the
#: client's side of the handshake is done: Python's OpenSSL, writing the request, sees
#: the connection end (SSLEOFError); rustls reads the alert. Either is "refused".
_REFUSED = re.compile(
    r"^(SSLEOFError\(8, 'EOF occurred in violation of protocol'\)"
    r"|SSLError\(1, '\[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED\] tlsv13 alert certificate required'\))$"
)


def normalise(text: Optional[str]) -> Optional[str]:
    """An error text without what depends on the Python build or the run: the
    ``(_ssl.c:NNNN)`` source position, ports and temporary paths."""
    if text is None:
        return None
    text = re.sub(r" \(_ssl\.c:\d+\)", "", text)
    if _REFUSED.match(text):
        return "<client certificate refused>"
    text = re.sub(r"port=\d+", "port=N", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:N", text)
    return re.sub(r"/\S*/(pki|tls)[^/'\"]*/", "<pki>/", text)


def environment(paths: Dict[str, str], servers: Dict[str, Any]) -> Tuple[Tuple[str, str], ...]:
    """The variables the locustfiles read: PKI_<NAME> paths and <NAME>_URL addresses."""
    env = [(f"PKI_{k.upper()}", v) for k, v in paths.items()]
    for name, server in servers.items():
        host = "127.0.0.1"
        env.append((f"{name.upper()}_URL", f"{'http' if isinstance(server, StreamServer) else 'https'}://{host}:{server.port}"))
    env.append(("PKI_DIR", os.path.dirname(paths["ca"])))
    return tuple(env)
