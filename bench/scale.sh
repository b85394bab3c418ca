#!/usr/bin/env bash
# Scale past one process's open files: 50,000 users waiting between(1, 2) s, forked into
# worker processes with --processes, as a Rust load test and as a Python locustfile, in one run.
#
#   bash bench/scale.sh
#
# Each user holds a socket, and so does the target for it: no process may hold more than the
# machine's 20,000 open files, so the users are split over BENCH_PROCESSES (4) workers under one
# master, and the load goes to three rocust-demo-target processes on 127.0.0.1, 127.0.0.2 and
# 127.0.0.3, one per user class (per-class hosts: target/release/bench-scale, and
# bench/locustfiles/scale_http.py; Locust 2.47.0 as the peer runs the same users as
# FastHttpUsers, BENCH_SCALE_CLIENT=fasthttp). For each kind of load test, two runs:
#   1. idle fleet: one user per worker, 8 s      -> median VmRSS of master + workers
#   2. loaded:     BENCH_USERS (50000) users     -> median VmRSS once spawned, request rates
# Prints memory per user for the whole fleet (above the idle fleet, and total / users), the
# achieved request rate (requests completed from 30 s after the spawn on: connecting 50,000 users
# takes the machine a while) next to the offered one (users / mean wait; goal at least 0.95), and
# the CPU the targets used beside it (they share the machine's cores).
# Environment: BENCH_USERS, BENCH_PROCESSES, BENCH_RUN_TIME (s, 80), BENCH_SPAWN_RATE (2500),
# BENCH_PART (all | rust | python | locust), BENCH_SKIP_BUILD=1, ROCUST_VENV (.venv-rocust),
# ROCUST_LOCUST_VENV (.venv-locust), BENCH_OUT.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=../scripts/lib/demo-target.sh
source scripts/lib/demo-target.sh

USERS="${BENCH_USERS:-50000}"
PROCESSES="${BENCH_PROCESSES:-4}"
RUN_TIME="${BENCH_RUN_TIME:-80}"
SPAWN_RATE="${BENCH_SPAWN_RATE:-2500}"
PART="${BENCH_PART:-all}"
ROCUST_VENV="${ROCUST_VENV:-$REPO_ROOT/.venv-rocust}"
EXAMPLE_BIN=target/release/bench-scale
TARGET_BIN="${BENCH_TARGET_BIN:-target/release/rocust-demo-target}"
OUT="${BENCH_OUT:-bench/out}"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    [[ "$PART" == rust ]] || bash scripts/install-test-deps.sh
    [[ "$PART" == rust ]] || bash scripts/install-python-package.sh
    echo "==> cargo build --release -p rocust-demo-target -p rocust-example" >&2
    cargo build --release --locked -p rocust-demo-target -p rocust-example
fi
ROCUST="$ROCUST_VENV/bin/rocust"
LOCUST="${ROCUST_LOCUST_VENV:-$REPO_ROOT/.venv-locust}/bin/locust"
mkdir -p "$OUT"
# A part run alone keeps the other parts' last results (for the ratios below).
if [[ "$PART" == all ]]; then rm -f "$OUT"/scale_*; else rm -f "$OUT"/scale_"$PART"_*; fi

# Per process: its share of the users plus some; the limit is per process, not per fleet.
per_worker=$(((USERS + PROCESSES - 1) / PROCESSES))
need_files=$((per_worker + 512))
if (($(ulimit -n) < need_files)); then
    ulimit -n "$need_files" 2>/dev/null || {
        echo "error: $per_worker users per worker need $need_files open files; raise BENCH_PROCESSES" >&2
        exit 1
    }
fi

TARGET_PIDS=()
HOSTS=()
stop_targets() {
    local pid
    for pid in "${TARGET_PIDS[@]}"; do
        DEMO_TARGET_PID="$pid"
        stop_demo_target
    done
    TARGET_PIDS=()
}
trap stop_targets EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for address in 127.0.0.1 127.0.0.2 127.0.0.3; do
    start_demo_target "$TARGET_BIN" --threads 1 --host "$address"
    TARGET_PIDS+=("$DEMO_TARGET_PID")
    HOSTS+=("$DEMO_TARGET_URL")
done
BENCH_SCALE_HOSTS="$(IFS=,; echo "${HOSTS[*]}")"
export BENCH_SCALE_HOSTS
echo "==> targets $BENCH_SCALE_HOSTS; $PROCESSES workers; open files limit $(ulimit -n)" >&2

