"""The command line of issue 7: what a Locust user types, run under rocust and real Locust 2.47.

- A LoadTestShape with -t/-u/-r: Locust's two warnings, and the shape runs until tick() returns
  None (-t does not stop it).
- The -t timer starts with the test, not after the test_start listeners return.
- `locustfile = ...` in locust.conf, pyproject.toml, ~/.locust.conf or a --config file, with the
  usual precedence, parsed once in Rust (`_engine.locustfile_option`).
- Keyboard control in a real pseudo-terminal: w/W/s/S, Locust's warnings while spawning, and the
  terminal restored however the run ends.
- Old spellings (--no-web, -c/--clients, --hatch-rate, --slave, -n/--num-request): rocust only
  (Locust 2.47 refuses them, which the tests check too).

Runs go through rocust_cli/harness.py (a pool of subprocesses, one directory each, HOME = that
directory); the terminal runs use a pty of their own. Locustfiles are written into each run's
directory; they print "@@ <json list>" marks.
"""

from __future__ import annotations

import csv
import os
import pty
import re
import signal
import subprocess
import termios
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, TypeVar

import pytest
import testdeps

from rocust_cli.harness import LoopbackServer, RunPool, RunResult, RunSpec, _clean_env, command_for

F = TypeVar("F", bound=Callable[..., Any])
TOOLS = ("rocust", "locust")

IDLE_USER = """
from locust import User, constant, task


class Idle(User):
    wait_time = constant(0.5)

    @task
    def idle(self):
        pass
"""

# Locust 2.47 counts -t from gevent's cached loop time, stale by its start-up (see
# test_rocust_cli.py): refreshed so -t counts from the same moment under both tools.
FRESH_CLOCK = """
import gevent
from locust import events


@events.init.add_listener
def _fresh_clock(**_kwargs):
    gevent.get_hub().loop.update_now()
"""

SHAPE = (
    IDLE_USER
    + """
from locust import LoadTestShape


class ThreeSeconds(LoadTestShape):
    use_common_options = {common}

    def tick(self):
        if self.get_run_time() < 3:
            return (2, 10)
        return None
"""
)

BLOCKING_TEST_START = (
    IDLE_USER
    + FRESH_CLOCK
    + """
import logging
import time


@events.test_start.add_listener
def _slow_start(**_kwargs):
    logging.info("test_start listener begins")
    time.sleep(3)
    logging.info("test_start listener returns")
"""
)

MARKING = (
    IDLE_USER
    + """
import json
import os

from locust import events


@events.init.add_listener
def _ran(**_kwargs):
    print("@@ " + json.dumps(["ran", os.path.basename(__file__)]), flush=True)
"""
)

CUSTOM_OPTION = (
    IDLE_USER
    + """
import json

from locust import events


@events.init_command_line_parser.add_listener
def _options(parser, **_kwargs):
    parser.add_argument("--my-opt", default="default")


@events.init.add_listener
def _ran(environment, **_kwargs):
    print("@@ " + json.dumps(["my_opt", environment.parsed_options.my_opt]), flush=True)
"""
)

HTTP_USER = """
from locust import HttpUser, constant, task


class Web(HttpUser):
    wait_time = constant(0.02)

    @task
    def fast(self):
        self.client.get("/fast")
"""

QUIT_IN_TASK = """
import time

from locust import User, constant, task

STARTED = time.monotonic()


class Quitter(User):
    wait_time = constant(0.2)

    @task
    def quit_after_a_while(self):
        if time.monotonic() - STARTED > 3:
            self.environment.runner.quit()
"""


def files(**texts: str) -> Tuple[Tuple[str, str], ...]:
    return tuple(texts.items())


HEADLESS_1S = ("--headless", "-u", "1", "-t", "1")

