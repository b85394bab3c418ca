"""``locust.util.timespan``: ``"1h20m"`` style durations, as ``--run-time`` takes them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Optional

__all__ = ["parse_timespan"]

_FORMATS = "Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc."
_SECONDS = re.compile(r"^\d+$")
_SPAN = re.compile(r"((?P<hours>\d+?)h)?((?P<minutes>\d+?)m)?((?P<seconds>\d+?)s)?")


def parse_timespan(time_str: Optional[str]) -> int:
    """Whole seconds in ``time_str``: a bare number is seconds, otherwise any of
    hours/minutes/seconds in that order (``3h30m10s``). ValueError for anything else."""
    if not time_str:
        raise ValueError("Invalid time span format")
    if _SECONDS.match(time_str):
        return int(time_str)
    parts = _SPAN.match(time_str)
    if not parts or parts.group(0) != time_str:
        raise ValueError(f"Invalid time span format. {_FORMATS}")
    units = {name: int(value) for name, value in parts.groupdict().items() if value}
    if not units:
        raise ValueError(f"Invalid time span format. {_FORMATS}")
    return int(timedelta(**units).total_seconds())
