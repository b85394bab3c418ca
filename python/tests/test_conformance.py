"""The same scenarios under real Locust 2.47.0 and under rocust give the same result.

Scenarios seed ``random`` and run on gevent in both processes, so task picks,
Markov walks and traces must match exactly, not just statistically (see
scenarios/*.py for what each one covers).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import needs_locust, run_both

pytestmark = needs_locust


def assert_same(rocust: Any, locust: Any, path: str = "") -> None:
    """Equality with a readable first difference."""
    if isinstance(rocust, dict) and isinstance(locust, dict):
        assert sorted(rocust) == sorted(locust), f"keys differ at {path or '/'}"
        for key in rocust:
            assert_same(rocust[key], locust[key], f"{path}/{key}")
    else:
        assert rocust == locust, f"at {path or '/'}:\n rocust: {rocust!r:.600}\n locust: {locust!r:.600}"


@pytest.mark.parametrize(
    "scenario",
    ["collection", "control_flow", "sequential_markov", "tags_weights", "stopping", "waits", "api_surface"],
)
def test_same_as_locust(scenario: str) -> None:
    rocust, locust = run_both(scenario)
    assert_same(rocust, locust)


def test_weighted_choice_ratios_are_what_the_weights_say() -> None:
    """Beyond equality with Locust: the seeded 2000-pick runs follow the weights."""
    rocust, _ = run_both("collection")
    mixed = rocust["totals"]["Mixed"]
    picked = sum(mixed.values())
    # Mixed: base_task 2, f1 2, f2 1, one 1, three 3, f3 0 -> 9 entries.
    for name, weight in [("base_task", 2), ("f1", 2), ("f2", 1), ("one", 1), ("three", 3)]:
        assert abs(mixed[name] / picked - weight / 9) < 0.03, (name, mixed)
    assert mixed["f3"] == 0


def test_markov_transition_counts_follow_weights() -> None:
    rocust, _ = run_both("sequential_markov")
    counts = rocust["markov_transition_counts"]
    from_browse = {k: v for k, v in counts.items() if k.startswith("browse>")}
    total = sum(from_browse.values())
    # browse -> index 1, product 3, browse 1
    assert abs(from_browse["browse>product"] / total - 0.6) < 0.05
    assert "cart>cart" not in counts  # weight-0 transition never taken
