#!/usr/bin/env python3
"""One master under a fake fleet, measured (bench/master.sh runs it for each master and size).

    master.py --master-cmd CMD... --fleet FAKE_FLEET --workers N --port P --out RESULT.json

Starts the master headless (3 users per worker, 45 s run), then FAKE_FLEET with N workers
(heartbeats every second, stats every 3 s with 20 names). Once every worker is acked it waits
BENCH_WARMUP s and measures the master's CPU over BENCH_WINDOW s (/proc/PID/stat). Records the
fleet's heartbeat echo round trips and how many workers the master marked missing.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fleet", required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("master", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    warmup = float(os.environ.get("BENCH_WARMUP", "15"))
    window = float(os.environ.get("BENCH_WINDOW", "15"))
    master_cmd = args.master[1:] if args.master[:1] == ["--"] else args.master
    master_cmd += [
        "--master", "--headless", "-u", str(args.workers * 3), "-r", "1000", "-t", "45s",
        "--expect-workers", str(args.workers), "--master-bind-host", "127.0.0.1",
        "--master-bind-port", str(args.port), "-H", "http://127.0.0.1:1", "--only-summary",
    ]  # fmt: skip
    with open(args.log, "w") as log:
        master = subprocess.Popen(master_cmd, stdout=log, stderr=subprocess.STDOUT)
        time.sleep(1.5)
        fleet = subprocess.Popen(
            [args.fleet, "--workers", str(args.workers), "--port", str(args.port), "--seconds", "120"],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(warmup)
        before = cpu_seconds(master.pid)
        time.sleep(window)
        cpu = cpu_seconds(master.pid) - before
        out, _ = fleet.communicate(timeout=150)
        code = master.wait(timeout=60)
    fleet_result = json.loads(out.strip().splitlines()[-1])
    text = open(args.log).read()
    result = {
        "workers": args.workers,
        "master_cpu_percent": round(cpu / window * 100, 1),
        "missing": len(re.findall(r"failed to send heartbeat, setting state to missing", text)),
        "master_exit": code,
        **fleet_result,
    }
    with open(args.out, "w") as f:
        json.dump(result, f)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
