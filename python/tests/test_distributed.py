"""Distributed runs with real Locust 2.47.0 as the peer: every mix of Locust and rocust
masters and workers runs the same short headless test on loopback. The master's CSV must
count every request and failure the workers made (each worker counts its own with
``events.request``), each worker must run the users Locust's dispatcher gives it (the
all-Locust fleet is the reference), and exit codes follow the failures.
"""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from rocust_cli.harness import LoopbackServer, _clean_env, command_for

LOCUSTFILE = """
import json
import os

from locust import HttpUser, constant, events, task
from locust.runners import WorkerRunner

class Reader(HttpUser):
    weight = 3
    wait_time = constant(0.2)

    @task(3)
    def index(self):
        self.client.get("/")

    @task
    def fail(self):
        self.client.get("/fail")

class Writer(HttpUser):
    weight = 1
    wait_time = constant(0.2)

    @task
    def post(self):
        self.client.post("/post", data="x")

SEEN = {"requests": 0, "failures": 0, "users": {}}

@events.request.add_listener
def _count(exception=None, **_kwargs):
    SEEN["requests"] += 1
    if exception:
        SEEN["failures"] += 1

@events.test_stopping.add_listener
def _users(environment, **_kwargs):
    SEEN["users"] = dict(environment.runner.user_classes_count)

@events.quitting.add_listener
def _report(environment, **_kwargs):
    if isinstance(environment.runner, WorkerRunner):
        # One write: --processes workers share the pipe.
        os.write(1, ("@@ " + json.dumps(SEEN) + "\\n").encode())
"""