# name -> (args, RunSpec keyword arguments); each runs under both tools unless in ROCUST_ONLY.
RUNS: Dict[str, Tuple[Tuple[str, ...], Dict[str, Any]]] = {
    "shape_options": (
        ("-f", "shape.py", "--headless", "-t", "1", "-u", "5", "-r", "3"),
        {"files": files(**{"shape.py": SHAPE.format(common=False)})},
    ),
    "shape_common_options": (
        ("-f", "shape.py", "--headless", "-t", "1", "-u", "5"),
        {"files": files(**{"shape.py": SHAPE.format(common=True)})},
    ),
    "shape_zero_options": (
        ("-f", "shape.py", "--headless", "-t", "0", "-u", "0"),
        {"files": files(**{"shape.py": SHAPE.format(common=False)})},
    ),
    "blocking_test_start": (
        ("-f", "slow_start.py", "--headless", "-u", "1", "-t", "2"),
        {"files": files(**{"slow_start.py": BLOCKING_TEST_START})},
    ),
    "conf_locust_conf": (HEADLESS_1S, {"files": files(**{"locust.conf": "locustfile = mytest.py\n", "mytest.py": MARKING})}),
    "conf_pyproject": (
        HEADLESS_1S,
        {"files": files(**{"pyproject.toml": '[tool.locust]\nlocustfile = "mytest.py"\n', "mytest.py": MARKING})},
    ),
    # HOME is the run's directory
    "conf_home": (HEADLESS_1S, {"files": files(**{".locust.conf": "locustfile = mytest.py\n", "mytest.py": MARKING})}),
    "conf_config_option": (
        ("--config", "custom.conf") + HEADLESS_1S,
        {"files": files(**{"custom.conf": "locustfile = mytest.py\n", "mytest.py": MARKING})},
    ),
    "conf_pyproject_over_locust_conf": (
        HEADLESS_1S,
        {
            "files": files(
                **{
                    "locust.conf": "locustfile = a.py\n",
                    "pyproject.toml": '[tool.locust]\nlocustfile = "b.py"\n',
                    "a.py": MARKING,
                    "b.py": MARKING,
                }
            )
        },
    ),
    "conf_config_over_pyproject": (
        ("--config", "c.conf") + HEADLESS_1S,
        {
            "files": files(
                **{
                    "pyproject.toml": '[tool.locust]\nlocustfile = "b.py"\n',
                    "c.conf": "locustfile = c.py\n",
                    "b.py": MARKING,
                    "c.py": MARKING,
                }
            )
        },
    ),
    "conf_env_over_files": (
        ("--config", "c.conf") + HEADLESS_1S,
        {
            "files": files(**{"c.conf": "locustfile = c.py\n", "c.py": MARKING, "e.py": MARKING}),
            "env": (("LOCUST_LOCUSTFILE", "e.py"),),
        },
    ),
    "conf_command_line_over_env": (
        ("-f", "f.py", "--config", "c.conf") + HEADLESS_1S,
        {
            "files": files(**{"c.conf": "locustfile = c.py\n", "c.py": MARKING, "e.py": MARKING, "f.py": MARKING}),
            "env": (("LOCUST_LOCUSTFILE", "e.py"),),
        },
    ),
    "conf_missing_file": (HEADLESS_1S, {"files": files(**{"locust.conf": "locustfile = nothere.py\n"})}),
    "conf_with_custom_option": (
        ("--my-opt", "9") + HEADLESS_1S,
        {"files": files(**{"locust.conf": "locustfile = custom.py\nmy-opt = from-conf\n", "custom.py": CUSTOM_OPTION})},
    ),
    "conf_custom_option_from_conf": (
        HEADLESS_1S,
        {"files": files(**{"locust.conf": "locustfile = custom.py\nmy-opt = from-conf\n", "custom.py": CUSTOM_OPTION})},
    ),
    "old_spellings": (
        ("-f", "idle.py", "--no-web", "-c", "3", "--hatch-rate", "100", "-t", "2"),
        {"files": files(**{"idle.py": IDLE_USER})},
    ),
    "num_request": (
        ("-f", "web.py", "--headless", "-u", "2", "-r", "100", "-n", "40", "-H", "{host}", "--csv", "out"),
        {"files": files(**{"web.py": HTTP_USER}), "timeout": 30.0},
    ),
    "logfile_in_new_directory": (
        ("-f", "idle.py", "--logfile", "logs/run.log") + HEADLESS_1S,
        {"files": files(**{"idle.py": IDLE_USER})},
    ),
}
ROCUST_ONLY = {"num_request"}


