"""Four applies started at once: one runs, the others exit 1 naming the holder; no duplicate.

Runs on each backend (``target``): an OS file lock beside SQLite, a session advisory lock
on PostgreSQL (the shared state of a team's CI runners).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.e2e.support import (
    TOKEN_ENV,
    assert_converged,
    assert_no_secret,
    sandbox_process,
)
from tests.support.backends import StateTarget
from tests.support.cli import TRACEBACK_MARK
from tests.support.projects import make_project, numbered, one_file

pytestmark = pytest.mark.slow

APPLIES = 4


def test_only_one_of_four_concurrent_applies_runs(target: StateTarget) -> None:
    """Exactly one applies; each loser names the winner's pid and host and sends nothing."""
    root = target.root
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    env.update({**TOKEN_ENV, "NO_COLOR": "1"})
    cmd = [sys.executable, "-m", "reconciler", "apply", "--env", "dev", "--auto-approve"]
    with sandbox_process("--latency-ms", "200") as sandbox:
        keys = numbered(20)
        make_project(root, one_file(keys), api_url=sandbox.url, state=target.location)
        procs = [
            subprocess.Popen(
                [*cmd, "--parallelism", "1"],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(APPLIES)
        ]
        results = [(p, *p.communicate(timeout=180)) for p in procs]
        codes = sorted(p.returncode for p, _, _ in results)
        assert codes == [0] + [1] * (APPLIES - 1), [o + e for _, o, e in results]
        winner = next(p for p, _, _ in results if p.returncode == 0)
        for proc, out, err in results:
            if proc is winner:
                continue
            assert TRACEBACK_MARK not in err
            assert "locked" in err and f"pid {winner.pid} on {socket.gethostname()}" in err, err
            assert "created" not in out
        assert_converged(root, sandbox.url, sandbox, keys)
    assert_no_secret(root, *(o + e for _, o, e in results))
