"""``locust.util.date``: the timestamps and durations reports print."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Union

__all__ = ["format_duration", "format_safe_timestamp", "format_utc_timestamp"]

Seconds = Union[int, float]


def format_utc_timestamp(unix_timestamp: Seconds) -> str:
    """``2024-05-01T12:00:00Z`` for a time in epoch seconds (fraction dropped)."""
    return datetime.fromtimestamp(int(unix_timestamp), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_safe_timestamp(unix_timestamp: Seconds) -> str:
    """``2024-05-01-12h00`` in local time: usable in a file name."""
    return datetime.fromtimestamp(int(unix_timestamp)).strftime("%Y-%m-%d-%Hh%M")


def format_duration(start_time: Seconds, end_time: Seconds) -> str:
    """``"1 hour, 2 minutes and 1 second"``; zero parts are left out; ``"0 seconds"``
    for less than a second."""
    seconds = int(end_time - start_time)
    amounts = [
        (seconds // 86400, "day"),
        (seconds % 86400 // 3600, "hour"),
        (seconds % 3600 // 60, "minute"),
        (seconds % 60, "second"),
    ]
    parts = [f"{value} {unit}{'' if value == 1 else 's'}" for value, unit in amounts if value > 0]
    if not parts:
        return "0 seconds"
    if len(parts) == 1:
        return parts[0]
    return f"{', '.join(parts[:-1])} and {parts[-1]}"
