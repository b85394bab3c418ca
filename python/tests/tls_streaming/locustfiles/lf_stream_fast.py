"""FastHttpUser with stream=True: recorded at the head (length from Content-Length),
the body read from response.stream / iter_content / read() / content on demand."""

import json
import os
import time

from locust import FastHttpUser, events, task
from locust.exception import StopUser

URL = os.environ["STREAM_URL"]


def mark(*values):
    print("@@ " + json.dumps(list(values)), flush=True)


@events.request.add_listener
def on_request(request_type, name, response_time, response_length, exception, **kw):
    mark("request", name, response_length, repr(exception) if exception else None, response_time < 300)


class FastStreamUser(FastHttpUser):
    host = URL

    @task
    def sequence(self):
        c = self.client
        c.get("/delayed", name="plain")
        r = c.get("/delayed", name="stream", stream=True)
        started = time.perf_counter()
        mark("content", r.content.decode(), time.perf_counter() - started >= 0.3)

        r = c.get("/chunked?n=3", name="chunked-no-length", stream=True)
        mark("stream_read", r.stream.read(4).decode(), r.stream.readline(b"\n").decode())
        pieces = []
        last = time.perf_counter()
        for chunk in r.iter_content(chunk_size=9):
            pieces.append([chunk, time.perf_counter() - last >= 0.15])
            last = time.perf_counter()
        mark("iter_content", pieces)
        r = c.get("/length?n=3&gap=0.1", name="length-read", stream=True)
        mark("read", r.read(5).decode(), r.read().decode())
        r = c.get("/gzip", name="gzip-content", stream=True)
        mark("gzip_content", r.content.decode()[:20])
        mark("lines", list(c.iter_lines("/chunked?n=2&gap=0.05", name="iter-lines")))

        r = c.get("/endless", name="endless", stream=True)
        mark("endless", r.stream.read(5).decode())
        r.release()
        time.sleep(0.5)
        mark("open-after-release", c.get("/open", name="open").text)
        mark("done")
        self.environment.runner.quit()
        # (Locust's quit ends this greenlet at once; rocust's after the task.)
        raise StopUser()
