"""FastHttpUser's TLS: insecure (the default and off), ssl_context_factory with a custom
CA and a client certificate, one user of each class doing its requests once."""

import json
import os
import ssl

import gevent
from locust import FastHttpUser, constant, events, task

P = {k[4:].lower(): v for k, v in os.environ.items() if k.startswith("PKI_")}
DONE = []


def mark(*values):
    print("@@ " + json.dumps(list(values)), flush=True)


@events.request.add_listener
def on_request(request_type, name, response_time, response_length, exception, **kw):
    mark("request", name, response_length, repr(exception) if exception else None)


def with_ca(cafile=None):
    ctx = ssl.create_default_context()
    ctx.load_verify_locations(P["ca"])
    return ctx


def with_client_cert():
    ctx = ssl.create_default_context(cafile=P["ca"])
    ctx.load_cert_chain(P["client"], P["client_key"])
    return ctx


def no_hostname_check():
    ctx = ssl.create_default_context(cafile=P["ca"])
    ctx.check_hostname = False
    return ctx


class Base(FastHttpUser):
    abstract = True
    host = os.environ["CA_URL"]
    wait_time = constant(60)
    urls = ()

    @task
    def sequence(self):
        for name, url in self.urls:
            try:
                r = self.client.get(url, name=name)
                if r.status_code:
                    mark("body", name, r.text)
            except Exception as e:
                mark("raised", name, repr(e))
        DONE.append(type(self).__name__)
        mark("done")
        if len(DONE) == 5:
            gevent.spawn_later(0.2, self.environment.runner.quit)


class Insecure(Base):
    urls = (("insecure-default", "/a"), ("insecure-self", os.environ["SELF_URL"] + "/b"))


class Secure(Base):
    insecure = False
    urls = (("secure-unknown-ca", "/c"), ("secure-self", os.environ["SELF_URL"] + "/d"))


class FactoryCa(Base):
    insecure = False
    ssl_context_factory = staticmethod(with_ca)
    urls = (("factory-ca", "/e"), ("factory-ca-ip-mismatch", os.environ["LOCALHOST_URL"] + "/f"))


class FactoryNoHostname(Base):
    # insecure (the default) turns the hostname check off; the factory's CA still counts.
    ssl_context_factory = staticmethod(with_ca)
    urls = (("factory-insecure-ip", os.environ["LOCALHOST_URL"] + "/g"), ("factory-insecure-self", os.environ["SELF_URL"] + "/h"))


class FactoryClientCert(Base):
    insecure = False
    ssl_context_factory = staticmethod(with_client_cert)
    urls = (("factory-client-cert", os.environ["MTLS_URL"] + "/i"),)
