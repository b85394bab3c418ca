"""The conformance cases: which locustfile, with which options, and what must agree.

Every case runs headless with -t 4s (or a shape that ends after ~3 s). Real Locust arms its -t timer
from gevent's cached loop clock, which was last updated during start-up, so its runs are shorter than
-t by the start-up time (~1 s idle, ~2-3 s on a loaded 2-core machine); 4 s leaves enough test time
for its CSV writer (every 1 s) to have written the rows and failures.

Expected values below were observed with real Locust 2.47.0; the comparisons (compare.py) check
rocust against the Locust run of the same session, and both against these expectations where they
are deterministic.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple

from .harness import AGGREGATED, LOCUSTFILES, RowKey, ToolRun
from .server import SESSION_COOKIE, Recorded

Facts = Dict[str, Any]


def GET(name: str) -> RowKey:
    return ("GET", name)


def POST(name: str) -> RowKey:
    return ("POST", name)


def rows(*keys: RowKey) -> FrozenSet[RowKey]:
    return frozenset(keys) | {AGGREGATED}


@dataclass(frozen=True, eq=False)
class Case:
    id: str
    locustfile: str
    args: Tuple[str, ...]
    rows: FrozenSet[RowKey]
    exit_code: int = 0
    groups: Tuple[Tuple[RowKey, ...], ...] = ()
    """Rows whose shares of the group's requests must agree between the tools."""
    weights: Tuple[Mapping[RowKey, float], ...] = ()
    """Shares the weights give, checked on both sides."""
    dispersion: float = 1.0
    exact_counts: Mapping[RowKey, Optional[int]] = field(default_factory=dict)
    """Rows whose counts do not depend on speed: equal between tools, and equal to the value if not None."""
    fixed_timings: Tuple[RowKey, ...] = ()
    facts: Optional[Callable[[ToolRun], Facts]] = None
    expected_facts: Mapping[str, Any] = field(default_factory=dict)
    pass_host: bool = True

    @property
    def path(self) -> str:
        return str(LOCUSTFILES / self.locustfile)


def _count(records: List[Recorded], path: str) -> int:
    return sum(1 for r in records if r.path == path)


def session_facts(run: ToolRun) -> Facts:
    """Logins, what they posted, and whether every later request sent the session cookie back."""
    logins = [r for r in run.records if r.path == "/login"]
    others = [r for r in run.records if r.path != "/login"]
    return {
        "logins": len(logins),
        "login_bodies": sorted({r.body for r in logins}),
        "login_content_types": sorted({r.header("content-type") or "" for r in logins}),
        "requests_without_session_cookie": sum(1 for r in others if r.cookies.get("session") != SESSION_COOKIE),
    }


def taskset_facts(run: ToolRun) -> Facts:
    enter, exit_ = _count(run.records, "/forum/enter"), _count(run.records, "/forum/exit")
    return {"forum_on_stop_runs_for_every_on_start": 0 <= enter - exit_ <= 4}


_FLOW = ["/seq/cart", "/seq/address", "/seq/address", "/seq/pay", "/seq/done"]


def sequential_facts(run: ToolRun) -> Facts:
    """Per user (X-User-Id), the paths must be landings and whole Checkout flows in order (the last
    flow may be cut by the end of the run)."""
    per_user: Dict[str, List[str]] = defaultdict(list)
    for r in run.records:
        per_user[r.header("x-user-id") or "?"].append(r.path)
    broken = 0
    for paths in per_user.values():
        i = 0
        while i < len(paths):
            if paths[i] == "/seq/landing":
                i += 1
                continue
            flow = paths[i : i + len(_FLOW)]
            if flow != _FLOW[: len(flow)]:
                broken += 1
                break
            i += len(_FLOW)
    return {"users": len(per_user), "users_with_out_of_order_flows": broken, "pay_method": "POST"}


def naming_facts(run: ToolRun) -> Facts:
    ids = {r.query.get("id", [""])[0] for r in run.records if r.path == "/item"}
    plain = [r.query for r in run.records if r.path == "/plain"]
    return {"many_item_ids_under_one_name": len(ids) > 10, "plain_query": plain[0] if plain else None}


