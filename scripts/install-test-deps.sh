#!/usr/bin/env bash
# Installs what rocust's tests need on a fresh Debian machine (run as root), at pinned versions.
# Idempotent: every step is skipped when its result is already there.
#   - python3 + venv support, openssl (the HTTPS tests make their certificates with it)
#   - chromium and chromium-driver (the web UI's browser tests)
#   - mosquitto, postgresql, dnsmasq-base (servers for the protocol users' tests)
#   - a venv with real Locust 2.47.0 for the compatibility tests, every package at the version in
#     scripts/requirements/locust-constraints.txt: $ROCUST_LOCUST_VENV if set, else <repo>/.venv-locust
# The rocust package and its test tools go into another venv: scripts/install-python-package.sh.
# The benchmarks' own tools (wrk): bench/install-bench-deps.sh.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/pythons.sh
source "$REPO_ROOT/scripts/lib/pythons.sh"
VENV="${ROCUST_LOCUST_VENV:-$REPO_ROOT/.venv-locust}"
PINS="$REPO_ROOT/scripts/requirements/locust-constraints.txt"

log() { echo "install-test-deps: $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- system packages -------------------------------------------------------------------------
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# `python3 -m venv` needs ensurepip, which Debian ships separately in python3-venv.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then missing+=(python3-venv); fi
# The web UI tests drive a real browser (python/tests/web/test_browser.py): Debian's Chromium and
# its ChromeDriver (the selenium package is in requirements/test.txt). chromium-driver does not
# depend on chromium's version, so both are installed together: same version, or it cannot drive it.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    missing+=(chromium chromium-driver)
fi

# The protocol users' tests (python/tests/test_contrib.py) run real servers on loopback: an MQTT
# broker, PostgreSQL and a DNS server. They are started by the tests, never as system services.
command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || missing+=(mosquitto)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
command -v dnsmasq >/dev/null 2>&1 || [[ -x /usr/sbin/dnsmasq ]] || missing+=(dnsmasq-base)

if ((${#missing[@]})); then
    command -v apt-get >/dev/null 2>&1 || die "need ${missing[*]} but apt-get is not available; install them by hand"
    [[ $(id -u) -eq 0 ]] || die "need ${missing[*]}: run this script as root (or install them by hand)"
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
fi
command -v openssl >/dev/null 2>&1 || die "openssl is still missing after apt-get install"
command -v chromium >/dev/null 2>&1 || die "chromium is still missing after apt-get install"
command -v chromedriver >/dev/null 2>&1 || die "chromedriver is still missing after apt-get install chromium-driver"

# --- Locust venv -----------------------------------------------------------------------------
installed_locust_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("locust"))' 2>/dev/null || true
}
# The venv remembers which pins it was installed from; a changed pin file reinstalls.
STAMP="$VENV/.rocust-pins"
want_stamp="$(sha256sum "$PINS" | cut -d' ' -f1)"

if [[ -x "$VENV/bin/python" && "$(installed_locust_version)" == "$LOCUST_VERSION" \
    && "$(cat "$STAMP" 2>/dev/null || true)" == "$want_stamp" ]]; then
    : # already there with the pinned versions
else
    log "installing locust==$LOCUST_VERSION and its pinned dependencies into $VENV"
    if [[ ! -x "$VENV/bin/python" ]]; then
        python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"
    fi
    # The pin file is a complete `pip freeze`: installing it as requirements gives exactly these versions.
    PIP_CONSTRAINT="" "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$PINS" \
        || die "pip install -r $PINS into $VENV failed"
    [[ "$(installed_locust_version)" == "$LOCUST_VERSION" ]] \
        || die "$VENV does not have locust $LOCUST_VERSION after pip install"
    echo "$want_stamp" >"$STAMP"
fi
"$VENV/bin/locust" --version >/dev/null 2>&1 || die "$VENV/bin/locust does not run"
