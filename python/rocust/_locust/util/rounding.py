"""``locust.util.rounding``: rounding that sends halves up, where ``round`` sends
them to the even neighbour (the web UI and reports show these numbers)."""

from __future__ import annotations

from typing import Union

__all__ = ["proper_round"]


def proper_round(val: Union[int, float], digits: int = 0) -> float:
    """``val`` rounded to ``digits`` decimals, nudged up by less than its last printed
    digit first so that an exact half goes up (2.5 -> 3.0). Always a float."""
    as_float = float(val)
    nudge: float = 10 ** (-len(str(as_float)) - 1)
    return round(as_float + nudge, digits)