USERS = 8
RUN_TIME = "5s"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Proc:
    name: str
    popen: "subprocess.Popen[str]"
    log: Path

    def wait(self, timeout: float) -> Tuple[int, str, str]:
        try:
            out, _ = self.popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            out, _ = self.popen.communicate()
            raise AssertionError(f"{self.name} did not end\n{self.stderr()}")
        return self.popen.returncode, out, self.stderr()

    def stderr(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start(tool: str, args: List[str], cwd: Path, name: str) -> Proc:
    command, why = command_for(tool)
    assert command is not None, why
    log = cwd / f"{name}.stderr"
    popen = subprocess.Popen(
        [*command, *args],
        cwd=cwd,
        env=_clean_env((), cwd),
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    return Proc(name, popen, log)


@pytest.fixture(scope="module")
def target() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    yield server
    server.close()


def aggregated(csv_path: Path) -> Dict[str, str]:
    with csv_path.open() as f:
        rows = list(csv.DictReader(f))
    return next(r for r in rows if r["Name"] == "Aggregated")


@dataclass
class FleetRun:
    master_code: int
    master_stderr: str
    stats: Dict[str, str]
    workers: List[Any]
    worker_codes: List[int]
    master_marks: List[Any]


def marks(stdout: str) -> List[Any]:
    """What the locustfile printed on its "@@ " lines."""
    return [json.loads(line[3:]) for line in stdout.splitlines() if line.startswith("@@ ")]


def run_fleet(
    master_tool: str,
    worker_tools: List[str],
    tmp: Path,
    host: str,
    extra: Optional[List[str]] = None,
    locustfile: str = LOCUSTFILE,
    fetch: bool = False,
) -> FleetRun:
    """One master and its workers; with ``fetch`` the workers run in a directory of
    their own with ``-f -`` and get the locustfile from the master."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "locustfile.py").write_text(locustfile)
    port = free_port()
    master_args = [
        "-f", "locustfile.py", "--master", "--headless", "-u", str(USERS), "-r", "100", "-t", RUN_TIME,
        "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
        "--expect-workers", str(len(worker_tools)), "-H", host, "--csv", "out", *(extra or []),
    ]  # fmt: skip
    master = start(master_tool, master_args, tmp, "master")
    worker_dir = tmp / "workers" if fetch else tmp
    worker_dir.mkdir(exist_ok=True)
    source = "-" if fetch else "locustfile.py"
    workers = [
        start(tool, ["-f", source, "--worker", "--master-port", str(port)], worker_dir, f"worker{i}-{tool}")
        for i, tool in enumerate(worker_tools)
    ]
    master_code, master_out, master_stderr = master.wait(60)
    seen: List[Any] = []
    codes: List[int] = []
    for w in workers:
        code, out, err = w.wait(20)
        codes.append(code)
        printed = marks(out)
        assert printed, f"{w.name} printed nothing (exit {code})\n{err}"
        seen.append(printed[-1])
    stats = aggregated(tmp / "out_stats.csv")
    return FleetRun(master_code, master_stderr, stats, seen, codes, marks(master_out))


FLEETS = {
    "locust-master+locust-workers": ("locust", ["locust", "locust"]),
    "locust-master+mixed-workers": ("locust", ["locust", "rocust"]),
    "rocust-master+mixed-workers": ("rocust", ["rocust", "locust"]),
    "rocust-master+rocust-workers": ("rocust", ["rocust", "rocust"]),
}


@pytest.fixture(scope="module")
def fleets(target: LoopbackServer, tmp_path_factory: pytest.TempPathFactory) -> Dict[str, FleetRun]:
    return {
        name: run_fleet(master, workers, tmp_path_factory.mktemp(name), target.url)
        for name, (master, workers) in FLEETS.items()
    }


def user_counts(run: FleetRun) -> List[Tuple[Tuple[str, int], ...]]:
    return sorted(tuple(sorted(w["users"].items())) for w in run.workers)


@pytest.mark.parametrize("name", list(FLEETS))
def test_the_master_counts_every_request_and_failure_of_every_worker(fleets: Dict[str, FleetRun], name: str) -> None:
    run = fleets[name]
    requests = sum(w["requests"] for w in run.workers)
    failures = sum(w["failures"] for w in run.workers)
    assert requests > 0 and failures > 0, run.workers
    assert int(run.stats["Request Count"]) == requests, (run.stats, run.workers, run.master_stderr)
    assert int(run.stats["Failure Count"]) == failures, (run.stats, run.workers)


@pytest.mark.parametrize("name", list(FLEETS))
def test_every_worker_runs_the_users_locusts_dispatcher_gives_it(fleets: Dict[str, FleetRun], name: str) -> None:
    reference = user_counts(fleets["locust-master+locust-workers"])
    assert sum(n for w in reference for _, n in w) == USERS
    assert user_counts(fleets[name]) == reference, fleets[name].master_stderr


@pytest.mark.parametrize("name", list(FLEETS))
def test_failures_fail_the_master_and_workers_exit_cleanly(fleets: Dict[str, FleetRun], name: str) -> None:
    run = fleets[name]
    assert run.master_code == 1, run.master_stderr
    assert run.worker_codes == [0, 0]


IDLE_USER = """
import datetime
import json

from locust import HttpUser, constant, events, task
from locust.runners import MasterRunner, WorkerRunner

class Idle(HttpUser):
    wait_time = constant(1)

    @task
    def index(self):
        self.client.get("/")

# Each locustfile below defines SEEN; this prints it at the end.
@events.quitting.add_listener
def _report(environment, **_kwargs):
    print("@@ " + json.dumps(SEEN), flush=True)
"""

MESSAGES = IDLE_USER + """
SEEN = []

def on_hello(environment, msg, **_kwargs):
    d = msg.data
    SEEN.append([msg.node_id == "" or isinstance(msg.node_id, str), d["n"], d["b"].hex(), d["t"], d["when"].isoformat()])
    environment.runner.send_message("ack", {"index": environment.runner.worker_index, "n": d["n"] + 1})

def on_ack(environment, msg, **_kwargs):
    SEEN.append([msg.node_id, msg.data["index"], msg.data["n"]])

def on_boom(environment, msg, **_kwargs):
    raise ValueError("boom")

@events.init.add_listener
def _init(environment, **_kwargs):
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message("hello", on_hello)
    elif isinstance(runner, MasterRunner):
        runner.register_message("ack", on_ack)
        runner.register_message("boom", on_boom)

@events.test_start.add_listener
def _start(environment, **_kwargs):
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        when = datetime.datetime(2024, 1, 2, 3, 4, 5, 6)
        runner.send_message("hello", {"n": 7, "b": b"\\x00\\x01", "t": (1, 2.5, None, True), "when": when})
    elif isinstance(runner, WorkerRunner):
        runner.send_message("boom")
        runner.send_message("nobody-listens", [1])

"""


@pytest.mark.parametrize("master", ["locust", "rocust"])
def test_custom_messages_go_both_ways_in_a_mixed_fleet(master: str, target: LoopbackServer, tmp_path: Path) -> None:
    run = run_fleet(master, ["locust", "rocust"], tmp_path, target.url, locustfile=MESSAGES)
    for got in run.workers:
        assert got == [[True, 7, "0001", [1, 2.5, None, True], "2024-01-02T03:04:05.000006"]], run.workers
    acks = run.master_marks[-1]
    assert sorted(a[1:] for a in acks) == [[0, 8], [1, 8]], run.master_stderr
    assert all(isinstance(a[0], str) and a[0] for a in acks)
    assert "Uncaught exception in handler for boom" in run.master_stderr
    assert "ValueError: boom" in run.master_stderr
    assert "Unknown message type received from worker" in run.master_stderr
    assert "nobody-listens" in run.master_stderr
    assert run.master_code == 0, run.master_stderr


EVENTS = IDLE_USER + """
SEEN = {"reports": {}, "connects": [], "echoes": 0, "received": 0, "ids": []}

@events.report_to_master.add_listener
def _add(client_id, data, **_kwargs):
    data["custom"] = {"from": client_id, "tags": ["a", 1]}

@events.worker_report.add_listener
def _got(client_id, data, **_kwargs):
    assert "stats" in data and "user_classes_count" in data
    SEEN["reports"][client_id] = data["custom"]

@events.worker_connect.add_listener
def _connect(client_id, **_kwargs):
    SEEN["connects"].append(client_id)

@events.init.add_listener
def _init(environment, **_kwargs):
    # Listeners added in init count too.
    @environment.events.heartbeat_sent.add_listener
    def _echo(client_id, timestamp, **_kwargs):
        SEEN["echoes"] += 1

    @environment.events.heartbeat_received.add_listener
    def _received(client_id, timestamp, **_kwargs):
        SEEN["received"] += 1
        SEEN["ids"] = [client_id == environment.runner.client_id, timestamp > 1.7e9]

"""


@pytest.mark.parametrize("master", ["locust", "rocust"])
def test_distributed_events_in_a_mixed_fleet(master: str, target: LoopbackServer, tmp_path: Path) -> None:
    run = run_fleet(master, ["locust", "rocust"], tmp_path, target.url, locustfile=EVENTS)
    seen = run.master_marks[-1]
    assert sorted(seen["connects"]) == sorted(seen["reports"]), run.master_stderr
    assert len(seen["connects"]) == 2
    for client_id, custom in seen["reports"].items():
        assert custom == {"from": client_id, "tags": ["a", 1]}
    assert seen["echoes"] >= 4, seen
    for worker in run.workers:
        assert worker["received"] >= 2 and worker["ids"] == [True, True], run.workers
    assert run.master_code == 0, run.master_stderr


@pytest.mark.parametrize("master", ["locust", "rocust"])
def test_workers_fetch_the_locustfile_from_the_master(master: str, target: LoopbackServer, tmp_path: Path) -> None:
    run = run_fleet(master, ["locust", "rocust"], tmp_path, target.url, fetch=True)
    assert not (tmp_path / "workers" / "locustfile.py").exists()
    assert int(run.stats["Request Count"]) == sum(w["requests"] for w in run.workers) > 0, run.master_stderr
    assert run.worker_codes == [0, 0]


def test_processes_fork_python_workers_under_their_master(target: LoopbackServer, tmp_path: Path) -> None:
    (tmp_path / "locustfile.py").write_text(LOCUSTFILE)
    port = free_port()
    args = [
        "-f", "locustfile.py", "--processes", "2", "--headless", "-u", "4", "-r", "100", "-t", "4s",
        "--master-bind-port", str(port), "-H", target.url, "--csv", "out",
    ]  # fmt: skip
    code, out, err = start("rocust", args, tmp_path, "processes").wait(60)
    assert code == 1, err
    assert "2 workers connected" in err, err
    workers = marks(out)
    assert len(workers) == 2, out
    stats = aggregated(tmp_path / "out_stats.csv")
    assert int(stats["Request Count"]) == sum(w["requests"] for w in workers) > 0, err
    assert sum(sum(w["users"].values()) for w in workers) == 4


SHAPE_AND_TAGS = """
import json

from locust import HttpUser, LoadTestShape, constant, events, tag, task
from locust.runners import WorkerRunner

class Tagged(HttpUser):
    wait_time = constant(0.2)

    @tag("a")
    @task
    def tagged(self):
        self.client.get("/a")

    @task
    def untagged(self):
        self.client.get("/b")

class Steps(LoadTestShape):
    def tick(self):
        t = self.get_run_time()
        if t < 3:
            return (2, 10)
        if t < 6:
            return (4, 10)
        return None

SEEN = {"requests": 0, "users": {}}

@events.request.add_listener
def _count(**_kwargs):
    SEEN["requests"] += 1

@events.test_stopping.add_listener
def _users(environment, **_kwargs):
    SEEN["users"] = dict(environment.runner.user_classes_count)

@events.quitting.add_listener
def _report(environment, **_kwargs):
    if isinstance(environment.runner, WorkerRunner):
        print("@@ " + json.dumps(SEEN), flush=True)
"""


@pytest.mark.parametrize("master", ["locust", "rocust"])
def test_a_shape_and_tags_drive_a_mixed_fleet(master: str, target: LoopbackServer, tmp_path: Path) -> None:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "locustfile.py").write_text(SHAPE_AND_TAGS)
    port = free_port()
    master_args = [
        "-f", "locustfile.py", "--master", "--headless", "--tags", "a", "--expect-workers", "2",
        "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port), "-H", target.url, "--csv", "out",
    ]  # fmt: skip
    proc = start(master, master_args, tmp_path, "master")
    workers = [
        start(tool, ["-f", "locustfile.py", "--worker", "--master-port", str(port)], tmp_path, f"w{i}-{tool}")
        for i, tool in enumerate(["locust", "rocust"])
    ]
    code, _, err = proc.wait(60)
    assert code == 0, err
    assert "Shape test updating to 4 users" in err, err
    seen = []
    for w in workers:
        w_code, out, w_err = w.wait(20)
        assert w_code == 0, w_err
        seen.append(marks(out)[-1])
    assert sum(sum(s["users"].values()) for s in seen) == 4, seen
    with (tmp_path / "out_stats.csv").open() as f:
        names = {row["Name"] for row in csv.DictReader(f)}
    assert names == {"/a", "Aggregated"}, names
    assert int(aggregated(tmp_path / "out_stats.csv")["Request Count"]) == sum(s["requests"] for s in seen) > 0


RAISING = """
from locust import HttpUser, constant, task

class Raising(HttpUser):
    wait_time = constant(0.5)

    @task
    def boom(self):
        raise ValueError("boom in a task")
"""


@pytest.mark.parametrize("master", ["locust", "rocust"])
def test_task_exceptions_on_workers_reach_the_master_and_fail_the_run(
    master: str, target: LoopbackServer, tmp_path: Path
) -> None:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "locustfile.py").write_text(RAISING)
    port = free_port()
    master_args = [
        "-f", "locustfile.py", "--master", "--headless", "-u", "2", "-r", "100", "-t", "3s",
        "--expect-workers", "2", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
        "-H", target.url, "--csv", "out",
    ]  # fmt: skip
    proc = start(master, master_args, tmp_path, "master")
    workers = [
        start(tool, ["-f", "locustfile.py", "--worker", "--master-port", str(port)], tmp_path, f"w{i}-{tool}")
        for i, tool in enumerate(["locust", "rocust"])
    ]
    code, _, err = proc.wait(60)
    for w in workers:
        assert w.wait(20)[0] == 0
    assert code == 1, err
    with (tmp_path / "out_exceptions.csv").open() as f:
        rows = list(csv.DictReader(f))
    # One row per distinct traceback: Locust's and rocust's task runners differ in their frames.
    assert rows and all("boom in a task" in r["Message"] for r in rows), rows
    assert sum(int(r["Count"]) for r in rows) > 2, rows
    nodes = {n for r in rows for n in r["Nodes"].split(", ")}
    assert len(nodes) == 2, rows


BUSY = """
import time

from locust import HttpUser, constant, task

class Busy(HttpUser):
    wait_time = constant(0.1)

    @task
    def spin(self):
        self.client.get("/")
        end = time.time() + 8
        while time.time() < end:
            pass
"""


def test_a_worker_busy_in_python_keeps_heartbeating(target: LoopbackServer, tmp_path: Path) -> None:
    """Locust's worker misses heartbeats while a task holds the CPU; rocust's come from Rust."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "locustfile.py").write_text(BUSY)
    port = free_port()
    master_args = [
        "-f", "locustfile.py", "--master", "--headless", "-u", "1", "-r", "100", "-t", "10s",
        "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port), "-H", target.url,
    ]  # fmt: skip
    proc = start("rocust", master_args, tmp_path, "master")
    worker = start("rocust", ["-f", "locustfile.py", "--worker", "--master-port", str(port)], tmp_path, "worker")
    code, _, err = proc.wait(60)
    worker.wait(30)
    assert code == 0, err
    assert "All users spawned" in err, err
    assert "missing" not in err, err
