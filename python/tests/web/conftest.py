"""Keeps each test's reports on its item, so a fixture's teardown knows whether the test failed
(test_browser.py then saves a screenshot of the page as the failure left it)."""

from __future__ import annotations

from typing import Dict, Generator

import pytest

REPORTS = pytest.StashKey[Dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: "pytest.CallInfo[None]"
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def failed(item: pytest.Item) -> bool:
    """Whether the test's setup or call failed (known in a fixture's teardown)."""
    return any(r.failed for r in item.stash.get(REPORTS, {}).values())
