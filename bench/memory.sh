#!/usr/bin/env bash
# Memory per user: rocust with 10,000 mostly idle users (wait between(1, 2) s) on 127.0.0.1.
#
#   bash bench/memory.sh
#
# Two runs of the Rust example in its idle mode (target/release/bench-idle: GET /fast, then
# wait between(1, 2) s), against rocust-demo-target on 127.0.0.1:
#   1. idle baseline: -u 1 -r 1 -t 6s  -> median VmRSS while running
#   2. loaded:        -u 10000 -r 10000 -t 20s -> median VmRSS after the spawn has settled
# KB per user above idle = (loaded - idle) / (users - 1). Also prints the offered request rate
# (users / mean wait) next to the achieved one (PREFIX_stats.csv Aggregated Requests/s, and the
# stats history rows with all users running when present).
# Every user holds a socket on both sides: the open-files limit must exceed the user count.
# Environment: BENCH_USERS (10000), BENCH_RUN_TIME (s, 20), BENCH_SKIP_BUILD=1,
# BENCH_EXAMPLE_BIN, BENCH_TARGET_BIN, BENCH_OUT (bench/out).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=../scripts/lib/demo-target.sh
source scripts/lib/demo-target.sh

USERS="${BENCH_USERS:-10000}"
RUN_TIME="${BENCH_RUN_TIME:-20}"
WAIT_MIN=1
WAIT_MAX=2
EXAMPLE_BIN="${BENCH_EXAMPLE_BIN:-target/release/bench-idle}"
TARGET_BIN="${BENCH_TARGET_BIN:-target/release/rocust-demo-target}"
OUT="${BENCH_OUT:-bench/out}"

need_files=$((USERS + 256))
if (($(ulimit -n) < need_files)); then
    hard="$(ulimit -Hn)"
    if [[ "$hard" != unlimited ]] && ((hard < need_files)); then
        echo "error: $USERS users need about $need_files open files; the hard limit is $hard" >&2
        exit 1
    fi
    ulimit -n "$need_files"
fi

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    echo "==> cargo build --release -p rocust-demo-target -p rocust-example" >&2
    cargo build --release --locked -p rocust-demo-target -p rocust-example
fi
[[ -x "$EXAMPLE_BIN" ]] || { echo "error: example binary $EXAMPLE_BIN not found" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/mem_*

trap stop_demo_target EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_demo_target "$TARGET_BIN" --threads 1
echo "==> target $DEMO_TARGET_URL (pid $DEMO_TARGET_PID); open files limit $(ulimit -n)" >&2

run_example() { # NAME USERS RUN_TIME_S
    local name="$1" users="$2" secs="$3" rc=0
    echo "==> rocust $name: -u $users -r $users -t ${secs}s" >&2
    python3 bench/measure.py --out "$OUT/mem_$name.json" --rss-interval 0.25 -- \
        "$EXAMPLE_BIN" --headless -u "$users" -r "$users" -t "${secs}s" -H "$DEMO_TARGET_URL" \
        --only-summary --csv "$OUT/mem_$name" >"$OUT/mem_$name.txt" 2>&1 || rc=$?
    tail -n 15 "$OUT/mem_$name.txt" >&2
    ((rc <= 1)) || { echo "error: rocust example exited with code $rc (see $OUT/mem_$name.txt)" >&2; exit 1; }
}

run_example idle 1 6
run_example load "$USERS" "$RUN_TIME"

echo >&2
python3 bench/report.py memory --idle-json "$OUT/mem_idle.json" --load-json "$OUT/mem_load.json" \
    --load-out "$OUT/mem_load.txt" --load-csv "$OUT/mem_load" --users "$USERS" --wait-min "$WAIT_MIN" --wait-max "$WAIT_MAX" \
    --settle "$((RUN_TIME < 12 ? RUN_TIME / 2 : 6))"
