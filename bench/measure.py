#!/usr/bin/env python3
"""Run one command and record what it cost.

    measure.py --out RESULT.json [--rss-interval S] [--watch PID]... [--tree] -- COMMAND [ARGS...]

Writes JSON with the child's own CPU seconds (user, sys: wait4's rusage of exactly that child,
all its threads included), wall seconds, peak RSS, VmRSS samples [[seconds_since_start, kB], ...]
and, with --watch, the CPU seconds other processes (the targets) used meanwhile. With --tree the
VmRSS samples are of the child and all its descendants (a master and its forked workers), and
cpu_s is the larger of the child's rusage (which has the descendants it waited for) and the sum
of every process's CPU as last sampled (for descendants nobody waits for).
The child's stdout/stderr are inherited. Exits with the child's exit code.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid):
    """utime + stime of a live process from /proc/PID/stat, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: split after the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def vm_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def watched_cpu_seconds(pids):
    """The summed CPU seconds of ``pids``, or None if there are none or one is gone."""
    seconds = [proc_cpu_seconds(pid) for pid in pids]
    return sum(seconds) if seconds and None not in seconds else None


def descendants(pid):
    """PIDs of the live processes below ``pid``."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    parser.add_argument("--rss-interval", type=float, default=0.1, help="seconds between VmRSS samples")
    parser.add_argument(
        "--watch", type=int, action="append", default=[], help="also report this PID's CPU seconds (repeatable: summed)"
    )
    parser.add_argument("--tree", action="store_true", help="VmRSS of the child and its descendants")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")

    watch_before = watched_cpu_seconds(args.watch)
    started = time.monotonic()
    try:
        child = subprocess.Popen(command)
    except OSError as e:
        print(f"measure.py: cannot run {command[0]}: {e}", file=sys.stderr)
        return 127

    # The terminal sends Ctrl-C to the child too; keep measuring until it has exited.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    samples = []
    done = threading.Event()

    # With --tree: each process's own CPU seconds when last seen, for children their parent
    # never waits for (their CPU is then not in the child's rusage; Locust's --processes).
    cpu_seen = {}

    def sample_rss():
        while not done.is_set():
            pids = [child.pid, *descendants(child.pid)] if args.tree else [child.pid]
            sizes = [vm_rss_kb(pid) for pid in pids]
            if sizes[0] is not None:
                samples.append([round(time.monotonic() - started, 3), sum(kb or 0 for kb in sizes)])
            if args.tree:
                for pid in pids:
                    seconds = proc_cpu_seconds(pid)
                    if seconds is not None:
                        cpu_seen[pid] = seconds
            done.wait(args.rss_interval)

    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    done.set()
    sampler.join()
    watch_after = watched_cpu_seconds(args.watch)

    exit_code = os.waitstatus_to_exitcode(status)
    result = {
        "command": command,
        "exit_code": exit_code,
        "wall_s": round(wall, 3),
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "cpu_s": max(usage.ru_utime + usage.ru_stime, sum(cpu_seen.values())),
        "maxrss_kb": usage.ru_maxrss,
        "rss_samples": samples,
        "watch_cpu_s": (
            watch_after - watch_before if watch_before is not None and watch_after is not None else None
        ),
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    return exit_code if exit_code >= 0 else 128 - exit_code


if __name__ == "__main__":
    sys.exit(main())
