"""Runs a script the way the rocust entry point will: monkey patch, install the
import hook, then execute the script as __main__ (its folder first on sys.path)."""

from __future__ import annotations

import os
import runpy
import sys

from gevent import monkey

monkey.patch_all()

from rocust import _import_hook  # noqa: E402

_import_hook.install()

script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
runpy.run_path(script, run_name="__main__")