def uses(*names: str) -> Callable[[F], F]:
    """Declares the runs (names in RUNS) a test needs, so the pool starts only those."""

    def mark(f: F) -> F:
        setattr(f, "_drop_in_runs", names)
        return f

    return mark


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunPool]:
    wanted: Set[str] = set()
    for item in request.session.items:
        function = getattr(item, "function", None)
        if function is not None and item.module is request.module:  # type: ignore[attr-defined]
            wanted.update(getattr(function, "_drop_in_runs", ()))
    server = LoopbackServer()
    workers = int(os.environ.get("ROCUST_CLI_WORKERS", "4"))
    pool = RunPool(tmp_path_factory.mktemp("drop_in"), server.url, workers)
    for name, (args, kwargs) in RUNS.items():
        if name in wanted:
            for tool in ("rocust",) if name in ROCUST_ONLY else TOOLS:
                pool.submit(f"{name}/{tool}", RunSpec(tool=tool, args=args, **kwargs))
    try:
        yield pool
    finally:
        pool.close()
        server.close()


def pair(runs: RunPool, name: str) -> Tuple[RunResult, Optional[RunResult]]:
    rocust = runs.get(f"{name}/rocust")
    if rocust.skipped:
        testdeps.missing(rocust.skipped)
    if name in ROCUST_ONLY:
        return rocust, None
    locust = runs.get(f"{name}/locust")
    return rocust, None if locust.skipped else locust


def ctx(*results: Optional[RunResult]) -> str:
    return "\n".join(r.context() for r in results if r is not None)


def both(rocust: RunResult, locust: Optional[RunResult]) -> List[RunResult]:
    return [r for r in (rocust, locust) if r is not None]


LOG_LINE = re.compile(r"^\[([^\]]+)\] [^/\s]+/(\w+)/([\w.]+): (.*)$", flags=re.M)


def logs(stderr: str) -> List[Tuple[datetime, str, str, str]]:
    """Log records as (time, level, logger, message)."""
    return [
        (datetime.strptime(when, "%Y-%m-%d %H:%M:%S,%f"), level, logger, message)
        for when, level, logger, message in LOG_LINE.findall(stderr)
    ]


def messages(result: RunResult) -> List[str]:
    return [f"{level}/{logger}: {message}" for _, level, logger, message in logs(result.stderr)]


def seconds_between(result: RunResult, first: str, then: str) -> float:
    """Seconds from the first log message containing `first` to the next containing `then`."""
    records = logs(result.stderr)
    start = next((r[0] for r in records if first in r[3]), None)
    assert start is not None, f"no log line with {first!r}\n" + ctx(result)
    end = next((r[0] for r in records if r[0] >= start and then in r[3]), None)
    assert end is not None, f"no log line with {then!r} after {first!r}\n" + ctx(result)
    return (end - start).total_seconds()


# -- item 3: a shape with -t, -u, -r ----------------------------------------------------------

COMMON_OPTIONS_WARNING = (
    "WARNING/locust.main: --run-time, --users or --spawn-rate have no impact on LoadShapes unless the shape "
    "class explicitly reads them. See: docs.locust.io/en/stable/custom-load-shape.html#use-common-options"
)


@uses("shape_options")
def test_shape_warns_about_run_time_users_and_spawn_rate_and_runs_to_its_end(runs: RunPool) -> None:
    rocust, locust = pair(runs, "shape_options")
    for result in both(rocust, locust):
        assert result.exit_code == 0, ctx(result)
        found = messages(result)
        warnings = [m for m in found if m.startswith("WARNING/locust.main")]
        assert warnings == [
            COMMON_OPTIONS_WARNING,
            "WARNING/locust.main: The following option(s) will be ignored: --users, --spawn-rate, --run-time",
        ], ctx(result)
        # -t 1 does not stop the 3 s shape
        assert seconds_between(result, "Shape test starting", "Shape test stopping") > 2.5, ctx(result)
        tail = found[found.index("INFO/locust.main: Shape test completed, shutting down") :]
        assert tail[1] == "INFO/locust.main: Run time limit set to 1 seconds", ctx(result)
        assert tail[2].startswith("INFO/locust.main: Shutting down (exit code 0)"), ctx(result)
        assert "--run-time limit reached" not in result.stderr, ctx(result)


