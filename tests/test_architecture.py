"""The functional core stays pure: it imports no I/O library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reconciler"
PURE_MODULES = ["campaign.py", "plan.py", "planner.py", "guards.py"]
FORBIDDEN = {
    "httpx",
    "sqlalchemy",
    "alembic",
    "click",
    "rich",
    "jinja2",
    "yaml",
    "psycopg",
    "filelock",
}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", PURE_MODULES)
def test_core_module_imports_no_io_library(module: str) -> None:
    """Planner, plan and campaign values import neither HTTP, SQL, CLI, YAML nor Jinja."""
    path = PACKAGE / module
    assert path.exists(), f"{module} is part of the functional core and must exist"
    assert not (_imported_roots(path) & FORBIDDEN)
