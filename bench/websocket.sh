#!/usr/bin/env bash
# WebSocket messages per CPU-second of the load generator, in one run, against one echo server.
#
#   bash bench/websocket.sh                 (BENCH_PARTS="rocust python locust", the parts to run, in order)
#
# Target: rocust-demo-target's GET /ws (text and binary echo, bench/../crates/demo-target/src/ws.rs)
# with ONE tokio thread, on 127.0.0.1; its CPU during each part is printed so a saturated target
# is visible.
# Parts (each one load generator; the first is the reference the others are compared with):
#   rocust  target/release/websocket FloodUser --headless -u USERS -r USERS -t DURATIONs -H URL
#           --only-summary --csv PREFIX   (the Rust example's user without wait: it sends a text
#           or a binary message and reads its echo, over one connection per user)
#   python  $ROCUST_VENV/bin/rocust -f bench/locustfiles/ws_flood_rocust.py ...   (the same user in
#           Python: WebSocketUser, the engine's client)
#   locust  $ROCUST_LOCUST_VENV/bin/locust -f bench/locustfiles/ws_flood_websocket_client.py ...
#           (Locust 2.47.0 with the user Locust users write: websocket-client and events.request)
# CPU seconds = user+sys of the load generator process only (wait4 rusage, all threads) via
# bench/measure.py; messages from PREFIX_stats.csv, WS rows named send* (sent) and recv*
# (received). Prints per part messages sent and received, CPU s, messages per CPU-second, µs CPU
# per echo, the target's CPU, the line `rocust messages per CPU-second: N` and, once peers exist,
# `ratio rocust/<peer> messages-per-cpu-second: X.XX` (bench/report_websocket.py).
#
# Adding a peer (a Python WebSocket user under rocust -f, Locust 2.47.0 with the same locustfile):
# define `part_NAME() { run_part LABEL COMMAND... ; }` below, next to part_rocust. run_part appends
# Locust's headless options (-u, -r, -t, -H, --only-summary, --csv) to COMMAND, measures it and
# registers LABEL for the report; the load test must record its messages as above (type WS,
# send*/recv* names) against "$URL/ws". Then BENCH_PARTS="rocust NAME" runs it after rocust.
#
# Environment: BENCH_DURATION (s, 10), BENCH_USERS (50), BENCH_PARTS ("rocust python locust"),
# ROCUST_VENV (.venv-rocust: a release `pip install .` for figures), ROCUST_LOCUST_VENV (.venv-locust),
# BENCH_SKIP_BUILD=1, BENCH_EXAMPLE_BIN, BENCH_TARGET_BIN, BENCH_OUT (bench/out).
# Raw outputs stay in BENCH_OUT as ws_LABEL.{json,txt} and ws_LABEL_*.csv.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=../scripts/lib/demo-target.sh
source scripts/lib/demo-target.sh

DURATION="${BENCH_DURATION:-10}"
USERS="${BENCH_USERS:-50}"
PARTS="${BENCH_PARTS:-rocust python locust}"
EXAMPLE_BIN="${BENCH_EXAMPLE_BIN:-target/release/websocket}"
TARGET_BIN="${BENCH_TARGET_BIN:-target/release/rocust-demo-target}"
OUT="${BENCH_OUT:-bench/out}"
ROCUST_VENV="${ROCUST_VENV:-$REPO_ROOT/.venv-rocust}"
LOCUST_VENV="${ROCUST_LOCUST_VENV:-$REPO_ROOT/.venv-locust}"

# ---- the parts: one function each -------------------------------------------------------------

part_rocust() {
    [[ -x "$EXAMPLE_BIN" ]] || { echo "error: example binary $EXAMPLE_BIN not found" >&2; exit 1; }
    run_part rocust "$EXAMPLE_BIN" FloodUser
}

# The same user in Python under rocust -f: WebSocketUser, the engine's client.
part_python() {
    run_part rocust-python "$ROCUST_VENV/bin/rocust" -f bench/locustfiles/ws_flood_rocust.py
}

# Locust 2.47.0 with the user Locust users write: websocket-client and events.request.
part_locust() {
    run_part locust-websocket-client "$LOCUST_VENV/bin/locust" -f bench/locustfiles/ws_flood_websocket_client.py
}

# ---- the machinery ----------------------------------------------------------------------------

SPECS=()

# run_part LABEL COMMAND... : runs COMMAND as a headless load test against the target, measuring
# its CPU (and the target's); raw outputs in $OUT/ws_LABEL.*; registers LABEL for the report.
run_part() {
    local label="$1" rc=0
    shift
    echo "==> $label: $* -u $USERS -t ${DURATION}s" >&2
    python3 bench/measure.py --out "$OUT/ws_$label.json" --rss-interval 0.5 --watch "$DEMO_TARGET_PID" -- \
        "$@" --headless -u "$USERS" -r "$USERS" -t "${DURATION}s" -H "$URL" --only-summary \
        --csv "$OUT/ws_$label" >"$OUT/ws_$label.txt" 2>&1 || rc=$?
    tail -n 4 "$OUT/ws_$label.txt" >&2
    # Locust's convention: exit code 1 means "some requests failed"; the report flags it.
    ((rc <= 1)) || { echo "error: $label exited with code $rc (see $OUT/ws_$label.txt)" >&2; exit 1; }
    SPECS+=("$label:$OUT/ws_$label.json:$OUT/ws_$label.txt:$OUT/ws_$label")
}

known_parts() { declare -F | sed -n 's/^declare -f part_//p' | tr '_\n' '- '; }

for part in $PARTS; do
    declare -F "part_${part//-/_}" >/dev/null || {
        echo "error: unknown part '$part' in BENCH_PARTS (known: $(known_parts))" >&2
        exit 2
    }
done

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    echo "==> cargo build --release -p rocust-demo-target -p rocust-example" >&2
    cargo build --release --locked -p rocust-demo-target -p rocust-example
fi
mkdir -p "$OUT"
rm -f "$OUT"/ws_*

trap stop_demo_target EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_demo_target "$TARGET_BIN" --threads 1
URL="$DEMO_TARGET_URL"
echo "==> target $URL/ws (pid $DEMO_TARGET_PID, 1 thread); $USERS users, ${DURATION}s per part" >&2

for part in $PARTS; do
    "part_${part//-/_}"
done

echo >&2
python3 bench/report_websocket.py "${SPECS[@]}"
