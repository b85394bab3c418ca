#!/usr/bin/env bash
# THE main job: build and install rocust (`pip install .` into .venv-rocust, release build), start
# the demo target on a free loopback port, run Locust's classic locustfile (examples/locustfile.py)
# with `rocust -f` against it, stop the target.
#
#   bash scripts/demo.sh [EXTRA LOCUST OPTIONS...]
#   DEMO_RUST=1 bash scripts/demo.sh      # the same test written in Rust (examples/rust, `website`)
#
# Defaults: --headless -u 20 -r 5 -t 20s -H http://127.0.0.1:PORT. Extra options come after the
# defaults, so (as with Locust's command line) a repeated option overrides them, e.g. `-t 1m`.
# Environment: DEMO_USERS, DEMO_SPAWN_RATE, DEMO_RUN_TIME change the defaults;
# DEMO_SKIP_BUILD=1 skips the builds; DEMO_LOCUSTFILE, DEMO_EXAMPLE_BIN / DEMO_TARGET_BIN run other
# files or binaries; ROCUST_VENV (.venv-rocust) is where the package goes. Exits with the run's code.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=lib/demo-target.sh
source scripts/lib/demo-target.sh

USERS="${DEMO_USERS:-20}"
SPAWN_RATE="${DEMO_SPAWN_RATE:-5}"
RUN_TIME="${DEMO_RUN_TIME:-20s}"
EXAMPLE_BIN="${DEMO_EXAMPLE_BIN:-target/release/website}"
TARGET_BIN="${DEMO_TARGET_BIN:-target/release/rocust-demo-target}"
LOCUSTFILE="${DEMO_LOCUSTFILE:-examples/locustfile.py}"
ROCUST_VENV="${ROCUST_VENV:-$REPO_ROOT/.venv-rocust}"

if [[ "${DEMO_SKIP_BUILD:-0}" != 1 ]]; then
    if [[ "${DEMO_RUST:-0}" == 1 ]]; then
        echo "==> cargo build --release -p rocust-demo-target -p rocust-example" >&2
        cargo build --release --locked -p rocust-demo-target -p rocust-example
    else
        echo "==> pip install . (into $ROCUST_VENV)" >&2
        bash scripts/install-python-package.sh
        echo "==> cargo build --release -p rocust-demo-target" >&2
        cargo build --release --locked -p rocust-demo-target
    fi
fi
if [[ "${DEMO_RUST:-0}" == 1 ]]; then
    COMMAND=("$EXAMPLE_BIN")
else
    COMMAND=("$ROCUST_VENV/bin/rocust" -f "$LOCUSTFILE")
fi
[[ -x "${COMMAND[0]}" ]] || { echo "error: ${COMMAND[0]} not found" >&2; exit 1; }

trap stop_demo_target EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_demo_target "$TARGET_BIN"
echo "==> demo target $DEMO_TARGET_URL (pid $DEMO_TARGET_PID)" >&2

echo "==> ${COMMAND[*]} --headless -u $USERS -r $SPAWN_RATE -t $RUN_TIME -H $DEMO_TARGET_URL $*" >&2
rc=0
"${COMMAND[@]}" --headless -u "$USERS" -r "$SPAWN_RATE" -t "$RUN_TIME" -H "$DEMO_TARGET_URL" "$@" || rc=$?
exit "$rc"
