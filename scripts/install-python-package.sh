#!/usr/bin/env bash
# Builds and installs rocust's Python package (`pip install .`: maturin, release build) into a
# venv, with the tools its tests use (pytest, mypy, types-gevent). Prints nothing on success.
#   venv: $ROCUST_VENV if set, else <repo>/.venv-rocust
# After it: <venv>/bin/rocust -f locustfile.py ... runs a locustfile like `locust -f` would.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROCUST_VENV:-$REPO_ROOT/.venv-rocust}"

log() { echo "install-python-package: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV" || die "python3 -m venv $VENV failed (apt-get install python3-venv)"
fi
if ! "$VENV/bin/python" -c 'import pytest, mypy, gevent; import importlib.util as u; assert u.find_spec("gevent-stubs")' >/dev/null 2>&1; then
    log "pip install pytest mypy types-gevent into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check pytest mypy types-gevent \
        || die "pip install of the test tools failed"
fi
log "pip install $REPO_ROOT (release build of the engine; minutes on a fresh clone)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$REPO_ROOT" \
    || die "pip install $REPO_ROOT failed"
"$VENV/bin/rocust" --version >/dev/null || die "$VENV/bin/rocust does not run"
