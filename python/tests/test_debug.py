"""run_single_user: one user, every request printed (in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_run_single_user_prints_requests_and_fires_events() -> None:
    code = textwrap.dedent(
        """
        from rocust import _import_hook
        _import_hook.install()
        from locust import User, task, events, run_single_user, constant
        from locust.exception import StopUser

        @events.init.add_listener
        def on_init(environment, **kw):
            print("init", environment.host)

        @events.test_start.add_listener
        def on_start(environment, **kw):
            print("test_start")

        class One(User):
            wait_time = constant(0)
            n = 0

            @task
            def t(self):
                One.n += 1
                with self.environment.events.request.measure("CUSTOM", "thing-%d" % One.n):
                    if One.n == 2:
                        raise ValueError("second failed")
                if One.n == 2:
                    raise StopUser()

        run_single_user(One)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code, "--host", "http://cli"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "" and lines[1].split() == ["type", "name", "resp_ms", "exception"]
    assert lines[2] == "init http://cli" and lines[3] == "test_start"
    first, second = [line.split("\t") for line in lines[4:6]]
    assert first[0] == "CUSTOM" and first[1].strip() == "thing-1" and first[3].strip() == ""
    assert second[1].strip() == "thing-2" and second[3].strip() == "ValueError('second failed')"
