#!/usr/bin/env python3
"""Turn the raw outputs of bench/cpu.sh and bench/memory.sh into their summaries.

    report.py cpu    --wrk-json J --wrk-out TXT --rocust-json J --rocust-out TXT --rocust-csv PREFIX
    report.py memory --idle-json J --load-json J --load-out TXT --load-csv PREFIX --users N
                     --wait-min S --wait-max S
                     [--settle S]

Exits 1 when a tool made no requests (nothing to compare), so a broken run cannot look like a result.
"""

import argparse
import csv
import json
import re
import statistics
import sys


class BenchError(Exception):
    pass


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise BenchError(f"cannot read {path}: {e}")


def wrk_counts(path):
    """(requests, non-2xx/3xx responses, socket errors) from wrk's stdout."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise BenchError(f"cannot read {path}: {e}")
    m = re.search(r"(\d+) requests in ", text)
    if not m:
        raise BenchError(f"no 'N requests in' line in wrk output {path}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return int(m.group(1)), int(bad.group(1)) if bad else 0, sum(map(int, errors.groups())) if errors else 0


def aggregated_row(prefix):
    """The 'Aggregated' row of PREFIX_stats.csv (Locust's format)."""
    path = f"{prefix}_stats.csv"
    try:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                if row.get("Name") == "Aggregated":
                    return row
    except OSError as e:
        raise BenchError(f"cannot read {path}: {e}")
    raise BenchError(f"no Aggregated row in {path}")


def console_aggregated(path):
    """(requests, failures, req/s) from the last request-stats Aggregated line a run printed, or None."""
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    last = None
    for m in re.finditer(r"^\s*Aggregated\s+(\d+)\s+(\d+)\([^|]*\|[^|]*\|\s*([\d.]+)", text, re.M):
        last = int(m.group(1)), int(m.group(2)), float(m.group(3))
    return last


def rocust_totals(out_path, csv_prefix):
    """Requests, failures and req/s of a rocust (or Locust) run, from its freshest source.

    PREFIX_stats.csv is rewritten once a second while running (Locust's way), so it can miss the
    last second; the final console summary cannot. Counts only grow, so the larger one is fresher.
    """
    row = aggregated_row(csv_prefix)
    csv_totals = int(row["Request Count"]), int(row["Failure Count"]), float(row["Requests/s"])
    console = console_aggregated(out_path)
    if console is not None and console[0] > csv_totals[0]:
        return console, "final console summary"
    return csv_totals, f"{csv_prefix}_stats.csv"


#: Locust's current RPS averages a ~10 s window; rows closer than this to the end of the
#: spawn still count the spawn's burst and the quiet second after it.
RPS_WINDOW_S = 12


def steady_rps(prefix, users):
    """Mean current RPS over the history rows with all users running whose window no longer
    reaches back into the spawn, if the file has any."""
    path = f"{prefix}_stats_history.csv"
    try:
        with open(path, newline="") as f:
            rows = [
                r
                for r in csv.DictReader(f)
                if r.get("Name") == "Aggregated" and r.get("User Count", "").isdigit() and int(r["User Count"]) == users
            ]
    except OSError:
        return None
    rows = [r for r in rows if r.get("Requests/s") not in (None, "", "N/A")]
    if not rows:
        return None
    settled = [r for r in rows if int(r["Timestamp"]) >= int(rows[0]["Timestamp"]) + RPS_WINDOW_S]
    # Short runs: fall back to all rows but the first two.
    chosen = settled if len(settled) >= 3 else (rows[2:] if len(rows) > 4 else rows)
    return statistics.mean(float(r["Requests/s"]) for r in chosen)


def rate_after(prefix, seconds):
    """Requests completed per second from ``seconds`` after the first history row to the
    last one (Aggregated total request counts), if the history covers that."""
    try:
        with open(f"{prefix}_stats_history.csv", newline="") as f:
            rows = [r for r in csv.DictReader(f) if r.get("Name") == "Aggregated"]
    except OSError:
        return None
    if not rows:
        return None
    start = int(rows[0]["Timestamp"]) + seconds
    window = [r for r in rows if int(r["Timestamp"]) >= start]
    if len(window) < 2 or window[-1]["Timestamp"] == window[0]["Timestamp"]:
        return None
    done = int(window[-1]["Total Request Count"]) - int(window[0]["Total Request Count"])
    return done / (int(window[-1]["Timestamp"]) - int(window[0]["Timestamp"]))


def cpu(args):
    wrk = load_json(args.wrk_json)
    rocust = load_json(args.rocust_json)
    wrk_requests, wrk_bad, wrk_errors = wrk_counts(args.wrk_out)
    (rocust_requests, rocust_failures, _), source = rocust_totals(args.rocust_out, args.rocust_csv)

    tools = [("wrk", wrk, wrk_requests), ("rocust", rocust, rocust_requests)]
    print(f"{'tool':<8}{'requests':>12}{'req/s':>11}{'CPU s':>9}{'µs CPU/req':>12}{'target CPU s':>14}")
    per_request = {}
    for name, run, requests in tools:
        if requests <= 0:
            raise BenchError(f"{name} made no requests")
        per_request[name] = run["cpu_s"] / requests * 1e6
        target = run.get("watch_cpu_s")
        print(
            f"{name:<8}{requests:>12}{requests / run['wall_s']:>11.0f}{run['cpu_s']:>9.2f}"
            f"{per_request[name]:>12.2f}{target if target is not None else float('nan'):>14.2f}"
        )
    if wrk_bad or wrk_errors:
        print(f"warning: wrk saw {wrk_bad} non-2xx/3xx responses and {wrk_errors} socket errors")
    if rocust_failures:
        print(f"warning: rocust recorded {rocust_failures} failures")
    if rocust["exit_code"] != 0:
        print(f"warning: rocust exited with code {rocust['exit_code']}")
    print(f"(rocust requests from the {source})")
    print(f"ratio rocust/wrk cpu-per-request: {per_request['rocust'] / per_request['wrk']:.2f}")


def window_median(samples, start, end):
    values = [kb for t, kb in samples if start <= t <= end]
    return statistics.median(values) if values else None


def memory(args):
    idle = load_json(args.idle_json)
    load = load_json(args.load_json)
    if not idle["rss_samples"] or not load["rss_samples"]:
        raise BenchError("no VmRSS samples (did the example start?)")
    # Idle: the one-user run once started and before it stops. Loaded: after the spawn has settled.
    idle_kb = window_median(idle["rss_samples"], 1.0, idle["wall_s"] - 1.0) or idle["rss_samples"][-1][1]
    loaded_kb = window_median(load["rss_samples"], args.settle, load["wall_s"] - 1.5)
    if loaded_kb is None:
        raise BenchError(f"the loaded run ended before {args.settle} s; no samples with all users running")
    peak_kb = max(kb for _, kb in load["rss_samples"])
    per_user = (loaded_kb - idle_kb) / max(args.users - args.idle_users, 1)

    (requests, failures, overall), source = rocust_totals(args.load_out, args.load_csv)
    if requests <= 0:
        raise BenchError("the loaded run made no requests")
    offered = args.users / ((args.wait_min + args.wait_max) / 2)
    steady = steady_rps(args.load_csv, args.users)
    late = rate_after(args.load_csv, args.steady_after) if args.steady_after else None

    print(f"users: {args.users}, wait between({args.wait_min:g}, {args.wait_max:g}) s")
    idle_label = f"VmRSS idle ({args.idle_users} user{'s' * (args.idle_users > 1)}):"
    print(f"{idle_label:<26}{idle_kb / 1024:9.1f} MiB")
    print(f"VmRSS with all users:     {loaded_kb / 1024:9.1f} MiB (median after {args.settle:g} s)")
    print(f"VmRSS peak:               {peak_kb / 1024:9.1f} MiB")
    print(f"KB per user above idle: {per_user:.2f}")
    print(f"KB per user, all in:    {loaded_kb / args.users:.2f}")
    print(f"CPU s (loaded run):       {load['cpu_s']:9.2f} ({load['cpu_s'] / max(requests, 1) * 1e6:.0f} µs per request)")
    print(f"requests: {requests}, failures: {failures} (from the {source})")
    print(f"offered request rate:  {offered:9.1f} req/s (users / mean wait, response time ignored)")
    print(f"achieved request rate: {overall:9.1f} req/s (whole run, Aggregated req/s)")
    if steady is not None:
        print(f"achieved request rate: {steady:9.1f} req/s (steady: stats history with all users, {RPS_WINDOW_S} s after the spawn)")
    if late is not None:
        print(f"achieved request rate: {late:9.1f} req/s (completed from {args.steady_after:g} s after the start to the end)")
        steady = late
    print(f"achieved/offered: {(steady if steady is not None else overall) / offered:.2f}")
    if load["exit_code"] != 0:
        print(f"warning: rocust exited with code {load['exit_code']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="which", required=True)
    p = sub.add_parser("cpu")
    p.add_argument("--wrk-json", required=True)
    p.add_argument("--wrk-out", required=True)
    p.add_argument("--rocust-json", required=True)
    p.add_argument("--rocust-out", required=True, help="rocust's captured stdout+stderr")
    p.add_argument("--rocust-csv", required=True, help="the --csv PREFIX given to rocust")
    p = sub.add_parser("memory")
    p.add_argument("--idle-json", required=True)
    p.add_argument("--load-json", required=True)
    p.add_argument("--load-out", required=True, help="the loaded run's captured stdout+stderr")
    p.add_argument("--load-csv", required=True, help="the --csv PREFIX given to rocust")
    p.add_argument("--users", type=int, required=True)
    p.add_argument("--wait-min", type=float, required=True)
    p.add_argument("--wait-max", type=float, required=True)
    p.add_argument("--settle", type=float, default=6.0, help="seconds after start before sampling loaded RSS")
    p.add_argument("--idle-users", type=int, default=1, help="users of the idle run")
    p.add_argument("--steady-after", type=float, help="measure the achieved rate from this many s on")
    args = parser.parse_args()
    try:
        cpu(args) if args.which == "cpu" else memory(args)
    except (BenchError, KeyError, ValueError) as e:
        print(f"report.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
