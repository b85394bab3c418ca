#!/usr/bin/env bash
# `async def` tasks vs HttpUser under rocust: CPU per request of the same load, in one run.
#
#   bash bench/async_http.sh
#
# Target: rocust-demo-target's GET /fast ("Hello World!", 12 bytes), ONE thread, on 127.0.0.1
# (as bench/python.sh). The same load, BENCH_ASYNC_USERS (50) users with no wait for
# BENCH_DURATION (10) s, headless, --only-summary --csv, written four ways:
#   rocust-async-httpx   = rocust -f: an `async def` task awaiting httpx.AsyncClient.get (one
#                          client per user, made in an async on_start) and firing the request event
#   rocust-async-aiohttp = the same with aiohttp.ClientSession
#   rocust-httpuser      = rocust -f bench/locustfiles/fast_http.py (HttpUser, self.client.get)
#   asyncio-httpx, asyncio-aiohttp = the same client calls in as many tasks of a plain asyncio
#                          program (no rocust, no gevent): what the library itself costs
#   asyncio-gevent-httpx, asyncio-gevent-aiohttp = the same program after gevent's monkey
#                          patching (as every rocust and Locust run has it): what gevent's patched
#                          modules add; the rest, up to the rocust-async row, is rocust's part (the
#                          loop's bridge to gevent, the task machinery, the request event)
# The async locustfiles and the plain program are written to $OUT by this script. httpx's
# per-request INFO log line is switched off in them (Locust's logging setup would print it).
# CPU = user+sys of each process (bench/measure.py); requests from the CSV / final summary.
# Prints `ratio rocust-async-httpx/rocust-httpuser cpu-per-request: X.XX` and the other ratios.
# Environment: BENCH_DURATION (10), BENCH_ASYNC_USERS (50), BENCH_SKIP_BUILD=1,
# ROCUST_VENV (.venv-rocust, with httpx and aiohttp), BENCH_OUT (bench/out).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=../scripts/lib/demo-target.sh
source scripts/lib/demo-target.sh

DURATION="${BENCH_DURATION:-10}"
USERS="${BENCH_ASYNC_USERS:-50}"
ROCUST_VENV="${ROCUST_VENV:-$REPO_ROOT/.venv-rocust}"
TARGET_BIN="${BENCH_TARGET_BIN:-target/release/rocust-demo-target}"
OUT="${BENCH_OUT:-bench/out}"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    bash scripts/install-python-package.sh
    echo "==> cargo build --release -p rocust-demo-target" >&2
    cargo build --release --locked -p rocust-demo-target
