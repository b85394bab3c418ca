#!/usr/bin/env bash
# The web UI's costs, in one run: CPU per request with the page's polling (Locust's 2 s and the
# page's 1 s) against headless, /stats/requests with 1,000 request names, and the size of the
# classic example's HTML report after a one-minute run. See bench/web.py.
#
#   bash bench/web.sh
#
# Target: rocust-demo-target's GET /fast on one tokio thread, on 127.0.0.1, as bench/cpu.sh.
# Environment: BENCH_DURATION (s per CPU run, 10), BENCH_ROUNDS (3), BENCH_REPORT_TIME (s, 60), BENCH_SKIP_BUILD=1,
# BENCH_OUT (bench/out). Prints `ratio web-1s/headless cpu-per-request: X.XX` among others.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=../scripts/lib/demo-target.sh
source scripts/lib/demo-target.sh

OUT="${BENCH_OUT:-bench/out}"
TARGET_BIN="target/release/rocust-demo-target"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    echo "==> cargo build --release -p rocust-demo-target -p rocust-example" >&2
    cargo build --release --locked -p rocust-demo-target -p rocust-example
fi
mkdir -p "$OUT"
rm -f "$OUT"/web_*

trap stop_demo_target EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_demo_target "$TARGET_BIN" --threads 1
echo "==> target $DEMO_TARGET_URL (pid $DEMO_TARGET_PID, 1 thread)" >&2

python3 bench/web.py --target "$DEMO_TARGET_URL" --out "$OUT" \
    --fast target/release/bench-fast --names target/release/bench-names --website target/release/website \
    --duration "${BENCH_DURATION:-10}" --report-time "${BENCH_REPORT_TIME:-60}" --rounds "${BENCH_ROUNDS:-3}"
