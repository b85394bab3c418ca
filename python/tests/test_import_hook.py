"""The import hook: `locust` is rocust's API inside the process that installs it, and
only there. Every test runs in a fresh interpreter so the hook cannot leak."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from conftest import LOCUST_PYTHON, PYTHON_DIR, needs_locust


def run_python(code: str, python: str = sys.executable) -> Any:
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    proc = subprocess.run(
        [python, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, env=env, cwd="/"
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


SUBMODULES = [
    "locust.user",
    "locust.user.task",
    "locust.user.users",
    "locust.user.wait_time",
    "locust.user.sequential_taskset",
    "locust.user.markov_taskset",
    "locust.contrib",
    "locust.contrib.fasthttp",
    "locust.env",
    "locust.runners",
    "locust.stats",
    "locust.event",
    "locust.exception",
    "locust.shape",
    "locust.debug",
    "locust.log",
    "locust.argument_parser",
]


def test_locust_and_submodules_are_rocusts_module_objects() -> None:
    result = run_python(
        f"""
        import importlib, json, sys
        from rocust import _import_hook
        _import_hook.install()
        import locust, rocust._locust
        same = {{}}
        for name in {SUBMODULES!r}:
            mod = importlib.import_module(name)
            same[name] = mod is sys.modules["rocust._locust" + name[len("locust"):]]
        from locust import HttpUser, task, between, events, User
        from locust.contrib.fasthttp import FastHttpUser
        import locust.user.users as uu
        print(json.dumps({{
            "top": locust is rocust._locust,
            "events": locust.events is rocust._locust.events and events is locust.events,
            "classes": HttpUser is rocust._locust.HttpUser and uu.User is User and issubclass(FastHttpUser, User),
            "spec_name": locust.__spec__.name,
            "same": same,
        }}))
        """
    )
    assert result["top"] and result["events"] and result["classes"]
    assert result["spec_name"] == "rocust._locust"
    assert result["same"] == {name: True for name in SUBMODULES}


def test_unchanged_locustfile_imports_and_defines_users(tmp_path: Any) -> None:
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_text(
        textwrap.dedent(
            """
            from locust import HttpUser, task, between, events, tag
            from locust.exception import StopUser, RescheduleTask
            from locust.runners import MasterRunner, STATE_STOPPED
            from locust import stats
            stats.PERCENTILES_TO_REPORT = [0.5, 0.95]

            class WebsiteUser(HttpUser):
                wait_time = between(1, 2)
                host = "http://127.0.0.1:1"

                @tag("index")
                @task(3)
                def index(self):
                    self.client.get("/")

                @task
                def about(self):
                    self.client.get("/about")
            """
        )
    )
    result = run_python(
        f"""
        import json, runpy
        from rocust import _import_hook
        _import_hook.install()
        ns = runpy.run_path({str(locustfile)!r})
        import rocust._locust.stats as st
        cls = ns["WebsiteUser"]
        import rocust._locust as api
        print(json.dumps({{
            "is_http": issubclass(cls, api.HttpUser),
            "tasks": [t.__name__ for t in cls.tasks],
            "percentiles": st.PERCENTILES_TO_REPORT,
        }}))
        """
    )
    assert result == {"is_http": True, "tasks": ["index", "index", "index", "about"], "percentiles": [0.5, 0.95]}


def test_missing_submodule_reports_the_locust_name() -> None:
    result = run_python(
        """
        import json
        from rocust import _import_hook
        _import_hook.install()
        try:
            import locust.no_such_module
            print(json.dumps("imported"))
        except ModuleNotFoundError as e:
            print(json.dumps(str(e)))
        """
    )
    assert result == "No module named 'locust.no_such_module'"


def test_importing_does_not_monkey_patch_or_install_anything() -> None:
    result = run_python(
        """
        import json, sys
        import rocust, rocust._locust, rocust._backend
        from gevent import monkey
        from rocust import _import_hook
        print(json.dumps([monkey.is_module_patched("socket"), _import_hook.installed(),
                          any(type(f).__name__ == "LocustAliasFinder" for f in sys.meta_path)]))
        """
    )
    assert result == [False, False, False]


def test_install_is_idempotent_and_uninstall_forgets_aliases() -> None:
    result = run_python(
        """
        import importlib.machinery, json, sys
        real = importlib.machinery.PathFinder.find_spec("locust") is not None
        fallback = any(type(f).__name__ == "LocustFallbackFinder" for f in sys.meta_path)
        from rocust import _import_hook
        _import_hook.install(); _import_hook.install()
        finders = sum(type(f).__name__ == "LocustAliasFinder" for f in sys.meta_path)
        import locust.env
        _import_hook.uninstall()
        left = sorted(n for n in sys.modules if n == "locust" or n.startswith("locust."))
        try:
            import locust
            again = locust.__name__
        except ModuleNotFoundError:
            again = None
        print(json.dumps([finders, left, again, real, fallback]))
        """
    )
    # After uninstall `locust` is whatever the environment has: the real one, rocust's
    # through the fallback of an installed rocust (rocust_locust.pth), or nothing.
    finders, left, again, real, fallback = result
    assert (finders, left) == (1, [])
    assert again == ("locust" if real else "rocust._locust" if fallback else None)


@needs_locust
def test_real_locust_in_the_same_environment_is_not_shadowed() -> None:
    """With the hook, this interpreter gets rocust; without it (another process, same
    environment and PYTHONPATH), the real Locust from site-packages."""
    hooked = run_python(
        """
        import json, sys
        from rocust import _import_hook
        _import_hook.install()
        import locust, locust.env, locust.contrib.fasthttp
        from gevent import monkey
        real = [n for n, m in sys.modules.items()
                if (n == "locust" or n.startswith("locust.")) and "site-packages" in (getattr(m, "__file__", "") or "")]
        print(json.dumps([locust.__name__, real, monkey.is_module_patched("socket")]))
        """,
        python=LOCUST_PYTHON,
    )
    assert hooked == ["rocust._locust", [], False]

    plain = run_python(
        """
        import json, locust
        print(json.dumps([locust.__name__, locust.__file__]))
        """,
        python=LOCUST_PYTHON,
    )
    assert plain[0] == "locust" and "site-packages" in plain[1]


@needs_locust
def test_install_refuses_when_real_locust_was_imported_first() -> None:
    result = run_python(
        """
        import json
        import locust
        from rocust import _import_hook
        try:
            _import_hook.install()
            print(json.dumps("installed"))
        except RuntimeError as e:
            print(json.dumps(str(e)))
        """,
        python=LOCUST_PYTHON,
    )
    assert "before rocust could provide it" in result


@pytest.mark.parametrize("name", ["locust", "locust.user.task"])
def test_target_name_mapping(name: str) -> None:
    from rocust._import_hook import _target_name

    assert _target_name(name) == "rocust._locust" + name[len("locust") :]
    assert _target_name("locustio") is None and _target_name("mylocust") is None
