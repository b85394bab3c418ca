"""Locust's documented client patterns, run by test_clients_drop_in.py under `locust -f` and
`rocust -f`: sessions built by user code (a second host inside a task), requests'
exceptions caught as requests' classes, errors raised at call time, FastHttp errors'
``.original`` and the types of ``request.body``. One user runs the task once; every
observation is printed as "@@ <json list>".

Environment: DROPIN_OTHER (a second server's URL), DROPIN_REFUSED (a URL nobody listens on).
"""

import json
import os

import gevent
import requests

from locust import FastHttpUser, HttpUser, constant, events, task
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpSession
from locust.exception import StopUser

OTHER = os.environ["DROPIN_OTHER"]
REFUSED = os.environ["DROPIN_REFUSED"]


def out(*values):
    print("@@ " + json.dumps(list(values), default=repr), flush=True)


def kind(e):
    """What a locustfile's except clauses see of an error."""
    rx = requests.exceptions
    return [
        type(e).__name__,
        isinstance(e, rx.RequestException),
        isinstance(e, rx.ConnectionError),
        isinstance(e, rx.Timeout),
        isinstance(e, rx.HTTPError),
        isinstance(e, json.JSONDecodeError),
        isinstance(e, ValueError),
    ]


def attempt(fn):
    try:
        return ["ok", fn()]
    except Exception as e:
        return ["raised", kind(e), str(e)]


def body(r):
    b = r.request.body
    return [type(b).__name__, b if isinstance(b, str) else b.decode("latin-1") if isinstance(b, bytes) else None]


BODIES = {
    "str": {"data": "h\u00e9llo"},
    "str_ctype": {"data": "plain", "headers": {"Content-Type": "text/x-mine"}},
    "bytes": {"data": b"\x00\x01"},
    "dict": {"data": {"a": "1", "b": "x y"}},
    "json": {"json": {"a": 1}},
    "none": {},
    "empty": {"data": ""},
}


class Web(HttpUser):
    wait_time = constant(0)

    @task
    def t(self):
        ev = self.environment.events.request
        out("client", type(self.client).__name__, isinstance(self.client, HttpSession))

        # A second host, as Locust's docs show it: keyword arguments, the user given.
        other = HttpSession(base_url=OTHER, request_event=ev, user=self)
        out("other_json", other.get("/json").json())
        out("other_404", other.get("/status/404", name="other-404").status_code)
        # Positional, no user, base URL with a path; a context manager.
        with HttpSession(OTHER + "/api", ev, None) as s:
            out("api_201", s.get("/status/201").status_code)
        out("extra_arg", attempt(lambda: HttpSession(OTHER, ev, self, "x")))
        out("extra_kwarg", attempt(lambda: HttpSession(OTHER, ev, self, nope=1)))
        out("pool_manager_kw", attempt(lambda: type(HttpSession(OTHER, ev, self, pool_manager=None)).__name__))
        fast = FastHttpSession(OTHER, ev, self)
        out("fast_echo", json.loads(fast.get("/echo").text)["path"])
        positional = lambda: FastHttpSession(OTHER, ev, self, False, None, None, network_timeout=3)  # noqa: E731
        out("fast_kw", attempt(lambda: type(positional()).__name__))
        out("fast_bad_kw", attempt(lambda: FastHttpSession(OTHER, ev, self, nope=1).get("/echo")))

        # requests' exceptions, caught as requests' classes.
        refused = self.client.get(REFUSED + "/x")
        out("refused", kind(refused.error), attempt(refused.raise_for_status)[:2])
        slow = self.client.get("/slow?s=2", timeout=0.3)
        out("read_timeout", kind(slow.error))
        out("http_error", attempt(self.client.get("/status/500").raise_for_status)[:2])
        out("json_error", attempt(self.client.get("/status/200").json))

        # Errors requests raises at call time propagate (no request is reported).
        out("missing_schema", attempt(lambda: HttpSession("", ev, self).get("/x")))
        out("invalid_schema", attempt(lambda: HttpSession("ftp://h", ev, self).get("/x")))
        out("no_host", attempt(lambda: self.client.get("http:///x")))
        out("bad_port", attempt(lambda: self.client.get("http://127.0.0.1:99999/x")))
        out("bad_port_base", attempt(lambda: HttpSession("http://127.0.0.1:99999", ev, self).get("/x")))
        out("no_adapter", attempt(lambda: self.client.get("127.0.0.1:1/x")))

        # request.body as Locust gives it.
        for key, kw in BODIES.items():
            out("http_body", key, body(self.client.post("/echo", **kw)))
            out("fast_body", key, body(fast.post("/echo", **kw)))
        raise StopUser()


class Fast(FastHttpUser):
    wait_time = constant(0)
    network_timeout = 0.3

    @task
    def t(self):
        out("fast_client", type(self.client).__name__)
        r = self.client.get("/slow?s=2")
        e = r.error
        out("fast_timeout", kind(e), type(getattr(e, "original", None)).__name__, str(getattr(e, "original", None)))
        out("fast_timeout_url", getattr(e, "url", None) == self.host + "/slow?s=2")
        refused = self.client.get(REFUSED + "/x")
        out("fast_refused", kind(refused.error), hasattr(refused.error, "original"))
        out("fast_404", kind(self.client.get("/status/404").error))
        raise StopUser()


@events.init.add_listener
def _fresh_clock(**_kwargs):
    # Locust 2.47 counts -t from gevent's cached loop time, stale by the whole start-up on a busy
    # machine (its runs then end early): refresh it so -t counts from here under both tools.
    gevent.get_hub().loop.update_now()
