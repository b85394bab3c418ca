"""Regenerates the golden files of rocust-report's tests from real Locust.

Run with the Locust 2.47.0 venv:  .venv-locust/bin/python make_golden.py
It replays a fixed scenario (written to scenario.jsonl, which the Rust tests
replay too) through Locust's own RequestStats with a patched time.time, and
saves what Locust's console, CSV and JSON code produce for it.
"""

import csv
import io
import json
import os
import sys
import tempfile
from types import SimpleNamespace
from unittest import mock

import locust.stats as S
from locust.exception import CatchResponseError
from requests.exceptions import HTTPError

HERE = os.path.dirname(os.path.abspath(__file__))
T = 1700000000.0
NOW = T + 15.5


def scenario():
    """Events (kind, time, ...). Response times grow over time so each entry's
    histogram keys first appear in ascending order (Locust's JSON keeps
    first-seen order, rocust's is sorted)."""
    ev = []
    for s in range(15):
        for k in range(4):
            t = T + s + 0.05 + 0.2 * k
            j = s * 4 + k
            rt = 1.5 if j % 3 == 0 else 2.0 + j * 7.3 + k * 0.011
            ev.append(("req", t, "GET", "/", rt, 1234 + k))
            if j % 7 == 0:
                ev.append(("err", t, "GET", "/", CatchResponseError("boom 'x' \"y\"")))
            rt2 = 40.0 if j % 2 == 0 else 95.5 + j * 31.7
            ev.append(("req", t + 0.01, "POST", '/api/items, "quoted"', rt2, 512))
            if j % 5 == 0:
                ev.append(("err", t + 0.01, "POST", '/api/items, "quoted"',
                           HTTPError('500 Server Error: INTERNAL SERVER ERROR for url: /api/items, "quoted"')))
            rt3 = None if k == 1 else 0.4 + j * 0.001
            ev.append(("req", t + 0.02, "GET", "/ünïcode/日本", rt3, 0))
            if s % 3 == 0 and k == 0:
                ev.append(("req", t + 0.03, "WEBSOCKETX", "a-very-long-name-" + "x" * 70, 10500.0 + s * 333.3, 7))
                ev.append(("err", t + 0.03, "WEBSOCKETX", "a-very-long-name-" + "x" * 70,
                           Exception("<Foo object at 0x7f00deadbeef>: failed")))
    return ev


def exceptions():
    tb = '  File "locustfile.py", line 17, in exc\n    raise ValueError("bad value")\n'
    return [
        ("local", "bad value", tb),
        ("local", "bad value", tb),
        ("worker_1", "bad value", tb),
        ("local", "other, with comma", "  File \"x.py\", line 1\n"),
    ]


def main():
    now = [T + 0.25]
    with mock.patch.object(S.time, "time", lambda: now[0]):
        stats = S.RequestStats()
        events = scenario()
        with open(os.path.join(HERE, "scenario.jsonl"), "w") as f:
            f.write(json.dumps({"start": repr(T + 0.25), "now": repr(NOW), "user_count": 7}) + "\n")
            for e in events:
                kind, t = e[0], e[1]
                now[0] = t
                if kind == "req":
                    _, _, method, name, rt, length = e
                    stats.log_request(method, name, rt, length)
                    f.write(json.dumps({"req": [repr(t), method, name, None if rt is None else repr(rt), length]}) + "\n")
                else:
                    _, _, method, name, err = e
                    stats.log_error(method, name, err)
                    f.write(json.dumps({"err": [repr(t), method, name, repr(err)]}) + "\n")
            for node, msg, tb in exceptions():
                f.write(json.dumps({"exc": [node, msg, tb]}) + "\n")

        now[0] = NOW
        runner = SimpleNamespace(exceptions={}, user_count=7, stats=stats)
        for node, msg, tb in exceptions():
            row = runner.exceptions.setdefault(hash(tb), {"count": 0, "msg": msg, "traceback": tb, "nodes": set()})
            row["count"] += 1
            row["nodes"].add(node)
        # sets have no order in Python; rocust keeps first-seen order
        for row in runner.exceptions.values():
            row["nodes"] = sorted(row["nodes"], key=["local", "worker_1"].index)
        env = SimpleNamespace(stats=stats, runner=runner)

        def save(name, text):
            with open(os.path.join(HERE, name), "w", newline="") as f:
                f.write(text)

        for width in (80, 40):
            S.STATS_NAME_WIDTH = width
            save(f"stats_current_w{width}.txt", "\n".join(S.get_stats_summary(stats, current=True)) + "\n")
            save(f"stats_total_w{width}.txt", "\n".join(S.get_stats_summary(stats, current=False)) + "\n")
            save(f"percentiles_w{width}.txt", "\n".join(S.get_percentile_stats_summary(stats)) + "\n")
            save(f"errors_w{width}.txt", "\n".join(S.get_error_report_summary(stats)) + "\n")
        S.STATS_NAME_WIDTH = 80

        tmp = tempfile.mkdtemp()
        for full in (False, True):
            w = S.StatsCSVFileWriter(env, S.PERCENTILES_TO_REPORT, os.path.join(tmp, "x"), full_history=full)
            buf = io.StringIO()
            cw = csv.writer(buf)
            if not full:
                w.requests_csv(cw)
                save("requests.csv", buf.getvalue())
                buf.seek(0), buf.truncate()
                w.failures_csv(cw)
                save("failures.csv", buf.getvalue())
                buf.seek(0), buf.truncate()
                w.exceptions_csv(cw)
                save("exceptions.csv", buf.getvalue())
                buf.seek(0), buf.truncate()
            cw.writerow(w.stats_history_csv_columns)
            w._stats_history_data_rows(cw, NOW)
            save("history_full.csv" if full else "history.csv", buf.getvalue())
            w.close_files()

        # Percentiles a locustfile chose (PERCENTILES_TO_REPORT = [...]), none at all included.
        for label, percentiles in (("custom", [0.07, 0.5, 0.999, 1.0]), ("none", [])):
            S.PERCENTILES_TO_REPORT = percentiles
            S.STATS_NAME_WIDTH = 40
            save(f"percentiles_{label}_w40.txt", "\n".join(S.get_percentile_stats_summary(stats)) + "\n")
            S.STATS_NAME_WIDTH = 80
            w = S.StatsCSVFileWriter(env, percentiles, os.path.join(tmp, label), full_history=True)
            buf = io.StringIO()
            cw = csv.writer(buf)
            w.requests_csv(cw)
            cw.writerow(w.stats_history_csv_columns)
            w._stats_history_data_rows(cw, NOW)
            save(f"csv_{label}.csv", buf.getvalue())
            w.close_files()
        S.PERCENTILES_TO_REPORT = [0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0]

        S.update_stats_history(runner, "t")
        h = stats.history[-1]
        save("history_row.json", json.dumps({k: v[1] for k, v in h.items() if k != "time"}, indent=4) + "\n")

        # last: serialize_stats resets the entries it serializes
        save("stats.json", json.dumps(stats.serialize_stats(), indent=4) + "\n")
        save("stats_after_json_w80.txt", "\n".join(S.get_stats_summary(stats, current=False)) + "\n")


if __name__ == "__main__":
    sys.exit(main())
