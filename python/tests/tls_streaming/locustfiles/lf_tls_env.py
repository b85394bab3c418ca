"""REQUESTS_CA_BUNDLE (set by the test to the test CA): HttpUser's client ignores it, as
Locust sets its trust_env to False; with trust_env on again it is used as requests uses
it, even over a session's verify=False, while verify=False per request still wins."""

import json
import os

from locust import HttpUser, events, task
from locust.exception import StopUser


def mark(*values):
    print("@@ " + json.dumps(list(values)), flush=True)


@events.request.add_listener
def on_request(request_type, name, response_time, response_length, exception, **kw):
    mark("request", name, response_length, repr(exception) if exception else None)


class EnvUser(HttpUser):
    host = os.environ["CA_URL"]

    @task
    def sequence(self):
        c = self.client
        self_url = os.environ["SELF_URL"]
        mark("trust_env", c.trust_env)
        c.get("/env-ignored", name="env-ignored")
        c.trust_env = True
        c.get("/env-default", name="env-default")
        c.get("/env-true", name="env-true", verify=True)
        c.get(self_url + "/env-off", name="env-off", verify=False)
        c.verify = False
        c.get(self_url + "/env-over-session", name="env-over-session")
        c.trust_env = False
        c.get(self_url + "/no-trust-env", name="no-trust-env")
        mark("done")
        self.environment.runner.quit()
        # (Locust's quit ends this greenlet at once; rocust's after the task.)
        raise StopUser()
