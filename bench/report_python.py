#!/usr/bin/env python3
"""Summaries for bench/python.sh (the tools' raw outputs -> per-request CPU and ratios).

    report_python.py cpu LABEL:JSON:OUT:CSV_PREFIX ...   (first: rocust, the others: its peers)

Prints one row per tool and, for each peer, `ratio rocust-python/<peer> cpu-per-request: X.XX`.
Exits 1 when a tool made no requests, so a broken run cannot look like a result.
"""

import sys

from report import BenchError, load_json, rocust_totals


def cpu(specs):
    rows = []
    print(f"{'tool':<22}{'requests':>10}{'req/s':>9}{'fails':>7}{'CPU s':>8}{'µs CPU/req':>12}{'target CPU s':>14}")
    for spec in specs:
        label, json_path, out_path, prefix = spec.split(":", 3)
        run = load_json(json_path)
        (requests, failures, _), _source = rocust_totals(out_path, prefix)
        if requests <= 0:
            raise BenchError(f"{label} made no requests (see {out_path})")
        per_request = run["cpu_s"] / requests * 1e6
        target = run.get("watch_cpu_s")
        print(
            f"{label:<22}{requests:>10}{requests / run['wall_s']:>9.0f}{failures:>7}{run['cpu_s']:>8.2f}"
            f"{per_request:>12.2f}{target if target is not None else float('nan'):>14.2f}"
        )
        if run["exit_code"] not in (0, 1):
            print(f"warning: {label} exited with code {run['exit_code']}")
        rows.append((label, per_request))
    (first, mine), peers = rows[0], rows[1:]
    for label, theirs in peers:
        print(f"ratio {first}/{label} cpu-per-request: {mine / theirs:.2f}")


def main():
    if len(sys.argv) < 4 or sys.argv[1] != "cpu":
        print(__doc__, file=sys.stderr)
        return 2
    try:
        cpu(sys.argv[2:])
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
