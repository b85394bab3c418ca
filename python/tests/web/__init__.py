"""Locust 2.47.0's web HTTP API, pinned (golden/) and replayed against rocust (api_calls.py), and
the web UI in a real browser (test_browser.py)."""
