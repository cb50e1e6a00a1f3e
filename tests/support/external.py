"""Tests that need a tool from outside the Python environment: one rule for all of them.

Each carries the tool's marker. The default run deselects them (pyproject.toml's addopts);
selected (``.ci/run`` selects every marker with ``-m ""``), a missing tool fails the test
with how to get it. Never a skip: that would let CI pass without running them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.actionlint import actionlint_missing
from tests.support.backends import postgres_missing
from tests.support.browser import chromium_missing

# marker -> why the tool cannot be used here (None: it can)
EXTERNAL_TOOLS: dict[str, Callable[[], str | None]] = {
    "postgres": postgres_missing,
    "actionlint": actionlint_missing,
    "browser": chromium_missing,
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, missing in EXTERNAL_TOOLS.items():
        if item.get_closest_marker(marker) is not None and (problem := missing()):
            pytest.fail(f"this test needs {marker}: {problem}", pytrace=False)
