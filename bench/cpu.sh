#!/usr/bin/env bash
# CPU cost per request: wrk vs rocust, in one run, against the same fast target.
#
#   bash bench/cpu.sh
#
# Target: rocust-demo-target's GET /fast ("Hello World!", 12 bytes) with ONE tokio thread, on
# 127.0.0.1. Chosen over nginx because it needs no install, behaves the same on every machine,
# answers with a tiny fixed body, and both tools hit the very same process in the same run;
# its own CPU during each phase is printed so a saturated target is visible.
#   1. wrk -t1 -c50 -d10s URL/fast
#   2. target/release/bench-fast --headless -u 50 -r 50 -t 10s -H URL
#      --only-summary --csv PREFIX       (the example's bench mode: GET /fast, no wait)
# CPU seconds = user+sys of each tool's process (wait4 rusage, all threads) via bench/measure.py;
# requests from wrk's summary and rocust's PREFIX_stats.csv Aggregated "Request Count".
# Prints per tool requests, CPU s, µs CPU per request and the line
#   ratio rocust/wrk cpu-per-request: X.XX
# Environment: BENCH_DURATION (s, 10), BENCH_CONNECTIONS (50), BENCH_SKIP_BUILD=1,
# BENCH_EXAMPLE_BIN, BENCH_TARGET_BIN, BENCH_OUT (bench/out). Raw outputs stay in BENCH_OUT.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=../scripts/lib/demo-target.sh
source scripts/lib/demo-target.sh

DURATION="${BENCH_DURATION:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-50}"
EXAMPLE_BIN="${BENCH_EXAMPLE_BIN:-target/release/bench-fast}"
TARGET_BIN="${BENCH_TARGET_BIN:-target/release/rocust-demo-target}"
OUT="${BENCH_OUT:-bench/out}"

bash bench/install-bench-deps.sh
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    echo "==> cargo build --release -p rocust-demo-target -p rocust-example" >&2
    cargo build --release --locked -p rocust-demo-target -p rocust-example
fi
[[ -x "$EXAMPLE_BIN" ]] || { echo "error: example binary $EXAMPLE_BIN not found" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/cpu_*

trap stop_demo_target EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_demo_target "$TARGET_BIN" --threads 1
URL="$DEMO_TARGET_URL"
echo "==> target $URL/fast (pid $DEMO_TARGET_PID, 1 thread); $CONNECTIONS connections/users, ${DURATION}s each" >&2

echo "==> wrk" >&2
python3 bench/measure.py --out "$OUT/cpu_wrk.json" --rss-interval 0.5 --watch "$DEMO_TARGET_PID" -- \
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$URL/fast" >"$OUT/cpu_wrk.txt"
cat "$OUT/cpu_wrk.txt" >&2

echo "==> rocust" >&2
rc=0
python3 bench/measure.py --out "$OUT/cpu_rocust.json" --rss-interval 0.5 \
    --watch "$DEMO_TARGET_PID" -- \
    "$EXAMPLE_BIN" --headless -u "$CONNECTIONS" -r "$CONNECTIONS" -t "${DURATION}s" -H "$URL" \
    --only-summary --csv "$OUT/cpu_rocust" >"$OUT/cpu_rocust.txt" 2>&1 || rc=$?
cat "$OUT/cpu_rocust.txt" >&2
# Locust's convention: exit code 1 means "some requests failed"; the report flags it.
((rc <= 1)) || { echo "error: rocust example exited with code $rc" >&2; exit 1; }

echo >&2
python3 bench/report.py cpu --wrk-json "$OUT/cpu_wrk.json" --wrk-out "$OUT/cpu_wrk.txt" \
    --rocust-json "$OUT/cpu_rocust.json" --rocust-out "$OUT/cpu_rocust.txt" --rocust-csv "$OUT/cpu_rocust"
