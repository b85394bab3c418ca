#!/usr/bin/env bash
# THE test command: installs test dependencies, then format, lint and test the whole workspace.
# Debug builds only (a release build would add minutes on 2 cores and no test needs it).
# Exits non-zero on the first failure.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

# Tests that compare with real Locust find it here (an already exported value wins).
export ROCUST_LOCUST_VENV="${ROCUST_LOCUST_VENV:-$REPO_ROOT/.venv-locust}"
# The Python package (`pip install .`) and its test tools live here.
export ROCUST_VENV="${ROCUST_VENV:-$REPO_ROOT/.venv-rocust}"

CURRENT_STEP="start"
step() {
    CURRENT_STEP="$*"
    printf '\n==> %s\n' "$*" >&2
}
trap 'echo "==> FAILED: $CURRENT_STEP" >&2' ERR

step "install test dependencies"
bash scripts/install-test-deps.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

# Tests may run other packages' binaries (target/debug/rocust-demo-target, target/debug/website).
step "cargo build --workspace --bins"
cargo build --workspace --bins --locked

step "cargo test"
cargo test --workspace --locked

# `pip install .` exactly as a user does it: the tests run the installed `rocust` command.
step "pip install . (the rocust Python package)"
bash scripts/install-python-package.sh

step "mypy --strict python/rocust"
"$ROCUST_VENV/bin/python" -m mypy --strict python/rocust

# The comparison tests run the same locustfiles under real Locust with this interpreter.
step "pytest python/tests"
LOCUST_PYTHON="$ROCUST_LOCUST_VENV/bin/python" ROCUST_CMD="$ROCUST_VENV/bin/rocust" \
    "$ROCUST_VENV/bin/python" -m pytest -q python/tests

step "all checks passed"
