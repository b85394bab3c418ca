#!/usr/bin/env bash
# Installs what rocust's tests and benchmarks need on a fresh Debian machine (run as root).
# Idempotent: every step is skipped when its result is already there.
#   - wrk (bench/cpu.sh's peer), python3 + venv support, openssl (the HTTPS tests make their
#     certificates with it)
#   - a venv with real Locust 2.47.0 for the compatibility tests (plus pytest and mypy for
#     the Python package's tests):
#     $ROCUST_LOCUST_VENV if set, else <repo>/.venv-locust
set -euo pipefail

LOCUST_VERSION=2.47.0
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROCUST_LOCUST_VENV:-$REPO_ROOT/.venv-locust}"

log() { echo "install-test-deps: $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- system packages -------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# `python3 -m venv` needs ensurepip, which Debian ships separately in python3-venv.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then missing+=(python3-venv); fi
# Hook for the web UI tests (a real browser), enable when they land:
# command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if ((${#missing[@]})); then
    command -v apt-get >/dev/null 2>&1 || die "need ${missing[*]} but apt-get is not available; install them by hand"
    [[ $(id -u) -eq 0 ]] || die "need ${missing[*]}: run this script as root (or install them by hand)"
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
fi
command -v wrk >/dev/null 2>&1 || die "wrk is still missing after apt-get install"
command -v openssl >/dev/null 2>&1 || die "openssl is still missing after apt-get install"

# --- Locust venv -----------------------------------------------------------------------------
installed_locust_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("locust"))' 2>/dev/null || true
}

if [[ -x "$VENV/bin/python" && "$(installed_locust_version)" == "$LOCUST_VERSION" ]]; then
    : # already there with the right version
else
    log "creating $VENV with locust==$LOCUST_VERSION"
    if [[ ! -x "$VENV/bin/python" ]]; then
        python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "locust==$LOCUST_VERSION" \
        || die "pip install locust==$LOCUST_VERSION into $VENV failed"
    [[ "$(installed_locust_version)" == "$LOCUST_VERSION" ]] \
        || die "$VENV does not have locust $LOCUST_VERSION after pip install"
fi
"$VENV/bin/locust" --version >/dev/null 2>&1 || die "$VENV/bin/locust does not run"

# --- Python test tools -----------------------------------------------------------------------
# The same venv runs the tests of rocust's Python package (it already has gevent through Locust).
if ! "$VENV/bin/python" -c 'import pytest, mypy, gevent; import importlib.util as u; assert u.find_spec("gevent-stubs")' >/dev/null 2>&1; then
    log "pip install pytest mypy types-gevent into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check pytest mypy types-gevent \
        || die "pip install pytest mypy types-gevent into $VENV failed"
fi