fi
ROCUST="$ROCUST_VENV/bin/rocust"
PYTHON="$ROCUST_VENV/bin/python"
[[ -x "$ROCUST" ]] || { echo "error: $ROCUST not found (bash scripts/install-python-package.sh)" >&2; exit 1; }
"$PYTHON" -c 'import httpx, aiohttp' 2>/dev/null \
    || { echo "error: httpx and aiohttp are not installed in $ROCUST_VENV (scripts/install-python-package.sh)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/async_*

# -- the load, four ways -------------------------------------------------------------------
cat >"$OUT/async_httpx.py" <<'EOF'
"""Benchmark task: one GET /fast per iteration, no wait, `async def` with httpx.AsyncClient."""

import logging
import ssl
import time

import httpx
from locust import User, constant, task

logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
TLS = ssl.create_default_context()  # one CA bundle load (~60 ms CPU), not one per client


class AsyncHttpxUser(User):
    wait_time = constant(0)

    async def on_start(self):
        self.http = httpx.AsyncClient(base_url=self.host, verify=TLS)

    @task
    async def fast(self):
        started = time.perf_counter()
        response = await self.http.get("/fast")
        self.environment.events.request.fire(
            request_type="GET",
            name="/fast",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=len(response.content),
            exception=None,
            context={},
        )

    async def on_stop(self):
        await self.http.aclose()
EOF

cat >"$OUT/async_aiohttp.py" <<'EOF'
"""Benchmark task: one GET /fast per iteration, no wait, `async def` with aiohttp."""

import time

import aiohttp
from locust import User, constant, task


class AsyncAiohttpUser(User):
    wait_time = constant(0)

    async def on_start(self):
        self.http = aiohttp.ClientSession(self.host)

    @task
    async def fast(self):
        started = time.perf_counter()
        async with self.http.get("/fast") as response:
            body = await response.read()
        self.environment.events.request.fire(
            request_type="GET",
            name="/fast",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=len(body),
            exception=None,
            context={},
        )

    async def on_stop(self):
        await self.http.close()
EOF

cat >"$OUT/async_plain.py" <<'EOF'
"""The async load without rocust: USERS asyncio tasks, each with its own client, GET /fast in a
loop for SECONDS, timed as the locustfiles time it. Writes PREFIX_stats.csv (an Aggregated row,
Locust's columns) for bench/report_python.py. With `gevent`, after gevent's monkey patching.

    async_plain.py httpx|aiohttp URL USERS SECONDS PREFIX [gevent]
"""

import sys

if sys.argv[6:] == ["gevent"]:
    from gevent import monkey

    monkey.patch_all()

import asyncio
import csv
import ssl
import time

LIBRARY, URL, USERS, SECONDS, PREFIX = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
COUNT = [0]


async def httpx_user(deadline):
    import httpx

    async with httpx.AsyncClient(base_url=URL, verify=TLS) as http:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await http.get("/fast")
            _ = (time.perf_counter() - started) * 1000, len(response.content)
            COUNT[0] += 1


async def aiohttp_user(deadline):
    import aiohttp

    async with aiohttp.ClientSession(URL) as http:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            async with http.get("/fast") as response:
                body = await response.read()
            _ = (time.perf_counter() - started) * 1000, len(body)
            COUNT[0] += 1


async def main():
    user = httpx_user if LIBRARY == "httpx" else aiohttp_user
    started = time.monotonic()
    await asyncio.gather(*(user(started + SECONDS) for _ in range(USERS)))
    return time.monotonic() - started


TLS = ssl.create_default_context()
wall = asyncio.run(main())
with open(f"{PREFIX}_stats.csv", "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["Type", "Name", "Request Count", "Failure Count", "Requests/s"])
    out.writerow(["", "Aggregated", COUNT[0], 0, f"{COUNT[0] / wall:.2f}"])
print(f"{LIBRARY}: {COUNT[0]} requests in {wall:.1f} s")
EOF

# -- the runs ------------------------------------------------------------------------------
trap stop_demo_target EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_demo_target "$TARGET_BIN" --threads 1
URL="$DEMO_TARGET_URL"

measure() { # LABEL COMMAND... ; raw outputs in $OUT/async_LABEL.*
    local label="$1" rc=0
    shift
    python3 bench/measure.py --out "$OUT/async_$label.json" --watch "$DEMO_TARGET_PID" -- \
        "$@" >"$OUT/async_$label.txt" 2>&1 || rc=$?
    tail -n 4 "$OUT/async_$label.txt" >&2
    ((rc <= 1)) || { echo "error: $label exited with code $rc (see $OUT/async_$label.txt)" >&2; exit 1; }
}
rocust_run() { # LABEL LOCUSTFILE
    echo "==> $1: rocust -f $2 -u $USERS -t ${DURATION}s" >&2
    measure "$1" "$ROCUST" -f "$2" --headless -u "$USERS" -r "$USERS" -t "${DURATION}s" -H "$URL" \
        --only-summary --csv "$OUT/async_$1"
}
plain_run() { # LABEL LIBRARY [gevent]
    echo "==> $1: plain asyncio${3:+ under gevent monkey patching}, $USERS tasks, ${DURATION}s" >&2
    measure "$1" "$PYTHON" "$OUT/async_plain.py" "$2" "$URL" "$USERS" "$DURATION" "$OUT/async_$1" ${3:+"$3"}
}
spec() { echo "$1:$OUT/async_$1.json:$OUT/async_$1.txt:$OUT/async_$1"; }

echo "==> CPU: target $URL/fast (1 thread), $USERS users, no wait, ${DURATION}s each" >&2
rocust_run rocust-async-httpx "$OUT/async_httpx.py"
rocust_run rocust-async-aiohttp "$OUT/async_aiohttp.py"
rocust_run rocust-httpuser bench/locustfiles/fast_http.py
plain_run asyncio-httpx httpx
plain_run asyncio-gevent-httpx httpx gevent
plain_run asyncio-aiohttp aiohttp
plain_run asyncio-gevent-aiohttp aiohttp gevent
echo >&2
python3 bench/report_python.py cpu "$(spec rocust-async-httpx)" "$(spec rocust-httpuser)" \
    "$(spec asyncio-httpx)" "$(spec asyncio-gevent-httpx)"
python3 bench/report_python.py cpu "$(spec rocust-async-aiohttp)" "$(spec rocust-httpuser)" \
    "$(spec asyncio-aiohttp)" "$(spec asyncio-gevent-aiohttp)" | tail -n +2
