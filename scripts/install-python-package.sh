#!/usr/bin/env bash
# Builds rocust's Python package as `pip install .` does (maturin, release build of the engine) and
# installs it into a venv, with the tools its tests use (scripts/requirements/test.txt). Every
# Python package, maturin inside pip's isolated build included, comes at the version pinned in
# scripts/requirements/constraints.txt. Prints nothing on success.
#   venv:  $ROCUST_VENV if set, else <repo>/.venv-rocust
#   wheel: left in $ROCUST_WHEEL_DIR (default <repo>/target/wheels) for
#          scripts/check-python-versions.sh, which installs the same wheel on other Pythons
# After it: <venv>/bin/rocust -f locustfile.py ... runs a locustfile like `locust -f` would.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROCUST_VENV:-$REPO_ROOT/.venv-rocust}"
WHEELS="${ROCUST_WHEEL_DIR:-$REPO_ROOT/target/wheels}"
REQUIREMENTS="$REPO_ROOT/scripts/requirements"
# pip passes PIP_CONSTRAINT on to the isolated environment it builds the wheel in (maturin).
export PIP_CONSTRAINT="$REQUIREMENTS/constraints.txt"
pip_q=(--quiet --disable-pip-version-check)

log() { echo "install-python-package: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV" || die "python3 -m venv $VENV failed (apt-get install python3-venv)"
fi
# The venv remembers which pins its tools came from; a changed pin file reinstalls them.
STAMP="$VENV/.rocust-pins"
want_stamp="$(cat "$REQUIREMENTS/test.txt" "$REQUIREMENTS/protocols.txt" "$PIP_CONSTRAINT" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$STAMP" 2>/dev/null || true)" != "$want_stamp" ]]; then
    log "pip install -r scripts/requirements/test.txt into $VENV"
    "$VENV/bin/python" -m pip install "${pip_q[@]}" -r "$REQUIREMENTS/test.txt" \
        || die "pip install of the test tools failed"
    echo "$want_stamp" >"$STAMP"
fi

log "pip wheel $REPO_ROOT (release build of the engine; minutes on a fresh clone)"
mkdir -p "$WHEELS"
rm -f "$WHEELS"/rocust-*.whl
"$VENV/bin/python" -m pip wheel "${pip_q[@]}" --no-deps -w "$WHEELS" "$REPO_ROOT" \
    || die "building the wheel of $REPO_ROOT failed"
wheels=("$WHEELS"/rocust-*.whl)
[[ -f "${wheels[0]}" ]] || die "no rocust wheel in $WHEELS after pip wheel"
# The version does not change between builds, so pip would keep the old one: uninstall it first.
"$VENV/bin/python" -m pip uninstall "${pip_q[@]}" -y rocust >/dev/null 2>&1 || true
"$VENV/bin/python" -m pip install "${pip_q[@]}" "${wheels[0]}" || die "pip install ${wheels[0]} failed"
"$VENV/bin/rocust" --version >/dev/null || die "$VENV/bin/rocust does not run"
