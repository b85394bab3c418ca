"""Comparisons between a Locust run and a rocust run of the same locustfile.

Each function returns a list of problems (empty = same); tests assert the list is empty, so a
failure shows every difference at once.

Request counts depend on speed, so they are compared as SHARES within a group of rows (the
fraction of the group's requests that went to each row), with a two-proportion z-test:
|p_locust - p_rocust| <= max(SHARE_FLOOR, Z * dispersion * sqrt(p (1 - p) (1/n_locust + 1/n_rocust))).
Weighted random task picks are binomial, so dispersion is 1; flows whose picks are correlated
(nested TaskSets leaving after a random number of picks) get a larger dispersion in their case.
With Z = 5 a false alarm is about 1 in 1.7 million per comparison; a 2:1 weight run as 1:1
(share 0.667 vs 0.5) is caught once each side has a few hundred requests in the group.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from .harness import AGGREGATED, RowKey, ToolRun

Z = 5.0
SHARE_FLOOR = 0.02
MIN_GROUP_REQUESTS = 30


def row_label(key: RowKey) -> str:
    method, name = key
    return f"{method} {name}".strip()


def _fmt_rows(rows: Set[RowKey]) -> str:
    return ", ".join(sorted(row_label(r) for r in rows)) or "(none)"


def rows_problems(locust: ToolRun, rocust: ToolRun, expected: Optional[Set[RowKey]] = None) -> List[str]:
    """Same set of (method, name) rows, the Aggregated row present in each stats CSV, CSV rows
    consistent with the JSON, and (if given) the expected rows."""
    problems: List[str] = []
    for run in (locust, rocust):
        if AGGREGATED not in run.stats_csv:
            problems.append(f"{run.tool}: no Aggregated row in the stats CSV")
        extra = set(run.stats_csv) - set(run.json_entries) - {AGGREGATED}
        extra = {k for k in extra if int(run.stats_csv[k].get("Request Count") or 0) > 0}
        if extra:
            problems.append(f"{run.tool}: CSV rows with requests missing from the JSON: {_fmt_rows(extra)}")
    a, b = locust.rows, rocust.rows
    if a != b:
        problems.append(f"rows differ: only locust: {_fmt_rows(a - b)}; only rocust: {_fmt_rows(b - a)}")
    if expected is not None:
        for run in (locust, rocust):
            if run.rows != expected:
                problems.append(
                    f"{run.tool}: rows are not the expected ones: missing {_fmt_rows(expected - run.rows)}; "
                    f"unexpected {_fmt_rows(run.rows - expected)}"
                )
    return problems


def _group_counts(run: ToolRun, group: Sequence[RowKey]) -> Dict[RowKey, int]:
    counts = run.counts()
    return {k: counts.get(k, 0) for k in group}


def share_problems(
    a_counts: Mapping[RowKey, int],
    b_counts: Mapping[RowKey, int],
    *,
    labels: Tuple[str, str] = ("locust", "rocust"),
    dispersion: float = 1.0,
    z: float = Z,
    floor: float = SHARE_FLOOR,
) -> List[str]:
    """Two-proportion test of every row's share of its group's requests."""
    na, nb = sum(a_counts.values()), sum(b_counts.values())
    group = ", ".join(row_label(k) for k in a_counts)
    if na < MIN_GROUP_REQUESTS or nb < MIN_GROUP_REQUESTS:
        return [f"too few requests to compare shares of [{group}]: {labels[0]} {na}, {labels[1]} {nb}"]
    problems = []
    for key in a_counts:
        ka, kb = a_counts[key], b_counts.get(key, 0)
        pa, pb = ka / na, kb / nb
        p = (ka + kb) / (na + nb)
        allowed = max(floor, z * dispersion * math.sqrt(p * (1 - p) * (1 / na + 1 / nb)))
        if abs(pa - pb) > allowed:
            problems.append(
                f"share of {row_label(key)} in [{group}]: {labels[0]} {pa:.3f} ({ka}/{na}) vs "
                f"{labels[1]} {pb:.3f} ({kb}/{nb}); allowed difference {allowed:.3f}"
            )
    return problems


def expected_share_problems(
    counts: Mapping[RowKey, int],
    weights: Mapping[RowKey, float],
    *,
    label: str,
    dispersion: float = 1.0,
    z: float = Z,
    floor: float = SHARE_FLOOR,
) -> List[str]:
    """One-sample test of each row's share against the share its weight gives."""
    n = sum(counts.get(k, 0) for k in weights)
    total_weight = sum(weights.values())
    if n < MIN_GROUP_REQUESTS:
        return [f"{label}: too few requests ({n}) to check the weights {dict(weights)}"]
    problems = []
    for key, weight in weights.items():
        p = weight / total_weight
        got = counts.get(key, 0) / n
        allowed = max(floor, z * dispersion * math.sqrt(p * (1 - p) / n))
        if abs(got - p) > allowed:
            problems.append(
                f"{label}: share of {row_label(key)} is {got:.3f} ({counts.get(key, 0)}/{n}), "
                f"weights say {p:.3f}; allowed difference {allowed:.3f}"
            )
    return problems


def ratio_problems(
    locust: ToolRun,
    rocust: ToolRun,
    groups: Sequence[Sequence[RowKey]],
    expected: Sequence[Mapping[RowKey, float]] = (),
    dispersion: float = 1.0,
) -> List[str]:
    problems: List[str] = []
    for group in groups:
        problems += share_problems(_group_counts(locust, group), _group_counts(rocust, group), dispersion=dispersion)
    for weights in expected:
        for run in (locust, rocust):
            problems += expected_share_problems(run.counts(), weights, label=run.tool, dispersion=dispersion)
    return problems


