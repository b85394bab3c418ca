#!/usr/bin/env python3
"""Summary for bench/websocket.sh (each part's raw outputs -> messages per CPU-second).

    report_websocket.py LABEL:JSON:OUT:CSV_PREFIX ...   (first: rocust, the others: its peers)

A part's load test records every WebSocket message it sends under a name starting with "send"
and every one it receives under a name starting with "recv" (request type WS), as the Rust
example does ("send", "recv", "send binary", "recv binary"); connects and pings are not counted.
Messages = sent + received; CPU = the load generator's own user+sys seconds (bench/measure.py).

Prints one row per part and, for each peer, `ratio <first>/<peer> messages-per-cpu-second: X.XX`.
Exits 1 when a part moved no messages, so a broken run cannot look like a result.
"""

import csv
import sys

from report import BenchError, load_json


def message_counts(prefix):
    """(sent, received, failures among them) from PREFIX_stats.csv, written once more at the end."""
    path = f"{prefix}_stats.csv"
    sent = received = failures = 0
    try:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                if row.get("Type") != "WS":
                    continue
                name = row.get("Name", "")
                count = int(row["Request Count"])
                if name.startswith("send"):
                    sent += count
                elif name.startswith("recv"):
                    received += count
                else:
                    continue
                failures += int(row["Failure Count"])
    except OSError as e:
        raise BenchError(f"cannot read {path}: {e}")
    return sent, received, failures


def report(specs):
    rows = []
    print(
        f"{'part':<16}{'sent':>10}{'received':>10}{'fails':>7}{'msg/s':>9}{'CPU s':>8}"
        f"{'msg/CPU-s':>11}{'µs CPU/echo':>13}{'target CPU s':>14}"
    )
    for spec in specs:
        label, json_path, out_path, prefix = spec.split(":", 3)
        run = load_json(json_path)
        sent, received, failures = message_counts(prefix)
        messages = sent + received
        if received <= 0 or run["cpu_s"] <= 0:
            raise BenchError(f"{label} received no messages (see {out_path})")
        per_cpu_s = messages / run["cpu_s"]
        target = run.get("watch_cpu_s")
        print(
            f"{label:<16}{sent:>10}{received:>10}{failures:>7}{messages / run['wall_s']:>9.0f}"
            f"{run['cpu_s']:>8.2f}{per_cpu_s:>11.0f}{run['cpu_s'] / received * 1e6:>13.2f}"
            f"{target if target is not None else float('nan'):>14.2f}"
        )
        if failures:
            print(f"warning: {label} recorded {failures} failed sends or receives")
        if run["exit_code"] not in (0, 1):
            print(f"warning: {label} exited with code {run['exit_code']}")
        rows.append((label, per_cpu_s))
    for label, value in rows:
        print(f"{label} messages per CPU-second: {value:.0f}")
    (first, mine), peers = rows[0], rows[1:]
    for label, theirs in peers:
        print(f"ratio {first}/{label} messages-per-cpu-second: {mine / theirs:.2f}")


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        report(sys.argv[1:])
    except (BenchError, KeyError, ValueError) as e:
        print(f"report_websocket.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
