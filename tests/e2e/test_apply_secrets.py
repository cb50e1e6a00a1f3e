"""The token shows nowhere: not on a 401, not in the state, plan file or report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.support import TOKEN_ENV, assert_no_secret, sandbox_process
from tests.support.cli import run_cli
from tests.support.projects import make_project, numbered, one_file

pytestmark = pytest.mark.slow


def test_a_rejected_token_stops_the_run_and_is_never_shown(tmp_path: Path) -> None:
    """A 401 stops everything after one request; the token is in no output or file."""
    root = tmp_path / "project"
    with sandbox_process() as sandbox:
        make_project(root, one_file(numbered(5)), api_url=sandbox.url)
        wrong = {"CONTACTSWING_TOKEN": "tok-SECRET-999"}
        result = run_cli(
            "apply", "--env", "dev", "--auto-approve", "--format", "json", cwd=root, env=wrong
        )
        assert result.returncode == 1
        assert sandbox.campaigns() == []
        assert "tok-SECRET-999" not in result.output
        assert result.stdout.count('"outcome": "failed"') == 1
        planned = run_cli("plan", "--env", "dev", "--out", "plan.json", cwd=root, env=TOKEN_ENV)
        applied = run_cli("apply", "plan.json", "--format", "markdown", cwd=root, env=TOKEN_ENV)
        assert applied.returncode == 0, applied.output
        assert len(sandbox.campaigns()) == 5
    for path in root.rglob("*"):
        if path.is_file():
            assert b"tok-SECRET-999" not in path.read_bytes()
    assert_no_secret(root, result.output, planned.output, applied.output)