run() { # NAME USERS SECONDS COMMAND...
    local name="$1" users="$2" secs="$3" rc=0
    shift 3
    local rate=$((users < SPAWN_RATE ? users : SPAWN_RATE))
    echo "==> $name: -u $users -r $rate -t ${secs}s --processes $PROCESSES" >&2
    local watch=()
    for pid in "${TARGET_PIDS[@]}"; do watch+=(--watch "$pid"); done
    python3 bench/measure.py --tree "${watch[@]}" --out "$OUT/scale_$name.json" --rss-interval 0.5 -- \
        "$@" --headless -u "$users" -r "$rate" -t "${secs}s" --processes "$PROCESSES" \
        --only-summary --csv "$OUT/scale_$name" >"$OUT/scale_$name.txt" 2>&1 || rc=$?
    tail -n 8 "$OUT/scale_$name.txt" >&2
    ((rc <= 1)) || { echo "error: $name exited with code $rc (see $OUT/scale_$name.txt)" >&2; exit 1; }
}

report() { # KIND
    echo >&2
    report_body "$1" | tee "$OUT/scale_$1_report.txt"
}

report_body() { # KIND
    echo "== $1: $USERS users, $PROCESSES worker processes, 3 targets"
    python3 bench/report.py memory --idle-json "$OUT/scale_$1_idle.json" --load-json "$OUT/scale_$1_load.json" \
        --load-out "$OUT/scale_$1_load.txt" --load-csv "$OUT/scale_$1_load" --users "$USERS" \
        --wait-min 1 --wait-max 2 --settle "$((USERS / SPAWN_RATE + 12))" --idle-users "$PROCESSES" \
        --steady-after "$((USERS / SPAWN_RATE + 30))"
    python3 - "$OUT/scale_$1_load.json" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))
print(f"CPU s of the 3 targets meanwhile: {run['watch_cpu_s']:.2f} (the machine's 2 cores: {2 * run['wall_s']:.0f} CPU s)")
EOF
}

if [[ "$PART" == all || "$PART" == rust ]]; then
    [[ -x "$EXAMPLE_BIN" ]] || { echo "error: $EXAMPLE_BIN not found" >&2; exit 1; }
    run rust_idle "$PROCESSES" 8 "$EXAMPLE_BIN"
    run rust_load "$USERS" "$RUN_TIME" "$EXAMPLE_BIN"
    report rust
fi
if [[ "$PART" == all || "$PART" == python ]]; then
    [[ -x "$ROCUST" ]] || { echo "error: $ROCUST not found (bash scripts/install-python-package.sh)" >&2; exit 1; }
    run python_idle "$PROCESSES" 8 "$ROCUST" -f bench/locustfiles/scale_http.py
    run python_load "$USERS" "$RUN_TIME" "$ROCUST" -f bench/locustfiles/scale_http.py
    report python
fi
if [[ "$PART" == all || "$PART" == locust ]]; then
    [[ -x "$LOCUST" ]] || { echo "error: $LOCUST not found (bash scripts/install-test-deps.sh)" >&2; exit 1; }
    export BENCH_SCALE_CLIENT=fasthttp
    run locust_idle "$PROCESSES" 8 "$LOCUST" -f bench/locustfiles/scale_http.py
    run locust_load "$USERS" "$RUN_TIME" "$LOCUST" -f bench/locustfiles/scale_http.py
    report locust
fi
if [[ -f "$OUT/scale_python_report.txt" && -f "$OUT/scale_locust_report.txt" ]]; then
    python3 - "$OUT" <<'EOF'
import re
import sys
rate, cost = {}, {}
for kind in ("python", "locust"):
    text = open(f"{sys.argv[1]}/scale_{kind}_report.txt").read()
    rate[kind] = float(re.search(r"^achieved/offered: ([\d.]+)", text, re.M).group(1))
    cost[kind] = float(re.search(r"\((\d+) µs per request\)", text).group(1))
print(f"ratio rocust-python/locust-fasthttp achieved rate: {rate['python'] / max(rate['locust'], 0.01):.2f}")
print(f"ratio rocust-python/locust-fasthttp cpu-per-request: {cost['python'] / max(cost['locust'], 1):.2f}")
EOF
fi
