"""An HttpSession in a plain script (Locust's documented way to reach a second host)."""

import json
import sys

from locust import events
from locust.clients import HttpSession

seen = []
events.request.add_listener(lambda request_type, name, exception, **_kw: seen.append([request_type, name, repr(exception) if exception else None]))

session = HttpSession(base_url=sys.argv[1], request_event=events.request, user=None)
response = session.get("/hello", name="greeting")
failed = session.get("/fail")
print("@@ " + json.dumps([response.status_code, response.text, failed.status_code, seen]), flush=True)
