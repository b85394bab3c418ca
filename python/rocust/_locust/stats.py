"""``locust.stats``: the settings locustfiles change and a plain-Python RequestStats.

Under the engine the real statistics live in Rust and the engine puts an object with
this module's RequestStats surface on ``environment.stats`` (so ``stats.total`` reads
Rust's numbers). The Python implementation here follows Locust's definitions (facts
sheet section 2) and serves runs without the engine: ``run_single_user``, tests and
library use. The module-level settings are read by the engine at test start, which
is why locustfiles may assign them (``stats.PERCENTILES_TO_REPORT = [...]``).
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from typing import Any, Dict, List, Optional, Tuple, Union

from .exception import CatchResponseError

__all__ = [
    "CONSOLE_STATS_INTERVAL_SEC",
    "CSV_STATS_FLUSH_INTERVAL_SEC",
    "CSV_STATS_INTERVAL_SEC",
    "CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW",
    "HISTORY_STATS_INTERVAL_SEC",
    "PERCENTILES_TO_CHART",
    "PERCENTILES_TO_REPORT",
    "PERCENTILES_TO_STATISTICS",
    "RequestStats",
    "StatsEntry",
    "StatsError",
    "bucket_response_time",
    "calculate_response_time_percentile",
    "get_readable_percentiles",
]

STATS_NAME_WIDTH = 80
STATS_TYPE_WIDTH = 8
STATS_AUTORESIZE = True
CONSOLE_STATS_INTERVAL_SEC = 2
HISTORY_STATS_INTERVAL_SEC = 5
CSV_STATS_INTERVAL_SEC = 1
CSV_STATS_FLUSH_INTERVAL_SEC = 5
CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW = 10
PERCENTILES_TO_REPORT = [0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0]
PERCENTILES_TO_STATISTICS = [0.95, 0.99]
PERCENTILES_TO_CHART = [0.5, 0.95]

ErrorLike = Union[Exception, str, None]


def bucket_response_time(response_time: Union[int, float]) -> int:
    """Rounds to about two significant digits (147 -> 150, 3432 -> 3400), which keeps
    the response-time histogram small; Python's round, so halves go to even."""
    if response_time < 100:
        return round(response_time)
    if response_time < 1000:
        return int(round(response_time, -1))
    if response_time < 10000:
        return int(round(response_time, -2))
    return int(round(response_time, -3))


def get_readable_percentiles(percentile_list: List[float]) -> List[str]:
    """0.95 -> "95%", 0.999 -> "99.9%" (column titles)."""
    return [f"{int(p * 100) if (p * 100).is_integer() else round(100 * p, 6)}%" for p in percentile_list]


def calculate_response_time_percentile(response_times: Dict[int, int], num_requests: int, percent: float) -> int:
    """The bucket below which ``percent`` of the ``num_requests`` fall, walking the
    histogram from the slowest bucket down; 0 for an empty histogram."""
    wanted = int(num_requests * percent)
    seen = 0
    for bucket in sorted(response_times.keys(), reverse=True):
        seen += response_times[bucket]
        if num_requests - seen <= wanted:
            return bucket
    return 0


def avg(values: List[float]) -> float:
    return sum(values, 0.0) / max(len(values), 1)


