"""Locustfile conformance suite: the same locustfiles under real Locust and rocust (see harness.py)."""