def class_facts(run: ToolRun) -> Facts:
    started = Counter(r.path.rsplit("/", 1)[1] for r in run.records if r.path.startswith("/class/"))
    working = {r.header("x-user-class") for r in run.records if r.path == "/work"}
    return {"users_per_class": dict(sorted(started.items())), "classes_that_worked": sorted(c or "" for c in working)}


def pacing_facts(run: ToolRun) -> Facts:
    """Median gap between one user's requests, per pacing, within 20% of the pacing interval."""
    times: Dict[Tuple[str, str], List[float]] = defaultdict(list)
    for r in run.records:
        times[(r.header("x-pace") or "?", r.header("x-user-id") or "?")].append(r.at)
    gaps: Dict[str, List[float]] = defaultdict(list)
    for (pace, _), ts in times.items():
        gaps[pace] += [b - a for a, b in zip(ts, ts[1:])]
    return {
        f"median gap within 20% of {pace}s": bool(g) and abs(statistics.median(g) - float(pace)) <= 0.2 * float(pace)
        for pace, g in sorted(gaps.items())
    }


def shape_facts(run: ToolRun) -> Facts:
    ats = [r.at for r in run.records]
    span = max(ats) - min(ats) if ats else 0.0
    return {
        "user_starts": _count(run.records, "/start"),
        "user_stops": _count(run.records, "/stop"),
        "ran between 2 and 6 s": 2.0 <= span <= 6.0,
    }


def lifecycle_facts(run: ToolRun) -> Facts:
    return {p: _count(run.records, p) for p in ("/start", "/stop", "/ts/start", "/ts/stop")}


def failing_facts(run: ToolRun) -> Facts:
    return {"requests_to_refused_path_reached_server": _count(run.records, "/refused")}


def redirect_facts(run: ToolRun) -> Facts:
    followed = sum(1 for r in run.records if r.path == "/redirect" and "to" not in r.query)
    pages = _count(run.records, "/page")
    facts = session_facts(run)
    facts.update(
        {
            "every followed redirect reached /page (but the last per user)": 0 <= followed - pages <= 2,
            "not-followed redirect targets requested": _count(run.records, "/elsewhere"),
            "cookie sent to /page": all(
                r.cookies.get("session") == SESSION_COOKIE for r in run.records if r.path == "/page"
            ),
        }
    )
    return facts


def events_facts(run: ToolRun) -> Facts:
    def values(path: str) -> List[str]:
        return sorted({v for r in run.records if r.path == path for v in r.query.get("value", [])})

    return {
        "test_start_calls": _count(run.records, "/events/test_start"),
        "test_stop_calls": _count(run.records, "/events/test_stop"),
        "test_start_value": values("/events/test_start"),
        "user_header_values": sorted({r.header("x-custom-arg") or "" for r in run.records if r.path == "/arg"}),
    }


def custom_facts(run: ToolRun) -> Facts:
    return {"server_requests": len(run.records)}


HEADLESS_4U = ("-u", "4", "-r", "4", "-t", "4s")
HEADLESS_2U = ("-u", "2", "-r", "2", "-t", "4s")

FORUM_PICKS = tuple(
    GET(p)
    for p in ("/home", "/forum/enter", "/forum/browse", "/forum/leave", "/forum/thread/post", "/forum/thread/back")
)
CLASSIC_ROWS = rows(POST("/login"), GET("/"), GET("/about/"))