class StatsEntry:
    """Counts for one (name, method), or for all requests ("Aggregated")."""

    def __init__(self, stats: "RequestStats", name: str, method: str, use_response_times_cache: bool = False):
        self.stats = stats
        self.name = name
        self.method = method
        self.use_response_times_cache = use_response_times_cache
        self.num_requests = 0
        self.num_none_requests = 0
        self.num_failures = 0
        self.total_response_time: float = 0
        self.min_response_time: Optional[float] = None
        self.max_response_time: float = 0
        self.num_reqs_per_sec: Dict[int, int] = defaultdict(int)
        self.num_fail_per_sec: Dict[int, int] = defaultdict(int)
        self.response_times: Dict[int, int] = defaultdict(int)
        self.total_content_length = 0
        self.start_time = 0.0
        self.last_request_timestamp: Optional[float] = None
        self.reset()

    def reset(self) -> None:
        """Zeroes the counts and restarts the clock (names are kept by the owner)."""
        self.start_time = time.time()
        self.num_requests = 0
        self.num_none_requests = 0
        self.num_failures = 0
        self.total_response_time = 0
        self.response_times = defaultdict(int)
        self.min_response_time = None
        self.max_response_time = 0
        self.last_request_timestamp = None
        self.num_reqs_per_sec = defaultdict(int)
        self.num_fail_per_sec = defaultdict(int)
        self.total_content_length = 0

    def log(self, response_time: Optional[float], content_length: int) -> None:
        """Counts one request; a None response time counts the request only."""
        now = time.time()
        self.num_requests += 1
        self.num_reqs_per_sec[int(now)] += 1
        self.last_request_timestamp = now
        self.total_content_length += content_length
        if response_time is None:
            self.num_none_requests += 1
            return
        self.total_response_time += response_time
        if self.min_response_time is None:
            self.min_response_time = response_time
        else:
            self.min_response_time = min(self.min_response_time, response_time)
        self.max_response_time = max(self.max_response_time, response_time)
        self.response_times[bucket_response_time(response_time)] += 1

    def log_error(self, error: ErrorLike) -> None:
        """Counts one failure (the request itself is counted by ``log``)."""
        self.num_failures += 1
        self.num_fail_per_sec[int(time.time())] += 1

    @property
    def fail_ratio(self) -> float:
        if self.num_requests == 0:
            return 1.0 if self.num_failures > 0 else 0.0
        return float(self.num_failures) / self.num_requests

    @property
    def avg_response_time(self) -> float:
        timed = self.num_requests - self.num_none_requests
        return float(self.total_response_time) / timed if timed else 0.0

    @property
    def median_response_time(self) -> float:
        """The 50th percentile bucket, clamped to the exact min and max so that a
        single slow request does not report a median above its maximum."""
        if not self.response_times:
            return 0
        median: float = (
            calculate_response_time_percentile(self.response_times, self.num_requests - self.num_none_requests, 0.5)
            or 0
        )
        if median > self.max_response_time:
            median = self.max_response_time
        elif self.min_response_time is not None and median < self.min_response_time:
            median = self.min_response_time
        return median

    def _recent_average(self, per_second: Dict[int, int]) -> float:
        last = self.stats.last_request_timestamp
        if last is None:
            return 0
        start = max(int(last) - 12, int(self.stats.start_time or 0))
        return avg([per_second.get(t, 0) for t in range(start, int(last) - 2)])

    @property
    def current_rps(self) -> float:
        """Requests per second over the last ~10 s, leaving out the last 2 s."""
        return self._recent_average(self.num_reqs_per_sec)

    @property
    def current_fail_per_sec(self) -> float:
        return self._recent_average(self.num_fail_per_sec)

    def _per_second(self, count: int) -> float:
        last, start = self.stats.last_request_timestamp, self.stats.start_time
        if not last or not start or last == start:
            return 0.0
        return count / (last - start)

    @property
    def total_rps(self) -> float:
        return self._per_second(self.num_requests)

    @property
    def total_fail_per_sec(self) -> float:
        return self._per_second(self.num_failures)

    @property
    def avg_content_length(self) -> float:
        return self.total_content_length / self.num_requests if self.num_requests else 0

    def get_response_time_percentile(self, percent: float) -> int:
        """Response time (bucketed, ms) that ``percent`` (0.0-1.0) of requests were within."""
        return calculate_response_time_percentile(
            self.response_times, self.num_requests - self.num_none_requests, percent
        )

    def to_dict(self) -> Dict[str, Any]:
        return {
            "method": self.method,
            "name": self.name,
            "num_requests": self.num_requests,
            "num_failures": self.num_failures,
            "avg_response_time": self.avg_response_time,
            "min_response_time": self.min_response_time or 0,
            "max_response_time": self.max_response_time,
            "current_rps": self.current_rps,
            "current_fail_per_sec": self.current_fail_per_sec,
            "median_response_time": self.median_response_time,
            "avg_content_length": self.avg_content_length,
        }


