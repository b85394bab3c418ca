#!/usr/bin/env bash
# THE main job: build the workspace (release), start the demo target on a free loopback port,
# run the Rust example (Locust's classic locustfile, in Rust) against it, stop the target.
#
#   bash scripts/demo.sh [EXTRA LOCUST OPTIONS...]
#
# Defaults: --headless -u 20 -r 5 -t 20s -H http://127.0.0.1:PORT. Extra options come after the
# defaults, so (as with Locust's command line) a repeated option overrides them, e.g. `-t 1m`.
# Environment: DEMO_USERS, DEMO_SPAWN_RATE, DEMO_RUN_TIME change the defaults;
# DEMO_SKIP_BUILD=1 skips the cargo build; DEMO_EXAMPLE_BIN / DEMO_TARGET_BIN run other binaries.
# Exits with the example's exit code.
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

if [[ "${DEMO_SKIP_BUILD:-0}" != 1 ]]; then
    echo "==> cargo build --workspace --release" >&2
    cargo build --workspace --release --locked
fi
[[ -x "$EXAMPLE_BIN" ]] || { echo "error: example binary $EXAMPLE_BIN not found" >&2; exit 1; }

trap stop_demo_target EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_demo_target "$TARGET_BIN"
echo "==> demo target $DEMO_TARGET_URL (pid $DEMO_TARGET_PID)" >&2

echo "==> $EXAMPLE_BIN --headless -u $USERS -r $SPAWN_RATE -t $RUN_TIME -H $DEMO_TARGET_URL $*" >&2
rc=0
"$EXAMPLE_BIN" --headless -u "$USERS" -r "$SPAWN_RATE" -t "$RUN_TIME" -H "$DEMO_TARGET_URL" "$@" || rc=$?
exit "$rc"