@uses("shape_common_options", "shape_zero_options")
@pytest.mark.parametrize("name", ["shape_common_options", "shape_zero_options"])
def test_shape_reading_the_options_or_zero_options_give_no_warning(runs: RunPool, name: str) -> None:
    rocust, locust = pair(runs, name)
    for result in both(rocust, locust):
        assert result.exit_code == 0, ctx(result)
        assert not [m for m in messages(result) if m.startswith("WARNING")], ctx(result)
        assert seconds_between(result, "Shape test starting", "Shape test stopping") > 2.5, ctx(result)


# -- item 4: the -t timer runs while test_start listeners do ----------------------------------


@uses("blocking_test_start")
def test_run_time_limit_is_armed_before_test_start_listeners_run(runs: RunPool) -> None:
    rocust, locust = pair(runs, "blocking_test_start")
    for result in both(rocust, locust):
        assert result.exit_code == 0, ctx(result)
        found = messages(result)
        armed = found.index("INFO/locust.main: Run time limit set to 2 seconds")
        begins = found.index("INFO/root: test_start listener begins")
        assert armed < begins, ctx(result)
    # The timer counts from the start: with a 3 s listener and -t 2, a timer started after
    # the listener would end the run 5 s after it was armed.
    assert seconds_between(rocust, "Run time limit set", "--run-time limit reached") < 4.0, ctx(rocust)


@uses("blocking_test_start")
def test_run_time_limit_fires_while_a_test_start_listener_blocks(runs: RunPool) -> None:
    rocust, locust = pair(runs, "blocking_test_start")
    for result in both(rocust, locust):
        assert seconds_between(result, "Run time limit set", "--run-time limit reached") < 2.8, ctx(result)


# -- --logfile: its directory is made; the tables still go to the terminal --------------------


@uses("logfile_in_new_directory")
def test_logfile_in_a_new_directory_gets_the_log_lines_and_not_the_tables(runs: RunPool) -> None:
    rocust, locust = pair(runs, "logfile_in_new_directory")
    for result in both(rocust, locust):
        assert result.exit_code == 0, ctx(result)
        log = (result.directory / "logs" / "run.log").read_text()
        assert "INFO/locust.main: Shutting down (exit code 0)" in log, ctx(result)
        assert "Aggregated" not in log, ctx(result)
        assert "Response time percentiles (approximated)" in result.stderr, ctx(result)


# -- item 11: the locustfile option from config files ----------------------------------------


@uses(
    "conf_locust_conf",
    "conf_pyproject",
    "conf_home",
    "conf_config_option",
    "conf_pyproject_over_locust_conf",
    "conf_config_over_pyproject",
    "conf_env_over_files",
    "conf_command_line_over_env",
)
@pytest.mark.parametrize(
    "name, runs_file",
    [
        ("conf_locust_conf", "mytest.py"),
        ("conf_pyproject", "mytest.py"),
        ("conf_home", "mytest.py"),
        ("conf_config_option", "mytest.py"),
        ("conf_pyproject_over_locust_conf", "b.py"),
        ("conf_config_over_pyproject", "c.py"),
        ("conf_env_over_files", "e.py"),
        ("conf_command_line_over_env", "f.py"),
    ],
)
def test_locustfile_from_config_files_with_locusts_precedence(runs: RunPool, name: str, runs_file: str) -> None:
    rocust, locust = pair(runs, name)
    for result in both(rocust, locust):
        assert result.exit_code == 0, ctx(result)
        assert result.marked("ran") == [["ran", runs_file]], ctx(result)


@uses("conf_missing_file")
def test_locustfile_from_a_config_file_that_does_not_exist(runs: RunPool) -> None:
    rocust, locust = pair(runs, "conf_missing_file")
    expected = (
        "Could not find 'nothere.py'. Ensure your locustfile ends with '.py' or is a directory with "
        "locustfiles. See --help for available options."
    )
    for result in both(rocust, locust):
        assert result.exit_code == 1, ctx(result)
        assert result.stderr.strip() == expected, ctx(result)


