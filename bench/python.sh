#!/usr/bin/env bash
# Python locustfiles: rocust vs Locust 2.47.0, CPU per request and memory per user, in one run.
#
#   bash bench/python.sh            (BENCH_PART=cpu or memory runs only that half)
#
# Target: rocust-demo-target's GET /fast ("Hello World!", 12 bytes), ONE thread, on 127.0.0.1
# (as bench/cpu.sh). Every tool runs the same trivial locustfile (bench/locustfiles: one GET, no
# wait) with 50 users for BENCH_DURATION s, headless, --only-summary --csv:
#   rocust-python  = rocust -f fast_fasthttp.py   (the rocust package, pip install .)
#   locust-fasthttp = locust -f fast_fasthttp.py  (Locust 2.47.0, FastHttpUser)
#   locust-http     = locust -f fast_http.py      (Locust 2.47.0, HttpUser)
#   rocust-python-http = rocust -f fast_http.py
# CPU = user+sys of each process (bench/measure.py); requests from the CSV / final summary.
# Prints `ratio rocust-python/locust-fasthttp cpu-per-request: X.XX` (goal <= 0.25).
# Memory: rocust -f idle_http.py (HttpUser, GET /fast then between(1, 2)) with 1 user, then
# BENCH_USERS (10000) users: KB per user above idle (goal <= 20) and achieved/offered request
# rate (goal >= 0.95).
# Environment: BENCH_DURATION (10), BENCH_USERS (10000), BENCH_RUN_TIME (25), BENCH_SKIP_BUILD=1,
# ROCUST_VENV (.venv-rocust), ROCUST_LOCUST_VENV (.venv-locust), BENCH_OUT (bench/out).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=../scripts/lib/demo-target.sh
source scripts/lib/demo-target.sh

DURATION="${BENCH_DURATION:-10}"
USERS="${BENCH_USERS:-10000}"
RUN_TIME="${BENCH_RUN_TIME:-25}"
PART="${BENCH_PART:-all}"
ROCUST_VENV="${ROCUST_VENV:-$REPO_ROOT/.venv-rocust}"
LOCUST_VENV="${ROCUST_LOCUST_VENV:-$REPO_ROOT/.venv-locust}"
TARGET_BIN="${BENCH_TARGET_BIN:-target/release/rocust-demo-target}"
OUT="${BENCH_OUT:-bench/out}"
FILES=bench/locustfiles

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    bash scripts/install-test-deps.sh
    bash scripts/install-python-package.sh
    echo "==> cargo build --release -p rocust-demo-target" >&2
    cargo build --release --locked -p rocust-demo-target
fi
ROCUST="$ROCUST_VENV/bin/rocust"
LOCUST="$LOCUST_VENV/bin/locust"
[[ -x "$ROCUST" ]] || { echo "error: $ROCUST not found (bash scripts/install-python-package.sh)" >&2; exit 1; }
[[ -x "$LOCUST" ]] || { echo "error: $LOCUST not found (bash scripts/install-test-deps.sh)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/py_*

need_files=$((USERS + 256))
if (($(ulimit -n) < need_files)); then
    ulimit -n "$need_files" 2>/dev/null || { echo "error: $USERS users need $need_files open files" >&2; exit 1; }
fi

trap stop_demo_target EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_demo_target "$TARGET_BIN" --threads 1
URL="$DEMO_TARGET_URL"

run() { # LABEL USERS SECONDS COMMAND... ; raw outputs in $OUT/py_LABEL.*
    local label="$1" users="$2" secs="$3" rc=0
    shift 3
    echo "==> $label: $* -u $users -t ${secs}s" >&2
    python3 bench/measure.py --out "$OUT/py_$label.json" --rss-interval 0.25 --watch "$DEMO_TARGET_PID" -- \
        "$@" --headless -u "$users" -r "$users" -t "${secs}s" -H "$URL" --only-summary \
        --csv "$OUT/py_$label" >"$OUT/py_$label.txt" 2>&1 || rc=$?
    tail -n 4 "$OUT/py_$label.txt" >&2
    ((rc <= 1)) || { echo "error: $label exited with code $rc (see $OUT/py_$label.txt)" >&2; exit 1; }
}
spec() { echo "$1:$OUT/py_$1.json:$OUT/py_$1.txt:$OUT/py_$1"; }

if [[ "$PART" == all || "$PART" == cpu ]]; then
    echo "==> CPU: target $URL/fast (1 thread), 50 users, ${DURATION}s each" >&2
    run rocust-python 50 "$DURATION" "$ROCUST" -f "$FILES/fast_fasthttp.py"
    run locust-fasthttp 50 "$DURATION" "$LOCUST" -f "$FILES/fast_fasthttp.py"
    run locust-http 50 "$DURATION" "$LOCUST" -f "$FILES/fast_http.py"
    run rocust-python-http 50 "$DURATION" "$ROCUST" -f "$FILES/fast_http.py"
    echo >&2
    python3 bench/report_python.py cpu "$(spec rocust-python)" "$(spec locust-fasthttp)" "$(spec locust-http)"
    python3 bench/report_python.py cpu "$(spec rocust-python-http)" "$(spec locust-http)" | tail -n 1
fi

if [[ "$PART" == all || "$PART" == memory ]]; then
    echo "==> memory: $USERS users, between(1, 2)" >&2
    run mem-idle 1 6 "$ROCUST" -f "$FILES/idle_http.py"
    run mem-load "$USERS" "$RUN_TIME" "$ROCUST" -f "$FILES/idle_http.py"
    echo >&2
    python3 bench/report.py memory --idle-json "$OUT/py_mem-idle.json" --load-json "$OUT/py_mem-load.json" \
        --load-out "$OUT/py_mem-load.txt" --load-csv "$OUT/py_mem-load" --users "$USERS" --wait-min 1 --wait-max 2 \
        --settle 10
fi
