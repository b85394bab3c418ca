#!/usr/bin/env python3
"""The web UI's costs, in one run (bench/web.sh builds and calls this).

    web.py --target URL --fast BIN --names BIN --website BIN --out DIR [--duration S]

1. CPU per request of the engine with the page open versus headless: the same load
   (bench-fast, 50 users, no wait) runs headless, with the web UI polled as the page polls it
   every 2 s (Locust's rate) and every 1 s (rocust's page): /stats/requests and
   /stats/history, plus /exceptions, /tasks and /logs every 5 s. The three modes run in turn
   for --rounds rounds and each mode's median is compared. Prints
   `ratio web-<period>/headless cpu-per-request: X.XX`.
2. /stats/requests with 1,000 request names (bench-names), on one kept-alive connection as a
   page polls it, while the load runs and after it: 50 calls each, median and 95th
   percentile milliseconds, and the answer's size.
3. The HTML report of the classic example (examples/rust `website`, 20 users) after a
   one-minute run: its size in bytes.

CPU seconds are the process's own (bench/measure.py, wait4 rusage, all threads); requests
come from the run's CSV (Aggregated "Request Count").
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measured(out: Path, command: List[str]) -> subprocess.Popen:  # type: ignore[type-arg]
    return subprocess.Popen(
        [sys.executable, str(HERE / "measure.py"), "--out", str(out), "--rss-interval", "1", "--", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def requests_in(csv_prefix: Path) -> int:
    with open(f"{csv_prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                return int(row["Request Count"])
    raise SystemExit(f"no Aggregated row in {csv_prefix}_stats.csv")


def get(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return bytes(r.read())


def wait_for_ui(base: str, proc: subprocess.Popen, seconds: float = 20.0) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the load test exited before its web UI answered")
        try:
            get(f"{base}/stats/requests", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"no web UI at {base}")


class PagePoller(threading.Thread):
    """Calls what the page calls, at the page's periods, until stopped."""

    def __init__(self, base: str, period: float) -> None:
        super().__init__(daemon=True)
        self.base, self.period = base, period
        self.stop = threading.Event()
        self.calls = 0

    def run(self) -> None:
        since = 0.0
        next_slow = time.monotonic()
        tick = time.monotonic()
        while not self.stop.is_set():
            try:
                get(f"{self.base}/stats/requests")
                points = json.loads(get(f"{self.base}/stats/history?since={since}"))["points"]
                if points:
                    since = points[-1]["time"]
                self.calls += 2
                if time.monotonic() >= next_slow:
                    for path in ("exceptions", "tasks", "logs"):
                        get(f"{self.base}/{path}")
                    self.calls += 3
                    next_slow += 5.0
            except OSError:
                pass  # the run is ending
            tick += self.period
            self.stop.wait(max(0.0, tick - time.monotonic()))


def cpu_run(args: argparse.Namespace, name: str, poll: Optional[float]) -> Dict[str, float]:
    prefix = args.out / f"web_{name}"
    result = args.out / f"web_{name}.json"
    common = ["-u", "50", "-r", "50", "-t", f"{args.duration}s", "-H", args.target, "--only-summary", "--csv", str(prefix)]
    if poll is None:
        proc = measured(result, [args.fast, "--headless", *common])
        proc.wait()
        calls = 0
    else:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        web = ["--autostart", "--autoquit", "0", "--web-host", "127.0.0.1", "-P", str(port)]
        proc = measured(result, [args.fast, *web, *common])
        wait_for_ui(base, proc)
        poller = PagePoller(base, poll)
        poller.start()
        proc.wait()
        poller.stop.set()
        poller.join()
        calls = poller.calls
    cost = json.loads(result.read_text())
    requests = requests_in(prefix)
    per_request = cost["cpu_s"] / max(requests, 1) * 1e6
    print(f"{name:>14}: {requests:>9} requests  {cost['cpu_s']:6.2f} s CPU  {per_request:6.2f} µs/request  ({calls} UI calls)")
    return {"requests": requests, "cpu_s": cost["cpu_s"], "us_per_request": per_request}


def stats_latency(args: argparse.Namespace) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, BENCH_NAMES="1000")
    run_time = 20
    command = [args.names, "--autostart", "-u", "20", "-r", "20", "-t", f"{run_time}s",
               "--web-host", "127.0.0.1", "-P", str(port), "-H", args.target, "--only-summary"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_ui(base, proc)
        deadline = time.monotonic() + 30
        rows = 0
        while rows < 1001 and time.monotonic() < deadline:
            rows = len(json.loads(get(f"{base}/stats/requests"))["stats"])
            time.sleep(0.2)
        def timed(label: str) -> None:
            # One kept-alive connection, as a page or an exporter polls.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            times = []
            size = 0
            for _ in range(50):
                started = time.perf_counter()
                connection.request("GET", "/stats/requests")
                body = connection.getresponse().read()
                times.append((time.perf_counter() - started) * 1000)
                size = len(body)
                time.sleep(0.05)
            connection.close()
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            print(f"/stats/requests with {rows - 1} names {label}: median {statistics.median(times):.2f} ms, "
                  f"95th percentile {p95:.2f} ms, {size} bytes")

        timed("under load (both cores busy)")
        while json.loads(get(f"{base}/stats/requests"))["state"] != "stopped":
            time.sleep(0.5)
        timed("after the test")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def report_size(args: argparse.Namespace) -> None:
    html = args.out / "web_report.html"
    html.unlink(missing_ok=True)
    subprocess.run(
        [args.website, "--headless", "-u", "20", "-r", "5", "-t", f"{args.report_time}s", "-H", args.target,
         "--only-summary", "--html", str(html)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )
    size = html.stat().st_size
    print(f"HTML report of the classic example after {args.report_time} s: {size} bytes "
          f"({size / 1024:.1f} KiB; Locust 2.47.0's is about 950 KB of JavaScript before any data)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True)
    parser.add_argument("--fast", required=True)
    parser.add_argument("--names", required=True)
    parser.add_argument("--website", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--report-time", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    print(f"== CPU per request: headless vs the page's polling, {args.rounds} rounds, medians")
    # Rounds of the three modes in turn: consecutive runs of the same load differ by up to
    # 15% on this machine, so each mode's median over interleaved rounds is compared.
    costs: Dict[str, List[float]] = {"headless": [], "web-2s": [], "web-1s": []}
    for round_ in range(args.rounds):
        for mode, poll in (("headless", None), ("web-2s", 2.0), ("web-1s", 1.0)):
            costs[mode].append(cpu_run(args, f"{mode}-{round_ + 1}", poll)["us_per_request"])
    base = statistics.median(costs["headless"])
    for mode in ("web-2s", "web-1s"):
        print(f"ratio {mode}/headless cpu-per-request: {statistics.median(costs[mode]) / base:.2f}")
    print("== /stats/requests with 1,000 names")
    stats_latency(args)
    print("== HTML report size")
    report_size(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
