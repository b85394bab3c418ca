"""HttpUser's TLS settings, each request once, in order; one "@@" line per request event
and per exception raised by a request. Servers and certificates: tls_streaming/servers.py."""

import json
import os

from locust import HttpUser, events, task
from locust.exception import StopUser

P = {k[4:].lower(): v for k, v in os.environ.items() if k.startswith("PKI_")}
CA_URL, SELF_URL, LOCALHOST_URL, MTLS_URL = (
    os.environ["CA_URL"], os.environ["SELF_URL"], os.environ["LOCALHOST_URL"], os.environ["MTLS_URL"],
)
PLAIN_URL = os.environ["PLAIN_URL"]


def mark(*values):
    print("@@ " + json.dumps(list(values)), flush=True)


@events.request.add_listener
def on_request(request_type, name, response_time, response_length, exception, **kw):
    mark("request", name, response_length, repr(exception) if exception else None)


class TlsUser(HttpUser):
    host = CA_URL

    def call(self, name, url, **kwargs):
        try:
            r = self.client.get(url, name=name, **kwargs)
            if r.status_code:
                mark("body", name, r.text)
        except Exception as e:  # what a request raises instead of recording
            mark("raised", name, repr(e))

    @task
    def sequence(self):
        c = self.client
        self.call("default", "/default")
        self.call("perreq-off", "/perreq-off", verify=False)
        self.call("perreq-ca", "/perreq-ca", verify=P["ca"])
        self.call("perreq-ca-dir", "/perreq-ca-dir", verify=P["cas"])
        c.verify = False
        self.call("sess-off", "/sess-off")
        self.call("sess-off-req-true", "/sess-off-req-true", verify=True)
        c.verify = P["ca"]
        self.call("sess-ca", "/sess-ca")
        self.call("localhost-by-name", LOCALHOST_URL.replace("127.0.0.1", "localhost") + "/by-name")
        self.call("localhost-by-ip", LOCALHOST_URL + "/by-ip")
        c.verify = True
        self.call("self-default", SELF_URL + "/self")
        self.call("self-trusted", SELF_URL + "/self-trusted", verify=P["self"])
        self.call("mtls-no-cert", MTLS_URL + "/no-cert", verify=P["ca"])
        self.call("mtls-cert", MTLS_URL + "/cert", verify=P["ca"], cert=(P["client"], P["client_key"]))
        self.call("mtls-both", MTLS_URL + "/both", verify=P["ca"], cert=P["client-both"])
        c.cert = P["client-both"]
        self.call("mtls-session-cert", MTLS_URL + "/session-cert", verify=P["ca"])
        c.cert = None
        self.call("missing-ca", "/missing-ca", verify=P["dir"] + "/missing.pem")
        self.call("missing-ca-http", PLAIN_URL + "/missing-ca-http", verify=P["dir"] + "/missing.pem")
        self.call("missing-cert", PLAIN_URL + "/missing-cert", cert=P["dir"] + "/missing.pem")
        self.call("bad-ca", "/bad-ca", verify=P["client_key"])
        mark("done")
        self.environment.runner.quit()
        # (Locust's quit ends this greenlet at once; rocust's after the task.)
        raise StopUser()