class StatsError:
    """One distinct failure text of one (method, name), with its occurrences."""

    def __init__(
        self,
        method: str,
        name: str,
        error: ErrorLike,
        occurrences: int = 0,
        first_seen: Optional[float] = None,
        last_seen: Optional[float] = None,
    ):
        self.method = method
        self.name = name
        self.error = error
        self.occurrences = occurrences
        self.first_seen = first_seen
        self.last_seen = last_seen

    @classmethod
    def parse_error(cls, error: ErrorLike) -> str:
        """The error's text with any ``object at 0x...`` address masked, so that the
        same failure from different objects is counted as one."""
        text = error if isinstance(error, str) else repr(error)
        marker = "object at 0x"
        at = text.find(marker)
        if at < 0:
            return text
        start = at + len(marker) - 2
        end = text.find(">", start)
        if end < 0:
            return text
        return text.replace(text[start:end], "0x....")

    @classmethod
    def create_key(cls, method: str, name: str, error: ErrorLike) -> str:
        key = f"{method}.{name}.{StatsError.parse_error(error)!r}"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def occurred(self) -> None:
        self.occurrences += 1
        now = time.time()
        if self.first_seen is None:
            self.first_seen = now
        self.last_seen = now

    def to_name(self) -> str:
        """``"METHOD name: error"`` as the error report prints it (a failure() message
        shows as its bare text)."""
        error = self.error
        if isinstance(error, str):
            prefix = "CatchResponseError("
            shown = error[len(prefix) : -1] if error.startswith(prefix) else error
        elif isinstance(error, CatchResponseError):
            shown = error.args[0]
        else:
            shown = repr(error)
        return f"{self.method} {self.name}: {shown}"

    def to_dict(self) -> Dict[str, Any]:
        return {
            "method": self.method,
            "name": self.name,
            "error": self.parse_error(self.error),
            "occurrences": self.occurrences,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


class _Entries(Dict[Tuple[str, str], StatsEntry]):
    """Creates an entry the first time a (name, method) is looked up, as Locust does."""

    def __init__(self, request_stats: "RequestStats") -> None:
        super().__init__()
        self.request_stats = request_stats

    def __missing__(self, key: Tuple[str, str]) -> StatsEntry:
        entry = StatsEntry(self.request_stats, key[0], key[1], self.request_stats.use_response_times_cache)
        self[key] = entry
        return entry


class RequestStats:
    """Per-(name, method) entries, the "Aggregated" ``total`` and the failures."""

    def __init__(self, use_response_times_cache: bool = True) -> None:
        self.use_response_times_cache = use_response_times_cache
        self.entries: Dict[Tuple[str, str], StatsEntry] = _Entries(self)
        self.errors: Dict[str, StatsError] = {}
        self.total = StatsEntry(self, "Aggregated", "", use_response_times_cache)
        self.history: List[Dict[str, Any]] = []

    @property
    def num_requests(self) -> int:
        return self.total.num_requests

    @property
    def num_none_requests(self) -> int:
        return self.total.num_none_requests

    @property
    def num_failures(self) -> int:
        return self.total.num_failures

    @property
    def last_request_timestamp(self) -> Optional[float]:
        return self.total.last_request_timestamp

    @property
    def start_time(self) -> float:
        return self.total.start_time

    def log_request(self, method: str, name: str, response_time: Optional[float], content_length: int) -> None:
        self.total.log(response_time, content_length)
        self.entries[(name, method)].log(response_time, content_length)

    def log_error(self, method: str, name: str, error: ErrorLike) -> None:
        self.total.log_error(error)
        self.entries[(name, method)].log_error(error)
        key = StatsError.create_key(method, name, error)
        entry = self.errors.get(key)
        if not entry:
            entry = StatsError(method, name, error)
            self.errors[key] = entry
        entry.occurred()

    def get(self, name: str, method: str) -> StatsEntry:
        return self.entries[(name, method)]

    def reset_all(self) -> None:
        """Zeroes every entry but keeps their names (``--reset-stats``)."""
        self.total.reset()
        self.errors = {}
        for entry in self.entries.values():
            entry.reset()
        self.history = []

    def clear_all(self) -> None:
        """Forgets every entry (a new test)."""
        self.total = StatsEntry(self, "Aggregated", "", self.use_response_times_cache)
        self.entries = _Entries(self)
        self.errors = {}
        self.history = []
