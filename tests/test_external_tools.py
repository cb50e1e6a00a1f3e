"""Tests that need a tool from outside the venv: deselected by default, failed when missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import backends, external

REPO_ROOT = Path(__file__).resolve().parent.parent


class _Item:
    """The one thing the hook asks of a test item: its markers."""

    def __init__(self, *markers: str) -> None:
        self.markers = markers

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.markers else None


def test_the_default_run_deselects_them() -> None:
    """The README's plain ``pytest`` needs neither PostgreSQL, actionlint nor a browser."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "tests/workflow/test_actionlint.py", "tests/state/test_copy.py",
         "tests/workflow/test_workflows.py", "tests/report/test_browser.py"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    collected = [line for line in proc.stdout.splitlines() if "::" in line]
    assert collected, proc.stdout
    assert not [c for c in collected if "actionlint" in c or "postgres" in c]
    assert not [c for c in collected if "test_browser" in c]


@pytest.mark.parametrize(
    ("marker", "hint"),
    [
        ("postgres", ".ci/postgres.sh"),
        ("actionlint", ".ci/install-actionlint.sh"),
        ("browser", "apt-get install -y chromium"),
    ],
)
def test_a_selected_test_fails_when_its_tool_is_missing(
    marker: str, hint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Selected (as ``.ci/run`` does), a missing tool is a failure that says how to get it."""
    monkeypatch.setattr(backends, "PG_URL", "")
    monkeypatch.setenv("RECONCILER_ACTIONLINT_DIR", str(tmp_path))  # holds no actionlint
    monkeypatch.setenv("RECONCILER_CHROMIUM", str(tmp_path / "chromium"))  # no browser there
    with pytest.raises(pytest.fail.Exception, match=hint):
        external.pytest_runtest_setup(_Item(marker))  # type: ignore[arg-type]
    external.pytest_runtest_setup(_Item("slow"))  # needs nothing: runs


def test_ci_selects_every_marker() -> None:
    """``.ci/run`` runs the tests with ``-m ""``: the marked ones too, with their tools."""
    script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert '.venv/bin/pytest -m ""' in script
    assert "bash .ci/install-actionlint.sh" in script and ".ci/postgres.sh" in script
    assert "apt-get install -y -qq chromium" in script
