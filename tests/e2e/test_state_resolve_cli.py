"""state import / state forget through the CLI, after real in-doubt outcomes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.support import (
    TOKEN_ENV,
    assert_converged,
    assert_no_secret,
    sandbox_process,
    snapshot,
)
from tests.support.backends import StateTarget
from tests.support.cli import run_cli
from tests.support.projects import make_project, numbered, one_file

pytestmark = pytest.mark.slow


def _apply(root: Path) -> dict[str, object]:
    result = run_cli(
        "apply", "--env", "dev", "--auto-approve", "--format", "json", cwd=root, env=TOKEN_ENV
    )
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_import_what_contactswing_has(target: StateTarget) -> None:
    """A reset after the server created: import with its id; it then plans unchanged."""
    root = target.root
    with sandbox_process("--fail-rate", "1", "--faults", "reset") as sandbox:
        keys = numbered(2)
        make_project(root, one_file(keys), api_url=sandbox.url, state=target.location)
        assert _apply(root)["summary"]["in_doubt"] == 2  # type: ignore[index]
        ids = sandbox.ids()
        refused = run_cli("state", "import", "c000", "--id", ids["c000"], "--env", "dev", cwd=root)
        assert refused.returncode == 1 and "--auto-approve" in refused.stderr
        outputs = [refused.output]
        for key in keys:
            done = run_cli(
                "state", "import", key, "--id", ids[key], "--env", "dev", "--auto-approve", cwd=root
            )
            assert done.returncode == 0, done.output
            assert ids[key] in done.stdout and "in-doubt attempt" in done.stdout
            outputs.append(done.output)
        plan = run_cli("plan", "--env", "dev", "--format", "json", cwd=root)
        assert json.loads(plan.stdout)["summary"]["unchanged"] == 2
        assert_converged(root, sandbox.url, sandbox, keys)
    assert_no_secret(root, *outputs, plan.output)


def test_forget_what_contactswing_does_not_have(target: StateTarget) -> None:
    """A 500 (nothing created): forget it, and the next apply sends it once."""
    root = target.root
    with sandbox_process("--fail-rate", "1", "--faults", "500") as sandbox:
        make_project(root, one_file(numbered(1)), api_url=sandbox.url, state=target.location)
        assert _apply(root)["summary"]["in_doubt"] == 1  # type: ignore[index]
        assert sandbox.campaigns() == []
        done = run_cli("state", "forget", "c000", "--env", "dev", "--auto-approve", cwd=root)
        assert done.returncode == 0, done.output
        assert "Forgot c000" in done.stdout
        assert snapshot(root, sandbox.url).in_doubt == {}
        plan = run_cli("plan", "--env", "dev", "--format", "json", cwd=root)
        assert json.loads(plan.stdout)["summary"]["create"] == 1
