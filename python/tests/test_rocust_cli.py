"""The `rocust` command as Locust users run it: `rocust -f locustfile.py [Locust 2.47 options]`.

Every test runs the real command in a subprocess (short bounded runs on loopback) and, where
rocust should behave like Locust, real Locust 2.47 too, then compares exit codes and key
messages. All runs the selected tests need start at once on a thread pool when the module's
first test asks for one (see rocust_cli/harness.py); each test then waits for its own.

Tools: $ROCUST_CMD (shlex-split) else the `rocust` script next to this interpreter;
$LOCUST_PYTHON (default the python of $ROCUST_LOCUST_VENV or <repo>/.venv-locust) runs `-m locust`.
When one is missing, tests (or the comparison part of a test) are skipped by hand and fail in CI
and under scripts/test.sh (testdeps.py). $ROCUST_CLI_WORKERS: runs at a time (default 6).

The locustfiles are in rocust_cli/locustfiles; they print "@@ <json list>" lines for the tests.
Those run with -t refresh gevent's loop clock in an init listener: Locust 2.47 counts -t from a
clock that is stale by its start-up time, so on a busy machine its runs would end too early.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, TypeVar

import pytest

import testdeps
from rocust_cli.harness import LOCUSTFILES, LoopbackServer, RunPool, RunResult, RunSpec

F = TypeVar("F", bound=Callable[..., Any])
TOOLS = ("rocust", "locust")
CSV_HEADERS = {
    "stats.csv": "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%",
    "stats_history.csv": "Timestamp,User Count,Type,Name,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,"
    "Total Median Response Time,Total Average Response Time,Total Min Response Time,"
    "Total Max Response Time,Total Average Content Size",
    "failures.csv": "Method,Name,Error,Occurrences,First Seen,Last Seen",
    "exceptions.csv": "Count,Message,Traceback,Nodes",
}
MISSING_HOST = (
    "You must specify the base host. Either in the host attribute in the User class, "
    "or on the command line using the --host option."
)


def lf(name: str) -> str:
    return str(LOCUSTFILES / name)


# -- the runs ---------------------------------------------------------------------------------
# name -> (args, RunSpec keyword arguments). Each name runs under both tools unless it is in
# ROCUST_ONLY. Declared longest first: the pool starts them in this order.

BROKEN_FILES: Dict[str, Tuple[str, str]] = {
    # name -> (file name, text)
    "syntax": ("lf_syntax.py", "from locust import User, task\n\n\nclass U(User):\n    def t(self)\n        pass\n"),
    "import": ("lf_import.py", "from locust import User\nimport nonexistent_module\n\n\nclass U(User):\n    pass\n"),
    "raise": ("lf_raise.py", "from locust import User\n\n\nraise RuntimeError('boom at import time')\n"),
    "no_user": ("lf_no_user.py", "import os\n\nVALUE = 1\n"),
    "abstract": (
        "lf_abstract.py",
        "from locust import HttpUser, User, task\n\n\nclass Base(User):\n    abstract = True\n\n"
        "    @task\n    def t(self):\n        pass\n\n\nclass BaseHttp(HttpUser):\n    abstract = True\n",
    ),
}

RUNS: Dict[str, Tuple[Tuple[str, ...], Dict[str, Any]]] = {
    "quit_greenlet": (("-f", lf("lf_quit_greenlet.py"), "--headless", "-u", "2", "-r", "10", "-t", "6"), {}),
    "sigint": (
        ("-f", lf("lf_http.py"), "--headless", "-u", "2", "-r", "10", "-H", "{host}", "--csv", "run"),
        {"signal": "SIGINT", "timeout": 25.0},
    ),
    "sigterm": (
        ("-f", lf("lf_http.py"), "--headless", "-u", "2", "-r", "10", "-H", "{host}", "--csv", "run"),
        {"signal": "SIGTERM", "timeout": 25.0},
    ),
    "stop_test": (("-f", lf("lf_stop_test.py"), "--headless", "-u", "2", "-r", "10", "-t", "3"), {}),
    "quit_in_task": (("-f", lf("lf_quit_in_task.py"), "--headless", "-u", "2", "-r", "10", "-t", "3"), {}),
    "shape": (("-f", lf("lf_shape.py"), "--headless"), {"timeout": 20.0}),
    "stop_timeout": (("-f", lf("lf_slow_task.py"), "--headless", "-u", "2", "-r", "10", "-t", "1", "-s", "3"), {}),
    "no_stop_timeout": (("-f", lf("lf_slow_task.py"), "--headless", "-u", "2", "-r", "10", "-t", "1"), {}),
    "events": (
        ("-f", "lf_events.py", "--headless", "-u", "3", "-r", "100", "-t", "2", "-H", "http://127.0.0.1:9")
        + ("--my-opt", "9"),
        # The locustfile is copied into the run's directory: -f gives a relative path.
        {
            "files": (
                ("locust.conf", "my-conf = from-conf\n"),
                ("lf_events.py", (LOCUSTFILES / "lf_events.py").read_text()),
            )
        },
    ),
    "json_csv": (
        ("-f", lf("lf_http.py"), "--headless", "-u", "2", "-r", "10", "-t", "2", "-H", "{host}")
        + ("--with-failures", "--json", "--csv", "out"),
        {},
    ),
    "user_errors": (
        ("-f", lf("lf_user_errors.py"), "--headless", "-u", "2", "-r", "10", "-t", "2", "--csv", "ue"),
        {},
    ),
    "no_host": (("-f", lf("lf_no_host.py"), "--headless", "-u", "1", "-t", "4"), {}),
    "select_class": (("-f", lf("lf_classes.py"), "--headless", "-u", "4", "-r", "100", "-t", "1", "Admin"), {}),
    "tags": (("-f", lf("lf_classes.py"), "--headless", "-u", "4", "-r", "100", "-t", "1", "--tags", "write"), {}),
    "exclude_tags": (
        ("-f", lf("lf_classes.py"), "--headless", "-u", "4", "-r", "100", "-t", "1", "--exclude-tags", "write"),
        {},
    ),
    "unknown_class": (("-f", lf("lf_classes.py"), "--headless", "-u", "1", "-t", "2", "Nope"), {}),
    "list": (("-f", lf("lf_classes.py"), "-l"), {}),
    "task_ratio": (("-f", lf("lf_classes.py"), "--show-task-ratio"), {}),
    "task_ratio_json": (("-f", lf("lf_classes.py"), "--show-task-ratio-json"), {}),
    "help": (("--help",), {}),
    "version": (("-V",), {}),
    "missing_file": (("-f", "missing.py", "--headless", "-t", "1"), {}),
}
for _name, (_file, _text) in BROKEN_FILES.items():
    RUNS[f"broken_{_name}"] = (("-f", _file, "--headless", "-t", "2"), {"files": ((_file, _text),)})

BAD_OPTIONS: Dict[str, Tuple[str, ...]] = {
    "unknown_option": ("--bogus",),
    "negative_users": ("-u", "-1"),
    "bad_run_time": ("-t", "5x"),
    "zero_spawn_rate": ("-r", "0"),
    "non_int_users": ("-u", "abc"),
}
# Locust 2.47 accepts `-u -1` and then fails at run time (its dispatcher raises): rocust refuses
# it up front, so there is nothing to compare. Locust's SIGINT handling is a race (when the
# signal lands inside a user greenlet Locust goes on running, about one run in two here), so
# Ctrl-C is checked against Locust's documented behaviour (summary, exit code 0) only.
ROCUST_ONLY = {"bad_negative_users", "sigint"}
for _name, _args in BAD_OPTIONS.items():
    RUNS[f"bad_{_name}"] = (("-f", lf("lf_classes.py"), "--headless", "-t", "2") + _args, {})


# -- selection and the pool -------------------------------------------------------------------


def uses(*names: str) -> Callable[[F], F]:
    """Declares the runs (names in RUNS) a test needs, so the pool starts only those."""

    def mark(f: F) -> F:
        setattr(f, "_rocust_cli_runs", names)
        return f

    return mark


def _keys(name: str) -> List[str]:
    tools = ("rocust",) if name in ROCUST_ONLY else TOOLS
    return [f"{name}/{tool}" for tool in tools]


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunPool]:
    wanted: Set[str] = set()
    for item in request.session.items:
        function = getattr(item, "function", None)
        if function is not None and item.module is request.module:  # type: ignore[attr-defined]
            wanted.update(getattr(function, "_rocust_cli_runs", ()))
    server = LoopbackServer()
    workers = int(os.environ.get("ROCUST_CLI_WORKERS", "6"))
    pool = RunPool(tmp_path_factory.mktemp("rocust_cli"), server.url, workers)
    for name, (args, kwargs) in RUNS.items():
        if name in wanted:
            for key in _keys(name):
                pool.submit(key, RunSpec(tool=key.split("/")[1], args=args, **kwargs))
    try:
        yield pool
    finally:
        pool.close()
        server.close()


def rocust_run(runs: RunPool, name: str) -> RunResult:
    result = runs.get(f"{name}/rocust")
    if result.skipped:
        testdeps.missing(result.skipped)
    return result


def locust_run(runs: RunPool, name: str) -> Optional[RunResult]:
    """Real Locust's run, or None when real Locust is not installed (by hand only: in CI and under
    scripts/test.sh the test fails, so no comparison is silently left out)."""
    result = runs.get(f"{name}/locust")
    if result.skipped and testdeps.STRICT:
        testdeps.missing(result.skipped)
    return None if result.skipped else result


def pair(runs: RunPool, name: str) -> Tuple[RunResult, Optional[RunResult]]:
    return rocust_run(runs, name), locust_run(runs, name)


def ctx(*results: Optional[RunResult]) -> str:
    return "\n".join(r.context() for r in results if r is not None)


def finished(result: RunResult) -> None:
    assert not result.timed_out, "the run did not end by itself\n" + ctx(result)


def same_exit_code(rocust: RunResult, locust: Optional[RunResult], expected: int) -> None:
    finished(rocust)
    assert rocust.exit_code == expected, ctx(rocust, locust)
    if locust is not None:
        assert locust.exit_code == expected, "real Locust disagrees with this test\n" + ctx(locust)


def log_messages(stderr: str) -> List[str]:
    """The messages of log lines "[time] host/LEVEL/logger: message" as "LEVEL/logger: message"."""
    found = re.findall(r"^\[[^\]]+\] [^/\s]+/(\w+/[\w.]+: .*)$", stderr, flags=re.M)
    return found


# -- 1. locustfiles that do not load ----------------------------------------------------------


@uses(*(f"broken_{n}" for n in ("syntax", "import", "raise")))
@pytest.mark.parametrize(
    "name, line, error",
    [
        ("syntax", 5, "SyntaxError"),
        ("import", 2, "ModuleNotFoundError: No module named 'nonexistent_module'"),
        ("raise", 4, "RuntimeError: boom at import time"),
    ],
)
def test_broken_locustfile_shows_file_and_line(runs: RunPool, name: str, line: int, error: str) -> None:
    rocust, locust = pair(runs, f"broken_{name}")
    same_exit_code(rocust, locust, 1)
    file_name = BROKEN_FILES[name][0]
    where = f'{file_name}", line {line}'
    for result in (rocust, locust):
        if result is not None:
            assert where in result.stderr, f"no {where!r} in stderr\n" + ctx(result)
            assert error in result.stderr, ctx(result)
    # The user sees their own code, not the tool's internals, as the last frame.
    frames = re.findall(r'^  File "([^"]+)", line \d+', rocust.stderr, flags=re.M)
    assert frames and frames[-1].endswith(file_name), ctx(rocust)


@uses("broken_no_user", "broken_abstract")
@pytest.mark.parametrize("name", ["no_user", "abstract"])
def test_locustfile_without_concrete_user_class(runs: RunPool, name: str) -> None:
    rocust, locust = pair(runs, f"broken_{name}")
    same_exit_code(rocust, locust, 1)
    assert "ERROR/locust.main: No User class found!" in log_messages(rocust.stderr), ctx(rocust)
    assert "Traceback" not in rocust.stderr, ctx(rocust)


@uses("missing_file")
def test_missing_locustfile(runs: RunPool) -> None:
    rocust, locust = pair(runs, "missing_file")
    same_exit_code(rocust, locust, 1)
    expected = (
        "Could not find 'missing.py'. Ensure your locustfile ends with '.py' or is a directory with locustfiles. "
        "See --help for available options."
    )
    assert rocust.stderr.strip() == expected, ctx(rocust)
    if locust is not None:
        assert locust.stderr.strip() == expected, ctx(locust)


# -- 2. bad options, help and version ---------------------------------------------------------


@uses(*(f"bad_{n}" for n in BAD_OPTIONS))
@pytest.mark.parametrize(
    "name, names_option",
    [
        ("unknown_option", "--bogus"),
        ("negative_users", "-u/--users"),
        ("bad_run_time", "-t/--run-time"),
        ("zero_spawn_rate", "-r/--spawn-rate"),
        ("non_int_users", "-u/--users"),
    ],
)
def test_bad_option_is_one_line_naming_it(runs: RunPool, name: str, names_option: str) -> None:
    key = f"bad_{name}"
    rocust = rocust_run(runs, key)
    locust = None if key in ROCUST_ONLY else locust_run(runs, key)
    same_exit_code(rocust, locust, 2)
    lines = [line for line in rocust.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, "expected exactly one line on stderr\n" + ctx(rocust)
    assert lines[0].startswith("rocust: error: "), ctx(rocust)
    assert names_option in lines[0], ctx(rocust)
    assert rocust.stdout == "", ctx(rocust)
    if locust is not None:
        # Same text as argparse's in Locust (Locust may add a "Did you mean" line; rocust keeps one line).
        # (`python -m locust` calls itself "__main__.py" there.)
        locust_first = re.sub(r"^\S+: error: ", "rocust: error: ", locust.stderr.strip().splitlines()[0])
        assert lines[0].startswith(locust_first), ctx(rocust, locust)


@uses("help")
def test_help_without_locustfile_lists_locusts_options(runs: RunPool) -> None:
    rocust, locust = pair(runs, "help")
    same_exit_code(rocust, locust, 0)
    assert rocust.stdout.startswith("Usage: rocust [options] [UserClass ...]"), ctx(rocust)

    def options(text: str) -> Set[str]:
        return set(re.findall(r"^  (?:-\w[^,\n]*, )?(--[\w-]+)", text, flags=re.M))

    found = options(rocust.stdout)
    for must in ("--locustfile", "--users", "--spawn-rate", "--run-time", "--headless", "--csv", "--json", "--tags"):
        assert must in found, ctx(rocust)
    if locust is not None:
        assert options(locust.stdout) - found == set(), "options in Locust's --help missing from rocust's"


@uses("version")
def test_version_without_locustfile(runs: RunPool) -> None:
    rocust, locust = pair(runs, "version")
    same_exit_code(rocust, locust, 0)
    assert "2.47.0" in rocust.stdout + rocust.stderr, ctx(rocust)
    assert "Traceback" not in rocust.stderr, ctx(rocust)


# -- 3. errors in user code -------------------------------------------------------------------


def _exceptions_csv(result: RunResult, prefix: str) -> List[Dict[str, str]]:
    path = result.file(f"{prefix}_exceptions.csv")
    assert path.exists(), f"{path.name} was not written\n" + ctx(result)
    return list(csv.DictReader(io.StringIO(path.read_text())))


@uses("user_errors")
def test_user_code_errors_are_logged_counted_and_set_the_exit_code(runs: RunPool) -> None:
    rocust, locust = pair(runs, "user_errors")
    same_exit_code(rocust, locust, 1)
    messages = log_messages(rocust.stderr)
    task_errors = messages.count("ERROR/locust.user.task: 'broken task'")
    assert task_errors >= 3, "the user did not go on after its task raised\n" + ctx(rocust)
    assert "ERROR/locust.user.users: broken on_start" in messages, ctx(rocust)
    # Tracebacks point into the locustfile.
    assert re.search(r'lf_user_errors\.py", line \d+, in boom\n\s+raise KeyError', rocust.stderr), ctx(rocust)
    assert re.search(r'lf_user_errors\.py", line \d+, in on_start\n\s+raise ValueError', rocust.stderr), ctx(rocust)
    # A user whose on_start raised never runs a task (Locust ends that user).
    assert rocust.marked("StartFails task ran") == [], ctx(rocust)

    rows = {row["Message"]: row for row in _exceptions_csv(rocust, "ue")}
    assert set(rows) == {"broken on_start", "'broken task'"}, rows
    assert int(rows["broken on_start"]["Count"]) == 1
    assert int(rows["'broken task'"]["Count"]) == task_errors, "CSV count differs from the logged errors"
    assert "lf_user_errors.py" in rows["'broken task'"]["Traceback"]
    assert rows["'broken task'"]["Nodes"] == "local"
    if locust is not None:
        # Locust rewrites its CSV files once a second but not at shutdown: its rows lag, so only
        # what it logged is compared.
        theirs = log_messages(locust.stderr)
        assert "ERROR/locust.user.users: broken on_start" in theirs, ctx(locust)
        assert "ERROR/locust.user.task: 'broken task'" in theirs, ctx(locust)
        assert locust.marked("StartFails task ran") == []


# -- 4. stopping ------------------------------------------------------------------------------


@uses("sigint", "sigterm")
@pytest.mark.parametrize("name", ["sigint", "sigterm"])
def test_signal_stops_with_summary_and_csv_files(runs: RunPool, name: str) -> None:
    rocust = rocust_run(runs, name)
    locust = None if name in ROCUST_ONLY else locust_run(runs, name)
    assert rocust.signalled_at is not None, "users never ran\n" + ctx(rocust)
    same_exit_code(rocust, locust, 0)
    assert "Traceback" not in rocust.stderr, ctx(rocust)
    assert "KeyboardInterrupt" not in rocust.stderr, ctx(rocust)
    tail = rocust.stderr[rocust.stderr.rfind("Shutting down") :]
    assert "Shutting down (exit code 0)" in rocust.stderr, ctx(rocust)
    assert "Response time percentiles (approximated)" in tail, "no final summary\n" + ctx(rocust)
    assert re.search(r"^GET\s+/fast\s+\d+", tail, flags=re.M), ctx(rocust)
    for suffix, header in CSV_HEADERS.items():
        path = rocust.file(f"run_{suffix}")
        assert path.exists(), f"{path.name} missing\n" + ctx(rocust)
        assert path.read_text().splitlines()[0] == header
    stats = list(csv.DictReader(io.StringIO(rocust.file("run_stats.csv").read_text())))
    fast = [r for r in stats if r["Name"] == "/fast"]
    assert fast and int(fast[0]["Request Count"]) > 0, stats


@uses("json_csv")
def test_run_time_ends_the_run(runs: RunPool) -> None:
    rocust, locust = pair(runs, "json_csv")
    finished(rocust)
    messages = log_messages(rocust.stderr)
    assert "INFO/locust.main: Run time limit set to 2 seconds" in messages, ctx(rocust)
    assert "INFO/locust.main: --run-time limit reached, shutting down" in messages, ctx(rocust)
    assert 2.0 <= rocust.seconds < 10.0, ctx(rocust)


@uses("stop_test")
def test_stop_test_in_a_task(runs: RunPool) -> None:
    """Locust 2.47: StopTest raised in a task ends that user (on_stop runs); the run goes on to -t."""
    rocust, locust = pair(runs, "stop_test")
    same_exit_code(rocust, locust, 0)
    for result in (rocust, locust):
        if result is None:
            continue
        last: Dict[int, int] = {}
        for _, user, n in result.marked("task"):
            last[user] = max(last.get(user, 0), n)
        assert last == {0: 3, 1: 3}, "a user ran tasks after StopTest\n" + ctx(result)
        assert sorted(m[1] for m in result.marked("on_stop")) == [0, 1], ctx(result)


@uses("quit_in_task")
def test_runner_quit_from_a_task_stops_the_users(runs: RunPool) -> None:
    rocust, locust = pair(runs, "quit_in_task")
    same_exit_code(rocust, locust, 0)
    for result in (locust, rocust):
        if result is None:
            continue
        names = [m[0] for m in result.marks]
        assert names.count("quit_called") == 1, ctx(result)
        after = names[names.index("quit_called") + 1 :]
        assert after.count("task") <= 2, "users went on after runner.quit()\n" + ctx(result)
        assert after.count("on_stop") == 2, ctx(result)


@uses("quit_greenlet")
def test_runner_quit_from_a_greenlet_ends_the_run(runs: RunPool) -> None:
    rocust, locust = pair(runs, "quit_greenlet")
    same_exit_code(rocust, locust, 0)
    for result in (locust, rocust):
        if result is None:
            continue
        assert result.marked("quit_called") == [["quit_called", "running"]], ctx(result)
        names = [m[0] for m in result.marks]
        assert names[names.index("quit_called") :].count("on_stop") == 2, ctx(result)
        assert names[-1] == "quitting", ctx(result)
        assert "--run-time limit reached" not in result.stderr, "runner.quit() did not end the run\n" + ctx(result)


@uses("stop_timeout", "no_stop_timeout")
@pytest.mark.parametrize(
    "name, expected",
    [
        # Users inside a task finish it, then on_stop runs.
        ("stop_timeout", ["task_start", "task_start", "task_end", "on_stop", "task_end", "on_stop", "quitting"]),
        # No stop timeout: users are killed mid-task, on_stop still runs.
        ("no_stop_timeout", ["task_start", "task_start", "on_stop", "on_stop", "quitting"]),
    ],
)
def test_stop_timeout(runs: RunPool, name: str, expected: List[str]) -> None:
    rocust, locust = pair(runs, name)
    same_exit_code(rocust, locust, 0)
    for result in (locust, rocust):
        if result is None:
            continue
        names = [m[0] for m in result.marks]
        # Two users finish independently: compare counts and the order per kind.
        assert sorted(names) == sorted(expected), ctx(result)
        assert names[-1] == "quitting", ctx(result)
        if "task_end" in expected:
            assert max(i for i, n in enumerate(names) if n == "task_end") < names.index("quitting")
            assert names.index("task_end") < names.index("on_stop"), ctx(result)


# -- 5. events, environment, parsed options ---------------------------------------------------


@uses("events")
def test_event_order_and_exit_code_from_quitting(runs: RunPool) -> None:
    rocust, locust = pair(runs, "events")
    same_exit_code(rocust, locust, 3)  # set by environment.process_exit_code in quitting
    expected = ["init", "test_start", "spawning_complete", "test_stopping", "test_stop", "quitting", "quit"]
    for result in (rocust, locust):
        if result is not None:
            order = [m[0] for m in result.marks if m[0] != "probe"]
            assert order == expected, ctx(result)
    assert rocust.marked("quit") == [["quit", 3]], ctx(rocust)
    assert "INFO/locust.main: Shutting down (exit code 3)" in log_messages(rocust.stderr), ctx(rocust)


@uses("events")
def test_init_listener_gets_environment_and_runner(runs: RunPool) -> None:
    rocust, locust = pair(runs, "events")
    init = rocust.marked("init")[0][1]
    assert init["runner_is_environment_runner"] is True
    assert init["state"] == "ready"
    if locust is not None:
        expected = locust.marked("init")[0][1]
        assert {k: init[k] for k in ("runner_class", "state")} == {k: expected[k] for k in ("runner_class", "state")}


@uses("events")
def test_parsed_options_match_locust(runs: RunPool) -> None:
    rocust, locust = pair(runs, "events")
    options: Dict[str, Any] = rocust.marked("init")[0][1]["options"]
    expected_values = {
        "num_users": 3,
        "spawn_rate": 100.0,
        "host": "http://127.0.0.1:9",
        "run_time": 2,
        "headless": True,
        "stop_timeout": 0,
        "tags": None,
        "exclude_tags": None,
        "user_classes": [],
        "my_opt": 9,  # custom option on the command line
        "my_conf": "from-conf",  # custom option from ./locust.conf
        "my_default": "the default",
    }
    assert {k: options.get(k, "MISSING") for k in expected_values} == expected_values
    if locust is not None:
        theirs: Dict[str, Any] = locust.marked("init")[0][1]["options"]
        differ = {
            k: (theirs.get(k, "MISSING"), options.get(k, "MISSING"))
            for k in set(theirs) | set(options)
            if k != "locustfile" and theirs.get(k, "MISSING") != options.get(k, "MISSING")
        }
        assert differ == {}, "(Locust's value, rocust's value) per differing option"


@uses("events")
def test_parsed_options_locustfile_as_given(runs: RunPool) -> None:
    rocust, locust = pair(runs, "events")
    if locust is None:
        testdeps.missing("needs real Locust")
    mine = rocust.marked("init")[0][1]["options"]["locustfile"]
    theirs = locust.marked("init")[0][1]["options"]["locustfile"]
    assert mine == theirs


@uses("events")
def test_runner_state_user_count_and_stats_in_listeners(runs: RunPool) -> None:
    rocust, locust = pair(runs, "events")
    assert rocust.marked("probe") == [["probe", "running", 3]], ctx(rocust)
    assert rocust.marked("test_stop") == [["test_stop", "stopped"]], ctx(rocust)
    quitting = rocust.marked("quitting")
    assert len(quitting) == 1, ctx(rocust)
    _, state, requests, failures, fail_ratio = quitting[0]
    assert state == "stopped"
    assert requests > 0 and failures * 2 == requests, quitting
    assert fail_ratio == pytest.approx(0.5)
    if locust is not None:
        for name in ("test_start", "probe", "test_stopping", "test_stop", "spawning_complete"):
            assert rocust.marked(name) == locust.marked(name), name
        assert locust.marked("quitting")[0][1] == state


# -- 6. classes, hosts, task ratios, tags -----------------------------------------------------


@uses("no_host")
def test_http_user_without_host(runs: RunPool) -> None:
    rocust, locust = pair(runs, "no_host")
    same_exit_code(rocust, locust, 0)  # Locust 2.47 logs the error and stops with 0
    assert any(m.endswith(MISSING_HOST) and m.startswith("ERROR/") for m in log_messages(rocust.stderr)), ctx(rocust)
    assert "--run-time limit reached" not in rocust.stderr, "the run should stop at once\n" + ctx(rocust)


@uses("list", "task_ratio")
@pytest.mark.parametrize("name", ["list", "task_ratio"])
def test_list_and_task_ratio_print_like_locust(runs: RunPool, name: str) -> None:
    rocust, locust = pair(runs, name)
    same_exit_code(rocust, locust, 0)
    if name == "list":
        assert rocust.stdout == "Available Users:\n    Reader\n    Admin\n", ctx(rocust)
    else:
        assert "Task ratio per User class" in rocust.stdout and "Total task ratio" in rocust.stdout
    if locust is not None:
        assert rocust.stdout == locust.stdout


@uses("task_ratio_json")
def test_task_ratio_json(runs: RunPool) -> None:
    rocust, locust = pair(runs, "task_ratio_json")
    same_exit_code(rocust, locust, 0)
    data = json.loads(rocust.stdout)
    assert data["total"]["Admin"]["tasks"]["purge"]["ratio"] == pytest.approx(1 / 6)
    if locust is not None:
        assert data == json.loads(locust.stdout)


def _ran(result: RunResult) -> Set[Tuple[str, str]]:
    return {(m[1], m[2]) for m in result.marked("ran")}


@uses("select_class", "tags", "exclude_tags")
@pytest.mark.parametrize(
    "name, expected",
    [
        ("select_class", {("Admin", "audit"), ("Admin", "purge")}),
        ("tags", {("Admin", "purge"), ("Reader", "write")}),
        ("exclude_tags", {("Admin", "audit"), ("Reader", "read")}),
    ],
)
def test_class_selection_and_tags(runs: RunPool, name: str, expected: Set[Tuple[str, str]]) -> None:
    rocust, locust = pair(runs, name)
    same_exit_code(rocust, locust, 0)
    assert _ran(rocust) == expected, ctx(rocust)
    if locust is not None:
        assert _ran(locust) == expected, ctx(locust)


@uses("unknown_class")
def test_unknown_user_class_name(runs: RunPool) -> None:
    rocust, locust = pair(runs, "unknown_class")
    same_exit_code(rocust, locust, 1)
    assert "ERROR/locust.main: Unknown User(s): Nope" in log_messages(rocust.stderr), ctx(rocust)


# -- 7. LoadTestShape -------------------------------------------------------------------------


@uses("shape")
def test_load_test_shape_stages_and_end(runs: RunPool) -> None:
    rocust, locust = pair(runs, "shape")
    same_exit_code(rocust, locust, 0)
    for result in (locust, rocust):
        if result is None:
            continue
        counts = [m[2] for m in result.marked("count")]
        assert 2 in counts and max(counts) == 4, f"user counts seen: {counts}\n" + ctx(result)
        assert counts.index(4) > counts.index(2), counts
        messages = log_messages(result.stderr)
        for stage in (2, 4):
            line = f"INFO/locust.runners: Shape test updating to {stage} users at 100.00 spawn rate"
            assert line in messages, ctx(result)
        assert "INFO/locust.runners: Shape test stopping" in messages, ctx(result)
    assert rocust.seconds < 12, ctx(rocust)


@uses("shape")
def test_load_test_shape_ticks_are_a_second_apart_from_reset_time(runs: RunPool) -> None:
    """tick() k (from 0) sees get_run_time() >= k: stages that end on whole seconds come on time,
    even when a greenlet keeps the hub busy as the test starts (lf_shape.py's init listener)."""
    rocust, locust = pair(runs, "shape")
    for result in (locust, rocust):
        if result is None:
            continue
        ticks = [m[1] for m in result.marked("tick")]
        early = [(k, t) for k, t in enumerate(ticks) if t < k - 0.02]
        assert early == [], f"ticks (index, run time) before their second: {early}; all: {ticks}"
        assert len(ticks) == 3, f"expected ticks at about 0, 1, 2 s: {ticks}"


# -- 8. --json and --csv ----------------------------------------------------------------------


@uses("json_csv")
def test_json_output(runs: RunPool) -> None:
    rocust, locust = pair(runs, "json_csv")
    same_exit_code(rocust, locust, 1)  # the /fail requests fail
    entries = json.loads(rocust.stdout)
    by_name = {e["name"]: e for e in entries}
    assert set(by_name) == {"/fast", "failing"}, entries
    assert by_name["/fast"]["method"] == "GET" and by_name["/fast"]["num_requests"] > 0
    assert by_name["failing"]["num_failures"] == by_name["failing"]["num_requests"] > 0
    if locust is not None:
        theirs = json.loads(locust.stdout)
        assert {e["name"] for e in theirs} == set(by_name)
        assert [list(e) for e in entries] == [list(e) for e in theirs], "keys or key order differ"


@uses("json_csv")
def test_csv_files_have_locusts_headers(runs: RunPool) -> None:
    rocust, locust = pair(runs, "json_csv")
    for suffix, header in CSV_HEADERS.items():
        raw = rocust.file(f"out_{suffix}").read_bytes()
        assert raw.startswith(header.encode() + b"\r\n"), f"{suffix}: {raw[:200]!r}"
        if locust is not None:
            theirs = locust.file(f"out_{suffix}").read_bytes()
            assert raw.split(b"\r\n", 1)[0] == theirs.split(b"\r\n", 1)[0], suffix
    stats = list(csv.DictReader(io.StringIO(rocust.file("out_stats.csv").read_text())))
    assert [r["Name"] for r in stats] == ["/fast", "failing", "Aggregated"], stats
    failures = list(csv.DictReader(io.StringIO(rocust.file("out_failures.csv").read_text())))
    assert [(r["Method"], r["Name"]) for r in failures] == [("GET", "failing")], failures
    assert "500" in failures[0]["Error"]
