"""Fixtures shared by every test area."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.support.tree import build_tree

REPO_ROOT = Path(__file__).resolve().parent.parent

# The state backends fixture (`target`, `pg_database`), shared by state, apply and e2e tests;
# the rule for tests that need a tool from outside the venv (PostgreSQL, actionlint).
pytest_plugins = ("tests.support.backends", "tests.support.external")


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    """Build a project tree in a fresh temporary directory."""

    def make(files: Mapping[str, str | bytes]) -> Path:
        return build_tree(tmp_path / "project", files)

    return make
