"""DNSUser against dnsmasq: UDP and TCP queries that are answered, one with a name of its own,
a name the server does not know (no answer: a failure) and a query to a port nobody serves
(dnspython's Timeout: a failure)."""

from __future__ import annotations

import os

import dns.message
import dns.rdatatype
from scripted import finish

from locust import constant, task
from locust.contrib.dns import DNSUser

PORT = int(os.environ["CONTRIB_DNS_PORT"])
SILENT_PORT = int(os.environ["CONTRIB_SILENT_UDP_PORT"])


class Script(DNSUser):
    wait_time = constant(0)

    @task
    def script(self) -> None:
        known = dns.message.make_query("www.locust.test", dns.rdatatype.A)
        self.client.udp(known, "127.0.0.1", port=PORT, timeout=5)
        self.client.tcp(known, "127.0.0.1", port=PORT, timeout=5)
        self.client.udp(known, "127.0.0.1", port=PORT, timeout=5, name="named")
        unknown = dns.message.make_query("nobody.example.invalid", dns.rdatatype.A)
        self.client.udp(unknown, "127.0.0.1", port=PORT, timeout=5)
        self.client.udp(known, "127.0.0.1", port=SILENT_PORT, timeout=0.3, name="silent")
        finish(self)
