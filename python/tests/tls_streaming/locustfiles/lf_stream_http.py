"""HttpUser with stream=True against servers whose bodies come slowly: what is recorded
(response time to the head, length from Content-Length) and how the body is read
(iter_content, iter_lines, raw.read, content on demand, close before the end)."""

import gc
import json
import os
import time

from locust import HttpUser, events, task
from locust.exception import StopUser

URL = os.environ["STREAM_URL"]


def mark(*values):
    print("@@ " + json.dumps(list(values)), flush=True)


@events.request.add_listener
def on_request(request_type, name, response_time, response_length, exception, **kw):
    # The body of /delayed comes 400 ms after the head: timed to the head or not.
    mark("request", name, response_length, repr(exception) if exception else None, response_time < 300)


def arrivals(pieces):
    """The pieces, and whether each came at least 150 ms after the previous one."""
    out, last = [], time.perf_counter()
    for piece in pieces:
        now = time.perf_counter()
        out.append([piece if isinstance(piece, str) else piece.decode("latin-1"), now - last >= 0.15])
        last = now
    return out


class StreamUser(HttpUser):
    host = URL

    @task
    def sequence(self):
        c = self.client
        c.get("/delayed", name="plain")
        r = c.get("/delayed", name="stream", stream=True)
        started = time.perf_counter()
        mark("content", r.content.decode(), time.perf_counter() - started >= 0.3)
        c.stream = True
        r = c.get("/delayed", name="session-stream")
        mark("session-content", r.content.decode())
        c.stream = False

        r = c.get("/chunked?n=3", name="chunked-iter-lines", stream=True)
        mark("iter_lines", arrivals(r.iter_lines()))
        r = c.get("/chunked?n=3", name="chunked-iter-content", stream=True)
        mark("iter_content", arrivals(r.iter_content(chunk_size=4)))
        r = c.get("/chunked?n=3", name="chunked-iter-content-none", stream=True)
        mark("iter_content_none", arrivals(r.iter_content(chunk_size=None, decode_unicode=True)))
        r = c.get("/close?n=3&gap=0.1", name="close-iter-content", stream=True)
        mark("close_iter_content", [p.decode() for p in r.iter_content(chunk_size=5)])
        r = c.get("/length?n=3&gap=0.1", name="length-raw-read", stream=True)
        mark("raw_read", [r.raw.read(4).decode(), r.raw.read(100).decode(), r.raw.read(4).decode()])
        r = c.get("/gzip", name="gzip-stream", stream=True)
        mark("gzip_lines", [line.decode() for line in r.iter_lines()][:3])
        r = c.get("/gzip", name="gzip-raw", stream=True)
        raw = r.raw.read()
        mark("gzip_raw", raw[:2].hex(), len(raw) > 20)

        r = c.get("/chunked?n=2&gap=0.05", name="consumed", stream=True)
        for _ in r.iter_content(chunk_size=None):
            pass
        try:
            r.content
        except Exception as e:
            mark("content-after-iteration", repr(e))

        r = c.get("/endless", name="endless", stream=True)
        mark("endless", next(r.iter_content(chunk_size=None)).decode())
        r.close()
        time.sleep(0.5)
        mark("open-after-close", c.get("/open", name="open").text)
        # Forgotten without being read or closed: garbage collection releases it.
        r = c.get("/endless", name="endless-forgotten", stream=True)
        mark("endless-forgotten", r.raw.read(5).decode())
        del r
        gc.collect()
        time.sleep(0.5)
        mark("open-after-forget", c.get("/open", name="open").text)
        mark("done")
        self.environment.runner.quit()
        # (Locust's quit ends this greenlet at once; rocust's after the task.)
        raise StopUser()
