"""``locust.stats``: request statistics, the settings locustfiles change, and the
console, CSV and history helpers library users call (``stats_printer``,
``stats_history``, ``StatsCSVFileWriter``).

Under ``rocust -f`` the real statistics live in Rust: ``environment.stats`` is a view
with this module's RequestStats surface over the engine's numbers, and the engine
prints the tables and writes the CSV files itself. The module-level settings
(``PERCENTILES_TO_REPORT``, ``CSV_STATS_INTERVAL_SEC``, ...) are handed to the engine
once the locustfiles are imported, which is why a locustfile may assign them
(``stats.PERCENTILES_TO_REPORT = [...]``). The Python implementation here follows
Locust's definitions and serves runs without the engine: ``run_single_user``, tests,
library use.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections import OrderedDict, defaultdict, namedtuple
from copy import copy
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, Union

from .exception import CatchResponseError
from .util.rounding import proper_round

__all__ = [
    "CONSOLE_STATS_INTERVAL_SEC",
    "CSV_STATS_FLUSH_INTERVAL_SEC",
    "CSV_STATS_INTERVAL_SEC",
    "CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW",
    "CachedResponseTimes",
    "HISTORY_STATS_INTERVAL_SEC",
    "PERCENTILES_TO_CHART",
    "PERCENTILES_TO_REPORT",
    "PERCENTILES_TO_STATISTICS",
    "RequestStats",
    "RequestStatsAdditionError",
    "STATS_AUTORESIZE",
    "STATS_NAME_WIDTH",
    "STATS_TYPE_WIDTH",
    "StatsCSV",
    "StatsCSVFileWriter",
    "StatsEntry",
    "StatsError",
    "bucket_response_time",
    "calculate_response_time_percentile",
    "diff_response_time_dicts",
    "get_error_report_summary",
    "get_percentile_stats_summary",
    "get_readable_percentiles",
    "get_stats_summary",
    "print_error_report",
    "print_percentile_stats",
    "print_stats",
    "print_stats_json",
    "save_stats_json",
    "setup_distributed_stats_event_listeners",
    "sort_stats",
    "stats_history",
    "stats_printer",
    "update_stats_history",
    "validate_stats_configuration",
]


def _terminal_name_width() -> Optional[int]:
    try:
        return max(min(os.get_terminal_size()[0] - 80, 80), 0)
    except OSError:  # not a terminal
        return None


_width = _terminal_name_width()
#: Width of the name column: shrinks on terminals narrower than 160 columns.
STATS_NAME_WIDTH = 80 if _width is None else _width
#: Whether STATS_NAME_WIDTH follows terminal resizes (see resize_handler).
STATS_AUTORESIZE = True
#: To tell whether a locustfile set STATS_NAME_WIDTH (then the engine uses it).
_STATS_NAME_WIDTH_AT_IMPORT = STATS_NAME_WIDTH


def resize_handler(signum: int, frame: Any) -> None:
    """A SIGWINCH handler: the name column follows the terminal (unless
    STATS_AUTORESIZE is off). Locust installs it at import; rocust does not, because
    a Python handler without SA_RESTART would interrupt the engine threads' system
    calls; install it with ``signal.signal(signal.SIGWINCH, resize_handler)``."""
    global STATS_NAME_WIDTH, _STATS_NAME_WIDTH_AT_IMPORT
    if STATS_AUTORESIZE:
        width = _terminal_name_width()
        if width is not None:
            STATS_NAME_WIDTH = _STATS_NAME_WIDTH_AT_IMPORT = width

STATS_TYPE_WIDTH = 8
#: Seconds between the console tables.
CONSOLE_STATS_INTERVAL_SEC: float = 2
#: Seconds between two samples of the history (charts, HTML report).
HISTORY_STATS_INTERVAL_SEC: float = 5
#: Seconds between two CSV writes (each appends history rows).
CSV_STATS_INTERVAL_SEC: float = 1
#: Seconds between flushes of the CSV files.
CSV_STATS_FLUSH_INTERVAL_SEC: float = 5
#: Seconds the "current" percentiles look back.
CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW = 10
#: Columns of the percentile table and the CSV files.
PERCENTILES_TO_REPORT = [0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0]
#: Percentiles of the web UI's statistics table (each 0 < p < 1).
PERCENTILES_TO_STATISTICS = [0.95, 0.99]
#: Percentiles charted by the web UI and the HTML report (at most 6, each 0 < p < 1).
PERCENTILES_TO_CHART = [0.5, 0.95]

CachedResponseTimes = namedtuple("CachedResponseTimes", ["response_times", "num_requests", "num_none_requests"])


class RequestStatsAdditionError(Exception):
    pass


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


def diff_response_time_dicts(latest: Dict[int, int], old: Dict[int, int]) -> Dict[int, int]:
    """``latest - old`` per bucket, without the buckets that did not change (the
    histogram of the requests in between)."""
    return {t: latest[t] - old.get(t, 0) for t in latest if latest[t] - old.get(t, 0)}


def avg(values: List[float]) -> float:
    return sum(values, 0.0) / max(len(values), 1)


class StatsEntry:
    """Counts for one (name, method), or for all requests ("Aggregated").

    With ``use_response_times_cache`` the entry keeps a copy of its histogram for
    each of the last seconds, from which ``get_current_response_time_percentile``
    computes percentiles of about the last 10 seconds.
    """

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
        self.response_times_cache: Optional["OrderedDict[int, CachedResponseTimes]"] = None
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
        if self.use_response_times_cache:
            self.response_times_cache = OrderedDict()
            self._cache_response_times(int(time.time()))

    def log(self, response_time: Optional[float], content_length: int) -> None:
        """Counts one request; a None response time counts the request only."""
        now = time.time()
        second = int(now)
        if self.use_response_times_cache and self.last_request_timestamp and second > int(self.last_request_timestamp):
            # The first request of a new second: keep the histogram as it was before it.
            self._cache_response_times(second - 1)
        self.num_requests += 1
        self.num_reqs_per_sec[second] += 1
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

    def extend(self, other: "StatsEntry") -> None:
        """Adds ``other``'s counts to this entry (a master merging worker reports)."""
        old_last = self.last_request_timestamp
        if self.last_request_timestamp is not None and other.last_request_timestamp is not None:
            self.last_request_timestamp = max(self.last_request_timestamp, other.last_request_timestamp)
        elif other.last_request_timestamp is not None:
            self.last_request_timestamp = other.last_request_timestamp
        self.start_time = min(self.start_time, other.start_time)
        self.num_requests += other.num_requests
        self.num_none_requests += other.num_none_requests
        self.num_failures += other.num_failures
        self.total_response_time += other.total_response_time
        self.max_response_time = max(self.max_response_time, other.max_response_time)
        if self.min_response_time is not None and other.min_response_time is not None:
            self.min_response_time = min(self.min_response_time, other.min_response_time)
        elif other.min_response_time is not None:
            self.min_response_time = other.min_response_time
        self.total_content_length += other.total_content_length
        for mine, theirs in (
            (self.response_times, other.response_times),
            (self.num_reqs_per_sec, other.num_reqs_per_sec),
            (self.num_fail_per_sec, other.num_fail_per_sec),
        ):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        if self.use_response_times_cache:
            # A report reaching a new second: snapshot the histogram for that second.
            last = int(self.last_request_timestamp) if self.last_request_timestamp else None
            if last and last > ((old_last and int(old_last)) or 0):
                self._cache_response_times(last)

    def serialize(self) -> Dict[str, Any]:
        """The entry as the wire and ``--json`` carry it."""
        return {key: getattr(self, key, None) for key in _SERIALIZED_KEYS}

    @classmethod
    def unserialize(cls, data: Dict[str, Any], stats: "RequestStats") -> "StatsEntry":
        entry = cls(stats, data["name"], data["method"])
        for key, value in data.items():
            if key in _SERIALIZED_KEYS and key not in ("name", "method"):
                setattr(entry, key, value)
        return entry

    def get_stripped_report(self) -> Dict[str, Any]:
        """``serialize()``, then reset the entry (what a worker sends)."""
        report = self.serialize()
        self.reset()
        return report

    def to_string(self, current: bool = True) -> str:
        """The entry's row of the console table: with ``current``, the rates of the
        last ~10 seconds; otherwise the rates of the whole run."""
        rps = self.current_rps if current else self.total_rps
        fail_per_sec = self.current_fail_per_sec if current else self.total_fail_per_sec
        name_width = STATS_NAME_WIDTH - STATS_TYPE_WIDTH + 4
        row = f"%-{STATS_TYPE_WIDTH}s %-{name_width}s %7d %12s |%7d %7d %7d%7d | %7.2f %11.2f"
        return row % (
            (self.method and self.method + " ") or "",
            self.name,
            self.num_requests,
            "%d(%.2f%%)" % (self.num_failures, self.fail_ratio * 100),
            self.avg_response_time,
            self.min_response_time or 0,
            self.max_response_time,
            self.median_response_time or 0,
            rps or 0,
            fail_per_sec or 0,
        )

    def __str__(self) -> str:
        return self.to_string(current=True)

    def get_response_time_percentile(self, percent: float) -> int:
        """Response time (bucketed, ms) that ``percent`` (0.0-1.0) of requests were within."""
        return calculate_response_time_percentile(
            self.response_times, self.num_requests - self.num_none_requests, percent
        )

    def get_current_response_time_percentile(self, percent: float) -> Optional[int]:
        """The percentile over about the last CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW
        seconds: today's histogram minus the one cached closest to that long ago
        (at most 8 seconds off); None when no such snapshot exists."""
        engine = self.stats._engine_current_percentile
        if engine is not None:
            return engine(self.name, self.method, percent)
        if not self.use_response_times_cache:
            raise ValueError(
                "StatsEntry.use_response_times_cache must be set to True to calculate the _current_ response time "
                "percentile"
            )
        target = int(time.time()) - CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW
        candidates = [target]
        for i in range(1, 9):
            candidates += [target - i, target + i]
        cache: Dict[int, CachedResponseTimes] = self.response_times_cache or {}
        cached = next((cache[t] for t in candidates if t in cache), None)
        if not cached:
            return None
        return calculate_response_time_percentile(
            diff_response_time_dicts(self.response_times, cached.response_times),
            (self.num_requests - self.num_none_requests) - (cached.num_requests - cached.num_none_requests),
            percent,
        )

    def percentile(self) -> str:
        """The entry's row of the percentile table (PERCENTILES_TO_REPORT columns)."""
        if not self.num_requests:
            raise ValueError("Can't calculate percentile on url with no successful requests")
        row = f"%-{STATS_TYPE_WIDTH}s %-{STATS_NAME_WIDTH}s %8d {' '.join(['%6d'] * len(PERCENTILES_TO_REPORT))}"
        return row % (
            self.method or "",
            self.name,
            *(self.get_response_time_percentile(p) for p in PERCENTILES_TO_REPORT),
            self.num_requests,
        )

    def _cache_response_times(self, t: int) -> None:
        if self.response_times_cache is None:
            self.response_times_cache = OrderedDict()
        self.response_times_cache[t] = CachedResponseTimes(
            response_times=copy(self.response_times),
            num_requests=self.num_requests,
            num_none_requests=self.num_none_requests,
        )
        # Enough seconds for a snapshot up to 10 s older than the window's start.
        keep = CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW + 10
        while len(self.response_times_cache) > keep:
            self.response_times_cache.popitem(last=False)

    def to_dict(self, escape_string_values: bool = False) -> Dict[str, Any]:
        """The entry as the web UI's statistics table shows it."""
        percentiles = {
            f"response_time_percentile_{p}": self.get_response_time_percentile(p) for p in PERCENTILES_TO_STATISTICS
        }
        return {
            "method": self.method,
            "name": self.name,
            "num_requests": self.num_requests,
            "num_failures": self.num_failures,
            "min_response_time": 0 if self.min_response_time is None else proper_round(self.min_response_time),
            "max_response_time": proper_round(self.max_response_time),
            "current_rps": self.current_rps,
            "current_fail_per_sec": self.current_fail_per_sec,
            "avg_response_time": self.avg_response_time,
            "median_response_time": self.median_response_time,
            "total_rps": self.total_rps,
            "total_fail_per_sec": self.total_fail_per_sec,
            **percentiles,
            "avg_content_length": self.avg_content_length,
        }


