#!/usr/bin/env bash
# The master under a big fleet: rocust's master vs Locust 2.47.0's, in one run.
#
#   bash bench/master.sh
#
# A fake fleet (crates/dist/examples/fake_fleet.rs: lightweight workers in one process, each
# speaking Locust's protocol, heartbeats every second and stats every 3 s with 20 request names,
# no users) connects to each master in turn, with 100 and with 1,000 workers (BENCH_FLEETS).
# Both masters run the same locustfile (bench/locustfiles/fleet_master.py) headless. Reported per
# master and size: the master's CPU in percent of one core over BENCH_WINDOW s (after BENCH_WARMUP
# s), the heartbeat echo round trip the workers saw (p50/p99/max ms: how far the master is behind
# its messages) and the workers it marked missing. Goals: rocust under 5 % of a core at 100
# workers and under 50 % with no missing worker at 1,000.
# Environment: BENCH_FLEETS ("100 1000"), BENCH_WARMUP (15), BENCH_WINDOW (15), BENCH_SKIP_BUILD=1,
# ROCUST_VENV (.venv-rocust), ROCUST_LOCUST_VENV (.venv-locust), BENCH_OUT (bench/out).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

FLEETS="${BENCH_FLEETS:-100 1000}"
ROCUST_VENV="${ROCUST_VENV:-$REPO_ROOT/.venv-rocust}"
LOCUST_VENV="${ROCUST_LOCUST_VENV:-$REPO_ROOT/.venv-locust}"
OUT="${BENCH_OUT:-bench/out}"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    bash scripts/install-test-deps.sh
    bash scripts/install-python-package.sh
    echo "==> cargo build --release --example fake_fleet" >&2
    cargo build --release --locked -p rocust-dist --example fake_fleet
fi
ROCUST="$ROCUST_VENV/bin/rocust"
LOCUST="$LOCUST_VENV/bin/locust"
FLEET=target/release/examples/fake_fleet
for bin in "$ROCUST" "$LOCUST" "$FLEET"; do
    [[ -x "$bin" ]] || { echo "error: $bin not found (run without BENCH_SKIP_BUILD=1)" >&2; exit 1; }
done
mkdir -p "$OUT"
# 1,000 workers: a socket each on both sides, and the masters' own files.
ulimit -n 20000 2>/dev/null || true

port=17557
for n in $FLEETS; do
    for master in rocust locust; do
        cmd="$ROCUST"
        [[ $master == locust ]] && cmd="$LOCUST"
        port=$((port + 1))
        echo "==> $master master, $n workers" >&2
        python3 bench/master.py --fleet "$FLEET" --workers "$n" --port "$port" \
            --out "$OUT/master_${master}_$n.json" --log "$OUT/master_${master}_$n.log" \
            -- "$cmd" -f bench/locustfiles/fleet_master.py >/dev/null
    done
done

python3 - "$OUT" $FLEETS <<'PY'
import json, sys
out, sizes = sys.argv[1], sys.argv[2:]
print(f"{'master':<8} {'workers':>7} {'cpu % core':>10} {'echo p50 ms':>11} {'p99 ms':>8} {'max ms':>8} {'missing':>7}")
for n in sizes:
    rows = {m: json.load(open(f"{out}/master_{m}_{n}.json")) for m in ("rocust", "locust")}
    for m, r in rows.items():
        print(f"{m:<8} {n:>7} {r['master_cpu_percent']:>10} {r['echo_ms_p50']:>11} {r['echo_ms_p99']:>8} {r['echo_ms_max']:>8} {r['missing']:>7}")
    ratio = rows["rocust"]["master_cpu_percent"] / max(rows["locust"]["master_cpu_percent"], 0.1)
    print(f"ratio rocust/locust master-cpu at {n} workers: {ratio:.2f}")
PY