def _failure_kind(requests: int, failures: int) -> str:
    if failures == 0:
        return "never fails"
    if failures >= requests:
        return "always fails"
    return "sometimes fails"


def failure_count_problems(locust: ToolRun, rocust: ToolRun) -> List[str]:
    """Per row: never / always / sometimes failing must agree (exact), and the failure ratio of rows
    that fail only sometimes must agree statistically."""
    problems: List[str] = []
    la, ra = locust.json_entries, rocust.json_entries
    for key in sorted(set(la) & set(ra)):
        ln, lf = int(la[key]["num_requests"]), int(la[key]["num_failures"])
        rn, rf = int(ra[key]["num_requests"]), int(ra[key]["num_failures"])
        lk, rk = _failure_kind(ln, lf), _failure_kind(rn, rf)
        if lk != rk:
            problems.append(f"{row_label(key)}: locust {lk} ({lf}/{ln}), rocust {rk} ({rf}/{rn})")
        elif lk == "sometimes fails":
            problems += share_problems(
                {key: lf, ("", "ok"): ln - lf}, {key: rf, ("", "ok"): rn - rf}, labels=("locust", "rocust")
            )
    return problems


def exact_count_problems(
    locust: ToolRun, rocust: ToolRun, keys: Sequence[RowKey], expected: Mapping[RowKey, int]
) -> List[str]:
    """Rows whose request (and failure) counts do not depend on speed, e.g. one login per user."""
    problems: List[str] = []
    for key in keys:
        lc, rc = locust.counts().get(key), rocust.counts().get(key)
        lf, rf = locust.failure_counts().get(key), rocust.failure_counts().get(key)
        if (lc, lf) != (rc, rf):
            problems.append(f"{row_label(key)}: requests/failures locust {lc}/{lf}, rocust {rc}/{rf}")
        if key in expected:
            for run, got in ((locust, lc), (rocust, rc)):
                if got != expected[key]:
                    problems.append(f"{run.tool}: {row_label(key)} has {got} requests, expected {expected[key]}")
    return problems


def _avg(entry: Mapping[str, Any], total: str) -> Optional[float]:
    n = int(entry["num_requests"])
    return float(entry[total]) / n if n else None


def response_time_problems(locust: ToolRun, rocust: ToolRun, keys: Sequence[RowKey]) -> List[str]:
    """Rows with fixed response times and lengths (request events fired by hand): min, max, average
    response time and average content size must be exactly the same."""
    problems: List[str] = []
    for key in keys:
        le, re_ = locust.json_entries.get(key), rocust.json_entries.get(key)
        if le is None or re_ is None:
            problems.append(f"{row_label(key)}: missing (locust {le is not None}, rocust {re_ is not None})")
            continue
        for what, lv, rv in (
            ("min response time", le["min_response_time"], re_["min_response_time"]),
            ("max response time", le["max_response_time"], re_["max_response_time"]),
            ("avg response time", _avg(le, "total_response_time"), _avg(re_, "total_response_time")),
            ("avg content size", _avg(le, "total_content_length"), _avg(re_, "total_content_length")),
        ):
            if lv is None or rv is None or not math.isclose(float(lv), float(rv), rel_tol=1e-9, abs_tol=1e-9):
                problems.append(f"{row_label(key)} {what}: locust {lv}, rocust {rv}")
    return problems


def failure_message_problems(locust: ToolRun, rocust: ToolRun) -> List[str]:
    """The failures CSV (method, name, error text with ports normalised) must match exactly."""
    a, b = locust.failures, rocust.failures
    if a == b:
        return []
    return [
        f"failures CSV differs:\n  only locust:\n    {_fmt_failures(a - b)}\n  only rocust:\n    {_fmt_failures(b - a)}"
    ]


def _fmt_failures(failures: Set[Tuple[str, str, str]]) -> str:
    return "\n    ".join(" | ".join(t) for t in sorted(failures)) or "(none)"


def exception_problems(locust: ToolRun, rocust: ToolRun) -> List[str]:
    a, b = locust.exceptions, rocust.exceptions
    if a == b:
        return []
    return [f"exceptions CSV messages differ: only locust {sorted(a - b)}; only rocust {sorted(b - a)}"]


def exit_code_problems(locust: ToolRun, rocust: ToolRun, expected: int) -> List[str]:
    problems = []
    if locust.exit_code != rocust.exit_code:
        problems.append(f"exit codes differ: locust {locust.exit_code}, rocust {rocust.exit_code}")
    for run in (locust, rocust):
        if run.exit_code != expected:
            problems.append(f"{run.tool}: exit code {run.exit_code}, expected {expected}")
    return problems


def fact_problems(
    locust_facts: Mapping[str, Any], rocust_facts: Mapping[str, Any], expected: Mapping[str, Any]
) -> List[str]:
    problems = []
    for name in sorted(set(locust_facts) | set(rocust_facts)):
        lv, rv = locust_facts.get(name), rocust_facts.get(name)
        if lv != rv:
            problems.append(f"server fact {name!r}: locust {lv!r}, rocust {rv!r}")
    for name, want in expected.items():
        for tool, facts in (("locust", locust_facts), ("rocust", rocust_facts)):
            if facts.get(name) != want:
                problems.append(f"{tool}: server fact {name!r} is {facts.get(name)!r}, expected {want!r}")
    return problems
