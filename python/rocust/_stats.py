"""``environment.stats`` under the engine: Rust keeps the statistics, Python reads them."""

from __future__ import annotations

import json
from typing import Any, Dict

from ._engine import Engine


class EngineStats:
    """A snapshot of Rust's stats, taken when read (locustfiles read it in listeners,
    e.g. ``stats.total.fail_ratio``), with Locust's RequestStats surface."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _snapshot(self) -> Any:
        from ._locust.stats import RequestStats, StatsEntry, StatsError

        data = json.loads(self._engine.stats_json() or "{}")
        stats = RequestStats()
        stats._engine_current_percentile = self._engine.current_response_time_percentile

        def fill(entry: StatsEntry, d: Dict[str, Any]) -> StatsEntry:
            for key, value in d.items():
                if key in ("response_times", "num_reqs_per_sec", "num_fail_per_sec"):
                    value = {int(k): v for k, v in value.items()}
                if key not in ("name", "method"):
                    setattr(entry, key, value)
            return entry

        for d in data.get("stats", []):
            fill(stats.get(d["name"], d["method"]), d)
        if "stats_total" in data:
            fill(stats.total, data["stats_total"])
        for key, e in data.get("errors", {}).items():
            error = StatsError(e["method"], e["name"], e["error"], e["occurrences"])
            stats.errors[key] = error
        return stats

    @property
    def total(self) -> Any:
        return self._snapshot().total

    @property
    def entries(self) -> Any:
        return self._snapshot().entries

    @property
    def errors(self) -> Any:
        return self._snapshot().errors

    @property
    def num_requests(self) -> int:
        return int(self._snapshot().num_requests)

    @property
    def num_failures(self) -> int:
        return int(self._snapshot().num_failures)

    def get(self, name: str, method: str) -> Any:
        return self._snapshot().get(name, method)

    def reset_all(self) -> None:
        self._engine.reset_stats()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._snapshot(), name)