@uses("conf_with_custom_option", "conf_custom_option_from_conf")
@pytest.mark.parametrize("name, value", [("conf_with_custom_option", "9"), ("conf_custom_option_from_conf", "from-conf")])
def test_locustfile_from_a_config_file_beside_its_custom_options(runs: RunPool, name: str, value: str) -> None:
    rocust, locust = pair(runs, name)
    for result in both(rocust, locust):
        assert result.exit_code == 0, ctx(result)
        assert result.marked("my_opt") == [["my_opt", value]], ctx(result)


def test_engine_resolves_the_locustfile_option_like_the_full_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rocust import _engine

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LOCUST_LOCUSTFILE", raising=False)
    assert _engine.locustfile_option(["rocust", "--my-opt", "x"]) == "locustfile.py"
    (tmp_path / "locust.conf").write_text("locustfile = conf.py\nmy-opt = 3\n")
    assert _engine.locustfile_option(["rocust", "--my-opt", "x", "--headless"]) == "conf.py"
    monkeypatch.setenv("LOCUST_LOCUSTFILE", "env.py")
    assert _engine.locustfile_option(["rocust"]) == "env.py"
    assert _engine.locustfile_option(["rocust", "-fcli.py"]) == "cli.py"
    assert _engine.locustfile_option(["rocust", "--config", "missing.conf"]) == 2


# -- deprecated spellings (rocust only; Locust 2.47 refuses them) ----------------------------


@uses("old_spellings")
def test_old_spellings_run_with_one_warning_each(runs: RunPool) -> None:
    rocust, locust = pair(runs, "old_spellings")
    assert rocust.exit_code == 0, ctx(rocust)
    found = messages(rocust)
    for warning in (
        "WARNING/locust.main: --no-web is deprecated: use --headless",
        "WARNING/locust.main: -c/--clients is deprecated: use -u/--users",
        "WARNING/locust.main: --hatch-rate is deprecated: use -r/--spawn-rate",
    ):
        assert found.count(warning) == 1, ctx(rocust)
    assert "INFO/locust.runners: Ramping to 3 users at a rate of 100.00 per second" in found, ctx(rocust)
    assert any(m.endswith("(3 total users)") for m in found), ctx(rocust)
    if locust is not None:
        # the deliberate difference: Locust 2.47 refuses them
        assert locust.exit_code == 2, ctx(locust)


def _aggregated_requests(result: RunResult) -> int:
    with open(result.file("out_stats.csv")) as f:
        rows = [row for row in csv.DictReader(f) if row["Name"] == "Aggregated"]
    assert rows, ctx(result)
    return int(rows[0]["Request Count"])


@uses("num_request")
def test_num_request_stops_the_test_after_that_many_requests(runs: RunPool) -> None:
    rocust, _ = pair(runs, "num_request")
    assert rocust.exit_code == 0 and not rocust.timed_out, ctx(rocust)
    found = messages(rocust)
    assert found.count(
        "WARNING/locust.main: -n/--num-request is deprecated (Locust 2.47 has no such option): "
        "rocust stops the test once this many requests have completed"
    ) == 1, ctx(rocust)
    assert "INFO/locust.main: -n/--num-request limit of 40 requests reached, shutting down" in found, ctx(rocust)
    total = _aggregated_requests(rocust)
    # checked every 100 ms: two users at 50 requests/s overshoot by a few requests at most
    assert 40 <= total <= 60, f"{total} requests\n" + ctx(rocust)


# -- keyboard control in a terminal -----------------------------------------------------------


