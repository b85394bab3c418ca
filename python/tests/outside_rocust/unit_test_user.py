"""A unit test that builds a user by hand, as Locust's docs and plugins do."""

import json
import sys

from locust import HttpUser, events
from locust.env import Environment

seen = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **_kwargs):
    seen.append([request_type, name, response_length, type(exception).__name__ if exception else None])


class Api(HttpUser):
    host = sys.argv[1]


environment = Environment(user_classes=[Api], events=events)
user = Api(environment)
first = user.client.get("/hello")
second = user.client.post("/missing", json={"a": 1})
print("@@ " + json.dumps([first.status_code, first.text, second.status_code, seen]), flush=True)