#: The keys of a serialized entry, in Locust's order.
_SERIALIZED_KEYS = (
    "name",
    "method",
    "last_request_timestamp",
    "start_time",
    "num_requests",
    "num_none_requests",
    "num_failures",
    "total_response_time",
    "max_response_time",
    "min_response_time",
    "total_content_length",
    "response_times",
    "num_reqs_per_sec",
    "num_fail_per_sec",
)


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

    def serialize(self) -> Dict[str, Any]:
        """The error as the wire carries it (its text, not the exception object)."""
        return self.to_dict()

    @classmethod
    def unserialize(cls, data: Dict[str, Any]) -> "StatsError":
        return cls(
            data["method"],
            data["name"],
            data["error"],
            data["occurrences"],
            data.get("first_seen"),
            data.get("last_seen"),
        )

    def to_dict(self) -> Dict[str, Any]:
        return {
            "method": self.method,
            "name": self.name,
            "error": self.parse_error(self.error),
            "occurrences": self.occurrences,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


class EntriesDict(Dict[Tuple[str, str], StatsEntry]):
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
        self.entries: Dict[Tuple[str, str], StatsEntry] = EntriesDict(self)
        self.errors: Dict[str, StatsError] = {}
        self.total = StatsEntry(self, "Aggregated", "", use_response_times_cache)
        self.history: List[Dict[str, Any]] = []
        self._engine_current_percentile: Optional[Callable[[str, str, float], Optional[int]]] = None
        """Set on a view of the engine's stats: the engine keeps the per-second
        histograms, so it computes the current percentiles."""

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
        self.entries = EntriesDict(self)
        self.errors = {}
        self.history = []

    def serialize_stats(self) -> List[Dict[str, Any]]:
        """Every entry with requests or failures, serialized and then reset."""
        return [e.get_stripped_report() for e in self.entries.values() if e.num_requests or e.num_failures]

    def serialize_errors(self) -> Dict[str, Dict[str, Any]]:
        return {key: error.serialize() for key, error in self.errors.items()}


S = TypeVar("S")


def sort_stats(stats: Dict[Any, S]) -> List[S]:
    """The values of a stats dict in key order ((name, method) for entries)."""
    return [stats[key] for key in sorted(stats.keys())]


def setup_distributed_stats_event_listeners(events: Any, stats: RequestStats) -> None:
    """Wires ``stats`` to a master's and a worker's report events: a worker sends its
    entries and errors since the last report, a master adds them up."""

    def on_report_to_master(client_id: str, data: Dict[str, Any]) -> None:
        data["stats"] = stats.serialize_stats()
        data["stats_total"] = stats.total.get_stripped_report()
        data["errors"] = stats.serialize_errors()
        stats.errors = {}

    def on_worker_report(client_id: str, data: Dict[str, Any]) -> None:
        for entry_data in data["stats"]:
            entry = StatsEntry.unserialize(entry_data, stats)
            key = (entry.name, entry.method)
            if key not in stats.entries:
                stats.entries[key] = StatsEntry(stats, entry.name, entry.method, use_response_times_cache=True)
            stats.entries[key].extend(entry)
        for error_key, error in data["errors"].items():
            existing = stats.errors.get(error_key)
            if existing is None:
                stats.errors[error_key] = StatsError.unserialize(error)
                continue
            existing.occurrences += error["occurrences"]
            first, last = error.get("first_seen"), error.get("last_seen")
            if first:
                existing.first_seen = first if existing.first_seen is None else min(existing.first_seen, first)
            if last:
                existing.last_seen = last if existing.last_seen is None else max(existing.last_seen, last)
        stats.total.extend(StatsEntry.unserialize(data["stats_total"], stats))

    events.report_to_master.add_listener(on_report_to_master)
    events.worker_report.add_listener(on_worker_report)


def _is_valid_percentile(parameter: Any) -> bool:
    try:
        return 0 < float(parameter) < 1
    except ValueError:
        return False


def validate_stats_configuration() -> None:
    """Exits 1 with Locust's message when a locustfile set PERCENTILES_TO_CHART or
    PERCENTILES_TO_STATISTICS to something the charts cannot show."""
    if len(PERCENTILES_TO_CHART) > 6:
        sys.stderr.write("stats.PERCENTILES_TO_CHART parameter should be a maximum of 6 parameters \n")
        sys.exit(1)
    for percentile in PERCENTILES_TO_CHART:
        if not _is_valid_percentile(percentile):
            sys.stderr.write(
                "stats.PERCENTILES_TO_CHART parameter need to be float and value between. 0 < percentile < 1 Eg 0.95\n"
            )
            sys.exit(1)
    for percentile in PERCENTILES_TO_STATISTICS:
        if not _is_valid_percentile(percentile):
            sys.stderr.write(
                "stats.PERCENTILES_TO_STATISTICS parameter need to be float and value between. "
                "0 < percentile < 1 Eg 0.95\n"
            )
            sys.exit(1)


# Output helpers, in their own module for size; part of this module's API as in Locust.
from ._stats_output import (  # noqa: E402
    StatsCSV as StatsCSV,
    StatsCSVFileWriter as StatsCSVFileWriter,
    console_logger as console_logger,
    get_error_report_summary as get_error_report_summary,
    get_percentile_stats_summary as get_percentile_stats_summary,
    get_stats_summary as get_stats_summary,
    print_error_report as print_error_report,
    print_percentile_stats as print_percentile_stats,
    print_stats as print_stats,
    print_stats_json as print_stats_json,
    save_stats_json as save_stats_json,
    stats_history as stats_history,
    stats_printer as stats_printer,
    update_stats_history as update_stats_history,
)