class TerminalRun:
    """A run whose stdin is a fresh pseudo-terminal (stdout and stderr are pipes)."""

    def __init__(self, tool: str, args: List[str], directory: Path, texts: Dict[str, str]) -> None:
        command, why_not = command_for(tool)
        if command is None:
            testdeps.missing(why_not)
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (directory / name).write_text(text)
        self.tool = tool
        self.master, self.slave = pty.openpty()
        self.proc = subprocess.Popen(
            command + args,
            cwd=str(directory),
            env=_clean_env((), directory),
            stdin=self.slave,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        self.lines: List[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def context(self) -> str:
        return f"--- {self.tool} (exit {self.proc.poll()}):\n{self.stderr[-4000:]}"

    def count(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))

    def wait_for(self, text: str, times: int = 1, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count(text) < times:
            assert time.monotonic() < deadline, f"no {text!r} (x{times}) within {timeout} s\n" + self.context()
            time.sleep(0.05)

    def lflag(self) -> int:
        return int(termios.tcgetattr(self.slave)[3])

    def wait_for_cbreak(self) -> None:
        deadline = time.monotonic() + 10
        while self.lflag() & termios.ICANON:
            assert time.monotonic() < deadline, "the terminal never left line mode\n" + self.context()
            time.sleep(0.05)
        assert not self.lflag() & termios.ECHO, "keys are still echoed\n" + self.context()

    def press(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def finish(self, how: Optional[int] = None, timeout: float = 20.0) -> int:
        if how is not None:
            self.proc.send_signal(how)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("the run did not end\n" + self.context())
        self.reader.join(timeout=5)
        return code

    def restored(self) -> bool:
        flags = self.lflag()
        return bool(flags & termios.ICANON) and bool(flags & termios.ECHO)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


def _ramps(run: TerminalRun) -> List[int]:
    return [int(n) for n in re.findall(r"Ramping to (\d+) users at a rate of", run.stderr)]


# Locust ends on -t here: its Ctrl-C handling is a race (see test_rocust_cli.py).
KEYS_LOCUSTFILE = {"idle.py": IDLE_USER + FRESH_CLOCK}


@pytest.mark.parametrize("tool", TOOLS)
def test_keys_add_and_remove_users_like_locust(tool: str, tmp_path: Path) -> None:
    run = TerminalRun(tool, ["-f", "idle.py", "--headless", "-u", "1", "-r", "100", "-t", "8"], tmp_path, KEYS_LOCUSTFILE)
    try:
        run.wait_for("All users spawned")
        run.wait_for_cbreak()
        for key, total, seen in (("W", 11, 1), ("s", 10, 1), ("S", 0, 1), ("w", 1, 2)):
            run.press(key)
            run.wait_for(f"({total} total users)", times=seen)
        assert run.finish() == 0, run.context()
        assert _ramps(run) == [1, 11, 10, 0, 1], run.context()
        assert run.restored(), "the terminal was left in cbreak mode\n" + run.context()
    finally:
        run.close()


@pytest.mark.parametrize("tool", TOOLS)
def test_keys_while_spawning_give_locusts_warnings(tool: str, tmp_path: Path) -> None:
    run = TerminalRun(tool, ["-f", "idle.py", "--headless", "-u", "4", "-r", "1", "-t", "6"], tmp_path, KEYS_LOCUSTFILE)
    try:
        run.wait_for("Ramping to 4 users")
        run.wait_for_cbreak()
        run.press("w")
        run.wait_for("WARNING/root: Already spawning users, can't spawn more right now")
        run.press("s")
        run.wait_for("WARNING/root: Spawning users, can't stop right now")
        assert run.finish() == 0, run.context()
        assert _ramps(run) == [4], run.context()
        assert run.restored(), run.context()
    finally:
        run.close()


@pytest.mark.parametrize("ending", ["run-time", "SIGINT", "SIGTERM", "runner.quit"])
def test_terminal_is_restored_however_the_run_ends(ending: str, tmp_path: Path) -> None:
    locustfile = "quit.py" if ending == "runner.quit" else "idle.py"
    run_time = "3" if ending == "run-time" else "30"
    run = TerminalRun(
        "rocust",
        ["-f", locustfile, "--headless", "-u", "1", "-r", "100", "-t", run_time],
        tmp_path,
        {"idle.py": IDLE_USER, "quit.py": QUIT_IN_TASK},
    )
    try:
        run.wait_for("All users spawned")
        run.wait_for_cbreak()
        how = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM}.get(ending)
        assert run.finish(how) == 0, run.context()
        assert run.restored(), f"the terminal was left in cbreak mode after {ending}\n" + run.context()
    finally:
        run.close()
