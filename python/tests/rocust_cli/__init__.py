"""Helpers and locustfiles for test_rocust_cli.py."""
