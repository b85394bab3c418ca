"""Real servers on loopback for the protocol users' tests, each a context manager that starts
it on a free port and stops it (and removes its files) at the end.

Debian's mosquitto, PostgreSQL and dnsmasq (scripts/install-test-deps.sh installs them), and
Python servers written for the tests (socketio_server.py, openai_server.py, mongo_server.py)
run with this interpreter. Running as root, the Debian servers drop to their own users, so
their files are made readable (and PostgreSQL's data directory owned) by them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, List, Optional, Type

import testdeps

HERE = Path(__file__).resolve().parent
START_TIMEOUT_S = 30.0


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_tcp(port: int, proc: "subprocess.Popen[bytes]", log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} in {START_TIMEOUT_S:.0f}s:\n{log.read_text(errors='replace')}")


def find_program(*candidates: str) -> str:
    for candidate in candidates:
        found = glob.glob(candidate) if "*" in candidate else ([candidate] if os.path.isabs(candidate) else [])
        found = found or ([shutil.which(candidate)] if shutil.which(candidate) else [])
        for path in sorted(found, reverse=True):
            if path and os.access(path, os.X_OK):
                return path
    testdeps.missing(f"{candidates[0]} is not installed")


class _Server:
    """A process, its log file and a temporary folder."""

    what = "server"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=f"rocust-{self.what}-"))
        os.chmod(self.dir, 0o755)
        self.log = self.dir / "server.log"
        self._log_file: Optional[IO[bytes]] = None
        self.proc: Optional["subprocess.Popen[bytes]"] = None

    def spawn(self, command: List[str], **kwargs: object) -> "subprocess.Popen[bytes]":
        self._log_file = self.log.open("wb")
        self.proc = subprocess.Popen(command, stdout=self._log_file, stderr=subprocess.STDOUT, **kwargs)  # type: ignore[call-overload]
        return self.proc

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log_file is not None:
            self._log_file.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "_Server":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.stop()


class Mosquitto(_Server):
    """An MQTT broker: anonymous clients are welcome, a client with a username must give the
    right password (USER/PASSWORD)."""

    what = "mosquitto"
    USER = "locust"
    PASSWORD = "swarm"

    def start(self) -> None:
        binary = find_program("/usr/sbin/mosquitto", "mosquitto")
        passwd = find_program("/usr/bin/mosquitto_passwd", "mosquitto_passwd")
        self.port = free_port()
        passwords = self.dir / "passwords"
        subprocess.run([passwd, "-c", "-b", str(passwords), self.USER, self.PASSWORD], check=True, capture_output=True)
        conf = self.dir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npassword_file {passwords}\n", encoding="utf-8"
        )
        for path in (passwords, conf):
            os.chmod(path, 0o644)
        proc = self.spawn([binary, "-c", str(conf)])
        wait_for_tcp(self.port, proc, self.log, self.what)


class Postgres(_Server):
    """A PostgreSQL cluster of its own (initdb), trusting local connections."""

    what = "postgres"

    def start(self) -> None:
        bindir = os.path.dirname(find_program("/usr/lib/postgresql/*/bin/postgres"))
        self.port = free_port()
        data = self.dir / "data"
        as_postgres: List[str] = []
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            shutil.chown(self.dir, "postgres")
            as_postgres = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*as_postgres, f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
            check=True,
            capture_output=True,
        )
        settings = ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.dir}", "-c", "fsync=off"]
        proc = self.spawn([*as_postgres, f"{bindir}/postgres", "-D", str(data), "-p", str(self.port), *settings])
        wait_for_tcp(self.port, proc, self.log, self.what)
        self.conninfo = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"


class Dnsmasq(_Server):
    """A DNS server that knows ``*.locust.test`` (A 127.0.0.5) and nothing else (NXDOMAIN)."""

    what = "dnsmasq"

    def start(self) -> None:
        binary = find_program("/usr/sbin/dnsmasq", "dnsmasq")
        self.port = free_port(socket.SOCK_DGRAM)
        proc = self.spawn(
            [
                binary,
                "--keep-in-foreground",
                "--log-facility=-",
                f"--port={self.port}",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--no-resolv",
                "--no-hosts",
                "--no-poll",
                "--user=root" if os.geteuid() == 0 else "--user=nobody",
                "--address=/locust.test/127.0.0.5",
            ]
        )
        wait_for_tcp(self.port, proc, self.log, self.what)


class PythonServer(_Server):
    """One of this folder's server scripts, run with this interpreter: it is given a free port
    as its argument and listens there."""

    def __init__(self, script: str) -> None:
        self.what = script.rsplit(".", 1)[0]
        self.script = script
        super().__init__()

    def start(self) -> None:
        self.port = free_port()
        proc = self.spawn([sys.executable, str(HERE / self.script), str(self.port)])
        wait_for_tcp(self.port, proc, self.log, self.what)


def demo_target_binary() -> Optional[Path]:
    """rocust-demo-target: $ROCUST_DEMO_TARGET, else the workspace's debug or release build."""
    explicit = os.environ.get("ROCUST_DEMO_TARGET")
    candidates = [Path(explicit)] if explicit else []
    candidates += [testdeps.REPO_ROOT / "target" / kind / "rocust-demo-target" for kind in ("debug", "release")]
    return next((c for c in candidates if c.is_file() and os.access(c, os.X_OK)), None)


class DemoTarget(_Server):
    """rocust-demo-target (its /ws is a WebSocket echo server); ``url`` is http://127.0.0.1:PORT."""

    what = "demo-target"

    def start(self) -> None:
        binary = demo_target_binary()
        if binary is None:
            testdeps.missing("rocust-demo-target is not built (cargo build -p rocust-demo-target) nor $ROCUST_DEMO_TARGET")
        self.port = free_port()
        proc = self.spawn([str(binary), "--port", str(self.port), "--threads", "2"])
        wait_for_tcp(self.port, proc, self.log, self.what)
        self.url = f"http://127.0.0.1:{self.port}"
