"""The console tables, JSON, history and CSV writers of ``locust.stats`` (exported
there; kept apart for size).

Everything reads the settings from the ``stats`` module when it runs, so values a
locustfile assigned there (``stats.PERCENTILES_TO_REPORT = [...]``) apply, as in
Locust. Under ``rocust -f`` the engine prints and writes these itself, with the same
settings (``engine_report_settings``); these functions serve library use, e.g.
``gevent.spawn(stats_printer(env.stats))``.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
import time
from itertools import chain
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Protocol, Union

import gevent

from . import stats as settings
from .util.date import format_utc_timestamp
from .util.rounding import proper_round

if TYPE_CHECKING:
    from .stats import RequestStats, StatsEntry

console_logger = logging.getLogger("locust.stats_logger")
logger = logging.getLogger("locust.stats")

Cell = Union[str, int, float]


class CSVWriter(Protocol):
    def writerow(self, columns: Iterable[Cell]) -> None: ...


# -- console ------------------------------------------------------------------------


def print_stats(stats: "RequestStats", current: bool = True) -> None:
    for line in get_stats_summary(stats, current):
        console_logger.info(line)
    console_logger.info("")


def print_stats_json(stats: "RequestStats") -> None:
    print(json.dumps(stats.serialize_stats(), indent=4))


def save_stats_json(stats: "RequestStats", filename: str) -> None:
    with open(f"{filename}.json", "w") as file:
        json.dump(stats.serialize_stats(), file, indent=4)


def get_stats_summary(stats: "RequestStats", current: bool = True) -> List[str]:
    """The stats table: header, one row per entry by (name, method), the total."""
    type_width = settings.STATS_TYPE_WIDTH
    name_width = settings.STATS_NAME_WIDTH - type_width + 4
    header = f"%-{type_width}s %-{name_width}s %7s %12s |%7s %7s %7s%7s | %7s %11s"
    separator = "|".join("-" * n for n in (type_width, name_width, 7, 13, 7, 7, 7, 7, 8, 11))
    summary = [
        header % ("Type", "Name", "# reqs", "# fails", "Avg", "Min", "Max", "Med", "req/s", "failures/s"),
        separator,
    ]
    summary += [stats.entries[key].to_string(current=current) for key in sorted(stats.entries.keys())]
    summary += [separator, stats.total.to_string(current=current)]
    return summary


def print_percentile_stats(stats: "RequestStats") -> None:
    for line in get_percentile_stats_summary(stats):
        console_logger.info(line)
    console_logger.info("")


def get_percentile_stats_summary(stats: "RequestStats") -> List[str]:
    """The percentile table (PERCENTILES_TO_REPORT columns); entries without
    response times have no row."""
    type_width, name_width = settings.STATS_TYPE_WIDTH, settings.STATS_NAME_WIDTH
    percentiles = settings.PERCENTILES_TO_REPORT
    header = f"%-{type_width}s %-{name_width}s %8s {' '.join(['%6s'] * len(percentiles))}"
    titles = ("Type", "Name", *settings.get_readable_percentiles(percentiles), "# reqs")
    separator = f"{'-' * type_width}|{'-' * name_width}|{'-' * 8}|{('-' * 6 + '|') * len(percentiles)}"[:-1]
    summary = ["Response time percentiles (approximated)", header % titles, separator]
    for key in sorted(stats.entries.keys()):
        entry = stats.entries[key]
        if entry.response_times:
            summary.append(entry.percentile())
    summary.append(separator)
    if stats.total.response_times:
        summary.append(stats.total.percentile())
    return summary


def print_error_report(stats: "RequestStats") -> None:
    if stats.errors:
        for line in get_error_report_summary(stats):
            console_logger.info(line)


def get_error_report_summary(stats: "RequestStats") -> List[str]:
    separator = f"{'-' * 18}|{'-' * (80 + settings.STATS_NAME_WIDTH - 19)}"
    summary = ["Error report", f"{'# occurrences':18} {'Error':100}", separator]
    summary += ["%-18i %-100s" % (error.occurrences, error.to_name()) for error in stats.errors.values()]
    summary += [separator, ""]
    return summary


def stats_printer(stats: "RequestStats") -> Callable[[], None]:
    """A function for ``gevent.spawn`` that prints the stats table every
    CONSOLE_STATS_INTERVAL_SEC."""

    def stats_printer_func() -> None:
        try:
            while True:
                print_stats(stats)
                gevent.sleep(settings.CONSOLE_STATS_INTERVAL_SEC)
        except KeyboardInterrupt as e:
            logger.debug(e, exc_info=True)

    return stats_printer_func


# -- history ------------------------------------------------------------------------


def update_stats_history(runner: Any, timestamp: Optional[str] = None) -> None:
    """Appends one sample of the total to ``runner.stats.history`` (for the charts)."""
    stats = runner.stats
    timestamp = timestamp or format_utc_timestamp(time.time())
    sample: Dict[str, Any] = {
        f"response_time_percentile_{p}": [timestamp, stats.total.get_current_response_time_percentile(p) or 0]
        for p in settings.PERCENTILES_TO_CHART
    }
    sample.update(
        {
            "current_rps": [timestamp, stats.total.current_rps or 0],
            "current_fail_per_sec": [timestamp, stats.total.current_fail_per_sec or 0],
            "total_avg_response_time": [timestamp, proper_round(stats.total.avg_response_time, digits=2)],
            "user_count": [timestamp, runner.user_count or 0],
            "time": timestamp,
        }
    )
    stats.history.append(sample)


def stats_history(runner: Any) -> None:
    """For ``gevent.spawn``: a history sample every HISTORY_STATS_INTERVAL_SEC while
    a test runs (nothing when the stats keep no response-time cache)."""
    try:
        while True:
            if not runner.stats.total.use_response_times_cache:
                break
            if runner.state not in ("ready", "stopped"):
                update_stats_history(runner)
            gevent.sleep(settings.HISTORY_STATS_INTERVAL_SEC)
    except KeyboardInterrupt as e:
        logger.debug(e, exc_info=True)


# -- CSV ----------------------------------------------------------------------------


class StatsCSV:
    """Writes the stats, failures and exceptions as CSV rows to csv.writer streams."""

    def __init__(self, environment: Any, percentiles_to_report: List[float]) -> None:
        self.environment = environment
        self.percentiles_to_report = percentiles_to_report
        self.percentiles_na = ["N/A"] * len(percentiles_to_report)
        self.requests_csv_columns = [
            "Type",
            "Name",
            "Request Count",
            "Failure Count",
            "Median Response Time",
            "Average Response Time",
            "Min Response Time",
            "Max Response Time",
            "Average Content Size",
            "Requests/s",
            "Failures/s",
            *settings.get_readable_percentiles(percentiles_to_report),
        ]
        self.failures_columns = ["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"]
        self.exceptions_columns = ["Count", "Message", "Traceback", "Nodes"]

    def _percentile_fields(self, entry: "StatsEntry", use_current: bool = False) -> List[Any]:
        if not entry.num_requests:
            return self.percentiles_na
        if use_current and entry.use_response_times_cache:
            return [int(entry.get_current_response_time_percentile(p) or 0) for p in self.percentiles_to_report]
        return [int(entry.get_response_time_percentile(p) or 0) for p in self.percentiles_to_report]

    def requests_csv(self, csv_writer: CSVWriter) -> None:
        csv_writer.writerow(self.requests_csv_columns)
        self._requests_data_rows(csv_writer)

    def _requests_data_rows(self, csv_writer: CSVWriter) -> None:
        stats = self.environment.stats
        for entry in chain(settings.sort_stats(stats.entries), [stats.total]):
            csv_writer.writerow(
                chain(
                    [
                        entry.method,
                        entry.name,
                        entry.num_requests,
                        entry.num_failures,
                        entry.median_response_time,
                        entry.avg_response_time,
                        entry.min_response_time or 0,
                        entry.max_response_time,
                        entry.avg_content_length,
                        entry.total_rps,
                        entry.total_fail_per_sec,
                    ],
                    self._percentile_fields(entry),
                )
            )

    def failures_csv(self, csv_writer: CSVWriter) -> None:
        csv_writer.writerow(self.failures_columns)
        self._failures_data_rows(csv_writer)

    def _failures_data_rows(self, csv_writer: CSVWriter) -> None:
        def seen(t: Optional[float]) -> str:
            return format_utc_timestamp(t) if t is not None else ""

        for error in settings.sort_stats(self.environment.stats.errors):
            csv_writer.writerow(
                [
                    error.method,
                    error.name,
                    settings.StatsError.parse_error(error.error),
                    error.occurrences,
                    seen(error.first_seen),
                    seen(error.last_seen),
                ]
            )

    def exceptions_csv(self, csv_writer: CSVWriter) -> None:
        csv_writer.writerow(self.exceptions_columns)
        self._exceptions_data_rows(csv_writer)

    def _exceptions_data_rows(self, csv_writer: CSVWriter) -> None:
        if self.environment.runner is None:
            return
        for exc in self.environment.runner.exceptions.values():
            csv_writer.writerow([exc["count"], exc["msg"], exc["traceback"], ", ".join(exc["nodes"])])

    def close_files(self) -> None:
        pass


class StatsCSVFileWriter(StatsCSV):
    """``--csv PREFIX``: the four files, rewritten (the history appended) every
    CSV_STATS_INTERVAL_SEC by ``stats_writer`` (run it with ``gevent.spawn``)."""

    def __init__(
        self,
        environment: Any,
        percentiles_to_report: List[float],
        base_filepath: str,
        full_history: bool = False,
    ) -> None:
        super().__init__(environment, percentiles_to_report)
        self.base_filepath = base_filepath
        self.full_history = full_history
        self.requests_csv_filehandle = open(base_filepath + "_stats.csv", "w")
        self.requests_csv_writer = csv.writer(self.requests_csv_filehandle)
        self.stats_history_csv_filehandle = open(self.stats_history_file_name(), "w")
        self.stats_history_csv_writer = csv.writer(self.stats_history_csv_filehandle)
        self.failures_csv_filehandle = open(base_filepath + "_failures.csv", "w")
        self.failures_csv_writer = csv.writer(self.failures_csv_filehandle)
        self.failures_csv_data_start = 0
        self.exceptions_csv_filehandle = open(base_filepath + "_exceptions.csv", "w")
        self.exceptions_csv_writer = csv.writer(self.exceptions_csv_filehandle)
        self.exceptions_csv_data_start = 0
        self.stats_history_csv_columns = [
            "Timestamp",
            "User Count",
            "Type",
            "Name",
            "Requests/s",
            "Failures/s",
            *settings.get_readable_percentiles(percentiles_to_report),
            "Total Request Count",
            "Total Failure Count",
            "Total Median Response Time",
            "Total Average Response Time",
            "Total Min Response Time",
            "Total Max Response Time",
            "Total Average Content Size",
        ]

    def __call__(self) -> None:
        self.stats_writer()

    def stats_writer(self) -> None:
        """Writes the headers, then the rows every CSV_STATS_INTERVAL_SEC (flushing
        every CSV_STATS_FLUSH_INTERVAL_SEC) until killed."""
        self.requests_csv_writer.writerow(self.requests_csv_columns)
        requests_start = self.requests_csv_filehandle.tell()
        self.stats_history_csv_writer.writerow(self.stats_history_csv_columns)
        self.failures_csv_writer.writerow(self.failures_columns)
        self.failures_csv_data_start = self.failures_csv_filehandle.tell()
        self.exceptions_csv_writer.writerow(self.exceptions_columns)
        self.exceptions_csv_data_start = self.exceptions_csv_filehandle.tell()
        last_flush = 0.0
        try:
            while True:
                now = time.time()
                self.requests_csv_filehandle.seek(requests_start)
                self._requests_data_rows(self.requests_csv_writer)
                self.requests_csv_filehandle.truncate()
                self._stats_history_data_rows(self.stats_history_csv_writer, now)
                self.failures_csv_filehandle.seek(self.failures_csv_data_start)
                self._failures_data_rows(self.failures_csv_writer)
                self.failures_csv_filehandle.truncate()
                self.exceptions_csv_filehandle.seek(self.exceptions_csv_data_start)
                self._exceptions_data_rows(self.exceptions_csv_writer)
                self.exceptions_csv_filehandle.truncate()
                if now - last_flush > settings.CSV_STATS_FLUSH_INTERVAL_SEC:
                    self.requests_flush()
                    self.stats_history_flush()
                    self.failures_flush()
                    self.exceptions_flush()
                    last_flush = now
                gevent.sleep(settings.CSV_STATS_INTERVAL_SEC)
        except KeyboardInterrupt as e:
            logger.debug(e, exc_info=True)

    def _stats_history_data_rows(self, csv_writer: CSVWriter, now: float) -> None:
        """Appends rows stamped ``int(now)`` with the current rates: the total, and
        with ``full_history`` every entry before it (with windowed percentiles)."""
        stats = self.environment.stats
        entries = settings.sort_stats(stats.entries) if self.full_history else []
        runner = self.environment.runner
        for entry in chain(entries, [stats.total]):
            csv_writer.writerow(
                chain(
                    (
                        int(now),
                        runner.user_count if runner is not None else 0,
                        entry.method or "",
                        entry.name,
                        f"{entry.current_rps:2f}",
                        f"{entry.current_fail_per_sec:2f}",
                    ),
                    self._percentile_fields(entry, use_current=self.full_history),
                    (
                        entry.num_requests,
                        entry.num_failures,
                        entry.median_response_time,
                        entry.avg_response_time,
                        entry.min_response_time or 0,
                        entry.max_response_time,
                        entry.avg_content_length,
                    ),
                )
            )

    def requests_flush(self) -> None:
        self.requests_csv_filehandle.flush()

    def stats_history_flush(self) -> None:
        self.stats_history_csv_filehandle.flush()

    def failures_flush(self) -> None:
        self.failures_csv_filehandle.flush()

    def exceptions_flush(self) -> None:
        self.exceptions_csv_filehandle.flush()

    def close_files(self) -> None:
        self.requests_csv_filehandle.close()
        self.stats_history_csv_filehandle.close()
        self.failures_csv_filehandle.close()
        self.exceptions_csv_filehandle.close()

    def stats_history_file_name(self) -> str:
        return self.base_filepath + "_stats_history.csv"


# -- the engine ---------------------------------------------------------------------


def engine_report_settings() -> Dict[str, Any]:
    """The settings as they are now, as keyword arguments of the engine's
    ``set_report_settings`` (STATS_NAME_WIDTH only when a locustfile changed it)."""
    name_width = settings.STATS_NAME_WIDTH
    return {
        "percentiles": [float(p) for p in settings.PERCENTILES_TO_REPORT],
        "console_interval": float(settings.CONSOLE_STATS_INTERVAL_SEC),
        "csv_interval": float(settings.CSV_STATS_INTERVAL_SEC),
        "history_interval": float(settings.HISTORY_STATS_INTERVAL_SEC),
        "name_width": None if name_width == settings._STATS_NAME_WIDTH_AT_IMPORT else max(0, int(name_width)),
    }


def configure_engine(engine: Any) -> None:
    """Hands the settings to the engine before the run starts; exits 1 with the
    engine's message when one cannot be used (e.g. a zero interval)."""
    try:
        engine.set_report_settings(**engine_report_settings())
    except ValueError as e:
        sys.stderr.write(f"{e}\n")
        sys.exit(1)