CASES: List[Case] = [
    Case(
        id="classic",
        locustfile="classic.py",
        args=HEADLESS_4U,
        rows=CLASSIC_ROWS,
        groups=((GET("/"), GET("/about/")),),
        weights=({GET("/"): 2, GET("/about/"): 1},),
        exact_counts={POST("/login"): 4},
        facts=session_facts,
        expected_facts={
            "logins": 4,
            "login_bodies": ["username=test&password=123456"],
            "login_content_types": ["application/x-www-form-urlencoded"],
            "requests_without_session_cookie": 0,
        },
    ),
    Case(
        id="classic_fast",
        locustfile="classic_fast.py",
        args=HEADLESS_4U,
        rows=CLASSIC_ROWS,
        groups=((GET("/"), GET("/about/")),),
        weights=({GET("/"): 2, GET("/about/"): 1},),
        exact_counts={POST("/login"): 4},
        facts=session_facts,
        expected_facts={
            "logins": 4,
            "login_bodies": ["username=test&password=123456"],
            "requests_without_session_cookie": 0,
        },
    ),
    Case(
        id="tasksets_interrupt",
        locustfile="tasksets.py",
        args=HEADLESS_4U,
        rows=rows(GET("/forum/exit"), *FORUM_PICKS),
        groups=(FORUM_PICKS,),
        # within a TaskSet the picks are independent (binomial)
        weights=({GET("/forum/thread/post"): 2, GET("/forum/thread/back"): 1},),
        dispersion=2.0,
        facts=taskset_facts,
        expected_facts={"forum_on_stop_runs_for_every_on_start": True},
    ),
    Case(
        id="sequential",
        locustfile="sequential.py",
        args=HEADLESS_4U,
        rows=rows(GET("/seq/landing"), GET("/seq/cart"), GET("/seq/address"), POST("/seq/pay"), GET("/seq/done")),
        groups=((GET("/seq/landing"), GET("/seq/cart"), GET("/seq/address"), POST("/seq/pay"), GET("/seq/done")),),
        weights=({GET("/seq/cart"): 1, GET("/seq/address"): 2, POST("/seq/pay"): 1, GET("/seq/done"): 1},),
        facts=sequential_facts,
        expected_facts={"users": 4, "users_with_out_of_order_flows": 0},
    ),
    Case(
        id="tags_include",
        locustfile="tags.py",
        args=(*HEADLESS_4U, "--tags", "b", "c"),
        rows=rows(GET("/tag/b"), GET("/tag/ac"), GET("/tag/set/inner_b")),
        groups=((GET("/tag/b"), GET("/tag/ac"), GET("/tag/set/inner_b")),),
        weights=({GET("/tag/b"): 1, GET("/tag/ac"): 1, GET("/tag/set/inner_b"): 1},),
    ),
    Case(
        id="tags_exclude",
        locustfile="tags.py",
        args=(*HEADLESS_4U, "--exclude-tags", "a", "set"),
        rows=rows(GET("/tag/b"), GET("/tag/none")),
        groups=((GET("/tag/b"), GET("/tag/none")),),
        weights=({GET("/tag/b"): 1, GET("/tag/none"): 1},),
    ),
    Case(
        id="catch_response",
        locustfile="catch_response.py",
        args=HEADLESS_4U,
        rows=rows(
            GET("fail_on_200"),
            GET("success_on_404"),
            GET("untouched_200"),
            GET("untouched_500"),
            POST("failure_exception"),
            GET("response_error"),
        ),
        exit_code=1,
        groups=((GET("fail_on_200"), GET("success_on_404"), GET("untouched_500")),),
        weights=({GET("fail_on_200"): 1, GET("success_on_404"): 1, GET("untouched_500"): 1},),
    ),
    Case(
        id="naming",
        locustfile="naming.py",
        args=HEADLESS_4U,
        rows=rows(GET("/item?id=[id]"), GET("/blog/[n]/comments"), GET("/plain?x=1&y=two"), POST("form post")),
        groups=((GET("/item?id=[id]"), GET("/blog/[n]/comments"), GET("/plain?x=1&y=two"), POST("form post")),),
        weights=(
            {GET("/item?id=[id]"): 3, GET("/blog/[n]/comments"): 1, GET("/plain?x=1&y=two"): 1, POST("form post"): 1},
        ),
        facts=naming_facts,
        expected_facts={"many_item_ids_under_one_name": True, "plain_query": {"x": ["1"], "y": ["two"]}},
    ),
    Case(
        id="classes_fixed_count_weight",
        locustfile="classes.py",
        args=("-u", "9", "-r", "9", "-t", "4s"),
        rows=rows(GET("/class/[name]"), GET("/work")),
        exact_counts={GET("/class/[name]"): 9},
        facts=class_facts,
        expected_facts={
            "users_per_class": {"Fixed": 1, "Heavy": 6, "Light": 2},
            "classes_that_worked": ["Fixed", "Heavy", "Light"],
        },
    ),
    Case(
        id="constant_pacing",
        locustfile="pacing.py",
        args=("-u", "6", "-r", "6", "-t", "4s"),
        rows=rows(GET("paced 0.1s"), GET("paced 0.2s")),
        groups=((GET("paced 0.1s"), GET("paced 0.2s")),),
        facts=pacing_facts,
        expected_facts={"median gap within 20% of 0.1s": True, "median gap within 20% of 0.2s": True},
    ),
    Case(
        id="custom_protocol_request_event",
        locustfile="custom_protocol.py",
        args=HEADLESS_2U,
        rows=rows(("CUSTOM", "ok_call"), ("CUSTOM", "failing_call"), ("RPC", "string_failure")),
        exit_code=1,
        groups=((("CUSTOM", "ok_call"), ("CUSTOM", "failing_call"), ("RPC", "string_failure")),),
        weights=({("CUSTOM", "ok_call"): 2, ("CUSTOM", "failing_call"): 1, ("RPC", "string_failure"): 1},),
        fixed_timings=(("CUSTOM", "ok_call"), ("CUSTOM", "failing_call"), ("RPC", "string_failure")),
        facts=custom_facts,
        expected_facts={"server_requests": 0},
    ),
    Case(
        id="load_test_shape",
        locustfile="shape.py",
        args=(),
        rows=rows(GET("/start"), GET("/work"), GET("/stop")),
        exact_counts={GET("/start"): 4, GET("/stop"): 4},
        facts=shape_facts,
        expected_facts={"user_starts": 4, "user_stops": 4, "ran between 2 and 6 s": True},
    ),
    Case(
        id="on_start_on_stop",
        locustfile="lifecycle.py",
        args=("-u", "5", "-r", "5", "-t", "4s"),
        rows=rows(GET("/start"), GET("/stop"), GET("/ts/start"), GET("/ts/stop"), GET("/ts/work")),
        exact_counts={GET("/start"): 5, GET("/stop"): 5, GET("/ts/start"): 5, GET("/ts/stop"): 5},
        facts=lifecycle_facts,
        expected_facts={"/start": 5, "/stop": 5, "/ts/start": 5, "/ts/stop": 5},
    ),
    Case(
        id="failing_statuses",
        locustfile="failing.py",
        args=HEADLESS_2U,
        rows=rows(GET("/status/404"), POST("/status/500"), GET("refused"), GET("/status/200")),
        exit_code=1,
        groups=((GET("/status/404"), POST("/status/500"), GET("refused"), GET("/status/200")),),
        weights=({GET("/status/404"): 1, POST("/status/500"): 1, GET("refused"): 1, GET("/status/200"): 1},),
        facts=failing_facts,
        expected_facts={"requests_to_refused_path_reached_server": 0},
    ),
    Case(
        id="failing_statuses_fast",
        locustfile="failing_fast.py",
        args=HEADLESS_2U,
        rows=rows(GET("/status/404"), POST("/status/500"), GET("refused"), GET("/status/200")),
        exit_code=1,
        groups=((GET("/status/404"), POST("/status/500"), GET("refused"), GET("/status/200")),),
        weights=({GET("/status/404"): 1, POST("/status/500"): 1, GET("refused"): 1, GET("/status/200"): 1},),
        facts=failing_facts,
        expected_facts={"requests_to_refused_path_reached_server": 0},
    ),
    Case(
        id="redirects_cookies",
        locustfile="redirects_cookies.py",
        args=HEADLESS_2U,
        rows=rows(POST("/login"), GET("/redirect"), GET("no_follow"), GET("/needs-cookie")),
        groups=((GET("/redirect"), GET("no_follow"), GET("/needs-cookie")),),
        weights=({GET("/redirect"): 2, GET("no_follow"): 1, GET("/needs-cookie"): 1},),
        exact_counts={POST("/login"): 2},
        facts=redirect_facts,
        expected_facts={
            "logins": 2,
            "requests_without_session_cookie": 0,
            "every followed redirect reached /page (but the last per user)": True,
            "not-followed redirect targets requested": 0,
            "cookie sent to /page": True,
        },
    ),
    Case(
        id="events_and_custom_argument",
        locustfile="events_args.py",
        args=(*HEADLESS_2U, "--conformance-value", "hello-42"),
        rows=rows(GET("/arg")),
        facts=events_facts,
        expected_facts={
            "test_start_calls": 1,
            "test_stop_calls": 1,
            "test_start_value": ["hello-42"],
            "user_header_values": ["hello-42"],
        },
    ),
]

CASES_BY_ID: Mapping[str, Case] = {c.id: c for c in CASES}
