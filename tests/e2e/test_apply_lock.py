"""Two applies started at once: one runs, the other exits 1 naming the lock holder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.support import (
    TOKEN_ENV,
    assert_converged,
    assert_no_secret,
    make_project,
    sandbox_process,
)
from tests.support.cli import TRACEBACK_MARK

pytestmark = pytest.mark.slow


def test_a_second_apply_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    """No duplicate: the loser names the holder's pid and sends nothing."""
    root = tmp_path / "project"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    env.update({**TOKEN_ENV, "NO_COLOR": "1"})
    cmd = [sys.executable, "-m", "reconciler", "apply", "--env", "dev", "--auto-approve"]
    with sandbox_process("--latency-ms", "150") as sandbox:
        keys = make_project(root, 20, sandbox.url)
        procs = [
            subprocess.Popen(
                [*cmd, "--parallelism", "1"],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [(p, *p.communicate(timeout=120)) for p in procs]
        assert sorted(p.returncode for p, _, _ in results) == [0, 1]
        loser = next(p for p, _, _ in results if p.returncode == 1)
        winner = next(p for p, _, _ in results if p.returncode == 0)
        _, out, err = next(r for r in results if r[0] is loser)
        assert TRACEBACK_MARK not in err
        assert "lock" in err.lower() and f"pid {winner.pid}" in err, err
        assert "created" not in out
        assert_converged(root, sandbox.url, sandbox, keys)
    assert_no_secret(root, *(o + e for _, o, e in results))
